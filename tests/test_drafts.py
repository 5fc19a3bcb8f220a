"""起草: drafts of part 七 from the answers (templates/annual_report.drafts.yaml) and the 完成值 prefill."""

from __future__ import annotations

import re

import pytest
from conftest import make_session, sample_answers

from assistant.form.expr import count_chars
from assistant.interview import drafts
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine

NARRATIVE = ["overview", "achievements", "key_work", "problems", "next_plan", "suggestions"]
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _numbers_in_answers(engine: Engine) -> set[str]:
    """Every number the answers and computed values show, as printed (and the years)."""
    ctx = drafts.context(engine)
    found = {str(engine.year), str(engine.year - 1), str(engine.year + 1)}
    texts = [*ctx["a"].values(), *(n for names in ctx["names"].values() for n in names),
             *(str(v) for row in ctx["rows"] for v in row.values() if v),
             *(str(v) for rows in ctx["lists"].values() for row in rows for v in row.values() if v),
             *(str(t) for t in ctx["totals"].values())]
    for t in texts:
        found.update(NUMBER.findall(t))
        found.update(NUMBER.findall(drafts.prose_text(t)))
    return found


@pytest.mark.parametrize("drop", [(), ("targets",), ("leading_output_growth", "rd_expense", "iip_enterprises")])
def test_every_number_in_a_draft_comes_from_the_answers(store, drop):
    session = make_session(store, "annual", {k: v for k, v in sample_answers().items()
                                             if k not in drop and k not in NARRATIVE})
    engine = Engine.for_session(session)
    allowed = _numbers_in_answers(engine)
    for qid in NARRATIVE:
        text = drafts.draft(engine, qid)
        stray = [x for x in NUMBER.findall(text) if x not in allowed]
        assert not stray, (qid, stray, text)
    overview = drafts.draft(engine, "overview")
    assert "128.6亿元" in overview and "326家" in overview


def test_a_missing_figure_leaves_its_sentence_out(store):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE and k != "total_output"}
    engine = Engine.for_session(make_session(store, "annual", answers))
    text = drafts.draft(engine, "overview")
    assert "总产值" not in text and "326家" in text


def test_negative_growth_is_said_as_a_fall(store):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers["leading_output_growth"] = "-3.5"
    engine = Engine.for_session(make_session(store, "annual", answers))
    assert "主导产业产值同比下降3.5%" in drafts.draft(engine, "achievements")


def test_a_draft_fits_what_the_budget_leaves(store):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers.update({"key_work": "甲" * 2920, "problems": "无", "next_plan": "无", "suggestions": "无"})
    engine = Engine.for_session(make_session(store, "annual", answers))
    left = drafts.remaining_budget(engine, "overview")
    assert left == 80
    text = drafts.draft(engine, "overview")
    assert 0 < count_chars(text) <= 80 and text.endswith("。")


def test_chat_offers_the_draft_and_stores_it_only_when_accepted(store):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    conv.engine.jump("overview")
    reply = conv.handle("起草")
    assert "根据已填的答案起草如下" in reply.messages[0] and "128.6亿元" in reply.messages[0]
    assert "overview" not in session.answers and session.drafts["overview"].startswith("上海浦江示例")
    conv.handle("否")  # not taken: the draft waits in the editor, nothing is recorded
    assert "overview" not in session.answers and conv.engine.current().id == "overview"
    conv.handle("起草")
    conv.handle("1")
    assert session.answers["overview"].startswith("上海浦江示例") and "overview" not in session.drafts


def test_chat_prefills_the_actual_column_of_the_targets_table(store):
    answers = {k: v for k, v in sample_answers().items() if k != "targets"}
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    conv.engine.jump("targets")
    reply = conv.handle("起草")
    assert "2023 年完成值" in reply.messages[0] and "35600.00 万元" in reply.messages[0]
    conv.handle("是")
    actual = {r["indicator"]: r.get("actual") for r in session.answers["targets"]}
    assert actual["研发经费投入"] == "35600.00 万元" and actual["有效发明专利数量"] == "36 件"
    assert actual["单位工业产值能耗"] == "下降3.60%" and actual["集群产值年均增速"] is None  # no answer is it


def test_draft_elsewhere_says_where_it_works(store):
    conv = Conversation(Engine.for_session(make_session(store, "annual", {})))
    reply = conv.handle("起草")
    assert reply.refused and "“七、2023 年集群工作”的各段文字" in reply.messages[0]


# -- what a draft quoted, kept true ------------------------------------------------------------------
def _adopted(store, qid: str = "overview", **changes):
    """A report with the sample figures and the draft of `qid` adopted through the conversation."""
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers.update(changes)
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    conv.engine.jump(qid)
    conv.handle("起草")
    conv.handle("1")
    assert qid in session.answers
    return session, conv


def _narrative(engine: Engine) -> list:
    return [f for f in engine.findings() if f.rule in drafts.NARRATIVE_RULES]


def test_a_draft_records_the_answers_it_quoted_typed_and_saved(store):
    session, _conv = _adopted(store)
    quotes = {q.source: q for q in session.quotes["overview"]}
    total = quotes["total_output"]
    assert (total.kind, total.value, total.shown) == ("answer", "128.6亿元", "128.6亿元")
    assert len(total.sentences) == 1 and "2023年，集群总产值128.6亿元" in total.sentences[0]
    assert {"cluster_name", "enterprise_count", "sme_count", "hightech_count"} <= set(quotes)
    store.save(session)
    again = store.load(session.id)
    assert again.quotes == session.quotes and isinstance(again.quotes["overview"][0], type(total))


def test_a_changed_figure_flags_the_adopted_draft_naming_old_and_new(store):
    """The issue's case: adopted with 128.60 亿元, the figure changed to 97.00: the part is flagged, said at once."""
    _session, conv = _adopted(store)
    assert _narrative(conv.engine) == []
    conv.engine.jump("total_output")
    reply = conv.handle("97")
    said = "\n".join(reply.messages)
    assert "128.6亿元" in said and "97亿元" in said and "起草" in said  # told when the figure changes
    found = _narrative(conv.engine)
    assert [(f.qid, f.severity, f.about) for f in found] == [("overview", "warning", ("total_output",))]
    assert "128.6亿元" in found[0].message and "97亿元" in found[0].message
    assert found[0].brief == "128.6→97亿元（集群总产值）"
    conv.engine.jump("overview")
    assert any("128.6亿元" in f.message for f in conv.view().findings)  # on the narrative's own view


def test_redraw_rewrites_only_the_stale_sentences_and_keeps_the_operators_text(store):
    session, conv = _adopted(store)
    e = conv.engine
    mine = session.answers["overview"].replace("为主导产业。", "为主导产业，发展势头良好。") + "\n另：我们自己写的一段话。"
    e.set("overview", mine, advance=False)
    e.set("total_output", "97.00", advance=False)
    e.jump("overview")
    reply = conv.handle("起草")
    text = "\n".join(reply.messages)
    assert "原：2023年，集群总产值128.6亿元" in text and "改：2023年，集群总产值97亿元" in text
    assert "只改这 1 句" in text
    conv.handle("1")
    want = mine.replace("总产值128.6亿元", "总产值97亿元")
    assert session.answers["overview"] == want  # every other character as it was
    assert _narrative(e) == []
    assert {q.shown for q in session.quotes["overview"] if q.source == "total_output"} == {"97亿元"}
    e.set("total_output", "90.00", advance=False)  # and the next change is noticed too
    assert "97亿元" in _narrative(e)[0].message


def test_a_reworded_sentence_keeps_its_words_with_the_new_figure(store):
    session, conv = _adopted(store)
    e = conv.engine
    old = session.answers["overview"]
    mine = old.replace("中小企业产值占比82.5%。", "中小企业产值占比82.5%，稳中有进。")
    assert mine != old
    e.set("overview", mine, advance=False)
    e.set("total_output", "97.00", advance=False)
    fix = drafts.redraw(e, "overview")
    assert fix is not None and fix.manual == []
    assert fix.text == mine.replace("128.6亿元", "97亿元")


def test_a_growth_that_turns_negative_is_drawn_again_as_a_fall(store):
    session, conv = _adopted(store, "achievements")
    e = conv.engine
    assert "主导产业产值同比增长12.4%" in session.answers["achievements"]
    e.set("leading_output_growth", "-3.50", advance=False)
    assert "12.4%" in _narrative(e)[0].message and "-3.5%" in _narrative(e)[0].message
    fix = drafts.redraw(e, "achievements")
    assert fix is not None and "主导产业产值同比下降3.5%" in fix.text and "同比增长12.4%" not in fix.text
    assert "主导产业规模持续扩大" in session.answers["achievements"]
    assert "主导产业规模持续扩大" not in fix.text  # the opening words follow the sign too
    # the operator's own sentence with that figure: the words say 增长, so it is left for them to write
    e.set("achievements", "今年主导产业产值同比增长 12.40%，态势良好。", advance=False)
    fix = drafts.redraw(e, "achievements")
    assert fix is not None and fix.manual == ["今年主导产业产值同比增长 12.40%，态势良好。"]
    assert fix.text == session.answers["achievements"]


def test_redraw_whole_paragraph_and_keep_as_it_is_are_offered(store):
    session, conv = _adopted(store)
    e = conv.engine
    e.set("total_output", "97.00", advance=False)
    e.jump("overview")
    reply = conv.handle("起草")
    assert "整段重新起草" in reply.messages[-1] and "先不改" in reply.messages[-1]
    reply = conv.handle("2")  # whole paragraph: the usual draft offer
    assert "根据已填的答案起草如下" in reply.messages[0] and "97亿元" in reply.messages[0]
    conv.handle("1")
    assert "97亿元" in session.answers["overview"] and _narrative(e) == []
    e.set("total_output", "96.00", advance=False)
    e.jump("overview")
    conv.handle("起草")
    conv.handle("3")  # keep: nothing changes, the warning stays
    assert "97亿元" in session.answers["overview"] and len(_narrative(e)) == 1


def test_a_figure_removed_after_the_draft_is_flagged_and_its_sentence_offered_for_removal(store):
    session, conv = _adopted(store)
    e = conv.engine
    session.answers.pop("total_output")
    e.set("cluster_name", session.answers["cluster_name"], advance=False)  # recompute
    found = _narrative(e)
    assert found and "没有答案" in found[0].message
    fix = drafts.redraw(e, "overview")
    gone = "2023年，集群总产值128.6亿元，主导产业产值占集群总产值的76.3%，中小企业产值占比82.5%。"
    assert fix is not None and (gone, "") in fix.changes
    assert "128.6" not in fix.text


def test_quoting_works_for_any_template(store, monkeypatch):
    """Nothing in the program knows what the templates say: a new template's quotes are recorded the same way."""
    spec = dict(drafts._spec("annual_report"))
    spec["drafts"] = {**spec["drafts"], "overview": "本集群有企业 {{ a.enterprise_count }} 家。全年产值 {{ a.total_output }}！"}
    monkeypatch.setattr(drafts, "_spec", lambda form: spec)
    session, conv = _adopted(store)
    assert session.answers["overview"] == "本集群有企业326家。全年产值128.6亿元！"
    conv.engine.set("enterprise_count", 330, advance=False)
    fix = drafts.redraw(conv.engine, "overview")
    assert fix is not None and fix.text == "本集群有企业330家。全年产值128.6亿元！"


# -- figures the operator wrote ----------------------------------------------------------------------
@pytest.mark.parametrize("text, flagged", [
    ("今年总产值 128.60 亿元，发展良好。", ["总产值 128.60 亿元"]),  # the example: the answer is 97.00
    ("集群总产值为 1286000 万元。", ["集群总产值为 1286000 万元"]),  # another unit, converted before comparing
    ("集群总产值 970000 万元。", []),  # the same figure in 万元
    ("集群总产值 97 亿元，集群现有企业 300 家。", ["集群现有企业 300 家"]),
    ("2022 年集群总产值 110 亿元。", []),  # another year
    ("较上年总产值 110 亿元增长较快。", []),
    ("集群总产值约 100 亿元。", []),  # approximate: not compared
    ("集群总产值 100 多亿元。", []),
    ("总产值增长 10 亿元。", []),  # a change, not the figure
    ("主导产业产值占集群总产值的 62.50%。", ["主导产业产值占集群总产值的 62.50%"]),
    ("主导产业产值同比下降 3.50%。", ["主导产业产值同比下降 3.50%"]),  # the answer is +12.40
    ("主导产业产值同比增长 12.40%。", []),
    ("集群内有专精特新企业数量 30 家。", []),  # not 集群企业数量
])
def test_figures_the_operator_wrote_are_checked_against_the_answers(store, text, flagged):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers.update(total_output="97", key_work=text)
    engine = Engine.for_session(make_session(store, "annual", answers))
    found = _narrative(engine)
    assert [f.qid for f in found] == ["key_work"] * len(flagged)
    for f, said in zip(found, flagged, strict=True):
        assert f"“{said}”" in f.message and f.rule == drafts.MISMATCH


def test_a_figure_the_operator_wrote_is_corrected_in_place_by_draft(store):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers.update(total_output="97", key_work="我们做了很多工作，总产值 128.60 亿元，集群现有企业 300 家。明年再接再厉。")
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    conv.engine.jump("key_work")
    reply = conv.handle("起草")
    assert "128.60≠97.00 亿元（总产值）" in reply.messages[0]
    conv.handle("1")
    assert session.answers["key_work"] == "我们做了很多工作，总产值 97.00 亿元，集群现有企业 326 家。明年再接再厉。"
    assert _narrative(conv.engine) == []


def test_which_answer_a_phrase_names_comes_from_the_form_data():
    """Phrases are the drafts file's `figures` and the printed labels: each names a numeric question, and no
    phrase names two (such a phrase is dropped, never guessed)."""
    from assistant.form.catalog import load_flow

    flow = load_flow("annual")
    figures = drafts._spec("annual_report")["figures"]
    assert all(flow[qid].type in ("integer", "decimal", "percent") for qid in figures)
    _pattern, names = drafts._phrases("annual_report", 2023)
    assert names["总产值"] == "total_output" and names["集群总产值"] == "total_output"
    assert all(names[p] == qid for qid, phrases in figures.items() for p in phrases)


def test_the_drafts_themselves_state_every_figure_as_the_answers_do(store):
    """Every draft of the sample, read by the same check, matches the answers (the phrases fit the templates)."""
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    engine = Engine.for_session(make_session(store, "annual", answers))
    for qid in NARRATIVE:
        assert drafts._mismatches(engine, qid, drafts.draft(engine, qid)) == [], qid
    engine = Engine.for_session(make_session(store, "annual"))  # the sample's own narrative too
    assert _narrative(engine) == []


def test_a_figure_in_a_narrative_without_a_template_is_corrected_by_draft_too(store):
    """Any long text naming a figure (事故说明 has no draft template): 起草 there offers the corrected sentence only."""
    answers = {**sample_answers(), "total_output": "97", "no_accident": "否",
               "accident_detail": "当年集群总产值 128.60 亿元，未受影响。"}
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    conv.engine.jump("accident_detail")
    reply = conv.handle("起草")
    assert "整段重新起草" not in reply.messages[-1] and "只改这 1 句" in reply.messages[-1]
    conv.handle("1")
    assert session.answers["accident_detail"] == "当年集群总产值 97.00 亿元，未受影响。"


# -- guided sub-questions, 公文 figures, and `filing draft` ------------------------------------------------
def test_draft_on_problems_works_on_a_complete_report(store):
    """The issue's case: 起草 on 四、存在问题 of a complete report said 已填的答案还不足以起草; now the figures'
    problems and the operator's own (from the sub-question) are drafted, never a check message."""
    answers = {k: v for k, v in sample_answers().items() if k != "problems"}
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    conv.engine.jump("problems")
    reply = conv.handle("起草")
    said = reply.messages[0].split("：\n", 1)[1]  # the draft itself
    assert "不足以起草" not in reply.messages[0] and "一是利用外资有所减少，外商直接投资额同比下降2.5%" in said
    assert "二是高端人才供给不足，主要原因是园区周边住房和配套服务不足" in said
    assert "请核对" not in said and "仅作提示" not in said


def test_draft_offers_the_parts_sub_questions_first_and_uses_their_answers(store):
    answers = {k: v for k, v in sample_answers().items() if k not in (*NARRATIVE, "key_work_items")}
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    e = conv.engine
    e.jump("key_work")
    reply = conv.handle("起草")  # nothing in the figures is a piece of work done: nothing is invented
    assert "助手不替您编写" in reply.messages[0] and "重点工作（要点）" in reply.messages[0]
    e.jump("overview")
    session.answers.pop("overview_brand")
    reply = conv.handle("起草")
    assert "先回答“品牌活动（总体情况）”等 1 个小问题，再起草" in reply.messages[-1]
    reply = conv.handle("3")
    assert e.current().id == "overview_brand" and "回到“一、集群发展总体情况”再输入“起草”" in reply.messages[0]
    assert session.drafts["overview"].startswith("上海浦江示例")  # the draft waits in the editor
    conv.handle("举办传感器创新大赛，参赛团队86个")
    assert e.current().id == "overview_standing" or e.current().id == "overview"
    e.jump("overview")
    reply = conv.handle("起草")
    assert "品牌建设方面，举办传感器创新大赛，参赛团队86个。" in reply.messages[0]


def test_the_problems_sub_question_shows_what_the_figures_already_say(store):
    answers = {k: v for k, v in sample_answers().items() if k not in (*NARRATIVE, "problems_items")}
    answers["leading_output_growth"] = "-3.2"
    conv = Conversation(Engine.for_session(make_session(store, "annual", answers)))
    conv.engine.jump("problems_items")
    offer = "\n".join(conv.view().offer)
    assert "起草“四、存在问题”时会写入" in offer and "主导产业产值同比下降3.2%" in offer
    assert "从已填的数字看" in conv.view().text()


def test_a_changed_sub_answer_flags_the_adopted_draft_and_redraw_keeps_its_facts(store):
    session, conv = _adopted(store, "key_work")
    e = conv.engine
    assert "二是建设公共测试服务平台，68家企业参与或受益，全年服务企业120家次；" in session.answers["key_work"]
    rows = [dict(r) for r in session.answers["key_work_items"]]
    rows[1]["result"] = "全年服务企业150家次"
    e.set("key_work_items", rows, advance=False)
    assert [f.qid for f in _narrative(e)] == ["key_work"]
    fix = drafts.redraw(e, "key_work")
    assert fix is not None and "全年服务企业150家次" in fix.text and "全年服务企业120家次" not in fix.text
    assert "一是强链补链，引进晶圆级封装项目2个" in fix.text  # the other facts stay
    assert [new for _old, new in fix.changes] == [
        "二是建设公共测试服务平台，68家企业参与或受益，全年服务企业150家次；"]  # just the sentence that changed


@pytest.mark.parametrize("value, want", [("128.60", "128.6"), ("35600.00", "35600"), ("-3.20", "-3.2"),
                                         ("0.00", "0"), ("12.35", "12.35"), ("100", "100")])
def test_figures_in_running_text_drop_trailing_zeros(value, want):
    from decimal import Decimal
    assert drafts.plain_number(Decimal(value)) == want


def test_running_text_has_no_space_between_figures_and_words():
    assert drafts.prose_spacing("2023 年集群总产值 128.6 亿元，企业 326 家") == "2023年集群总产值128.6亿元，企业326家"
    assert drafts.prose_spacing("MEMS 压力传感器") == "MEMS 压力传感器"  # Latin words keep their space
    assert drafts.prose_text("35600.00 万元") == "35600万元" and drafts.prose_text("下降 3.60%") == "下降3.6%"
    assert [drafts.chinese_ordinal(n) for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]


def test_filing_draft_prints_the_drafts_and_changes_nothing(store, capsys):
    from assistant.frontends.cli import main

    session = make_session(store, "annual")
    path = store.path(session.id)
    before = path.read_bytes()
    assert main(["draft", session.id, "--part", "四"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("【四、存在问题】\n一是利用外资有所减少，外商直接投资额同比下降2.5%") and "【一、" not in out
    assert path.read_bytes() == before
    assert main(["draft", session.id, "--part", "存在问题", "--json"]) == 0
    assert '"id": "problems"' in capsys.readouterr().out
    assert main(["draft", session.id]) == 0
    assert capsys.readouterr().out.count("【") == 6
    assert main(["draft", session.id, "--part", "九"]) == 1
    assert "没有“九”这一段" in capsys.readouterr().err


def test_a_record_kept_before_drafts_wrote_公文_figures_is_not_flagged(store):
    """A quote stored by an earlier version (128.60 亿元) of an unchanged answer is the same figure: no warning."""
    from assistant.session.quotes import Quote

    answers = {**{k: v for k, v in sample_answers().items() if k not in NARRATIVE},
               "overview": "2023 年集群总产值 128.60 亿元。"}
    session = make_session(store, "annual", answers)
    session.quotes["overview"] = [Quote("total_output", "answer", "128.60 亿元", "128.60 亿元",
                                        ("2023 年集群总产值 128.60 亿元。",))]
    engine = Engine.for_session(session)
    assert _narrative(engine) == []
    engine.set("total_output", "97", advance=False)
    assert "128.60 亿元" in _narrative(engine)[0].message


def test_a_target_for_next_year_is_not_read_as_this_years_figure(store):
    """The plan's 目标是单位工业产值能耗下降3% is aimed at, not a figure of the report's year: no warning."""
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers.update(energy_reduction="-1.5", next_plan="2024年，集群将重点做好以下工作：一是推广数字化车间；"
                   "二是实施节能技改，目标是单位工业产值能耗下降3%。", key_work="力争单位工业产值能耗下降3%。")
    assert _narrative(Engine.for_session(make_session(store, "annual", answers))) == []


def test_a_figure_read_only_to_choose_the_words_flags_nothing_while_the_words_stay(store):
    """四 reads 集群总产值 only to test it against 40亿: 128.6→97 changes no word of it, so no flag; 128.6→30
    adds 集群规模偏小: flagged."""
    session, conv = _adopted(store, "problems")
    e = conv.engine
    assert "128.6" not in session.answers["problems"]
    e.set("total_output", "97.00", advance=False)
    assert [f for f in _narrative(e) if f.qid == "problems"] == []
    e.set("total_output", "30.00", advance=False)
    assert [f.qid for f in _narrative(e) if f.qid == "problems"] == ["problems"]


def test_the_draft_offer_says_the_room_left_once_it_is_taken(store):
    """The 六段 share 3000 字: the offer counts the draft itself (2378 left before, a 121-字 draft leaves 2257)."""
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers.update({"key_work": "甲" * 2900, "problems": "无", "next_plan": "无", "suggestions": "无"})
    engine = Engine.for_session(make_session(store, "annual", answers))
    left = drafts.remaining_budget(engine, "overview")
    conv = Conversation(engine)
    engine.jump("overview")
    said = conv.handle("起草").messages[0]
    n = count_chars(conv.session.drafts["overview"])
    assert f"（{n} 字，采用后本段还可写 {left - n} 字；" in said


def test_the_examples_under_a_narrative_are_written_as_the_report_is(store):
    """The hint of a long text is what the operator imitates: 公文 spacing (320家，2023年实现总产值68.25亿元)."""
    engine = Engine.for_session(make_session(store, "annual", {}))
    hints = {q.id: q.hint for q in engine.flow.questions if drafts.of(q).narrative}
    assert hints and all(drafts.prose_spacing(h.replace("{year}", "2023")) == h.replace("{year}", "2023")
                         for h in hints.values()), hints


def test_one_item_is_not_numbered_and_a_wish_reads_as_a_suggestion(store):
    """公文 numbers a list of two or more (一是……；二是……); one item stands alone. 希望区里… becomes 建议区里…"""
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers["key_work_items"] = answers["key_work_items"][:1]
    answers["suggestions_items"] = [{"support": "希望区里协调整车企业对接", "reason": "本地配套率低"}]
    engine = Engine.for_session(make_session(store, "annual", answers))
    assert drafts.draft(engine, "key_work") == "强链补链，引进晶圆级封装项目2个，2家企业参与或受益，新增封装产能每月3万片。"
    assert drafts.draft(engine, "suggestions") == "本地配套率低，建议区里协调整车企业对接。"
    assert drafts.draft(engine, "next_plan").count("是") >= 3  # three items: still 一是、二是、三是


def test_the_patent_figure_is_an_average_growth_and_is_said_so(store):
    """有效发明专利年均增速 may be over three years: never 同比 (year on year) in a draft."""
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    engine = Engine.for_session(make_session(store, "annual", answers))
    assert "有效发明专利36件，年均增长11.2%" in drafts.draft(engine, "achievements")
    engine.set("patent_growth", "-4", advance=False)
    assert "有效发明专利36件，年均下降4%" in drafts.draft(engine, "achievements")
    assert "有效发明专利数量年均下降4%" in drafts.draft(engine, "problems")


def test_a_completed_value_that_says_another_figure_than_its_indicator_is_warned_of(store):
    """The targets table's 完成值 and the answer of the same indicator are read side by side by the reviewer:
    3.56亿元 for 研发经费 of 1800万元, 下降3.6% for an energy use that rose 1.5%, are warned of (units converted,
    the operator's rounding allowed); a 完成值 in another measure (下降2.1% for 排放 in 吨) is not compared."""
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    engine = Engine.for_session(make_session(store, "annual", answers))
    rule = "target_actual_mismatch"
    assert [f for f in engine.findings() if f.rule == rule] == []  # the sample: every 完成值 agrees
    rows = [dict(r) for r in engine.value("targets")]
    for r in rows:
        if r["indicator"] == "研发经费投入":
            r["actual"] = "3.6亿元"  # rounded by the operator: agrees with 35600万元
    engine.set("targets", engine.parse("targets", rows).value, advance=False)
    assert [f for f in engine.findings() if f.rule == rule] == []
    engine.set("rd_expense", "1800", advance=False)
    engine.set("energy_reduction", "-1.5", advance=False)
    found = [f for f in engine.findings() if f.rule == rule]
    assert [f.qid for f in found] == ["targets", "targets"] and all(f.severity == "warning" for f in found)
    said = " ".join(f.message for f in found)
    assert "研发经费投入" in said and "3.6亿元" in said and "1800" in said
    assert "单位工业产值能耗" in said and "下降3.6%" in said.replace(" ", "") and "上升" in said
    for r in rows:
        if r["indicator"] == "二氧化碳排放量":
            r["actual"] = "下降2.1%"
    engine.set("targets", engine.parse("targets", rows).value, advance=False)
    assert not any("二氧化碳" in f.message for f in engine.findings() if f.rule == rule)

"""The drafts of part 七 read as a 经信委 reviewer reads them, by rules, on four clusters (tests/draft_clusters/):
no sentence of a check, help or prompt text; every number an answer or a sub-answer (value and unit); a sign word
that agrees with its figure; 下一步 never raising 排放/能耗; the 完成值 prefill in the row of its own indicator; and
a snapshot of every draft."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import make_session, sample_answers

from assistant.files.yamlio import yaml_load
from assistant.form.catalog import load_flow, package
from assistant.form.types import of
from assistant.interview import drafts
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine

CLUSTERS = ["strong", "declining", "non_industrial", "partial"]
HERE = Path(__file__).parent / "draft_clusters"
NARRATIVE = ["overview", "achievements", "key_work", "problems", "next_plan", "suggestions"]


def cluster_answers(name: str) -> dict:
    """The sample without its part-七 texts, with the cluster's file on top (~ drops an answer)."""
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    for k, v in yaml_load((HERE / f"{name}.yaml").read_text(encoding="utf-8")).items():
        if v is None:
            answers.pop(k, None)
        else:
            answers[k] = v
    return answers


@pytest.fixture(params=CLUSTERS)
def cluster(request, store):
    session = make_session(store, "annual", cluster_answers(request.param))
    return request.param, Engine.for_session(session)


def all_drafts(engine: Engine) -> dict[str, str]:
    return {q: text for q, _label, text in drafts.current_drafts(engine)}


# -- what a draft may not contain: the assistant's own words ----------------------------------------
def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _sentences(texts: list[str]) -> set[str]:
    """Sentences of ≥ 8 characters, cut at punctuation and at template placeholders."""
    out = set()
    for t in texts:
        for piece in re.split(r"\{\{.*?\}\}|\{[a-z_]+\}|[。；！？\n：:，（）()“”]", t):
            piece = piece.strip()
            if len(piece) >= 8:
                out.add(piece)
    return out


def assistant_sentences(engine: Engine) -> set[str]:
    """Every check message (the form's rules and what the check says now), help text and prompt (ask, hint)."""
    pkg = package("annual_report")
    flow_rules = [r.get("message", "") for r in yaml_load(pkg.paths["flow"].read_text(encoding="utf-8"))["rules"]]
    wording = yaml_load(pkg.paths["wording"].read_text(encoding="utf-8"))
    asks = [v for q in _walk(wording) for k, v in q.items() if k in ("ask", "hint", "help", "note") and isinstance(v, str)]
    glossary = [e.get("text", "") for e in yaml_load(pkg.paths["glossary"].read_text(encoding="utf-8"))["terms"]]
    found = [f.message for f in engine.findings()]
    names = [v for q in _walk(wording) for k, v in q.items() if k == "label" and isinstance(v, str)]
    names += [p for phrases in drafts._spec("annual_report")["figures"].values() for p in phrases]
    names += [r["indicator"] for r in load_flow("annual")["targets"].preset_rows]
    # nor is the name of a reference value (低于国家级集群认定参考值): checks, overview, roll-up and drafts share it
    names += [w for r in load_flow("annual").rules if r.criterion for w in (r.criterion.by, r.criterion.unmet)]
    # an indicator's name is not a sentence of ours: 中小企业产值占比 is how a draft names the figure
    return {s for s in _sentences([*flow_rules, *asks, *glossary, *found]) if not any(s in n for n in names)}


def _walk(node):
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def test_no_sentence_of_a_check_help_or_prompt_appears_in_a_draft(cluster):
    _name, engine = cluster
    said = assistant_sentences(engine)
    assert len(said) > 200  # the texts were found
    for qid, text in all_drafts(engine).items():
        leaked = [s for s in said if s in text]
        assert not leaked, (qid, leaked)
    for word in ("请核对", "请先", "仅作提示", "仅供参考", "请如实", "不能据此"):
        assert all(word not in t for t in all_drafts(engine).values()), word


# -- every number an answer or a sub-answer -----------------------------------------------------------
UNIT = r"(亿元|万元|%|吨二氧化碳/万元|吨|家次|家|件|个|人次|人|平方公里|项|场|条|部|名)?"
FIGURE = re.compile(r"(?<![\d.A-Za-z])(\d+(?:\.\d+)?)" + UNIT)
COUNTS = {"", "家", "件", "个", "人", "项"}


def _figures(text: str) -> set[tuple[Decimal, str]]:
    return {(Decimal(m[1]).normalize(), m[2] or "") for m in FIGURE.finditer(text)}


def allowed_figures(engine: Engine) -> tuple[set[tuple[Decimal, str]], set[Decimal]]:
    """(value, unit) of every answer and of every figure written in a sub-answer or a targets cell;
    the counts (integers without a unit) as bare values, said with 家/件/个/人."""
    pairs: set[tuple[Decimal, str]] = set()
    counts: set[Decimal] = set()
    ctx = drafts.context(engine)
    for qid, num in ctx["n"].items():
        q = engine.flow[qid]
        unit = of(q).sign or q.unit
        (pairs.add((abs(num).normalize(), unit)) if unit else counts.add(abs(num).normalize()))
    texts = [v for k, v in ctx["a"].items() if k not in ctx["n"]]
    texts += [str(v) for rows in (ctx["rows"], *ctx["lists"].values()) for row in rows for v in row.values() if v]
    for t in texts:
        pairs |= _figures(drafts.prose_text(t))
    for name_list in ctx["names"].values():
        for t in name_list:
            pairs |= _figures(t)
    counts |= {value for value, unit in pairs if unit == ""}  # a count in a sub-answer's own column (68 家)
    # how many targets rows compare, and how many of them are met (可量化的7项指标中完成5项)
    met, unmet = len(ctx["met"]), len(ctx["unmet"])
    counts |= {Decimal(met), Decimal(unmet), Decimal(met + unmet)}
    return pairs, counts


def test_every_number_in_a_draft_is_an_answer_or_a_sub_answer_with_its_unit(cluster):
    _name, engine = cluster
    pairs, counts = allowed_figures(engine)
    years = {Decimal(engine.year), Decimal(engine.year + 1), Decimal(engine.year - 1)}
    for qid, text in all_drafts(engine).items():
        for m in FIGURE.finditer(text):
            value, unit = Decimal(m[1]).normalize(), m[2] or ""
            if value in years and text[m.end():m.end() + 1] == "年":
                continue
            ok = (value, unit) in pairs or (unit in COUNTS and value in counts)
            assert ok, (qid, m.group(), text)


# -- sign words ---------------------------------------------------------------------------------------
UP, DOWN = ("增长", "提高", "提升", "上升"), ("下降", "降低", "减少")
SIGNED = re.compile(r"(增长|提高|提升|上升|下降|降低|减少)(\d+(?:\.\d+)?)%")
OPENERS = ("持续扩大", "持续增强", "取得进展", "不断深化")


def test_a_sign_word_never_contradicts_its_figure(cluster):
    _name, engine = cluster
    ctx = drafts.context(engine)
    changes = {qid: (num, engine.flow[qid].change) for qid, num in ctx["n"].items() if engine.flow[qid].change}
    subs = " ".join(str(v) for rows in ctx["lists"].values() for row in rows for v in row.values() if v)
    cells = " ".join(drafts.prose_text(v) for row in ctx["rows"] for v in row.values() if isinstance(v, str))
    for qid, text in all_drafts(engine).items():
        for m in SIGNED.finditer(text):
            word, figure = m[1], Decimal(m[2])
            if m.group() in subs or m.group() in cells:
                continue  # the operator's own words
            good = [q for q, (num, kind) in changes.items() if abs(num) == figure and (
                (word in UP) == (num > 0) if kind == "growth" else (word in DOWN) == (num > 0))]
            assert good, (qid, m.group(), text)
        for item in re.split(r"[；。]", text):  # a good-news opening never stands beside a fall
            if any(o in item for o in OPENERS):
                assert "同比下降" not in item and "能耗上升" not in item, (qid, item)


def test_the_plan_never_asks_to_raise_emissions_or_energy_use(cluster):
    _name, engine = cluster
    text = all_drafts(engine)["next_plan"]
    for clause in re.split(r"[，；。、]", text):
        assert not (re.search("提升|提高|增加|扩大|增长", clause) and re.search("排放|能耗", clause)), clause


def test_the_declining_cluster_is_said_as_it_is(store):
    engine = Engine.for_session(make_session(store, "annual", cluster_answers("declining")))
    d = all_drafts(engine)
    assert "主导产业产值同比下降3.2%" in d["achievements"] and "主导产业规模持续扩大" not in d["achievements"]
    assert "单位工业产值能耗上升1.5%" in d["achievements"] and "绿色低碳转型取得进展" not in d["achievements"]
    assert "主导产品出口贸易额同比下降5.3%" in d["achievements"] and "开放合作不断深化" not in d["achievements"]
    problems = d["problems"]
    for said in ("一是主导产业增长乏力，主导产业产值同比下降3.2%，"
                 "主要原因是传统燃油车零部件订单减少，整车厂加快转向新能源车型；",
                 "单位工业产值能耗上升1.5%", "主导产品出口贸易额同比下降5.3%",
                 "部分年度目标未完成：", "研发经费投入（目标30000万元，完成28500万元）",
                 "二氧化碳排放量（目标下降5%，完成下降2.1%）",
                 "单位工业产值能耗上升1.5%，未实现下降3%的年度目标", "企业新能源产品研发储备不足"):
        assert said in problems, said
    assert problems.startswith("一是") and "二是" in problems and problems.endswith("。")
    assert d["next_plan"] == ""  # 无: nothing to plan is not invented
    assert problems.count("传统燃油车零部件订单减少") == 1  # the cause joined its figure, not a second problem


# -- the 完成值 prefill ---------------------------------------------------------------------------------
def test_the_actual_column_takes_each_figure_in_its_own_row_or_stays_blank(store):
    """On the form's fixed rows (targets not yet filled): each figure in the row of its own indicator and unit,
    a fall said by its word (never 下降 -1.50%), no figure where no answer is that indicator."""
    for name in CLUSTERS:
        answers = {k: v for k, v in cluster_answers(name).items() if k != "targets"}
        engine = Engine.for_session(make_session(store, "annual", answers))
        filled = drafts.targets_actual(engine)
        rows = {r["indicator"]: r.get("actual") for r in (filled[1] if filled else [])}
        for indicator, actual in rows.items():
            assert actual is None or "-" not in str(actual), (name, indicator, actual)
        assert rows.get("二氧化碳排放量") in (None, engine.shown("co2_emission")), name  # 吨, never 吨二氧化碳/万元
        assert rows.get("集群产值年均增速") is None and rows.get("优质中小企业数量") is None
        if name == "declining":
            assert rows["单位工业产值能耗"] == "上升1.50%" and rows["研发经费投入"] == "28500.00 万元"
            assert rows["二氧化碳排放量"] == "186400.00 吨" and rows["有效发明专利数量"] == "36 件"
        if name == "strong":
            assert rows["单位工业产值能耗"] == "下降3.60%" and rows["工业互联网普及率"] == "32.23%"
        if name == "partial":
            assert rows.get("单位工业产值能耗") is None and rows.get("研发经费投入") is None


def test_a_target_written_in_another_unit_leaves_the_actual_for_the_operator(store):
    """The 目标值 says 下降 5% for 二氧化碳排放量: the emission in 吨 is another measure, not put in its row."""
    answers = {k: v for k, v in cluster_answers("declining").items() if k != "targets"}
    session = make_session(store, "annual", answers)
    engine = Engine.for_session(session)
    rows = [dict(r) for r in engine.flow["targets"].preset_rows]
    for r in rows:
        r["target"] = {"二氧化碳排放量": "下降 5%", "研发经费投入": "3 亿元"}.get(r["indicator"], "x")
    engine.session.answers["targets"] = rows  # the rows come from the stored answer when there is one
    engine.set("cluster_name", session.answers["cluster_name"], advance=False)
    filled = drafts.targets_actual(engine)
    got = {r["indicator"]: r.get("actual") for r in filled[1]}
    assert got["二氧化碳排放量"] is None and got["研发经费投入"] is None  # 下降 5% / 亿元: other units
    assert got["有效发明专利数量"] == "36 件"


# -- snapshot -----------------------------------------------------------------------------------------
def test_drafts_snapshot(cluster, snapshot):
    name, engine = cluster
    assert {"cluster": name, **all_drafts(engine)} == snapshot


# -- 四、存在问题: the most material few, each fact once ----------------------------------------------------
ITEM = re.compile(r"[一二三四五六七八九十]+是")


def _items(text: str) -> list[str]:
    return [x.rstrip("；。") for x in ITEM.split(text) if x]


def test_a_figure_already_a_problem_is_not_repeated_among_the_missed_targets(store):
    engine = Engine.for_session(make_session(store, "annual", cluster_answers("declining")))
    problems = all_drafts(engine)["problems"]
    assert problems.count("上升1.5%") == 1 and problems.count("单位工业产值能耗") == 1, problems
    targets = next(i for i in _items(problems) if i.startswith("部分年度目标未完成"))
    assert "单位工业产值能耗" not in targets and "集群产值年均增速（目标8%，完成1.35%）" in targets
    for figure in re.findall(r"(?:增长|下降|上升)\d+(?:\.\d+)?%", problems):  # every change said once
        assert problems.count(figure) == 1, (figure, problems)


def test_the_figures_give_at_most_four_problems_by_materiality_and_the_operators_are_all_kept(store):
    answers = cluster_answers("declining")
    own = answers["problems_items"]
    engine = Engine.for_session(make_session(store, "annual", answers))
    items = _items(all_drafts(engine)["problems"])
    mine = [i for i in items if "新能源产品研发储备不足" in i]
    assert len(items) - len(mine) <= 4 and len(mine) == 1, items
    # by materiality: the leading industry first, then the missed targets, energy, exports
    assert [i[:6] for i in items[:4]] == ["主导产业增长", "部分年度目标", "节能降耗压力", "外贸出口承压"], items
    assert items[0].endswith("主要原因是传统燃油车零部件订单减少，整车厂加快转向新能源车型")  # its own cause
    # six problems of the operator's own: all six written, after the figures' four
    many = own + [{"problem": f"问题{k}", "cause": f"原因{k}"} for k in "甲乙丙丁戊"]
    engine.set("problems_items", many, advance=False)
    items = _items(all_drafts(engine)["problems"])
    assert len(items) == 4 + 6 and all(any(f"问题{k}" in i for i in items) for k in "甲乙丙丁戊"), items


def test_the_problems_left_out_are_offered_and_one_named_is_written_without_dropping_another(store):
    answers = {k: v for k, v in cluster_answers("declining").items() if k != "problems_items"}
    conv = Conversation(Engine.for_session(make_session(store, "annual", answers)))
    conv.engine.jump("problems_items")
    offer = "\n".join(conv.view().offer)
    written, more = offer.split("\n")
    assert "起草“四、存在问题”时会写入" in written and "外贸出口承压" in written
    assert more.startswith("数字还显示（草稿没有写入）：") and "有效发明专利数量年均下降4%" in more
    assert "主导产业集聚度不高" in more and "外贸出口承压" not in more
    assert "数字还显示" in conv.engine.text(conv.engine.flow["problems_items"].ask)  # the question says how
    conv.engine.set("problems_items", [{"problem": "有效发明专利数量", "cause": "重点企业专利到期"}], advance=False)
    problems = all_drafts(conv.engine)["problems"]
    assert "有效发明专利数量年均下降4%，完成36件，未达到40件的年度目标，主要原因是重点企业专利到期" in problems
    assert "外贸出口承压" in problems and "有效发明专利数量（目标" not in problems  # nothing dropped, said once
    assert "有效发明专利" not in "\n".join(conv.engine.offer_lines(conv.engine.flow["problems_items"])[1:])


# -- 二、发展成效: the targets in one short sentence -------------------------------------------------------
def test_the_achievements_sum_up_the_targets_in_one_short_sentence(store):
    said = {}
    for name in ("strong", "declining"):
        engine = Engine.for_session(make_session(store, "annual", cluster_answers(name)))
        said[name] = all_drafts(engine)["achievements"]
    assert said["strong"].endswith("对照2023年度目标，可量化的5项指标全部完成。"), said["strong"]
    assert said["declining"].endswith("对照2023年度目标，可量化的7项指标均未完成。"), said["declining"]
    for text in said.values():
        tail = text[text.index("对照"):]
        assert len(tail) <= 60 and "目标8%" not in tail and "定性描述" not in tail
    engine = Engine.for_session(make_session(store, "annual", cluster_answers("declining")))
    rows = [dict(r) for r in engine.value("targets")]
    rows[2]["actual"] = "31000 万元"  # 研发经费投入 now met
    engine.set("targets", rows, advance=False)
    text = all_drafts(engine)["achievements"]
    assert "可量化的7项指标中完成1项，集群产值年均增速、优质中小企业数量、有效发明专利数量、工业互联网普及率、" \
           "二氧化碳排放量、单位工业产值能耗未达到目标。" in text


def test_a_figure_of_the_overview_is_not_said_again_in_the_achievements(cluster):
    _name, engine = cluster
    d = all_drafts(engine)
    if "主导产业产值占集群总产值的" in d["overview"]:
        assert "占集群总产值的" not in d["achievements"]


def test_the_plan_names_a_direction_once_for_items_in_a_row(store):
    engine = Engine.for_session(make_session(store, "annual", cluster_answers("strong")))
    plan = all_drafts(engine)["next_plan"]
    assert plan.count("主导产业方面") == 1 and "二是培育市级专精特新企业，目标是新增5家" in plan


# -- 公文: how figures and years are written -------------------------------------------------------------
NOT_GONGWEN = {
    "a space between a figure and a word": re.compile(r"\d[ \t\u3000]+[\u4e00-\u9fff%]|[\u4e00-\u9fff][ \t\u3000]+\d"),
    "a trailing zero in a decimal": re.compile(r"(?<![\d.])\d+\.\d*0(?![\d.])"),
    "a dash for a figure": re.compile(r"[—–-]+%|[—–]{1,2}(?=[，。；])"),
    "a value of the program": re.compile(r"None|nan|null|True|False|\{\{|\}\}"),
    "a sign before a figure": re.compile(r"(?<![\d(（])[-+]\d"),
    "two punctuation marks": re.compile(r"[，；。、：]{2}"),
}


def test_drafts_write_figures_as_a_government_report_does(cluster):
    name, engine = cluster
    for qid, text in all_drafts(engine).items():
        for what, pattern in NOT_GONGWEN.items():
            assert not pattern.search(text), (name, qid, what, pattern.search(text), text)


def test_a_part_whose_sub_question_was_answered_none_does_not_ask_for_it_again(store):
    engine = Engine.for_session(make_session(store, "annual", cluster_answers("declining")))
    assert engine.value("next_plan_items") is not None and all_drafts(engine)["next_plan"] == ""  # 无
    note = drafts.empty_note(engine, "next_plan")
    assert "请先回答" not in note and "的回答里没有可写的内容" in note and "跳到 工作计划（要点）" in note
    engine.session.answers.pop("next_plan_items")
    assert "请先回答“工作计划（要点）”" in drafts.empty_note(engine, "next_plan")


# -- a redraw after a figure changed sign keeps the list a list ------------------------------------------
@pytest.mark.parametrize("own", [True, False])
def test_a_problem_that_no_longer_holds_goes_and_the_items_are_numbered_again(store, own):
    """出口 falls (a problem), then grows: redrawing just the flagged sentences drops that item — never puts
    another item there a second time — and numbers the rest 一是、二是… in order, the last ending the list."""
    answers = cluster_answers("declining")
    if not own:
        answers.pop("problems_items")
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    conv.engine.jump("problems")
    conv.handle("起草")
    conv.handle("1")
    assert "四是外贸出口承压" in session.answers["problems"]
    conv.engine.set("export_growth", "2", advance=False)
    fix = drafts.redraw(conv.engine, "problems")
    assert fix is not None and "外贸出口承压" not in fix.text
    items = _items(fix.text)
    assert len(items) == len(set(items)), fix.text  # no item twice
    assert re.findall(r"([一二三四五六七八九十]+)是", fix.text) == ["一", "二", "三", "四"][:len(items)], fix.text
    assert fix.text.endswith("。") and fix.text.count("。") == 1, fix.text
    assert ("四是外贸出口承压，主导产品出口贸易额同比下降5.3%" + ("；" if own else "。"), "") in fix.changes


def test_a_part_not_yet_written_says_that_it_can_be_drafted(store):
    """A new user at a blank part of 七 is told about 起草 in the question itself (every front end shows it)."""
    answers = {k: v for k, v in cluster_answers("strong").items() if k != "suggestions"}
    conv = Conversation(Engine.for_session(make_session(store, "annual", answers)))
    conv.engine.jump("key_work")
    assert any("可输入“起草”" in line for line in conv.view().offer)
    conv.handle("起草")
    conv.handle("1")
    conv.engine.jump("key_work")
    assert not any("起草" in line for line in conv.view().offer)  # written: the line goes


def test_a_stock_at_the_years_end_does_not_cover_the_years_changes(cluster):
    """截至2023年底 says where a stock stands: the year's changes (出口、外资) are said before it, never after."""
    _name, engine = cluster
    for item in re.split(r"[；。]", all_drafts(engine)["achievements"]):
        if "截至" in item:
            after = item[item.index("截至"):]
            assert "出口贸易额" not in after and "外商直接投资额" not in after, item

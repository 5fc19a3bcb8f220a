"""Chat words never eat an answer, and choices are never guessed: through Conversation, the Textual
pilot and `filing ask` over prompt_toolkit pipe input."""

from __future__ import annotations

import asyncio

import pytest
from conftest import make_session
from test_ask import ENTER, drive
from tiny_forms import TinyForm
from tui_support import type_line

from assistant.form import catalog
from assistant.frontends.tui.app import FilingApp
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.session.store import SessionStore

# Answers that begin like chat words (去 / 修改 / 帮助 / 说明 …) but are plain data.
FREE_ANSWERS = ["说明书印刷与包装", "去离子水设备制造", "修改型材料", "帮助中心运营", "去年新建"]
# A tiny form with what the words are tried on: free text, a list, 是/否 (one a veto item), three ways, a figure.
CHAT_FORM = """
sections:
  - id: cover
    title: 封面
    questions:
      - {id: name, type: text, label: 集群名称, ask: 集群的全称是什么？}
      - {id: operator, type: text, label: 运营管理机构, ask: 运营机构叫什么？}
      - {id: contact, type: text, label: 联系人}
      - {id: phone, type: phone, label: 联系电话}
  - id: body
    title: 一、基本情况
    questions:
      - id: changed
        type: yesno
        label: 运营管理机构是否发生变更
        options:
          - {id: "yes", label: 是, aliases: [是, 是的, 有, 变更了, "y", "yes"]}
          - {id: "no", label: 否, aliases: [否, 不是, 没有, 没变, "n", "no"]}
      - {id: prev_name, type: text, relevant: "changed == true", label: 变更前的机构}
      - id: safe
        type: yesno
        label: 近一年未发生较大及以上事故
        options:
          - {id: "yes", label: 是, aliases: [是, 未发生, 没有发生, "y", "yes"]}
          - {id: "no", label: 否, aliases: [否, 发生过, 有事故, "n", "no"]}
      - {id: area, type: decimal, unit: 平方公里, min: 0, max: 10000, label: 集群占地面积（平方公里）}
      - {id: industry, type: text, label: 集群主导产业, ask: 集群的主导产业是什么？}
      - {id: summary, type: longtext, max_chars: 3000, label: 总体情况}
      - id: industrial
        type: choice
        label: 是否高于行业平均水平
        options:
          - {id: "yes", label: 是, aliases: [是, 是的, 对, "y", "yes"]}
          - {id: "no", label: 否, aliases: [否, 不, 不是, "n", "no"]}
          - {id: na, label: 非工业集群，不适用, aliases: [不适用, 非工业集群]}
      - {id: employees, type: integer, min: 0, max: 10000000, label: 从业人员数}
      - {id: output, type: decimal, unit: 亿元, min: 0, max: 10000, label: 集群总产值（亿元）}
      - {id: platforms, type: list, columns: [{id: name, type: text, label: 平台名称}], label: 国家级创新平台名称}
"""
COVER = {"name": "甲集群", "operator": "乙公司", "contact": "丙", "phone": "13812345678"}
FILLED = {**COVER, "changed": "否", "safe": "是", "area": "3", "industry": "装备", "summary": "很好", "industrial": "是",
          "employees": "3000", "output": "12", "platforms": [["甲平台"]]}
REAL_COVER = {"cluster_name": "甲集群", "operator_name": "乙公司", "contact_name": "丙", "contact_phone": "13812345678"}


@pytest.fixture
def chat_form(tiny_form):
    return tiny_form(CHAT_FORM)


def conv_at(store: SessionStore, qid: str, answers: dict | None = None) -> Conversation:
    """A conversation on the tiny chat form (registered by the `chat_form` fixture), at `qid`."""
    conv = Conversation(Engine.for_session(TinyForm("tiny", catalog.root_of("tiny")).saved(store, answers)))
    conv.engine.jump(qid)
    return conv


def real_conv_at(store: SessionStore, qid: str, answers: dict | None = None) -> Conversation:
    """A conversation on the shipped annual form, at `qid` (for what its own data offers: drafts, parts, labels)."""
    s = make_session(store, "annual", answers=answers if answers is not None else {})
    conv = Conversation(Engine.for_session(s))
    conv.engine.jump(qid)
    return conv


def drive_tiny(keys: str, session_id: str) -> int:
    return drive(keys, session_id, form="tiny")


def stored_as(q_type: str, text: str):
    return [{"name": text}] if q_type == "list" else text


# -- Conversation -------------------------------------------------------------------------------
@pytest.mark.parametrize("qid", ["name", "industry", "summary", "platforms"])
@pytest.mark.parametrize("text", FREE_ANSWERS)
def test_free_text_is_stored_verbatim(chat_form, store, qid, text):
    answers = {k: v for k, v in FILLED.items() if k != qid}
    conv = conv_at(store, qid, answers)
    q = conv.engine.flow[qid]
    reply = conv.handle(text)
    assert not reply.refused, reply.messages
    assert conv.session.pending is None
    assert conv.session.answers[qid] == stored_as(q.type, text)
    assert not any("词汇表" in m or "没有找到" in m for m in reply.messages)


def test_whole_commands_still_work_on_a_text_question(chat_form, store):
    conv = conv_at(store, "operator", {"name": "甲"})
    assert "关于“" in conv.handle("帮助").messages[0]
    assert "关于“" in conv.handle("？").messages[0]
    conv.handle("返回")
    assert conv.engine.current().id == "name"
    conv.handle("跳到 联系电话")  # a target that resolves: a jump
    assert conv.engine.current().id == "phone"
    assert "operator" not in conv.session.answers


def test_jump_to_nothing_is_said_and_never_stored(chat_form, store):
    """A short 跳到 … line that finds nothing is a failed jump on any question, never an answer; a long
    text that happens to start with 转到 is an answer on a free-text question."""
    conv = conv_at(store, "name")
    reply = conv.handle("跳到 不存在的地方")
    assert reply.refused and "没有找到" in reply.messages[0] and "name" not in conv.session.answers
    conv = conv_at(store, "area", COVER)
    reply = conv.handle("跳到 不存在的地方")
    assert reply.refused and "没有找到" in reply.messages[0]
    assert "area" not in conv.session.answers
    long = "转到新的发展阶段以来，集群围绕主导产业开展了大量工作，成效显著，取得了很多成绩。"
    conv = conv_at(store, "summary", COVER)
    conv.handle(long)
    assert conv.session.answers["summary"] == long


def test_glossary_question_on_a_number_question_answers_at_once(chat_form, store):
    conv = conv_at(store, "area", COVER)
    reply = conv.handle("什么是从业人员")
    assert "【从业人员】" in reply.messages[0]
    assert conv.session.pending is None and conv.engine.current().id == "area"


def test_ambiguous_phrase_kept_as_the_answer(chat_form, store):
    conv = conv_at(store, "name")
    reply = conv.handle("什么是从业人员")
    assert "您是想把‘什么是从业人员’作为答案，还是查询词汇表？" in reply.messages[0]
    assert conv.session.pending.kind == "ambiguous"
    assert [r[1] for r in conv.choices().rows] == ["作为答案", "查询“从业人员”的解释"]
    assert conv.choices().default is None
    again = conv.handle("")  # a bare Enter guesses nothing
    assert again.refused and "作为答案" in again.messages[0]
    assert "name" not in conv.session.answers and conv.session.pending
    conv.handle("1")
    assert conv.session.answers["name"] == "什么是从业人员"
    assert conv.session.pending is None and conv.engine.current().id == "operator"


def test_ambiguous_phrase_looked_up(chat_form, store):
    conv = conv_at(store, "industry", COVER)
    conv.handle("从业人员包括哪些")
    reply = conv.handle("2")
    assert "【从业人员】" in reply.messages[0]
    assert "industry" not in conv.session.answers
    assert conv.engine.current().id == "industry" and conv.session.pending is None
    # the question is asked again after the explanation
    assert conv.engine.text(conv.engine.flow["industry"].ask) in reply.messages[-1]


def test_ambiguous_jump_both_ways(chat_form, store):
    conv = conv_at(store, "operator", {"name": "甲"})
    reply = conv.handle("修改 联系电话")
    assert "还是跳到“联系电话”" in reply.messages[0]
    conv.handle("2")
    assert conv.engine.current().id == "phone" and "operator" not in conv.session.answers
    conv = conv_at(store, "operator", {"name": "甲"})
    conv.handle("修改 联系电话")
    conv.handle("作为答案")
    assert conv.session.answers["operator"] == "修改 联系电话"


def test_new_text_at_the_ambiguity_question_is_a_new_answer(chat_form, store):
    conv = conv_at(store, "name")
    conv.handle("什么是从业人员")
    conv.handle("浦江智能装备集群")
    assert conv.session.answers["name"] == "浦江智能装备集群" and conv.session.pending is None


def test_glossary_miss_on_free_text_is_the_answer(chat_form, store):
    conv = conv_at(store, "name")
    reply = conv.handle("什么是甲乙丙")
    assert not reply.refused and conv.session.answers["name"] == "什么是甲乙丙"


# -- choices ------------------------------------------------------------------------------------
TYPED = [("是", True), ("y", True), ("Y", True), ("对", True), ("1", True), ("有", True),
         ("否", False), ("n", False), ("不是", False), ("没有", False), ("2", False), ("不", False)]


@pytest.mark.parametrize(("typed", "value"), TYPED)
def test_typed_choice_words_and_numbers(chat_form, store, typed, value):
    conv = conv_at(store, "changed", COVER)
    reply = conv.handle(typed)
    assert conv.session.answers["changed"] is value
    assert reply.messages[0] == f"已记录：{'是' if value else '否'}"


@pytest.mark.parametrize("typed", ["有", "没有"])
def test_words_that_could_mean_either_are_refused_on_the_veto_items(chat_form, store, typed):
    # "没有" at "是否做到未发生事故？" could mean 没有发生 (是) or 没有做到 (否)
    conv = conv_at(store, "safe", COVER)
    reply = conv.handle(typed)
    assert reply.refused and "safe" not in conv.session.answers


def test_three_way_choice_typed(chat_form, store):
    for typed, want in (("3", "na"), ("不", "no"), ("对", "yes"), ("非工业集群", "na")):
        conv = conv_at(store, "industrial", COVER)
        reply = conv.handle(typed)
        assert conv.session.answers["industrial"] == want, typed
        assert reply.messages[0].startswith("已记录：")


def test_bare_enter_on_a_consequential_question_records_nothing(chat_form, store):
    conv = conv_at(store, "changed", COVER)
    assert conv.choices().default is None
    reply = conv.handle("")
    assert reply.refused and "直接回车不会记录" in reply.messages[0]
    assert "changed" not in conv.session.answers
    assert conv.engine.current().id == "changed"
    conv.handle("否")
    conv.engine.jump("changed")
    assert conv.choices().default == 1  # the answer on record is where a front end starts
    conv.handle("")
    assert conv.session.answers["changed"] is False


def test_no_choice_is_preselected_before_it_is_answered(chat_form, store):
    """A bare Enter on an unanswered 是/否 or choice records nothing (变更, 事故 … and 工业软件 alike)."""
    flow = catalog.load_flow("tiny")
    conv = conv_at(store, "operator", COVER)
    tried = []
    for q in flow.questions:
        if q.type not in ("yesno", "choice") or not conv.engine.is_relevant(q.id):
            continue
        conv.engine.jump(q.id)
        assert conv.choices().default is None, q.id
        reply = conv.handle("")
        assert reply.refused and q.id not in conv.session.answers, q.id
        tried.append(q.id)
    assert {"changed", "safe", "industrial"} == set(tried)


def test_confirmation_numbers_mean_their_rows(chat_form, store):
    conv = conv_at(store, "area", COVER)
    conv.handle("5700亩")
    assert conv.session.pending
    conv.handle("2")  # "2. 否，重新输入" — never the value 2
    assert "area" not in conv.session.answers and conv.session.pending is None
    conv.handle("5700亩")
    conv.handle("1")
    assert conv.session.answers["area"] == "3.80"


# -- the Textual app ----------------------------------------------------------------------------
@pytest.mark.slow  # a long run of keys through the TUI
def test_tui_free_text_choices_and_ambiguity(chat_form, store):
    s = TinyForm("tiny", catalog.root_of("tiny")).saved(store, COVER)

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            for text in FREE_ANSWERS:
                screen.jump("name")
                await pilot.pause()
                await type_line(pilot, text)
                assert screen.session.answers["name"] == text
            # answer or glossary: one key each way, a bare Enter records nothing
            screen.jump("name")
            await pilot.pause()
            await type_line(pilot, "什么是从业人员")
            choices = screen.query_one("#choices")
            assert choices.display and choices.highlighted is None
            assert "1. 作为答案" in str(choices.get_option_at_index(0).prompt)
            await pilot.press("enter")
            await pilot.pause()
            assert screen.session.pending and screen.session.answers["name"] == FREE_ANSWERS[-1]
            await type_line(pilot, "2")
            assert screen.session.answers["name"] == FREE_ANSWERS[-1]
            assert screen.engine.current().id == "name"
            await type_line(pilot, "什么是从业人员")
            await type_line(pilot, "1")
            assert screen.session.answers["name"] == "什么是从业人员"
            # a consequential 是/否: nothing highlighted, Enter records nothing, typed 否 is 否
            assert screen.engine.current().id == "changed"
            assert screen.query_one("#choices").highlighted is None
            await pilot.press("enter")
            await pilot.pause()
            assert "changed" not in screen.session.answers
            await type_line(pilot, "否")
            assert screen.session.answers["changed"] is False
            said = [t["text"] for t in screen.session.transcript if t["role"] == "assistant"]
            assert any(m.startswith("已记录：否") for m in said)
            screen.jump("changed")
            await pilot.pause()
            await type_line(pilot, "2")
            assert screen.session.answers["changed"] is False

    asyncio.run(run())


# -- filing ask ---------------------------------------------------------------------------------
def _ask_session(store: SessionStore, at: str, answers: dict | None = None) -> str:
    s = TinyForm("tiny", catalog.root_of("tiny")).saved(store, answers)
    with store.open(s.id) as h:
        Engine.for_session(h.session).jump(at)
        h.save()
    return s.id


@pytest.mark.parametrize("text", FREE_ANSWERS)
def test_ask_free_text_is_stored_verbatim(chat_form, store, capsys, text):
    sid = _ask_session(store, "name")
    assert drive_tiny(text + ENTER, sid) == 0
    out = capsys.readouterr().out
    assert store.load(sid).answers["name"] == text
    assert "词汇表里暂时没有" not in out and "没有找到" not in out


def test_ask_list_rows_are_never_commands(chat_form, store, capsys):
    answers = {k: v for k, v in FILLED.items() if k != "platforms"}
    sid = _ask_session(store, "platforms", answers)
    rows = ["什么是从业人员", "修改型材料", "帮助中心运营", "去离子水设备制造"]
    keys = ENTER + "".join(r + ENTER for r in rows) + ENTER  # 逐行输入, the rows, an empty line ends
    assert drive_tiny(keys, sid) == 0
    capsys.readouterr()
    assert store.load(sid).answers["platforms"] == [{"name": r} for r in rows]


@pytest.mark.parametrize(("typed", "value"), [("否", False), ("n", False), ("2", False),
                                              ("是", True), ("y", True), ("1", True)])
def test_ask_typed_choice(chat_form, store, capsys, typed, value):
    sid = _ask_session(store, "changed", COVER)
    assert drive_tiny(typed + ENTER, sid) == 0
    out = capsys.readouterr().out
    assert store.load(sid).answers["changed"] is value
    assert f"已记录：{'是' if value else '否'}" in out


def test_ask_bare_enter_on_a_consequential_question_asks_again(chat_form, store, capsys):
    sid = _ask_session(store, "changed", COVER)
    assert drive_tiny(ENTER + ENTER + "否" + ENTER, sid) == 0
    out = capsys.readouterr().out
    assert out.count("直接回车不会记录") == 2
    saved = store.load(sid)
    assert saved.answers["changed"] is False
    assert [t["text"] for t in saved.transcript if t["role"] == "user"][-3:] == ["", "", "否"]


def test_ask_ambiguity_both_ways(chat_form, store, capsys):
    sid = _ask_session(store, "name")
    assert drive_tiny("什么是从业人员" + ENTER + ENTER + "2" + ENTER, sid) == 0
    out = capsys.readouterr().out
    assert "您是想把‘什么是从业人员’作为答案，还是查询词汇表？" in out and "【从业人员】" in out
    assert "name" not in store.load(sid).answers
    assert drive_tiny("什么是从业人员" + ENTER + "1" + ENTER, sid) == 0
    capsys.readouterr()
    assert store.load(sid).answers["name"] == "什么是从业人员"


@pytest.mark.parametrize(("qid", "typed", "echo"), [
    ("area", "12.3平方公里", "已记录：12.30 平方公里"),
    ("employees", "3000人", "已记录：3000"),
    ("output", "1,200", "已记录：1200.00"),
])
def test_a_figure_is_said_back_as_stored(chat_form, store, qid, typed, echo):
    """A figure typed with the question's own unit is recorded without the unit, and said so."""
    conv = conv_at(store, qid)
    reply = conv.handle(typed)
    assert not reply.refused and any(m.startswith(echo) for m in reply.messages), reply.messages


@pytest.mark.parametrize("said", ["第七部分", "第7部分", "七部分", "七"])
def test_a_part_is_found_by_its_number_however_it_is_said(store, said):
    conv = real_conv_at(store, "area_km2", REAL_COVER)  # a number question: a typed command cannot be its answer
    conv.handle(f"跳到 {said}")
    first = conv.engine.flow.section_of[conv.engine.current().id]
    assert conv.engine.text(first.title).startswith("七、")


def test_help_says_what_else_can_fill_this_question(store):
    """起草 and 企业数据 are offered where the form's data has a draft or a formula for the question, not elsewhere."""
    conv = real_conv_at(store, "overview", REAL_COVER)
    said = conv.handle("?").messages[-1]
    assert "起草" in said and "企业数据" not in said
    conv.engine.jump("rd_expense")
    said = conv.handle("?").messages[-1]
    assert "企业数据 文件路径" in said and "起草" not in said
    conv.engine.jump("contact_name")
    said = conv.handle("?").messages[-1]
    assert "起草" not in said and "企业数据" not in said


def test_a_jump_finds_a_label_by_its_words_in_order_and_says_why_it_cannot_go(store):
    conv = real_conv_at(store, "area_km2", REAL_COVER)
    conv.handle("跳到 主导产业产值占比")  # 集群主导产业产值占集群总产值比例（%）
    assert conv.engine.current().id == "leading_output_share"
    conv.engine.apply_many({"specialized_count": 0})  # no list to give
    here = conv.engine.current().id
    reply = conv.handle("跳到 市级专精特新中小企业名单")
    assert reply.refused and "目前不需要填写" in reply.messages[0]
    assert conv.engine.current().id == here


def test_the_finished_message_counts_notes_only_when_there_are_some(store):
    conv = Conversation(Engine.for_session(make_session(store, "annual")))
    said = conv.start().messages[-1]
    found = conv.engine.findings()
    assert "全部填写完毕，检查通过" in said
    assert ("另有 0 条" not in said) and (("条提示" in said) == bool(found)), said


@pytest.mark.parametrize("typed, qid", [("集群总产值（亿元）", "total_output"), ("集群企业数量（个）", "enterprise_count"),
                                        ("跳到 集群总产值(亿元)", "total_output")])
def test_a_jump_finds_a_label_typed_exactly_as_the_panel_prints_it(store, typed, qid):
    """The label with its full-width unit (集群总产值（亿元）) was "没有找到“集群总产值(亿元)”"."""
    conv = real_conv_at(store, "area_km2", REAL_COVER)
    reply = conv.handle(typed if typed.startswith("跳到") else f"跳到 {typed}")
    assert not reply.refused, reply.messages
    assert conv.engine.current().id == qid

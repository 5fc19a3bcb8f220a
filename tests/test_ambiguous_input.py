"""Ambiguous input is confirmed or refused, never guessed: one table, through the engine, the conversation
(which the TUI shares), `filing ask` over prompt_toolkit pipe input, and `filing answers`."""

from __future__ import annotations

import copy

import pytest
from cli_support import assert_clean, run_filing
from conftest import make_session, sample_answers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from assistant.errors import InputError
from assistant.form.catalog import load_flow
from assistant.form.parse import Unsure
from assistant.frontends.ask import run_ask
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine

ENTER, CTRL_C = "\r", "\x03"
FLOW = load_flow("annual")


def grid(intl, nat, ind, grp):
    """A standards matrix in row order, each row (主持, 参与)."""
    return {r: {"lead": a, "participate": b}
            for r, (a, b) in zip(("international", "national", "industry", "group"), (intl, nat, ind, grp), strict=True)}


G = grid((0, 0), (1, 2), (3, 5), (2, 4))

# (question, typed, outcome, expected): outcome "store" (stored as typed, no question asked), "confirm" (shown
# back, stored once confirmed; `expected` is (value, text the reply must show)), "refuse" (nothing stored;
# expected: part of the reason), "unsure" (nothing stored; 稍后 offered with where the figure comes from).
CASES = [
    # commas: valid thousands grouping is read; any other comma is refused (counts) or confirmed as a decimal comma
    ("enterprise_count", "3,200", "store", 3200),
    ("enterprise_count", "3，200", "store", 3200),
    ("sme_employees", "123,456", "store", 123456),
    # figures no report can hold are refused; beyond what a real cluster holds, confirmed (a 万元/亿元 slip)
    ("enterprise_count", "1,234,567", "refuse", "本题最大为 100000"),
    ("total_output", "100000000000000.1", "refuse", "位数和单位"),
    ("total_output", "12000亿", "refuse", "本题最大为 10000亿元"),
    ("total_output", "3000", "confirm", ("3000.00", "超出了一般的范围（通常不超过 2000亿元）")),
    ("enterprise_count", "8000", "confirm", (8000, "超出了一般的范围")),
    ("energy_reduction", "下降 60%", "confirm", ("60.00", "超出了一般的范围")),
    ("energy_reduction", "上升 60%", "confirm", ("-60.00", "低于一般的范围")),
    ("rd_expense", "98,765.43", "store", "98765.43"),
    ("sme_employees", "30,00人", "refuse", "不是千位分隔符"),
    ("enterprise_count", "1,2345", "refuse", "不是千位分隔符"),
    ("enterprise_count", "1,2", "refuse", "不是千位分隔符"),
    ("enterprise_count", "30，00", "refuse", "不是千位分隔符"),
    ("total_output", "12,5亿", "confirm", ("12.50", "逗号当作小数点")),
    ("total_output", "12，5亿", "confirm", ("12.50", "逗号当作小数点")),
    ("rd_expense", "1,2345", "confirm", ("1.23", "读作 1.2345")),
    ("rd_expense", "1,2", "confirm", ("1.20", "读作 1.2")),
    ("rd_expense", "1,23,456", "refuse", "逗号看不明白"),
    ("enterprise_count", "12 5", "refuse", "空格"),
    # the standards matrix: rows named in any order, or all eight numbers in row order; always shown back
    ("standards", "国家 1 2，行业 3 5，团体 2 4，国际 0 0", "confirm", (G, "国家  1")),
    ("standards", "团体 2 4；国际 0 0；行业 3 5；国家 1 2", "confirm", (G, "团体  2")),
    ("standards", "0 0 1 2 3 5 2 4", "confirm", (G, "主持数量")),
    ("standards", "国家标准 主持1项 参与2项，行业 参与5 主持3，团体 2 4，国际 无", "confirm", (G, "行业  3")),
    ("standards", "国家 主持 1、参与 2；团体 主持 3、参与 0", "confirm",
     (grid((0, 0), (1, 2), (0, 0), (3, 0)), "没有提到国际、行业，按 0 记录")),
    ("standards", "1 2 国家 3 4", "refuse", "“1 2”前面没有写类别"),
    ("standards", "国家 1 2 3 5 团体 2 4 国际 0 0", "refuse", "“国家”后面有 4 个数"),
    ("standards", "国家 1 2，行业 3", "refuse", "已读到：国家 主持数量1 参与数量2"),
    ("standards", "国家 1 2 国家 3 4", "refuse", "写了两次"),
    ("standards", "1 2 3", "refuse", "读到 3 个数（1、2、3），本题需要 8 个"),
    ("standards", "主持 1 参与 2", "refuse", "没有写是哪一类"),
    # approximate and unit-ful answers: the question's own unit passes; 约/左右/近 are confirmed; 多/余 refused
    ("sme_employees", "约3000人", "confirm", (3000, "表格只填数字")),
    ("area_km2", "大约12.3平方公里", "confirm", ("12.30", "约数")),
    ("area_km2", "12.3平方公里", "store", "12.30"),
    ("sme_employees", "3000人", "store", 3000),
    ("sme_output_share", "80%左右", "confirm", ("80.00", "约数")),
    ("sme_employees", "近3000", "confirm", (3000, "约数")),
    ("sme_employees", "3000多", "refuse", "不是确切的数"),
    ("enterprise_count", "300余家", "refuse", "不是确切的数"),
    ("rd_expense", "1.2亿", "confirm", ("12000.00", "换算为 12000.00 万元")),
    # not known yet
    ("sme_employees", "不清楚", "unsure", "从业人员"),
    ("total_output", "不知道", "unsure", "集群总产值"),
    ("rd_expense", "还没统计", "unsure", "研发费用"),
    ("standards", "不确定", "unsure", "标准"),
    # single-column lists: 、 and ； separate rows; in wider lists ，、； are text of a cell (Tab or "," separate cells)
    ("platform_national_names", "甲中心、乙中心、丙中心（设计、制造）", "store",
     [{"name": "甲中心"}, {"name": "乙中心"}, {"name": "丙中心（设计、制造）"}]),
    ("platform_national_names", "甲中心；乙中心", "store", [{"name": "甲中心"}, {"name": "乙中心"}]),
    ("platform_national_names", "甲中心;乙中心", "store", [{"name": "甲中心"}, {"name": "乙中心"}]),
    ("overseas_branch_list", "A公司,德国", "store", [{"name": "A公司", "region": "德国", "owner": ""}]),
    ("overseas_branch_list", "A公司（德国、法国）\t欧洲", "store",
     [{"name": "A公司（德国、法国）", "region": "欧洲", "owner": ""}]),
    # phone numbers: dialable lengths only
    ("contact_phone", "021-5555 012", "refuse", "应为 8 位"),
    ("contact_phone", "021-5555 0123", "store", "021-55550123"),
    ("contact_phone", "010-6555 1234", "store", "010-65551234"),
    ("contact_phone", "0571-8123456", "store", "0571-8123456"),
    ("contact_phone", "0755-88889999", "store", "0755-88889999"),
    ("contact_phone", "021-55550123转801", "store", "021-55550123-801"),
    ("contact_phone", "021 5555 0123 转 8", "store", "021-55550123-8"),  # no dash: the extension is said
    ("contact_phone", "02155550123分机801", "store", "021-55550123-801"),
    ("contact_phone", "021-55550123-12转8", "refuse", "分机号看不明白"),
    ("contact_phone", "13912345678转8", "refuse", "手机号没有分机号"),
    ("contact_phone", "139 1234 5678", "store", "13912345678"),
    ("contact_phone", "1391234567", "refuse", "电话"),
    ("contact_phone", "55550123", "refuse", "区号"),
    ("contact_phone", "0571-123", "refuse", "7 或 8 位"),
]
IDS = [f"{i:02d}-{q}-{outcome}" for i, (q, _, outcome, _) in enumerate(CASES)]


def stored_value(outcome: str, expected):
    """What the session must hold for the question afterwards (None: nothing)."""
    if outcome == "store":
        return expected
    if outcome == "confirm":
        return expected[0]
    return None


def session_before(store, qid: str):
    """The sample report without this answer, standing at this question."""
    answers = {k: v for k, v in sample_answers().items() if k != qid}
    s = make_session(store, "annual", answers=answers)
    with store.open(s.id) as h:
        h.session.cursor = qid
        h.save()
    return s


@pytest.mark.parametrize("qid, typed, outcome, expected", CASES, ids=IDS)
def test_through_the_engine(annual_session, qid, typed, outcome, expected):
    engine = Engine.for_session(annual_session)
    if outcome in ("refuse", "unsure"):
        with pytest.raises(InputError) as info:
            engine.parse(qid, typed)
        assert isinstance(info.value, Unsure) == (outcome == "unsure")
        if outcome == "refuse":
            assert expected in str(info.value)
        before = dict(annual_session.answers)
        assert not engine.answer(qid, typed).ok and annual_session.answers == before
        return
    parsed = engine.parse(qid, typed)
    assert parsed.value == stored_value(outcome, expected)
    assert parsed.confirm == (outcome == "confirm")
    if qid == "standards":  # the matrix always carries its table to show back
        assert parsed.echo is not None and parsed.echo[0][1:] == [c.label for c in FLOW[qid].cols]


@pytest.mark.parametrize("qid, typed, outcome, expected", CASES, ids=IDS)
def test_through_the_conversation(store, qid, typed, outcome, expected):
    s = session_before(store, qid)
    with store.open(s.id) as h:
        conv = Conversation(Engine.for_session(h.session), save=h.save)
        assert conv.engine.current().id == qid
        reply = conv.handle(typed)
        text = "\n".join(reply.messages)
        if outcome == "confirm":
            assert h.session.pending and qid not in h.session.answers
            assert expected[1] in text and ("对吗" in text or "记录吗" in text)
            if qid == "standards":
                assert "我读到的是" in text and "类别" in text
            conv.handle("是")
        elif outcome == "refuse":
            assert reply.refused and expected in text
        elif outcome == "unsure":
            assert not reply.refused and "不是一个数字" not in text
            assert "稍后" in text and "依据" in text and expected in text
        assert store.load(s.id).answers.get(qid) == stored_value(outcome, expected)
        # No confirmation is left waiting; a blocking finding on the new value may hold the question.
        assert not h.session.pending or h.session.pending.kind == "choose"


def drive(keys: str, session_id: str) -> int:
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(keys)
        inp.close()
        return run_ask(session_id)


@pytest.mark.slow  # the whole table once more through `filing ask` (the conversation and the engine take it in the fast loop)
@pytest.mark.parametrize("qid, typed, outcome, expected", CASES, ids=IDS)
def test_through_filing_ask(store, capsys, qid, typed, outcome, expected):
    s = session_before(store, qid)
    q = FLOW[qid]
    keys = typed + ENTER
    if q.type == "list":  # "逐行输入" is the first choice; an empty line ends the rows
        keys = ENTER + typed + ENTER + ENTER
    if outcome == "confirm":
        keys += ENTER  # the shown-back value: "是，记录" is the first choice
    assert drive(keys + CTRL_C, s.id) == 0
    out = capsys.readouterr().out
    if outcome == "confirm":
        assert expected[1] in out
    elif outcome == "refuse":
        assert expected in out
    elif outcome == "unsure":
        assert "稍后" in out and "依据" in out
    saved = store.load(s.id)
    assert saved.answers.get(qid) == stored_value(outcome, expected)
    assert saved.pending is None or saved.pending.kind == "choose"


@pytest.mark.slow  # spawns a process
def test_filing_answers_echoes_the_standards_table(annual_session):
    proc = run_filing("answers", annual_session.id, "--set", "standards=团体 2 4；国家 1 2")
    assert_clean(proc, 0)
    out = proc.stdout
    assert "类别  主持数量  参与数量" in out and "国家  1         2" in out and "团体  2         4" in out
    assert "没有提到国际、行业，按 0 记录" in out
    from assistant.session.store import SessionStore

    assert SessionStore().load(annual_session.id).answers["standards"] == grid((0, 0), (1, 2), (0, 0), (2, 4))


@pytest.mark.slow  # spawns a process
def test_filing_answers_refuses_a_mix_and_stores_nothing(annual_session):
    before = annual_session.answers["standards"]
    proc = run_filing("answers", annual_session.id, "--set", "standards=1 2 国家 3 4", "--set", "sme_employees=3000多")
    assert_clean(proc, 1)
    assert "前面没有写类别" in proc.stderr and "不是确切的数" in proc.stderr
    from assistant.session.store import SessionStore

    after = SessionStore().load(annual_session.id).answers
    assert after["standards"] == before and after["sme_employees"] == annual_session.answers["sme_employees"]


ASKED = [q.id for q in FLOW.questions if not q.calculated]
typed_text = st.one_of(st.text(max_size=30), st.sampled_from([t for _, t, _, _ in CASES]),
                       st.lists(st.sampled_from(["约", "多", "不清楚", "国家", "主持", "1", "2", "12,5", "、", "；", "021-",
                                                 "5555", " ", "亿", "%"]), max_size=10).map("".join))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(qid=st.sampled_from(ASKED), text=typed_text)
def test_a_refused_or_unsure_answer_never_changes_the_session(annual_session, qid, text):
    """Typed at any question through the conversation: refused, unsure or awaiting confirmation stores nothing."""
    s = annual_session
    before = copy.deepcopy(s.answers)
    s.cursor, s.pending = qid, None
    conv = Conversation(Engine.for_session(s))
    if conv.engine.current() is None or conv.engine.current().id != qid:
        return  # not askable in the sample report
    try:
        reply = conv.handle(text)
        waiting = s.pending and s.pending.kind != "choose"  # a blocking hold comes after storing
        if reply.refused or waiting or any("不会被记录" in m for m in reply.messages):
            assert s.answers == before
    finally:
        s.answers.clear()
        s.answers.update(before)
        s.pending = None

"""The shipped annual form's own logic: answered in order it asks what it should, and each of its
switches opens the questions it names (the engine's rules are tested on tiny forms: tests/test_engine.py)."""

from __future__ import annotations

import copy

import pytest
from conftest import make_session, sample_answers

from assistant.errors import InputError
from assistant.form.catalog import load_flow
from assistant.form.parse import parse
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.interview.findings import blocking
from assistant.session.store import Session

FLOW = load_flow("annual")


def fresh(form="annual_report", year=2023) -> Engine:
    return Engine.for_session(Session("t", form, "t", year))


def p(qid, raw):
    return parse(FLOW[qid], raw)


def test_asks_in_form_order_and_skips_branches():
    e = fresh()
    asked = []
    answers = {**sample_answers(), "operator_changed": "否", "industry_changed": "否"}
    while (q := e.current()) is not None:
        asked.append(q.id)
        assert e.answer(q.id, answers[q.id]).ok, q.id
        assert len(asked) < 200
    flow_order = [q.id for q in e.flow.questions if q.id in asked]
    assert asked == flow_order
    assert "operator_prev_name" not in asked and "cloud_rate" not in asked
    assert not blocking(e.findings())


@pytest.mark.parametrize("switch, value, opened", [
    ("operator_changed", "是", ["operator_prev_name", "operator_change_date"]),
    ("industry_changed", "是", ["industry_prev", "industry_change_date"]),
    ("no_accident", "否", ["accident_detail"]),
    ("no_violation", "否", ["violation_detail"]),
    ("specialized_count", "3", ["specialized_list"]),
    ("little_giant_count", "1", ["little_giant_list"]),
    ("champion_count", "1", ["champion_list"]),
    ("patent_count", "2", ["patent_list"]),
    ("overseas_branch_count", "1", ["overseas_branch_list"]),
    ("platform_national_count", "1", ["platform_national_names"]),
    ("platform_municipal_count", "1", ["platform_municipal_names"]),
    ("platform_other_count", "1", ["platform_other_names"]),
    ("standards", "0 1 0 0 0 0 0 0", ["standards_list"]),
])
def test_every_checkbox_branch(switch, value, opened):
    e = fresh()
    for qid in opened:
        assert not e.is_relevant(qid)
    assert e.answer(switch, value).ok
    for qid in opened:
        assert e.is_relevant(qid)
        assert e.next_question(after=switch).id == opened[0]


# -- its printed rows and its figures' ranges (the parser itself: tests/test_parse.py) --------------
def test_the_rows_the_form_prints_cannot_be_changed_or_dropped():
    rows = [dict(r, target="10%", actual="12%") for r in FLOW["targets"].preset_rows]
    assert len(p("targets", [*rows, {"direction": "other", "indicator": "新增指标", "target": "1", "actual": "1"}]).value) == 10
    changed = copy.deepcopy(rows)
    changed[0]["indicator"] = "产值增速"
    with pytest.raises(InputError) as exc:
        p("targets", changed)
    assert "主导产业｜集群产值年均增速" in str(exc.value) and "不能修改" in str(exc.value)
    with pytest.raises(InputError):
        p("targets", rows[1:])


TARGET_TEXT = "推动甲、乙两家企业出海；完成境外展会3场，超额完成"


@pytest.mark.parametrize("line", [
    f"开放合作\t定性描述\t走出去\t{TARGET_TEXT}",  # pasted from Excel
    f"开放合作, 定性描述, 走出去, {TARGET_TEXT}",  # typed at a row prompt (filing ask), ASCII commas between cells
    f"开放合作|定性描述|走出去|{TARGET_TEXT}",
])
def test_chinese_punctuation_in_a_cell_is_text_not_a_column_separator(line):
    """A 定性描述 cell holds any text: ，、； never split a row into columns (was “第 8 行：有 6 列”)."""
    q = FLOW["targets"]
    rows = [dict(r) for r in q.preset_rows]
    lines = [f"{o.label}\t{r['indicator']}\t10%\t12%" for r in rows for o in q.column("direction").options
             if o.id == r["direction"]]
    lines[7] = line
    got = parse(q, "\n".join(lines)).value
    assert got[7]["actual"] == TARGET_TEXT and got[7]["target"] == "走出去" and len(got) == len(rows)


def test_chinese_punctuation_is_kept_through_the_conversation(store):
    session = make_session(store, answers={})
    conv = Conversation(Engine.for_session(session))
    typed = "智能装备，含工业机器人；核心零部件、系统集成（上海）"
    conv.engine.jump("leading_industry")
    conv.handle(typed)
    assert session.answers["leading_industry"] == typed
    conv.engine.jump("patents_per_10k")
    conv.handle("45.2 依据：只收回8家企业的采集表，以统计年报为准")
    assert session.answers["patents_per_10k"]["basis"] == "只收回8家企业的采集表，以统计年报为准"
    conv.engine.jump("targets")
    labels = {o.id: o.label for o in FLOW["targets"].column("direction").options}
    rows = [[labels[r["direction"]], r["indicator"], "10%", "12%"] for r in FLOW["targets"].preset_rows]
    rows[7][3] = TARGET_TEXT
    reply = conv.submit("targets", rows, "（提交名单）")
    assert not reply.refused and session.answers["targets"][7]["actual"] == TARGET_TEXT


def test_every_numeric_question_has_a_range_and_a_plausible_one():
    """The form says for each figure what no report can hold and what a real one holds (flows/*.yaml)."""
    for q in FLOW.questions:
        if q.type in ("integer", "decimal", "percent") and not q.calculated:
            assert q.max is not None, q.id
            assert q.plausible_max is not None or (q.max <= 100 and q.type == "percent"), q.id


@pytest.mark.parametrize("raw", ["12.5万", "0.001"])
def test_a_figure_that_would_round_to_zero_is_refused_not_recorded_as_0(raw):
    """12.5万 asked in 亿元 was offered as "记录为 0.00 亿元，对吗？" with Enter meaning yes."""
    from assistant.form.catalog import load_flow
    from assistant.form.parse import InputError, parse

    with pytest.raises(InputError, match="保留两位小数后为 0"):
        parse(load_flow("annual")["total_output"], raw)
    assert parse(load_flow("annual")["total_output"], "0").value == "0.00"

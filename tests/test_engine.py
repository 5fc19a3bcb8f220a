"""The engine: order, branching on every checkbox, relevance, back/jump, progress."""

from __future__ import annotations

import pytest
from conftest import sample_answers

from assistant.errors import InputError
from assistant.interview.engine import Engine
from assistant.interview.findings import blocking
from assistant.session.store import Session


def fresh(form="annual_report", year=2023) -> Engine:
    return Engine.for_session(Session("t", form, "t", year))


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


def test_zero_count_skips_the_list_and_records_none():
    e = fresh()
    e.answer("patent_count", "0")
    assert not e.is_relevant("patent_list")
    assert e.shown("patent_list") == "无"


def test_not_industrial_records_not_applicable_and_does_not_ask():
    e = fresh()
    e.answer("waste_vs_industry", "非工业集群，不适用")
    assert not e.is_relevant("waste_utilization")
    assert e.shown("waste_utilization") == "不适用"
    assert "waste_utilization" not in [q.id for q in e.askable()]
    e.answer("water_vs_industry", "是")
    assert e.is_relevant("water_reuse") and e.shown("water_reuse") == ""


def test_veto_answer_requires_explanation_and_warns():
    e = fresh()
    e.answer("no_accident", "否")
    assert e.current().id == "accident_detail"
    found = e.findings()
    assert any(f.qid == "accident_detail" and f.severity == "blocking" for f in found)
    assert any(f.rule == "accident_veto" and f.severity == "warning" and "否决" in f.message for f in found)


def test_irrelevant_answers_are_kept_but_left_out():
    e = fresh()
    e.answer("patent_count", "2")
    e.answer("patent_list", [["专利甲", "ZL1", "发明专利", "甲公司"], ["专利乙", "ZL2", "发明专利", "乙公司"]])
    e.answer("patent_count", "0")
    assert len(e.session.answers["patent_list"]) == 2  # kept
    assert e.value("patent_list") is None  # but not counted
    assert e.state.namespace["patent_list"] is None
    assert not any(f.rule == "patent_list_matches" for f in e.findings())
    e.answer("patent_count", "2")
    assert e.value("patent_list") and not any(f.rule == "patent_list_matches" for f in e.findings())


def test_editing_an_earlier_answer_keeps_later_ones():
    e = fresh()
    for qid, raw in [("cluster_name", "甲"), ("operator_name", "乙"), ("contact_name", "丙")]:
        e.answer(qid, raw)
    e.jump("cluster_name")
    e.answer("cluster_name", "甲二")
    assert e.session.answers["operator_name"] == "乙" and e.session.answers["contact_name"] == "丙"
    assert e.current().id == "contact_phone"


def test_back_and_jump():
    e = fresh()
    e.answer("cluster_name", "甲")
    e.answer("operator_name", "乙")
    assert e.current().id == "contact_name"
    assert e.back().id == "operator_name"
    assert e.back().id == "cluster_name"
    assert e.back() is None
    assert e.jump("total_output").id == "total_output" and e.current().id == "total_output"
    with pytest.raises(InputError, match="不需要填写"):
        e.jump("operator_prev_name")
    with pytest.raises(InputError, match="自动计算"):
        e.jump("cloud_rate")
    with pytest.raises(InputError):
        e.jump("nonexistent")


def test_progress_per_section_and_overall():
    e = fresh()
    cover = e.flow.section("cover")
    assert e.progress(cover).total == 4 and e.progress(cover).answered == 0
    e.answer("cluster_name", "甲")
    assert e.progress(cover).answered == 1
    total_before = e.progress().total
    e.answer("operator_changed", "是")  # opens two questions
    assert e.progress().total == total_before + 2
    assert 0 < e.progress().percent < 100


def test_calculated_indicators_and_rounding():
    e = fresh()
    e.answer("cloud_enterprises", "2")
    e.answer("cloud_base", "3")
    assert e.value("cloud_rate") == "66.67"
    e.answer("co2_emission", "100吨")
    e.answer("co2_output", "3")
    assert e.value("co2_intensity") == "33.33"


def test_defer_moves_on_and_comes_back_last():
    e = fresh()
    assert e.current().id == "cluster_name"
    e.defer()
    assert e.current().id == "operator_name"
    for qid in [q.id for q in e.askable()][1:]:
        e.session.answers.setdefault(qid, "x")
    e._changed()
    assert e.next_question().id == "cluster_name"


def test_year_flows_into_labels():
    e = fresh(year=2024)
    col = e.flow["targets"].column("actual")
    assert e.text(col.label) == "2024 年完成值"

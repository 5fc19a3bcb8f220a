"""The engine: order, branching, relevance, back/jump, progress — on a tiny form of its own
(the shipped form's branches: tests/test_form_annual.py)."""

from __future__ import annotations

import pytest

from assistant.errors import InputError
from assistant.interview.engine import Engine
from assistant.interview.findings import blocking

FORM = """
sections:
  - id: cover
    questions:
      - {id: name, type: text, label: 名称}
      - {id: owner, type: text, label: 单位}
      - {id: contact, type: text, label: 联系人}
      - {id: phone, type: phone, label: 电话}
  - id: body
    questions:
      - {id: changed, type: yesno, options: [yes, no], label: 是否变更}
      - {id: prev_name, type: text, relevant: "changed == true", label: 原名称}
      - {id: prev_date, type: date, relevant: "changed == true", label: 变更日期}
      - {id: safe, type: yesno, options: [yes, no], label: 无事故}
      - {id: accident, type: longtext, relevant: "safe == false", label: 事故说明}
      - {id: item_count, type: integer, min: 0, list: item_list, label: 项目数}
      - id: item_list
        type: list
        relevant: "item_count > 0"
        label: 项目清单
        columns:
          - {id: name, type: text, label: 名称}
      - {id: output, type: decimal, unit: 亿元, min: 0, label: 产值}
      - {id: users, type: integer, min: 0, label: 上云企业数}
      - {id: firms, type: integer, min: 1, label: 企业总数}
      - {id: rate, type: percent, calculate: "users / firms * 100", evidence: [users, firms]}
      - id: waste_vs
        type: choice
        options: [{id: yes, label: 是}, {id: no, label: 否}, {id: na, label: 非工业集群，不适用}]
      - {id: waste_use, type: percent, min: 0, max: 100, relevant: "waste_vs != 'na'", not_applicable: "waste_vs == 'na'"}
      - id: goals
        type: list
        required: false
        label: 目标
        columns:
          - {id: actual, type: text, label: "{year} 年完成值"}
rules:
  - {id: item_list_matches, assert: "item_list|length == item_count", questions: [item_list, item_count], message: 清单条数不符}
  - {id: accident_veto, assert: "safe", questions: [safe], severity: warning, message: 事故属于否决事项}
"""


@pytest.fixture
def fresh(tiny_form):
    form = tiny_form(FORM)

    def make(year: int | None = None) -> Engine:
        return form.engine(year=year)
    return make


def test_asks_in_form_order_and_skips_branches(fresh):
    e = fresh()
    answers = {"name": "甲", "owner": "乙", "contact": "丙", "phone": "13912345678", "changed": "否", "safe": "是",
               "item_count": "1", "item_list": [["项目甲"]], "output": "3", "users": "1", "firms": "2",
               "waste_vs": "是", "waste_use": "50", "goals": [["1"]]}
    asked = []
    while (q := e.current()) is not None:
        asked.append(q.id)
        assert e.answer(q.id, answers[q.id]).ok, q.id
        assert len(asked) < 50
    assert asked == [q.id for q in e.flow.questions if q.id in asked]
    assert "prev_name" not in asked and "rate" not in asked and "accident" not in asked
    assert not blocking(e.findings())


@pytest.mark.parametrize("switch, value, opened", [
    ("changed", "是", ["prev_name", "prev_date"]),
    ("safe", "否", ["accident"]),
    ("item_count", "3", ["item_list"]),
])
def test_a_branch_opens_its_questions_next(fresh, switch, value, opened):
    e = fresh()
    for qid in opened:
        assert not e.is_relevant(qid)
    assert e.answer(switch, value).ok
    for qid in opened:
        assert e.is_relevant(qid)
        assert e.next_question(after=switch).id == opened[0]


def test_zero_count_skips_the_list_and_records_none(fresh):
    e = fresh()
    e.answer("item_count", "0")
    assert not e.is_relevant("item_list")
    assert e.shown("item_list") == "无"


def test_not_applicable_is_recorded_and_not_asked(fresh):
    e = fresh()
    e.answer("waste_vs", "非工业集群，不适用")
    assert not e.is_relevant("waste_use")
    assert e.shown("waste_use") == "不适用"
    assert "waste_use" not in [q.id for q in e.askable()]
    e.answer("waste_vs", "是")
    assert e.is_relevant("waste_use") and e.shown("waste_use") == ""


def test_veto_answer_requires_explanation_and_warns(fresh):
    e = fresh()
    e.answer("safe", "否")
    assert e.current().id == "accident"
    found = e.findings()
    assert any(f.qid == "accident" and f.severity == "blocking" for f in found)
    assert any(f.rule == "accident_veto" and f.severity == "warning" and "否决" in f.message for f in found)


def test_irrelevant_answers_are_kept_but_left_out(fresh):
    e = fresh()
    e.answer("item_count", "2")
    e.answer("item_list", [["甲"], ["乙"]])
    e.answer("item_count", "0")
    assert len(e.session.answers["item_list"]) == 2  # kept
    assert e.value("item_list") is None  # but not counted
    assert e.state.namespace["item_list"] is None
    assert not any(f.rule == "item_list_matches" for f in e.findings())
    e.answer("item_count", "2")
    assert e.value("item_list") and not any(f.rule == "item_list_matches" for f in e.findings())


def test_editing_an_earlier_answer_keeps_later_ones(fresh):
    e = fresh()
    for qid, raw in [("name", "甲"), ("owner", "乙"), ("contact", "丙")]:
        e.answer(qid, raw)
    e.jump("name")
    e.answer("name", "甲二")
    assert e.session.answers["owner"] == "乙" and e.session.answers["contact"] == "丙"
    assert e.current().id == "phone"


def test_back_and_jump(fresh):
    e = fresh()
    e.answer("name", "甲")
    e.answer("owner", "乙")
    assert e.current().id == "contact"
    assert e.back().id == "owner"
    assert e.back().id == "name"
    assert e.back() is None
    assert e.jump("output").id == "output" and e.current().id == "output"
    with pytest.raises(InputError, match="不需要填写"):
        e.jump("prev_name")
    with pytest.raises(InputError, match="自动计算"):
        e.jump("rate")
    with pytest.raises(InputError):
        e.jump("nonexistent")


def test_progress_per_section_and_overall(fresh):
    e = fresh()
    cover = e.flow.section("cover")
    assert e.progress(cover).total == 4 and e.progress(cover).answered == 0
    e.answer("name", "甲")
    assert e.progress(cover).answered == 1
    total_before = e.progress().total
    e.answer("changed", "是")  # opens two questions
    assert e.progress().total == total_before + 2
    assert 0 < e.progress().percent < 100


def test_calculated_indicators_and_rounding(fresh):
    e = fresh()
    e.answer("users", "2")
    e.answer("firms", "3")
    assert e.value("rate") == "66.67"


def test_defer_moves_on_and_comes_back_last(fresh):
    e = fresh()
    assert e.current().id == "name"
    e.defer()
    assert e.current().id == "owner"
    for qid in [q.id for q in e.askable()][1:]:
        e.session.answers.setdefault(qid, "x")
    e._changed()
    assert e.next_question().id == "name"


def test_year_flows_into_labels(fresh):
    e = fresh(year=2024)
    col = e.flow["goals"].column("actual")
    assert e.text(col.label) == "2024 年完成值"

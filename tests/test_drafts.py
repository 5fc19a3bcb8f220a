"""起草: drafts of part 七 from the answers (templates/annual_report.drafts.yaml) and the 完成值 prefill."""

from __future__ import annotations

import re

import pytest
from conftest import make_session, sample_answers

from assistant import drafts
from assistant.chat import Conversation
from assistant.engine import Engine
from assistant.expr import count_chars

NARRATIVE = ["overview", "achievements", "key_work", "problems", "next_plan", "suggestions"]
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _numbers_in_answers(engine: Engine) -> set[str]:
    """Every number the answers and computed values show, as printed (and the years)."""
    ctx = drafts.context(engine)
    found = {str(engine.year), str(engine.year - 1), str(engine.year + 1)}
    texts = [*ctx["a"].values(), *(n for names in ctx["names"].values() for n in names),
             *(str(v) for row in ctx["targets"] for v in row.values() if v), *ctx["notes"],
             *(str(t) for t in ctx["totals"].values())]
    for t in texts:
        found.update(NUMBER.findall(t))
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
    assert "128.60 亿元" in overview and "326 家" in overview


def test_a_missing_figure_leaves_its_sentence_out(store):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE and k != "total_output"}
    engine = Engine.for_session(make_session(store, "annual", answers))
    text = drafts.draft(engine, "overview")
    assert "总产值" not in text and "326 家" in text


def test_negative_growth_is_said_as_a_fall(store):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers["leading_output_growth"] = "-3.5"
    engine = Engine.for_session(make_session(store, "annual", answers))
    assert "主导产业产值同比下降 3.50%" in drafts.draft(engine, "achievements")


def test_a_draft_fits_what_the_budget_leaves(store):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    answers.update({"key_work": "甲" * 2950, "problems": "无", "next_plan": "无", "suggestions": "无"})
    engine = Engine.for_session(make_session(store, "annual", answers))
    left = drafts.remaining_budget(engine, "overview")
    assert left == 50
    text = drafts.draft(engine, "overview")
    assert 0 < count_chars(text) <= 50 and text.endswith("。")


def test_chat_offers_the_draft_and_stores_it_only_when_accepted(store):
    answers = {k: v for k, v in sample_answers().items() if k not in NARRATIVE}
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    conv.engine.jump("overview")
    reply = conv.handle("起草")
    assert "根据已填的答案起草如下" in reply.messages[0] and "128.60 亿元" in reply.messages[0]
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
    assert actual["单位工业产值能耗"] == "下降 3.60%" and actual["集群产值年均增速"] is None  # no answer is it


def test_draft_elsewhere_says_where_it_works(store):
    conv = Conversation(Engine.for_session(make_session(store, "annual", {})))
    reply = conv.handle("起草")
    assert reply.refused and "第七部分" in reply.messages[0]

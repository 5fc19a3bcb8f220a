"""The question view and typed replies: what every front end draws comes from the conversation."""

from __future__ import annotations

from conftest import make_session, sample_answers

from assistant.form.parse import RowProblem, RowsError
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.interview.view import typed_answer
from assistant.session.store import Session


def test_the_current_answer_as_typed_stores_the_same_value_again(store):
    """For every answered question of both sample reports: typing what the view shows changes nothing."""
    for form in ("annual", "district"):
        s = make_session(store, form)
        e = Engine.for_session(s)
        checked = 0
        for q in e.flow.questions:
            if q.calculated or q.id not in s.answers or not e.is_relevant(q.id):
                continue
            typed = typed_answer(e, q)
            if q.type == "list":
                assert typed is None
                continue
            assert typed is not None, q.id
            assert e.parse(q.id, typed).value == s.answers[q.id], (q.id, typed)
            checked += 1
        assert checked >= 5


def test_view_of_a_revisited_question_and_its_choices():
    s = Session("v0000001", "annual_report", "", 2023)
    conv = Conversation(Engine.for_session(s))
    conv.start()
    for text in ("浦江示例集群", "浦江运营公司", "张明", "13812345678", "否"):
        assert not conv.handle(text).refused
    conv.handle("返回")
    view = conv.view()
    assert view.qid == "operator_changed" and view.current == "否" and view.current_shown == "否"
    assert view.choices is not None and view.choices.current == 1 and view.choices.default == 1
    assert view.heading == "（一、基本情况 · 第 1/6 题）"
    reply = conv.handle("")  # Enter keeps it
    assert reply.messages[0] == "保留原答案。" and s.answers["operator_changed"] is False
    assert reply.view is not None and reply.view.qid == reply.question.id


def test_reply_items_are_typed():
    s = Session("v0000002", "annual_report", "", 2023)
    conv = Conversation(Engine.for_session(s))
    conv.start()
    help_reply = conv.handle("?")
    assert [i.kind for i in help_reply.items] == ["help"]
    assert s.transcript[-1]["kind"] == "help"
    asked = conv.handle("浦江示例集群")
    assert asked.items[-1].kind == "question" and asked.items[-1].qid == "operator_name"
    assert s.transcript[-1]["brief"].startswith("（封面 · 第 2/4 题）")  # what a chat log keeps
    e = conv.engine
    e.jump("standards")
    table = conv.handle("国家 1 2，行业 0 3")
    assert table.items[0].kind == "table" and s.pending


def test_the_command_words_are_said_once_per_session():
    s = Session("v0000003", "annual_report", "", 2023)
    conv = Conversation(Engine.for_session(s))
    conv.start()  # the greeting lists them
    assert "可以随时输入" not in conv.handle("?").messages[0]
    fresh = Session("v0000004", "annual_report", "", 2023)
    assert "可以随时输入" in Conversation(Engine.for_session(fresh)).help_text(Engine.for_session(fresh).current())


def test_keeping_an_answer_moves_on_through_the_engine_and_its_change_hook():
    s = Session("v0000005", "annual_report", "", 2023)
    seen: list[str | None] = []
    e = Engine(Engine.for_session(s).flow, s, on_change=lambda sess: seen.append(sess.cursor))
    conv = Conversation(e)
    conv.handle("浦江示例集群")
    conv.handle("返回")
    seen.clear()
    conv.handle("")  # 保留原答案
    assert seen and seen[-1] == "operator_name"


def test_row_errors_are_typed_and_numbered_by_the_front_end():
    s = Session("v0000006", "annual_report", "", 2023)
    e = Engine.for_session(s)
    try:
        e.parse("specialized_list", "甲公司\t9131052602TH3BJ1X4\n乙公司\t123")
    except RowsError as exc:
        assert exc.problems == [RowProblem(2, exc.problems[0].message, exc.problems[0].column)]
        assert exc.problems[0].column  # the column it is about
        assert str(exc).startswith("第 2 行：")
        assert exc.render(lambda n: n + 10).startswith("第 12 行：")
    else:
        raise AssertionError("a bad credit code was accepted")


def test_answers_from_outside_resume_at_the_first_unanswered_question(store):
    s = store.create("annual_report", "", 2023)
    e = Engine.for_session(s)
    s.cursor = "rd_expense"
    assert not e.apply_many({"standards": "无"})
    assert e.current().id == "cluster_name"
    answers = sample_answers()
    assert not e.apply_many({"cluster_name": answers["cluster_name"]})
    assert e.current().id == "operator_name"

"""Whole reports filled through the same path a person uses: the conversation, one typed line at a time."""

from __future__ import annotations

from conftest import sample_answers

from assistant.form.catalog import load_flow
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.interview.findings import blocking


def typed(value) -> str:
    """What a person would type (lists pasted as tab-separated rows, the matrix as numbers)."""
    if isinstance(value, list):
        return "\n".join("\t".join(str(v) for v in row.values()) for row in value)
    if isinstance(value, dict):
        return " ".join(str(n) for cols in value.values() for n in cols.values())
    return str(value)


def fill_by_chat(store, form: str):
    flow = load_flow(form)
    session = store.create(flow.form, "场景", 2023)
    with store.open(session.id) as handle:
        conv = Conversation(Engine.for_session(handle.session), save=handle.save)
        conv.start()
        answers = sample_answers(form)
        for _ in range(400):
            q = conv.engine.current()
            if q is None:
                break
            reply = conv.handle(typed(answers[q.id]))
            if handle.session.pending:  # a unit conversion shown back: confirm it
                reply = conv.handle("是")
            assert not reply.refused, (q.id, reply.messages)
        return conv, store.load(session.id)


def test_annual_report_by_chat(store):
    _conv, saved = fill_by_chat(store, "annual")
    engine = Engine.for_session(saved)
    assert engine.current() is None and engine.progress().percent == 100
    assert blocking(engine.findings()) == []
    assert saved.answers["rd_expense"] == "35600.00"  # "3.56亿" converted to 万元 and confirmed
    assert len(saved.answers["patent_list"]) == 36
    assert "全部填写完毕" in saved.transcript[-1]["text"]
    users = [m for m in saved.transcript if m["role"] == "user"]
    assert len(users) >= engine.progress().total


def test_district_summary_by_chat(store):
    _conv, saved = fill_by_chat(store, "district")
    engine = Engine.for_session(saved)
    assert engine.progress().percent == 100 and engine.findings() == []


def test_chat_words(store):
    session = store.create("annual_report", "t", 2023)
    conv = Conversation(Engine.for_session(session), save=lambda: store.save(session))
    conv.start()
    assert "集群名称" in conv.handle("?").messages[0] and "集群名称" in conv.handle("帮助").messages[0]
    assert "作为答案" in conv.handle("什么是从业人员").messages[0]  # a text question: answer or glossary?
    reply = conv.handle("2")
    assert "劳务派遣" in reply.messages[0] and "集群" in reply.messages[-1]
    conv.handle("研发费用包括哪些")
    assert "财税" in conv.handle("2").messages[0]
    assert conv.handle("跳过").refused
    conv.handle("甲集群")
    assert conv.engine.current().id == "operator_name"
    conv.handle("返回")
    assert conv.engine.current().id == "cluster_name"
    conv.handle("")  # keep the current answer
    assert conv.engine.current().id == "operator_name"
    conv.handle("稍后")
    assert conv.engine.current().id == "contact_name"
    conv.handle("跳到 三、创新能力情况")
    assert conv.engine.current().id == "rd_expense"
    r = conv.handle("1.2亿")
    assert "12000.00 万元" in r.messages[0] and session.pending
    conv.handle("否")
    assert "rd_expense" not in session.answers and not session.pending
    conv.handle("1.2亿")
    conv.handle("是")
    assert session.answers["rd_expense"] == "12000.00"
    assert conv.handle("预览").action == "preview"
    assert conv.handle("退出").action == "quit"
    assert "总体进度" in conv.handle("进度").messages[0]
    on_disk = store.load(session.id)
    assert on_disk.answers["rd_expense"] == "12000.00" and on_disk.transcript[-1]["role"] == "assistant"


def test_reopening_without_typing_does_not_stack_greetings(store):
    session = store.create("annual_report", "t", 2023)

    def visit(*lines: str) -> list[dict]:
        with store.open(session.id) as handle:
            conv = Conversation(Engine.for_session(handle.session), save=handle.save)
            conv.start()
            for line in lines:
                conv.handle(line)
        return store.load(session.id).transcript

    for _ in range(3):  # opened and closed three times: one greeting, one question
        t = visit()
        assert [m.get("kind") for m in t] == ["welcome", "question"] and t[0]["text"].startswith("您好")
    visit("甲集群")
    for _ in range(3):
        t = visit()
    assert [m["text"] for m in t].count("甲集群") == 1  # what was typed stays
    assert sum("欢迎回来" in m["text"] for m in t) == 1 and t[-2]["kind"] == "welcome"
    assert [m.get("kind") for m in t] == ["welcome", "question", None, "welcome", "question"]  # asked once
    t = visit("?")
    assert sum("欢迎回来" in m["text"] for m in t) == 1 and t[-1]["role"] == "assistant"
    assert sum("欢迎回来" in m["text"] for m in visit()) == 2  # a visit with a word typed is kept


def test_reopening_a_finished_report_says_so_once(store):
    _conv, saved = fill_by_chat(store, "district")
    for _ in range(3):
        with store.open(saved.id) as handle:
            Conversation(Engine.for_session(handle.session), save=handle.save).start()
    t = store.load(saved.id).transcript
    assert [m.get("kind") for m in t[-2:]] == ["welcome", "done"] and "全部填写完毕" in t[-1]["text"]
    assert sum("欢迎回来" in m["text"] for m in t) == 1


def test_cross_field_warning_said_at_once(store):
    session = store.create("annual_report", "t", 2023)
    conv = Conversation(Engine.for_session(session))
    conv.engine.apply_many({"enterprise_count": "10"})
    conv.engine.jump("sme_count")
    reply = conv.handle("12")
    assert any("不能多于" in m for m in reply.messages)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(st.text(max_size=25), st.sampled_from(
    ["?", "返回", "跳过", "稍后", "是", "否", "无", "1.2亿", "跳到 八", "什么是", "预览", "检查", "进度", ""])), max_size=12))
def test_conversation_never_crashes(store, lines):
    session = store.create("annual_report", "t", 2023)
    conv = Conversation(Engine.for_session(session))
    conv.start()
    for line in lines:
        reply = conv.handle(line)
        assert reply.messages or reply.action


def test_district_title_never_shows_a_placeholder(store):
    session = store.create("district_summary", "", 2023)
    conv = Conversation(Engine.for_session(session))
    greeting = conv.start().messages[0]
    assert "《XX区促进中小企业特色产业集群发展总结》" in greeting and "{" not in greeting
    conv.engine.answer("district_name", "浦东新区")
    assert conv.engine.form_title() == "浦东新区促进中小企业特色产业集群发展总结"

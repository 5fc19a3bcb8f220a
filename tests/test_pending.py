"""What waits for the person is typed (session/pending.py), and commands come from one registry
(interview/commands.py): sessions saved with the old untyped shapes load, and a command registered once is
recognised by the conversation, `filing ask` and the chat app alike."""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import make_session, sample_answers
from test_ask import ENTER, drive

from assistant.frontends.tui.app import FilingApp
from assistant.interview.commands import COMMANDS, Spec
from assistant.interview.conversation import Conversation, Reply
from assistant.interview.engine import Engine
from assistant.session.pending import Ambiguous, Choose, Confirm, Goto, Keep, Proposals, Redraft, SetFix, Store
from assistant.session.store import SCHEMA_VERSION, SessionCorrupt, SessionStore

SHA = "a" * 64
EVIDENCE = {"source": "enterprises", "formula": "各企业产值之和", "numerator": {"label": "产值", "value": "5.00"},
            "n": 8, "value": "5.00"}


def saved_v3(store: SessionStore, pending: dict, answers: dict | None = None) -> str:
    """A session as the previous version wrote it (schema 3, pending an untyped mapping)."""
    s = make_session(store, "annual", answers=answers if answers is not None else {})
    data = json.loads(store.path(s.id).read_text(encoding="utf-8"))
    data["schema_version"] = 3
    data["pending"] = pending
    store.path(s.id).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return s.id


OLD_SHAPES = {
    "confirm_without_kind": ({"qid": "area_km2", "value": "3.80"}, Confirm),
    "ambiguous": ({"kind": "ambiguous", "qid": "cluster_name", "text": "什么是从业人员", "via": "term",
                   "target": "employees"}, Ambiguous),
    "choose": ({"kind": "choose", "qid": "sme_count", "prompt": "怎么处理？（输入序号）", "choices": [
        {"label": "改为 400", "set": {"sme_count": "400"}},
        {"label": "整段重新起草", "redraft": True, "words": ["整段"]},
        {"label": "填入 400", "store": 400, "said": "已填入。", "words": ["是"]},
        {"label": "否，保留原有 3 行", "goto": "sme_count", "discard_draft": True, "words": ["否"]},
        {"label": "先保留，稍后再改", "keep": True}]}, Choose),
    "enterprises": ({"kind": "enterprises", "qid": None, "prompt": "请选择", "items": [
        {"qid": "total_output", "value": "5.00", "shown": "5.00 亿元", "current": "", "same": False,
         "previous_import": "", "evidence": EVIDENCE, "partial": False}],
        "summary": None, "paths": ["/tmp/采集表.xlsx"],
        "suspects": [{"place": "采集表.xlsx 第 5 行", "why": "产值相差 1000 倍", "key": [SHA, 5], "confirmed": False}]},
        Proposals),
}


@pytest.mark.parametrize("shape", sorted(OLD_SHAPES))
def test_a_session_saved_with_each_old_pending_shape_loads(store, shape):
    old, kind = OLD_SHAPES[shape]
    sid = saved_v3(store, old)
    s = store.load(sid)
    assert isinstance(s.pending, kind)
    store.save(s)  # written back in the typed shape, and read again as it was
    data = json.loads(store.path(sid).read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION == 4
    assert data["pending"]["kind"] == s.pending.kind
    assert store.load(sid).pending == s.pending


def test_old_choices_keep_their_meaning(store):
    s = store.load(saved_v3(store, OLD_SHAPES["choose"][0]))
    assert isinstance(s.pending, Choose)
    set_fix, redraft, stored, goto, keep = s.pending.choices
    assert isinstance(set_fix, SetFix) and set_fix.values == {"sme_count": "400"}
    assert isinstance(redraft, Redraft) and redraft.words == ["整段"]
    assert isinstance(stored, Store) and stored.value == 400 and stored.said == "已填入。"
    assert isinstance(goto, Goto) and goto.qid == "sme_count" and goto.discard_draft
    assert isinstance(keep, Keep)
    batch = store.load(saved_v3(store, OLD_SHAPES["enterprises"][0])).pending
    assert isinstance(batch, Proposals) and batch.suspects[0].key == (SHA, 5) and batch.left_out()


def test_an_old_confirmation_is_answered_after_loading(store):
    answers = {k: v for k, v in sample_answers().items() if k in ("cluster_name", "operator_name")}
    sid = saved_v3(store, {"qid": "area_km2", "value": "3.80"}, answers)
    with store.open(sid) as h:
        conv = Conversation(Engine.for_session(h.session), save=h.save)
        conv.engine.jump("area_km2")
        assert conv.view().pending.kind == "confirm"
        conv.handle("是")
        assert h.session.answers["area_km2"] == "3.80" and h.session.pending is None


@pytest.mark.parametrize("pending", [
    {"kind": "confirm", "qid": "area_km2", "value": "3.80", "extra": 1},  # unknown key
    {"kind": "maybe", "qid": "area_km2"},  # unknown kind
    {"kind": "confirm", "qid": "no_such_question", "value": "1"},  # not in the form
    {"kind": "confirm", "qid": "area_km2", "value": "abc"},  # not the question's type
    {"kind": "choose", "qid": "sme_count", "prompt": "?", "choices": [{"do": "goto", "label": "x", "qid": "nope"}]},
    {"kind": "ambiguous", "qid": "cluster_name", "text": "x", "via": "shell", "target": "y"},
])
def test_a_damaged_pending_is_refused_by_its_model(store, pending):
    s = make_session(store, "annual", answers={})
    data = json.loads(store.path(s.id).read_text(encoding="utf-8"))
    data["pending"] = pending
    store.path(s.id).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SessionCorrupt) as info:
        store.load(s.id)
    assert "待确认的内容" in str(info.value) and "Error" not in str(info.value)


# -- one registry of commands -----------------------------------------------------------------------
WORD = "测一测命令"
SAID = "测试命令收到了。"


@pytest.fixture
def test_command():
    calls: list[str] = []

    def run(c: Conversation, cmd, q, raw: str) -> Reply:
        calls.append(raw)
        return c.finish(Reply([SAID]), ask=False)

    with COMMANDS.registered(Spec("test_word", run, frozenset({WORD}))):
        yield calls
    assert COMMANDS.word(WORD) is None  # gone again


def test_a_registered_command_is_recognised_by_the_conversation(store, test_command):
    conv = Conversation(Engine.for_session(make_session(store, "annual", answers={})))
    q = conv.engine.current()
    assert q.type in ("text", "longtext")  # free text: only whole commands are commands
    reply = conv.handle(WORD)
    assert reply.messages == [SAID] and test_command == [WORD] and q.id not in conv.session.answers
    assert conv.command_line(WORD) and not conv.command_line(WORD + "公司")


def test_a_registered_command_is_recognised_by_filing_ask(store, capsys, test_command):
    s = make_session(store, "annual", answers={})
    drive(WORD + ENTER, s.id)
    assert SAID in capsys.readouterr().out and test_command == [WORD]
    assert not store.load(s.id).answers


def test_a_registered_command_is_recognised_by_the_tui_input_and_text_box(store, test_command):
    s = make_session(store, "annual", answers={})

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            inp = screen.query_one("#input")
            inp.focus()
            inp.insert_text_at_cursor(WORD)
            await pilot.press("enter")
            await pilot.pause()
            assert test_command == [WORD] and not screen.session.answers
            # the narrative box's "is this line a command?" asks the same registry
            screen.jump("overview")
            await pilot.pause()
            area = screen.query_one("#longtext")
            area.focus()
            area.insert(WORD)
            await pilot.press("enter")
            await pilot.pause()
            assert test_command == [WORD, WORD] and "overview" not in screen.session.answers
            assert any(m.get("text") == SAID for m in screen.session.transcript)

    asyncio.run(run())


def test_a_wrong_shape_is_said_in_chinese_naming_where():
    """A session file whose pending was edited by hand: refused, saying where and what in Chinese."""
    from assistant.errors import InputError
    from assistant.session.pending import from_json

    cases = {
        ("confirm", "qid"): ({"kind": "confirm", "qid": 3, "value": 1}, "应为文字，实为整数"),
        ("confirm", "zz"): ({"kind": "confirm", "qid": "a", "value": 1, "zz": 2}, "多出了不认识的键 zz"),
        ("nope", "kind"): ({"kind": "nope"}, "不认识的种类 nope"),
        ("choose", "do"): ({"kind": "choose", "qid": "a", "prompt": "p", "choices": [{"do": "fly", "label": "x"}]},
                           "choices[0].do：不认识的种类 fly"),
        ("confirm", "missing"): ({"kind": "confirm"}, "缺少键 qid"),
    }
    for data, said in cases.values():
        with pytest.raises(InputError) as err:
            from_json(data)
        assert said in str(err.value) and "Expected" not in str(err.value) and str(err.value).startswith("待确认的内容形状不对")

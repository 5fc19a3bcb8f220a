"""`filing resume ID` opens the conversation as the app's first screen; Esc still leads home and back."""

from __future__ import annotations

import asyncio

import pytest
from tui_support import type_line

from assistant.frontends.tui.app import FilingApp
from assistant.frontends.tui.screens.conversation import ConversationScreen
from assistant.frontends.tui.screens.home import HomeScreen
from assistant.session.store import SessionStore


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_resume_then_home_then_open_again(store: SessionStore):
    sid = store.create("annual_report", "直接继续", 2023).id

    async def run() -> None:
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, ConversationScreen) and len(app.screen_stack) == 1
            await type_line(pilot, "甲集群")
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            with store.open(sid):  # the lock was released on the way home
                pass
            assert app.screen.query_one("#sessions").row_count == 1
            app.screen.query_one("#sessions").focus()
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ConversationScreen)
            assert app.screen.engine.current().id == "operator_name"
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)

    asyncio.run(run())
    assert store.load(sid).answers["cluster_name"] == "甲集群"


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_unsubmitted_editor_text_survives_quit_and_resume(store: SessionStore):
    """Nothing typed is lost: rows pasted into the table and narrative typed but not submitted."""
    from conftest import make_session

    s = make_session(store, "annual")
    for qid in ("patent_count", "patent_list", "overview"):
        s.answers.pop(qid, None)
    s.cursor = "patent_count"
    store.save(s)

    async def first() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await type_line(pilot, "2")
            screen = app.screen
            assert screen.engine.current().id == "patent_list"
            screen.query_one("ListEditor").paste("专利甲\tZL1\t发明专利\t甲公司\n专利乙\tZL2\t发明专利\t乙公司\n")
            await pilot.pause()
            await pilot.press("ctrl+q")  # quit without submitting the table

    asyncio.run(first())
    assert len(store.load(s.id).drafts["patent_list"]) == 2

    async def second() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            editor = app.screen.query_one("ListEditor")
            assert [r[0] for r in editor.rows] == ["专利甲", "专利乙"]
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen.engine.current().id == "overview"
            app.screen.query_one("#longtext").insert("集群总体情况的草稿")
            await pilot.pause()
            await pilot.press("escape")  # go home without submitting the text
            await pilot.pause()

    asyncio.run(second())
    saved = store.load(s.id)
    assert len(saved.answers["patent_list"]) == 2 and "patent_list" not in saved.drafts
    assert saved.drafts["overview"] == "集群总体情况的草稿"

    async def third() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.screen.query_one("#longtext").text == "集群总体情况的草稿"

    asyncio.run(third())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_long_transcript_shows_the_latest_and_brings_earlier_ones_on_scrolling_up(store: SessionStore):
    from assistant.frontends.tui.widgets.chat_log import BATCH, FIRST_SHOWN, KEEP, Bubble, ChatLog

    session = store.create("annual_report", "长对话", 2023)
    for i in range(100):
        session.say("user" if i % 2 else "assistant", f"第 {i} 条消息")
    store.save(session)

    async def run() -> None:
        app = FilingApp(session.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            chat = app.screen.query_one(ChatLog)
            total = len(app.screen.session.transcript)  # 100 + the welcome back and the question
            bubbles = lambda: [b.plain for b in chat.query(Bubble)]  # noqa: E731
            assert len(bubbles()) == FIRST_SHOWN and "欢迎回来" in bubbles()[-2]
            older = chat.query_one(".older")
            assert older.display and f"还有更早的 {total - FIRST_SHOWN} 条" in older.plain
            top = bubbles()[0]
            chat.scroll_home(animate=False, immediate=True)
            await pilot.pause()
            await pilot.pause()
            assert len(bubbles()) == FIRST_SHOWN + BATCH
            assert chat.scroll_y > 0  # what was at the top stays in view, the new ones are above it
            assert bubbles()[BATCH] == top
            while older.display:  # keep scrolling up: the whole transcript comes back
                chat.scroll_home(animate=False, immediate=True)
                await pilot.pause()
                await pilot.pause()
            assert len(bubbles()) == total and "第 0 条消息" in bubbles()[0]
            await type_line(pilot, "甲集群")  # a new turn trims the log back to the newest KEEP
            assert len(bubbles()) == KEEP and older.display and "甲集群" in " ".join(bubbles()[-3:])

    asyncio.run(run())


@pytest.mark.parametrize("history", [0, 3, 100])
def test_the_first_screen_is_laid_out_once_with_the_chat_at_its_end(store: SessionStore, history: int):
    """A new report and one resumed with a long transcript: drawn once, already as they stay (the chat at its end,
    its bubbles at their final width, the cut-off marker hidden): nothing moves after the first frame (a change
    costs another layout and frame, and a resumed report must not flash its oldest messages first)."""
    from assistant.frontends.tui.widgets.chat_log import Bubble, ChatLog

    session = store.create("annual_report", "一次排好", 2023)
    for i in range(history):
        session.say("user" if i % 2 else "assistant", f"第 {i} 条消息：" + "较长的一句话，" * 6)
    store.save(session)

    async def run() -> None:
        app = FilingApp(session.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            # run_test returns once the first layout is done (the app is ready): what is on screen now
            chat = app.screen.query_one(ChatLog)
            first = (chat.scroll_y, chat.max_scroll_y, [b.size for b in chat.query(Bubble)],
                     app.screen.query_one("#question-more").display)
            await pilot.pause()
            await pilot.pause()
            assert first == (chat.scroll_y, chat.max_scroll_y, [b.size for b in chat.query(Bubble)], False)
            assert 0 <= chat.scroll_y == chat.max_scroll_y  # at its end, never above its top (a short chat stays up)
            if history > 16:
                assert chat.scroll_y > 0  # the latest messages, from the first frame

    asyncio.run(run())

"""`filing resume ID` opens the conversation as the app's first screen; Esc still leads home and back."""

from __future__ import annotations

import asyncio

from assistant.store import SessionStore
from assistant.tui.app import FilingApp
from assistant.tui.screens.conversation import ConversationScreen
from assistant.tui.screens.home import HomeScreen

from tui_support import type_line


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

"""The app with hostile titles and damaged sessions: listed, shown as text, never a traceback (Textual pilot)."""

from __future__ import annotations

import asyncio
import json

from rich.text import Text
from textual.widgets import DataTable

from assistant.frontends.tui.app import FilingApp
from assistant.frontends.tui.screens.conversation import ConversationScreen
from assistant.frontends.tui.screens.home import HomeScreen
from assistant.frontends.tui.widgets.chat_log import Bubble
from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.session.store import SessionStore

HOSTILE = ["[/bad]", "[bold red]红色[/]", "标题\x1b[31m红\x1b[0m\u202eexe.txt"]


def _cells(table: DataTable) -> list[list[str]]:
    rows = []
    for key in table.rows:
        rows.append([c.plain if isinstance(c, Text) else str(c) for c in table.get_row(key)])
    return rows


def _damage(store: SessionStore, *, deep: bool = False, form: bool = False) -> str:
    s = store.create("annual_report", "将损坏", 2023)
    store.save(s)  # a second save leaves a good .bak to restore from
    path = store.path(s.id)
    if deep:
        path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    elif form:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["form"] = "nosuch"
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text("{broken", encoding="utf-8")
    return s.id


def test_home_lists_markup_titles_and_damaged_sessions(store: SessionStore):
    good = [store.create("annual_report", t, 2023).id for t in HOSTILE]
    broken = _damage(store)
    deep = _damage(store, deep=True)
    unknown = _damage(store, form=True)

    async def run() -> None:
        app = FilingApp(store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            table = app.screen.query_one("#sessions", DataTable)
            assert table.row_count == 6
            rows = _cells(table)
            titles = [r[0] for r in rows]
            assert "[/bad]" in titles and "[bold red]红色[/]" in titles  # literally, not as styling
            escaped = next(t for t in titles if t.startswith("标题"))
            assert "\x1b" not in escaped and "\u202e" not in escaped and "\\u001b" in escaped
            damaged = {r[4] for r in rows if r[0].startswith("已损坏")}
            assert damaged == {broken, deep}
            assert [r[4] for r in rows if r[0].startswith("找不到表单")] == [unknown]  # intact, its folder not given
            # The damaged row explains itself with the restore hint.
            table.focus()
            table.move_cursor(row=next(i for i, r in enumerate(rows) if r[4] == broken))
            await pilot.press("enter")
            await pilot.pause()
            msg = app.screen.query_one("#home-message", WrapStatic).plain
            assert "已损坏" in msg and f"filing restore {broken}" in msg
            # The session of an unknown form does not open a broken conversation.
            table.move_cursor(row=next(i for i, r in enumerate(rows) if r[4] == unknown))
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            assert "--forms" in app.screen.query_one("#home-message", WrapStatic).plain
            # A markup title opens, and its title bar and greeting show it as text.
            table.move_cursor(row=titles.index("[bold red]红色[/]"))
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ConversationScreen)
            assert "[bold red]红色[/]" in str(app.screen.query_one("#title").render())

    asyncio.run(run())
    assert set(good) <= set(store.ids())


def test_resume_of_a_damaged_session_shows_the_message(store: SessionStore):
    sid = _damage(store)

    async def run() -> None:
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            msg = app.screen.query_one("#home-message", WrapStatic).plain
            assert "已损坏" in msg and f"filing restore {sid}" in msg

    asyncio.run(run())


def test_chat_bubble_shows_control_characters_and_markup_as_text():
    bubble = Bubble("user", "[b]粗[/b]\x1b[2J\u202e")
    assert "[b]粗[/b]\\u001b[2J\\u202e" in bubble.plain

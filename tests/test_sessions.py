"""Which reports there are and whether one can be worked on: one answer in the core (interview/sessions.py),
the same in `filing list`, `filing check`, the TUI's home page and its resume."""

from __future__ import annotations

import asyncio
import json

from textual.widgets import DataTable

from assistant.frontends.cli import main
from assistant.frontends.tui.app import FilingApp
from assistant.frontends.tui.screens.home import HomeScreen
from assistant.interview.sessions import listing, load_session, open_session
from assistant.session.store import SessionError, SessionStore


def _reports(store: SessionStore) -> tuple[str, str, str]:
    good = store.create("annual_report", "好的报告", 2023).id
    unknown = store.create("annual_report", "表单不见了", 2023)
    store.save(unknown)
    path = store.path(unknown.id)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["form"] = "nosuch"
    path.write_text(json.dumps(data), encoding="utf-8")
    broken = store.create("annual_report", "坏了", 2023)
    store.save(broken)
    store.path(broken.id).write_text("{broken", encoding="utf-8")
    return good, unknown.id, broken.id


def test_every_front_end_lists_and_refuses_the_same_reports(store: SessionStore, capsys):
    good, unknown, broken = _reports(store)
    rows = {r.id: r for r in listing(store)}
    assert set(rows) == {good, unknown, broken}
    assert not rows[good].damaged and rows[good].title == "好的报告" and rows[good].form_name == "年度报告"
    assert rows[unknown].damaged and rows[unknown].form_missing and rows[broken].damaged and not rows[broken].form_missing

    # `filing list --json`: the same rows, the same reasons
    assert main(["list", "--json"]) == 0
    listed = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert {k: bool(v.get("damaged")) for k, v in listed.items()} == {k: r.damaged for k, r in rows.items()}
    assert listed[broken]["error"] == rows[broken].error and listed[unknown]["error"] == rows[unknown].error

    # opening to work on, reading to check: refused with the same reason; nothing is left locked
    for sid in (unknown, broken):
        for open_ in (open_session, load_session):
            try:
                open_(store, sid)
            except SessionError as exc:
                assert str(exc) == rows[sid].error
            else:
                raise AssertionError(f"{sid} opened")
    assert main(["check", broken]) != 0
    assert rows[broken].error.splitlines()[0] in capsys.readouterr().err
    with open_session(store, good) as handle:
        assert handle.session.id == good

    # the TUI's home page: the same reports, the damaged ones marked
    async def run() -> None:
        app = FilingApp(store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            table = app.screen.query_one("#sessions", DataTable)
            keys = {str(k.value) for k in table.rows}
            assert keys == {good, f"bad:{unknown}", f"bad:{broken}"}

    asyncio.run(run())

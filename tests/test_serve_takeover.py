"""Issue 27's takeover, whichever way the report is opened: from the home page (/open/<id>) or from the report
list inside the app. The account's other tab on that report is told (a close frame the page shows) and closes,
saved; the new tab then has the report. Real server, real app processes."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from conftest import sample_answers
from serve_support import client, first_output, lock_is_free, port_of, serving, wait_for

from assistant.frontends.serve_accounts import TAKEN_OVER
from assistant.hosting.accounts import CLUSTER, DISTRICT, AccountStore
from assistant.interview.engine import Engine
from assistant.session.store import SessionStore

NEW = "春天 2024 新的密码"


async def _login(http: aiohttp.ClientSession, base: str, name: str, password: str) -> None:
    origin = {"Origin": base}
    async with http.post(base + "/login", data={"name": name, "password": password}, headers=origin):
        pass
    async with http.post(base + "/password", data={"old": password, "new": NEW, "again": NEW}, headers=origin) as r:
        assert r.status == 200


async def _drawn(ws: aiohttp.ClientWebSocketResponse, timeout: float = 60) -> None:
    """The app has drawn its first screen (and keeps drawing: what is left is read later)."""
    await first_output(ws, timeout)
    await asyncio.sleep(1.0)  # the home screen's list is filled after the first frame


async def _closed(ws: aiohttp.ClientWebSocketResponse, timeout: float = 60) -> aiohttp.WSMessage:
    deadline = time.monotonic() + timeout
    while True:
        msg = await ws.receive(timeout=max(deadline - time.monotonic(), 0.1))
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            return msg


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    """Keep reading a tab's output (a real page does), so its app is never held up writing."""
    while not ws.closed:
        msg = await ws.receive()
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return


async def _open_in_app(ws: aiohttp.ClientWebSocketResponse) -> None:
    """On the app's home screen, the report list has the only report highlighted: Enter opens it."""
    await ws.send_json(["stdin", "\r"])


@pytest.fixture
def cluster(filing_home):
    store = AccountStore()
    store.add("浦东新区", DISTRICT)
    account, password = store.add("浦江集群", CLUSTER, "浦东新区")
    sessions = SessionStore(store.folder(account) / "sessions")
    session = sessions.create("annual_report", "浦江集群", 2023)
    assert not Engine.for_session(session).apply_many(sample_answers())
    sessions.save(session)
    return password, session.id, sessions.path(session.id).with_suffix(".json.lock")


def _takeover(cluster, old_in_app: bool) -> None:
    password, sid, lock = cluster

    async def go() -> None:
        async with serving(fail_delay=0.01) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            ws_base = base.replace("http", "ws")
            await _login(http, base, "浦江集群", password)
            old = await http.ws_connect(f"{ws_base}/ws" if old_in_app else f"{ws_base}/ws/{sid}")
            await _drawn(old)
            if old_in_app:
                await _open_in_app(old)
            reading = asyncio.ensure_future(_drain(old))
            await wait_for(lambda: not lock_is_free(lock), 30, "the first tab holds the report")
            await asyncio.sleep(0.5)  # its app has told the server which report it has open
            reading.cancel()
            # the second tab: opened from inside its app when the first came from the home page, and the other way
            new = await http.ws_connect(f"{ws_base}/ws/{sid}" if old_in_app else f"{ws_base}/ws")
            if not old_in_app:
                await _drawn(new)
                await _open_in_app(new)
            msg = await _closed(old)
            assert msg.data == 4003 and msg.extra == TAKEN_OVER  # told in words, saved and closed
            keep = asyncio.ensure_future(_drain(new))
            await wait_for(lambda: len(ready.server.apps) == 1, 30, "the old tab's app gone")
            await wait_for(lambda: not lock_is_free(lock), 30, "the new tab has the report")
            assert not new.closed
            keep.cancel()
            await new.close()

    asyncio.run(go())


@pytest.mark.slow
def test_a_report_opened_inside_the_app_takes_it_over_from_the_accounts_other_tab(cluster):
    _takeover(cluster, old_in_app=False)


@pytest.mark.slow
def test_a_tab_that_opened_the_report_inside_its_app_is_taken_over_from_the_home_page(cluster):
    _takeover(cluster, old_in_app=True)

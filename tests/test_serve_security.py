"""`filing serve` at the HTTP level: Host and Origin allowlists, the token exchanged for a cookie, HTTPS,
bounded app processes (size, messages, count) that end with their tab and with the server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from serve_support import (
    TOKEN,
    app_pids,
    client,
    enter,
    first_output,
    lock_is_free,
    port_of,
    proc_alive,
    rss_mb,
    self_signed,
    serving,
    wait_for,
)

from assistant.frontends.cli import main
from assistant.frontends.serve import (
    MAX_COLS,
    MAX_MESSAGE,
    MAX_ROWS,
    ServeConfig,
    ServeError,
    check_config,
    clamp,
    host_header_name,
    parse_allowed_host,
    prepare,
    token_bits,
)

ANSWER = "浦江智能传感器集群"
LINUX = sys.platform.startswith("linux") and Path("/proc/self/cmdline").exists()


def run(coro):
    return asyncio.run(coro)


# -- the token and the cookie ---------------------------------------------------------------------
def test_no_token_is_refused_with_a_chinese_page_everywhere():
    async def go():
        async with serving() as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            for path in ("/", "/?token=wrong", "/ws", "/download/x", "/static/js/textual.js"):
                async with http.get(base + path, allow_redirects=False) as resp:
                    assert resp.status == 403, path
                    text = await resp.text()
                    assert "需要访问口令" in text and "Traceback" not in text
                    assert "textual.js" not in text  # not the app page

    run(go())


def test_token_moves_into_a_cookie_that_does_not_hold_it_and_the_url_is_cleaned():
    async def go():
        async with serving() as ready, client() as http:
            port = port_of(ready)
            base = f"http://127.0.0.1:{port}"
            async with http.get(f"{base}/?token={TOKEN}&fontsize=20", allow_redirects=False) as resp:
                assert resp.status == 303
                assert resp.headers["Location"] == "/?fontsize=20"  # the address bar loses the token
                set_cookie = resp.headers["Set-Cookie"]
            assert TOKEN not in set_cookie
            assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Secure" not in set_cookie
            name, value = set_cookie.split(";")[0].split("=", 1)
            assert name == f"filing_session_{port}" and len(value) >= 32 and value != TOKEN
            async with http.get(f"{base}/?fontsize=20") as resp:  # the cookie alone opens the page
                assert resp.status == 200
                page = await resp.text()
                assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["Referrer-Policy"] == "no-referrer"
                assert resp.headers["Cache-Control"] == "no-store"
            assert TOKEN not in page and value not in page
            assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
            assert "googleapis" not in page and "https://" not in page  # nothing fetched from outside
            async with http.get(base + "/static/js/textual.js") as resp:
                assert resp.status == 200
            # A made-up cookie value opens nothing.
            async with client() as other:
                other.cookie_jar.update_cookies({name: "x" * 43})
                async with other.get(base + "/") as resp:
                    assert resp.status == 403

    run(go())


def test_access_log_holds_no_token_and_no_cookie(caplog):
    caplog.set_level(logging.INFO)

    async def go():
        async with serving() as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await enter(http, base)
            async with http.get(base + "/?token=wrong-" + TOKEN[::-1]):
                pass
            return {c.key: c.value for c in http.cookie_jar}

    cookies = run(go())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET /" in logged  # the access log is there
    assert TOKEN not in logged and TOKEN[::-1] not in logged and "token" not in logged
    assert all(value not in logged for value in cookies.values())


def test_token_strength():
    assert token_bits("s3cret") < 128 and token_bits("a" * 60) < 128 and token_bits("ab" * 40) < 128
    assert token_bits(TOKEN) >= 128
    for weak in ("x", "s3cret", "0123456789abcdef"):
        with pytest.raises(ServeError, match="128"):
            check_config("127.0.0.1", weak, False)
    assert check_config("127.0.0.1", TOKEN, False) == []
    assert "任何人" in check_config("0.0.0.0", TOKEN, False)[0]
    assert "--no-token" in check_config("127.0.0.1", None, True)[0]


def test_weak_token_refused_by_the_cli_in_chinese(capsys):
    assert main(["serve", "--token", "a", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "口令太弱" in err and "128" in err and "Traceback" not in err


def test_token_from_the_environment_is_checked_and_not_passed_on(monkeypatch, capsys):
    monkeypatch.setenv("FILING_SERVE_TOKEN", "short")
    assert main(["serve", "--no-browser"]) == 2
    assert "口令太弱" in capsys.readouterr().err
    assert "FILING_SERVE_TOKEN" not in os.environ  # the app processes never see it


# -- Host and Origin ------------------------------------------------------------------------------
def test_dns_rebinding_host_refused_on_page_websocket_and_download():
    async def go():
        async with serving() as ready, client() as http:
            port = port_of(ready)
            base = f"http://127.0.0.1:{port}"
            await enter(http, base)
            evil = {"Host": f"evil.test:{port}"}
            for path in ("/", f"/?token={TOKEN}", "/ws", "/download/x", "/static/js/textual.js"):
                async with http.get(base + path, headers=evil, allow_redirects=False) as resp:
                    assert resp.status == 403, path
                    assert "--allow-host" in await resp.text()
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(base + "/ws", headers={**evil, "Origin": f"http://evil.test:{port}"})
            assert refused.value.status == 403
            for host in (f"localhost:{port}", f"[::1]:{port}", "127.0.0.1", "LOCALHOST."):
                async with http.get(base + "/", headers={"Host": host}) as resp:
                    assert resp.status == 200, host
            for bad in ("", "127.0.0.1:80:80", "127.0.0.1@evil.test", "[::1"):
                async with http.get(base + "/", headers={"Host": bad}) as resp:
                    assert resp.status == 403, bad

    run(go())


def test_origin_must_be_an_allowed_host_with_the_right_scheme():
    async def go():
        async with serving() as ready, client() as http:
            port = port_of(ready)
            base = f"http://127.0.0.1:{port}"
            await enter(http, base)
            for origin in (f"http://evil.test:{port}", f"https://127.0.0.1:{port}", "null", "http://127.0.0.1.evil.test"):
                async with http.get(base + "/", headers={"Origin": origin}) as resp:
                    assert resp.status == 403, origin
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await http.ws_connect(base + "/ws", headers={"Origin": origin})
                assert refused.value.status == 403, origin
            async with http.get(base + "/", headers={"Origin": f"http://localhost:{port}"}) as resp:
                assert resp.status == 200
            async with http.post(base + "/") as resp:  # a browser's POST always has an Origin
                assert resp.status == 403
                assert "不被允许" in (await resp.json())["error"]  # a script's request gets JSON to show

    run(go())


def test_allow_host_adds_names_and_https_names_behind_a_proxy():
    async def go():
        async with serving(allow_hosts=("filing.lan", "https://filing.example.cn")) as ready, client() as http:
            port = port_of(ready)
            base = f"http://127.0.0.1:{port}"
            await enter(http, base)
            async with http.get(base + "/", headers={"Host": f"filing.lan:{port}", "Origin": f"http://filing.lan:{port}"}) as r:
                assert r.status == 200
            proxied = {"Host": "filing.example.cn"}
            async with http.get(base + "/", headers={**proxied, "Origin": "https://filing.example.cn"}) as resp:
                assert resp.status == 200
                assert 'data-session-websocket-url="wss://filing.example.cn/ws"' in await resp.text()
            async with http.get(base + "/", headers={**proxied, "Origin": "http://filing.example.cn"}) as resp:
                assert resp.status == 403
            async with client() as fresh, fresh.get(f"{base}/?token={TOKEN}", headers=proxied,
                                                    allow_redirects=False) as resp:
                assert resp.status == 303 and "Secure" in resp.headers["Set-Cookie"]
        assert any("https://filing.example.cn/?token=" in url for url in ready.urls)

    run(go())


def test_host_names_are_parsed_strictly():
    assert host_header_name("LocalHost:8000") == "localhost"
    assert host_header_name("[::1]:8000") == "::1"
    assert host_header_name("a:b") is None and host_header_name("[::1]x") is None
    assert parse_allowed_host("https://Filing.Example.cn/") == ("filing.example.cn", "https")
    assert parse_allowed_host("192.168.1.10") == ("192.168.1.10", None)
    for bad in ("*", "evil.test:8000", "ftp://x", "a b", "x/y"):
        with pytest.raises(ServeError, match="--allow-host"):
            parse_allowed_host(bad)


# -- HTTPS ----------------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("openssl") is None, reason="需要 openssl 命令生成测试证书")
def test_https_served_directly_with_secure_cookies(tmp_path):
    cert, key = self_signed(tmp_path)

    async def go():
        async with serving(certfile=str(cert), keyfile=str(key)) as ready, client() as http:
            port = port_of(ready)
            base = f"https://127.0.0.1:{port}"
            assert ready.urls[0].startswith(base + "/?token=")
            async with http.get(f"{base}/?token={TOKEN}", ssl=False, allow_redirects=False) as resp:
                assert resp.status == 303
                cookie = resp.headers["Set-Cookie"]
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
            async with http.get(base + "/", ssl=False) as resp:
                assert resp.status == 200
                assert f"wss://127.0.0.1:{port}/ws" in await resp.text()
            async with http.get(base + "/", ssl=False, headers={"Origin": f"http://127.0.0.1:{port}"}) as resp:
                assert resp.status == 403  # an http page may not drive an https server
            with pytest.raises(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/"):
                    pass

    run(go())


def test_bad_certificate_refused_before_serving(tmp_path):
    (tmp_path / "cert.pem").write_text("not a certificate")
    with pytest.raises(ServeError, match="证书"):
        prepare(ServeConfig(port=0, certfile=str(tmp_path / "cert.pem"), open_browser=False))
    with pytest.raises(ServeError, match="不存在"):
        prepare(ServeConfig(port=0, certfile=str(tmp_path / "nowhere.pem"), open_browser=False))


# -- starting ---------------------------------------------------------------------------------------
def test_port_in_use_said_before_anything_is_printed(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2  # no --no-browser: nothing may be opened either
    out = capsys.readouterr()
    assert "已被占用" in out.err and str(port) in out.err
    assert "http" not in out.out and "http" not in out.err


def test_terminal_size_is_clamped():
    assert clamp("20000", 20, MAX_COLS, 80) == MAX_COLS
    assert clamp(20000, 8, MAX_ROWS, 24) == MAX_ROWS
    assert clamp("-5", 20, MAX_COLS, 80) == 20
    assert clamp("1e9", 20, MAX_COLS, 80) == 80 and clamp(True, 20, MAX_COLS, 80) == 80
    assert clamp(None, 20, MAX_COLS, 80) == 80 and clamp([1], 20, MAX_COLS, 80) == 80


# -- app processes (real ones) ---------------------------------------------------------------------
needs_proc = pytest.mark.skipif(not LINUX, reason="finds the app processes through /proc")




async def _drain(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            msg = await ws.receive(timeout=max(deadline - time.monotonic(), 0.05))
        except asyncio.TimeoutError:
            return
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return


@pytest.mark.slow
@needs_proc
def test_oversize_terminal_and_messages_are_bounded(filing_home):
    marker = str(filing_home.resolve())

    async def go():
        async with serving() as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await enter(http, base)
            ws = await http.ws_connect(base + "/ws?width=20000&height=20000")
            await first_output(ws)
            [pid] = app_pids(marker)
            await ws.send_json(["resize", {"width": 20000, "height": 20000}])
            await ws.send_json(["resize", {"width": "x", "height": -3}])
            await ws.send_json(["resize", {"width": 20000, "height": 20000}])
            await ws.send_str("not json")
            await ws.send_json({"not": "a list"})
            await _drain(ws, 4)
            assert rss_mb(pid) < 300, f"app process at {rss_mb(pid):.0f} MB"
            # One message over the cap closes the tab (1009: too big) and its app ends.
            await ws.send_json(["stdin", "x" * (MAX_MESSAGE + 1)])
            msg = await ws.receive(timeout=30)
            while msg.type == aiohttp.WSMsgType.BINARY:
                msg = await ws.receive(timeout=30)
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
            await wait_for(lambda: not proc_alive(pid), 30, "the app process ended with its tab")

    run(go())


@pytest.mark.slow
@needs_proc
def test_closing_the_tab_ends_its_app_and_releases_the_report(filing_home, store):
    session = store.create("annual_report", "标签页", 2023)
    lock = Path(str(store.path(session.id)) + ".lock")
    marker = str(filing_home.resolve())

    async def go():
        async with serving(session_id=session.id) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await enter(http, base)
            ws = await http.ws_connect(base + "/ws?width=100&height=30")
            await first_output(ws)
            [pid] = app_pids(marker)
            await wait_for(lambda: not lock_is_free(lock), 20, "the app holds the report's lock")
            await _drain(ws, 2)  # the first question's line has the focus
            await ws.send_json(["stdin", ANSWER + "\r"])
            await ws.close()  # at once: the app still saves the answer on its way out
            await wait_for(lambda: not proc_alive(pid) and lock_is_free(lock), 30, "app ended, lock released")
            assert not ready.server.apps

    run(go())
    assert ANSWER in store.path(session.id).read_text(encoding="utf-8")


@pytest.mark.slow
@needs_proc
def test_a_flood_of_keys_ends_the_app_at_its_memory_limit_not_the_machine(filing_home, store):
    session = store.create("annual_report", "按键洪水", 2023)
    marker = str(filing_home.resolve())

    async def go():
        async with serving(session_id=session.id, app_memory_mb=100) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await enter(http, base)
            ws = await http.ws_connect(base + "/ws?width=160&height=50")
            await first_output(ws)
            [pid] = app_pids(marker)

            async def flood() -> None:
                with contextlib.suppress(aiohttp.ClientError, ConnectionError):
                    while not ws.closed:
                        await ws.send_json(["stdin", "b" * 4000])  # keys, not a paste: each byte an event

            flooding = asyncio.create_task(flood())
            await _drain(ws, 90)  # until the server closes the tab: the app ended itself past 100 MB
            flooding.cancel()
            assert ws.closed
            await wait_for(lambda: not proc_alive(pid) and not ready.server.apps, 20, "the app process ended")

    run(go())


@pytest.mark.slow
@needs_proc
def test_a_cap_on_app_processes_said_in_chinese(filing_home):
    async def go():
        async with serving(max_tabs=1) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await enter(http, base)
            first = await http.ws_connect(base + "/ws")
            await first_output(first)
            async with http.get(base + "/") as resp:
                assert resp.status == 503
                assert "上限（1 个）" in await resp.text()
            second = await http.ws_connect(base + "/ws")
            msg = await second.receive(timeout=10)
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 4000
            assert "上限" in msg.extra
            assert len(app_pids(str(filing_home.resolve()))) == 1
            await first.close()
            await wait_for(lambda: not ready.server.apps, 30, "the place is free again")
            async with http.get(base + "/") as resp:
                assert resp.status == 200

    run(go())


@pytest.mark.slow
@needs_proc
def test_forms_reach_the_app_processes(filing_home, tmp_path, monkeypatch):
    from test_forms_data import NEW_ID, _edition

    from assistant.form import catalog as forms
    from assistant.session.store import SessionStore

    root = _edition(tmp_path / "forms-2025")
    monkeypatch.delenv(forms.ENV, raising=False)
    forms.use_forms([root])
    try:
        store = SessionStore()
        session = store.create(NEW_ID, "新版表单", 2025)
        lock = Path(str(store.path(session.id)) + ".lock")
    finally:
        forms.use_forms([])
        forms._chosen = None

    async def go():
        async with serving(session_id=session.id, forms=(str(root),)) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await enter(http, base)
            ws = await http.ws_connect(base + "/ws")
            await first_output(ws)
            # The app opened (and locked) the session: its form was found through --forms.
            await wait_for(lambda: not lock_is_free(lock), 20, "the added form's session opened")
            await ws.close()

    run(go())


@pytest.mark.slow
@needs_proc
def test_app_processes_end_when_the_server_is_killed(filing_home, store):
    session = store.create("annual_report", "kill -9", 2023)
    lock = Path(str(store.path(session.id)) + ".lock")
    marker = str(filing_home.resolve())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, FILING_HOME=str(filing_home), FILING_SERVE_TOKEN=TOKEN)
    server = subprocess.Popen([sys.executable, "-m", "assistant.frontends.cli", "serve", session.id, "--port", str(port),
                               "--no-browser"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    async def go():
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        async with client() as http:
            while True:
                try:
                    await enter(http, base)
                    break
                except aiohttp.ClientConnectionError:
                    assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                    await asyncio.sleep(0.2)
            tabs = [await http.ws_connect(base + "/ws") for _ in range(2)]
            for ws in tabs:
                await first_output(ws)
            await wait_for(lambda: len(app_pids(marker)) == 2, 20, "two app processes")
            await wait_for(lambda: not lock_is_free(lock), 20, "one of them holds the report")
            pids = app_pids(marker)
            server.send_signal(signal.SIGKILL)
            server.wait(10)
            await wait_for(lambda: not any(proc_alive(p) for p in pids), 30, "app processes gone after kill -9")
            assert lock_is_free(lock)

    try:
        run(go())
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()
        for pid in app_pids(marker):
            os.kill(pid, signal.SIGKILL)


CHROMIUM = os.environ.get("FILING_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.slow
def test_browser_is_told_in_chinese_when_the_tabs_are_full(filing_home):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"没有找到 Chromium（{CHROMIUM}）")
    playwright = pytest.importorskip("playwright.async_api", reason="需要 pip 包 playwright")

    async def go():
        async with serving(max_tabs=1) as ready, playwright.async_playwright() as p:
            base = f"http://127.0.0.1:{port_of(ready)}"
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(f"{base}/?token={TOKEN}")
            assert page.url == base + "/"
            await page.wait_for_selector("body.-first-byte", timeout=30_000)
            # A second tab's page is refused politely while the first one runs.
            second = await context.new_page()
            response = await second.goto(base + "/")
            assert response is not None and response.status == 503
            assert "上限（1 个）" in await second.inner_text("body")
            # A socket that raced past the page check is closed with the reason, and the page shows it.
            reason = await page.evaluate("""() => new Promise((done) => {
                const socket = new WebSocket(document.querySelector("#terminal").dataset.sessionWebsocketUrl);
                socket.addEventListener("close", () => done(document.querySelector(".closed-dialog .message").textContent));
            })""")
            assert "上限（1 个）" in reason
            await browser.close()

    run(go())

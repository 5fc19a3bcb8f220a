"""`filing serve` in a real browser: Chromium driven by Playwright types an answer; the token is enforced."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assistant.frontends.serve import ServeError, check_config

CHROMIUM = os.environ.get("FILING_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ANSWER = "浦江智能传感器集群"
TOKEN = "Vd3kq0Zr8PmY2xWc7LtN5bHg"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str], home: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, FILING_HOME=str(home))
    proc = subprocess.Popen([sys.executable, "-m", "assistant.frontends.cli", "serve", "--port", str(port), "--no-browser",
                             *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stdout.read().decode() if proc.stdout else "serve exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("filing serve did not listen within 20 s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_exposed_host_warns_and_a_token_is_always_made():
    assert "任何人" in check_config("0.0.0.0", None, False)[0]  # a random token is made: only the warning
    assert "任何人" in check_config("0.0.0.0", TOKEN, False)[0]
    assert check_config("127.0.0.1", None, False) == []
    with pytest.raises(ServeError, match="--no-token"):
        check_config("127.0.0.1", TOKEN, True)


@pytest.mark.slow
def test_wrong_or_missing_token_refused(filing_home):
    port = _free_port()
    proc = _start(["--token", TOKEN], filing_home, port)
    try:
        base = f"http://127.0.0.1:{port}"
        assert _status(base + "/") == 403
        assert _status(base + "/?token=wrong") == 403
        assert _status(base + "/ws") == 403
        assert _status(base + "/download/x") == 403
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(base + f"/?token={TOKEN}", timeout=5) as resp:  # the redirect sets the cookie
            assert resp.status == 200 and resp.geturl() == base + "/"
            page = resp.read().decode("utf-8")
        assert "googleapis" not in page and "https://" not in page  # nothing fetched from outside
    finally:
        _stop(proc)


@pytest.mark.slow
def test_browser_types_an_answer_into_the_session(filing_home, store, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"没有找到 Chromium（{CHROMIUM}）：用 apt-get install chromium 安装后可运行此测试")
    playwright = pytest.importorskip("playwright.sync_api", reason="需要 pip 包 playwright（pip install '.[test]'）")
    session = store.create("annual_report", "浏览器测试", 2023)
    port = _free_port()
    proc = _start(["--token", TOKEN, session.id], filing_home, port)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # A wrong token gets the refusal, never the app.
            refused = page.goto(f"http://127.0.0.1:{port}/?token=wrong")
            assert refused is not None and refused.status == 403
            page.goto(f"http://127.0.0.1:{port}/?token={TOKEN}")
            assert page.url == f"http://127.0.0.1:{port}/"  # the token left the address bar
            page.wait_for_selector("body.-first-byte", timeout=30_000)
            time.sleep(3)  # the app lays out its first screen; its input line has the focus
            page.locator("#terminal textarea").focus()  # xterm's keyboard input (a click would move the app's focus)
            page.keyboard.type(ANSWER)
            page.keyboard.press("Enter")
            saved = store.path(session.id)
            deadline = time.monotonic() + 20
            text = ""
            while time.monotonic() < deadline:
                text = saved.read_text(encoding="utf-8") if saved.exists() else ""
                if ANSWER in text:
                    break
                time.sleep(0.3)
            page.screenshot(path=str(tmp_path / "serve.png"))
            shot = os.environ.get("FILING_SERVE_SCREENSHOT")
            if shot:
                page.screenshot(path=shot)
            browser.close()
        assert ANSWER in text, "the answer typed in the browser was not saved in the session file"
        assert json.loads(text)  # still a whole, readable session file
    finally:
        _stop(proc)

"""`filing serve` in Chromium (Playwright, the system browser): the first key reaches the app, F5 → Enter
downloads a valid .docx, a list is uploaded and imported, Ctrl+V pastes rows from a spreadsheet, leaving
with unsent text asks first, and nothing is written outside the data folder. Plus the upload route's refusals.

Skipped cleanly without Chromium or the playwright package."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from conftest import make_session

from assistant.interview.engine import Engine
from assistant.report.export import default_filename

CHROMIUM = os.environ.get("FILING_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PATENTS = "名称,专利号/登记号,类型,权利人\n一种传感器封装方法,ZL202110000001.1,发明专利,上海甲公司\n" \
          "一种压力检测装置,ZL202110000002.2,发明专利,上海乙公司\n"
# As Excel puts two rows on the clipboard (CR LF line ends, Tab between cells), with its header row.
CLIPBOARD = "名称\t专利号/登记号\t类型\t权利人\r\n一种粘贴方法\tZL202110000009.9\t发明专利\t上海丙公司\r\n" \
            "一种复制装置\tZL202110000008.8\t发明专利\t上海丁公司\r\n"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A `filing serve` process with its own working folder and TMPDIR (both must stay empty)."""

    def __init__(self, home: Path, work: Path, args: list[str]):
        self.port = _free_port()
        self.token = secrets.token_urlsafe(24)
        self.cwd, self.tmp = work / "server-cwd", work / "server-tmp"
        self.cwd.mkdir()
        self.tmp.mkdir()
        env = dict(os.environ, FILING_HOME=str(home), TMPDIR=str(self.tmp),
                   PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]))
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant.frontends.cli", "serve", "--port", str(self.port),
                                      "--no-browser", f"--token={self.token}", *args],  # a token may begin with "-"
                                     cwd=self.cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(self.proc.stdout.read().decode() if self.proc.stdout else "serve exited")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "filing serve did not listen within 20 s"
                time.sleep(0.1)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"没有找到 Chromium（{CHROMIUM}）：用 apt-get install chromium 安装后可运行此测试")
    sync_api = pytest.importorskip("playwright.sync_api", reason="需要 pip 包 playwright（pip install '.[test]'）")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _open(browser: Any, served: Served, first_key: str | None = None) -> Any:
    """The page at 1024×640; `first_key` pressed as soon as it has loaded, before the app has drawn anything."""
    context = browser.new_context(viewport={"width": 1024, "height": 640}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(served.url)
    if first_key:
        page.keyboard.press(first_key)
    page.wait_for_selector("body.-first-byte", timeout=30_000)
    return page


def _until(done: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.1)


def _download_on_enter(page: Any, within: float = 60) -> Any:
    """Enter until a download starts (the dialog may still be drawing when the first Enter comes)."""
    from playwright.sync_api import TimeoutError as Waited

    deadline = time.monotonic() + within
    while True:
        try:
            with page.expect_download(timeout=3_000) as download:
                page.keyboard.press("Enter")
            if download.value.failure() is None:  # finished whole (one cut short by the next Enter is tried again)
                return download.value
        except Waited:
            pass
        assert time.monotonic() < deadline, "no download"


def _escape(page: Any) -> None:
    """Esc, then a pause as a person makes: keys right after it would read as Alt+key (a terminal's escape sequence)."""
    page.keyboard.press("Escape")
    time.sleep(0.4)


def _answers(store: Any, sid: str) -> dict:
    text = store.path(sid).read_text(encoding="utf-8")
    return json.loads(text)["answers"]


def test_a_browser_user_downloads_uploads_pastes_and_is_asked_before_leaving(chromium, store, filing_home, tmp_path):
    session = make_session(store)
    docx_name = default_filename(Engine.for_session(session), "docx")
    (tmp_path / "专利清单.csv").write_bytes(PATENTS.encode("gbk"))
    served = Served(filing_home, tmp_path, [session.id])
    try:
        # The terminal has the keyboard from the start: F5, pressed as soon as the page has loaded (the app
        # not drawn yet), is the app's export, not the browser's reload; Enter then downloads the report.
        page = _open(chromium, served, first_key="F5")
        download = _download_on_enter(page)
        assert download.suggested_filename == docx_name
        saved = tmp_path / "downloaded.docx"
        download.save_as(saved)
        from docx import Document

        assert Document(str(saved)).tables  # a whole, valid Word document
        page.screenshot(path=str(tmp_path / "1-download.png"))
        _escape(page)  # closes the export dialog
        # With the page (not the terminal) focused, F5 is still the app's, and gives the terminal the keyboard.
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("F5")
        assert _download_on_enter(page).suggested_filename == docx_name  # a second export: never "已存在"
        _escape(page)

        # A list uploaded from the file picker: `i` on the table, Enter on 选择文件, the file, Enter imports.
        page.keyboard.insert_text("跳到 有效发明专利清单")
        page.keyboard.press("Enter")
        time.sleep(2)  # the table is drawn and has the keyboard
        page.keyboard.press("i")
        page.wait_for_selector("body.-files", timeout=15_000)  # the app told the page: a dialog takes files
        page.screenshot(path=str(tmp_path / "2-dialog.png"))
        with page.expect_file_chooser(timeout=15_000) as chooser:
            page.keyboard.press("Enter")
        chooser.value.set_files(str(tmp_path / "专利清单.csv"))
        uploads = filing_home / "browser"
        _until(lambda: any(uploads.glob("*/uploads/*/专利清单.csv")), "the upload")
        page.screenshot(path=str(tmp_path / "2-uploaded.png"))

        def imported() -> bool:
            rows = _answers(store, session.id).get("patent_list") or []
            return [r["name"] for r in rows] == ["一种传感器封装方法", "一种压力检测装置"]

        deadline = time.monotonic() + 30
        while "-files" in page.evaluate("document.body.className"):  # the dialog is open: Enter once read
            assert time.monotonic() < deadline, "the uploaded list was not imported"
            page.keyboard.press("Enter")
            page.wait_for_timeout(1000)
        _until(imported, "the imported rows in the session file")
        page.screenshot(path=str(tmp_path / "3-imported.png"))

        # Ctrl+V pastes rows copied from a spreadsheet into the table.
        page.keyboard.insert_text("跳到 有效发明专利清单")
        page.keyboard.press("Enter")
        time.sleep(2)  # the table is drawn and has the keyboard
        page.evaluate("text => navigator.clipboard.writeText(text)", CLIPBOARD)
        page.keyboard.press("Control+v")
        time.sleep(0.5)
        page.screenshot(path=str(tmp_path / "4-pasted.png"))
        page.keyboard.press("Control+s")
        _until(lambda: "一种粘贴方法" in [r["name"] for r in _answers(store, session.id).get("patent_list") or []],
               "the pasted rows")
        page.screenshot(path=str(tmp_path / "5-submitted.png"))

        # Leaving with unsent text asks first; without, it does not.
        page.keyboard.type("abc")
        page.wait_for_selector("body.-unsent", timeout=10_000)
        with page.expect_event("dialog") as dialog:
            page.close(run_before_unload=True)
        assert dialog.value.type == "beforeunload"
        dialog.value.dismiss()
        page.wait_for_timeout(300)
        assert not page.is_closed()
        page.keyboard.press("Control+a")
        page.keyboard.press("Backspace")
        _until(lambda: "-unsent" not in page.evaluate("document.body.className"), "the page to hear the text is gone")
        with page.expect_event("close", timeout=15_000):  # no dialog holds it open
            page.close(run_before_unload=True)
    finally:
        served.stop()
        shots = os.environ.get("FILING_SERVE_SCREENSHOTS")  # a folder to keep the screenshots in
        if shots:
            for png in tmp_path.glob("*.png"):
                shutil.copy(png, Path(shots) / png.name)
    # Nothing outside the data folder: not the server's working folder, not its temporary folder.
    assert list(served.cwd.iterdir()) == [] and list(served.tmp.iterdir()) == []
    assert any(uploads.glob("*/uploads/*/专利清单.csv"))


def _post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", quote(path, safe="/?=&"), body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def test_the_upload_route_refuses_strangers_closed_tabs_and_oversize_files(chromium, store, filing_home, tmp_path):
    served = Served(filing_home, tmp_path, [])
    try:
        page = _open(chromium, served)
        _until(lambda: any((filing_home / "browser").glob("*/live")), "the tab's app")
        tab = next((filing_home / "browser").glob("*/live")).parent.name
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
        same = {"Cookie": cookies, "Origin": f"http://127.0.0.1:{served.port}"}
        ok = _post(served.port, f"/upload/{tab}?name=名单.csv", PATENTS.encode(), same)
        assert ok[0] == 200 and ok[1]["name"] == "名单.csv"
        assert _post(served.port, f"/upload/{tab}?name=名单.csv", b"x", {})[0] == 403  # no token, no cookie
        evil = {**same, "Origin": "http://evil.test"}
        assert _post(served.port, f"/upload/{tab}?name=名单.csv", b"x", evil)[0] == 403
        assert _post(served.port, "/upload/AAAAAAAAAAAAAAAAAAAAAA?name=a.csv", b"x", same)[0] == 404
        # Another browser (its own session cookie, the token in hand) cannot upload into this tab.
        other = chromium.new_context()
        other.new_page().goto(served.url)
        stranger = {**same, "Cookie": "; ".join(f"{c['name']}={c['value']}" for c in other.cookies())}
        assert stranger["Cookie"] and stranger["Cookie"] != cookies
        assert _post(served.port, f"/upload/{tab}?name=名单.csv", b"x", stranger)[0] == 404
        other.close()
        status, said = _post(served.port, f"/upload/{tab}?name=a.exe", b"x", same)
        assert status == 415 and "只收 Excel" in said["error"]
        # Declared over the cap: refused before a byte is read.
        raw = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        raw.sendall((f"POST /upload/{tab}?name=big.csv HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
                     f"Cookie: {cookies}\r\nOrigin: http://127.0.0.1:{served.port}\r\n"
                     "Content-Length: 60000000\r\n\r\n").encode())
        head = raw.recv(4096).decode("utf-8", "replace")
        raw.close()
        assert head.startswith("HTTP/1.1 413")
        page.close()
        _until(lambda: not (filing_home / "browser" / tab / "live").exists(), "the tab's app to end")
        assert _post(served.port, f"/upload/{tab}?name=名单2.csv", PATENTS.encode(), same)[0] == 404
    finally:
        served.stop()
    kept = list((filing_home / "browser" / tab / "uploads").rglob("*.csv"))
    assert [p.name for p in kept] == ["名单.csv"]


CRASH_SITE = """
# Injected by the test: a programming error behind F4 (preview) in the chat app.
from assistant.frontends.tui.screens import conversation

def action_preview(self):
    raise RuntimeError("浦江集群的秘密数字 128.60")

conversation.ConversationScreen.action_preview = action_preview
"""


def test_a_programming_error_that_closes_a_tab_is_said_on_the_page(chromium, store, filing_home, tmp_path, monkeypatch):
    """The page said only "会话已结束（已自动保存）" when the app had crashed; now it says so, without paths."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(CRASH_SITE, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    session = make_session(store)
    served = Served(filing_home, tmp_path, [session.id])
    try:
        page = _open(chromium, served)
        time.sleep(2)  # the conversation is drawn
        page.keyboard.press("F4")
        page.wait_for_selector("body.-closed", timeout=30_000)
        # the close frame (with the reason) may arrive just after the app's exit packet drew the dialog
        _until(lambda: "程序错误" in page.inner_text(".closed-dialog .message"), "the reason on the page", 10)
        said = page.inner_text(".closed-dialog .message")
        page.screenshot(path=str(tmp_path / "crashed.png"))
        assert "程序错误" in said and "答案已保存" in said, said
        assert "128.60" not in said and str(filing_home) not in said
        logs = list((filing_home / "logs").glob("*.log"))
        assert logs and "128.60" in logs[0].read_text(encoding="utf-8")
    finally:
        served.stop()

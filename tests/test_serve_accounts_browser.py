"""A district's round in Chromium against a real `filing serve` with accounts: a cluster logs in with its one-time
password, sets its own, answers the first question of a new report and submits a finished one; the district
returns it with a comment; the cluster sees the comment and resubmits; the district approves with its opinion
and starts 附件2 from the approved reports; the audit log holds each step.

Skipped cleanly without Chromium or the playwright package."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import sample_answers

from assistant.hosting.accounts import CLUSTER, DISTRICT, AccountStore
from assistant.hosting.audit import AuditLog
from assistant.interview.engine import Engine
from assistant.session.store import SessionStore

CHROMIUM = os.environ.get("FILING_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = os.environ.get("FILING_TEST_SHOTS")  # a folder to keep the screenshots in (to look at them)

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"没有找到 Chromium（{CHROMIUM}）：用 apt-get install chromium 安装后可运行此测试")
    sync_api = pytest.importorskip("playwright.sync_api", reason="需要 pip 包 playwright（pip install '.[test]'）")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _until(done, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.1)


def test_a_district_round_in_chromium(chromium, filing_home, tmp_path):
    accounts = AccountStore()
    district, district_pw = accounts.add("浦东新区", DISTRICT)
    cluster, cluster_pw = accounts.add("浦江集群", CLUSTER, "浦东新区")
    store = SessionStore(accounts.folder(cluster) / "sessions")
    finished = store.create("annual_report", "浦江集群2023年度报告", 2023)
    assert not Engine.for_session(finished).apply_many(sample_answers())
    store.save(finished)
    blank = store.create("annual_report", "新的报告", 2023)

    port = _free_port()
    env = dict(os.environ, FILING_HOME=str(filing_home),
               PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]))
    server = subprocess.Popen([sys.executable, "-m", "assistant.frontends.cli", "serve", "--port", str(port), "--no-browser"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _until(lambda: _listening(port), "filing serve listening", 20)
        ctx = chromium.new_context(viewport={"width": 1024, "height": 700})
        page = ctx.new_page()
        page.goto(base + "/")
        assert page.url.endswith("/login")
        page.screenshot(path=str(shots / "1-login.png"))
        started = time.monotonic()
        page.fill("#name", "浦江集群")
        page.fill("#password", cluster_pw)
        page.click("button[type=submit]")
        page.wait_for_url("**/password")
        page.screenshot(path=str(shots / "2-password.png"))
        page.fill("#old", cluster_pw)
        page.fill("#new", "春天 2024 新的密码")
        page.fill("#again", "春天 2024 新的密码")
        page.click("form.login button[type=submit]")
        page.wait_for_selector("text=浦江集群的报告")
        page.screenshot(path=str(shots / "3-cluster-home.png"), full_page=True)

        # login → the first question of a new report, answered
        login_done = time.monotonic()
        page.click(f"a[href='/open/{blank.id}']")
        page.wait_for_selector("body.-first-byte", timeout=30_000)
        first_question = time.monotonic()
        time.sleep(1.5)
        page.screenshot(path=str(shots / "4-first-question.png"))
        page.keyboard.insert_text("浦江智能传感器集群")
        page.keyboard.press("Enter")
        _until(lambda: "浦江智能传感器集群" in json.dumps(store.load(blank.id).answers, ensure_ascii=False),
               "the first answer saved")
        print(f"login form → home {login_done - started:.2f} s; home → first screen {first_question - login_done:.2f} s")
        page.goto(base + "/")  # leaving the app: its process saves and quits, the lock goes
        _until(lambda: _free(store, blank.id), "the first report released")

        page.click(f"form[action='/report/{cluster.id}/{finished.id}/submit'] button")
        page.wait_for_selector("text=已提交给区里审核")
        page.screenshot(path=str(shots / "5-submitted.png"))

        office = chromium.new_context(viewport={"width": 1024, "height": 700}).new_page()
        office.goto(base + "/login")
        office.fill("#name", "浦东新区")
        office.fill("#password", district_pw)
        office.click("button[type=submit]")
        office.fill("#old", district_pw)
        office.fill("#new", "秋天 审核 密码 2024")
        office.fill("#again", "秋天 审核 密码 2024")
        office.click("form.login button[type=submit]")
        office.wait_for_selector("text=本区各集群的报告")
        office.screenshot(path=str(shots / "6-district-home.png"), full_page=True)
        office.click(f"a[href='/report/{cluster.id}/{finished.id}']")
        office.fill("#comment", "研发费用与附件不一致，请核对后再提交。")
        office.click("form[action$='/return'] button")
        office.wait_for_selector("text=已退回，集群会在首页看到退回的理由")

        page.goto(base + "/")
        page.wait_for_selector("text=研发费用与附件不一致，请核对后再提交。")
        page.screenshot(path=str(shots / "7-cluster-returned.png"), full_page=True)
        page.click(f"a[href='/open/{finished.id}'] >> nth=0")  # 打开修改: the app says the reason too
        page.wait_for_selector("body.-first-byte", timeout=30_000)
        time.sleep(2)
        page.screenshot(path=str(shots / "7b-returned-in-the-app.png"))
        page.goto(base + "/")
        _until(lambda: _free(store, finished.id), "the tab's app saved, quit and released the report")
        page.click(f"form[action='/report/{cluster.id}/{finished.id}/submit'] button")
        page.wait_for_selector("text=已提交给区里审核")

        office.goto(f"{base}/report/{cluster.id}/{finished.id}")
        office.fill("#opinion", "数据翔实，同意推荐。")
        office.click("form[action$='/approve'] button")
        office.wait_for_selector("text=已审核通过，考核意见已记录")
        office.screenshot(path=str(shots / "8-approved.png"), full_page=True)
        office.goto(base + "/")
        office.click("form[action='/district/rollup'] button")
        office.wait_for_selector("body.-first-byte", timeout=30_000)
        time.sleep(1.5)
        office.screenshot(path=str(shots / "9-district-summary.png"))
        summaries = SessionStore(accounts.folder(district) / "sessions")
        assert [s.form for s in summaries.all()] == ["district_summary"]
        office.goto(base + "/")
        page.goto(base + "/")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    steps = [(e.who, e.action) for e in AuditLog(filing_home).entries() if e.action not in ("login", "password")]
    assert steps == [("浦江集群", "submit"), ("浦东新区", "return"), ("浦江集群", "submit"), ("浦东新区", "approve"),
                     ("浦东新区", "rollup")]
    assert AuditLog(filing_home).verify() == []


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _free(store: SessionStore, sid: str) -> bool:
    from assistant.session.store import SessionLock

    lock = SessionLock(str(store.path(sid)) + ".lock")
    if lock.acquire():
        lock.release()
        return True
    return False

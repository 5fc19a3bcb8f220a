"""`filing serve` with accounts (issue 27): a Chinese login page before the app, one-time passwords changed at the
first login, wrong passwords slowed and counted, each account in its own folder, the district's review round
(提交 / 退回 / 审核通过, 附件2, overview, package) and the audit log — against the real server on a real socket."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import aiohttp
import pytest
from conftest import sample_answers
from serve_support import app_pids, client, first_output, port_of, serving, wait_for

from assistant.frontends.serve_accounts import Throttle
from assistant.hosting.accounts import CLUSTER, DISTRICT, AccountStore
from assistant.hosting.audit import AuditLog
from assistant.interview.engine import Engine
from assistant.session.store import SessionStore

NEW_PASSWORD = "春天 2024 新的密码"


def run(coro):
    return asyncio.run(coro)


def _report(folder, answers=None, title="浦江集群"):
    store = SessionStore(folder / "sessions")
    session = store.create("annual_report", title, 2023)
    assert not Engine.for_session(session).apply_many(sample_answers() if answers is None else answers)
    store.save(session)
    return session


@pytest.fixture
def accounts(filing_home):
    store = AccountStore()
    made = {}
    for name, role, district in (("浦东新区", DISTRICT, None), ("浦江集群", CLUSTER, "浦东新区"),
                                 ("临港集群", CLUSTER, "浦东新区"), ("闵行集群", CLUSTER, "闵行区")):
        account, password = store.add(name, role, district)
        made[name] = (account, password)
    return store, made


def _origin(base: str) -> dict[str, str]:
    return {"Origin": base}


async def _login(http: aiohttp.ClientSession, base: str, name: str, password: str, new: str | None = NEW_PASSWORD) -> None:
    """Log in; at the first login set a new password (as the page asks)."""
    async with http.post(base + "/login", data={"name": name, "password": password}, headers=_origin(base)) as resp:
        assert resp.status == 200, await resp.text()
        page = await resp.text()
    if "设置新密码" in page and new:
        async with http.post(base + "/password", data={"old": password, "new": new, "again": new},
                             headers=_origin(base)) as resp:
            assert resp.status == 200
            assert "的报告" in await resp.text()


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_no_login_shows_the_chinese_login_page_and_the_app_is_refused(accounts):
    async def go():
        async with serving(fail_delay=0.01) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            assert "token" not in ready.urls[0]  # accounts replace the token
            for path in ("/", "/open", "/report/a000000000000/x", "/district/package.zip", "/audit.log"):
                async with http.get(base + path) as resp:
                    assert resp.status == 200 and resp.url.path == "/login", path
                    text = await resp.text()
                    assert "账号" in text and "密码" in text and 'method="post"' in text
            async with http.get(base + "/ws") as resp:
                assert resp.status == 403 and "请先登录" in await resp.text()
            async with http.post(base + "/upload/x" * 1, data=b"x", headers=_origin(base)) as resp:
                assert resp.status == 403
            # a login form posted from another site (no or a foreign Origin) is refused: no login CSRF
            name, password = "浦江集群", accounts[1]["浦江集群"][1]
            async with http.post(base + "/login", data={"name": name, "password": password}) as resp:
                assert resp.status == 403
            async with http.post(base + "/login", data={"name": name, "password": password},
                                 headers={"Origin": "http://evil.example"}) as resp:
                assert resp.status == 403

    run(go())


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_first_login_must_change_the_one_time_password_and_the_cookie_is_strict(accounts):
    store, made = accounts
    _, password = made["浦江集群"]

    async def go():
        async with serving(fail_delay=0.01) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            async with http.post(base + "/login", data={"name": "浦江集群", "password": password},
                                 headers=_origin(base), allow_redirects=False) as resp:
                assert resp.status == 303 and resp.headers["Location"] == "/password"
                cookie = resp.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and password not in cookie
            async with http.get(base + "/open") as resp:  # not the app before the new password
                assert resp.url.path == "/password" and "第一次登录" in await resp.text()
            async with http.post(base + "/password", data={"old": password, "new": "short", "again": "short"},
                                 headers=_origin(base)) as resp:
                assert resp.status == 400 and "至少 10 个字符" in await resp.text()
            async with http.post(base + "/password", data={"old": password, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
                                 headers=_origin(base)) as resp:
                assert resp.status == 200 and "浦江集群的报告" in await resp.text()
            async with http.get(base + "/open") as resp:
                assert resp.status == 200 and "/ws" in await resp.text()
        assert store.verify("浦江集群", NEW_PASSWORD) and not store.verify("浦江集群", password)
        assert [e.action for e in AuditLog().entries()] == ["login", "password"]
        assert password not in AuditLog().file.read_text(encoding="utf-8")

    run(go())


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_wrong_passwords_are_slowed_and_counted_then_a_wait_is_said(accounts):
    _, made = accounts

    async def go():
        async with serving(fail_delay=0.2) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            start = time.monotonic()
            for _ in range(10):
                async with http.post(base + "/login", data={"name": "浦江集群", "password": "猜的密码123456"},
                                     headers=_origin(base)) as resp:
                    assert resp.status in (401, 429)
                    last = await resp.text()
            assert time.monotonic() - start >= 10 * 0.2  # each wrong password answered later
            assert re.search(r"请 \d+ 秒后再试", last)
            # now even the right password waits (the account and this address are both counted)
            async with http.post(base + "/login", data={"name": "浦江集群", "password": made["浦江集群"][1]},
                                 headers=_origin(base)) as resp:
                assert resp.status == 429 and "秒后再试" in await resp.text()
            async with http.post(base + "/login", data={"name": "临港集群", "password": made["临港集群"][1]},
                                 headers=_origin(base)) as resp:
                assert resp.status == 429
        failed = [e for e in AuditLog().entries() if e.action == "login_failed"]
        assert len(failed) == 10 and all("猜的密码" not in e.detail for e in failed)

    run(go())


def test_throttle_counts_per_address_and_per_account_within_a_minute():
    throttle = Throttle(limit=10, window=60)
    for _ in range(9):
        throttle.fail("address:10.0.0.1", "account:A")
    assert throttle.wait("address:10.0.0.1", "account:A") == 0
    throttle.fail("address:10.0.0.1", "account:A")
    assert 0 < throttle.wait("address:10.0.0.2", "account:A") <= 60  # another address, same account
    assert 0 < throttle.wait("address:10.0.0.1", "account:B") <= 60  # same address, another account
    assert throttle.wait("address:10.0.0.2", "account:B") == 0
    throttle.window = 0.0  # the minute has passed
    assert throttle.wait("address:10.0.0.1", "account:A") == 0


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_an_idle_login_expires_and_is_said_in_chinese(accounts):
    _, made = accounts

    async def go():
        async with serving(fail_delay=0.01, idle_minutes=0.02) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await _login(http, base, "浦江集群", made["浦江集群"][1])
            async with http.get(base + "/") as resp:
                assert resp.url.path == "/"
            await asyncio.sleep(1.5)
            async with http.get(base + "/") as resp:
                assert resp.url.path == "/login"
                assert "登录已过期" in await resp.text()
            async with http.post(base + "/report/x/y/submit", headers=_origin(base)) as resp:
                assert resp.status == 403 and "请先登录" in await resp.text()  # a page, the login gone

    run(go())


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_account_a_cannot_reach_b_reports_downloads_or_uploads(accounts, filing_home):
    store, made = accounts
    pujiang, lingang = made["浦江集群"][0], made["临港集群"][0]
    theirs = _report(store.folder(lingang), title="临港集群")
    mine = _report(store.folder(pujiang))

    async def go():
        async with serving(fail_delay=0.01) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await _login(http, base, "浦江集群", made["浦江集群"][1])
            async with http.get(base + "/") as resp:
                text = await resp.text()
                assert mine.id in text and theirs.id not in text
            async with http.get(f"{base}/report/{pujiang.id}/{mine.id}") as resp:
                assert resp.status == 200 and "报告内容（只读）" in await resp.text()
            for path in (f"/report/{lingang.id}/{theirs.id}", f"/report/{pujiang.id}/{theirs.id}",
                         f"/report/{pujiang.id}/..%2F..%2Faccounts", f"/open/{theirs.id}"):
                async with http.get(base + path) as resp:
                    assert resp.status == 404, path
            for action in ("submit", "return", "approve"):
                async with http.post(f"{base}/report/{lingang.id}/{theirs.id}/{action}", headers=_origin(base),
                                     data={"comment": "x", "opinion": "x"}) as resp:
                    assert resp.status == 404
            for path in ("/district/overview.xlsx", "/district/package.zip"):
                async with http.get(base + path) as resp:
                    assert resp.status == 403
            async with http.post(base + "/district/rollup", headers=_origin(base)) as resp:
                assert resp.status == 403
            async with http.post(f"{base}/upload/{'A' * 22}?name=x.csv", data=b"a,b\n", headers=_origin(base)) as resp:
                assert resp.status == 404
        assert not (store.folder(lingang) / "browser").exists()
        assert not SessionStore(store.folder(lingang) / "sessions").sealed(theirs.id)

    run(go())


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_the_district_round_submit_return_resubmit_approve_rollup_and_the_audit_log(accounts):
    store, made = accounts
    pujiang, district = made["浦江集群"][0], made["浦东新区"][0]
    answers = sample_answers()
    answers.pop("cluster_name")
    incomplete = _report(store.folder(pujiang), answers, title="未填完的报告")
    report = _report(store.folder(pujiang))
    outsider = _report(store.folder(made["闵行集群"][0]), title="闵行的报告")

    async def go():
        async with serving(fail_delay=0.01) as ready, client() as cluster, client() as office:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await _login(cluster, base, "浦江集群", made["浦江集群"][1])
            await _login(office, base, "浦东新区", made["浦东新区"][1], new="秋天 审核 密码 2024")
            url = f"{base}/report/{pujiang.id}"
            async with cluster.post(f"{url}/{incomplete.id}/submit", headers=_origin(base)) as resp:
                assert resp.status == 409 and "必须修改，暂不能提交" in await resp.text()
            async with cluster.post(f"{url}/{report.id}/submit", headers=_origin(base)) as resp:
                text = await resp.text()
                assert resp.status == 200 and "已提交给区里审核" in text and "已提交，待审核" in text
            async with cluster.post(f"{url}/{report.id}/approve", data={"opinion": "自己批准"},
                                    headers=_origin(base)) as resp:
                assert resp.status == 403  # a cluster does not approve
            async with office.get(base + "/") as resp:
                text = await resp.text()
                assert "本区各集群的报告" in text and report.id in text and outsider.id not in text
            async with office.post(f"{url}/{report.id}/return", data={"comment": "研发费用与附件不一致，请核对。"},
                                   headers=_origin(base)) as resp:
                assert resp.status == 200 and "已退回" in await resp.text()
            async with cluster.get(base + "/") as resp:
                text = await resp.text()
                assert "区里退回了报告" in text and "研发费用与附件不一致，请核对。" in text
            async with cluster.get(f"{url}/{report.id}") as resp:
                text = await resp.text()
                assert text.index("研发费用与附件不一致") < text.index("检查结果")  # at the top of the report
            async with cluster.post(f"{url}/{report.id}/submit", headers=_origin(base)) as resp:
                assert resp.status == 200
            async with office.post(f"{url}/{report.id}/approve", data={"opinion": ""}, headers=_origin(base)) as resp:
                assert resp.status == 409 and "请填写考核意见" in await resp.text()
            async with office.post(f"{url}/{report.id}/approve", data={"opinion": "数据翔实，同意推荐。"},
                                   headers=_origin(base)) as resp:
                text = await resp.text()
                assert "审核通过" in text and "数据翔实，同意推荐。" in text
            async with office.get(base + "/district/overview.xlsx") as resp:
                assert resp.status == 200 and (await resp.read())[:2] == b"PK"
                assert "attachment" in resp.headers["Content-Disposition"]
            async with office.get(base + "/district/package.zip") as resp:
                assert resp.status == 200 and (await resp.read())[:2] == b"PK"
            async with office.post(base + "/district/rollup", headers=_origin(base), allow_redirects=False) as resp:
                assert resp.status == 303 and resp.headers["Location"].startswith("/open/")
                summary = resp.headers["Location"].rsplit("/", 1)[1]
            assert SessionStore(store.folder(district) / "sessions").load(summary).form == "district_summary"
            async with office.get(f"{base}/report/{pujiang.id}/{report.id}") as resp:
                text = await resp.text()
                for step in ("提交", "退回", "审核通过"):
                    assert f"<td>{step}</td>" in text
            async with office.get(base + "/audit.log") as resp:
                log = await resp.text()
            for step in ("登录", "提交", "退回", "审核通过", "导出", "生成区级总结"):
                assert f"\t{step}\t" in log, step
            assert "记录链检查：完好" in log
        assert AuditLog().verify() == []

    run(go())


@pytest.mark.slow
@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_a_cluster_tab_runs_on_its_own_folder_only(accounts, filing_home):
    store, made = accounts
    pujiang = made["浦江集群"][0]
    mine = _report(store.folder(pujiang))

    async def go():
        async with serving(fail_delay=0.01) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await _login(http, base, "浦江集群", made["浦江集群"][1])
            ws = await http.ws_connect(f"{base.replace('http', 'ws')}/ws/{mine.id}?width=100&height=30")
            folder = str(store.folder(pujiang).resolve())
            await wait_for(lambda: app_pids(folder), 30, "the tab's app runs")
            pid = app_pids(folder)[0]
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            assert cmdline[cmdline.index(b"--home") + 1].decode() == folder
            assert cmdline[-3:-1] == [b"--", mine.id.encode()]
            await ws.close()
            await wait_for(lambda: not ready.server.apps, 30, "the tab's app ended")

    run(go())




async def _closed(ws: aiohttp.ClientWebSocketResponse, timeout: float = 60) -> aiohttp.WSMessage:
    deadline = time.monotonic() + timeout
    while True:
        msg = await ws.receive(timeout=max(deadline - time.monotonic(), 0.1))
        if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            return msg


@pytest.mark.slow
@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_an_idle_tab_closes_and_its_report_is_released(accounts):
    from serve_support import lock_is_free

    store, made = accounts
    pujiang = made["浦江集群"][0]
    mine = _report(store.folder(pujiang))
    lock = SessionStore(store.folder(pujiang) / "sessions").path(mine.id).with_suffix(".json.lock")

    async def go():
        async with serving(fail_delay=0.01, idle_minutes=0.1) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await _login(http, base, "浦江集群", made["浦江集群"][1])
            ws = await http.ws_connect(f"{base.replace('http', 'ws')}/ws/{mine.id}")
            await first_output(ws)
            assert not lock_is_free(lock)
            msg = await _closed(ws, 40)
            assert msg.data == 4002 and "保存" in msg.extra
            await wait_for(lambda: lock_is_free(lock), 30, "the report's lock released")

    run(go())


@pytest.mark.slow
@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_the_same_account_takes_over_its_report_from_another_tab(accounts):
    store, made = accounts
    pujiang = made["浦江集群"][0]
    mine = _report(store.folder(pujiang))

    async def go():
        async with serving(fail_delay=0.01) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await _login(http, base, "浦江集群", made["浦江集群"][1])
            url = f"{base.replace('http', 'ws')}/ws/{mine.id}"
            old = await http.ws_connect(url)
            await first_output(old)
            new = await http.ws_connect(url)
            msg = await _closed(old)
            assert msg.data == 4003 and "另一个标签页" in msg.extra
            await first_output(new)  # the new tab has the report (the old app released it first)
            assert len(ready.server.apps) == 1
            await new.close()

    run(go())


@pytest.mark.slow
@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_tabs_per_account_are_capped_politely(accounts):
    _, made = accounts

    async def go():
        async with serving(fail_delay=0.01, tabs_per_account=1) as ready, client() as http, client() as other:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await _login(http, base, "浦江集群", made["浦江集群"][1])
            await _login(other, base, "临港集群", made["临港集群"][1])
            first = await http.ws_connect(base.replace("http", "ws") + "/ws")
            await first_output(first)
            async with http.get(base + "/open") as resp:
                assert resp.status == 503 and "每个账号的上限" in await resp.text()
            second = await http.ws_connect(base.replace("http", "ws") + "/ws")
            msg = await _closed(second)
            assert msg.data == 4000 and "上限" in msg.extra
            async with other.get(base + "/open") as resp:  # another account still has its place
                assert resp.status == 200
            await first.close()

    run(go())


def test_the_cap_on_app_processes_is_derived_from_memory(monkeypatch):
    from assistant.frontends import serve

    for total_gb, expected in ((2, 12), (8, 51), (64, 100)):
        monkeypatch.setattr(serve.os, "sysconf", lambda name, t=total_gb: 4096 if name == "SC_PAGE_SIZE" else t * 2**30 // 4096)
        assert serve.default_max_tabs() == expected


def test_an_account_upload_cap_over_all_its_tabs(tmp_path):
    from assistant.frontends.serve_files import account_full

    for n in range(3):
        folder = tmp_path / "browser" / f"tab{n}" / "uploads" / "sha"
        folder.mkdir(parents=True)
        (folder / "名单.csv").write_bytes(b"x" * 400)
    assert account_full(tmp_path, cap=2000) is None
    assert "上限" in account_full(tmp_path, cap=1200)


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_https_login_cookie_is_secure(accounts, tmp_path):
    from serve_support import self_signed

    _, made = accounts
    cert, key = self_signed(tmp_path)

    async def go():
        async with serving(fail_delay=0.01, certfile=str(cert), keyfile=str(key)) as ready, client() as http:
            base = f"https://127.0.0.1:{port_of(ready)}"
            async with http.post(base + "/login", data={"name": "浦江集群", "password": made["浦江集群"][1]},
                                 headers=_origin(base), ssl=False, allow_redirects=False) as resp:
                assert resp.status == 303
                cookie = resp.headers["Set-Cookie"]
            assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
            async with http.post(base + "/login", data={"name": "浦江集群", "password": made["浦江集群"][1]},
                                 headers={"Origin": base.replace("https", "http")}, ssl=False) as resp:
                assert resp.status == 403  # an http page may not post to the https server

    run(go())


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_a_disabled_account_is_logged_out(accounts):
    store, made = accounts

    async def go():
        async with serving(fail_delay=0.01) as ready, client() as http:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await _login(http, base, "浦江集群", made["浦江集群"][1])
            value = next(iter(ready.server.hosting.logins))
            assert not ready.server.hosting.expired(value)
            store.disable("浦江集群")
            assert ready.server.hosting.expired(value)  # its tabs close at the next sweep
            async with http.get(base + "/") as resp:
                assert resp.url.path == "/login"

    run(go())


@pytest.mark.slow
@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_uploads_go_to_the_account_folder_and_no_other_account_reaches_the_tab(accounts):
    store, made = accounts
    pujiang, lingang = made["浦江集群"][0], made["临港集群"][0]
    browser = store.folder(pujiang) / "browser"

    async def go():
        async with serving(fail_delay=0.01) as ready, client() as mine, client() as theirs:
            base = f"http://127.0.0.1:{port_of(ready)}"
            await _login(mine, base, "浦江集群", made["浦江集群"][1])
            await _login(theirs, base, "临港集群", made["临港集群"][1])
            ws = await mine.ws_connect(base.replace("http", "ws") + "/ws")
            await first_output(ws)
            await wait_for(lambda: any(browser.glob("*/live")), 30, "the tab's folder in the account's folder")
            tab = next(browser.glob("*/live")).parent.name
            url = f"{base}/upload/{tab}?name=名单.csv"
            async with theirs.post(url, data=b"a,b\n1,2\n", headers=_origin(base)) as resp:
                assert resp.status == 404  # another account's cookie: not its tab
            deadline = time.monotonic() + 30
            while True:  # the app tells the server its tab id once it has drawn
                async with mine.post(url, data=b"a,b\n1,2\n", headers=_origin(base)) as resp:
                    if resp.status == 200:
                        break
                assert time.monotonic() < deadline, resp.status
                await asyncio.sleep(0.3)
            assert list(browser.glob(f"{tab}/uploads/*/名单.csv"))
            assert not (store.folder(lingang) / "browser").exists()
            await ws.close()

    run(go())


def test_the_report_page_shows_the_report_as_a_page_not_markdown_source(store):
    """The district reads the report on its page: headings and tables, no "| --- |", "**" or a literal <br>;
    text a cluster typed stays text (a <script> or a Markdown image is shown as typed, never run or loaded)."""
    from assistant.frontends.serve_accounts import report_html
    from assistant.report.model import build_report
    from assistant.report.preview import markdown_of

    answers = {**sample_answers(), "contact_name": "<script>alert(1)</script>",
               "leading_industry": "![x](http://example.com/t.png) 传感器"}
    session = store.create("annual_report", "浦江集群", 2023)
    engine = Engine.for_session(session)
    assert not engine.apply_many(answers)
    html = str(report_html(markdown_of(build_report(engine))))
    assert "<table>" in html and "<h2>" in html and "<br>" in html
    assert "| ---" not in html and "**" not in html and "&lt;br&gt;" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html and "<img" not in html


# -- behind a reverse proxy (nginx on the same machine: every peer is 127.0.0.1) --------------------------
def test_proxies_believe_forwarded_headers_only_from_a_trusted_peer():
    from assistant.frontends.serve_http import Proxies, parse_proxies

    proxies = Proxies(parse_proxies(["127.0.0.1", "10.0.0.0/8"]))
    assert proxies.client("127.0.0.1", ["198.51.100.7"], None) == "198.51.100.7"
    # the left part is the client's to write: the right-most address that is not a proxy of ours counts
    assert proxies.client("127.0.0.1", ["1.2.3.4, 198.51.100.7"], None) == "198.51.100.7"
    assert proxies.client("127.0.0.1", ["1.2.3.4", "198.51.100.7, 10.1.2.3"], None) == "198.51.100.7"
    assert proxies.client("::ffff:127.0.0.1", ["198.51.100.7"], None) == "198.51.100.7"  # a dual-stack socket
    assert proxies.client("127.0.0.1", [], "198.51.100.9") == "198.51.100.9"  # X-Real-IP
    assert proxies.client("127.0.0.1", [], None) == "127.0.0.1"
    assert proxies.client("127.0.0.1", ["<script>, unknown"], None) == "127.0.0.1"  # garbage is not an address
    assert proxies.client("127.0.0.1", ["10.0.0.5"], None) == "10.0.0.5"  # only proxies: the farthest one
    # any other peer: its headers are ignored, whatever they say
    assert proxies.client("203.0.113.5", ["198.51.100.7"], "198.51.100.8") == "203.0.113.5"
    assert Proxies().client("127.0.0.1", ["198.51.100.7"], None) == "127.0.0.1"
    with pytest.raises(ValueError, match="不是 IP 地址或网段"):
        parse_proxies(["nginx.local"])


def test_serve_refuses_a_trusted_proxy_that_is_not_an_address(filing_home, capsys):
    from assistant.frontends.cli import main

    assert main(["serve", "--no-browser", "--port", "1", "--trusted-proxy", "localhost:80"]) == 2
    assert "--trusted-proxy 'localhost:80' 不是 IP 地址或网段" in capsys.readouterr().err


async def _wrong_then_right(base: str, made, headers_wrong: dict, headers_right: dict) -> int:
    """Ten wrong passwords for 浦江集群, then 临港集群's right password; the latter's status."""
    async with client() as http:
        for _ in range(10):
            async with http.post(base + "/login", data={"name": "浦江集群", "password": "猜的密码123456"},
                                 headers={**_origin(base), **headers_wrong}) as resp:
                assert resp.status in (401, 429)
        async with http.post(base + "/login", data={"name": "临港集群", "password": made["临港集群"][1]},
                             headers={**_origin(base), **headers_right}, allow_redirects=False) as resp:
            return resp.status


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_behind_a_trusted_proxy_each_browser_is_throttled_and_logged_under_its_own_address(accounts):
    """Through nginx every peer is 127.0.0.1: without reading X-Forwarded-For, ten wrong passwords from one
    browser locked every account out, and the audit log said 来自 127.0.0.1 for everyone."""
    _, made = accounts

    async def go():
        async with serving(fail_delay=0.01, trusted_proxies=("127.0.0.1",)) as ready:
            base = f"http://127.0.0.1:{port_of(ready)}"
            status = await _wrong_then_right(base, made, {"X-Forwarded-For": "9.9.9.9, 198.51.100.7"},
                                             {"X-Forwarded-For": "198.51.100.8"})
            assert status == 303  # another browser, another account: not held back
        entries = AuditLog().entries()
        assert {e.detail for e in entries if e.action == "login_failed"} == {"来自 198.51.100.7"}
        assert [e.detail for e in entries if e.action == "login"] == ["来自 198.51.100.8"]

    run(go())


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_forwarded_headers_from_an_untrusted_peer_are_ignored(accounts):
    """A browser cannot escape the throttle, or write the audit log's address, by sending X-Forwarded-For."""
    _, made = accounts

    async def go():
        async with serving(fail_delay=0.01, trusted_proxies=("10.0.0.0/8",)) as ready:
            base = f"http://127.0.0.1:{port_of(ready)}"
            status = await _wrong_then_right(base, made, {"X-Forwarded-For": "198.51.100.7"},
                                             {"X-Forwarded-For": "198.51.100.8", "X-Real-IP": "198.51.100.8"})
            assert status == 429  # the same address (127.0.0.1) as the ten wrong ones
        assert {e.detail for e in AuditLog().entries()} == {"来自 127.0.0.1"}

    run(go())


@pytest.mark.slow  # a real server on a real socket, with argon2 logins
def test_a_trusted_proxy_tells_the_scheme_for_origin_and_secure_cookies(accounts):
    """nginx serves https://filing.example.cn and passes Host and X-Forwarded-Proto: the Origin is checked
    against https and the cookie is Secure; the same headers from an untrusted peer change nothing."""
    _, made = accounts
    site = "https://filing.example.cn"
    proxied = {"Host": "filing.example.cn", "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}

    async def login(base: str, origin: str) -> tuple[int, str]:
        async with client() as http, http.post(
                base + "/login", data={"name": "浦江集群", "password": made["浦江集群"][1]},
                headers={**proxied, "Origin": origin}, allow_redirects=False) as resp:
            return resp.status, resp.headers.get("Set-Cookie", "")

    async def go():
        options = {"fail_delay": 0.01, "allow_hosts": ("filing.example.cn",)}
        async with serving(trusted_proxies=("127.0.0.1",), **options) as ready:
            base = f"http://127.0.0.1:{port_of(ready)}"
            assert (await login(base, "http://filing.example.cn"))[0] == 403  # the browser is on https
            status, cookie = await login(base, site)
            assert status == 303 and "Secure" in cookie and "HttpOnly" in cookie
        async with serving(**options) as ready:  # no proxy trusted: X-Forwarded-Proto is not believed
            base = f"http://127.0.0.1:{port_of(ready)}"
            assert (await login(base, site))[0] == 403
            status, cookie = await login(base, "http://filing.example.cn")
            assert status == 303 and "Secure" not in cookie

    run(go())


@pytest.mark.slow
def test_filing_serve_behind_nginx_as_the_readme_sets_it_up(accounts, filing_home):
    """The README's command line, a real server process, and the headers the README's nginx sends."""
    import http.client
    from urllib.parse import urlencode

    from test_serve import _free_port, _start, _stop

    _, made = accounts
    port = _free_port()
    proc = _start(["--allow-host", "https://filing.example.cn", "--trusted-proxy", "127.0.0.1"], filing_home, port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/login", urlencode({"name": "浦江集群", "password": made["浦江集群"][1]}),
                     {"Host": "filing.example.cn", "X-Forwarded-For": "6.6.6.6, 198.51.100.8",
                      "X-Forwarded-Proto": "https", "Origin": "https://filing.example.cn",
                      "Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        assert resp.status == 303 and "Secure" in resp.getheader("Set-Cookie", "")
        conn.close()
    finally:
        _stop(proc)
    log = proc.stdout.read().decode("utf-8") if proc.stdout else ""
    assert "198.51.100.8 POST /login 303" in log and "6.6.6.6" not in log
    assert [e.detail for e in AuditLog().entries()] == ["来自 198.51.100.8"]

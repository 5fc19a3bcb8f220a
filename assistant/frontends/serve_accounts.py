"""`filing serve` when accounts exist (`filing accounts add`): a login page before the app, each account
in its own data folder, and the district's review pages.

The gate here replaces the token: Host and Origin are checked first as always (serve.py), then the session
cookie, made at a successful login (HttpOnly, SameSite=Strict, Secure under HTTPS) and ended after an idle
time. Wrong passwords are slowed and counted per address and per account. The rules of the review live in
assistant/hosting (one place); these pages only call them and draw the result.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import math
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.frontends.serve_http import Connection, connection_key, connection_of, own_report, page, refusal
from assistant.hosting import audit as events
from assistant.hosting.accounts import CLUSTER, DISTRICT, MIN_PASSWORD, Account, AccountError, AccountStore
from assistant.hosting.audit import AuditLog
from assistant.hosting.review import (
    APPROVED,
    SUBMITTED,
    ReviewRefused,
    Reviews,
    approved_package,
    overview_workbook,
    start_district_summary,
    status_rows,
)

if TYPE_CHECKING:
    from aiohttp import web

T = TypeVar("T")

IDLE_MINUTES = 30  # a login unused this long ends (its tabs close; every answer is saved already)
FAIL_LIMIT = 10  # wrong passwords in FAIL_WINDOW seconds, from one address or for one account …
FAIL_WINDOW = 60.0  # … after which logins wait
FAIL_DELAY = 1.0  # every wrong password is answered this much later
TABS_PER_ACCOUNT = 3
MAX_SESSIONS = 10_000

WRONG = "账号或密码不正确。"
WAIT = "密码错误次数过多，为保护账号，请 {s} 秒后再试。"
EXPIRED = "登录已过期（长时间没有操作），答案都已保存。请重新登录。"
LOGIN_FIRST = "请先登录：请打开本服务的地址，用账号和密码登录。"
TOO_MANY_TABS = "您已打开 {n} 个助手标签页，达到每个账号的上限。请关闭不用的标签页后再试。"
NOT_YOURS = "没有这份报告，或者您无权查看。"
# Close-frame reasons (at most 123 bytes: 41 汉字).
IDLE_TAB = "长时间没有操作，助手已保存并关闭。请点“重新打开”继续。"
TAKEN_OVER = "这份报告已在您的另一个标签页中打开，本页已保存并关闭。"


# The core is not thread-safe (loading a form package from two threads at once fails): the pages' core work
# (lists, checks, submissions, exports) runs on one worker thread, off the event loop.
_CORE = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="filing-core")


async def in_core(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_CORE, functools.partial(fn, *args))


def warm() -> None:
    """Load every form once on the core thread at start: the first login's home page does not pay for it."""
    from assistant.form.catalog import available

    available()


class Throttle:
    """Failures per key within a window; a key at the limit waits until its oldest failure leaves the window."""

    def __init__(self, limit: int = FAIL_LIMIT, window: float = FAIL_WINDOW):
        self.limit, self.window = limit, window
        self.fails: dict[str, deque[float]] = {}

    def wait(self, *keys: str) -> int:
        now = time.monotonic()
        longest = 0.0
        for key in keys:
            q = self.fails.get(key)
            while q and now - q[0] > self.window:
                q.popleft()
            if q is not None and len(q) >= self.limit:
                longest = max(longest, self.window - (now - q[0]))
        return math.ceil(longest) if longest > 0 else 0

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        if len(self.fails) > MAX_SESSIONS:  # an address flood: forget the quiet ones
            self.fails = {k: q for k, q in self.fails.items() if q and now - q[-1] <= self.window}
        for key in keys:
            self.fails.setdefault(key, deque(maxlen=self.limit * 2)).append(now)


@dataclass
class LoggedIn:
    account_id: str
    last: float


class Hosting:
    """The accounts side of one server: logins, whose folder a request works in, the review pages."""

    def __init__(self, data_root: Path, cookie: str, *, idle_minutes: float = IDLE_MINUTES,
                 fail_delay: float = FAIL_DELAY, tabs_per_account: int = TABS_PER_ACCOUNT):
        self.accounts = AccountStore(data_root)
        self.audit = AuditLog(data_root)
        self.cookie = cookie
        self.idle = idle_minutes * 60
        self.fail_delay = fail_delay
        self.tabs_per_account = tabs_per_account
        self.logins: dict[str, LoggedIn] = {}
        self.throttle = Throttle()

    # -- logins ------------------------------------------------------------------------------
    def login_of(self, value: str | None, touch: bool = True) -> tuple[Account | None, bool]:
        """(the logged-in account, whether a login had expired) for a cookie value."""
        if not value:
            return None, False
        state = self.logins.get(value)
        if state is None:
            return None, False
        now = time.monotonic()
        if now - state.last > self.idle:
            del self.logins[value]
            return None, True
        account = self.accounts.by_id(state.account_id)
        if account is None or account.disabled:
            del self.logins[value]
            return None, False
        if touch:
            state.last = now
        return account, False

    def touch(self, value: str | None) -> None:
        state = self.logins.get(value or "")
        if state is not None:
            state.last = time.monotonic()

    def expired(self, value: str | None) -> bool:
        """The login is gone: idle too long, logged out, or its account disabled or removed meanwhile."""
        state = self.logins.get(value or "")
        if state is None or time.monotonic() - state.last > self.idle:
            return True
        try:
            account = self.accounts.by_id(state.account_id)
        except AccountError:
            return False  # the accounts file unreadable for a moment: not a reason to close tabs
        return account is None or account.disabled

    def start(self, account: Account) -> str:
        if len(self.logins) >= MAX_SESSIONS:
            del self.logins[min(self.logins, key=lambda k: self.logins[k].last)]
        value = secrets.token_urlsafe(32)
        self.logins[value] = LoggedIn(account.id, time.monotonic())
        return value

    def folders(self, district: Account) -> list[tuple[str, Path]]:
        return [(c.name, self.accounts.folder(c)) for c in self.accounts.clusters_of(district)]

    def owner(self, account: Account, aid: str) -> Account | None:
        """The account whose reports `aid` names, if `account` may see them: its own, or its district's clusters."""
        if aid == account.id:
            return account
        if account.role == DISTRICT:
            return next((c for c in self.accounts.clusters_of(account) if c.id == aid), None)
        return None


def report_html(markdown: str) -> Any:
    """The report's Markdown (its user text already escaped for Markdown and HTML) as a page: raw HTML off,
    links to javascript: refused by markdown-it; images are not rendered (nothing loads from elsewhere); the
    line breaks the template writes inside a cell (<br>, escaped by html off) are put back as line breaks."""
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    md = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
    return Markup(md.render(markdown).replace("&lt;br&gt;", "<br>"))  # markdown-it output with html off


def _render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    import aiohttp_jinja2

    response = aiohttp_jinja2.render_template(template, request, context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _see_other(location: str) -> web.Response:
    from aiohttp import web

    return web.Response(status=303, text="请稍候…", headers={"Location": location, "Cache-Control": "no-store"})


def _set_cookie(response: web.StreamResponse, hosting: Hosting, value: str, secure: bool) -> None:
    response.set_cookie(hosting.cookie, value, httponly=True, samesite="Strict", path="/", secure=secure or None)


PUBLIC = ("/login",)


def make_routes(server: Any, hosting: Hosting) -> list[Any]:
    """The routes of the hosted mode; every one behind `guard` (serve.py's middleware calls it)."""
    from aiohttp import web


    def account_of(request: web.Request) -> Account:
        conn = connection_of(request)
        account = hosting.accounts.get(conn.account or "")
        if account is None:
            raise web.HTTPForbidden(text=LOGIN_FIRST)
        return account

    async def guard(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                    secure: bool) -> web.StreamResponse:
        if request.path in PUBLIC or request.path.startswith("/static/"):
            request[connection_key()] = Connection(server.data_root, secure, None)
            return await handler(request)
        value = request.cookies.get(hosting.cookie)
        account, expired = hosting.login_of(value)
        if account is None:
            if request.method == "GET" and request.path != "/ws" and not request.path.startswith("/ws/"):
                return _see_other("/login?expired=1" if expired else "/login")
            why = EXPIRED if expired else LOGIN_FIRST
            # a page for a form the person sent (a button on our pages); JSON for the page's own scripts
            return page(403, why) if request.method == "POST" and not request.path.startswith("/upload/") else \
                refusal(request, 403, why)
        if account.must_change and request.path not in ("/password", "/logout"):
            if request.method == "GET":
                return _see_other("/password")
            return refusal(request, 403, "请先设置新密码。")
        request[connection_key()] = Connection(hosting.accounts.folder(account), secure, value, account.name)
        return await handler(request)

    async def login_page(request: web.Request) -> web.StreamResponse:
        message = EXPIRED if request.query.get("expired") else ""
        return _render(request, "login.html", message=message, name="")

    async def login(request: web.Request) -> web.StreamResponse:
        form = await request.post()
        name, password = str(form.get("name", ""))[:100], str(form.get("password", ""))[:1000]
        address = server.gate.proxies.client_of(request)  # behind a trusted proxy: the browser's, not the proxy's
        keys = (f"address:{address}", f"account:{name.strip()}")
        wait = hosting.throttle.wait(*keys)
        if wait:
            return _render(request, "login.html", 429, message=WAIT.format(s=wait), message_kind="error", name=name)
        account = await asyncio.to_thread(hosting.accounts.verify, name, password)
        if account is None:
            hosting.throttle.fail(*keys)
            known = hosting.accounts.get(name)
            hosting.audit.append(known.name if known else "（未知账号）", events.LOGIN_FAILED, detail=f"来自 {address}")
            await asyncio.sleep(hosting.fail_delay)
            wait = hosting.throttle.wait(*keys)
            message = WAIT.format(s=wait) if wait else WRONG
            return _render(request, "login.html", 401, message=message, message_kind="error", name=name)
        hosting.audit.append(account.name, events.LOGIN, detail=f"来自 {address}")
        response = _see_other("/password" if account.must_change else "/")
        _set_cookie(response, hosting, hosting.start(account), connection_of(request).secure)
        return response

    async def logout(request: web.Request) -> web.StreamResponse:
        account = account_of(request)
        hosting.logins.pop(connection_of(request).browser_session or "", None)
        hosting.audit.append(account.name, events.LOGOUT)
        response = _see_other("/login")
        response.del_cookie(hosting.cookie, path="/")
        return response

    async def password_page(request: web.Request) -> web.StreamResponse:
        return _render(request, "password.html", account=account_of(request), min_length=MIN_PASSWORD)

    async def password(request: web.Request) -> web.StreamResponse:
        account = account_of(request)
        form = await request.post()
        old, new, again = (str(form.get(k, ""))[:1000] for k in ("old", "new", "again"))

        def again_page(message: str, status: int = 400) -> web.Response:
            return _render(request, "password.html", status, account=account, min_length=MIN_PASSWORD,
                           message=message, message_kind="error")

        keys = (f"account:{account.name}", f"address:{server.gate.proxies.client_of(request)}")
        wait = hosting.throttle.wait(*keys)
        if wait:
            return again_page(WAIT.format(s=wait), 429)
        if await asyncio.to_thread(hosting.accounts.verify, account.name, old) is None:
            hosting.throttle.fail(*keys)
            await asyncio.sleep(hosting.fail_delay)
            return again_page("当前密码不正确。", 401)
        if new != again:
            return again_page("两次输入的新密码不一致。")
        try:
            await asyncio.to_thread(hosting.accounts.change_password, account.name, new)
        except AccountError as exc:
            return again_page(str(exc))
        hosting.audit.append(account.name, events.PASSWORD)
        return _see_other("/")

    def home_rows(account: Account) -> dict[str, Any]:
        own = status_rows([(account.name, hosting.accounts.folder(account))])
        for row in own:
            row["editable"] = row["state"] in ("draft", "returned")
        context: dict[str, Any] = {"account": account, "rows": own,
                                   "returned": [r for r in own if r["state"] == "returned"]}
        if account.role == DISTRICT:
            ids = {c.name: c.id for c in hosting.accounts.clusters_of(account)}
            clusters = status_rows(hosting.folders(account))
            for row in clusters:
                row["aid"] = ids[row["cluster"]]
            context["clusters"] = clusters
            context["approved"] = sum(1 for r in clusters if r["state"] == APPROVED)
        return context

    async def home(request: web.Request) -> web.StreamResponse:
        account = account_of(request)
        context = await in_core(home_rows, account)
        note = request.query.get("done", "")
        return _render(request, "home.html", message=DONE.get(note, ""), message_kind="ok", **context)

    async def open_app(request: web.Request) -> web.StreamResponse:
        account = account_of(request)
        conn = connection_of(request)
        if server.full():
            return page(503, server.full_text())
        if server.tabs_of(account.name) >= hosting.tabs_per_account:
            return page(503, TOO_MANY_TABS.format(n=hosting.tabs_per_account))
        sid = request.match_info.get("sid", "")
        if sid and not own_report(conn, sid):
            return page(404, NOT_YOURS)
        shown: web.StreamResponse = server.app_page(request, "/ws/" + sid if sid else "/ws")
        return shown

    def report_context(account: Account, owner: Account, sid: str) -> dict[str, Any]:
        from assistant.interview.engine import Engine
        from assistant.interview.findings import blocking
        from assistant.report.model import build_report
        from assistant.report.preview import markdown_of

        reviews = Reviews(hosting.accounts.folder(owner))
        session = reviews.store.load(sid)
        review = reviews.of(sid)
        engine = Engine.for_session(session)
        found = reviews.findings(session)
        return {
            "account": account, "owner": owner, "sid": sid, "review": review,
            "title": engine.report_name() or engine.form_title(),
            "findings": found,
            "entries": hosting.audit.entries(report=sid),
            "preview": report_html(markdown_of(build_report(engine, draft=bool(blocking(found)),
                                                            opinion=reviews.opinion(sid)))),
            "can_submit": account.id == owner.id and owner.role == CLUSTER and review.editable,
            "can_decide": account.role == DISTRICT and owner.id != account.id and review.state == SUBMITTED,
        }

    def report_of(request: web.Request) -> tuple[Account, Account, str]:
        account = account_of(request)
        owner = hosting.owner(account, request.match_info["aid"])
        sid = request.match_info["sid"]
        if owner is None:
            raise web.HTTPNotFound(text=NOT_YOURS)
        if not own_report(Connection(hosting.accounts.folder(owner), False), sid):
            raise web.HTTPNotFound(text=NOT_YOURS)
        return account, owner, sid

    async def report(request: web.Request, message: str = "", status: int = 200,
                     kind: str = "error") -> web.StreamResponse:
        from assistant.session.store import SessionError

        account, owner, sid = report_of(request)
        try:
            context = await in_core(report_context, account, owner, sid)
        except SessionError as exc:
            return page(409, str(exc).replace(str(server.data_root), "（数据文件夹）"))
        return _render(request, "report.html", status, message=message, message_kind=kind, **context)

    async def decide(request: web.Request) -> web.StreamResponse:
        account, owner, sid = report_of(request)
        action = request.match_info["action"]
        form = await request.post()
        reviews = Reviews(hosting.accounts.folder(owner), hosting.audit)
        try:
            if action == "submit" and account.id == owner.id and owner.role == CLUSTER:
                await in_core(reviews.submit, sid, account.name)
            elif action == "return" and account.role == DISTRICT and owner.id != account.id:
                await in_core(reviews.send_back, sid, account.name, str(form.get("comment", "")))
            elif action == "approve" and account.role == DISTRICT and owner.id != account.id:
                await in_core(reviews.approve, sid, account.name, str(form.get("opinion", "")))
            else:
                return refusal(request, 403, "您的账号不能对这份报告做这个操作。")
        except ReviewRefused as exc:
            return await report(request, str(exc), 409)
        return _see_other(f"/report/{owner.id}/{sid}?done={action}")

    async def report_page(request: web.Request) -> web.StreamResponse:
        done = request.query.get("done", "")
        return await report(request, DONE.get(done, ""), kind="ok")

    def district_of(request: web.Request) -> Account:
        account = account_of(request)
        if account.role != DISTRICT:
            raise web.HTTPForbidden(text="只有区账号可以这样做。")
        return account

    async def rollup(request: web.Request) -> web.StreamResponse:
        account = district_of(request)
        from assistant.errors import UserError

        try:
            session = await in_core(start_district_summary, hosting.folders(account),
                                              hosting.accounts.folder(account), account.name,
                                              f"{account.district}促进中小企业特色产业集群发展总结", hosting.audit)
        except UserError as exc:
            return page(409, str(exc).replace(str(server.data_root), "（数据文件夹）"))
        return _see_other(f"/open/{session.id}")

    def attachment(data: bytes, name: str, mime: str) -> web.Response:
        from assistant.frontends.serve_files import content_disposition

        return web.Response(body=data, content_type=mime, headers={
            "Content-Disposition": content_disposition(name), "Cache-Control": "no-store"})

    async def overview(request: web.Request) -> web.StreamResponse:
        account = district_of(request)
        try:
            data = await in_core(overview_workbook, hosting.folders(account))
        except ReviewRefused as exc:
            return page(409, str(exc))
        hosting.audit.append(account.name, events.EXPORT, detail="委员会概览（Excel）")
        return attachment(data, f"{account.district}集群概览.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    async def package(request: web.Request) -> web.StreamResponse:
        account = district_of(request)
        try:
            data = await in_core(approved_package, hosting.folders(account))
        except ReviewRefused as exc:
            return page(409, str(exc))
        hosting.audit.append(account.name, events.EXPORT, detail="审核通过的报告（.zip）")
        return attachment(data, f"{account.district}审核通过的报告.zip", "application/zip")

    async def audit_log(request: web.Request) -> web.StreamResponse:
        """The entries this account may see (its own; a district's also its clusters'), and the chain's check."""
        account = account_of(request)
        names = {account.name} | ({c.name for c in hosting.accounts.clusters_of(account)}
                                  if account.role == DISTRICT else set())
        entries = hosting.audit.entries(who=names)
        problems = hosting.audit.verify()
        lines = ["时间\t账号\t操作\t报告\tSHA-256\t说明"]
        lines += [f"{e.at}\t{e.who}\t{e.action_text}\t{e.report}\t{e.sha256}\t{e.detail}".replace("\n", " ")
                  for e in entries]
        lines.append("记录链检查：" + ("完好" if not problems else "；".join(problems)))
        hosting.audit.append(account.name, events.EXPORT, detail="审核日志")
        return attachment(("\n".join(lines) + "\n").encode("utf-8"), "审核日志.tsv", "text/tab-separated-values")

    server.hosted_guard = guard
    return [
        web.get("/login", login_page), web.post("/login", login),
        web.post("/logout", logout),
        web.get("/password", password_page), web.post("/password", password),
        web.get("/", home), web.get("/open", open_app), web.get("/open/{sid}", open_app),
        web.get("/report/{aid}/{sid}", report_page),
        web.post("/report/{aid}/{sid}/{action:submit|return|approve}", decide),
        web.post("/district/rollup", rollup),
        web.get("/district/overview.xlsx", overview), web.get("/district/package.zip", package),
        web.get("/audit.log", audit_log),
    ]


DONE = {"submit": "已提交给区里审核。审核期间报告不能修改。", "return": "已退回，集群会在首页看到退回的理由。",
        "approve": "已审核通过，考核意见已记录。"}


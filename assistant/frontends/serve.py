"""`filing serve`: the same Textual app in a web browser (textual-serve), one app process per tab.

Only public APIs: textual-serve's Server (its public handlers overridden, its serve() replaced by our own
runner) and AppService, and aiohttp's request/response objects.

Every request passes `guard` first: its Host must be one the server was started for (no DNS rebinding), an
Origin must be an allowed host with the right scheme, and it must carry the server-side session cookie that
the token in the first URL was exchanged for. What a request may then touch is its `Connection`: the data
folder (an account's, once accounts exist). The app processes are bounded: terminal size and websocket
messages clamped, a cap on how many run, and each one ends with its tab and with the server (it watches its
stdin pipe, which closes whatever ends the server, `kill -9` included).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import hmac
import ipaddress
import json
import logging
import math
import os
import re
import secrets
import shlex
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from assistant.frontends.serve_http import (
    SECURITY_HEADERS,
    Connection,
    Proxies,
    connection_key,
    connection_of,
    own_report,
    page,
    parse_proxies,
    refusal,
)

if TYPE_CHECKING:
    from aiohttp import web
    from textual_serve.app_service import AppService

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::")
TEMPLATES = Path(__file__).parent / "serve_templates"
TOKEN_ENV = "FILING_SERVE_TOKEN"  # a token kept off the command line (not shown by ps); never passed to the app
MIN_TOKEN_BITS = 128

# Bounds on what one browser tab can make its app process do.
MIN_COLS, MAX_COLS = 20, 400  # 400 × 150 cells is a 4K screen at a small font
MIN_ROWS, MAX_ROWS = 8, 150
MAX_MESSAGE = 512 * 1024  # one websocket message (a paste of a few thousand spreadsheet rows fits)
PASTE_RATE = 128 * 1024  # pasted bytes per second sustained; a burst of one full message goes at once
MAX_KEYS = 4096  # one stdin message that is not a paste (keys, IME text, mouse reports); more is a paste
KEY_RATE = 2048  # bytes per second of such messages sustained (typing ~20, mouse moves up to ~1000)
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"
QUIT_GRACE = 10.0  # seconds an app gets to save and exit after its tab went, before its input is closed
INPUT_SETTLE = 1.0  # seconds after the last key before a closed tab's app is asked to quit
CHILD_GRACE = 5.0  # seconds the app gets after its input closed before it ends itself hard
MAX_BROWSER_SESSIONS = 10_000  # cookie sessions kept in memory (only token holders create them)
APP_MEMORY = 1024 * 2**20  # an app process larger than this ends itself (one tab normally uses 40–65 MB)
TAB_MEMORY = 80 * 2**20  # memory set aside per tab when the cap is derived (one tab uses 40–65 MB)
MAX_DERIVED_TABS = 100  # a district's 30 clusters with a few tabs each, on a machine with 16 GB

WARN_EXPOSED = ("注意：正在监听 {host}，能访问这个端口并持有口令的任何人都可以读取和修改本机保存的每一个会话。"
                "请只在可信的网络中使用，并把带口令的地址只告诉需要填报的人。")
WARN_NO_TOKEN = ("注意：--no-token 关闭了访问口令，能连到 {host} 端口 {port} 的任何程序或用户"
                 "都可以读取和修改本机保存的每一个会话。除非确有必要，请不要这样使用。")
WEAK_TOKEN = ("--token 的口令太弱：访问口令至少要相当于 {bits} 位的随机数（例如 22 个以上随机的大小写字母和数字）。"
              "不给 --token 时会自动生成一个足够强的口令。")
NO_TOKEN_PAGE = ("需要访问口令。请使用启动 filing serve 时打印的完整地址（含 ?token=…）打开本页；"
                 "如果服务已经重新启动，请使用新打印的地址。")
BAD_HOST_PAGE = ("本服务不接受通过这个地址访问。请使用启动 filing serve 时打印的地址；"
                 "如需用其他主机名或地址访问，请在启动时用 --allow-host 列出它。")
BAD_ORIGIN_PAGE = "请求来自不被允许的网页，已拒绝。请直接打开启动 filing serve 时打印的地址。"
HOSTED_PLAIN_HTTP = ("注意：没有使用 HTTPS，账号密码和填报内容会以明文经过网络。请用 --certfile/--keyfile 直接提供 HTTPS，"
                     "或让 nginx 等反向代理提供 HTTPS（启动时加 --allow-host https://名称）。")
FULL = "同时打开的助手已达上限（{n} 个）。请关闭不用的标签页后再试。"
# A close frame's reason holds at most 123 bytes (41 汉字): no log path, which is a server path anyway.
CRASHED_CODE = 4001
EXIT_GRACE = 5.0  # seconds between an app's exit message and its tab closing, if its process lingers
CRASHED_TEXT = "助手因程序错误已关闭，答案已保存。请点“重新打开”继续，并告知管理员。"


class ServeError(Exception):
    """A usage problem stated in Chinese (the cli turns it into exit code 2)."""


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None  # None: a random one is made (unless no_token)
    no_token: bool = False
    session_id: str | None = None
    open_browser: bool = True
    allow_hosts: tuple[str, ...] = ()  # extra names the browser may use: "name" or "https://name" (behind a proxy)
    trusted_proxies: tuple[str, ...] = ()  # reverse proxies (addresses, CIDR) whose X-Forwarded-* are believed
    certfile: str | None = None
    keyfile: str | None = None
    max_tabs: int | None = None  # None: derived from the machine's memory
    forms: tuple[str, ...] = ()  # --forms folders, handed to every app process
    data_root: Path | None = None  # FILING_HOME for the app processes; None: this process's home()
    app_memory_mb: int = APP_MEMORY // 2**20  # an app process larger than this ends itself
    # With accounts (`filing accounts add`): a login ends after this idle time; wrong passwords answered this
    # much later; this many tabs per account.
    idle_minutes: float = 30
    fail_delay: float = 1.0
    tabs_per_account: int = 3


# -- configuration checks ---------------------------------------------------------------------
def token_bits(token: str) -> float:
    """A generous estimate of a typed token's randomness: length × log2(size of the character classes used)."""
    alphabet = 0
    if any(c.isascii() and c.isdigit() for c in token):
        alphabet += 10
    if any(c.isascii() and c.islower() for c in token):
        alphabet += 26
    if any(c.isascii() and c.isupper() for c in token):
        alphabet += 26
    if any(c.isascii() and not c.isalnum() for c in token):
        alphabet += 33
    if any(not c.isascii() for c in token):
        alphabet += 3000  # common Chinese characters
    if len(set(token)) < 8:  # "aaaa…" or "abab…" is not random whatever its length
        return float(len(set(token)))
    return len(token) * math.log2(max(alphabet, 2))


def check_config(host: str, token: str | None, no_token: bool, port: int = 8000) -> list[str]:
    """The warnings to print before serving; refuses contradictory or weak token settings."""
    if token is not None and not token.strip():
        raise ServeError("--token 不能为空。")
    if token is not None and no_token:
        raise ServeError("--token 和 --no-token 不能同时使用。")
    if token is not None and token_bits(token) < MIN_TOKEN_BITS:
        raise ServeError(WEAK_TOKEN.format(bits=MIN_TOKEN_BITS))
    warnings = []
    if host not in LOOPBACK_NAMES:
        warnings.append(WARN_EXPOSED.format(host=host))
    if no_token:
        warnings.append(WARN_NO_TOKEN.format(host=host, port=port))
    return warnings


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def parse_allowed_host(text: str) -> tuple[str, str | None]:
    """`--allow-host` value → (name, scheme or None). `https://name` says the browser reaches that name over
    HTTPS (a reverse proxy in front); a bare name takes the server's own scheme."""
    scheme: str | None = None
    value = text.strip()
    if "://" in value:
        given, _, value = value.partition("://")
        scheme = given.lower()
        if scheme not in ("http", "https"):
            raise ServeError(f"--allow-host {text!r}：只能以 http:// 或 https:// 开头。")
        value = value.rstrip("/")
    name = _normal_name(value)
    if name is None:
        raise ServeError(f"--allow-host {text!r} 不是主机名或 IP 地址。只写名称或地址（如 192.168.1.10、"
                         "filing.example.cn 或 https://filing.example.cn），不写端口和路径。")
    return name, scheme


def _normal_name(value: str) -> str | None:
    name = value.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(name))
    return name if _HOSTNAME.fullmatch(name) else None


def host_header_name(value: str) -> str | None:
    """The name in a Host header (`name`, `name:port`, `[v6]:port`), lower case; None if malformed."""
    value = value.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1:]
    else:
        name, _, port = value.partition(":")
        rest = ":" + port if port else ""
    if rest and not re.fullmatch(r":\d{1,5}", rest):
        return None
    return _normal_name(name)


def _machine_names() -> set[str]:
    """This machine's own names and addresses: fine as a Host when listening on every address."""
    names: set[str] = set()
    with contextlib.suppress(OSError):
        hostname = socket.gethostname()
        names.update({hostname, socket.getfqdn()})
        for info in socket.getaddrinfo(hostname, None):
            names.add(str(info[4][0]))
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only asks which local address routes out
        names.add(probe.getsockname()[0])
    return {n for n in (_normal_name(x) for x in names) if n}


def default_max_tabs() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 10
    return max(2, min(MAX_DERIVED_TABS, total // 2 // TAB_MEMORY))  # half the memory for the tabs


def clamp(value: Any, low: int, high: int, default: int) -> int:
    """A terminal dimension from the browser: an integer within [low, high] whatever was sent."""
    if isinstance(value, bool):
        return default
    if isinstance(value, str):
        try:
            value = int(value.strip()[:6])
        except ValueError:
            return default
    if not isinstance(value, int):
        return default
    return min(max(value, low), high)


def trusted_proxies(config: ServeConfig) -> Proxies:
    try:
        return Proxies(parse_proxies(config.trusted_proxies))
    except ValueError as exc:
        raise ServeError(str(exc)) from None


# -- the gate: Host, Origin, token and cookie -------------------------------------------------
class Gate:
    """Decides who may talk to the server. The cookie holds a random server-side session value, never the
    token; sessions live in memory for the server's lifetime."""

    def __init__(self, config: ServeConfig, token: str | None, tls: bool):
        self.token = token
        self.tls = tls
        self.proxies = trusted_proxies(config)
        self.cookie = f"filing_session_{config.port}"  # cookies ignore ports: two servers must not clash
        self.names: dict[str, str | None] = dict.fromkeys(LOOPBACK_NAMES)
        if config.host in WILDCARDS:
            self.names.update(dict.fromkeys(_machine_names()))
        else:
            bound = _normal_name(config.host)
            if bound:
                self.names[bound] = None
        for item in config.allow_hosts:
            name, scheme = parse_allowed_host(item)
            self.names[name] = scheme
        self.sessions: dict[str, float] = {}

    def scheme_for(self, name: str) -> str:
        """The scheme a browser uses for this name: ours, or https for a name declared behind a TLS proxy."""
        if self.tls:
            return "https"
        return self.names.get(name) or "http"

    def scheme_of(self, request: web.BaseRequest) -> str:
        """The scheme this request's browser used: ours with TLS; else what a trusted proxy says
        (X-Forwarded-Proto); else the scheme declared for its Host."""
        if self.tls:
            return "https"
        return self.proxies.scheme_of(request) or self.scheme_for(self.host_of(request) or "127.0.0.1")

    def host_of(self, request: web.BaseRequest) -> str | None:
        name = host_header_name(request.headers.get("Host", ""))
        return name if name is not None and name in self.names else None

    def origin_ok(self, request: web.BaseRequest) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:  # not a browser (a browser always sends it on websockets and POSTs)
            return request.method in ("GET", "HEAD")
        try:
            parts = urlsplit(origin)
            name = _normal_name(parts.hostname or "")
        except ValueError:
            return False
        if name is None or name not in self.names:
            return False
        # this very site: the scheme the request came with; another allowed name: its declared scheme
        return parts.scheme == (self.scheme_of(request) if name == self.host_of(request) else self.scheme_for(name))

    def session_of(self, request: web.BaseRequest) -> str | None:
        value = request.cookies.get(self.cookie, "")
        if value and value in self.sessions:
            self.sessions[value] = time.monotonic()
            return value
        return None

    def token_ok(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8"))

    def new_session(self) -> str:
        if len(self.sessions) >= MAX_BROWSER_SESSIONS:
            oldest = min(self.sessions, key=self.sessions.__getitem__)
            del self.sessions[oldest]
        value = secrets.token_urlsafe(32)
        self.sessions[value] = time.monotonic()
        return value


# -- the app process side of a connection ------------------------------------------------------
def child_command(conn: Connection, config: ServeConfig, session_id: str | None = None) -> str:
    """The shell command textual-serve runs for one browser tab: this Python, this package, this
    connection's data folder and every option the app needs (a shell `exec`, so the app is the process).
    `session_id` (checked by the caller against the connection's own store) opens that report."""
    from assistant.paths import cache_dir

    cache = config.data_root / "cache" if config.data_root else cache_dir()
    parts = [sys.executable, "-m", "assistant.frontends.serve", "--child", "--home", str(conn.data_root),
             "--cache", str(cache.expanduser().resolve()), "--max-memory", str(config.app_memory_mb)]
    for folder in config.forms:
        parts += ["--forms", str(Path(folder).expanduser().resolve())]
    if conn.account:  # accounts: the app may ask the server to close its account's other tab on a report
        parts += ["--take-over"]
    session_id = session_id or config.session_id
    if session_id:
        parts += ["--", session_id]
    if os.name == "nt":
        return " ".join(_win_quote(p) for p in parts)
    return "exec " + " ".join(shlex.quote(p) for p in parts)


def _win_quote(part: str) -> str:
    return f'"{part}"' if any(c in part for c in ' \t&|<>^"') else part


class _Budget:
    """Stdin bytes a tab may send: a paste of one full message at once, then `rate` per second. Over the
    budget the relay waits (the browser's socket backs up); nothing is dropped."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst, self.level, self.at = rate, burst, burst, time.monotonic()

    async def spend(self, n: int) -> None:
        now = time.monotonic()
        self.level = min(self.burst, self.level + (now - self.at) * self.rate) - n
        self.at = now
        if self.level < 0:
            await asyncio.sleep(-self.level / self.rate)


def as_input(data: str) -> tuple[str, bool]:
    """A stdin message as the app gets it, and whether it is a paste. A paste is one bracketed paste (markers
    inside it removed: pasted text cannot end the paste and turn into keys); text too long to be keys is
    pasted (every key is an event for the app, so half a megabyte of keys would swamp it)."""
    if data.startswith(PASTE_START) or len(data) > MAX_KEYS:
        body = data.replace(PASTE_START, "").replace(PASTE_END, "")
        return PASTE_START + body + PASTE_END, True
    return data, False


@dataclass
class Tab:
    """One browser tab's app process and what the server knows of it."""

    app: AppService
    conn: Connection
    last_input: float = 0.0  # monotonic time of the last stdin message
    on_input: Callable[[], None] | None = None  # keeps the tab's login alive while someone types
    sid: str | None = None  # the report the tab has open (/ws/<id>, or opened in the app: it says so)
    opened: float = field(default_factory=time.monotonic)


async def relay(websocket: web.WebSocketResponse, tab: Tab) -> None:
    """The browser's messages to the app process, checked and clamped (malformed ones are ignored)."""
    from aiohttp import WSMsgType

    app = tab.app

    pastes, keys = _Budget(PASTE_RATE, MAX_MESSAGE), _Budget(KEY_RATE, 4 * MAX_KEYS)
    size: tuple[int, int] | None = None
    async for message in websocket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            envelope = json.loads(message.data)
        except ValueError:
            continue
        if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
            continue
        kind, data = envelope[0], (envelope[1] if len(envelope) > 1 else None)
        if kind == "stdin" and isinstance(data, str):
            text, pasted = as_input(data)
            raw = text.encode("utf-8", "replace")
            await (pastes if pasted else keys).spend(len(raw))
            await app.send_bytes(raw)
            tab.last_input = time.monotonic()
            if tab.on_input is not None:
                tab.on_input()
        elif kind == "resize" and isinstance(data, dict):
            new = (clamp(data.get("width"), MIN_COLS, MAX_COLS, 80), clamp(data.get("height"), MIN_ROWS, MAX_ROWS, 24))
            if new != size:
                size = new
                await app.set_terminal_size(*new)
        elif kind == "ping" and isinstance(data, str) and len(data) <= 64:
            await websocket.send_json(["pong", data])
        elif kind == "blur":
            await app.blur()
        elif kind == "focus":
            await app.focus()


async def end_app(tab: Tab) -> None:
    """Ask the app to quit (it saves and releases its lock); if it has not ended after QUIT_GRACE, close its
    input: its watchdog then ends it (hard after CHILD_GRACE)."""
    log = logging.getLogger("filing.serve")
    app = tab.app
    # Keys sent just before the tab went (an answer and Enter, then Ctrl+W) reach the answer before the quit.
    await asyncio.sleep(max(0.0, tab.last_input + INPUT_SETTLE - time.monotonic()))
    stopping = asyncio.ensure_future(app.stop())
    try:
        await asyncio.wait_for(asyncio.shield(stopping), QUIT_GRACE)
        return
    except asyncio.TimeoutError:
        log.warning("一个助手进程在 %.0f 秒内没有退出，正在结束它。", QUIT_GRACE)
    with contextlib.suppress(Exception):
        app.stdin.close()
    try:
        await asyncio.wait_for(stopping, CHILD_GRACE + 5)
    except asyncio.TimeoutError:
        log.error("一个助手进程没有结束。")


# -- the server -----------------------------------------------------------------------------------
def make_server(config: ServeConfig, token: str | None, tls: bool) -> Any:
    """textual-serve's Server with our gate, bounds, page template and Chinese messages."""
    import aiohttp_jinja2
    import jinja2
    from aiohttp import web
    from aiohttp.abc import AbstractAccessLogger
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    from assistant.frontends import serve_files
    from assistant.frontends.browser_tab import BrowserTab
    from assistant.paths import home

    data_root = (config.data_root or home()).expanduser().resolve()
    max_tabs = config.max_tabs or default_max_tabs()
    proxies = trusted_proxies(config)
    hosting = None
    if hosted(data_root):
        from assistant.frontends.serve_accounts import Hosting

        config = _replace(config, session_id=None)  # each account chooses its own reports on its home page
        hosting = Hosting(data_root, f"filing_login_{config.port}", idle_minutes=config.idle_minutes,
                          fail_delay=config.fail_delay, tabs_per_account=config.tabs_per_account)

    tab_apps: dict[str, str] = {}  # a browser tab's folder id (its app told its page) → that app's service id
    servers: list[Any] = []  # the server made below (its apps' messages reach it)

    class FilingAppService(AppService):
        """An app process whose tab closes when it ends, however it ends (also killed or out of memory,
        when no exit message comes)."""

        crashed = False  # a programming error closed the app (its tab folder says so)

        async def run(self) -> None:
            try:
                await super().run()
            finally:
                for tab in [t for t, a in tab_apps.items() if a == self.app_service_id]:
                    self.crashed = self.crashed or BrowserTab(tab, data_root).crashed()
                    del tab_apps[tab]
                await self.remote_close()

        async def on_meta(self, data: bytes) -> None:
            # The app tells its page where the tab's uploads go (filing:tab?id=…); the server notes whose
            # app that is, so only the same browser session can upload there.
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                meta = json.loads(data)
                url = meta.get("url") if meta.get("type") == "open_url" else None
                if isinstance(url, str) and url.startswith("filing:tab?"):
                    tab = parse_qs(urlsplit(url).query).get("id", [""])[0]
                    tab_apps.setdefault(tab, self.app_service_id)  # the first app to claim an id keeps it
                if isinstance(url, str) and url.startswith(("filing:report?", "filing:take?")):
                    # The report this tab's app has open now (a takeover finds it however it was opened), or
                    # its request to take one over from another tab of the same account. Not for the page.
                    sid = parse_qs(urlsplit(url).query).get("sid", [""])[0]
                    for server in servers:
                        server.app_says(self, url.split("?", 1)[0], sid)
                    return
                if meta.get("type") == "exit":
                    # The tab closes when the process has ended (run()), once it has said whether a programming
                    # error closed it; a process that lingers is closed on anyway.
                    loop = asyncio.get_running_loop()
                    loop.call_later(EXIT_GRACE, lambda: asyncio.ensure_future(self.remote_close()))
                    return
            await super().on_meta(data)

    class PathOnlyAccessLog(AbstractAccessLogger):
        """The access log without query strings (the first URL carries the token) or cookies."""

        def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
            self.logger.info("%s %s %s %s %.3fs", proxies.client_of(request), request.method, request.path, response.status, time)

    class FilingServer(Server):
        """One gate for every route; one relay and one ending per app process."""

        def __init__(self) -> None:
            super().__init__(child_command(Connection(data_root, tls), config), host=config.host, port=config.port,
                             title="集群填报助手", templates_path=TEMPLATES)
            self.config = config
            self.gate = Gate(config, token, tls)
            self.data_root = data_root
            self.max_tabs = max_tabs
            self.apps: dict[str, Connection] = {}  # app_service_id → the connection it runs for
            self.sockets: dict[web.WebSocketResponse, Tab] = {}
            self.hosting = hosting
            self.hosted_guard: Any = None  # set by serve_accounts.make_routes
            self.warming: asyncio.Future[None] | None = None  # the forms loading at start (hosted mode)
            self.taking: set[asyncio.Future[None]] = set()  # takeovers an app asked for, running

        # Plain log lines on stderr: no rich tracebacks with local variables (a token could be one).
        def initialize_logging(self) -> None:
            logging.basicConfig(level=logging.DEBUG if self.debug else logging.INFO,
                                format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr)

        def routes(self) -> list[web.RouteDef | web.StaticDef]:
            """The routes, each behind the guard (an upload route goes here too)."""
            if self.hosting is not None:
                from assistant.frontends.serve_accounts import make_routes

                return [
                    *make_routes(self, self.hosting),
                    web.get("/ws", self.handle_websocket), web.get("/ws/{sid}", self.handle_websocket),
                    web.get("/download/{key}", self.handle_download, name="download"),
                    web.post("/upload/{tab}", self.handle_upload, name="upload"),
                    web.static("/static", self.statics_path, show_index=False, name="static"),
                ]
            return [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.post("/upload/{tab}", self.handle_upload, name="upload"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]

        def make_app(self) -> web.Application:
            app = web.Application(middlewares=[self.guard], client_max_size=1024**2)
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path),
                                 autoescape=jinja2.select_autoescape(default=True))
            app.add_routes(self.routes())
            app.on_response_prepare.append(self.add_headers)
            return app

        def connection(self, request: web.BaseRequest, browser_session: str | None) -> Connection:
            return Connection(self.data_root, self.gate.scheme_of(request) == "https", browser_session)

        async def add_headers(self, request: web.BaseRequest, response: web.StreamResponse) -> None:
            """On every response, before its headers go (pages, refusals, downloads, the websocket upgrade)."""
            if self.hosting is not None:
                # No token in any address here; and under no-referrer Chromium posts a form with `Origin: null`,
                # which the Origin check (our CSRF defence) must refuse.
                response.headers.setdefault("Referrer-Policy", "same-origin")
            for key, value in SECURITY_HEADERS.items():
                response.headers.setdefault(key, value)

        @web.middleware
        async def guard(self, request: web.Request,
                        handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
            """Host, Origin, then the token or the session cookie; only then the route's handler."""
            gate = self.gate
            if gate.host_of(request) is None:  # DNS rebinding: a foreign name pointing at this machine
                return refusal(request, 403, BAD_HOST_PAGE)
            if not gate.origin_ok(request):
                return refusal(request, 403, BAD_ORIGIN_PAGE)
            if self.hosting is not None:  # accounts: a login instead of the token
                result: web.StreamResponse = await self.hosted_guard(request, handler, gate.scheme_of(request) == "https")
                return result
            if gate.token is None:
                request[connection_key()] = self.connection(request, None)
                return await handler(request)
            given = request.query.get("token")
            session = gate.session_of(request)
            if given is not None and request.path == "/":
                if session is None and not gate.token_ok(given):
                    return refusal(request, 403, NO_TOKEN_PAGE)
                return self._enter(request, session or gate.new_session())
            if session is None:
                return refusal(request, 403, NO_TOKEN_PAGE)
            request[connection_key()] = self.connection(request, session)
            return await handler(request)

        def _enter(self, request: web.Request, session: str) -> web.StreamResponse:
            """The token is exchanged for a session cookie and the address bar loses it (a redirect)."""
            rest = [(k, v) for k, v in request.query.items() if k != "token"]
            location = "/" + ("?" + urlencode(rest) if rest else "")
            response = web.Response(status=303, text="请稍候…", headers={"Location": location})
            response.set_cookie(self.gate.cookie, session, httponly=True, samesite="Strict", path="/",
                                secure=self.connection(request, session).secure or None)
            response.headers["Cache-Control"] = "no-store"
            return response

        def full(self) -> bool:
            return len(self.apps) >= self.max_tabs

        def full_text(self) -> str:
            return FULL.format(n=self.max_tabs)

        def tabs_of(self, account: str) -> int:
            return sum(1 for c in self.apps.values() if c.account == account)

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            if self.full():
                return page(503, FULL.format(n=self.max_tabs))
            return self.app_page(request, "/ws")

        def app_page(self, request: web.Request, ws_path: str) -> web.StreamResponse:
            """The page that runs one app in the browser, connecting to `ws_path` on this host."""
            conn = connection_of(request)
            scheme = "wss" if conn.secure else "ws"
            context = {
                "font_size": clamp(request.query.get("fontsize", "16"), 8, 48, 16),
                "app_websocket_url": f"{scheme}://{request.host}{ws_path}",  # the Host was checked by the guard
                "config": {"static": {"url": "/static/"}},
                "application": {"name": self.title},
                "ping_url": "",
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            response.headers["Cache-Control"] = "no-store"
            return response

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            conn = connection_of(request)
            websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
            await websocket.prepare(request)
            if self.full():  # the page said so already unless two tabs raced for the last place
                await websocket.close(code=4000, message=FULL.format(n=self.max_tabs).encode("utf-8"))
                return websocket
            sid = request.match_info.get("sid") or None
            on_input = None
            if self.hosting is not None:
                from assistant.frontends.serve_accounts import TOO_MANY_TABS

                if self.tabs_of(conn.account or "") >= self.hosting.tabs_per_account:
                    text = TOO_MANY_TABS.format(n=self.hosting.tabs_per_account)
                    await websocket.close(code=4000, message=text.encode("utf-8")[:123])
                    return websocket
                hosting, value = self.hosting, conn.browser_session
                on_input = lambda: hosting.touch(value)  # noqa: E731
            if sid is not None and not own_report(conn, sid):
                sid = None  # not a report of this folder: the app opens on its home screen
            if self.hosting is not None and sid is not None:
                await self.take_over(conn, sid)
            width = clamp(request.query.get("width", "80"), MIN_COLS, MAX_COLS, 80)
            height = clamp(request.query.get("height", "24"), MIN_ROWS, MAX_ROWS, 24)

            async def close() -> None:  # the app exited (Ctrl+Q): its tab shows the closed dialog
                if app.crashed:  # said in the close frame (≤ 123 bytes), shown by the page instead of "会话已结束"
                    await websocket.close(code=CRASHED_CODE, message=CRASHED_TEXT.encode("utf-8"))
                else:
                    await websocket.close()

            app = FilingAppService(child_command(conn, self.config, sid), write_bytes=websocket.send_bytes,
                             write_str=websocket.send_str, close=close,
                             download_manager=self.download_manager, debug=self.debug)
            tab = Tab(app, conn, on_input=on_input, sid=sid)
            self.apps[app.app_service_id] = conn
            self.sockets[websocket] = tab
            try:
                await app.start(width, height)
                await relay(websocket, tab)
            except Exception:
                logging.getLogger("filing.serve").exception("浏览器连接出错")
            finally:
                self.sockets.pop(websocket, None)
                try:
                    await end_app(tab)
                finally:
                    del self.apps[app.app_service_id]
                    with contextlib.suppress(Exception):
                        await websocket.close()
            return websocket

        async def handle_upload(self, request: web.Request) -> web.StreamResponse:
            """A file from the browser into the folder of the tab that asked for it, in this connection's data
            folder; only from the browser session whose app runs that tab."""
            conn = connection_of(request)
            owner = self.apps.get(tab_apps.get(request.match_info.get("tab", ""), ""))
            if owner is None or owner.browser_session != conn.browser_session:
                return refusal(request, 404, serve_files.CLOSED)
            if self.hosting is not None:  # an account's uploads stay (evidence): all its tabs' together are capped
                refused = await asyncio.to_thread(serve_files.account_full, conn.data_root)
                if refused:
                    return refusal(request, 413, refused)
            return await serve_files.handle_upload(request, conn.data_root)

        async def handle_download(self, request: web.Request) -> web.StreamResponse:
            """A download only for the browser session whose app process offered it."""
            conn = connection_of(request)
            try:
                meta = await self.download_manager.get_download_metadata(request.match_info["key"])
            except KeyError:
                raise web.HTTPNotFound(text="没有这个下载（可能已经下载过或已过期）。") from None
            owner = self.apps.get(meta.app_service.app_service_id)
            if owner is None or owner.browser_session != conn.browser_session:
                raise web.HTTPNotFound(text="没有这个下载（可能已经下载过或已过期）。")
            if self.hosting is not None:
                from assistant.hosting.audit import DOWNLOAD

                self.hosting.audit.append(conn.account or "", DOWNLOAD, detail=meta.file_name)
            return await serve_files.download(self, request)  # named as on the desktop, Chinese included

        async def sweep(self, every: float = 5.0) -> None:
            """Tabs idle too long, or whose login expired, close: their apps save and quit, their locks go."""
            from assistant.frontends.serve_accounts import EXPIRED, IDLE_TAB

            assert self.hosting is not None
            while True:
                await asyncio.sleep(every)
                now = time.monotonic()
                for ws, tab in list(self.sockets.items()):
                    idle = now - max(tab.last_input, tab.opened) > self.hosting.idle
                    if idle or self.hosting.expired(tab.conn.browser_session):
                        with contextlib.suppress(Exception):
                            text = IDLE_TAB if idle else EXPIRED
                            await ws.close(code=4002, message=text.encode("utf-8")[:123])

        def app_says(self, app: AppService, what: str, sid: str) -> None:
            """An app's `filing:report` (the report it has open now) or `filing:take` (hosted: take that report
            over from another tab of the same account, as opening it from the home page does)."""
            tab = next((t for t in self.sockets.values() if t.app is app), None)
            if tab is None or (sid and not own_report(tab.conn, sid)):
                return
            if what == "filing:report":
                tab.sid = sid or None
            elif what == "filing:take" and self.hosting is not None and sid:
                task = asyncio.ensure_future(self.take_over(tab.conn, sid, keep=tab))
                self.taking.add(task)  # kept until done (the loop holds tasks weakly)
                task.add_done_callback(self.taking.discard)

        async def take_over(self, conn: Connection, sid: str, keep: Tab | None = None) -> None:
            """The same account opens a report another of its tabs has open: that tab is told and closes (its
            app saves and quits, releasing the report), then this one starts (or, asked from inside an app,
            that app opens it once it is free)."""
            from assistant.frontends.serve_accounts import TAKEN_OVER

            old = [(ws, t) for ws, t in self.sockets.items()
                   if t.sid == sid and t.conn.account == conn.account and t is not keep]
            for ws, _ in old:
                with contextlib.suppress(Exception):
                    await ws.close(code=4003, message=TAKEN_OVER.encode("utf-8")[:123])
            deadline = time.monotonic() + QUIT_GRACE + CHILD_GRACE + 5
            while any(t.app.app_service_id in self.apps for _, t in old) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)

        async def close_tabs(self) -> None:
            """Server stopping: every tab's app is asked to save and quit (bounded by end_app's limits)."""
            await asyncio.gather(*(ws.close(code=1001, message="服务已停止".encode()) for ws in list(self.sockets)),
                                 return_exceptions=True)
            deadline = time.monotonic() + QUIT_GRACE + CHILD_GRACE + 10
            while self.apps and time.monotonic() < deadline:
                await asyncio.sleep(0.1)

        async def run(self, sock: socket.socket, ssl_context: ssl.SSLContext | None, announce: Callable[[], None],
                      stop: asyncio.Event | None = None) -> None:
            """Serve on an already bound socket until SIGINT/SIGTERM (or `stop`), then end the tabs."""
            self.initialize_logging()
            runner = web.AppRunner(self.make_app(), handle_signals=False, access_log_class=PathOnlyAccessLog,
                                   shutdown_timeout=5)
            await runner.setup()
            site = web.SockSite(runner, sock, ssl_context=ssl_context)
            await site.start()
            stop = stop or asyncio.Event()
            loop = asyncio.get_running_loop()

            def on_signal() -> None:
                if stop.is_set():  # a second Ctrl+C: leave now; the apps end themselves when their pipes close
                    os._exit(130)
                stop.set()

            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, on_signal)
            sweeping = None
            if self.hosting is not None:
                from assistant.frontends.serve_accounts import in_core, warm

                sweeping = asyncio.ensure_future(self.sweep())
                self.warming = asyncio.ensure_future(in_core(warm))
            announce()
            try:
                await stop.wait()
                if sweeping is not None:
                    sweeping.cancel()
                if self.apps:
                    self.console.print("正在停止：各标签页的助手正在保存并退出…", highlight=False, markup=False)
                await self.close_tabs()
            finally:
                await runner.cleanup()

    server = FilingServer()
    servers.append(server)
    return server


# -- starting -------------------------------------------------------------------------------------
def hosted(data_root: Path) -> bool:
    """Accounts exist in this data folder (`filing accounts add`): logins instead of the token."""
    from assistant.hosting.accounts import AccountStore

    return AccountStore(data_root).exists()


def address(scheme: str, host: str, port: int, token: str | None) -> str:
    host = f"[{host}]" if ":" in host else host
    default = (scheme, port) in (("http", 80), ("https", 443))
    url = f"{scheme}://{host}/" if default else f"{scheme}://{host}:{port}/"
    return url + ("?token=" + quote(token, safe="") if token else "")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, before anything is printed or opened: a port in use is said, not half-served."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ServeError(f"找不到地址 {host}，请检查 --host。") from None
    family, kind, proto, _, where = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name == "nt":
            sock.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_EXCLUSIVEADDRUSE", socket.SO_REUSEADDR), 1)
        else:  # a recently closed server's TIME_WAIT does not block a restart; a listening one still does
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host in WILDCARDS:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(where)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
            raise ServeError(f"端口 {port} 已被占用（可能已有一个 filing serve 或其他程序在用它）。"
                             "请先关闭它，或用 --port 换一个端口。") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限），请用 --port 换一个端口。") from None
        raise ServeError(f"不能在 {host} 端口 {port} 上提供服务：{exc.strerror or exc}。请检查 --host 和 --port。") from None
    sock.setblocking(False)
    return sock


def tls_context(certfile: str | None, keyfile: str | None) -> ssl.SSLContext | None:
    if certfile is None and keyfile is None:
        return None
    if certfile is None:
        raise ServeError("--keyfile 需要与 --certfile（证书文件）一起使用。")
    for label, path in (("--certfile", certfile), ("--keyfile", keyfile)):
        if path is not None and not Path(path).expanduser().is_file():
            raise ServeError(f"{label} 指定的文件 {path} 不存在。")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(Path(certfile).expanduser()), str(Path(keyfile).expanduser()) if keyfile else None)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ServeError(f"不能读取证书或私钥（{exc}）。请检查 --certfile 和 --keyfile 是否是配对的 PEM 文件，"
                         "私钥不能设密码。") from None
    return context


def _can_open_browser() -> bool:
    """A graphical browser only: on a bare server webbrowser would start a text browser in our terminal."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open(url: str) -> None:
    with contextlib.suppress(webbrowser.Error):
        webbrowser.open(url)


@dataclass
class Prepared:
    """A server ready to run: socket bound, certificate loaded, token chosen (nothing printed yet)."""

    server: Any
    sock: socket.socket
    ssl_context: ssl.SSLContext | None
    token: str | None
    urls: list[str] = field(default_factory=list)


def prepare(config: ServeConfig) -> Prepared:
    """Everything that can fail, before anything is printed or opened."""
    from assistant.paths import home

    accounts = hosted((config.data_root or home()).expanduser().resolve())
    token = None if config.no_token or accounts else (config.token or secrets.token_urlsafe(32))
    ssl_context = tls_context(config.certfile, config.keyfile)
    for item in config.allow_hosts:
        parse_allowed_host(item)
    trusted_proxies(config)
    sock = bind(config.host, config.port)
    port = sock.getsockname()[1]
    config = _replace(config, port=port)
    server = make_server(config, token, ssl_context is not None)
    scheme = "https" if ssl_context else "http"
    local = "127.0.0.1" if config.host in WILDCARDS else config.host
    urls = [address(scheme, local, port, token)]
    for name, declared in server.gate.names.items():
        if name not in LOOPBACK_NAMES and name != local and len(urls) < 6:
            # a name declared https:// is reached through a TLS proxy on its default port
            urls.append(address("https", name, 443, token) if declared == "https" else address(scheme, name, port, token))
    return Prepared(server, sock, ssl_context, token, urls)


def _replace(config: ServeConfig, **changes: Any) -> ServeConfig:
    from dataclasses import replace

    return replace(config, **changes)


def run_serve(config: ServeConfig, warn: Callable[[str], None] = print, warnings: list[str] | None = None) -> int:
    ready = prepare(config)  # a port in use or a bad certificate stops us here, before anything is printed
    for warning in warnings or ():
        warn(warning)
    user_token = config.token is not None

    def announce() -> None:
        say = ready.server.console.print
        first = ready.urls[0]
        shown = first.split("?token=")[0] + "?token=（--token 设置的口令）" if user_token else first
        say(f"集群填报助手已在浏览器中提供服务：{shown}", highlight=False, markup=False, soft_wrap=True)
        if ready.server.hosting is not None:
            n = len(ready.server.hosting.accounts.all())
            say(f"已启用账号登录（{n} 个账号，用 filing accounts 管理）：打开上面的地址，用账号和密码登录。",
                highlight=False, markup=False, soft_wrap=True)
        for other in ready.urls[1:]:
            say(f"其他电脑：{other.split('?token=')[0] if user_token else other}", highlight=False, markup=False,
                soft_wrap=True)
        if config.host in WILDCARDS:
            say("其他电脑只能用上面列出的地址访问；要用别的名称或地址访问，请在启动时加 --allow-host。",
                highlight=False, markup=False, soft_wrap=True)
        say("每个浏览器标签页是一个独立的助手；同一会话同一时间只能在一个标签页中编辑。按 Ctrl+C 停止。",
            highlight=False, markup=False, soft_wrap=True)
        if config.open_browser and _can_open_browser():
            threading.Thread(target=_open, args=(first,), daemon=True).start()

    asyncio.run(ready.server.run(ready.sock, ready.ssl_context, announce))
    return 0


# -- the app process (one per tab) --------------------------------------------------------------
def _rss_bytes() -> int:
    """This process's resident memory (Linux /proc; elsewhere the peak, which serves as well here)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def watch_for_end(grace: float = CHILD_GRACE, memory_limit: int = APP_MEMORY) -> None:
    """End this app process like on SIGTERM (saving, releasing the lock), and hard `grace` seconds later, when
    its stdin closes (the server holds the only writing end: the tab went and we did not quit, or the server
    ended in any way, kill -9 included) or when it grows past `memory_limit` bytes."""
    import select

    def watch() -> None:
        poller = select.poll() if hasattr(select, "poll") else None
        if poller is not None:
            poller.register(sys.stdin.fileno(), 0)  # no events asked: only POLLHUP / POLLERR / POLLNVAL wake us
        while True:
            if poller is not None and poller.poll(1000):
                break
            if poller is None:
                time.sleep(1)
            if _rss_bytes() > memory_limit:
                sys.stderr.write(f"助手进程占用内存超过 {memory_limit // 2**20} MB，已结束（已保存的内容不受影响）。\n")
                break
        os.kill(os.getpid(), signal.SIGTERM)  # the web driver turns SIGTERM into a normal exit
        time.sleep(grace)
        os._exit(1)

    threading.Thread(target=watch, name="filing-watch", daemon=True).start()


def _returned_note(home: Path, session_id: str | None) -> str | None:
    """A report the district returned opens with its reason shown (a district's server only)."""
    if not session_id or not (home / "review" / "reviews.json").is_file():
        return None
    from assistant.hosting.review import RETURNED, Reviews

    with contextlib.suppress(Exception):  # the note is a courtesy: never a reason not to open
        review = Reviews(home).of(session_id)
        if review.state == RETURNED:
            return f"区里退回了这份报告：{review.comment}（修改后回到首页再提交）"
    return None


def _child(argv: list[str]) -> int:
    """One browser tab: the full app; a session that cannot be opened is said on the home screen."""
    parser = argparse.ArgumentParser(prog="assistant.frontends.serve --child")
    parser.add_argument("--home", required=True)
    parser.add_argument("--cache")  # the server's cache of compiled forms, shared by every account's tabs
    parser.add_argument("--forms", action="append", default=[])
    parser.add_argument("--max-memory", type=int, default=APP_MEMORY // 2**20)
    parser.add_argument("--take-over", action="store_true")  # accounts: a report open in another tab is taken over
    parser.add_argument("session", nargs="?")
    args = parser.parse_args(argv)
    watch_for_end(memory_limit=args.max_memory * 2**20)
    os.environ["FILING_HOME"] = args.home
    if args.cache:
        os.environ["FILING_CACHE"] = args.cache
    os.environ.pop(TOKEN_ENV, None)
    if args.forms:
        from assistant.form.catalog import use_forms

        use_forms(args.forms)
    from assistant.frontends.browser_tab import BrowserTab
    from assistant.frontends.tui.app import FilingApp
    from assistant.session.store import SessionStore

    store = SessionStore()
    store.check_root()
    # The tab's own folder in the data folder: its uploads, its exports being built, its working and
    # temporary folder (so nothing relative or temporary lands in the server's folders).
    tab = BrowserTab.new()
    tab.open()
    os.chdir(tab.root)
    os.environ["TMPDIR"] = str(tab.scratch)  # LibreOffice's profile for a PDF too
    tempfile.tempdir = str(tab.scratch)
    app = FilingApp(args.session, store=store, browser=tab, notice=_returned_note(Path(args.home), args.session),
                    take_over=args.take_over)
    try:
        app.run()
    finally:
        handle = getattr(app, "_handle", None)
        if handle is not None:
            handle.close()
        crashed = app.crash_note()
        if crashed:  # the page says it in words (no server path); the server's own output names the log
            tab.mark_crashed()
            sys.stderr.write(crashed + "\n")
        tab.close()
    return 1 if crashed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        raise SystemExit(_child(sys.argv[2:]))
    raise SystemExit("用法：filing serve")

"""`filing serve`: the same Textual app in a web browser (textual-serve), one app process per tab.

Only public APIs: textual-serve's Server (its public handler methods overridden) and aiohttp's
request/response objects. The token is checked on every page, websocket and download request.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import shlex
import sys
import tempfile
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
COOKIE = "filing_token"
TEMPLATES = Path(__file__).parent / "serve_templates"

WARN_EXPOSED = ("注意：正在监听 {host}，能访问这个端口的任何人都可以读取和修改本机保存的每一个会话。"
                "请只在可信的网络中使用，并把带口令的地址只告诉需要填报的人。")
NEED_TOKEN = ("在 127.0.0.1 以外的地址（{host}）上提供服务时，必须用 --token 设置访问口令；"
              "如确实不需要口令，请明确加上 --no-token。")
REFUSED = "访问口令不正确或缺少口令。请使用启动 filing serve 时打印的完整地址（含 ?token=…）。"


class ServeError(Exception):
    """A usage problem stated in Chinese (the cli turns it into exit code 2)."""


@dataclass(frozen=True)
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    session_id: str | None = None
    open_browser: bool = True


def check_config(host: str, token: str | None, no_token: bool) -> list[str]:
    """The warnings to print before serving; refuses an exposed host without a token decision."""
    if token is not None and not token.strip():
        raise ServeError("--token 不能为空。")
    if token is not None and no_token:
        raise ServeError("--token 和 --no-token 不能同时使用。")
    if host in LOCAL_HOSTS:
        return []
    if token is None and not no_token:
        raise ServeError(NEED_TOKEN.format(host=host))
    return [WARN_EXPOSED.format(host=host)]


def child_command(session_id: str | None) -> str:
    """The shell command textual-serve runs for each browser tab (this Python, this package)."""
    parts = [sys.executable, "-m", "assistant.serve", "--child"]
    if session_id:
        parts.append(session_id)
    return " ".join(shlex.quote(p) for p in parts)


def address(config: ServeConfig) -> str:
    host = f"[{config.host}]" if ":" in config.host else config.host
    url = f"http://{host}:{config.port}/"
    if config.token:
        from urllib.parse import quote

        url += "?token=" + quote(config.token, safe="")
    return url


def _can_open_browser() -> bool:
    """A graphical browser only: on a bare server webbrowser would start a text browser in our terminal."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_server(config: ServeConfig) -> Any:
    import aiohttp_jinja2
    from aiohttp import web
    from textual_serve.server import Server

    from . import serve_files

    token = config.token

    def allowed(request: web.Request) -> bool:
        if token is None:
            return True
        given = request.query.get("token") or request.cookies.get(COOKIE) or ""
        return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))

    def refuse() -> web.Response:
        return web.Response(status=403, text=REFUSED, content_type="text/plain", charset="utf-8")

    class FilingServer(Server):
        """textual-serve's Server with the token check, our page template and Chinese messages."""

        @aiohttp_jinja2.template("app_index.html")
        async def _index_page(self, request: web.Request) -> dict[str, Any]:
            # URLs from the Host the browser used: 0.0.0.0 or a name both work, and the cookie's host matches.
            scheme = "wss" if request.secure else "ws"
            return {
                "font_size": _font_size(request.query.get("fontsize", "16")),
                "app_websocket_url": f"{scheme}://{request.host}/ws",
                "config": {"static": {"url": "/static/"}},
                "application": {"name": self.title},
                "ping_url": "",
            }

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            if not allowed(request):
                return refuse()
            response = await self._index_page(request)
            if token is not None:  # the websocket URL cannot carry a query of ours: the cookie carries the token
                response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
            response.headers["Cache-Control"] = "no-store"
            return response

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            if not allowed(request) or not _same_origin(request):
                raise web.HTTPForbidden(text=REFUSED)
            return await super().handle_websocket(request)

        async def handle_download(self, request: web.Request) -> web.StreamResponse:
            if not allowed(request):
                return refuse()
            return await serve_files.download(self, request)

        async def on_startup(self, app: web.Application) -> None:
            serve_files.register(app, lambda request: allowed(request) and _same_origin(request))
            wildcard = config.host in ("0.0.0.0", "::")
            url = address(ServeConfig("127.0.0.1", config.port, config.token) if wildcard else config)
            self.console.print(f"集群填报助手已在浏览器中提供服务：{url}", highlight=False, markup=False, soft_wrap=True)
            if wildcard:  # 0.0.0.0 is where we listen, not an address a browser can open
                self.console.print("其他电脑请把地址中的 127.0.0.1 换成本机的 IP 地址。", highlight=False, markup=False)
            self.console.print("每个浏览器标签页是一个独立的助手；同一会话同一时间只能在一个标签页中编辑。按 Ctrl+C 停止。",
                               highlight=False, markup=False)
            if config.open_browser and _can_open_browser():
                threading.Thread(target=_open, args=(url,), daemon=True).start()

    return FilingServer(child_command(config.session_id), host=config.host, port=config.port,
                        title="集群填报助手", templates_path=TEMPLATES)


def _font_size(text: str) -> int:
    try:
        return min(max(int(text), 8), 48)
    except ValueError:
        return 16


def _same_origin(request: Any) -> bool:
    """A page on another site must not drive the assistant through the visitor's browser."""
    origin = request.headers.get("Origin")
    if origin is None:  # not a browser (scripts, tests): the token alone decides
        return True
    from urllib.parse import urlsplit

    return urlsplit(origin).netloc == request.host


def _open(url: str) -> None:
    with contextlib.suppress(webbrowser.Error):
        webbrowser.open(url)


def run_serve(config: ServeConfig) -> int:
    server = make_server(config)
    server.serve()
    return 0


def _child(argv: list[str]) -> int:
    """One browser tab: the full app; a session that cannot be opened is said on the home screen.
    Its files (uploads, exports being built) live in its own folder in the data folder, its working folder."""
    from .browser_tab import BrowserTab
    from .store import SessionStore
    from .tui.app import FilingApp

    store = SessionStore()
    store.check_root()
    conn = BrowserTab.new()
    conn.open()
    os.chdir(conn.root)  # anything relative stays in the tab's folder, never the server's working folder
    os.environ["TMPDIR"] = str(conn.scratch)  # temporary files too (LibreOffice's profile for a PDF)
    tempfile.tempdir = str(conn.scratch)
    app = FilingApp(argv[0] if argv else None, store=store, browser=conn)
    try:
        app.run()
    finally:
        handle = getattr(app, "_handle", None)
        if handle is not None:
            handle.close()
        conn.close()
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        raise SystemExit(_child(sys.argv[2:]))
    raise SystemExit("用法：filing serve")

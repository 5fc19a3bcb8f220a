"""What every route of `filing serve` shares: the checked Connection of a request, and the short Chinese
pages and refusals. (serve.py runs the server; serve_accounts.py adds the pages of the hosted mode.)"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web


@dataclass(frozen=True)
class Connection:
    """One browser's standing after the checks: every browser action goes through it.

    `data_root` is the only folder the browser's app process and uploads may use (today the server's data
    folder; with accounts, the account's folder). `browser_session` is the server-side cookie value (None
    without a token); `account` is filled once accounts exist.
    """

    data_root: Path
    secure: bool
    browser_session: str | None = None
    account: str | None = None

    @property
    def uploads_dir(self) -> Path:
        return self.data_root / "uploads"


@functools.cache
def connection_key() -> Any:
    """The request key of the Connection that passed the gate (aiohttp is imported only when serving)."""
    from aiohttp import web

    make = getattr(web, "RequestKey", None)  # aiohttp ≥ 3.12
    return make("filing.connection", Connection) if make else "filing.connection"


def connection_of(request: web.BaseRequest) -> Connection:
    """The checked Connection of a request (set by the guard before any handler runs)."""
    conn = request[connection_key()]
    assert isinstance(conn, Connection)
    return conn


SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
}


def refusal(request: web.BaseRequest, status: int, message: str) -> web.Response:
    """A refusal as the asker reads it: a page for a browser's navigation, JSON {"error": …} for a script's
    request (an upload's fetch shows the message)."""
    from aiohttp import web

    if request.method in ("GET", "HEAD"):
        return page(status, message)
    return web.json_response({"error": message}, status=status, headers={"Cache-Control": "no-store"})


def page(status: int, message: str) -> web.Response:
    """A short Chinese page (refusals, limits): the message is escaped, nothing is loaded from elsewhere."""
    from aiohttp import web

    body = ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>集群填报助手</title></head>"
            "<body style=\"font-family: sans-serif; margin: 3em; line-height: 1.6\"><h2>集群填报助手</h2>"
            f"<p>{html.escape(message)}</p></body></html>")
    return web.Response(status=status, text=body, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


def own_report(conn: Connection, sid: str) -> bool:
    """A report id from the browser names a session file in this connection's own folder (or nothing)."""
    from assistant.session.store import SessionError, SessionStore

    try:
        return SessionStore(conn.data_root / "sessions").path(sid).is_file()
    except SessionError:
        return False

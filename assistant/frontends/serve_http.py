"""What every route of `filing serve` shares: the checked Connection of a request, and the short Chinese
pages and refusals. (serve.py runs the server; serve_accounts.py adds the pages of the hosted mode.)"""

from __future__ import annotations

import functools
import html
import ipaddress
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


# -- who is asking: the peer, or the client a trusted reverse proxy names -------------------------
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1 on a dual stack
        return ip.ipv4_mapped
    return ip


def parse_proxies(items: tuple[str, ...] | list[str]) -> tuple[Network, ...]:
    """`--trusted-proxy` values (an address or a CIDR block each) → networks; ValueError says which, in Chinese."""
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ValueError(f"--trusted-proxy {item!r} 不是 IP 地址或网段。请写反向代理的地址，"
                             "如 127.0.0.1、::1 或 10.0.0.0/8（不写主机名和端口）。") from None
    return tuple(networks)


@dataclass(frozen=True)
class Proxies:
    """The reverse proxies whose X-Forwarded-For / X-Real-IP / X-Forwarded-Proto are believed. Headers from any
    other peer are ignored: a client cannot choose the address it is counted and logged under."""

    networks: tuple[Network, ...] = ()

    def trusts(self, address: str | None) -> bool:
        ip = _ip(address or "")
        return ip is not None and any(ip in net for net in self.networks)

    def client(self, peer: str | None, forwarded: list[str], real_ip: str | None) -> str:
        """The client's address: the peer's own, unless the peer is a trusted proxy; then the right-most
        address of X-Forwarded-For that is not a trusted proxy (the left part is the client's to write), or
        X-Real-IP when there is no X-Forwarded-For."""
        address = peer or "?"
        if not self.trusts(peer):
            return address
        hops = [hop.strip() for value in forwarded for hop in value.split(",")]
        if not hops and real_ip:
            hops = [real_ip.strip()]
        for hop in reversed(hops):
            ip = _ip(hop)
            if ip is None:  # garbage where an address belongs: stop at the last hop we could believe
                return address
            address = str(ip)
            if not self.trusts(address):
                return address
        return address

    def client_of(self, request: web.BaseRequest) -> str:
        return self.client(request.remote, request.headers.getall("X-Forwarded-For", []),
                           request.headers.get("X-Real-IP"))

    def scheme_of(self, request: web.BaseRequest) -> str | None:
        """http or https as a trusted proxy's browser used it (X-Forwarded-Proto), else None."""
        if not self.trusts(request.remote):
            return None
        values = request.headers.getall("X-Forwarded-Proto", [])
        last = values[-1].split(",")[-1].strip().lower() if values else ""
        return last if last in ("http", "https") else None


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

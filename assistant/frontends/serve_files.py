"""Files through the browser for `filing serve`: the upload route, and downloads named as on the desktop.

The server's routes call these after its gate (Host, Origin, token or session cookie). An upload goes to the
folder of the tab whose app is running (assistant.frontends.browser_tab), by the id only that tab's page knows (its app
told the page), in the connection's data folder; nothing is written anywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from assistant.files.safeio import size_text
from assistant.frontends.browser_tab import MAX_FILE_BYTES, BrowserTab, UploadRefused

if TYPE_CHECKING:
    from aiohttp import web

CHUNK = 64 * 1024
ACCOUNT_UPLOADS = 1024 * 2**20  # all uploads kept for one account (a district's server), every tab together
CLOSED = "这个页面的助手已经关闭或重新打开过，请刷新页面后再上传。"


def _answer(data: dict[str, Any], status: int = 200) -> web.Response:
    from aiohttp import web

    return web.json_response(data, status=status, headers={"Cache-Control": "no-store"})


async def handle_upload(request: web.Request, data: Path) -> web.StreamResponse:
    """One file in the request body (its name in ?name=), kept in the tab's folder named by its SHA-256."""
    conn = BrowserTab.live(request.match_info.get("tab", ""), data)
    if conn is None:
        return _answer({"error": CLOSED}, 404)
    name = request.query.get("name", "")
    declared = request.content_length
    if declared is not None and declared > MAX_FILE_BYTES:  # said before a byte is read
        return _answer({"error": f"文件超过 {size_text(MAX_FILE_BYTES)} 的上传上限，没有保存。"}, 413)
    try:
        incoming = conn.receive(name)
    except UploadRefused as exc:
        return _answer({"error": str(exc)}, exc.status)
    except OSError as exc:
        from assistant.text.fileerrors import reason

        return _answer({"error": f"无法保存上传的文件（{reason(exc)}）。"}, 500)
    try:
        async for chunk in request.content.iter_chunked(CHUNK):
            incoming.write(chunk)
        kept = await asyncio.to_thread(incoming.finish)  # fsync: off the event loop
    except UploadRefused as exc:
        return _answer({"error": str(exc)}, exc.status)
    except OSError as exc:
        incoming.abort()
        from assistant.text.fileerrors import reason

        return _answer({"error": f"无法保存“{incoming.name}”（{reason(exc)}）。"}, 500)
    except BaseException:  # the browser went away mid-upload: nothing half-written is kept
        incoming.abort()
        raise
    return _answer({"name": kept.name, "size": kept.size, "sha256": kept.sha256})


def account_full(folder: Path, cap: int = ACCOUNT_UPLOADS) -> str | None:
    """Why an account may upload nothing more (Chinese), or None: its tabs' uploads together reach `cap`."""
    import os

    total = 0
    for tab in (folder / "browser").glob("*/uploads"):
        for root, _, files in os.walk(tab):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(root, name)).st_size
    if total < cap:
        return None
    return (f"您的账号上传的文件合计已达 {size_text(cap)} 的上限，不能再上传。"
            "请联系区里的管理员清理不再需要的上传文件。")


def content_disposition(name: str) -> str:
    """attachment with the name in UTF-8 (RFC 6266/5987) and a plain ASCII fallback."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def download(server: Any, request: web.Request) -> web.StreamResponse:
    """textual-serve's download, with the file's own name (Chinese included) and never shown in the page."""
    from aiohttp import web

    key = request.match_info["key"]
    try:
        meta = await server.download_manager.get_download_metadata(key)
    except KeyError:
        raise web.HTTPNotFound(text="这个下载已经失效，请在助手中重新导出。") from None
    response = web.StreamResponse()
    response.content_type = meta.mime_type or "application/octet-stream"
    if meta.encoding:
        response.charset = meta.encoding
    response.headers["Content-Disposition"] = content_disposition(meta.file_name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    await response.prepare(request)
    async for chunk in server.download_manager.download(key):
        await response.write(chunk)
    await response.write_eof()
    return response

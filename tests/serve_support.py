"""Run `filing serve`'s server in this process on a free port (real sockets, real app processes) for tests."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp

from assistant.frontends.serve import Prepared, ServeConfig, prepare

TOKEN = "Vd3kq0Zr8PmY2xWc7LtN5bHg"  # 24 random-looking characters: well over 128 bits by the estimate


@contextlib.asynccontextmanager
async def serving(**options) -> AsyncIterator[Prepared]:
    """The server running on 127.0.0.1 and a free port until the block ends (then stopped as by Ctrl+C)."""
    config = ServeConfig(**{"port": 0, "open_browser": False, "token": TOKEN, **options})
    ready = prepare(config)
    started, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(ready.server.run(ready.sock, ready.ssl_context, started.set, stop))
    await asyncio.wait_for(started.wait(), 10)
    try:
        yield ready
    finally:
        stop.set()
        await asyncio.wait_for(task, 60)
        # The loop lives on until the app processes are gone, so asyncio sees them exit (no stray transports).
        if Path("/proc").is_dir():
            await wait_for(lambda: not app_pids(str(ready.server.data_root)), 30, "app processes gone")
        await asyncio.sleep(0.3)


def port_of(ready: Prepared) -> int:
    return ready.sock.getsockname()[1]


def client() -> aiohttp.ClientSession:
    # unsafe=True: keep cookies of an IP-address host (127.0.0.1), as a browser does
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def enter(session: aiohttp.ClientSession, base: str, token: str = TOKEN, ssl: bool | None = None) -> None:
    """Open the page with the token, as the printed address does: the cookie replaces it."""
    async with session.get(f"{base}/?token={token}", ssl=ssl) as resp:
        assert resp.status == 200, resp.status


def app_pids(marker: str) -> list[int]:
    """The app processes whose command line names `marker` (each test's own data folder)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            status = (entry / "status").read_text()
        except OSError:
            continue
        if b"--child" in cmdline and marker.encode() in b" ".join(cmdline) and "State:\tZ" not in status:
            pids.append(int(entry.name))
    return pids


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


def self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def lock_is_free(lock_path: Path) -> bool:
    from assistant.session.store import SessionLock

    lock = SessionLock(str(lock_path))
    if lock.acquire():
        lock.release()
        return True
    return False


def proc_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # the process may be reaped between the two looks: then it is gone
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except (ProcessLookupError, FileNotFoundError):
        return False


async def first_output(ws: aiohttp.ClientWebSocketResponse, timeout: float = 60) -> None:
    """Until the app has drawn its first screen (a good deal of terminal output)."""
    seen = 0
    deadline = time.monotonic() + timeout
    while seen < 2000:
        msg = await ws.receive(timeout=max(deadline - time.monotonic(), 0.1))
        if msg.type == aiohttp.WSMsgType.BINARY:
            seen += len(msg.data)
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            raise AssertionError("the app closed before drawing")

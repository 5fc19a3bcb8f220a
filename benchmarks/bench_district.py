"""A district's `filing serve` under load, printed (not asserted): python benchmarks/bench_district.py [--sessions 30]

N cluster accounts (their passwords already changed) each log in over HTTP and open a report of their own on
the websocket, as textual.js does, arriving over `--spread` seconds; then every one types two answers at human
pace (a key every 150–300 ms, jittered) while the others do the same. Measured:

1. login → first question: POST /login until the app's output holds the first question's text.
   (and, of it, login → the home page: the rest is the app process starting on the report)
2. keypress → echo: a key sent until the app's output holds that character (not just any output: a cursor
   blink is not an echo); p50 / p95 / max over every key of every session. Target p95 ≤ 100 ms.
3. errors (a refused login, a closed socket, an echo not seen within 5 s) and lost answers (typed and sent
   with Enter but not in the session file afterwards).
4. memory: the server's RSS and its app processes' RSS at N sessions.

Needs nothing but the package (no browser): aiohttp is what `filing serve` runs on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from common import process_env

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTION = "请问贵集群的全称是什么"
PASSWORD = "benchmark 密码 {n:02d} 春天"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"--child" in cmd and marker.encode() in cmd:
                pids.append(int(entry.name))
    return pids


def setup(home: Path, n: int) -> list[tuple[str, str]]:
    """N cluster accounts with a new report each; (name, report id)."""
    os.environ["FILING_HOME"] = str(home)
    from assistant.hosting.accounts import CLUSTER, DISTRICT, AccountStore
    from assistant.session.store import SessionStore

    accounts = AccountStore(home)
    accounts.add("测试区", DISTRICT)
    out = []
    for i in range(n):
        name = f"测试集群{i:02d}"
        account, _ = accounts.add(name, CLUSTER, "测试区")
        accounts.change_password(name, PASSWORD.format(n=i))
        session = SessionStore(accounts.folder(account) / "sessions").create("annual_report", name, 2023)
        out.append((name, session.id))
    return out


class Result:
    def __init__(self) -> None:
        self.echoes: list[float] = []
        self.first_question: list[float] = []
        self.login: list[float] = []  # POST /login until the home page has arrived
        self.errors: list[str] = []
        self.typed: dict[str, list[str]] = {}


async def _until_text(ws: aiohttp.ClientWebSocketResponse, text: str, timeout: float, seen: list[str]) -> bool:
    """Read output until `text` appears in what arrived since the call (decoded); False on timeout or close."""
    deadline = time.monotonic() + timeout
    got = ""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            msg = await ws.receive(timeout=left)
        except asyncio.TimeoutError:
            return False
        if msg.type == aiohttp.WSMsgType.BINARY:
            got += msg.data.decode("utf-8", "replace")
            if text in got:
                seen.append(got)
                return True
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return False


async def _drain(ws: aiohttp.ClientWebSocketResponse, quiet: float = 0.05) -> None:
    while True:
        try:
            msg = await ws.receive(timeout=quiet)
        except asyncio.TimeoutError:
            return
        if msg.type != aiohttp.WSMsgType.BINARY:
            return


async def one(base: str, i: int, name: str, sid: str, delay: float, typing: asyncio.Event, result: Result) -> None:
    try:
        await _one(base, i, name, sid, delay, typing, result)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        result.errors.append(f"{name}: 连接出错（{type(exc).__name__}）")


async def _one(base: str, i: int, name: str, sid: str, delay: float, typing: asyncio.Event, result: Result) -> None:
    await asyncio.sleep(delay)
    rnd = random.Random(i)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        start = time.monotonic()
        async with http.post(base + "/login", data={"name": name, "password": PASSWORD.format(n=i)},
                             headers={"Origin": base}) as resp:
            if resp.status != 200 or resp.url.path != "/":
                result.errors.append(f"{name}: 登录失败 {resp.status}")
                return
            await resp.read()
        result.login.append(time.monotonic() - start)
        ws = await http.ws_connect(f"{base.replace('http', 'ws')}/ws/{sid}?width=110&height=32", max_msg_size=0)
        seen: list[str] = []
        if not await _until_text(ws, QUESTION, 60, seen):
            result.errors.append(f"{name}: 没有看到第一题")
            return
        result.first_question.append(time.monotonic() - start)
        while not typing.is_set():  # every session opens first, then all type at once; meanwhile read, as a
            await _drain(ws, 0.5)   # browser does (the server's heartbeat pings want their pongs)
        answers = [f"第{i:02d}号测试集群", f"第{i:02d}号运营公司"]
        result.typed[sid] = answers
        for answer in answers:
            await _drain(ws)
            for ch in answer:
                await asyncio.sleep(rnd.uniform(0.15, 0.3))
                sent = time.monotonic()
                await ws.send_str(json.dumps(["stdin", ch]))
                if await _until_text(ws, ch, 5, seen):
                    result.echoes.append(time.monotonic() - sent)
                else:
                    result.errors.append(f"{name}: “{ch}”的回显 5 秒内没有出现")
            await asyncio.sleep(rnd.uniform(0.3, 0.6))
            await ws.send_str(json.dumps(["stdin", "\r"]))
            await asyncio.sleep(1.0)
        await ws.close()


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def main_async(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-district-"))
    reports = setup(home, args.sessions)
    port = _free_port()
    log = (home / "server.log").open("wb")  # the server's own log, to read after a run
    server = subprocess.Popen([sys.executable, "-m", "assistant.frontends.cli", "serve", "--port", str(port),
                               "--no-browser", "--max-tabs", str(args.sessions + 5)],
                              env={**process_env(home), "PYTHONPATH": str(ROOT)}, cwd=home,
                              stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                await asyncio.sleep(0.1)
        result = Result()
        typing = asyncio.Event()
        tasks = [asyncio.create_task(one(base, i, name, sid, i * args.spread / max(1, args.sessions), typing, result))
                 for i, (name, sid) in enumerate(reports)]
        while len(result.first_question) + len(result.errors) < args.sessions and not all(t.done() for t in tasks):
            await asyncio.sleep(0.2)
        apps = _children(str(home))
        server_mb = _rss_mb(server.pid)
        apps_mb = [_rss_mb(p) for p in apps]
        typing.set()
        await asyncio.gather(*tasks, return_exceptions=False)
        await asyncio.sleep(3)  # the last saves
        from assistant.hosting.accounts import AccountStore
        from assistant.session.store import SessionStore

        accounts = AccountStore(home)
        lost = 0
        for name, sid in reports:
            answers = json.dumps(SessionStore(accounts.folder(accounts.get(name)) / "sessions").load(sid).answers,
                                 ensure_ascii=False)
            lost += sum(1 for a in result.typed.get(sid, []) if a not in answers)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    n = args.sessions
    print(f"{n} 个集群账号同时在线（{args.spread:.0f} 秒内陆续登录），每个输入两个答案（每键 150–300 毫秒）")
    fq = result.first_question
    print(f"登录 → 第一题：中位数 {statistics.median(fq):.2f} 秒，p95 {pct(fq, 95):.2f} 秒，"
          f"最长 {max(fq):.2f} 秒（{len(fq)} 个）" if fq else "登录 → 第一题：没有测到")
    lg = result.login
    if lg:
        print(f"  其中 登录 → 首页：中位数 {statistics.median(lg):.2f} 秒，p95 {pct(lg, 95):.2f} 秒；其余是打开报告、"
              "启动助手进程到显示第一题")
    ec = [e * 1000 for e in result.echoes]
    print(f"按键 → 回显：中位数 {statistics.median(ec):.0f} 毫秒，p95 {pct(ec, 95):.0f} 毫秒，"
          f"最长 {max(ec):.0f} 毫秒（{len(ec)} 次）" if ec else "按键 → 回显：没有测到")
    print(f"错误 {len(result.errors)} 个；丢失的答案 {lost} 个（共 {sum(len(v) for v in result.typed.values())} 个）")
    for e in result.errors[:10]:
        print("  ", e)
    total = server_mb + sum(apps_mb)
    per = statistics.mean(apps_mb) if apps_mb else 0
    print(f"内存（{len(apps_mb)} 个助手进程）：服务 {server_mb:.0f} MB，助手进程平均 {per:.0f} MB、最大 "
          f"{max(apps_mb, default=0):.0f} MB，合计 {total:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--spread", type=float, default=30.0, help="seconds over which the sessions log in")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

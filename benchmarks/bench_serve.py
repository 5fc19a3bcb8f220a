"""`filing serve` in Chromium, printed (not asserted): python benchmarks/bench_serve.py [--tabs 5] [--runs 5]

1. Page load → home screen: a fresh tab (the session cookie already set) until the terminal has drawn the
   home screen's session list (its heading in the output stream). Target ≤ 1.5 s on loopback.
2. Page load → first question: the same with `filing serve 会话编号` (the conversation is the first screen).
3. Key → echo: a key typed into the first question's input line until the next output from the app,
   median and p95 over 40 keys typed at 10 per second. Target median ≤ 50 ms.
4. Memory: N tabs open at the home screen; each app process's RSS and the server's.

Needs Chromium at /usr/bin/chromium (or FILING_TEST_CHROMIUM) and the playwright package.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import process_env

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("FILING_TEST_CHROMIUM") or "/usr/bin/chromium"
TOKEN = "bench-" + os.urandom(24).hex()
HOME_MARK = "已保存的会话"
QUESTION_MARK = "请问贵集群的全称是什么"

# Listens on textual.js's socket: decoded output text and the time of each stdin message's first reply.
PROBE = """
(() => {
  const Native = window.WebSocket;
  window.__text = ""; window.__echo = []; let sentAt = null;
  const decoder = new TextDecoder();
  function Probe(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    const send = ws.send.bind(ws);
    ws.send = (data) => {
      if (typeof data === "string" && data.startsWith('["stdin"')) sentAt = performance.now();
      return send(data);
    };
    ws.addEventListener("open", () => { window.__open = performance.now(); });
    ws.addEventListener("message", (event) => {
      if (typeof event.data === "string") return;
      if (window.__first === undefined) window.__first = performance.now();
      if (sentAt !== null) { window.__echo.push(performance.now() - sentAt); sentAt = null; }
      if (window.__text.length < 2000000) window.__text += decoder.decode(event.data, {stream: true});
    });
    return ws;
  }
  Probe.prototype = Native.prototype;
  for (const k of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Probe[k] = Native[k];
  window.WebSocket = Probe;
})();
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: Path, port: int, *args: str) -> subprocess.Popen:
    env = {**process_env(home), "FILING_SERVE_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "assistant.frontends.cli", "serve", "--port", str(port), "--no-browser",
                             "--max-tabs", "50", *args], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("filing serve did not start")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def app_pids(home: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"--child" in cmd and str(home).encode() in cmd:
                found.append(int(entry.name))
    return found


async def load_time(context, base: str, mark: str) -> tuple[float, float, float]:
    """Seconds from navigation start to: the websocket open, the app's first output, the screen drawn."""
    page = await context.new_page()
    await page.goto(base + "/")
    await page.wait_for_function(f"window.__text.includes({mark!r})", polling=10, timeout=60_000)
    opened, first, drawn = await page.evaluate("[window.__open, window.__first, performance.now()]")
    await page.close()
    return opened / 1000, first / 1000, drawn / 1000


async def measure(base: str, mark: str, runs: int) -> list[tuple[float, float, float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        await context.add_init_script(PROBE)
        page = await context.new_page()
        await page.goto(f"{base}/?token={TOKEN}")  # sets the cookie; also the warm-up
        await page.wait_for_function(f"window.__text.includes({mark!r})", polling=10, timeout=60_000)
        await page.close()
        await asyncio.sleep(1)
        times = []
        for _ in range(runs):
            times.append(await load_time(context, base, mark))
            await asyncio.sleep(1.5)  # the closed tab's app process ends
        await browser.close()
    return times


async def echo(base: str) -> list[float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        await context.add_init_script(PROBE)
        page = await context.new_page()
        await page.goto(f"{base}/?token={TOKEN}")
        await page.wait_for_function(f"window.__text.includes({QUESTION_MARK!r})", polling=10, timeout=60_000)
        await asyncio.sleep(2)
        await page.locator("#terminal textarea").focus()
        await page.evaluate("window.__echo = []")
        for ch in "abcdefghij" * 4:
            await page.keyboard.type(ch)
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        values = await page.evaluate("window.__echo")
        await browser.close()
    return list(values)


async def memory(base: str, home: Path, server: subprocess.Popen, tabs: int) -> tuple[list[float], float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        await context.add_init_script(PROBE)
        pages = []
        for i in range(tabs):
            page = await context.new_page()
            await page.goto(f"{base}/?token={TOKEN}" if i == 0 else base + "/")
            pages.append(page)
        for page in pages:
            await page.wait_for_function(f"window.__text.includes({HOME_MARK!r})", polling=50, timeout=120_000)
        await asyncio.sleep(3)
        apps = [rss_mb(pid) for pid in app_pids(home)]
        server_mb = rss_mb(server.pid)
        await browser.close()
    return apps, server_mb


def load() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tabs", type=int, default=5)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"没有找到 Chromium（{CHROMIUM}）")
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ["FILING_HOME"] = str(home)
        from assistant.session.store import SessionStore

        sid = SessionStore().create("annual_report", "基准", 2023).id
        for label, extra, mark in (("page load → home screen", (), HOME_MARK),
                                   ("page load → first question", (sid,), QUESTION_MARK)):
            port = free_port()
            server = start_server(home, port, *extra)
            try:
                times = asyncio.run(measure(f"http://127.0.0.1:{port}", mark, args.runs))
                if extra:
                    keys = asyncio.run(echo(f"http://127.0.0.1:{port}"))
            finally:
                stop_server(server)
            drawn = [t[2] for t in times]
            print(f"{label}: median {statistics.median(drawn):.2f} s, min {min(drawn):.2f}, max {max(drawn):.2f} "
                  f"({len(times)} runs; websocket open at {statistics.median(t[0] for t in times):.2f} s, "
                  f"first output at {statistics.median(t[1] for t in times):.2f} s)")
        keys.sort()
        print(f"key → echo: median {statistics.median(keys):.1f} ms, p95 {keys[int(len(keys) * 0.95) - 1]:.1f} ms "
              f"({len(keys)} keys)")
        port = free_port()
        server = start_server(home, port)
        try:
            apps, server_mb = asyncio.run(memory(f"http://127.0.0.1:{port}", home, server, args.tabs))
        finally:
            stop_server(server)
        print(f"load average during the run: {load()} ({os.cpu_count()} CPUs)")
        print(f"memory: {len(apps)} tabs, app processes {min(apps):.0f}–{max(apps):.0f} MB RSS each "
              f"(mean {statistics.mean(apps):.0f}), server {server_mb:.0f} MB")


if __name__ == "__main__":
    main()

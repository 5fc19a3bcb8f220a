"""One driver per front end: each step of journey.py done as a person does it there.

- CliDriver: the `filing` commands, in-process (`assistant.frontends.cli.main`) or as real subprocesses.
- AskDriver: `filing ask` in a real pseudo-terminal, typing at each prompt once it is shown.
- TuiDriver: the Textual app under its Pilot (tui_support.py), keys and dialogs as a person uses them.

What a front end does not offer is done the way its user would do it: `filing ask` users export and
package with the CLI, the TUI has no `filing workbook`; the CLI has no 起草 (its driver writes the text
that 起草 offers with `filing answers`, as an operator copying a draft would).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cli_support import TRACEBACK_MARKERS, run_filing
from journey import Model
from journey_keys import short_label

from assistant.interview.engine import Engine

ENTER, ESC_ENTER, CTRL_C, CTRL_U, DOWN = "\r", "\x1b\r", "\x03", "\x15", "\x1b[B"


class Driver:
    """The steps' verbs. Every method raises AssertionError when the front end does not do the step."""

    front = "?"

    def __init__(self, model: Model):
        self.m = model

    @property
    def sid(self) -> str:
        assert self.m.sid, "no session yet"
        return self.m.sid

    async def new(self, form: str, title: str) -> str: ...
    async def answer(self, plan: list[tuple[str, Any, bool]]) -> None: ...
    async def workbook(self, path: Path, prefill: Path | None) -> None: ...
    async def enterprises(self, path: Path, choice: str) -> str: ...
    async def revisit(self, qid: str, typed: str) -> None: ...
    async def draft(self, qid: str) -> None: ...
    async def check(self) -> tuple[list[str], int]: ...
    async def export(self, fmt: str, path: Path, *, draft: bool) -> Path: ...
    async def export_json(self, path: Path) -> dict[str, Any]: ...
    async def package(self, folder: Path, *, draft: bool) -> Path: ...
    async def new_from(self, last: str) -> str: ...
    async def import_report(self, path: Path) -> str: ...

    async def close(self) -> None:
        """Leave the front end (always called, also after a failure)."""


SAMPLE_YEAR = "2023"  # the sample answers are a 2023 report; a new report defaults to the year due next


def _clean(rc: int, out: str, err: str, args: tuple[str, ...], ok: tuple[int, ...] = (0,)) -> None:
    for marker in TRACEBACK_MARKERS:
        assert marker not in out and marker not in err, f"filing {' '.join(args[:2])}: {err[-1500:] or out[-1500:]}"
    assert rc in ok, f"filing {' '.join(args)} → {rc}\n{out[-1500:]}\n{err[-1500:]}"


# -- the CLI --------------------------------------------------------------------------------------
class CliDriver(Driver):
    front = "cli"

    def __init__(self, model: Model, *, process: bool = False):
        super().__init__(model)
        self.process = process
        self.files = 0

    def filing(self, *args: str, ok: tuple[int, ...] = (0,)) -> tuple[str, str]:
        """Run `filing ARGS`; a traceback, a generic error or another exit code fails the step."""
        if self.process:
            proc = run_filing(*args, timeout=300, mem_mb=8192)
            rc, out, err = proc.returncode, proc.stdout, proc.stderr
        else:
            from assistant.frontends.cli import main

            o, e = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
                rc = main(list(args))
            out, err = o.getvalue(), e.getvalue()
        _clean(rc, out, err, args, ok)
        return out, err

    async def new(self, form: str, title: str) -> str:
        return self.filing("new", "--form", form, "--title", title, "--year", SAMPLE_YEAR)[0].strip()

    async def answer(self, plan: list[tuple[str, Any, bool]]) -> None:
        values = {qid: raw for qid, raw, _carried in plan}  # carried: last year's value given again
        self.files += 1
        path = self.m.path(f"答案/{self.files}.json")
        path.write_text(json.dumps(values, ensure_ascii=False, default=str), encoding="utf-8")
        self.filing("answers", self.sid, "--from-file", str(path))

    async def workbook(self, path: Path, prefill: Path | None) -> None:
        self.filing("workbook", self.sid, "-o", str(path), *(["--prefill", str(prefill)] if prefill else []))

    async def enterprises(self, path: Path, choice: str) -> str:
        if choice == "全部":  # a script's way: --yes
            out, err = self.filing("enterprises", self.sid, str(path), "--yes")
            return out + err
        t = Pty("enterprises", self.sid, str(path))  # choosing item by item needs a terminal: the CLI asks there
        try:
            t.expect(r"(?<=\n)> ")
            t.send(choice + ENTER)
            t.proc.wait(timeout=120)
        finally:
            said = t.close()
        assert t.proc.returncode == 0, said[-2000:]
        return said

    async def revisit(self, qid: str, typed: str) -> None:
        self.filing("answers", self.sid, "--set", f"{qid}={typed}")

    async def draft(self, qid: str) -> None:
        out, _ = self.filing("draft", self.sid, "--part", qid, "--json")  # prints, changes nothing
        text = json.loads(out)[0]["text"]
        assert text, "nothing to draft"
        self.filing("answers", self.sid, "--set", f"{qid}={text}")

    async def check(self) -> tuple[list[str], int]:
        out, _ = self.filing("check", self.sid, "--json", ok=(0, 1))
        found = json.loads(out)
        return [f["message"] for f in found], sum(1 for f in found if f["severity"] == "blocking")

    async def export(self, fmt: str, path: Path, *, draft: bool) -> Path:
        out, _ = self.filing("export", self.sid, "--format", fmt, "-o", str(path), "--force", *(["--draft"] if draft else []))
        return Path(out.strip().splitlines()[-1])

    async def export_json(self, path: Path) -> dict[str, Any]:
        written = await CliDriver.export(self, "json", path, draft=True)
        return json.loads(written.read_text(encoding="utf-8"))

    async def package(self, folder: Path, *, draft: bool) -> Path:
        self.filing("package", self.sid, "-o", str(folder), *(["--draft"] if draft else []))
        return folder

    async def new_from(self, last: str) -> str:
        return self.filing("new", "--from", last)[0].strip()

    async def import_report(self, path: Path) -> str:
        return self.filing("import-report", str(path))[0].strip()


# -- filing ask in a pseudo-terminal ----------------------------------------------------------------
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>78]|\x1b\][^\x07]*\x07|\r")


class Pty:
    """A `filing` process in a pseudo-terminal (100×30): what it shows, with terminal codes removed."""

    def __init__(self, *args: str):
        import fcntl
        import pty
        import struct
        import termios

        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant.frontends.cli", *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.master = master
        self.raw = b""
        self._text = (0, "")
        self.seen = 0  # how much of the text has been matched
        self.waiting: str | None = None  # the prompt shown and not yet typed at
        self.typed = False  # keys sent since the last prompt was shown

    @property
    def text(self) -> str:
        if self._text[0] != len(self.raw):  # decoded again only when more arrived
            self._text = (len(self.raw), _ANSI.sub("", self.raw.decode("utf-8", "replace")))
        return self._text[1]

    def _read(self, wait: float) -> bool:
        r, _, _ = select.select([self.master], [], [], wait)
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""
        if not data:
            return False
        self.raw += data
        return True

    def expect(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        """Wait until `pattern` shows after what was matched last; returns the match and moves past it."""
        end = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            found = rx.search(self.text, self.seen)
            if found:
                self.seen = found.end()
                return found
            if time.monotonic() > end or (not self._read(0.1) and self.proc.poll() is not None and not self._read(0)):
                raise AssertionError(f"filing ask: “{pattern}” never showed; the screen ended with:\n"
                                     + self.text[max(self.seen - 200, 0):][-3000:])

    def prompt(self, marker: str = "", timeout: float = 30) -> None:
        """Wait for the next prompt (a line "› …") whose message contains `marker`, then for the screen
        to settle. After typing, the line typed at ends first: its redraws are not a new prompt.
        A prompt already waited for and not yet typed at counts."""
        if self.waiting is not None and marker in self.waiting:
            return
        if self.typed:
            self.expect(r"\n", timeout)
            self.typed = False
        found = self.expect(r"(?<=\n)› [^\n]*" + re.escape(marker), timeout)
        while self._read(0.05):
            pass
        self.waiting = found[0]

    def send(self, keys: str) -> None:
        self.waiting, self.typed = None, True
        os.write(self.master, keys.encode("utf-8"))

    def since(self, mark: int) -> str:
        return self.text[mark:]

    def close(self, quit_keys: str = CTRL_C) -> str:
        """Ctrl-C (saved, says how to resume), wait for the exit; the whole screen, checked for tracebacks."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.send(quit_keys)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        while self._read(0):
            pass
        os.close(self.master)
        text = self.text
        for marker in TRACEBACK_MARKERS:
            assert marker not in text, text[-3000:]
        return text


def jump_words(label: str) -> str:
    """What a person types after 跳到: the question's name without its unit in brackets."""
    return re.sub(r"[（(][^（()）]*[）)]", "", label).strip()


class AskDriver(CliDriver):
    """Every step that `filing ask` offers is typed there; export, package, workbook, new --from and
    import-report are the CLI's (what an ask user runs in the same shell)."""

    front = "ask"

    def __init__(self, model: Model):
        super().__init__(model)
        self.pty: Pty | None = None

    # a sitting: `filing ask ID` from its first prompt until Ctrl-C
    @contextlib.contextmanager
    def sitting(self):
        t = self.pty = Pty("ask", self.sid)
        try:
            t.prompt()
            yield t
        finally:
            self.pty = None
            text = t.close()
            assert t.proc.returncode == 0, text[-2000:]

    def _session(self) -> Any:
        from assistant.session.store import SessionStore

        return SessionStore().load(self.sid)

    def _current(self) -> Any:
        """The question `filing ask` stands at, from the saved session (never from the model)."""
        return Engine.for_session(self._session()).current()

    def _to_text_prompt(self, t: Pty) -> Any:
        """From the prompt shown (a menu where there is one) to one that takes typed words; the question."""
        session = self._session()
        q = Engine.for_session(session).current()
        if session.pending:
            return q
        if q is None:  # 全部题目已回答: a typed prompt (Enter alone finishes)
            return None
        if q.type == "list":  # (保留当前名单,) 逐行输入, 文件导入, (无,) then the text choice
            n = (isinstance(session.answers.get(q.id), list)) + 2 + (q.min_rows == 0)
        else:
            return q
        t.send(DOWN * n + ENTER)
        t.prompt("请输入")
        return None

    def _say(self, t: Pty, text: str, q: Any) -> None:
        t.send(text + (ESC_ENTER if q is not None and q.type == "longtext" else ENTER))

    def _confirm_pending(self, t: Pty) -> None:
        """A figure shown back for confirmation (对吗？): 是, as a person who checked it."""
        for _ in range(3):
            if not self._session().pending:
                return
            t.send("是" + ENTER)
            t.prompt()

    async def new(self, form: str, title: str) -> str:
        t = Pty("ask", "--form", form, "--year", SAMPLE_YEAR)
        try:
            sid = t.expect(r"已新建会话 (\w+)")[1]
            t.prompt()
        finally:
            t.close()
        return sid

    async def answer(self, plan: list[tuple[str, Any, bool]]) -> None:
        from journey_keys import prompts_for

        from assistant.interview.conversation import Conversation
        from assistant.session.store import Session

        # a scratch copy of the session mirrors what the keys do, to know the prompts that follow
        scratch = Conversation(Engine.for_session(Session.from_dict(json.loads(self._session().to_json()))))
        with self.sitting() as t:
            for qid, raw, carried in plan:
                q = scratch.engine.current()
                assert q is not None and q.id == qid, (q and q.id, qid)
                for p in prompts_for(q, raw, scratch, carried):  # each prompt is waited for before typing
                    t.prompt(p.marker)
                    t.send(p.keys)
            t.prompt()

    async def enterprises(self, path: Path, choice: str) -> str:
        with self.sitting() as t:
            q = self._to_text_prompt(t)
            mark = len(t.text)
            self._say(t, f"企业数据 {path}", q)
            said = t.expect("请选择|没有可以计算|未能|请重新输入")[0]
            assert said != "请重新输入", t.since(mark)
            t.prompt()
            t.send(choice + ENTER)
            t.prompt()
            said = t.since(mark)
            assert re.search(r"已采用 \d+ 项|没有可以计算", said.split(choice, 1)[-1]), said[-2000:]
            return said

    async def revisit(self, qid: str, typed: str) -> None:
        e = self.m.e
        with self.sitting() as t:
            q = self._to_text_prompt(t)
            self._say(t, f"跳到 {jump_words(e.label(qid))}", q)
            t.prompt(short_label(e.label(qid)))
            t.send(typed + ENTER)  # typed over what the prompt shows, as a person types
            t.prompt()
            self._confirm_pending(t)

    async def draft(self, qid: str) -> None:
        e = self.m.e
        with self.sitting() as t:
            q = self._current()
            if q is None or q.id != qid:
                q = self._to_text_prompt(t)
                self._say(t, f"跳到 {jump_words(e.label(qid))}", q)
                t.prompt(short_label(e.label(qid)))
            self._say(t, "起草", e.flow[qid])
            t.expect("采用这份草稿吗")
            t.prompt()
            t.send("是" + ENTER)
            t.expect("已采用草稿")
            t.prompt()

    async def check(self) -> tuple[list[str], int]:
        with self.sitting() as t:
            q = self._to_text_prompt(t)
            mark = len(t.text)
            self._say(t, "检查", q)
            t.prompt()
            said = t.since(mark)
        lines = [ln for ln in said.splitlines() if ln.startswith(("✗", "⚠"))]
        return lines, sum(1 for ln in lines if ln.startswith("✗"))


# -- the Textual app --------------------------------------------------------------------------------
class TuiDriver(CliDriver):
    """The app at 120×40 under the Pilot; one app for the journey, reopened when the CLI made a new
    session (new --from)."""

    front = "tui"
    SIZE = (120, 40)

    def __init__(self, model: Model):
        super().__init__(model)
        self.stack: contextlib.AsyncExitStack | None = None
        self.app: Any = None
        self.pilot: Any = None

    async def _open(self, sid: str | None = None) -> None:
        from assistant.frontends.tui.app import FilingApp
        from assistant.session.store import SessionStore

        await self.close()
        self.stack = contextlib.AsyncExitStack()
        self.app = FilingApp(sid, store=SessionStore())
        self.pilot = await self.stack.enter_async_context(self.app.run_test(size=self.SIZE))
        await self.pilot.pause()

    async def close(self) -> None:
        if self.stack is not None:
            stack, self.stack = self.stack, None
            if self.app.is_running:
                await self.pilot.press("ctrl+q")
                await self.pilot.pause()
            await stack.aclose()

    @property
    def screen(self) -> Any:
        from assistant.frontends.tui.screens.conversation import ConversationScreen

        self._alive()
        screen = self.app.screen
        assert isinstance(screen, ConversationScreen), type(screen).__name__
        return screen

    def _alive(self) -> None:
        assert self.app is not None and self.app.is_running, "the app closed: " + repr(getattr(self.app, "_exception", None))

    async def _wait(self, ready: Any, what: str, seconds: float = 120) -> None:
        for _ in range(int(seconds / 0.05)):
            self._alive()
            if ready():
                return
            await asyncio.sleep(0.05)
            await self.pilot.pause()
        raise AssertionError(f"{what}: not shown after {seconds} s")

    def _said_since(self, n: int) -> str:
        return "\n".join(t["text"] for t in self.screen.session.transcript[n:] if t["role"] == "assistant")

    async def type_keys(self, text: str) -> None:
        """Type on the input line as a person does: the first key replaces a selected (prefilled)
        answer, the rest go where the cursor is; Enter."""
        from assistant.frontends.tui.screens.conversation import ChatInput

        inp = self.screen.query_one("#input", ChatInput)
        inp.focus()
        await self.pilot.pause()
        for ch in text:
            if ch.isascii() and ch.isalnum():
                await self.pilot.press(ch)
            elif not inp.selection.is_empty:
                inp.replace(ch, *inp.selection)
            else:
                inp.insert_text_at_cursor(ch)
        await self.pilot.press("enter")
        await self.pilot.pause()

    async def _confirm_pending(self) -> None:
        for _ in range(3):
            if not self.screen.session.pending:
                return
            await self.pilot.press("enter")  # 是 is highlighted on a shown-back figure
            await self.pilot.pause()

    async def new(self, form: str, title: str) -> str:
        await self._open()
        await self.pilot.press("n")  # home: the forms to start, the first highlighted
        await self.pilot.pause()
        actions = self.app.screen.query_one("#home-actions")
        ids = [actions.get_option_at_index(i).id for i in range(actions.option_count)]
        actions.highlighted = ids.index(f"new:{form}")
        await self.pilot.press("enter")
        await self.pilot.pause()
        self.app.screen.query_one("#new-title").insert_text_at_cursor(title)
        self.app.screen.query_one("#year").value = SAMPLE_YEAR  # typed over the year due next
        await self.pilot.press("enter")
        await self.pilot.pause()
        return self.screen.session.id

    async def answer(self, plan: list[tuple[str, Any, bool]]) -> None:
        from tui_support import answer_current

        for qid, raw, carried in plan:
            screen = self.screen
            q = screen.engine.current()
            assert q is not None and q.id == qid, (q and q.id, qid)
            if carried:  # last year's answer, shown for keeping: Enter (a table: submitted as it stands)
                if q.type == "list":
                    await self.pilot.press("ctrl+s")
                else:
                    await self.type_keys("")
                await self.pilot.pause()
            else:
                await answer_current(self.pilot, {qid: raw})
            assert screen.engine.current() is None or screen.engine.current().id != qid, \
                self._said_since(len(screen.session.transcript) - 2)

    async def enterprises(self, path: Path, choice: str) -> str:
        screen = self.screen
        n = len(screen.session.transcript)
        await self.pilot.press("f6")
        await self.pilot.pause()
        self.app.screen.query_one("#paths").insert_text_at_cursor(str(path))
        await self.pilot.press("enter")
        await self.pilot.pause()
        await self._wait(lambda: getattr(screen.session.pending, "kind", None) == "proposals" or
                         "没有可以计算" in self._said_since(n), "proposals")
        await self.type_keys(choice)
        return self._said_since(n)

    async def _goto(self, qid: str) -> None:
        """Through the outline (F2): the question's part first when it is folded, then the question."""
        from tui_support import pick_in_outline

        screen = self.screen
        ol = screen.query_one("#outline-list")
        if qid not in [ol.get_option_at_index(i).id for i in range(ol.option_count)]:
            await pick_in_outline(self.pilot, "§" + screen.engine.flow.section_of[qid].id)
        await pick_in_outline(self.pilot, qid)
        assert screen.engine.current().id == qid

    async def revisit(self, qid: str, typed: str) -> None:
        await self._goto(qid)
        await self.type_keys(typed)
        await self._confirm_pending()

    async def draft(self, qid: str) -> None:
        screen = self.screen
        if screen.engine.current() is None or screen.engine.current().id != qid:
            await self._goto(qid)
        n = len(screen.session.transcript)
        await self.type_keys("起草")
        assert "采用这份草稿吗" in self._said_since(n), self._said_since(n)
        await self.type_keys("1")  # 1. 采用草稿
        assert qid in screen.session.answers, self._said_since(n)

    async def check(self) -> tuple[list[str], int]:
        from assistant.frontends.tui.screens.review import ReviewScreen

        await self.pilot.press("f3")
        await self.pilot.pause()
        review = self.app.screen
        assert isinstance(review, ReviewScreen)
        head = str(review.query_one("#review-head").render())
        ol = review.query_one("#review-list")
        lines = []
        for i in range(ol.option_count):
            text = str(ol.get_option_at_index(i).prompt)
            lines += [ln.strip() for ln in text.splitlines()[1:] if ln.strip().startswith(("✗", "⚠"))]
        await self.pilot.press("escape")
        await self.pilot.pause()
        found = re.search(r"必须修改 (\d+) 处", head)
        return lines, int(found[1]) if found else 0

    async def _dialog(self, choice: str, path: Path, *, draft: bool) -> str:
        from textual.widgets import Checkbox, RadioSet

        from assistant.frontends.tui.screens.export import FORMATS

        assert self.screen is not None  # on the conversation, the app alive
        await self.pilot.press("f5")
        await self.pilot.pause()
        dialog = self.app.screen
        dialog.query_one("#format", RadioSet).query("RadioButton")[[f for f, _ in FORMATS].index(choice)].value = True
        for box, on in (("#force", True), ("#draft", draft)):
            dialog.query_one(box, Checkbox).value = on
        dialog.query_one("#path").insert_text_at_cursor(str(path))
        dialog.query_one("#path").focus()
        await self.pilot.press("enter")
        result = dialog.query_one("#export-result")
        await self._wait(lambda: "已导出" in result.plain or "未能导出" in result.plain, f"export {choice}")
        text = result.plain
        await self.pilot.press("escape")
        await self.pilot.pause()
        assert "已导出" in text, text
        return text

    async def export(self, fmt: str, path: Path, *, draft: bool) -> Path:
        text = await self._dialog(fmt, path, draft=draft)
        return Path(re.search(r"已导出：(.+)", text)[1].strip())

    async def export_json(self, path: Path) -> dict[str, Any]:
        written = await self.export("json", path, draft=True)
        shown = json.loads(written.read_text(encoding="utf-8"))
        on_disk = await CliDriver.export_json(self, path.with_name(path.stem + "-磁盘上.json"))
        for part in ("answers", "calculated", "evidence"):  # what the app shows is what it saved
            assert shown.get(part) == on_disk.get(part), f"{part}: the app's report differs from the saved session"
        return shown

    async def package(self, folder: Path, *, draft: bool) -> Path:
        await self._dialog("package", folder, draft=draft)
        return folder

    async def new_from(self, last: str) -> str:
        sid = await CliDriver.new_from(self, last)
        await self._open(sid)
        return sid

    async def import_report(self, path: Path) -> str:
        await self._open()
        await self.pilot.press("i")
        await self.pilot.pause()
        self.app.screen.query_one("#import-path").insert_text_at_cursor(str(path))
        await self.pilot.press("enter")
        await self.pilot.pause()
        return self.screen.session.id


DRIVERS = {
    "cli": CliDriver,
    "cli-process": lambda m: CliDriver(m, process=True),
    "ask": AskDriver,
    "tui": TuiDriver,
}

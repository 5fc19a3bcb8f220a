"""The Textual app: home screen, then one conversation per session."""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from rich.console import Console
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType

from assistant.frontends.crashlog import LogStream, sentence
from assistant.session.store import SessionError, SessionLocked, SessionStore

if TYPE_CHECKING:
    from assistant.frontends.browser_tab import BrowserTab


TAKE_WAIT = 25.0  # seconds to wait for another tab of the account to save and let a report go (serve.py's
# QUIT_GRACE + CHILD_GRACE and a margin)
TAKING = "这份报告在您的另一个标签页中打开着：正在请那边保存并关闭（那一页会看到说明），然后在这里打开…"


# The keys as the browser's page and the README write them (Textual's own display is f1, esc).
BROWSER_KEYS = {**{f"f{i}": f"F{i}" for i in range(1, 13)}, "esc": "Esc", "escape": "Esc"}


@runtime_checkable
class TextField(Protocol):
    """A widget holding text the person edits (Input, TextArea): Ctrl+A selects its text. A list that can
    select all its items (SelectionList) has no text selection and is not one. A protocol, so the first
    screen need not import TextArea."""

    @property
    def selection(self) -> object: ...

    def select_all(self) -> object: ...


_frozen = False  # gc.freeze() once per process: what was imported before the first app lives as long as it


class FilingApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "集群填报助手"
    ENABLE_COMMAND_PALETTE = False  # ctrl+p stays free; every action is on a key in the footer
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "退出", priority=True),
        # Select all, as everywhere else (Textual's Input moves to the line start): typing replaces the text.
        Binding("ctrl+a", "select_all_text", show=False, priority=True),
    ]

    def __init__(self, session_id: str | None = None, *, store: SessionStore | None = None,
                 clock: Callable[[], datetime] = datetime.now, handle: Any = None, browser: BrowserTab | None = None,
                 notice: str | None = None, take_over: bool = False):
        super().__init__()
        # Under `filing serve` with accounts: a report open in another tab of the account is taken over (that
        # tab is told and closes, saved), as when it is opened from the home page.
        self.take_over = take_over
        self.notice = notice  # said when the app opens (a district's reason for returning the report)
        self.store = store or SessionStore()
        self.session_id = session_id
        self.clock = clock
        self._handle = handle  # a session already opened (locked) by run_app
        self.last_session: str | None = None  # the conversation shown last: said on leaving, to resume it
        # Under `filing serve`: this tab's folder. Files then come as uploads and leave as downloads; no path
        # on the server is asked for or shown.
        self.browser = browser
        self._unsent = False  # what the page was last told: is there text typed and not yet sent?
        # Textual prints an unhandled exception (with local variables: answers, paths) on its error
        # console as the app closes; it goes to a log file instead, the terminal gets one sentence.
        self._error_log = LogStream("对话界面")
        self.error_console = Console(file=self._error_log, markup=False, highlight=False, color_system=None,
                                     width=120)
        self._gc_paused = self._pause_gc()

    @staticmethod
    def _pause_gc() -> bool:
        """Starting builds tens of thousands of objects that live as long as the app (modules, the form,
        styles); a full collection scanning them delays the first screen by ~15 ms and frees nothing. What is
        imported is frozen out of the collector's view, and collecting waits until the first paint."""
        global _frozen
        if not gc.isenabled():
            return False
        if not _frozen:
            _frozen = True
            gc.freeze()
        gc.disable()
        return True

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()

    def on_unmount(self) -> None:
        self._resume_gc()  # an app closed before its first paint leaves the collector as it found it

    def crash_note(self) -> str | None:
        """After run(): the sentence naming the log of a programming error that closed the app, if any."""
        return sentence(self._error_log.path) if self._error_log.used else None

    def get_default_screen(self) -> Any:
        """A resumed session's conversation is the first screen itself: no blank screen to lay out first."""
        if self._handle is None and self.session_id:
            try:
                self._handle = open_checked(self.store, self.session_id)
            except SessionError as exc:
                self._open_error = str(exc)
        if self._handle is not None:
            from assistant.frontends.tui.screens.conversation import ConversationScreen

            return ConversationScreen(self._handle, clock=self.clock)
        return super().get_default_screen()

    def on_mount(self) -> None:
        self.call_after_refresh(self._resume_gc)  # the first screen is drawn by then
        if self.browser is not None:
            from assistant.frontends.tui.browser import tell_page

            tell_page(self, "tab", id=self.browser.id)  # where the page sends this tab's uploads
            self.set_interval(0.3, self._tell_unsent)
        if self.notice:
            self.notify(self.notice, severity="warning", timeout=60)
        if self._handle is not None:
            return
        from assistant.frontends.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen())
        error = getattr(self, "_open_error", None)
        home = self.screen
        if error and isinstance(home, HomeScreen):
            self.call_after_refresh(home.message, self.shown(error), True)

    # -- keys, pastes and the page around the browser's terminal ------------------------------------
    def get_key_display(self, binding: Binding) -> str:
        """In the browser the keys are written out as on the page's own buttons: Ctrl+Q, not ^q."""
        shown = super().get_key_display(binding)
        if self.browser is None or binding.key_display:
            return shown
        if shown.startswith("^") and len(shown) > 1:
            return "Ctrl+" + shown[1:].upper()
        return BROWSER_KEYS.get(shown, shown)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "select_all_text":  # elsewhere (a table, a list) Ctrl+A is left to the widget
            return isinstance(self.focused, TextField)
        return True

    def action_help_quit(self) -> None:
        """Ctrl+C outside a text field (Textual's own hint is in English)."""
        self.notify(f"要退出请按 {self.get_key_display(Binding('ctrl+q', 'quit'))}（答案已自动保存）。", timeout=5)

    def action_select_all_text(self) -> None:
        if isinstance(self.focused, TextField):
            self.focused.select_all()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Paste) and "\r" in event.text:
            # Browsers (xterm.js) and some terminals send a pasted line break as CR: rows copied from
            # Excel must arrive as rows, not as one line.
            event.text = event.text.replace("\r\n", "\n").replace("\r", "\n")
        await super().on_event(event)

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        if self.browser is not None:
            self.notify("下载没有完成（浏览器没有取走文件）。请再导出一次。", severity="error", timeout=10)

    def unsent(self) -> bool:
        """Typed text not yet sent anywhere (the page asks before the tab is closed)."""
        return any(bool(getattr(screen, "unsent", lambda: False)()) for screen in self.screen_stack)

    def _tell_unsent(self) -> None:
        on = self.unsent()
        if on != self._unsent:
            from assistant.frontends.tui.browser import tell_page

            self._unsent = on
            tell_page(self, "unsent", on="1" if on else "0")

    def shown(self, text: str) -> str:
        """A message as this front end may show it: in the browser without server paths."""
        return self.browser.tidy(text) if self.browser is not None else text

    def open_session(self, sid: str) -> bool:
        """Lock the session and show its conversation; a problem is shown, never a traceback."""
        try:
            handle = open_checked(self.store, sid)
        except SessionLocked as exc:
            if self.take_over and self.browser is not None:
                self._take(sid, str(exc))
                return False
            self._refused(str(exc))
            return False
        except SessionError as exc:
            self._refused(str(exc))
            return False
        self._show_conversation(handle)
        return True

    def _refused(self, text: str) -> None:
        home = self.screen
        if hasattr(home, "message"):
            home.message(self.shown(text), True)
        self.notify(self.shown(text), severity="error", timeout=8, markup=False)  # names a path: never markup

    def _take(self, sid: str, refusal: str) -> None:
        """Ask the server to close the account's other tab on this report, then open it once it is free."""
        from assistant.frontends.tui.browser import tell_page

        tell_page(self, "take", sid=sid)
        home = self.screen
        if hasattr(home, "message"):
            home.message(TAKING)
        deadline = time.monotonic() + TAKE_WAIT

        def again() -> None:
            try:
                handle = open_checked(self.store, sid)
            except SessionLocked:
                if time.monotonic() < deadline:
                    return
                timer.stop()
                self._refused(refusal)
                return
            except SessionError as exc:
                timer.stop()
                self._refused(str(exc))
                return
            timer.stop()
            self._show_conversation(handle)

        timer = self.set_interval(0.3, again)

    def report_open(self, sid: str | None) -> None:
        """Tell the server which report this tab has open now (under `filing serve`): a takeover finds it."""
        if self.browser is not None:
            from assistant.frontends.tui.browser import tell_page

            with contextlib.suppress(Exception):  # the app closing: nothing to tell
                tell_page(self, "report", sid=sid or "")

    def _show_conversation(self, handle: Any) -> None:
        from assistant.frontends.tui.screens.conversation import ConversationScreen

        self.push_screen(ConversationScreen(handle, clock=self.clock))


def open_checked(store: SessionStore, sid: str) -> Any:
    """The session opened to work on, or SessionError saying why not (the core's one answer: a session of an
    unknown form, or with answers the engine cannot read, is reported as damaged instead of failing in a screen).
    Imported here: the home page shows before the engine is needed."""
    from assistant.interview.sessions import open_session

    return open_session(store, sid)


def run_app(session_id: str | None = None, *, store_root: Path | None = None) -> int:
    store = SessionStore(store_root)
    store.check_root()  # a data folder that is a file: said in the terminal (exit 4), not in a traceback
    handle = None
    if session_id:
        # Fail before the screen takes over, so the reason stays readable in the terminal.
        handle = open_checked(store, session_id)  # not found / locked / damaged: cli prints it, exit 3
    app = FilingApp(session_id, store=store, handle=handle)
    try:
        app.run()
    finally:
        if handle is not None:
            handle.close()
    crashed = app.crash_note()
    if crashed:
        sys.stderr.write(crashed + "\n")
    if app.last_session:
        print(resume_hint(app.last_session))
    return 1 if crashed else 0


def resume_hint(sid: str) -> str:
    """Said in the terminal after the app closes (Ctrl+Q, 退出): the answers are saved, and how to go on."""
    return f"已保存。下次输入 `filing resume {sid}` 即可从停下的地方继续（或 `filing` 打开首页）。"


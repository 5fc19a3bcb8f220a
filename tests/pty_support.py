"""Drive a `filing` command on a real pseudo-terminal: what a person sees, keys as a person types them."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]|\x1b\][^\x07]*\x07|\r")


def plain(text: str) -> str:
    """The screen text without terminal codes."""
    return _ANSI.sub("", text)


class PtyRun:
    """`python -m assistant.frontends.cli ARGS` with its stdin/stdout/stderr on a pty of 100×30."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str] | None = None, cols: int = 100, rows: int = 30):
        master, slave = pty.openpty()
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full = {**os.environ, "TERM": "xterm-256color", "PYTHONIOENCODING": "utf-8",
                "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": str(cols), "LINES": str(rows), **(env or {})}
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant.frontends.cli", *args], stdin=slave, stdout=slave,
                                     stderr=slave, env=full, start_new_session=True, close_fds=True)
        os.close(slave)
        self.fd = master
        self.raw = b""
        self.seen = 0  # how much of the output an expect has consumed

    @property
    def text(self) -> str:
        return plain(self.raw.decode("utf-8", "replace"))

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the child closed the terminal
            return False
        if not chunk:
            return False
        self.raw += chunk
        return True

    def expect(self, pattern: str, timeout: float = 30) -> str:
        """Wait until `pattern` (a regex over the plain text) appears after what earlier expects consumed."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            text = self.text
            m = rx.search(text, self.seen)
            if m:
                self.seen = m.end()
                return text[m.start():m.end()]
            if time.monotonic() > deadline or (self.proc.poll() is not None and not self._read(0.2)):
                raise AssertionError(f"did not see {pattern!r}; screen after the last match:\n{text[self.seen:][-3000:]}")
            self._read(0.2)

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode("utf-8"))

    def wait(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while self._read(0.1):
            pass
        return self.proc.wait(timeout=1)

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.fd)

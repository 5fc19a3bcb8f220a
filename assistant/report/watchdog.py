"""Run a command so that it dies with its caller: `python -I …/assistant/report/watchdog.py FD CMD…`.

The caller starts this in a new session, passing the read end of a pipe as FD and keeping the write
end. This process leads the group the command runs in; when the pipe closes (the caller ended it, or the caller
died, even by kill -9), the whole group is killed: LibreOffice and the children it starts never outlive
the export that started them. Run as a script: nothing but the standard library is imported here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading


def _end_group_on_eof(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass
    os.killpg(0, signal.SIGKILL)  # the command, its children and this process


def main(argv: list[str]) -> int:
    if len(argv) < 2 or not argv[0].isdigit():
        return 2
    fd = int(argv[0])
    child = subprocess.Popen(argv[1:], stdin=subprocess.DEVNULL)  # same process group as this one
    threading.Thread(target=_end_group_on_eof, args=(fd,), daemon=True).start()
    return child.wait()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""A programming error is written to a log file in the data folder, never to the terminal.

Every front end (the command line, `filing ask`, the chat app and its workers) shows the person one
Chinese sentence naming the file; the traceback and anything it holds (answers, paths) stay in that
file, readable by its owner only. The newest KEEP logs are kept.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

KEEP = 20  # log files kept in the folder; older ones are removed when a new one is written
PREFIX = "错误记录-"


def log_folder() -> Path:
    from assistant.paths import home

    return home() / "logs"


def write_log(text: str, where: str = "") -> Path | None:
    """Write `text` to a new log file; the data folder first, the system temp folder if that fails.
    None when neither can be written (the sentence then says so)."""
    stamp = datetime.now()
    head = (f"时间：{stamp.isoformat(timespec='seconds')}\n位置：{where or '未知'}\n"
            f"程序：filing-assistant，Python {sys.version.split()[0]}，{sys.platform}\n"
            f"命令：{' '.join(sys.argv[1:2])}\n\n")  # the subcommand only: its arguments may name private files
    name = f"{PREFIX}{stamp:%Y%m%d-%H%M%S}-{os.getpid()}.log"
    for folder in (_data_logs(), Path(tempfile.gettempdir()) / "filing-logs"):
        if folder is None:
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = _unique(folder / name)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
                fh.write(head + text)
        except OSError:
            continue
        _prune(folder)
        return path
    return None


def log_exception(exc: BaseException, where: str = "") -> Path | None:
    """The exception's traceback (without local variables) to a new log file."""
    return write_log("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)), where)


def sentence(path: Path | None, what: str = "") -> str:
    """The one sentence a person reads: what stopped, that it is not their doing, where the details are."""
    lead = f"{what}时出现意外错误" if what else "出现意外错误"
    if path is None:
        return f"{lead}（程序的问题，不是您操作不当），详细信息也未能记录（数据文件夹无法写入）。"
    return f"{lead}（程序的问题，不是您操作不当），详细信息已记入 {path}，请把这个文件发给技术支持。"


def report(exc: BaseException, what: str = "") -> str:
    """Log an unexpected exception and return the sentence to show."""
    return sentence(log_exception(exc, what), what)


class LogStream(io.StringIO):
    """A text stream that goes to a new log file, made on the first write (the chat app's error console:
    the log is there whoever runs the app, the terminal or a browser tab)."""

    def __init__(self, where: str):
        super().__init__()
        self.where = where
        self.used = False  # something was written: path is its log, or None if no log could be made
        self.path: Path | None = None

    def write(self, text: str) -> int:  # nothing kept in memory: straight to the file
        if not text:
            return 0
        if not self.used:
            self.used = True
            self.path = write_log("", self.where)
        if self.path is not None:
            try:
                with open(self.path, "a", encoding="utf-8", errors="replace") as fh:
                    fh.write(text)
            except OSError:
                pass
        return len(text)


def _data_logs() -> Path | None:
    try:
        return log_folder()
    except Exception:  # no data folder at all (platformdirs failing): the temp folder still works
        return None


def _unique(path: Path) -> Path:
    n = 1
    while path.exists():
        n += 1
        path = path.with_name(f"{path.stem.rsplit('~', 1)[0]}~{n}{path.suffix}")
    return path


def _prune(folder: Path) -> None:
    try:
        logs = sorted((p for p in folder.iterdir() if p.name.startswith(PREFIX) and p.suffix == ".log"),
                      key=lambda p: p.stat().st_mtime)
    except OSError:
        return
    for old in logs[:-KEEP]:
        with contextlib.suppress(OSError):
            old.unlink()

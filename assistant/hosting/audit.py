"""The audit log of a district's server: every login, submission, return, approval, export and download.

One JSON object a line in `<data folder>/audit/audit.log`, appended under a file lock and fsynced. Each line
carries the SHA-256 of the line before it (`prev`; the first line: 64 zeros), and `audit.head` beside it the
number of lines and the SHA-256 of the last one, so an edited, removed or inserted line (the last one too)
breaks the chain and `verify()` names where.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.files.atomic import atomic_write
from assistant.paths import home

GENESIS = "0" * 64
MAX_LINE = 64 * 1024

LOGIN, LOGIN_FAILED, LOGOUT, PASSWORD = "login", "login_failed", "logout", "password"
SUBMIT, RETURN, APPROVE, EXPORT, DOWNLOAD, ROLLUP = "submit", "return", "approve", "export", "download", "rollup"
SET_DISTRICT = "set_district"
ACTIONS = {LOGIN: "登录", LOGIN_FAILED: "登录失败", LOGOUT: "退出登录", PASSWORD: "修改密码", SUBMIT: "提交",
           RETURN: "退回", APPROVE: "审核通过", EXPORT: "导出", DOWNLOAD: "下载", ROLLUP: "生成区级总结",
           SET_DISTRICT: "修改所属区"}


@dataclass(frozen=True)
class Entry:
    at: str
    who: str
    action: str
    report: str
    sha256: str
    detail: str
    prev: str

    @property
    def action_text(self) -> str:
        return ACTIONS.get(self.action, self.action)


def _digest(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


class AuditLog:
    def __init__(self, root: Path | None = None):
        self.file = (root if root is not None else home()) / "audit" / "audit.log"
        self.head = self.file.with_name("audit.head")

    def append(self, who: str, action: str, *, report: str = "", sha256: str = "", detail: str = "") -> Entry:
        """One line more, chained to the last one; on disk (fsync) before this returns."""
        self.file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.file, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            count, prev = self._head(fd)
            entry = Entry(datetime.now().astimezone().isoformat(timespec="seconds"), who, action, report, sha256,
                          detail[:2000], prev)
            line = json.dumps(entry.__dict__, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
            os.write(fd, line)
            os.fsync(fd)
            atomic_write(self.head, f"{count + 1} {_digest(line)}\n".encode("ascii"))
            return entry
        finally:
            os.close(fd)

    def _head(self, fd: int) -> tuple[int, str]:
        """(lines so far, digest of the last line): from audit.head, which an edit of the last line does not
        change, so the next line still chains to the line as written; read from the log when absent."""
        with contextlib.suppress(OSError, ValueError):
            count, digest = self.head.read_text(encoding="ascii").split()
            return int(count), digest
        return len(self.lines()), self._last_digest(fd)

    @staticmethod
    def _last_digest(fd: int) -> str:
        size = os.lseek(fd, 0, os.SEEK_END)
        if size == 0:
            return GENESIS
        start = max(0, size - MAX_LINE - 1)
        os.lseek(fd, start, os.SEEK_SET)
        tail = os.read(fd, size - start)
        lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
        return _digest(lines[-1])

    def lines(self) -> list[bytes]:
        try:
            return self.file.read_bytes().splitlines()
        except FileNotFoundError:
            return []

    def entries(self, *, report: str | None = None, who: set[str] | None = None) -> list[Entry]:
        out: list[Entry] = []
        for raw in self.lines():
            with contextlib.suppress(ValueError, TypeError):
                entry = Entry(**json.loads(raw.decode("utf-8")))
                if (report is None or entry.report == report) and (who is None or entry.who in who):
                    out.append(entry)
        return out

    def verify(self) -> list[str]:
        """Where the chain is broken (Chinese, by line number); [] when every line follows the one before."""
        problems: list[str] = []
        prev = GENESIS
        for n, raw in enumerate(self.lines(), 1):
            try:
                data: dict[str, Any] = json.loads(raw.decode("utf-8"))
                claimed = data["prev"]
            except (ValueError, KeyError, TypeError):
                problems.append(f"第 {n} 行不是完整的记录。")
            else:
                if claimed != prev:
                    problems.append(f"第 {n} 行或它前面的一行被改动、删除或插入过（记录链在这里断开）。")
            prev = _digest(raw)
        with contextlib.suppress(OSError, ValueError):
            count, digest = self.head.read_text(encoding="ascii").split()
            n = len(self.lines())
            if int(count) != n:
                problems.append(f"记录应有 {count} 行，现在有 {n} 行（末尾被删除或追加过）。")
            elif digest != prev:
                problems.append(f"最后一行（第 {n} 行）被改动过。")
        return problems

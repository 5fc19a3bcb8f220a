"""What an `企业数据 …` line is, and the turn the enterprise-data dialog answers with.

Light on purpose: every line typed is checked against the command, while reading and computing the
workbooks (dialog.py, with the xlsx readers) is loaded only when the command is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from msgspec import Struct, field

from assistant.paths import split_paths

COMMAND_WORDS = ("企业数据", "用企业数据表计算", "企业数据表")


class Files(Protocol):
    """Where a front end's files come from when they are not paths on this computer (the browser's uploads)."""

    how: str  # how the person gives files there, e.g. 按 F6 上传…

    def find(self, name: str) -> Path | None: ...

    def missing(self, names: list[str]) -> str: ...

    def tidy(self, text: str) -> str: ...  # a message without the folder the files are kept in


class Turn(Struct):
    messages: list[str] = field(default_factory=list)
    refused: bool = False
    ask: bool = False  # ask the current question again afterwards
    prompt: str = ""  # how to choose, closing the last message (left out when a script chose already)
    action: str = ""  # "enterprises": a front end with a dialog for the paths opens it

    def said(self) -> list[str]:
        """The messages as the conversation shows them: the prompt closes the last one."""
        if not self.prompt:
            return self.messages
        return [*self.messages[:-1], f"{self.messages[-1]}\n\n{self.prompt}" if self.messages else self.prompt]


def command_paths(text: str) -> list[str] | None:
    """The paths of an `企业数据 …` line, or None when the line is not this command."""
    s = text.strip()
    word = next((w for w in sorted(COMMAND_WORDS, key=len, reverse=True) if s.startswith(w)), None)
    if word is None:
        return None
    rest = s[len(word):]
    if rest and not rest[0].isspace() and rest[0] not in "：:":
        return None  # 企业数据服务集群: an answer, not the command
    rest = rest.lstrip("：: \t")
    try:
        return split_paths(rest)
    except ValueError:
        return rest.split()


def is_command(text: str, free_text: bool, files: Files | None = None) -> bool:
    """A whole command: on a free-text question only with paths that exist (else it is an answer)."""
    paths = command_paths(text)
    if paths is None:
        return False
    if not free_text:
        return True
    if files is not None:
        return bool(paths) and all(files.find(p) is not None for p in paths)
    return bool(paths) and all(Path(p).expanduser().exists() for p in paths)


def maybe_command(text: str, free_text: bool) -> bool:
    """On a free-text question, the command word alone or with file names that do not exist (yet) could
    be either an answer or the command: the person is asked, never guessed for."""
    paths = command_paths(text)
    if not free_text or paths is None or "\n" in text.strip():
        return False
    return all(p.lower().endswith((".xlsx", ".xlsm", ".csv")) or "/" in p or "\\" in p for p in paths)

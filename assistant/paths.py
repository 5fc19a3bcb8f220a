"""Locate the data folders (flows/, prompts/, templates/, examples/) and the user's data home."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

DATA_DIRS = ("flows", "prompts", "templates", "examples")
_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """A wheel ships the folders as assistant/_data/<name>; a checkout (editable) has them at the root."""
    if name not in DATA_DIRS:
        raise ValueError(name)
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"找不到数据目录 {name}/（安装不完整？）")


def home() -> Path:
    """Where sessions live: $FILING_HOME, else the platform's user data dir."""
    env = os.environ.get("FILING_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("filing-assistant", appauthor=False)


def cache_dir() -> Path:
    """Rebuildable data (compiled flows): $FILING_CACHE, else under $FILING_HOME when set, else the user cache
    dir. (`filing serve` gives its app processes the server's cache: an account's first tab compiles no form.)"""
    shared = os.environ.get("FILING_CACHE")
    if shared:
        return Path(shared).expanduser()
    env = os.environ.get("FILING_HOME")
    if env:
        return Path(env).expanduser() / "cache"
    from platformdirs import user_cache_path

    return user_cache_path("filing-assistant", appauthor=False)


_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”", "‘": "’"}


def split_paths(text: str, windows: bool | None = None) -> list[str]:
    """File paths typed or pasted on one line, separated by spaces; a path with spaces is quoted.

    On Windows a backslash separates folders (C:\\Users\\张三\\采集表.xlsx, or Explorer's "Copy as path"
    with its quotes); elsewhere it escapes the next character, as in a shell (采集\\ 表.xlsx).
    Raises ValueError when a quote is not closed."""
    import shlex

    windows = os.name == "nt" if windows is None else windows
    if not windows:
        return shlex.split(text)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        close = _QUOTE_PAIRS.get(text[i])
        if close is not None:
            end = text.find(close, i + 1)
            if end < 0:
                raise ValueError("引号没有配对")
            out.append(text[i + 1:end])
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        out.append(text[start:i])
    return out


def join_paths(paths: list[str], windows: bool | None = None) -> str:
    """The line split_paths reads back as `paths`."""
    import shlex

    windows = os.name == "nt" if windows is None else windows
    if not windows:
        return " ".join(shlex.quote(p) for p in paths)
    return " ".join(f'"{p}"' if not p or any(c.isspace() for c in p) else p for p in paths)

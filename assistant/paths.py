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
    """Rebuildable data (compiled flows): under $FILING_HOME when set, else the user cache dir."""
    env = os.environ.get("FILING_HOME")
    if env:
        return Path(env).expanduser() / "cache"
    from platformdirs import user_cache_path

    return user_cache_path("filing-assistant", appauthor=False)

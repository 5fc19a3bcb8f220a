"""Errors every front end shows as they are: a Chinese message and the command line's exit code."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from msgspec import Struct


class ExitCode(IntEnum):
    """The command line's exit codes, defined here once (README: 退出码)."""

    OK = 0
    REFUSED = 1  # a value refused, or the check found something that must be changed
    USAGE = 2  # wrong usage (argparse's own code for it)
    SESSION = 3  # the session is missing, locked or damaged
    FILE = 4  # a file cannot be read or written
    INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_SESSION, EXIT_FILE = (
    ExitCode.OK, ExitCode.REFUSED, ExitCode.USAGE, ExitCode.SESSION, ExitCode.FILE)


class FlowError(Exception):
    """A form's data files (flows/, prompts/, templates/) are missing or malformed; str() names the file and what is wrong."""


class DuplicateKey(ValueError):
    """A YAML or JSON mapping names the same key twice (which one counts would be a guess); str() names it."""

    def __init__(self, key: object, lines: tuple[int, int] | None = None):
        self.key = key
        where = f"（第 {lines[0]} 行和第 {lines[1]} 行）" if lines else ""
        super().__init__(f"键“{key}”在同一层出现了两次{where}：不知道哪一个才算，请删去多余的一个。")


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """json.loads(…, object_pairs_hook=no_duplicate_keys): a JSON object naming a key twice is refused."""
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return out


class Remedies(Struct, frozen=True):
    """How a front end names the ways out of a refusal: the command line's options by default; the
    export dialog names its boxes and fields instead."""

    # an option is followed by a word ("加 --draft 参数"), never glued to the Chinese that follows it
    force: str = "加 --force 参数"
    draft: str = "加 --draft 参数"
    output: str = "用 -o 指定"
    fmt: str = "用 --format 指定"
    as_docx: str = "改用 --format docx 导出"


CLI_REMEDIES = Remedies()


class UserError(Exception):
    """Something the person can fix (a refused export, an unreadable file); str() is the message.

    A message that names a remedy is a function of Remedies, so each front end words it its own way
    (`worded`); user text inside it stays data, never re-read as a template."""

    def __init__(self, message: str | Callable[[Remedies], str], code: int = EXIT_REFUSED):
        self._message = message
        super().__init__(self.worded(CLI_REMEDIES))
        self.code = code

    def worded(self, how: Remedies) -> str:
        return self._message(how) if callable(self._message) else self._message


class InputError(ValueError):
    """A value was refused; str(exc) is the Chinese reason shown to the person."""

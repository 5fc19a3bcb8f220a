"""Errors every front end shows as they are: a Chinese message and the command line's exit code."""

from __future__ import annotations

from enum import IntEnum


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


class UserError(Exception):
    """Something the person can fix (a refused export, an unreadable file); str() is the message."""

    def __init__(self, message: str, code: int = EXIT_REFUSED):
        super().__init__(message)
        self.code = code

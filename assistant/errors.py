"""Errors every front end shows as they are: a Chinese message and the command line's exit code."""

from __future__ import annotations

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_SESSION, EXIT_FILE = 0, 1, 2, 3, 4


class UserError(Exception):
    """Something the person can fix (a refused export, an unreadable file); str() is the message."""

    def __init__(self, message: str, code: int = EXIT_REFUSED):
        super().__init__(message)
        self.code = code

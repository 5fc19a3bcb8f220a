"""Wrapping for Chinese text: break at any character (there are no spaces between words), keep
short runs of Latin letters/digits together, and keep 禁则 (no closing punctuation at a line start).
Rich and Textual wrap only at spaces, and their fold mode cuts wide characters at the wrong offsets.
Used by the TUI (WrapStatic) and the terminal preview of the document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich is imported when text is wrapped: the core (display_width) stays terminal-free
    from rich.text import Text


def display_width(text: str) -> int:
    """Columns a text takes in a terminal or a table cell: a Chinese character (wide or full-width) counts two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _latin(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "._-/%:+")  # + keeps Ctrl+S whole


_NO_LINE_START = set("，。、；：？！）”’》】」』〉…,.;:?!)]%")
_NO_LINE_END = set("（“‘《【「『〈([")


def _break_at(plain: str, i: int, line_start: int) -> int:
    """Where to break a line that overflows at character i: never inside a run of digits or Latin letters
    (a number, `filing resume`'s words, an identifier), never before closing punctuation or after opening
    punctuation (禁则). When nothing on the line allows it, the overflowing character breaks."""
    if plain[i] == " ":
        return i + 1
    cut = i
    while cut > line_start:
        if _latin(plain[cut]) and _latin(plain[cut - 1]):
            cut -= 1  # inside a run: back to its start
        elif plain[cut] in _NO_LINE_START or plain[cut - 1] in _NO_LINE_END:
            cut -= 1
        elif plain[cut] == " ":
            return cut + 1
        else:
            return cut
    return i  # one run fills the whole line: it has to break somewhere


def wrap_offsets(plain: str, width: int) -> list[int]:
    """Character offsets at which to break `plain` (which may contain newlines) to fit width cells."""
    from rich.cells import cell_len

    width = max(width, 2)
    cuts: list[int] = []
    col = 0
    line_start = 0
    for i, ch in enumerate(plain):
        if ch == "\n":
            col = 0
            line_start = i + 1
            continue
        w = cell_len(ch)
        if col + w > width and i > line_start:
            cut = _break_at(plain, i, line_start)
            cuts.append(cut)
            line_start = cut
            col = cell_len(plain[cut:i + 1]) if cut <= i else 0
            continue
        col += w
    return cuts


def wrap_text(text: Text, width: int) -> Text:
    from rich.text import Text

    offsets = wrap_offsets(text.plain, width)
    if not offsets:
        return text
    parts = text.divide(offsets)
    out = Text()
    for n, part in enumerate(parts):
        if n:
            out.append("\n")
        part.rstrip()
        out.append_text(part)
    return out


class Wrapped:
    """A rich renderable: `text` wrapped the Chinese way at whatever width it is given (a table cell)."""

    def __init__(self, text: Text):
        self.text = text

    def __str__(self) -> str:
        return self.text.plain

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield wrap_text(self.text.copy(), options.max_width)

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement.get(console, options, self.text)

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
    return ch.isascii() and (ch.isalnum() or ch in "._-/%:")


_NO_LINE_START = set("，。、；：？！）”’》】」』〉…,.;:?!)]%")
_NO_LINE_END = set("（“‘《【「『〈([")


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
            cut = i
            if _latin(ch):  # do not split a number or an English word if it can move whole
                j = i
                while j > line_start and _latin(plain[j - 1]):
                    j -= 1
                if j > line_start:
                    cut = j
            if plain[cut] == " ":
                cut += 1
            else:
                # 禁则: closing punctuation never starts a line, opening punctuation never ends one
                while cut - 1 > line_start and (plain[cut] in _NO_LINE_START or plain[cut - 1] in _NO_LINE_END):
                    cut -= 1
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

    def __rich_console__(self, console: Any, options: Any) -> Any:
        yield wrap_text(self.text.copy(), options.max_width)

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement.get(console, options, self.text)

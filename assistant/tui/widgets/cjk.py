"""Wrapping for Chinese text: break at any character (there are no spaces between words),
keep short runs of Latin letters/digits together. Textual's own wrap breaks only at spaces,
and its fold mode cuts wide characters at the wrong offsets."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static


def _latin(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in "._-/%:")


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


def _as_text(content: Any) -> Text:
    """A str is plain text (never markup; control characters shown as \\uXXXX); a Text is the caller's."""
    if isinstance(content, Text):
        return content
    from ...textsafe import plain

    return plain(content)


class WrapStatic(Static):
    """A Static whose text wraps the Chinese way (render and height both use wrap_text)."""

    def __init__(self, content: Any = "", **kwargs: Any):
        super().__init__("", **kwargs)
        self._text = _as_text(content)
        self._wrapped: dict[int, Text] = {}

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        self._text = _as_text(content)
        self._wrapped = {}
        self.refresh(layout=True)

    def _wrap(self, width: int) -> Text:
        # layout asks for the height of every bubble on every change: wrap once per width
        got = self._wrapped.get(width)
        if got is None:
            if len(self._wrapped) > 4:
                self._wrapped.clear()
            got = self._wrapped[width] = wrap_text(self._text.copy(), width)
        return got

    @property
    def plain(self) -> str:
        return self._text.plain

    def render(self) -> Text:
        return self._wrap(self.content_size.width or 80)

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return self._wrap(width).plain.count("\n") + 1

"""Wrapping for Chinese text: break at any character (there are no spaces between words),
keep short runs of Latin letters/digits together. Textual's own wrap breaks only at spaces,
and its fold mode cuts wide characters at the wrong offsets."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from assistant.text.cjkwrap import wrap_offsets, wrap_text

__all__ = ["WrapStatic", "wrap_offsets", "wrap_text"]


def _as_text(content: Any) -> Text:
    """A str is plain text (never markup; control characters shown as \\uXXXX); a Text is the caller's."""
    if isinstance(content, Text):
        return content
    from assistant.text.textsafe import plain

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

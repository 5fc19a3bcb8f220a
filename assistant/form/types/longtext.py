"""longtext: a paragraph (a narrative of the report), counted as the editor counts (字), printed as a block."""

from __future__ import annotations

from assistant.form.expr import count_chars
from assistant.form.types.text import Text


class LongText(Text):
    name = "longtext"
    narrative = True
    one_line = False
    names_report = False
    column = False

    def too_long(self, s: str, limit: int) -> str:
        n = count_chars(s)
        return f"内容太长：本题最多 {limit} 字，现在是 {n} 字，请精简。" if n > limit else ""


TYPE = LongText()

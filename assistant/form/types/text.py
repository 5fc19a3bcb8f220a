"""text: a line of words (a name, an address, a short answer); 无 where there is none."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.types.base import QuestionType
from assistant.form.types.common import NONE_TEXT, Parsed, is_none_word, refuse_invisible

if TYPE_CHECKING:
    from assistant.form.types.base import Field


class Text(QuestionType):
    name = "text"
    words = "一段文字"
    prose = True
    free_text = True
    one_line = True
    any_str = True
    names_report = True
    column = True

    def empty_message(self) -> str:
        return "本题不能为空；如确无相关情况，请填写“无”。"

    def too_long(self, s: str, limit: int) -> str:
        return f"内容太长：本题最多 {limit} 个字，现在是 {len(s)} 个字。" if len(s) > limit else ""

    def cell_formatter(self, col: Field) -> Callable[[object], str]:
        return lambda v: str(v) if v not in (None, "") else ""

    def read(self, q: Field, text: str) -> Parsed:
        s = str(text).strip()
        if not s:
            raise InputError(self.empty_message())
        refuse_invisible(s)
        if is_none_word(s):
            return Parsed(NONE_TEXT)
        limit = getattr(q, "max_chars", None)
        why = self.too_long(s, limit) if limit else ""
        if why:
            raise InputError(why)
        return Parsed(s)


TYPE = Text()

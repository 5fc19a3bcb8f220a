"""yesno: 是 or 否 (y / n, or the question's own two options), stored as True / False."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.types.choice import Choosing
from assistant.form.types.common import NO_WORDS, YES_WORDS, Parsed, kind_of, match_option, normalize, refuse_unsure

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field


class YesNo(Choosing):
    name = "yesno"
    words = "“是”或“否”"

    def parse(self, q: Question, raw: object) -> Parsed:
        if isinstance(raw, bool):  # from a file
            return Parsed(raw)
        return super().parse(q, raw)

    def read(self, q: Field, text: str) -> Parsed:
        s = normalize(text).lower().rstrip("。.!！")
        if q.options:
            o = match_option(q.options, text)
            if o:
                return Parsed(o.id == "yes")
        if s in YES_WORDS:
            return Parsed(True)
        if s in NO_WORDS:
            return Parsed(False)
        refuse_unsure(text)
        raise InputError("请回答“是”或“否”（也可以输入 y / n）。")

    def check_raw(self, q: Question, raw: object, strict: bool) -> object:
        return raw if isinstance(raw, bool) else super().check_raw(q, raw, strict)

    def stored_problem(self, q: Field, value: object, fresh: bool) -> str | None:
        return None if isinstance(value, bool) else f"应是“是”或“否”，实际是{kind_of(value)}"

    def option_id(self, stored: object) -> object:
        return ("yes" if stored else "no") if isinstance(stored, bool) else stored

    def shown(self, q: Field, stored: object, unit: bool = True) -> str:
        return "是" if stored else "否"

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        return super().format_line(q, text) if q.options else "请回答：是 / 否"


TYPE = YesNo()

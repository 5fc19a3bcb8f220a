"""A question type as a new type's module holds it: its reading, its stored check, its display and format
line (used by tests/test_question_types.py, which adds it to the registry with one line)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.types import QuestionType
from assistant.form.types.common import Parsed, kind_of, normalize

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field


class PostCode(QuestionType):
    """What a new type's module holds: its reading, its stored check, its display and format line."""

    name = "postcode"
    words = "一个邮政编码"
    one_line = True
    column = True
    echoed = True

    def read(self, q: Field, text: str) -> Parsed:
        s = normalize(text).replace(" ", "")
        if not re.fullmatch(r"\d{6}", s):
            raise InputError(f"“{text.strip()}”不是邮政编码：应为 6 位数字，如 200120。")
        return Parsed(s)

    def stored_problem(self, q: Field, value: object, fresh: bool) -> str | None:
        ok = isinstance(value, str) and re.fullmatch(r"\d{6}", value)
        return None if ok else f"应是 6 位邮政编码，实际是{kind_of(value)}"

    def shown(self, q: Field, stored: object, unit: bool = True) -> str:
        return f"邮编 {stored}"

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        return "格式：6 位邮政编码，如 200120。"


TYPE = PostCode()

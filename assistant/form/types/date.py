"""date: a day ("2024-04-08", "2024年4月8日", "20240408"), stored as YYYY-MM-DD, shown as 2024年4月8日."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.shapes import Stored, Value
from assistant.form.types.base import QuestionType
from assistant.form.types.common import Parsed, kind_of, normalize, refuse_unsure, shown_value

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


LEFT_BLANK = frozenset({"留空", "手写", "留空手写", "不印", "空白"})


class Date(QuestionType):
    name = "date"
    words = "一个日期"
    column = True

    def read(self, q: Field, text: str) -> Parsed:
        refuse_unsure(text)
        s = normalize(text).replace(" ", "")
        if s in LEFT_BLANK and not getattr(q, "required", True):  # a date written by hand later (with the seal)
            return Parsed("")
        for pat in _DATE_PATTERNS:
            m = pat.match(s)
            if m:
                try:
                    d = date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError:
                    raise InputError(f"“{text.strip()}”不是一个存在的日期。") from None
                if not 1990 <= d.year <= 2100:
                    raise InputError(f"年份 {d.year} 看起来不对，请检查。")
                return Parsed(d.isoformat())
        if re.match(r"^\d{4}[-/.年]\d{1,2}月?$", s):
            raise InputError("请写到具体哪一天，例如 2024-04-08 或 2024年4月8日。")
        raise InputError(f"看不懂日期“{text.strip()}”，请按 2024-04-08 或 2024年4月8日 的格式填写。")

    def check_raw(self, q: Question, raw: object, strict: bool) -> object:
        if isinstance(raw, datetime):
            raise InputError(f"本题应填写{self.words}，收到的是{kind_of(raw)}；请只写日期，例如 2024-04-08。")
        return super().check_raw(q, raw, strict)

    def stored_problem(self, q: Field, value: object, fresh: bool) -> str | None:
        if not isinstance(value, str):
            return f"应是文字，实际是{kind_of(value)}"
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"“{shown_value(value)}”不是日期"
        return None

    def to_python(self, q: Field, stored: Stored) -> Value:
        if not isinstance(stored, str):
            return None
        try:
            return date.fromisoformat(stored)
        except (TypeError, ValueError):
            return None

    def shown(self, q: Field, stored: object, unit: bool = True) -> str:
        if not stored:
            return ""
        if not isinstance(stored, str):
            return str(stored)
        try:
            d = date.fromisoformat(stored)
        except (TypeError, ValueError):
            return str(stored)
        return f"{d.year}年{d.month}月{d.day}日"

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        return "格式：日期，如 2023-05-01 或 2023年5月1日。"


TYPE = Date()

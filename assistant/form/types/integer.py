"""integer: a count (企业数、人数); 无 is 0; "3万" is converted and confirmed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.types.base import QuestionType, check_range, implausible
from assistant.form.types.common import (
    MAX_INT,
    Parsed,
    approx,
    approx_note,
    is_none_word,
    kind_of,
    refuse_unsure,
    split_number,
)

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field

_COUNT_SUFFIXES = ("个", "家", "人", "名", "项", "件", "条", "户")


class Integer(QuestionType):
    name = "integer"
    words = "一个整数"
    numeric = True
    whole = True
    bounded = True
    echoed = True
    column = True

    def read(self, q: Field, text: str) -> Parsed:
        if is_none_word(text):
            return Parsed(0)  # said back as "已记录：0"
        refuse_unsure(text)
        core, approx_word = approx(text)
        value, rest, _ = split_number(core)
        notes = [approx_note(text)] if approx_word else []
        converted = False
        if rest.startswith("万"):
            value, rest, converted = value * 10000, rest[1:], True
            notes.append(f"已将“{core}”换算为 {value:.0f}。")
        rest = rest.rstrip("".join(_COUNT_SUFFIXES)).strip()
        if rest:
            raise InputError(f"看不懂“{text.strip()}”中的“{rest}”：本题请填写一个整数，例如 35。")
        if value != value.to_integral_value():
            raise InputError(f"{format(value, 'f')} 不是整数：本题是数量，请填写整数，例如 35。")
        check_range(q, value, format(value, "f"))
        odd = implausible(q, value, format(value, "f") + self.unit(q))
        notes += [odd] if odd else []
        return Parsed(int(value), "".join(notes), confirm=bool(approx_word) or converted or bool(odd))

    def stored_problem(self, q: Field, value: object, fresh: bool) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"应是整数，实际是{kind_of(value)}"
        return f"数值太大（{len(str(abs(value)))} 位）" if abs(value) > MAX_INT else None

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        return f"格式：整数{('（' + q.unit + '）') if q.unit else ''}，如 35；没有填 0。"


TYPE = Integer()

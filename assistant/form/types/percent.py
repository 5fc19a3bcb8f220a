"""percent: a share or a rate in %, or a change (growth / reduction) where 下降 / 增长 words are read;
"0.15" is confirmed as 0.15%; stored like a decimal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.types.base import check_range, implausible
from assistant.form.types.common import (
    NONE_TEXT,
    Parsed,
    approx,
    approx_note,
    comma_note,
    format_decimal,
    is_none_word,
    quantize,
    refuse_unsure,
    rounding_note,
    split_number,
)
from assistant.form.types.decimal import DecimalType

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field

_FALL_WORDS = ("下降", "减少", "降低")
_RISE_WORDS = ("增长", "增加", "提高", "上升")


class Percent(DecimalType):
    name = "percent"
    words = "一个百分比"
    sign = "%"

    def read(self, q: Field, text: str) -> Parsed:
        if is_none_word(text):
            return Parsed(NONE_TEXT)
        refuse_unsure(text)
        s, approx_word = approx(text)
        sign = ""
        change = getattr(q, "change", None)
        word = next((w for w in (*_FALL_WORDS, *_RISE_WORDS) if s.startswith(w)), None)
        if word is not None:
            if change is None:  # a level (a share, a rate): "增长3%" could be the rate or its change
                raise InputError(f"“{text.strip()}”说的是变化；本题填的是比率本身，请直接填写数值，如 15 或 15%。")
            fell = word in _FALL_WORDS
            s = s[len(word):].strip()
            if s.startswith(("-", "－", "+", "＋")):
                raise InputError(f"“{text.strip()}”既写了“{word}”又写了正负号，请只用一种写法。")
            sign = "-" if fell == (change == "growth") else ""
        s, approx2 = approx(s)  # "下降约3%"
        approx_word = approx_word or approx2
        if s.startswith("百分之"):
            s = s[3:].strip() + "%"
        value, rest, comma = split_number(sign + s, decimal_comma=True)
        had_percent = rest in ("%", "‰", "个百分点")
        if rest == "‰":
            value = value / 10
        elif rest and not had_percent:
            raise InputError(f"看不懂“{text.strip()}”中的“{rest}”：本题是百分比，请填写如 15 或 15%。")
        places = getattr(q, "places", 2)
        rounded = quantize(value, places)
        notes = [approx_note(text)] if approx_word else []
        if word is not None and change == "reduction":  # the sign is the form's, not the word's: say which
            notes.append(f"本题比上年降低填正数、不降反升填负数：“{word}”按 {format_decimal(rounded, places)}% 记录。")
        if comma:
            notes.append(comma_note(s, value))
        fraction = not had_percent and value != 0 and -1 < value < 1
        if fraction:
            notes.append(f"按 {format_decimal(rounded, places)}% 记录；如果您指的是 {format_decimal(value * 100, places)}%，"
                         f"请直接输入 {format_decimal(value * 100, places)}。")
        elif rounded != value:
            notes.append(f"您填写的 {format(value, 'f')}% " + rounding_note(places, f"{format_decimal(rounded, places)}%"))
        check_range(q, rounded, f"{format_decimal(rounded, places)}%")
        odd = implausible(q, rounded, f"{format_decimal(rounded, places)}%")
        notes += [odd] if odd else []
        return Parsed(format_decimal(rounded, places), "".join(notes),
                      confirm=bool(approx_word) or comma or fraction or bool(odd))

    def unit(self, q: Field) -> str:
        return "%"

    def shown(self, q: Field, stored: object, unit: bool = True) -> str:
        return f"{stored}%" if unit and stored != NONE_TEXT else str(stored)

    def typed(self, q: Question, stored: object) -> str | None:
        return str(stored) if stored == NONE_TEXT else f"{stored}%"

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        change = getattr(q, "change", None)
        if change == "growth":
            return "格式：百分数，如 15 或 15%；减少写“-3”或“下降3%”。"
        if change == "reduction":
            return "格式：百分数，比上年降低填正数，如 3.5 或“下降3.5%”；不降反升填负数，如 -1.2 或“上升1.2%”。"
        return "格式：百分数，如 15 或 15%。"


TYPE = Percent()

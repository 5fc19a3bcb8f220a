"""decimal: an amount in the question's unit, kept with its places ("12.50"); "1.2亿" on a 万元 question is
converted and confirmed; 无 where there is none."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.shapes import Stored, Value
from assistant.form.types.base import QuestionType, check_range, implausible
from assistant.form.types.common import (
    DECIMAL,
    NONE_TEXT,
    Parsed,
    approx,
    approx_note,
    comma_note,
    format_decimal,
    is_none_word,
    kind_of,
    places_words,
    quantize,
    refuse_unsure,
    rounding_note,
    split_number,
)

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field


# Unit words accepted after a number, as a factor of the question's own unit.
_UNIT_FACTORS: dict[str, dict[str, Decimal]] = {
    "万元": {"亿元": Decimal(10000), "亿": Decimal(10000), "千万元": Decimal(1000), "千万": Decimal(1000),
            "百万元": Decimal(100), "百万": Decimal(100), "万元": Decimal(1), "万": Decimal(1),
            "元": Decimal("0.0001")},
    "亿元": {"亿元": Decimal(1), "亿": Decimal(1), "千万元": Decimal("0.1"), "千万": Decimal("0.1"),
            "百万元": Decimal("0.01"), "百万": Decimal("0.01"), "万元": Decimal("0.0001"),
            "万": Decimal("0.0001"), "元": Decimal("0.00000001")},
    "吨": {"吨": Decimal(1), "t": Decimal(1), "万吨": Decimal(10000), "千克": Decimal("0.001"),
          "公斤": Decimal("0.001"), "kg": Decimal("0.001")},
    "平方公里": {"平方公里": Decimal(1), "平方千米": Decimal(1), "km2": Decimal(1), "km²": Decimal(1),
             "公顷": Decimal("0.01"), "亩": Decimal(1) / Decimal(1500), "万亩": Decimal(10000) / Decimal(1500),
             "平方米": Decimal("0.000001"),
             "m2": Decimal("0.000001"), "万平方米": Decimal("0.01")},
}


class DecimalType(QuestionType):
    """Also the base of percent: stored as text with its places, 无 allowed, read as Decimal by conditions."""

    name = "decimal"
    words = "一个数字"
    numeric = True
    bounded = True
    echoed = True
    column = True

    def read(self, q: Field, text: str) -> Parsed:
        if is_none_word(text):
            return Parsed(NONE_TEXT)
        refuse_unsure(text)
        core, approx_word = approx(text)
        value, rest, comma = split_number(core, decimal_comma=True)
        unit = getattr(q, "unit", "") or ""
        places = getattr(q, "places", 2)
        notes = [approx_note(text)] if approx_word else []
        if comma:
            notes.append(comma_note(core, value))
        converted = False
        if rest:
            factors = _UNIT_FACTORS.get(unit, {unit: Decimal(1)} if unit else {})
            key = rest.lower() if rest.lower() in factors else rest
            if key not in factors:
                expected = f"本题单位是{unit}" if unit else "本题只需填写数字"
                raise InputError(f"无法识别单位“{rest}”：{expected}，例如 12.5{unit}。")
            factor = factors[key]
            if factor != 1:
                converted = True
                new = value * factor
                if quantize(new, places) == new:
                    notes.append(f"已将“{format(value, 'f')}{rest}”换算为 {format_decimal(new, places)} {unit}。")
                else:
                    notes.append(f"已将“{format(value, 'f')}{rest}”换算为 {format(new.normalize(), 'f')} {unit}，"
                                 + rounding_note(places, f"{format_decimal(new, places)} {unit}"))
                value = new
        rounded = quantize(value, places)
        if value and not rounded:  # 12.5万 asked in 亿元: 0.00 would stand for a figure that is not zero
            raise InputError(f"“{text.strip()}”按本题单位（{unit or '数字'}）{places_words(places)}后为 0："
                             "请检查单位是否写错。" if unit else
                             f"“{text.strip()}”{places_words(places)}后为 0：请检查数字。")
        if not converted and rounded != value:
            said = f"{format_decimal(rounded, places)} {unit}".strip()
            notes.append(f"您填写的 {format(value, 'f')} " + rounding_note(places, said))
        check_range(q, rounded, f"{format_decimal(rounded, places)}{unit}")
        odd = implausible(q, rounded, f"{format_decimal(rounded, places)}{unit}")
        notes += [odd] if odd else []
        return Parsed(format_decimal(rounded, places), "".join(notes),
                      confirm=bool(approx_word) or comma or converted or bool(odd))

    def stored_problem(self, q: Field, value: object, fresh: bool) -> str | None:
        if not isinstance(value, str) or not (value == NONE_TEXT or DECIMAL.fullmatch(value)):
            return f"应是数字，实际是{kind_of(value)}"
        return None

    def to_python(self, q: Field, stored: Stored) -> Value:
        if stored == NONE_TEXT:
            return None
        try:
            return Decimal(str(stored))
        except InvalidOperation:
            return None

    def shown(self, q: Field, stored: object, unit: bool = True) -> str:
        u = getattr(q, "unit", "")
        return f"{stored} {u}" if unit and u and stored != NONE_TEXT else str(stored)

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        unit = q.unit or ""
        conv = "；写“1.2亿”“3500万”会换算后请您确认" if unit in ("万元", "亿元", "元") else ""
        return f"格式：数字{('，单位' + unit) if unit else ''}，保留两位小数{conv}。"


TYPE = DecimalType()

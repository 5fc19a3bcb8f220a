"""Forgiving input, strict results: turn what a person types into a canonical stored value.

parse(q, raw) asks q's type (assistant/form/types/, one module per type) to read it; an override question
(a computed figure the operator may replace) is read here. The names other modules use are re-exported.

Every refusal raises InputError with a Chinese message saying what was wrong and what is expected.
Stored forms: text -> str; integer -> int; decimal/percent -> "12.50" (or "无"); yesno -> bool;
choice -> option id; date -> "YYYY-MM-DD"; list -> [{column: value}]; matrix -> {row: {col: int}}.

Never guess: a comma that is not a thousands separator is refused for integers and read as a decimal comma
(confirmed) for decimals and percentages; an approximate figure ("约3000", "80%左右") is confirmed; a figure
that says "more/less than" ("3000多") is refused; "不清楚" raises Unsure so the conversation can offer 稍后.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.override import _EXAMPLE, BASIS_MAX, COMPUTED, TYPED
from assistant.form.types import of
from assistant.form.types.base import implausible, parse_cell, range_problem
from assistant.form.types.common import (
    APPROX_PREFIXES,
    APPROX_SUFFIXES,
    NO_WORDS,
    NONE_TEXT,
    NONE_WORDS,
    NOT_EXACT_WORDS,
    YES_WORDS,
    Parsed,
    RowProblem,
    RowsError,
    Unsure,
    bound_text,
    clean_text,
    format_decimal,
    is_none_word,
    is_unsure,
    normalize,
    rounding_note,
)
from assistant.form.types.decimal import TYPE as _DECIMAL
from assistant.form.types.list import column_lookup, header_key, parse_rows, split_text_rows
from assistant.form.types.matrix import matrix_echo
from assistant.form.types.uscc import TYPE as _USCC
from assistant.form.types.uscc import credit_check_char
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.form.flow import Question

# What other modules read from here; each type's own rules are in assistant/form/types/.
__all__ = [
    "APPROX_PREFIXES",
    "APPROX_SUFFIXES",
    "NONE_TEXT",
    "NONE_WORDS",
    "NOT_EXACT_WORDS",
    "NO_WORDS",
    "YES_WORDS",
    "InputError",
    "Parsed",
    "RowProblem",
    "RowsError",
    "Unsure",
    "bound_text",
    "clean_text",
    "column_lookup",
    "credit_check_char",
    "format_decimal",
    "header_key",
    "implausible",
    "is_none_word",
    "is_unsure",
    "matrix_echo",
    "normalize",
    "parse",
    "parse_cell",
    "parse_override",
    "parse_rows",
    "parse_uscc",
    "range_problem",
    "read_as",
    "rounding_note",
    "split_text_rows",
]
parse_uscc = _USCC.read  # a credit code alone (enterprise data reads its key column with it)


def parse(q: Question, raw: object) -> Parsed:
    """Parse raw input (typed text, or structured data from a file) for question q."""
    if q.calculated:
        raise InputError("本题由系统根据您填写的数据自动计算，无需填写。")
    if q.override:  # a computed value the operator accepts, or replaces with a figure and its basis
        return parse_override(q, raw)
    return of(q).parse(q, raw)


def read_as(q: Question, text: str) -> Parsed:
    """Typed text read by q's type alone (no emptiness or override handling): a figure quoted in a draft."""
    return of(q).read(q, text)

# Digits are left out: "1" on a numeric question is a figure, not a yes.
ACCEPT_WORDS = {w for w in YES_WORDS if not w.isdigit()} | {
    "采用", "采用计算值", "用计算值", "计算值", "接受", "同意", "好", "好的", "可以", "accept", "computed"}


_KEYWORD = pattern(r"(?:数据)?(?:依据|根据|来源|出处)|basis", re.IGNORECASE)


_PAREN = pattern(r"^(?P<num>[^（(]+?)\s*[（(](?P<basis>.+)[）)]\s*$")


_LEAD = pattern(r"^(?P<num>[-+－]?[\d.,．，]+)\s*[，,；;、:：\s]\s*(?P<basis>.+)$")


def _parse_typed(q: Question, number: str, basis: str) -> Parsed:
    if is_none_word(number):
        raise InputError("本题需要一个数字；如采用助手的计算值，请输入“是”。")
    number_parsed = _DECIMAL.read(q, number)
    value = str(number_parsed.value)  # a decimal is stored as its printed text
    basis = " ".join(clean_text(basis).split()).strip(" ：:，,。")
    if not basis:
        raise InputError(f"请写明 {value} 的依据（数据来源和口径），例如“{_EXAMPLE}”。")
    if len(basis) > BASIS_MAX:
        raise InputError(f"依据太长：最多 {BASIS_MAX} 个字，现在是 {len(basis)} 个字。")
    odd = implausible(q, Decimal(value), f"{value}{q.unit}") if value != NONE_TEXT else ""
    reading = number_parsed.note.replace(odd, "")  # a figure beyond the usual range is said, its basis given
    if number_parsed.confirm and reading:  # a reading to confirm (a conversion, a decimal comma): ask for it plainly
        raise InputError(f"{reading}如无误，请输入“{value} 依据：{basis}”。")
    note = f"{number_parsed.note}\n" if number_parsed.note else ""
    return Parsed({"source": TYPED, "value": value, "basis": basis}, f"{note}记录为您填写的数字 {value}，依据：{basis}。")


def parse_override(q: Question, raw: object) -> Parsed:
    """Typed text ("是" / "45.2 依据：……") or structured data from a file (the stored form)."""
    if isinstance(raw, dict):
        keys = set(raw)
        source = raw.get("source", TYPED if "value" in raw else None)
        if source == COMPUTED and keys <= {"source"}:
            return Parsed({"source": COMPUTED})
        if source == TYPED and keys <= {"source", "value", "basis"} and isinstance(raw.get("basis"), str) \
                and isinstance(raw.get("value"), (str, int, float, Decimal)) and not isinstance(raw.get("value"), bool):
            return _parse_typed(q, str(raw["value"]), raw["basis"])
        raise InputError("格式不对：应为 {source: computed}（采用计算值），或 {source: typed, value: 数字, basis: 依据}。")
    if raw is True:
        return Parsed({"source": COMPUTED})
    if raw is None or isinstance(raw, bool):
        raise InputError("请回答“是”采用计算值，或输入数字和依据。")
    if normalize(str(raw)).lower().rstrip("。.!！") in ACCEPT_WORDS or not str(raw).strip():
        return Parsed({"source": COMPUTED}, "采用助手的计算值。")
    text = str(raw).strip()  # the basis is kept as typed: only the number is normalised
    kw = _KEYWORD.search(text)
    if kw and kw.start() > 0:
        return _parse_typed(q, text[:kw.start()].strip(" ，,；;。、"), text[kw.end():].lstrip(" :：为是"))
    for shape in (_PAREN, _LEAD):
        m = shape.match(text)
        if m:
            return _parse_typed(q, m["num"].strip(), m["basis"])
    try:
        value = _DECIMAL.read(q, text).value
    except InputError:
        raise InputError(f"看不懂“{text}”：采用助手的计算值请输入“是”；填写其他数字请写明依据，例如“{_EXAMPLE}”。") from None
    if value == NONE_TEXT:
        raise InputError("本题需要一个数字；如采用助手的计算值，请输入“是”。")
    raise InputError(f"请同时写明 {value} 的依据（数据来源和口径），例如“{_EXAMPLE}”。"
                     "如采用助手的计算值，请输入“是”。")

"""What a question type is: one QuestionType per type, holding how its answers are read, checked, shown and
written; the registry (TYPES, filled by assistant/form/types/__init__.py) that everything else asks.

A type decides for its own questions and for the columns of a list that have its type. Capabilities that other
parts of the program branch on (a figure, words counted, rows, a grid, options) are flags, never type names.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from msgspec import Struct, field

from assistant.errors import InputError
from assistant.form.shapes import Stored, Value
from assistant.form.types.common import (
    MAX_INT,
    MAX_NUMBER_CHARS,
    NONE_TEXT,
    Parsed,
    bound_text,
    check_text,
    kind_of,
    refuse_invisible,
    shown_value,
)

if TYPE_CHECKING:
    from assistant.form.flow import Column, Option, Question


class Cell(Struct, frozen=True):
    """One cell of a grid (a matrix): read as its type reads a column, with its own bounds."""
    id: str
    type: str
    label: str = ""
    required: bool = True
    min: float | None = None
    max: float | None = None
    options: list[Option] = field(default_factory=list)


if TYPE_CHECKING:
    Field: TypeAlias = Question | Column | Cell  # what a type reads for: a question, a list's column, a grid's cell


class QuestionType:
    """The defaults are those of a one-line value typed as text; each type overrides what is its own."""

    name: str = ""
    words: str = "一个值"  # what a file should give, in words ("本题应填写一个整数")
    # Capabilities other modules ask for (instead of comparing type names):
    numeric: bool = False  # one figure (integer, decimal, percent): ranges, figures in drafts, overview columns
    whole: bool = False  # a figure kept as a whole number (a count): stored as an int
    prose: bool = False  # words (text, longtext): 字数 limits and budgets, "如确无相关情况，请填写“无”"
    narrative: bool = False  # a paragraph (longtext): edited as one, printed as a narrative block
    is_list: bool = False  # rows of a table, edited in a table editor, printed as a list
    is_grid: bool = False  # counts by row and column (matrix), confirmed as a small table
    has_choices: bool = False  # options shown as numbered rows (yes/no, choice)
    echoed: bool = False  # the stored value is said back ("已记录：…"): a slip shows at once
    free_text: bool = False  # any text is an answer: only a whole command is a command
    one_line: bool = False  # a value stored now holds no line break
    any_str: bool = False  # any str is a well-shaped saved value (a saved file is judged by shape alone)
    names_report: bool = False  # may name the report in an overview (a name, a contact)
    bounded: bool = False  # min/max/plausible bounds apply (figures and grids of counts)
    column: bool = False  # may be the type of a list's column
    sign: str = ""  # written right after a figure, as in 12.5% (a computed value said in a note)

    # -- reading ---------------------------------------------------------------------------
    def read(self, q: Field, text: str) -> Parsed:
        """Typed text (not blank, already free of invisible-only input) -> the stored value."""
        raise NotImplementedError(self.name)

    def empty_message(self) -> str:
        return "请填写本题。"

    def parse(self, q: Question, raw: object) -> Parsed:
        """Raw input (typed text, or a value from a file that check_raw let through) for question q."""
        text = "" if raw is None else str(raw)
        if not text.strip():
            raise InputError(self.empty_message())
        refuse_invisible(text)
        return self.read(q, text)

    def check_raw(self, q: Question, raw: object, strict: bool) -> object:
        """Refuse what parse() must never read (raw is not None); return the value to hand to parse()."""
        want = self.words
        if isinstance(raw, str):
            check_text(raw)
            if not self.prose and len(raw) > MAX_NUMBER_CHARS:
                raise InputError(f"内容太长（{len(raw)} 个字符），不像{want}。")
            return raw
        if isinstance(raw, bool):
            raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}。")
        if isinstance(raw, int):
            if abs(raw) > MAX_INT:
                raise InputError(f"数字位数太多（{len(str(abs(raw)))} 位），请检查。")
            return raw
        if isinstance(raw, float):
            if not math.isfinite(raw):
                raise InputError(f"{shown_value(raw)} 不是有限的数字。")
            if self.numeric:
                return raw
            raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}；如确是这样写，请加引号作为文字填写。")
        if isinstance(raw, datetime):
            raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}。")
        if isinstance(raw, date):
            return raw.isoformat()
        raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}。")

    # -- stored values ---------------------------------------------------------------------
    def stored_problem(self, q: Field, value: object, fresh: bool) -> str | None:
        """None when value is exactly a stored form of this type, else the reason.

        fresh: stored now, so input-only rules apply too (one line, one of today's options)."""
        if not isinstance(value, str):
            return f"应是文字，实际是{kind_of(value)}"
        if fresh and self.one_line and ("\n" in value or "\r" in value):
            return "本题只填一行，内容里不能有换行"
        return None

    def to_python(self, q: Field, stored: Stored) -> Value:
        """The value conditions see (stored is not None)."""
        return stored

    def option_id(self, stored: object) -> object:
        """Which option a stored answer is (yes/no store True/False)."""
        return stored

    # -- showing ---------------------------------------------------------------------------
    def shown(self, q: Field, stored: object, unit: bool = True) -> str:
        """Text for one answer as printed (stored is not None)."""
        return str(stored)

    def cell_formatter(self, col: Field) -> Callable[[object], str]:
        """How a list's column prints its cells in the document ("" for an empty cell); made once per
        column, called for every row (a list can be 10 000 rows)."""
        return lambda v: self.shown(col, v, False) if v not in (None, "") else ""

    def typed(self, q: Question, stored: object) -> str | None:
        """The stored answer as a person types it (typing it again stores the same value); None when it is
        edited in its own editor."""
        return str(stored)

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        """How an answer is written: the one "格式：…" line of the question view ("" for none).
        text fills the form's wording (the year)."""
        return ""

    def unit(self, q: Field) -> str:
        """The unit a figure is said in."""
        return getattr(q, "unit", "") or ""

    # -- the form --------------------------------------------------------------------------
    def spec_problem(self, q: Question) -> str:
        """What the flow file lacks for a question of this type ("" when nothing)."""
        return ""


TYPES: dict[str, QuestionType] = {}


def register(qtype: QuestionType) -> QuestionType:
    TYPES[qtype.name] = qtype
    return qtype


def named(name: str) -> QuestionType:
    return TYPES[name]


def of(q: Field) -> QuestionType:
    """The type of a question, a list's column or a grid's cell."""
    return TYPES[q.type]


# -- ranges: every figure (a question or a column) ---------------------------------------------
def range_problem(q: Field, value: Decimal, shown: str) -> str:
    """Why value is outside the form's range for q ("" when inside): no report can hold it."""
    unit = of(q).unit(q)
    lo, hi = q.min, q.max
    if lo is not None:
        excl = getattr(q, "min_exclusive", False)
        if (value <= Decimal(str(lo))) if excl else (value < Decimal(str(lo))):
            if lo == 0 and not excl:
                return f"{shown} 不能是负数。"
            bound = f"大于 {bound_text(lo)}" if excl else f"不小于 {bound_text(lo)}"
            return f"{shown} 超出范围：本题应{bound}{unit}。"
    if hi is not None and value > Decimal(str(hi)):
        return f"{shown} 超出范围：本题最大为 {bound_text(hi)}{unit}，请检查数字的位数和单位。"
    return ""


def check_range(q: Field, value: Decimal, shown: str) -> None:
    why = range_problem(q, value, shown)
    if why:
        raise InputError(why)


def implausible(q: Field, value: Decimal, shown: str) -> str:
    """Why value, within the range, is beyond what a real report holds ("" when it is not): confirmed
    when typed, said when read from a file, a warning in the check."""
    unit = of(q).unit(q)
    lo, hi = getattr(q, "plausible_min", None), getattr(q, "plausible_max", None)
    if hi is not None and value > Decimal(str(hi)):
        return f"{shown}，超出了一般的范围（通常不超过 {bound_text(hi)}{unit}），请核对数字的位数和单位。"
    if lo is not None and value < Decimal(str(lo)):
        return f"{shown}，低于一般的范围（通常不低于 {bound_text(lo)}{unit}），请核对。"
    return ""


def parse_cell(col: Column | Cell, raw: object) -> Stored:
    """One cell of a list row or a grid. Empty optional cells are stored as ""."""
    text = "" if raw is None else str(raw)
    if not text.strip():
        if col.required:
            raise InputError(f"“{col.label or col.id}”不能为空。")
        return ""
    refuse_invisible(text)
    parsed = of(col).read(col, text)
    if parsed.confirm:  # a cell has no turn of its own to confirm a reading in: say it and ask for the figure
        raise InputError(f"“{col.label or col.id}”：{parsed.note}表格中请直接填写确切的数值。")
    return parsed.value


__all__ = ["NONE_TEXT", "TYPES", "Cell", "QuestionType", "check_range", "implausible", "named", "of",
           "parse_cell", "range_problem", "register"]

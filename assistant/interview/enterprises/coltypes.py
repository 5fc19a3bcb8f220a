"""What a column type of the enterprise collection workbook means: one ColumnType per type, holding how a
cell is read (reader.py), what a spec may compare it with (columns.py), and how the workbook writes, formats
and validates it (workbook.py). Everything else asks the registry (TYPES); nothing compares type names.

A new column type is one class here and one line in TYPES.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, TypeAlias

from assistant.errors import InputError
from assistant.files.tables import MAX_CELL_CHARS
from assistant.form.parse import NO_WORDS, YES_WORDS, credit_check_char, normalize, parse_uscc

_PLAIN = re.compile(r"-?\d+(?:\.\d+)?")
_GROUPED = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_QUOTES = str.maketrans({"“": '"', "”": '"', "＂": '"', "「": '"', "」": '"'})
_CODE = re.compile(r"[0-9A-HJ-NP-RTUWXY]{18}")
# Characters a cell can hold without showing them: zero-width, BOM, soft hyphen, direction marks. Taken out of
# codes, numbers and choices (they would make "a 19-digit code" with nothing visible to fix); named when a
# cell is still refused. No-break spaces read as spaces (NFKC).
INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_NBSP = re.compile("[\u00a0\u2007\u202f]")
HIDDEN = "（单元格里含有看不见的字符，如零宽空格、BOM 或不换行空格，请删除后重新输入）"
YES, NO = "是", "否"  # as the workbook writes a yes/no cell and offers it in the drop-down
CellValue: TypeAlias = Decimal | str | bool | int | None  # a cell as read (figures Decimal), or a list's cell
EnterpriseRow: TypeAlias = dict[str, CellValue]  # one enterprise: column id -> its value

_YES_READ = {w for w in YES_WORDS} | {"true", "√"}
_NO_READ = {w for w in NO_WORDS} | {"false"}


class _Option(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def label(self) -> str: ...


class Column(Protocol):
    """What a type reads of its column (columns.Col)."""

    @property
    def id(self) -> str: ...

    @property
    def header(self) -> str: ...

    @property
    def unit(self) -> str: ...

    @property
    def options(self) -> Sequence[_Option]: ...

    @property
    def max(self) -> Decimal | None: ...


# -- cells ------------------------------------------------------------------------------------------
def visible(v: str) -> tuple[str, bool]:
    """The cell's text without invisible characters, and whether it held any (no-break spaces included)."""
    clean = INVISIBLE.sub("", v)
    return clean, len(clean) != len(v) or bool(_NBSP.search(v))


def shown_number(d: Decimal) -> str:
    """A number as a person reads it: 1×10^30 rather than thirty-one digits."""
    if d.adjusted() >= 15:
        mantissa, exp = format(d, ".3e").split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}×10^{int(exp)}"
    return format(d.normalize(), "f") if d == d.to_integral_value() else str(d)


def read_number(v: object, integer: bool) -> Decimal:
    """A cell as a non-negative number; ValueError with the reason in Chinese."""
    if type(v) is float:
        if v != v or v in (float("inf"), float("-inf")):
            raise ValueError("不是有限的数字")
        d = Decimal(repr(v))
    elif type(v) is int:
        d = Decimal(v)
    elif isinstance(v, str):
        s, hidden = visible(v)
        s = normalize(s).strip()
        if _PLAIN.fullmatch(s):
            d = Decimal(s)
        elif _GROUPED.fullmatch(s):
            d = Decimal(s.replace(",", ""))
        else:
            raise ValueError(f"“{s[:20]}”不是数字" + (HIDDEN if hidden else "（只填数字，不要填单位或文字）"))
    elif isinstance(v, bool):
        raise ValueError("不是数字")
    else:
        raise ValueError(f"“{str(v)[:20]}”不是数字")
    if d < 0:
        raise ValueError(f"{shown_number(d)} 是负数，本列不能为负")  # -50, not -50.0
    if integer and d != d.to_integral_value():
        raise ValueError(f"{d} 不是整数")
    return d


# -- the types --------------------------------------------------------------------------------------
class ColumnType:
    """The defaults are those of a text column."""

    name = ""
    numeric = False  # a figure: summed by measures, bounded by `max`, compared by `apart`, a number cell
    integer = False  # a whole number (a count)
    names = False  # the enterprise's name (the first such column names it in messages)
    yes_no = False  # holds 是/否 (True/False): what an `only` check restricts to some rows
    number_format = "@"  # the workbook's cell format (text: "=…" stays text, codes keep their zeros)
    checks_as_is = False  # as_is() can say yes: asked of every cell of a long column only then

    def read(self, col: Column, v: object) -> object:
        """A filled cell as the column's value; ValueError (the reason, in Chinese) when it is not one."""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if isinstance(v, (datetime, date)):
            v = v.isoformat()
        s = " ".join(INVISIBLE.sub("", str(v)).split())
        if len(s) > MAX_CELL_CHARS:
            raise ValueError(f"内容超过 {MAX_CELL_CHARS} 个字符")
        return s

    def quick(self, col: Column) -> dict[str, object]:
        """Cell texts read without parsing (a drop-down's own words): text -> value."""
        return {}

    def as_is(self, v: object) -> bool:
        """The cell already holds the stored value exactly (the common case of a long column, checked fast)."""
        return False

    def where_value(self, col: Column, v: object) -> object:
        """A value a spec's `where` compares this column with, as kept; ValueError (in English) when it cannot be."""
        return v

    def shown(self, col: Column, v: object) -> object:
        """A stored value as the enterprise types it (a prefilled cell)."""
        return v

    def labels(self, col: Column) -> list[str]:
        """The words of the cell's drop-down ([] for none)."""
        return []

    def choices_line(self, col: Column) -> str:
        """The 填表说明 line on what may be put in the cell ("" when anything goes)."""
        return ""

    def validation(self, col: Column) -> dict[str, object] | None:
        """The workbook's data validation of the column's cells (None for none)."""
        labels = self.labels(col)
        return {"validate": "list", "source": labels} if labels else None

    def condition(self, col: Column, want: object) -> str:
        """A spec's `where` as the evidence says it: “列”为“…”."""
        wanted = want if isinstance(want, tuple) else (want,)
        return f"“{col.header}”为“{'、'.join(str(self.shown(col, w)) for w in wanted)}”"


class TextColumn(ColumnType):
    name = "text"
    names = True


class UsccColumn(ColumnType):
    name = "uscc"
    checks_as_is = True

    def read(self, col: Column, v: object) -> object:
        text, hidden = visible(str(v))
        try:
            return parse_uscc(col, text).value  # type: ignore[arg-type]  # reads only the column's label
        except InputError as exc:
            raise ValueError(str(exc).rstrip("。") + (HIDDEN if hidden else "")) from None

    def as_is(self, v: object) -> bool:
        return type(v) is str and bool(_CODE.fullmatch(v)) and credit_check_char(v[:17]) == v[17]

    def validation(self, col: Column) -> dict[str, object] | None:
        return {"validate": "length", "criteria": "==", "value": 18, "error_title": "统一社会信用代码",
                "error_message": "统一社会信用代码为 18 位。"}


class YesNoColumn(ColumnType):
    name = "yesno"
    yes_no = True

    def read(self, col: Column, v: object) -> object:
        if isinstance(v, bool):
            return v
        s = normalize(INVISIBLE.sub("", str(v))).strip().lower()
        if s in _YES_READ:
            return True
        if s in _NO_READ:
            return False
        raise ValueError(f"“{s[:20]}”应为“是”或“否”")

    def quick(self, col: Column) -> dict[str, object]:
        return {**dict.fromkeys(_YES_READ, True), **dict.fromkeys(_NO_READ, False), YES: True, NO: False}

    def where_value(self, col: Column, v: object) -> object:
        if not isinstance(v, bool):
            raise ValueError(f"{col.id} is yes/no, compare with true/false")
        return v

    def shown(self, col: Column, v: object) -> object:
        return YES if v else NO

    def labels(self, col: Column) -> list[str]:
        return [YES, NO]

    def choices_line(self, col: Column) -> str:
        return f"填“{YES}”或“{NO}”。"


class ChoiceColumn(ColumnType):
    name = "choice"

    def read(self, col: Column, v: object) -> object:
        s = normalize(INVISIBLE.sub("", str(v))).strip().translate(_QUOTES)
        for o in col.options:
            if s in (o.id, o.label.translate(_QUOTES)):
                return o.id
        raise ValueError(f"“{s[:20]}”不是可选项（可选：{'、'.join(o.label for o in col.options)}）")

    def quick(self, col: Column) -> dict[str, object]:
        return {o.label: o.id for o in col.options}

    def where_value(self, col: Column, v: object) -> object:
        ids = {o.id for o in col.options}
        vals = v if isinstance(v, list) else [v]
        if not all(x in ids for x in vals):
            raise ValueError(f"{v!r} is not an option of {col.id}")
        return tuple(vals)

    def shown(self, col: Column, v: object) -> object:
        return next((o.label for o in col.options if o.id == v), str(v))

    def labels(self, col: Column) -> list[str]:
        return [o.label for o in col.options]

    def choices_line(self, col: Column) -> str:
        return f"可选：{'、'.join(self.labels(col))}。"


class DecimalColumn(ColumnType):
    name = "decimal"
    numeric = True
    number_format = "0.00"
    words = "数字"

    def read(self, col: Column, v: object) -> object:
        return read_number(v, self.integer)

    def validation(self, col: Column) -> dict[str, object] | None:
        # the same plausible maximum the import checks: a figure in 元 is caught while typing
        top = format(col.max.normalize(), "f") if col.max is not None else ""
        bound: dict[str, object] = ({"criteria": "between", "minimum": 0, "maximum": float(top)} if top
                                    else {"criteria": ">=", "value": 0})
        most = f"、不大于 {top} " if top else " "
        return {"validate": self.name, **bound, "error_title": "请填写数字",
                "error_message": f"“{col.header}”只填不小于 0{most}的{self.words}"
                                 + (f"，单位为{col.unit}" if col.unit else "") + "。"}


class IntegerColumn(DecimalColumn):
    name = "integer"
    integer = True
    number_format = "0"
    words = "整数"


TYPES: dict[str, ColumnType] = {t.name: t for t in (TextColumn(), UsccColumn(), YesNoColumn(), ChoiceColumn(),
                                                    DecimalColumn(), IntegerColumn())}


def column_type(name: str) -> ColumnType:
    return TYPES[name]


__all__ = ["HIDDEN", "INVISIBLE", "NO", "TYPES", "YES", "CellValue", "Column", "ColumnType", "EnterpriseRow", "column_type",
           "read_number",
           "shown_number", "visible"]

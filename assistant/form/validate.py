"""Shape checks for values that arrive from files: answer files, JSON reports, session documents.

parse.py reads what a person types; this module decides first whether a value from a file is
something parse() may read at all (no list for a text, no NaN, no null), and afterwards whether a
stored value has exactly the canonical form parse.py documents. Every refusal raises InputError
with a Chinese reason; callers add the question's id and label.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from assistant.errors import FlowError, InputError
from assistant.form.catalog import form_ids, resolve
from assistant.form.flow import Column, Question
from assistant.form.override import BASIS_MAX, COMPUTED, TYPED
from assistant.form.parse import NONE_TEXT

YEAR_MIN, YEAR_MAX = 2000, 2100
MAX_INT = 10**15  # larger than any count on a form; keeps every integer far below Python's int-string limit
MAX_NUMBER_CHARS = 200  # a number, date, phone, code or option typed longer than this is not one
MAX_ROWS = 200_000
MAX_ERRORS = 20  # one screenful of reasons; the rest are summarised
FORM_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_DECIMAL = re.compile(r"-?\d{1,20}(\.\d{1,6})?")
_ONE_LINE = ("text", "phone", "uscc")
_NUMERIC = ("integer", "decimal", "percent")
_STR_TYPES = ("text", "longtext", "phone", "uscc", "choice")
_TYPE_WORDS = {
    "text": "一段文字", "longtext": "一段文字", "integer": "一个整数", "decimal": "一个数字", "percent": "一个百分比",
    "yesno": "“是”或“否”", "choice": "一个选项", "date": "一个日期", "phone": "一个电话号码",
    "uscc": "统一社会信用代码", "list": "若干行名单", "matrix": "各行各列的数量",
}


# -- small helpers ------------------------------------------------------------------------------
def shown(value: Any, limit: int = 40) -> str:
    """Any value as printable text for a message: unencodable characters escaped, long text cut."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "…"


def kind_of(value: Any) -> str:
    """What a file gave, in words."""
    if value is None:
        return "空值（null）"
    if isinstance(value, bool):
        return f"“{str(value).lower()}”（是/否值）"
    if isinstance(value, (int, float)):
        return f"数字（{shown(value)}）"
    if isinstance(value, str):
        return f"文字“{shown(value)}”"
    if isinstance(value, (list, tuple)):
        return f"列表（{len(value)} 项）"
    if isinstance(value, dict):
        return "映射（键值对）"
    if isinstance(value, (bytes, bytearray)):
        return "二进制数据（!!binary）"
    if isinstance(value, datetime):
        return f"日期时间（{value.isoformat()}）"
    if isinstance(value, date):
        return f"日期（{value.isoformat()}）"
    return f"无法识别的值（{type(value).__name__}）"


def check_text(text: str) -> None:
    """Refuse text that cannot be saved as UTF-8 (a lone surrogate from a JSON escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"含有无法保存的字符（U+{ord(text[exc.start]):04X}，第 {exc.start + 1} 个字符），"
                         "请删去后重试。") from None


def check_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputError(f"年度应是一个整数年份，例如 2023（收到的是{kind_of(year)}）。")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InputError(f"年度 {year} 不像填报年度：应在 {YEAR_MIN}–{YEAR_MAX} 之间。")
    return year


class UnknownForm(InputError):
    """A session of a form none of the forms folders holds (str(): the form id)."""


def known_forms() -> list[str]:
    """Form ids are the names of the flow files (a form is data, never a path), discovered by assistant/form/catalog.py."""
    return [fid for fid in form_ids() if FORM_ID.fullmatch(fid)]


def form_id(value: Any) -> str | None:
    """The form id for a form id or its short name; None for anything else (paths included)."""
    if not isinstance(value, str) or not FORM_ID.fullmatch(value):
        return None
    if value in known_forms():
        return value
    try:
        return resolve(value)
    except FlowError:
        return None


def check_form(value: Any) -> str:
    name = form_id(value)
    if value is None:
        raise InputError(f"缺少表单编号 form（可选：{'、'.join(known_forms())}）。")
    if name is None:
        raise InputError(f"表单“{shown(value)}”不是已知的表单（可选：{'、'.join(known_forms())}）。")
    return name


# -- raw values from a file, before parse() ----------------------------------------------------
def _scalar_cell(where: str, col: Column, v: Any) -> Any:
    if v is None:
        return None  # an empty cell: parse_cell decides whether the column may be empty
    if isinstance(v, str):
        check_text(v)
        return v
    if isinstance(v, bool):
        raise InputError(f"{where}“{col.label or col.id}”：{kind_of(v)}不能作为本列的值。")
    if isinstance(v, int):
        if abs(v) > MAX_INT:
            raise InputError(f"{where}“{col.label or col.id}”：数字位数太多（{len(str(abs(v)))} 位）。")
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise InputError(f"{where}“{col.label or col.id}”：{shown(v)} 不是有限的数字。")
        return v
    if isinstance(v, date) and not isinstance(v, datetime):
        return v.isoformat()
    raise InputError(f"{where}“{col.label or col.id}”应是一个值，收到的是{kind_of(v)}。")


def _raw_rows(q: Question, raw: Any, strict: bool) -> Any:
    if isinstance(raw, str):
        if strict:
            raise InputError("名单应是若干行（JSON 数组，每行一个对象），收到的是一段文字。")
        check_text(raw)
        return raw
    if not isinstance(raw, (list, tuple)):
        raise InputError(f"名单应是若干行，收到的是{kind_of(raw)}。")
    if len(raw) > MAX_ROWS:
        raise InputError(f"名单最多 {MAX_ROWS} 行，收到 {len(raw)} 行。")
    by_id = {c.id: c for c in q.columns}
    rows: list[Any] = []
    for n, row in enumerate(raw, 1):
        where = f"第 {n} 行"
        if isinstance(row, dict):
            cells: dict[str, Any] = {}
            for k, v in row.items():
                if not isinstance(k, str):
                    raise InputError(f"{where}：列名应是文字，收到的是{kind_of(k)}。")
                if type(v) is str and k in by_id:  # the common case, kept fast for a 10 000-row list
                    check_text(v)
                    cells[k] = v
                    continue
                check_text(k)
                cells[k] = _scalar_cell(where, by_id.get(k) or Column(id=k, label=k), v)
            rows.append(cells)
        elif isinstance(row, (list, tuple)):
            cols = list(q.columns) + [Column(id=str(i), label=f"第 {i} 列") for i in range(len(q.columns) + 1, len(row) + 1)]
            rows.append([_scalar_cell(where, c, v) for c, v in zip(cols, row, strict=False)])
        else:
            raise InputError(f"{where}应是一行各列的值，收到的是{kind_of(row)}。")
    return rows


def _raw_matrix(q: Question, raw: Any, strict: bool) -> Any:
    if isinstance(raw, str):
        if strict:
            raise InputError("应是“行 → 列 → 数量”的映射（JSON 对象），收到的是一段文字。")
        check_text(raw)
        return raw
    if not isinstance(raw, dict):
        raise InputError(f"应是“行 → 列 → 数量”的映射，收到的是{kind_of(raw)}。")
    cell = Column(id="n", label="数量", type="integer")
    out: dict[str, Any] = {}
    for rk, cols in raw.items():
        if not isinstance(rk, (str, int)) or isinstance(rk, bool) or not isinstance(cols, dict):
            raise InputError(f"“{shown(rk)}”一行应是“列 → 数量”的映射，收到的是{kind_of(cols)}。")
        check_text(str(rk))
        row: dict[str, Any] = {}
        for ck, v in cols.items():
            if not isinstance(ck, (str, int)) or isinstance(ck, bool):
                raise InputError(f"“{shown(rk)}”一行的列名应是文字，收到的是{kind_of(ck)}。")
            check_text(str(ck))
            if v is None:
                raise InputError(f"“{shown(rk)}·{shown(ck)}”：空值（null）不是数量；没有请填 0。")
            row[str(ck)] = _scalar_cell(f"“{shown(rk)}”一行", cell, v)
        out[str(rk)] = row
    return out


def check_raw(q: Question, raw: Any, *, strict: bool = False) -> Any:
    """Refuse what parse() must never read for q; return the value to hand to parse().

    strict (JSON reports, the exchange format): lists and matrices must be given as structures,
    not as typed text.
    """
    if raw is None:
        raise InputError("空值（null）不是回答：未填写的题请从文件中删去；确无相关情况请填写“无”。")
    if q.type == "list":
        return _raw_rows(q, raw, strict)
    if q.type == "matrix":
        return _raw_matrix(q, raw, strict)
    if q.override and isinstance(raw, dict):  # the stored form, from a JSON report; parse_override checks keys
        for v in raw.values():
            if isinstance(v, str):
                check_text(v)
        return raw
    want = _TYPE_WORDS.get(q.type, "一个值")
    if isinstance(raw, str):
        check_text(raw)
        if q.type not in ("text", "longtext") and len(raw) > MAX_NUMBER_CHARS:
            raise InputError(f"内容太长（{len(raw)} 个字符），不像{want}。")
        return raw
    if isinstance(raw, bool):
        if q.type == "yesno":
            return raw
        raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}。")
    if isinstance(raw, int):
        if abs(raw) > MAX_INT:
            raise InputError(f"数字位数太多（{len(str(abs(raw)))} 位），请检查。")
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise InputError(f"{shown(raw)} 不是有限的数字。")
        if q.type in _NUMERIC:
            return raw
        raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}；如确是这样写，请加引号作为文字填写。")
    if isinstance(raw, datetime):
        raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}；请只写日期，例如 2024-04-08。"
                         if q.type == "date" else f"本题应填写{want}，收到的是{kind_of(raw)}。")
    if isinstance(raw, date):
        return raw.isoformat()
    raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}。")


# -- stored values: exactly the canonical forms of parse.py ------------------------------------
def _stored_scalar(t: str, value: Any, option_ids: set[str], fresh: bool) -> str | None:
    """None when value is a valid stored form for type t, else the reason."""
    if t in ("text", "longtext", "phone", "uscc", "choice", "date"):
        if not isinstance(value, str):
            return f"应是文字，实际是{kind_of(value)}"
        if t == "date" and value:
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"“{shown(value)}”不是日期"
        if fresh and t == "choice" and value not in option_ids:
            return f"“{shown(value)}”不是可选项"
        if fresh and t in _ONE_LINE and ("\n" in value or "\r" in value):
            return "本题只填一行，内容里不能有换行"
        return None
    if t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"应是整数，实际是{kind_of(value)}"
        return f"数值太大（{len(str(abs(value)))} 位）" if abs(value) > MAX_INT else None
    if t in ("decimal", "percent"):
        if not isinstance(value, str) or not (value == NONE_TEXT or _DECIMAL.fullmatch(value)):
            return f"应是数字，实际是{kind_of(value)}"
        return None
    if t == "yesno":
        return None if isinstance(value, bool) else f"应是“是”或“否”，实际是{kind_of(value)}"
    return f"未知的题型 {t}"


def stored_problem(q: Question, value: Any, *, fresh: bool = False) -> str | None:
    """Why value is not a valid stored answer for q (None when it is).

    fresh: the value is being stored now, so input-only rules apply too (a one-line text has no
    line break, a choice is one of today's options); a saved file is judged by shape alone.
    """
    if q.type == "list":
        if not isinstance(value, list):
            return f"名单应是若干行，实际是{kind_of(value)}"
        cols = {c.id: c for c in q.columns}
        option_ids = {c.id: {o.id for o in c.options} for c in q.columns}
        # Columns where any str will do (a cell of a list may hold a line break; fresh choices are checked).
        plain = {c.id for c in q.columns if c.type in (("text", "longtext") if fresh else _STR_TYPES)}
        for n, row in enumerate(value, 1):
            if not isinstance(row, dict):
                return f"第 {n} 行应是一行各列的值，实际是{kind_of(row)}"
            for cid, cell in row.items():
                if type(cell) is str and (cell == "" or cid in plain):
                    continue  # the common case, kept fast: a 10 000-row list is checked on every load
                col = cols.get(cid)
                if col is None:
                    if fresh:
                        return f"第 {n} 行：没有“{shown(cid)}”这一列"
                    if not isinstance(cell, (str, int, float, bool)) and cell is not None:
                        return f"第 {n} 行“{shown(cid)}”：{kind_of(cell)}"
                    continue
                why = _stored_scalar(col.type, cell, option_ids[cid], fresh and col.type != "text")
                if why:
                    return f"第 {n} 行“{col.label or col.id}”：{why}"
        return None
    if q.type == "matrix":
        if not isinstance(value, dict):
            return f"应是“行 → 列 → 数量”，实际是{kind_of(value)}"
        row_ids, col_ids = {r.id for r in q.rows}, {c.id for c in q.cols}
        for rk, row in value.items():
            if rk not in row_ids or not isinstance(row, dict):
                return f"没有“{shown(rk)}”这一行，或这一行不是“列 → 数量”"
            for ck, n in row.items():
                if ck not in col_ids:
                    return f"没有“{shown(ck)}”这一列"
                if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_INT:
                    return f"“{shown(rk)}·{shown(ck)}”应是不小于 0 的整数，实际是{kind_of(n)}"
        return None
    if q.override and isinstance(value, dict):
        return _stored_override(value)
    return _stored_scalar(q.type, value, {o.id for o in q.options}, fresh)


def _stored_override(value: dict[str, Any]) -> str | None:
    """An override question stores {"source": "computed"} or the typed figure with its basis."""
    source = value.get("source")
    if source == COMPUTED and set(value) == {"source"}:
        return None
    if source == TYPED and set(value) <= {"source", "value", "basis"}:
        figure, basis = value.get("value"), value.get("basis", "")
        if not isinstance(figure, str) or not _DECIMAL.fullmatch(figure):
            return f"填写的数字应是数字，实际是{kind_of(figure)}"
        if not isinstance(basis, str) or len(basis) > BASIS_MAX:
            return f"数据依据应是不超过 {BASIS_MAX} 字的文字，实际是{kind_of(basis)}"
        return None
    return f"应是“采用计算值”或“数字 + 依据”，实际是{kind_of(value)}"


def check_stored(q: Question, value: Any, *, fresh: bool = False) -> None:
    why = stored_problem(q, value, fresh=fresh)
    if why:
        raise InputError(why + "。")



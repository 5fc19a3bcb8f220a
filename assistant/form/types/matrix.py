"""matrix: counts by row and column (e.g. standards led / joined, by level), typed as numbers in order or named
by row, always confirmed as a small table; stored as {row: {col: n}}."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from assistant.errors import InputError
from assistant.form.types.base import Cell, QuestionType, parse_cell
from assistant.form.types.common import (
    MAX_INT,
    Parsed,
    check_text,
    is_none_word,
    kind_of,
    match_option,
    normalize,
    refuse_unsure,
    scalar_cell,
    shown_value,
)
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field

# Words that may stand between the figures of a matrix ("国家标准 主持 1 项") and mean nothing by themselves.
MATRIX_FILLERS = ("标准", "数量", "项", "个", "件", "条", "类", "分别", "各", "为", "是", "有", "和", "及", "共")


def matrix_echo(q: Question, grid: Mapping[str, Mapping[str, object]]) -> list[list[str]]:
    """The grid as a small table to show back: header (corner, column labels), then one line per row."""
    head = [q.corner or "", *(c.label or c.id for c in q.cols)]
    return [head, *([r.label or r.id, *(str(grid.get(r.id, {}).get(c.id, 0)) for c in q.cols)] for r in q.rows)]


_MATRIX_SEP = pattern(r"[\s,;:=/|、。()\[\]]+")
_MATRIX_TOKEN = pattern(r"[+-]?\d+(?:\.\d+)?|[^\d+\-.]+|[+\-.]")


def _matrix_tokens(q: Question, text: str) -> list[tuple[str, Any]]:
    """("row", Option) / ("col", Option) / ("num", "3") / ("none", "无") from text like "国家标准 主持1项，参与2"."""
    names: list[tuple[str, str, Any]] = []
    for kind, opts in (("row", q.rows), ("col", q.cols)):
        for o in opts:
            names += [(normalize(n).lower(), kind, o) for n in (o.label, *o.aliases) if n]
    names += [(w, "none", w) for w in ("无", "没有", "暂无")]
    names += [(w, "filler", w) for w in MATRIX_FILLERS]
    names.sort(key=lambda n: -len(n[0]))
    out: list[tuple[str, Any]] = []
    for chunk in _MATRIX_SEP.split(normalize(text).lower()):
        for tok in _MATRIX_TOKEN.findall(chunk):
            if re.match(r"[+-]?\d", tok):
                out.append(("num", tok))
                continue
            pos = 0
            while pos < len(tok):
                hit = next((n for n in names if tok.startswith(n[0], pos)), None)
                if hit is None:
                    raise InputError(f"看不懂“{tok[pos:]}”：本题只需写类别（{'、'.join(r.label for r in q.rows)}）"
                                     f"和数字，例如“{q.rows[-1].label} 1 2，{q.rows[0].label} 0 3”。")
                if hit[1] != "filler":
                    out.append((hit[1], hit[2]))
                pos += len(hit[0])
    return out


def _matrix_from_text(q: Question, text: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Cells as typed, by row and column id, and notes on cells not mentioned (recorded as 0).

    Either all numbers in row order, or every group of numbers named by its row ("国家 1 2，行业 3 5" in any
    order; within a row, numbers in column order or each named: "国家 参与 2 主持 1"). Anything else is refused,
    saying what was understood."""
    tokens = _matrix_tokens(q, text)
    rows_txt, cols_txt = "、".join(r.label for r in q.rows), "、".join(c.label for c in q.cols)
    n_cells = len(q.rows) * len(q.cols)
    how = (f"请按{rows_txt}的顺序填 {n_cells} 个整数（每类依次为{cols_txt}），"
           f"或写明类别，例如“{q.rows[-1].label} 1 2，{q.rows[0].label} 0 3”。")
    got: dict[str, dict[str, str]] = {}

    def understood() -> str:
        done = "；".join(f"{r.label} " + " ".join(f"{c.label}{got[r.id][c.id]}" for c in q.cols if c.id in got[r.id])
                        for r in q.rows if r.id in got)
        return f"已读到：{done}。" if done else ""

    if not any(k == "row" for k, _ in tokens):
        if any(k != "num" for k, _ in tokens):
            raise InputError(f"写了“{next(v.label for k, v in tokens if k == 'col')}”但没有写是哪一类标准。{how}"
                             if any(k == "col" for k, _ in tokens) else f"看不懂这个答案。{how}")
        nums = [v for _, v in tokens]
        if len(nums) != n_cells:
            raise InputError(f"读到 {len(nums)} 个数（{'、'.join(nums) or '无'}），本题需要 {n_cells} 个。{how}")
        it = iter(nums)
        return {r.id: {c.id: next(it) for c in q.cols} for r in q.rows}, []
    first = next(i for i, (k, _) in enumerate(tokens) if k == "row")
    if first:
        lead = " ".join(str(v) if k == "num" else getattr(v, "label", v) for k, v in tokens[:first])
        raise InputError(f"“{lead}”前面没有写类别：写了类别的答案，每组数字前都要写类别。{how}")
    notes: list[str] = []
    segments: list[tuple[Any, list[tuple[str, Any]]]] = []
    for k, v in tokens:
        if k == "row":
            segments.append((v, []))
        else:
            segments[-1][1].append((k, v))
    for row, seg in segments:
        if row.id in got:
            raise InputError(f"“{row.label}”写了两次。{understood()}{how}")
        kinds = {k for k, _ in seg}
        if not seg:
            raise InputError(f"“{row.label}”后面没有数字。{understood()}{how}")
        if kinds == {"none"}:
            got[row.id] = {c.id: "0" for c in q.cols}
        elif kinds == {"num"}:
            nums = [v for _, v in seg]
            if len(nums) != len(q.cols):
                raise InputError(f"“{row.label}”后面有 {len(nums)} 个数（{'、'.join(nums)}），应为 {len(q.cols)} 个"
                                 f"（{cols_txt}）。{understood()}{how}")
            got[row.id] = {c.id: n for c, n in zip(q.cols, nums, strict=True)}
        else:
            cells: dict[str, str] = {}
            i = 0
            while i < len(seg):
                k, v = seg[i]
                nxt = seg[i + 1] if i + 1 < len(seg) else None
                if k != "col" or nxt is None or nxt[0] != "num":
                    raise InputError(f"“{row.label}”后面的写法看不明白：要么依次写 {len(q.cols)} 个数，要么每个数前写明"
                                     f"“{'”或“'.join(c.label for c in q.cols)}”。{understood()}{how}")
                if v.id in cells:
                    raise InputError(f"“{row.label}”的“{v.label}”写了两次。{understood()}{how}")
                cells[v.id] = nxt[1]
                i += 2
            missing = [c.label for c in q.cols if c.id not in cells]
            if missing:
                notes.append(f"{row.label}没有写{'、'.join(missing)}，按 0 记录。")
            got[row.id] = {c.id: cells.get(c.id, "0") for c in q.cols}
    missing_rows = [r.label for r in q.rows if r.id not in got]
    if missing_rows:
        notes.append(f"没有提到{'、'.join(missing_rows)}，按 0 记录。")
    return {r.id: got.get(r.id, {c.id: "0" for c in q.cols}) for r in q.rows}, notes


def parse_matrix(q: Question, raw: object) -> Parsed:
    """A dict {row: {col: n}} (ids or labels), text (see _matrix_from_text), or 无 (all zero).
    Typed text is always shown back as a table and confirmed before it is stored."""
    zero = {r.id: {c.id: 0 for c in q.cols} for r in q.rows}
    if raw is None or (isinstance(raw, str) and is_none_word(raw)):
        return Parsed(zero, "全部按 0 记录。", echo=matrix_echo(q, zero))
    notes: list[str] = []
    typed = isinstance(raw, str)
    if isinstance(raw, str):
        refuse_unsure(raw)
        raw, notes = _matrix_from_text(q, raw)
    if not isinstance(raw, dict):
        raise InputError("矩阵格式不对。")
    out = dict(zero)
    cell = Cell(id="n", type="integer", min=0, max=q.max, label="数量")
    for rk, cols in raw.items():
        r = match_option(q.rows, str(rk))
        if r is None or not isinstance(cols, dict):
            raise InputError(f"没有“{rk}”这一行（可用：{'、'.join(x.label for x in q.rows)}）。")
        for ck, v in cols.items():
            c = match_option(q.cols, str(ck))
            if c is None:
                raise InputError(f"没有“{ck}”这一列（可用：{'、'.join(x.label for x in q.cols)}）。")
            try:
                n = parse_cell(cell, v)
            except InputError as exc:
                raise InputError(f"{r.label}·{c.label}：{exc}") from None
            if not isinstance(n, int):  # an integer cell, never optional: read as an int or refused above
                raise InputError(f"{r.label}·{c.label}：应填写整数。")
            out[r.id] = {**out[r.id], c.id: n}
    return Parsed(out, "".join(notes), confirm=typed, echo=matrix_echo(q, out))



class Matrix(QuestionType):
    name = "matrix"
    words = "各行各列的数量"
    is_grid = True
    bounded = True

    def parse(self, q: Question, raw: object) -> Parsed:
        return parse_matrix(q, raw)

    def check_raw(self, q: Question, raw: object, strict: bool) -> object:
        if isinstance(raw, str):
            if strict:
                raise InputError("应是“行 → 列 → 数量”的映射（JSON 对象），收到的是一段文字。")
            check_text(raw)
            return raw
        if not isinstance(raw, dict):
            raise InputError(f"应是“行 → 列 → 数量”的映射，收到的是{kind_of(raw)}。")
        out: dict[str, Any] = {}
        for rk, cols in raw.items():
            if not isinstance(rk, (str, int)) or isinstance(rk, bool) or not isinstance(cols, dict):
                raise InputError(f"“{shown_value(rk)}”一行应是“列 → 数量”的映射，收到的是{kind_of(cols)}。")
            check_text(str(rk))
            row: dict[str, Any] = {}
            for ck, v in cols.items():
                if not isinstance(ck, (str, int)) or isinstance(ck, bool):
                    raise InputError(f"“{shown_value(rk)}”一行的列名应是文字，收到的是{kind_of(ck)}。")
                check_text(str(ck))
                if v is None:
                    raise InputError(f"“{shown_value(rk)}·{shown_value(ck)}”：空值（null）不是数量；没有请填 0。")
                row[str(ck)] = scalar_cell(f"“{shown_value(rk)}”一行", "数量", v)
            out[str(rk)] = row
        return out

    def stored_problem(self, field: Field, value: object, fresh: bool) -> str | None:
        q = cast("Question", field)  # only questions have this type
        if not isinstance(value, dict):
            return f"应是“行 → 列 → 数量”，实际是{kind_of(value)}"
        row_ids, col_ids = {r.id for r in q.rows}, {c.id for c in q.cols}
        for rk, row in value.items():
            if rk not in row_ids or not isinstance(row, dict):
                return f"没有“{shown_value(rk)}”这一行，或这一行不是“列 → 数量”"
            for ck, n in row.items():
                if ck not in col_ids:
                    return f"没有“{shown_value(ck)}”这一列"
                if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_INT:
                    return f"“{shown_value(rk)}·{shown_value(ck)}”应是不小于 0 的整数，实际是{kind_of(n)}"
        return None

    def shown(self, field: Field, stored: object, unit: bool = True) -> str:
        q = cast("Question", field)  # only questions have this type
        if not isinstance(stored, dict):  # never stored so (checked on load): said as it is, no figure made up
            return shown_value(stored)
        return "；".join(f"{r.label}：" + "，".join(f"{c.label} {stored.get(r.id, {}).get(c.id, 0)}" for c in q.cols)
                        for r in q.rows)

    def typed(self, q: Question, stored: object) -> str | None:
        if not isinstance(stored, dict):
            return str(stored)
        return "，".join(f"{r.label} " + " ".join(str(stored.get(r.id, {}).get(c.id, 0)) for c in q.cols)
                        for r in q.rows)

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        return (f"请按{'、'.join(r.label for r in q.rows)}的顺序，每类依次填写{'、'.join(c.label for c in q.cols)}，"
                f"共 {len(q.rows) * len(q.cols)} 个整数，用空格分隔；也可以写明类别、顺序随意，"
                f"如“{q.rows[-1].label} 1 2，{q.rows[0].label} 0 3”；全部为 0 可填“无”。")

    def spec_problem(self, q: Question) -> str:
        return "" if q.rows and q.cols else "矩阵题必须列出 rows 和 cols"


TYPE = Matrix()

"""list: rows of a table (a 名单), each cell read by its column's type; typed or pasted as lines (Tab, | or the
ASCII comma between cells), or given as rows from a file; the rows the form prints stay."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from assistant.errors import InputError
from assistant.form.types.base import QuestionType, of, parse_cell
from assistant.form.types.common import (
    NONE_TEXT,
    Parsed,
    RowProblem,
    RowsError,
    check_text,
    is_none_word,
    kind_of,
    normalize,
    scalar_cell,
    shown_value,
)
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.form.flow import Column, Question
    from assistant.form.types.base import Field

MAX_ROWS = 200_000


def _split_line(line: str) -> list[str]:
    """The cells of one typed or pasted row: at Tab (Excel), else at |, else at the ASCII comma. Chinese
    punctuation (，、；：) is text of a cell, never a separator: "已完成，超额 5%" is one cell."""
    if "\t" in line:
        return line.split("\t")
    if "|" in line:
        return [c for c in line.strip().strip("|").split("|")]
    return line.split(",")


_OPEN, _CLOSE = "（([【《“‘「", "）)]】》”’」"


def _split_items(line: str) -> list[str]:
    """One column: "A、B；C" is three rows; separators inside brackets or quotes ("（设计、制造）") are kept."""
    items, cur, depth = [], "", 0
    for ch in line:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、，,；;\t|":
            items.append(cur)
            cur = ""
        else:
            cur += ch
    return [x.strip() for x in [*items, cur] if x.strip()]


_CELL_SEPARATORS = pattern(r"[\t|,]")
_CHINESE_PUNCTUATION = pattern(r"[，、；;]")


def split_text_rows(columns: int, text: str) -> list[list[str]]:
    """Rows typed or pasted as text, split the one way every front end uses: one column, "A、B；C" is
    three rows; several columns, one row per line, cells split at Tab, |, or the ASCII comma (never at
    ，、； : those are text of a cell)."""
    if columns == 1:
        return [[item] for line in text.splitlines() for item in _split_items(line)]
    return [_split_line(line) for line in text.splitlines() if line.strip()]


def parse_rows(q: Question, rows: object, *, some: bool = False) -> Parsed:
    """Rows given as dicts by column id / label / alias, as lists in column order, or as text lines.

    some: only some of the rows (a line being entered): each row is checked, the table as a whole is not."""
    if rows is None or (isinstance(rows, str) and is_none_word(rows)):
        rows = []
    whole: set[int] = set()  # lines with Chinese punctuation but no cell separator: kept as one cell
    if isinstance(rows, str):
        if len(q.columns) > 1:
            lines = [line for line in rows.splitlines() if line.strip()]
            whole = {n for n, line in enumerate(lines, 1)
                     if _CHINESE_PUNCTUATION.search(line) and not _CELL_SEPARATORS.search(line)}
        rows = split_text_rows(len(q.columns), rows)
    if not isinstance(rows, list):
        raise InputError("名单应是若干行，每行若干列。")
    keys = column_lookup(q.columns)
    seen_keys: dict[Any, Column | None] = {}  # a 1 000-row list repeats its few headers: normalise each once
    out: list[dict[str, Any]] = []
    errors: list[RowProblem] = []
    for n, row in enumerate(rows, 1):
        if isinstance(row, dict):
            cells: dict[str, Any] = {}
            for k, v in row.items():
                ck = (type(k), k)  # 1 and True are equal keys but different headers
                if ck in seen_keys:
                    col = seen_keys[ck]
                else:
                    col = seen_keys[ck] = keys.get(header_key(k))
                if col is None:
                    names = "、".join(c.label or c.id for c in q.columns)
                    errors.append(RowProblem(n, f"没有名为“{k}”的列（可用列：{names}）。"))
                    continue
                cells[col.id] = v
        elif isinstance(row, (list, tuple)):
            if len(row) > len(q.columns):
                labels = "、".join(c.label for c in q.columns)
                errors.append(RowProblem(n, f"有 {len(row)} 列，但本名单只有 {len(q.columns)} 列（{labels}）。"))
                continue
            cells = {c.id: v for c, v in zip(q.columns, row, strict=False)}  # a short row leaves the last columns empty
        else:
            errors.append(RowProblem(n, "格式不对。"))
            continue
        parsed: dict[str, Any] = {}
        for col in q.columns:
            try:
                parsed[col.id] = parse_cell(col, cells.get(col.id))
            except InputError as exc:
                errors.append(RowProblem(n, str(exc), col.label or col.id))
        out.append(parsed)
        if len(errors) >= 20:
            break
    if errors:
        said: set[int] = set()
        for i, e in enumerate(errors):
            if e.row in whole and e.row not in said:
                said.add(e.row)
                first = q.columns[0].label or q.columns[0].id
                errors[i] = RowProblem(e.row, e.message + f"（这一行没有 Tab 或英文逗号“,”，整行都作为“{first}”：中文的“，、；”"
                                                     "是格子里的文字，不分列。各列之间请用 Tab 或英文逗号分隔；"
                                                     "写的是几项时，请每行只写一项。）", e.column)
        raise RowsError(errors[:20], more=len(errors) >= 20)
    if some:
        return Parsed(out)
    if len(out) < q.min_rows:
        raise InputError(f"本表至少需要 {q.min_rows} 行。")
    _check_preset(q, out)
    return Parsed(out)


def _check_preset(q: Question, rows: list[dict[str, Any]]) -> None:
    """The rows the form prints (preset_rows) stay, their printed cells unchanged: the document draws
    them where the official form has them, so a changed 指标 would silently drop a printed row."""
    if not q.preset_rows:
        return
    missing = [p for p in q.preset_rows if not any(all(r.get(k) == v for k, v in p.items()) for r in rows)]
    if missing:
        def shown(p: dict[str, Any]) -> str:
            cols = [c for c in q.columns if c.id in p]
            return "｜".join(next((o.label for o in c.options if o.id == p[c.id]), str(p[c.id])) if c.options
                            else str(p[c.id]) for c in cols)

        fixed = "、".join(c.label or c.id for c in q.columns if any(c.id in p for p in q.preset_rows))
        raise InputError(f"表格印好的行不能删除，其中的“{fixed}”也不能修改：{'；'.join(shown(p) for p in missing)} "
                         f"不见了或被改动。请只填写其余各列；其他指标请另加一行。")


def header_key(name: object) -> str:
    # "所在国家（地区）" and "所在国家或地区" are the same header to a person.
    return re.sub(r"[\s（）()\[\]【】：:*/／、\-_或及和]", "", normalize(str(name))).lower()


def column_lookup(columns: list[Column]) -> dict[str, Column]:
    """Header text -> column, by id, label or alias (case, width and spaces ignored)."""
    keys: dict[str, Column] = {}
    for c in columns:
        for name in (c.id, c.label, *c.aliases):
            if name:
                keys.setdefault(header_key(name), c)
    return keys



class ListType(QuestionType):
    name = "list"
    words = "若干行名单"
    is_list = True
    free_text = True

    def parse(self, q: Question, raw: object) -> Parsed:
        return parse_rows(q, raw)

    def check_raw(self, q: Question, raw: object, strict: bool) -> object:
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
                    col = by_id.get(k)
                    cells[k] = scalar_cell(where, (col.label or col.id) if col else k, v)
                rows.append(cells)
            elif isinstance(row, (list, tuple)):
                names = [c.label or c.id for c in q.columns] + [f"第 {i} 列" for i in range(len(q.columns) + 1, len(row) + 1)]
                rows.append([scalar_cell(where, name, v) for name, v in zip(names, row, strict=False)])
            else:
                raise InputError(f"{where}应是一行各列的值，收到的是{kind_of(row)}。")
        return rows

    def stored_problem(self, field: Field, value: object, fresh: bool) -> str | None:
        q = cast("Question", field)  # only questions have this type
        if not isinstance(value, list):
            return f"名单应是若干行，实际是{kind_of(value)}"
        cols = {c.id: c for c in q.columns}
        # Columns where any str will do (a cell of a list may hold a line break; fresh choices are checked).
        plain = {c.id for c in q.columns if (of(c).prose if fresh else of(c).any_str)}
        for n, row in enumerate(value, 1):
            if not isinstance(row, dict):
                return f"第 {n} 行应是一行各列的值，实际是{kind_of(row)}"
            for cid, cell in row.items():
                if type(cell) is str and (cell == "" or cid in plain):
                    continue  # the common case, kept fast: a 10 000-row list is checked on every load
                col = cols.get(cid)
                if col is None:
                    if fresh:
                        return f"第 {n} 行：没有“{shown_value(cid)}”这一列"
                    if not isinstance(cell, (str, int, float, bool)) and cell is not None:
                        return f"第 {n} 行“{shown_value(cid)}”：{kind_of(cell)}"
                    continue
                t = of(col)
                why = t.stored_problem(col, cell, fresh and not t.prose)
                if why:
                    return f"第 {n} 行“{col.label or col.id}”：{why}"
        return None

    def shown(self, q: Field, stored: object, unit: bool = True) -> str:
        if not stored:
            return NONE_TEXT
        return f"{len(stored)} 条" if isinstance(stored, list) else shown_value(stored)

    def typed(self, q: Question, stored: object) -> str | None:
        return None  # edited in its own table editor

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        cols = "、".join(text(c.label) for c in q.columns)
        return f"请粘贴名单，每行一条，列之间用 Tab 或英文逗号分隔（{cols}）；没有请填“无”。"

    def spec_problem(self, q: Question) -> str:
        return "" if q.columns else "名单题必须列出 columns"


TYPE = ListType()

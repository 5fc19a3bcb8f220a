"""Attached lists from Excel (.xlsx) or CSV: read, match headers, validate, then apply all or nothing.

CSV encodings are detected, never asked, and never guessed: UTF-8 (with or without BOM), UTF-16 (Excel's
"Unicode 文本"), then GBK/GB18030 as saved by Chinese Excel when the text looks like it; anything else is
refused. Files are read in bounded chunks and never trusted for their declared size or shape (see
xlsx_scan). Row numbers in messages are the spreadsheet's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import EXIT_REFUSED, InputError
from assistant.files.tables import IGNORED_HEADERS, Table, TableError, read_table_full
from assistant.form.parse import RowsError, column_lookup, header_key
from assistant.form.types import of
from assistant.interview.list_answers import ListRows, apply_rows, count_question, ignored_columns

__all__ = ["ListRows", "apply_rows", "count_question", "ignored_columns", "list_question", "load_rows", "match_headers",
           "read_list_table", "validate"]

if TYPE_CHECKING:
    from assistant.form.flow import Column, Question
    from assistant.interview.engine import Engine


# -- matching and validating -----------------------------------------------------------------
def list_question(engine: Engine, list_id: str) -> Question:
    lists = [q.id for q in engine.flow.questions if of(q).is_list]
    if list_id not in engine.flow.by_id or not of(engine.flow[list_id]).is_list:
        raise TableError(f"“{list_id}”不是本表单的名单。可导入的名单：{'、'.join(lists)}。", EXIT_REFUSED)
    return engine.flow.filled(engine.flow[list_id], engine.year)  # its labels as printed, for matching headers


def match_headers(question: Question, headers: list[str], ignored: list[str] | None = None) -> list[Column | None]:
    """One column (or None: ignored) per header; refuses repeated or missing columns. A header that is
    none of the list's columns (an export's 授权日期) is left out and named in `ignored`, when given."""
    keys = column_lookup(question.columns)
    expected = "、".join(c.label or c.id for c in question.columns)
    out: list[Column | None] = []
    seen: dict[str, str] = {}
    unknown: list[str] = []
    for h in headers:
        col = keys.get(header_key(h)) if str(h).strip() else None
        if col is None and (not str(h).strip() or header_key(h) in IGNORED_HEADERS):
            out.append(None)  # a serial-number or blank column: carries no data of ours
            continue
        if col is None:
            unknown.append(str(h))
            out.append(None)
            continue
        if col.id in seen:
            raise TableError(f"表头中“{seen[col.id]}”和“{h}”指的是同一列“{col.label or col.id}”，请删去其中一列。",
                             EXIT_REFUSED)
        seen[col.id] = str(h)
        out.append(col)
    missing = [c.label or c.id for c in question.columns if c.required and c.id not in seen]
    if missing and unknown:
        raise TableError(
            f"表头不对：缺少必填的列 {'、'.join(missing)}；无法识别的列“{'”“'.join(unknown)}”。第一行应是表头，"
            f"列名为：{expected}（也可用常见别名，列的顺序不限）。文件的表头是：{'、'.join(str(h) for h in headers)}。",
            EXIT_REFUSED)
    if missing:
        raise TableError(f"表头缺少必填的列：{'、'.join(missing)}。第一行应是表头，列名为：{expected}。", EXIT_REFUSED)
    if unknown and ignored is None:
        raise TableError(f"表头不对：无法识别的列“{'”“'.join(unknown)}”。第一行应是表头，列名为：{expected}。",
                         EXIT_REFUSED)
    if ignored is not None:
        ignored.extend(unknown)
    return out


def read_list_table(path: Path, question: Question) -> Table:
    """The table of a file for list `question`: a CSV of uncertain encoding is read the way its headers
    are the list's column names."""
    return read_table_full(Path(path), lambda headers: _headers_known(question, headers))


def _headers_known(question: Question, headers: list[str]) -> bool:
    """Every non-blank header is one of the list's columns (or a serial number), and one at least is a column."""
    keys = column_lookup(question.columns)
    named = [header_key(h) for h in headers if str(h).strip()]
    return any(k in keys for k in named) and all(k in keys or k in IGNORED_HEADERS for k in named)


def _row_dicts(columns: list[Column | None], rows: list[list[Any]]) -> list[dict[str, Any]]:
    idx = [(i, c.id) for i, c in enumerate(columns) if c is not None]
    return [{cid: (row[i] if i < len(row) else "") for i, cid in idx} for row in rows]


def validate(engine: Engine, question: Question, table: Table) -> ListRows:
    """Parsed rows (stored form) with the columns left out, or TableError naming spreadsheet row numbers."""
    if not table.rows:
        raise TableError("文件只有表头，没有数据行。如果确实没有，请在对话中回答“无”。", EXIT_REFUSED)
    ignored: list[str] = []
    columns = match_headers(engine.flow.filled(question, engine.year), table.headers, ignored)  # labels as printed
    try:
        parsed = engine.parse(question.id, _row_dicts(columns, table.rows))
    except RowsError as exc:
        nums = table.row_numbers
        said = exc.render(lambda n: nums[n - 1] if 0 < n <= len(nums) else n)
        raise TableError("文件中有内容不符合要求，本次没有导入任何数据（行号为表格中的行号）：\n" + said,
                         EXIT_REFUSED) from None
    except InputError as exc:
        raise TableError("文件中有内容不符合要求，本次没有导入任何数据：\n" + str(exc), EXIT_REFUSED) from None
    if not isinstance(parsed.value, list):  # a list question's rows; "无" read as no rows is []
        raise TableError("文件中没有可导入的名单行。", EXIT_REFUSED)
    return ListRows(parsed.value, ignored)


def load_rows(engine: Engine, list_id: str, path: Path) -> ListRows:
    q = list_question(engine, list_id)
    return validate(engine, q, read_list_table(Path(path), q))

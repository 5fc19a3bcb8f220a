"""Attached lists from Excel (.xlsx) or CSV: read, match headers, validate, then apply all or nothing.

CSV encodings are detected, never asked, and never guessed: UTF-8 (with or without BOM), UTF-16 (Excel's
"Unicode 文本"), then GBK/GB18030 as saved by Chinese Excel when the text looks like it; anything else is
refused. Files are read in bounded chunks and never trusted for their declared size or shape (see
xlsx_scan). Row numbers in messages are the spreadsheet's.
"""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import EXIT_FILE, EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from assistant.files.safeio import FileTooLarge, read_bounded, size_text
from assistant.form.parse import InputError, RowsError, column_lookup, header_key

if TYPE_CHECKING:
    from assistant.form.flow import Column, Question
    from assistant.interview.engine import Engine

# Headers people put in front of a list that carry no data of ours.
IGNORED_HEADERS = {"序号", "no", "no.", "#", "编号序号"}
PREVIEW_ROWS = 5
# Limits on what a file may hold: stated in the message when hit (README, 导入名单).
MAX_FILE_BYTES = 50 * 1024 * 1024  # a 200 000-row list is ~20 MB as CSV, less as .xlsx
MAX_ROWS = 200_000  # spreadsheet rows, the header included
MAX_COLUMNS = 200
MAX_CELLS = 2_000_000  # cell elements in the sheet, empty ones included (200 000 rows × 10): bounds the work
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
# A GB18030 reading is kept when this share of its characters is common simplified Chinese (GB2312),
# or, when the list is known, this lower share and headers that are the list's column names.
GBK_CONFIDENCE = 0.9
GBK_WITH_HEADERS = 0.5


class TableError(InputError):
    """The file cannot be used; str(exc) is the Chinese reason. Nothing was applied.

    code: 4 when the file cannot be read as a table, 1 when its content is refused.
    """

    def __init__(self, message: str, code: int = EXIT_FILE):
        super().__init__(message)
        self.code = code


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]
    row_numbers: list[int] = field(default_factory=list)  # spreadsheet row number of each data row
    encoding: str = ""


class ListRows(list[dict[str, Any]]):
    """Rows read from a list file (stored form), with the file's columns the list has no place for."""

    def __init__(self, rows: list[dict[str, Any]], ignored: list[str] | None = None):
        super().__init__(rows)
        self.ignored: list[str] = list(ignored or [])

    @property
    def note(self) -> str:
        """What the person is told about the columns left out ("" when none were)."""
        if not self.ignored:
            return ""
        from assistant.form.validate import shown
        from assistant.text.textsafe import visible

        names = "、".join(f"“{visible(shown(h, 40))}”" for h in self.ignored[:10])
        if len(self.ignored) > 10:
            names += f" 等 {len(self.ignored)} 列"
        return f"文件中的{names}不是本名单的列，已忽略（没有导入）。"


def ignored_columns(rows: Any) -> str:
    """The note on ignored columns of rows from load_rows ("" for any other list)."""
    return rows.note if isinstance(rows, ListRows) else ""


# -- reading ---------------------------------------------------------------------------------
def _cell(v: Any) -> Any:
    """Spreadsheet cell -> text as a person would have typed it."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _blank(row: list[Any]) -> bool:
    return all(c == "" or (isinstance(c, str) and not c.strip()) for c in row)


def _split(rows: list[tuple[int, list[Any]]], path: Path, encoding: str = "") -> Table:
    rows = [(n, r) for n, r in rows if not _blank(r)]
    if not rows:
        raise TableError(f"文件 {path.name} 是空的，没有表头也没有数据。")
    (_, header), data = rows[0], rows[1:]
    headers = [str(h).strip() for h in header]
    while headers and not headers[-1]:
        headers.pop()
    return Table(headers, [r for _, r in data], [n for n, _ in data], encoding)


# Encodings we can name in a refusal, so the person knows what they have.
_ENCODING_NAMES = {"big5": "繁体中文 Big5", "big5hkscs": "繁体中文 Big5", "cp950": "繁体中文 Big5",
                   "shift_jis": "日文 Shift-JIS", "cp932": "日文 Shift-JIS", "euc_jp": "日文 EUC-JP",
                   "euc_kr": "韩文 EUC-KR", "cp949": "韩文", "utf_16": "UTF-16"}
ENCODING_REFUSED = "无法确定文件编码，请另存为 UTF-8 或 GBK 格式的 CSV"


def _gb2312_share(text: str) -> float:
    """Share of the non-ASCII characters that are in GB2312, the common simplified set.

    Text really written in GBK is almost all GB2312; Big5 or Shift-JIS bytes read as GBK land
    largely outside it (measured: Big5 ~0.4, Shift-JIS ~0.0 on a patent list)."""
    counts = Counter(text)
    wide = ok = 0
    for ch, n in counts.items():
        if ord(ch) > 127:
            wide += n
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                continue
            ok += n
    return ok / wide if wide else 1.0


def _encoding_refusal(raw: bytes, name: str = "") -> TableError:
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:65536]).best()
    guess = _ENCODING_NAMES.get(best.encoding) if best is not None else None
    hint = f"（看起来是{guess}编码）" if guess else ""
    return TableError(f"{name + '：' if name else ''}{ENCODING_REFUSED}{hint}。")


def _utf16_without_bom(sample: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when every other byte is zero (ASCII-heavy UTF-16), else None."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) >= 8 and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if len(sample) >= 8 and even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode(raw: bytes, headers_known: Callable[[str], bool] | None = None, name: str = "") -> tuple[str, str]:
    """Bytes of a CSV -> (text, encoding name); TableError when the encoding is not certain.

    UTF-8 (with or without BOM) and UTF-16 with BOM (Excel's "Unicode 文本") are certain. Otherwise
    GB18030 is tried; as almost any bytes decode as GB18030, the result is kept only when its characters
    look like real GBK text, or when `headers_known(text)` says the first line is the list's headers.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _encoding_refusal(raw, name) from None
    if b"\x00" in raw[:4096] and not raw.startswith(b"\xef\xbb\xbf"):
        enc = _utf16_without_bom(raw[:4096])
        if enc is None:
            raise TableError(f"{name} 不是表格文件（看起来是二进制文件）。请导入 .xlsx 或 .csv 文件。")
        try:
            return raw.decode(enc), "utf-16"
        except UnicodeDecodeError:
            raise _encoding_refusal(raw, name) from None
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        if raw.startswith(b"\xef\xbb\xbf"):
            raise _encoding_refusal(raw, name) from None
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise _encoding_refusal(raw, name) from None
    share = _gb2312_share(text)
    if share >= GBK_CONFIDENCE or (share >= GBK_WITH_HEADERS and headers_known is not None and headers_known(text)):
        return text, "gbk"
    raise _encoding_refusal(raw, name)


def _limit_error(name: str, what: str) -> TableError:
    return TableError(f"{name}：{what}")


def _cell_too_long(name: str, row: int, col: int) -> TableError:
    return _limit_error(name, f"第 {row} 行第 {col} 列的内容超过 {MAX_CELL_CHARS} 个字符的上限（Excel 单元格的上限），"
                              "请检查该单元格。")


def _read_csv(path: Path, raw: bytes, question: Question | None = None) -> Table:
    def known(text: str) -> bool:
        first = next((line for line in text[:65536].splitlines() if line.strip(" ,;\t")), "")
        return question is not None and _headers_known(question, next(csv.reader([first], delimiter=_delimiter(first)), []))

    text, enc = decode(raw, known if question is not None else None, path.name)
    del raw
    if "\x00" in text:
        raise TableError(f"{path.name} 不是表格文件（看起来是二进制文件）。请导入 .xlsx 或 .csv 文件。")
    delim = _delimiter(text)
    rows: list[tuple[int, list[Any]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        for n, r in enumerate(reader, 1):
            if n > MAX_ROWS:
                raise _limit_error(path.name, f"超过 {MAX_ROWS} 行的上限，请分成几个文件或删去多余的行。")
            cells = [c.strip() for c in r]
            while cells and not cells[-1]:
                cells.pop()  # Excel writes trailing commas for formatted but empty columns
            if len(cells) > MAX_COLUMNS:
                raise _limit_error(path.name, f"超过 {MAX_COLUMNS} 列的上限（第 {n} 行有 {len(cells)} 列），"
                                              "请删去名单以外的列。")
            for i, c in enumerate(cells, 1):
                if len(c) > MAX_CELL_CHARS:
                    raise _cell_too_long(path.name, n, i)
            rows.append((n, cells))
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise _limit_error(path.name, f"第 {reader.line_num} 行有内容超过 {MAX_CELL_CHARS} 个字符的上限"
                                          "（Excel 单元格的上限），请检查该行。") from None
        raise TableError(f"{path.name} 不是有效的 CSV 文件（第 {reader.line_num} 行：{exc}）。") from None
    return _split(rows, path, enc)


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max(("\t", ",", ";"), key=lambda d: (first.count(d), d == ","))


def _not_excel(path: Path, reason: str) -> TableError:
    from assistant.files.xlsx_scan import NotExcel

    return TableError(NotExcel(reason).message(path.name))


def _read_xlsx(path: Path, raw: bytes) -> Table:
    import zipfile
    from xml.etree.ElementTree import ParseError

    from assistant.files.xlsx_scan import NotExcel, SheetLimit, open_zip, scan_xlsx

    try:
        with open_zip(raw) as z:
            scan = scan_xlsx(z, MAX_ROWS, MAX_COLUMNS, MAX_CELLS)
    except NotExcel as exc:
        raise TableError(exc.message(path.name)) from None
    except SheetLimit as exc:
        raise _limit_error(path.name, str(exc)) from None
    if scan.formula_without_value is not None:
        r, c = scan.formula_without_value
        raise TableError(f"{path.name}：第 {r} 行第 {c} 列是公式，没有计算结果，请在 Excel 中保存后再导入。")
    if scan.max_row == 0:
        raise TableError(f"文件 {path.name} 是空的，没有表头也没有数据。")

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    rows: list[tuple[int, list[Any]]] = []
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            ws = wb[scan.sheet_name]
            ws.reset_dimensions()  # the declared <dimension> is not trusted: read only the scanned range
            for n, values in enumerate(ws.iter_rows(max_row=scan.max_row, max_col=scan.max_col, values_only=True), 1):
                cells = [_cell(v) for v in values]
                for i, text in enumerate(cells, 1):
                    if len(text) > MAX_CELL_CHARS:
                        raise _cell_too_long(path.name, n, i)
                rows.append((n, cells))
        finally:
            wb.close()
    except (zipfile.BadZipFile, InvalidFileException, ParseError, KeyError, IndexError, ValueError, TypeError) as exc:
        if isinstance(exc, TableError):
            raise
        raise _not_excel(path, f"无法读取表格内容：{type(exc).__name__}") from None
    return _split(rows, path, "xlsx")


def read_table_bytes(path: Path) -> bytes:
    """A spreadsheet's bytes, read in bounded chunks (a FIFO or /dev/zero stops at the size limit);
    TableError when it is not a table file, missing, too large, unreadable or empty."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise TableError(f"{path.name} 是旧版 Excel（.xls）格式，请在 Excel 中“另存为” .xlsx 或 CSV 后再导入。")
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt", ".tsv"):
        raise TableError(f"{path.name} 不是表格文件：只能导入 .xlsx 或 .csv 文件。")
    try:
        raw = read_bounded(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise TableError(f"找不到文件 {path}。") from None
    except IsADirectoryError:
        raise TableError(f"{path} 是一个文件夹，不是表格文件。") from None
    except FileTooLarge:
        raise TableError(f"{path.name} 超过 {size_text(MAX_FILE_BYTES)} 的大小上限，已停止读取。"
                         "请只保留要导入的表格后再试。") from None
    except OSError as exc:
        raise TableError(f"无法读取 {path}：{exc.strerror or exc}") from None
    if not raw.strip():
        raise TableError(f"文件 {path.name} 是空的，没有表头也没有数据。")
    return raw


def read_table_full(path: Path, question: Question | None = None) -> Table:
    """The first sheet / the CSV as a Table; TableError naming the cause.

    `question`, when given, lets a CSV whose encoding is uncertain be checked against the list's
    column names. The file is read in bounded chunks (a FIFO or /dev/zero stops at the size limit).
    """
    path = Path(path)
    raw = read_table_bytes(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, raw)
    return _read_csv(path, raw, question)


def read_table(path: Path) -> tuple[list[str], list[list[Any]]]:
    """(headers, data rows) of the first sheet / the CSV; blank rows skipped. Raises TableError."""
    t = read_table_full(Path(path))
    return t.headers, t.rows


# -- matching and validating -----------------------------------------------------------------
def list_question(engine: Engine, list_id: str) -> Question:
    lists = [q.id for q in engine.flow.questions if q.type == "list"]
    if list_id not in engine.flow.by_id or engine.flow[list_id].type != "list":
        raise TableError(f"“{list_id}”不是本表单的名单。可导入的名单：{'、'.join(lists)}。", EXIT_REFUSED)
    return engine.flow.filled(engine.flow[list_id], engine.year)  # its labels as printed, for matching headers


def count_question(engine: Engine, list_id: str) -> Question | None:
    """The integer question whose count the list must match (flow attribute `list`)."""
    return next((q for q in engine.flow.questions if q.list_id == list_id), None)


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
    return ListRows(parsed.value, ignored)


def load_rows(engine: Engine, list_id: str, path: Path) -> ListRows:
    q = list_question(engine, list_id)
    return validate(engine, q, read_table_full(Path(path), q))


def apply_rows(engine: Engine, list_id: str, rows: list[dict[str, Any]]) -> list[str]:
    """Store the list and update the matching count; returns lines reporting the check."""
    q = engine.flow[list_id]
    count_q = count_question(engine, list_id)
    engine.set(list_id, list(rows), advance=False)
    lines = [f"已导入 {len(rows)} 行到“{engine.label(q)}”。"]
    if count_q is not None:
        old = engine.session.answers.get(count_q.id)
        new = engine.parse(count_q.id, str(len(rows))).value
        engine.set(count_q.id, new, advance=False)
        if old is None:
            lines.append(f"已将“{engine.label(count_q)}”填为 {new}。")
        elif old != new:
            lines.append(f"已将“{engine.label(count_q)}”由 {old} 改为 {new}，与名单条数一致。")
        else:
            lines.append(f"“{engine.label(count_q)}”为 {new}，与名单条数一致。")
    lines += related_findings(engine, list_id)
    if len(lines) == (2 if count_q is not None else 1):
        lines.append("检查：名单与相关数量一致。")
    return lines


def related_findings(engine: Engine, list_id: str) -> list[str]:
    count_q = count_question(engine, list_id)
    ids = {list_id} | ({count_q.id} if count_q else set())
    from assistant.interview.checks import involved

    rules = {r.id for r in engine.flow.rules if ids & involved(engine, r.id)}
    return [("✗ 必须修改：" if f.severity == "blocking" else "⚠ 提示：") + f.message
            for f in engine.findings() if f.rule in rules]


# -- showing ---------------------------------------------------------------------------------
def preview_table(engine: Engine, question: Question, rows: list[dict[str, Any]], limit: int = PREVIEW_ROWS) -> None:
    """The first rows and the count, as a rich table on stdout."""
    from rich.console import Console
    from rich.table import Table as RichTable

    from assistant.form.values import show_cell

    t = RichTable(title=f"{engine.label(question)}：共 {len(rows)} 行（显示前 {min(limit, len(rows))} 行）")
    t.add_column("行", justify="right")
    for c in question.columns:
        t.add_column(engine.text(c.label or c.id))
    for i, r in enumerate(rows[:limit], 1):
        t.add_row(str(i), *[show_cell(c, r.get(c.id, "")) for c in question.columns])
    console = Console(file=sys.stdout, soft_wrap=True)
    console.print(t)
    note = ignored_columns(rows)
    if note:
        console.print(note, markup=False, highlight=False)


def _interactive() -> bool:
    return sys.stdin.isatty()


def run_import(session_id: str, list_qid: str, path: Path, yes: bool = False) -> int:
    from assistant.errors import UserError as CliError
    from assistant.interview.engine import Engine
    from assistant.session.store import SessionStore

    with SessionStore().open(session_id) as handle:
        engine = Engine.for_session(handle.session)  # saved once, at the end: all or nothing
        try:
            q = list_question(engine, list_qid)
            rows = validate(engine, q, read_table_full(Path(path), q))
        except TableError as exc:
            raise CliError(str(exc), exc.code) from None
        preview_table(engine, q, rows)
        existing = handle.session.answers.get(list_qid)
        if isinstance(existing, list) and existing:
            sys.stdout.write(f"注意：当前名单已有 {len(existing)} 行，导入后将被替换。\n")
        if not yes:
            if not _interactive():
                raise CliError("没有在终端中运行，无法确认。确认无误后请加 --yes 再运行，例如：\n"
                               f"  filing import {session_id} {list_qid} {path} --yes", EXIT_USAGE)
            import questionary

            try:
                ok = questionary.confirm(f"导入这 {len(rows)} 行吗？", default=True).unsafe_ask()
            except (KeyboardInterrupt, EOFError):
                ok = None
            if not ok:
                sys.stdout.write("已取消，没有做任何修改。\n")
                return EXIT_REFUSED
        lines = apply_rows(engine, list_qid, rows)
        note = ignored_columns(rows)
        handle.session.say("user", f"（从文件 {Path(path).name} 导入 {len(rows)} 行到 {list_qid}）", list_qid)
        if note:
            handle.session.say("assistant", note, list_qid)
        handle.save()
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK

"""Tables from Excel (.xlsx) or CSV, read bounded: encodings detected never guessed, declared sizes never trusted."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assistant.errors import EXIT_FILE, InputError
from assistant.files.safeio import FileTooLarge, read_bounded, size_text
from assistant.files.xlsx_scan import NotExcel, SheetLimit, check_parts, open_zip, quick_bounds, scan_xlsx, sheet_part

# Headers people put in front of a list that carry no data of ours.
IGNORED_HEADERS = {"序号", "no", "no.", "#", "编号序号"}


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


def _read_csv(path: Path, raw: bytes, headers_known: Callable[[list[str]], bool] | None = None) -> Table:
    def known(text: str) -> bool:
        first = next((line for line in text[:65536].splitlines() if line.strip(" ,;\t")), "")
        return headers_known is not None and headers_known(next(csv.reader([first], delimiter=_delimiter(first)), []))

    text, enc = decode(raw, known if headers_known is not None else None, path.name)
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


@dataclass
class SheetRows:
    """One sheet of an .xlsx as read by read_xlsx: its rows of values (row 1 first; None or "" for empty)."""

    sheet: str
    rows: list[list[Any]]
    quick: bool  # read by calamine after the quick look (else the full scan and openpyxl over its range)


def read_xlsx(name: str, raw: bytes, max_rows: int, max_cols: int, max_cells: int,
              prefer: str | None = None) -> SheetRows:
    """The one .xlsx reader: the sheet `prefer` (when the workbook has it, else the active tab) and its rows.

    An ordinary sheet (xlsx_scan.quick_bounds) goes straight to python-calamine. Any other goes through the
    full scan (exact limits, formulas without a value) and only the scanned range is read by openpyxl, so a
    hostile sheet never reaches calamine, which allocates its declared size. Values are the same either way
    (numbers as int or float, dates at midnight as dates). TableError naming the file for every refusal.
    """
    try:
        with open_zip(raw) as z:
            check_parts(z)
            sheet_name, part = sheet_part(z, prefer)
            bounds = None
            if not quick_bounds(z, part, max_rows, max_cols, max_cells):
                scan = scan_xlsx(z, max_rows, max_cols, max_cells, prefer=prefer)
                if scan.formula_without_value is not None:
                    r, c = scan.formula_without_value
                    raise TableError(f"{name}：第 {r} 行第 {c} 列是公式，没有计算结果，请在 Excel 中保存后再导入。")
                bounds = (scan.max_row, scan.max_col)
    except NotExcel as exc:
        raise TableError(exc.message(name)) from None
    except SheetLimit as exc:
        raise _limit_error(name, str(exc)) from None
    except zipfile.BadZipFile:
        raise TableError(NotExcel("文件已损坏（压缩数据校验失败）").message(name)) from None
    if bounds is None:
        return SheetRows(sheet_name, _calamine_rows(name, raw, sheet_name), True)
    return SheetRows(sheet_name, _openpyxl_rows(name, raw, sheet_name, bounds) if bounds[0] else [], False)


def _calamine_rows(name: str, raw: bytes, sheet_name: str) -> list[list[Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        rows: list[list[Any]] = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, KeyError, OSError) as exc:
        raise TableError(NotExcel(f"无法读取表格内容：{type(exc).__name__}").message(name)) from None
    return rows


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # OOXML's escape of a character XML cannot hold (_x000D_: CR)


def _openpyxl_value(v: Any) -> Any:
    """openpyxl's value as calamine gives it: a date at midnight as a date, _x000D_ escapes undone."""
    if type(v) is datetime and not (v.hour or v.minute or v.second or v.microsecond):
        return v.date()
    if type(v) is str and "_x" in v:
        return _ESCAPED.sub(lambda m: chr(int(m[1], 16)), v)
    return v


def _openpyxl_rows(name: str, raw: bytes, sheet_name: str, bounds: tuple[int, int]) -> list[list[Any]]:
    """The slow, safe path for an unusual sheet: only the scanned range is read."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged parts
        raise TableError(NotExcel(f"无法读取表格内容：{type(exc).__name__}").message(name)) from None
    try:
        ws = wb[sheet_name]
        ws.reset_dimensions()  # the declared <dimension> is not trusted: read only the scanned range
        return [[_openpyxl_value(v) for v in r]
                for r in ws.iter_rows(max_row=bounds[0], max_col=bounds[1], values_only=True)]
    except Exception as exc:  # openpyxl raises many kinds on damaged parts
        raise TableError(NotExcel(f"无法读取表格内容：{type(exc).__name__}").message(name)) from None
    finally:
        wb.close()


def _read_xlsx(path: Path, raw: bytes) -> Table:
    sheet = read_xlsx(path.name, raw, MAX_ROWS, MAX_COLUMNS, MAX_CELLS)
    rows: list[tuple[int, list[Any]]] = []
    for n, values in enumerate(sheet.rows, 1):
        cells = [_cell(v) for v in values]
        for i, text in enumerate(cells, 1):
            if len(text) > MAX_CELL_CHARS:
                raise _cell_too_long(path.name, n, i)
        rows.append((n, cells))
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


def read_table_full(path: Path, headers_known: Callable[[list[str]], bool] | None = None) -> Table:
    """The first sheet / the CSV as a Table; TableError naming the cause.

    `headers_known`, when given, lets a CSV whose encoding is uncertain be checked against
    the list's column names (interview/lists.py: read_list_table).
    The file is read in bounded chunks (a FIFO or /dev/zero stops at the size limit).
    """
    path = Path(path)
    raw = read_table_bytes(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, raw)
    return _read_csv(path, raw, headers_known)


def read_table(path: Path) -> tuple[list[str], list[list[Any]]]:
    """(headers, data rows) of the first sheet / the CSV; blank rows skipped. Raises TableError."""
    t = read_table_full(Path(path))
    return t.headers, t.rows

"""Inspect an .xlsx before any spreadsheet library reads it: nothing in the file is trusted.

One streaming pass with expat (no DTDs, so no external entities and no entity bombs) finds which sheet
is read, where its last value really is (the declared <dimension> is ignored), how many cells it has,
and the first formula without a cached value. The reader then reads only that range.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import NoReturn
from xml.parsers import expat

MB = 1024 * 1024
MAX_PART_BYTES = 256 * MB  # one unpacked part (the sheet, the shared strings)
MAX_UNPACKED_BYTES = 512 * MB  # all parts together: a zip bomb stops here
_CHUNK = 256 * 1024
_NS_SEP = "}"
_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
EXCEL_MAX_COLUMN = 16384  # XFD
OFFICE_DOC = "/officeDocument"


SAVE_AS_XLSX = "请在 Excel 中另存为 .xlsx 后再试。"


class NotExcel(Exception):
    """The file is not a usable .xlsx; str() is the reason in Chinese, shown in brackets; `advice` is what to do
    (one sentence, said once: the reason itself gives none)."""

    def __init__(self, reason: str, advice: str = SAVE_AS_XLSX) -> None:
        super().__init__(reason)
        self.advice = advice

    def message(self, name: str) -> str:
        return f"{name} 不是有效的 Excel 文件（{self}）。{self.advice}"


class SheetLimit(Exception):
    """The sheet is larger than a limit; str() is the whole Chinese message."""


@dataclass
class SheetScan:
    sheet_name: str
    max_row: int = 0  # last row / column holding a value (0: none)
    max_col: int = 0
    cells: int = 0
    formula_without_value: tuple[int, int] | None = None  # (row, column) of the first one


def _local(name: str) -> str:
    return name.rpartition(_NS_SEP)[2]


class _Stop(Exception):
    pass


def _no_dtd(*_args: object) -> NoReturn:
    raise NotExcel("含有文档类型声明（DTD），Excel 不会生成这样的文件，为安全起见不予读取")


def _parser() -> expat.XMLParserType:
    p = expat.ParserCreate(namespace_separator=_NS_SEP)
    p.buffer_text = True  # one text callback per text node, not per chunk of it
    p.buffer_size = 1 << 16
    p.StartDoctypeDeclHandler = _no_dtd
    p.EntityDeclHandler = _no_dtd
    p.ExternalEntityRefHandler = _no_dtd
    return p


def _feed(z: zipfile.ZipFile, name: str, parser: expat.XMLParserType) -> None:
    try:
        with z.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise NotExcel(f"其中的 {name} 已损坏：{expat.ErrorString(exc.code)}") from None


def _prologue(z: zipfile.ZipFile, name: str) -> None:
    """Parse up to the root element: a DTD can only come before it."""
    p = _parser()

    def root(*_args: object) -> None:
        raise _Stop

    p.StartElementHandler = root
    with contextlib.suppress(_Stop):
        _feed(z, name, p)


def _elements(z: zipfile.ZipFile, name: str) -> list[tuple[str, dict[str, str]]]:
    """(local name, attributes) of every element of a small part."""
    out: list[tuple[str, dict[str, str]]] = []
    p = _parser()
    p.StartElementHandler = lambda tag, attrs: out.append((_local(tag), {_local(k): v for k, v in attrs.items()}))
    _feed(z, name, p)
    return out


def _has(z: zipfile.ZipFile, name: str) -> bool:
    try:
        z.getinfo(name)
    except KeyError:
        return False
    return True


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, part name) for `part`."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if not _has(z, rels_name):
        return {}
    out = {}
    for tag, a in _elements(z, rels_name):
        if tag == "Relationship" and "Id" in a and "Target" in a:
            target = a["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[a["Id"]] = (a.get("Type", ""), path)
    return out


def _active_sheet(z: zipfile.ZipFile, prefer: str | None = None) -> tuple[str, str]:
    """(sheet name, part name) of the sheet Excel shows first: the active tab, as openpyxl's `active`;
    the sheet named `prefer` when there is one (a workbook whose first tab is its instructions)."""
    book = next((path for typ, path in _rels(z, "").values() if typ.endswith(OFFICE_DOC)), None)
    if book is None or not _has(z, book):
        raise NotExcel("压缩包里没有 Excel 工作簿")
    sheets: list[tuple[str, str]] = []
    active: int | None = None
    for tag, a in _elements(z, book):
        if tag == "sheet":
            sheets.append((a.get("name", ""), a.get("id", "")))
        elif tag == "workbookView" and active is None:  # the first view, as openpyxl
            active = int(a["activeTab"]) if a.get("activeTab", "").isdigit() else 0
    active = active or 0
    if not sheets:
        raise NotExcel("工作簿里没有工作表")
    named = [i for i, (n, _) in enumerate(sheets) if prefer is not None and n == prefer]
    name, rid = sheets[named[0] if named else active if active < len(sheets) else 0]
    typ, part = _rels(z, book).get(rid, ("", ""))
    if not typ.endswith("/worksheet") or not _has(z, part):
        raise NotExcel(f"工作表“{name}”不是普通表格（可能是图表页）")
    return name, part


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


class _SheetReader:
    """expat handlers for <sheetData>: positions of cells with values, formulas without one."""

    def __init__(self, scan: SheetScan, max_rows: int, max_cols: int, max_cells: int):
        self.scan, self.max_rows, self.max_cols, self.max_cells = scan, max_rows, max_cols, max_cells
        self.row = self.col = 0
        self.in_cell = self.in_v = self.has_value = self.has_formula = self.is_str = self.has_v = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "row":
            r = attrs.get("r", "")
            self.row = int(r) if r.isdigit() else self.row + 1
            self.col = 0
        elif local == "c":
            ref = attrs.get("r")
            if ref:
                m = _CELL_REF.match(ref)
                if m is None:
                    raise NotExcel(f"单元格位置“{ref[:20]}”无效")
                self.col, self.row = column_number(m[1]), int(m[2])
            else:
                self.col += 1
            if self.col > EXCEL_MAX_COLUMN or self.row < 1:
                raise NotExcel(f"单元格位置“{column_letters(min(self.col, 99999))}{self.row}”超出 Excel 的范围")
            self.scan.cells += 1
            if self.scan.cells > self.max_cells:
                raise SheetLimit(f"表格的单元格超过 {self.max_cells} 个的上限，请只保留要导入的名单。")
            self.in_cell, self.has_value, self.has_formula, self.has_v = True, False, False, False
            self.is_str = attrs.get("t") == "str"
        elif self.in_cell and local == "v":
            self.in_v = self.has_v = True
        elif self.in_cell and local == "is":
            self.has_value = True
        elif self.in_cell and local == "f":
            self.has_formula = True

    def text(self, data: str) -> None:
        if self.in_v and not data.isspace():
            self.has_value = True  # <v></v> is no value (openpyxl writes it for a formula never calculated)

    def end(self, tag: str) -> None:
        local = _local(tag)
        if local == "v":
            self.in_v = False
        if local != "c":
            return
        self.in_cell = False
        scan = self.scan
        # a text formula whose result is "" is cached as <v></v> with t="str": that is a result
        if (self.has_formula and not self.has_value and not (self.is_str and self.has_v)
                and scan.formula_without_value is None):
            scan.formula_without_value = (self.row, self.col)
        if self.has_value:
            if self.row > self.max_rows:
                raise SheetLimit(f"表格超过 {self.max_rows} 行的上限（第 {self.row} 行有内容），请分成几个文件或删去多余的行。")
            if self.col > self.max_cols:
                raise SheetLimit(f"表格超过 {self.max_cols} 列的上限（第 {self.row} 行第 {self.col} 列有内容），"
                                 "请删去名单以外的列。")
            scan.max_row = max(scan.max_row, self.row)
            scan.max_col = max(scan.max_col, self.col)


def open_zip(raw: bytes) -> zipfile.ZipFile:
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise NotExcel("这是旧版 .xls 格式，或设置了打开密码", "请在 Excel 中打开（有密码的先取消密码），另存为 .xlsx 后再试。")
    try:
        z = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise NotExcel("不是 zip 压缩格式，或文件不完整") from None
    except (ValueError, EOFError, OSError):
        raise NotExcel("文件不完整或已损坏") from None
    names = set(z.namelist())
    kind = ("Word 文档" if "word/document.xml" in names else "PowerPoint 文件" if "ppt/presentation.xml" in names
            else "OpenDocument 文件" if "mimetype" in names else "")
    if kind and not any(n.startswith("xl/") for n in names):
        raise NotExcel(f"这是 {kind}", "请改选 Excel 表格（.xlsx）或 CSV 文件。")
    if "[Content_Types].xml" not in names:
        raise NotExcel("压缩包里没有 Excel 工作簿")
    if "EncryptedPackage" in names:
        raise NotExcel("文件设置了打开密码", "请在 Excel 中取消密码并保存后再试。")
    total = 0
    for info in z.infolist():
        if info.file_size > MAX_PART_BYTES:
            raise NotExcel(f"其中的 {info.filename} 解压后超过 {MAX_PART_BYTES // MB} MB")
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise NotExcel(f"解压后超过 {MAX_UNPACKED_BYTES // MB} MB")
    return z


def check_parts(z: zipfile.ZipFile) -> None:
    """Refuse a DTD in any XML part (only the prologue before the root element is read)."""
    for info in z.infolist():
        if info.filename.lower().endswith((".xml", ".rels", ".vml")) and not info.is_dir():
            _prologue(z, info.filename)


def sheet_part(z: zipfile.ZipFile, prefer: str | None = None) -> tuple[str, str]:
    """(sheet name, part name) of the sheet that is read: `prefer` when the workbook has it, else the active tab."""
    try:
        return _active_sheet(z, prefer)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise NotExcel(f"文件不完整或已损坏：{type(exc).__name__}") from None


# The quick path's bounds: rows below 200 000 and columns up to GR (200), the importer's limits.
QUICK_MAX_ROW = 199_999
QUICK_MAX_COL = 200
# A cell placed within those bounds, `r` first: one letter, AA–FZ or GA–GR; a row 1–99 999 or 100 000–199 999.
_GOOD_REF = rb'r="(?:[A-Z]|[A-F][A-Z]|G[A-R])(?:[1-9][0-9]{0,4}|1[0-9]{5})"'
# Anything else a dense reader would place: a <c> element not so placed (bare, `r` later, odd or far
# position; `<col`, `<cfRule`… are other names), or a formula <f>. One regular-expression pass.
_UNUSUAL = re.compile(rb'<(?:c(?![A-Za-z0-9_.\-\x80-\xff]| ' + _GOOD_REF + rb')|f[\s>/])')
# A namespace prefix on an element the checks look for (<x:c …>); a rare literal ":" to scan for.
_PREFIXED = re.compile(rb":(?:c|f|row|sheetData|dimension)[\s>/]")
# Cells calamine reads otherwise than openpyxl (the full scan's reader): a whole number of 16 digits or more
# (a float, its last digits lost), an error constant (""), a number with spaces (text), and text with
# leading or trailing spaces not marked xml:space="preserve" (trimmed, " text" of a rich run lost).
_READ_OTHERWISE = re.compile(rb'<v>(?:-?[0-9]{16}|\s)|\s</v>|\st="e"|<t>(?:\s|[^<]*\s</t>)')
_TEXT_OTHERWISE = re.compile(rb'<t>(?:\s|[^<]*\s</t>)|:t[\s>/]|<!')
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})?(\d{1,7})?(?::([A-Z]{1,3})(\d{1,7}))?"')


def _shared_strings(z: zipfile.ZipFile) -> bytes | None:
    """The bytes of the workbook's shared strings part; None when it has none (or no workbook is found)."""
    book = next((path for typ, path in _rels(z, "").values() if typ.endswith(OFFICE_DOC)), None)
    part = next((path for typ, path in _rels(z, book).values() if typ.endswith("/sharedStrings")), None) \
        if book is not None and _has(z, book) else None
    if part is None or not _has(z, part) or z.getinfo(part).file_size > MAX_PART_BYTES:
        return None
    try:
        return z.read(part)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise NotExcel(f"文件不完整或已损坏：{type(exc).__name__}") from None


def quick_bounds(z: zipfile.ZipFile, part: str, max_rows: int, max_cols: int, max_cells: int) -> bool:
    """Whether an ordinary sheet (every cell placed by `r`, no formula, no namespace prefix, no declared or
    actual position beyond the limits) may go straight to a dense reader such as calamine, which allocates
    the declared dimension and the span of the cell positions, and is read by it as openpyxl reads it
    (_READ_OTHERWISE, _TEXT_OTHERWISE). False: take the full scan (scan_xlsx).

    Two regular-expression passes and a count over the sheet's bytes (C speed) instead of an XML parse.
    Positions are checked against QUICK_MAX_ROW / QUICK_MAX_COL: anything beyond (or limits below them)
    takes the full scan, which applies the exact limits.
    """
    if max_rows < QUICK_MAX_ROW or max_cols < QUICK_MAX_COL:
        return False
    info = z.getinfo(part)
    if info.file_size > MAX_PART_BYTES:
        return False
    try:
        data = z.read(part)
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise NotExcel(f"文件不完整或已损坏：{type(exc).__name__}") from None
    if b"<!" in data[:4096] or _PREFIXED.search(data):
        return False
    at = data.find(b"<dimension")
    dim = _DIMENSION.match(data, at) if at >= 0 else None
    if at >= 0 and (dim is None or data.find(b"<dimension", at + 1) >= 0):
        return False
    if dim is not None and dim[4] is not None:
        last_row, last_col = int(dim[4]), column_number(dim[3].decode())
        if last_row > max_rows or last_col > max_cols or last_row * last_col > max_cells:
            return False
    # Once _UNUSUAL finds nothing, each `<c r="` is followed by a position and a quote: cells are at least
    # 9 bytes apart, so a sheet of up to 9 × max_cells bytes cannot hold too many (the count is skipped).
    if len(data) > 9 * max_cells and data.count(b'<c r="') > max_cells:
        return False
    if _UNUSUAL.search(data) is not None or _READ_OTHERWISE.search(data) is not None:
        return False
    strings = _shared_strings(z)
    return strings is None or _TEXT_OTHERWISE.search(strings) is None


def scan_xlsx(z: zipfile.ZipFile, max_rows: int, max_cols: int, max_cells: int, prefer: str | None = None) -> SheetScan:
    """Check every XML part for a DTD, then read the shown sheet's shape. Raises NotExcel or SheetLimit."""
    try:
        check_parts(z)
        name, part = _active_sheet(z, prefer)
        scan = SheetScan(name)
        reader = _SheetReader(scan, max_rows, max_cols, max_cells)
        p = _parser()
        p.StartElementHandler = reader.start
        p.EndElementHandler = reader.end
        p.CharacterDataHandler = reader.text
        _feed(z, part, p)
    except zipfile.BadZipFile:
        raise NotExcel("文件已损坏（压缩数据校验失败）") from None
    except (EOFError, OSError, NotImplementedError, RuntimeError, zlib.error) as exc:
        # a truncated member, an unsupported compression method, an encrypted member
        raise NotExcel(f"文件不完整或已损坏：{type(exc).__name__}") from None
    return scan

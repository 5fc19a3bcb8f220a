"""One .xlsx reader (files/tables.py: read_xlsx) for imported lists and enterprise workbooks: an ordinary sheet
goes to calamine, any other through the full scan and openpyxl over the scanned range; the values are the same
either way, and both callers refuse a hostile or unfinished sheet in the same words."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from enterprise_support import enterprise, fill_workbook
from openpyxl import Workbook

from assistant.files.tables import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, TableError, read_table_bytes, read_table_full, read_xlsx
from assistant.interview.enterprises.columns import load_spec
from assistant.interview.enterprises.reader import DataError, read_rows

SHEET = "xl/worksheets/sheet1.xml"
LIMITS = (MAX_ROWS, MAX_COLUMNS, MAX_CELLS)
HEADER = ["专利名称", "专利号", "类型", "件数", "占比", "授权日", "有效", "权利人代码", "备注"]
ROWS = [
    ["一种传感器", "ZL 2021 1 0000001.1", "发明专利", 3, 0.37, date(2023, 5, 1), True, "91310000MA1FL12345", None],
    ["一种方法（二）", "2021100000002", "实用新型", 3.0, 1.5, datetime(2023, 5, 2, 13, 30), False, "0012", "说明"],
    ["", None, "外观设计", 0, -2.25, None, None, 12345678901234, " 前后有空格 "],
]


def write(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    ws["F2"].number_format = "yyyy-mm-dd"
    ws["E2"].number_format = "0%"
    wb.save(path)
    return path


def rewrite(path: Path, name: str, fn) -> Path:
    """A copy of the workbook with its first sheet's XML rewritten by fn(bytes) -> bytes."""
    out = path.with_name(name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            z.writestr(info.filename, fn(body) if info.filename == SHEET else body)
    return out


def declare_everything(b: bytes) -> bytes:
    """The sheet declares A1:XFD1048576: never trusted, never given to calamine."""
    return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', b)


def path_of(path: Path) -> bool:
    return read_xlsx(path.name, read_table_bytes(path), *LIMITS).quick


def test_an_ordinary_list_is_read_by_calamine_with_the_values_of_the_safe_path(tmp_path):
    plain = write(tmp_path / "专利.xlsx", ROWS)
    odd = rewrite(plain, "专利（异常尺寸）.xlsx", declare_everything)
    assert path_of(plain) is True and path_of(odd) is False
    quick, safe = read_table_full(plain), read_table_full(odd)
    assert (quick.headers, quick.rows, quick.row_numbers) == (safe.headers, safe.rows, safe.row_numbers)
    assert quick.rows == [
        ["一种传感器", "ZL 2021 1 0000001.1", "发明专利", "3", "0.37", "2023-05-01", "是", "91310000MA1FL12345", ""],
        ["一种方法（二）", "2021100000002", "实用新型", "3", "1.5", "2023-05-02", "否", "0012", "说明"],
        ["", "", "外观设计", "0", "-2.25", "", "", "12345678901234", " 前后有空格 "],
    ]


def test_cells_calamine_reads_otherwise_take_the_safe_path_and_read_exactly(tmp_path):
    """A whole number of 18 digits (calamine: a float, last digits lost), an error constant (calamine: ""),
    a rich run's leading space without xml:space (calamine: trimmed) are read by openpyxl instead."""
    plain = write(tmp_path / "名单.xlsx", ROWS[:1])
    cases = {
        "digits": (b"<v>123456789012345678</v>", "123456789012345678"),
        "error": (b'<c r="I2" t="e"><v>#N/A</v></c>', "#N/A"),
        "space": (b'<c r="I2" t="inlineStr"><is><r><t>rich</t></r><r><t> text</t></r></is></c>', "rich text"),
    }
    base = write(tmp_path / "基础.xlsx", [[*ROWS[0][:8], 12345678901234]])
    for case, (cell, want) in cases.items():
        new = cell if cell.startswith(b"<c") else b'<c r="I2">' + cell + b"</c>"
        path = rewrite(base, f"{case}.xlsx", lambda b, new=new: re.sub(rb'<c r="I2"[^>]*>.*?</c>', new, b))
        assert path_of(path) is False, case
        assert read_table_full(path).rows[0][8] == want, case
    assert path_of(plain) is True and path_of(base) is True


def test_a_line_break_escape_reads_the_same_on_both_paths(tmp_path):
    """Excel writes a carriage return in a cell as _x000D_: calamine undoes it, and so does the safe path."""
    base = write(tmp_path / "换行.xlsx", [["甲", "乙", "丙", 1, 0.5, None, True, "代码", "NOTE"]])
    escaped = rewrite(base, "换行-改.xlsx", lambda b: b.replace(b"<t>NOTE</t>", b"<t>one_x000D_\ntwo</t>"))
    odd = rewrite(escaped, "换行-异常尺寸.xlsx", declare_everything)
    assert path_of(escaped) is True and path_of(odd) is False
    assert read_table_full(escaped).rows[0][8] == read_table_full(odd).rows[0][8] == "one\r\ntwo"


HOSTILE = {
    "far cell": (lambda b: b.replace(b"</row></sheetData>", b'<c r="XFD7" t="inlineStr"><is><t>x</t></is></c>'
                                                            b"</row></sheetData>"), "列的上限（第"),
    "formula without a value": (lambda b: b.replace(b"</row></sheetData>", b'<c r="AK7"><f>1+1</f></c></row></sheetData>'),
                                "列是公式，没有计算结果，请在 Excel 中保存后再导入"),
    "doctype": (lambda b: b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>' + b, "文档类型声明（DTD）"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_list_and_an_enterprise_workbook_are_refused_in_the_same_words(tmp_path, case):
    """Both importers go through read_xlsx: the same unusual sheet gets the same refusal, naming the file
    (the enterprise reader reads the workbook's only sheet, as it has no sheet of the spec's name)."""
    spec = load_spec("annual_report")
    assert spec is not None
    fn, words = HOSTILE[case]
    path = rewrite(write(tmp_path / "名单.xlsx", ROWS), "改过的名单.xlsx", fn)
    with pytest.raises(TableError) as listed:
        read_table_full(path)
    with pytest.raises(DataError) as ent:
        read_rows([path], spec)
    assert words in str(listed.value) and path.name in str(listed.value)
    assert ent.value.problems == [str(listed.value).rstrip("。")]


def test_both_importers_read_an_ordinary_sheet_through_calamine(tmp_path):
    """The enterprise reader gets the rows read_xlsx gives; the list importer the same rows as text."""
    spec = load_spec("annual_report")
    assert spec is not None
    path = fill_workbook(tmp_path / "企业数据.xlsx", [enterprise(i) for i in range(1, 4)])
    sheet = read_xlsx(path.name, read_table_bytes(path), *LIMITS, prefer=spec.sheet)
    assert sheet.quick is True and sheet.sheet == spec.sheet
    rows = read_rows([path], spec)
    assert len(rows) == 3 and rows.files[0].rows == 3

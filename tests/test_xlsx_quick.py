"""The quick look at an enterprise workbook (xlsx_scan.quick_bounds) lets only ordinary sheets go straight to
calamine; every other shape takes the full scan, and the reader then refuses or reads it exactly as openpyxl.

A dense reader allocates the span of the cell positions, so a cell placed far away, however it is written,
must never reach it unchecked.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from enterprise_support import enterprise, fill_workbook
from openpyxl import load_workbook

from assistant.files.tables import MAX_CELLS, MAX_COLUMNS, MAX_ROWS
from assistant.files.xlsx_scan import quick_bounds
from assistant.interview.enterprises.columns import load_spec
from assistant.interview.enterprises.reader import DataError, read_rows

PART = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def sheet(cells: str, dimension: str = "A1:B2", head: str = "") -> zipfile.ZipFile:
    body = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{head}<worksheet {NS}>'
            f'<dimension ref="{dimension}"/><cols><col min="1" max="2" width="9"/></cols>'
            f'<sheetData><row r="1" spans="1:2"><c r="A1" t="s"><v>0</v></c><c r="B1" s="3"><v>1.5</v></c></row>'
            f'{cells}</sheetData><conditionalFormatting sqref="A1"><cfRule type="expression" priority="1"/>'
            f"</conditionalFormatting></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(PART, body)
    return zipfile.ZipFile(io.BytesIO(out.getvalue()))


def quick(cells: str, **kw: str) -> bool:
    return quick_bounds(sheet(cells, **kw), PART, MAX_ROWS, MAX_COLUMNS, MAX_CELLS)


ORDINARY = {
    "plain rows": '<row r="2"><c r="A2"><v>3</v></c><c r="B2" t="inlineStr"><is><t>甲</t></is></c></row>',
    "last quick column and row": '<row r="199999"><c r="GR199999"><v>1</v></c></row>',
    "two-letter columns": '<row r="5"><c r="FZ5"><v>1</v></c><c r="GA5"><v>1</v></c><c r="AA5"><v>1</v></c></row>',
    "row 100 000": '<row r="100000"><c r="A100000"><v>1</v></c></row>',
    "fifteen digits": '<row r="2"><c r="A2"><v>123456789012345</v></c><c r="B2"><v>1.2345678901234567E+17</v></c></row>',
    "preserved spaces": '<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c></row>',
}

UNUSUAL = {
    "row 200 000": '<row r="200000"><c r="A200000"><v>1</v></c></row>',
    "row 1 048 576": '<row r="1048576"><c r="A1048576"><v>1</v></c></row>',
    "seven-digit row": '<row r="2"><c r="A1000000"><v>1</v></c></row>',
    "row 0": '<row r="2"><c r="A0"><v>1</v></c></row>',
    "leading zero": '<row r="2"><c r="A02"><v>1</v></c></row>',
    "column GS": '<row r="2"><c r="GS2"><v>1</v></c></row>',
    "column HA": '<row r="2"><c r="HA2"><v>1</v></c></row>',
    "column ZZ": '<row r="2"><c r="ZZ2"><v>1</v></c></row>',
    "three letters": '<row r="2"><c r="XFD2"><v>1</v></c></row>',
    "lower case": '<row r="2"><c r="a2"><v>1</v></c></row>',
    "no r": '<row r="2"><c t="n"><v>1</v></c></row>',
    "bare": '<row r="2"><c><v>1</v></c></row>',
    "empty bare": '<row r="2"><c/></row>',
    "newline before r": '<row r="2"><c\nr="A2"><v>1</v></c></row>',
    "r after another attribute": '<row r="2"><c s="1" r="XFD1048576"><v>1</v></c></row>',
    "single quotes": "<row r=\"2\"><c r='XFD2'><v>1</v></c></row>",
    "formula": '<row r="2"><c r="A2"><f>1+1</f></c></row>',
    "shared formula": '<row r="2"><c r="A2"><f t="shared" si="0"/><v>2</v></c></row>',
    "prefixed cell": '<row r="2"><x:c xmlns:x="urn:x" r="XFD2"><x:v>1</x:v></x:c></row>',
    "prefixed row": '<x:row xmlns:x="urn:x" r="3"><c r="A3"><v>1</v></c></x:row>',
    "prefixed formula": '<row r="2"><c r="A2"><x:f xmlns:x="urn:x">1</x:f></c></row>',
    "cell at the very end": '<row r="2"><c',
    # read otherwise by calamine than by openpyxl: the full scan's reader keeps the values the same
    "sixteen-digit whole number": '<row r="2"><c r="A2"><v>1234567890123456</v></c></row>',
    "negative sixteen digits": '<row r="2"><c r="A2"><v>-1234567890123456</v></c></row>',
    "error constant": '<row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>',
    "number with spaces": '<row r="2"><c r="A2"><v> 7</v></c></row>',
    "text with a leading space, not preserved": '<row r="2"><c r="A2" t="inlineStr"><is><t> x</t></is></c></row>',
    "text with a trailing space, not preserved": '<row r="2"><c r="A2" t="inlineStr"><is><t>x </t></is></c></row>',
}


@pytest.mark.parametrize("case", list(ORDINARY))
def test_ordinary_sheets_take_the_quick_path(case):
    assert quick(ORDINARY[case]) is True


@pytest.mark.parametrize("case", list(UNUSUAL))
def test_every_other_shape_takes_the_full_scan(case):
    assert quick(UNUSUAL[case]) is False


@pytest.mark.parametrize("dimension", ["A1:XFD1048576", "A1:GS2", "A1:A200001", "A1:B2 ", "A1:B2:C3"])
def test_a_declared_dimension_beyond_the_limits_or_odd_takes_the_full_scan(dimension):
    assert quick(ORDINARY["plain rows"], dimension=dimension) is False


@pytest.mark.parametrize("dimension", ["A1", "", "A1:GR9000"])
def test_a_declared_dimension_within_the_limits_is_no_obstacle(dimension):
    assert quick(ORDINARY["plain rows"], dimension=dimension) is True


def test_a_doctype_or_lower_limits_take_the_full_scan():
    assert quick(ORDINARY["plain rows"], head="<!DOCTYPE x>") is False
    z = sheet(ORDINARY["plain rows"])
    assert quick_bounds(z, PART, MAX_ROWS, MAX_COLUMNS, MAX_CELLS) is True
    assert quick_bounds(z, PART, 50, MAX_COLUMNS, MAX_CELLS) is False  # the coarse bound would not hold
    assert quick_bounds(z, PART, MAX_ROWS, 20, MAX_CELLS) is False
    assert quick_bounds(z, PART, MAX_ROWS, MAX_COLUMNS, 3) is False  # more cells than allowed


# -- through the enterprise reader -------------------------------------------------------------
def data_part(path: Path) -> str:
    spec = load_spec("annual_report")
    wb = load_workbook(path, read_only=True)
    index = wb.sheetnames.index(spec.sheet) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def patched(path: Path, fn) -> Path:
    """The workbook with its data sheet's XML rewritten by fn(bytes) -> bytes."""
    part = data_part(path)
    src = zipfile.ZipFile(path)
    out = path.with_name("改过的" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            z.writestr(info.filename, fn(body) if info.filename == part else body)
    return out


@pytest.fixture
def filled(tmp_path) -> Path:
    return fill_workbook(tmp_path / "企业数据.xlsx", [enterprise(i) for i in range(1, 6)])


def last_row_cell(xml: str):
    return lambda b: re.sub(rb"</row>\s*</sheetData>", xml.encode() + b"</row></sheetData>", b)


FAR = {
    "far row": ('<c r="A1048576" t="inlineStr"><is><t>x</t></is></c>', "行的上限（第 1048576 行有内容）"),
    "far column": ('<c r="XFD7" t="inlineStr"><is><t>x</t></is></c>', "列的上限（第 7 行第 16384 列有内容）"),
    "far cell with r later": ('<c t="inlineStr" r="XFD7"><is><t>x</t></is></c>', "列的上限（第 7 行第 16384 列有内容）"),
    "formula without a result": ('<c r="AK7"><f>1+1</f></c>', "第 7 行第 37 列是公式，没有计算结果"),
}


@pytest.mark.parametrize("case", list(FAR))
def test_far_cells_and_formulas_are_refused_by_the_reader(filled, case):
    xml, message = FAR[case]
    path = patched(filled, last_row_cell(xml))
    with pytest.raises(DataError) as exc:
        read_rows([path], load_spec("annual_report"))
    assert message in str(exc.value) and path.name in str(exc.value)


def test_cells_without_positions_read_as_openpyxl_reads_them(filled):
    """Legal but unusual: the first two cells of each row carry no `r`. The full scan bounds the sheet, the
    values are the same."""
    spec = load_spec("annual_report")
    path = patched(filled, lambda b: re.sub(rb'(<c) r="[AB][0-9]+"', rb"\1", b))
    xml = zipfile.ZipFile(path).read(data_part(path))
    assert b'<c t="' in xml and not re.search(rb'<c r="[AB][0-9]', xml)
    plain, odd = read_rows([filled], spec), read_rows([path], spec)
    assert odd.values == plain.values and len(odd) == 5


def test_the_generated_workbook_filled_takes_the_quick_path(filled):
    """Its drop-downs hold <formula1> (not a cell formula) and its header has styles: still ordinary."""
    z = zipfile.ZipFile(filled)
    part = data_part(filled)
    assert b"<formula1>" in z.read(part)
    assert quick_bounds(z, part, MAX_ROWS, MAX_COLUMNS, MAX_CELLS) is True

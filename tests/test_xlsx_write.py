"""files/xlsx_write.py: the one .xlsx writer keeps user text as text, read back with openpyxl."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl

from assistant.files.xlsx_write import column_width, new_workbook, write_value


def test_text_stays_text_numbers_stay_numbers():
    values = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1,2)", "http://例子.cn", "0012", "1e5", 3, Decimal("12.40"),
              2.5, None, ""]
    buf = io.BytesIO()
    wb = new_workbook(buf)
    ws = wb.add_worksheet("表")
    for r, value in enumerate(values):
        write_value(ws, r, 0, value)
    ws.write("B1", "=1+1")  # even xlsxwriter's generic write() takes it for text in this workbook
    ws.set_column_pixels(2, 2, column_width(14))
    wb.close()
    back = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["表"]
    got = [(c.value, c.data_type) for (c,) in back.iter_rows(min_col=1, max_col=1, max_row=len(values))]
    assert got[:7] == [(v, "s") for v in values[:7]]
    assert got[7:10] == [(3, "n"), (12.4, "n"), (2.5, "n")]
    assert [v for v, _ in got[10:]] == [None, None]
    assert (back["B1"].value, back["B1"].data_type) == ("=1+1", "s")
    assert back.column_dimensions["C"].width == 14  # stored as given, as openpyxl stored it

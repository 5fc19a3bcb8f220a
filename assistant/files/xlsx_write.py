"""The one .xlsx writer (xlsxwriter), opened so that user text is data: never a formula, a link or a number.

Every workbook the program writes (the enterprise collection workbook, the commission's overview) is opened here,
and its text cells are written with `write_string`, so a cluster name "=cmd|' /C calc'!A0" or "+1" stays the
string that was typed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import xlsxwriter
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

# strings_to_*: xlsxwriter's write() would turn "=…" into a formula, "http…" into a link, "0012" into 12.
SAFE_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def new_workbook(out: IO[bytes]) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook writing to `out` (on close) with the safe options."""
    import xlsxwriter  # deferred: only the commands that write a workbook load it

    return xlsxwriter.Workbook(out, dict(SAFE_OPTIONS))


def column_width(width: float) -> int:
    """Pixels for set_column_pixels so the file stores `width` characters exactly, as openpyxl's width did
    (xlsxwriter's set_column adds Excel's 5-pixel padding to the stored width)."""
    return round(width * 7)  # Calibri 11: 7 pixels a character


def write_value(ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """A number as a number, anything else as a string cell (never a formula); None or "" leaves the cell empty."""
    if value is None or value == "":
        return
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        ws.write_number(row, col, float(value), fmt)
    else:
        ws.write_string(row, col, str(value), fmt)

"""A 20-enterprise fixture written as an enterprise would fill the collection workbook."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from assistant.form.parse import credit_check_char
from assistant.interview.enterprises.columns import load_spec
from assistant.interview.enterprises.workbook import write_workbook


def code(i: int) -> str:
    body = f"91310000MA1K{i:05d}"
    return body + credit_check_char(body)


def enterprise(i: int) -> dict:
    """Enterprise i (1..20). 1 and 2 are not SMEs; 1..15 are in the leading industry; nobody has bulk
    industrial waste (a zero denominator); leading output fell against last year (negative growth);
    20 is not industrial (outside 单位工业产值能耗); 3 is both 小巨人 and 市级专精特新."""
    output = Decimal(1000) + Decimal(137) * i + Decimal("0.25")
    leading = i <= 15
    row = {
        "name": f"示例企业{i:02d}有限公司", "credit_code": code(i), "is_sme": "否" if i <= 2 else "是",
        "is_leading": "是" if leading else "否", "output": output, "output_prev": output - 100,
        "leading_output": (output - 200) if leading else None, "leading_output_prev": (output - 150) if leading else None,
        "revenue": output + 50, "rd_expense": Decimal(40) + i, "rd_expense_prev": Decimal(35) + i,
        "employees": 100 + 10 * i, "rd_staff": 10 + i, "patents": i % 5, "patents_prev": max(i % 5 - 1, 0),
        "cloud": "是" if i % 2 == 0 else "否", "iip": "是" if i % 3 == 0 else "否", "software": Decimal("2.5") * i,
        "energy": Decimal(300) + i, "energy_prev": Decimal(320) + i, "co2": Decimal(800) + 3 * i,
        "waste_generated": 0, "waste_used": 0, "waste_stored": None,
        "water_new": Decimal(2000), "water_reused": Decimal(3000) + i,
        # designations overlap: 3 is a 小巨人 and also 市级专精特新
        "is_little_giant": "是" if i == 3 else "否", "is_specialized": "是" if i in (3, 4, 5, 16) else "否",
        "is_innovative": "是" if i == 6 else "否", "is_industrial": "否" if i == 20 else "是",
        "hightech": "是" if i % 4 == 0 else "否",
        "champion": {3: "国家级", 7: "市级"}.get(i, "无"), "champion_product": "高精度压力传感器" if i == 3 else None,
        "branch_names": "新加坡分公司；慕尼黑办事处" if i == 3 else None, "branch_regions": "新加坡；德国" if i == 3 else None,
        "exports": Decimal(100) + i, "exports_prev": Decimal(90) + i, "fdi": Decimal(20), "fdi_prev": Decimal(25),
    }
    return row


ENTERPRISES = [enterprise(i) for i in range(1, 21)]


def _cell(v):
    if isinstance(v, Decimal):
        return float(v)
    return v


def fill_workbook(path: Path, rows: list[dict], year: int = 2023) -> Path:
    """Generate the collection workbook, then fill it with openpyxl as an enterprise would."""
    spec = load_spec("annual_report")
    path.write_bytes(write_workbook(spec, year))
    wb = load_workbook(path)
    ws = wb[spec.sheet]
    ids = [c.id for c in spec.columns]
    for r, row in enumerate(rows, 2):
        for c, cid in enumerate(ids, 1):
            v = row.get(cid)
            if v is not None:
                ws.cell(row=r, column=c, value=_cell(v))
    wb.active = 0  # saved with the instructions tab in front, as people do
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[dict], encoding: str = "gbk") -> Path:
    spec = load_spec("annual_report")
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow([c.title for c in spec.columns])
        for row in rows:
            w.writerow(["" if row.get(c.id) is None else str(row.get(c.id)) for c in spec.columns])
    return path

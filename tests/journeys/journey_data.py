"""The member enterprises of the journeys' cluster, and their workbooks: the product's own collection
workbook (`filing workbook`), filled with openpyxl as the enterprises (or the operator) fill it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from enterprise_support import code
from openpyxl import load_workbook

from assistant.interview.enterprises.columns import load_spec

CLUSTER_SIZE = 326  # the sample report's 集群企业数量


def member(i: int, year: int = 2023) -> dict[str, Any]:
    """Enterprise i (1..326) of the sample cluster in `year` (2023 or 2024).

    25 large enterprises (1..25), 250 in the leading industry (1..250); the SMEs 26..61 hold one valid
    invention patent each (36, as the sample's patent list), 26..30 are 市级专精特新, 31..32 小巨人
    (31 a national champion with two overseas branches), 33..40 创新型. Every row passes the
    workbook's row checks and no unit-slip warning: the figures are plain and round."""
    grow = year - 2023
    leading = i <= 250
    sme = i > 25
    out = Decimal(4000 + 100 * grow)
    row: dict[str, Any] = {
        "name": f"浦江示例成员企业{i:03d}有限公司", "credit_code": code(i),
        "is_sme": "是" if sme else "否", "is_leading": "是" if leading else "否",
        "output": out, "output_prev": out - 400,
        "leading_output": out - 1000 if leading else None, "leading_output_prev": out - 1300 if leading else None,
        "revenue": out + 200, "rd_expense": Decimal(120 + 5 * grow), "rd_expense_prev": Decimal(110 + 5 * grow),
        "employees": 30, "rd_staff": 5, "patents": 1 if 26 <= i <= 61 else 0, "patents_prev": 1 if 26 <= i <= 58 else 0,
        "cloud": "是" if i % 2 == 0 else "否", "iip": "是" if i % 3 == 0 else "否", "software": Decimal(10),
        "energy": Decimal(100 - 2 * grow), "energy_prev": Decimal(105 - 2 * grow), "co2": Decimal(250),
        "waste_generated": 0, "waste_used": 0, "waste_stored": None,
        "water_new": Decimal(200), "water_reused": Decimal(300), "is_industrial": "是",
        "is_specialized": "是" if 26 <= i <= 30 else "否", "is_little_giant": "是" if i in (31, 32) else "否",
        "is_innovative": "是" if 33 <= i <= 40 else "否",
        "hightech": "是" if leading and i % 4 == 0 else "否",
        "champion": "国家级" if i == 31 else "无", "champion_product": "MEMS 压力传感器芯片" if i == 31 else None,
        "branch_names": "新加坡分公司；慕尼黑办事处" if i == 31 else None,
        "branch_regions": "新加坡；德国" if i == 31 else None,
        "exports": Decimal(200 + 10 * grow), "exports_prev": Decimal(190 + 10 * grow),
        "fdi": Decimal(20), "fdi_prev": Decimal(25),
    }
    return row


def members(numbers: range | list[int], year: int = 2023) -> list[dict[str, Any]]:
    return [member(i, year) for i in numbers]


WHOLE = range(1, CLUSTER_SIZE + 1)
PARTIAL = range(101, 109)  # 8 of 326: the enterprises that returned the workbook


def _cell(v: Any) -> Any:
    return float(v) if isinstance(v, Decimal) else v


def fill(path: Path, rows: list[dict[str, Any]], form: str = "annual_report") -> Path:
    """Fill the workbook at `path` (as `filing workbook` wrote it, blank or prefilled) with openpyxl:
    a row whose 统一社会信用代码 is already there is completed (its empty cells only: the prefilled 上年
    columns and statuses stay as they are), the others go below."""
    spec = load_spec(form)
    assert spec is not None
    wb = load_workbook(path)
    ws = wb[spec.sheet]
    ids = [c.id for c in spec.columns]
    headers = [c.value for c in ws[1]][:len(ids)]
    assert headers == [c.title for c in spec.columns], headers  # the product's own workbook, untouched
    key = ids.index("credit_code") + 1
    where = {ws.cell(row=r, column=key).value: r for r in range(2, ws.max_row + 1)
             if ws.cell(row=r, column=key).value}
    nxt = max(where.values(), default=1) + 1
    for row in rows:
        r = where.get(row["credit_code"])
        prefilled = r is not None
        if r is None:
            r, nxt = nxt, nxt + 1
        for c, cid in enumerate(ids, 1):
            if row.get(cid) is not None and not (prefilled and ws.cell(row=r, column=c).value not in (None, "")):
                ws.cell(row=r, column=c, value=_cell(row[cid]))
    wb.active = 0  # saved with the instructions tab in front, as people do
    wb.save(path)
    return path

"""`filing overview`: the commission's workbook read back with openpyxl, flags checked by hand."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from cli_support import run_filing
from conftest import sample_answers
from openpyxl.utils import get_column_letter
from report_support import report, write

from assistant.form.catalog import load_flow
from assistant.report.overview import MET, NOT_MET, UNKNOWN, run_overview


def reports(tmp_path: Path) -> list[Path]:
    a = sample_answers()
    # B: below 40 亿元 and 70 %; a name that looks like a spreadsheet formula.
    b = {**sample_answers(), "cluster_name": "=HYPERLINK(\"http://x\",\"点我\")", "total_output": "30亿",
         "sme_output_share": "65%"}
    # C: no 小巨人, no national or municipal champion (the core-enterprise condition fails); area missing.
    c = {k: v for k, v in sample_answers().items() if k not in ("little_giant_list", "champion_list", "area_km2")}
    c.update(cluster_name="丙集群", little_giant_count="0", champion_count="0", municipal_champion_count="0")
    return [write(tmp_path, "a.json", report(a)), write(tmp_path, "b.json", report(b)),
            write(tmp_path, "c.json", report(c)), write(tmp_path, "damaged.json", '{"schema": "filing-assistant/rep'),
            write(tmp_path, "a2.json", report(a))]


def test_overview_rows_flags_and_problems(tmp_path):
    out, _ = run_overview(reports(tmp_path), tmp_path / "概览.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb["集群概览"]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    body = {r[0].rsplit("/", 1)[-1]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert len(rows) == 1 + 4  # a, b, c, a2: the damaged file is not a row
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")

    flow = load_flow("annual_report")
    conditions = {r.criterion.label: r for r in flow.rules if r.criterion}
    assert len(conditions) >= 6
    col = {label: f"{r.criterion.kind}：{label}" for label, r in conditions.items()}
    assert col["无较大及以上事故"] == "否决事项：无较大及以上事故" and col["总产值≥40亿元"] == "参考：总产值≥40亿元"
    # By hand: sample A meets everything (128.6 亿 ≥ 40, 82.5 % ≥ 70, 2 小巨人, …).
    assert all(body["a.json"][c] == MET for c in col.values())
    assert body["a.json"]["未达到的参考项数"] == 0
    assert body["b.json"][col["总产值≥40亿元"]] == NOT_MET
    assert body["b.json"][col["中小企业产值占比≥70%"]] == NOT_MET
    assert body["b.json"]["未达到的参考项数"] == 2
    assert body["c.json"][col["有单项冠军或小巨人"]] == NOT_MET
    assert body["c.json"][col["占地≤100平方公里"]] == UNKNOWN
    assert body["b.json"]["集群总产值（亿元）"] == 30
    # A formula-looking name is kept as text, never a formula.
    b_row = next(r for r in ws.iter_rows(min_row=2) if r[0].value.endswith("b.json"))
    assert b_row[1].value.startswith("=HYPERLINK") and b_row[1].data_type == "s"
    # The rule's wording travels with the flag.
    heading = next(c for c in ws[1] if c.value == col["总产值≥40亿元"])
    assert heading.comment is not None and "40 亿元" in heading.comment.text and "国家级集群认定参考值" in heading.comment.text
    assert "低于国家级集群认定参考值" in flagged_text(b_row, head, col["总产值≥40亿元"])
    flagged = b_row[head.index(col["总产值≥40亿元"])]
    assert flagged.comment is not None and "30" in flagged.comment.text
    assert ws.conditional_formatting  # the flags are coloured

    problems = list(wb["问题"].iter_rows(values_only=True))[1:]
    kinds = {(p[0].rsplit("/", 1)[-1], p[2]) for p in problems}
    assert ("damaged.json", "无效报告") in kinds
    assert ("a2.json", "重复的集群") in kinds
    assert ("c.json", "缺项") in kinds  # the area left out
    assert not [p for p in problems if p[0].endswith("a.json") and p[2] in ("缺项", "数据不一致")]


@pytest.mark.slow  # spawns a process
def test_overview_cli_refuses_overwrite_and_reports_counts(tmp_path):
    paths = reports(tmp_path)[:2]
    out = tmp_path / "o.xlsx"
    result = run_filing("overview", *map(str, paths), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "已汇总 2 份报告" in result.stderr and result.stdout.strip() == str(out)
    again = run_filing("overview", *map(str, paths), "-o", str(out))
    assert again.returncode == 4 and "已存在" in again.stderr and "Traceback" not in again.stderr


def flagged_text(row, head, column):
    comment = row[head.index(column)].comment
    return comment.text if comment is not None else ""


# -- the file itself ----------------------------------------------------------------------------------------
def describe(path: Path, base: str) -> dict[str, Any]:
    """Everything the commission sees in the workbook, read back with openpyxl: sheets, cells (value, type,
    number format, bold, wrap, vertical alignment), comments, coloured flags, frozen panes, filter, widths."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {"sheets": wb.sheetnames, "active": wb.active.title}
    for ws in wb.worksheets:
        cells, comments = [], []
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    value = c.value.replace(base, "") if isinstance(c.value, str) else float(c.value)
                    cells.append((c.coordinate, value, c.data_type, c.number_format, bool(c.font.b),
                                  bool(c.alignment.wrap_text), c.alignment.vertical))
                if c.comment is not None:
                    comments.append((c.coordinate, c.comment.text, c.comment.author))
        # A differential fill without a pattern type is solid (Excel writes it so; openpyxl spelled it out).
        flags = [(str(rng.sqref), rule.type, rule.operator, list(rule.formula), rule.dxf.fill.fill_type or "solid",
                  (rule.dxf.fill.bgColor.rgb or "")[-6:])
                 for rng in ws.conditional_formatting for rule in rng.rules]
        widths = {get_column_letter(i): d.width for d in ws.column_dimensions.values() if d.customWidth
                  for i in range(d.min or 1, (d.max or d.min or 1) + 1)}
        m = ws.page_margins  # printed: a page holds as many columns as before
        out[ws.title] = {"freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "widths": widths,
                         "cells": cells, "comments": comments, "flags": flags,
                         "margins": (m.left, m.right, m.top, m.bottom, m.header, m.footer)}
    return out


def test_overview_workbook_reads_as_before(tmp_path, snapshot):
    """The snapshot was written by the openpyxl writer this module used before xlsxwriter: same cells, types,
    number formats, comments, colours, frozen panes, filter, widths and print margins."""
    out, _ = run_overview(reports(tmp_path), tmp_path / "概览.xlsx")
    assert describe(out, f"{tmp_path}/") == snapshot


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1,2)", "http://例子.cn", "0012"])
def test_formula_looking_names_stay_text(tmp_path, name):
    """User text is data: a cluster name that a spreadsheet would take for a formula, a number or a link is
    stored as the very string typed, on both sheets."""
    answers = {k: v for k, v in sample_answers().items() if k != "area_km2"} | {"cluster_name": name}  # 缺项: a problem row
    out, _ = run_overview([write(tmp_path, "x.json", report(answers))], tmp_path / "o.xlsx")
    wb = openpyxl.load_workbook(out)
    name_cell = wb["集群概览"]["B2"]
    assert (name_cell.value, name_cell.data_type) == (name, "s")
    problems = [row for row in wb["问题"].iter_rows(min_row=2) if row[1].value is not None]
    assert problems and all((row[1].value, row[1].data_type) == (name, "s") for row in problems)
    with zipfile.ZipFile(out) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in s or "<f " in s or "hyperlink" in s for s in sheets)

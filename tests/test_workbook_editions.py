"""Workbooks of the previous edition of the enterprise table (用水总量, 专精特新等级 — before the yes/no designation
columns and 取用新水量): named as such when imported, carried into this layout by `filing workbook --prefill`.

The fixture was made by the previous edition itself (commit 1103aab: `filing workbook --form annual --year 2023`),
filled with five enterprises, one per 专精特新等级 and a fifth 小巨人 whose water is all reused."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from assistant.frontends.cli import main
from assistant.interview.enterprises.columns import load_spec
from assistant.session.store import SessionStore

OLD = Path(__file__).parent / "editions" / "上一版-2023年度企业数据采集表.xlsx"
TIERS = ["无", "创新型中小企业", "市级专精特新中小企业", "国家级专精特新“小巨人”", "国家级专精特新“小巨人”"]
DESIGNATIONS = ["是否创新型中小企业", "是否市级专精特新中小企业", "是否国家级专精特新“小巨人”"]
# What each old tier decides (the highest designation held): those above it 否, those below not known (blank).
DECIDED = [["否", "否", "否"], ["是", "否", "否"], [None, "是", "否"], [None, None, "是"], [None, None, "是"]]


def _sheet(path: Path) -> tuple[list[str], list[list[object]], object]:
    wb = openpyxl.load_workbook(path)
    ws = wb["企业数据"]
    heads = [c.value for c in ws[1]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=ws.max_row) if any(c.value for c in r)]
    return heads, rows, ws


def _old_headers() -> list[str]:
    heads, _, _ = _sheet(OLD)
    return heads


def _new(year: int) -> str:
    store = SessionStore()
    session = store.create("annual_report", "浦江集群", year)
    store.save(session)
    return session.id


def test_the_fixture_is_the_previous_edition():
    heads = _old_headers()
    assert "用水总量（吨）" in heads and "专精特新等级" in heads and "取用新水量（吨）" not in heads
    assert [r[heads.index("专精特新等级")] for r in _sheet(OLD)[1]] == TIERS


def test_importing_a_previous_edition_workbook_names_it_and_says_what_to_do(capsys):
    sid = _new(2023)
    assert main(["enterprises", sid, str(OLD), "--yes"]) == 1
    said = capsys.readouterr()
    text = said.out + said.err
    assert "是上一版的企业数据采集表" in text and f"--prefill {OLD.name}" in text, text
    assert "“用水总量（吨）”" in text and "“取用新水量（吨）”" in text
    assert "无法识别的列" not in text and "缺少必填的列" not in text
    session = SessionStore().load(sid)
    assert session.answers == {} and not session.enterprise_data  # nothing applied


def test_prefill_from_the_same_years_previous_edition_carries_everything_it_decides(tmp_path, capsys):
    sid = _new(2023)
    out = tmp_path / "新版.xlsx"
    assert main(["workbook", sid, "--prefill", str(OLD), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "上一版的采集表（2023 年度）" in err and "算出 5 家" in err
    heads, rows, ws = _sheet(out)
    spec = load_spec("annual_report")
    assert heads[:len(spec.columns)] == [c.title for c in spec.columns]
    old_heads, old_rows, _ = _sheet(OLD)
    assert len(rows) == 5
    for i, (row, old) in enumerate(zip(rows, old_rows, strict=True)):
        cell = dict(zip(heads, row, strict=False))
        was = dict(zip(old_heads, old, strict=False))
        assert [cell[h] for h in DESIGNATIONS] == DECIDED[i], (i, was["专精特新等级"])
        # 取用新水量 = 用水总量 − 重复利用水量, by the old column's definition; the cell's note says so
        assert cell["取用新水量（吨）"] == was["用水总量（吨）"] - was["重复利用水量（吨）"]
        note = ws.cell(row=i + 2, column=heads.index("取用新水量（吨）") + 1).comment
        assert note is not None and "用水总量 − 重复利用水量" in note.text
        # the same year's figures stay in their own columns; what the old table lacked stays blank
        for h in ("产值（万元）", "上年产值（万元）", "研发费用（万元）", "重复利用水量（吨）", "企业名称", "统一社会信用代码"):
            assert cell[h] == was[h], h
        assert cell["是否工业企业"] is None
    assert "转换而来" in openpyxl.load_workbook(out)["填表说明"]["A3"].value


def test_prefill_for_the_next_year_moves_the_figures_to_last_year_and_keeps_the_designations(tmp_path, capsys):
    out = tmp_path / "2024.xlsx"
    assert main(["workbook", "--form", "annual", "--year", "2024", "--prefill", str(OLD), "-o", str(out)]) == 0
    capsys.readouterr()
    heads, rows, ws = _sheet(out)
    old_heads, old_rows, _ = _sheet(OLD)
    for i, (row, old) in enumerate(zip(rows, old_rows, strict=True)):
        cell = dict(zip(heads, row, strict=False))
        was = dict(zip(old_heads, old, strict=False))
        assert [cell[h] for h in DESIGNATIONS] == DECIDED[i]
        assert cell["上年产值（万元）"] == was["产值（万元）"] and cell["产值（万元）"] is None
        assert cell["取用新水量（吨）"] is None  # this year's water is the enterprise's to give
        assert ws.cell(row=i + 2, column=heads.index("取用新水量（吨）") + 1).comment is None


def test_the_carried_workbook_completed_by_the_enterprises_imports(tmp_path, capsys):
    sid = _new(2023)
    out = tmp_path / "新版.xlsx"
    assert main(["workbook", sid, "--prefill", str(OLD), "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["企业数据"]
    heads = [c.value for c in ws[1]]
    for r in range(2, 7):  # the enterprises fill what was left blank
        for h in ["是否工业企业", *DESIGNATIONS]:
            c = ws.cell(row=r, column=heads.index(h) + 1)
            if c.value is None:
                c.value = "是"
    wb.save(out)
    capsys.readouterr()
    assert main(["enterprises", sid, str(out), "--yes"]) == 0, capsys.readouterr()
    assert SessionStore().load(sid).answers.get("enterprise_count") == 5


def test_a_previous_edition_whose_year_cannot_be_told_is_refused(tmp_path, capsys):
    changed = tmp_path / "改过标题.xlsx"
    shutil.copy(OLD, changed)
    wb = openpyxl.load_workbook(changed)
    wb["填表说明"]["A1"].value = "企业数据"
    wb.save(changed)
    out = tmp_path / "x.xlsx"
    assert main(["workbook", "--form", "annual", "--year", "2024", "--prefill", str(changed), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "看不出是哪一年的" in err and "Traceback" not in err and not out.exists()


@pytest.mark.parametrize("year", [2022])
def test_a_previous_edition_later_than_the_workbook_asked_is_refused(tmp_path, capsys, year):
    out = tmp_path / "x.xlsx"
    assert main(["workbook", "--form", "annual", "--year", str(year), "--prefill", str(OLD), "-o", str(out)]) == 1
    assert "晚于要生成的 2022 年度" in capsys.readouterr().err and not out.exists()

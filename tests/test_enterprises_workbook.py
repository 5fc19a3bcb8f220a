"""The collection workbook speaks to the enterprise filling one row: every column explained, read back with openpyxl."""

from __future__ import annotations

import pytest
from conftest import make_session
from enterprise_support import ENTERPRISES
from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from assistant.interview.enterprises.columns import NUMERIC, SpecError, load_spec, parse_spec
from assistant.interview.enterprises.workbook import write_workbook

# Wording the trial found in the enterprise's workbook that only makes sense to the report operator.
OPERATOR_ONLY = ("助手", "在表上勾", "您只需", "非工业集群可选", "回答“无”", "剔除", "重叠")


@pytest.fixture
def generated(store, tmp_path):
    from assistant.frontends.cli import main

    session = make_session(store)
    path = tmp_path / "采集表.xlsx"
    assert main(["workbook", session.id, "-o", str(path)]) == 0
    return load_workbook(path), session.year


def _explanations(wb, spec) -> dict[str, str]:
    rows = list(wb[spec.instructions_sheet].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "列名")
    return {r[0]: r[3] or "" for r in rows[start + 1:] if r[0]}


def _header_prompts(ws) -> dict[int, tuple[str, str]]:
    """Column number -> (input title, input message) of the validation that covers its header cell."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            first = rng.split(":")[0]
            letters, row = coordinate_from_string(first)
            if row == 1:
                out[column_index_from_string(letters)] = (dv.promptTitle or "", dv.prompt or "")
    return out


def test_every_column_is_explained_to_the_enterprise(generated):
    wb, year = generated
    spec = load_spec("annual_report")
    explained = _explanations(wb, spec)
    prompts = _header_prompts(wb[spec.sheet])
    for c, col in enumerate(spec.columns, 1):
        text = explained.get(col.header, "")
        title, message = prompts[c]
        for shown in (text, message):
            # more than the column name: what to put in the cell
            assert len(shown.replace(col.header, "")) >= 30, (col.header, shown)
            assert "{" not in shown, shown  # {year} / {prev_year} replaced
            for phrase in OPERATOR_ONLY:
                assert phrase not in shown, (col.header, phrase, shown)
        assert title == col.header and message != col.header
        assert text.startswith(message), (col.header, text, message)  # the same explanation in both places
        if col.type in NUMERIC:
            assert "“无”" not in text and "“无”" not in message, (col.header, text)
            assert col.unit in message, (col.header, message)
            assert "填 0" in message or "留空" in message, (col.header, message)  # what to do when zero / unknown
        if col.header.startswith("上年"):
            assert f"{year - 1} 年" in message, message
    champion = next(c for c in spec.columns if c.header == "单项冠军级别")
    assert "最高" in explained[champion.header] and "只选一项" in explained[champion.header]
    # designations overlap: one yes/no column each, filled separately
    for header in ("是否创新型中小企业", "是否市级专精特新中小企业", "是否国家级专精特新“小巨人”"):
        assert next(c for c in spec.columns if c.header == header).type == "yesno"
    assert "各列分别填写" in explained["是否创新型中小企业"]
    # 有效发明专利 as the form counts it
    for right in ("国防专利", "植物新品种", "国家级农作物品种", "国家新药", "国家一级中药保护品种", "集成电路布图设计专有权"):
        assert right in explained["有效发明专利数"], right
    # green notes: new water and reused water; electricity at 当量值; Shanghai's emission factors
    assert "水费单" in explained["取用新水量"] and "重复利用水量" in explained
    assert "用水总量" not in explained
    assert "当量值" in explained["综合能耗"] and "1.229" in explained["综合能耗"] and "GB/T 2589-2020" in explained["综合能耗"]
    assert "上海市生态环境部门公布" in explained["二氧化碳排放量"] and "热力" in explained["二氧化碳排放量"]
    assert "单位工业产值能耗" in explained["是否工业企业"]


def test_every_input_message_is_within_excels_limits(generated):
    wb, _ = generated
    spec = load_spec("annual_report")
    dvs = wb[spec.sheet].data_validations.dataValidation
    assert len(dvs) >= len(spec.columns)
    for dv in dvs:
        assert dv.showInputMessage and dv.prompt, dv.sqref
        assert len(dv.promptTitle or "") <= 32 and len(dv.prompt) <= 255, (dv.sqref, dv.promptTitle, dv.prompt)


@pytest.mark.parametrize("field, value", [("note", "字" * 256), ("header", "列" * 33)], ids=["note", "header"])
def test_a_note_excel_would_cut_is_refused_when_the_spec_is_read(field, value):
    col = {"id": "a", "header": "企业名称", "type": "text", "key": True, field: value}
    with pytest.raises(SpecError, match="Excel"):
        parse_spec({"columns": [col]})


def test_prefilled_status_cells_are_marked_to_check_and_the_sheet_says_so(tmp_path):
    """Last year's 是否上云 / 专精特新等级 … may have changed: the prefilled cells are shaded and explained."""
    spec = load_spec("annual_report")
    path = tmp_path / "预填.xlsx"
    path.write_bytes(write_workbook(spec, 2024, [dict(r) for r in ENTERPRISES[:3]]))
    wb = load_workbook(path)
    first_lines = [r[0] for r in wb[spec.instructions_sheet].iter_rows(min_row=3, max_row=3, values_only=True)]
    assert first_lines[0] == spec.prefill_note and "浅黄色底" in spec.prefill_note
    ws = wb[spec.sheet]
    status = [i for i, c in enumerate(spec.columns, 1) if c.type in ("yesno", "choice")]
    figures = [i for i, c in enumerate(spec.columns, 1) if c.type in NUMERIC]
    assert all(ws.cell(2, i).fill.fgColor.rgb.endswith("FFF2CC") for i in status)
    assert not any(str(ws.cell(2, i).fill.fgColor.rgb).endswith("FFF2CC") for i in figures)
    blank = tmp_path / "空白.xlsx"
    blank.write_bytes(write_workbook(spec, 2024))
    assert spec.prefill_note not in [r[0] for r in load_workbook(blank)[spec.instructions_sheet].iter_rows(values_only=True)]

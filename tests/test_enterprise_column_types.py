"""A column type of the enterprise collection workbook is one class and one registry entry (coltypes.py): the
spec accepts it, the workbook formats and validates its cells, the reader reads them, and nothing else names it."""

from __future__ import annotations

import typing

import pytest
from openpyxl import load_workbook

from assistant.form.parse import credit_check_char
from assistant.form.schema import EnterpriseColumn
from assistant.interview.enterprises.coltypes import TYPES, Column, ColumnType
from assistant.interview.enterprises.columns import SpecError, parse_spec
from assistant.interview.enterprises.reader import DataError, read_rows
from assistant.interview.enterprises.workbook import write_workbook


class PostcodeColumn(ColumnType):
    """A test type: a six-digit postcode, kept as text (its leading zero too)."""

    name = "postcode"

    def read(self, col: Column, v: object) -> object:
        s = str(int(v)).zfill(6) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v).strip()
        if not (len(s) == 6 and s.isdigit()):
            raise ValueError(f"“{s[:20]}”不是 6 位邮政编码")
        return s

    def validation(self, col: Column) -> dict[str, object] | None:
        return {"validate": "length", "criteria": "==", "value": 6, "error_title": "邮政编码",
                "error_message": "邮政编码为 6 位数字。"}


def code(i: int) -> str:
    body = f"91310000MA1K{i:05d}"
    return body + credit_check_char(body)


SPEC = {"columns": [
    {"id": "name", "header": "企业名称", "type": "text", "required": True},
    {"id": "credit_code", "header": "统一社会信用代码", "type": "uscc", "required": True, "key": True},
    {"id": "postcode", "header": "邮政编码", "type": "postcode", "note": "企业注册地址的邮政编码，6 位数字。"},
]}


@pytest.fixture
def postcode(monkeypatch):
    monkeypatch.setitem(TYPES, "postcode", PostcodeColumn())


def test_a_column_type_is_one_class_and_one_registry_entry(postcode, tmp_path):
    spec = parse_spec(SPEC)
    path = tmp_path / "采集表.xlsx"
    path.write_bytes(write_workbook(spec, 2023, [{"name": "甲公司", "credit_code": code(1), "postcode": "012345"}]))
    wb = load_workbook(path)
    ws = wb[spec.sheet]
    assert ws["C2"].value == "012345" and ws["C2"].number_format == "@"  # written as text: the 0 stays
    lengths = [dv for dv in ws.data_validations.dataValidation if dv.type == "textLength" and "C2" in str(dv.sqref)]
    assert lengths and lengths[0].formula1 == "6"

    good = tmp_path / "好.csv"
    good.write_text(f"企业名称,统一社会信用代码,邮政编码\n甲公司,{code(1)},012345\n乙公司,{code(2)},200001\n",
                    encoding="utf-8")
    rows = read_rows([good], spec)
    assert rows.values["postcode"] == ["012345", "200001"]

    bad = tmp_path / "坏.csv"
    bad.write_text(f"企业名称,统一社会信用代码,邮政编码\n甲公司,{code(1)},01234\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_rows([bad], spec)
    assert "“01234”不是 6 位邮政编码" in str(err.value) and "第 2 行" in str(err.value)


def test_an_unknown_column_type_is_refused_naming_the_types():
    with pytest.raises(SpecError, match=r"type must be one of .*'uscc'"):
        parse_spec({"columns": [{"id": "x", "header": "X", "type": "postcode", "key": True}]})


def test_the_form_package_schema_names_the_same_column_types():
    """The form layer checks the enterprises file before this vocabulary loads: its list is this registry's."""
    hints = typing.get_type_hints(EnterpriseColumn)
    assert set(typing.get_args(hints["type"])) == set(TYPES)

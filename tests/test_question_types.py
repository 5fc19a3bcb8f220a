"""Question types live in one registry (assistant/form/types/): a new type is one module and one registry
line. A test type ("postcode", a 6-digit postal code) registered alone runs through a tiny inline form:
loaded, typed, refused, checked when stored, shown, and drawn in the question view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.errors import FlowError, InputError
from assistant.form import types
from assistant.form.flow import load_flow_file
from assistant.form.parse import parse
from assistant.form.types import TYPES, QuestionType, of
from assistant.form.validate import check_raw, check_stored, stored_problem
from assistant.form.values import show, show_cell
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.session.store import Session


@pytest.fixture
def postcode(monkeypatch: pytest.MonkeyPatch) -> Iterator[QuestionType]:
    """The new type is its module (tests/postcode_type.py) and the one line naming it in the registry."""
    monkeypatch.setattr(types, "MODULES", [*types.MODULES, "postcode_type"])  # the registry line
    types.load()
    import postcode_type

    assert TYPES["postcode"] is postcode_type.TYPE
    yield TYPES["postcode"]
    del TYPES["postcode"]


FLOW = """\
form: {id: tiny_types, title: 小表}
default_year: 2023
sections:
  - id: s1
    questions:
      - {id: org, type: text}
      - {id: zip, type: postcode}
      - id: offices
        type: list
        columns: [{id: city, type: text}, {id: code, type: postcode}]
"""
WORDING = """\
sections: {s1: {title: 基本情况}}
questions:
  org: {label: 单位名称, ask: 单位名称是什么？, hint: 全称}
  zip: {label: 邮政编码, ask: 单位的邮政编码是多少？, hint: 6 位数字}
  offices: {label: 分支机构, ask: 请列出分支机构, hint: 每行一个, columns: {city: {label: 城市}, code: {label: 邮编}}}
"""


def tiny_flow(tmp_path: Path, flow: str = FLOW):
    (tmp_path / "flows").mkdir(exist_ok=True)
    (tmp_path / "prompts").mkdir(exist_ok=True)
    (tmp_path / "flows" / "tiny_types.yaml").write_text(flow, encoding="utf-8")
    (tmp_path / "prompts" / "tiny_types.yaml").write_text(WORDING, encoding="utf-8")
    return load_flow_file(tmp_path / "flows" / "tiny_types.yaml")


def test_a_type_added_through_the_registry_alone_is_read_checked_and_shown(tmp_path, postcode):
    flow = tiny_flow(tmp_path)
    q = flow["zip"]
    assert of(q) is postcode
    assert parse(q, " 200 120 ").value == "200120"  # typed with a space: read as what is meant
    with pytest.raises(InputError, match="不是邮政编码"):
        parse(q, "20012")
    with pytest.raises(InputError, match="请填写本题"):
        parse(q, "   ")
    assert check_raw(q, "200120") == "200120"  # from a file: a string is handed to parse()
    with pytest.raises(InputError, match="一个邮政编码"):
        check_raw(q, 1.5)
    check_stored(q, "200120", fresh=True)
    assert stored_problem(q, 200120) is not None
    assert show(q, "200120") == "邮编 200120"

    # As a list's column: each cell read by its type, refused with its row.
    got = parse(flow["offices"], "上海,200120").value
    assert got == [{"city": "上海", "code": "200120"}]
    with pytest.raises(InputError, match=r"第 1 行.*不是邮政编码"):
        parse(flow["offices"], "北京,1000")
    assert stored_problem(flow["offices"], [{"city": "北京", "code": "1000"}], fresh=True)
    assert show_cell(flow["offices"].column("code"), "200120") == "邮编 200120"


def test_the_view_and_the_conversation_ask_the_type(tmp_path, postcode):
    flow = tiny_flow(tmp_path)
    engine = Engine(flow, Session("t", "tiny_types", "t", 2023))
    conv = Conversation(engine)
    conv.handle("示例单位")
    view = conv.view()
    assert view.qid == "zip"
    assert "格式：6 位邮政编码，如 200120。" in view.lines()
    assert view.kind is postcode
    refused = conv.handle("12")
    assert any("不是邮政编码" in str(m) for m in refused.messages)
    said = conv.handle("200120")
    assert engine.session.answers["zip"] == "200120"
    assert any("已记录：邮编 200120" in str(m) for m in said.messages)  # echoed: the type says so
    assert conv.view(flow["zip"]).current == "200120"  # typed again as stored


def test_an_unknown_type_in_a_flow_is_refused_naming_the_question(tmp_path):
    with pytest.raises(FlowError, match=r"tiny_types.yaml.*问题 zip.*没有“postcode”这种题型"):
        tiny_flow(tmp_path)
    with pytest.raises(FlowError, match=r"问题 offices.*列 code 的 type 不能是“longtext”"):
        tiny_flow(tmp_path, FLOW.replace("type: postcode}", "type: text}").replace(
            "{id: code, type: text}", "{id: code, type: longtext}"))


def test_every_type_the_shipped_forms_use_is_registered():
    from assistant.form.catalog import form_ids, load_flow

    used = {q.type for fid in form_ids() for q in load_flow(fid).questions}
    assert used <= set(TYPES)
    assert {"text", "longtext", "integer", "decimal", "percent", "yesno", "choice", "date", "phone", "uscc",
            "list", "matrix"} <= set(TYPES)

"""Figures the assistant computes: asked inputs first, the value shown back with its formula, rounding
四舍五入, a zero denominator, and an override (a typed figure with its basis) recorded as evidence."""

from __future__ import annotations

import json

import docx
import pytest
from conftest import make_session, sample_answers
from document_support import cell_texts

from assistant.errors import InputError
from assistant.form.catalog import load_flow
from assistant.form.expr import compile_expr
from assistant.form.parse import parse
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.interview.findings import blocking
from assistant.interview.json_report import import_report
from assistant.report.export import export_session
from assistant.report.model import MISSING
from assistant.session.store import Session

FLOW = load_flow("annual")
PER_10K = FLOW["patents_per_10k"]


def fresh() -> Engine:
    return Engine.for_session(Session("t", "annual_report", "t", 2023))


def answered(**values: str) -> Engine:
    e = fresh()
    assert not e.apply_many(values)
    return e


def conversation(store, answers: dict | None = None) -> Conversation:
    session = make_session(store, "annual", answers if answers is not None else {})
    return Conversation(Engine.for_session(session), save=lambda: store.save(session))


# -- inputs first, ratios computed ---------------------------------------------------------------
def test_inputs_are_asked_before_the_figures_they_give():
    idx = FLOW.index
    for qid, inputs in (("rd_staff_share", ["rd_staff_count", "sme_employees"]),
                        ("patents_per_10k", ["patent_count", "sme_employees"])):
        q = FLOW[qid]
        assert q.evidence == inputs and all(idx[i] < idx[qid] for i in inputs)
    e = fresh()
    assert not e.is_askable(FLOW["rd_staff_share"])  # never asked: computed
    assert e.is_askable(PER_10K)  # asked: accept the computed value or give the cluster figure
    with pytest.raises(InputError, match="自动计算"):
        parse(FLOW["rd_staff_share"], "18.5")


@pytest.mark.parametrize("staff, employees, expected", [
    ("1600", "8650", "18.50"),   # 18.4971… (the sample)
    ("1", "800", "0.13"),        # 0.125 exactly: half up (half-even would give 0.12)
    ("1", "3", "33.33"),
    ("2", "3", "66.67"),
    ("0", "120", "0.00"),
    ("120", "120", "100.00"),
])
def test_rd_staff_share_is_computed_and_rounded_half_up(staff, employees, expected):
    e = answered(sme_employees=employees, rd_staff_count=staff)
    assert e.value("rd_staff_share") == expected


@pytest.mark.parametrize("patents, employees, expected", [
    ("36", "8650", "41.62"),     # 41.6185…
    ("333", "80000", "41.63"),   # 41.625 exactly: half up
    ("1", "80000", "0.13"),      # 0.125
    ("560", "12680", "441.64"),  # the glossary's example
    ("0", "8650", "0.00"),
])
def test_patents_per_10k_is_computed_and_rounded_half_up(patents, employees, expected):
    e = answered(sme_employees=employees, patent_count=patents, patents_per_10k="是")
    assert e.value("patents_per_10k") == expected
    assert e.state.computed["patents_per_10k"] == expected


def test_the_chat_shows_the_computed_value_with_its_formula(store):
    conv = conversation(store, {"sme_employees": "8650"})
    conv.engine.jump("rd_staff_count")
    reply = conv.handle("1600")
    said = "\n".join(reply.messages)
    assert "18.50%" in said and FLOW["rd_staff_share"].formula in said
    assert "= 1600" in said and "= 8650" in said


def test_a_zero_denominator_gives_no_figure_and_says_why(store):
    conv = conversation(store, {"rd_staff_count": "0", "patent_count": "0"})
    conv.engine.jump("sme_employees")
    said = "\n".join(conv.handle("0").messages)
    e = conv.engine
    assert e.value("rd_staff_share") is None and e.state.computed["patents_per_10k"] is None
    assert "无法计算" in said and "为 0" in said
    assert "employees_positive" in {f.rule for f in blocking(e.findings())}
    offer = "\n".join(e.offer_lines(PER_10K))
    assert "无法计算" in offer and "采用计算值" not in offer  # nothing to accept
    # The document prints no figure for the row.
    from assistant.report.model import build_report

    report = build_report(e, draft=True)
    rows = [r for p in report.parts for b in p.blocks if b.grid for r in b.grid.rows if r.qid == "rd_staff_share"]
    assert rows and rows[0].cells[1].text.startswith(MISSING)


def test_no_rule_compares_a_ratio_with_the_assistants_own_arithmetic():
    computed = {q.id: set(q.evidence) for q in FLOW.questions if q.computes}
    for rule in FLOW.rules:
        names = compile_expr(rule.assert_).names if rule.assert_ else set(rule.questions)
        for qid, inputs in computed.items():
            assert not (qid in names and names & inputs), rule.id


# -- override: accept the computed value, or type the figure with its basis ----------------------
@pytest.mark.parametrize("raw, expected", [
    ("是", {"source": "computed"}),
    ("", {"source": "computed"}),
    ("采用计算值", {"source": "computed"}),
    ("y", {"source": "computed"}),
    (True, {"source": "computed"}),
    ({"source": "computed"}, {"source": "computed"}),
    ("45.2 依据：2023 年集群统计年报", {"source": "typed", "value": "45.20", "basis": "2023 年集群统计年报"}),
    ("45.2，数据来源为区统计局", {"source": "typed", "value": "45.20", "basis": "区统计局"}),
    ("45.2（集群统计年报）", {"source": "typed", "value": "45.20", "basis": "集群统计年报"}),
    ("45.2 集群统计年报", {"source": "typed", "value": "45.20", "basis": "集群统计年报"}),
    ("45.236 根据 集群年报", {"source": "typed", "value": "45.24", "basis": "集群年报"}),
    ({"source": "typed", "value": "45.2", "basis": "年报"}, {"source": "typed", "value": "45.20", "basis": "年报"}),
    ({"value": 45.2, "basis": "年报"}, {"source": "typed", "value": "45.20", "basis": "年报"}),
])
def test_override_answers(raw, expected):
    assert parse(PER_10K, raw).value == expected


@pytest.mark.parametrize("raw, reason", [
    ("45.2", "依据"),                 # a figure without its basis
    ("1", "依据"),                    # a digit is a figure here, never a yes
    ("45.2 依据：", "依据"),
    ("-3 依据 年报", "负数"),
    ("abc", "看不懂"),
    ("无", "数字"),
    ("45.2 依据 " + "长" * 201, "太长"),
    ({"source": "typed", "value": "45.2"}, "格式不对"),
    ({"source": "computed", "value": "1"}, "格式不对"),
    ({"source": "typed", "value": True, "basis": "x"}, "格式不对"),
    (None, "是"),
    (False, "是"),
])
def test_override_refusals_say_what_is_wrong(raw, reason):
    with pytest.raises(InputError, match=reason):
        parse(PER_10K, raw)


def test_accepted_value_follows_its_inputs_a_typed_one_does_not(store):
    conv = conversation(store, {"sme_employees": "8650", "patent_count": "36"})
    e = conv.engine
    e.jump("patents_per_10k")
    text = conv.question_text(e.current())
    assert "41.62" in text and PER_10K.formula in text and "集群口径" in text and "依据" in text
    conv.handle("")  # Enter accepts
    assert e.session.answers["patents_per_10k"] == {"source": "computed"} and e.value("patents_per_10k") == "41.62"
    e.answer("patent_count", "40", advance=False)
    assert e.value("patents_per_10k") == "46.24"
    e.jump("patents_per_10k")
    reply = conv.handle("45.2 依据：2023 年集群统计年报")
    assert not reply.refused and "2023 年集群统计年报" in reply.messages[0]
    assert e.value("patents_per_10k") == "45.20" and e.state.computed["patents_per_10k"] == "46.24"
    notes = e.computed_notes("patent_count")
    assert notes and "45.20" in notes[0] and "不随之改变" in notes[0]
    assert e.findings() == [] or not [f for f in e.findings() if "patents_per_10k" in f.message]


def test_a_bare_figure_is_refused_and_changes_nothing(store):
    conv = conversation(store, {"sme_employees": "8650", "patent_count": "36"})
    conv.engine.jump("patents_per_10k")
    reply = conv.handle("45.2")
    assert reply.refused and "依据" in reply.messages[0]
    assert "patents_per_10k" not in conv.session.answers


# -- the evidence records which: .docx read back, JSON, and a JSON round trip --------------------
def _evidence_rows(path) -> dict[str, list[str]]:
    doc = docx.Document(str(path))
    rows: dict[str, list[str]] = {}
    for t in doc.tables:
        cells = [cell_texts(r) for r in t.rows]
        if cells and cells[0][:1] == ["指标"]:
            rows[cells[0][1]] = [" | ".join(c) for c in cells]
    return rows


def _printed(path, label: str) -> str:
    doc = docx.Document(str(path))
    for t in doc.tables:
        for r in t.rows:
            cells = cell_texts(r)
            if cells and cells[0] == label:
                return cells[-1]
    raise AssertionError(label)


def test_typed_override_is_recorded_with_its_basis(store, tmp_path):
    basis = "2023 年集群统计年报（集群全部 326 家企业，从业人员 9650 人）"
    session = make_session(store, "annual", {**sample_answers(), "patents_per_10k": f"45.30 依据：{basis}"})
    path = export_session(session, "docx", tmp_path / "r.docx")
    assert _printed(path, PER_10K.label) == "45.30"
    ev = _evidence_rows(path)[PER_10K.label]
    text = "\n".join(ev)
    assert "计算结果 | 41.62" in text  # the SME-level computation is kept, as a hint
    assert f"填报值来源 | 填报单位填写：45.30；依据：{basis}" in text
    # The plain computed figure's evidence says nothing about a source.
    assert not any("填报值来源" in row for row in _evidence_rows(path)[FLOW["rd_staff_share"].label])

    data = json.loads(export_session(session, "json", tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["answers"]["patents_per_10k"] == {"source": "typed", "value": "45.30", "basis": basis}
    item = data["evidence"]["patents_per_10k"]
    assert item["source"] == "typed" and item["basis"] == basis
    assert item["value"] == "45.30" and item["computed"] == "41.62"
    assert item["inputs"] == {"patent_count": 36, "sme_employees": 8650}
    assert data["evidence"]["rd_staff_share"]["value"] == "18.50"

    copy = import_report(tmp_path / "r.json", store)
    e = Engine.for_session(copy)
    assert e.value("patents_per_10k") == "45.30" and copy.answers["patents_per_10k"]["basis"] == basis


def test_accepted_override_is_recorded_as_computed(annual_session, tmp_path):
    path = export_session(annual_session, "docx", tmp_path / "r.docx")
    assert _printed(path, PER_10K.label) == "41.62"
    text = "\n".join(_evidence_rows(path)[PER_10K.label])
    assert "计算结果 | 41.62" in text and "填报值来源 | 采用上面的计算结果：41.62" in text
    assert "分子：" + FLOW["patent_count"].label + " | 36" in text
    data = json.loads(export_session(annual_session, "json", tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["evidence"]["patents_per_10k"]["source"] == "computed"
    assert "basis" not in data["evidence"]["patents_per_10k"]


def test_a_figure_stored_before_overrides_existed_is_kept_with_its_basis_missing(store, tmp_path):
    session = make_session(store, "annual")
    session.answers["patents_per_10k"] = "41.70"  # an older session: a plain figure, no basis
    e = Engine.for_session(session)
    assert e.value("patents_per_10k") == "41.70" and e.state.computed["patents_per_10k"] == "41.62"
    assert any("未注明" in line for line in e.offer_lines(PER_10K))
    store.save(session)
    text = "\n".join(_evidence_rows(export_session(session, "docx", tmp_path / "r.docx"))[PER_10K.label])
    assert "填报值来源 | 填报单位填写：41.70；依据：未注明，请补充" in text


def test_tui_panel_offers_the_computed_value_and_records_the_basis(store):
    import asyncio

    from tui_support import type_line

    from assistant.frontends.tui.app import FilingApp
    from assistant.frontends.tui.widgets.question_panel import QuestionPanel

    session = make_session(store, "annual", {k: v for k, v in sample_answers().items() if k != "patents_per_10k"})
    session.cursor = "patents_per_10k"
    store.save(session)

    async def run() -> None:
        app = FilingApp(session.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            panel = app.screen.query_one(QuestionPanel).plain.replace("\n", "")
            assert "计算值 41.62" in panel and "依据" in panel
            await type_line(pilot, "45.2")  # refused: no basis
            assert app.screen.engine.current().id == "patents_per_10k"
            assert app.screen.query_one("#input").value == "45.2"  # kept for correction, selected
            await pilot.press("end")  # to add to it rather than type over it
            await type_line(pilot, " 依据：2023 年集群统计年报")

    asyncio.run(run())
    assert store.load(session.id).answers["patents_per_10k"] == {
        "source": "typed", "value": "45.20", "basis": "2023 年集群统计年报"}

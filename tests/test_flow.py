"""Both forms load as data; every question has wording; malformed files are named precisely."""

from __future__ import annotations

import shutil
import textwrap

import pytest

from assistant.form.catalog import load_flow
from assistant.form.flow import FlowError, fill, load_flow_file, missing_wording
from assistant.form.glossary import load_glossary
from assistant.paths import data_dir

FORM_ORDER_ANNUAL = [
    "集群名称", "集群运营管理机构", "集群运营管理机构是否发生变更", "集群占地面积（平方公里）", "集群主导产业",
    "主导产业是否发生变更", "集群总产值（亿元）", "集群企业数量（个）", "集群中小企业研发经费总额（万元）",
    "集群内中小企业从业人员数量", "工业软件采购金额 (万元)", "工业用水重复利用率 (%)",
    "集群外商直接投资额增长率 (%)",
]


@pytest.mark.parametrize("form", ["annual", "district"])
def test_every_question_has_wording(form):
    assert missing_wording(load_flow(form)) == []


@pytest.mark.parametrize("form", ["annual", "district"])
def test_every_help_reference_exists(form):
    glossary = load_glossary()
    dangling = [(q.id, h) for q in load_flow(form).questions for h in q.help if h not in glossary]
    assert dangling == []


def test_annual_covers_the_form_in_order():
    flow = load_flow("annual")
    labels = [q.label for q in flow.questions]
    positions = [next(i for i, lab in enumerate(labels) if lab == want) for want in FORM_ORDER_ANNUAL]
    assert positions == sorted(positions)
    assert [s.id for s in flow.sections] == ["cover"] + [f"part{i}" for i in range(1, 9)]
    ids = set(flow.by_id)
    for must in ("standards", "standards_list", "platform_national_count", "platform_other_names", "patent_list",
                 "cloud_rate", "iip_rate", "co2_intensity", "waste_vs_industry", "water_vs_industry",
                 "overseas_branch_list", "targets", "overview", "suggestions", "signatory", "declaration_date"):
        assert must in ids
    matrix = flow["standards"]
    assert [r.label for r in matrix.rows] == ["国际", "国家", "行业", "团体"]
    assert [c.label for c in matrix.cols] == ["主持数量", "参与数量"]
    assert [o.label for o in flow["water_vs_industry"].options] == ["是", "否", "非工业集群，不适用"]


def test_every_attached_list_note_is_a_list_question():
    flow = load_flow("annual")
    for count_id in ("specialized_count", "little_giant_count", "champion_count", "patent_count", "overseas_branch_count"):
        q = flow[count_id]
        assert q.list_id and flow[q.list_id].type == "list" and "需附" in q.note


def test_year_is_a_parameter():
    flow = load_flow("annual")
    targets = flow["targets"]
    assert fill(targets.column("target").label, 2024) == "2024 年目标值"
    assert "2025" in fill(flow["next_plan"].label, 2024)


def test_district_covers_six_parts():
    flow = load_flow("district")
    assert [q.id for q in flow.questions] == [
        "district_name", "cluster_table", "overall", "measures", "cases", "problems", "next_plan", "suggestions",
        "department", "sign_date"]


def _write(tmp_path, body: str):
    (tmp_path / "flows").mkdir(exist_ok=True)
    path = tmp_path / "flows" / "bad.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("body, expected", [
    ("""
     form: bad
     default_year: 2023
     sections:
       - id: s
         questions:
           - {id: area, type: decmal}
     """, ["bad.yaml", "area", "type"]),
    ("""
     form: bad
     default_year: 2023
     sections:
       - id: s
         questions:
           - {id: a, type: integer, relevant: "nosuch > 0"}
     """, ["bad.yaml", "a", "nosuch"]),
    ("""
     form: bad
     default_year: 2023
     sections:
       - id: s
         questions:
           - {id: a, type: integer, relevant: "b > 0"}
           - {id: b, type: integer}
     """, ["bad.yaml", "a", "b"]),
    ("""
     form: bad
     default_year: 2023
     sections:
       - id: s
         questions:
           - {id: a, type: integer}
           - {id: a, type: text}
     """, ["bad.yaml", "a", "重复"]),
    ("""
     form: bad
     default_year: 2023
     sections:
       - id: s
         questions:
           - {id: a, type: integer, constraint: "value >"}
     """, ["bad.yaml", "a", "语法"]),
    ("form: [unclosed\n", ["bad.yaml", "YAML"]),
    ("""
     form: bad
     default_year: 2023
     sections:
       - id: s
         questions:
           - {id: l, type: list}
     """, ["bad.yaml", "l", "columns"]),
    ("""
     form: bad
     default_year: 2023
     sections:
       - id: s
         questions:
           - {id: a, type: decimal, override: true}
     """, ["bad.yaml", "a", "override", "calculate"]),
    ("""
     form: bad
     default_year: 2023
     sections:
       - id: s
         questions:
           - {id: a, type: integer}
           - {id: r, type: decimal, calculate: "a * 2", evidence: [a], override: true}
     """, ["bad.yaml", "r", "evidence"]),
])
def test_malformed_flow_names_file_question_and_problem(tmp_path, body, expected):
    path = _write(tmp_path, body)
    with pytest.raises(FlowError) as info:
        load_flow_file(path, tmp_path / "none.yaml")
    for part in expected:
        assert part in str(info.value)


def test_wording_for_unknown_question_is_an_error(tmp_path):
    path = _write(tmp_path, """
        form: bad
        default_year: 2023
        sections: [{id: s, questions: [{id: a, type: integer}]}]
        """)
    prompts = tmp_path / "p.yaml"
    prompts.write_text("questions:\n  zz: {label: x}\n", encoding="utf-8")
    with pytest.raises(FlowError, match="zz"):
        load_flow_file(path, prompts)


def test_shipped_flows_are_found():
    assert (data_dir("flows") / "annual_report.yaml").exists()


def test_title_blank_must_name_a_question(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "prompts").mkdir()
    shutil.copy(data_dir("prompts") / "district_summary.yaml", tmp_path / "prompts")
    text = (data_dir("flows") / "district_summary.yaml").read_text(encoding="utf-8")
    (tmp_path / "flows" / "district_summary.yaml").write_text(
        text.replace("    district_name: XX区", "    district: XX区"), encoding="utf-8")
    with pytest.raises(FlowError, match=r"title_blanks.*district"):
        load_flow_file(tmp_path / "flows" / "district_summary.yaml")


def test_computed_figures_are_data_with_their_inputs_asked_first():
    flow = load_flow("annual")
    computed = [q for q in flow.questions if q.computes]
    assert {"rd_staff_share", "patents_per_10k", "cloud_rate", "iip_rate", "co2_intensity"} <= {q.id for q in computed}
    for q in computed:
        assert q.formula and len(q.evidence) == 2, q.id
        assert all(flow.index[i] < flow.index[q.id] and not flow[i].computes for i in q.evidence), q.id
    # Only the cluster-level row computed from SME-level inputs may be overridden.
    assert [q.id for q in computed if q.override] == ["patents_per_10k"]
    assert flow["rd_staff_count"].type == "integer" and flow["rd_staff_share"].calculated


def test_questions_not_printed_are_data():
    flow = load_flow("annual")
    q = flow["municipal_champion_count"]
    assert not q.printed and q.relevant == "little_giant_count == 0 and champion_count == 0"
    assert "不会印在报告里" in q.ask
    from assistant.interview.drafts import guided_questions

    guided = {sub for subs in guided_questions("annual").values() for sub in subs}  # part 七's facts, drafted from
    assert guided and not any(flow[sub].printed for sub in guided)
    assert all(q.printed for q in flow.questions if q.id != "municipal_champion_count" and q.id not in guided)

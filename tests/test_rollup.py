"""District roll-up: `filing new --form district --from-reports …`, totals and ratios checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import run_filing
from conftest import sample_answers
from report_support import report, write

from assistant.errors import UserError
from assistant.interview.drafts import prose_text
from assistant.report.rollup import create_district

B = {"cluster_name": "乙集群", "total_output": "50亿", "leading_output_share": "80%", "leading_output_growth": "5%",
     "rd_expense": "10000", "rd_intensity": "2.5%", "cloud_enterprises": "100", "cloud_base": "200",
     "iip_enterprises": "50", "iip_base": "100"}
C = {"cluster_name": "丙集群", "total_output": "20亿", "leading_output_share": "90%", "leading_output_growth": "-10%",
     "rd_expense": "5000", "rd_intensity": "5%", "cloud_enterprises": "30", "cloud_base": "40",
     "iip_enterprises": "20", "iip_base": "80"}


def three(tmp_path: Path) -> list[Path]:
    return [write(tmp_path, "a.json", report(sample_answers())),
            write(tmp_path, "b.json", report({**sample_answers(), **B})),
            write(tmp_path, "c.json", report({**sample_answers(), **C}))]


def test_three_reports_totals_and_recomputed_ratios(tmp_path, store):
    session = create_district(three(tmp_path), store, "浦江新区", None)
    saved = store.load(session.id)
    table = saved.answers["cluster_table"]
    assert [r["name"] for r in table[:3]] == ["上海浦江示例智能传感器特色产业集群", "乙集群", "丙集群"]
    assert [r["source"] for r in table[:3]] == [str(p) for p in three(tmp_path)]  # where each row came from
    total = table[3]
    assert total["name"].startswith("全区合计") and "3" in total["name"]
    assert float(total["output"]) == pytest.approx(128.6 + 50 + 20)
    # Ratios by hand from summed numerators and denominators (never the average of the three).
    this = [128.6 * 0.763, 50 * 0.80, 20 * 0.90]
    last = [this[0] / 1.124, this[1] / 1.05, this[2] / 0.90]
    assert float(total["leading_growth"]) == pytest.approx((sum(this) / sum(last) - 1) * 100, abs=0.006)
    assert float(total["rd_intensity"]) == pytest.approx(
        (35600 + 10000 + 5000) / (35600 / 0.048 + 10000 / 0.025 + 5000 / 0.05) * 100, abs=0.006)
    assert float(total["cloud_rate"]) == pytest.approx((248 + 100 + 30) / (326 + 200 + 40) * 100, abs=0.006)
    assert float(total["iip_rate"]) == pytest.approx((97 + 50 + 20) / (301 + 100 + 80) * 100, abs=0.006)
    assert float(total["iip_rate"]) != pytest.approx((32.23 + 50 + 25) / 3, abs=0.01)  # not the plain mean
    assert saved.year == 2023


@pytest.mark.parametrize("case", ["other_year", "duplicate", "damaged"])
def test_refused_with_nothing_created(tmp_path, store, case):
    paths = three(tmp_path)
    if case == "other_year":
        paths.append(write(tmp_path, "d.json", report({**sample_answers(), "cluster_name": "丁集群"}, year=2022)))
    elif case == "duplicate":
        paths.append(write(tmp_path, "a2.json", report(sample_answers())))
    else:
        paths.append(write(tmp_path, "bad.json", '{"schema": "filing-assistant/report", "answers": [1'))
    with pytest.raises(UserError) as exc:
        create_district(paths, store, "浦江新区", None)
    text = str(exc.value)
    assert "没有创建会话" in text
    assert {"other_year": "d.json", "duplicate": "a2.json", "damaged": "bad.json"}[case] in text
    assert list(store.ids()) == []


@pytest.mark.slow  # spawns a process
def test_cli_from_reports(tmp_path):
    result = run_filing("new", "--form", "district", "--from-reports", *map(str, three(tmp_path)))
    assert result.returncode == 0, result.stderr
    sid = result.stdout.strip()
    out = tmp_path / "d.json"
    exported = run_filing("export", sid, "--format", "json", "-o", str(out), "--draft")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["answers"]["cluster_table"][1]["name"] == "乙集群"
    refused = run_filing("new", "--form", "annual", "--from-reports", str(tmp_path / "a.json"))
    assert refused.returncode == 2 and "区级总结" in refused.stderr


def test_drafts_offered_not_recorded(tmp_path, store):
    session = create_district(three(tmp_path), store, "浦江新区", None)
    saved = store.load(session.id)
    total = saved.answers["cluster_table"][-1]
    for qid in ("overall", "cases", "problems"):
        assert qid not in saved.answers  # offered in the editor; the officer submits
    overall = saved.drafts["overall"]
    # the table's figures, written as running text writes them (198.60 → 198.6亿元)
    assert "集群3个" in overall and f"{prose_text(total['output'])}亿元" in overall
    assert f"{prose_text(total['iip_rate'])}%" in overall
    key_work = sample_answers()["key_work"]
    cases, problems = saved.drafts["cases"], saved.drafts["problems"]
    # the clusters' words are quoted as material for the officer, never passed off as the district's own text
    assert cases.startswith("【以下为各集群报告“重点工作”的原文摘录") and "改写为本区的表述" in cases
    assert f"（1）上海浦江示例智能传感器特色产业集群报告原文：“{key_work.strip()}”" in cases
    assert problems.startswith("【以下为各集群报告“存在问题”的原文摘录") and "（2）乙集群报告原文：“" in problems


def test_a_rate_some_cluster_left_out_is_not_written_as_a_dash(tmp_path, store):
    """The district total of a rate is blank when a cluster did not give it: the draft leaves the rate out (no —%)."""
    c = {k: v for k, v in {**sample_answers(), **C}.items() if k not in ("cloud_enterprises", "cloud_base")}
    paths = [*three(tmp_path)[:2], write(tmp_path, "c.json", report(c))]
    overall = store.load(create_district(paths, store, "浦江新区", None).id).drafts["overall"]
    assert "—" not in overall and "企业上云比例" not in overall and "工业互联网平台应用普及率" in overall


def test_a_figure_missing_in_one_report_leaves_its_total_blank(tmp_path, store):
    c = {k: v for k, v in {**sample_answers(), **C}.items() if k != "rd_expense"}
    paths = [*three(tmp_path)[:2], write(tmp_path, "c.json", report(c))]
    session = create_district(paths, store, "浦江新区", None)
    total = store.load(session.id).answers["cluster_table"][-1]
    assert total["rd_expense"] == "" and total["output"] != ""
    assert "研发经费合计" not in store.load(session.id).drafts["overall"]


def test_check_names_clusters_with_problems_and_whose_conditions(tmp_path, store):
    from assistant.interview.engine import Engine

    b = {**sample_answers(), **B, "total_output": "30亿"}  # below 国家认定标准's 40 亿元
    b.pop("operator_name")  # a blocking finding in the cluster's own report
    paths = [three(tmp_path)[0], write(tmp_path, "b.json", report(b))]
    session = create_district(paths, store, "浦江新区", None)
    findings = Engine.for_session(store.load(session.id)).findings()
    notes = [f.message for f in findings if f.rule == "clusters_reviewed"]
    assert len(notes) == 1
    assert "乙集群" in notes[0] and "低于国家级集群认定参考值：总产值≥40亿元" in notes[0]
    assert "未符合" not in notes[0] and "认定条件" not in notes[0]  # a reference value, not a verdict
    assert "必须修改" in notes[0] and "上海浦江示例" not in notes[0]


def test_the_district_draft_writes_figures_as_a_report_does_and_a_fall_as_a_fall(tmp_path, store):
    """公文 in 附件2 too: 总产值合计20亿元 (not 20.00), 主导产业产值同比下降10% (never 合计增速-10.00%)."""
    session = create_district([write(tmp_path, "c.json", report({**sample_answers(), **C}))], store, "浦江新区", None)
    text = next(v for k, v in store.load(session.id).drafts.items() if "各集群总产值合计" in v)
    assert "总产值合计20亿元" in text and "主导产业产值同比下降10%" in text
    assert "-" not in text and "研发投入强度5%" in text
    more = create_district(three(tmp_path), store, "浦江新区", None)
    assert "主导产业产值同比增长" in next(v for v in store.load(more.id).drafts.values() if "各集群总产值合计" in v)

"""The corrected domain facts (reference definitions, section 9) as they reach the operator: the
warnings' wording and conditions, and the glossary entries."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from conftest import make_session, sample_answers
from document_support import paragraphs

from assistant.form.catalog import load_flow
from assistant.form.expr import compile_expr
from assistant.form.glossary import load_glossary
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.report.export import export_session
from assistant.session.store import Session

FLOW = load_flow("annual")
GLOSSARY = load_glossary()
NATIONAL = "国家级集群认定参考值"
SHANGHAI = "上海市认定条件"


def engine_with(**overrides: Any) -> Engine:
    e = Engine.for_session(Session("t", "annual_report", "t", 2023))
    answers = {**sample_answers(), **overrides}
    for count, lst in (("little_giant_count", "little_giant_list"), ("champion_count", "champion_list")):
        if answers.get(count) == "0":
            answers.pop(lst, None)
    assert not e.apply_many(answers)
    return e


def messages(e: Engine) -> dict[str, str]:
    return {f.rule: f.message for f in e.findings()}


# -- 单项冠军 / 小巨人: 市级 champions are asked about before "below the condition" ---------------
def test_municipal_champions_are_asked_before_the_core_enterprise_warning(store):
    answers = {k: v for k, v in sample_answers().items()
               if k not in ("little_giant_count", "little_giant_list", "champion_count", "champion_list",
                            "hightech_count", "innovative_count")}
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session), save=lambda: store.save(session))
    e = conv.engine
    e.jump("little_giant_count")
    said = conv.handle("0").messages
    said += conv.handle("0").messages  # champion_count
    assert e.current().id == "municipal_champion_count"
    assert "市级" in said[-1]  # the next question is the 市级 one ...
    assert not any("低于" in m or "小巨人”企业，" in m for m in said)  # ... and nothing concluded yet
    assert "core_enterprise_threshold" not in messages(e)
    reply = conv.handle("0")
    warning = next(m for m in reply.messages if "低于" in m)
    assert "市级或国家级" in warning and SHANGHAI in warning and "304" in warning
    assert NATIONAL in warning and "不少于 10 家" in warning  # the national alternative
    assert messages(e)["core_enterprise_threshold"] == warning.lstrip("⚠ ")
    e.jump("municipal_champion_count")
    conv.handle("1")
    assert "core_enterprise_threshold" not in messages(e)


def test_municipal_question_only_when_both_national_counts_are_zero():
    assert not engine_with().is_relevant("municipal_champion_count")  # the sample has both
    assert not engine_with(champion_count="0").is_relevant("municipal_champion_count")
    e = engine_with(champion_count="0", little_giant_count="0")
    assert e.is_relevant("municipal_champion_count") and e.current().id == "municipal_champion_count"
    assert "core_enterprise_threshold" not in messages(e)


def test_municipal_answer_is_kept_but_not_printed(store, tmp_path):
    answers = {**sample_answers(), "little_giant_count": "0", "champion_count": "0", "municipal_champion_count": "2"}
    for lst in ("little_giant_list", "champion_list"):
        answers.pop(lst)
    session = make_session(store, "annual", answers)
    assert not FLOW["municipal_champion_count"].printed
    text = "\n".join(paragraphs(docx.Document(str(export_session(session, "docx", tmp_path / "r.docx")))))
    assert "市级制造业单项冠军" not in text and "补充说明" not in text
    data = json.loads(export_session(session, "json", tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["answers"]["municipal_champion_count"] == 2  # nothing lost


# -- growth warnings: one-year figures against three-year averages -------------------------------
def test_growth_warnings_are_reference_only_and_explain_the_difference():
    m = messages(engine_with(leading_output_growth="8", rd_growth="3"))
    lead, rd = m["leading_growth_threshold"], m["rd_growth_threshold"]
    for msg in (lead, rd):
        assert "参考" in msg and "年均" in msg and "近三年" in msg and "一年" in msg
    assert NATIONAL in lead and SHANGHAI in rd and "中小企业" in rd


@pytest.mark.parametrize("overrides, rule, whose", [
    ({"total_output": "30"}, "output_threshold", NATIONAL),
    ({"sme_output_share": "60"}, "sme_share_threshold", NATIONAL),
    ({"leading_output_share": "60"}, "leading_share_threshold", NATIONAL),
    ({"area_km2": "150"}, "area_threshold", NATIONAL),
    ({"leading_output_growth": "8"}, "leading_growth_threshold", NATIONAL),
    ({"rd_growth": "3"}, "rd_growth_threshold", SHANGHAI),
    ({"iip_enterprises": "10"}, "iip_threshold", SHANGHAI),
])
def test_threshold_messages_name_whose_criterion(overrides, rule, whose):
    e = engine_with(**overrides)
    f = next(f for f in e.findings() if f.rule == rule)
    assert f.severity == "warning" and whose in f.message


@pytest.mark.parametrize("overrides, rule, words", [
    ({"total_output": "30"}, "output_threshold", "低于国家级集群认定参考值"),
    ({"sme_output_share": "60"}, "sme_share_threshold", "低于国家级集群认定参考值"),
    ({"leading_output_share": "60"}, "leading_share_threshold", "低于国家级集群认定参考值"),
    ({"area_km2": "150"}, "area_threshold", "超出国家级集群认定参考值"),
])
def test_national_figures_are_reference_values_and_the_review_is_the_targets_table(overrides, rule, words):
    """A municipal cluster below 40亿/70%/70%/100 km² is below the national reference, not "not qualified":
    Shanghai reviews it each year against its three-year plan's targets (沪经信企〔2023〕304号)."""
    f = next(f for f in engine_with(**overrides).findings() if f.rule == rule)
    assert words in f.message and "2022 年版" in f.message
    assert "304号" in f.message and "三年发展规划" in f.message and "目标表" in f.message
    assert "认定条件" not in f.message and "不符合" not in f.message and "未符合" not in f.message


def test_no_user_text_says_not_qualified():
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    for folder in ("flows", "prompts", "templates", "assistant"):
        for path in (root / folder).rglob("*"):
            if path.is_file() and path.suffix in (".yaml", ".j2", ".py", ".md"):
                assert "未符合认定条件" not in path.read_text(encoding="utf-8"), path
    text = GLOSSARY["designation_thresholds"].text
    assert "低于国家级集群认定参考值" in text and "304号" in text and "动态管理" in text and "目标表" in text


def test_every_threshold_rule_names_its_source():
    thresholds = [r for r in FLOW.rules if r.id.endswith("_threshold")]
    assert len(thresholds) >= 8
    for r in thresholds:
        assert NATIONAL in r.message or SHANGHAI in r.message, r.id


# -- rules removed ---------------------------------------------------------------------------------
def test_no_rule_treats_the_quality_tiers_as_mutually_exclusive():
    tiers = {"specialized_count", "little_giant_count", "champion_count", "hightech_count", "innovative_count"}
    for r in FLOW.rules:
        names = (compile_expr(r.assert_).names if r.assert_ else set(r.questions)) & tiers
        assert len(names) <= 1 or r.id == "core_enterprise_threshold", r.id
    texts = [t.text for t in GLOSSARY.terms] + [q.hint for q in FLOW.questions]
    assert not any("各自栏目" in t or "互斥" in t for t in texts)
    for tid in ("innovative_sme", "quality_sme"):
        assert "不要自行剔除重叠" in GLOSSARY[tid].text


def test_patents_per_10k_is_a_hint_not_a_contradiction():
    assert "patents_per_10k_consistent" not in {r.id for r in FLOW.rules}
    q = FLOW["patents_per_10k"]
    assert q.override and "集群口径" in q.hint and "中小企业" in q.hint
    text = GLOSSARY["patents_per_10k"].text
    assert "提醒" not in text and "近似" in text and "依据" in text


# -- glossary ----------------------------------------------------------------------------------------
def test_rd_expense_follows_the_current_super_deduction_scope():
    t = GLOSSARY["rd_expense"]
    for word in ("职工福利费", "补充养老保险费", "补充医疗保险费", "股权激励", "装备调试", "田间试验", "特殊收入", "减去"):
        assert word in t.text, word
    assert "119号" in t.source and "2017年第40号" in t.source and "A107012" in t.source
    assert "以税务机关的解释为准" in t.text  # as certain as its source, without a note of our own


def test_international_standard_and_national_key_laboratories():
    t = GLOSSARY["international_standard"]
    assert all(w in t.text for w in ("ISO", "IEC", "ITU", "ISO 确认"))
    assert "采用国际标准管理办法" in t.source
    platform = GLOSSARY["innovation_platform"]
    assert "全国重点实验室" in platform.text and "2022" in platform.text and "国家重点实验室" in platform.text
    assert GLOSSARY.lookup("全国重点实验室") is platform


def test_bulk_waste_lists_the_seven_kinds_of_381():
    t = GLOSSARY["bulk_waste"]
    kinds = ("煤矸石", "粉煤灰", "尾矿", "冶炼渣", "工业副产石膏", "建筑垃圾", "农作物秸秆")
    assert all(k in t.text for k in kinds) and "七类" in t.text
    assert "381号" in t.text and "赤泥" in t.text and "不是单独的一类" in t.text


def test_champion_glossary_counts_municipal_champions():
    for tid in ("champion", "little_giant", "designation_thresholds"):
        assert "市级或国家级" in GLOSSARY[tid].text, tid
    assert "合计不少于 10 家" in GLOSSARY["designation_thresholds"].text


# -- designations overlap; each SME designation within the SME count --------------------------------
def test_designation_counts_overlap_but_each_stays_within_the_sme_count():
    # 301 SMEs: 200 创新型 + 150 专精特新 + 100 小巨人 overlap (450 in all) and are accepted
    e = engine_with(innovative_count="200")
    assert not {r for r in messages(e) if r.endswith("_le_smes")}
    for qid in ("specialized", "little_giant", "innovative"):
        e = engine_with(**{f"{qid}_count": "310"})  # ≤ 326 enterprises, > 301 SMEs
        f = next(f for f in e.findings() if f.rule == f"{qid}_le_smes")
        assert f.severity == "blocking" and "310" in f.message and "301" in f.message and "中小企业" in f.message


# -- 304号: 标准制修订不少于 2 项, from the standards matrix -----------------------------------------
def test_standards_reference_value_is_read_from_the_matrix():
    one = {"国际": {"主持数量": 0, "参与数量": 0}, "国家": {"主持数量": 0, "参与数量": 1},
           "行业": {"主持数量": 0, "参与数量": 0}, "团体": {"主持数量": 0, "参与数量": 0}}
    answers = {**sample_answers(), "standards": one,
               "standards_list": [{"name": "示例标准", "number": "GB/T 1-2023", "category": "国家", "role": "参与"}]}
    e = Engine.for_session(Session("t", "annual_report", "t", 2023))
    assert not e.apply_many(answers)
    f = next(f for f in e.findings() if f.rule == "standards_threshold")
    assert f.severity == "warning" and "合计 1 项" in f.message and "304号" in f.message and "不少于 2 项" in f.message
    assert "standards_threshold" not in messages(engine_with())  # the sample has 14


# -- one enterprise, one credit code across the report's lists ----------------------------------------
def test_one_name_under_two_codes_across_lists_is_flagged():
    answers = sample_answers()
    giants = [dict(r) for r in answers["little_giant_list"]]
    giants[0]["credit_code"] = "91310000MA1FL0FJ1H"
    e = engine_with(little_giant_list=giants)
    m = messages(e)
    assert giants[0]["name"] in m["specialized_little_giant_same_codes"]
    assert "little_giant_champion_same_codes" in m and "specialized_champion_same_codes" not in m
    assert not {r for r in messages(engine_with()) if r.endswith("_same_codes")}  # the sample is consistent


def test_sample_report_is_consistent():
    """One credit code per enterprise; each target's 完成值 the figure of its own indicator; stock not 新增."""
    answers = sample_answers()
    codes: dict[str, set[str]] = {}
    for lst in ("specialized_list", "little_giant_list", "champion_list"):
        for row in answers[lst]:
            codes.setdefault(row["name"], set()).add(row["credit_code"])
    assert all(len(c) == 1 for c in codes.values()), codes
    targets = {t["indicator"]: t for t in answers["targets"]}
    assert "万吨" in targets["二氧化碳排放量"]["actual"]  # an amount, not the intensity 吨/万元
    assert "18.64" in targets["二氧化碳排放量"]["actual"]  # 186,400 吨
    assert targets["有效发明专利数量"]["actual"].startswith(answers["patent_count"])
    growth = targets["集群产值年均增速"]["actual"]
    assert answers["leading_output_growth"] not in growth and "一年" in growth  # not the leading industry's
    text = "".join(str(answers[k]) for k in ("overview", "achievements", "key_work"))
    assert "新增有效发明专利" not in text and "新设境外分支机构" not in text and "推动 97 家" not in text


# -- 年均增速: one rule in help and computation ---------------------------------------------------------
def test_average_growth_is_one_rule_in_help_and_computation():
    from decimal import Decimal

    from assistant.interview.enterprises.aggregate import _growth
    from assistant.interview.enterprises.columns import load_spec

    spec = load_spec("annual_report")
    cagr = next(i for i in spec.indicators if i.kind == "cagr")
    assert cagr.max_years == 2  # 近三年 = the report year and the two before: n = 2
    for tid in ("cagr", "patent_cagr"):
        text = GLOSSARY[tid].text
        assert "2021" in text and "n = 2" in text and "n = 3" not in text and "一年增速" in text, tid
    # the help's worked example is what the computation gives
    assert "18.32%" in GLOSSARY["cagr"].text
    assert round(_growth(Decimal(560), Decimal(400), 2), 2) == Decimal("18.32")
    assert "三年" in GLOSSARY["three_year_window"].text and "2021—2023" in GLOSSARY["three_year_window"].text
    assert "n = 2" in FLOW["patent_growth"].hint and "一年" in FLOW["patent_growth"].hint


# -- no internal provenance note, no date of our own, in anything a user reads ------------------------
PROVENANCE = re.compile(r"据公开|公开转载|转载于|未与官方|逐条核对|未核对|未核实|整理于|\[(?:un)?checked\]"
                        r"|20\d\d ?年 ?\d{1,2} ?月(?:整理|核对|查阅|检索|收集)")
ROOT = Path(__file__).resolve().parents[1]


def user_text_sources() -> list[Path]:
    """Every file a user-facing string comes from: the form package (flows, prompts, glossary, templates),
    the sample answers, the code's messages, the browser page, and the documents shown to users."""
    out = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for folder, suffixes in (("flows", {".yaml"}), ("prompts", {".yaml"}), ("templates", {".yaml", ".j2"}),
                             ("examples", {".yaml"}), ("assistant", {".py", ".html", ".tcss", ".css", ".js"})):
        out += sorted(p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in suffixes)
    return out


def test_no_internal_provenance_note_in_any_user_facing_text():
    sources = user_text_sources()
    assert len(sources) > 50 and ROOT / "prompts" / "glossary.yaml" in sources
    for path in sources:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not PROVENANCE.search(line), f"{path.relative_to(ROOT)}:{n}: {line.strip()}"


def test_the_workbook_sent_to_enterprises_carries_no_provenance_note():
    from assistant.interview.enterprises.columns import load_spec
    from assistant.interview.enterprises.workbook import write_workbook

    wb = openpyxl.load_workbook(io.BytesIO(write_workbook(load_spec("annual_report"), 2026)))
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    prompts = [dv.prompt or "" for dv in wb["企业数据"].data_validations.dataValidation]
    assert cells and prompts
    for text in cells + prompts:
        assert not PROVENANCE.search(text), text


# -- glossary facts ----------------------------------------------------------------------------------------
def test_glossary_domain_facts():
    cluster = GLOSSARY["cluster"].text
    assert "行业协会或集群运营机构申报" in cluster and "区主管部门初审和推荐" in cluster
    assert "行业协会或集群运营机构申报" in GLOSSARY["district_authority"].text
    route = GLOSSARY["submission"].text
    assert "区的中小企业主管部门" in route and "考核意见" in route and "附件2" in route and "4 月 10 日" in route
    cap = GLOSSARY["rd_other_cap"]
    assert "全部研发项目合并计算" in cap.text and "2021年第28号" in cap.text + cap.source
    rate = GLOSSARY["rd_commissioned"]
    assert "120%" in rate.text and "集成电路" in rate.text and "工业母机" in rate.text and "2023年第44号" in rate.source
    assert GLOSSARY.lookup("工业母机") is rate
    sw = GLOSSARY["industrial_software"].text
    assert "研发设计类（如 CAD、CAE、CAM、EDA、PLM）" in sw and "嵌入式工业软件" in sw
    assert "经营管理类（如 ERP、CRM、SCM）" in sw  # PLM is not 经营管理类
    champ = GLOSSARY["champion"].text
    assert "2023 年起" in champ and "单项冠军示范企业" in champ and "单项冠军产品" in champ and "合并" in champ
    assert "以前以“单项冠军产品”获评" in champ  # whether product holders count is addressed
    patent = GLOSSARY["valid_patent"].text
    for right in ("国防专利", "植物新品种", "国家级农作物品种", "国家新药", "国家一级中药保护品种", "集成电路布图设计专有权"):
        assert right in patent and right in GLOSSARY["patent_holdings"].text, right
    energy = GLOSSARY["energy_reduction"].text
    assert "只计算集群内的工业企业" in energy and "0.1229" in energy and "GB/T 2589-2020" in energy
    assert "上海市生态环境部门公布" in GLOSSARY["co2_intensity"].text
    assert "取用新水量" in GLOSSARY["water_reuse"].text and "水费单" in GLOSSARY["water_reuse"].text


# -- the report year: the one due next; the form's edition named -----------------------------------------
@pytest.mark.parametrize("today, year", [
    ("2026-12-06", 2026), ("2027-01-15", 2026), ("2027-04-10", 2026), ("2027-04-11", 2027), ("2026-04-10", 2025),
])
def test_a_new_report_defaults_to_the_year_due_next(today, year):
    from datetime import date

    for form in ("annual", "district"):
        assert load_flow(form).year_due(date.fromisoformat(today)) == year


def test_the_edition_and_due_day_are_data_and_new_says_them(store, capsys):
    from datetime import date

    from assistant.frontends.cli import main

    flow = load_flow("annual")
    assert flow.edition == "沪经信企〔2024〕190号" and (flow.due.month, flow.due.day) == (4, 10)
    assert "沪经信企〔2024〕190号" in flow.edition_note() and "--forms" in flow.edition_note()
    assert main(["new", "--form", "annual"]) == 0
    out, err = capsys.readouterr()
    session = store.load(out.strip())
    assert session.year == flow.year_due(date.today())  # not the edition's own 2023
    assert f"{session.year} 年度" in err and "沪经信企〔2024〕190号" in err and "--forms" in err and "--year" in err
    assert main(["new", "--form", "annual", "--year", "2023"]) == 0
    out, err = capsys.readouterr()
    assert store.load(out.strip()).year == 2023 and "另一年度请加 --year" not in err


def test_the_targets_table_is_the_yearly_review():
    text = GLOSSARY["target_actual"].text
    assert "年度动态管理" in text and "304号" in text and "三年发展规划" in text
    assert "同一个指标、同一个单位" in text and "一年增速" in text
    assert "designation_thresholds" in FLOW["targets"].help

"""Checks: required items by section, ranges, cross-field rules, lists vs counts."""

from __future__ import annotations

from conftest import sample_answers

from assistant.interview.engine import Engine, evaluate
from assistant.interview.findings import blocking
from assistant.session.store import Session


def engine_with(**overrides) -> Engine:
    e = Engine.for_session(Session("t", "annual_report", "t", 2023))
    assert not e.apply_many({**sample_answers(), **overrides})
    return e


def rules(e: Engine) -> dict[str, str]:
    return {f.rule: f.severity for f in e.findings()}


def test_sample_is_clean():
    assert blocking(engine_with().findings()) == []


def test_empty_report_lists_every_required_item_by_section():
    e = Engine.for_session(Session("t", "annual_report", "t", 2023))
    found = e.findings()
    assert {f.section for f in found} == {s.id for s in e.flow.sections}
    assert all(f.severity == "blocking" and f.rule == "required" and "尚未填写" in f.message for f in found)
    assert len(found) == sum(1 for q in e.askable() if q.required)  # optional ones (七's parts, the date) not


def test_sme_count_not_above_enterprises():
    e = engine_with(sme_count="400")
    assert rules(e)["sme_le_enterprises"] == "blocking"
    msg = next(f.message for f in e.findings() if f.rule == "sme_le_enterprises")
    assert "400" in msg and "326" in msg


def test_quality_counts_not_above_enterprises():
    e = engine_with(hightech_count="500", innovative_count="400")
    assert {"hightech_le_enterprises", "innovative_le_smes"} <= set(rules(e))


def test_list_length_must_equal_count():
    e = engine_with(specialized_count="6")
    msg = next(f.message for f in e.findings() if f.rule == "specialized_list_matches")
    assert "5" in msg and "6" in msg


def test_standards_list_must_match_the_matrix():
    m = sample_answers()["standards"]
    m["国家"]["主持数量"] = 3
    assert rules(engine_with(standards=m))["standards_list_matches"] == "blocking"


def test_platform_names_must_match_counts():
    e = engine_with(platform_other_count="4")
    assert rules(e)["platform_other_names_match"] == "blocking"


def test_narrative_parts_together_at_most_3000_characters():
    long = "字" * 1000
    e = engine_with(overview=long, achievements=long, key_work=long)
    f = next(f for f in e.findings() if f.rule == "narrative_total")
    assert f.severity == "blocking"
    assert "超过 3000" in f.message


def test_a_typed_cluster_figure_is_not_contradicted_by_the_assistants_arithmetic():
    e = engine_with(patents_per_10k="80 依据：集群统计年报")
    assert e.value("patents_per_10k") == "80.00"
    assert e.findings() == []  # the SME-level computation (41.62) is a hint, not a finding


def test_designation_thresholds_warn_never_block():
    e = engine_with(total_output="30", sme_output_share="60", rd_growth="2", iip_enterprises="10", area_km2="150")
    r = rules(e)
    for rule in ("output_threshold", "sme_share_threshold", "rd_growth_threshold", "iip_threshold", "area_threshold"):
        assert r[rule] == "warning"
    assert not blocking(e.findings())


def test_growth_rates_may_be_negative_but_shares_may_not():
    e = engine_with(export_growth="-12.5%", fdi_growth="-40")
    assert not blocking(e.findings())
    assert not e.answer("sme_output_share", "-5").ok


def test_irrelevant_answers_do_not_trigger_rules():
    e = engine_with()
    e.answer("specialized_count", "0")
    assert "specialized_list_matches" not in rules(e)


def test_district_sample_is_clean_and_constraint_is_checked():
    e = Engine.for_session(Session("t", "district_summary", "t", 2023))
    assert not e.apply_many(sample_answers("district"))
    assert e.findings() == []
    assert e.apply_many({"district_name": "浦江"})  # refused: must end with 区


def test_filing_check_warns_when_an_adopted_draft_quotes_a_changed_figure(store, capsys):
    """A part-七 draft adopted with 128.6亿元 says so after the figure became 97: `filing check` names both."""
    from conftest import make_session

    from assistant.frontends.cli import main
    from assistant.interview.conversation import Conversation

    narrative = ("overview", "achievements", "key_work", "problems", "next_plan", "suggestions")
    answers = {k: v for k, v in sample_answers().items() if k not in narrative}
    session = make_session(store, "annual", answers)
    conv = Conversation(Engine.for_session(session))
    conv.engine.jump("overview")
    conv.handle("起草")
    conv.handle("1")
    store.save(session)
    assert main(["check", session.id]) in (0, 1)
    assert "128.60" not in capsys.readouterr().out
    assert main(["answers", session.id, "--set", "total_output=97"]) == 0
    capsys.readouterr()
    main(["check", session.id])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "128.6亿元" in x)  # as the draft wrote it (公文: no trailing zero)
    assert "提示" in line and "97亿元" in line and "起草" in line and "七、" in line


def test_filing_check_warns_when_text_the_operator_wrote_names_a_different_figure(store, capsys):
    from conftest import make_session

    from assistant.frontends.cli import main

    session = make_session(store, "annual", {**sample_answers(), "total_output": "97",
                                             "problems": "集群总产值 128.60 亿元，但龙头企业带动不够。"})
    main(["check", session.id])
    out = capsys.readouterr().out
    assert "“集群总产值 128.60 亿元”" in out and "97.00 亿元" in out


def test_a_figure_beyond_what_a_cluster_holds_is_a_warning_every_check():
    """Accepted from a file (said there), then flagged by every check: 3 500 亿元 is more than a real cluster."""
    e = engine_with(total_output="3500亿")
    found = next(f for f in e.findings() if f.qid == "total_output")
    assert found.rule == "plausible" and found.severity == "warning"
    assert "3500.00 亿元" in found.message and "通常不超过 2000亿元" in found.message
    assert blocking(e.findings()) == []


def test_a_stored_figure_outside_the_range_must_be_changed():
    """A session saved before the range was declared (or edited by hand) holds 10^14 亿元: the check blocks it."""
    e = engine_with()
    e.session.answers["total_output"] = "100000000000000.10"
    e.session.answers["enterprise_count"] = 10**12
    e.state = evaluate(e.flow, e.session.answers, 2023)
    found = {f.qid: f for f in blocking(e.findings()) if f.rule == "range"}
    assert set(found) == {"total_output", "enterprise_count"}
    assert "本题最大为 10000亿元" in found["total_output"].message
    assert "本题最大为 100000" in found["enterprise_count"].message

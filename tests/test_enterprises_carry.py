"""Last year as the base (issue 12): carry-forward from the sample report, growth rates from both years;
and the TUI's 用企业数据表计算 dialog feeding the conversation's command."""

from __future__ import annotations

import asyncio
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import make_session
from enterprise_support import ENTERPRISES, fill_workbook

from assistant.frontends.cli import main
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.interview.enterprises.columns import load_spec
from assistant.interview.enterprises.dialog import reply, start
from assistant.session.store import SessionStore

D = Decimal


def r2(x: Decimal) -> str:
    return str(x.quantize(D("0.01"), rounding=ROUND_HALF_UP))


def last_year_json(store: SessionStore, tmp_path) -> tuple[str, object]:
    session = make_session(store)  # examples/annual_answers.yaml, 2023
    path = tmp_path / "2023年度报告.json"
    assert main(["export", session.id, "--format", "json", "-o", str(path)]) == 0
    return str(path), session


def test_carry_forward_from_the_sample_report_then_growth_from_both_years(store, tmp_path, capsys):
    path, last = last_year_json(store, tmp_path)
    capsys.readouterr()
    assert main(["new", "--from", path]) == 0
    sid = capsys.readouterr().out.strip()
    s = store.load(sid)
    spec = load_spec("annual_report")
    sample = Engine.for_session(store.load(last.id))
    carried = [q for q in spec.carry if sample.is_relevant(q) and q in last.answers]
    assert s.year == 2024 and s.carried == carried and len(carried) >= 10
    assert {q: s.answers[q] for q in carried} == {q: last.answers[q] for q in carried}
    assert s.prior[0]["year"] == 2023 and s.prior[0]["answers"]["rd_expense"] == last.answers["rd_expense"]
    assert "total_output" not in s.answers  # figures are the base, not this year's answers

    with store.open(sid) as handle:
        conv = Conversation(Engine.for_session(handle.session), handle.save)
        opened = conv.start().messages
        first = opened[-1]
        assert "欢迎回来" not in opened[0] and f"已沿用 2023 年度报告中的 {len(carried)} 项答案" in opened[0]
        name = last.answers["cluster_name"]
        assert f"沿用上年：{name}，是否不变？" in first
        said = conv.handle("").messages  # Enter: unchanged
        assert said[0] == f"已确认沿用上年：{name}。"
        assert "cluster_name" not in handle.session.carried and handle.session.answers["cluster_name"] == name
        q = conv.engine.current()
        assert q.id == carried[1] and "沿用上年" in conv.question_text(q)
        said = conv.handle("不变").messages
        assert said[0] == f"已确认沿用上年：{conv.engine.shown(carried[1])}。"
        assert carried[1] not in handle.session.carried
        q = conv.engine.current()
        conv.handle("上海浦江新运营有限公司" if q.id == "operator_name" else "13800000000")
        assert q.id not in handle.session.carried
        # progress counts carried items as still to do; the check names each one not yet confirmed
        e = conv.engine
        unconfirmed = [f.qid for f in e.findings() if f.rule == "carried"]
        assert sorted(unconfirmed) == sorted(x for x in carried if x in handle.session.carried) and unconfirmed
        assert all(f.severity == "warning" for f in e.findings() if f.rule == "carried")
        assert e.progress().answered == sum(1 for x in e.askable() if x.id in handle.session.answers
                                            and x.id not in handle.session.carried)

    # this year's figures typed; the growth rates follow from both years, with evidence
    with store.open(sid) as handle:
        e = Engine.for_session(handle.session)
        assert not e.apply_many({"total_output": "140", "leading_output_share": "80", "rd_expense": "3.2亿",
                                 "patent_count": "40"})
        t = start(e, [])
        text = t.messages[0]
        prev = {k: D(str(v)) for k, v in handle.session.prior[0]["answers"].items()
                if k in ("total_output", "leading_output_share", "rd_expense", "patent_count")}
        lead_now, lead_prev = D(140) * D(80) * 100, prev["total_output"] * prev["leading_output_share"] * 100
        want = {"leading_output_growth": r2((lead_now - lead_prev) / lead_prev * 100),
                "rd_growth": r2((D(32000) - prev["rd_expense"]) / prev["rd_expense"] * 100),
                "patent_growth": r2((D(40) - prev["patent_count"]) / prev["patent_count"] * 100)}
        items = {it.qid: it for it in handle.session.pending.items}
        for qid, value in want.items():
            assert items[qid].value == value, (qid, items[qid].value, value)
        assert want["rd_growth"].startswith("-")  # 3.56亿 → 3.2亿: a fall, proposed as negative
        assert "2023 年度报告" in text
        reply(e, "全部")
        ev = handle.session.evidence["rd_growth"]
        assert ev["source"] == "prior" and D(ev["numerator"]["value"]) == D(32000)
        assert ev["denominator"]["from"] == "2023 年度报告" and D(ev["denominator"]["value"]) == prev["rd_expense"]
        assert handle.session.evidence["patent_growth"]["years"] == 1
        handle.save()


def test_two_earlier_reports_give_the_three_year_average(store, tmp_path, capsys):
    path, last = last_year_json(store, tmp_path)
    capsys.readouterr()
    main(["new", "--from", path])
    mid = capsys.readouterr().out.strip()
    with store.open(mid) as handle:
        e = Engine.for_session(handle.session)
        assert not e.apply_many({"patent_count": "45", "total_output": "150", "rd_expense": "4亿"})
        handle.save()
    main(["new", "--from", mid])
    sid = capsys.readouterr().out.strip()
    s = store.load(sid)
    assert [p["year"] for p in s.prior] == [2024, 2023] and s.year == 2025
    with store.open(sid) as handle:
        e = Engine.for_session(handle.session)
        assert not e.apply_many({"patent_count": "60", "total_output": "170", "rd_expense": "4.5亿"})
        t = start(e, [])
        items = {it.qid: it for it in handle.session.pending.items}
        base = D(str(last.answers["patent_count"]))
        want = r2(((D(60) / base) ** (D(1) / D(2)) - 1) * 100)
        assert items["patent_growth"].value == want and items["patent_growth"].evidence["years"] == 2
        text = t.messages[0]
        base_output = D(str(Engine.for_session(store.load(last.id)).value("total_output")))
        avg = r2(((D(170) / base_output) ** (D(1) / D(2)) - 1) * 100)
        assert f"集群总产值近三年年均增速 {avg}%" in text


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_tui_dialog_feeds_the_command(store, tmp_path):
    from textual.widgets import Input

    from assistant.frontends.tui.app import FilingApp
    from assistant.frontends.tui.screens.enterprises import EnterpriseDialog

    wb = fill_workbook(tmp_path / "采集 表.xlsx", ENTERPRISES)
    session = make_session(store, answers={})

    async def run() -> None:
        app = FilingApp(session.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            await pilot.press("f6")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, EnterpriseDialog)
            inp = dialog.query_one("#paths", Input)
            inp.value = str(tmp_path / "没有这个.xlsx")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, EnterpriseDialog)  # a missing file is said in the dialog
            inp.value = f'"{wb}"'
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen
            assert screen.session.pending and screen.session.pending.kind == "proposals"
            last = screen.session.transcript[-1]["text"]
            assert "根据 20 家企业的数据" in last
            inp2 = screen.query_one("#input")
            inp2.insert_text_at_cursor("全部")
            await pilot.press("enter")
            await pilot.pause()
            assert screen.session.answers["enterprise_count"] == 20 and screen.session.pending is None

    asyncio.run(run())


def test_sample_report_json_has_no_enterprise_evidence_until_imported(store, tmp_path):
    path, _ = last_year_json(store, tmp_path)
    with open(path, encoding="utf-8") as fh:
        data = json.loads(fh.read())
    assert all(v.get("source") not in ("enterprises", "prior") for v in data["evidence"].values())


def test_each_growth_rate_says_where_its_base_comes_from(store, tmp_path, capsys):
    """The base of a growth rate is never chosen silently: the workbook's 上年 column (and whether last
    year's report agrees), or last year's report (and why the workbook could not serve)."""
    path, last = last_year_json(store, tmp_path)
    capsys.readouterr()
    assert main(["new", "--from", path]) == 0
    sid = capsys.readouterr().out.strip()
    rows = [dict(r) for r in ENTERPRISES]
    with store.open(sid) as handle:
        e = Engine.for_session(handle.session)
        assert not e.apply_many({"enterprise_count": "20"})  # the workbook covers the whole cluster this year
        t = start(e, [str(fill_workbook(tmp_path / "全.xlsx", rows, year=2024))])
        line = next(x for x in t.messages[0].splitlines() if "研发经费增速" in x)
        reported = D(str(last.answers["rd_expense"]))
        assert "基数取自企业数据的“上年”列，合计 " in line, line
        assert f"而 2023 年度报告为 {f'{reported:.2f}'.rstrip('0').rstrip('.')} 万元，两者不同，请核对企业范围和口径" in line
        patents = next(x for x in t.messages[0].splitlines() if "有效发明专利年均增速" in x)
        assert "一年增速（没有 2022 年的数字，不是近三年年均）：2023→2024 年，n = 1；" in patents, patents
        reply(e, "取消")
        rows[4]["rd_expense_prev"] = None  # a new member: no figure for last year
        t = start(e, [str(fill_workbook(tmp_path / "缺.xlsx", rows, year=2024))])
        line = next(x for x in t.messages[0].splitlines() if "研发经费增速" in x)
        assert "基数取自 2023 年度报告（有 1 家企业未填“上年研发费用（万元）”（" in line, line
        assert str(rows[4]["name"]) in line
        reply(e, "全部")
        assert e.session.evidence["rd_growth"]["basis"].startswith("基数取自 2023 年度报告")
        # recomputing without files never replaces a figure from the enterprises' data with one from
        # this year's rounded answers
        before = dict(e.session.answers)
        t = start(e, [])
        assert "已按企业数据计算、不再用本年度答案（已四舍五入）重算：" in t.messages[0]
        assert "rd_growth" not in {it.qid for it in (e.session.pending.items if e.session.pending else [])}
        if e.session.pending:
            reply(e, "全部")
        assert e.session.answers == before
        # a figure the operator kept as their own is not “computed from enterprise data”: it is offered
        # (and 全部 still leaves it)
        t = start(e, [str(tmp_path / "缺.xlsx")])
        n = next(i for i, it in enumerate(e.session.pending.items, 1) if it.qid == "rd_growth")
        e.session.answers["rd_growth"] = "9.99"
        reply(e, f"保留 {n} 原因：以统计年报为准")
        t = start(e, [])
        line = next(x for x in t.messages[0].splitlines() if "研发经费增速" in x)
        assert "您上次保留了自己的数字，原因：以统计年报为准" in line and "9.99" in line
        reply(e, "全部")
        assert e.session.answers["rd_growth"] == "9.99"


def test_an_unfinished_base_report_is_said_on_stderr_not_refused(store, capsys):
    from conftest import sample_answers

    answers = sample_answers()
    keep = list(answers)[: len(answers) * 2 // 3]  # a draft: a third of the sample left out
    last = make_session(store, answers={k: answers[k] for k in keep})
    e = Engine.for_session(store.load(last.id))
    missing = [q.id for q in e.askable() if q.id not in last.answers]
    assert missing
    capsys.readouterr()
    assert main(["new", "--from", last.id]) == 0
    out, err = capsys.readouterr()
    sid = out.strip()
    assert store.load(sid).year == 2024  # created all the same
    assert f"上年报告 {last.id}（2023 年度）还没有填完：{len(missing)} 题未回答" in err, err
    assert f"已完成 {e.progress().answered}/{e.progress().total} 题" in err

    full = make_session(store)
    capsys.readouterr()
    assert main(["new", "--from", full.id]) == 0
    assert "还没有填完" not in capsys.readouterr().err

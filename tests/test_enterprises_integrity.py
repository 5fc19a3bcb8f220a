"""Enterprise data where it meets the rest (issues 22 and 23): the package and every export on reports that
used it, coverage of a partial workbook, rows left out until confirmed, bounded figures, the same file
twice, invisible characters, a reason kept as typed, and the evidence appendix printing what is printed."""

from __future__ import annotations

import json
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import docx
import pytest
from conftest import make_session, sample_answers
from document_support import cell_texts
from enterprise_support import ENTERPRISES, code, fill_workbook, write_csv

from assistant.frontends.cli import main
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.interview.enterprises.columns import SpecError, load_spec, parse_spec
from assistant.interview.enterprises.dialog import reply, start
from assistant.interview.enterprises.proposals import propose
from assistant.interview.enterprises.reader import DataError, read_rows
from assistant.report import pdf
from assistant.session.store import SessionStore

D = Decimal
REASON = "只收回8家企业的采集表，以统计年报为准"  # typed with a Chinese comma


def r2(x: Decimal) -> str:
    return str(x.quantize(D("0.01"), rounding=ROUND_HALF_UP))


def total(rows: list[dict], key: str = "output") -> Decimal:
    return sum((D(str(r[key])) for r in rows if r.get(key) is not None), D(0))


@pytest.fixture
def no_soffice(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "no-soffice"))  # the package without its PDF: fast


def cluster_of(store: SessionStore, n: int, **more: str):
    """The sample report of a cluster of n enterprises (plus `more` answers)."""
    return make_session(store, answers={**sample_answers(), "enterprise_count": str(n), "sme_count": str(n - 2),
                                        **more})


def converse(store: SessionStore, sid: str, *lines: str) -> list[str]:
    """Lines typed in the conversation (every front end's engine), the replies joined per line."""
    out = []
    with store.open(sid) as handle:
        conv = Conversation(Engine.for_session(handle.session), handle.save)
        for line in lines:
            out.append("\n".join(conv.handle(line).messages))
        handle.save()
    return out


def evidence_grids(path: Path) -> dict[str, list[list[str]]]:
    """The 计算佐证 appendix of an exported .docx: figure label -> rows (cells as text)."""
    doc = docx.Document(str(path))
    out: dict[str, list[list[str]]] = {}
    for t in doc.tables:
        rows = [cell_texts(r) for r in t.rows]
        if rows and rows[0] and rows[0][0] == "指标":
            out[rows[0][-1]] = rows
    return out


# -- issue 22: the package and every export on a report that used enterprise data --------------------------
def _adopted(store, tmp_path) -> str:
    s = cluster_of(store, 20)
    assert main(["enterprises", s.id, str(fill_workbook(tmp_path / "采集表.xlsx", ENTERPRISES)), "--yes"]) == 0
    return s.id


def _partly(store, tmp_path) -> str:
    s = cluster_of(store, 20)
    converse(store, s.id, f"企业数据 {fill_workbook(tmp_path / '采集表.xlsx', ENTERPRISES)}", "2 3 16")
    return s.id


def _kept(store, tmp_path) -> str:
    s = cluster_of(store, 20)
    converse(store, s.id, f"企业数据 {fill_workbook(tmp_path / '采集表.xlsx', ENTERPRISES)}",
             f"2 3 保留 1 原因：{REASON}")
    return s.id


def _reimported(store, tmp_path) -> str:
    s = cluster_of(store, 20)
    first = fill_workbook(tmp_path / "第一次.xlsx", ENTERPRISES)
    rows = [dict(r) for r in ENTERPRISES]
    rows[0]["output"] = D("2000.5")
    again = fill_workbook(tmp_path / "第二次.xlsx", rows)
    converse(store, s.id, f"企业数据 {first}", f"保留 1 原因：{REASON}", f"企业数据 {again}", "全部", f"企业数据 {again}", "1")
    return s.id


STATES = {"adopted": _adopted, "partly": _partly, "kept": _kept, "reimported": _reimported}


@pytest.mark.slow  # every export format and the package, four times
@pytest.mark.parametrize("state", list(STATES))
def test_package_and_every_format_work_on_reports_that_used_enterprise_data(store, tmp_path, capsys, no_soffice,
                                                                            state):
    sid = STATES[state](store, tmp_path)
    s = store.load(sid)
    assert any(ev.get("source") == "enterprises" for ev in s.evidence.values())
    capsys.readouterr()
    folder = tmp_path / "报送材料"
    assert main(["package", sid, "-o", str(folder), "--draft"]) == 0, capsys.readouterr()
    out, err = capsys.readouterr()
    assert "意外错误" not in out + err
    names = {p.name for p in folder.iterdir()}
    assert {"计算佐证材料.md", "报送清单.md", "报送清单.docx"} <= names and any(n.endswith(".docx") for n in names)
    md = (folder / "计算佐证材料.md").read_text(encoding="utf-8")
    e = Engine.for_session(s)
    for qid in s.evidence:  # every figure from the data is there, as the appendix prints it
        if e.is_relevant(qid):
            assert f"## {e.label(qid)}" in md.replace("\\", ""), qid
    for fmt in ("docx", "md", "json"):
        assert main(["export", sid, "--format", fmt, "-o", str(tmp_path / f"r.{fmt}"), "--draft"]) == 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert {q: v for q, v in data["evidence"].items() if v.get("source") == "enterprises"} == \
        {q: v for q, v in s.evidence.items() if e.is_relevant(q)}
    grids = evidence_grids(tmp_path / "r.docx")
    kept = [q for q, ev in s.evidence.items() if "kept" in ev]
    assert bool(kept) == (state == "kept")
    for qid in kept:  # the basis stated, not the computation the operator did not use
        rows = grids[e.label(qid)]
        assert rows == [["指标", e.label(qid)], ["填报值", e.shown(qid)], ["依据", REASON]]
        section = md.split(f"## {e.label(qid)}")[1].split("\n## ")[0]
        assert f"- 依据：{REASON}" in section and "计算结果" not in section
    if state == "reimported":  # the earlier import's computation went to the history, in the JSON only
        history = data["evidence"]["total_output"]["history"]
        assert [h.get("kept", {}).get("reason") for h in history][-1] == REASON
        from assistant.interview.json_report import load_report

        again, _ = load_report(tmp_path / "r.json", store)
        assert again.evidence["total_output"]["history"] == history


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_package_with_pdf_as_a_process_after_a_kept_figure(store, tmp_path):
    from cli_support import assert_clean, run_filing

    sid = _kept(store, tmp_path)
    folder = tmp_path / "报送材料"
    proc = run_filing("package", sid, "-o", str(folder), "--draft", timeout=240)
    assert_clean(proc, 0)
    names = {p.name for p in folder.iterdir()}
    assert any(n.endswith(".pdf") for n in names) and "计算佐证材料.md" in names and "报送清单.md" in names


# -- coverage --------------------------------------------------------------------------------------------
def test_a_partial_workbook_never_overwrites_the_cluster_totals(store, tmp_path, capsys):
    """A report of 326 enterprises given a workbook of 8: --yes and 全部 leave every total and every sample's
    ratio that would replace the operator's answer, say so; each is adopted only when chosen by its number."""
    eight = ENTERPRISES[:8]
    wb = fill_workbook(tmp_path / "八家.xlsx", eight)
    s = make_session(store)  # the sample report: 326 enterprises, 128.60 亿元
    capsys.readouterr()
    assert main(["enterprises", s.id, str(wb), "--yes"]) == 0
    said = capsys.readouterr().out
    after = store.load(s.id)
    assert after.answers["enterprise_count"] == 326 and after.answers["total_output"] == "128.60"
    assert after.answers["rd_expense"] == s.answers["rd_expense"]
    assert "文件中只有 8 家企业，本报告的“集群企业数量”为 326 家（仅 8/326 家）" in said
    assert "1. 集群总产值（亿元）：1.29 亿元（仅 8/326 家；当前 128.60 亿元）" in said
    assert "5. 集群企业数量（个）：8（仅 8/326 家；当前 326）" in said
    assert "2. 集群内中小企业产值占集群总产值比例（%）：81.36%（基于 8 家企业；当前 82.50%）" in said
    assert "以下各项只基于部分企业（8/326 家），“全部”没有采用：1. 集群总产值（亿元）、2. 集群内中小企业产值占" in said
    assert f"不加 --yes 运行：\n  filing enterprises {s.id} " in said
    assert after.answers["sme_output_share"] == "82.50"  # the operator's figure, not the 8 enterprises' 81.36
    assert "sme_output_share" not in after.evidence
    # the conversation's 全部 is the same rule; a ratio or a total chosen by its number is taken, marked
    converse(store, s.id, f"企业数据 {wb}", "全部")
    assert store.load(s.id).answers["enterprise_count"] == 326
    assert store.load(s.id).answers["sme_output_share"] == "82.50"
    sums = converse(store, s.id, f"企业数据 {wb}", "2 5 6")[1]
    assert "其中 3 项只基于部分企业（8/326 家），已按您的选择采用" in sums
    after = store.load(s.id)
    assert after.answers["enterprise_count"] == 8 and after.evidence["enterprise_count"]["coverage"]["of"] == 326
    assert after.answers["sme_output_share"] == "81.36"
    assert after.evidence["sme_output_share"]["coverage"] == {"kind": "ratio", "n": 8, "rows": 8, "of": 326}
    path = tmp_path / "r.docx"
    assert main(["export", s.id, "--format", "docx", "-o", str(path), "--draft"]) == 0
    grids = evidence_grids(path)
    e = Engine.for_session(after)
    assert ["覆盖范围", "仅 8/326 家：只是计入的 8 家企业的合计（报告的“集群企业数量”为 326 家），由填报单位逐项选择采用"] \
        in grids[e.label("enterprise_count")]
    assert ["覆盖范围", "基于 8 家企业的数据计算（报告的“集群企业数量”为 326 家）"] in grids[e.label("sme_output_share")]


def test_coverage_is_measured_against_last_years_report_and_names_who_is_missing(store, tmp_path, capsys):
    s = make_session(store)
    j = tmp_path / "2023.json"
    assert main(["export", s.id, "--format", "json", "-o", str(j)]) == 0
    capsys.readouterr()
    assert main(["new", "--from", str(j)]) == 0
    sid = capsys.readouterr().out.strip()
    with store.open(sid) as handle:
        e = Engine.for_session(handle.session)
        t = start(e, [str(fill_workbook(tmp_path / "a.xlsx", ENTERPRISES, year=2024))])
        text = t.messages[0]
        assert "文件中只有 20 家企业，2023 年度报告的“集群企业数量”为 326 家（仅 20/326 家）" in text
        listed = s.answers["specialized_list"][0]
        assert "上年报告沿用的名单中有 " in text and f"{listed['name']}（{listed['credit_code']}）" in text
        # a growth rate never sets part of the cluster against the whole of last year's report
        line = next(x for x in text.splitlines() if "集群研发经费增速" in x)
        assert "基于 18 家企业；基数取自企业数据的“上年”列" in line, line
        reply(e, "取消")
        rows = [dict(r) for r in ENTERPRISES]
        rows[4]["rd_expense_prev"] = None
        t = start(e, [str(fill_workbook(tmp_path / "b.xlsx", rows, year=2024))])
        assert "无法计算“集群研发经费增速（%）”：企业数据只有 20/326 家企业，不能与2023 年度报告的全集群数字相比" \
            in t.messages[0]
        reply(e, "取消")
        assert not e.apply_many({"rd_expense": "4亿"})  # this year's whole-cluster figure: set against last year's
        t = start(e, [str(fill_workbook(tmp_path / "b.xlsx", rows, year=2024))])
        growth = next(it for it in e.session.pending.items if it.qid == "rd_growth")
        want = r2((D(40000) - D(str(s.answers["rd_expense"]))) / D(str(s.answers["rd_expense"])) * 100)
        assert growth.value == want and growth.evidence["source"] == "prior"


def test_every_front_end_says_the_same(store, tmp_path, capsys):
    """CLI `filing enterprises`, the conversation (filing ask, chat) and the TUI's F6 show one proposal text."""
    import asyncio

    from textual.widgets import Input

    from assistant.frontends.tui.app import FilingApp

    wb = fill_workbook(tmp_path / "八家.xlsx", ENTERPRISES[:8])
    a, b, c = (make_session(store) for _ in range(3))
    capsys.readouterr()
    assert main(["enterprises", a.id, str(wb), "--yes"]) == 0
    cli = capsys.readouterr().out
    chat = converse(store, b.id, f"企业数据 {wb}")[0]
    proposals = chat.split("\n\n请选择")[0]
    assert cli.startswith(proposals + "\n") and "仅 8/326 家" in proposals

    async def run() -> str:
        app = FilingApp(c.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            await pilot.press("f6")
            await pilot.pause()
            app.screen.query_one("#paths", Input).value = str(wb)
            await pilot.press("enter")
            await pilot.pause()
            return str(screen.session.transcript[-1]["text"])

    assert asyncio.run(run()) == chat


# -- rows left out until confirmed ----------------------------------------------------------------------
def test_a_unit_slip_row_is_left_out_of_every_figure_until_confirmed(store, tmp_path, capsys):
    rows = [dict(r) for r in ENTERPRISES]
    rows[3]["output"] = D(str(rows[3]["output"])) * 10000  # 元 typed into a 万元 column
    wb = fill_workbook(tmp_path / "采集表.xlsx", rows)
    s = cluster_of(store, 20)
    others = rows[:3] + rows[4:]
    capsys.readouterr()
    assert main(["enterprises", s.id, str(wb), "--yes"]) == 0
    said = capsys.readouterr().out
    assert "以下 1 行的数字看起来有误，暂不计入任何结果（下面的结果不含这几行）：\n  ⚠ A. 采集表.xlsx 第 5 行：产值（" in said
    assert f"集群总产值（亿元）：{r2(total(others) / 10000)} 亿元（仅 19/20 家" in said
    lead = sum((D(str(r["leading_output"])) for r in others if r["leading_output"] is not None), D(0))
    assert f"主导产业产值占集群总产值比例（%）：{r2(lead / total(others) * 100)}%（基于 19 家企业" in said
    assert "暂不计入的 1 行（采集表.xlsx 第 5 行）仍未计入" in said
    after = store.load(s.id)
    assert after.answers["total_output"] == "128.60" and after.answers["enterprise_count"] == 20
    # a sample's ratio replaces a different answer only when chosen by its number
    assert after.answers["sme_output_share"] == s.answers["sme_output_share"] and "sme_output_share" not in after.evidence
    converse(store, s.id, f"企业数据 {wb}", "2")
    assert store.load(s.id).evidence["sme_output_share"]["coverage"]["left_out"] == ["采集表.xlsx 第 5 行"]
    # the operator checks the row and counts it in: every figure again, with it
    replies = converse(store, s.id, f"企业数据 {wb}", "计入 B", "计入 A")
    assert replies[1] == "没有第 B 行：暂不计入的行是 A–A。"
    assert replies[2].startswith("好的，已计入 采集表.xlsx 第 5 行，重新计算如下：\n"
                                 "已按您的确认计入：采集表.xlsx 第 5 行（产值（")
    assert f"集群总产值（亿元）：{r2(total(rows) / 10000)} 亿元（当前 128.60 亿元）" in replies[2]
    converse(store, s.id, "全部")
    after = store.load(s.id)
    assert after.answers["total_output"] == r2(total(rows) / 10000)
    assert after.evidence["total_output"]["coverage"]["confirmed"] == ["采集表.xlsx 第 5 行"]
    path = tmp_path / "r.docx"
    assert main(["export", s.id, "--format", "docx", "-o", str(path), "--draft"]) == 0
    grid = evidence_grids(path)[Engine.for_session(after).label("total_output")]
    assert ["核对后计入的行", "采集表.xlsx 第 5 行（数字看起来有误，经填报单位核对无误后计入）"] in grid
    # fixed and re-imported: nothing is left out
    fixed = fill_workbook(tmp_path / "改正.xlsx", ENTERPRISES)
    text = converse(store, s.id, f"企业数据 {fixed}", "取消")[0]
    assert "暂不计入" not in text and "文件中有 20 家企业，本报告的“集群企业数量”为 20 家。" in text


def test_a_row_left_out_makes_the_totals_partial_even_without_a_count(store, tmp_path):
    rows = [dict(r) for r in ENTERPRISES]
    rows[3]["output"] = D(str(rows[3]["output"])) * 10000
    s = make_session(store, answers={})  # no 集群企业数量 yet: the files' 20 rows are the whole
    lines = converse(store, s.id, f"企业数据 {fill_workbook(tmp_path / 'a.xlsx', rows)}", "全部")
    assert ("文件中有 20 家企业（报告还没有填写“集群企业数量”，无法核对这些文件是否包括了集群的全部企业）；"
            "其中 1 行暂不计入（仅 19/20 家）") in lines[0]
    after = store.load(s.id)
    assert "enterprise_count" not in after.answers and "total_output" not in after.answers
    assert "sme_output_share" in after.answers and "“全部”没有采用" in lines[1]


# -- issue 23: bounded figures -----------------------------------------------------------------------------
@pytest.mark.parametrize("value, shown", [(1e30, "1×10^30"), (1e100, "1×10^100"), (1e308, "1×10^308"),
                                          (10**18, "1×10^18"), ("9" * 400, "1×10^400")],
                         ids=["1e30", "1e100", "1e308", "10^18", "400-digit-csv"])
def test_absurd_cells_are_refused_naming_file_row_column(store, tmp_path, capsys, value, shown):
    rows = [dict(r) for r in ENTERPRISES]
    rows[2]["output"] = value
    path = (write_csv(tmp_path / "采集表.csv", rows, encoding="utf-8") if isinstance(value, str)
            else fill_workbook(tmp_path / "采集表.xlsx", rows))
    s = cluster_of(store, 20)
    capsys.readouterr()
    assert main(["enterprises", s.id, str(path), "--yes"]) == 1
    out, err = capsys.readouterr()
    assert "意外错误" not in out + err
    assert (f"{path.name} 第 4 行“产值（万元）”：{shown} 万元 超过一家企业可能的上限（100000000 万元），"
            "请核对数字和单位（是否把“元”当成了“万元”）") in out + err
    assert store.load(s.id).answers == s.answers
    # the conversation (filing ask, the browser) refuses it and goes on
    reply_text = converse(store, s.id, f"企业数据 {path}", "进度")
    assert "超过一家企业可能的上限" in reply_text[0] and reply_text[1]


def test_the_collection_workbook_checks_the_same_maximum_while_typing(tmp_path):
    from openpyxl import load_workbook

    from assistant.interview.enterprises.workbook import write_workbook

    spec = load_spec("annual_report")
    path = tmp_path / "采集表.xlsx"
    path.write_bytes(write_workbook(spec, 2023))
    ws = load_workbook(path)[spec.sheet]
    col = next(i for i, c in enumerate(spec.columns, 1) if c.id == "output")
    letter = ws.cell(row=2, column=col).column_letter
    dv = next(d for d in ws.data_validations.dataValidation if f"{letter}2" in str(d.sqref))
    # (between is the default operator)
    assert dv.operator in (None, "between") and float(dv.formula1) == 0 and float(dv.formula2) == 100_000_000
    assert "不大于 100000000 的数字，单位为万元" in dv.error


def test_absurd_cluster_totals_are_not_proposed(store, tmp_path):
    rows = [dict(r, output=D(90_000_000), revenue=D(90_000_000), leading_output=None if r["is_leading"] == "否"
                 else D(80_000_000)) for r in ENTERPRISES]
    e = Engine.for_session(cluster_of(store, 20))
    result = propose(e, [fill_workbook(tmp_path / "大.xlsx", rows)])
    assert "total_output" not in {p.qid for p in result.proposals}
    why = dict(result.unavailable)["total_output"]
    assert why == "“集群企业产值之和”为 1800000000 万元，超过一个集群可能的上限（100000000 万元），请核对各企业填写的数字和单位"


def test_no_decimal_operation_raises_on_hostile_last_year_figures(store, tmp_path):
    s = cluster_of(store, 20)
    s.prior = [{"year": 2022, "title": "x", "source": {"kind": "file", "name": "x.json"},
                "answers": {"rd_expense": "0.000000000000000000000001", "patent_count": 1},
                "measures": {"leading_output": "0.000000000000000000000000000001", "exports": "1" + "0" * 23}}]
    rows = [dict(r, leading_output_prev=None, exports_prev=None) for r in ENTERPRISES]
    e = Engine.for_session(s)
    result = propose(e, [fill_workbook(tmp_path / "a.xlsx", rows)])  # must not raise
    why = dict(result.unavailable)
    assert why["leading_output_growth"] == "数字超出可以计算的范围，请核对各企业填写的数字和单位"
    # last year's 10^23 万元 of exports is no base (else a -100 % growth rate would be proposed)
    assert "export_growth" in why and "export_growth" not in {p.qid for p in result.proposals}


def test_spec_numbers_and_coverage_are_checked_when_loaded():
    spec_cols = [{"id": "c", "header": "代码", "type": "uscc", "key": True},
                 {"id": "v", "header": "产值", "type": "decimal", "unit": "万元"}]
    base = {"columns": spec_cols, "measures": {"v": {"sum": "v"}}}
    for bad in ({"indicators": [{"question": "q", "kind": "sum", "measure": "v"}]},  # no coverage
                {"indicators": [{"question": "q", "kind": "sum", "measure": "v", "coverage": "total", "scale": "x"}]},
                {"columns": [*spec_cols[:1], {**spec_cols[1], "max": "1e400"}]},
                {"measures": {"v": {"sum": "v", "max": "-1"}}}):
        with pytest.raises(SpecError):
            parse_spec({**base, **bad})
    assert all(i.coverage in ("total", "ratio") for i in load_spec("annual_report").indicators)


# -- issue 23: the same file twice; invisible characters ------------------------------------------------------
def test_the_same_file_twice_is_refused_as_such(tmp_path):
    spec = load_spec("annual_report")
    a = fill_workbook(tmp_path / "甲.xlsx", ENTERPRISES)
    b = tmp_path / "乙.xlsx"
    shutil.copy(a, b)
    with pytest.raises(DataError) as exc:
        read_rows([a, b], spec)
    assert exc.value.problems == ["乙.xlsx 与 甲.xlsx 是同一个文件（内容完全相同），请只给其中一个"]
    with pytest.raises(DataError) as exc:
        read_rows([a, a], spec)
    assert exc.value.problems == [f"{a} 给出了两次（同一个文件），请只给一次"]


def test_invisible_characters_are_stripped_from_codes_and_numbers_or_named(tmp_path):
    spec = load_spec("annual_report")
    rows = [dict(r) for r in ENTERPRISES[:4]]
    rows[0]["credit_code"] = code(1)[:6] + "\u200b" + code(1)[6:]
    rows[1]["credit_code"] = "\ufeff" + code(2) + "\u00a0"
    rows[2]["output"] = "\u200b1234.5\u2060"
    rows[3]["is_sme"] = "是\u200b"
    path = write_csv(tmp_path / "a.csv", rows, encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace("产值（万元）", "\u200b产值（万元）", 1), encoding="utf-8")
    got = read_rows([path], spec)
    assert got.values["credit_code"] == [code(i) for i in range(1, 5)]
    assert got.values["output"][2] == D("1234.5") and got.values["is_sme"][3] is True
    rows[0]["credit_code"] = code(1)[:17] + "\u200b"  # a digit missing: said, with what cannot be seen
    rows[2]["output"] = "1\u00a0234.5"  # a no-break space inside a number is not guessed away
    with pytest.raises(DataError) as exc:
        read_rows([write_csv(tmp_path / "b.csv", rows, encoding="utf-8")], spec)
    hidden = "（单元格里含有看不见的字符，如零宽空格、BOM 或不换行空格，请删除后重新输入）"
    assert exc.value.problems == [
        f"b.csv 第 2 行“统一社会信用代码”：统一社会信用代码应为 18 位，“{code(1)[:17]}”是 17 位{hidden}",
        f"b.csv 第 4 行“产值（万元）”：“1 234.5”不是数字{hidden}"]


# -- issue 22: a reason as typed ------------------------------------------------------------------------------
def test_a_kept_figures_reason_keeps_its_chinese_punctuation(store, tmp_path):
    s = cluster_of(store, 20)
    said = converse(store, s.id, f"企业数据 {fill_workbook(tmp_path / 'a.xlsx', ENTERPRISES)}",
                    f"保留 1 原因：{REASON}（见附件）；已核对")[1]
    want = f"{REASON}（见附件）；已核对"
    assert f"（原因：{want}）" in said
    assert store.load(s.id).evidence["total_output"]["kept"]["reason"] == want

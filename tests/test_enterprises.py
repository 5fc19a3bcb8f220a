"""Enterprise data → the form's figures with evidence (issue 12): every indicator checked by hand."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from conftest import make_session, sample_answers
from enterprise_support import ENTERPRISES, code, enterprise, fill_workbook, write_csv
from hypothesis import given
from hypothesis import strategies as st

from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.interview.enterprises.columns import load_spec
from assistant.interview.enterprises.dialog import reply, start
from assistant.interview.enterprises.proposals import propose
from assistant.interview.enterprises.reader import DataError, read_rows
from assistant.session.store import SessionStore

D = Decimal


def r2(x: Decimal) -> str:
    return str(x.quantize(D("0.01"), rounding=ROUND_HALF_UP))


def plain(x: Decimal) -> str:
    """How the evidence prints a figure: no trailing zeros on a whole number."""
    return format(x.normalize(), "f") if x == x.to_integral_value() else str(x)


def num(v) -> Decimal:
    return D(str(v))


def sums(key, where=lambda e: True):
    return sum((num(e[key]) for e in ENTERPRISES if where(e)), D(0))


def sme(e):
    return e["is_sme"] == "是"


def leading(e):
    return e["is_leading"] == "是"


def industrial(e):
    return e["is_industrial"] == "是"


def expected() -> dict:
    """Every figure computed here from the fixture, by hand (not by the package)."""
    out = sums("output")
    rd, rd_prev = sums("rd_expense", sme), sums("rd_expense_prev", sme)
    lead, lead_prev = sums("leading_output", leading), sums("leading_output_prev", leading)
    pat, pat_prev = sums("patents", sme), sums("patents_prev", sme)
    energy, energy_prev = sums("energy", industrial), sums("energy_prev", industrial)
    ind_out, ind_out_prev = sums("output", industrial), sums("output_prev", industrial)
    return {
        "total_output": r2(out / 10000),
        "sme_output_share": r2(sums("output", sme) / out * 100),
        "leading_output_share": r2(lead / out * 100),
        "leading_output_growth": r2((lead - lead_prev) / lead_prev * 100),
        "enterprise_count": 20, "sme_count": 18,
        "specialized_count": 3, "little_giant_count": 1, "champion_count": 1, "hightech_count": 3,
        "innovative_count": 1,
        "rd_expense": r2(rd), "rd_intensity": r2(rd / sums("revenue", sme) * 100),
        "rd_growth": r2((rd - rd_prev) / rd_prev * 100),
        "sme_employees": int(sums("employees", sme)), "rd_staff_count": int(sums("rd_staff", sme)),
        "patent_count": int(pat), "patent_growth": r2((pat - pat_prev) / pat_prev * 100),
        "cloud_enterprises": 10, "cloud_base": 20, "iip_enterprises": 6, "iip_base": 18,
        "software_purchase": r2(sums("software")), "co2_emission": r2(sums("co2")), "co2_output": r2(out),
        "energy_reduction": r2((1 - (energy / ind_out) / (energy_prev / ind_out_prev)) * 100),
        "water_reuse": r2(sums("water_reused") / (sums("water_new") + sums("water_reused")) * 100),
        "overseas_branch_count": 2,
        "export_growth": r2((sums("exports") - sums("exports_prev")) / sums("exports_prev") * 100),
        "fdi_growth": r2((sums("fdi") - sums("fdi_prev")) / sums("fdi_prev") * 100),
    }


@pytest.fixture
def workbook(tmp_path) -> Path:
    return fill_workbook(tmp_path / "企业数据采集表.xlsx", ENTERPRISES)


def whole_cluster(store: SessionStore, n: int = 20):
    """The sample report of a cluster of n enterprises (the workbook covers all of them)."""
    return make_session(store, answers={**sample_answers(), "enterprise_count": str(n), "sme_count": str(n - 2)})


def new_engine(store: SessionStore, answers: dict | None = None) -> Engine:
    session = make_session(store, answers=answers or {})
    return Engine.for_session(session)


def test_every_indicator_computed_by_hand(store, workbook):
    e = new_engine(store)
    result = propose(e, [workbook])
    got = {p.qid: p.value for p in result.proposals}
    want = expected()
    for qid, value in want.items():
        assert got.get(qid) == value, (qid, got.get(qid), value)
    # negative growth is proposed as it is; the non-SMEs (1, 2) are outside every SME sum
    assert want["leading_output_growth"].startswith("-") and want["fdi_growth"].startswith("-")
    assert got["rd_expense"] == r2(sum((D(40) + i for i in range(3, 21)), D(0)))
    # lists: leading-industry enterprises holding that designation (16 is 专精特新 but not in the leading
    # industry); 3, a 小巨人 that is also 市级专精特新, counts in both rows
    assert [r["credit_code"] for r in got["specialized_list"]] == [code(3), code(4), code(5)]
    assert [r["credit_code"] for r in got["little_giant_list"]] == [code(3)]
    assert got["champion_list"] == [{"name": "示例企业03有限公司", "credit_code": code(3), "product": "高精度压力传感器"}]
    assert got["overseas_branch_list"] == [
        {"name": "新加坡分公司", "region": "新加坡", "owner": "示例企业03有限公司"},
        {"name": "慕尼黑办事处", "region": "德国", "owner": "示例企业03有限公司"}]
    # the zero denominator: a clear message, no figure
    assert "waste_utilization" not in got
    why = dict(result.unavailable)["waste_utilization"]
    assert "为 0" in why and "除数" in why
    # evidence: formula, numerator, denominator, N, files with SHA-256
    ev = next(p.evidence for p in result.proposals if p.qid == "sme_output_share")
    assert D(ev["numerator"]["value"]) == sums("output", sme) and D(ev["denominator"]["value"]) == sums("output")
    assert ev["n"] == 20 and ev["files"][0]["name"] == workbook.name and len(ev["files"][0]["sha256"]) == 64


def test_municipal_champion_asked_only_without_national(store, tmp_path):
    rows = [dict(r, champion="无", is_little_giant="否") for r in ENTERPRISES]
    rows[6]["champion"] = "市级"
    e = new_engine(store)
    got = {p.qid: p.value for p in propose(e, [fill_workbook(tmp_path / "a.xlsx", rows)]).proposals}
    assert got["municipal_champion_count"] == 1 and got["champion_count"] == 0
    e2 = new_engine(SessionStore())
    got2 = {p.qid for p in propose(e2, [fill_workbook(tmp_path / "b.xlsx", ENTERPRISES)]).proposals}
    assert "municipal_champion_count" not in got2  # a national champion exists: the form does not ask


@pytest.mark.parametrize("mutate, where", [
    (lambda r: r[4].update(credit_code=r[4]["credit_code"][:-1] + ("0" if r[4]["credit_code"][-1] != "0" else "1")),
     ("第 6 行", "统一社会信用代码", "校验位")),
    (lambda r: r[7].update(credit_code=r[2]["credit_code"]), ("第 9 行", "第 4 行", "重复")),
    (lambda r: r[3].update(output="一千"), ("第 5 行", "产值（万元）", "不是数字")),
    (lambda r: r[10].update(rd_expense=-5), ("第 12 行", "研发费用（万元）", "：-5 是负数")),
    (lambda r: r[5].update(rd_staff=9999), ("第 7 行", "研发人员数", "从业人员期末人数")),
    (lambda r: r[8].update(waste_generated=1, waste_used=5), ("第 10 行", "综合利用量", "产生量")),
    (lambda r: r[0].update(name=None), ("第 2 行", "企业名称", "必填")),
    (lambda r: r[2].update(is_specialized="省级"), ("第 4 行", "是否市级专精特新中小企业")),
    (lambda r: r[1].update(employees="12.5"), ("第 3 行", "从业人员期末人数", "不是整数")),
])
def test_every_problem_refused_naming_file_row_column(store, tmp_path, mutate, where):
    rows = [dict(r) for r in ENTERPRISES]
    mutate(rows)
    path = fill_workbook(tmp_path / "采集表.xlsx", rows)
    session = make_session(store, answers={})
    before = store.path(session.id).read_bytes()
    with store.open(session.id) as handle:
        e = Engine.for_session(handle.session)
        t = start(e, [str(path)])
        assert t.refused and handle.session.pending is None and handle.session.evidence == {}
        text = t.messages[0]
        assert "采集表.xlsx" in text and "没有采用任何数据" in text
        for part in where:
            assert part in text, (part, text)
    assert store.path(session.id).read_bytes() == before


def test_same_enterprise_in_two_files_refused(store, tmp_path):
    a = fill_workbook(tmp_path / "甲.xlsx", ENTERPRISES[:3])
    b = write_csv(tmp_path / "乙.csv", [ENTERPRISES[2]])
    with pytest.raises(DataError) as exc:
        read_rows([a, b], load_spec("annual_report"))
    assert "乙.csv 第 2 行" in str(exc.value) and "甲.xlsx 第 4 行" in str(exc.value)


def test_per_enterprise_files_and_gbk_csv(store, tmp_path):
    paths = []
    for i, row in enumerate(ENTERPRISES):
        if i % 2:
            paths.append(write_csv(tmp_path / f"企业{i:02d}.csv", [row], encoding=["gbk", "utf-8-sig", "utf-8"][i % 3]))
        else:
            paths.append(fill_workbook(tmp_path / f"企业{i:02d}.xlsx", [row]))
    e = new_engine(store)
    result = propose(e, paths)
    got = {p.qid: p.value for p in result.proposals}
    assert result.n == 20 and len(result.files) == 20
    for qid, value in expected().items():
        assert got.get(qid) == value, qid


def test_unknown_header_and_missing_column_refused(store, tmp_path):
    path = write_csv(tmp_path / "x.csv", ENTERPRISES[:2], encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace("研发人员数", "研发人数", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as exc:
        read_rows([path], load_spec("annual_report"))
    assert "无法识别的列“研发人数（人）”" in str(exc.value) and "缺少必填的列：研发人员数（人）" in str(exc.value)


def test_accept_some_keep_one_with_reason_through_the_conversation(store, workbook):
    session = make_session(store, answers={"total_output": "5", "sme_count": "17"})
    with store.open(session.id) as handle:
        conv = Conversation(Engine.for_session(handle.session), handle.save)
        r = conv.handle(f"企业数据 {workbook}")
        text = "\n".join(r.messages)
        assert "根据 20 家企业的数据" in text and "4.88 亿元（当前 5.00 亿元）" in text and "18（当前 17）" in text
        assert conv.choices() is None  # typed choices: a number names a proposal, not a one-key row
        waiting = conv.view().pending.prompt  # what the question panel shows under the question
        assert "“全部”、序号" in waiting and "直接回车不会采用" in waiting and "回车或“是”确认" not in waiting
        r = conv.handle("")  # a habitual Enter applies nothing and the batch still waits
        assert r.messages[0].startswith("直接回车不会采用任何数据。请选择")
        assert handle.session.pending is not None and handle.session.answers["total_output"] == "5.00"
        r = conv.handle("2 3 保留 1 6 原因：以统计局年报为准")
        text = "\n".join(r.messages)
        assert "已采用 2 项" in text and "保留您的 5.00 亿元" in text
        s = handle.session
        assert s.answers["total_output"] == "5.00" and s.answers["sme_count"] == 17
        assert s.answers["sme_output_share"] == expected()["sme_output_share"]
        assert s.evidence["total_output"]["kept"]["reason"] == "以统计局年报为准"
        assert "leading_output_share" in s.evidence and "rd_expense" not in s.answers
        assert s.pending is None
        # the same workbook again: the kept figure is marked, and 全部 leaves it as the operator decided
        text = "\n".join(conv.handle(f"企业数据 {workbook}").messages)
        line = next(x for x in text.splitlines() if "集群总产值" in x)
        assert "您上次保留了自己的数字，原因：以统计局年报为准，“全部”不会改动它" in line
        number = int(line.split(".")[0])
        text = "\n".join(conv.handle("全部").messages)
        assert "项有改动" in text and "项与原答案相同" in text
        assert s.answers["total_output"] == "5.00" and s.evidence["total_output"]["kept"]["reason"] == "以统计局年报为准"
        conv.handle(f"企业数据 {workbook}")
        conv.handle(str(number))  # chosen by its number: the computed figure replaces the kept one
        assert s.answers["total_output"] == "4.88" and "kept" not in s.evidence["total_output"]


def test_refused_choice_keeps_the_batch_and_cancel_changes_nothing(store, workbook):
    e = new_engine(store)
    start(e, [str(workbook)])
    t = reply(e, "99")
    assert t.refused and e.session.pending is not None
    t = reply(e, "保留 1 原因：x")  # nothing current to keep
    assert t.refused and "当前没有填写" in t.messages[0]
    t = reply(e, "取消")
    assert not t.refused and e.session.pending is None and e.session.answers == {} and e.session.evidence == {}


def test_reimport_shows_what_changed(store, tmp_path):
    e = new_engine(store)
    start(e, [str(fill_workbook(tmp_path / "v1.xlsx", ENTERPRISES[:19]))])
    reply(e, "全部")
    before = dict(e.session.answers)
    rows = [dict(r) for r in ENTERPRISES[1:]]
    rows[0]["output"] = D("9999")
    t = start(e, [str(fill_workbook(tmp_path / "v2.xlsx", rows))])
    text = t.messages[0]
    assert (f"与上次导入（19 家企业）相比：新增 1 家（统一社会信用代码 {ENTERPRISES[19]['credit_code']}），"
            f"减少 1 家（统一社会信用代码 {ENTERPRISES[0]['credit_code']}）") in text
    assert "上次导入为" in text and e.session.answers == before  # shown, not applied
    reply(e, "全部")
    assert e.session.answers["enterprise_count"] == 19 and e.session.answers["total_output"] != before["total_output"]


def test_round_trip_cli_export_docx_and_json(store, tmp_path, workbook, capsys):
    from docx import Document

    from assistant.frontends.cli import main

    session = whole_cluster(store)  # the sample report: answers there, the data replaces them
    assert main(["enterprises", session.id, str(workbook), "--yes"]) == 0
    said = capsys.readouterr().out
    assert "请选择" not in said and "项有改动" in said  # --yes chose already: no question printed
    s = store.load(session.id)
    assert s.answers["total_output"] == expected()["total_output"] and "total_output" in s.evidence
    out = tmp_path / "报告.docx"
    assert main(["export", session.id, "--format", "docx", "-o", str(out), "--draft"]) == 0
    doc = Document(str(out))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    joined = "\n".join(cells)
    assert "中小企业产值之和 ÷ 全部企业产值之和 × 100%" in joined
    assert f"集群中小企业产值之和 = {plain(sums('output', sme))} 万元（18 家企业）" in joined
    assert f"集群企业产值之和 = {plain(sums('output'))} 万元（20 家企业）" in joined
    assert "（本年主导产业产值 − 上年主导产业产值）÷ 上年主导产业产值 × 100%" in joined
    assert s.evidence["total_output"]["files"][0]["sha256"] in joined
    # JSON: the evidence goes out and comes back with import-report
    j = tmp_path / "报告.json"
    assert main(["export", session.id, "--format", "json", "-o", str(j), "--draft"]) == 0
    data = json.loads(j.read_text(encoding="utf-8"))
    assert data["evidence"]["rd_intensity"]["source"] == "enterprises"
    assert D(data["evidence"]["rd_intensity"]["denominator"]["value"]) == sums("revenue", sme)
    from assistant.interview.json_report import load_report

    again, _ = load_report(j, store)
    assert again.evidence == {k: v for k, v in s.evidence.items() if k in again.evidence}
    assert set(again.evidence) == set(data["evidence"]) - {"rd_staff_share", "patents_per_10k", "cloud_rate",
                                                              "iip_rate", "co2_intensity"}


def test_import_report_refuses_bad_evidence(store, tmp_path, workbook):
    from assistant.errors import UserError
    from assistant.frontends.cli import main
    from assistant.interview.json_report import load_report

    session = whole_cluster(store)
    main(["enterprises", session.id, str(workbook), "--yes"])
    j = tmp_path / "r.json"
    main(["export", session.id, "--format", "json", "-o", str(j), "--draft"])
    data = json.loads(j.read_text(encoding="utf-8"))
    data["evidence"]["total_output"]["files"][0]["sha256"] = "not-a-hash"
    j.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    n = len(list(store.ids()))
    with pytest.raises(UserError) as exc:
        load_report(j, store)
    assert "total_output" in str(exc.value) and "SHA-256" in str(exc.value)
    assert len(list(store.ids())) == n


def test_old_session_file_migrates(store):
    session = make_session(store)
    path = store.path(session.id)
    data = json.loads(path.read_text(encoding="utf-8"))
    for k in ("evidence", "carried", "prior", "enterprise_data"):
        data.pop(k)
    data["schema_version"] = 2
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    s = store.load(session.id)
    assert s.evidence == {} and s.carried == [] and s.prior == []


@pytest.mark.parametrize("field, value", [
    ("evidence", {"total_output": {"source": "enterprises", "formula": "x", "numerator": {"label": "a", "value": "x1"},
                                   "value": "1.00"}}),
    ("evidence", {"total_output": {"source": "guess"}}),
    ("carried", "cluster_name"),
    ("prior", [{"year": 1800, "answers": {}}]),
    ("enterprise_data", {"codes": [1, 2]}),
])
def test_damaged_enterprise_fields_refused(store, field, value):
    from assistant.session.store import SessionCorrupt

    session = make_session(store, answers={})
    path = store.path(session.id)
    data = json.loads(path.read_text(encoding="utf-8"))
    data[field] = value
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SessionCorrupt):
        store.load(session.id)


def test_enterprise_helper_code_is_valid():
    from assistant.form.parse import parse_uscc

    for i in range(1, 21):
        assert parse_uscc(None, code(i)).value == code(i)  # type: ignore[arg-type]
    assert enterprise(3)["is_little_giant"] == "是"


@pytest.mark.parametrize(("line", "windows", "paths"), [
    (r"C:\Users\张三\Desktop\采集表.xlsx", True, [r"C:\Users\张三\Desktop\采集表.xlsx"]),
    (r'"C:\Users\张三\企业 数据\甲.xlsx" D:\乙.csv', True, [r"C:\Users\张三\企业 数据\甲.xlsx", r"D:\乙.csv"]),
    (r"\\server\共享\采集表.xlsx", True, [r"\\server\共享\采集表.xlsx"]),
    ("“C:\\企业 数据\\甲.xlsx”", True, ["C:\\企业 数据\\甲.xlsx"]),
    (r"/home/张三/采集\ 表.xlsx '/tmp/a b.csv'", False, ["/home/张三/采集 表.xlsx", "/tmp/a b.csv"]),
])
def test_paths_typed_as_each_system_writes_them(line, windows, paths):
    from assistant.paths import join_paths, split_paths

    assert split_paths(line, windows=windows) == paths
    assert split_paths(join_paths(paths, windows=windows), windows=windows) == paths


def test_an_unclosed_quote_is_refused_not_guessed():
    from assistant.paths import split_paths

    for windows in (True, False):
        with pytest.raises(ValueError):
            split_paths('"C:\\企业 数据\\甲.xlsx', windows=windows)


@given(st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\"'“”‘’"),
                        min_size=1, max_size=30), min_size=1, max_size=4), st.booleans())
def test_joined_paths_split_back_to_the_same(paths, windows):
    from assistant.paths import join_paths, split_paths

    if windows:  # a Windows path is never empty nor all spaces
        paths = [p for p in paths if p.strip()] or ["a"]
    assert split_paths(join_paths(paths, windows=windows), windows=windows) == paths


def test_the_command_word_on_a_text_question_is_asked_about_never_stored(store, tmp_path):
    """企业数据 typed alone (or with a file that is not there) on 集群名称 could be the name or the command."""
    session = make_session(store, answers={})
    with store.open(session.id) as handle:
        conv = Conversation(Engine.for_session(handle.session), handle.save)
        qid = conv.engine.current().id
        r = conv.handle("企业数据")
        assert "1. 作为答案　2. 用企业数据表计算" in "\n".join(r.messages)
        assert qid not in handle.session.answers
        r = conv.handle("")  # a bare Enter guesses nothing
        assert r.refused and qid not in handle.session.answers
        r = conv.handle("2")
        assert "请在“企业数据”后面写上企业数据采集表的路径" in "\n".join(r.messages)
        assert qid not in handle.session.answers and conv.engine.current().id == qid
        conv.handle(f"企业数据 {tmp_path / '没有这个.xlsx'}")
        r = conv.handle("2")
        assert r.refused and "没有这个.xlsx" in "\n".join(r.messages) and qid not in handle.session.answers
        conv.handle("企业数据")
        conv.handle("1")
        assert handle.session.answers[qid] == "企业数据"  # chosen as the answer
        conv.handle(f"跳到 {conv.engine.label(qid)}")
        conv.handle("企业数据 显示本集群去年增长较快")  # a sentence, not file names: an answer
        assert handle.session.answers[qid] == "企业数据 显示本集群去年增长较快"


def test_numbers_out_of_range_are_named_and_huge_ranges_cost_nothing(store, workbook):
    e = new_engine(store)
    start(e, [str(workbook)])
    n = len(e.session.pending.items)
    for text in ("99", "1 - 999999999", "1-999999999", "9" * 5000, f"1 {n + 1}"):
        t = reply(e, text)
        assert t.refused and t.messages[0] == f"没有这一项：序号应在 1–{n} 之间（如“1 3 5”或“1-4”）。", text
    assert reply(e, "1 - 2").messages[0].startswith("已采用 2 项")


def test_each_designation_is_counted_by_its_own_column(store, workbook):
    """Designations overlap (a 小巨人 is normally also 市级专精特新): each row of the form counts its own."""
    e = new_engine(store)
    t = start(e, [str(workbook)])
    text = "\n".join(t.said())
    assert text.count("各称号按每家企业各自的填写分别计数") == 1
    ev = {p.qid: p.evidence for p in e.session.pending.items}
    assert "是否市级专精特新中小企业" in ev["specialized_count"]["formula"]


def test_a_unit_slip_and_a_repeated_name_are_said_but_do_not_stop_the_data(store, tmp_path):
    rows = [dict(r) for r in ENTERPRISES]
    rows[3]["output"] = D(rows[3]["output"]) * 10000  # 元 typed into a 万元 column
    rows[6]["name"] = rows[5]["name"]  # the same name, two codes
    path = fill_workbook(tmp_path / "采集表.xlsx", rows)
    e = new_engine(store)
    t = start(e, [str(path)])
    assert not t.refused and e.session.pending.items
    text = t.messages[0]
    # the unit slip: the row is left out until confirmed (test_enterprises_integrity); the repeated name is said
    assert text.startswith("以下 1 行的数字看起来有误，暂不计入任何结果（下面的结果不含这几行）：\n"
                           "  ⚠ A. 采集表.xlsx 第 5 行：产值（")
    assert "相差 1000 倍以上，请核对是否把“元”当成了“万元”" in text
    assert ("请先核对以下数据（下面的结果仍按原样计算）：\n"
            f"  ⚠ 采集表.xlsx 第 7、8 行：企业名称“{rows[5]['name']}”出现了不止一次") in text
    assert f"产值（{D(rows[3]['output']).normalize():f} 万元）" in text  # as typed, no trailing .0


def test_an_old_xls_renamed_xlsx_is_refused_with_the_advice_once(store, tmp_path):
    path = tmp_path / "采集表.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)  # an OLE (.xls) file
    session = make_session(store, answers={})
    with store.open(session.id) as handle:
        t = start(Engine.for_session(handle.session), [str(path)])
    text = t.messages[0]
    assert t.refused and "旧版 .xls" in text and text.count("另存为") == 1, text


def test_adopting_figures_equal_to_the_answers_says_nothing_changed(store, workbook):
    e = new_engine(store)
    start(e, [str(workbook)])
    reply(e, "全部")
    before = dict(e.session.answers)
    start(e, [str(workbook)])
    t = reply(e, "全部")
    assert t.messages[0].startswith("已采用 ") and "：计算结果都与原答案相同，答案没有改动。" in t.messages[0]
    assert e.session.answers == before


def test_rd_expense_above_revenue_is_a_warning_and_the_row_still_counts(store, tmp_path):
    """A pre-revenue biotech or IC-design SME spends more on R&D than it earns: said, never refused."""
    rows = [dict(r) for r in ENTERPRISES]
    rows[5].update(revenue=Decimal(30), rd_expense=Decimal(900))  # enterprise 6, an SME, row 7
    result = propose(new_engine(store), [fill_workbook(tmp_path / "采集表.xlsx", rows)])
    said = [w for w in result.warnings if "研发费用" in w]
    assert len(said) == 1 and "第 7 行" in said[0] and "900" in said[0] and "创新药" in said[0]
    got = {p.qid: p.value for p in result.proposals}
    rd = sum((D(r["rd_expense"]) for r in rows if sme(r)), D(0))
    assert got["rd_expense"] == r2(rd)  # the row is in the sum


def test_an_sme_designation_on_a_large_enterprise_is_said(store, tmp_path):
    """创新型 / 专精特新 / 小巨人 are SME designations: a row saying 否 to 是否中小企业 and 是 to one of them
    is named (the data still counts; the report's designation counts are checked against the SME count)."""
    rows = [dict(r) for r in ENTERPRISES]
    rows[0].update(is_specialized="是")  # enterprise 1 is not an SME; row 2
    result = propose(new_engine(store), [fill_workbook(tmp_path / "采集表.xlsx", rows)])
    said = [w for w in result.warnings if "中小企业才有的称号" in w]
    assert len(said) == 1 and "第 2 行" in said[0] and "示例企业01有限公司" in said[0]
    clean = propose(new_engine(SessionStore()), [fill_workbook(tmp_path / "b.xlsx", ENTERPRISES)])
    assert not [w for w in clean.warnings if "中小企业才有的称号" in w]

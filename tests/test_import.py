"""`filing import`: .xlsx and CSV (UTF-8, UTF-8 with BOM, GBK) lists; bad files refused, nothing applied."""

from __future__ import annotations

import json

import pytest
from conftest import make_session, sample_answers
from openpyxl import Workbook
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from assistant.files import tables
from assistant.files.tables import read_table
from assistant.form.catalog import load_flow
from assistant.frontends import cli_import
from assistant.frontends.cli import main
from assistant.frontends.cli_import import run_import
from assistant.interview import lists
from assistant.interview.engine import Engine
from assistant.interview.lists import match_headers

PATENTS = sample_answers()["patent_list"]
HEADER = ["序号", "专利名称", "授权号", "专利类型", "权利人"]


def patent_rows(n: int | None = None) -> list[list[str]]:
    rows = PATENTS if n is None else [PATENTS[i % len(PATENTS)] for i in range(n)]
    return [[str(i), r["name"], r["number"], r["kind"], r["holder"]] for i, r in enumerate(rows, 1)]


def write_csv(path, rows, encoding: str, header=HEADER) -> None:
    text = "".join(",".join(r) + "\r\n" for r in [header, *rows])
    path.write_bytes(text.encode(encoding))


def write_xlsx(path, rows, header=HEADER) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)


@pytest.fixture
def session(store):
    # the sample report, but with no patent list and the count saying 30
    answers = {k: v for k, v in sample_answers().items() if k != "patent_list"}
    answers["patent_count"] = "30"
    return make_session(store, "annual", answers=answers)


def snapshot(store, sid) -> str:
    return json.dumps(store.load(sid).answers, sort_keys=True, ensure_ascii=False)


@pytest.mark.parametrize("kind", ["xlsx", "utf-8", "utf-8-sig", "gbk"])
def test_import_each_format(store, session, tmp_path, capsys, monkeypatch, kind):
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps cells at 80 columns when not on a terminal
    path = tmp_path / ("专利.xlsx" if kind == "xlsx" else "专利.csv")
    if kind == "xlsx":
        write_xlsx(path, patent_rows())
    else:
        write_csv(path, patent_rows(), kind)
    headers, rows = read_table(path)
    assert headers == HEADER and len(rows) == 36 and rows[0][1] == PATENTS[0]["name"]
    assert main(["import", session.id, "patent_list", str(path), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "共 36 行" in out and PATENTS[0]["name"] in out  # the preview: count and first rows
    assert "由 30 改为 36" in out
    saved = store.load(session.id)
    assert len(saved.answers["patent_list"]) == 36
    assert saved.answers["patent_list"][-1]["kind"] == "ic_layout"
    assert saved.answers["patent_count"] == 36
    engine = Engine.for_session(saved)
    assert not [f for f in engine.findings() if f.rule == "patent_list_matches"]


def test_gbk_is_detected_not_asked(tmp_path):
    path = tmp_path / "gbk.csv"
    write_csv(path, patent_rows(3), "gb18030")
    assert tables.read_table_full(path).encoding == "gbk"
    path2 = tmp_path / "bom.csv"
    write_csv(path2, patent_rows(3), "utf-8-sig")
    assert read_table(path2)[0][0] == "序号"  # BOM not glued to the first header


def test_headers_by_name_or_alias_in_any_order():
    q = load_flow("annual")["patent_list"]
    cols = match_headers(q, ["权利人", "类型", "专利号/登记号", "名称"])
    assert [c.id for c in cols] == ["holder", "kind", "number", "name"]
    cols = match_headers(q, ["序号", "发明名称", "证书号", "种类", "权利人", ""])
    assert [c and c.id for c in cols] == [None, "name", "number", "kind", "holder", None]


BAD_CASES = {
    "wrong_header": ("表头不对", 1),
    "missing_column": ("表头缺少必填的列", 1),
    "bad_row": ("第 4 行", 1),
    "empty": ("是空的", 4),
    "header_only": ("只有表头", 1),
    "binary": ("不是表格文件", 4),
    "fake_xlsx": ("不是有效的 Excel", 4),
    "xls": ("旧版 Excel", 4),
    "missing_file": ("找不到文件", 4),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_files_are_refused_and_nothing_changes(store, session, tmp_path, capsys, case):
    path = tmp_path / "名单.csv"
    if case == "wrong_header":
        write_csv(path, patent_rows(3), "utf-8", header=["公司", "金额", "日期", "备注"])
    elif case == "missing_column":
        write_csv(path, [r[:3] for r in patent_rows(3)], "utf-8", header=HEADER[:3])
    elif case == "bad_row":
        rows = patent_rows(5)
        rows[2][3] = "外观设计"  # not one of the seven kinds: spreadsheet row 4 (header is row 1)
        write_csv(path, rows, "gbk")
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "header_only":
        write_csv(path, [], "utf-8")
    elif case == "binary":
        path.write_bytes(bytes(range(256)) * 4)
    elif case == "fake_xlsx":
        path = tmp_path / "名单.xlsx"
        path.write_text("这不是 Excel 文件", encoding="utf-8")
    elif case == "xls":
        path = tmp_path / "名单.xls"
        path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    elif case == "missing_file":
        path = tmp_path / "没有.csv"
    before = snapshot(store, session.id)
    want, code = BAD_CASES[case]
    assert main(["import", session.id, "patent_list", str(path), "--yes"]) == code
    err = capsys.readouterr().err
    assert want in err and "Traceback" not in err
    if case == "bad_row":
        assert "“外观设计”不是可选项" in err
    assert snapshot(store, session.id) == before


def test_unknown_list_and_unknown_session(store, session, tmp_path, capsys):
    path = tmp_path / "p.csv"
    write_csv(path, patent_rows(2), "utf-8")
    assert main(["import", session.id, "no_such_list", str(path), "--yes"]) == 1
    assert "不是本表单的名单" in capsys.readouterr().err
    assert main(["import", session.id, "patent_count", str(path), "--yes"]) == 1  # a count, not a list
    assert main(["import", "nosuch", "patent_list", str(path), "--yes"]) == 3
    assert "找不到会话" in capsys.readouterr().err


def test_without_tty_and_without_yes_it_asks_for_yes(store, session, tmp_path, capsys, monkeypatch):
    path = tmp_path / "p.csv"
    write_csv(path, patent_rows(2), "utf-8")
    monkeypatch.setattr(cli_import, "_interactive", lambda: False)
    before = snapshot(store, session.id)
    assert main(["import", session.id, "patent_list", str(path)]) == 2
    assert "--yes" in capsys.readouterr().err
    assert snapshot(store, session.id) == before


@pytest.mark.parametrize("answer,applied", [("y", True), ("n", False)])
def test_confirmation_prompt(store, session, tmp_path, capsys, monkeypatch, answer, applied):
    path = tmp_path / "p.xlsx"
    write_xlsx(path, patent_rows(4))
    monkeypatch.setattr(cli_import, "_interactive", lambda: True)
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(answer)
        rc = run_import(session.id, "patent_list", path)
    assert rc == (0 if applied else 1)
    saved = store.load(session.id).answers
    assert ("patent_list" in saved) is applied
    assert saved["patent_count"] == (4 if applied else 30)


def test_list_without_count_question_reports_its_check(store, tmp_path, capsys):
    s = make_session(store, "annual")
    path = tmp_path / "标准.csv"
    std = sample_answers()["standards_list"][:2]
    path.write_text("标准名称,标准编号,类别,主持/参与,排名\n" + "".join(
        f"{r['name']},{r['number']},{r['category']},{r['role']},{r['rank']}\n" for r in std), encoding="utf-8")
    rc = run_import(s.id, "standards_list", path, yes=True)
    out = capsys.readouterr().out
    assert rc == 0 and "已导入 2 行" in out
    assert "标准清单中按类别" in out  # the list no longer matches the standards table: said at once


def test_headers_printed_with_the_report_year_match_and_errors_name_the_printed_label(store, tmp_path):
    session = make_session(store, answers={}, year=2025)
    engine = Engine.for_session(session)
    good = tmp_path / "targets.csv"
    labels = {o.id: o.label for o in engine.flow["targets"].columns[0].options}
    printed = "".join(f"{labels[r['direction']]},{r['indicator']},10%,12.35%\n" for r in engine.flow["targets"].preset_rows)
    good.write_text("方向,指标,2025 年目标值,2025 年完成值\n" + printed, encoding="utf-8")
    rows = lists.load_rows(engine, "targets", good)
    assert rows[0]["target"] == "10%" and rows[0]["actual"] == "12.35%"
    bad = tmp_path / "missing.csv"
    bad.write_text("方向,指标,2025 年目标值\n主导产业,集群产值年均增速,10%\n", encoding="utf-8")
    with pytest.raises(tables.TableError) as exc:
        lists.load_rows(engine, "targets", bad)
    assert "2025 年完成值" in str(exc.value) and "{year}" not in str(exc.value)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_extra_column_is_ignored_with_a_note_naming_it(store, session, tmp_path, capsys, kind):
    """An export with one more column (授权日期) imports its list; the column is named as left out."""
    header = [*HEADER[:3], "授权日期", *HEADER[3:]]
    rows = [[*r[:3], "2021-05-01", *r[3:]] for r in patent_rows()]
    path = tmp_path / f"专利导出.{kind}"
    if kind == "xlsx":
        write_xlsx(path, rows, header)
    else:
        write_csv(path, rows, "utf-8", header)
    assert main(["import", session.id, "patent_list", str(path), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "“授权日期”不是本名单的列，已忽略" in out
    saved = store.load(session.id).answers["patent_list"]
    assert len(saved) == len(PATENTS) and all(set(r) == {"name", "number", "kind", "holder"} for r in saved)
    assert [r["number"] for r in saved] == [r["number"] for r in PATENTS]
    said = [m["text"] for m in store.load(session.id).transcript]
    assert any("授权日期" in t for t in said)  # the transcript keeps what was left out


def test_an_extra_column_does_not_excuse_a_missing_one(store, session, tmp_path, capsys):
    header = ["序号", "专利名称", "授权号", "授权日期", "权利人"]  # 专利类型 missing, 授权日期 extra
    write_csv(tmp_path / "x.csv", [[*r[:3], "2021-05-01", r[4]] for r in patent_rows(3)], "utf-8", header)
    before = snapshot(store, session.id)
    assert main(["import", session.id, "patent_list", str(tmp_path / "x.csv"), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "缺少必填的列" in err and "类型" in err and "授权日期" in err
    assert snapshot(store, session.id) == before


def test_load_rows_names_the_ignored_columns_for_every_front_end(store, tmp_path):
    session = make_session(store, answers={})
    engine = Engine.for_session(session)
    path = tmp_path / "p.csv"
    write_csv(path, [[*r, "备注文字"] for r in patent_rows(2)], "utf-8", [*HEADER, "备注\x1b[31m"])
    rows = lists.load_rows(engine, "patent_list", path)
    assert len(rows) == 2 and "备注" in lists.ignored_columns(rows) and "\x1b" not in lists.ignored_columns(rows)
    assert lists.ignored_columns(list(rows)) == ""
    from assistant.interview.conversation import Conversation

    reply = Conversation(engine).imported("patent_list", rows, "p.csv")  # the TUI's and filing ask's path
    assert any("“备注" in m and "已忽略" in m for m in reply.messages)
    assert session.answers["patent_list"] == list(rows)

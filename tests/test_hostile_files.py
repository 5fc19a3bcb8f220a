"""Hostile files through the real CLI: each works or is refused in Chinese, in bounded time and memory.

The corpus is generated here: YAML bombs and tags, endless streams, a huge number of keys, .xlsx files
patched by hand (declared dimension, DTDs, formulas without results, far cells), and CSVs in encodings
that decode as GB18030 but are not. Exit codes as in README: 4 the file cannot be read, 1 refused values.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import zipfile
from pathlib import Path

import pytest
from cli_support import assert_clean, run_filing
from conftest import make_session, sample_answers
from openpyxl import Workbook

from assistant.files import tables
from assistant.files.tables import TableError, read_table_full
from assistant.interview.lists import read_list_table

pytestmark = pytest.mark.slow  # spawns processes

HEADER = ["序号", "专利名称", "授权号", "专利类型", "权利人"]
PATENTS = sample_answers()["patent_list"]
MEM_MB = 800
TIMEOUT = 30
ENCODING_REFUSED = "无法确定文件编码，请另存为 UTF-8 或 GBK 格式的 CSV"


def patent_rows(n: int = 3) -> list[list[str]]:
    return [[str(i), PATENTS[i % len(PATENTS)]["name"], PATENTS[i % len(PATENTS)]["number"], "发明专利",
             PATENTS[i % len(PATENTS)]["holder"]] for i in range(1, n + 1)]


@pytest.fixture
def session(store):
    answers = {k: v for k, v in sample_answers().items() if k != "patent_list"}
    answers["patent_count"] = "30"
    return make_session(store, "annual", answers=answers)


def answers_of(store, sid: str) -> str:
    return json.dumps(store.load(sid).answers, sort_keys=True, ensure_ascii=False)


# -- corpus ------------------------------------------------------------------------------------
def xlsx_bytes(rows: list[list[str]] | None = None, formula: str | None = None, header: list[str] = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in patent_rows() if rows is None else rows:
        ws.append(r)
    if formula:
        ws["F2"] = formula  # openpyxl stores no result: as a file from a program that never calculated
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def patch_part(data: bytes, part: str, fn) -> bytes:
    """The same zip with `part` (a name ending) rewritten by fn(bytes) -> bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            z.writestr(info.filename, fn(body) if info.filename.endswith(part) else body)
    return out.getvalue()


def with_doctype(body: bytes, doctype: bytes) -> bytes:
    if body.startswith(b"<?xml"):
        i = body.index(b"?>") + 2
        return body[:i] + doctype + body[i:]
    return doctype + body


def add_cell(body: bytes, xml: str) -> bytes:
    """Append a cell to the sheet's last row (row 4 of the three-row default)."""
    return body.replace(b"</row></sheetData>", xml.encode() + b"</row></sheetData>")


XXE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
BOMB = ('<!DOCTYPE x [<!ENTITY a0 "lollollollol">'
        + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)) + "]>").encode()


def hostile_xlsx(case: str) -> bytes:
    base = xlsx_bytes()
    sheet = "worksheets/sheet1.xml"
    if case == "sparse_dimension":  # 5 KB, declared A1:XFD1048576
        return patch_part(base, sheet, lambda b: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', b))
    if case == "far_row":  # a real value in the last row Excel has
        return patch_part(base, sheet, lambda b: b.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    if case == "far_column":
        return patch_part(base, sheet, lambda b: add_cell(b, '<c r="KN4" t="inlineStr"><is><t>x</t></is></c>'))
    if case == "xxe_sheet":
        cell = '<c r="F4" t="inlineStr"><is><t>&xxe;</t></is></c>'
        return patch_part(base, sheet, lambda b: add_cell(with_doctype(b, XXE), cell))
    if case == "xxe_workbook":
        return patch_part(base, "xl/workbook.xml", lambda b: with_doctype(b, XXE))
    if case == "entity_bomb":
        cell = '<c r="F4" t="inlineStr"><is><t>&a9;</t></is></c>'
        return patch_part(base, sheet, lambda b: add_cell(with_doctype(b, BOMB), cell))
    if case == "bomb_in_styles":  # declared, never used: still refused, no part may carry a DTD
        return patch_part(base, "xl/styles.xml", lambda b: with_doctype(b, BOMB))
    if case == "not_xlsx_zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("readme.txt", "这是一个普通的压缩包")
        return out.getvalue()
    if case == "docx_renamed":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<document/>")
        return out.getvalue()
    if case == "ole_disguised":  # an .xls, or a password-protected .xlsx, is an OLE compound file
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096
    if case == "truncated":
        return base[: len(base) // 2]
    if case == "long_cell":  # openpyxl cuts a cell at 32 767 characters when writing: patch it in
        base = xlsx_bytes(rows=[["1", "LONGCELL", "ZL 1", "发明专利", "甲公司"]])
        return patch_part(base, sheet, lambda b: b.replace(b"LONGCELL", "长".encode() * (tables.MAX_CELL_CHARS + 1)))
    if case == "formula":
        return xlsx_bytes(formula="=1+1")
    raise AssertionError(case)


# -- answer files ------------------------------------------------------------------------------
def alias_bomb() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


ANSWER_CASES = {
    "alias_bomb": (alias_bomb(), "别名"),
    "binary_tag": ("cluster_name: !!binary 5rWL6K+V\n", "!!binary"),
    "custom_tag": ("cluster_name: !python/object:os.system echo\n", "不受支持"),
    "deep_yaml": ("a: " + "[" * 200 + "]" * 200 + "\n", "嵌套"),
}


@pytest.mark.parametrize("case", list(ANSWER_CASES))
def test_hostile_answer_files_are_refused(store, session, tmp_path, case):
    text, want = ANSWER_CASES[case]
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    before = answers_of(store, session.id)
    proc = run_filing("answers", session.id, "--from-file", str(path), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert want in proc.stderr
    assert answers_of(store, session.id) == before


def test_deep_json_answer_file_is_refused(store, session, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    proc = run_filing("answers", session.id, "--from-file", str(path), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "嵌套" in proc.stderr


def test_plain_yaml_answer_file_still_works(store, session, tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("cluster_name: 浦江集群\nenterprise_count: '400'\nsme_count: 350\n", encoding="utf-8")
    proc = run_filing("answers", session.id, "--from-file", str(path), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)
    assert store.load(session.id).answers["enterprise_count"] == 400


def test_dev_zero_as_answer_file_stops_at_the_size_limit(session):
    proc = run_filing("answers", session.id, "--from-file", "/dev/zero", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "大小上限 5 MB" in proc.stderr


def _endless_writer(fifo: Path) -> threading.Thread:
    def write() -> None:
        try:
            with open(fifo, "wb") as fh:
                while True:
                    fh.write(b"k: v\n" * 10_000)
        except (BrokenPipeError, OSError):
            pass  # the reader stopped: what we want

    t = threading.Thread(target=write, daemon=True)
    t.start()
    return t


def test_dev_zero_and_deep_json_as_a_report_are_refused(store, tmp_path):
    proc = run_filing("import-report", "/dev/zero", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "不是普通文件" in proc.stderr
    path = tmp_path / "报告.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    proc = run_filing("import-report", str(path), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "嵌套层数过深" in proc.stderr
    assert store.all() == []  # nothing created


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_endless_fifo_stops_at_the_size_limit(session, tmp_path):
    fifo = tmp_path / "answers.yaml"
    os.mkfifo(fifo)
    writer = _endless_writer(fifo)
    proc = run_filing("answers", session.id, "--from-file", str(fifo), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "大小上限 5 MB" in proc.stderr
    writer.join(timeout=10)
    assert not writer.is_alive()
    # the same for a list import: a FIFO named like a CSV
    fifo_csv = tmp_path / "名单.csv"
    os.mkfifo(fifo_csv)
    writer = _endless_writer(fifo_csv)
    proc = run_filing("import", session.id, "patent_list", str(fifo_csv), "--yes", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "50 MB 的大小上限" in proc.stderr
    writer.join(timeout=10)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_hundreds_of_thousands_of_keys_stop_checking(store, session, tmp_path, suffix):
    path = tmp_path / f"answers{suffix}"
    n = 300_000
    if suffix == ".json":
        path.write_text(json.dumps({f"k{i}": 1 for i in range(n)}), encoding="utf-8")
    else:
        path.write_text("".join(f"k{i}: 1\n" for i in range(n)), encoding="utf-8")
    before = answers_of(store, session.id)
    proc = run_filing("answers", session.id, "--from-file", str(path), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "编号超过 10000 个" in proc.stderr and "已停止检查" in proc.stderr
    assert answers_of(store, session.id) == before


def test_thousands_of_unknown_keys_show_one_screenful(store, session, tmp_path):
    path = tmp_path / "answers.yaml"
    n = 9_000
    path.write_text("cluster_name: 浦江集群\n" + "".join(f"k{i}: 1\n" for i in range(n)), encoding="utf-8")
    before = answers_of(store, session.id)
    proc = run_filing("answers", session.id, "--from-file", str(path), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 1)
    lines = proc.stderr.splitlines()
    assert len(lines) == 22, lines  # the count, 20 reasons, and what was left out
    assert f"有 {n} 个值未被接受" in lines[0] and "k0：没有这个问题编号" in lines[1]
    assert lines[-1].strip() == f"…另有 {n - 20} 处未列出。"
    assert answers_of(store, session.id) == before


def test_a_long_list_in_an_answer_file_is_not_counted_as_keys(store, session, tmp_path):
    rows = [{"name": f"一种方法{i}", "number": f"ZL 2021 1 {i:07d}.1", "kind": "发明专利", "holder": "甲公司"}
            for i in range(1, 3_001)]  # 12 000 keys in the rows: more than the limit on question ids
    path = tmp_path / "answers.yaml"
    import yaml

    path.write_text(yaml.safe_dump({"answers": {"patent_list": rows, "patent_count": len(rows)}}, allow_unicode=True),
                    encoding="utf-8")
    proc = run_filing("answers", session.id, "--from-file", str(path), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)
    assert len(store.load(session.id).answers["patent_list"]) == 3000


# -- .xlsx -------------------------------------------------------------------------------------
XLSX_REFUSED = {
    "far_row": "200000 行的上限（第 1048576 行有内容）",
    "far_column": "200 列的上限（第 4 行第 300 列有内容）",
    "xxe_sheet": "不是有效的 Excel 文件（含有文档类型声明",
    "xxe_workbook": "不是有效的 Excel 文件（含有文档类型声明",
    "entity_bomb": "不是有效的 Excel 文件（含有文档类型声明",
    "bomb_in_styles": "不是有效的 Excel 文件（含有文档类型声明",
    "not_xlsx_zip": "不是有效的 Excel 文件（压缩包里没有 Excel 工作簿）",
    "docx_renamed": "不是有效的 Excel 文件（这是 Word 文档）",
    "ole_disguised": "不是有效的 Excel 文件（这是旧版 .xls 格式，或设置了打开密码",
    "truncated": "不是有效的 Excel 文件（",
    "long_cell": "第 2 行第 2 列的内容超过 32767 个字符的上限",
    "formula": "第 2 行第 6 列是公式，没有计算结果，请在 Excel 中保存后再导入",
}


@pytest.mark.parametrize("case", list(XLSX_REFUSED))
def test_hostile_xlsx_is_refused_with_its_cause(store, session, tmp_path, case):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(hostile_xlsx(case))
    before = answers_of(store, session.id)
    proc = run_filing("import", session.id, "patent_list", str(path), "--yes", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert XLSX_REFUSED[case] in proc.stderr, proc.stderr
    assert proc.stderr.count("另存为") <= 1, proc.stderr  # the advice is given once
    assert "root:" not in proc.stdout + proc.stderr  # no file content came in through an entity
    assert answers_of(store, session.id) == before


def test_sparse_sheet_with_a_huge_declared_dimension_imports(store, session, tmp_path):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(hostile_xlsx("sparse_dimension"))
    assert len(path.read_bytes()) < 10_000
    proc = run_filing("import", session.id, "patent_list", str(path), "--yes", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)
    assert "已导入 3 行" in proc.stdout
    assert len(store.load(session.id).answers["patent_list"]) == 3


def test_blank_leading_rows_and_merged_cells_still_import(store, session, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append([])
    ws.append([])
    ws.append(HEADER)
    for r in patent_rows(4):
        ws.append(r)
    ws.merge_cells("E4:E5")  # a merged holder cell: the second row's cell is empty
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    proc = run_filing("import", session.id, "patent_list", str(path), "--yes", timeout=TIMEOUT, mem_mb=MEM_MB)
    # the merged holder leaves its second cell empty, a required cell: refused naming the sheet's row
    assert_clean(proc, 1)
    assert "第 5 行" in proc.stderr
    ws.unmerge_cells("E4:E5")
    ws["E5"] = "乙公司"
    wb.save(path)
    proc = run_filing("import", session.id, "patent_list", str(path), "--yes", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)
    assert "已导入 4 行" in proc.stdout


def test_too_many_rows_names_the_limit(monkeypatch, tmp_path):
    """In-process with a lowered limit: the same check the 200 000-row limit runs."""
    monkeypatch.setattr(tables, "MAX_ROWS", 50)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx_bytes(rows=patent_rows(60)))
    with pytest.raises(TableError, match="超过 50 行的上限"):
        read_table_full(path)
    csv_path = tmp_path / "名单.csv"
    csv_path.write_text("\n".join(",".join(r) for r in [HEADER, *patent_rows(60)]), encoding="utf-8")
    with pytest.raises(TableError, match="超过 50 行的上限"):
        read_table_full(csv_path)
    monkeypatch.setattr(tables, "MAX_ROWS", 61)
    assert len(read_table_full(path).rows) == 60


def test_cell_count_and_unpacked_size_limits(monkeypatch, tmp_path):
    """Sheets full of empty cells and zip bombs stop at a stated limit (lowered here to keep the files small)."""
    from assistant.files import xlsx_scan

    path = tmp_path / "名单.xlsx"
    path.write_bytes(patch_part(xlsx_bytes(), "worksheets/sheet1.xml",
                                lambda b: b.replace(b"</sheetData>",
                                                    b'<row r="9">' + b'<c s="0"/>' * 500 + b"</row></sheetData>")))
    monkeypatch.setattr(tables, "MAX_CELLS", 100)
    with pytest.raises(TableError, match="单元格超过 100 个的上限"):
        read_table_full(path)
    monkeypatch.setattr(tables, "MAX_CELLS", 1000)
    assert len(read_table_full(path).rows) == 3  # empty styled cells are not data
    monkeypatch.setattr(xlsx_scan, "MAX_PART_BYTES", 1024 * 1024)
    padding = b" " * 2 * 1024 * 1024
    path.write_bytes(patch_part(xlsx_bytes(), "worksheets/sheet1.xml",
                                lambda b: b.replace(b"<sheetData>", b"<sheetData>" + padding)))
    assert len(path.read_bytes()) < 20_000
    with pytest.raises(TableError, match=re.escape("不是有效的 Excel 文件（其中的 xl/worksheets/sheet1.xml 解压后超过 1 MB）")):
        read_table_full(path)


def test_csv_over_200_000_rows_is_refused(session, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(b"a,b\r\n" * (tables.MAX_ROWS + 1))
    proc = run_filing("import", session.id, "patent_list", str(path), "--yes", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "超过 200000 行的上限" in proc.stderr


def test_csv_cell_over_the_limit_is_refused(session, tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text(",".join(HEADER) + "\n1,名称,ZL 1,发明专利," + "长" * 40_000 + "\n", encoding="utf-8")
    proc = run_filing("import", session.id, "patent_list", str(path), "--yes", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "第 2 行第 5 列的内容超过 32767 个字符的上限" in proc.stderr


# -- CSV encodings -------------------------------------------------------------------------------
BIG5_TEXT = ("序號,專利名稱,授權號,專利類型,權利人\r\n"
             "1,一種智慧感測器的製備方法,ZL 2021 1 0000001.1,發明專利,上海示範傳感科技有限公司\r\n"
             "2,半導體封裝結構,ZL 2020 1 0000002.2,實用新型,台北測試股份有限公司\r\n")
SJIS_TEXT = ("番号,特許名称,登録番号,種類,権利者\r\n"
             "1,センサーの製造方法,JP 2021 0001,発明特許,株式会社サンプル\r\n"
             "2,半導体パッケージ構造,JP 2020 0002,実用新案,テスト株式会社\r\n")


@pytest.mark.parametrize("text,encoding,guess", [(BIG5_TEXT, "big5", "Big5"), (SJIS_TEXT, "shift_jis", "Shift-JIS")])
def test_csv_that_only_looks_like_gbk_is_refused(store, session, tmp_path, text, encoding, guess):
    raw = text.encode(encoding)
    raw.decode("gb18030")  # the trap: these bytes are valid GB18030
    path = tmp_path / "名单.csv"
    path.write_bytes(raw)
    before = answers_of(store, session.id)
    proc = run_filing("import", session.id, "patent_list", str(path), "--yes", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert ENCODING_REFUSED in proc.stderr and guess in proc.stderr
    assert answers_of(store, session.id) == before


def _csv_text(rows: list[list[str]], sep: str = ",") -> str:
    return "".join(sep.join(r) + "\r\n" for r in [HEADER, *rows])


@pytest.mark.parametrize("kind", ["utf-16", "utf-8-sig", "gbk", "utf-8"])
def test_csv_encodings_that_are_certain_import(store, session, tmp_path, kind):
    rows = patent_rows(5)
    path = tmp_path / "名单.csv"
    if kind == "utf-16":  # Excel's "Unicode 文本": UTF-16 LE with BOM, tab-separated
        path.write_bytes(_csv_text(rows, "\t").encode("utf-16"))
    else:
        path.write_bytes(_csv_text(rows).encode(kind))
    proc = run_filing("import", session.id, "patent_list", str(path), "--yes", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)
    saved = store.load(session.id).answers["patent_list"]
    assert len(saved) == 5 and saved[0]["name"] == rows[0][1] and saved[0]["holder"] == rows[0][4]


def test_gbk_with_rare_characters_is_kept_when_the_headers_are_the_lists(tmp_path, store):
    """Below the plain confidence threshold, the list's own headers decide; without them it is refused."""
    from assistant.form.catalog import load_flow

    rare = ["堃喆", "昇玥", "赟犇", "珺琤"]  # outside GB2312, common in names
    rows = [[str(i), f"一种装置{i}", f"ZL {i}", "发明专利", f"{rare[i % 4]}科技"] for i in range(1, 5)]
    path = tmp_path / "名单.csv"
    path.write_bytes(_csv_text(rows).encode("gbk"))
    with pytest.raises(TableError, match=ENCODING_REFUSED):
        read_table_full(path)  # no list to compare with: not sure enough
    table = read_list_table(path, load_flow("annual")["patent_list"])
    assert tables.GBK_WITH_HEADERS <= tables._gb2312_share(path.read_bytes().decode("gbk")) < tables.GBK_CONFIDENCE
    assert table.encoding == "gbk" and table.rows[0][4] == "昇玥科技"


# -- a form folder from anyone (FILING_FORMS) ----------------------------------------------------
def test_a_hostile_form_folder_runs_nothing_and_leaves_the_other_forms_usable(store, tmp_path):
    from form_support import copy_form, edit

    root = copy_form(tmp_path / "新版表单", "annual_copy", "copy")
    marker = tmp_path / "ran"
    md = root / "templates" / "annual_copy.md.j2"
    md.write_text(f'{{{{ cycler.__init__.__globals__.os.popen("id > {marker}").read() }}}}', encoding="utf-8")
    env = {"FILING_FORMS": str(root)}
    proc = run_filing("new", "--form", "copy", env=env, timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)
    sid = proc.stdout.strip()
    proc = run_filing("export", sid, "--format", "md", "--draft", "-o", str(tmp_path / "r.md"), env=env,
                      timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 1)
    assert not marker.exists() and not (tmp_path / "r.md").exists()
    assert str(md) in proc.stderr and "不允许" in proc.stderr

    # a rule message with loops of 100 000 × 100 000: refused when the form loads, in bounded time and memory
    message = 'message: "集群中小企业数量（{{ sme_count }}）不能多于集群企业数量（{{ enterprise_count }}）。"'
    edit(root / "flows" / "annual_copy.yaml", message,
         'message: "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}"')
    proc = run_filing("forms", env=env, timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)
    assert "（无法使用）" in proc.stdout and "规则 sme_le_enterprises（message）" in proc.stdout
    proc = run_filing("check", sid, env=env, timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 1, 3)
    assert "规则 sme_le_enterprises（message）" in proc.stderr
    proc = run_filing("new", "--form", "annual", env=env, timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)


@pytest.mark.parametrize("suffix,text", [
    (".yaml", "cluster_name: 浦江集群\nenterprise_count: 400\nsme_count: 350\nenterprise_count: 500\n"),
    (".json", '{"answers": {"enterprise_count": 400, "sme_count": 350, "enterprise_count": 500}}'),
])
def test_a_key_given_twice_in_an_answer_file_is_refused(store, session, tmp_path, suffix, text):
    path = tmp_path / f"answers{suffix}"
    path.write_text(text, encoding="utf-8")
    before = answers_of(store, session.id)
    proc = run_filing("answers", session.id, "--from-file", str(path), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 4)
    assert "“enterprise_count”在同一层出现了两次" in proc.stderr
    assert suffix == ".json" or "第 2 行和第 4 行" in proc.stderr
    assert answers_of(store, session.id) == before


def test_a_key_given_twice_in_a_form_file_names_the_file(store, tmp_path):
    from form_support import copy_form, edit

    root = copy_form(tmp_path / "新版表单", "annual_copy", "copy")
    flow_file = root / "flows" / "annual_copy.yaml"
    edit(flow_file, "default_year: 2023  #", "default_year: 2023\ndefault_year: 2024  #")
    drafts = root / "templates" / "annual_copy.drafts.yaml"
    edit(drafts, "drafts:\n", "drafts:\n  problems: 甲\n")
    proc = run_filing("forms", env={"FILING_FORMS": str(root)}, timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)
    assert f"{flow_file}: 键“default_year”在同一层出现了两次" in proc.stdout
    edit(flow_file, "default_year: 2023\ndefault_year: 2024  #", "default_year: 2023  #")
    from assistant.form import catalog
    from assistant.interview.drafts import _spec

    catalog.use_forms([root])
    try:
        with pytest.raises(catalog.FlowError, match="“problems”在同一层出现了两次"):
            _spec("annual_copy")
    finally:
        catalog.use_forms([])
        catalog._chosen = None


def test_an_absurd_figure_is_never_taken_in_silence(store, session, tmp_path):
    """`answers --set total_output=100000000000000.1` was accepted and passed the check."""
    before = answers_of(store, session.id)
    proc = run_filing("answers", session.id, "--set", "total_output=100000000000000.1", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 1)
    assert "total_output" in proc.stderr and "本题最大为 10000亿元" in proc.stderr
    assert answers_of(store, session.id) == before
    # beyond what a real cluster holds, within what a form can: taken, said, and flagged by every check
    proc = run_filing("answers", session.id, "--set", "total_output=3500", timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 0)
    assert "超出了一般的范围" in proc.stdout
    proc = run_filing("check", session.id, timeout=TIMEOUT, mem_mb=MEM_MB)
    assert "3500.00 亿元，超出了一般的范围" in proc.stdout + proc.stderr
    # the same in a JSON report
    report = tmp_path / "r.json"
    assert run_filing("export", session.id, "--format", "json", "--draft", "-o", str(report)).returncode == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    data["answers"]["total_output"] = "100000000000000.10"
    report.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    proc = run_filing("import-report", str(report), timeout=TIMEOUT, mem_mb=MEM_MB)
    assert_clean(proc, 1)
    assert "本题最大为 10000亿元" in proc.stderr and "没有创建会话" in proc.stderr

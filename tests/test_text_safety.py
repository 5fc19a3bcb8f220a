"""User text is data: never markup, never terminal control, never Markdown/HTML structure in an export.

Every CLI run is a real process (tests/cli_support.py); titles and answers come from hostile inputs."""

from __future__ import annotations

import json
import zipfile

import pytest
from cli_support import assert_clean, run_filing
from conftest import make_session, sample_answers

from assistant.report.export import export_session
from assistant.report.preview import render_markdown
from assistant.text.textsafe import BIDI, one_line, visible

ESC_TITLE = "标题\x1b[31m红\x1b[0m\x1b]0;pwned\x07\x9b2J"
BIDI_TITLE = "合同\u202etxt.exe\u2066x\u2069"
TITLES = ["[/bad]", "[bold red]红色[/]", ESC_TITLE, BIDI_TITLE]
RAW = ["\x1b", "\x07", "\x9b", *BIDI]


def _no_raw_control(text: str) -> None:
    for ch in RAW:
        assert ch not in text, (repr(ch), text)


def _new(title: str) -> str:
    proc = run_filing("new", "--form", "annual", "--title", title)
    assert_clean(proc, 0)
    return proc.stdout.strip()


def test_visible_escapes_controls_and_bidi_and_keeps_text():
    assert visible("a\x1b[31mb\u202ec\n\td") == "a\\u001b[31mb\\u202ec\n\td"
    assert visible("[/bad] 红色") == "[/bad] 红色"
    assert one_line("a\nb") == "a\\nb"
    # The escape is JSON's own: inside JSON output it still decodes to the exact character.
    assert json.loads(visible(json.dumps("x\u202e\x9by", ensure_ascii=False))) == "x\u202e\x9by"


@pytest.mark.slow  # spawns a process
def test_markup_and_control_titles_list_as_plain_text():
    ids = [_new(t) for t in TITLES]
    proc = run_filing("list")
    assert_clean(proc, 0)
    _no_raw_control(proc.stdout)
    assert "[/bad]" in proc.stdout and "[bold red]红色[/]" in proc.stdout
    assert "标题\\u001b[31m红" in proc.stdout and "合同\\u202etxt.exe" in proc.stdout
    assert all(sid in proc.stdout for sid in ids)
    # JSON keeps the data exact (escaped the JSON way) and still has no raw control character.
    proc = run_filing("list", "--json")
    assert_clean(proc, 0)
    _no_raw_control(proc.stdout)
    assert sorted(r["title"] for r in json.loads(proc.stdout)) == sorted(TITLES)


@pytest.mark.slow  # spawns a process
def test_control_characters_in_answers_and_arguments_never_reach_the_terminal(store):
    answers = sample_answers()
    answers["leading_industry"] = "传感器\x1b[2J\x1b]0;x\x07"
    sid = make_session(store, "annual", answers).id
    for args in (("preview", sid), ("check", sid), ("export", sid, "--format", "json", "-o", "-x\x1b[31m.json"),
                 ("check", "\x1b[31m坏编号"), ("list", "\x1b]0;pwned\x07")):
        proc = run_filing(*args)
        assert_clean(proc)
        _no_raw_control(proc.stdout)
        _no_raw_control(proc.stderr)
    assert "传感器[2J" in run_filing("preview", sid).stdout  # the control character dropped, the text kept


def test_markdown_export_shows_markdown_and_html_as_text(store, tmp_path):
    from markdown_it import MarkdownIt

    answers = sample_answers()
    answers["cluster_name"] = "# 标题 <b>粗</b> [链接](http://evil.example) |管道| \u202eexe.txt"
    answers["overview"] = ("# 不是标题\n<script>alert(1)</script>\n[x](javascript:alert(1)) ![i](http://e/i.png)\n"
                           "- 不是列表\n> 不是引用\n1. 不是编号\n    不是代码\n---\n*不是强调* _也不是_ `不是代码`")
    session = make_session(store, "annual", answers)
    md = export_session(session, "md", tmp_path / "r.md").read_text(encoding="utf-8")
    for ch in BIDI:
        assert ch not in md
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    flat = [t for tok in tokens for t in [tok, *(tok.children or [])]]
    assert not [t for t in flat if t.type in ("html_inline", "html_block", "link_open", "image", "code_inline",
                                                "code_block", "fence", "blockquote_open", "em_open", "hr")
                and t.content != "<br>"]  # the template's own line break in table cells
    # Only the template's own structure: the report's headings, lists and tables.
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert "不是标题" not in " ".join(headings) and not any("标题 <b>" in h for h in headings)
    text = " ".join(t.content for t in flat if t.type == "text")
    for shown in ("# 不是标题", "<script>alert(1)</script>", "[x](javascript:alert(1))", "- 不是列表", "> 不是引用",
                  "1. 不是编号", "*不是强调*", "`不是代码`", "|管道|"):
        assert shown in text, shown


def test_bidi_overrides_leave_docx_and_file_names_json_keeps_them_escaped(store, tmp_path):
    answers = sample_answers()
    answers["cluster_name"] = "浦江\u202etxt.exe集群"
    session = make_session(store, "annual", answers)
    docx = export_session(session, "docx", tmp_path)
    assert "\u202e" not in docx.name and "浦江txt.exe集群" in docx.name
    with zipfile.ZipFile(docx) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "浦江txt.exe集群" in xml and not any(ch in xml for ch in BIDI)
    raw = export_session(session, "json", tmp_path / "r.json").read_text(encoding="utf-8")
    assert "\u202e" not in raw and "\\u202e" in raw
    assert json.loads(raw)["answers"]["cluster_name"] == "浦江\u202etxt.exe集群"  # the data, exact


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("damage", ["invalid", "deep", "form"])
def test_one_damaged_session_never_hides_the_others(store, damage):
    good = store.create("annual_report", "完好的会话", 2023).id
    bad = store.create("annual_report", "将损坏", 2023)
    store.save(bad)  # a good .bak
    path = store.path(bad.id)
    if damage == "invalid":
        path.write_text("{broken", encoding="utf-8")
    elif damage == "deep":
        path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["form"] = "nosuch"
        path.write_text(json.dumps(data), encoding="utf-8")
    proc = run_filing("list")
    assert_clean(proc, 0)
    lines = proc.stdout.splitlines()
    assert any(good in line and "完好的会话" in line for line in lines)
    row = next(line for line in lines if line.startswith(bad.id))
    if damage == "form":  # intact, of a form in no folder given: said so, with the way to give it
        assert "找不到表单" in row and "--forms" in proc.stdout
    else:
        assert "已损坏" in row and "filing restore" in row
        assert f"filing restore {bad.id}" in proc.stdout
    rows = json.loads(run_filing("list", "--json").stdout)
    assert {r["id"]: r.get("damaged", False) for r in rows} == {good: False, bad.id: True}


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("damage", ["invalid", "form"])
def test_resume_of_a_damaged_session_says_so_without_traceback(store, damage):
    bad = store.create("annual_report", "将损坏", 2023)
    store.save(bad)
    path = store.path(bad.id)
    if damage == "invalid":
        path.write_text("{broken", encoding="utf-8")
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["form"] = "nosuch"
        path.write_text(json.dumps(data), encoding="utf-8")
    for cmd in ("resume", "check", "preview", "export"):
        proc = run_filing(cmd, bad.id)
        assert_clean(proc, 3)
        if damage == "form":
            assert "--forms" in proc.stderr and "已损坏" not in proc.stderr, (cmd, proc.stderr)
        else:
            assert "已损坏" in proc.stderr and f"filing restore {bad.id}" in proc.stderr, (cmd, proc.stderr)


@pytest.mark.slow  # spawns a process
def test_damaged_message_does_not_recommend_restore_without_a_good_backup(store):
    s = store.create("annual_report", "只存过一次", 2023)  # no .bak yet
    store.path(s.id).write_text("{broken", encoding="utf-8")
    proc = run_filing("check", s.id)
    assert_clean(proc, 3)
    assert "已损坏" in proc.stderr and "filing restore" not in proc.stderr and "没有备份副本" in proc.stderr


def test_markdown_preview_keeps_the_template_structure(annual_session):
    md = render_markdown(annual_session)
    assert md.startswith("附件1") and "\n# 中小企业特色产业集群年度发展情况报告\n" in md
    assert "| 栏目 | 填报内容 |" in md


@pytest.mark.parametrize("typed", ["{year.__class__}", "{year:>99999999}", "{prev_year}", "{0}"])
def test_typed_braces_are_never_a_format_string(store, typed):
    """The form fills {year} into its own labels before a typed value joins a message, never after."""
    from assistant.errors import InputError
    from assistant.interview.engine import Engine

    session = make_session(store, answers={}, year=2025)
    engine = Engine.for_session(session)
    with pytest.raises(InputError) as exc:
        engine.parse("sme_employees", typed)
    said = str(exc.value)
    assert typed in said and "class" not in said.replace(typed, "") and len(said) < 500, said
    rows = [{"direction": typed, "indicator": "x", "target": "10%", "actual": ""}]
    with pytest.raises(InputError) as exc:  # a row error names the column as printed, the cell as typed
        engine.parse("targets", rows)
    said = str(exc.value)
    assert "“2025 年完成值”不能为空" in said and typed in said and "{year}" not in said.replace(typed, ""), said

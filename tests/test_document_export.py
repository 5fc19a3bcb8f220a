"""Markdown preview, JSON round trip and the safety rules of export (overwrite, draft, bad paths)."""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import make_session, sample_answers
from rich.console import Console

from assistant.frontends.cli import CliError, main
from assistant.interview.engine import Engine
from assistant.interview.json_report import import_report
from assistant.report.export import export_session
from assistant.report.model import MISSING
from assistant.report.preview import print_preview, render_markdown


def test_markdown_has_every_part_in_order_with_print_formatting(annual_session):
    md = render_markdown(annual_session)
    e = Engine.for_session(annual_session)
    titles = [e.text(s.title) for s in e.flow.sections if s.id.startswith("part")]
    pos = [md.index(f"## {t}") for t in titles]
    assert pos == sorted(pos) and md.index("## 填报说明") < pos[0]
    assert "| 集群总产值（亿元） | 128.60 |" in md
    assert "| 集群运营管理机构是否发生变更 | ☐是　☑否 |" in md
    assert "| 是否高于行业平均水平 | ☑是　☐否　☐非工业集群，不适用 |" in md
    assert "| 集群中小企业研发经费总额（万元） | 35600.00 |" in md
    assert "| 类别 | 主持数量 | 参与数量 |" in md
    assert "共 36 条" in md and "一种惯性测量单元的校准方法（36）" in md
    assert "尚有" not in md and MISSING not in md


def test_markdown_marks_unanswered_items_and_lists_findings_first(store):
    session = make_session(store, "annual", {"cluster_name": "半成品集群", "total_output": "50"})
    md = render_markdown(session)
    head, _, body = md.partition("附件1")
    assert "必须填写或修改" in head and "“集群运营管理机构”尚未填写" in head
    assert f"| 集群占地面积（平方公里） | **{MISSING}** |" in body
    assert "| 集群总产值（亿元） | 50.00 |" in body


def test_user_text_is_never_template_code(store):
    answers = sample_answers()
    answers["leading_industry"] = "{{ 7*7 }} {% raw %} a|b"
    answers["overview"] = "{% for x in range(3) %}{{ x }}{% endfor %}\n第二段 {# 注释 #}"
    session = make_session(store, "annual", answers)
    md = render_markdown(session)
    assert "| 集群主导产业 | {{ 7\\*7 }} {% raw %} a\\|b |" in md  # Markdown escaped, template code not run
    assert "{% for x in range(3) %}{{ x }}{% endfor %}" in md and "第二段 {\\# 注释 \\#}" in md
    assert "49" not in md.split("## 一、基本情况")[1].split("## 二、")[0]


def test_preview_cuts_long_lists_and_shows_the_count(store):
    answers = sample_answers()
    answers["patent_list"] = [{"name": f"专利名称{i:04d}", "number": f"ZL{i:08d}", "kind": "发明专利", "holder": "某公司"}
                              for i in range(1, 1501)]
    answers["patent_count"] = "1500"
    session = make_session(store, "annual", answers)
    console = Console(record=True, width=160, color_system=None)
    print_preview(session, console=console)
    out = console.export_text()
    assert "专利名称0001" in out and "专利名称1500" not in out
    assert "共 1500 行，这里显示前 10 行" in out
    assert "四、数字化升级情况" in out and "☑是" in out
    full = render_markdown(session)
    assert "专利名称1500" in full


def test_json_round_trip_is_identical(annual_session, store, tmp_path):
    first = export_session(annual_session, "json", tmp_path / "a.json")
    data = json.loads(first.read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and data["form"] == "annual_report" and data["year"] == 2023
    assert data["labels"]["total_output"] == "集群总产值（亿元）"
    assert data["answers"]["total_output"] == "128.60" and data["calculated"]["cloud_rate"] == "76.07"
    again = import_report(first, store)
    assert again.id != annual_session.id
    assert store.load(again.id).answers == {k: v for k, v in annual_session.answers.items()}
    second = export_session(store.load(again.id), "json", tmp_path / "b.json")
    assert first.read_bytes() == second.read_bytes()
    assert render_markdown(store.load(again.id)) == render_markdown(annual_session)


def test_json_leaves_out_answers_that_no_longer_count(store, tmp_path):
    answers = sample_answers()
    answers.update(operator_changed="是", operator_prev_name="旧机构", operator_change_date="2023-05-01")
    session = make_session(store, "annual", answers)
    Engine.for_session(session).answer("operator_changed", "否")
    data = json.loads(export_session(session, "json", tmp_path / "r.json").read_text(encoding="utf-8"))
    assert "operator_prev_name" not in data["answers"] and data["answers"]["operator_changed"] is False


def test_import_refuses_a_file_that_is_not_a_report(store, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CliError) as exc:
        import_report(bad, store)
    assert exc.value.code == 4
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"schema": "filing-assistant/report", "schema_version": 1, "form": "annual_report",
                                 "year": 2023, "answers": {"no_such_question": 1}}), encoding="utf-8")
    before = list(store.ids())
    with pytest.raises(CliError, match="no_such_question"):
        import_report(other, store)
    assert list(store.ids()) == before


GLUED = re.compile(r"--[a-z-]+[\u4e00-\u9fff]")  # an option run into the Chinese after it


def test_existing_file_is_never_overwritten_without_force(annual_session, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    target = tmp_path / "report.docx"
    target.write_bytes(b"keep me")
    with pytest.raises(CliError) as exc:
        export_session(annual_session, "docx", target)
    assert exc.value.code == 4 and "请加 --force 参数；" in str(exc.value)
    assert target.read_bytes() == b"keep me"
    export_session(annual_session, "docx", target, force=True)
    assert target.read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.docx"]  # no temp files left


def test_blocking_findings_refuse_export_unless_draft(store, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    session = make_session(store, "annual", {"cluster_name": "半成品集群"})
    for fmt in ("docx", "md", "json"):
        with pytest.raises(CliError) as exc:
            export_session(session, fmt, tmp_path / f"x.{fmt}")
        assert exc.value.code == 1 and "“集群运营管理机构”尚未填写" in str(exc.value)
        assert "可加 --draft 参数导出草稿" in str(exc.value) and not GLUED.search(str(exc.value))
    assert not list(tmp_path.iterdir())
    md = export_session(session, "md", tmp_path / "x.md", draft=True).read_text(encoding="utf-8")
    assert md.startswith("> **草稿**") and "必须填写或修改" in md
    data = json.loads(export_session(session, "json", tmp_path / "x.json", draft=True).read_text(encoding="utf-8"))
    assert data["draft"] is True and data["missing"]


def test_unwritable_paths_give_a_clear_file_error(annual_session, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for target in (blocker / "out.docx", "/proc/filing-test/out.docx"):
        with pytest.raises(CliError) as exc:
            export_session(annual_session, "docx", target)
        assert exc.value.code == 4 and "无法写入" in str(exc.value)
    with pytest.raises(CliError) as exc:
        export_session(annual_session, "odt", tmp_path / "x.odt")
    assert exc.value.code == 2 and "docx、pdf、md、json" in str(exc.value)


def test_default_file_name_comes_from_cluster_name_and_year(annual_session, district_session, store, tmp_path,
                                                            monkeypatch):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    p = export_session(annual_session, "md")
    assert p == tmp_path / "上海浦江示例智能传感器特色产业集群_2023年度发展情况报告.md"
    p = export_session(district_session, "docx")
    assert p.name == "浦江新区促进中小企业特色产业集群发展总结_2023.docx"
    weird = sample_answers()
    weird["cluster_name"] = "a/b:c*集群?"
    s = make_session(store, "annual", weird)
    p = export_session(s, "json", tmp_path)
    assert p.parent == tmp_path and "/" not in p.name[:-5] and ":" not in p.name and p.name.endswith("_2023年度发展情况报告.json")


def test_cli_export_and_import_report(annual_session, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["export", annual_session.id, "--format", "json", "-o", str(out)]) == 0
    assert main(["export", annual_session.id, "--format", "json", "-o", str(out)]) == 4
    assert "已存在" in capsys.readouterr().err
    assert main(["import-report", str(out)]) == 0
    new_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["export", new_id, "--format", "docx", "-o", str(tmp_path / "r.docx")]) == 0
    assert (tmp_path / "r.docx").exists() and os.path.getsize(tmp_path / "r.docx") > 10_000
    assert main(["preview", annual_session.id]) == 0


def _cells(text: str) -> list[str]:
    """The cells of every table in a rich rendering: the lines of a row between its borders are
    joined column by column (a wrapped label is whole again), spaces removed."""
    cells: list[str] = []
    block: list[list[str]] = []

    def flush() -> None:
        if block:
            width = max(len(r) for r in block)
            cells.extend("".join(r[i] if i < len(r) else "" for r in block) for i in range(width))
            block.clear()

    for line in text.splitlines():
        s = line.strip()
        if s.startswith("│"):
            block.append(["".join(seg.split()) for seg in s.strip("│").split("│")])
        else:
            flush()
    flush()
    return cells


@pytest.mark.parametrize("width", [80, 120])
def test_preview_shows_every_label_whole_and_part_eight_complete(annual_session, width):
    from assistant.interview.engine import Engine
    from assistant.report.model import build_report

    console = Console(record=True, width=width, color_system=None)
    print_preview(annual_session, console=console)
    out = console.export_text()
    assert "…" not in out  # nothing cut
    cells = set(_cells(out))
    report = build_report(Engine.for_session(annual_session))
    labels = {"".join(c.text.split()) for p in report.parts for b in p.blocks if b.grid is not None
              for r in b.grid.rows for c in r.cells[:2] if c.text and c.merge != "continue" and not c.right_lines}
    missing = [label for label in labels if label not in cells]
    assert not missing, missing
    # Part 八 whole: the declaration, the signature, seal and date lines; 填报说明 numbered as printed.
    for words in ("本单位承诺此次填报", "集群运营主体单位负责人（签字）", "区中小企业主管部门（公章）", "2024 年 4 月 8 日",
                  "1. 集群应如实填报有关情况", "6. 为确保文件信息的正确采集"):
        assert words in out, words
    date_line = next(line for line in out.splitlines() if "2024 年 4 月 8 日" in line)
    assert date_line.rstrip(" │").endswith("2024 年 4 月 8 日")  # right-aligned as on paper


def test_district_preview_signs_off_at_the_right(district_session):
    console = Console(record=True, width=80, color_system=None)
    print_preview(district_session, console=console)
    lines = console.export_text().rstrip().splitlines()
    assert lines[-1].endswith("日") and lines[-1].startswith(" " * 30)
    assert lines[-2].rstrip().endswith("（公章）") and lines[-2].startswith(" " * 20)

"""The non-interactive commands, run as a person or a script would (real process, real files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.paths import data_dir

EXAMPLES = data_dir("examples")


def filing(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "assistant.frontends.cli", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.slow  # spawns a process
def test_new_prints_only_the_id(store):
    out = filing("new", "--form", "annual", "--title", "浦江", "--year", "2024", check=True).stdout
    sid = out.strip()
    assert out == sid + "\n" and store.load(sid).year == 2024 and store.load(sid).title == "浦江"


@pytest.mark.slow  # spawns a process
def test_questions_json_lists_everything():
    items = json.loads(filing("questions", "--form", "annual", "--json", check=True).stdout)
    by_id = {i["id"]: i for i in items}
    from assistant.form.catalog import load_flow

    assert [i["id"] for i in items] == [q.id for q in load_flow("annual").questions]  # every question, in order
    assert by_id["total_output"]["unit"] == "亿元" and by_id["total_output"]["label"] == "集群总产值（亿元）"
    assert [c["id"] for c in by_id["patent_list"]["columns"]] == ["name", "number", "kind", "holder"]
    assert [o["label"] for o in by_id["waste_vs_industry"]["options"]] == ["是", "否", "非工业集群，不适用"]
    assert [r["label"] for r in by_id["standards"]["rows"]] == ["国际", "国家", "行业", "团体"]
    for key in ("id", "section", "label", "type", "unit", "required"):
        assert all(key in i for i in items)
    district = json.loads(filing("questions", "--form", "district", "--json", check=True).stdout)
    assert len(district) == 10  # with the roll-up's table (filled from reports, not asked)


@pytest.mark.slow  # spawns a process
def test_questions_of_a_session_use_its_form(store):
    from assistant.frontends.cli import questions_json

    sid = filing("new", "--form", "annual", "--year", "2024", check=True).stdout.strip()
    by_session = json.loads(filing("questions", sid, "--json", check=True).stdout)
    assert by_session == questions_json("annual_report", 2024)  # the session's form, worded for its year
    assert any("2024 年" in i["ask"] for i in by_session)
    assert [i["id"] for i in json.loads(filing("questions", "annual", "--json", check=True).stdout)] == [
        i["id"] for i in json.loads(filing("questions", "--form", "annual", "--json", check=True).stdout)]
    bare = filing("questions")
    assert bare.returncode == 2 and "请给出会话编号" in bare.stderr and "--form" in bare.stderr
    assert "缺少参数" not in bare.stderr
    clash = filing("questions", sid, "--form", "district")
    assert clash.returncode == 2 and "只给会话编号或只给 --form 即可" in clash.stderr
    unknown = filing("questions", "deadbeef")
    assert unknown.returncode == 3 and "找不到会话 deadbeef" in unknown.stderr and "filing forms" in unknown.stderr


@pytest.mark.slow  # spawns a process
def test_fill_from_file_then_list_and_check(store):
    sid = filing("new", "--form", "annual", "--year", "2023", check=True).stdout.strip()
    filing("answers", sid, "--from-file", str(EXAMPLES / "annual_answers.yaml"), check=True)
    listed = filing("list", check=True).stdout
    assert sid in listed and "100%" in listed
    check = filing("check", sid)
    assert check.returncode == 0 and "检查通过" in check.stdout


@pytest.mark.slow  # spawns a process
def test_json_answer_file_and_set(store, tmp_path):
    sid = filing("new", "--form", "district", check=True).stdout.strip()
    f = tmp_path / "a.json"
    f.write_text(json.dumps({"district_name": "闵行区", "overall": "总体"}, ensure_ascii=False), encoding="utf-8")
    filing("answers", sid, "--from-file", str(f), check=True)
    filing("answers", sid, "--set", "sign_date=2024年4月9日", check=True)
    s = store.load(sid)
    assert s.answers["district_name"] == "闵行区" and s.answers["sign_date"] == "2024-04-09"


@pytest.mark.slow  # spawns a process
def test_check_exits_nonzero_with_blocking(store):
    sid = filing("new", "--form", "annual", check=True).stdout.strip()
    proc = filing("check", sid)
    assert proc.returncode == 1 and "尚未填写" in proc.stdout
    data = json.loads(filing("check", sid, "--json").stdout)
    assert data and {"severity", "qid", "section", "message"} <= set(data[0])


@pytest.mark.slow  # spawns a process
def test_refused_value_or_unknown_id_applies_nothing(store, tmp_path):
    sid = filing("new", "--form", "annual", check=True).stdout.strip()
    before = store.path(sid).read_bytes()
    bad = tmp_path / "bad.yaml"
    bad.write_text("cluster_name: 好集群\nsme_output_share: 120%\nno_such_question: 1\n", encoding="utf-8")
    proc = filing("answers", sid, "--from-file", str(bad))
    assert proc.returncode == 1
    assert "sme_output_share" in proc.stderr and "no_such_question" in proc.stderr and "没有写入任何答案" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert store.path(sid).read_bytes() == before
    proc = filing("answers", sid, "--set", "enterprise_count=12.5")
    assert proc.returncode == 1 and "整数" in proc.stderr


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("args, code, words", [
    (["check", "nosuch"], 3, "找不到会话"),
    (["answers", "nosuch", "--set", "a=1"], 3, "找不到会话"),
    (["new", "--form", "monthly"], 2, "没有名为 “monthly” 的表单"),
    (["answers", "x"], 2, "--from-file"),
])
def test_errors_are_clear_and_without_traceback(store, args, code, words):
    proc = filing(*args)
    assert proc.returncode == code, proc.stderr
    assert words in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow  # spawns a process
def test_corrupt_session_is_reported_by_commands(store):
    sid = filing("new", "--form", "annual", check=True).stdout.strip()
    filing("answers", sid, "--set", "cluster_name=甲", check=True)
    store.path(sid).write_text("{broken", encoding="utf-8")
    proc = filing("answers", sid, "--set", "operator_name=乙")
    assert proc.returncode == 3 and "已损坏" in proc.stderr
    assert store.path(sid).read_text(encoding="utf-8") == "{broken"
    assert "已损坏" in filing("list").stdout
    filing("restore", sid, check=True)
    assert store.load(sid).id == sid


@pytest.mark.slow  # spawns a process
def test_missing_answer_file(store):
    sid = filing("new", "--form", "annual", check=True).stdout.strip()
    proc = filing("answers", sid, "--from-file", "/nonexistent/a.yaml")
    assert proc.returncode == 4 and "找不到文件" in proc.stderr


def test_a_report_without_a_title_is_listed_by_its_cluster_not_as_the_form(filing_home, capsys):
    """`filing new` without --title: not every report titled 年度报告 (the list and the TUI header then say
    年度报告　年度报告); it is called by its cluster once that is answered, as the TUI's own new report is."""
    from assistant.frontends.cli import main

    assert main(["new", "--form", "annual", "--year", "2023"]) == 0
    sid = capsys.readouterr().out.strip()
    assert main(["answers", sid, "--set", "cluster_name=上海浦江示例智能传感器特色产业集群"]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["title"] for r in rows if r["id"] == sid] == ["上海浦江示例智能传感器特色产业集群"]

"""`filing import-report`: every answer checked as typed input, all or nothing, no session on refusal.

A refused report leaves no session file; an accepted one is a session on which check, every
export format and one more answer work.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_support import assert_clean, run_filing
from conftest import make_session, sample_answers
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assistant.errors import UserError
from assistant.frontends.cli import questions_json
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.interview.json_report import load_report
from assistant.report.export import export_session
from assistant.session.store import SessionStore


def report(form: str = "annual_report", answers: dict[str, Any] | None = None, **header: Any) -> dict[str, Any]:
    return {"schema": "filing-assistant/report", "schema_version": 1, "form": form, "year": 2023, "title": "导入",
            "answers": {} if answers is None else answers, **header}


def write(tmp_path: Path, data: Any, name: str = "r.json") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=True)  # surrogates as \\u escapes
    path.write_text(text, encoding="utf-8")
    return path


def session_files(store: SessionStore) -> list[Path]:
    return sorted(store.root.glob("*.json")) if store.root.exists() else []


def refused(tmp_path: Path, data: Any, *words: str) -> str:
    """Run the real command; assert a clean refusal (exit 1) naming `words`, and no session created."""
    store = SessionStore()
    before = session_files(store)
    proc = run_filing("import-report", str(write(tmp_path, data)))
    assert_clean(proc, 1)
    for w in words:
        assert w in proc.stderr, proc.stderr
    assert "没有创建会话" in proc.stderr and proc.stdout == ""
    assert session_files(store) == before
    return proc.stderr


# -- the cases the issues name -------------------------------------------------------------------
@pytest.mark.slow  # spawns a process
def test_district_name_failing_its_constraint_is_refused(tmp_path):
    refused(tmp_path, report("district_summary", {"district_name": "浦东"}), "district_name", "区名称", "以“区”结尾")


@pytest.mark.slow  # spawns a process
def test_list_given_as_a_string_is_refused(tmp_path):
    refused(tmp_path, report(answers={"specialized_list": "abc"}), "specialized_list", "名单")


@pytest.mark.slow  # spawns a process
def test_count_of_abc_and_negative_counts_are_refused_together(tmp_path):
    err = refused(tmp_path, report(answers={"enterprise_count": "abc", "sme_count": -3}), "enterprise_count", "sme_count")
    assert "有 2 处" in err


@pytest.mark.slow  # spawns a process
def test_nan_and_infinity_are_refused(tmp_path):
    text = json.dumps(report(answers={"area_km2": float("nan"), "total_output": float("inf")}))
    assert "NaN" in text and "Infinity" in text
    refused(tmp_path, text, "area_km2", "total_output", "有限的数字")


@pytest.mark.slow  # spawns a process
def test_unknown_and_calculated_ids_are_refused(tmp_path):
    refused(tmp_path, report(answers={"no_such_question": 1, "cloud_rate": "50"}), "no_such_question", "cloud_rate")


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("version", ["1", 1.0, True, 0, 2, None])
def test_schema_version_must_be_a_known_integer(tmp_path, version):
    refused(tmp_path, report(schema_version=version), "schema_version" if version != 2 else "更新版本")


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("year", [1999, 2101, "2023", 2023.0, None])
def test_year_must_be_plausible(tmp_path, year):
    refused(tmp_path, report(year=year), "年")


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("form", ["../flows/annual_report", "/etc/passwd", "nosuch", "annual_report.yaml", 3])
def test_form_is_an_id_never_a_path(tmp_path, form):
    refused(tmp_path, report(form=form), "不是已知的表单")


@pytest.mark.slow  # spawns a process
def test_null_is_not_an_answer(tmp_path):
    """A report whose every answer is null used to pass check and export as final."""
    answers = {q["id"]: None for q in questions_json("annual") if not q["calculated"]}
    err = refused(tmp_path, report(answers=answers), "null")
    assert "处未能通过检查" in err and "…另有" in err and err.count("  - ") == 20  # one screenful of reasons, not 70


@pytest.mark.slow  # spawns a process
def test_a_count_of_4400_digits_is_refused(tmp_path):
    text = json.dumps(report(answers={"enterprise_count": 0}))
    text = text.replace('"enterprise_count": 0', '"enterprise_count": ' + "9" * 4400)
    refused(tmp_path, text, "位数过多")
    refused(tmp_path, report(answers={"enterprise_count": "9" * 4400}), "enterprise_count")


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("where", ["answer", "title", "cell"])
def test_lone_surrogate_is_refused_with_the_question_named(tmp_path, where):
    data = {"answer": report(answers={"cluster_name": "集群\ud800"}),
            "title": report(title="标题\udfff"),
            "cell": report(answers={"specialized_count": 1,
                                    "specialized_list": [{"name": "甲\udc80", "credit_code": "x"}]})}[where]
    refused(tmp_path, data, {"answer": "cluster_name", "title": "title", "cell": "specialized_list"}[where], "无法保存的字符")


@pytest.mark.slow  # spawns a process
def test_wrong_types_for_text_are_refused(tmp_path):
    refused(tmp_path, report(answers={"cluster_name": [1, 2], "operator_name": {"a": 1}, "contact_name": True,
                                      "leading_industry": "一行\n两行"}),
            "cluster_name", "operator_name", "contact_name", "leading_industry")


@pytest.mark.slow  # spawns a process
def test_deeply_nested_report_is_refused_as_a_file_problem(tmp_path):
    store = SessionStore()
    proc = run_filing("import-report", str(write(tmp_path, '{"schema":' + "[" * 200_000 + "]" * 200_000 + "}")))
    assert_clean(proc, 4)
    assert "嵌套" in proc.stderr and not session_files(store)


@pytest.mark.slow  # spawns a process
def test_answers_that_do_not_apply_are_kept_with_a_note(tmp_path, store):
    answers = {"operator_changed": False, "operator_prev_name": "旧机构"}
    proc = run_filing("import-report", str(write(tmp_path, report(answers=answers))))
    assert_clean(proc, 0)
    sid = proc.stdout.strip()
    assert "operator_prev_name" in proc.stderr and "不计入报告" in proc.stderr
    assert store.load(sid).answers == {"operator_changed": False, "operator_prev_name": "旧机构"}


def test_chat_answer_after_a_constraint_finding_does_not_crash(store):
    """A stored answer that fails its own constraint (e.g. from an older file) used to make every chat answer
    raise AttributeError (a precedence slip in Conversation._rule_questions)."""
    s = make_session(store, "district", {"overall": "总体情况"})
    s.set_answer("district_name", "浦东")  # well typed, fails the constraint
    store.save(s)
    engine = Engine.for_session(store.load(s.id))
    assert any(f.rule == "constraint" for f in engine.findings())
    reply = Conversation(engine).handle("浦东新区")
    assert reply is not None


@pytest.mark.parametrize("form", ["annual", "district"])
def test_json_export_round_trip(store, tmp_path, form):
    s = make_session(store, form)
    first = export_session(s, "json", tmp_path / "a.json")
    again, notes = load_report(first, store)
    assert notes == [] and store.load(again.id).answers == s.answers
    assert export_session(store.load(again.id), "json", tmp_path / "b.json").read_bytes() == first.read_bytes()


# -- generated reports ------------------------------------------------------------------------------
QUESTIONS = {form: questions_json(form) for form in ("annual", "district")}
SAMPLE = {form: sample_answers(form) for form in ("annual", "district")}
JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.integers(-10**30, 10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["abc", "无", "", " ", "-1", "1e5", "１２", "\ud800", "a\udfffb", "一\n二", "是", "否", "12.5亿", "0x10"]),
    st.lists(st.integers(0, 3), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


WORDS = st.text(st.sampled_from("集群企业有限公司上海浦江ABC 123-（）·"), min_size=1, max_size=20).filter(str.strip)


def good_value(item: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a person or an exporter could well give for one question of `filing questions --json`."""
    t = item["type"]
    if t == "list":
        row = st.fixed_dictionaries({c["id"]: (st.sampled_from([o["id"] for o in c["options"]]) if c.get("options")
                                               else st.integers(1, 99) if c["type"] == "integer"
                                               else st.just("91310000MA1FL4XQ3R") if c["type"] == "uscc" else WORDS)
                                     for c in item["columns"]})
        return st.one_of(st.lists(row, max_size=3), st.just([]))
    if t == "matrix":
        cols = [c["id"] for c in item["columns"]]
        return st.fixed_dictionaries({r["id"]: st.fixed_dictionaries({c: st.integers(0, 20) for c in cols})
                                      for r in item["rows"]})
    if t == "integer":
        return st.one_of(st.integers(0, 10**6), st.integers(0, 999).map(str), st.just("无"))
    if t in ("decimal", "percent"):
        top = 100 if t == "percent" else 10**5
        return st.one_of(st.decimals(0, top, places=2, allow_nan=False).map(str), st.floats(0, 100).map(lambda f: round(f, 2)),
                         st.sampled_from(["无", "12.5", "45%" if t == "percent" else "3,200"]))
    if t == "yesno":
        return st.one_of(st.booleans(), st.sampled_from(["是", "否"]))
    if t == "choice":
        return st.sampled_from([o["id"] for o in item["options"]] + [o["label"] for o in item["options"]])
    if t == "date":
        return st.dates(date(2000, 1, 1), date(2030, 12, 31)).map(lambda d: d.isoformat())
    if t == "phone":
        return st.sampled_from(["021-23117616", "13800138000", "021-5555 0123"])
    if t == "credit_code":
        return st.just("91310000MA1FL4XQ3R")
    return WORDS.map(lambda w: w + "区") if item["id"] == "district_name" else WORDS


def bad_value(item: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Wrong types and out-of-range values, also inside list rows and matrix cells."""
    t = item["type"]
    if t == "list":
        cols = [c["id"] for c in item["columns"]]
        row = st.one_of(st.fixed_dictionaries({c: st.one_of(WORDS, JUNK) for c in cols}),
                        st.lists(JUNK, max_size=len(cols) + 1), JUNK)
        return st.one_of(st.lists(row, min_size=1, max_size=3), JUNK)
    if t == "matrix":
        cols = [c["id"] for c in item["columns"]]
        cell = st.one_of(st.integers(-3, 3), JUNK)
        return st.one_of(st.fixed_dictionaries({r["id"]: st.fixed_dictionaries({c: cell for c in cols})
                                                for r in item["rows"]}), JUNK)
    return st.one_of(st.integers(-10**7, -1), JUNK)


@st.composite
def reports(draw: Any) -> dict[str, Any]:
    form = draw(st.sampled_from(["annual", "district"]))
    items = [i for i in QUESTIONS[form] if not i["calculated"]]
    answers = dict(SAMPLE[form]) if draw(st.booleans()) else {}
    for item in draw(st.lists(st.sampled_from(items), min_size=1, max_size=6, unique_by=lambda i: i["id"])):
        answers[item["id"]] = draw(bad_value(item) if draw(st.integers(0, 3)) == 0 else good_value(item))
    if draw(st.integers(0, 9)) == 0:
        answers[draw(st.sampled_from(["no_such", "cloud_rate", "__proto__"]))] = 1
    header: dict[str, Any] = {}
    if draw(st.integers(0, 4)) == 0:
        header = draw(st.sampled_from([{"year": 1999}, {"year": "2023"}, {"schema_version": "1"}, {"form": "annual"},
                                       {"form": "../flows/annual_report"}, {"title": 5}, {"title": "<b>[bold]x[/]"}]))
    return {**report("annual_report" if form == "annual" else "district_summary", answers), **header}


@settings(max_examples=int(os.environ.get("IMPORT_EXAMPLES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@pytest.mark.slow  # many generated reports, each imported
@given(data=reports())
def test_generated_reports_refuse_cleanly_or_give_a_working_session(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("gen")
    store = SessionStore()
    path = write(tmp, json.dumps(data, ensure_ascii=True, allow_nan=True))
    before = session_files(store)
    try:
        session, _notes = load_report(path, store)
    except UserError as exc:
        event("refused")
        assert exc.code == 1, str(exc)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc)) and "Traceback" not in str(exc)
        assert session_files(store) == before
        return
    event("imported")
    assert len(session_files(store)) == len(before) + 1
    session = store.load(session.id)
    engine = Engine.for_session(session)
    conv = Conversation(engine)
    conv.findings_text()
    for fmt in ("docx", "md", "json"):
        export_session(session, fmt, tmp / f"out.{fmt}", draft=True)
    q = engine.current()
    if q is not None:
        conv.handle(str(SAMPLE["annual" if session.form == "annual_report" else "district"].get(q.id, "无")))
    store.save(session)
    store.load(session.id)


@pytest.mark.slow  # spawns a process
def test_a_few_generated_style_reports_through_the_real_command(tmp_path, store):
    """The same promise through real processes: an accepted import then checks, exports and answers."""
    ok = write(tmp_path, report(answers={**SAMPLE["annual"], "enterprise_count": 400, "rd_intensity": 4.8}), "ok.json")
    proc = run_filing("import-report", str(ok))
    assert_clean(proc, 0)
    sid = proc.stdout.strip()
    assert_clean(run_filing("check", sid), 0, 1)
    for fmt in ("docx", "md", "json"):
        assert_clean(run_filing("export", sid, "--draft", "--format", fmt, "-o", str(tmp_path / f"o.{fmt}")), 0)
    assert_clean(run_filing("answers", sid, "--set", "cluster_name=新的集群名称"), 0)
    refused(tmp_path, report(answers={**SAMPLE["annual"], "specialized_list": [{"name": True}]}), "specialized_list")


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("target", ["/dev/zero", "DIR"])
def test_only_regular_files_are_read(tmp_path, target):
    if target == "/dev/zero" and not Path(target).exists():
        pytest.skip("no /dev/zero here")
    proc = run_filing("import-report", str(tmp_path) if target == "DIR" else target, timeout=30)
    assert_clean(proc, 4)
    assert "不是普通文件" in proc.stderr and not session_files(SessionStore())


def test_the_kept_answers_note_is_in_the_conversation_too(store, tmp_path):
    data = report(answers={"operator_changed": False, "operator_prev_name": "旧机构"})
    session, notes = load_report(write(tmp_path, data), store)
    assert notes and notes[0] in [m["text"] for m in store.load(session.id).transcript]


def test_what_a_draft_quoted_survives_json_export_and_import_report(store, tmp_path):
    """The record travels with the report: a figure changed after import-report still flags the narrative."""
    s = make_session(store, "annual", {k: v for k, v in sample_answers().items() if k != "overview"})
    conv = Conversation(Engine.for_session(s))
    conv.engine.jump("overview")
    conv.handle("起草")
    conv.handle("1")
    store.save(s)
    path = export_session(s, "json", tmp_path / "r.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert any(q["source"] == "total_output" and q["shown"] == "128.6亿元" for q in data["quotes"]["overview"])
    again, _notes = load_report(path, store)
    loaded = store.load(again.id)
    assert loaded.quotes == s.quotes
    engine = Engine.for_session(loaded)
    assert not engine.apply_many({"total_output": "97"})
    assert any(f.qid == "overview" and "128.6亿元" in f.message and "97亿元" in f.message for f in engine.findings())


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("quotes, words", [
    ({"overview": "全部"}, ["引用记录", "overview"]),
    ({"cluster_name": []}, ["引用记录", "cluster_name"]),  # not a narrative question
    ({"overview": [{"source": "total_output", "kind": "answer", "value": 128.6, "shown": "128.60 亿元",
                    "sentences": []}]}, ["引用记录", "total_output"]),
    ({"overview": [{"source": "total_output", "kind": "eval", "value": "x", "shown": "", "sentences": []}]}, ["kind"]),
])
def test_a_report_with_a_malformed_quote_record_is_refused(tmp_path, quotes, words):
    refused(tmp_path, report(answers={"overview": "一段文字。"}, quotes=quotes), *words)


@pytest.mark.slow  # spawns a process
def test_a_key_given_twice_is_refused_naming_it(tmp_path):
    """JSON lets the last of two equal keys win in silence: the year became 2024. Which counts is a guess."""
    text = json.dumps(report(answers={"enterprise_count": 400}))
    refused(tmp_path, text.replace('"year": 2023', '"year": 2023, "year": 2024'), "“year”", "两次")
    refused(tmp_path, text.replace('"enterprise_count": 400', '"enterprise_count": 400, "enterprise_count": 500'),
            "“enterprise_count”", "两次")

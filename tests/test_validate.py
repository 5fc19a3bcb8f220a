"""Values from files: shapes refused before parse(), stored types checked, damaged session files reported."""

from __future__ import annotations

import json
import math
from datetime import date, datetime

import pytest
from cli_support import assert_clean, run_filing
from conftest import make_session

from assistant.errors import InputError
from assistant.form.catalog import load_flow
from assistant.form.validate import check_raw, check_stored, form_id, stored_problem
from assistant.interview.engine import Engine
from assistant.session.store import Session, SessionCorrupt, SessionError, SessionFormMissing

FLOW = load_flow("annual_report")


def q(qid: str):
    return FLOW[qid]


# -- raw values --------------------------------------------------------------------------------
@pytest.mark.parametrize("qid, raw, words", [
    ("cluster_name", None, "null"),
    ("cluster_name", [1, 2], "列表"),
    ("cluster_name", {"a": 1}, "映射"),
    ("cluster_name", b"hello", "二进制"),
    ("cluster_name", True, "是/否"),
    ("cluster_name", 1.10, "加引号"),
    ("cluster_name", "a\ud800b", r"U\+D800"),
    ("enterprise_count", True, "是/否"),
    ("enterprise_count", float("nan"), "有限"),
    ("area_km2", float("inf"), "有限"),
    ("area_km2", -math.inf, "有限"),
    ("enterprise_count", 10**4000, "位数太多"),
    ("enterprise_count", "9" * 4400, "太长"),
    ("operator_change_date", datetime(2024, 4, 8, 10, 30), "只写日期"),
    ("specialized_list", {"name": "x"}, "若干行"),
    ("specialized_list", [["甲", True]], "是/否"),
    ("specialized_list", [{"name": ["x"]}], "列表"),
    ("specialized_list", ["甲"], "一行"),
    ("standards", [1, 2], "映射"),
    ("standards", {"国际": 3}, "列 → 数量"),
    ("standards", {"国际": {"主持数量": None}}, "null"),
])
def test_raw_shapes_refused(qid, raw, words):
    with pytest.raises(InputError, match=words):
        check_raw(q(qid), raw)


def test_strict_wants_structures_for_lists_and_matrices():
    assert check_raw(q("specialized_list"), "无") == "无"
    with pytest.raises(InputError, match="一段文字"):
        check_raw(q("specialized_list"), "abc", strict=True)
    with pytest.raises(InputError, match="一段文字"):
        check_raw(q("standards"), "1 2 3 4 5 6 7 8", strict=True)


def test_raw_values_a_person_would_write_pass():
    assert check_raw(q("operator_change_date"), date(2024, 4, 8)) == "2024-04-08"
    assert check_raw(q("enterprise_count"), 35) == 35
    assert check_raw(q("area_km2"), 3.8) == 3.8
    assert check_raw(q("no_accident"), False) is False
    assert check_raw(q("contact_phone"), 13800138000) == 13800138000
    assert check_raw(q("specialized_list"), [{"name": "甲", "credit_code": None}]) == [{"name": "甲", "credit_code": None}]


# -- stored values -----------------------------------------------------------------------------
@pytest.mark.parametrize("qid, value", [
    ("cluster_name", 5), ("enterprise_count", "35"), ("enterprise_count", True), ("enterprise_count", 10**16),
    ("area_km2", 3.8), ("area_km2", "abc"), ("no_accident", "是"), ("operator_change_date", "2024-13-01"),
    ("specialized_list", "abc"), ("specialized_list", ["x"]), ("specialized_list", [{"name": 5}]),
    ("standards", {"international": {"lead": -1}}), ("standards", {"nosuch": {}}),
    ("standards", {"international": {"lead": True}}),
])
def test_stored_types_checked(qid, value):
    assert stored_problem(q(qid), value)


def test_fresh_values_have_one_line_and_known_options():
    assert stored_problem(q("cluster_name"), "甲\n乙") is None  # an old session keeps loading
    with pytest.raises(InputError, match="换行"):
        check_stored(q("cluster_name"), "甲\n乙", fresh=True)
    with pytest.raises(InputError, match="可选项"):
        check_stored(q("waste_vs_industry"), "maybe", fresh=True)


def test_form_ids_are_never_paths():
    assert form_id("annual") == "annual_report" and form_id("district_summary") == "district_summary"
    for bad in ("../flows/annual_report", "/etc/passwd", "annual_report.yaml", "nosuch", 3, None, ""):
        assert form_id(bad) is None


# -- the engine never holds a wrongly typed value ------------------------------------------------
def engine_for(form: str = "annual_report") -> Engine:
    return Engine.for_session(Session("t", form, "t", 2023))


def test_engine_refuses_wrong_types_on_every_path():
    e = engine_for()
    assert not e.answer("cluster_name", ["a"]).ok
    assert not e.answer("enterprise_count", True).ok
    assert not e.answer("cluster_name", "甲\n乙").ok
    assert e.apply_many({"cluster_name": [1, 2]}) and "cluster_name" not in e.session.answers
    with pytest.raises(ValueError):
        e.set("specialized_list", "abc")  # a caller that skipped parse(): a programming error, not hidden
    assert e.session.answers == {}


def test_batch_constraints_see_the_whole_batch():
    e = engine_for("district_summary")
    assert e.apply_many({"district_name": "浦东"})
    assert e.apply_many({"district_name": "浦东新区"}) == []


def test_answers_that_do_not_apply_are_kept_and_named():
    e = engine_for()
    applied = e.apply_all({"operator_changed": "否", "operator_prev_name": "旧机构"})
    assert applied.errors == [] and applied.unused == ["operator_prev_name"]
    assert e.session.answers["operator_prev_name"] == "旧机构"
    assert "operator_prev_name" in e.unused_note(applied.unused) and "不计入报告" in e.unused_note(applied.unused)


def test_many_unknown_keys_stop_at_a_screenful():
    applied = engine_for().apply_all({f"k{i}": 1 for i in range(100_000)})
    assert applied.total == 100_000 and len(applied.errors) == 20
    assert applied.refusal("个值未被接受").splitlines()[-1].strip() == "…另有 99980 处未列出。"


# -- session files ------------------------------------------------------------------------------
def write_session(store, sid: str, change) -> None:
    s = make_session(store, "annual", {"cluster_name": "甲"})
    data = json.loads(store.path(s.id).read_text(encoding="utf-8"))
    change(data)
    store.path(s.id).unlink()
    store.path(sid).write_text(json.dumps(data, ensure_ascii=True), encoding="utf-8")


CORRUPT = {
    "transcript_not_a_list": lambda d: d.update(transcript="x"),
    "transcript_entry_not_a_dict": lambda d: d.update(transcript=["x"]),
    "form_is_a_path": lambda d: d.update(form="../flows/annual_report"),
    "surrogate_in_title": lambda d: d.update(title="a\ud800"),
    "surrogate_in_answer": lambda d: d["answers"].update(cluster_name="\udfff"),
    "year_as_text": lambda d: d.update(year="2023"),
    "year_out_of_range": lambda d: d.update(year=1800),
    "schema_version_text": lambda d: d.update(schema_version="2"),
    "answers_not_a_dict": lambda d: d.update(answers=[1]),
    "count_as_text": lambda d: d["answers"].update(enterprise_count="abc"),
    "list_as_text": lambda d: d["answers"].update(specialized_list="abc"),
    "yesno_as_text": lambda d: d["answers"].update(no_accident="是"),
    "decimal_as_float": lambda d: d["answers"].update(area_km2=3.8),
    "nan": lambda d: d["answers"].update(area_km2=float("nan")),
    "pending_wrong_type": lambda d: d.update(pending={"qid": "enterprise_count", "value": "x"}),
    "draft_wrong_shape": lambda d: d.update(drafts={"patent_list": [1]}),
    "title_not_text": lambda d: d.update(title=["x"]),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_session_file_with_wrong_shape_is_corrupt(store, case):
    write_session(store, "bad1", lambda d: (d.update(id="bad1"), CORRUPT[case](d)))
    before = store.path("bad1").read_bytes()
    with pytest.raises(SessionCorrupt) as info:
        store.load("bad1")
    assert "已损坏" in str(info.value) and "Error" not in str(info.value)
    assert store.path("bad1").read_bytes() == before


def test_deeply_nested_session_is_corrupt_not_a_recursion_error(store):
    store.root.mkdir(parents=True, exist_ok=True)
    store.path("deep").write_text('{"id":"deep","x":' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    with pytest.raises(SessionCorrupt, match="嵌套层数过深"):
        store.load("deep")


def test_nested_data_in_a_kept_unknown_answer_is_bounded(store):
    nested: list = []
    for _ in range(50):
        nested = [nested]
    write_session(store, "deep2", lambda d: (d.update(id="deep2"), d["answers"].update(old_question=nested)))
    with pytest.raises(SessionCorrupt, match="嵌套"):
        store.load("deep2")


def test_id_that_does_not_match_the_file_name_is_corrupt(store):
    write_session(store, "other", lambda d: None)
    with pytest.raises(SessionCorrupt, match="不一致"):
        store.load("other")


def test_answers_to_questions_the_form_no_longer_has_are_kept(store):
    write_session(store, "old1", lambda d: (d.update(id="old1"), d["answers"].update(dropped_question=[1, "x"])))
    assert store.load("old1").answers["dropped_question"] == [1, "x"]


def test_newer_schema_is_not_called_damaged(store):
    write_session(store, "new1", lambda d: d.update(id="new1", schema_version=99))
    with pytest.raises(SessionError, match="更新版本") as info:
        store.load("new1")
    assert not isinstance(info.value, SessionCorrupt)


def test_v1_session_with_bad_messages_is_corrupt():
    with pytest.raises(SessionCorrupt):
        Session.from_dict({"schema_version": 1, "id": "a", "form": "annual_report", "year": 2023, "messages": "x"})


@pytest.mark.slow  # spawns a process
def test_damaged_sessions_are_listed_and_the_rest_still_work(store):
    good = make_session(store, "annual", {"cluster_name": "好的"})
    store.path("deep").write_text('{"id":"deep","x":' + "[" * 200_000 + "]" * 200_000 + "}", encoding="utf-8")
    write_session(store, "nosuch1", lambda d: d.update(id="nosuch1", form="nosuch"))
    proc = run_filing("list")
    assert_clean(proc, 0)
    assert good.id in proc.stdout and "deep" in proc.stdout and "nosuch1" in proc.stdout
    for args in (["check", "deep"], ["answers", "nosuch1", "--set", "cluster_name=x"],
                 ["export", "deep", "--draft", "--format", "md"], ["preview", "nosuch1"]):
        proc = run_filing(*args)
        assert_clean(proc, 3)
        if "nosuch1" in args:  # intact, but its form is in no forms folder given: said so, not "damaged"
            assert "--forms" in proc.stderr and "已损坏" not in proc.stderr
        else:
            assert "已损坏" in proc.stderr and "maximum recursion" not in proc.stderr


def test_session_of_an_unknown_form_is_not_called_damaged(store):
    write_session(store, "other1", lambda d: d.update(id="other1", form="nosuch"))
    before = store.path("other1").read_bytes()
    with pytest.raises(SessionFormMissing, match="FILING_FORMS"):
        store.load("other1")
    assert store.path("other1").read_bytes() == before


# -- the command line ------------------------------------------------------------------------------
@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("text, words", [
    ("cluster_name: [1, 2]\n", "列表"),
    ("cluster_name: {a: 1}\n", "映射"),
    ('cluster_name: "甲\\n乙"\n', "换行"),
    ("area_km2: .nan\n", "有限"),
    ("enterprise_count: true\n", "是/否"),
    ("cluster_name:\n", "null"),
])
def test_answer_file_refuses_wrong_types(store, tmp_path, text, words):
    sid = make_session(store, "annual", {"contact_name": "王"}).id
    f = tmp_path / "a.yaml"
    f.write_text(text, encoding="utf-8")
    proc = run_filing("answers", sid, "--from-file", str(f))
    assert_clean(proc, 1)
    assert words in proc.stderr and "没有写入任何答案" in proc.stderr
    assert store.load(sid).answers == {"contact_name": "王"}


@pytest.mark.slow  # spawns a process
def test_answer_file_with_binary_data_is_refused_whole(store, tmp_path):
    sid = make_session(store, "annual", {"contact_name": "王"}).id
    f = tmp_path / "a.yaml"
    f.write_text("cluster_name: !!binary aGVsbG8=\n", encoding="utf-8")
    proc = run_filing("answers", sid, "--from-file", str(f))
    assert_clean(proc, 4)
    assert "!!binary" in proc.stderr and "不能作为答案文件" in proc.stderr
    assert store.load(sid).answers == {"contact_name": "王"}


@pytest.mark.slow  # spawns a process
def test_answer_file_says_which_answers_do_not_count(store, tmp_path):
    sid = make_session(store, "annual", {"contact_name": "王"}).id
    f = tmp_path / "a.yaml"
    f.write_text("operator_changed: 否\noperator_prev_name: 旧机构\n", encoding="utf-8")
    proc = run_filing("answers", sid, "--from-file", str(f))
    assert_clean(proc, 0)
    assert "operator_prev_name" in proc.stdout and "已保存" in proc.stdout and "不计入报告" in proc.stdout
    assert store.load(sid).answers["operator_prev_name"] == "旧机构"


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("year", ["1999", "2101", "abc", "0"])
def test_new_refuses_an_implausible_year(store, year):
    proc = run_filing("new", "--form", "annual", "--year", year)
    assert_clean(proc, 2)
    assert "年" in proc.stderr and not list(store.ids())


@pytest.mark.slow  # spawns a process
def test_bytes_that_are_not_utf8_in_arguments_are_refused(store):
    """On POSIX such bytes reach Python as lone surrogates (surrogateescape)."""
    proc = run_filing("new", "--form", "annual", "--title", "\udcff\udcfe")
    assert_clean(proc, 2)
    assert "无法保存的字符" in proc.stderr and not list(store.ids())
    sid = make_session(store, "annual", {"contact_name": "王"}).id
    proc = run_filing("answers", sid, "--set", "cluster_name=\udcff", "--set", "cluster\udcff=1")
    assert_clean(proc, 1)
    assert "cluster_name（集群名称）" in proc.stderr and "cluster\\udcff" in proc.stderr
    assert store.load(sid).answers == {"contact_name": "王"}


@pytest.mark.slow  # spawns a process
def test_undecodable_bytes_typed_in_ask_are_refused_and_the_session_still_saves(store):
    sid = make_session(store, "annual", {}).id
    proc = run_filing("ask", sid, input=b"\xff\xfe\xe9\x9b\x86\n")
    assert_clean(proc, 0)
    assert "无法保存的字符" in proc.stdout
    s = store.load(sid)
    assert "cluster_name" not in s.answers
    assert any("\ufffd" in m["text"] for m in s.transcript if m["role"] == "user")

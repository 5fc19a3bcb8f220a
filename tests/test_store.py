"""Sessions on disk: atomic saves, locking, damaged files, old schema versions."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from assistant.interview.engine import Engine
from assistant.session.store import SCHEMA_VERSION, Session, SessionCorrupt, SessionLocked, SessionNotFound


def test_session_holds_everything(store):
    s = store.create("annual_report", "浦江集群", 2024)
    s.say("assistant", "您好")
    s.set_answer("cluster_name", "甲")
    store.save(s)
    data = json.loads(store.path(s.id).read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    for key in ("id", "form", "title", "year", "created", "updated", "answers", "transcript", "cursor"):
        assert key in data
    assert data["year"] == 2024 and data["answers"] == {"cluster_name": "甲"}
    assert data["transcript"][0]["text"] == "您好"


def test_home_is_overridden_by_environment(store, filing_home):
    s = store.create("annual_report", "t", 2023)
    assert store.path(s.id).parent == filing_home / "sessions"


def test_fragment_cache_stays_correct(store):
    s = store.create("annual_report", "t", 2023)
    s.set_answer("a", [1, 2])
    first = s.to_json()
    s.set_answer("a", [3])
    s.say("user", "x")
    assert json.loads(s.to_json())["answers"]["a"] == [3]
    assert json.loads(first)["answers"]["a"] == [1, 2]
    assert Session.from_dict(json.loads(s.to_json())).to_json() == s.to_json()


def test_every_save_keeps_the_previous_good_copy(store):
    s = store.create("annual_report", "t", 2023)
    s.set_answer("cluster_name", "一")
    store.save(s)
    s.set_answer("cluster_name", "二")
    store.save(s)
    bak = json.loads(store.path(s.id).with_name(f"{s.id}.json.bak").read_text(encoding="utf-8"))
    assert bak["answers"]["cluster_name"] == "一"
    assert not list(store.root.glob(".*tmp"))


@pytest.mark.parametrize("damage", [b"", b"{\"id\": \"x\", \"form\"", b"\x00\x01garbage", b"[]"])
def test_damaged_file_is_reported_and_never_overwritten(store, damage):
    s = store.create("annual_report", "t", 2023)
    s.set_answer("cluster_name", "好的答案")
    store.save(s)
    s.set_answer("operator_name", "最后一次")
    store.save(s)
    path = store.path(s.id)
    path.write_bytes(damage)
    with pytest.raises(SessionCorrupt) as info:
        store.load(s.id)
    assert "已损坏" in str(info.value) and "restore" in str(info.value)
    with pytest.raises(SessionCorrupt):
        store.open(s.id)
    assert path.read_bytes() == damage  # untouched
    store.restore(s.id)
    assert store.load(s.id).answers == {"cluster_name": "好的答案"}  # the version before the last save
    assert list(store.root.glob(f"{s.id}.json.damaged-*"))


def test_unknown_session(store):
    with pytest.raises(SessionNotFound, match="找不到会话"):
        store.load("nope")
    with pytest.raises(SessionNotFound):
        store.load("../etc/passwd")


@pytest.mark.slow  # spawns a process
def test_second_process_is_refused(store, filing_home):
    s = store.create("annual_report", "t", 2023)
    child = textwrap.dedent(f"""
        import sys, time
        from assistant.session.store import SessionStore
        h = SessionStore().open({s.id!r})
        print("locked", flush=True)
        sys.stdin.readline()
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        before = store.path(s.id).read_bytes()
        with pytest.raises(SessionLocked, match="正在另一个窗口"):
            store.open(s.id)
        assert store.path(s.id).read_bytes() == before
    finally:
        proc.communicate("\n", timeout=10)
    with store.open(s.id) as handle:  # free again once the other process is gone
        assert handle.session.id == s.id


def test_second_window_in_the_same_process_is_refused_until_closed(store):
    s = store.create("annual_report", "t", 2023)
    first = store.open(s.id)
    with pytest.raises(SessionLocked):
        store.open(s.id)
    first.close()
    first.close()  # closing twice is harmless
    with store.open(s.id) as again:
        assert not again.closed
    assert again.closed


def test_old_schema_version_still_loads(store):
    old = {"schema_version": 1, "id": "old1", "form": "annual_report", "title": "旧会话", "year": 2023,
           "answers": {"cluster_name": "旧集群"},
           "messages": [{"who": "assistant", "text": "您好", "time": "2024-03-01T10:00:00"}]}
    store.root.mkdir(parents=True, exist_ok=True)
    store.path("old1").write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    s = store.load("old1")
    assert s.answers["cluster_name"] == "旧集群" and s.transcript[0]["text"] == "您好"
    e = Engine.for_session(s)
    assert e.current().id == "operator_name"


def test_newer_schema_is_refused_clearly(store):
    store.root.mkdir(parents=True, exist_ok=True)
    store.path("new1").write_text(json.dumps({"schema_version": 99, "id": "new1", "form": "annual_report", "year": 2023}))
    with pytest.raises(Exception, match="更新版本"):
        store.load("new1")

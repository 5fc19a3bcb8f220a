"""`filing restore` never loses data: it takes the lock, asks before undoing a good save, keeps every copy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cli_support import assert_clean, run_filing

from assistant.session.store import SessionStore


def _three_saves(store: SessionStore) -> str:
    """A session saved with "第一次", then "第二次" (the .bak holds 第一次, the file 第二次)."""
    s = store.create("annual_report", "恢复测试", 2023)
    s.set_answer("cluster_name", "第一次")
    store.save(s)
    s.set_answer("cluster_name", "第二次")
    store.save(s)
    return s.id


def _name(store: SessionStore, sid: str) -> str:
    return store.load(sid).answers["cluster_name"]


def _asides(store: SessionStore, sid: str) -> list:
    return sorted(p for p in store.root.iterdir() if p.name.startswith(f"{sid}.json.") and
                  not p.name.endswith((".bak", ".lock")))


@pytest.mark.slow  # spawns a process
def test_restoring_a_damaged_session_keeps_the_damaged_file(store):
    sid = _three_saves(store)
    store.path(sid).write_text("{damaged", encoding="utf-8")
    proc = run_filing("restore", sid)
    assert_clean(proc, 0)
    assert "已另存" in proc.stdout and "损坏" in proc.stdout
    assert _name(store, sid) == "第一次"
    [aside] = _asides(store, sid)
    assert ".damaged-" in aside.name and aside.read_text(encoding="utf-8") == "{damaged"


@pytest.mark.slow  # spawns a process
def test_an_intact_session_needs_force_and_goes_back_one_save(store):
    sid = _three_saves(store)
    before = store.path(sid).read_bytes()
    proc = run_filing("restore", sid)
    assert_clean(proc, 1)
    assert "完好" in proc.stderr and "上一次保存" in proc.stderr and "--force" in proc.stderr
    assert store.path(sid).read_bytes() == before and not _asides(store, sid)
    proc = run_filing("restore", sid, "--force")
    assert_clean(proc, 0)
    assert "已另存" not in proc.stdout and "退回到上一次保存" in proc.stdout
    assert _name(store, sid) == "第一次"
    [aside] = _asides(store, sid)
    assert json.loads(aside.read_text(encoding="utf-8"))["answers"]["cluster_name"] == "第二次"


@pytest.mark.slow  # spawns a process
def test_two_restores_in_one_second_keep_both_copies(store):
    """Today's bug: the second .damaged-<second> copy replaced the first, and "第二次" was gone."""
    sid = _three_saves(store)
    store.path(sid).write_text("{damaged one", encoding="utf-8")
    store.restore(sid)
    store.path(sid).write_text("{damaged two", encoding="utf-8")
    store.restore(sid)
    store.restore(sid, force=True)
    kept = [p.read_bytes() for p in _asides(store, sid)]
    assert len(kept) == 3 and b"{damaged one" in kept and b"{damaged two" in kept
    # And with real processes, back to back, on an intact file: every version still somewhere.
    s = store.load(sid)
    s.set_answer("cluster_name", "第二次")
    store.save(s)
    for _ in range(2):
        assert_clean(run_filing("restore", sid, "--force"), 0)
    everything = b"".join(p.read_bytes() for p in store.root.iterdir() if p.name.startswith(sid))
    assert "第二次".encode() in everything
    assert len({p.name for p in _asides(store, sid)}) == 5


@pytest.mark.slow  # spawns a process
def test_restore_is_refused_while_the_session_is_open(store):
    sid = _three_saves(store)
    store.path(sid).write_text("{damaged", encoding="utf-8")
    code = ("import sys, time; from assistant.session.store import SessionStore; from assistant.session.store import SessionLock;"
            f"l = SessionLock(str(SessionStore().path('{sid}')) + '.lock'); assert l.acquire();"
            "print('held', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        proc = run_filing("restore", sid)
        assert_clean(proc, 3)
        assert "正在另一个窗口" in proc.stderr
        assert store.path(sid).read_text(encoding="utf-8") == "{damaged" and not _asides(store, sid)
    finally:
        holder.communicate("")
    assert_clean(run_filing("restore", sid), 0)


@pytest.mark.slow  # spawns a process
def test_a_damaged_backup_is_reported_and_nothing_changes(store):
    sid = _three_saves(store)
    path = store.path(sid)
    bak = path.with_name(path.name + ".bak")
    path.write_text("{damaged", encoding="utf-8")
    bak.write_text("[" * 200_000, encoding="utf-8")
    proc = run_filing("restore", sid)
    assert_clean(proc, 3)
    assert "备份副本" in proc.stderr and "也已损坏" in proc.stderr and "未做改动" in proc.stderr
    assert path.read_text(encoding="utf-8") == "{damaged" and not _asides(store, sid)
    # ...and the damaged-file message no longer recommends restore.
    proc = run_filing("check", sid)
    assert_clean(proc, 3)
    assert "已损坏" in proc.stderr and "filing restore" not in proc.stderr


@pytest.mark.slow  # spawns a process
def test_no_backup_at_all(store):
    s = store.create("annual_report", "只存过一次", 2023)
    proc = run_filing("restore", s.id)
    assert_clean(proc, 3)
    assert "没有备份副本" in proc.stderr
    assert_clean(run_filing("restore", "nosuch"), 3)


@pytest.mark.slow  # spawns a process
@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminal")
@pytest.mark.parametrize(("answer", "restored"), [("y", True), ("n", False)])
def test_restore_asks_at_a_terminal(store, answer, restored):
    import pty

    sid = _three_saves(store)
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "assistant.frontends.cli", "restore", sid], stdin=slave, stdout=slave,
                            stderr=slave, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    os.close(slave)
    out = b""
    while "确定要退回".encode() not in out:
        out += os.read(master, 4096)
    os.write(master, f"{answer}\n".encode())
    code = proc.wait(timeout=30)
    try:
        while True:
            out += os.read(master, 4096)
    except OSError:
        pass
    os.close(master)
    text = out.decode("utf-8", "replace")
    assert "Traceback" not in text and "完好" in text
    assert code == (0 if restored else 1)
    assert _name(store, sid) == ("第一次" if restored else "第二次")
    assert len(_asides(store, sid)) == (1 if restored else 0)

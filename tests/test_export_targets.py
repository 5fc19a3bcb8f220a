"""Export writes only where it should: a regular file, whole, with nothing left behind (real CLI processes)."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from cli_support import assert_clean, run_filing
from conftest import make_session, sample_answers

from assistant.errors import UserError
from assistant.interview.engine import Engine
from assistant.report.export import TMP_TAG, default_filename, export_session

posix_only = pytest.mark.skipif(os.name != "posix", reason="devices, FIFOs and sockets as files are POSIX")


@pytest.fixture
def sid(annual_session) -> str:
    return annual_session.id


@pytest.mark.slow  # spawns a process
@posix_only
def test_dev_null_is_refused_even_with_force(sid):
    before = os.stat("/dev/null")
    proc = run_filing("export", sid, "-o", "/dev/null", "--force")
    assert_clean(proc, 4)
    assert "字符设备" in proc.stderr and "不是普通文件" in proc.stderr
    after = os.stat("/dev/null")
    assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)


@pytest.mark.slow  # spawns a process
@posix_only
def test_fifo_and_socket_are_refused(sid, tmp_path):
    fifo = tmp_path / "pipe.docx"
    os.mkfifo(fifo)
    proc = run_filing("export", sid, "-o", str(fifo), "--force")
    assert_clean(proc, 4)
    assert "命名管道" in proc.stderr
    assert fifo.is_fifo()
    sock_path = tmp_path / "s.md"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        proc = run_filing("export", sid, "--format", "md", "-o", str(sock_path), "--force")
    assert_clean(proc, 4)
    assert "套接字" in proc.stderr and sock_path.is_socket()


def test_a_folder_where_the_file_would_go_is_refused(annual_session, tmp_path):
    name = default_filename(Engine.for_session(annual_session), "md")
    (tmp_path / name).mkdir()
    with pytest.raises(UserError) as info:
        export_session(annual_session, "md", tmp_path, force=True)
    assert info.value.code == 4 and "文件夹" in str(info.value)
    assert (tmp_path / name).is_dir()


@pytest.mark.slow  # spawns a process
def test_missing_folder_with_trailing_slash_is_created(sid, annual_session, tmp_path):
    out = tmp_path / "新文件夹"
    proc = run_filing("export", sid, "--format", "md", "-o", f"{out}{os.sep}")
    assert_clean(proc, 0)
    name = default_filename(Engine.for_session(annual_session), "md")
    assert out.is_dir() and [p.name for p in out.iterdir()] == [name]
    assert proc.stdout.strip() == str(out / name)


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize(("fmt", "name"), [("docx", "report.md"), ("md", "report.docx"), ("json", "报告.docx")])
def test_extension_that_contradicts_the_format_is_refused(sid, tmp_path, fmt, name):
    out = tmp_path / "out"
    out.mkdir()
    proc = run_filing("export", sid, "--format", fmt, "-o", str(out / name))
    assert_clean(proc, 2)
    assert "扩展名" in proc.stderr and f".{fmt}" in proc.stderr
    assert list(out.iterdir()) == []


def _big_session(store) -> str:
    answers = sample_answers()
    answers["patent_list"] = [{"name": f"专利名称{i:04d}", "number": f"ZL{i:08d}", "kind": "发明专利", "holder": "某公司"}
                              for i in range(1, 3001)]
    answers["patent_count"] = "3000"
    return make_session(store, "annual", answers).id


def _complete_docx(path: Path) -> bool:
    with zipfile.ZipFile(path) as z:
        return z.testzip() is None and "word/document.xml" in z.namelist()


def _kill_runs(sid: str, out: Path, runs: int, seed: int) -> list[str]:
    """Start the export, kill -9 it at a random moment of its run; what each run left in `out`."""
    cmd = [sys.executable, "-m", "assistant.frontends.cli", "export", sid, "-o", str(out / "r.docx"), "--force"]
    start = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True)
    full = time.monotonic() - start
    (out / "r.docx").unlink()
    rng = random.Random(seed)
    seen = []
    for _ in range(runs):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full * 1.1))
        proc.kill()
        proc.wait()
        names = sorted(p.name for p in out.iterdir())
        assert names in ([], ["r.docx"]), names  # nothing, or the target and nothing else
        if names:
            assert _complete_docx(out / "r.docx")
            (out / "r.docx").unlink()
        seen.append("done" if names else "none")
    return seen


@pytest.mark.slow  # spawns a process
@posix_only
def test_kill_during_export_leaves_nothing_but_a_complete_target(store, tmp_path):
    sid = _big_session(store)
    out = tmp_path / "out"
    out.mkdir()
    _kill_runs(sid, out, runs=8, seed=os.getpid())
    # The data folder's staging area is cleared by the next export.
    assert_clean(run_filing("export", sid, "-o", str(out / "r.docx"), "--force"), 0)
    staging = Path(os.environ["FILING_HOME"]) / "tmp"
    assert not [p for p in staging.iterdir() if TMP_TAG.lstrip(".") in p.name]


@pytest.mark.slow  # spawns a process
@posix_only
@pytest.mark.skipif(not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat("/tmp").st_dev,
                    reason="needs a second file system for the output folder")
def test_export_to_another_disk_cleans_what_a_killed_export_left(store, tmp_path):
    """Output on another disk than the data folder (a rename cannot cross): the temp file is written
    beside the target, and what a killed export left there is removed by the next export to that folder."""
    import shutil
    import tempfile

    sid = _big_session(store)
    out = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        stale = out / f".r.docx{TMP_TAG}999999999.tmp"  # named by a process that no longer runs
        stale.write_bytes(b"half")
        cmd = [sys.executable, "-m", "assistant.frontends.cli", "export", sid, "-o", str(out / "r.docx"), "--force"]
        rng = random.Random(os.getpid())
        for _ in range(4):
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, 0.8))
            proc.kill()
            proc.wait()
            left = [p.name for p in out.iterdir() if p.name != "r.docx"]
            assert all(TMP_TAG in name for name in left), left  # only recognisable temp files, if anything
        assert_clean(run_filing("export", sid, "-o", str(out / "r.docx"), "--force"), 0)
        assert sorted(p.name for p in out.iterdir()) == ["r.docx"] and _complete_docx(out / "r.docx")
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.mark.parametrize("fmt", ["docx", "md", "json"])
def test_a_new_file_named_without_the_format_extension_gets_it_and_is_told(annual_session, tmp_path, fmt):
    """`保存到 /tmp/x/pkgtui` with Word chosen wrote a .docx named "pkgtui" that Word would not open."""
    notes: list[str] = []
    written = export_session(annual_session, fmt, tmp_path / "报告", notes=notes)
    assert written == tmp_path / f"报告.{fmt}" and written.is_file()
    assert f"文件名没有“.{fmt}”扩展名，已加上：报告.{fmt}" in notes
    assert not (tmp_path / "报告").exists()

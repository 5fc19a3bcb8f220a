"""The data folder and the disk: a FILING_HOME that is a file, a full or read-only disk are said in
Chinese, naming the file (exit 4), in every front end's start; never a traceback."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import assert_clean, run_filing


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("where", ["home", "sessions"])
@pytest.mark.parametrize("args", [("list",), ("new", "--form", "annual"), ("check", "x1"), ("restore", "x1"),
                                  ("resume", "x1"), (), ("ask",), ("import", "x1", "patent_list", "a.csv")])
def test_data_folder_that_is_a_file(tmp_path, where, args):
    home = tmp_path / "home"
    if where == "home":
        home.write_text("我的笔记", encoding="utf-8")
        expect = "数据目录"
    else:
        home.mkdir()
        (home / "sessions").write_text("我的笔记", encoding="utf-8")
        expect = "会话文件夹"
    proc = run_filing(*args, env={"FILING_HOME": str(home)})  # no args: the TUI, which must not start
    assert_clean(proc, 4)
    assert expect in proc.stderr and "是一个文件，不是文件夹" in proc.stderr
    assert (home if where == "home" else home / "sessions").read_text(encoding="utf-8") == "我的笔记"


def _namespaces() -> bool:
    if os.name != "posix" or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False).returncode == 0


needs_mount = pytest.mark.skipif(not _namespaces(), reason="needs unshare (user + mount namespaces) for a small tmpfs")


def _in_small_disk(mount: Path, setup: str, *args: str, size: str = "256k", env: dict | None = None,
                   options: str = "") -> subprocess.CompletedProcess:
    """Run the CLI in a private mount namespace where `mount` is a tiny tmpfs (nothing to clean up after)."""
    mount.mkdir(exist_ok=True)
    cli = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "assistant.frontends.cli", *args])
    opts = f"size={size}" + (f",{options}" if options else "")
    script = f"mount -t tmpfs -o {opts} tmpfs {shlex.quote(str(mount))} && {setup} && exec {cli}"
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})})


@pytest.mark.slow  # spawns a process
@needs_mount
def test_full_disk_names_the_file(tmp_path):
    disk = tmp_path / "disk"
    fill = f"mkdir -p {disk}/home/sessions {disk}/home/cache && (dd if=/dev/zero of={disk}/filler bs=1k 2>/dev/null; true)"
    proc = _in_small_disk(disk, fill, "new", "--form", "annual", env={"FILING_HOME": str(disk / "home")})
    assert_clean(proc, 4)
    assert "磁盘空间已满" in proc.stderr and str(disk / "home" / "sessions") in proc.stderr


@pytest.mark.slow  # spawns a process
@needs_mount
def test_export_to_a_full_disk_names_the_target(annual_session, tmp_path):
    disk = tmp_path / "disk"
    fill = f"(dd if=/dev/zero of={disk}/filler bs=1k 2>/dev/null; true)"
    proc = _in_small_disk(disk, fill, "export", annual_session.id, "-o", str(disk / "报告.docx"))
    assert_clean(proc, 4)
    assert "磁盘空间已满" in proc.stderr and "报告.docx" in proc.stderr


@pytest.mark.slow  # spawns a process
@needs_mount
def test_read_only_data_folder(tmp_path):
    disk = tmp_path / "disk"
    proc = _in_small_disk(disk, "true", "new", "--form", "annual", env={"FILING_HOME": str(disk / "home")},
                          options="ro")
    assert_clean(proc, 4)
    assert "只读" in proc.stderr and str(disk / "home") in proc.stderr

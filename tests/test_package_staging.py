"""The submission package is built beside its folder and swapped in whole: a failed or killed run leaves
the old folder as it was (or none), never a mix of old and new files; the person's own files stay."""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_session

from assistant.files.staging import clean_leftovers, staged_folder
from assistant.interview.engine import Engine
from assistant.report import package, pdf
from assistant.report.package import build_package, listed_files


@pytest.fixture
def no_soffice(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "no-soffice"))


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in list(folder.parent.iterdir()) + list(folder.iterdir() if folder.is_dir() else [])
                  if ".filing-" in p.name)


def whole(folder: Path) -> bool:
    """Every file the checklist lists is there with its SHA-256, and no package file is unlisted."""
    md = (folder / "报送清单.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (.+?) \| [^|]+ \| `([0-9a-f]{64})` \|$", md, re.M)
    assert rows, md
    for name, digest in rows:
        if hashlib.sha256((folder / name).read_bytes()).hexdigest() != digest:
            return False
    made = {p.name for p in folder.iterdir()} - {"报送清单.md", "报送清单.docx", "自己的文件.txt"}
    return made == {name for name, _ in rows}


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_failing_step_leaves_the_old_package_as_it_was(annual_session, tmp_path, no_soffice, monkeypatch):
    folder = tmp_path / "报送"
    build_package(annual_session, folder)
    before = snapshot(folder)
    Engine.for_session(annual_session).set("total_output", "97.00")  # the new package would differ

    def broken(engine):
        raise KeyError("inputs")  # as the enterprise evidence writer did

    monkeypatch.setattr(package, "_evidence_md", broken)
    with pytest.raises(KeyError):
        build_package(annual_session, folder, force=True)
    assert snapshot(folder) == before and leftovers(folder) == []


def test_a_failing_first_package_leaves_no_folder(annual_session, tmp_path, no_soffice, monkeypatch):
    monkeypatch.setattr(package, "_evidence_md", lambda engine: {}["inputs"])
    with pytest.raises(KeyError):
        build_package(annual_session, tmp_path / "报送")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "filing-home") == []


def test_force_keeps_the_persons_files_and_drops_what_the_old_package_listed(annual_session, tmp_path, no_soffice):
    folder = tmp_path / "报送"
    build_package(annual_session, folder)
    (folder / "自己的文件.txt").write_text("盖章扫描件", encoding="utf-8")
    (folder / "旧报告.pdf").write_bytes(b"%PDF old")  # written by an earlier package, listed in its checklist
    md = folder / "报送清单.md"
    md.write_text(md.read_text(encoding="utf-8") + f"| 旧报告.pdf | 8 字节 | `{'0' * 64}` |\n", encoding="utf-8")
    assert "旧报告.pdf" in listed_files(folder)
    pkg = build_package(annual_session, folder, force=True)
    names = {p.name for p in folder.iterdir()}
    assert "旧报告.pdf" not in names and (folder / "自己的文件.txt").read_text(encoding="utf-8") == "盖章扫描件"
    assert any("原有的其他文件已保留" in n and "自己的文件.txt" in n for n in pkg.notes)
    assert all(p.parent == folder and p.exists() for p in pkg.files) and whole(folder)


def test_a_link_to_a_folder_replaces_the_folder_it_points_at(annual_session, tmp_path, no_soffice):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    build_package(annual_session, link, force=True)
    assert link.is_symlink() and (real / "报送清单.md").exists()


def test_a_run_killed_between_the_two_renames_is_undone_by_the_next(tmp_path):
    target = tmp_path / "out"
    pid = dead_pid()
    aside = tmp_path / f".out.filing-old-{pid}-0a1b2c3d"  # the old folder, set aside, not yet replaced
    aside.mkdir()
    (aside / "a.txt").write_text("old", encoding="utf-8")
    stage = tmp_path / f".out.filing-new-{pid}-0a1b2c3e"
    stage.mkdir()
    (stage / "a.txt").write_text("half", encoding="utf-8")
    clean_leftovers(target)
    assert (target / "a.txt").read_text(encoding="utf-8") == "old" and sorted(os.listdir(tmp_path)) == ["out"]


def test_a_stage_of_a_running_process_is_left_alone(tmp_path):
    target = tmp_path / "out"
    live = tmp_path / f".out.filing-new-{os.getppid()}-0a1b2c3d"
    live.mkdir()
    clean_leftovers(target)
    assert live.exists()


def test_the_swap_replaces_an_existing_folder_and_an_exception_changes_nothing(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), staged_folder(target, previous={"old.txt"}) as stage:
        (stage.path / "new.txt").write_text("new", encoding="utf-8")
        raise RuntimeError
    assert sorted(os.listdir(tmp_path)) == ["out"] and os.listdir(target) == ["old.txt"]
    with staged_folder(target, previous={"old.txt"}) as stage:
        (stage.path / "new.txt").write_text("new", encoding="utf-8")
    assert sorted(os.listdir(tmp_path)) == ["out"] and os.listdir(target) == ["new.txt"]


def soffice_of(marker: str) -> list[int]:
    """Live processes whose command line names `marker` (a conversion's private folder): LibreOffice of that run."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            state = (entry / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z" and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def gone(marker: str, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while soffice_of(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix" or pdf.find_soffice() is None, reason="kill -9; LibreOffice")
def test_kill_9_during_package_force_leaves_the_old_package_or_the_new_one_whole(store, tmp_path):
    """issue 23 #5: 8 of 8 kills left a folder mixing new .docx/.json with the old .pdf and 报送清单, and
    LibreOffice outlived its parent in 15 of 24 kills."""
    session = make_session(store)
    folder = tmp_path / "报送"
    scratch = tmp_path / "tmp"  # the conversions' temp folders: their LibreOffice is found by this path
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    cmd = [sys.executable, "-m", "assistant.frontends.cli", "package", session.id, "-o", str(folder), "--force"]
    started = time.monotonic()
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    took = time.monotonic() - started
    assert any(p.suffix == ".pdf" for p in folder.iterdir())
    (folder / "自己的文件.txt").write_text("x", encoding="utf-8")
    rng = random.Random(23)
    hit = 0
    for i in range(8):
        with store.open(session.id) as handle:  # each run writes different figures: a mix would show
            Engine.for_session(handle.session).set("total_output", f"{100 + i}.00")
            handle.save()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 0.95) * took)
        hit += proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert whole(folder), (i, sorted(os.listdir(folder)))
        assert (folder / "自己的文件.txt").exists()
        assert gone(str(scratch), 3), f"LibreOffice outlived the killed package run {i}"
    print(f"package took {took:.2f} s; {hit} of 8 kills landed while it ran")
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=300)
    assert whole(folder) and leftovers(folder) == []
    assert '"total_output": "107.00"' in next(folder.glob("*.json")).read_text(encoding="utf-8")
    assert [p.name for p in scratch.iterdir() if p.name.startswith("filing-pdf-")] == []  # the last run cleaned up


def test_a_drive_root_is_filled_in_place_checklist_last(tmp_path, monkeypatch):
    """A folder that cannot be swapped (a USB drive's root): the stage is made inside it, the old
    checklist removed first, the old output replaced, the person's files left, the checklist moved in last."""
    target = tmp_path / "U盘"
    target.mkdir()
    for name, text in (("报送清单.md", "old list"), ("旧报告.pdf", "old"), ("自己的文件.txt", "mine")):
        (target / name).write_text(text, encoding="utf-8")
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == target or real(p))
    moved: list[str] = []
    real_replace = os.replace

    def replace(src, dst):
        moved.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with staged_folder(target, previous={"报送清单.md", "旧报告.pdf"}, last={"报送清单.md"}) as stage:
        assert stage.path.parent == target
        for name in ("报送清单.md", "新报告.pdf"):
            (stage.path / name).write_text("new", encoding="utf-8")
    assert sorted(os.listdir(target)) == ["报送清单.md", "新报告.pdf", "自己的文件.txt"]
    assert moved[-1] == "报送清单.md" and (target / "报送清单.md").read_text(encoding="utf-8") == "new"
    assert sorted(os.listdir(tmp_path)) == ["U盘"]


def test_a_file_in_the_way_is_never_swapped_with(tmp_path):
    target = tmp_path / "out"
    target.write_text("a file", encoding="utf-8")
    with pytest.raises(NotADirectoryError), staged_folder(target):
        pass
    assert target.read_text(encoding="utf-8") == "a file" and sorted(os.listdir(tmp_path)) == ["out"]


def test_the_current_folder_is_filled_in_place_not_swapped_away(annual_session, tmp_path, no_soffice, monkeypatch):
    here = tmp_path / "报送"
    here.mkdir()
    (here / "自己的文件.txt").write_text("x", encoding="utf-8")
    monkeypatch.chdir(here)
    inode = os.stat(".").st_ino
    pkg = build_package(annual_session, ".", force=True)
    assert os.stat(".").st_ino == inode and Path.cwd() == here  # the shell still stands in a live folder
    assert whole(here) and pkg.folder.resolve() == here and leftovers(here) == []

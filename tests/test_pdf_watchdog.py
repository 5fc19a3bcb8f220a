"""PDF conversions leave nothing behind: LibreOffice dies with the process that started it (even on
kill -9), and the private folder of a killed conversion is removed by the next one (issue 23 #5)."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.files.staging import owner_token
from assistant.report import pdf


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_folders_of_dead_conversions_are_removed_and_live_ones_kept(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))

    def folder(name: str, owner: str | None, age: float = 0) -> Path:
        path = tmp_path / name
        (path / "profile").mkdir(parents=True)
        if owner is not None:
            (path / pdf.OWNER_FILE).write_text(owner, encoding="ascii")
        if age:
            os.utime(path, (time.time() - age, time.time() - age))
        return path

    dead = folder("filing-pdf-dead", owner_token(dead_pid()))
    mine = folder("filing-pdf-mine", owner_token())
    reused = folder("filing-pdf-reused", f"{os.getppid()} 1")  # a live pid, started at another time
    fresh = folder("filing-pdf-fresh", None)  # being made this instant, or an older version's
    old = folder("filing-pdf-old", None, age=2 * pdf.STALE_AFTER)
    other = folder("someone-else", owner_token(dead_pid()))
    pdf.clean_stale_folders()
    assert not dead.exists() and not old.exists() and not reused.exists()
    assert mine.exists() and fresh.exists() and other.exists()


def _soffice_of(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
            state = (entry / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and "soffice" in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


CALLER = """
import sys
from assistant.report.pdf import docx_to_pdf
docx_to_pdf(open(sys.argv[1], "rb").read())
"""


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix" or pdf.find_soffice() is None, reason="kill -9; LibreOffice")
def test_libreoffice_dies_with_its_caller_and_the_next_run_removes_its_folder(tmp_path, monkeypatch):
    from docx import Document

    doc = Document()  # a long table: LibreOffice needs half a minute, so an orphan would still be running
    table = doc.add_table(rows=1, cols=4)
    for i, cell in enumerate(table.rows[0].cells):
        cell.text = f"单元格 {i}"
    row = table.rows[0]._tr
    for _ in range(3000):
        table._tbl.append(copy.deepcopy(row))
    src = tmp_path / "big.docx"
    doc.save(str(src))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    caller = subprocess.Popen([sys.executable, "-c", CALLER, str(src)], env={**os.environ, "TMPDIR": str(scratch)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not any("soffice.bin" in Path(f"/proc/{p}/cmdline").read_bytes().decode("utf-8", "replace")
                      for p in _soffice_of(str(scratch)) if Path(f"/proc/{p}").exists()):
            assert time.monotonic() < deadline and caller.poll() is None, "LibreOffice never started"
            time.sleep(0.2)
    finally:
        caller.send_signal(signal.SIGKILL)
        caller.wait()
    killed = time.monotonic()
    while _soffice_of(str(scratch)):
        assert time.monotonic() < killed + 3, "LibreOffice outlived the process that started it"
        time.sleep(0.05)
    print(f"LibreOffice gone {time.monotonic() - killed:.2f} s after its caller was killed")
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    left = [p.name for p in scratch.iterdir()]
    pdf.clean_stale_folders()  # what the next conversion does first
    assert [p.name for p in scratch.iterdir() if p.name.startswith(pdf.TEMP_PREFIX)] == [], left

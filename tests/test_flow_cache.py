"""The compiled-flow cache: used when the files are unchanged, rebuilt when they change or break."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from assistant.form.catalog import forget, load_flow
from assistant.paths import cache_dir


def _fresh_load(form="annual"):
    forget()
    try:
        return load_flow(form)
    finally:
        forget()


def test_cache_is_written_and_reused(filing_home, monkeypatch):
    monkeypatch.delenv("FILING_CACHE")  # the data folder's own cache, as a user has it
    flow = _fresh_load()
    files = list(cache_dir().glob("annual_report-*.pickle"))
    assert len(files) == 1
    again = _fresh_load()
    assert [q.id for q in again.questions] == [q.id for q in flow.questions]
    assert again["standards"].rows[0].label == "国际" and again.expr("patent_list", "relevant") is not None
    assert again.rules[0].assert_ == flow.rules[0].assert_


def test_broken_cache_is_rebuilt(filing_home, monkeypatch):
    monkeypatch.delenv("FILING_CACHE")
    built = [q.id for q in _fresh_load().questions]
    (cached,) = cache_dir().glob("annual_report-*.pickle")
    cached.write_bytes(b"not a pickle")
    assert [q.id for q in _fresh_load().questions] == built
    (cached,) = cache_dir().glob("annual_report-*.pickle")
    assert cached.read_bytes() != b"not a pickle"


@pytest.mark.slow  # spawns a process
def test_cached_start_needs_no_yaml_or_pydantic(filing_home):
    _fresh_load()
    filing_home.mkdir(parents=True, exist_ok=True)
    code = ("import sys\nfrom assistant.form.catalog import load_flow\nload_flow('annual')\n"
            "print(','.join(m for m in ('yaml', 'pydantic') if m in sys.modules))")
    # cwd elsewhere: the child imports the package this test imported (installed, not the checkout's folder)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=filing_home,
                         env={**os.environ, "FILING_HOME": str(filing_home)}).stdout.strip()
    assert out == ""


def test_the_app_processes_of_filing_serve_share_the_servers_cache(tmp_path, monkeypatch):
    """An account's tab runs with the account's folder as FILING_HOME, and the server's compiled forms."""
    from assistant.frontends.serve import Connection, ServeConfig, child_command

    monkeypatch.setenv("FILING_CACHE", str(tmp_path / "shared"))
    assert cache_dir() == tmp_path / "shared"
    monkeypatch.delenv("FILING_CACHE")
    command = child_command(Connection(tmp_path / "accounts" / "a0123456789ab", False),
                            ServeConfig(data_root=tmp_path))
    assert f"--cache {tmp_path / 'cache'}" in command and f"--home {tmp_path / 'accounts' / 'a0123456789ab'}" in command

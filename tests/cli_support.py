"""Run the `filing` CLI as a real process with time and memory bounds (hostile-input tests share this)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

TRACEBACK_MARKERS = ("Traceback (most recent call last)", "出现意外错误")


def _limits(mem_mb: int):
    def apply() -> None:
        import resource

        limit = mem_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_filing(*args: str, input: str | bytes | None = None, env: Mapping[str, str] | None = None,
               timeout: float = 60, mem_mb: int = 1536, encoding: str = "utf-8") -> subprocess.CompletedProcess:
    """`python -m assistant.frontends.cli ARGS` with stdout/stderr decoded in `encoding` (PYTHONIOENCODING set to it).

    The address-space limit and the timeout make a runaway (alias bomb, huge declared sheet, endless
    stream) fail the test instead of the machine."""
    full_env = {**os.environ, "PYTHONIOENCODING": encoding, **(env or {})}
    data = input.encode(encoding) if isinstance(input, str) else input
    proc = subprocess.run([sys.executable, "-m", "assistant.frontends.cli", *args], check=False, input=data, capture_output=True,
                          env=full_env, timeout=timeout, preexec_fn=_limits(mem_mb) if os.name == "posix" else None,
                          stdin=None if data is not None else subprocess.DEVNULL)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(encoding, "replace"),
                                       proc.stderr.decode(encoding, "replace"))


def assert_clean(proc: subprocess.CompletedProcess, *codes: int) -> None:
    """No traceback and no generic error anywhere; exit code among `codes` when given; a refusal says why in Chinese."""
    for marker in TRACEBACK_MARKERS:
        assert marker not in proc.stdout and marker not in proc.stderr, (proc.stdout, proc.stderr)
    if codes:
        assert proc.returncode in codes, (proc.returncode, proc.stdout, proc.stderr)
    if proc.returncode != 0:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in proc.stderr), proc.stderr

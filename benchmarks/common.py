"""What the benchmark scripts share."""

from __future__ import annotations

import os
from pathlib import Path


def process_env(home: Path | str) -> dict[str, str]:
    """Environment for a timed fresh process, as a person's machine has it after `pip install .`.

    pip compiles bytecode at install; a source checkout run with PYTHONDONTWRITEBYTECODE would
    recompile every module on every start, so bytecode is allowed and kept in a private folder
    (a warm-up run fills it) instead of next to the sources.
    """
    env = {**os.environ, "FILING_HOME": str(home), "PYTHONPYCACHEPREFIX": str(Path(home) / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env

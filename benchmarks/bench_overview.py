"""Commission overview of 500 cluster reports (the sample answers, each a different cluster): target ≤ 3 s.

Timed: `filing overview` in a fresh process (read + validate every report like import-report, flags,
problems, .xlsx written), after a warm-up run. Reports are generated in a temp dir.
Run: python benchmarks/bench_overview.py [N]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import process_env

from assistant.files.yamlio import yaml_load
from assistant.paths import data_dir

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500
TARGET_S = 3.0


def main() -> None:
    answers = yaml_load((data_dir("examples") / "annual_answers.yaml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = []
        for i in range(N):
            data = {"schema": "filing-assistant/report", "schema_version": 1, "form": "annual_report", "year": 2023,
                    "title": f"集群{i}", "answers": {**answers, "cluster_name": f"示例集群{i:04d}",
                                                      "total_output": f"{20 + i % 100}亿"}}
            path = folder / f"r{i:04d}.json"
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            paths.append(str(path))
        env = process_env(folder / "home")
        cmd = [sys.executable, "-m", "assistant.frontends.cli", "overview", *paths, "--force", "-o", str(folder / "o.xlsx")]
        subprocess.run([*cmd[:5], "-o", str(folder / "warm.xlsx")], env=env, check=True, capture_output=True)
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        size = (folder / "o.xlsx").stat().st_size if (folder / "o.xlsx").exists() else 0
        print(f"overview of {N} reports: {elapsed:.2f} s (target ≤ {TARGET_S:.0f} s), exit {proc.returncode}, "
              f"{size / 1024:.0f} KiB; {proc.stderr.strip()}")


if __name__ == "__main__":
    main()

"""District roll-up of 50 cluster reports, each with a 1 000-row patent list: target ≤ 1 s to the district session.

Timed: create_district in this process (every report read and validated like import-report, the table,
totals, drafts, review notes, one durable save); plus `filing new --form district --from-reports` in a
fresh process for the figure a person sees. Reports are generated in a temp dir.
Run: python benchmarks/bench_rollup.py [N] [ROWS]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import process_env

from assistant.files.yamlio import yaml_load
from assistant.paths import data_dir

N = int(sys.argv[1]) if len(sys.argv) > 1 else 50
ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
TARGET_S = 1.0


def main() -> None:
    answers = yaml_load((data_dir("examples") / "annual_answers.yaml").read_text(encoding="utf-8"))
    patents = [{"name": f"一种智能传感器的制备方法（{i}）", "number": f"ZL 2021 1 {i:07d}.{i % 10}", "kind": "发明专利",
                "holder": f"上海示例第{i % 97}传感科技有限公司"} for i in range(ROWS)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = []
        for i in range(N):
            data = {"schema": "filing-assistant/report", "schema_version": 1, "form": "annual_report", "year": 2023,
                    "title": f"集群{i}", "answers": {**answers, "cluster_name": f"示例集群{i:03d}",
                                                      "patent_count": str(ROWS), "patent_list": patents}}
            path = folder / f"r{i:03d}.json"
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            paths.append(path)
        os.environ["FILING_HOME"] = str(folder / "home")
        from assistant.report.rollup import create_district
        from assistant.session.store import SessionStore

        create_district(paths[:2], SessionStore(), "预热", None)
        start = time.perf_counter()
        session = create_district(paths, SessionStore(), "浦江新区", None)
        elapsed = time.perf_counter() - start
        print(f"roll-up of {N} reports × {ROWS} patents, in process: {elapsed:.2f} s (target ≤ {TARGET_S:.0f} s), "
              f"{len(session.answers['cluster_table']) - 1} rows + total")
        env = process_env(folder / "home2")
        cmd = [sys.executable, "-m", "assistant.frontends.cli", "new", "--form", "district", "--from-reports", *map(str, paths)]
        subprocess.run(cmd[:-N + 2], env=env, check=True, capture_output=True)  # warm-up (bytecode)
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        print(f"`filing new --form district --from-reports` ({N} files), fresh process: "
              f"{time.perf_counter() - start:.2f} s, exit {proc.returncode}")


if __name__ == "__main__":
    main()

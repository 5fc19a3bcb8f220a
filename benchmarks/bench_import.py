"""Import of a 10 000-row patent list: .xlsx (target ≤ 3 s) and GBK .csv (target ≤ 1 s).

Timed: read + validate + apply + durable (fsync'd) save. Files are generated in a temp dir.
Memory: `filing import … --yes` of each file in a fresh process; its peak RSS
(getrusage(RUSAGE_CHILDREN).ru_maxrss, one child at a time) is printed (target < 200 MB).
Run: python benchmarks/bench_import.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import process_env

N = 10_000
RSS_TARGET_MB = 200
KINDS = ["发明专利", "集成电路布图设计专有权", "植物新品种", "国家新药"]


def rows() -> list[list[str]]:
    return [[f"一种智能传感器的制备方法（{i}）", f"ZL 2021 1 {i:07d}.{i % 10}", KINDS[i % len(KINDS)],
             f"上海示例第{i % 97}传感科技有限公司"] for i in range(1, N + 1)]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FILING_HOME"] = str(Path(tmp) / "home")
        from openpyxl import Workbook

        from assistant.interview.engine import Engine
        from assistant.interview.lists import apply_rows, load_rows
        from assistant.session.store import SessionStore

        header = ["专利名称", "专利号", "类型", "权利人"]
        xlsx = Path(tmp) / "patents.xlsx"
        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(header)
        for r in rows():
            ws.append(r)
        wb.save(xlsx)
        csv = Path(tmp) / "patents.csv"
        csv.write_bytes(("".join(",".join(r) + "\r\n" for r in [header, *rows()])).encode("gbk"))

        store = SessionStore()
        load_rows(Engine.for_session(store.create("annual_report", "warm", 2023)), "patent_list", csv)  # warm imports
        for path, target in ((xlsx, 3.0), (csv, 1.0)):
            session = store.create("annual_report", "bench", 2023)
            t0 = time.perf_counter()
            with store.open(session.id) as handle:
                engine = Engine.for_session(handle.session)
                t_read = time.perf_counter()
                data = load_rows(engine, "patent_list", path)
                t_valid = time.perf_counter()
                apply_rows(engine, "patent_list", data)
                handle.save()
            t1 = time.perf_counter()
            assert len(store.load(session.id).answers["patent_list"]) == N
            print(f"{path.suffix:6} {N} 行：{t1 - t0:.2f} s（读取+校验 {t_valid - t_read:.2f} s，"
                  f"写入+保存 {t1 - t_valid:.2f} s；目标 ≤ {target:.0f} s）"
                  f"{'' if t1 - t0 <= target else '  超出目标'}  文件 {path.stat().st_size // 1024} KB")
        for path in (xlsx, csv):
            sid = store.create("annual_report", "rss", 2023).id
            print(f"{path.suffix:6} {N} 行：`filing import` 进程峰值内存 {peak_rss_mb(sid, path, tmp):.0f} MB"
                  f"（目标 < {RSS_TARGET_MB} MB）")
    sys.stdout.flush()


_RSS_CHILD = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True)
if proc.returncode:
    sys.exit(proc.stderr.decode("utf-8", "replace"))
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_mb(session_id: str, path: Path, tmp: str) -> float:
    """Peak RSS of `filing import ID patent_list PATH --yes`, measured by a parent that runs nothing else.

    RUSAGE_CHILDREN is the largest of all waited-for children, so a fresh parent process holds it."""
    env = {**process_env(Path(tmp) / "home"), "FILING_HOME": os.environ["FILING_HOME"]}
    cmd = [sys.executable, "-m", "assistant.frontends.cli", "import", session_id, "patent_list", str(path), "--yes"]
    out = subprocess.run([sys.executable, "-c", _RSS_CHILD, *cmd], capture_output=True, text=True, env=env, check=True)
    return int(out.stdout.strip()) / 1024  # KiB on Linux


if __name__ == "__main__":
    main()

"""Core figures (issue 2): answer + durable save with a 10 000-row list; cold load of flow + session.

Run:  python benchmarks/bench_core.py
Targets: apply one answer incl. durable save, median <= 10 ms; load the flow and a session <= 100 ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import process_env

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.files.yamlio import yaml_load  # noqa: E402
from assistant.interview.engine import Engine  # noqa: E402
from assistant.paths import data_dir  # noqa: E402
from assistant.session.store import SessionStore  # noqa: E402

ROWS = 10_000


def big_session(store: SessionStore):
    answers = yaml_load((data_dir("examples") / "annual_answers.yaml").read_text(encoding="utf-8"))
    answers["patent_count"] = str(ROWS)
    answers["patent_list"] = [
        {"name": f"一种智能传感器的制备方法（{i}）", "number": f"ZL 2021 1 {i:07d}.X", "kind": "invention",
         "holder": "上海浦江示例传感科技有限公司"} for i in range(ROWS)]
    session = store.create("annual_report", "bench", 2023)
    engine = Engine.for_session(session)
    assert not engine.apply_many(answers)
    store.save(session)
    return session


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FILING_HOME"] = tmp
        store = SessionStore()
        session = big_session(store)
        size = store.path(session.id).stat().st_size
        with store.open(session.id) as handle:
            engine = Engine.for_session(handle.session, on_change=lambda s: handle.save())
            times = []
            for i in range(200):
                t = time.perf_counter()
                outcome = engine.answer("rd_expense", f"{35000 + i}万")
                times.append((time.perf_counter() - t) * 1000)
                assert outcome.ok
        print(f"session file: {size / 1e6:.2f} MB with a {ROWS}-row patent list")
        print(f"apply one answer incl. durable save (atomic replace + fsync): median {statistics.median(times):.2f} ms, "
              f"p90 {sorted(times)[int(len(times) * 0.9)]:.2f} ms  (target median <= 10 ms)")

        code = ("import time; t=time.perf_counter(); "
                "from assistant.form.catalog import load_flow; from assistant.session.store import SessionStore; "
                "from assistant.interview.engine import Engine; "
                f"f=load_flow('annual'); s=SessionStore().load({session.id!r}); e=Engine(f, s); e.current(); "
                "print((time.perf_counter()-t)*1000)")
        cold = []
        for i in range(6):  # the first run (untimed) compiles bytecode, as pip install would
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 cwd=ROOT, env=process_env(tmp))
            if i:
                cold.append(float(out.stdout))
        print(f"load flow + prompts + {size / 1e6:.1f} MB session + engine, cold process (module imports included): "
              f"median {statistics.median(cold):.0f} ms")
        from assistant.form.catalog import load_flow

        warm = []
        for _ in range(5):
            load_flow.cache_clear()
            t = time.perf_counter()
            e = Engine(load_flow("annual"), store.load(session.id))
            e.current()
            warm.append((time.perf_counter() - t) * 1000)
        print(f"load flow + prompts + session + engine, modules already imported: median {statistics.median(warm):.0f} ms "
              f"(target <= 100 ms)")


if __name__ == "__main__":
    main()

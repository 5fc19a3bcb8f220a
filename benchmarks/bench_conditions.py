"""Conditions (issue 11, "one evaluator"): start-up and evaluation cost of assistant/form/expr.py, beside
jinja2 alone (compile_expression of the sandboxed environment) on the same conditions.

Run:  python benchmarks/bench_conditions.py [--tree OTHER_CHECKOUT]
Prints medians; --tree runs the same fresh-process figures against another checkout (e.g. main).
Target (issue 11): start-up stays within 1.5x a bare Textual app (bench_tui.py measures that);
here: a fresh process that loads a form and evaluates it, and the per-answer re-evaluation.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FRESH = """
import time, sys
t = time.perf_counter()
from assistant.form.flow import {loader}
from assistant.interview.engine import evaluate
flow = {call}
s = evaluate(flow, {{}}, 2023)
print((time.perf_counter() - t) * 1000, 'jinja2' in sys.modules)
"""


def fresh(tree: Path, cached: bool, runs: int = 9) -> tuple[float, bool]:
    """A new Python process: import, load the annual form (from the compiled cache or from YAML), evaluate."""
    from_yaml = "load_flow_file(__import__('assistant.paths').paths.data_dir('flows') / 'annual_report.yaml')"
    loader, call = ("load_flow", "load_flow('annual_report')") if cached else ("load_flow_file", from_yaml)
    code = FRESH.format(loader=loader, call=call)
    times, jinja = [], False
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "FILING_HOME": home, "PYTHONPATH": str(tree)}
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, cwd=home)  # fills the cache
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=home)
            ms, j = out.stdout.split()
            times.append(float(ms))
            jinja = jinja or j == "True"
    return statistics.median(times), jinja


def in_process() -> None:
    from assistant.files.yamlio import yaml_load
    from assistant.form.catalog import load_flow
    from assistant.form.expr import Expression, environment
    from assistant.interview.engine import Engine, evaluate
    from assistant.paths import data_dir
    from assistant.session.store import Session

    flow = load_flow("annual")
    session = Session("bench", flow.form, "bench", 2023)
    Engine(flow, session).apply_many(yaml_load((data_dir("examples") / "annual_answers.yaml").read_text(encoding="utf-8")))
    answers = session.answers
    sources = [ex.source for ex in flow.exprs.values()]
    t = time.perf_counter()
    for s in sources:
        Expression(s)
    ours_parse = (time.perf_counter() - t) * 1000
    env = environment()
    t = time.perf_counter()
    compiled = [env.compile_expression(s) for s in sources]
    jinja_parse = (time.perf_counter() - t) * 1000
    ns = evaluate(flow, answers, 2023).namespace
    exprs = [Expression(s) for s in sources]

    def per_pass(fn) -> float:
        runs = []
        for _ in range(200):
            t = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - t) * 1e6)
        return statistics.median(runs)

    def jinja_all() -> None:
        for c in compiled:
            with contextlib.suppress(Exception):  # an input missing: unknown, as assistant/form/expr.py says None
                c(**ns)

    ours = per_pass(lambda: [e(ns) for e in exprs])
    jin = per_pass(jinja_all)
    full = per_pass(lambda: evaluate(flow, answers, 2023))
    print(f"{len(sources)} conditions of the annual form")
    print(f"  parse all: assistant/form/expr.py {ours_parse:.1f} ms; jinja2 compile_expression {jinja_parse:.1f} ms")
    print(f"  evaluate all once: assistant/form/expr.py {ours:.0f} µs; jinja2 {jin:.0f} µs")
    print(f"  Engine state after an answer (evaluate the whole form): {full:.0f} µs")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", type=Path, help="another checkout to compare (fresh-process figures only)")
    args = ap.parse_args()
    for tree in [ROOT] + ([args.tree] if args.tree else []):
        cached, j1 = fresh(tree, cached=True)
        yaml, j2 = fresh(tree, cached=False)
        print(f"{tree}: fresh process, import + load annual form + evaluate: "
              f"from cache {cached:.0f} ms (jinja2 imported: {j1}); from YAML {yaml:.0f} ms (jinja2 imported: {j2})")
    in_process()


if __name__ == "__main__":
    main()

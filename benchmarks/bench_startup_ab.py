"""Start-up of two checkouts against a bare Textual app, in alternating fresh processes (printed, not asserted):

    PYTHONPATH=$PWD python benchmarks/bench_startup_ab.py OTHER_CHECKOUT [RUNS]

OTHER_CHECKOUT is another source tree (e.g. `git archive main | tar -x -C /tmp/main`). On a machine shared
with other work the noise is larger than a change of 20 ms: both trees are timed in the same rounds, their
order swapped every round, each with its own bytecode and flow cache (the cache of one would evict the other's).
Measured as bench_tui.py part 1: a new session and one answered halfway, until the input line has focus.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_tui import BARE, OURS, half_filled
from common import process_env

ROOT = Path(__file__).resolve().parent.parent


def run(code: str, *args: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if out.returncode:
        raise SystemExit(f"{env['PYTHONPATH']} {' '.join(args)}:\n{out.stderr[-2000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    other, runs = Path(sys.argv[1]).resolve(), int(sys.argv[2]) if len(sys.argv) > 2 else 15
    from assistant.session.store import SessionStore

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        store = SessionStore(home / "sessions")
        new = store.create("annual_report", "基准", 2023).id
        resumed = half_filled(store)
        trees = {"this": ROOT, "other": other}
        envs = {}
        for name, tree in trees.items():
            own = home / name
            own.mkdir()
            (own / "sessions").symlink_to(home / "sessions")
            envs[name] = {**process_env(own), "PYTHONPATH": str(tree)}
        warm = OURS.replace("assert not", "assert True or not")  # bytecode and flow cache, as after installing
        run(BARE, env=envs["this"])
        for name in trees:
            run(warm, new, env=envs[name])
            run(warm, resumed, env=envs[name])
        times: dict[str, list[float]] = {"bare": []} | {f"{n} {s}": [] for n in trees for s in ("new", "resumed")}
        for i in range(runs):
            times["bare"].append(run(BARE, env=envs["this"]))
            for name in (("this", "other") if i % 2 == 0 else ("other", "this")):
                times[f"{name} new"].append(run(OURS, new, env=envs[name]))
                times[f"{name} resumed"].append(run(OURS, resumed, env=envs[name]))
    bare = statistics.median(times["bare"])
    print(f"start-up until the first answer can be typed, median of {runs} (this = {ROOT}, other = {other}):")
    for label, ts in times.items():
        m = statistics.median(ts)
        print(f"  {label:<15} {m * 1000:7.1f} ms   ratio {m / bare:5.2f}×   (min {min(ts) * 1000:6.1f} ms)")


if __name__ == "__main__":
    main()

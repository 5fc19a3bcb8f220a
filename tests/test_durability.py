"""kill -9 at random moments: every answer reported as saved survives, and the file always loads."""

from __future__ import annotations

import itertools
import os
import random
import signal
import statistics
import subprocess
import sys
import textwrap
import time

import pytest

from assistant.session.store import SessionStore

CHILD = textwrap.dedent("""
    import sys
    from assistant.interview.engine import Engine
    from assistant.session.store import SessionStore
    from assistant.files.yamlio import yaml_load
    from assistant.paths import data_dir
    answers = yaml_load((data_dir("examples") / "annual_answers.yaml").read_text(encoding="utf-8"))
    handle = SessionStore().open(sys.argv[1])
    engine = Engine.for_session(handle.session, on_change=lambda s: handle.save())
    round_ = 0
    while True:
        round_ += 1
        for qid, raw in answers.items():
            if qid in ("cluster_name", "contact_name"):
                raw = f"{raw}-{round_}"
            outcome = engine.answer(qid, raw)
            assert outcome.ok, outcome
            stored = engine.session.answers[qid]
            print(f"saved {qid} {stored if isinstance(stored, str) else ''}", flush=True)
""")


# A control that is NOT durable: it reports an answer as saved before writing it. The same harness
# must catch it, or the real test above proves nothing.
_SAVE = "        outcome = engine.answer(qid, raw)\n"
_REPORT = "        print(f\"saved {qid} {stored if isinstance(stored, str) else ''}\", flush=True)\n"
assert _SAVE in CHILD and _REPORT in CHILD
BROKEN = CHILD.replace(_REPORT, "").replace(_SAVE, (
    "        print(f\"saved {qid}\", flush=True)\n"
    "        __import__('time').sleep(0.02)\n" + _SAVE))


def _save_interval(sid: str) -> float:
    """Seconds between two confirmed saves of the real child (median over 20): the kills are spread
    over runs of this measured length, so they land inside saves, not only between them."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, sid], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    proc.stdout.readline()
    stamps = []
    for _ in range(21):
        proc.stdout.readline()
        stamps.append(time.perf_counter())
    proc.kill()
    proc.wait()
    proc.stdout.close()
    return statistics.median(b - a for a, b in itertools.pairwise(stamps))


def _kill_runs(child: str, sid: str, runs: int, interval: float, rng: random.Random) -> tuple[list[int], list[str]]:
    """Start `child`, kill -9 it at a random point within about 40 saves, and compare what it
    reported as saved with the file. Returns (answers confirmed per run, problems found)."""
    confirmed_per_run: list[int] = []
    problems: list[str] = []
    for run in range(runs):
        proc = subprocess.Popen([sys.executable, "-c", child, sid], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the child is running and has confirmed once
        assert first.startswith("saved "), first
        time.sleep(rng.uniform(0, 40 * interval))
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()  # what it printed before it died: each line follows a finished save
        proc.wait()
        proc.stdout.close()
        reported: dict[str, str] = {}
        for line in (first + rest).split("\n")[:-1]:  # the last piece is "" or a line cut by the kill
            _, qid, *value = line.split(" ", 2)
            reported[qid] = value[0] if value else ""
        confirmed_per_run.append(len(reported))
        session = SessionStore().load(sid)  # always loads
        problems += [f"run {run}: {qid} reported saved, not on disk" for qid in reported if qid not in session.answers]
        # Text answers carry the round number: the saved one is at least as new as the last reported one.
        for qid in ("cluster_name", "contact_name"):
            if reported.get(qid) and qid in session.answers:
                saved_round = int(session.answers[qid].rsplit("-", 1)[1])
                if saved_round < int(reported[qid].rsplit("-", 1)[1]):
                    problems.append(f"run {run}: {qid} on disk is older than reported")
    return confirmed_per_run, problems


@pytest.mark.slow  # spawns a process
def test_sigkill_never_loses_a_saved_answer(store):
    """The kill lands at a random point inside a measured run of the child; every answer it
    reported as saved before it died must be on disk, and the file always loads."""
    rng = random.Random(20240410)
    sid = store.create("annual_report", "durability", 2023).id
    interval = _save_interval(sid)
    confirmed, problems = _kill_runs(CHILD, sid, 24, interval, rng)
    assert not problems, problems
    # The runs were real: every child confirmed saves before the kill, and many confirmed several.
    assert min(confirmed) >= 1 and sum(confirmed) >= 3 * len(confirmed), confirmed
    with store.open(sid):  # the killed processes' locks are gone, and their temp files are swept
        assert not [p for p in store.root.iterdir() if p.name.endswith((".tmp", ".baktmp"))]


@pytest.mark.slow  # spawns a process
def test_the_harness_catches_a_child_that_reports_before_it_saves(store):
    """Negative control: the same kills against a child that says "saved" before writing find losses."""
    rng = random.Random(7)
    sid = store.create("annual_report", "durability-control", 2023).id
    interval = _save_interval(sid)
    broken_sid = store.create("annual_report", "broken", 2023).id
    confirmed, problems = _kill_runs(BROKEN, broken_sid, 12, interval, rng)
    assert sum(confirmed) >= 12 and problems, (confirmed, problems)

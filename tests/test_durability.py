"""kill -9 at random moments: every answer reported as saved survives, and the file always loads."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

from assistant.store import SessionStore

CHILD = textwrap.dedent("""
    import sys
    from assistant.engine import Engine
    from assistant.store import SessionStore
    from assistant.flow import yaml_load
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
            print(f"saved {qid} {engine.session.answers[qid] if isinstance(engine.session.answers[qid], str) else ''}", flush=True)
""")


def test_sigkill_never_loses_a_saved_answer(store):
    rng = random.Random(20240410)
    sid = store.create("annual_report", "durability", 2023).id
    kills = 0
    for _ in range(24):
        proc = subprocess.Popen([sys.executable, "-c", CHILD, sid], stdout=subprocess.PIPE, text=True)
        reported: dict[str, str] = {}
        deadline = time.monotonic() + rng.uniform(0.05, 0.6)
        line = proc.stdout.readline()  # wait until the child is running
        while line:
            _, qid, *value = line.rstrip("\n").split(" ", 2)
            reported[qid] = value[0] if value else ""
            if time.monotonic() >= deadline:
                break
            line = proc.stdout.readline()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        kills += 1
        session = SessionStore().load(sid)  # always loads
        for qid, value in reported.items():
            assert qid in session.answers, qid
        # Text answers carry the round number: the saved one is at least as new as the last reported one.
        for qid in ("cluster_name", "contact_name"):
            if reported.get(qid):
                saved_round = int(session.answers[qid].rsplit("-", 1)[1])
                assert saved_round >= int(reported[qid].rsplit("-", 1)[1])
    assert kills >= 20
    with store.open(sid):  # the killed processes' locks are gone, and their temp files are swept
        assert not [p for p in store.root.iterdir() if p.name.endswith((".tmp", ".baktmp"))]

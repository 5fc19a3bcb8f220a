"""Issue 22: every journey (journey.py) through every front end (journey_drivers.py); after each step the
report is exported as JSON through that front end and must equal what the step meant.

Adding a feature: a step in journey.py, a method on each driver, the step in the journeys it belongs
to. Known bugs being fixed elsewhere are listed in KNOWN, by journey, front end and step: that
parametrisation is xfail(strict, raises=KnownBug) and may fail only at those steps (a failure anywhere
else is red). The moment a fix lands the listed step passes and the test turns red (Fixed), naming the
entry to delete. `JOURNEYS_KNOWN=ignore pytest tests/journeys` runs without the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil

import pytest
from journey import GIVEN, JOURNEYS, Journey, KnownBug, Model, compare
from journey_drivers import DRIVERS

from assistant.session.store import SessionStore

FRONTS = {  # front end -> slow? (the CLI in-process is the fast loop's)
    "cli": False,
    "cli-process": True,
    "ask": True,
    "tui": True,
}

# (journey, front end) -> {step (its name, or str(step) for one of several) -> the bug that fails it today}.
# Fixed and deleted: ask appending to the old answer (handin), package KeyError 'inputs' and partial
# workbooks replacing totals (enterprises), stale drafts not flagged (drafts), waiting proposals offered
# through the finish menu of `filing ask` on a complete report.
KNOWN: dict[tuple[str, str], dict[str, str]] = {}


def _params() -> list[object]:
    out = []
    for j in JOURNEYS:
        for front, slow in FRONTS.items():
            if j.fronts and front not in j.fronts:
                continue
            marks = []
            if slow or j.pdf:
                marks.append(pytest.mark.slow)
            known = KNOWN.get((j.id, front))
            if known and os.environ.get("JOURNEYS_KNOWN") != "ignore":
                marks.append(pytest.mark.xfail(strict=True, raises=KnownBug, reason="; ".join(dict.fromkeys(known.values()))))
            out.append(pytest.param(j, front, id=f"{j.id}-{front}", marks=marks))
    return out


@pytest.mark.parametrize(("journey", "front"), _params())
def test_journey(journey: Journey, front: str, tmp_path, monkeypatch):
    if front == "ask" and os.name != "posix":
        pytest.skip("a pseudo-terminal")
    if journey.pdf and not (shutil.which("soffice") and shutil.which("pdftotext")):
        pytest.skip("LibreOffice (soffice) and pdftotext are not installed")
    if not journey.pdf:  # PDFs only where the journey is about them: LibreOffice takes seconds
        from assistant.report.pdf import SOFFICE_ENV

        monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "no-soffice"))
    model = Model(tmp_path / "journey", SessionStore(), SessionStore(tmp_path / "scratch"))
    for name in journey.given:
        GIVEN[name](model)
    asyncio.run(walk(journey, front, model))


class Fixed(AssertionError):
    """A step listed in KNOWN passed: its bug is fixed, and its entry must go (else a regression hides)."""


async def walk(journey: Journey, front: str, model: Model) -> None:
    driver = DRIVERS[front](model)
    known = KNOWN.get((journey.id, front), {}) if os.environ.get("JOURNEYS_KNOWN") != "ignore" else {}
    step, where, bug = None, journey.id, None
    try:
        for n, step in enumerate(journey.steps(), 1):
            where = f"{journey.id} · {front} · step {n} {step}"
            bug = known.get(str(step), known.get(step.name))
            await step.prepare(driver)
            step.meant(model)
            result = await step.run(driver)
            step.check(model, result)
            compare(await driver.export_json(model.path(f"json/{n:02d}-{step.name}.json")), model, where)
            if bug:
                raise Fixed(f"{where} passes now — “{bug}” is fixed here: delete this step from KNOWN[{(journey.id, front)}]")
        bug = None
        await driver.close()  # leaving the front end is part of the journey (a crash there counts)
    except Exception as exc:
        with contextlib.suppress(Exception):  # the first failure is the one to report
            await driver.close()
        if bug and not isinstance(exc, Fixed):
            raise KnownBug(f"{where}: {bug}\n{type(exc).__name__}: {exc}") from exc
        raise

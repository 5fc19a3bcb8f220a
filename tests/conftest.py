"""Shared fixtures: every test gets its own FILING_HOME; sample sessions are built from examples/."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import pytest
from tiny_forms import tiny_form_factory

from assistant.files.yamlio import yaml_load
from assistant.interview.engine import Engine
from assistant.paths import data_dir
from assistant.session.store import Session, SessionStore


@functools.cache
def _sample_file(name: str) -> dict:
    return yaml_load((data_dir("examples") / name).read_text(encoding="utf-8"))


def sample_answers(form: str = "annual") -> dict:
    """The form's example answers, a fresh copy each call (read once per test process: parsing it costs ~15 ms,
    and hundreds of tests start from it)."""
    name = "annual_answers.yaml" if form in ("annual", "annual_report") else "district_answers.yaml"
    return copy.deepcopy(_sample_file(name))


@pytest.fixture(scope="session")
def form_cache(tmp_path_factory) -> Path:
    """The compiled forms, shared by the tests of one process: rebuildable data keyed by the files' content,
    so a test that changes a form gets its own entry; building one costs ~0.1 s, and most tests start anew."""
    return tmp_path_factory.mktemp("form-cache")


@pytest.fixture(autouse=True)
def filing_home(tmp_path, monkeypatch, form_cache):
    home = tmp_path / "filing-home"
    monkeypatch.setenv("FILING_HOME", str(home))
    monkeypatch.setenv("FILING_CACHE", str(form_cache))
    return home


@pytest.fixture(autouse=True)
def no_libreoffice_unless_slow(request, tmp_path, monkeypatch):
    """The non-slow loop stays fast: a test not marked slow never finds LibreOffice, so a package or an
    export there writes Word and JSON and says PDF was left out, instead of rendering for seconds.
    Tests that render are marked slow (and skip where soffice is missing)."""
    if request.node.get_closest_marker("slow") is None:
        from assistant.report.pdf import SOFFICE_ENV

        monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "no-libreoffice-in-the-fast-loop" / "soffice"))


@pytest.fixture
def tiny_form(tmp_path):
    """tiny_form(text, form_id="tiny") -> TinyForm: a small inline form, registered for this test (tests/tiny_forms.py)."""
    yield from tiny_form_factory(tmp_path / "tiny-forms")


@pytest.fixture
def store(filing_home) -> SessionStore:
    return SessionStore()


@functools.cache
def _sample_session(flow_name: str, form: str, year: int) -> str:
    """The example answers applied once per process and year (the engine reads and checks every one: ~25 ms);
    each sample session is a copy of it."""
    session = Session("0" * 8, flow_name, "测试", year)
    errors = Engine.for_session(session).apply_many(sample_answers(form))
    assert not errors, errors
    return session.to_json()


def make_session(store: SessionStore, form: str = "annual", answers: dict | None = None, year: int = 2023):
    flow_name = "annual_report" if form in ("annual", "annual_report") else "district_summary"
    session = store.create(flow_name, "测试", year)
    if answers is None:
        data = json.loads(_sample_session(flow_name, form, year))
        data.update(id=session.id, created=session.created, updated=session.updated)
        session = Session.from_dict(data)
    else:
        errors = Engine.for_session(session).apply_many(answers)
        assert not errors, errors
    store.save(session)
    return session


@pytest.fixture
def annual_session(store):
    return make_session(store, "annual")


@pytest.fixture
def district_session(store):
    return make_session(store, "district")

"""Snapshots of the main screens at 80×24 and 120×40 (fixed ids and times, so they are deterministic).

Regenerate with: pytest tests/test_tui_snapshots.py --snapshot-update
"""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import sample_answers

from assistant.frontends.tui.app import FilingApp
from assistant.interview.engine import Engine
from assistant.session.store import Session, SessionStore

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED = "2024-04-08T09:30:00+08:00"


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    monkeypatch.setattr("assistant.session.store.now", lambda: FIXED)


def clock() -> datetime:
    return datetime(2024, 4, 8, 9, 30, 5)


def build(store: SessionStore, sid: str, form: str, upto: str | None = None, title: str = "浦江示例集群") -> Session:
    """A session answered from the sample answers up to (not including) question `upto`."""
    s = Session(sid, form, title, 2023, created=FIXED)
    e = Engine.for_session(s)
    answers = sample_answers("annual" if form == "annual_report" else "district")
    chosen = {}
    for q in e.flow.questions:
        if q.id == upto:
            break
        if q.id in answers:
            chosen[q.id] = answers[q.id]
    assert not e.apply_many(chosen)
    store.save(s)
    return s


def app_for(store: SessionStore, sid: str | None = None) -> FilingApp:
    return FilingApp(sid, store=store, clock=clock)


@pytest.mark.parametrize("size", SIZES)
def test_home(snap_compare, store, size):
    build(store, "0408a001", "annual_report", upto="rd_expense")
    build(store, "0408a002", "district_summary", upto=None, title="浦东新区汇总")
    assert snap_compare(app_for(store), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_conversation(snap_compare, store, size):
    build(store, "0408a001", "annual_report", upto="rd_expense")
    assert snap_compare(app_for(store, "0408a001"), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_conversation_choice(snap_compare, store, size):
    build(store, "0408a001", "annual_report", upto="waste_vs_industry")
    assert snap_compare(app_for(store, "0408a001"), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_outline(snap_compare, store, size):
    build(store, "0408a001", "annual_report", upto="rd_expense")
    assert snap_compare(app_for(store, "0408a001"), terminal_size=size, press=["f2"])


@pytest.mark.parametrize("size", SIZES)
def test_review(snap_compare, store, size):
    build(store, "0408a001", "annual_report", upto="rd_expense")
    assert snap_compare(app_for(store, "0408a001"), terminal_size=size, press=["f3"])


@pytest.mark.slow  # a long run of keys and screens through the TUI
@pytest.mark.parametrize("size", SIZES)
def test_preview(snap_compare, store, size):
    build(store, "0408a001", "annual_report")
    assert snap_compare(app_for(store, "0408a001"), terminal_size=size, press=["f4"])


@pytest.mark.parametrize("size", SIZES)
def test_conversation_revisit(snap_compare, store, size):
    """Back on an answered question: the current answer in the panel and on the input line, the format line."""
    build(store, "0408a001", "annual_report", upto="leading_industry")
    assert snap_compare(app_for(store, "0408a001"), terminal_size=size, press=["ctrl+b"])


@pytest.mark.slow  # a long run of keys and screens through the TUI
@pytest.mark.parametrize("size", SIZES)
def test_targets_table(snap_compare, store, size):
    """The form's small table, edited in place (cells mode)."""
    build(store, "0408a001", "annual_report", upto="targets")
    assert snap_compare(app_for(store, "0408a001"), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_long_text(snap_compare, store, size):
    build(store, "0408a001", "annual_report", upto="overview")
    assert snap_compare(app_for(store, "0408a001"), terminal_size=size)

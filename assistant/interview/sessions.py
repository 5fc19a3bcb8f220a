"""Which reports there are, and whether one can be worked on: one answer for every front end.

A session file can be read by the store and still not be workable: its form is gone, or its answers are
something the engine cannot evaluate (edited by hand, an old edition). `problem` says why, in the words the
store uses for a damaged file; `open_session` opens (locks) only a workable one; `listing` is the list of
reports the CLI (`filing list`) and the TUI's home page show, damaged ones as rows with their reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from msgspec import Struct

from assistant.form.catalog import load_flow
from assistant.form.flow import FlowError
from assistant.interview.engine import Engine
from assistant.session.store import (
    OpenSession,
    Session,
    SessionCorrupt,
    SessionError,
    SessionFormMissing,
    SessionStore,
)

R = TypeVar("R")

# What evaluating a report's answers can raise when the file holds what the engine cannot read.
UNREADABLE = (FlowError, SessionError, RecursionError, ValueError, TypeError, KeyError, AttributeError)


class Listed(Struct, kw_only=True):
    """One report as the lists show it; `error` says why it cannot be opened (then only `id` is known)."""

    id: str
    form: str = ""
    form_name: str = ""  # the form's short name (年度报告, 区级总结)
    title: str = ""  # the report's name: its title, else its cluster's or district's name
    year: int = 0
    percent: int = 0
    updated: str = ""
    error: str = ""
    form_missing: bool = False

    @property
    def damaged(self) -> bool:
        return bool(self.error)


def problem(store: SessionStore, session: Session) -> str | None:
    """Why the conversation cannot be built for this session (said as a damaged file), or None."""
    try:
        Engine.for_session(session).progress()
    except UNREADABLE as exc:
        return store.damaged_message(session.id, str(exc) or type(exc).__name__)
    return None


def _read(store: SessionStore, sid: str, read: Callable[[str], R]) -> R:
    try:
        return read(sid)
    except RecursionError:  # a file nested beyond what the JSON reader can hold
        raise SessionCorrupt(store.damaged_message(sid, "嵌套过深")) from None


def load_session(store: SessionStore, sid: str) -> Session:
    """A session to read (check, preview, export): SessionError in Chinese when it cannot be worked on."""
    session = _read(store, sid, store.load)
    why = problem(store, session)
    if why:
        raise SessionCorrupt(why)
    return session


def open_session(store: SessionStore, sid: str) -> OpenSession:
    """A session opened (locked) to work on; SessionError in Chinese when it is missing, locked or damaged."""
    handle = _read(store, sid, store.open)
    why = problem(store, handle.session)
    if why:
        handle.close()
        raise SessionCorrupt(why)
    return handle


def listing(store: SessionStore) -> list[Listed]:
    """Every report, newest first; one that cannot be opened is a row with its reason (never hides the others).
    SessionError / OSError only when the data folder itself cannot be read."""
    rows: list[Listed] = []
    for s in store.all():
        if isinstance(s, SessionError):
            rows.append(Listed(id=s.sid or "", error=str(s), form_missing=isinstance(s, SessionFormMissing)))
            continue
        try:
            engine = Engine.for_session(s)
            percent, title = engine.progress().percent, engine.report_name()
            form_name = load_flow(s.form).short_name
        except UNREADABLE as exc:
            rows.append(Listed(id=s.id, error=store.damaged_message(s.id, str(exc) or type(exc).__name__)))
            continue
        rows.append(Listed(id=s.id, form=s.form, form_name=form_name, title=title, year=s.year, percent=percent,
                           updated=s.updated))
    return rows

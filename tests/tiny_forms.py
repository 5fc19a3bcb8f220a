"""Tiny inline forms for tests (as pyxform's tests declare theirs): a test writes the few questions it needs,
logic and wording together, instead of naming the shipped form's question ids.

    def test_x(tiny_form):
        form = tiny_form('''
        questions:
          - {id: count, type: integer, min: 0, label: 企业数}
          - {id: names, type: list, relevant: "count > 0", columns: [{id: name, type: text, label: 名称}]}
        ''')
        e = form.engine()

The text is a flow file (form:, sections:, rules:) where `questions:` at the top stands for one section, and
each question, column and option may carry its wording (label, ask, hint, aliases …) inline: the fixture
splits it into flows/<id>.yaml and prompts/<id>.yaml in a forms folder of the test's own, registered with
the catalog (catalog.use_forms), so the real loader, validation and discovery run on it.
`tiny_flow(text)` loads such a form without registering it (a module's parse tests).
"""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.files.yamlio import yaml_load
from assistant.form import catalog
from assistant.form.flow import Flow, load_flow_file
from assistant.interview.engine import Engine
from assistant.session.store import Session, SessionStore

# Keys of a question that are wording (prompts/), not logic (flows/).
QUESTION_WORDS = ("label", "ask", "hint", "help", "note", "formula", "corner", "context", "name")
COLUMN_WORDS = ("label", "aliases", "hint")
OPTION_WORDS = ("label", "aliases")


def _options(opts: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    ids, words = [], {}
    for o in opts:
        if isinstance(o, dict):
            w = {k: o.pop(k) for k in OPTION_WORDS if k in o}
            if w:
                words[o["id"]] = w
            ids.append(o["id"] if set(o) == {"id"} else o)
        else:
            ids.append(o)
    return ids, words


def split(spec: dict[str, Any], form_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The inline spec -> (flow file, prompts file)."""
    if "questions" in spec:
        spec["sections"] = [{"id": "main", "title": "第一部分", "questions": spec.pop("questions")}]
    form = {"id": form_id, "key": form_id, "title": "小表单", "short_name": "小表单", **(spec.pop("form", None) or {})}
    sections: dict[str, Any] = {}
    questions: dict[str, Any] = {}
    for sec in spec.get("sections") or []:
        sw = {k: sec.pop(k) for k in ("title", "intro") if k in sec}
        sections[sec["id"]] = {"title": sec["id"], **sw}
        for q in sec.get("questions") or []:
            w: dict[str, Any] = {k: q.pop(k) for k in QUESTION_WORDS if k in q}
            w.setdefault("label", q["id"])
            for key in ("options", "rows", "cols"):
                if key in q:
                    q[key], ow = _options(q[key])
                    if ow:
                        w[key] = ow
            cols = {}
            for c in q.get("columns") or []:
                cw = {k: c.pop(k) for k in COLUMN_WORDS if k in c}
                cw.setdefault("label", c["id"])
                if "options" in c:
                    c["options"], ow = _options(c["options"])
                    if ow:
                        cw["options"] = ow
                cols[c["id"]] = cw
            if cols:
                w["columns"] = cols
            questions[q["id"]] = w
    flow = {"form": form, "default_year": spec.pop("default_year", 2023), **spec}
    return flow, {"sections": sections, "questions": questions}


def write_form(root: Path, text: str, form_id: str = "tiny") -> Path:
    """Write the inline form as a forms folder's flows/ and prompts/ files under `root`; returns root."""
    spec = yaml_load(textwrap.dedent(text)) or {}  # YAML 1.2, as the program reads forms: `yes` is a word
    flow, prompts = split(spec, form_id)
    for sub in ("flows", "prompts", "templates", "examples"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    dump = {"allow_unicode": True, "sort_keys": False}
    (root / "flows" / f"{form_id}.yaml").write_text(yaml.safe_dump(flow, **dump), encoding="utf-8")
    (root / "prompts" / f"{form_id}.yaml").write_text(yaml.safe_dump(prompts, **dump), encoding="utf-8")
    return root


def tiny_flow(text: str, form_id: str = "tiny") -> Flow:
    """The inline form loaded by the real loader, not registered with the catalog."""
    with tempfile.TemporaryDirectory() as tmp:
        root = write_form(Path(tmp), text, form_id)
        return load_flow_file(root / "flows" / f"{form_id}.yaml", root / "prompts" / f"{form_id}.yaml")


@dataclass
class TinyForm:
    id: str
    root: Path

    @property
    def flow(self) -> Flow:
        return catalog.load_flow(self.id)

    def session(self, year: int | None = None, title: str = "测试") -> Session:
        return Session("t", self.id, title, year or self.flow.default_year)

    def engine(self, answers: dict[str, Any] | None = None, year: int | None = None) -> Engine:
        """An engine on a fresh session of this form, with `answers` applied (each must be accepted)."""
        e = Engine.for_session(self.session(year))
        errors = e.apply_many(answers or {})
        assert not errors, errors
        return e

    def saved(self, store: SessionStore, answers: dict[str, Any] | None = None, year: int | None = None) -> Session:
        """A stored session of this form (for the conversation, the store, the front ends)."""
        session = store.create(self.id, "测试", year or self.flow.default_year)
        errors = Engine.for_session(session).apply_many(answers or {})
        assert not errors, errors
        store.save(session)
        return session


def forget_forms() -> None:
    """Back to the packaged forms only ($FILING_FORMS decides again), caches cleared."""
    catalog.use_forms([])
    catalog._chosen = None


def tiny_form_factory(root: Path) -> Iterator[Any]:
    made: list[str] = []

    def make(text: str, form_id: str = "tiny") -> TinyForm:
        if form_id in made:
            raise AssertionError(f"tiny form {form_id} declared twice in one test")
        made.append(form_id)
        write_form(root, text, form_id)
        catalog.use_forms([root])  # clears the catalog's caches: the new form is seen
        return TinyForm(form_id, root)

    try:
        yield make
    finally:
        forget_forms()

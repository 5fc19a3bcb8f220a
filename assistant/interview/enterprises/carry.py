"""`filing new --from LAST`: this year's report started from last year's (a session id or exported JSON).

Stable items (the spec's `carry` list) are prefilled and marked carried: the interview puts each to the
operator as "沿用上年：…，是否不变？" and the marker goes once confirmed or changed. Last year's figures
(numeric answers, and the enterprise-data measures of its last import) are kept as the prior-year base
for growth rates, with the years before it when last year's report had them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from assistant.errors import EXIT_FILE, EXIT_REFUSED, UserError
from assistant.form.shapes import JsonObject, Stored
from assistant.form.types import of
from assistant.interview.engine import Engine
from assistant.interview.enterprises.columns import load_spec
from assistant.interview.json_report import load_report
from assistant.session.evidence import MAX_PRIOR
from assistant.session.store import Session, SessionStore


class _Scratch:
    """A store that keeps nothing: a JSON report is validated by load_report without becoming a session."""

    def new_id(self) -> str:
        return "previous"

    def save(self, session: Session) -> None:
        pass


def load_last(source: str, store: SessionStore) -> tuple[Session, dict[str, str]]:
    """Last year's session (validated) and where it came from."""
    path = Path(source).expanduser()
    if path.suffix.lower() == ".json" or path.is_file():
        if not path.is_file():
            raise UserError(f"找不到文件 {path}。", EXIT_FILE)
        session, _ = load_report(path, _Scratch())
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return session, {"kind": "file", "name": path.name, "sha256": digest}
    return store.load(source), {"kind": "session", "name": source}


def figures(engine: Engine) -> JsonObject:
    """Numeric answers that count in a report (the base for next year's growth rates)."""
    out: JsonObject = {}
    for q in engine.flow.questions:
        if of(q).numeric and engine.is_relevant(q.id) and q.id in engine.session.answers:
            v: Stored | None = engine.session.answers[q.id]
            if isinstance(v, dict):  # an override: the figure used
                v = engine.value(q.id)
            if isinstance(v, (str, int)) and v != "无":  # a figure: decimal/percent text, integer
                out[q.id] = v
    return out


def prior_entry(engine: Engine, source: dict[str, str]) -> JsonObject:
    s = engine.session
    measures = (s.enterprise_data or {}).get("measures")
    return {"year": s.year, "title": s.title, "source": dict(source), "answers": figures(engine),
            "measures": dict(measures) if isinstance(measures, dict) else {}}


def carry_forward(source: str, store: SessionStore, *, year: int | None = None, title: str | None = None,
                  form: str | None = None) -> tuple[Session, list[str]]:
    """The new session (saved) and lines to show."""
    last, origin = load_last(source, store)
    if form is not None and form != last.form:
        raise UserError(f"上年报告是表单 {last.form}，与 --form 不一致。", EXIT_REFUSED)
    year = year or last.year + 1
    if year <= last.year:
        raise UserError(f"新报告的年度（{year}）应晚于上年报告的年度（{last.year}）。", EXIT_REFUSED)
    old = Engine.for_session(last)
    spec = load_spec(last.form)
    carry = [q for q in (spec.carry if spec else []) if old.is_relevant(q) and q in last.answers]
    session = Session(store.new_id(), last.form, title or last.title, year)
    engine = Engine(old.flow, session)
    applied = engine.apply_all({q: last.answers[q] for q in carry})
    if applied.errors:  # the form changed since: carry what still fits
        carry = []
        for q in [q for q in (spec.carry if spec else []) if q in last.answers and old.is_relevant(q)]:
            if engine.apply_all({q: last.answers[q]}).errors == []:
                carry.append(q)
    session.carried = list(carry)
    earlier = [p for p in last.prior if isinstance(p, dict) and isinstance(y := p.get("year"), int) and y < last.year]
    session.prior = [prior_entry(old, origin), *earlier][:MAX_PRIOR]
    engine.advance(None)  # the first unanswered question in the form's order
    years = "、".join(str(p["year"]) for p in session.prior)
    note = (f"已从 {origin['name']}（{last.year} 年度）开始 {year} 年度报告：沿用上年的 {len(carry)} 项，"
            f"将逐项请您确认是否不变；{years} 年度的数据作为计算增速的基数。")
    session.say("assistant", note)
    store.save(session)
    warning = incomplete_warning(old, origin, last.year)
    return session, [*([warning] if warning else []), note]


def incomplete_warning(engine: Engine, origin: dict[str, str], year: int) -> str:
    """Said (not refused) when last year's report was a draft: its gaps are no base for this year's growth."""
    qs = engine.askable()
    missing = sum(1 for q in qs if q.id not in engine.session.answers)
    unconfirmed = sum(1 for q in qs if q.id in engine.session.answers and q.id in engine.session.carried)
    if not missing and not unconfirmed:
        return ""
    p = engine.progress()
    gaps = "、".join(x for x in (f"{missing} 题未回答" if missing else "",
                                  f"{unconfirmed} 项沿用的答案未确认" if unconfirmed else "") if x)
    return (f"注意：作为基础的上年报告 {origin['name']}（{year} 年度）还没有填完：{gaps}"
            f"（已完成 {p.answered}/{p.total} 题，{p.percent}%）。新报告仍从它开始；上年没有填的数字不能作为计算增速的基数，"
            "需要时请先补全上年报告，或在新报告中直接填写增速。")


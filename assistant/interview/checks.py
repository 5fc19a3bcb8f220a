"""Checks over a whole report: required items, each question's constraint, the flow's rules."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from assistant.form.expr import render_message, total_chars
from assistant.form.parse import implausible, range_problem
from assistant.form.types import of
from assistant.form.values import to_python
from assistant.interview.drafts import narrative_findings, targets_findings
from assistant.interview.findings import BLOCKING, WARNING, Finding

if TYPE_CHECKING:
    from assistant.interview.engine import Engine

def check(engine: Engine) -> list[Finding]:
    flow, state, answers = engine.flow, engine.state, engine.session.answers
    ns = state.namespace
    out: list[Finding] = []
    for q in flow.questions:
        if not engine.is_askable(q):
            continue
        if q.id not in answers:
            if q.required:
                out.append(Finding(BLOCKING, q.id, q.section, f"“{engine.label(q)}”尚未填写。", "required"))
            continue
        if q.id in engine.session.carried:  # last year's answer, never looked at this year
            out.append(Finding(WARNING, q.id, q.section, f"“{engine.label(q)}”沿用了上年的答案（{engine.shown(q.id)}），"
                                                         "尚未确认今年是否不变。", "carried"))
        ex = flow.expr(q.id, "constraint")
        if ex is not None and ex({**ns, "value": to_python(q, answers[q.id])}) is False:
            message = q.constraint_message or f"“{engine.label(q)}”不符合要求。"
            out.append(Finding(BLOCKING, q.id, q.section, message, "constraint"))
        out += _range_findings(engine, q, ns.get(q.id))
    for rule in flow.rules:
        if rule.budget is not None:  # a declared 字 limit: counted, never an expression
            used = total_chars(answers.get(k) for k in rule.questions if engine.is_relevant(k))
            if used > rule.budget:
                qid = rule.questions[0]
                said = _deferred(rule.message, {**ns, "used": used, "budget": rule.budget},
                                 flow.where(rule.id, "message"))
                out.append(Finding(rule.severity, qid, flow[qid].section, said, rule.id))
            continue
        ex = flow.expr(rule.id, "rule")
        if ex is None:
            continue
        if any(ns.get(n) is None for n in ex.names if n in flow.by_id):
            continue  # inputs missing or not relevant: nothing to say yet
        if ex(ns) is False:
            qid = rule.questions[0]
            out.append(Finding(rule.severity, qid, flow[qid].section,
                               _deferred(rule.message, dict(ns), flow.where(rule.id, "message")), rule.id))
    out += narrative_findings(engine)  # figures the narrative states that the answers no longer say
    out += targets_findings(engine)  # a 完成值 that says another figure than its indicator's answer
    order = flow.index
    out.sort(key=lambda f: (order.get(f.qid, 0), f.severity != BLOCKING))
    return out


def _deferred(template: str, namespace: dict[str, Any], where: str) -> str | Callable[[], str]:
    """A rule's message, rendered (same sandbox, same bounds) when first read: the first screen shows
    only the current question's findings, and a template is the one thing that loads jinja2."""
    return partial(render_message, template, namespace, where) if "{" in template else template


def _range_findings(engine: Engine, q: Any, value: Any) -> list[Finding]:
    """A figure outside the form's range (stored before the range was declared, or by hand) must be
    changed; one beyond what a real report holds is a warning, every time the report is checked."""
    if not of(q).numeric or isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return []
    number = Decimal(value)
    shown = f"“{engine.label(q)}”为 {engine.shown(q.id)}"
    why = range_problem(q, number, shown)
    if why:
        return [Finding(BLOCKING, q.id, q.section, why, "range")]
    odd = implausible(q, number, shown)
    if odd:
        return [Finding(WARNING, q.id, q.section, odd.rstrip("。") + "，仅作提示。", "plausible")]
    return []


def involved(engine: Engine, rule_id: str) -> set[str]:
    """The questions a finding concerns: the rule's own list and every question its condition reads."""
    flow = engine.flow
    rule = next((r for r in flow.rules if r.id == rule_id), None)
    if rule is None:
        return set()
    ex = flow.expr(rule_id, "rule")
    return set(rule.questions) | ({n for n in ex.names if n in flow.by_id} if ex is not None else set())


def blocked_questions(engine: Engine, findings: list[Finding] | None = None) -> set[str]:
    """Answered questions that a blocking finding concerns (the outline marks them ✗)."""
    found = engine.findings() if findings is None else findings
    out: set[str] = set()
    for f in found:
        if f.severity != BLOCKING or f.rule == "required":
            continue
        out |= involved(engine, f.rule) if f.rule not in ("constraint", "range") else {f.qid}
    return {qid for qid in out if qid in engine.session.answers and engine.is_relevant(qid)}



"""Figures the assistant computes from earlier answers (a flow question with `calculate`).

A plain calculated question is never asked: its value follows its inputs. A question that also has
`override: true` is asked: the operator accepts the computed value, or types the figure with its
basis, because the form's row and the inputs differ in scope (e.g. a cluster-level row computed from
SME-level figures). Its stored answer is one of
    {"source": "computed"}                                   follow the formula
    {"source": "typed", "value": "45.20", "basis": "..."}    the operator's figure and where it comes from
and the evidence appendix and the JSON export record which.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from assistant.form.override import _EXAMPLE, basis_text, typed
from assistant.form.parse import NONE_TEXT
from assistant.form.types import of

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.interview.engine import Engine

# -- what the conversation says ------------------------------------------------------------------
def short_label(text: str) -> str:
    """A label without a long trailing explanation in brackets (the patent row lists seven kinds)."""
    m = re.match(r"^(.+?)（[^（）]{12,}）$", text)
    return m.group(1) if m else text


def _is_zero(value: Any) -> bool:
    try:
        return value is not None and value != NONE_TEXT and Decimal(str(value)) == 0
    except InvalidOperation:
        return False


def _inputs(e: Engine, q: Question) -> str:
    return "，".join(f"{short_label(e.label(ref))} = {e.shown(ref)}" for ref in q.evidence)


def _how(e: Engine, q: Question) -> str:
    formula = e.text(q.formula)
    return f"{formula}；其中 {_inputs(e, q)}" if formula else _inputs(e, q)


def _cannot(e: Engine, q: Question) -> str | None:
    """Why q has no computed value, or None when it has one or its inputs are still missing."""
    if e.state.computed.get(q.id) is not None:
        return None
    missing = [ref for ref in q.evidence if e.value(ref) is None]
    if missing:
        return None
    den = q.evidence[-1] if q.evidence else None
    if den is not None and _is_zero(e.value(den)):
        return f"“{short_label(e.label(q))}”无法计算：“{short_label(e.label(den))}”为 0，不能作除数。"
    return f"“{short_label(e.label(q))}”无法计算，请核对：{_inputs(e, q)}。"


def computed_notes(e: Engine, qid: str) -> list[str]:
    """Shown after an answer: every figure it feeds, with its formula and inputs (or why none)."""
    notes: list[str] = []
    for q in e.flow.questions:
        if not q.computes or not e.is_relevant(q.id) or not (qid in q.evidence or qid == q.id):
            continue
        stored = e.session.answers.get(q.id)
        if q.override and qid != q.id and stored is None:
            continue  # asked next: the offer shows the value
        why = _cannot(e, q)
        if why:
            notes.append(why)
            continue
        value = e.state.computed.get(q.id)
        if value is None:
            continue
        shown = f"{value}{of(q).sign}"
        figure = typed(stored) if q.override else None
        if figure is not None:
            if qid != q.id:
                notes.append(f"按公式计算，“{short_label(e.label(q))}”为 {shown}；本栏采用您填写的 {e.value(q.id)}"
                             f"（依据：{basis_text(figure[1])}），不随之改变。")
            continue
        notes.append(f"已计算“{short_label(e.label(q))}”：{shown}\n计算方法：{_how(e, q)}。")
    return notes


def offer_lines(e: Engine, q: Question, *, compact: bool = False) -> list[str]:
    """The computed value of an override question, and how to accept it or give the figure instead.

    compact: one short line, for a front end's small question panel (the formula is in the help).
    """
    value = e.state.computed.get(q.id)
    stored = e.session.answers.get(q.id)
    if compact:
        figure = typed(stored)
        now = f"当前采用 {e.value(q.id)}（依据：{basis_text(figure[1])}）；" if figure else ""
        if value is None:
            return [f"暂时无法计算；{now}请输入“数字 依据：来源”。"]
        shown = f"{value}{of(q).sign}"
        inputs = " 与 ".join(str(e.shown(ref, unit=False)) for ref in q.evidence)
        return [f"计算值 {shown}（按 {inputs} 算出）；{now}输入“是”采用，或输入“数字 依据：来源”。"]
    lines: list[str] = []
    if value is not None:
        shown = f"{value}{of(q).sign}"
        lines.append(f"助手计算值：{shown}（计算方法：{_how(e, q)}）")
    else:
        missing = [short_label(e.label(ref)) for ref in q.evidence if e.value(ref) is None]
        lines.append(f"暂时无法计算：请先填写“{'”“'.join(missing)}”。" if missing else (_cannot(e, q) or ""))
    figure = typed(stored)
    if figure is not None:
        lines.append(f"当前采用：您填写的 {e.value(q.id)}（依据：{basis_text(figure[1])}）。")
    accept = ""
    if value is not None:
        accept = "输入“是”采用计算值" + ("（或直接回车）" if stored is None else "") + "；"
    lines.append(f"{accept}如有本栏口径的数字，请输入数字和依据，例如：{_EXAMPLE}。")
    return lines



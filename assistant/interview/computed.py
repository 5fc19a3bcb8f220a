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

from assistant.form.parse import (
    NONE_TEXT,
    YES_WORDS,
    InputError,
    Parsed,
    clean_text,
    implausible,
    is_none_word,
    normalize,
    parse_decimal,
)

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.interview.engine import Engine

COMPUTED, TYPED = "computed", "typed"
# Digits are left out: "1" on a numeric question is a figure, not a yes.
ACCEPT_WORDS = {w for w in YES_WORDS if not w.isdigit()} | {
    "采用", "采用计算值", "用计算值", "计算值", "接受", "同意", "好", "好的", "可以", "accept", "computed"}
BASIS_MAX = 200
_KEYWORD = re.compile(r"(?:数据)?(?:依据|根据|来源|出处)|basis", re.IGNORECASE)
_PAREN = re.compile(r"^(?P<num>[^（(]+?)\s*[（(](?P<basis>.+)[）)]\s*$")
_LEAD = re.compile(r"^(?P<num>[-+－]?[\d.,．，]+)\s*[，,；;、:：\s]\s*(?P<basis>.+)$")
_EXAMPLE = "45.20 依据：集群统计年报（集群全部企业）"


def typed(stored: Any) -> tuple[str, str] | None:
    """(figure, basis) when the operator typed the figure, else None.

    A plain figure stored before this question could be overridden (an older session) is the
    operator's own figure, kept as it is, with its basis not stated.
    """
    if isinstance(stored, dict):
        return (str(stored.get("value")), str(stored.get("basis") or "")) if stored.get("source") == TYPED else None
    if isinstance(stored, (str, int, float, Decimal)) and not isinstance(stored, bool):
        return str(stored), ""
    return None


def is_typed(stored: Any) -> bool:
    return typed(stored) is not None


def basis_text(basis: str) -> str:
    return basis or "未注明，请补充"


def override_value(q: Question, stored: Any, computed: Decimal | None) -> Decimal | None:
    """The value that counts for an override question: the typed figure, the computed one, or None."""
    figure = typed(stored)
    if figure is not None:
        try:
            return Decimal(figure[0])
        except InvalidOperation:
            return None
    return computed if isinstance(stored, dict) and stored.get("source") == COMPUTED else None


def _parse_typed(q: Question, number: str, basis: str) -> Parsed:
    if is_none_word(number):
        raise InputError("本题需要一个数字；如采用助手的计算值，请输入“是”。")
    number_parsed = parse_decimal(q, number)
    value = number_parsed.value
    basis = " ".join(clean_text(basis).split()).strip(" ：:，,。")
    if not basis:
        raise InputError(f"请写明 {value} 的依据（数据来源和口径），例如“{_EXAMPLE}”。")
    if len(basis) > BASIS_MAX:
        raise InputError(f"依据太长：最多 {BASIS_MAX} 个字，现在是 {len(basis)} 个字。")
    odd = implausible(q, Decimal(value), f"{value}{q.unit}") if value != NONE_TEXT else ""
    reading = number_parsed.note.replace(odd, "")  # a figure beyond the usual range is said, its basis given
    if number_parsed.confirm and reading:  # a reading to confirm (a conversion, a decimal comma): ask for it plainly
        raise InputError(f"{reading}如无误，请输入“{value} 依据：{basis}”。")
    note = f"{number_parsed.note}\n" if number_parsed.note else ""
    return Parsed({"source": TYPED, "value": value, "basis": basis}, f"{note}记录为您填写的数字 {value}，依据：{basis}。")


def parse_override(q: Question, raw: Any) -> Parsed:
    """Typed text ("是" / "45.2 依据：……") or structured data from a file (the stored form)."""
    if isinstance(raw, dict):
        keys = set(raw)
        source = raw.get("source", TYPED if "value" in raw else None)
        if source == COMPUTED and keys <= {"source"}:
            return Parsed({"source": COMPUTED})
        if source == TYPED and keys <= {"source", "value", "basis"} and isinstance(raw.get("basis"), str) \
                and isinstance(raw.get("value"), (str, int, float, Decimal)) and not isinstance(raw.get("value"), bool):
            return _parse_typed(q, str(raw["value"]), raw["basis"])
        raise InputError("格式不对：应为 {source: computed}（采用计算值），或 {source: typed, value: 数字, basis: 依据}。")
    if raw is True:
        return Parsed({"source": COMPUTED})
    if raw is None or isinstance(raw, bool):
        raise InputError("请回答“是”采用计算值，或输入数字和依据。")
    if normalize(str(raw)).lower().rstrip("。.!！") in ACCEPT_WORDS or not str(raw).strip():
        return Parsed({"source": COMPUTED}, "采用助手的计算值。")
    text = str(raw).strip()  # the basis is kept as typed: only the number is normalised
    kw = _KEYWORD.search(text)
    if kw and kw.start() > 0:
        return _parse_typed(q, text[:kw.start()].strip(" ，,；;。、"), text[kw.end():].lstrip(" :：为是"))
    for pattern in (_PAREN, _LEAD):
        m = pattern.match(text)
        if m:
            return _parse_typed(q, m["num"].strip(), m["basis"])
    try:
        value = parse_decimal(q, text).value
    except InputError:
        raise InputError(f"看不懂“{text}”：采用助手的计算值请输入“是”；填写其他数字请写明依据，例如“{_EXAMPLE}”。") from None
    if value == NONE_TEXT:
        raise InputError("本题需要一个数字；如采用助手的计算值，请输入“是”。")
    raise InputError(f"请同时写明 {value} 的依据（数据来源和口径），例如“{_EXAMPLE}”。"
                     "如采用助手的计算值，请输入“是”。")


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
        shown = f"{value}%" if q.type == "percent" else value
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
        shown = f"{value}%" if q.type == "percent" else value
        inputs = " 与 ".join(str(e.shown(ref, unit=False)) for ref in q.evidence)
        return [f"计算值 {shown}（按 {inputs} 算出）；{now}输入“是”采用，或输入“数字 依据：来源”。"]
    lines: list[str] = []
    if value is not None:
        shown = f"{value}%" if q.type == "percent" else value
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


# -- evidence (JSON export; the document draws the same facts) -----------------------------------
def evidence_of(e: Engine, q: Question) -> dict[str, Any]:
    stored = e.session.answers.get(q.id)
    item: dict[str, Any] = {
        "label": e.label(q), "formula": e.text(q.formula),
        "inputs": {ref: e.value(ref) for ref in q.evidence}, "computed": e.state.computed.get(q.id),
        "value": e.value(q.id), "source": COMPUTED,
    }
    if q.override:
        figure = typed(stored)
        item["source"] = TYPED if figure else (stored.get("source") if isinstance(stored, dict) else None)
        if figure:
            item["basis"] = figure[1]
    return item


def evidence(e: Engine) -> dict[str, Any]:
    """Every computed figure that counts: formula, inputs, computed value, value used and its source;
    and the figures taken from enterprise data or last year's report (enterprises/evidence.py)."""
    from assistant.interview.enterprises.evidence import export_items

    out = {q.id: evidence_of(e, q) for q in e.flow.questions if q.computes and e.is_relevant(q.id)}
    return {**export_items(e), **out}

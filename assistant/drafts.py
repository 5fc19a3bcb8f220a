"""Drafts of the narrative questions (起草) from the answers, with the form's jinja2 templates
(templates/<form>.drafts.yaml); and the targets table's 完成值 from the answers it names.

A draft is a proposal: it is shown, and counts only when the operator submits it (edited or not).
It states no figure of its own (every number comes from an answer or a computed value) and fits
what is left of the 字 budget of its rule.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any

from .expr import count_chars
from .parse import NONE_TEXT

if TYPE_CHECKING:
    from .engine import Engine


@cache
def _spec(form: str) -> dict[str, Any]:
    from .flow import _read_yaml
    from .forms import file_of

    path = file_of(form, "templates", f"{form}.drafts.yaml")
    if not path.is_file():
        return {}
    data: dict[str, Any] = _read_yaml(path) or {}  # a key given twice is refused, naming the file
    return data


@cache
def _env() -> Any:
    from .sandbox import environment

    # The bounded sandbox, no autoescape (the output is plain text): answers are data, never template code.
    return environment(trim_blocks=True, lstrip_blocks=True)


def draftable(engine: Engine, qid: str) -> bool:
    return qid in (_spec(engine.session.form).get("drafts") or {})


def _number(text: Any) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


def context(engine: Engine) -> dict[str, Any]:
    """What a draft may use: the answers as printed, their numbers, list names, matrix totals."""
    from .checks import WARNING

    a: dict[str, str] = {}
    n: dict[str, Decimal] = {}
    names: dict[str, list[str]] = {}
    totals: dict[str, int] = {}
    for q in engine.flow.questions:
        if not engine.is_relevant(q.id) or q.id in engine.state.not_applicable:
            continue
        value = engine.value(q.id)
        if value is None or value == NONE_TEXT or value == "":
            continue
        if q.type == "list":
            names[q.id] = [str(next(iter(row.values()), "")) for row in value if row]
            continue
        if q.type == "matrix":
            totals[q.id] = sum(int(v) for row in value.values() for v in row.values() if v)
            continue
        if q.type == "longtext":
            continue  # narrative is the operator's; drafts are built from figures
        a[q.id] = engine.shown(q.id)
        if q.type in ("integer", "decimal", "percent"):
            num = _number(value)
            if num is not None:
                n[q.id] = num
    spec = _spec(engine.session.form).get("targets_actual") or {}
    targets = []
    if spec.get("list") in engine.flow.by_id and engine.is_relevant(spec["list"]):
        from .values import show_cell

        tq = engine.flow[spec["list"]]
        cols = {c.id: c for c in tq.columns}
        for row in engine.value(tq.id) or tq.preset_rows:
            targets.append({cid: show_cell(cols[cid], row.get(cid)) if cid in cols else row.get(cid) for cid in cols})
    notes = [_plain_note(f.message) for f in engine.findings() if f.severity == WARNING]
    return {"a": a, "n": n, "names": names, "totals": totals, "rows": targets, "notes": notes,
            "year": engine.year, "prev_year": engine.year - 1}


def _plain_note(message: str) -> str:
    """A check's warning as a sentence of a draft: without “仅作提示/仅供参考”."""
    text = re.sub(r"[，。]?\s*(仅作提示|仅供参考)[。.]?$", "", message.strip())
    return text.rstrip("。") + "。"


def draft(engine: Engine, qid: str) -> str:
    """The draft of one narrative question, cut at a sentence end to what its 字 budget leaves ("" if
    nothing can be said from the answers yet)."""
    template = (_spec(engine.session.form).get("drafts") or {}).get(qid)
    if not template:
        return ""
    from .forms import file_of
    from .sandbox import DRAFT, render_string

    form = engine.session.form
    where = f"{file_of(form, 'templates', f'{form}.drafts.yaml')} 的 drafts.{qid}"
    text = render_string(_env(), template, context(engine), where=where, limits=DRAFT)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    body = "".join(line for line in lines if line)
    left = remaining_budget(engine, qid)
    if left is not None and count_chars(body) > left:
        sentences = re.findall(r"[^。；]*[。；]", body)
        kept = ""
        for s in sentences:
            if count_chars(kept + s) > left:
                break
            kept += s
        body = kept
    return body


def remaining_budget(engine: Engine, qid: str) -> int | None:
    """字 left for qid under the declared limits it counts towards (None: no such limit)."""
    lefts = [lim.budget - lim.others for lim in engine.limits(qid)]
    return max(0, min(lefts)) if lefts else None


def targets_actual(engine: Engine) -> tuple[str, list[dict[str, Any]]] | None:
    """(list id, rows) with the empty 完成值 cells of the fixed rows filled from the answers they
    name (as printed, with units); None when nothing would change."""
    spec = _spec(engine.session.form).get("targets_actual") or {}
    qid = spec.get("list")
    if qid not in engine.flow.by_id:
        return None
    q = engine.flow[qid]
    rows = [dict(r) for r in (engine.value(qid) or q.preset_rows)]
    changed = False
    for row in rows:
        how = (spec.get("rows") or {}).get(row.get(spec["by"]))
        source, pattern = (how.get("from"), how.get("as", "{}")) if isinstance(how, dict) else (how, "{}")
        if source and not row.get(spec["into"]) and engine.is_relevant(source):
            value = engine.value(source)
            if value not in (None, "", NONE_TEXT):
                row[spec["into"]] = pattern.format(engine.shown(source))
                changed = True
    return (qid, rows) if changed else None

"""Stored values -> Python values for conditions, and -> text for chat, preview and documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from assistant.form.flow import Column, Option, Question
from assistant.form.parse import NONE_TEXT

NOT_APPLICABLE = "不适用"


def to_python(q: Question | Column, stored: Any) -> Any:
    """The value conditions see: Decimal for amounts, date for dates, None for missing or 无."""
    if stored is None:
        return None
    t = q.type
    if t in ("decimal", "percent"):
        if stored == NONE_TEXT:
            return None
        try:
            return Decimal(str(stored))
        except InvalidOperation:
            return None
    if t == "date":
        try:
            return date.fromisoformat(stored)
        except (TypeError, ValueError):
            return None
    return stored


def _date_cn(iso: str) -> str:
    try:
        d = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def _option_label(options: list[Option], oid: Any) -> str:
    return next((o.label or o.id for o in options if o.id == oid), str(oid))


YESNO = (("yes", "是"), ("no", "否"))  # a yes/no question without options of its own


def choice_options(q: Question | Column) -> list[tuple[str, str]]:
    """(id, label) of each option a yes/no or choice question offers, in order."""
    return [(o.id, o.label or o.id) for o in q.options] or list(YESNO)


def chosen_index(q: Question | Column, stored: Any) -> int | None:
    """Which of choice_options a stored answer is (a yes/no stores True/False), or None."""
    sid = ("yes" if stored else "no") if q.type == "yesno" and isinstance(stored, bool) else stored
    ids = [oid for oid, _ in choice_options(q)]
    return ids.index(sid) if sid in ids else None


def show(q: Question | Column, stored: Any, *, unit: bool = True) -> str:
    """Text for one answer as printed (two decimals, 是/否, option labels, 无 where none)."""
    if stored is None:
        return ""
    t = q.type
    if t == "yesno":
        return "是" if stored else "否"
    if t == "choice":
        return _option_label(q.options, stored)
    if t == "date":
        return _date_cn(stored) if stored else ""
    if t == "decimal":
        u = getattr(q, "unit", "")
        return f"{stored} {u}" if unit and u and stored != NONE_TEXT else str(stored)
    if t == "percent":
        return f"{stored}%" if unit and stored != NONE_TEXT else str(stored)
    if t == "integer":
        return str(stored)
    if t == "list":
        return f"{len(stored)} 条" if stored else NONE_TEXT
    if t == "matrix":
        return "；".join(
            f"{r.label}：" + "，".join(f"{c.label} {stored.get(r.id, {}).get(c.id, 0)}" for c in q.cols)  # type: ignore[union-attr]
            for r in q.rows  # type: ignore[union-attr]
        )
    return str(stored)


def show_cell(col: Column, stored: Any) -> str:
    return show(col, stored, unit=False) if stored not in (None, "") else ""

"""Stored values -> Python values for conditions, and -> text for chat, preview and documents.

Each question type decides (assistant/form/types/); these are the calls everything else makes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.form.shapes import Stored, Value
from assistant.form.types import of
from assistant.form.types.choice import YESNO, option_rows

if TYPE_CHECKING:
    from assistant.form.flow import Column, Question

NOT_APPLICABLE = "不适用"

__all__ = ["NOT_APPLICABLE", "YESNO", "choice_options", "chosen_index", "show", "show_cell", "to_python"]


def to_python(q: Question | Column, stored: Stored | None) -> Value:
    """The value conditions see: Decimal for amounts, date for dates, None for missing or 无."""
    if stored is None:
        return None
    return of(q).to_python(q, stored)


def choice_options(q: Question | Column) -> list[tuple[str, str]]:
    """(id, label) of each option a yes/no or choice question offers, in order."""
    return option_rows(q)


def chosen_index(q: Question | Column, stored: object) -> int | None:
    """Which of choice_options a stored answer is (a yes/no stores True/False), or None."""
    sid = of(q).option_id(stored)
    ids = [oid for oid, _ in choice_options(q)]
    return ids.index(sid) if sid in ids else None


def show(q: Question | Column, stored: object, *, unit: bool = True) -> str:
    """Text for one answer as printed (two decimals, 是/否, option labels, 无 where none)."""
    if stored is None:
        return ""
    return of(q).shown(q, stored, unit)


def show_cell(col: Column, stored: object) -> str:
    return show(col, stored, unit=False) if stored not in (None, "") else ""

"""Shape checks for values that arrive from files: answer files, JSON reports, session documents.

parse.py reads what a person types; this module decides first whether a value from a file is
something parse() may read at all (no list for a text, no NaN, no null), and afterwards whether a
stored value has exactly the canonical form parse.py documents. Every refusal raises InputError
with a Chinese reason; callers add the question's id and label.
"""

from __future__ import annotations

from typing import Any

from assistant.errors import FlowError, InputError
from assistant.form.catalog import form_ids, resolve
from assistant.form.flow import Question
from assistant.form.override import BASIS_MAX, COMPUTED, TYPED
from assistant.form.types import of
from assistant.form.types.common import DECIMAL
from assistant.form.types.common import check_text as check_text  # re-exported: the layers above check here
from assistant.form.types.common import kind_of as kind_of
from assistant.form.types.common import shown_value as shown_value
from assistant.text.patterns import pattern

shown = shown_value  # what the layers above call a stored value said in words

YEAR_MIN, YEAR_MAX = 2000, 2100
MAX_ROWS = 200_000
MAX_ERRORS = 20  # one screenful of reasons; the rest are summarised
FORM_ID = pattern(r"[a-z][a-z0-9_]{0,63}")


# -- small helpers ------------------------------------------------------------------------------
def check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputError(f"年度应是一个整数年份，例如 2023（收到的是{kind_of(year)}）。")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InputError(f"年度 {year} 不像填报年度：应在 {YEAR_MIN}–{YEAR_MAX} 之间。")
    return year


class UnknownForm(InputError):
    """A session of a form none of the forms folders holds (str(): the form id)."""


def known_forms() -> list[str]:
    """Form ids are the names of the flow files (a form is data, never a path), discovered by assistant/form/catalog.py."""
    return [fid for fid in form_ids() if FORM_ID.fullmatch(fid)]


def form_id(value: object) -> str | None:
    """The form id for a form id or its short name; None for anything else (paths included)."""
    if not isinstance(value, str) or not FORM_ID.fullmatch(value):
        return None
    if value in known_forms():
        return value
    try:
        return resolve(value)
    except FlowError:
        return None


def check_form(value: object) -> str:
    name = form_id(value)
    if value is None:
        raise InputError(f"缺少表单编号 form（可选：{'、'.join(known_forms())}）。")
    if name is None:
        raise InputError(f"表单“{shown(value)}”不是已知的表单（可选：{'、'.join(known_forms())}）。")
    return name


# -- raw values from a file, before parse() ----------------------------------------------------
def check_raw(q: Question, raw: object, *, strict: bool = False) -> object:
    """Refuse what parse() must never read for q; return the value to hand to parse().

    strict (JSON reports, the exchange format): lists and matrices must be given as structures,
    not as typed text.
    """
    if raw is None:
        raise InputError("空值（null）不是回答：未填写的题请从文件中删去；确无相关情况请填写“无”。")
    if q.override and isinstance(raw, dict) and not (t := of(q)).is_list and not t.is_grid:
        for v in raw.values():  # the stored form, from a JSON report; parse_override checks keys
            if isinstance(v, str):
                check_text(v)
        return raw
    return of(q).check_raw(q, raw, strict)


# -- stored values: exactly the canonical forms each type keeps -------------------------------
def stored_problem(q: Question, value: object, *, fresh: bool = False) -> str | None:
    """Why value is not a valid stored answer for q (None when it is).

    fresh: the value is being stored now, so input-only rules apply too (a one-line text has no
    line break, a choice is one of today's options); a saved file is judged by shape alone.
    """
    t = of(q)
    if q.override and isinstance(value, dict) and not t.is_list and not t.is_grid:
        return _stored_override(value)
    return t.stored_problem(q, value, fresh)


def _stored_override(value: dict[str, Any]) -> str | None:
    """An override question stores {"source": "computed"} or the typed figure with its basis."""
    source = value.get("source")
    if source == COMPUTED and set(value) == {"source"}:
        return None
    if source == TYPED and set(value) <= {"source", "value", "basis"}:
        figure, basis = value.get("value"), value.get("basis", "")
        if not isinstance(figure, str) or not DECIMAL.fullmatch(figure):
            return f"填写的数字应是数字，实际是{kind_of(figure)}"
        if not isinstance(basis, str) or len(basis) > BASIS_MAX:
            return f"数据依据应是不超过 {BASIS_MAX} 字的文字，实际是{kind_of(basis)}"
        return None
    return f"应是“采用计算值”或“数字 + 依据”，实际是{kind_of(value)}"


def check_stored(q: Question, value: object, *, fresh: bool = False) -> None:
    why = stored_problem(q, value, fresh=fresh)
    if why:
        raise InputError(why + "。")



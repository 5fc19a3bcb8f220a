"""The stored answer of a computed figure the operator may override: the computed value, or a typed figure
with its basis. Its parsing is in parse.py (parse_override); the interview says it (interview/computed.py)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.form.flow import Question


COMPUTED, TYPED = "computed", "typed"


BASIS_MAX = 200


_EXAMPLE = "45.20 依据：集群统计年报（集群全部企业）"


def typed(stored: object) -> tuple[str, str] | None:
    """(figure, basis) when the operator typed the figure, else None.

    A plain figure stored before this question could be overridden (an older session) is the
    operator's own figure, kept as it is, with its basis not stated.
    """
    if isinstance(stored, dict):
        return (str(stored.get("value")), str(stored.get("basis") or "")) if stored.get("source") == TYPED else None
    if isinstance(stored, (str, int, float, Decimal)) and not isinstance(stored, bool):
        return str(stored), ""
    return None


def is_typed(stored: object) -> bool:
    return typed(stored) is not None


def basis_text(basis: str) -> str:
    return basis or "未注明，请补充"


def override_value(q: Question, stored: object, computed: Decimal | None) -> Decimal | None:
    """The value that counts for an override question: the typed figure, the computed one, or None."""
    figure = typed(stored)
    if figure is not None:
        try:
            return Decimal(figure[0])
        except InvalidOperation:
            return None
    return computed if isinstance(stored, dict) and stored.get("source") == COMPUTED else None

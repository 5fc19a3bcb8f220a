"""choice: one of the question's options (typed as its label, an alias or its number), stored as its id."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.types.base import QuestionType
from assistant.form.types.common import Parsed, kind_of, match_option, options_text, refuse_unsure, shown_value

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field

YESNO = (("yes", "是"), ("no", "否"))  # a yes/no question without options of its own


def option_rows(q: Field) -> list[tuple[str, str]]:
    """(id, label) of each option a yes/no or choice question offers, in order."""
    return [(o.id, o.label or o.id) for o in q.options] or list(YESNO)


class Choosing(QuestionType):
    """A question answered by picking one of numbered rows (choice, yes/no)."""

    has_choices = True
    echoed = True

    def choices(self, q: Field) -> list[tuple[str, str]]:
        return option_rows(q)

    def chosen(self, q: Field, stored: object) -> int | None:
        """Which of choices() a stored answer is, or None."""
        sid = self.option_id(stored)
        ids = [oid for oid, _ in self.choices(q)]
        return ids.index(sid) if sid in ids else None

    def typed(self, q: Question, stored: object) -> str | None:
        at = self.chosen(q, stored)
        return self.choices(q)[at][1] if at is not None else str(stored)

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        return "选项：" + "　".join(f"{i}. {o.label}" for i, o in enumerate(q.options, 1))


class Choice(Choosing):
    name = "choice"
    words = "一个选项"
    any_str = True
    column = True

    def read(self, q: Field, text: str) -> Parsed:
        o = match_option(q.options, text)
        if o is None:
            refuse_unsure(text)
            raise InputError(f"“{text.strip()}”不是可选项。请从以下选项中选择（可输入序号）：{options_text(q.options)}。")
        return Parsed(o.id)

    def stored_problem(self, q: Field, value: object, fresh: bool) -> str | None:
        if not isinstance(value, str):
            return f"应是文字，实际是{kind_of(value)}"
        if fresh and value not in {o.id for o in q.options}:
            return f"“{shown_value(value)}”不是可选项"
        return None

    def shown(self, q: Field, stored: object, unit: bool = True) -> str:
        return next((o.label or o.id for o in q.options if o.id == stored), str(stored))

    def cell_formatter(self, col: Field) -> Callable[[object], str]:
        labels = {o.id: o.label or o.id for o in col.options}
        return lambda v: "" if v in (None, "") else labels.get(v, v) if isinstance(v, str) else str(v)

    def spec_problem(self, q: Question) -> str:
        return "" if q.options else "选择题必须列出 options"


TYPE = Choice()

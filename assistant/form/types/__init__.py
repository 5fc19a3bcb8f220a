"""Question types in one registry: each type is a module of this package holding how its answers are read
(parse), checked when stored (stored_problem), shown (shown, typed, format_line) and what it can do (flags).

Adding a type: write its module (a QuestionType subclass and TYPE = …) and add its line to MODULES below.
"""

from __future__ import annotations

from importlib import import_module

from assistant.form.types.base import TYPES, Cell, QuestionType, named, of, register

# The registry: one line per type, naming its module (the order is the order types are listed in messages).
MODULES = [
    "assistant.form.types.text",
    "assistant.form.types.longtext",
    "assistant.form.types.integer",
    "assistant.form.types.decimal",
    "assistant.form.types.percent",
    "assistant.form.types.yesno",
    "assistant.form.types.choice",
    "assistant.form.types.date",
    "assistant.form.types.phone",
    "assistant.form.types.uscc",
    "assistant.form.types.list",
    "assistant.form.types.matrix",
]


def load(modules: list[str] | None = None) -> None:
    """Register the type of every module named in MODULES (again: a module added to it later is loaded too)."""
    for path in MODULES if modules is None else modules:
        qtype = import_module(path).TYPE
        if not isinstance(qtype, QuestionType):
            raise TypeError(f"{path}.TYPE is not a QuestionType")
        register(qtype)


load()

__all__ = ["MODULES", "TYPES", "Cell", "QuestionType", "load", "named", "of", "register"]

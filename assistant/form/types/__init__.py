"""Question types in one registry: each type is a module of this package holding how its answers are read
(parse), checked when stored (stored_problem), shown (shown, typed, format_line) and what it can do (flags).

Adding a type: write its module (a QuestionType subclass and TYPE = …) and add it to the line below.
"""

from __future__ import annotations

from assistant.form.types import choice, date, decimal, integer, longtext, matrix, percent, phone, text, uscc, yesno
from assistant.form.types import list as list_  # the module of the type "list" (the builtin stays unshadowed)
from assistant.form.types.base import TYPES, Cell, QuestionType, named, of, register

# The registry line: one module per type.
for _module in (text, longtext, integer, decimal, percent, yesno, choice, date, phone, uscc, list_, matrix):
    register(_module.TYPE)

__all__ = ["TYPES", "Cell", "QuestionType", "named", "of", "register"]

"""The shapes the core's signatures name instead of Any: data as JSON and YAML hold it, and an answer as each
question type stores it (assistant/form/types/ decides which; this module only names the shapes).

    text, longtext, choice, date, phone, uscc     str ("无" where the form allows none)
    decimal, percent                               str (the figure as printed, "12.50": no float drift)
    integer                                        int
    yesno                                          bool
    list                                           list[Row]: one dict per row, column id -> its cell ("" empty)
    matrix                                         Grid: row id -> column id -> count
    a computed figure the operator may override    Override: {source: computed} or {source: typed, value, basis}
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, TypeAlias, TypedDict

JsonScalar: TypeAlias = str | int | float | bool | None
JsonValue: TypeAlias = JsonScalar | list["JsonValue"] | dict[str, "JsonValue"]
JsonObject: TypeAlias = dict[str, JsonValue]  # a JSON object: a saved session, a file's record, a YAML mapping

Scalar: TypeAlias = str | int | bool  # a one-value answer, or one cell of a list's row
Row: TypeAlias = dict[str, Scalar]  # one row of a list answer
Grid: TypeAlias = dict[str, dict[str, int]]  # a matrix answer
Override: TypeAlias = dict[str, str]  # an overridable computed figure's answer (form/override.py)
Stored: TypeAlias = Scalar | list[Row] | Grid | Override  # any answer as the session keeps it
Value: TypeAlias = Decimal | date | Stored | None  # an answer as conditions and expressions see it

Printed: TypeAlias = dict[str, str]  # one row of a table as printed: column id -> its cell's text
Said: TypeAlias = dict[str, str | None]  # one row as a draft writes it (None: an empty cell)
Quoted: TypeAlias = str | int | list[str] | list[Printed] | list[Said]  # what a draft read of one answer


# -- form files whose keys the package checked (form/schema.py); keys with a default there may be absent ------
class _RatioKeys(TypedDict):
    numerator: str
    denominator: str


class RatioFile(_RatioKeys, total=False):  # a roll-up column's total as a ratio of two column sums
    scale: int | float
    offset: int | float


class _RollupColumnKeys(TypedDict):
    id: str
    value: str


class RollupColumnFile(_RollupColumnKeys, total=False):
    total: Literal["sum"] | RatioFile | None


class _RollupKeys(TypedDict):
    from_form: str
    into: str
    name: str
    columns: list[RollupColumnFile]


class RollupFile(_RollupKeys, total=False):  # flows/<form>.rollup.yaml
    places: int
    drafts: dict[str, str]


class _TermKeys(TypedDict):
    id: str
    term: str
    text: str


class TermFile(_TermKeys, total=False):
    aliases: list[str]
    source: str
    confirmed: bool


class GlossaryFile(TypedDict, total=False):  # prompts/glossary.yaml
    terms: list[TermFile]


class SubmissionFile(TypedDict, total=False):  # templates/submission.yaml: the notice's requirements
    notice: str
    recipient: str
    deadline: str
    contact: str
    items: list[str]
    evidence_title: str


class FormSubmission(TypedDict, total=False):  # a layout's `submission:` block: what one form adds
    who: str
    what: str
    seal: str
    also: list[str]
    to: str
    when: str
    items: list[str] | None
    evidence: list[str]


class Submission(SubmissionFile, total=False):  # the notice's requirements with the form's own block
    form: FormSubmission


__all__ = [
    "FormSubmission",
    "GlossaryFile",
    "Grid",
    "JsonObject",
    "JsonScalar",
    "JsonValue",
    "Override",
    "Printed",
    "Quoted",
    "RatioFile",
    "RollupColumnFile",
    "RollupFile",
    "Row",
    "Said",
    "Scalar",
    "Stored",
    "Submission",
    "SubmissionFile",
    "TermFile",
    "Value",
]

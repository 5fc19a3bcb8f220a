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
from typing import Literal, TypeAlias, TypedDict, final

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


# -- flows/<form>.enterprises.yaml (form/schema.py's Enterprises; keys with a default there may be absent) -----
Number: TypeAlias = int | float
Names: TypeAlias = str | list[str]  # one id, or several
Where: TypeAlias = dict[str, str | Number | list[str]]  # column id -> the value(s) a row must hold
_Texts: TypeAlias = list[str]


class EnterpriseOptionFile(TypedDict):
    id: str
    label: str


class _EnterpriseColumnKeys(TypedDict):
    id: str
    header: str
    type: Literal["text", "uscc", "yesno", "choice", "decimal", "integer"]


class EnterpriseColumnFile(_EnterpriseColumnKeys, total=False):
    unit: str
    required: bool
    options: list[EnterpriseOptionFile]
    help: list[str]
    note: str
    hint: str  # the older name of note
    width: int
    key: bool
    max: Number | None


class _EnterpriseCheckKeys(TypedDict):
    message: str


class EnterpriseCheckFile(_EnterpriseCheckKeys, total=False):  # one of le … only names its columns
    le: list[str] | None
    needs: list[str] | None
    pairs: list[str] | None
    apart: list[str] | None
    unique: list[str] | None
    only: list[str] | None
    where: Where | None
    factor: Number
    leave_out: bool
    warn: bool


class MeasureFile(TypedDict, total=False):
    label: str
    sum: Names | None
    count: bool
    where: Where | None
    empty: Literal["zero"] | None
    max: Number | None


class SourceFile(TypedDict, total=False):  # one of measure … prior_answers
    measure: Names | None
    ratio: Names | None
    answers: Names | None
    prior_measure: Names | None
    prior_ratio: Names | None
    prior_answers: Names | None
    scale: Number


class _IndicatorKeys(TypedDict):
    question: str
    kind: Literal["sum", "count", "ratio", "growth", "reduction", "cagr", "list"]
    coverage: Literal["total", "ratio"]


class IndicatorFile(_IndicatorKeys, total=False):
    formula: str
    measure: str
    num: str
    den: str
    scale: Number
    current: list[SourceFile]
    previous: list[SourceFile]
    max_years: int
    where: Where | None
    fill: dict[str, str]
    split: _Texts
    note: str
    list: str  # the YAML key `list` (last: it names no type below it)


class _AverageKeys(TypedDict):
    label: str


class AverageFile(_AverageKeys, total=False):
    about: str
    current: list[SourceFile]
    previous: list[SourceFile]
    criterion: str


class _ComputedKeys(TypedDict):
    minus: list[str]


class ComputedFile(_ComputedKeys, total=False):
    note: str


class _EditionKeys(TypedDict):
    name: str
    columns: list[EnterpriseColumnFile]


class EditionFile(_EditionKeys, total=False):  # an earlier edition of the workbook
    decides: dict[str, dict[str, dict[str, str | Number]]]
    computed: dict[str, ComputedFile]


class _EnterprisesKeys(TypedDict):
    columns: list[EnterpriseColumnFile]


class EnterprisesFile(_EnterprisesKeys, total=False):  # flows/<form>.enterprises.yaml
    form: str
    cluster_count: str
    sheet: str
    instructions_sheet: str
    title: str
    intro: list[str]
    prefill_note: str
    checks: list[EnterpriseCheckFile]
    measures: dict[str, MeasureFile]
    indicators: list[IndicatorFile]
    averages: list[AverageFile]
    carry: list[str]
    editions: list[EditionFile]


# -- templates/<form>.layout.yaml (form/schema.py's Layout): a row or block is one kind, by the key it holds --
@final
class CoverRowFile(TypedDict):
    label: str
    qids: list[str]


@final
class PropertiesFile(TypedDict, total=False):  # the file's author and subject: the answers they come from
    author: str | None
    subject: list[str]


class _FieldRowKeys(TypedDict):
    field: str


@final
class FieldRowFile(_FieldRowKeys, total=False):
    unit: str


@final
class ChoiceRowFile(TypedDict):
    choice: str


class _MatrixRowKeys(TypedDict):
    matrix: str


@final
class MatrixRowFile(_MatrixRowKeys, total=False):
    list: str | None  # the attached list its note asks for


class _GroupRowKeys(TypedDict):
    group: str
    counts: list[str]


@final
class GroupRowFile(_GroupRowKeys, total=False):
    lines: int


LayoutRowFile: TypeAlias = Literal["year"] | FieldRowFile | ChoiceRowFile | MatrixRowFile | GroupRowFile


@final
class TableFile(TypedDict):
    widths: list[Number]
    rows: list[LayoutRowFile]


@final
class TableBlockFile(TypedDict):
    table: TableFile


class _NarrativeBlockKeys(TypedDict):
    narrative: str


@final
class NarrativeBlockFile(_NarrativeBlockKeys, total=False):
    heading: bool


class _GroupedTableKeys(TypedDict):
    grouped_table: str
    group_by: str
    widths: list[Number]


@final
class GroupedTableFile(_GroupedTableKeys, total=False):
    own_row_after: list[str]
    always: list[str]


class _ListTableKeys(TypedDict):
    list_table: str


@final
class ListTableFile(_ListTableKeys, total=False):
    landscape: bool


class _DeclarationKeys(TypedDict):
    label: str
    text: str
    signer: str
    date: str


@final
class DeclarationFile(_DeclarationKeys, total=False):
    seal: str
    opinion: str
    widths: list[Number]


@final
class DeclarationBlockFile(TypedDict):
    declaration: DeclarationFile


class _SignKeys(TypedDict):
    who: str
    date: str


@final
class SignFile(_SignKeys, total=False):
    seal: str


@final
class SignBlockFile(TypedDict):
    sign: SignFile


LayoutBlockFile: TypeAlias = (TableBlockFile | NarrativeBlockFile | GroupedTableFile | ListTableFile
                              | DeclarationBlockFile | SignBlockFile)


@final
class PartFile(TypedDict, total=False):  # widths and rows (one table) are given together, or blocks
    section: str | None
    id: str | None
    one_page: bool
    new_page: bool
    note: str
    widths: list[Number] | None
    rows: list[LayoutRowFile] | None
    blocks: list[LayoutBlockFile]


@final
class LayoutFile(TypedDict, total=False):  # templates/<form>.layout.yaml
    cover: list[CoverRowFile]
    issuer: str
    properties: PropertiesFile
    instructions_title: str
    instructions: list[str]
    parts: list[PartFile]
    appendix_lists: list[str] | None
    submission: FormSubmission | None


__all__ = [
    "AverageFile",
    "ChoiceRowFile",
    "ComputedFile",
    "CoverRowFile",
    "DeclarationBlockFile",
    "DeclarationFile",
    "EditionFile",
    "EnterpriseCheckFile",
    "EnterpriseColumnFile",
    "EnterpriseOptionFile",
    "EnterprisesFile",
    "FieldRowFile",
    "FormSubmission",
    "GlossaryFile",
    "Grid",
    "GroupRowFile",
    "GroupedTableFile",
    "IndicatorFile",
    "JsonObject",
    "JsonScalar",
    "JsonValue",
    "LayoutBlockFile",
    "LayoutFile",
    "LayoutRowFile",
    "ListTableFile",
    "MatrixRowFile",
    "MeasureFile",
    "Names",
    "NarrativeBlockFile",
    "Number",
    "Override",
    "PartFile",
    "Printed",
    "PropertiesFile",
    "Quoted",
    "RatioFile",
    "RollupColumnFile",
    "RollupFile",
    "Row",
    "Said",
    "Scalar",
    "SignBlockFile",
    "SignFile",
    "SourceFile",
    "Stored",
    "Submission",
    "SubmissionFile",
    "TableBlockFile",
    "TableFile",
    "TermFile",
    "Value",
    "Where",
]

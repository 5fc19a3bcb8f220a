"""The shape of every file of a form package besides the flow (form/flow.py): strict models, unknown keys refused.

Each model says what its file may hold; `problems()` validates one file and then resolves every question
id, section id and glossary id it names against the flow. Loaded only when a package is checked (a cache
miss or `filing forms --check`): pydantic is not on the start-up path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from assistant.form.flow import Flow
from assistant.form.flow import problem_message as _message
from assistant.form.types import QuestionType, of

Loc = tuple[str | int, ...]


# Plain dataclasses: pydantic validates them (unknown keys refused) only when a package is checked, so
# importing this module loads no pydantic. Booleans are the literals true/false: `required: "yes"` is refused,
# never silently true.
# Made dataclasses on first use (_models): building ~40 dataclasses costs ~15 ms, and a start-up from the
# package cache checks nothing.
_CONFIG = {"extra": "forbid"}
Bool = Literal[True, False]


Number = int | float
Names = str | list[str]  # one id, or several


# -- prompts/<form>.yaml: the wording ------------------------------------------------------------
class OptionWords:
    __pydantic_config__ = _CONFIG
    label: str = ""
    aliases: list[str] = field(default_factory=list)


class ColumnWords:
    __pydantic_config__ = _CONFIG
    label: str = ""
    aliases: list[str] = field(default_factory=list)
    hint: str = ""
    options: dict[str, OptionWords] = field(default_factory=dict)


class QuestionWords:
    __pydantic_config__ = _CONFIG
    label: str = ""
    ask: str = ""
    hint: str = ""
    help: list[str] = field(default_factory=list)
    note: str = ""
    formula: str = ""
    corner: str = ""
    context: str = ""
    name: str = ""
    options: dict[str, OptionWords] = field(default_factory=dict)
    rows: dict[str, str | OptionWords] = field(default_factory=dict)
    cols: dict[str, str | OptionWords] = field(default_factory=dict)
    columns: dict[str, ColumnWords] = field(default_factory=dict)


class SectionWords:
    __pydantic_config__ = _CONFIG
    title: str = ""
    intro: str = ""


class Wording:
    __pydantic_config__ = _CONFIG
    sections: dict[str, SectionWords] = field(default_factory=dict)
    questions: dict[str, QuestionWords | None] = field(default_factory=dict)


# -- templates/<form>.layout.yaml ------------------------------------------------------------------
class CoverRow:
    __pydantic_config__ = _CONFIG
    label: str
    qids: list[str]


class Properties:
    __pydantic_config__ = _CONFIG
    author: str | None = None
    subject: list[str] = field(default_factory=list)


class FieldRow:
    __pydantic_config__ = _CONFIG
    field: str
    unit: str = ""


class ChoiceRow:
    __pydantic_config__ = _CONFIG
    choice: str


class MatrixRow:
    __pydantic_config__ = _CONFIG
    matrix: str
    list_: str | None = None  # `list:` the attached list its note asks for: pointed to (见附件材料 N)


class GroupRow:
    __pydantic_config__ = _CONFIG
    group: str
    counts: list[str]
    lines: int = 4  # the names cell's budget in lines (a one-page part fits by construction)


_ROWS = ("field", "choice", "matrix", "group")
LayoutRow = Literal["year"] | FieldRow | ChoiceRow | MatrixRow | GroupRow


class Table:
    __pydantic_config__ = _CONFIG
    widths: list[Number]
    rows: list[LayoutRow]


class TableBlock:
    __pydantic_config__ = _CONFIG
    table: Table


class NarrativeBlock:
    __pydantic_config__ = _CONFIG
    narrative: str
    heading: Bool = True


class GroupedTable:
    __pydantic_config__ = _CONFIG
    grouped_table: str
    group_by: str
    widths: list[Number]
    own_row_after: list[str] = field(default_factory=list)
    always: list[str] = field(default_factory=list)


class ListTable:
    __pydantic_config__ = _CONFIG
    list_table: str
    landscape: Bool = False  # on a landscape page, split into tables that repeat the first column if wider


class Declaration:
    __pydantic_config__ = _CONFIG
    label: str
    text: str
    signer: str
    date: str
    seal: str = ""
    opinion: str = ""  # the label before the district's 考核意见, printed above the seal once it approved
    widths: list[Number] = field(default_factory=list)


class DeclarationBlock:
    __pydantic_config__ = _CONFIG
    declaration: Declaration


class Sign:
    __pydantic_config__ = _CONFIG
    who: str
    date: str
    seal: str = ""


class SignBlock:
    __pydantic_config__ = _CONFIG
    sign: Sign


_BLOCKS = ("table", "narrative", "grouped_table", "list_table", "declaration", "sign")
LayoutBlock = TableBlock | NarrativeBlock | GroupedTable | ListTable | DeclarationBlock | SignBlock
# A row or block is one of these by the kind key it holds: only that member's problems are said.
_KIND_OF = {"FieldRow": "field", "ChoiceRow": "choice", "MatrixRow": "matrix", "GroupRow": "group",
            "TableBlock": "table", "NarrativeBlock": "narrative", "GroupedTable": "grouped_table",
            "ListTable": "list_table", "DeclarationBlock": "declaration", "SignBlock": "sign"}


class Part:
    __pydantic_config__ = _CONFIG
    section: str | None = None
    id: str | None = None
    one_page: Bool = False
    new_page: Bool = True
    note: str = ""
    widths: list[Number] | None = None  # with rows: the part is one table
    rows: list[LayoutRow] | None = None
    blocks: list[LayoutBlock] = field(default_factory=list)


class FormSubmission:
    __pydantic_config__ = _CONFIG
    who: str = ""
    what: str = ""
    seal: str = ""
    also: list[str] = field(default_factory=list)
    to: str = ""  # where this form goes (default: the notice's recipient)
    when: str = ""  # by when (default: the notice's deadline)
    items: list[str] | None = None  # the form's own steps (default: the notice's items)
    evidence: list[str] = field(default_factory=list)  # supporting documents the form's instructions ask for


class Layout:
    __pydantic_config__ = _CONFIG
    cover: list[CoverRow] = field(default_factory=list)
    issuer: str = ""
    properties: Properties = field(default_factory=Properties)
    instructions_title: str = ""
    instructions: list[str] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)
    appendix_lists: list[str] | None = None
    submission: FormSubmission | None = None


# -- templates/<form>.drafts.yaml ------------------------------------------------------------------
class FromAnswer:
    __pydantic_config__ = _CONFIG
    from_: str
    as_: str = "{}"
    negative: str = ""  # how a figure below zero is written (its sign said by a word, e.g. 上升{})
    better: Literal["higher", "lower"] = "higher"  # which way the 完成值 beats the 目标值


class TargetsActual:
    __pydantic_config__ = _CONFIG
    list_: str
    by: str
    into: str
    target: str = ""  # the column of the 目标值 (a 完成值 in another unit is not filled; one short of it is a problem)
    rows: dict[str, str | FromAnswer] = field(default_factory=dict)


class Drafts:
    __pydantic_config__ = _CONFIG
    figures: dict[str, list[str]] = field(default_factory=dict)
    targets_actual: TargetsActual | None = None
    asks: dict[str, list[str]] = field(default_factory=dict)  # a narrative → the sub-questions it is drafted from
    shows_figures: list[str] = field(default_factory=list)  # sub-questions shown what the figures already say
    drafts: dict[str, str] = field(default_factory=dict)


# -- flows/<form>.enterprises.yaml -------------------------------------------------------------------
class EnterpriseOption:
    __pydantic_config__ = _CONFIG
    id: str
    label: str


class EnterpriseColumn:
    __pydantic_config__ = _CONFIG
    id: str
    header: str
    type: Literal["text", "uscc", "yesno", "choice", "decimal", "integer"]
    unit: str = ""
    required: Bool = False
    options: list[EnterpriseOption] = field(default_factory=list)
    help: list[str] = field(default_factory=list)
    note: str = ""
    hint: str = ""  # the older name of note
    width: int = 0
    key: Bool = False
    max: Number | None = None


Where = dict[str, bool | str | Number | list[str]]


class Check:
    __pydantic_config__ = _CONFIG
    le: list[str] | None = None
    needs: list[str] | None = None
    pairs: list[str] | None = None
    apart: list[str] | None = None
    unique: list[str] | None = None
    only: list[str] | None = None
    message: str
    where: Where | None = None
    factor: Number = 1000
    leave_out: Bool = False
    warn: Bool = False


class Measure:
    __pydantic_config__ = _CONFIG
    label: str = ""
    sum: Names | None = None
    count: Bool = False
    where: Where | None = None
    empty: Literal["zero"] | None = None
    max: Number | None = None


class Source:
    __pydantic_config__ = _CONFIG
    measure: Names | None = None
    ratio: Names | None = None
    answers: Names | None = None
    prior_measure: Names | None = None
    prior_ratio: Names | None = None
    prior_answers: Names | None = None
    scale: Number = 1


class Indicator:
    __pydantic_config__ = _CONFIG
    question: str
    kind: Literal["sum", "count", "ratio", "growth", "reduction", "cagr", "list"]
    coverage: Literal["total", "ratio"]
    formula: str = ""
    measure: str = ""
    num: str = ""
    den: str = ""
    scale: Number = 1
    current: list[Source] = field(default_factory=list)
    previous: list[Source] = field(default_factory=list)
    max_years: int = 1
    where: Where | None = None
    fill: dict[str, str] = field(default_factory=dict)
    split: list[str] = field(default_factory=list)
    list_: str = ""
    note: str = ""


class Average:
    __pydantic_config__ = _CONFIG
    label: str
    about: str = ""
    current: list[Source] = field(default_factory=list)
    previous: list[Source] = field(default_factory=list)
    criterion: str = ""


class Computed:
    __pydantic_config__ = _CONFIG
    minus: list[str]
    note: str = ""


class Edition:
    """An earlier edition of the workbook: its columns this one lacks, and how its values carry over."""

    __pydantic_config__ = _CONFIG
    name: str
    columns: list[EnterpriseColumn]
    decides: dict[str, dict[str, dict[str, bool | str | Number]]] = field(default_factory=dict)
    computed: dict[str, Computed] = field(default_factory=dict)


class Enterprises:
    __pydantic_config__ = _CONFIG
    form: str = ""
    cluster_count: str = ""
    sheet: str = "企业数据"
    instructions_sheet: str = "填表说明"
    title: str = ""
    intro: list[str] = field(default_factory=list)
    prefill_note: str = ""
    columns: list[EnterpriseColumn]
    checks: list[Check] = field(default_factory=list)
    measures: dict[str, Measure] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)
    averages: list[Average] = field(default_factory=list)
    carry: list[str] = field(default_factory=list)
    editions: list[Edition] = field(default_factory=list)


# -- flows/<form>.rollup.yaml ---------------------------------------------------------------------
class Ratio:
    __pydantic_config__ = _CONFIG
    numerator: str
    denominator: str
    scale: Number = 1
    offset: Number = 0


class RollupColumn:
    __pydantic_config__ = _CONFIG
    id: str
    value: str
    total: Literal["sum"] | Ratio | None = None


class Rollup:
    __pydantic_config__ = _CONFIG
    from_form: str
    into: str
    name: str
    places: int = 2
    columns: list[RollupColumn]
    drafts: dict[str, str] = field(default_factory=dict)


# -- prompts/glossary.yaml, templates/submission.yaml -----------------------------------------------
class Term:
    __pydantic_config__ = _CONFIG
    id: str
    term: str
    text: str
    aliases: list[str] = field(default_factory=list)
    source: str = ""
    confirmed: Bool = True


class Glossary:
    __pydantic_config__ = _CONFIG
    terms: list[Term] = field(default_factory=list)


class Submission:
    __pydantic_config__ = _CONFIG
    notice: str = ""
    recipient: str = ""
    deadline: str = ""
    contact: str = ""
    items: list[str] = field(default_factory=list)
    evidence_title: str = ""  # the heading over a form's supporting documents


_MODELS: dict[str, type] = {
    "wording": Wording, "layout": Layout, "drafts": Drafts, "enterprises": Enterprises, "rollup": Rollup,
    "glossary": Glossary, "submission": Submission,
}


@cache
def _models() -> dict[str, type]:
    for cls in (
            OptionWords, ColumnWords, QuestionWords, SectionWords, Wording, CoverRow, Properties, FieldRow,
            ChoiceRow, MatrixRow, GroupRow, Table, TableBlock, NarrativeBlock, GroupedTable, ListTable,
            Declaration, DeclarationBlock, Sign, SignBlock, Part, FormSubmission, Layout, FromAnswer,
            TargetsActual, Drafts, EnterpriseOption, EnterpriseColumn, Check, Measure, Source, Indicator,
            Average, Computed, Edition, Enterprises, Ratio, RollupColumn, Rollup, Term, Glossary, Submission,
    ):
        dataclass(kw_only=True)(cls)
    return _MODELS

_KEYS = {"from": "from_", "as": "as_", "list": "list_"}  # YAML keys that are Python words -> field names
_ALIAS = {v: k for k, v in _KEYS.items()}
_SCALAR = {"string_type", "none_required", "int_type", "float_type", "bool_type", "literal_error", "list_type"}


def _fields(data: Any) -> Any:
    """The data with the keys that are Python words renamed as the fields are named."""
    if isinstance(data, dict):
        return {_KEYS.get(k, k) if isinstance(k, str) else k: _fields(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_fields(v) for v in data]
    return data


def _located(data: Any, loc: Iterable[Any]) -> tuple[Loc, bool]:
    """(the part of pydantic's location that is in the file, whether the error is about the member of a
    union the data chose): a row's problems are said for the kind it names (field, choice, …) only; a missing
    key is named where it should be."""
    out: list[str | int] = []
    node = data
    parts = list(loc)
    for i, part in enumerate(parts):
        part = _ALIAS.get(part, part) if isinstance(part, str) else part
        if isinstance(node, dict) and part in node:
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and part in _KIND_OF:
            if not (isinstance(node, dict) and _KIND_OF[part] in node):
                return tuple(out), False
            continue
        elif isinstance(part, str) and part.startswith("literal[") and isinstance(node, dict):
            return tuple(out), False  # `year`, a word, where the data has a mapping
        elif i == len(parts) - 1 and isinstance(node, dict):
            pass  # a missing key
        else:
            continue
        out.append(part)
    return tuple(out), True


def _errors(data: Any, errors: list[Any]) -> list[tuple[Loc, str]]:
    errs: list[tuple[Loc, Any]] = []
    unknown: list[Loc] = []  # a row or block of no kind the layout knows
    for e in errors:
        loc, chosen = _located(data, e["loc"])
        if chosen:
            errs.append((loc, e))
        else:
            unknown.append(loc)
    out: list[tuple[Loc, str]] = []
    for loc, e in errs:
        # A mapping where a union also allows a word: the word's "应为文字" is noise beside the mapping's problem.
        if e["type"] in _SCALAR and isinstance(e.get("input"), (dict, list)) and any(
                other is not e and o[:len(loc)] == loc for o, other in errs):
            continue
        item = (loc, _message(e))
        if item not in out:
            out.append(item)
    for loc in unknown:
        if not any(o[:len(loc)] == loc for o, _ in out):
            said = ("不认识的行：应是 year，或有 " + "、".join(_ROWS) + " 之一" if "rows" in loc[-2:-1]
                    else "不认识的块：应有 " + "、".join(_BLOCKS) + " 之一")
            item = (loc, said)
            if item not in out:
                out.append(item)
    return out


@cache
def _adapter(kind: str) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(_models()[kind])  # ~5 ms each to build: once per process


def problems(kind: str, data: object, flow: Flow, glossary_ids: set[str] | None) -> list[tuple[Loc, str]]:
    """What is wrong with one file of the package: (location of the key, message in Chinese)."""
    # pydantic is ~0.2 s of imports: loaded only when a package is checked anew (a cache miss, --check).
    from pydantic import ValidationError

    if data is None:
        data = {}
    if not isinstance(data, dict):
        return [((), "顶层应是一个映射（键: 值）")]
    try:
        model: Any = _adapter(kind).validate_python(_fields(data))
    except ValidationError as exc:
        return _errors(data, exc.errors())
    return list(_REFS[kind](model, flow, glossary_ids))


# -- every id a file names, resolved ------------------------------------------------------------------
Found = Iterable[tuple[Loc, str]]


@dataclass(frozen=True)
class _Need:
    """What a place in a file needs of the question it names, asked of its type (form/types/)."""
    word: str
    fits: Callable[[QuestionType], bool]


_LIST = _Need("名单题（list）", lambda t: t.is_list)
_CHOICE = _Need("是/否题或选择题（yesno/choice）", lambda t: t.has_choices)
_GRID = _Need("矩阵题（matrix）", lambda t: t.is_grid)


def _question(flow: Flow, qid: str | None, loc: Loc, need: _Need | None = None) -> Found:
    if qid is None:
        return
    if qid not in flow.by_id:
        yield loc, f"问题 “{qid}” 不在表单 {flow.form} 中"
    elif need is not None and not need.fits(of(flow.by_id[qid])):
        yield loc, f"问题 “{qid}” 是{flow.by_id[qid].type}题，这里应是{need.word}"


def _terms(ids: list[str], glossary_ids: set[str] | None, loc: Loc) -> Found:
    for i, tid in enumerate(ids):
        if glossary_ids is not None and tid not in glossary_ids:
            yield (*loc, i), f"词条 “{tid}” 不在词汇表（prompts/glossary.yaml）中"


def _wording_refs(w: Wording, flow: Flow, glossary_ids: set[str] | None) -> Found:
    sections = {s.id for s in flow.sections}
    for sid in w.sections:
        if sid not in sections:
            yield ("sections", sid), f"部分 “{sid}” 不在表单 {flow.form} 中"
    for qid, qw in w.questions.items():
        if qid not in flow.by_id:
            yield ("questions", qid), f"问题 “{qid}” 不在表单 {flow.form} 中"
            continue
        if qw is None:
            continue
        q, at = flow.by_id[qid], ("questions", qid)
        yield from _terms(qw.help, glossary_ids, (*at, "help"))
        for key, ids in (("options", {o.id for o in q.options}), ("rows", {o.id for o in q.rows}),
                         ("cols", {o.id for o in q.cols}), ("columns", {c.id for c in q.columns})):
            for oid in getattr(qw, key):
                if oid not in ids:
                    yield (*at, key, oid), f"问题 {qid} 没有 “{oid}” 这一项"
        for cid, cw in qw.columns.items():
            col = q.column(cid)
            for oid in cw.options if col is not None else ():
                if col is not None and col.options and oid not in {o.id for o in col.options}:
                    yield (*at, "columns", cid, "options", oid), f"问题 {qid} 的列 {cid} 没有 “{oid}” 这一项"


def _layout_refs(lay: Layout, flow: Flow, _g: set[str] | None) -> Found:
    for i, c in enumerate(lay.cover):
        for j, qid in enumerate(c.qids):
            yield from _question(flow, qid, ("cover", i, "qids", j))
    yield from _question(flow, lay.properties.author, ("properties", "author"))
    for j, qid in enumerate(lay.properties.subject):
        yield from _question(flow, qid, ("properties", "subject", j))
    for j, qid in enumerate(lay.appendix_lists or []):
        yield from _question(flow, qid, ("appendix_lists", j), _LIST)
    sections = {s.id for s in flow.sections}
    for i, part in enumerate(lay.parts):
        at: Loc = ("parts", i)
        if part.section is None and part.id is None:
            yield at, "每个部分应有 section（表单的部分）或 id"
        if part.section is not None and part.section not in sections:
            yield (*at, "section"), f"部分 “{part.section}” 不在表单 {flow.form} 中"
        if (part.rows is None) != (part.widths is None):
            yield at, "widths 和 rows 应同时给出"
        if part.rows is not None:
            yield from _rows(flow, part.rows, at)
        for j, block in enumerate(part.blocks):
            yield from _block(flow, block, (*at, "blocks", j))


def _rows(flow: Flow, rows: list[Any], at: Loc) -> Found:
    for j, row in enumerate(rows):
        loc: Loc = (*at, "rows", j)
        if isinstance(row, FieldRow):
            yield from _question(flow, row.field, (*loc, "field"))
        elif isinstance(row, ChoiceRow):
            yield from _question(flow, row.choice, (*loc, "choice"), _CHOICE)
        elif isinstance(row, MatrixRow):
            yield from _question(flow, row.matrix, (*loc, "matrix"), _GRID)
            if row.list_ is not None:
                yield from _question(flow, row.list_, (*loc, "list"), _LIST)
        elif isinstance(row, GroupRow):
            for k, qid in enumerate(row.counts):
                yield from _question(flow, qid, (*loc, "counts", k))


def _block(flow: Flow, block: Any, at: Loc) -> Found:
    if isinstance(block, TableBlock):
        yield from _rows(flow, block.table.rows, (*at, "table"))
    elif isinstance(block, NarrativeBlock):
        yield from _question(flow, block.narrative, (*at, "narrative"))
    elif isinstance(block, ListTable):
        yield from _question(flow, block.list_table, (*at, "list_table"), _LIST)
    elif isinstance(block, GroupedTable):
        yield from _question(flow, block.grouped_table, (*at, "grouped_table"), _LIST)
        q = flow.by_id.get(block.grouped_table)
        if q is not None and q.column(block.group_by) is None:
            yield (*at, "group_by"), f"名单 {q.id} 没有列 “{block.group_by}”"
    elif isinstance(block, DeclarationBlock):
        yield from _question(flow, block.declaration.signer, (*at, "declaration", "signer"))
        yield from _question(flow, block.declaration.date, (*at, "declaration", "date"))
    elif isinstance(block, SignBlock):
        yield from _question(flow, block.sign.who, (*at, "sign", "who"))
        yield from _question(flow, block.sign.date, (*at, "sign", "date"))


def _drafts_refs(d: Drafts, flow: Flow, _g: set[str] | None) -> Found:
    for qid in d.figures:
        yield from _question(flow, qid, ("figures", qid))
    for qid in d.drafts:
        yield from _question(flow, qid, ("drafts", qid))
    for qid, subs in d.asks.items():
        yield from _question(flow, qid, ("asks", qid))
        for i, sub in enumerate(subs):
            yield from _question(flow, sub, ("asks", qid, i))
    for i, sub in enumerate(d.shows_figures):
        yield from _question(flow, sub, ("shows_figures", i))
    t = d.targets_actual
    if t is not None:
        yield from _question(flow, t.list_, ("targets_actual", "list"), _LIST)
        q = flow.by_id.get(t.list_)
        for key in ("by", "into", "target"):
            if q is not None and getattr(t, key) and q.column(getattr(t, key)) is None:
                yield ("targets_actual", key), f"名单 {q.id} 没有列 “{getattr(t, key)}”"
        for label, how in t.rows.items():
            src = how.from_ if isinstance(how, FromAnswer) else how
            yield from _question(flow, src, ("targets_actual", "rows", label))


def _enterprises_refs(s: Enterprises, flow: Flow, glossary_ids: set[str] | None) -> Found:
    for i, c in enumerate(s.columns):
        yield from _terms(c.help, glossary_ids, ("columns", i, "help"))
    for i, ind in enumerate(s.indicators):
        yield from _question(flow, ind.question, ("indicators", i, "question"))
        for key in ("current", "previous"):
            for j, src in enumerate(getattr(ind, key)):
                for kind in ("answers", "prior_answers"):
                    names = getattr(src, kind)
                    for qid in [names] if isinstance(names, str) else names or []:
                        yield from _question(flow, qid, ("indicators", i, key, j, kind))
    for j, qid in enumerate(s.carry):
        yield from _question(flow, qid, ("carry", j))
    if s.cluster_count:
        yield from _question(flow, s.cluster_count, ("cluster_count",))


def _rollup_refs(r: Rollup, flow: Flow, _g: set[str] | None) -> Found:
    # The columns' expressions name the reporting form's questions: checked with that form (report/rollup.py).
    yield from _question(flow, r.into, ("into",), _LIST)
    for qid in r.drafts:
        yield from _question(flow, qid, ("drafts", qid))


def _glossary_refs(g: Glossary, _flow: Flow, _g: set[str] | None) -> Found:
    seen: set[str] = set()
    for i, t in enumerate(g.terms):
        if t.id in seen:
            yield ("terms", i, "id"), f"词条 id “{t.id}” 重复"
        seen.add(t.id)


def _no_refs(_m: Any, _flow: Flow, _g: set[str] | None) -> Found:
    return ()


_REFS: dict[str, Callable[[Any, Flow, set[str] | None], Found]] = {
    "wording": _wording_refs, "layout": _layout_refs, "drafts": _drafts_refs, "enterprises": _enterprises_refs,
    "rollup": _rollup_refs, "glossary": _glossary_refs, "submission": _no_refs,
}

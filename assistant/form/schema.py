"""The shape of every file of a form package besides the flow (form/flow.py): strict models, unknown keys refused.

Each model says what its file may hold; `problems()` validates one file and then resolves every question
id, section id and glossary id it names against the flow. Loaded only when a package is checked (a cache
miss or `filing forms --check`): pydantic is not on the start-up path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError

from assistant.form.flow import Flow
from assistant.form.flow import problem_message as _message

Loc = tuple[str | int, ...]


class Strict(BaseModel):
    # strict: `required: "yes"` is not silently true; a key the model does not know is refused.
    model_config = ConfigDict(extra="forbid", strict=True)


Number = int | float
Names = str | list[str]  # one id, or several


# -- prompts/<form>.yaml: the wording ------------------------------------------------------------
class OptionWords(Strict):
    label: str = ""
    aliases: list[str] = []


class ColumnWords(Strict):
    label: str = ""
    aliases: list[str] = []
    hint: str = ""
    options: dict[str, OptionWords] = {}


class QuestionWords(Strict):
    label: str = ""
    ask: str = ""
    hint: str = ""
    help: list[str] = []
    note: str = ""
    formula: str = ""
    corner: str = ""
    context: str = ""
    name: str = ""
    options: dict[str, OptionWords] = {}
    rows: dict[str, str | OptionWords] = {}
    cols: dict[str, str | OptionWords] = {}
    columns: dict[str, ColumnWords] = {}


class SectionWords(Strict):
    title: str = ""
    intro: str = ""


class Wording(Strict):
    sections: dict[str, SectionWords] = {}
    questions: dict[str, QuestionWords | None] = {}


# -- templates/<form>.layout.yaml ------------------------------------------------------------------
class CoverRow(Strict):
    label: str
    qids: list[str]


class Properties(Strict):
    author: str | None = None
    subject: list[str] = []


class FieldRow(Strict):
    field: str
    unit: str = ""


class ChoiceRow(Strict):
    choice: str


class MatrixRow(Strict):
    matrix: str


class GroupRow(Strict):
    group: str
    counts: list[str]


def _kind(keys: tuple[str, ...]) -> Callable[[Any], str | None]:
    """The discriminator of a block or row: the one kind key it holds (`year` as a bare word)."""
    def which(v: Any) -> str | None:
        if isinstance(v, str):
            return v if v in keys else None
        return next((k for k in keys if isinstance(v, dict) and k in v), None)
    return which


_ROWS = ("field", "choice", "matrix", "group")
LayoutRow = Annotated[
    Annotated[Literal["year"], Tag("year")] | Annotated[FieldRow, Tag("field")] | Annotated[ChoiceRow, Tag("choice")]
    | Annotated[MatrixRow, Tag("matrix")] | Annotated[GroupRow, Tag("group")],
    Discriminator(_kind(("year", *_ROWS)), custom_error_type="layout_row",
                  custom_error_message="不认识的行：应是 year，或有 field、choice、matrix、group 之一")]


class Table(Strict):
    widths: list[Number]
    rows: list[LayoutRow]


class TableBlock(Strict):
    table: Table


class NarrativeBlock(Strict):
    narrative: str
    heading: bool = True


class GroupedTable(Strict):
    grouped_table: str
    group_by: str
    widths: list[Number]
    own_row_after: list[str] = []
    always: list[str] = []


class ListTable(Strict):
    list_table: str


class Declaration(Strict):
    label: str
    text: str
    signer: str
    date: str
    seal: str = ""
    widths: list[Number] = []


class DeclarationBlock(Strict):
    declaration: Declaration


class Sign(Strict):
    who: str
    date: str
    seal: str = ""


class SignBlock(Strict):
    sign: Sign


_BLOCKS = ("table", "narrative", "grouped_table", "list_table", "declaration", "sign")
LayoutBlock = Annotated[
    Annotated[TableBlock, Tag("table")] | Annotated[NarrativeBlock, Tag("narrative")]
    | Annotated[GroupedTable, Tag("grouped_table")] | Annotated[ListTable, Tag("list_table")]
    | Annotated[DeclarationBlock, Tag("declaration")] | Annotated[SignBlock, Tag("sign")],
    Discriminator(_kind(_BLOCKS), custom_error_type="layout_block",
                  custom_error_message="不认识的块：应有 " + "、".join(_BLOCKS) + " 之一")]


class Part(Strict):
    section: str | None = None
    id: str | None = None
    one_page: bool = False
    new_page: bool = True
    note: str = ""
    widths: list[Number] | None = None  # with rows: the part is one table
    rows: list[LayoutRow] | None = None
    blocks: list[LayoutBlock] = []


class FormSubmission(Strict):
    who: str = ""
    what: str = ""
    seal: str = ""
    also: list[str] = []


class Layout(Strict):
    cover: list[CoverRow] = []
    issuer: str = ""
    properties: Properties = Properties()
    instructions_title: str = ""
    instructions: list[str] = []
    parts: list[Part] = []
    appendix_lists: list[str] | None = None
    submission: FormSubmission | None = None


# -- templates/<form>.drafts.yaml ------------------------------------------------------------------
class FromAnswer(Strict):
    from_: str = Field(alias="from")
    as_: str = Field("{}", alias="as")


class TargetsActual(Strict):
    list_: str = Field(alias="list")
    by: str
    into: str
    rows: dict[str, str | FromAnswer] = {}


class Drafts(Strict):
    figures: dict[str, list[str]] = {}
    targets_actual: TargetsActual | None = None
    drafts: dict[str, str] = {}


# -- flows/<form>.enterprises.yaml -------------------------------------------------------------------
class EnterpriseOption(Strict):
    id: str
    label: str


class EnterpriseColumn(Strict):
    id: str
    header: str
    type: Literal["text", "uscc", "yesno", "choice", "decimal", "integer"]
    unit: str = ""
    required: bool = False
    options: list[EnterpriseOption] = []
    help: list[str] = []
    note: str = ""
    hint: str = ""  # the older name of note
    width: int = 0
    key: bool = False
    max: Number | None = None


Where = dict[str, bool | str | Number | list[str]]


class Check(Strict):
    le: list[str] | None = None
    needs: list[str] | None = None
    pairs: list[str] | None = None
    apart: list[str] | None = None
    unique: list[str] | None = None
    message: str
    where: Where | None = None
    factor: Number = 1000
    leave_out: bool = False


class Measure(Strict):
    label: str = ""
    sum: Names | None = None
    count: bool = False
    where: Where | None = None
    empty: Literal["zero"] | None = None
    max: Number | None = None


class Source(Strict):
    measure: Names | None = None
    ratio: Names | None = None
    answers: Names | None = None
    prior_measure: Names | None = None
    prior_ratio: Names | None = None
    prior_answers: Names | None = None
    scale: Number = 1


class Indicator(Strict):
    question: str
    kind: Literal["sum", "count", "ratio", "growth", "reduction", "cagr", "list"]
    coverage: Literal["total", "ratio"]
    formula: str = ""
    measure: str = ""
    num: str = ""
    den: str = ""
    scale: Number = 1
    current: list[Source] = []
    previous: list[Source] = []
    max_years: int = 1
    where: Where | None = None
    fill: dict[str, str] = {}
    split: list[str] = []
    list_: str = Field("", alias="list")
    note: str = ""


class Average(Strict):
    label: str
    about: str = ""
    current: list[Source] = []
    previous: list[Source] = []
    criterion: str = ""


class Enterprises(Strict):
    form: str = ""
    cluster_count: str = ""
    sheet: str = "企业数据"
    instructions_sheet: str = "填表说明"
    title: str = ""
    intro: list[str] = []
    prefill_note: str = ""
    columns: list[EnterpriseColumn]
    checks: list[Check] = []
    measures: dict[str, Measure] = {}
    indicators: list[Indicator] = []
    averages: list[Average] = []
    carry: list[str] = []


# -- flows/<form>.rollup.yaml ---------------------------------------------------------------------
class Ratio(Strict):
    numerator: str
    denominator: str
    scale: Number = 1
    offset: Number = 0


class RollupColumn(Strict):
    id: str
    value: str
    total: Literal["sum"] | Ratio | None = None


class Rollup(Strict):
    from_form: str
    into: str
    name: str
    places: int = 2
    columns: list[RollupColumn]
    drafts: dict[str, str] = {}


# -- prompts/glossary.yaml, templates/submission.yaml -----------------------------------------------
class Term(Strict):
    id: str
    term: str
    text: str
    aliases: list[str] = []
    source: str = ""
    confirmed: bool = True


class Glossary(Strict):
    terms: list[Term] = []


class Submission(Strict):
    notice: str = ""
    recipient: str = ""
    deadline: str = ""
    contact: str = ""
    items: list[str] = []


MODELS: dict[str, type[Strict]] = {
    "wording": Wording, "layout": Layout, "drafts": Drafts, "enterprises": Enterprises, "rollup": Rollup,
    "glossary": Glossary, "submission": Submission,
}

_ALIAS = {"from_": "from", "as_": "as", "list_": "list"}
_SCALAR = {"string_type", "none_required", "int_type", "float_type", "bool_type", "literal_error", "list_type"}


def _in_data(data: Any, loc: Iterable[Any]) -> Loc:
    """The part of pydantic's location that is in the file (union tags and member names left out); a
    missing key is named where it should be."""
    out: list[str | int] = []
    node = data
    parts = list(loc)
    for i, part in enumerate(parts):
        part = _ALIAS.get(part, part) if isinstance(part, str) else part
        if (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
        elif i == len(parts) - 1 and isinstance(node, dict) and part not in _TAGS:
            pass  # a missing key
        else:
            continue
        out.append(part)
    return tuple(out)


_TAGS = {"year", *_ROWS, *_BLOCKS}


def _errors(data: Any, exc: ValidationError) -> list[tuple[Loc, str]]:
    errs = [(_in_data(data, e["loc"]), e) for e in exc.errors()]
    out: list[tuple[Loc, str]] = []
    for loc, e in errs:
        # A mapping where a union also allows a word: the word's "应为文字" is noise beside the mapping's problem.
        if e["type"] in _SCALAR and isinstance(e.get("input"), (dict, list)) and any(
                other is not e and o[:len(loc)] == loc for o, other in errs):
            continue
        item = (loc, _message(e))
        if item not in out:
            out.append(item)
    return out


def problems(kind: str, data: Any, flow: Flow, glossary_ids: set[str] | None) -> list[tuple[Loc, str]]:
    """What is wrong with one file of the package: (location of the key, message in Chinese)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return [((), "顶层应是一个映射（键: 值）")]
    try:
        model = MODELS[kind].model_validate(data)
    except ValidationError as exc:
        return _errors(data, exc)
    return list(_REFS[kind](model, flow, glossary_ids))


# -- every id a file names, resolved ------------------------------------------------------------------
Found = Iterable[tuple[Loc, str]]


def _question(flow: Flow, qid: str | None, loc: Loc, types: tuple[str, ...] = ()) -> Found:
    if qid is None:
        return
    if qid not in flow.by_id:
        yield loc, f"问题 “{qid}” 不在表单 {flow.form} 中"
    elif types and flow.by_id[qid].type not in types:
        yield loc, f"问题 “{qid}” 是{flow.by_id[qid].type}题，这里应是 {'/'.join(types)} 题"


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
        yield from _question(flow, qid, ("appendix_lists", j), ("list",))
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
            yield from _question(flow, row.choice, (*loc, "choice"), ("yesno", "choice"))
        elif isinstance(row, MatrixRow):
            yield from _question(flow, row.matrix, (*loc, "matrix"), ("matrix",))
        elif isinstance(row, GroupRow):
            for k, qid in enumerate(row.counts):
                yield from _question(flow, qid, (*loc, "counts", k))


def _block(flow: Flow, block: Any, at: Loc) -> Found:
    if isinstance(block, TableBlock):
        yield from _rows(flow, block.table.rows, (*at, "table"))
    elif isinstance(block, NarrativeBlock):
        yield from _question(flow, block.narrative, (*at, "narrative"))
    elif isinstance(block, ListTable):
        yield from _question(flow, block.list_table, (*at, "list_table"), ("list",))
    elif isinstance(block, GroupedTable):
        yield from _question(flow, block.grouped_table, (*at, "grouped_table"), ("list",))
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
    t = d.targets_actual
    if t is not None:
        yield from _question(flow, t.list_, ("targets_actual", "list"), ("list",))
        q = flow.by_id.get(t.list_)
        for key in ("by", "into"):
            if q is not None and q.column(getattr(t, key)) is None:
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
    yield from _question(flow, r.into, ("into",), ("list",))
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

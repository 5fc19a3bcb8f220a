"""The enterprise collection spec of a form: flows/<form>.enterprises.yaml, loaded and checked.

Everything form-specific (column ids, headers, which question each indicator feeds) is in that file;
this module only knows its vocabulary (see the file's header comment).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypedDict

from assistant.errors import FlowError
from assistant.form.catalog import file_of, package
from assistant.form.shapes import EditionFile, EnterpriseColumnFile, EnterprisesFile
from assistant.interview.enterprises import has_spec as has_spec  # where it was: tests and callers
from assistant.interview.enterprises.coltypes import TYPES, ColumnType, column_type

COLUMN_TYPES = tuple(TYPES)  # what a column's `type` may be (coltypes.py: one class each)
WARNING_CHECKS = ("apart", "unique", "only")  # said with the proposals; they do not refuse the data
NUMERIC = tuple(name for name, t in TYPES.items() if t.numeric)
INPUT_TITLE_MAX, INPUT_MESSAGE_MAX = 32, 255  # Excel's limits on a cell's input message (title, text)
KINDS = ("sum", "count", "ratio", "growth", "reduction", "cagr", "list")
# What a workbook covering part of the cluster gives: a `total` adds up over enterprises (only part of
# the cluster's), a `ratio` is a sample's ratio (said as "based on n enterprises").
COVERAGE = ("total", "ratio")
SOURCES = ("measure", "ratio", "answers", "prior_measure", "prior_ratio", "prior_answers")


class SpecError(Exception):
    """The spec file is wrong: a programming/data error, said plainly."""


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class Col:
    id: str
    header: str
    type: str
    unit: str = ""
    required: bool = False
    options: tuple[Option, ...] = ()
    help: tuple[str, ...] = ()
    note: str = ""  # what the enterprise puts in this cell ({year}, {prev_year} replaced when printed)
    width: int = 0
    key: bool = False
    max: Decimal | None = None  # a plausible per-enterprise maximum (numeric columns): above it is refused

    @property
    def kind(self) -> ColumnType:
        """What the column's type means (coltypes.py): how a cell is read, checked and written."""
        return column_type(self.type)

    @property
    def title(self) -> str:
        """The header as printed in the workbook: with its unit."""
        return f"{self.header}（{self.unit}）" if self.unit and self.kind.numeric else self.header


@dataclass(frozen=True)
class Edition:
    """An earlier edition of the workbook (see `editions` in the spec file)."""

    name: str
    columns: tuple[Col, ...]  # its columns this layout no longer has
    decides: dict[str, dict[str, tuple[tuple[str, bool | str], ...]]]  # old column -> option -> (column, value)…
    computed: dict[str, tuple[str, str, str]]  # this layout's column -> (a, b, note): a − b by definition

    def layout(self, spec: Spec) -> Spec:
        """A spec to read this edition's files with (to carry them over): its own columns, and this layout's
        as optional (the edition lacks some of them)."""
        cols = [replace(c, required=False) for c in spec.columns] + list(self.columns)
        return Spec(spec.form, spec.sheet, spec.instructions_sheet, spec.title, spec.intro, cols, spec.checks, {}, [])

    def headers(self) -> list[str]:
        return [c.title for c in self.columns]

    def replaced(self) -> set[str]:
        """This layout's columns that take the place of the edition's own (decided by them, or computed)."""
        return {c for sets in self.decides.values() for pairs in sets.values() for c, _ in pairs} | set(self.computed)


@dataclass(frozen=True)
class Check:
    kind: str  # le | needs | pairs (refuse the batch) | apart | unique | only (warnings with the proposals)
    cols: tuple[str, ...]
    message: str
    where: tuple[tuple[str, Any], ...] = ()
    factor: str = "1000"  # apart: the two figures differ by this factor or more
    leave_out: bool = False  # apart: the row is left out of every figure until the operator confirms it
    warn: bool = False  # le / needs / pairs said as a warning with the proposals, not refusing the batch

    @property
    def warning(self) -> bool:
        return self.kind in WARNING_CHECKS or self.warn


@dataclass(frozen=True)
class Measure:
    id: str
    label: str
    sum: tuple[str, ...] = ()  # columns summed (empty: a count of rows)
    where: tuple[tuple[str, Any], ...] = ()
    empty_zero: bool = False
    max: Decimal | None = None  # a plausible cluster total: above it the measure is not used


@dataclass(frozen=True)
class Source:
    kind: str  # one of SOURCES
    names: tuple[str, ...]
    scale: str = "1"


@dataclass(frozen=True)
class Indicator:
    question: str
    kind: str
    formula: str = ""
    measure: str = ""
    num: str = ""
    den: str = ""
    scale: str = "1"
    current: tuple[Source, ...] = ()
    previous: tuple[Source, ...] = ()
    max_years: int = 1
    where: tuple[tuple[str, Any], ...] = ()
    fill: tuple[tuple[str, str], ...] = ()
    split: tuple[str, ...] = ()
    list: str = ""
    note: str = ""  # said with the proposals when this indicator is proposed
    coverage: str = "total"  # one of COVERAGE


@dataclass(frozen=True)
class Average:
    label: str
    about: str
    current: tuple[Source, ...]
    previous: tuple[Source, ...]
    criterion: str = ""


@dataclass
class Spec:
    form: str
    sheet: str
    instructions_sheet: str
    title: str
    intro: list[str]
    columns: list[Col]
    checks: list[Check]
    measures: dict[str, Measure]
    indicators: list[Indicator]
    averages: list[Average] = field(default_factory=list)
    carry: list[str] = field(default_factory=list)
    prefill_note: str = ""  # 填表说明's first line when rows are prefilled
    cluster_count: str = ""  # the question saying how many enterprises the cluster has (coverage is against it)
    editions: list[Edition] = field(default_factory=list)  # earlier editions of the workbook (oldest last)

    @property
    def by_id(self) -> dict[str, Col]:
        return {c.id: c for c in self.columns}


def _decimal(raw: Any, where: str, positive: bool = False) -> Decimal:
    """A number written in the spec (a scale, factor or maximum): finite, and bounded so no arithmetic on it can fail."""
    try:
        d = Decimal(str(raw))
    except InvalidOperation:
        raise SpecError(f"{where}: {raw!r} is not a number") from None
    if not d.is_finite() or abs(d.adjusted()) > 20 or (positive and d <= 0):
        raise SpecError(f"{where}: {raw!r} is not a plausible number")
    return d


def _max(raw: Any, where: str) -> Decimal | None:
    return None if raw is None else _decimal(raw, f"{where}: max", positive=True)


def _where(raw: Any, cols: dict[str, Col], where: str) -> tuple[tuple[str, Any], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: where must be a mapping")
    out = []
    for cid, v in raw.items():
        col = cols.get(cid)
        if col is None:
            raise SpecError(f"{where}: unknown column {cid!r}")
        try:
            out.append((cid, col.kind.where_value(col, v)))
        except ValueError as exc:
            raise SpecError(f"{where}: {exc}") from None
    return tuple(out)


def _sources(raw: Any, measures: dict[str, Any], where: str) -> tuple[Source, ...]:
    out = []
    for item in raw or []:
        kinds = [k for k in item if k in SOURCES]
        if len(kinds) != 1:
            raise SpecError(f"{where}: a source names one of {SOURCES}: {item!r}")
        k = kinds[0]
        names = item[k] if isinstance(item[k], list) else [item[k]]
        if k in ("measure", "ratio", "prior_measure", "prior_ratio") and not all(n in measures for n in names):
            raise SpecError(f"{where}: unknown measure in {item!r}")
        scale = str(_decimal(item.get("scale", 1), f"{where}: scale"))
        out.append(Source(k, tuple(str(n) for n in names), scale))
    return tuple(out)


def _column(c: EnterpriseColumnFile) -> Col:
    if c.get("type") not in TYPES:
        raise SpecError(f"column {c.get('id')!r}: type must be one of {tuple(TYPES)}")
    note = str(c.get("note") or c.get("hint") or "")  # `hint`: the older name
    if len(str(c.get("header", ""))) > INPUT_TITLE_MAX or len(note) > INPUT_MESSAGE_MAX:
        raise SpecError(f"column {c.get('id')!r}: Excel shows a header of at most {INPUT_TITLE_MAX} characters "
                        f"and a note of at most {INPUT_MESSAGE_MAX} as the input message")
    col = Col(id=c["id"], header=c["header"], type=c["type"], unit=c.get("unit", ""),
              required=bool(c.get("required", False)),
              options=tuple(Option(o["id"], o["label"]) for o in c.get("options") or []),
              help=tuple(c.get("help") or []), note=note, width=int(c.get("width", 0)),
              key=bool(c.get("key", False)), max=_max(c.get("max"), f"column {c.get('id')!r}"))
    if col.max is not None and not col.kind.numeric:
        raise SpecError(f"column {c.get('id')!r}: max is for numeric columns")
    return col


def _edition(raw: EditionFile, by_id: dict[str, Col]) -> Edition:
    """An earlier edition: its own columns, what their values decide here, the columns computed from them."""
    name = str(raw.get("name", ""))
    gone = tuple(_column(c) for c in raw.get("columns") or [])
    old = {c.id: c for c in gone}
    if not gone or any(c.id in by_id for c in gone):
        raise SpecError(f"edition {name!r}: columns are the earlier edition's own (not this layout's)")
    decides: dict[str, dict[str, tuple[tuple[str, bool | str], ...]]] = {}
    for cid, values in (raw.get("decides") or {}).items():
        col = old.get(cid)
        if col is None or not col.options or set(values) - {o.id for o in col.options}:
            raise SpecError(f"edition {name!r}: decides names a column of the edition with options, and its options")
        decides[cid] = {v: _where(sets, by_id, f"edition {name!r}: {cid}={v}") for v, sets in values.items()}
    computed: dict[str, tuple[str, str, str]] = {}
    for cid, how in (raw.get("computed") or {}).items():
        a, b = [*(how.get("minus") or []), "", ""][:2]
        known = {**by_id, **old}
        if cid not in by_id or not by_id[cid].kind.numeric or not all(
                x in known and known[x].kind.numeric for x in (a, b)):
            raise SpecError(f"edition {name!r}: computed {cid} = a − b of numeric columns")
        computed[cid] = (a, b, str(how.get("note", "")))
    return Edition(name, gone, decides, computed)


def parse_spec(data: EnterprisesFile, questions: set[str] | None = None) -> Spec:
    """A spec from its YAML mapping; SpecError names what is wrong. `questions`: the flow's ids, to check references."""
    cols = [_column(c) for c in data.get("columns") or []]
    by_id = {c.id: c for c in cols}
    if len(by_id) != len(cols):
        raise SpecError("column ids must be unique")
    if sum(c.key for c in cols) != 1:
        raise SpecError("exactly one column is the key (key: true)")
    checks = []
    for ch in data.get("checks") or []:
        kind = next((k for k in ("le", "needs", "pairs", *WARNING_CHECKS) if k in ch), None)
        if kind is None:
            raise SpecError(f"check {ch!r}: le, needs, pairs, apart, unique or only")
        named = {"le": ch.get("le"), "needs": ch.get("needs"), "pairs": ch.get("pairs"), "apart": ch.get("apart"),
                 "unique": ch.get("unique"), "only": ch.get("only")}[kind]
        if named is None:  # `le:` written with nothing after it
            raise SpecError(f"check {ch!r}: {kind} names its columns")
        names = tuple(named)
        if not all(n in by_id for n in names):
            raise SpecError(f"check {ch!r}: unknown column")
        if kind == "apart" and (len(names) != 2 or not all(by_id[n].kind.numeric for n in names)):
            raise SpecError(f"check {ch!r}: apart compares two numeric columns")
        if kind == "only" and (not ch.get("where") or not all(by_id[n].kind.yes_no for n in names)):
            raise SpecError(f"check {ch!r}: only names yes/no columns and the rows (where) they may be 是 in")
        if ch.get("leave_out") and kind != "apart":
            raise SpecError(f"check {ch!r}: leave_out is for apart checks")
        if ch.get("warn") and kind in WARNING_CHECKS:
            raise SpecError(f"check {ch!r}: apart and unique are warnings already")
        checks.append(Check(kind, names, ch["message"], _where(ch.get("where"), by_id, "check"),
                            str(_decimal(ch.get("factor", 1000), "check factor", positive=True)),
                            bool(ch.get("leave_out", False)), bool(ch.get("warn", False))))
    measures: dict[str, Measure] = {}
    for mid, m in (data.get("measures") or {}).items():
        sums = m.get("sum") or []
        summed = tuple(sums if isinstance(sums, list) else [sums])
        if not summed and not m.get("count"):
            raise SpecError(f"measure {mid}: sum or count")
        for s in summed:
            if s not in by_id or not by_id[s].kind.numeric:
                raise SpecError(f"measure {mid}: {s!r} is not a numeric column")
        measures[mid] = Measure(mid, m.get("label", mid), summed, _where(m.get("where"), by_id, f"measure {mid}"),
                                m.get("empty") == "zero", _max(m.get("max"), f"measure {mid}"))
    indicators = []
    for ind in data.get("indicators") or []:
        q, kind = ind.get("question"), ind.get("kind")
        if kind not in KINDS:
            raise SpecError(f"indicator {q}: kind must be one of {KINDS}")
        if questions is not None and q not in questions:
            raise SpecError(f"indicator {q}: no such question in the flow")
        for name in (ind.get("measure"), ind.get("num"), ind.get("den")):
            if name and name not in measures:
                raise SpecError(f"indicator {q}: unknown measure {name!r}")
        if ind.get("coverage") not in COVERAGE:
            raise SpecError(f"indicator {q}: coverage must be one of {COVERAGE} (a total over the enterprises, "
                            "or a ratio)")
        fill = tuple((k, v) for k, v in (ind.get("fill") or {}).items())
        if not all(v in by_id for _, v in fill):
            raise SpecError(f"indicator {q}: fill names an unknown column")
        indicators.append(Indicator(
            question=q, kind=kind, formula=ind.get("formula", ""), measure=ind.get("measure", ""),
            num=ind.get("num", ""), den=ind.get("den", ""), scale=str(_decimal(ind.get("scale", 1), f"{q}: scale")),
            current=_sources(ind.get("current"), measures, q), previous=_sources(ind.get("previous"), measures, q),
            max_years=int(ind.get("max_years", 1)), where=_where(ind.get("where"), by_id, q), fill=fill,
            split=tuple(ind.get("split") or ()), list=ind.get("list", ""), note=str(ind.get("note", "")),
            coverage=ind["coverage"]))
    averages = [Average(a["label"], a.get("about", ""), _sources(a.get("current"), measures, a["label"]),
                        _sources(a.get("previous"), measures, a["label"]), a.get("criterion", ""))
                for a in data.get("averages") or []]
    carry = list(data.get("carry") or [])
    cluster_count = str(data.get("cluster_count") or "")
    if questions is not None:
        bad = [c for c in carry if c not in questions]
        if bad:
            raise SpecError(f"carry: unknown questions {bad}")
        if cluster_count and cluster_count not in questions:
            raise SpecError(f"cluster_count: no such question {cluster_count!r}")
    return Spec(form=data.get("form", ""), sheet=data.get("sheet", "企业数据"),
                instructions_sheet=data.get("instructions_sheet", "填表说明"), title=data.get("title", ""),
                intro=list(data.get("intro") or []), columns=cols, checks=checks, measures=measures,
                indicators=indicators, averages=averages, carry=carry,
                prefill_note=str(data.get("prefill_note", "")), cluster_count=cluster_count,
                editions=[_edition(e, by_id) for e in data.get("editions") or []])


def _spec_path(form: str) -> Path:
    return file_of(form, "flows", f"{form}.enterprises.yaml")  # the form's own folder (--forms) first


def load_spec(form: str) -> Spec | None:
    """The form's enterprise spec, or None when the form has none (e.g. the district summary). Its keys were
    checked with the form's package; what only this vocabulary knows (a measure's column…) is checked here,
    and a problem raises FlowError naming the file (a copied form folder's spec is data, not code)."""
    pkg = package(form)
    data = pkg.enterprises
    if data is None:
        return None

    def build() -> Spec:
        try:
            return parse_spec(data, set(pkg.flow.by_id))
        except SpecError as exc:
            raise FlowError(f"{pkg.paths['enterprises']}: {exc}") from None

    return pkg.memo("enterprise_spec", build)


class OptionInfo(TypedDict):
    id: str
    label: str


class ColumnInfo(TypedDict, total=False):
    """A column as `filing workbook --columns --json` lists it (options only for a choice)."""
    id: str
    header: str
    type: str
    unit: str | None
    required: bool
    options: list[OptionInfo]


def columns_json(spec: Spec) -> list[ColumnInfo]:
    """The columns as `filing workbook --columns --json` lists them."""
    out = []
    for c in spec.columns:
        item: ColumnInfo = {"id": c.id, "header": c.title, "type": c.type, "unit": c.unit or None,
                            "required": c.required}
        if c.options:
            item["options"] = [{"id": o.id, "label": o.label} for o in c.options]
        out.append(item)
    return out

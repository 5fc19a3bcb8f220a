"""Measures over the enterprises' rows, and the form's figures proposed from them (with evidence).

Driven by the spec (flows/<form>.enterprises.yaml): no question id here. Numbers are Decimal; every
proposal is parsed by the engine like a typed answer (the form's unit, places and constraints apply),
so a figure that would be refused is reported as not computable instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError
from assistant.form.parse import format_decimal
from assistant.form.shapes import JsonObject, JsonValue
from assistant.form.types import of
from assistant.form.values import show
from assistant.interview.computed import short_label
from assistant.interview.engine import evaluate
from assistant.interview.enterprises.coltypes import shown_number
from assistant.interview.enterprises.columns import Indicator, Measure, Source, Spec
from assistant.interview.enterprises.evidence import count_label
from assistant.interview.enterprises.reader import Rows, parts

if TYPE_CHECKING:
    from assistant.interview.engine import Engine

ENTERPRISES, PRIOR = "enterprises", "prior"
NO_DATA = "没有企业数据"  # the reason a figure needs this year's rows and none were given
FROM_DATA = "企业数据"  # Figure.origin of this year's rows
TOO_BIG = "数字超出可以计算的范围，请核对各企业填写的数字和单位"
MOST_NAMED = 10  # enterprises named as missing from the files


@dataclass
class Figure:
    """One input of a formula: what it is, its value, how many enterprises it covers, where it comes from."""

    label: str
    value: Decimal
    n: int | None = None
    unit: str = ""
    origin: str = ""  # "企业数据" or "2022 年度报告"
    note: str = ""  # why an earlier candidate was passed over (Context.first)
    digits: int = 0  # a quotient: shown to this many significant digits (its parts are in the label)

    def as_dict(self) -> JsonObject:
        value = _significant(self.value, self.digits) if self.digits else self.value
        out: JsonObject = {"label": self.label, "value": _plain(value)}
        if self.unit:
            out["unit"] = self.unit
        if self.n is not None:
            out["n"] = self.n
        if self.origin:
            out["from"] = self.origin
        return out


class Unknown(Exception):
    """A figure that cannot be computed; str() says why, in Chinese."""


@dataclass
class Proposal:
    qid: str
    value: Any  # the stored form (engine.parse has accepted it)
    shown: str
    evidence: dict[str, Any]
    current: str = ""  # the current answer as shown, "" when unanswered
    same: bool = False  # equal to the current answer
    previous_import: str = ""  # what the last accepted import gave, when different
    partial: bool = False  # of fewer enterprises than the report has (a total, or a ratio replacing an answer):
    # only adopted item by item


@dataclass
class Coverage:
    """How many enterprises the files' rows cover, against the report's count of the cluster's enterprises."""

    n: int  # enterprises whose rows every figure is computed from
    rows: int  # rows in the files (n plus those left out)
    of: int | None = None  # the report's count (this year's answer, else last year's report)
    of_from: str = ""  # where `of` comes from
    of_label: str = ""  # the question giving `of`, as the form labels it (short)
    left_out: list[str] = field(default_factory=list)  # rows left out until confirmed (place：why)
    confirmed: list[str] = field(default_factory=list)  # rows a leave_out check named, confirmed by the operator
    missing: list[str] = field(default_factory=list)  # enterprises of the report's lists not in the files
    missing_total: int = 0
    missing_carried: bool = False  # the lists they are on came from last year's report

    @property
    def whole(self) -> int:
        """The enterprises the totals should cover: the report's count, or the files' rows when more."""
        return max(self.of or 0, self.rows)

    @property
    def partial(self) -> bool:
        """Totals miss enterprises: the files cover fewer than the report says, or rows are left out."""
        return self.n < self.whole

    def record(self, kind: str) -> JsonObject:
        """The evidence's coverage entry (kind: the figure's, total | ratio; the figure's own n is the evidence's)."""
        out: JsonObject = {"kind": kind, "n": self.n, "rows": self.rows}
        if self.of is not None:
            out["of"] = self.of
        if self.left_out:
            out["left_out"] = list[JsonValue](self.left_out[:50])
        if self.confirmed:
            out["confirmed"] = list[JsonValue](self.confirmed[:50])
        return out


@dataclass
class Result:
    proposals: list[Proposal] = field(default_factory=list)
    unavailable: list[tuple[str, str]] = field(default_factory=list)  # (qid, why)
    notes: list[str] = field(default_factory=list)  # three-year averages, counting rules, figures kept
    warnings: list[str] = field(default_factory=list)  # the data's warning checks: said before the figures
    measures: dict[str, str] = field(default_factory=dict)  # this year's measures (kept as next year's base)
    n: int = 0
    files: list[dict[str, Any]] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    coverage: Coverage | None = None
    suspects: list[Any] = field(default_factory=list)  # reader.Suspect: rows left out until confirmed


def _plain(d: Decimal) -> str:
    """A Decimal without exponent or trailing zeros beyond what it holds."""
    s = format(d.normalize(), "f") if d == d.to_integral_value() else format(d, "f")
    return s


def _significant(d: Decimal, digits: int) -> Decimal:
    """d rounded to `digits` significant digits (0.07001356852… → 0.0700136)."""
    if d == 0:
        return d
    return d.quantize(Decimal(1).scaleb(d.adjusted() - digits + 1), rounding=ROUND_HALF_UP)


def _unit(spec: Spec, m: Measure) -> str:
    if not m.sum:
        return "家"
    return spec.by_id[m.sum[0]].unit


class Measures:
    """This year's measures over the rows, computed on demand and cached."""

    def __init__(self, rows: Rows):
        self.rows = rows
        self.spec = rows.spec
        self._scopes: dict[tuple[tuple[str, Any], ...], list[int]] = {}
        self._cache: dict[str, Figure | Unknown] = {}

    def scope(self, where: tuple[tuple[str, object], ...]) -> list[int]:
        if where not in self._scopes:
            idx: list[int] = self.rows.used
            for cid, want in where:
                col = self.rows.values[cid]
                wanted = want if isinstance(want, tuple) else (want,)
                idx = [i for i in idx if col[i] in wanted]
            self._scopes[where] = list(idx)
        return self._scopes[where]

    def get(self, mid: str) -> Figure:
        if mid not in self._cache:
            try:
                self._cache[mid] = self._compute(self.spec.measures[mid])
            except Unknown as exc:
                self._cache[mid] = exc
        got = self._cache[mid]
        if isinstance(got, Unknown):
            raise got
        return got

    def _compute(self, m: Measure) -> Figure:
        scope = self.scope(m.where)
        if not m.sum:
            return Figure(m.label, Decimal(len(scope)), len(scope), "家", "企业数据")
        total = Decimal(0)
        for cid in m.sum:
            col = self.rows.values[cid]
            vals = col if len(scope) == len(col) else [col[i] for i in scope]  # (scope: ascending, no repeats)
            filled = [v for v in vals if v is not None]
            missing = len(vals) - len(filled)
            if missing and not m.empty_zero:
                raise Unknown(f"有 {missing} 家企业未填“{self.spec.by_id[cid].title}”{self._names(scope, col)}")
            total += sum(filled, Decimal(0))
        exp = total.as_tuple().exponent
        if isinstance(exp, int) and exp < -6:  # binary noise of a spreadsheet formula (0.30000000000000004)
            total = total.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        unit = _unit(self.spec, m)
        if m.max is not None and total > m.max:
            raise Unknown(f"“{m.label}”为 {shown_number(total)} {unit}，超过一个集群可能的上限（{shown_number(m.max)} "
                          f"{unit}），请核对各企业填写的数字和单位")
        return Figure(m.label, total, len(scope), unit, "企业数据")

    def _names(self, scope: list[int], col: list[Any], most: int = 3) -> str:
        """（甲公司、乙公司等）: the enterprises of `scope` whose cell in `col` is empty, by the first text
        column (the enterprise's name in the collection workbook)."""
        names = next((self.rows.values[c.id] for c in self.spec.columns if c.kind.names), None)
        if names is None:
            return ""
        empty = [str(names[i]) for i in scope if col[i] is None][: most + 1]
        more = "等" if len(empty) > most else ""
        return f"（{'、'.join(empty[:most])}{more}）" if empty else ""

    def known(self) -> dict[str, str]:
        out = {}
        for mid in self.spec.measures:
            try:
                out[mid] = _plain(self.get(mid).value)
            except Unknown:
                continue
        return out


class Context:
    """Where figures come from: this year's rows (if any), this year's answers, last years' reports."""

    def __init__(self, engine: Engine, spec: Spec, rows: Rows | None):
        self.e = engine
        self.spec = spec
        self.measures = Measures(rows) if rows is not None else None
        prior = getattr(engine.session, "prior", None) or []
        self.prior: list[JsonObject] = [p for p in prior if isinstance(p, dict)]
        self.coverage: Coverage | None = None

    @property
    def partial(self) -> bool:
        return self.coverage is not None and self.coverage.partial

    def prior_of(self, years_back: int) -> JsonObject | None:
        want = self.e.year - years_back
        return next((p for p in self.prior if p.get("year") == want), None)

    def _answer(self, answers: dict[str, Any], qid: str) -> Decimal:
        v = answers.get(qid)
        if isinstance(v, dict):  # an override's stored form
            v = v.get("value")
        if v is None or isinstance(v, bool):
            raise Unknown("")
        try:
            return Decimal(str(v))
        except InvalidOperation:
            raise Unknown("") from None

    def resolve(self, src: Source, years_back: int = 1) -> Figure:
        spec, e = self.spec, self.e
        scale = Decimal(src.scale)
        if src.kind in ("measure", "ratio"):
            if self.measures is None:
                raise Unknown(NO_DATA)
            figs = [self.measures.get(n) for n in src.names]
            if src.kind == "measure":
                f = figs[0]
                return Figure(f.label, f.value * scale, f.n, f.unit, f.origin)
            return self._ratio(figs, scale, "企业数据")
        if src.kind == "answers":
            answers = {q: e.value(q) for q in src.names}
            value = scale
            for q in src.names:
                value *= self._answer(answers, q)
            label = " × ".join(e.label(q) for q in src.names)
            unit = e.flow[src.names[0]].unit if len(src.names) == 1 else ""
            return Figure(label, value, None, unit, f"本年度（{e.year} 年）报告")
        prior = self.prior_of(years_back)
        if prior is None:
            raise Unknown("没有上年报告")
        origin = f"{prior.get('year')} 年度报告"
        if src.kind in ("prior_measure", "prior_ratio"):
            ms = prior.get("measures")
            if not isinstance(ms, dict):  # none kept (checked with the session: a mapping or nothing)
                ms = {}
            figs = []
            for n in src.names:
                if n not in ms:
                    raise Unknown("")
                m = spec.measures[n]
                value = Decimal(str(ms[n]))
                if m.max is not None and abs(value) > m.max:
                    raise Unknown(f"{origin}中的“{m.label}”为 {shown_number(abs(value))}，超过一个集群可能的上限")
                figs.append(Figure(m.label, value, None, _unit(spec, m), origin))
            if src.kind == "prior_measure":
                f = figs[0]
                return Figure(f.label, f.value * scale, None, f.unit, origin)
            return self._ratio(figs, scale, origin)
        before = prior.get("answers")
        if not isinstance(before, dict):
            before = {}
        value = scale
        for q in src.names:
            value *= self._answer(before, q)
        flow = e.flow
        label = " × ".join(e.label(q) if q in flow.by_id else q for q in src.names)
        unit = flow[src.names[0]].unit if len(src.names) == 1 and src.names[0] in flow.by_id else ""
        return Figure(label, value, None, unit, origin)

    def _ratio(self, figs: list[Figure], scale: Decimal, origin: str) -> Figure:
        a, b = figs
        if b.value == 0:
            raise Unknown(f"“{b.label}”为 0，不能作除数")

        def part(f: Figure) -> str:
            unit = f" {f.unit}" if f.unit and f.unit != "家" else ""
            return f"{f.label}（{_plain(f.value)}{unit}）"

        times = "" if scale == 1 else f" × {_plain(scale)}"
        return Figure(f"{part(a)} ÷ {part(b)}{times}", a.value / b.value * scale, b.n, "", origin, digits=6)

    def first(self, sources: tuple[Source, ...], years_back: int = 1) -> Figure:
        """The first candidate that resolves (its `note` says why earlier ones could not); Unknown with the
        most telling reason otherwise."""
        why = ""
        passed = ""
        for src in sources:
            try:
                fig = self.resolve(src, years_back)
            except Unknown as exc:
                if str(exc) and (not why or "不能作除数" in str(exc)):
                    why = str(exc)
                if str(exc) != NO_DATA:
                    passed = passed or str(exc)
                continue
            fig.note = passed
            return fig
        raise Unknown(why or "本年或上年的数据不全")

    def prior_alternative(self, sources: tuple[Source, ...], years_back: int = 1) -> Figure | None:
        """The same base from last year's report, to compare with one taken from this year's workbook."""
        try:
            return self.first(tuple(s for s in sources if s.kind.startswith("prior_")), years_back)
        except Unknown:
            return None


# -- indicators ------------------------------------------------------------------------------------
def _quantize(q_places: int, value: Decimal) -> Decimal:
    """value to q_places decimals; Unknown (never a Decimal exception) when it is too large to hold them."""
    if not value.is_finite() or value.adjusted() > 20:
        raise Unknown(TOO_BIG)
    with localcontext() as ctx:
        ctx.prec = 60
        return value.quantize(Decimal(1).scaleb(-q_places), rounding=ROUND_HALF_UP)


def _growth(cur: Decimal, prev: Decimal, years: int = 1) -> Decimal:
    if years == 1:
        return (cur - prev) / prev * 100
    if cur <= 0 or prev <= 0:
        raise Unknown("年均增速要求两端的数都大于 0")
    with localcontext() as ctx:
        ctx.prec = 28
        return ((cur / prev) ** (Decimal(1) / Decimal(years)) - 1) * 100


def _raw_value(e: Engine, qid: str, value: Decimal) -> Any:
    q = e.flow[qid]
    if of(q).whole:  # a count: stored as an int
        if value != value.to_integral_value():
            raise Unknown(f"结果 {value} 不是整数")
        return int(value)
    return format_decimal(_quantize(q.places, value), q.places)


def _evidence(ind: Indicator, e: Engine, *figs: Figure, **extra: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {"source": ENTERPRISES, "formula": ind.formula or figs[0].label}
    roles = ("numerator", "denominator")
    for role, f in zip(roles, figs, strict=False):
        ev[role] = f.as_dict()
    ns = [f.n for f in figs if f.n is not None]
    if ns:
        ev["n"] = max(ns)
    if all(f.origin != "企业数据" for f in figs):
        ev["source"] = PRIOR
    ev.update(extra)
    return ev


def _indicator(ctx: Context, ind: Indicator, lists: dict[str, list[dict[str, Any]]]) -> tuple[Any, dict[str, Any]]:
    """(raw value for engine.parse, evidence) of one indicator; Unknown (why) when it cannot be computed.

    No Decimal operation raises out of here: figures are bounded when read, and whatever still overflows
    (a last-year base of 10^-30, say) is a figure that cannot be computed."""
    try:
        return _indicator_unsafe(ctx, ind, lists)
    except ArithmeticError:  # DecimalException, and division by zero
        raise Unknown(TOO_BIG) from None


def _indicator_unsafe(ctx: Context, ind: Indicator, lists: dict[str, list[dict[str, Any]]]) -> tuple[Any, dict[str, Any]]:
    e, spec = ctx.e, ctx.spec
    m = ctx.measures
    if ind.kind == "list":
        if m is None:
            raise Unknown(NO_DATA)
        rows = _list_rows(m, ind)
        lists[ind.question] = rows
        return rows, {"source": ENTERPRISES, "formula": _list_formula(spec, ind), "n": len(m.scope(ind.where)),
                      "numerator": {"label": "名单行数", "value": str(len(rows))}}
    if ind.kind == "count" and ind.list:
        if ind.list not in lists:
            raise Unknown(NO_DATA)
        n = len(lists[ind.list])
        return n, {"source": ENTERPRISES, "formula": f"名单“{e.label(ind.list)}”的行数",
                   "numerator": {"label": "名单行数", "value": str(n)}}
    if ind.kind in ("sum", "count"):
        if m is None:
            raise Unknown(NO_DATA)
        f = m.get(ind.measure)
        value = f.value * Decimal(ind.scale)
        formula = ind.formula or f"{f.label}（{'符合条件的企业数' if ind.kind == 'count' else '逐家相加'}）"
        return _raw_value(e, ind.question, value), _evidence(ind, e, f, formula=formula)
    if ind.kind == "ratio":
        if m is None:
            raise Unknown(NO_DATA)
        num, den = m.get(ind.num), m.get(ind.den)
        if den.value == 0:
            raise Unknown(f"“{den.label}”为 0，不能作除数")
        value = num.value / den.value * Decimal(ind.scale)
        return _raw_value(e, ind.question, value), _evidence(ind, e, num, den)
    cur = ctx.first(ind.current)
    years = 1
    prev: Figure | None = None
    if ind.kind == "cagr" and ind.max_years >= 2 and ctx.prior_of(2) is not None:
        prior_sources = tuple(s for s in ind.previous if s.kind.startswith("prior_"))
        try:
            prev, years = ctx.first(prior_sources, years_back=2), 2
        except Unknown:
            prev = None
    if prev is None:
        prev = ctx.first(ind.previous)
    if ctx.partial and (cur.origin == FROM_DATA) != (prev.origin == FROM_DATA):
        # part of the cluster against the whole of it is no growth rate: both ends from whole-cluster figures
        whole = ("answers", "prior_measure", "prior_ratio", "prior_answers")
        try:
            cur = ctx.first(tuple(x for x in ind.current if x.kind in whole))
            prev = ctx.first(tuple(x for x in ind.previous if x.kind in whole), years_back=years)
        except Unknown:
            cov = ctx.coverage
            assert cov is not None
            other = prev.origin if cur.origin == FROM_DATA else "本年度答案"
            raise Unknown(f"企业数据只有 {cov.n}/{cov.whole} 家企业，不能与{other}的全集群数字相比") from None
    prev.label = f"上年：{prev.label}" if years == 1 else f"{e.year - years} 年：{prev.label}"
    if prev.value == 0:
        raise Unknown(f"“{prev.label}”为 0，不能计算增长率")
    reduction = ind.kind == "reduction"
    value = (1 - cur.value / prev.value) * 100 if reduction else _growth(cur.value, prev.value, years)
    extra: dict[str, Any] = {"years": years} if ind.kind == "cagr" else {}
    extra["basis"] = _basis(ctx, ind, prev, years)
    return _raw_value(e, ind.question, value), _evidence(ind, e, cur, prev, **extra)


def _basis(ctx: Context, ind: Indicator, prev: Figure, years: int) -> str:
    """Where the base of a growth rate comes from, said with the proposal: which year, which source, and
    why (an earlier source passed over), and whether last year's report agrees with the workbook."""
    e = ctx.e
    span = f"{e.year - years}→{e.year} 年，n = {years}；" if ind.kind == "cagr" else ""
    if ind.kind == "cagr" and years < ind.max_years:  # the one rule: a shorter span is said, never passed off
        span = f"一年增速（没有 {e.year - ind.max_years} 年的数字，不是近三年年均）：{span}"
    if prev.origin == "企业数据":
        text = f"{span}基数取自企业数据的“上年”列"
        other = ctx.prior_alternative(ind.previous, years) if years == 1 else None
        if other is not None and _quantize(2, other.value) != _quantize(2, prev.value):
            def amount(f: Figure) -> str:
                return _plain(_quantize(2, f.value)) + (f" {f.unit}" if f.unit and f.unit != "家" else "")

            text += (f"，合计 {amount(prev)}，而 {other.origin}为 {amount(other)}，"
                     "两者不同，请核对企业范围和口径")
        return text
    why = f"（{prev.note}）" if prev.note else ""
    return f"{span}基数取自 {prev.origin}{why}"


def _list_formula(spec: Spec, ind: Indicator) -> str:
    conds = []
    for cid, want in ind.where:
        col = spec.by_id[cid]
        conds.append(col.kind.condition(col, want))
    if ind.split:
        return "各企业填写的" + "、".join(f"“{spec.by_id[c].header}”" for c in ind.split) + "逐项列出"
    return "企业数据中" + "且".join(conds) + "的企业" if conds else "全部企业"


def _list_rows(m: Measures, ind: Indicator) -> list[dict[str, Any]]:
    values = m.rows.values
    out: list[dict[str, Any]] = []
    for i in m.scope(ind.where):
        if ind.split:
            cols = [parts(values[c][i]) for c in ind.split]
            for items in zip(*cols, strict=False):
                row = {}
                for target, src in ind.fill:
                    row[target] = items[ind.split.index(src)] if src in ind.split else (values[src][i] or "")
                out.append(row)
            continue
        row = {target: ("" if values[src][i] is None else str(values[src][i])) for target, src in ind.fill}
        out.append(row)
    return out


def compute(engine: Engine, spec: Spec, rows: Rows | None) -> Result:
    """Every indicator the data allows, as proposals beside the current answers; the others with the reason."""
    ctx = Context(engine, spec, rows)
    res = Result()
    if rows is not None and ctx.measures is not None:
        used = rows.used
        res.n = len(used)
        res.files = [{"name": f.name, "sha256": f.sha256, "rows": f.rows} for f in rows.files]
        key = next(c for c in spec.columns if c.key)
        codes = rows.values[key.id]
        res.codes = [codes[i] for i in used if codes[i] is not None]
        res.measures = ctx.measures.known()
        res.suspects = rows.suspects
        res.coverage = ctx.coverage = coverage(ctx, rows, {c for c in codes if c is not None})
    lists: dict[str, list[dict[str, Any]]] = {}
    parsed: dict[str, tuple[Any, dict[str, Any]]] = {}
    for ind in spec.indicators:
        qid = ind.question
        try:
            raw, ev = _indicator(ctx, ind, lists)
        except Unknown as exc:
            if str(exc) != NO_DATA:
                res.unavailable.append((qid, str(exc)))
            continue
        try:
            value = engine.parse(qid, raw).value
        except InputError as exc:
            res.unavailable.append((qid, f"算得 {raw}，但{str(exc).rstrip('。')}"))
            continue
        if res.files and ev.get("source") == ENTERPRISES:
            ev["files"] = [{"name": f["name"], "sha256": f["sha256"]} for f in res.files]
            if res.coverage is not None:
                ev["coverage"] = res.coverage.record(_coverage_of(spec, qid))
        ev["value"] = len(value) if isinstance(value, list) else value
        parsed[qid] = (value, ev)
    # Only figures the form asks for once these are in (e.g. a count asked when two others are 0).
    after = evaluate(engine.flow, {**engine.session.answers, **{q: v for q, (v, _) in parsed.items()}}, engine.year)
    stored_ev = getattr(engine.session, "evidence", None) or {}
    kept_from_data: list[str] = []
    for qid, (value, ev) in parsed.items():
        if not after.relevant.get(qid, False):
            continue
        q = engine.flow[qid]
        has = qid in engine.session.answers
        before = stored_ev.get(qid)
        if (rows is None and has and isinstance(before, dict) and before.get("source") == ENTERPRISES
                and "kept" not in before):
            # computed from the enterprises' own figures: not redone from this year's rounded answers
            kept_from_data.append(f"{short_label(engine.label(qid))}（{engine.shown(qid)}）")
            continue
        current = engine.shown(qid) if has and engine.is_relevant(qid) else ""
        shown = show(q, value)
        prev = stored_ev.get(qid, {}).get("value") if isinstance(stored_ev.get(qid), dict) else None
        prev_value = ev["value"]
        previous_import = ""
        if prev is not None and prev != prev_value:
            previous_import = str(prev)
        same = has and engine.session.answers.get(qid) == value
        # Of part of the cluster: a total, or a sample's ratio that would replace a different answer the operator
        # gave (a wrong figure is worse than a blank): both only adopted item by item.
        partial = ctx.partial and ev.get("source") == ENTERPRISES and (
            _coverage_of(spec, qid) == "total" or (bool(current) and not same))
        res.proposals.append(Proposal(qid, value, shown, ev, current, same, previous_import, partial))
    res.unavailable = [(q, why) for q, why in res.unavailable if after.relevant.get(q, False)]
    res.warnings = rows.warnings if rows is not None else []
    res.notes = averages(ctx)
    proposed = {p.qid for p in res.proposals}
    res.notes += list(dict.fromkeys(ind.note for ind in spec.indicators if ind.note and ind.question in proposed))
    if kept_from_data:
        res.notes.append("已按企业数据计算、不再用本年度答案（已四舍五入）重算：" + "；".join(kept_from_data)
                         + "。如企业数据有更新，请重新导入采集表。")
    return res


def _coverage_of(spec: Spec, qid: str) -> str:
    return next((i.coverage for i in spec.indicators if i.question == qid), "total")


def coverage(ctx: Context, rows: Rows, codes: set[str]) -> Coverage:
    """How far the files reach: enterprises used against the report's count (this year's answer, else last
    year's report), rows left out, and the enterprises of the report's lists that no file has."""
    e, spec = ctx.e, ctx.spec
    cov = Coverage(n=len(rows.used), rows=len(rows))
    for sus in rows.suspects:
        (cov.confirmed if sus.confirmed else cov.left_out).append(sus.place)
    q = spec.cluster_count
    if q:
        cov.of_label = count_label(e, q)
        v = e.session.answers.get(q) if e.is_relevant(q) else None
        last = ctx.prior_of(1)
        past = last.get("answers") if last is not None else None
        pv = past.get(q) if isinstance(past, dict) else None
        if isinstance(v, int) and not isinstance(v, bool):
            cov.of, cov.of_from = v, "本报告"
        elif isinstance(pv, int) and not isinstance(pv, bool):
            cov.of, cov.of_from = pv, f"{last.get('year') if last else ''} 年度报告"
    key = next(c for c in spec.columns if c.key)
    name = next((c.id for c in spec.columns if c.kind.names), key.id)
    seen: set[str] = set()
    for ind in spec.indicators:
        if ind.kind != "list":
            continue
        code_at = next((t for t, src in ind.fill if src == key.id), None)
        name_at = next((t for t, src in ind.fill if src == name), None)
        listed = e.session.answers.get(ind.question)
        if code_at is None or not isinstance(listed, list):
            continue
        for row in listed:
            c = row.get(code_at) if isinstance(row, dict) else None
            if not isinstance(c, str) or c in codes or c in seen:
                continue
            seen.add(c)
            cov.missing_total += 1
            cov.missing_carried = cov.missing_carried or ind.question in e.session.carried
            if len(cov.missing) < MOST_NAMED:
                who = row.get(name_at) if name_at else None
                cov.missing.append(f"{who}（{c}）" if isinstance(who, str) and who else c)
    return cov


def averages(ctx: Context) -> list[str]:
    """Three-year averages the designation criteria speak of, when two earlier reports are known."""
    if ctx.prior_of(2) is None:
        return []
    out = []
    for a in ctx.spec.averages:
        try:
            cur = ctx.first(a.current)
            base = ctx.first(a.previous, years_back=2)
            if base.value == 0:
                continue
            value = _growth(cur.value, base.value, 2)
            shown = format_decimal(_quantize(2, value), 2)
            span = f"{_plain(_quantize(2, base.value))} → {ctx.e.year} 年 {_plain(_quantize(2, cur.value))}"
        except (Unknown, ArithmeticError):
            continue
        out.append(f"参考：{a.label} {shown}%（{ctx.e.year - 2} 年 {span}，n = 2）。{a.criterion}")
    return out

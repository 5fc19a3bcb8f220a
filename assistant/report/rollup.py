"""District roll-up: a district summary started from its clusters' JSON reports.

The table's columns and totals are data (flows/<form>.rollup.yaml); each report is read exactly as
`import-report` reads it. All or nothing: any problem (a damaged or refused report, another year,
the same cluster twice) is named with its file and no session is created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from assistant.errors import EXIT_REFUSED, FlowError, UserError
from assistant.form.catalog import form_ids, load_flow, package, packaged_root, root_of
from assistant.form.expr import ExpressionError, compile_expr
from assistant.form.sandbox import DRAFT, environment, render_file
from assistant.form.validate import shown
from assistant.interview.drafts import prose_text
from assistant.interview.engine import Engine
from assistant.interview.findings import BLOCKING
from assistant.interview.json_report import SessionSink, read_report
from assistant.report.overview import NOT_MET, condition_status
from assistant.session.store import Session


@dataclass
class Ratio:
    numerator: str
    denominator: str
    scale: float = 1
    offset: float = 0


@dataclass
class RollupColumn:
    id: str
    value: str
    total: str | Ratio | None = None


@dataclass
class RollupSpec:
    from_form: str
    into: str
    name: str
    columns: list[RollupColumn]
    places: int = 2
    drafts: dict[str, str] = field(default_factory=dict)  # district question id -> template in templates/
    form: str = ""  # the form this spec belongs to (its folder holds the templates)


@dataclass
class Rollup:
    rows: list[dict[str, str]]
    totals: dict[str, str]
    year: int
    sources: list[str] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)  # each report's stored answers (for the drafts)


class NotRollupForm(UserError):
    """The form named is not one a roll-up fills; `forms`: (short name, description) of those that are."""

    def __init__(self, forms: list[tuple[str, str]]):
        self.forms = forms
        names = "、".join(f"{key}（{what}）" for key, what in forms) or "（没有）"
        super().__init__(f"这个表单不由各集群报告汇总；汇总的表单：{names}。")


def rollup_form(form: str | None = None) -> str:
    """The form a roll-up fills: `form` if it has a flows/<form>.rollup.yaml, else the one form that has."""
    have = [fid for fid, root in form_ids().items() if (root / "flows" / f"{fid}.rollup.yaml").is_file()]
    if form in have or (form is None and len(have) == 1):
        return form or have[0]
    raise NotRollupForm([(load_flow(fid).key, load_flow(fid).describe()) for fid in have])


def load_spec(form: str | None = None) -> RollupSpec:
    fid = rollup_form(form)
    pkg = package(fid)
    raw = pkg.rollup  # checked with the form's other files
    if raw is None:  # rollup_form() saw the file: only a file removed since can be missing
        raise FlowError(f"{pkg.paths['rollup']}：汇总设置文件不存在")
    cols = []
    for c in raw["columns"]:
        total = c.get("total")
        cols.append(RollupColumn(c["id"], c["value"], Ratio(**total) if isinstance(total, dict) else total))
    return RollupSpec(raw["from_form"], raw["into"], raw["name"], cols, int(raw.get("places", 2)),
                      dict(raw.get("drafts") or {}), fid)


def check_spec(form: str) -> list[str]:
    """What the roll-up file names in the reporting form (its keys were checked with the package): every
    question its columns read, the name column, and its draft templates; [] when it is sound."""
    pkg = package(form)
    path, raw = pkg.paths["rollup"], pkg.rollup
    if raw is None:
        return []
    if raw["from_form"] not in form_ids():
        return [f"{path}: from_form：表单 “{raw['from_form']}” 不存在"]
    source = load_flow(raw["from_form"])
    out = []
    if raw["name"] not in source.by_id:
        out.append(f"{path}: name：问题 “{raw['name']}” 不在表单 {source.form} 中")
    for i, c in enumerate(raw["columns"]):
        total = c.get("total")
        sources = {"value": c["value"]} | (
            {"total.numerator": total["numerator"], "total.denominator": total["denominator"]}
            if isinstance(total, dict) else {})
        for key, src in sources.items():
            try:
                names = compile_expr(src).names
            except ExpressionError as exc:
                out.append(f"{path}: columns.{i}.{key}：{exc}")
                continue
            unknown = sorted(set(names) - set(source.by_id))
            if unknown:
                out.append(f"{path}: columns.{i}.{key}：问题 {'、'.join(unknown)} 不在表单 {source.form} 中")
    folders = [r / "templates" for r in (root_of(form), packaged_root())]
    for qid, name in (raw.get("drafts") or {}).items():
        if not any((f / name).is_file() for f in folders):
            out.append(f"{path}: drafts.{qid}：模板文件 templates/{name} 不存在")
    return out


def _fmt(value: Any, places: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, Decimal)):
        d = Decimal(str(value))
        if d == d.to_integral_value():
            return str(int(d))
        return str(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
    return " ".join(str(value).split())


def _num(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def build(paths: list[Path], year: int | None = None, form: str | None = None) -> Rollup:
    """Read and check every report; raise UserError naming every problem (and its file) if any."""
    spec = load_spec(form)
    source_flow, into_flow = load_flow(spec.from_form), load_flow(rollup_form(form))
    name_label = source_flow[spec.name].label if spec.name in source_flow.by_id else "名称"
    value_ex = {c.id: compile_expr(c.value) for c in spec.columns}
    ratio_ex = {c.id: (compile_expr(c.total.numerator), compile_expr(c.total.denominator))
                for c in spec.columns if isinstance(c.total, Ratio)}
    name_ex = compile_expr(spec.name)
    problems: list[str] = []
    read: list[tuple[str, Any]] = []
    for i, path in enumerate(paths):
        where = shown(str(path), 200)
        try:
            _session, engine, _ = read_report(path, f"rollup-{i}")
        except UserError as exc:
            problems.append(str(exc).replace("，没有创建会话", ""))
            continue
        if engine.flow.form != spec.from_form:
            problems.append(f"{where} 是“{engine.flow.short_name}”，不是“{source_flow.short_name}”。")
            continue
        read.append((where, engine))
    years = sorted({e.year for _, e in read})
    want = year if year is not None else (years[0] if len(years) == 1 else None)
    if want is None and read:
        problems.append("这些报告的填报年度不同：" + "；".join(f"{w}：{e.year} 年" for w, e in read)
                        + f"。{into_flow.short_name}只汇总同一年度的报告。")
    elif want is not None:
        problems += [f"{w} 是 {e.year} 年度的报告，不是 {want} 年度的。" for w, e in read if e.year != want]
    seen: dict[str, str] = {}
    for where, engine in read:
        name = _fmt(name_ex(engine.state.namespace), spec.places)
        if not name:
            problems.append(f"{where} 没有填写{name_label}，无法汇总。")
        elif name in seen:
            problems.append(f"{where} 与 {seen[name]} 是同一个集群（{name}），同一集群只能汇总一份报告。")
        else:
            seen[name] = where
    if problems:
        raise UserError("未能汇总，没有创建会话：\n" + "\n".join(f"  - {p}" for p in problems), EXIT_REFUSED)
    rows: list[dict[str, str]] = []
    sums: dict[str, Decimal] = {}
    parts: dict[str, list[Decimal]] = {}
    for where, engine in read:
        ns = engine.state.namespace
        row = {c.id: _fmt(value_ex[c.id](ns), spec.places) for c in spec.columns}
        row["source"] = where
        row["review"] = review(engine)
        rows.append(row)
        for c in spec.columns:
            if c.total == "sum":
                v = _num(value_ex[c.id](ns))
                if v is not None:
                    sums[c.id] = sums.get(c.id, Decimal(0)) + v
            elif isinstance(c.total, Ratio):
                num, den = (_num(ex(ns)) for ex in ratio_ex[c.id])
                if num is not None and den is not None:  # a cluster without both figures adds to neither sum
                    acc = parts.setdefault(c.id, [Decimal(0), Decimal(0)])
                    acc[0] += num
                    acc[1] += den
    totals: dict[str, str] = {}
    for c in spec.columns:
        if c.total is not None and any(not row[c.id] for row in rows):
            continue  # a total over some of the clusters would read as the district's: left blank
        if c.id in sums:
            totals[c.id] = _fmt(sums[c.id], spec.places)
        elif c.id in parts and parts[c.id][1] != 0:
            assert isinstance(c.total, Ratio)
            num, den = parts[c.id]
            totals[c.id] = _fmt(num / den * Decimal(str(c.total.scale)) + Decimal(str(c.total.offset)), spec.places)
    return Rollup(rows, totals, want or 0, [w for w, _ in read], [dict(e.session.answers) for _, e in read])


def review(engine: Engine) -> str:
    """What the district must know about a cluster's report: blocking findings, designation conditions not met."""
    notes = []
    blocking = [f for f in engine.findings() if f.severity == BLOCKING]
    if blocking:
        notes.append(f"有 {len(blocking)} 处必须修改的问题（如：{blocking[0].message}）")
    # Reference values, not a verdict on the designation: grouped by how the form words falling short.
    unmet: dict[str, list[str]] = {}
    for r in engine.flow.rules:
        if r.criterion is not None and condition_status(engine, r)[0] == NOT_MET:
            unmet.setdefault(r.criterion.unmet, []).append(r.criterion.label)
    notes += [f"{how}：{'、'.join(labels)}" for how, labels in unmet.items()]
    return "；".join(notes)


def drafts(spec: RollupSpec, rollup: Rollup) -> dict[str, str]:
    """The texts offered to the district officer (jinja2 templates; answers inside stay plain text)."""
    from jinja2 import FileSystemLoader

    # The form's own templates first, then the packaged ones; the bounded sandbox, as every form template.
    folders = list(dict.fromkeys(str(r / "templates") for r in (root_of(spec.form), packaged_root())))
    # a report without a text gives none; prose: a figure as running text writes it (128.60 → 128.6)
    env = environment(loader=FileSystemLoader(folders), keep_trailing_newline=False, filters={"prose": prose_text})
    clusters = [{"row": row, "answers": answers} for row, answers in zip(rollup.rows, rollup.answers, strict=True)]
    limits = DRAFT.scaled(sum(len(a) for a in rollup.answers) + len(clusters))
    out = {}
    for qid, name in spec.drafts.items():
        context = {"clusters": clusters, "totals": rollup.totals, "year": rollup.year}
        text = render_file(env, name, context, limits=limits, folder=folders[0]).strip()
        if text:
            out[qid] = "\n".join(line.rstrip() for line in text.splitlines())
    return out


def total_label(count: int) -> str:
    return f"全区合计（{count} 个集群）"


def create_district(paths: list[Path], store: SessionSink, title: str | None, year: int | None,
                    form: str | None = None) -> Session:
    """A new district session whose table holds the clusters and the district totals (one atomic save)."""
    fid = rollup_form(form)
    spec = load_spec(fid)
    rollup = build(paths, year, fid)
    flow = load_flow(fid)
    session = Session(store.new_id(), flow.form, title or "", rollup.year)
    engine = Engine(flow, session)
    q = flow[spec.into]
    cols = [c.id for c in q.columns]
    total_row = {**{c: "" for c in cols}, **rollup.totals, cols[0]: total_label(len(rollup.rows)), "source": ""}
    table = [{c: row.get(c, "") for c in cols} for row in rollup.rows] + [{c: total_row.get(c, "") for c in cols}]
    engine.set(spec.into, engine.parse(spec.into, table).value)
    for qid, text in drafts(spec, rollup).items():
        if qid in flow.by_id:  # offered in the editor, recorded only when the officer submits it
            session.drafts[qid] = text
    session.say("assistant", f"已由 {len(rollup.rows)} 份{load_flow(spec.from_form).short_name}生成{engine.label(q)}"
                             "（合计行中的比例按分子、分母之和重新计算）。")
    store.save(session)
    return session

"""Journeys: whole paths through a front end across features, and what each step means.

A journey is a list of steps from a small vocabulary (New, Answer, Enterprises, Revisit, Draft, Check,
Export, Package, NewFrom, ImportReport). Each step does two things:

- `meant(model)`: what the step means, applied to a scratch session through the engine's API (never a
  front end). Where the product today does something else than issue 22 demands (coverage of
  enterprise data, stale drafts, revisits), the step says what is demanded itself.
- `run(driver)`: the same step done through one front end (journey_drivers.py), as a person does it.

After every step the driver exports the report as JSON through its front end and the answers, the
computed figures and the evidence of every figure taken from enterprise data must equal the model's.
A new feature adds a step here and a method to each driver; every journey and front end then covers it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conftest import sample_answers
from journey_data import PARTIAL, WHOLE, fill, members

from assistant.interview.engine import Engine
from assistant.interview.enterprises.columns import load_spec
from assistant.session.store import Session, SessionStore

if TYPE_CHECKING:
    from journey_drivers import Driver

ADDITIVE = ("sum", "count", "list")  # indicators that add up over enterprises: partial data never replaces them


class KnownBug(AssertionError):
    """A step failed that issue 22 names as a bug being fixed (the parametrisation is xfail for it)."""


# -- the model: what was meant ----------------------------------------------------------------------
@dataclass
class Model:
    """What the report should hold after each step: a scratch session in its own store, changed only
    through the engine's API, plus what the journey learned (ids, files, figures from enterprise data)."""

    tmp: Path
    store: SessionStore  # the front ends' store (FILING_HOME)
    scratch: SessionStore
    engine: Engine | None = None
    sid: str | None = None  # the session the front end works on
    given: dict[str, Any] = field(default_factory=dict)  # background made before the journey
    adopted: set[str] = field(default_factory=set)  # figures taken from enterprise data, unchanged since
    partial: tuple[int, int] | None = None  # the last workbook covered (n, of the report's count) enterprises
    replaced: dict[str, str] = field(default_factory=dict)  # qid -> a computed figure the operator did not use
    kept: dict[str, str] = field(default_factory=dict)  # qid -> the reason for keeping one's own figure
    opinion: str = ""  # the district's 考核意见 once it approved the report (printed in part 八)

    @property
    def e(self) -> Engine:
        assert self.engine is not None, "no session yet: a journey starts with New, NewFrom or ImportReport"
        return self.engine

    def use(self, session: Session) -> None:
        self.engine = Engine.for_session(session)

    def report(self) -> dict[str, Any]:
        from assistant.report.export import report_dict

        return json.loads(json.dumps(report_dict(self.e), ensure_ascii=False, default=str))

    def complete(self) -> bool:
        from assistant.interview.findings import blocking

        return not blocking(self.e.findings())

    def path(self, name: str) -> Path:
        p = self.tmp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p


def compare(got: dict[str, Any], model: Model, where: str) -> None:
    """The exported JSON against the model: answers, computed figures, and the evidence of every figure
    taken from enterprise data and not changed since (its value and how many enterprises)."""
    want = model.report()
    problems = []
    for part in ("answers", "calculated"):
        g, w = got.get(part) or {}, want[part]
        for k in sorted(set(g) | set(w), key=lambda k: model.e.flow.index.get(k, 10**6)):
            if g.get(k, "<无>") != w.get(k, "<无>"):
                problems.append(f"{part}.{k}: 导出 {_short(g.get(k, '<无>'))} ≠ 应为 {_short(w.get(k, '<无>'))}")
    for qid in model.adopted:
        ev, w = (got.get("evidence") or {}).get(qid), want["evidence"][qid]
        if not isinstance(ev, dict) or ev.get("source") != "enterprises":
            problems.append(f"evidence.{qid}: 采用了企业数据却没有佐证（{_short(ev)}）")
        elif (ev.get("value"), ev.get("n"), ev.get("files")) != (w.get("value"), w.get("n"), w.get("files")):
            problems.append(f"evidence.{qid}: 佐证 {ev.get('value')}（{ev.get('n')} 家） ≠ "
                            f"应为 {w.get('value')}（{w.get('n')} 家）")
    for qid, reason in model.kept.items():
        kept = ((got.get("evidence") or {}).get(qid) or {}).get("kept") or {}
        if kept.get("reason") != reason:
            problems.append(f"evidence.{qid}.kept.reason: {_short(kept.get('reason'))} ≠ 应为（原样）{_short(reason)}")
    assert not problems, f"{where}: 导出的 JSON 与应有的不同：\n  " + "\n  ".join(problems)


def _short(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= 80 else s[:77] + "…"


# -- the steps --------------------------------------------------------------------------------------
class Step:
    name = "step"

    async def prepare(self, d: Driver) -> None:
        """What the step needs before its meaning can be known (e.g. the filled workbook)."""

    def meant(self, m: Model) -> None:
        """Change the model as the step means it."""

    async def run(self, d: Driver) -> None:
        raise NotImplementedError

    def check(self, m: Model, result: Any) -> None:
        """What the step's own output must show (beyond the exported JSON)."""

    def __str__(self) -> str:
        return self.name


@dataclass
class New(Step):
    form: str = "annual_report"
    title: str = "浦江集群"
    name = "new"

    def meant(self, m: Model) -> None:
        m.use(m.scratch.create(self.form, self.title, 2023))

    async def run(self, d: Driver) -> None:
        d.m.sid = await d.new(self.form, self.title)


@dataclass
class Answer(Step):
    """Answer in interview order from the question the report stands at, up to `until` (or the end):
    a question carried from last year is kept as it is (Enter), the others get the sample answer."""

    until: str | None = None
    name = "answer"
    plan: list[tuple[str, Any, bool]] = field(default_factory=list, repr=False)  # (qid, raw, carried)

    def __str__(self) -> str:
        return f"answer→{self.until or 'end'}"

    def meant(self, m: Model) -> None:
        e, sample = m.e, sample_answers()
        self.plan = []
        while (q := e.current()) is not None and q.id != self.until:
            if q.id in e.session.carried:
                self.plan.append((q.id, e.session.answers[q.id], True))
                e.session.confirm_carried(q.id)
                e.advance(q.id)
                continue
            raw = sample[q.id]
            out = e.answer(q.id, raw)
            assert out.ok, (q.id, out.message)
            self.plan.append((q.id, raw, False))
            m.adopted.discard(q.id)
        assert self.until is None or (e.current() and e.current().id == self.until), f"{self.until} never came"

    async def run(self, d: Driver) -> None:
        await d.answer(self.plan)


@dataclass
class Enterprises(Step):
    """`filing workbook` (optionally prefilled with last year's filled workbook), filled with openpyxl
    by the enterprises in `numbers`, then read with the enterprise-data command and 全部 / --yes — or,
    with `keep`, the other items by number and "保留 N 原因：…" for those (the CLI asks at its prompt).

    Meant (issue 22): a workbook covering fewer enterprises than the report's 集群企业数量 never changes
    sums, counts or lists by 全部 / --yes, nor replaces an answer the operator gave with its ratios or growth
    rates (those are adopted only where nothing different was answered). A kept figure
    keeps the operator's number and the reason exactly as typed (Chinese punctuation too)."""

    numbers: range | list[int] = WHOLE
    year: int = 2023
    prefill: str | None = None  # a key of model.given: last year's filled workbook
    changed: dict[int, dict[str, Any]] = field(default_factory=dict)  # corrections: enterprise -> cells
    label: str = "whole"
    keep: dict[str, str] = field(default_factory=dict)  # qid -> the reason typed for keeping one's own figure
    name = "enterprises"
    file: Path | None = field(default=None, repr=False)
    choice: str = field(default="全部", repr=False)  # what the operator types when the proposals are shown

    def __str__(self) -> str:
        return f"enterprises:{self.label}"

    def rows(self) -> list[dict[str, Any]]:
        return [{**row, **self.changed.get(i, {})} for i, row in zip(self.numbers, members(self.numbers, self.year),
                                                                      strict=True)]

    def meant(self, m: Model) -> None:
        from assistant.interview.enterprises.proposals import apply, batch, propose

        assert self.file is not None and self.file.is_file(), "run() writes the workbook first"
        e = m.e
        result = propose(e, [self.file])
        stored = batch(result)
        kinds = {ind.question: ind.kind for ind in load_spec(e.session.form).indicators}
        count = e.session.answers.get("enterprise_count")  # the report's 集群企业数量
        partial = isinstance(count, int) and result.n < count
        m.partial = (result.n, count) if partial else None
        items = stored.items
        keep = {i: self.keep[it.qid] for i, it in enumerate(items, 1) if it.qid in self.keep}
        assert len(keep) == len(self.keep), f"not proposed: {set(self.keep) - {it.qid for it in items}}"
        accept = [i for i, it in enumerate(items, 1)
                  if i not in keep and not (partial and (kinds.get(it.qid) in ADDITIVE
                                                         or (it.current and not it.same)))]
        if accept or keep:
            lines, ok = apply(e, stored, accept, keep)
            assert ok, lines
        m.adopted |= {items[i - 1].qid for i in accept}
        for i, reason in keep.items():  # the operator's number stays, with the reason as typed
            m.adopted.discard(items[i - 1].qid)
            m.kept[items[i - 1].qid] = reason
            m.replaced[items[i - 1].qid] = str(items[i - 1].value)
        if keep:
            self.choice = " ".join(map(str, accept)) + " " + " ".join(f"保留 {i} 原因：{r}" for i, r in keep.items())

    async def prepare(self, d: Driver) -> None:
        m = d.m
        self.file = m.path(f"{self.label}-{len(list(self.numbers))}家-{self.year}.xlsx")
        await d.workbook(self.file, m.given[self.prefill] if self.prefill else None)
        fill(self.file, self.rows())

    async def run(self, d: Driver) -> str:
        return await d.enterprises(self.file, self.choice)

    def check(self, m: Model, result: Any) -> None:
        said = str(result)
        if m.partial:  # the coverage is said against the report's count (仅 8/326 家), not left to be noticed
            n, count = m.partial
            assert re.search(rf"{n}\s*/\s*{count}", said), said[-3000:]


@dataclass
class Revisit(Step):
    """Go back to an answered question and type a new figure over the old one, as a person types."""

    qid: str = "total_output"
    typed: str = "97亿"
    stored: Any = "97.00"
    name = "revisit"

    def __str__(self) -> str:
        return f"revisit:{self.qid}={self.typed}"

    def meant(self, m: Model) -> None:
        e = m.e
        if self.qid in m.adopted:
            m.replaced[self.qid] = str(e.session.evidence[self.qid]["value"])
        out = e.answer(self.qid, self.stored, advance=False)
        assert out.ok, out.message
        assert e.session.answers[self.qid] == self.stored
        m.adopted.discard(self.qid)

    async def run(self, d: Driver) -> None:
        await d.revisit(self.qid, self.typed)


@dataclass
class Draft(Step):
    """起草 on a narrative question, and adopt the draft as offered."""

    qid: str = "overview"
    quotes: Sequence[str] = ("total_output", "enterprise_count")  # figures the draft must quote as shown
    name = "draft"

    def __str__(self) -> str:
        return f"draft:{self.qid}"

    def meant(self, m: Model) -> None:
        from assistant.interview.drafts import context, draft

        e = m.e
        text = draft(e, self.qid)
        said = context(e)["a"]  # as running text writes them: 128.6亿元, 326
        for qid in self.quotes:
            assert said[qid].lstrip("-") in text, (qid, said[qid], text)
        out = e.answer(self.qid, text, advance=False)
        assert out.ok, out.message
        e.advance(self.qid)

    async def run(self, d: Driver) -> None:
        await d.draft(self.qid)


@dataclass
class Check(Step):
    """The front end's check: no blocking finding when the report is complete; each `warns` group of
    texts (e.g. a stale draft's old and new figure) appears together in one finding."""

    warns: Sequence[Sequence[str]] = ()
    quoted: Sequence[Sequence[str]] = ()  # said where 起草 adopts a draft with its record (not `answers --set`)
    name = "check"
    front: str = field(default="", repr=False)

    def __str__(self) -> str:
        return "check" + (f"({'; '.join('/'.join(w) for w in self.warns)})" if self.warns else "")

    async def run(self, d: Driver) -> Any:
        self.front = d.front
        return await d.check()

    def check(self, m: Model, result: Any) -> None:
        lines, n_blocking = result
        if m.complete():
            assert n_blocking == 0, lines
        quoting = self.front not in ("cli", "cli-process")
        for group in [*self.warns, *(self.quoted if quoting else ())]:
            assert any(all(w in line for w in group) for line in lines), (group, lines)


@dataclass
class Export(Step):
    fmt: str = "docx"
    name = "export"

    def __str__(self) -> str:
        return f"export:{self.fmt}"

    async def run(self, d: Driver) -> Any:
        return await d.export(self.fmt, d.m.path(f"导出/报告.{self.fmt}"), draft=not d.m.complete())

    def check(self, m: Model, result: Any) -> None:
        assert_holds(m, document_text(Path(result), self.fmt))


@dataclass
class Package(Step):
    name = "package"

    async def run(self, d: Driver) -> Any:
        return await d.package(d.m.path("报送材料"), draft=not d.m.complete())

    def check(self, m: Model, result: Any) -> None:
        folder = Path(result)
        names = sorted(p.name for p in folder.iterdir())
        stem = next(n[:-5] for n in names if n.endswith(".docx") and n != "报送清单.docx")
        want = [f"{stem}.docx", f"{stem}.json", "报送清单.docx", "报送清单.md"]
        if m.adopted or "计算佐证材料.md" in names:  # figures from enterprise data: their evidence, always
            want.append("计算佐证材料.md")
        from assistant.report.pdf import find_soffice

        if find_soffice():
            want.append(f"{stem}.pdf")
        assert sorted(want) == sorted(names), names
        compare(json.loads((folder / f"{stem}.json").read_text(encoding="utf-8")), m, "报送材料中的 JSON")
        checklist = (folder / "报送清单.md").read_text(encoding="utf-8")
        for n in want:
            if n not in ("报送清单.md", "报送清单.docx"):
                assert n in checklist, (n, checklist)
        assert_holds(m, document_text(folder / f"{stem}.docx", "docx"))
        appendix = (folder / "计算佐证材料.md").read_text(encoding="utf-8") if "计算佐证材料.md" in names else ""
        if m.partial:  # ratios from a partial sample say so in the evidence
            assert f"基于 {m.partial[0]} 家企业" in appendix, appendix[:2000]
        for qid, old in m.replaced.items():  # the appendix supports what is printed, not what was not used
            assert old not in appendix, (qid, old, appendix[:3000])
        for qid, reason in m.kept.items():  # a kept figure prints its basis as typed
            assert reason in appendix, (qid, reason, appendix[:3000])


@dataclass
class Submit(Step):
    """The cluster hands the report in (提交, issue 27): the core the hosted pages call, in FILING_HOME."""

    name = "submit"

    async def run(self, d: Driver) -> Any:
        from assistant.hosting.audit import AuditLog
        from assistant.hosting.review import Reviews
        from assistant.paths import home

        return Reviews(home(), AuditLog(home())).submit(d.sid, "浦江集群")

    def check(self, m: Model, result: Any) -> None:
        assert result.state == "submitted" and len(result.sha256) == 64, result


@dataclass
class Approve(Step):
    """The district approves it with its 考核意见 (审核通过); exports print the opinion in part 八."""

    opinion: str = "数据真实，材料齐全，同意推荐。"
    name = "approve"

    def meant(self, m: Model) -> None:
        m.opinion = self.opinion

    async def run(self, d: Driver) -> Any:
        from assistant.hosting.audit import AuditLog
        from assistant.hosting.review import Reviews
        from assistant.paths import home

        return Reviews(home(), AuditLog(home())).approve(d.sid, "浦东新区", self.opinion)

    def check(self, m: Model, result: Any) -> None:
        assert result.state == "approved", result


@dataclass
class NewFrom(Step):
    """`filing new --from` last year's report (a session id in model.given)."""

    last: str = "last_year"
    name = "new-from"

    def meant(self, m: Model) -> None:
        from assistant.interview.enterprises.carry import carry_forward

        class Reader:  # last year's session read from the real store; the new one goes to the scratch store
            def load(self, sid: str) -> Session:
                return m.store.load(sid)

            new_id, save = m.scratch.new_id, m.scratch.save

        session, _ = carry_forward(m.given[self.last], Reader())
        assert session.carried, "last year's report carries nothing"
        m.use(session)
        m.adopted = set()

    async def run(self, d: Driver) -> None:
        d.m.sid = await d.new_from(d.m.given[self.last])


@dataclass
class ImportReport(Step):
    """`filing import-report` of a JSON report (a path in model.given)."""

    source: str = "last_year_json"
    name = "import-report"

    def meant(self, m: Model) -> None:
        from assistant.interview.json_report import read_report

        session, _engine, _ = read_report(m.given[self.source], m.scratch.new_id())
        m.use(session)
        data = json.loads(Path(m.given[self.source]).read_text(encoding="utf-8"))
        m.adopted = {q for q, ev in (data.get("evidence") or {}).items()
                     if isinstance(ev, dict) and ev.get("source") == "enterprises"}
        assert m.report()["answers"] == data["answers"]

    async def run(self, d: Driver) -> None:
        d.m.sid = await d.import_report(Path(d.m.given[self.source]))


def assert_holds(m: Model, text: str) -> None:
    """A document shows the figures the journey changed: name, 总产值 and 企业数量 as they stand now."""
    for qid in ("cluster_name", "total_output", "enterprise_count"):
        if qid in m.e.session.answers:
            assert m.e.shown(qid, unit=False) in text, (qid, m.e.shown(qid, unit=False))
    # part 八: the district's 考核意见 once approved, else its place left blank for the district's hand
    if m.opinion:
        assert f"考核意见：{m.opinion}" in text, text[-800:]
    else:
        assert "考核意见：" not in text, text[-800:]


def document_text(path: Path, fmt: str) -> str:
    if fmt == "docx":
        import docx
        from document_support import paragraphs

        return "\n".join(paragraphs(docx.Document(str(path))))
    if fmt == "pdf":
        import subprocess

        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True, timeout=60).stdout
    return path.read_text(encoding="utf-8")


# -- the journeys -----------------------------------------------------------------------------------
@dataclass
class Journey:
    id: str
    steps: Callable[[], list[Step]]  # fresh step objects for each run
    given: Sequence[str] = ()  # background: "last_year" (session, filled workbook, JSON)
    pdf: bool = False  # renders PDFs with LibreOffice (slow in every front end)
    fronts: Sequence[str] = ()  # only these front ends (default: every one)


PARTLY = "specialized_count"  # the partial answers stop here: cover, part 一, part 二 up to the counts
KEEP_REASON = "只收回部分企业的上年数字，以统计局反馈的主导产业产值为准"  # a Chinese comma, stored as typed

JOURNEYS = [
    # new → partial answers → the whole cluster's workbook (one figure kept with a reason) → revisit a
    # figure → draft → check → package
    Journey("hand-in-whole", lambda: [
        New(), Answer(PARTLY), Enterprises(WHOLE, label="whole", keep={"leading_output_growth": KEEP_REASON}),
        Revisit("total_output", "97亿", "97.00"),
        Answer("overview"), Draft("overview"), Answer(), Check(), Package()]),
    # the same with 8 of 326 enterprises; the figure changes after the draft quoted it
    Journey("hand-in-partial", lambda: [
        New(), Answer(PARTLY), Enterprises(PARTIAL, label="partial"), Answer("overview"), Draft("overview"),
        Revisit("total_output", "97亿", "97.00"), Answer(), Check(warns=[("128.6亿元", "97")]), Package()]),
    # part 七's sub-questions answered on arrival, the part drafted from them; a sub-answer changed later
    # flags the adopted draft in the check, like a figure (issue 24)
    Journey("narrative", lambda: [
        New(), Answer("overview"), Draft("overview", quotes=("total_output", "overview_brand")),
        Revisit("overview_brand", "举办传感器创新大赛，参赛团队86个", "举办传感器创新大赛，参赛团队86个"),
        Answer("problems"), Draft("problems", quotes=("fdi_growth",)), Answer(),
        Check(quoted=[("浦江智能传感器产业大会", "传感器创新大赛")])]),
    # next year from last year's report: carried answers kept, this year's workbook (prefilled from last
    # year's), then a corrected workbook imported again
    Journey("next-year", lambda: [
        NewFrom("last_year"), Answer(PARTLY), Enterprises(WHOLE, 2024, "last_year_workbook", label="prefilled"),
        Answer(), Enterprises(WHOLE, 2024, "last_year_workbook", {7: {"output": 4150}}, label="corrected"),
        Check(), Export("docx")], given=("last_year",)),
    # a report exchanged as JSON: imported, exported in every format, packaged
    Journey("import-report", lambda: [
        ImportReport("last_year_json"), Check(), Export("md"), Export("docx"), Export("pdf"), Package()],
        given=("last_year",), pdf=True),
    # the district's review (issue 27) meets the printed report (issue 25): submitted, approved with its
    # 考核意见, and every export then prints the opinion in part 八. Not in the app: a handed-in report is
    # sealed and opens in no editor (the cluster exports it as `filing ask` users do, from the CLI).
    Journey("district-review", lambda: [
        New(), Answer(), Check(), Export("docx"), Submit(), Export("docx"), Approve(), Export("docx"),
        Export("md"), Package()], fronts=("cli", "cli-process", "ask")),
]


def last_year(m: Model) -> None:
    """Background: last year's (2023) complete report in the front ends' store, its figures taken from
    the whole cluster's filled workbook (全部), and the report exported as JSON."""
    from assistant.interview.enterprises.dialog import reply, start
    from assistant.interview.enterprises.workbook import write_workbook
    from assistant.report.export import export_session

    session = m.store.create("annual_report", "浦江集群", 2023)
    engine = Engine.for_session(session)
    assert not engine.apply_many(sample_answers())
    book = m.path("上年/2023年度企业数据采集表.xlsx")
    spec = load_spec("annual_report")
    assert spec is not None
    book.write_bytes(write_workbook(spec, 2023))
    fill(book, members(WHOLE, 2023))
    turn = start(engine, [str(book)])
    assert not turn.refused, turn.messages
    turn = reply(engine, "全部")
    assert not turn.refused, turn.messages
    assert not [f for f in engine.findings() if f.severity == "blocking"], engine.findings()
    m.store.save(session)
    m.given.update(last_year=session.id, last_year_workbook=book,
                   last_year_json=export_session(session, "json", m.path("上年/上年报告.json")))


GIVEN = {"last_year": last_year}

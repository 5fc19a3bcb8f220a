"""The interview engine: pure state over a flow and a session; knows no terminal.

It answers "what is next", "apply this text to that question", "go back", "jump to",
"what is missing", "how far along". Front ends (Textual, questionary, CLI) stay thin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from msgspec import Struct, field

from assistant.errors import InputError
from assistant.form.catalog import load_flow
from assistant.form.expr import total_chars
from assistant.form.flow import Flow, Question, Section, fill
from assistant.form.override import override_value
from assistant.form.parse import Parsed, format_decimal, parse
from assistant.form.shapes import Grid, Row, Stored
from assistant.form.types import of
from assistant.form.validate import MAX_ERRORS, check_raw, check_stored, shown, stored_problem
from assistant.form.values import NOT_APPLICABLE, show, to_python
from assistant.interview.checks import check
from assistant.interview.computed import computed_notes, offer_lines
from assistant.interview.drafts import figures_say, keep_quotes
from assistant.interview.findings import Finding
from assistant.session.store import Session


class State(Struct):
    """Everything derived from the answers: recomputed after every change."""

    relevant: dict[str, bool]
    not_applicable: set[str]
    namespace: dict[str, Any]
    calculated: dict[str, str | None]  # the value that counts (an override's typed figure)
    computed: dict[str, str | None] = field(default_factory=dict)  # what the formula gives


class Outcome(Struct):
    ok: bool
    qid: str
    message: str = ""  # refusal reason, or the note shown back (conversion, rounding)
    value: Any = None
    shown: str = ""


class Applied(Struct):
    errors: list[str]  # reasons when refused (nothing was stored)
    unused: list[str] = field(default_factory=list)  # stored, but the question does not apply now
    total: int = 0  # every problem found; errors lists the first screenful

    def refusal(self, what: str) -> str:
        """The lines that say why nothing was stored: a count, one screenful of reasons, what was left out."""
        lines = [f"有 {self.total} {what}", *(f"  - {e}" for e in self.errors)]
        if self.total > len(self.errors):
            lines.append(f"  …另有 {self.total - len(self.errors)} 处未列出。")
        return "\n".join(lines)


class Limit(Struct, frozen=True):
    """A declared limit a question counts towards (the flow's rule with `budget`), with its count now."""

    rule: str
    label: str  # how the count names the total (the rule's `counter`, e.g. 六段合计)
    budget: int  # 字 the members may hold together
    members: tuple[str, ...]  # the questions counted
    used: int  # 字 of all members (the question itself as given, else as stored)
    mine: int  # 字 of the question itself

    @property
    def left(self) -> int:
        """字 still free (negative when over)."""
        return self.budget - self.used

    @property
    def others(self) -> int:
        return self.used - self.mine


class Progress(Struct):
    answered: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int(self.answered * 100 // self.total)

    @property
    def done(self) -> bool:
        return self.answered >= self.total


def evaluate(flow: Flow, answers: Mapping[str, Stored], year: int) -> State:
    ns: dict[str, Any] = {"year": year}
    relevant: dict[str, bool] = {}
    na: set[str] = set()
    calc: dict[str, str | None] = {}
    computed: dict[str, str | None] = {}
    for q in flow.questions:
        rel_ex = flow.expr(q.id, "relevant")
        rel = True if rel_ex is None else bool(rel_ex(ns))
        na_ex = flow.expr(q.id, "not_applicable")
        if na_ex is not None and na_ex(ns):
            na.add(q.id)
        relevant[q.id] = rel
        if not rel:
            ns[q.id] = None
        elif q.computes:
            raw = flow.expr(q.id, "calculate")(ns)  # type: ignore[misc]
            try:
                val = Decimal(raw).quantize(Decimal(1).scaleb(-q.places), rounding=ROUND_HALF_UP) if raw is not None else None
            except Exception:
                val = None
            computed[q.id] = calc[q.id] = format_decimal(val, q.places) if val is not None else None
            if q.override:
                val = override_value(q, answers.get(q.id), val)
                calc[q.id] = format_decimal(val, q.places) if val is not None else None
            ns[q.id] = val
        else:
            ns[q.id] = to_python(q, answers.get(q.id))
    return State(relevant, na, ns, calc, computed)


class Engine:
    def __init__(self, flow: Flow, session: Session, on_change: Callable[[Session], None] | None = None):
        self.flow = flow
        self.session = session
        self.on_change = on_change
        self.state = evaluate(flow, session.answers, session.year)
        self._checked: tuple[State, list[Any]] | None = None  # findings of one state (a turn asks several times)

    @classmethod
    def for_session(cls, session: Session, on_change: Callable[[Session], None] | None = None) -> Engine:
        return cls(load_flow(session.form), session, on_change)

    # -- reading -----------------------------------------------------------------------------
    @property
    def year(self) -> int:
        return self.session.year

    def q(self, qid: str) -> Question:
        return self.flow[qid]

    def text(self, s: str) -> str:
        return fill(s, self.year)

    def form_title(self) -> str:
        """The form's title as printed, with this report's answers (附件2 is titled by its district)."""
        return self.flow.form_title(self.year, self.value)

    def report_name(self) -> str:
        """What lists call this report: its title, else the answer to the form's first question (each form
        opens by naming its cluster or district), else "" until that is answered."""
        if self.session.title:
            return self.session.title
        first = self.flow.questions[0] if self.flow.questions else None
        value = self.session.answers.get(first.id) if first is not None and of(first).names_report and of(first).prose else None
        return " ".join(value.split()) if isinstance(value, str) and value != "无" else ""

    def official_label(self, q: Question | str) -> str:
        """The row label exactly as printed on the form (the document uses this)."""
        q = self.flow[q] if isinstance(q, str) else q
        return fill(q.label, self.year)

    def label(self, q: Question | str) -> str:
        """The label for lists and messages: where the form prints one twice, with its context."""
        q = self.flow[q] if isinstance(q, str) else q
        if q.name:
            return fill(q.name, self.year)
        label = fill(q.label, self.year)
        return f"{q.context}·{label}" if q.context else label

    def is_relevant(self, qid: str) -> bool:
        return self.state.relevant.get(qid, False)

    def is_askable(self, q: Question) -> bool:
        return self.state.relevant[q.id] and not q.calculated and q.asked

    def is_answered(self, qid: str) -> bool:
        q = self.flow[qid]
        if q.calculated:
            return self.state.calculated.get(qid) is not None
        return qid in self.session.answers

    def value(self, qid: str) -> Stored | None:
        """The stored value that counts: None when irrelevant; calculated values included."""
        if not self.is_relevant(qid):
            return None
        q = self.flow[qid]
        if q.computes:
            return self.state.calculated.get(qid)
        return self.session.answers.get(qid)

    def rows(self, qid: str) -> list[Row] | None:
        """A list question's rows that count (value()); None when there are none."""
        value = self.value(qid)
        return value if isinstance(value, list) else None

    def grid(self, qid: str) -> Grid | None:
        """A matrix question's counts that count (value()); None when there are none."""
        value = self.value(qid)
        if not isinstance(value, dict):
            return None
        return {r: cells for r, cells in value.items() if isinstance(cells, dict)}

    def shown(self, qid: str, unit: bool = True) -> str:
        """The answer as printed; 不适用 / 无 where the form's branches say so."""
        q = self.flow[qid]
        if qid in self.state.not_applicable:
            return NOT_APPLICABLE
        if not self.is_relevant(qid):
            return "无" if of(q).is_list else ""
        return show(q, self.value(qid), unit=unit)

    def computed_notes(self, qid: str) -> list[str]:
        """What an answer to qid just computed, shown back with the formula (or why it cannot be)."""
        return computed_notes(self, qid)

    def offer_lines(self, q: Question, *, compact: bool = False) -> list[str]:
        """For a computed value the operator may override: the value, its formula, how to reply; for a
        sub-question of part 七, what the part's draft already says from the figures."""
        return offer_lines(self, q, compact=compact) if q.override else figures_say(self, q.id)

    def askable(self, section: Section | None = None) -> list[Question]:
        qs = section.questions if section else self.flow.questions
        return [q for q in qs if self.is_askable(q)]

    def progress(self, section: Section | None = None) -> Progress:
        qs = self.askable(section)
        carried = self.session.carried  # last year's value not yet confirmed: still to do
        return Progress(sum(1 for q in qs if q.id in self.session.answers and q.id not in carried), len(qs))

    def next_question(self, after: str | None = None) -> Question | None:
        """The first unanswered question after `after` (wrapping round), or None when all are done."""
        qs = self.askable()
        start = 0
        if after is not None and after in self.flow.index:
            pos = self.flow.index[after]
            start = next((i for i, q in enumerate(qs) if self.flow.index[q.id] > pos), len(qs))
        carried = self.session.carried
        for q in qs[start:] + qs[:start]:
            if q.id not in self.session.answers or q.id in carried:
                return q
        return None

    def current(self) -> Question | None:
        """The question the interview stands at (the cursor), else the next unanswered one."""
        cur = self.session.cursor
        if cur in self.flow.by_id and self.is_askable(self.flow[cur]):
            return self.flow[cur]
        return self.next_question(cur if cur in self.flow.by_id else None)

    # -- changing ----------------------------------------------------------------------------
    def _changed(self, recompute: bool = True) -> None:
        if recompute:
            self.state = evaluate(self.flow, self.session.answers, self.session.year)
        if self.on_change is not None:
            self.on_change(self.session)

    def parse(self, qid: str, raw: object) -> Parsed:
        """Parse and run the question's own constraint; raises InputError, changes nothing."""
        if qid not in self.flow.by_id:
            raise InputError(f"没有编号为“{shown(qid)}”的问题。")
        q = self.flow[qid]
        parsed = self._parse_value(q, raw)
        self._check_constraint(q, parsed.value, self.state.namespace)
        return parsed

    def _parse_value(self, q: Question, raw: Any, *, strict: bool = False) -> Parsed:
        """Every path to a stored value passes here: the raw value's shape, the parser, the stored type."""
        raw = check_raw(q, raw, strict=strict)
        parsed = parse(self.flow.filled(q, self.year), raw)  # labels with {year} filled: messages name them as printed
        check_stored(q, parsed.value, fresh=True)
        return parsed

    def _check_constraint(self, q: Question, value: Any, namespace: dict[str, Any]) -> None:
        ex = self.flow.expr(q.id, "constraint")
        if ex is not None and value is not None:
            ok = ex({**namespace, "value": to_python(q, value)})
            if ok is False:
                raise InputError(q.constraint_message or "填写的内容不符合本题要求。")

    def set(self, qid: str, value: Stored, *, advance: bool = True) -> None:
        """Store an already-parsed value; later answers are never discarded."""
        why = stored_problem(self.flow[qid], value)
        if why:  # a caller skipped parse(): a programming error, not the person's
            raise ValueError(f"Engine.set({qid!r}): not a stored value of this question: {why}")
        self.session.set_answer(qid, value)
        self.state = evaluate(self.flow, self.session.answers, self.session.year)
        self._kept_quotes(qid)
        if advance:
            self.advance(qid)
        else:
            self._changed(recompute=False)

    def _kept_quotes(self, qid: str) -> None:
        """A narrative answer stored: the record of what its drafts quoted keeps what the text still says."""
        if qid in self.session.quotes:
            keep_quotes(self, qid)

    def answer(self, qid: str, raw: object, *, advance: bool = True) -> Outcome:
        try:
            parsed = self.parse(qid, raw)
        except InputError as exc:
            return Outcome(False, qid, str(exc))
        self.set(qid, parsed.value, advance=advance)
        return Outcome(True, qid, parsed.note, parsed.value, show(self.flow[qid], parsed.value))

    def apply_many(self, values: Mapping[str, object]) -> list[str]:
        """Parse a whole mapping first; apply all or nothing. Returns the reasons when refused."""
        return self.apply_all(values).errors

    def apply_all(self, values: Mapping[str, object], *, strict: bool = False) -> Applied:
        """Parse a whole mapping (answer file, JSON report) and apply all or nothing.

        Constraints are judged with the whole batch in place (a count and its total may come
        together). Values for questions the other answers make not applicable are kept, like
        answers the interview passes by, and named in `unused` so the caller says so.
        strict: lists and matrices must be structures (the JSON exchange format), not typed text.
        """
        errors: list[str] = []
        parsed: dict[str, Stored] = {}
        # A YAML file's keys may be numbers. Every item is checked, so the count is exact; the file is bounded.
        for key, raw in values.items():
            if not isinstance(key, str) or key not in self.flow.by_id:
                errors.append(f"{shown(key)}：没有这个问题编号（可用 `filing questions --json` 查看）。")
                continue
            try:
                parsed[key] = self._parse_value(self.flow[key], raw, strict=strict).value
            except InputError as exc:
                errors.append(f"{key}（{self.label(key)}）：{exc}")
        if parsed:  # constraints too, so that one run names every problem
            after = evaluate(self.flow, {**self.session.answers, **parsed}, self.session.year)
            for qid, value in parsed.items():
                try:
                    self._check_constraint(self.flow[qid], value, after.namespace)
                except InputError as exc:
                    errors.append(f"{qid}（{self.label(qid)}）：{exc}")
        if errors:
            return Applied(errors[:MAX_ERRORS], total=len(errors))
        for qid, value in parsed.items():
            self.session.set_answer(qid, value)
        self.state = evaluate(self.flow, self.session.answers, self.session.year)
        for qid in parsed:
            self._kept_quotes(qid)
        self.advance(None)  # answers from outside: resume at the first unanswered question in the form's order
        return Applied([], [qid for qid in parsed if not self.is_relevant(qid)])

    def unused_note(self, qids: list[str]) -> str:
        """One line saying which stored answers do not count now (kept, not used)."""
        names = "、".join(f"{self.label(q)}（{q}）" for q in qids[:10]) + (" 等" if len(qids) > 10 else "")
        return (f"提示：根据其他回答，以下 {len(qids)} 项目前不需要填写：{names}。"
                "这些值已保存（以后改变相关回答时会用到），但不计入报告。")

    def advance(self, after: str | None) -> Question | None:
        """Move the cursor to the first unanswered question after `after` (the one place it moves on)."""
        nxt = self.next_question(after=after)
        self.session.cursor = nxt.id if nxt else None
        self._changed(recompute=False)
        return nxt

    def back(self) -> Question | None:
        """Step to the previous applicable question (answered or not)."""
        cur = self.current()
        qs = self.askable()
        if cur is None:
            target = qs[-1] if qs else None
        else:
            pos = self.flow.index[cur.id]
            earlier = [q for q in qs if self.flow.index[q.id] < pos]
            target = earlier[-1] if earlier else None
        if target is not None:
            self.session.cursor = target.id
            self._changed()
        return target

    def jump(self, qid: str) -> Question:
        if qid not in self.flow.by_id:
            raise InputError(f"没有编号为“{qid}”的问题。")
        q = self.flow[qid]
        if q.calculated:
            raise InputError(f"“{self.label(q)}”由系统自动计算，请修改它所依据的数据。")
        if not self.is_relevant(qid):
            raise InputError(f"根据前面的回答，“{self.label(q)}”目前不需要填写。")
        self.session.cursor = qid
        self._changed()
        return q

    def defer(self) -> Question | None:
        """Leave the current question for later and move on."""
        cur = self.current()
        nxt = self.next_question(after=cur.id if cur else None)
        if nxt is not None and cur is not None and nxt.id == cur.id:
            nxt = None if len([q for q in self.askable() if q.id not in self.session.answers]) <= 1 else nxt
        self.session.cursor = nxt.id if nxt else (cur.id if cur else None)
        self._changed()
        return nxt

    def first_of(self, section_id: str) -> Question | None:
        qs = self.askable(self.flow.section(section_id))
        unanswered = [q for q in qs if q.id not in self.session.answers]
        first = unanswered or qs
        return first[0] if first else None

    def limits(self, q: Question | str, text: str | None = None) -> list[Limit]:
        """The declared limits of question q, counted with `text` as its answer (the editor's
        unsubmitted text) or else its stored answer."""
        qid = q if isinstance(q, str) else q.id
        answers = self.session.answers
        out = []
        for rule in self.flow.limits_of(qid):
            mine = total_chars([answers.get(qid) if text is None else text])
            others = total_chars(answers.get(k) for k in rule.questions if k != qid and self.is_relevant(k))
            out.append(Limit(rule.id, rule.counter or "合计", rule.budget or 0, tuple(rule.questions),
                             others + mine, mine))
        return out

    def findings(self) -> list[Finding]:
        """What the checks find now (kept until the answers change). The parts that will not fit their page
        are the report's to say (report/model.py: layout_findings, for `filing check`, review and export)."""
        cached = self._checked
        if cached is None or cached[0] is not self.state:  # the answers changed since: check again
            cached = self._checked = (self.state, check(self))
        return list(cached[1])

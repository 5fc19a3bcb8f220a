"""The question view: everything a front end shows about the question the interview stands at.

Conversation.view() builds one QuestionView; the Textual panel, `filing ask` and the transcript
draw it (QuestionView.lines() is the plain-text drawing). Front ends decide nothing: position,
format rule, choices, the current answer as the person would type it, what waits for them,
findings and 字数 limits all come from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec import Struct, field

from assistant.form.expr import count_chars
from assistant.form.override import typed
from assistant.form.types import QuestionType, named, of

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.interview.engine import Engine



class Choices(Struct):
    """The one-key answers the conversation stands at, numbered 1…n in every front end; default is the
    row a bare Enter takes, None when a bare Enter records nothing; current is the stored answer's row."""
    rows: list[tuple[str, str]]
    default: int | None = None
    current: int | None = None

    def shown(self) -> str:
        return "　".join(f"{i}. {label}" for i, (_, label) in enumerate(self.rows, 1))


class Limit(Struct, frozen=True):
    """A 字数 limit: `label` 本段 or e.g. 六段合计; used counts the text being written."""
    label: str
    used: int
    limit: int

    @property
    def over(self) -> bool:
        return self.used > self.limit

    def text(self) -> str:
        left = self.limit - self.used
        room = f"还可写 {left} 字" if left >= 0 else f"超出 {-left} 字"
        return f"{self.label} {self.used}/{self.limit} 字（{room}）"


class FindingView(Struct, frozen=True):
    severity: str  # "blocking" | "warning"
    message: str

    @property
    def mark(self) -> str:
        return "✗" if self.severity == "blocking" else "⚠"


class PendingView(Struct, frozen=True):
    """What waits for the person before anything else: a reading to confirm, "answer or command?",
    a blocking finding's one-key fixes (the rows are QuestionView.choices), or proposals from enterprise data."""
    kind: str  # "confirm" | "ambiguous" | "choose" | "proposals"
    prompt: str
    ask: str = ""  # the same, short enough for a prompt line (`filing ask`)


class QuestionView(Struct):
    qid: str | None  # None: every question is answered
    type: str = ""
    section: str = ""
    position: int = 0
    count: int = 0
    optional: bool = False
    ask: str = ""  # the plain question
    label: str = ""  # the form's row label as printed (with its note)
    unit: str = ""
    hint: str = ""  # example / how to fill
    format: str = ""  # the format rule, always shown
    offer: list[str] = field(default_factory=list)  # a computed value to accept or replace
    compact_offer: list[str] = field(default_factory=list)
    choices: Choices | None = None
    current: str | None = None  # the stored answer as the person would type it (prefill; Enter keeps it)
    current_shown: str | None = None  # the stored answer as printed
    carried: bool = False  # the current answer is last year's, carried forward: to confirm or change
    pending: PendingView | None = None
    findings: list[FindingView] = field(default_factory=list)
    limits: list[Limit] = field(default_factory=list)
    done_text: str = ""

    @property
    def kind(self) -> QuestionType:
        """What the question's type can do (front ends draw by it: a paragraph, options as rows …)."""
        return named(self.type) if self.type else QuestionType()

    @property
    def heading(self) -> str:
        return f"（{self.section} · 第 {self.position}/{self.count} 题）"

    def lines(self) -> list[str]:
        """The view as plain lines (transcript, `filing ask`, any terminal)."""
        if self.qid is None:
            return [self.done_text]
        out = [self.heading, self.ask]
        if self.label and self.label != self.ask:
            out.append(f"表格栏目：{self.label}")
        if self.hint:
            out.append(f"提示：{self.hint}")
        out += self.offer
        if self.format:
            out.append(self.format)
        if self.limits:
            out.append("　".join(x.text() for x in self.limits))
        if self.current_shown is not None and self.carried:
            out.append(f"沿用上年：{self.current_shown}，是否不变？（直接回车或输入“不变”确认；有变化请输入新的答案）")
        elif self.current_shown is not None:
            out.append(f"当前答案：{self.current_shown}（直接回车保留，或输入新的答案）")
        return out

    def text(self) -> str:
        return "\n".join(self.lines())

    def brief(self) -> str:
        """What a chat log keeps of the question (the panel beside it shows the rest)."""
        return "\n".join([self.heading, self.ask])


def format_rule(engine: Engine, q: Question) -> str:
    """How an answer to q is written: one line, for every front end."""
    if q.override:
        return ""  # offer lines say how to accept the computed value or give a figure
    return of(q).format_line(q, engine.text)


def typed_answer(engine: Engine, q: Question) -> str | None:
    """The stored answer written the way a person types it, so that typing it again stores the same value;
    None for answers edited in their own editor (lists) or not stored."""
    stored = engine.session.answers.get(q.id)
    if stored is None or of(q).is_list:
        return None
    if q.override:
        figure = typed(stored)
        if figure is None:
            return "是"
        return f"{figure[0]} 依据：{figure[1]}" if figure[1] else figure[0]
    return of(q).typed(q, stored)


def limits(engine: Engine, q: Question, text: str | None = None) -> list[Limit]:
    """The 字数 limits of q, counted with `text` in place of its stored answer (an editor's live text)."""
    t = of(q)
    if not t.prose:
        return []
    mine = text if text is not None else engine.session.answers.get(q.id)
    out = []
    if q.max_chars:
        out.append(Limit("本段" if t.narrative else "本题", count_chars(mine if isinstance(mine, str) else ""),
                         q.max_chars))  # prose is stored as text
    # The form's declared limits (the engine counts; 无 counts nothing, as in the check).
    out += [Limit(lim.label, lim.used, lim.budget) for lim in engine.limits(q, text)]
    return out


def position(engine: Engine, q: Question) -> tuple[str, int, int]:
    section = engine.flow.section_of[q.id]
    qs = engine.askable(section)
    pos = next((i for i, x in enumerate(qs, 1) if x.id == q.id), 0)
    return engine.text(section.title), pos, len(qs)


def build(engine: Engine, q: Question | None, *, choices: Choices | None = None,
          pending: PendingView | None = None, findings: list[FindingView] | None = None,
          done_text: str = "") -> QuestionView:
    if q is None:
        return QuestionView(None, done_text=done_text, pending=pending, choices=choices)
    e = engine
    section, pos, count = position(e, q)
    label = e.official_label(q) if q.printed else ""  # not on the form: no 表格栏目 to name
    stored = q.id in e.session.answers
    return QuestionView(
        qid=q.id, type=q.type, section=section, position=pos, count=count, optional=not q.required,
        ask=e.text(q.ask or q.label), label=f"{label}{(' ' + e.text(q.note)) if q.note else ''}" if label else "",
        unit=q.unit or of(q).unit(q), hint=e.text(q.hint) if q.hint else "",
        format=e.text(format_rule(e, q)), offer=e.offer_lines(q), compact_offer=e.offer_lines(q, compact=True),
        choices=choices, current=typed_answer(e, q) if stored else None,
        current_shown=e.shown(q.id) if stored else None, carried=stored and q.id in e.session.carried,
        pending=pending, findings=findings or [],
        limits=limits(e, q),
    )


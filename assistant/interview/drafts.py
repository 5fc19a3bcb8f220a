"""Drafts of the narrative questions (起草) from the answers, with the form's jinja2 templates
(templates/<form>.drafts.yaml); the targets table's 完成值 from the answers it names; and the figures
a narrative states, kept true.

A draft is a proposal: it is shown, and counts only when the operator submits it (edited or not).
It states no figure of its own (every number comes from an answer or a computed value) and fits
what is left of the 字 budget of its rule.

Quoting: while a template renders, every answer it reads is logged with the sentence being written
(jinja2 yields its output piece by piece, so the log and the text advance together). Each answer the
draft used becomes a quotes.Quote with the sentences that used it (Session.quotes). When the answer
changes and the narrative still says the old figure, `narrative_findings` warns (rule STALE), and
`redraw` rewrites just those sentences: a sentence still as drafted is drawn again from the answers
now; a sentence the operator reworded keeps its words with the figure replaced. Any template works:
nothing here knows what the templates say.

Figures written by hand are checked too (rule MISMATCH): a phrase naming an answer (the `figures`
of the drafts file, and each numeric question's printed label) followed by a figure that differs
from the answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any, SupportsInt

from msgspec import Struct, field

from assistant.errors import InputError
from assistant.form.catalog import FormNotFound, load_flow, package
from assistant.form.expr import count_chars
from assistant.form.flow import fill
from assistant.form.parse import (
    APPROX_PREFIXES,
    APPROX_SUFFIXES,
    NONE_TEXT,
    NOT_EXACT_WORDS,
    read_as,
)
from assistant.form.sandbox import DRAFT, environment, render_string
from assistant.form.shapes import Printed, Quoted, Row, Said
from assistant.form.types import of
from assistant.form.values import show_cell
from assistant.interview.findings import WARNING, Finding
from assistant.session.quotes import ANSWER, NAMES, ROWS, TOTAL, Quote, merge
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.interview.engine import Engine

STALE, MISMATCH = "quote_stale", "figure_mismatch"  # rules of the findings about narrative figures
NARRATIVE_RULES = (STALE, MISMATCH)
_ENDS = "。；！？"  # a sentence of a draft ends at one of these
_PIECE = pattern(r"[^。；！？\n]*(?:[。；！？]+[”’」）)]?\n?|\n|$)")
# Between a phrase and its figure ("总产值为 128.60 亿元", "企业共 326 家"); anything else ends the match.
_LINK = r"(?:\s|为|达到|达|共计|合计|共|是|有|:|：)*"
_CHANGE = ("增长", "增加", "提高", "上升", "下降", "减少", "降低")  # words of a growth rate (parse reads them)
_NUMBER = pattern(r"([-+]?\d+(?:,\d{3})*(?:\.\d+)?)(?![\d]|[.,]\d)")
_UNIT_RUN = pattern(r"\s*([^\s\d，。；、,.;:：！？!?（）()“”\"'‘’《》]{0,12})")
_YEAR = pattern(r"(\d{4})\s*年")
# A phrase preceded by an ideograph is part of a longer word (专精特新企业数量 is not 企业数量), except these.
_BEFORE_OK = set("年的有和及与为是其")
_OTHER_TIME = ("上年", "去年", "前年", "上一年", "同期", "往年", "明年", "下一年")
_TARGET = ("目标", "力争", "争取", "计划", "预计")  # a figure aimed at, not the year's result


def _spec(form: str) -> dict[str, Any]:
    """The drafts file (templates/<form>.drafts.yaml, checked with the form's package); {} when none (also for
    a flow built in memory, which has no package)."""
    try:
        return package(form).drafts
    except FormNotFound:
        return {}


@cache
def _env() -> Any:
    # The bounded sandbox, no autoescape (the output is plain text): answers are data, never template code.
    return environment(trim_blocks=True, lstrip_blocks=True,
                       filters={"prose": prose_text, "clause": clause, "cn": chinese_ordinal})


_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: SupportsInt | str) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (一是……；十二是……); beyond 99 as digits."""
    k = int(n)
    if not 0 < k < 100:
        return str(k)
    tens, ones = divmod(k, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


# -- figures as a government report writes them ----------------------------------------------------
_TRAILING_ZEROS = pattern(r"(?<![\d.])(\d+)\.(\d*?)0+(?![\d.])")
_SPACE_AT_DIGIT = pattern(r"(?<=[\d%])[ \t]+(?=[\u3400-\u9fff（“《])|(?<=[\u3400-\u9fff，、：）”》])[ \t]+(?=[-+\d])")


def plain_number(d: Decimal) -> str:
    """128.60 → 128.6, 35600.00 → 35600 (the form's tables keep two decimals; running text does not)."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def prose_text(text: object) -> str:
    """A figure or a cell as running text: 35600.00 万元 → 35600万元, 下降 3.60% → 下降3.6%."""
    out = _TRAILING_ZEROS.sub(lambda m: m[1] + (f".{m[2]}" if m[2] else ""), str(text or ""))
    return _SPACE_AT_DIGIT.sub("", out)


def prose_spacing(text: str) -> str:
    """No space between a figure and the 汉字 around it (2023年, 128.6亿元, 共326家)."""
    return _SPACE_AT_DIGIT.sub("", text)


def clause(text: object) -> str:
    """An operator's phrase to be placed inside a sentence: without its own closing punctuation."""
    return str(text or "").strip().rstrip("。；;，,.、 ")


def said(q: Question, value: object, shown: str) -> str:
    """An answer as a draft writes it: a figure without trailing zeros, its unit right after it (128.6亿元,
    4.8%); anything else as printed."""
    t = of(q)
    if not t.numeric:
        return shown
    num = _number(value)
    if num is None:
        return prose_text(shown)
    return plain_number(num) + (t.sign or q.unit)


def same_figure(a: object, b: object) -> bool:
    """Two recorded values are the same answer (a quote kept by an older version wrote 128.60 亿元)."""
    if a == b:
        return True
    if isinstance(a, str) and isinstance(b, str):
        return prose_text(a).replace(" ", "") == prose_text(b).replace(" ", "")
    return False


def draftable(engine: Engine, qid: str) -> bool:
    return qid in (_spec(engine.session.form).get("drafts") or {})


def draft_places(engine: Engine) -> str:
    """Where 起草 works, in the form's own words: the parts holding the narratives it drafts, and the list
    whose figures it fills from the answers."""
    e = engine
    spec = _spec(e.session.form)
    qids = [q for q in spec.get("drafts") or {} if q in e.flow.by_id]
    titles = list(dict.fromkeys(e.text(e.flow.section(e.flow[q].section).title) for q in qids))
    where = "、".join(f"“{t}”" for t in titles) or "本表"
    target = (spec.get("targets_actual") or {}).get("list")
    also = f"（以及“{e.label(target)}”中能由答案算出的数字）" if target in e.flow.by_id else ""
    return f"{where}的各段文字{also}"


def _number(text: object) -> Decimal | None:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None


# -- what a draft may read ------------------------------------------------------------------------
class Values(Struct):
    """The answers as a draft sees them (see the drafts file's header)."""

    a: dict[str, str] = field(default_factory=dict)  # as printed, with unit
    n: dict[str, Decimal] = field(default_factory=dict)  # the same figures as numbers
    names: dict[str, list[str]] = field(default_factory=dict)  # a list's first column
    totals: dict[str, int] = field(default_factory=dict)  # a matrix's sum
    rows: list[Printed] = field(default_factory=list)  # the targets table, as printed
    rows_source: str | None = None  # the list `rows` comes from
    lists: dict[str, list[Said]] = field(default_factory=dict)  # sub-questions' rows, as said
    unmet: list[Printed] = field(default_factory=list)  # targets rows whose 完成值 falls short
    met: list[Printed] = field(default_factory=list)  # targets rows whose 完成值 reaches the 目标值

    def seen(self, kind: str, source: str) -> tuple[Quoted, str] | None:
        """(value, as printed) of one answer as a quote records it; None when a draft could not read it now."""
        if kind == ANSWER:
            a = self.a.get(source)
            return None if a is None else (a, a)
        if kind == NAMES:
            names = self.names.get(source)
            return None if names is None else (names, "、".join(names))
        if kind == TOTAL:
            total = self.totals.get(source)
            return None if total is None else (total, str(total))
        if source in self.lists:
            return self.lists[source], ""
        return (self.rows, "") if source == self.rows_source else None


def _readable(engine: Engine, q: Question) -> Any:
    """An answer a draft may read (None: irrelevant, not applicable, unanswered, 无)."""
    if not engine.is_relevant(q.id) or q.id in engine.state.not_applicable:
        return None
    value = engine.value(q.id)
    return None if value is None or value == NONE_TEXT or value == "" else value


def _names(value: Any) -> list[str]:
    return [str(next(iter(row.values()), "")) for row in value if row]


def _total(value: Any) -> int:
    return sum(int(v) for row in value.values() for v in row.values() if v)


def _rows(engine: Engine) -> tuple[str, list[Printed]] | None:
    """(list id, rows as printed) of the targets table the drafts file names, when it applies."""
    spec = _spec(engine.session.form).get("targets_actual") or {}
    if spec.get("list") not in engine.flow.by_id or not engine.is_relevant(spec["list"]):
        return None
    tq = engine.flow[spec["list"]]
    cols = {c.id: c for c in tq.columns}
    return tq.id, [{cid: show_cell(cols[cid], row.get(cid)) for cid in cols} for row in engine.rows(tq.id) or tq.preset_rows]


def guided_questions(form: str) -> dict[str, list[str]]:
    """narrative id → its guided sub-questions (the drafts file's `asks`)."""
    return {k: list(v or []) for k, v in (_spec(form).get("asks") or {}).items()}


def sub_questions(engine: Engine, qid: str) -> list[str]:
    """The guided sub-questions a part is drafted from, that apply now."""
    return [x for x in guided_questions(engine.session.form).get(qid, [])
            if x in engine.flow.by_id and engine.is_askable(engine.flow[x])]


def _sub_rows(engine: Engine, q: Question, value: Any) -> list[Said]:
    """A sub-question's rows as a draft writes them (every cell as running text; None when empty)."""
    return [{c.id: (prose_text(show_cell(c, row.get(c.id))).strip() or None) for c in q.columns}
            for row in value if isinstance(row, dict)]


def values(engine: Engine, without: frozenset[str] = frozenset()) -> Values:
    out = Values()
    subs = {x for xs in guided_questions(engine.session.form).values() for x in xs}
    for q in engine.flow.questions:
        value = _readable(engine, q) if q.id not in without else None
        if value is None:
            continue
        t = of(q)
        if t.is_list:
            if q.id in subs:
                out.lists[q.id] = _sub_rows(engine, q, value)
            out.names[q.id] = _names(value)
            continue
        if t.is_grid:
            out.totals[q.id] = _total(value)
            continue
        if t.narrative:
            continue  # narrative is the operator's; drafts are built from figures
        out.a[q.id] = said(q, value, engine.shown(q.id))
        if t.numeric:
            num = _number(value)
            if num is not None:
                out.n[q.id] = num
    rows = _rows(engine)
    if rows is not None:
        out.rows_source, out.rows = rows
        out.met, out.unmet = _compared(engine, rows[1])
    return out


_CELL = pattern(r"^\s*(?P<word>[^\d\s+-]{0,4}?)\s*(?P<num>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>\S{0,12})\s*$")


def _cell_figure(text: Any) -> tuple[str, Decimal, str] | None:
    """(word, number, unit) of a cell that is one figure: 下降 3.60% → (下降, 3.60, %); else None."""
    m = _CELL.match(str(text or ""))
    if m is None:
        return None
    return m["word"], Decimal(m["num"]), m["unit"]


def _compared(engine: Engine, rows: list[Printed]) -> tuple[list[Printed], list[Printed]]:
    """(met, unmet): the rows of the targets table whose 完成值 reaches or falls short of the 目标值, where both
    are one figure with the same words and unit, compared the way the drafts file says is better for that
    indicator (`better: lower` for 排放). Any other row (定性描述, another unit) is in neither: never judged."""
    spec = _spec(engine.session.form).get("targets_actual") or {}
    by, into, target_col = str(spec.get("by") or ""), str(spec.get("into") or ""), str(spec.get("target") or "")
    if not (by and into and target_col):
        return [], []
    met: list[Printed] = []
    out: list[Printed] = []
    for row in rows:
        how = (spec.get("rows") or {}).get(row.get(by))
        lower = isinstance(how, dict) and how.get("better") == "lower"
        t, a = _cell_figure(row.get(target_col)), _cell_figure(row.get(into))
        if t is not None and a is not None and {t[0], a[0]} == {"下降", "上升"}:
            a = (t[0], -a[1], a[2])  # 目标下降3%，完成上升1.50%: a fall of -1.50%
        if t is None or a is None or t[0] != a[0] or t[2] != a[2]:
            continue
        lower = lower and t[0] not in ("下降", "降低", "减少")  # 下降5%: the fall is the figure, more is better
        said_row = {k: prose_text(v) if isinstance(v, str) else v for k, v in row.items()}
        short = (a[1] > t[1]) if lower else (a[1] < t[1])
        (out if short else met).append(said_row)
    return met, out


class _Now:
    """What a draft would read of one answer now (Values.seen), worked out only for the answers asked about:
    a check after every answer does not walk a 10 000-row list nobody quoted."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._seen: dict[tuple[str, str], tuple[Quoted, str] | None] = {}

    def seen(self, kind: str, source: str) -> tuple[Quoted, str] | None:
        key = (kind, source)
        if key not in self._seen:
            self._seen[key] = self._work_out(kind, source)
        return self._seen[key]

    def _work_out(self, kind: str, source: str) -> tuple[Quoted, str] | None:
        e = self.engine
        if kind == ROWS:
            rows = _rows(e)
            if rows is not None and rows[0] == source:
                return rows[1], ""
            sub = e.flow.by_id.get(source)
            listed = _readable(e, sub) if sub is not None and of(sub).is_list else None
            return (_sub_rows(e, sub, listed), "") if sub is not None and listed is not None else None
        q = e.flow.by_id.get(source)
        value = _readable(e, q) if q is not None else None
        if q is None or value is None:
            return None
        t = of(q)
        if kind == ANSWER and not (t.is_list or t.is_grid or t.narrative):
            shown = said(q, value, e.shown(q.id))
            return shown, shown
        if kind == NAMES and t.is_list:
            names = _names(value)
            return names, "、".join(names)
        if kind == TOTAL and t.is_grid:
            total = _total(value)
            return total, str(total)
        return None


def context(engine: Engine) -> dict[str, object]:
    """What a draft may use: the answers as printed, their numbers, list names, matrix totals."""
    v = values(engine)
    return {"a": v.a, "n": v.n, "names": v.names, "totals": v.totals, "rows": v.rows, "lists": v.lists,
            "unmet": v.unmet, "met": v.met, "rest": False, "year": engine.year, "prev_year": engine.year - 1}


# -- drafting, with what each sentence quoted ------------------------------------------------------
class Drafted(Struct):
    text: str
    sentences: list[str]  # text cut at 。；！？ (their concatenation is text)
    quotes: list[Quote]


class _Seen(dict[str, Any]):
    """A mapping of the context that logs each answer read, with the sentence the draft is writing."""

    def __init__(self, data: dict[str, Any], kind: str, log: list[tuple[str, str, int]], at: list[int]):
        super().__init__(data)
        self._kind, self._log, self._at = kind, log, at

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        self._log.append((self._kind, key, self._at[0]))
        return value


class _SeenRows(list[dict[str, Any]]):
    def __init__(self, rows: list[dict[str, Any]], source: str | None, log: list[tuple[str, str, int]], at: list[int]):
        super().__init__(rows)
        self._source, self._log, self._at = source, log, at

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self._source is not None:
            self._log.append((ROWS, self._source, self._at[0]))
        return super().__iter__()


def drafted(engine: Engine, qid: str, without: frozenset[str] = frozenset(), rest: bool = False) -> Drafted:
    """The draft of one narrative question and what it quoted, cut at a sentence end to what its 字 budget
    leaves (text "" if nothing can be said from the answers yet); `without`: answers left unread; `rest`: what
    the template leaves out of the draft (a part that writes only the most material items), for the offer."""
    template = (_spec(engine.session.form).get("drafts") or {}).get(qid)
    if not template:
        return Drafted("", [], [])
    v = values(engine, without)
    log: list[tuple[str, str, int]] = []
    at = [0]  # sentences ended so far in the output

    def ended(chunk: str) -> None:  # the output arrives piece by piece: reads land in their sentence
        at[0] += sum(chunk.count(ch) for ch in _ENDS)

    ctx = {"a": _Seen(v.a, ANSWER, log, at), "n": _Seen(v.n, ANSWER, log, at), "names": _Seen(v.names, NAMES, log, at),
           "totals": _Seen(v.totals, TOTAL, log, at), "rows": _SeenRows(v.rows, v.rows_source, log, at),
           "lists": {k: _SeenRows(rows, k, log, at) for k, rows in v.lists.items()},
           "unmet": _SeenRows(v.unmet, v.rows_source, log, at), "met": _SeenRows(v.met, v.rows_source, log, at),
           "rest": rest, "year": engine.year, "prev_year": engine.year - 1}
    form = engine.session.form
    where = f"{package(form).paths['drafts']} 的 drafts.{qid}"
    text = render_string(_env(), template, ctx, where=where, limits=DRAFT, on_chunk=ended)
    lines = [prose_spacing(" ".join(line.split())) for line in text.splitlines()]
    body = "".join(line for line in lines if line)
    sentences = re.findall(rf"[^{_ENDS}]*[{_ENDS}]|[^{_ENDS}]+$", body)
    left = remaining_budget(engine, qid)
    if left is not None and count_chars(body) > left:
        kept: list[str] = []
        for s in sentences:
            if not s.endswith(tuple(_ENDS)) or count_chars("".join(kept) + s) > left:
                break
            kept.append(s)
        sentences = kept
    return Drafted("".join(sentences), sentences, _quoted(v, log, sentences))


def _quoted(v: Values, log: list[tuple[str, str, int]], sentences: list[str]) -> list[Quote]:
    """Each answer read, with the sentences that print it (from where it was read on), else the sentence
    being written when it was read (a figure that chose the words: 增长 or 下降)."""
    where: dict[tuple[str, str], set[int]] = {}
    printed: dict[tuple[str, str], bool] = {}
    for kind, source, at in log:
        seen = v.seen(kind, source)
        if seen is None:
            continue
        needles = _needles(kind, *seen)
        hits = [i for i in range(at, len(sentences)) if any(_has(sentences[i], nd) for nd in needles)]
        hits = hits if kind == ROWS else hits[:1]  # a table's rows are written over several sentences
        key = (kind, source)
        where.setdefault(key, set()).update(hits or ({at} if at < len(sentences) else set()))
        printed[key] = printed.get(key, False) or bool(hits)
    out = []
    for (kind, source), idx in where.items():
        if idx:
            value, shown = v.seen(kind, source) or (None, "")
            out.append(Quote(source, kind, value, shown, tuple(sentences[i] for i in sorted(idx)), printed[(kind, source)]))
    return out


def figures_say(engine: Engine, qid: str) -> list[str]:
    """For a sub-question the drafts file lists under `shows_figures`: what its part's draft already says from
    the figures alone (so the operator adds causes and what the figures do not show, not the same again), and
    what the figures show that the draft leaves out. For a part not yet written: that 起草 is there."""
    spec = _spec(engine.session.form)
    if qid in (spec.get("drafts") or {}) and qid not in engine.session.answers:  # a new user sees 起草 here
        return ["可输入“起草”：助手按已填的数字和本段小问题的回答写一份草稿，您修改后再提交。"]
    if qid not in (spec.get("shows_figures") or []):
        return []
    part = next((p for p, subs in guided_questions(engine.session.form).items() if qid in subs), None)
    if part is None or part not in engine.flow.by_id:
        return []
    subs = frozenset(guided_questions(engine.session.form)[part])
    # what is left out is read with the sub-answers: a problem the operator names there is written, not left out
    text, more = drafted(engine, part, subs).text, drafted(engine, part, rest=True).text
    out = [f"从已填的数字看，起草“{engine.label(part)}”时会写入：{text}"] if text else []
    return out + ([f"数字还显示（草稿没有写入）：{more}"] if more else [])


def unanswered_subs(engine: Engine, qid: str) -> list[str]:
    """The sub-questions of qid's part not answered yet (无 is an answer)."""
    return [x for x in sub_questions(engine, qid) if x not in engine.session.answers]


def empty_note(engine: Engine, qid: str) -> str:
    """Why 起草 has nothing to offer for qid, and what would give it something."""
    subs = sub_questions(engine, qid)
    if not subs:
        return "目前已填的答案还不足以起草这一段。可以先填写前面各部分的数字，或直接写。"
    names = "、".join(f"“{engine.label(x)}”" for x in subs)
    if not unanswered_subs(engine, qid):  # answered, 无 included: asking again would be wrong
        return (f"这一段要写的内容不在表格的数字里，助手不替您编写；{names}的回答里没有可写的内容。"
                f"可以补充后再输入“起草”（输入“跳到 {engine.label(subs[0])}”），也可以直接写。")
    return (f"这一段要写的内容不在表格的数字里，助手不替您编写。请先回答{names}"
            f"（输入“跳到 {engine.label(subs[0])}”），再输入“起草”；也可以直接写。")


def current_drafts(engine: Engine, part: str | None = None) -> list[tuple[str, str, str]]:
    """(question id, label, the draft 起草 would offer now) for each drafted part, or the one `part` names:
    its id, its number (四 or 4, as the label starts), or the start of its label. Changes nothing."""
    qids = [q for q in (_spec(engine.session.form).get("drafts") or {}) if q in engine.flow.by_id
            and engine.is_relevant(q)]
    if part is not None:
        key = part.strip()
        numerals = "一二三四五六七八九十"
        if key.isdigit() and 1 <= int(key) <= len(numerals):
            key = numerals[int(key) - 1]
        chosen = [q for q in qids if q == key or engine.label(q).startswith(key)
                  or engine.label(q).split("、", 1)[-1].startswith(key)]
        if not chosen:
            known = "、".join(engine.label(q) for q in qids)
            raise InputError(f"没有“{part}”这一段。可以起草的有：{known}（可写编号，如 四 或 4）。")
        qids = chosen[:1]
    return [(q, engine.label(q), drafted(engine, q).text) for q in qids]


def draft(engine: Engine, qid: str) -> str:
    """The draft of one narrative question ("" if nothing can be said from the answers yet)."""
    return drafted(engine, qid).text


def remaining_budget(engine: Engine, qid: str) -> int | None:
    """字 left for qid under the declared limits it counts towards (None: no such limit)."""
    lefts = [lim.budget - lim.others for lim in engine.limits(qid)]
    return max(0, min(lefts)) if lefts else None


def _needles(kind: str, value: Any, shown: str) -> list[str]:
    """How a quoted answer shows in text: as printed (a fall also without its sign: 下降 3.50%), each name."""
    if kind == ANSWER:
        return [x for x in (shown, shown[1:] if shown.startswith("-") else "") if x]
    if kind == NAMES:
        return [x for x in value if x]
    if kind == TOTAL:
        return [shown]
    if kind == ROWS and isinstance(value, list):  # a table's cells as a sentence writes them (short words say little)
        cells = {str(v) for row in value if isinstance(row, dict) for v in row.values() if v}
        return sorted({c for cell in cells for c in (cell, prose_text(cell)) if len(c) >= 4}, key=len, reverse=True)
    return []


def _needle_re(needle: str) -> re.Pattern[str]:
    """needle as a whole figure: 3 家 is not inside 163 家, 12.5 not inside 112.50."""
    head = r"(?<![\d.])" if needle[:1].isdigit() else ""
    tail = r"(?![\d])" if needle[-1:].isdigit() else ""
    return re.compile(head + re.escape(needle) + tail)


def _has(text: str, needle: str) -> bool:
    return bool(needle) and needle in text and _needle_re(needle).search(text) is not None


_CONTEXT = 4  # characters before a quoted figure that say which figure it is ("总产值 " 128.60 亿元)


class _Anchor(Struct, frozen=True):
    """Where a quote's figure stands in a drafted sentence: the words just before it (or after, at the start)."""

    before: str
    needle: str
    after: str

    def pattern(self, needle: str | None = None) -> re.Pattern[str]:
        return re.compile(re.escape(self.before) + _needle_re(needle or self.needle).pattern + re.escape(self.after))


def _anchors(q: Quote) -> list[_Anchor]:
    out: list[_Anchor] = []
    if not q.printed:
        return out
    for sentence in q.sentences:
        for needle in _needles(q.kind, q.value, q.shown):
            m = _needle_re(needle).search(sentence)
            if m is not None:
                before = sentence[max(0, m.start() - _CONTEXT):m.start()]
                out.append(_Anchor(before, needle, "" if before else sentence[m.end():m.end() + 2]))
                break
    return out


def _present(q: Quote, text: str) -> bool:
    """The text still says what the draft quoted: one of its sentences as drafted, or the figure with the
    words before it (so a sentence edited elsewhere still counts, and the same number elsewhere does not)."""
    if any(s and s in text for s in q.sentences):
        return True
    return any(a.pattern().search(text) for a in _anchors(q))


def pieces(text: str) -> list[str]:
    """text cut after each 。；！？ and line break; their concatenation is text."""
    return [p for p in _PIECE.findall(text) if p]


# -- figures in the narrative that no longer match -------------------------------------------------
class Flag(Struct, frozen=True):
    """A figure a narrative answer states that the answers no longer say."""

    qid: str  # the narrative question
    source: str  # the answer it names
    rule: str  # STALE (quoted by a draft) or MISMATCH (written by hand)
    old: str  # as the narrative says it
    new: str  # the answer now, as printed ("" when there is none)
    message: str
    brief: str  # a few words for a narrow outline
    span: tuple[int, int] = (0, 0)  # MISMATCH: where the figure is in the text
    change: bool = False  # MISMATCH: the question is a growth rate (said with 增长/下降)
    put: str = ""  # MISMATCH: what replaces the span (the number alone when the written unit is the answer's)


def _narratives(engine: Engine) -> Iterator[tuple[Question, str]]:
    for q in engine.flow.questions:
        if not of(q).narrative or not engine.is_relevant(q.id):
            continue
        text = engine.session.answers.get(q.id)
        if isinstance(text, str) and text.strip() and text != NONE_TEXT:
            yield q, text


def _short(engine: Engine, qid: str) -> str:
    """A label without its bracketed unit or explanation at the end (the figure beside it says the unit)."""
    return re.sub(r"\s*[（(][^（）()]*[）)]\s*$", "", engine.label(qid)) or engine.label(qid)


def _arrow(old: str, new: str, sep: str = "→") -> str:
    """Two figures side by side, the unit said once when they share it: 128.60→97.00 亿元."""
    a, b = re.match(r"^([-+]?[\d.,]+)(.*)$", old), re.match(r"^([-+]?[\d.,]+)(.*)$", new)
    if a and b and a[2] == b[2]:
        return f"{a[1]}{sep}{b[1]}{a[2]}"
    return f"{old}{sep}{new}"


def _cut(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _stale(engine: Engine, qid: str, text: str, v: Values | _Now) -> list[tuple[Quote, tuple[Any, str] | None]]:
    """The quotes of qid whose answer changed while the text still says the old one (one per answer)."""
    out: list[tuple[Quote, tuple[Any, str] | None]] = []
    done: set[tuple[str, str]] = set()
    fresh: list[str] | None = None
    for quote in engine.session.quotes.get(qid) or []:
        if quote.source not in engine.flow.by_id or (quote.kind, quote.source) in done:
            continue
        now = v.seen(quote.kind, quote.source)
        if now is not None and same_figure(now[0], quote.value):
            continue
        if not quote.printed and quote.kind == ANSWER:  # read only to choose the words: stale if they change
            fresh = drafted(engine, qid).sentences if fresh is None else fresh
            if not _words_change(engine, qid, text, quote, fresh):
                continue
        if _present(quote, text):
            out.append((quote, now))
            done.add((quote.kind, quote.source))
    return out


def _bare(sentence: str) -> str:
    """A sentence without its item number and end mark (一是……； and 三是……。 are the same item)."""
    return _ORDINAL.sub("", sentence).strip().rstrip("；。;.")


def _words_change(engine: Engine, qid: str, text: str, quote: Quote, fresh: list[str]) -> bool:
    """Whether a figure read only to choose the words changes them: a sentence it was read in is gone from the
    draft now, or the draft now has a sentence (an item added: 集群规模偏小…) the adopted text never had."""
    now = {_bare(s) for s in fresh}
    if any(_bare(s) not in now for s in quote.sentences):
        return True
    known = {_bare(s) for q in engine.session.quotes.get(qid) or [] for s in q.sentences}
    return any(b and b not in known and b not in text for b in map(_bare, fresh))


def _stale_flag(engine: Engine, qid: str, quote: Quote, now: tuple[Any, str] | None) -> Flag:
    where, what = engine.label(qid), _short(engine, quote.source)
    old = _cut(quote.shown) if quote.kind != ROWS else ""
    new = _cut(now[1]) if now is not None and quote.kind != ROWS else ""
    fix = f"在“{where}”输入“起草”可只改写这几句，或直接修改。"
    if quote.kind == ROWS:
        message = f"“{where}”根据“{what}”起草，这张表后来改动过：{fix}"
        brief = f"{what}已改动"
    elif now is None:
        message = f"“{where}”引用的“{what}”是 {old}，现在这一项没有答案：{fix}"
        brief = f"{_cut(old, 16)}→无（{what}）"
    else:
        message = f"“{where}”引用的“{what}”是 {old}，现在的答案是 {new}：{fix}"
        brief = f"{_arrow(_cut(old, 16), _cut(new, 16))}（{what}）"
    return Flag(qid, quote.source, STALE, old, new, message, brief)


def flags(engine: Engine) -> list[Flag]:
    """Every figure a narrative answer states that the answers no longer say."""
    out: list[Flag] = []
    v = _Now(engine)
    for q, text in _narratives(engine):
        stale_sources: set[str] = set()
        if engine.session.quotes.get(q.id):
            for quote, now in _stale(engine, q.id, text, v):
                out.append(_stale_flag(engine, q.id, quote, now))
                stale_sources.add(quote.source)
        out += [f for f in _mismatches(engine, q.id, text) if f.source not in stale_sources]
    return out


def narrative_findings(engine: Engine) -> list[Finding]:
    """flags as the check's warnings, on the narrative question, about the answer it names."""
    return [Finding(WARNING, f.qid, engine.flow[f.qid].section, f.message, f.rule, about=(f.source,), brief=f.brief)
            for f in flags(engine)]


def _phrases(form: str, year: int) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    return package(form).memo(("draft_phrases", year), lambda: _new_phrases(form, year))


def _new_phrases(form: str, year: int) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """(pattern of every phrase, phrase → question): the drafts file's `figures` and each numeric question's
    printed label without its bracketed unit. A phrase two questions share names neither (never guessed)."""
    flow = load_flow(form)
    named: dict[str, set[str]] = {}
    for q in flow.questions:
        if of(q).numeric:
            label = re.sub(r"\s*[（(][^（）()]*[）)]\s*$", "", fill(q.label, year)).strip()
            label = re.sub(r"^其中[：:]", "", label)
            if len(label) >= 4:
                named.setdefault(label, set()).add(q.id)
    for qid, phrases in (_spec(form).get("figures") or {}).items():
        if qid in flow.by_id:
            for phrase in phrases or []:
                named.setdefault(fill(str(phrase), year), set()).add(qid)
    one = {p: next(iter(ids)) for p, ids in named.items() if len(ids) == 1 and p}
    if not one:
        return None, {}
    alternatives = "|".join(re.escape(p) for p in sorted(one, key=len, reverse=True))
    return re.compile(alternatives), one


def _parse_figure(q: Question, raw: str) -> Any:
    return read_as(q, raw).value


def _mismatches(engine: Engine, qid: str, text: str) -> list[Flag]:
    """Figures written after a phrase naming an answer ("总产值 128.60 亿元") that differ from the answer.
    Only exact figures of this report's year are compared: an approximate one (约、多、以上), another year's
    (2022 年…, 上年…) or one that cannot be read is left alone."""
    pattern, names = _phrases(engine.session.form, engine.year)
    if pattern is None:
        return []
    out: list[Flag] = []
    for m in pattern.finditer(text):
        source = names[m.group()]
        q = engine.flow.filled(engine.flow[source], engine.year)
        start, end = m.span()
        before = text[start - 1] if start else ""
        if before and "\u4e00" <= before <= "\u9fff" and before not in _BEFORE_OK:
            continue  # inside a longer word
        sentence_start = max(text.rfind(ch, 0, start) for ch in _ENDS + "\n") + 1
        head = text[sentence_start:start]
        years = _YEAR.findall(text[text.rfind("\n", 0, start) + 1:start])  # the paragraph's year so far
        if (years and int(years[-1]) != engine.year) or any(w in head[-6:] for w in _OTHER_TIME) \
                or any(w in head[-8:] for w in _TARGET):
            continue
        link = re.match(_LINK, text[end:])
        pos = link_end = end + (link.end() if link else 0)
        word = next((w for w in _CHANGE if text.startswith(w, pos)), "")
        if word and not q.change:
            continue  # 总产值增长 10 亿元: a change, not the figure
        if word:
            gap_after_word = re.match(r"\s*", text[pos + len(word):])
            pos += len(word) + (gap_after_word.end() if gap_after_word else 0)
        if text.startswith((*APPROX_PREFIXES, *NOT_EXACT_WORDS), pos):
            continue
        num = _NUMBER.match(text, pos)
        if num is None:
            continue
        run = _UNIT_RUN.match(text, num.end())
        unit = run.group(1) if run else ""
        gap = run.group(0)[: len(run.group(0)) - len(unit)] if run else ""
        value, k = None, 0
        for k in range(len(unit), -1, -1):
            try:
                value = _parse_figure(q, word + num.group(1) + unit[:k])
            except InputError:
                continue
            after = unit[k:] + text[num.end() + len(gap) + len(unit):num.end() + len(gap) + len(unit) + 4]
            if after.startswith((*APPROX_SUFFIXES, *NOT_EXACT_WORDS)) or any(
                    w in unit[:k] for w in APPROX_SUFFIXES):
                value = None
            break
        if value is None or (of(q).sign == "%" and "%" not in unit[:k] and -1 < (_number(value) or 0) < 1):
            continue
        figure_end = num.end() + (len(gap) + k if k else 0)
        now = engine.value(source)
        a, b = _number(value), _number(now)
        if a is None or b is None or a == b:
            continue
        said = text[start:figure_end].strip()
        new = engine.shown(source)
        what = _short(engine, source)
        try:  # written in the answer's own unit (326 家): only the number changes, the words stay
            same_unit = _number(_parse_figure(q, num.group(1))) == a
        except InputError:
            same_unit = False
        span, put = ((num.start(), num.end()), engine.shown(source, unit=False)) if same_unit else \
            ((link_end, figure_end), new)
        out.append(Flag(qid, source, MISMATCH, said, new,
                        f"“{engine.label(qid)}”中写的“{_cut(said)}”与“{what}”的答案 {new} 不一致，请核对："
                        f"在“{engine.label(qid)}”输入“起草”可按答案改写，或直接修改。",
                        f"{_arrow(text[num.start():figure_end].strip(), new, '≠')}（{_cut(m.group(), 12)}）", span,
                        bool(q.change), put))
    return out


# -- keeping the record, and redrawing -----------------------------------------------------------
def offer(engine: Engine, qid: str, quotes: list[Quote]) -> None:
    """A draft shown for qid: what it quotes joins the record (kept at the next store if the text uses it)."""
    merged = merge(engine.session.quotes.get(qid) or [], quotes)
    if merged:
        engine.session.quotes[qid] = merged


def keep_quotes(engine: Engine, qid: str) -> None:
    """After qid's text is stored: keep the quotes it still uses; a figure the operator corrected by hand
    to the answer now is recorded as that answer (so a later change is noticed too)."""
    record = engine.session.quotes.get(qid)
    if not record:
        return
    text = engine.session.answers.get(qid)
    if not isinstance(text, str) or text == NONE_TEXT:
        engine.session.quotes.pop(qid, None)
        return
    v = _Now(engine)
    kept: list[Quote] = []
    for q in record:
        if _present(q, text):
            kept.append(q)
            continue
        now = v.seen(q.kind, q.source)
        if q.kind == ANSWER and now is not None and not same_figure(now[0], q.value):
            moved = _moved(q, now, text)
            if moved is not None:
                kept.append(moved)
    if kept:
        engine.session.quotes[qid] = merge(kept)
    else:
        engine.session.quotes.pop(qid, None)


class Redraw(Struct):
    text: str  # the answer with the flagged sentences redrawn
    changes: list[tuple[str, str]]  # (sentence as it was, as it would be; "" when it goes)
    manual: list[str]  # sentences to be edited by hand: the operator's words, with a figure whose sign changed
    flags: list[Flag]
    quotes: list[Quote]  # what the redrawn sentences quote


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement that is text as it is (re.sub would read backslashes in it)."""

    def put(_m: re.Match[str]) -> str:
        return text

    return put


def _new_needle(q: Quote, now: tuple[Any, str], needle: str) -> str:
    """The answer now, written the way the quote's figure was (without its sign where the words say it)."""
    old, new = _needles(ANSWER, q.value, q.shown), _needles(ANSWER, *now)
    return new[min(old.index(needle), len(new) - 1)] if needle in old and new else now[1]


def _moved(q: Quote, now: tuple[Any, str], text: str) -> Quote | None:
    """The quote as the answer now, when the text says the new figure where the old one stood."""
    for anchor in _anchors(q):
        new = _new_needle(q, now, anchor.needle)
        if anchor.pattern(new).search(text):
            sentences = tuple(_needle_re(anchor.needle).sub(_literal(new), s, count=1) for s in q.sentences)
            return Quote(q.source, ANSWER, now[0], now[1], sentences, True)
    return None


def _rewrite(q: Quote, now: tuple[Any, str], text: str) -> str:
    """text with the quote's old figure replaced by the answer now, where it stands after its words."""
    for anchor in _anchors(q):
        new = _new_needle(q, now, anchor.needle)
        text, n = anchor.pattern().subn(_literal(anchor.before + new + anchor.after), text)
        if n:
            break
    return text


def redraw(engine: Engine, qid: str) -> Redraw | None:
    """Just the sentences of qid's answer whose figures are flagged, drawn again; None when none are."""
    text = engine.session.answers.get(qid)
    found = [f for f in flags(engine) if f.qid == qid]
    if not isinstance(text, str) or not found:
        return None
    v = _Now(engine)
    record = engine.session.quotes.get(qid) or []
    stale = [quote for quote, _now in _stale(engine, qid, text, v)]
    mismatches = [f for f in found if f.rule == MISMATCH]
    fresh = drafted(engine, qid)
    fresh_sources = [{x.source for x in fresh.quotes if s in x.sentences} for s in fresh.sentences]
    used: set[int] = set()
    out: list[str] = []
    changes: list[tuple[str, str]] = []
    manual: list[str] = []
    offset = 0
    standing = [p.strip() for p in pieces(text)]  # a fresh sentence already there is not written twice
    for piece in pieces(text):
        start, end = offset, offset + len(piece)
        offset = end
        core = piece.strip()
        hit = [q for q in stale if core in q.sentences or _present(q, piece)]
        mine = [f for f in mismatches if start <= f.span[0] < end]
        if not hit and not mine:
            out.append(piece)
            continue
        lead, trail = piece[: len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()):]
        as_drafted = [q for q in record if core in q.sentences]
        if hit and as_drafted:  # the draft's own sentence, untouched: drawn again from the answers now
            sources = {q.source for q in as_drafted}
            best = max((i for i in range(len(fresh.sentences)) if i not in used and fresh_sources[i] & sources
                        and (fresh.sentences[i] == core or fresh.sentences[i] not in standing)),
                       key=lambda i: (len(fresh_sources[i] & sources), -i), default=None)
            new = fresh.sentences[best] if best is not None else ""
            if best is not None:
                used.add(best)
            out.append(lead + new + trail if new else ("\n" if "\n" in trail else ""))
            if new != core:  # a sentence quoting the table but none of what changed is drawn the same
                changes.append((core, new))
            continue
        # the operator's own words: the figure is replaced where that keeps the sentence true
        new_piece, by_hand = piece, False
        for f in sorted(mine, key=lambda f: -f.span[0]):
            if f.change or not f.put:
                by_hand = True
                continue
            a, b = f.span[0] - start, f.span[1] - start
            new_piece = new_piece[:a] + f.put + new_piece[b:]
        for q in hit:
            now = v.seen(q.kind, q.source)
            if q.kind != ANSWER or now is None or q.shown.startswith("-") != now[1].startswith("-"):
                by_hand = True
                continue
            new_piece = _rewrite(q, now, new_piece)
        out.append(new_piece)
        if new_piece != piece:
            changes.append((core, new_piece.strip()))
        if by_hand:
            manual.append(core)
    kept = {fresh.sentences[i] for i in used}
    quotes = [Quote(q.source, q.kind, q.value, q.shown, tuple(s for s in q.sentences if s in kept), q.printed)
              for q in fresh.quotes if any(s in kept for s in q.sentences)]
    out, changes = _renumbered(out, changes)
    return Redraw("".join(out), changes, manual, found, quotes)


_ORDINAL = pattern(r"^\s*([一二三四五六七八九十]+)是")


def _renumbered(out: list[str], changes: list[tuple[str, str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """一是……；二是……: when a redraw dropped an item or put another in its place, the items are numbered again
    in order (三是 after 二是, never 五是 after 三是; 一是 starts a list again); each renumbered sentence is
    shown as a change. Text whose items the redraw left in place is not touched."""
    def lead(text: str) -> str | None:
        m = _ORDINAL.match(text)
        return m[1] if m else None

    if not any(new == "" or lead(new) != lead(old) for old, new in changes if lead(old)):
        return out, changes
    result, renamed, expect = [], [], 0
    for piece in out:
        m = _ORDINAL.match(piece)
        if m is not None:
            expect = 1 if m[1] == "一" or expect == 0 else expect + 1
            want = chinese_ordinal(expect)
            if want != m[1]:
                new = piece[:m.start(1)] + want + piece[m.end(1):]
                renamed.append((piece.strip(), new.strip()))
                piece = new
        result.append(piece)
    last = max((i for i, p in enumerate(result) if p.strip()), default=None)
    if last is not None and result[last].rstrip().endswith("；") and _ORDINAL.match(result[last]):
        old = result[last].strip()  # the last item went: the one before it ends the list
        cut = result[last].rfind("；")
        result[last] = result[last][:cut] + "。" + result[last][cut + 1:]
        renamed.append((old, result[last].strip()))
    for old, new in renamed:
        hit = next((i for i, (_a, b) in enumerate(changes) if b == old), None)
        if hit is not None:
            changes[hit] = (changes[hit][0], new)
        else:
            changes.append((old, new))
    return result, changes


# -- the targets table's 完成值 ----------------------------------------------------------------------
def targets_actual(engine: Engine) -> tuple[str, list[Row]] | None:
    """(list id, rows) with the empty 完成值 cells of the fixed rows filled from the answer of the same
    indicator (as the table prints it: two decimals, with units; a fall said by its word, never a sign);
    a cell whose 目标值 is written in another unit is left for the operator. None when nothing would change."""
    spec = _spec(engine.session.form).get("targets_actual") or {}
    qid = spec.get("list")
    if qid not in engine.flow.by_id:
        return None
    q = engine.flow[qid]
    rows = [dict(r) for r in (engine.rows(qid) or q.preset_rows)]
    changed = False
    for row in rows:
        if row.get(spec["into"]):
            continue
        found = _answer_cell(engine, spec, row)
        if found is None:
            continue
        cell = found[1]
        target_col = spec.get("target")
        target = _cell_figure(row.get(target_col) if target_col is not None else None)
        mine = _cell_figure(cell)
        if target is not None and mine is not None and target[2] != mine[2]:
            continue  # the target is in another unit (or is another measure): not this figure's row
        row[spec["into"]] = cell
        changed = True
    return (qid, rows) if changed else None


def _answer_cell(engine: Engine, spec: dict[str, Any], row: dict[str, Any]) -> tuple[str, str] | None:
    """(question, 完成值 as the table prints it) of the answer of a targets row's indicator; None without one."""
    how = (spec.get("rows") or {}).get(row.get(spec["by"]))
    if not how:
        return None
    how = how if isinstance(how, dict) else {"from": how}
    source = how.get("from")
    if source not in engine.flow.by_id or not engine.is_relevant(source):
        return None
    value = engine.value(source)
    num = _number(value)
    if value in (None, "", NONE_TEXT) or num is None:
        return None
    shown = engine.shown(source)
    pattern = how.get("as", "{}")
    if num < 0 and how.get("negative"):
        pattern, shown = how["negative"], shown.lstrip("-")
    elif num < 0 and pattern != "{}":
        return None  # "下降 -1.50%": a word that the sign contradicts is never written
    return source, pattern.format(shown)


TARGET_ACTUAL = "target_actual_mismatch"
# (unit, unit written in the table): how many of the first make one of the second
_SCALE = {("万元", "亿元"): Decimal(10000), ("吨", "万吨"): Decimal(10000), ("亿元", "万元"): Decimal("0.0001"),
          ("万吨", "吨"): Decimal("0.0001")}
_OPPOSITE = {"上升": "下降", "下降": "上升", "增长": "下降"}


def targets_findings(engine: Engine) -> list[Finding]:
    """A 完成值 of the targets table that says another figure than the answer of the same indicator (the reviewer
    reads both): compared only when both are one figure with the same words, or 上升/下降, and the same or a
    convertible unit (亿元/万元, 万吨/吨), at the precision the operator wrote; anything else is not compared."""
    spec = _spec(engine.session.form).get("targets_actual") or {}
    qid = spec.get("list")
    if qid not in engine.flow.by_id or not engine.is_relevant(qid):
        return []
    rows = engine.value(qid)
    if not isinstance(rows, list):
        return []
    out = []
    for row in rows:
        written = row.get(spec["into"]) if isinstance(row, dict) else None
        theirs = _cell_figure(written)
        found = _answer_cell(engine, spec, row) if theirs is not None else None
        if found is None or theirs is None:
            continue
        source, cell = found
        mine = _cell_figure(cell)
        if mine is None:
            continue
        word, num, unit = mine
        if word != theirs[0] and _OPPOSITE.get(word) == theirs[0]:
            word, num = theirs[0], -num  # 上升1.50% is 下降-1.50%
        if word != theirs[0]:
            continue
        if unit != theirs[2]:
            scale = _SCALE.get((unit, theirs[2]))
            if scale is None:
                continue  # another measure (下降2.1% for an emission in 吨): not this figure
            num, unit = num / scale, theirs[2]
        exponent = theirs[1].as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0  # as precise as the operator wrote
        if num.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) == theirs[1]:
            continue
        out.append(Finding(WARNING, qid, engine.flow[qid].section,
                           f"“{engine.label(qid)}”中“{row.get(spec['by'])}”的完成值（{prose_text(written)}）与"
                           f"“{engine.label(source)}”的答案（{prose_text(cell)}）不一致，请核对。", TARGET_ACTUAL))
    return out

"""Load a form: logic and metadata from flows/<form>.yaml, wording from prompts/<form>.yaml, both validated.

Which forms exist and where their files are is assistant/form/catalog.py's business (discovered, never listed).
A malformed file raises FlowError naming the file, the question and what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from msgspec import Struct, field
from msgspec.structs import replace

from assistant.errors import FlowError
from assistant.files.yamlio import line_of, read_yaml
from assistant.form.expr import Expression, ExpressionError, compile_expr, environment
from assistant.form.sandbox import check_string
from assistant.form.types import TYPES, of
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = ["Flow", "FlowError", "FormMeta", "Question", "Rule", "Section", "fill", "load_flow_file"]
# msgspec Structs at run time (a start-up from the compiled-flow cache defines them and imports no pydantic);
# a flow read from YAML is validated by pydantic against dataclass twins of them (_checked_as), extra keys refused.
_STRICT = {"extra": "forbid"}


class Option(Struct):
    id: str
    label: str = ""
    aliases: list[str] = field(default_factory=list)


class Column(Struct):
    id: str
    type: str = "text"  # a question type that may be a column (assistant/form/types/)
    required: bool = True
    options: list[Option] = field(default_factory=list)
    min: float | None = None
    max: float | None = None
    printed: bool = True  # false: kept in the answers (where a figure came from) but not drawn in the document
    # wording
    label: str = ""
    aliases: list[str] = field(default_factory=list)
    hint: str = ""


class Question(Struct):
    id: str
    type: str  # a name in the registry of question types (assistant/form/types/), checked at load
    section: str = ""
    required: bool = True
    relevant: str | None = None
    not_applicable: str | None = None  # when true, the item is recorded as 不适用
    constraint: str | None = None
    constraint_message: str = ""
    calculate: str | None = None
    evidence: list[str] = field(default_factory=list)  # [numerator, denominator] of `calculate`
    # With `calculate`: the computed value is offered, and the operator accepts it or types the
    # figure with its basis (the form's row and the inputs differ in scope). See assistant/form/override.py.
    override: bool = False
    printed: bool = True  # false: asked (e.g. to judge a warning) but the form has no row for it
    asked: bool = True  # false: filled from elsewhere (the district's table from its clusters' reports), never asked
    unit: str = ""
    places: int = 2
    min: float | None = None
    max: float | None = None  # min/max: no report can hold a figure outside (refused from any source)
    min_exclusive: bool = False
    # What a real report holds: a figure outside is asked to be confirmed when typed, said when read
    # from a file, and a warning in the check (a unit slip: 万元 typed as 亿元).
    plausible_min: float | None = None
    plausible_max: float | None = None
    # A percent that is a change: "growth" (下降 3% is -3) or "reduction" (the form asks how much it fell:
    # 下降 3% is 3, 上升 1% is -1). None: a level (a share, a rate), where 下降/增长 words are refused.
    change: Literal["growth", "reduction"] | None = None
    max_chars: int | None = None
    options: list[Option] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    rows: list[Option] = field(default_factory=list)
    cols: list[Option] = field(default_factory=list)
    preset_rows: list[dict[str, Any]] = field(default_factory=list)
    min_rows: int = 0
    list_id: str | None = None  # `list:` in YAML: the attached list this count must match
    # wording, merged from prompts/
    label: str = ""
    ask: str = ""
    hint: str = ""
    help: list[str] = field(default_factory=list)
    note: str = ""
    formula: str = ""
    corner: str = ""
    context: str = ""  # tells apart labels the form prints twice (the same words under two parts)
    name: str = ""  # what lists and messages call it when the printed label says little on its own (a bare date line)

    @property
    def calculated(self) -> bool:
        """Computed and never asked (an `override` question is computed, but asked)."""
        return self.calculate is not None and not self.override

    @property
    def computes(self) -> bool:
        """Has a formula, whether or not the operator may override it."""
        return self.calculate is not None

    def option(self, oid: str) -> Option | None:
        return next((o for o in self.options if o.id == oid), None)

    def column(self, cid: str) -> Column | None:
        return next((c for c in self.columns if c.id == cid), None)


class Section(Struct):
    id: str
    questions: list[Question]
    title: str = ""
    intro: str = ""


class Fix(Struct):
    """One likely fix offered when a blocking rule holds a question (exactly one action)."""

    label: str  # a message template, like Rule.message
    set: dict[str, str] = field(default_factory=dict)  # question id -> expression for its new value
    goto: str | None = None  # open this question
    edit: bool = False  # open again the question just answered
    keep: bool = False  # leave the finding for 检查 and move on


class Criterion(Struct):
    """A rule that is a designation condition: whose condition, its column heading, its wording."""

    by: str  # whose reference value, e.g. 国家级集群认定参考值（…2022 年版）
    label: str  # short heading for an overview column
    text: str  # the condition as the rule-maker words it
    unmet: str = "未达到参考值"  # how the overview and the district roll-up say a report falls short of it
    kind: str = "参考"  # what the overview's column heading calls it (a reference value, a veto item)


class Rule(Struct):
    id: str
    questions: list[str]
    message: str
    assert_: str = ""  # `assert:` in YAML; a rule with `budget` instead needs none
    severity: Literal["blocking", "warning"] = "blocking"
    fixes: list[Fix] = field(default_factory=list)
    # A declared limit: the questions' texts together hold at most `budget` 字 (counted as the
    # editor counts). The engine exposes it as a limit of each of those questions (Engine.limits);
    # `counter` is how the live count names the total (e.g. 六段合计); the message may use
    # {{ used }} and {{ budget }}.
    budget: int | None = None
    counter: str = ""
    criterion: Criterion | None = None  # a designation condition (the commission's overview flags it)


class FormMeta(Struct):
    """What the form is called and how its files are named: the `form:` block of the flow file."""

    id: str
    key: str = ""  # the short name typed after --form (default: the id)
    title: str = ""  # as printed; {year} and {question id} placeholders (see title_blanks)
    title_blanks: dict[str, str] = field(default_factory=dict)  # {question id} in the title until answered
    short_name: str = ""  # how lists and dialogs name this form
    attachment: str = ""  # 附件N on the notice
    sample: str = ""  # examples/<file>: sample answers (filing demo)
    # Export file name: {question id}, {year}, {title} (the session's), {form_title}; `{a|b|text}`
    # takes the first that is not empty, the last may be plain text.
    file_name: str = "{form_title}_{year}"
    edition: str = ""  # the notice this edition of the form came with, named to the user on `new`
    due: DueDay | None = None  # the report on year Y is due by this day of Y + 1: new reports default to it


class DueDay(Struct):
    month: int
    day: int


class FlowFile(Struct):
    form: FormMeta
    default_year: int
    sections: list[Section]
    schema_version: int = 1
    rules: list[Rule] = field(default_factory=list)


def _ids_to_options(v: Any) -> Any:
    """`options: [yes, no]` is shorthand for option records with only an id."""
    return [{"id": o} if isinstance(o, str) else o for o in v] if isinstance(v, list) else v


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """YAML spellings -> field names (`list` -> list_id, `assert` -> assert_, option shorthand, `form: id`)."""
    if isinstance(data.get("form"), str):
        data["form"] = {"id": data["form"]}
    for sec in data.get("sections") or []:
        if not isinstance(sec, dict):
            continue
        for q in sec.get("questions") or []:
            if not isinstance(q, dict):
                continue
            q.setdefault("section", sec.get("id", ""))
            if "list" in q:
                q["list_id"] = q.pop("list")
            for key in ("options", "rows", "cols"):
                if key in q:
                    q[key] = _ids_to_options(q[key])
            for col in q.get("columns") or []:
                if isinstance(col, dict) and "options" in col:
                    col["options"] = _ids_to_options(col["options"])
    for rule in data.get("rules") or []:
        if isinstance(rule, dict) and "assert" in rule:
            rule["assert_"] = rule.pop("assert")
    return data


@cache
def _checked_as() -> Any:
    """pydantic's validator of a flow file, on dataclass twins of the Structs above (built on a cache miss only):
    the same fields, names, defaults and types (a nested Struct's twin in its place), so its errors name the
    file's keys."""
    import dataclasses
    import typing

    ns: dict[str, Any] = dict(globals())
    for cls in (Option, Column, Question, Section, Fix, Criterion, Rule, DueDay, FormMeta, FlowFile):
        hints = typing.get_type_hints(cls, globalns=ns)  # names of the twins made so far resolve to them
        specs = []
        for f in msgspec.structs.fields(cls):
            if f.default is not msgspec.NODEFAULT:
                spec = dataclasses.field(default=f.default)
            elif f.default_factory is not msgspec.NODEFAULT:
                spec = dataclasses.field(default_factory=f.default_factory)
            else:
                spec = dataclasses.field()
            specs.append((f.name, hints[f.name], spec))
        ns[cls.__name__] = dataclasses.make_dataclass(
            cls.__name__, specs, kw_only=True, namespace={"__pydantic_config__": _STRICT})
    from pydantic import TypeAdapter

    return TypeAdapter(ns["FlowFile"])  # building it costs ~0.1 s: once per process


def _validate(path: Path, data: dict[str, Any]) -> FlowFile:
    from pydantic import ValidationError

    try:
        checked: object = _checked_as().validate_python(_normalise(data))
    except ValidationError as exc:
        raise _pydantic_problem(path, data, exc) from None
    return msgspec.convert(checked, FlowFile, from_attributes=True)


class Flow:
    """A validated form: ordered sections and questions with their wording and compiled conditions."""

    def __init__(self, spec: FlowFile, source: Path):
        meta = spec.form
        self.meta = meta
        self.form = meta.id
        self.key = meta.key or meta.id
        self.schema_version = spec.schema_version
        self.default_year = spec.default_year  # the edition's own year (its sample, `questions --form`)
        self.edition: str = meta.edition
        self.due = meta.due
        if self.due is not None:
            try:
                date(2001, self.due.month, self.due.day)  # not a leap year: 2月29日 is no due day
            except ValueError:
                raise FlowError(f"{source}: form.due 不是一个日期：{self.due.month} 月 {self.due.day} 日") from None
        self.sections = spec.sections
        self.rules = spec.rules
        self.source = source
        self.title: str = meta.title
        # {question id} in the title: the answer, or until answered this blank ("XX区")
        self.title_blanks: dict[str, str] = dict(meta.title_blanks)
        self.attachment: str = meta.attachment
        self.short_name: str = meta.short_name or meta.id
        self.questions: list[Question] = [q for s in self.sections for q in s.questions]
        self.by_id: dict[str, Question] = {q.id: q for q in self.questions}
        self.index: dict[str, int] = {q.id: i for i, q in enumerate(self.questions)}
        self.section_of: dict[str, Section] = {q.id: s for s in self.sections for q in s.questions}
        self.exprs: dict[tuple[str, str], Expression] = {}
        self._filled: dict[tuple[str, int], Question] = {}

    def year_due(self, today: date | None = None) -> int:
        """The year whose report is due next: until the due day (4月10日) the year before, then this one.
        A form without a due day keeps its own year."""
        if self.due is None:
            return self.default_year
        today = today or date.today()
        return today.year - 1 if (today.month, today.day) <= (self.due.month, self.due.day) else today.year

    def edition_note(self) -> str:
        """Which edition of the form a new report uses, and that a newer notice may change it."""
        if not self.edition:
            return ""
        return (f"表格按{self.edition}通知所附的版本。如果市经济信息化委发布了新的通知，表格可能有变化，"
                "请核对；新版表单可用 --forms 文件夹加载（见 `filing forms`）。")

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_filled": {}}  # a per-run cache, not part of the compiled form

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({"_filled": {}, **state})

    def __getitem__(self, qid: str) -> Question:
        return self.by_id[qid]

    def __contains__(self, qid: object) -> bool:
        return qid in self.by_id

    def section(self, sid: str) -> Section:
        return next(s for s in self.sections if s.id == sid)

    def expr(self, qid: str, kind: str) -> Expression | None:
        return self.exprs.get((qid, kind))

    def describe(self) -> str:
        """How the form is called in lists and help: its short name and attachment number."""
        return f"{self.short_name}（{self.attachment}）" if self.attachment else self.short_name

    def filled(self, q: Question, year: int) -> Question:
        """q with {year} put into its own labels and those of its options, rows and columns, for the
        parser's messages: the form's wording is filled before any typed text joins it, never after."""
        key = (q.id, year)
        hit = self._filled.get(key)
        if hit is None:
            def opts(xs: list[Option]) -> list[Option]:
                return [replace(o, label=fill(o.label, year)) for o in xs]

            hit = self._filled[key] = replace(
                q, label=fill(q.label, year), options=opts(q.options), rows=opts(q.rows), cols=opts(q.cols),
                columns=[replace(c, label=fill(c.label, year), options=opts(c.options)) for c in q.columns])
        return hit

    def where(self, rule_id: str, key: str) -> str:
        """A rule's template in the form's files, as a refusal names it."""
        return f"{self.source} 的规则 {rule_id}（{key}）"

    def limits_of(self, qid: str) -> list[Rule]:
        """The declared 字 limits (rules with `budget`) this question counts towards."""
        return [r for r in self.rules if r.budget is not None and qid in r.questions]

    def form_title(self, year: int, value: Callable[[str], object] | None = None) -> str:
        """The title as printed: the year, and each {question id} by its answer on one line."""
        answers = {qid: (value(qid) if value else None) for qid in self.title_blanks}
        return fill(self.title, year, **{qid: " ".join(str(v).split()) if v else self.title_blanks[qid]
                                         for qid, v in answers.items()})


_PLACEHOLDER = pattern(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(text: str, year: int, **extra: object) -> str:
    """Put the report year into a form's label: {year}, {next_year}, {prev_year} (and `extra` names).

    Only a bare {name} that is known is replaced, and the values are inserted as they are: no format
    specs, no attribute lookups, so text that reaches here is never run as a format string."""
    if "{" not in text:
        return text
    values = {"year": year, "next_year": year + 1, "prev_year": year - 1, **extra}

    def one(m: re.Match[str]) -> str:
        v = values.get(m.group(1))
        return m.group(0) if v is None else str(v)

    return _PLACEHOLDER.sub(one, text)


_MESSAGES = {
    "extra_forbidden": "不认识的键（是否拼写错误？）",
    "unexpected_keyword_argument": "不认识的键（是否拼写错误？）",
    "missing_argument": "缺少必填的键",
    "missing": "缺少必填的键",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "float_type": "应为数字",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "model_attributes_type": "应为映射（键: 值）",
    "none_required": "应留空",
    "bool_parsing": "应为 true 或 false",
}


def problem_message(err: ErrorDetails) -> str:
    """A pydantic error said in Chinese (the file and key are said by the caller)."""
    kind = err["type"]
    if kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", ""))
        return "应为 true 或 false" if expected == "True or False" else f"应为以下之一：{expected}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return "不认识的写法"
    return _MESSAGES.get(kind, str(err["msg"]))


def _pydantic_problem(path: Path, data: Any, exc: Any) -> FlowError:
    err = exc.errors()[0]
    loc = err["loc"]
    where = ""
    # Walk the location to name the question the problem is in.
    node: Any = data
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "id" in node and "type" in node:
            where = f"问题 {node['id']}"
    in_file = tuple({"list_id": "list", "assert_": "assert"}.get(p, p) if isinstance(p, str) else p for p in loc)
    field = ".".join(str(p) for p in in_file)
    line = line_of(path, in_file)
    at = f"第 {line} 行，" if line else ""
    return FlowError(f"{path}: {at}{where or '顶层'}：字段 {field}：{problem_message(err)}")


def _merge_wording(q: Question, w: dict[str, Any], path: Path) -> None:
    for key in ("label", "ask", "hint", "note", "formula", "corner", "context", "name"):
        if key in w:
            setattr(q, key, str(w[key]))
    q.help = list(w.get("help") or [])
    for opt in q.options:
        ow = (w.get("options") or {}).get(opt.id) or {}
        opt.label, opt.aliases = ow.get("label", ""), list(ow.get("aliases") or [])
    for key, opts in (("rows", q.rows), ("cols", q.cols)):
        for opt in opts:  # a label, or {label, aliases} where typed answers may name the row another way
            ow = (w.get(key) or {}).get(opt.id, "")
            ow = ow if isinstance(ow, dict) else {"label": ow}
            opt.label, opt.aliases = str(ow.get("label", "")), [str(a) for a in ow.get("aliases") or []]
    for col in q.columns:
        cw = (w.get("columns") or {}).get(col.id) or {}
        col.label, col.aliases, col.hint = cw.get("label", ""), list(cw.get("aliases") or []), cw.get("hint", "")
        for opt in col.options:
            ow = (cw.get("options") or {}).get(opt.id) or {}
            opt.label, opt.aliases = ow.get("label", ""), list(ow.get("aliases") or [])


def missing_wording(flow: Flow) -> list[str]:
    """Every place a question, option, column or section lacks its words (a test keeps this empty)."""
    gaps: list[str] = []
    for s in flow.sections:
        if not s.title:
            gaps.append(f"section {s.id}: title")
    for q in flow.questions:
        for key in ("label", "ask", "hint"):
            if not getattr(q, key).strip():
                gaps.append(f"{q.id}: {key}")
        for o in [*q.options, *q.rows, *q.cols]:
            if not o.label:
                gaps.append(f"{q.id}.{o.id}: label")
        for c in q.columns:
            if not c.label:
                gaps.append(f"{q.id}.{c.id}: label")
            gaps.extend(f"{q.id}.{c.id}.{o.id}: label" for o in c.options if not o.label)
    return gaps


def _check(flow: Flow, path: Path) -> None:
    known = set(flow.by_id) | {"value", "year", "true", "false", "none", "True", "False", "None"}
    seen: set[str] = set()
    for s in flow.sections:
        if s.id in seen:
            raise FlowError(f"{path}: 部分 id “{s.id}” 重复")
        seen.add(s.id)
    seen = set()
    for q in flow.questions:
        if q.id in seen:
            raise FlowError(f"{path}: 问题 {q.id}：id 重复")
        seen.add(q.id)
        qtype = TYPES.get(q.type)
        if qtype is None:
            raise FlowError(f"{path}: 问题 {q.id}：字段 type：没有“{q.type}”这种题型（可用：{'、'.join(TYPES)}）")
        wrong = qtype.spec_problem(q) or next(
            (f"名单的列 {c.id} 的 type 不能是“{c.type}”（可用：{'、'.join(n for n, t in TYPES.items() if t.column)}）"
             for c in q.columns if c.type not in TYPES or not TYPES[c.type].column), "")
        if wrong:
            raise FlowError(f"{path}: 问题 {q.id}：{wrong}")
        if q.list_id and (q.list_id not in flow.by_id or not of(flow.by_id[q.list_id]).is_list):
            raise FlowError(f"{path}: 问题 {q.id}：list 指向的 “{q.list_id}” 不是本表中的名单题")
        numeric = qtype.bounded
        bounds = [b for b in (q.min, q.plausible_min, q.plausible_max, q.max) if b is not None]
        if (q.plausible_min is not None or q.plausible_max is not None) and not numeric:
            raise FlowError(f"{path}: 问题 {q.id}：plausible_min / plausible_max 只用于数字题")
        if bounds != sorted(bounds):
            raise FlowError(f"{path}: 问题 {q.id}：应有 min ≤ plausible_min ≤ plausible_max ≤ max")
        if q.override and not (q.calculate and len(q.evidence) == 2):
            raise FlowError(f"{path}: 问题 {q.id}：override 需要 calculate 和两项 evidence（分子、分母）")
        for ref in q.evidence:
            if ref not in flow.by_id:
                raise FlowError(f"{path}: 问题 {q.id}：evidence 引用了不存在的问题 “{ref}”")
        for kind in ("relevant", "not_applicable", "constraint", "calculate"):
            src = getattr(q, kind)
            if src is None:
                continue
            try:
                ex = compile_expr(src)
            except ExpressionError as exc:
                raise FlowError(f"{path}: 问题 {q.id}：{kind}：{exc}") from None
            unknown = ex.names - known
            if unknown:
                raise FlowError(f"{path}: 问题 {q.id}：{kind} 引用了不存在的问题 {', '.join(sorted(unknown))}")
            if kind in ("relevant", "not_applicable", "calculate"):
                later = [n for n in ex.names if n in flow.index and flow.index[n] >= flow.index[q.id]]
                if later:
                    raise FlowError(f"{path}: 问题 {q.id}：{kind} 只能引用它之前的问题，不能引用 {', '.join(later)}")
            flow.exprs[(q.id, kind)] = ex
    for r in flow.rules:
        if bool(r.assert_) == (r.budget is not None):
            raise FlowError(f"{path}: 规则 {r.id}：应且只应有 assert（条件）或 budget（字数上限）之一")
        missing: set[str] = set(r.questions) - set(flow.by_id)
        if r.assert_:
            try:
                ex = compile_expr(r.assert_)
            except ExpressionError as exc:
                raise FlowError(f"{path}: 规则 {r.id}：{exc}") from None
            missing |= ex.names - known
            flow.exprs[(r.id, "rule")] = ex
        if missing:
            raise FlowError(f"{path}: 规则 {r.id} 引用了不存在的问题 {', '.join(sorted(missing))}")
        if r.budget is not None:
            if r.budget <= 0 or not r.questions:
                raise FlowError(f"{path}: 规则 {r.id}：budget 应是正整数，并列出计入的 questions")
            not_prose = [q for q in r.questions if not of(flow.by_id[q]).prose]
            if not_prose:
                raise FlowError(f"{path}: 规则 {r.id}：字数上限只能用于文字题，{', '.join(not_prose)} 不是")
        _check_templates(flow, r)
        for i, fx in enumerate(r.fixes):
            if (bool(fx.set) + (fx.goto is not None) + fx.edit + fx.keep) != 1:
                raise FlowError(f"{path}: 规则 {r.id}：fixes 第 {i + 1} 项应且只应有 set、goto、edit、keep 之一")
            targets = set(fx.set) | ({fx.goto} if fx.goto else set())
            if targets - set(flow.by_id):
                raise FlowError(f"{path}: 规则 {r.id}：fixes 引用了不存在的问题 {', '.join(sorted(targets - set(flow.by_id)))}")
            for qid, src in fx.set.items():
                try:
                    fex = compile_expr(src)
                except ExpressionError as exc:
                    raise FlowError(f"{path}: 规则 {r.id}：fixes set {qid}：{exc}") from None
                if fex.names - known:
                    raise FlowError(f"{path}: 规则 {r.id}：fixes 引用了不存在的问题 {', '.join(sorted(fex.names - known))}")
                flow.exprs[(r.id, f"fix:{i}:{qid}")] = fex


def _check_templates(flow: Flow, rule: Rule) -> None:
    """A rule's message and its fixes' labels compile, and stay within the sandbox's bounds when
    rendered without answers (raises TemplateRefused, a FlowError naming the file and the key)."""
    check_string(environment(), rule.message, where=flow.where(rule.id, "message"))
    for i, fx in enumerate(rule.fixes):
        check_string(environment(), fx.label, where=flow.where(rule.id, f"fixes 第 {i + 1} 项的 label"))


def load_flow_file(path: Path, prompts_path: Path | None = None) -> Flow:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise FlowError(f"{path}: 顶层应是一个映射（form、sections、rules）")
    spec = _validate(path, data)
    prompts_path = prompts_path or path.parent.parent / "prompts" / path.name
    wording = read_yaml(prompts_path) if prompts_path.exists() else {}
    if not isinstance(wording, dict):
        raise FlowError(f"{prompts_path}: 顶层应是一个映射")
    flow = Flow(spec, path)
    for s in flow.sections:
        sw = (wording.get("sections") or {}).get(s.id) or {}
        s.title, s.intro = sw.get("title", ""), sw.get("intro", "")
    qwords = wording.get("questions") or {}
    unknown = set(flow.title_blanks) - set(flow.by_id)
    if unknown:
        raise FlowError(f"{path}: form.title_blanks 里的题目不存在：{', '.join(sorted(unknown))}")
    extra = set(qwords) - set(flow.by_id)
    if extra:
        raise FlowError(f"{prompts_path}: 为不存在的问题写了措辞：{', '.join(sorted(extra))}")
    for q in flow.questions:
        _merge_wording(q, qwords.get(q.id) or {}, prompts_path)
    _check(flow, path)
    return flow



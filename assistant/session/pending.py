"""What waits for the person before anything else (session.pending): one typed kind each, serialised here.

    confirm     a reading shown back (3,200 → 3200.00 万元): 是 records it, 否 asks again
    ambiguous   "answer or command?": 1 keeps the text as the answer, 2 runs the command
    choose      a blocking finding's fixes, a draft to adopt, a list about to be cleared: numbered choices
    proposals   figures from enterprise data: 全部 | 1 3 5 | 保留 2 原因：… | 取消

msgspec Structs, tagged by `kind` (the choices by `do`): read from a session document strictly (unknown keys
and wrong types refused), then each kind checks what it names against the form (`problem`). Sessions saved
before these kinds were typed are converted by session/store.py's migration (v3 → v4).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from msgspec import Struct, field

from assistant.errors import InputError
from assistant.form.shapes import JsonObject
from assistant.form.validate import stored_problem
from assistant.session.evidence import MAX_FILES, enterprise_data_problem, evidence_problem
from assistant.text.patterns import LazyPattern, pattern

if TYPE_CHECKING:
    from assistant.form.flow import Flow, Question

_SHA = pattern(r"[0-9a-f]{64}")
MAX_SUSPECTS = 200_000


# -- the choices of "choose" ---------------------------------------------------------------------
class _Choice(Struct, kw_only=True, forbid_unknown_fields=True, tag_field="do"):
    label: str
    words: list[str] = field(default_factory=list)  # typed instead of the number (是, 否, 采用 …)

    @property
    def do(self) -> str:
        """What choosing it does: its tag ("set", "store", "goto", "keep", "redraft"), "do" in the JSON."""
        return str(self.__struct_config__.tag)


class SetFix(_Choice, tag="set"):
    """The form's fix: these answers set (as the person would type them), then on."""
    values: dict[str, str | int | float]


class Store(_Choice, tag="store"):
    """This value stored as the question's answer (a draft adopted, a list cleared)."""
    value: Any
    said: str = ""  # what the reply says once stored


class Goto(_Choice, tag="goto"):
    """Back to a question to change it (discard_draft: the editor's unsubmitted text goes too)."""
    qid: str
    discard_draft: bool = False
    said: str = ""  # what the reply says on arrival (default: 请修改)


class Keep(_Choice, tag="keep"):
    """Keep things as they are for now; the finding stays in 检查."""


class Redraft(_Choice, tag="redraft"):
    """Draft the whole narrative again."""


Choice = SetFix | Store | Goto | Keep | Redraft


# -- a proposal batch ------------------------------------------------------------------------------
class ProposalItem(Struct, kw_only=True, forbid_unknown_fields=True):
    """One figure computed from enterprise data, beside the current answer."""
    qid: str
    value: Any
    shown: str = ""
    current: str = ""  # the current answer as shown ("" = not answered)
    same: bool
    previous_import: str = ""
    evidence: dict[str, Any]
    partial: bool = False  # a total from part of the cluster's enterprises


class Suspect(Struct, kw_only=True, forbid_unknown_fields=True):
    """A row left out as doubtful (计入 A confirms it)."""
    place: str
    why: str
    key: tuple[str, int]  # (the file's SHA-256, the sheet row)
    confirmed: bool


# -- the kinds ---------------------------------------------------------------------------------------
class _Kind(Struct, kw_only=True, forbid_unknown_fields=True, tag_field="kind"):
    @property
    def kind(self) -> str:
        """Its tag ("confirm", "ambiguous", "choose", "proposals"), "kind" in the JSON."""
        return str(self.__struct_config__.tag)


class Confirm(_Kind, tag="confirm"):
    qid: str
    value: Any


class Ambiguous(_Kind, tag="ambiguous"):
    qid: str
    text: str  # what was typed
    via: Literal["term", "jump", "enterprises"]  # the command it could also be
    target: str  # the term id, the question, or the typed line


class Choose(_Kind, tag="choose"):
    qid: str
    prompt: str
    choices: list[Choice]


class Proposals(_Kind, tag="proposals"):
    qid: str | None  # where the interview stood
    prompt: str
    items: list[ProposalItem]
    summary: dict[str, Any] | None = None  # the files, N and codes: kept as enterprise_data once applied
    paths: list[str] = field(default_factory=list)  # read again when a row left out is counted in
    suspects: list[Suspect] = field(default_factory=list)

    def left_out(self) -> list[Suspect]:
        """The rows still left out, in the order they are lettered (A, B, …)."""
        return [x for x in self.suspects if not x.confirmed]


Pending = Confirm | Ambiguous | Choose | Proposals


# -- one place in and out ---------------------------------------------------------------------------
def to_json(p: Pending | None) -> JsonObject | None:
    out: JsonObject | None = None if p is None else msgspec.to_builtins(p)
    return out


def from_json(data: object, flow: Flow | None = None) -> Pending | None:
    """The typed pending of a session document; InputError (in Chinese) for a wrong shape, or with `flow`,
    for anything that does not fit the form (a question it has not, a value of the wrong type)."""
    if data is None:
        return None
    try:
        # strictly: unknown keys refused, no "1" for 1; the kinds and choices are told apart by their tags
        p: Pending = msgspec.convert(data, Pending, strict=True)
    except msgspec.ValidationError as exc:
        what, _, where = str(exc).partition(" - at `$")
        raise InputError(f"待确认的内容形状不对（{where.rstrip('`').lstrip('.')[:80] or '整体'}：{_said(what)}）") from None
    if flow is not None:
        why = problem(p, flow)
        if why:
            raise InputError(f"待确认的内容与表单中的问题不符：{why}")
    return p


_KINDS = {"str": "文字", "int": "整数", "float": "数字", "bool": " true 或 false", "object": "映射（键: 值）",
          "array": "列表", "null": "空值"}
_WHAT: tuple[tuple[LazyPattern, Callable[[re.Match[str]], str]], ...] = (
    (pattern(r"Expected `(\w+)[^`]*`, got `(\w+)`"), lambda m: f"应为{_KINDS.get(m[1], m[1])}，实为{_KINDS.get(m[2], m[2])}"),
    (pattern(r"Object contains unknown field `([^`]{0,40})"), lambda m: f"多出了不认识的键 {m[1]}"),
    (pattern(r"Object missing required field `([^`]{0,40})"), lambda m: f"缺少键 {m[1]}"),
    (pattern(r"Invalid value '([^']{0,40})"), lambda m: f"不认识的种类 {m[1]}"),
)


def _said(what: str) -> str:
    """msgspec's reason in Chinese (the shapes a session file can get wrong)."""
    for shape, say in _WHAT:
        m = shape.match(what)
        if m:
            return say(m)
    return "写法不对"


def _asked(flow: Flow, qid: str | None) -> Question | None:
    q = flow.by_id.get(qid) if isinstance(qid, str) else None
    return None if q is None or q.calculated else q


def problem(p: Pending, flow: Flow) -> str | None:
    """What in `p` does not fit the form, or None."""
    if isinstance(p, Proposals):
        return _proposals_problem(p, flow)
    q = _asked(flow, p.qid)
    if q is None:
        return f"没有可填写的问题 {p.qid[:40]}"
    if isinstance(p, Confirm):
        return stored_problem(q, p.value)
    if isinstance(p, Choose):
        for c in p.choices:
            if isinstance(c, Goto) and c.qid not in flow.by_id:
                return f"没有问题 {c.qid[:40]}"
            if isinstance(c, SetFix) and any(k not in flow.by_id for k in c.values):
                return "修改选项指向表单中没有的问题"
            if isinstance(c, Store) and stored_problem(q, c.value):
                return stored_problem(q, c.value)
    return None


def _proposals_problem(p: Proposals, flow: Flow) -> str | None:
    for it in p.items:
        if it.qid not in flow.by_id:
            return f"没有问题 {it.qid[:40]}"
        why = stored_problem(flow[it.qid], it.value) or evidence_problem(it.evidence)
        if why:
            return why
    if len(p.paths) > MAX_FILES or any(len(x) > 4096 for x in p.paths):
        return "文件路径太多或太长"
    if len(p.suspects) > MAX_SUSPECTS:
        return "暂不计入的行太多"
    for x in p.suspects:
        if not (_SHA.fullmatch(x.key[0]) and 0 <= x.key[1] <= 10**9 and len(x.place) <= 1100 and len(x.why) <= 4000):
            return "暂不计入的行记录有误"
    return enterprise_data_problem(p.summary)

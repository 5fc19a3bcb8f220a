"""What waits for the person before anything else (session.pending): one typed kind each, serialised here.

    confirm     a reading shown back (3,200 → 3200.00 万元): 是 records it, 否 asks again
    ambiguous   "answer or command?": 1 keeps the text as the answer, 2 runs the command
    choose      a blocking finding's fixes, a draft to adopt, a list about to be cleared: numbered choices
    proposals   figures from enterprise data: 全部 | 1 3 5 | 保留 2 原因：… | 取消

Plain dataclasses at run time; pydantic checks their shape (strictly, unknown keys refused) only when a
session is read from disk, so a start-up never imports it unless something waits. Each kind then checks what
it names against the form (`problem`). Sessions saved before these kinds were typed are converted by
session/store.py's migration (v3 → v4).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from assistant.errors import InputError
from assistant.form.shapes import JsonObject
from assistant.form.validate import stored_problem
from assistant.session.evidence import MAX_FILES, enterprise_data_problem, evidence_problem
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.form.flow import Flow, Question

_STRICT = {"extra": "forbid", "strict": True}
_SHA = pattern(r"[0-9a-f]{64}")
MAX_SUSPECTS = 200_000


# -- the choices of "choose" ---------------------------------------------------------------------
@dataclass(kw_only=True)
class _Choice:
    label: str
    words: list[str] = field(default_factory=list)  # typed instead of the number (是, 否, 采用 …)


@dataclass(kw_only=True)
class SetFix(_Choice):
    """The form's fix: these answers set (as the person would type them), then on."""
    __pydantic_config__ = _STRICT
    values: dict[str, str | int | float]
    do: Literal["set"] = "set"


@dataclass(kw_only=True)
class Store(_Choice):
    """This value stored as the question's answer (a draft adopted, a list cleared)."""
    __pydantic_config__ = _STRICT
    value: Any
    said: str = ""  # what the reply says once stored
    do: Literal["store"] = "store"


@dataclass(kw_only=True)
class Goto(_Choice):
    """Back to a question to change it (discard_draft: the editor's unsubmitted text goes too)."""
    __pydantic_config__ = _STRICT
    qid: str
    discard_draft: bool = False
    said: str = ""  # what the reply says on arrival (default: 请修改)
    do: Literal["goto"] = "goto"


@dataclass(kw_only=True)
class Keep(_Choice):
    """Keep things as they are for now; the finding stays in 检查."""
    __pydantic_config__ = _STRICT
    do: Literal["keep"] = "keep"


@dataclass(kw_only=True)
class Redraft(_Choice):
    """Draft the whole narrative again."""
    __pydantic_config__ = _STRICT
    do: Literal["redraft"] = "redraft"


Choice = SetFix | Store | Goto | Keep | Redraft


# -- a proposal batch ------------------------------------------------------------------------------
@dataclass(kw_only=True)
class ProposalItem:
    """One figure computed from enterprise data, beside the current answer."""
    __pydantic_config__ = _STRICT
    qid: str
    value: Any
    shown: str = ""
    current: str = ""  # the current answer as shown ("" = not answered)
    same: bool
    previous_import: str = ""
    evidence: dict[str, Any]
    partial: bool = False  # a total from part of the cluster's enterprises


@dataclass(kw_only=True)
class Suspect:
    """A row left out as doubtful (计入 A confirms it)."""
    __pydantic_config__ = _STRICT
    place: str
    why: str
    key: tuple[str, int]  # (the file's SHA-256, the sheet row)
    confirmed: bool


# -- the kinds ---------------------------------------------------------------------------------------
@dataclass(kw_only=True)
class Confirm:
    __pydantic_config__ = _STRICT
    qid: str
    value: Any
    kind: Literal["confirm"] = "confirm"


@dataclass(kw_only=True)
class Ambiguous:
    __pydantic_config__ = _STRICT
    qid: str
    text: str  # what was typed
    via: Literal["term", "jump", "enterprises"]  # the command it could also be
    target: str  # the term id, the question, or the typed line
    kind: Literal["ambiguous"] = "ambiguous"


@dataclass(kw_only=True)
class Choose:
    __pydantic_config__ = _STRICT
    qid: str
    prompt: str
    choices: list[Choice]
    kind: Literal["choose"] = "choose"


@dataclass(kw_only=True)
class Proposals:
    __pydantic_config__ = _STRICT
    qid: str | None  # where the interview stood
    prompt: str
    items: list[ProposalItem]
    summary: dict[str, Any] | None = None  # the files, N and codes: kept as enterprise_data once applied
    paths: list[str] = field(default_factory=list)  # read again when a row left out is counted in
    suspects: list[Suspect] = field(default_factory=list)
    kind: Literal["proposals"] = "proposals"

    def left_out(self) -> list[Suspect]:
        """The rows still left out, in the order they are lettered (A, B, …)."""
        return [x for x in self.suspects if not x.confirmed]


Pending = Confirm | Ambiguous | Choose | Proposals


# -- one place in and out ---------------------------------------------------------------------------
def to_json(p: Pending | None) -> JsonObject | None:
    return None if p is None else dataclasses.asdict(p)


@cache
def _adapter() -> Any:
    from typing import Annotated

    from pydantic import Field, TypeAdapter

    # the choices are told apart by their `do` tag (a plain union: no pydantic at import time)
    return TypeAdapter(Annotated[Pending, Field(discriminator="kind")] | None)


def from_json(data: object, flow: Flow | None = None) -> Pending | None:
    """The typed pending of a session document; InputError (in Chinese) for a wrong shape, or with `flow`,
    for anything that does not fit the form (a question it has not, a value of the wrong type)."""
    if data is None:
        return None
    from pydantic import ValidationError

    try:
        p: Pending | None = _adapter().validate_json(json.dumps(data, ensure_ascii=False))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise InputError(f"待确认的内容形状不对（{where[:80] or '整体'}：{err['type']}）") from None
    if p is not None and flow is not None:
        why = problem(p, flow)
        if why:
            raise InputError(f"待确认的内容与表单中的问题不符：{why}")
    return p


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

"""A session document and a JSON report's envelope from a file: every field's shape and type checked on load."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypedDict, TypeGuard

from assistant.errors import InputError
from assistant.form.catalog import load_flow
from assistant.form.flow import Flow
from assistant.form.shapes import JsonObject, JsonValue, Stored
from assistant.form.validate import (
    FORM_ID,
    UnknownForm,
    check_form,
    check_text,
    check_year,
    form_id,
    kind_of,
    known_forms,
    shown,
    stored_problem,
)
from assistant.session import pending as waiting
from assistant.session.evidence import EvidenceRecord, check_session_parts
from assistant.session.quotes import quotes_from_json
from assistant.text.patterns import pattern

_SESSION_ID = pattern(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
MAX_DEPTH = 16  # a session document is at most five levels deep; anything deeper is damage


class _SessionKeys(TypedDict):
    id: str
    form: str
    year: int


class SessionDocument(_SessionKeys, total=False):
    """A session document as check_session passed it (the fields store.Session reads; None: absent)."""
    schema_version: int
    title: str | None
    created: str | None
    updated: str | None
    cursor: str | None
    answers: dict[str, Stored] | None  # answers to questions the form no longer has are kept as they were
    transcript: list[JsonObject] | None
    pending: JsonObject | None  # read by pending.from_json
    drafts: dict[str, JsonValue] | None
    evidence: dict[str, EvidenceRecord] | None
    carried: list[str] | None
    prior: list[JsonObject] | None
    enterprise_data: JsonObject | None
    quotes: JsonValue  # read by quotes.quotes_from_json


# -- whole documents -----------------------------------------------------------------------------
def raw_needs_walk(raw: bytes) -> bool:
    """Whether JSON text may hold what only _walk catches: a surrogate escape, NaN or Infinity."""
    return any(token in raw for token in (b"\\ud", b"\\uD", b"NaN", b"Infinity"))


def _walk(value: Any, where: str) -> None:
    """Every string encodable, every number finite, no deeper than MAX_DEPTH (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(f"{where}含有无法保存的字符（孤立的代理项）") from None
        elif isinstance(v, float):
            if not math.isfinite(v):
                raise InputError(f"{where}含有非有限的数字 {v}")
        elif isinstance(v, (list, dict)):
            if depth >= MAX_DEPTH:
                raise InputError(f"{where}嵌套层数过深")
            items = v.values() if isinstance(v, dict) else v
            if isinstance(v, dict):
                stack.extend((k, depth + 1) for k in v)
            stack.extend((x, depth + 1) for x in items)


def _need(data: Mapping[str, object], key: str, ok: Callable[[object], bool], what: str) -> Any:
    v = data.get(key)
    if not ok(v):
        raise InputError(f"字段 {key} 应是{what}，实际是{kind_of(v)}")
    return v


def _opt_str(v: object) -> bool:
    return v is None or isinstance(v, str)


def check_session(data: Mapping[str, object], *, strings: bool = True, load: Callable[[str], Flow] | None = None) -> None:
    """Raise InputError (the reason, in Chinese) for anything a session document must not hold.

    Answers to questions the form no longer has are kept as they are (an edited form must not
    make old sessions unreadable); every answer to a question it has must have that question's type.
    strings=False skips the walk over every string and number: store.load passes it when the raw
    file has no surrogate escape and no NaN/Infinity (JSON text decoded as UTF-8 holds no other
    unencodable text), which saves most of the time on a session with a 10 000-row list.
    """
    if load is None:
        load = load_flow
    if strings:
        for key, value in data.items():
            _walk(key, "")
            _walk(value, f"字段 {shown(key)} ")
    _need(data, "id", lambda v: isinstance(v, str) and bool(_SESSION_ID.fullmatch(v)), "会话编号（字母和数字）")
    form = form_id(data.get("form"))
    if form is None:
        raw_form = data.get("form")
        if isinstance(raw_form, str) and FORM_ID.fullmatch(raw_form):
            raise UnknownForm(raw_form)  # well formed: its forms folder is not given, the file is not damaged
        raise InputError(f"表单“{shown(raw_form)}”不是已知的表单（可选：{'、'.join(known_forms())}）")
    try:
        check_year(data.get("year"))
    except InputError as exc:
        raise InputError(str(exc).rstrip("。")) from None
    for key in ("title", "created", "updated", "cursor"):
        _need(data, key, _opt_str, "文字")
    answers = _need(data, "answers", lambda v: v is None or isinstance(v, dict), "“问题编号 → 答案”的映射") or {}
    flow = load(form)
    for qid, value in answers.items():
        q = flow.by_id.get(qid)
        if q is None or q.calculated:
            _walk(value, f"答案 {shown(qid)} ")  # kept as it is: only bounded and saveable
            continue
        why = stored_problem(q, value)
        if why:
            raise InputError(f"答案 {shown(qid)}（{q.label or q.id}）{why}")
    transcript = _need(data, "transcript", lambda v: v is None or isinstance(v, list), "对话记录（列表）") or []
    for n, m in enumerate(transcript, 1):
        if not isinstance(m, dict) or not isinstance(m.get("role"), str) or not isinstance(m.get("text"), str):
            raise InputError(f"对话记录第 {n} 条应含有 role 和 text 两项文字，实际是{kind_of(m)}")
        if any(isinstance(v, (list, dict)) for v in m.values()):
            raise InputError(f"对话记录第 {n} 条含有嵌套的数据")
    pending = _need(data, "pending", lambda v: v is None or isinstance(v, dict), "待确认的值（映射）")
    waiting.from_json(pending, flow)  # its kind's shape, and what it names is in the form
    drafts = _need(data, "drafts", lambda v: v is None or isinstance(v, dict), "草稿（映射）") or {}
    for qid, draft in drafts.items():
        ok = isinstance(draft, str) or (isinstance(draft, list) and all(
            isinstance(r, list) and all(c is None or isinstance(c, (str, int, float)) for c in r) for r in draft))
        if not ok:
            raise InputError(f"草稿 {shown(qid)} 应是文字或表格行，实际是{kind_of(draft)}")
    check_session_parts(data, flow)  # evidence of figures from enterprise data, carried items, last years
    quotes_from_json(data.get("quotes"))  # what the drafts quoted: typed, or the session is damaged


def checked_session(data: Mapping[str, object], *, strings: bool = True) -> TypeGuard[SessionDocument]:
    """check_session as a narrowing: True when data is a session document, else InputError (the reason)."""
    check_session(data, strings=strings)
    return True


def check_report(data: Mapping[str, object], current_version: int) -> tuple[str, int, str]:
    """A JSON report's header fields: (form id, year, title); raises InputError naming the field."""
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InputError(f"格式版本 schema_version 应是整数 {current_version}，收到的是{kind_of(version)}。")
    if version > current_version:
        raise InputError(f"这个文件由更新版本的助手导出（格式版本 {version}），请先升级本程序。")
    form = check_form(data.get("form"))
    try:
        year = check_year(data.get("year"))
    except InputError as exc:
        raise InputError(f"year：{exc}") from None
    title = data.get("title")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise InputError(f"标题 title 应是文字，收到的是{kind_of(title)}。")
    try:
        check_text(title)
    except InputError as exc:
        raise InputError(f"标题 title {exc}") from None
    if not isinstance(data.get("answers"), dict):
        raise InputError(f"answers 应是“问题编号 → 答案”的映射，收到的是{kind_of(data.get('answers'))}。")
    return form, year, title

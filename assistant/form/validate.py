"""Shape checks for values that arrive from files: answer files, JSON reports, session documents.

parse.py reads what a person types; this module decides first whether a value from a file is
something parse() may read at all (no list for a text, no NaN, no null), and afterwards whether a
stored value has exactly the canonical form parse.py documents. Every refusal raises InputError
with a Chinese reason; callers add the question's id and label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from assistant.form.flow import Column, Flow, Question
from assistant.form.parse import NONE_TEXT, InputError
from assistant.interview.computed import BASIS_MAX, COMPUTED, TYPED

YEAR_MIN, YEAR_MAX = 2000, 2100
MAX_INT = 10**15  # larger than any count on a form; keeps every integer far below Python's int-string limit
MAX_NUMBER_CHARS = 200  # a number, date, phone, code or option typed longer than this is not one
MAX_ROWS = 200_000
MAX_ERRORS = 20  # one screenful of reasons; the rest are summarised
MAX_DEPTH = 16  # a session document is at most five levels deep; anything deeper is damage
_FORM_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SESSION_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
_DECIMAL = re.compile(r"-?\d{1,20}(\.\d{1,6})?")
_ONE_LINE = ("text", "phone", "uscc")
_NUMERIC = ("integer", "decimal", "percent")
_STR_TYPES = ("text", "longtext", "phone", "uscc", "choice")
_TYPE_WORDS = {
    "text": "一段文字", "longtext": "一段文字", "integer": "一个整数", "decimal": "一个数字", "percent": "一个百分比",
    "yesno": "“是”或“否”", "choice": "一个选项", "date": "一个日期", "phone": "一个电话号码",
    "uscc": "统一社会信用代码", "list": "若干行名单", "matrix": "各行各列的数量",
}


# -- small helpers ------------------------------------------------------------------------------
def shown(value: Any, limit: int = 40) -> str:
    """Any value as printable text for a message: unencodable characters escaped, long text cut."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "…"


def kind_of(value: Any) -> str:
    """What a file gave, in words."""
    if value is None:
        return "空值（null）"
    if isinstance(value, bool):
        return f"“{str(value).lower()}”（是/否值）"
    if isinstance(value, (int, float)):
        return f"数字（{shown(value)}）"
    if isinstance(value, str):
        return f"文字“{shown(value)}”"
    if isinstance(value, (list, tuple)):
        return f"列表（{len(value)} 项）"
    if isinstance(value, dict):
        return "映射（键值对）"
    if isinstance(value, (bytes, bytearray)):
        return "二进制数据（!!binary）"
    if isinstance(value, datetime):
        return f"日期时间（{value.isoformat()}）"
    if isinstance(value, date):
        return f"日期（{value.isoformat()}）"
    return f"无法识别的值（{type(value).__name__}）"


def check_text(text: str) -> None:
    """Refuse text that cannot be saved as UTF-8 (a lone surrogate from a JSON escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"含有无法保存的字符（U+{ord(text[exc.start]):04X}，第 {exc.start + 1} 个字符），"
                         "请删去后重试。") from None


def check_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputError(f"年度应是一个整数年份，例如 2023（收到的是{kind_of(year)}）。")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InputError(f"年度 {year} 不像填报年度：应在 {YEAR_MIN}–{YEAR_MAX} 之间。")
    return year


class UnknownForm(InputError):
    """A session of a form none of the forms folders holds (str(): the form id)."""


def known_forms() -> list[str]:
    """Form ids are the names of the flow files (a form is data, never a path), discovered by assistant/form/catalog.py."""
    from assistant.form.catalog import form_ids

    return [fid for fid in form_ids() if _FORM_ID.fullmatch(fid)]


def form_id(value: Any) -> str | None:
    """The form id for a form id or its short name; None for anything else (paths included)."""
    if not isinstance(value, str) or not _FORM_ID.fullmatch(value):
        return None
    if value in known_forms():
        return value
    from assistant.errors import FlowError
    from assistant.form.catalog import resolve

    try:
        return resolve(value)
    except FlowError:
        return None


def check_form(value: Any) -> str:
    name = form_id(value)
    if value is None:
        raise InputError(f"缺少表单编号 form（可选：{'、'.join(known_forms())}）。")
    if name is None:
        raise InputError(f"表单“{shown(value)}”不是已知的表单（可选：{'、'.join(known_forms())}）。")
    return name


# -- raw values from a file, before parse() ----------------------------------------------------
def _scalar_cell(where: str, col: Column, v: Any) -> Any:
    if v is None:
        return None  # an empty cell: parse_cell decides whether the column may be empty
    if isinstance(v, str):
        check_text(v)
        return v
    if isinstance(v, bool):
        raise InputError(f"{where}“{col.label or col.id}”：{kind_of(v)}不能作为本列的值。")
    if isinstance(v, int):
        if abs(v) > MAX_INT:
            raise InputError(f"{where}“{col.label or col.id}”：数字位数太多（{len(str(abs(v)))} 位）。")
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise InputError(f"{where}“{col.label or col.id}”：{shown(v)} 不是有限的数字。")
        return v
    if isinstance(v, date) and not isinstance(v, datetime):
        return v.isoformat()
    raise InputError(f"{where}“{col.label or col.id}”应是一个值，收到的是{kind_of(v)}。")


def _raw_rows(q: Question, raw: Any, strict: bool) -> Any:
    if isinstance(raw, str):
        if strict:
            raise InputError("名单应是若干行（JSON 数组，每行一个对象），收到的是一段文字。")
        check_text(raw)
        return raw
    if not isinstance(raw, (list, tuple)):
        raise InputError(f"名单应是若干行，收到的是{kind_of(raw)}。")
    if len(raw) > MAX_ROWS:
        raise InputError(f"名单最多 {MAX_ROWS} 行，收到 {len(raw)} 行。")
    by_id = {c.id: c for c in q.columns}
    rows: list[Any] = []
    for n, row in enumerate(raw, 1):
        where = f"第 {n} 行"
        if isinstance(row, dict):
            cells: dict[str, Any] = {}
            for k, v in row.items():
                if not isinstance(k, str):
                    raise InputError(f"{where}：列名应是文字，收到的是{kind_of(k)}。")
                if type(v) is str and k in by_id:  # the common case, kept fast for a 10 000-row list
                    check_text(v)
                    cells[k] = v
                    continue
                check_text(k)
                cells[k] = _scalar_cell(where, by_id.get(k) or Column(id=k, label=k), v)
            rows.append(cells)
        elif isinstance(row, (list, tuple)):
            cols = list(q.columns) + [Column(id=str(i), label=f"第 {i} 列") for i in range(len(q.columns) + 1, len(row) + 1)]
            rows.append([_scalar_cell(where, c, v) for c, v in zip(cols, row, strict=False)])
        else:
            raise InputError(f"{where}应是一行各列的值，收到的是{kind_of(row)}。")
    return rows


def _raw_matrix(q: Question, raw: Any, strict: bool) -> Any:
    if isinstance(raw, str):
        if strict:
            raise InputError("应是“行 → 列 → 数量”的映射（JSON 对象），收到的是一段文字。")
        check_text(raw)
        return raw
    if not isinstance(raw, dict):
        raise InputError(f"应是“行 → 列 → 数量”的映射，收到的是{kind_of(raw)}。")
    cell = Column(id="n", label="数量", type="integer")
    out: dict[str, Any] = {}
    for rk, cols in raw.items():
        if not isinstance(rk, (str, int)) or isinstance(rk, bool) or not isinstance(cols, dict):
            raise InputError(f"“{shown(rk)}”一行应是“列 → 数量”的映射，收到的是{kind_of(cols)}。")
        check_text(str(rk))
        row: dict[str, Any] = {}
        for ck, v in cols.items():
            if not isinstance(ck, (str, int)) or isinstance(ck, bool):
                raise InputError(f"“{shown(rk)}”一行的列名应是文字，收到的是{kind_of(ck)}。")
            check_text(str(ck))
            if v is None:
                raise InputError(f"“{shown(rk)}·{shown(ck)}”：空值（null）不是数量；没有请填 0。")
            row[str(ck)] = _scalar_cell(f"“{shown(rk)}”一行", cell, v)
        out[str(rk)] = row
    return out


def check_raw(q: Question, raw: Any, *, strict: bool = False) -> Any:
    """Refuse what parse() must never read for q; return the value to hand to parse().

    strict (JSON reports, the exchange format): lists and matrices must be given as structures,
    not as typed text.
    """
    if raw is None:
        raise InputError("空值（null）不是回答：未填写的题请从文件中删去；确无相关情况请填写“无”。")
    if q.type == "list":
        return _raw_rows(q, raw, strict)
    if q.type == "matrix":
        return _raw_matrix(q, raw, strict)
    if q.override and isinstance(raw, dict):  # the stored form, from a JSON report; parse_override checks keys
        for v in raw.values():
            if isinstance(v, str):
                check_text(v)
        return raw
    want = _TYPE_WORDS.get(q.type, "一个值")
    if isinstance(raw, str):
        check_text(raw)
        if q.type not in ("text", "longtext") and len(raw) > MAX_NUMBER_CHARS:
            raise InputError(f"内容太长（{len(raw)} 个字符），不像{want}。")
        return raw
    if isinstance(raw, bool):
        if q.type == "yesno":
            return raw
        raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}。")
    if isinstance(raw, int):
        if abs(raw) > MAX_INT:
            raise InputError(f"数字位数太多（{len(str(abs(raw)))} 位），请检查。")
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise InputError(f"{shown(raw)} 不是有限的数字。")
        if q.type in _NUMERIC:
            return raw
        raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}；如确是这样写，请加引号作为文字填写。")
    if isinstance(raw, datetime):
        raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}；请只写日期，例如 2024-04-08。"
                         if q.type == "date" else f"本题应填写{want}，收到的是{kind_of(raw)}。")
    if isinstance(raw, date):
        return raw.isoformat()
    raise InputError(f"本题应填写{want}，收到的是{kind_of(raw)}。")


# -- stored values: exactly the canonical forms of parse.py ------------------------------------
def _stored_scalar(t: str, value: Any, option_ids: set[str], fresh: bool) -> str | None:
    """None when value is a valid stored form for type t, else the reason."""
    if t in ("text", "longtext", "phone", "uscc", "choice", "date"):
        if not isinstance(value, str):
            return f"应是文字，实际是{kind_of(value)}"
        if t == "date" and value:
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"“{shown(value)}”不是日期"
        if fresh and t == "choice" and value not in option_ids:
            return f"“{shown(value)}”不是可选项"
        if fresh and t in _ONE_LINE and ("\n" in value or "\r" in value):
            return "本题只填一行，内容里不能有换行"
        return None
    if t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"应是整数，实际是{kind_of(value)}"
        return f"数值太大（{len(str(abs(value)))} 位）" if abs(value) > MAX_INT else None
    if t in ("decimal", "percent"):
        if not isinstance(value, str) or not (value == NONE_TEXT or _DECIMAL.fullmatch(value)):
            return f"应是数字，实际是{kind_of(value)}"
        return None
    if t == "yesno":
        return None if isinstance(value, bool) else f"应是“是”或“否”，实际是{kind_of(value)}"
    return f"未知的题型 {t}"


def stored_problem(q: Question, value: Any, *, fresh: bool = False) -> str | None:
    """Why value is not a valid stored answer for q (None when it is).

    fresh: the value is being stored now, so input-only rules apply too (a one-line text has no
    line break, a choice is one of today's options); a saved file is judged by shape alone.
    """
    if q.type == "list":
        if not isinstance(value, list):
            return f"名单应是若干行，实际是{kind_of(value)}"
        cols = {c.id: c for c in q.columns}
        option_ids = {c.id: {o.id for o in c.options} for c in q.columns}
        # Columns where any str will do (a cell of a list may hold a line break; fresh choices are checked).
        plain = {c.id for c in q.columns if c.type in (("text", "longtext") if fresh else _STR_TYPES)}
        for n, row in enumerate(value, 1):
            if not isinstance(row, dict):
                return f"第 {n} 行应是一行各列的值，实际是{kind_of(row)}"
            for cid, cell in row.items():
                if type(cell) is str and (cell == "" or cid in plain):
                    continue  # the common case, kept fast: a 10 000-row list is checked on every load
                col = cols.get(cid)
                if col is None:
                    if fresh:
                        return f"第 {n} 行：没有“{shown(cid)}”这一列"
                    if not isinstance(cell, (str, int, float, bool)) and cell is not None:
                        return f"第 {n} 行“{shown(cid)}”：{kind_of(cell)}"
                    continue
                why = _stored_scalar(col.type, cell, option_ids[cid], fresh and col.type != "text")
                if why:
                    return f"第 {n} 行“{col.label or col.id}”：{why}"
        return None
    if q.type == "matrix":
        if not isinstance(value, dict):
            return f"应是“行 → 列 → 数量”，实际是{kind_of(value)}"
        row_ids, col_ids = {r.id for r in q.rows}, {c.id for c in q.cols}
        for rk, row in value.items():
            if rk not in row_ids or not isinstance(row, dict):
                return f"没有“{shown(rk)}”这一行，或这一行不是“列 → 数量”"
            for ck, n in row.items():
                if ck not in col_ids:
                    return f"没有“{shown(ck)}”这一列"
                if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_INT:
                    return f"“{shown(rk)}·{shown(ck)}”应是不小于 0 的整数，实际是{kind_of(n)}"
        return None
    if q.override and isinstance(value, dict):
        return _stored_override(value)
    return _stored_scalar(q.type, value, {o.id for o in q.options}, fresh)


def _stored_override(value: dict[str, Any]) -> str | None:
    """An override question stores {"source": "computed"} or the typed figure with its basis."""
    source = value.get("source")
    if source == COMPUTED and set(value) == {"source"}:
        return None
    if source == TYPED and set(value) <= {"source", "value", "basis"}:
        figure, basis = value.get("value"), value.get("basis", "")
        if not isinstance(figure, str) or not _DECIMAL.fullmatch(figure):
            return f"填写的数字应是数字，实际是{kind_of(figure)}"
        if not isinstance(basis, str) or len(basis) > BASIS_MAX:
            return f"数据依据应是不超过 {BASIS_MAX} 字的文字，实际是{kind_of(basis)}"
        return None
    return f"应是“采用计算值”或“数字 + 依据”，实际是{kind_of(value)}"


def check_stored(q: Question, value: Any, *, fresh: bool = False) -> None:
    why = stored_problem(q, value, fresh=fresh)
    if why:
        raise InputError(why + "。")


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


def _need(data: dict[str, Any], key: str, ok: Callable[[Any], bool], what: str) -> Any:
    v = data.get(key)
    if not ok(v):
        raise InputError(f"字段 {key} 应是{what}，实际是{kind_of(v)}")
    return v


def _opt_str(v: Any) -> bool:
    return v is None or isinstance(v, str)


def check_session(data: dict[str, Any], *, strings: bool = True, load: Callable[[str], Flow] | None = None) -> None:
    """Raise InputError (the reason, in Chinese) for anything a session document must not hold.

    Answers to questions the form no longer has are kept as they are (an edited form must not
    make old sessions unreadable); every answer to a question it has must have that question's type.
    strings=False skips the walk over every string and number: store.load passes it when the raw
    file has no surrogate escape and no NaN/Infinity (JSON text decoded as UTF-8 holds no other
    unencodable text), which saves most of the time on a session with a 10 000-row list.
    """
    if load is None:
        from assistant.form.flow import load_flow

        load = load_flow
    if strings:
        for key, value in data.items():
            _walk(key, "")
            _walk(value, f"字段 {shown(key)} ")
    _need(data, "id", lambda v: isinstance(v, str) and bool(_SESSION_ID.fullmatch(v)), "会话编号（字母和数字）")
    form = form_id(data.get("form"))
    if form is None:
        raw_form = data.get("form")
        if isinstance(raw_form, str) and _FORM_ID.fullmatch(raw_form):
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
    if pending is not None and not _pending_fits(pending, flow):
        raise InputError("待确认的内容与表单中的问题不符")
    drafts = _need(data, "drafts", lambda v: v is None or isinstance(v, dict), "草稿（映射）") or {}
    for qid, draft in drafts.items():
        ok = isinstance(draft, str) or (isinstance(draft, list) and all(
            isinstance(r, list) and all(c is None or isinstance(c, (str, int, float)) for c in r) for r in draft))
        if not ok:
            raise InputError(f"草稿 {shown(qid)} 应是文字或表格行，实际是{kind_of(draft)}")
    from assistant.interview.enterprises.evidence import check_session_parts
    from assistant.session.quotes import quotes_from_json

    check_session_parts(data, flow)  # evidence of figures from enterprise data, carried items, last years
    quotes_from_json(data.get("quotes"))  # what the drafts quoted: typed, or the session is damaged


def _pending_fits(pending: dict[str, Any], flow: Any) -> bool:
    """What waits for the person: a value to confirm, "answer or command?", or fixes to choose from."""
    if pending.get("kind") == "enterprises":  # enterprises.dialog.KIND: a proposal batch awaiting a choice
        from assistant.interview.enterprises.evidence import pending_fits

        return pending_fits(pending, flow)
    pq = pending.get("qid")
    q = flow.by_id.get(pq) if isinstance(pq, str) else None
    if q is None or q.calculated:
        return False
    kind = pending.get("kind")
    if kind is None:
        return not stored_problem(q, pending.get("value"))
    if kind == "ambiguous":  # chat.AMBIGUOUS
        return all(isinstance(pending.get(k), str) for k in ("text", "via", "target"))
    choices = pending.get("choices")
    if kind != "choose" or not isinstance(pending.get("prompt"), str) or not isinstance(choices, list):
        return False
    for c in choices:
        if not isinstance(c, dict) or not isinstance(c.get("label"), str):
            return False
        goto, sets, store = c.get("goto"), c.get("set"), c.get("store")
        if goto is not None and goto not in flow.by_id:
            return False
        if sets is not None and not (isinstance(sets, dict) and all(
                k in flow.by_id and isinstance(x, (str, int, float)) and not isinstance(x, bool)
                for k, x in sets.items())):
            return False
        if store is not None and stored_problem(q, store):
            return False
        if not isinstance(c.get("said", ""), str):
            return False
        words = c.get("words", [])
        if not (isinstance(words, list) and all(isinstance(w, str) for w in words)):
            return False
    return True


def check_report(data: dict[str, Any], current_version: int) -> tuple[str, int, str]:
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


"""Evidence of figures taken from enterprise data or last year's report, as a session stores it: its shape,
checked on every load and import (the appendix rows are drawn in interview/enterprises/evidence.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict, TypeGuard

from assistant.errors import InputError
from assistant.form.shapes import JsonScalar
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.form.flow import Flow

SOURCES = ("enterprises", "prior")


# -- a stored record, as evidence_problem passes it (keys it allows to be absent are absent) ----------------
class _FigureKeys(TypedDict):
    label: str
    value: str  # a decimal as written


# `from` (where the figure came from) is a Python word: the functional form names it
FigureRecord = TypedDict("FigureRecord", {"unit": str, "n": int, "from": str}, total=False)


class NumberRecord(_FigureKeys, FigureRecord, total=False):  # the numerator or denominator of a figure
    pass


class _FileKeys(TypedDict):
    name: str
    sha256: str


class FileRecord(_FileKeys, total=False):  # a source file, by its SHA-256
    rows: int


class _CoverageKeys(TypedDict):
    kind: Literal["total", "ratio"]
    n: int


class CoverageRecord(_CoverageKeys, total=False):  # the part of the cluster a figure covers
    rows: int
    of: int
    left_out: list[str]
    confirmed: list[str]


class _KeptKeys(TypedDict):
    reason: str


class KeptRecord(_KeptKeys, total=False):  # the operator kept their own figure, for this reason
    value: JsonScalar


class _EvidenceKeys(TypedDict):
    source: Literal["enterprises", "prior"]
    formula: str
    numerator: NumberRecord
    value: str | int


class EvidenceEntry(_EvidenceKeys, total=False):  # an earlier decision on a figure (no history of its own)
    denominator: NumberRecord | None
    n: int
    years: int
    basis: str
    files: list[FileRecord]
    coverage: CoverageRecord
    kept: KeptRecord | None
    at: str


class EvidenceRecord(EvidenceEntry, total=False):  # session.evidence[qid]
    history: list[EvidenceEntry]


REASON_MAX = 200


TEXT_MAX = 500


MAX_FILES = 2000


MAX_PRIOR = 5


MAX_CODES = 200_000


_DEC = pattern(r"-?\d{1,24}(\.\d{1,30})?")


_SHA = pattern(r"[0-9a-f]{64}")


_EV_KEYS = {"source", "formula", "numerator", "denominator", "n", "years", "basis", "files", "value", "kept", "at",
            "coverage", "history"}


_COVERAGE_KEYS = {"kind", "n", "rows", "of", "left_out", "confirmed"}


MAX_HISTORY = 10  # earlier decisions kept with a figure (the JSON export carries them)


MAX_PLACES = 50


_FIG_KEYS = {"label", "value", "unit", "n", "from"}


def _text(v: Any, limit: int = TEXT_MAX) -> bool:
    return isinstance(v, str) and len(v) <= limit


def _count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10**9


def _files_problem(files: Any) -> str | None:
    if not isinstance(files, list) or len(files) > MAX_FILES:
        return "源文件应是文件列表"
    for f in files:
        if not isinstance(f, dict) or not _text(f.get("name"), 1000) or not (
                isinstance(f.get("sha256"), str) and _SHA.fullmatch(f["sha256"])):
            return "源文件应写明文件名和 SHA-256"
        if set(f) - {"name", "sha256", "rows"} or ("rows" in f and not _count(f["rows"])):
            return "源文件的记录含有多余或错误的项"
    return None


def _coverage_problem(cov: Any) -> str | None:
    if not isinstance(cov, dict) or set(cov) - _COVERAGE_KEYS or cov.get("kind") not in ("total", "ratio"):
        return "企业覆盖范围 coverage 应写明种类和企业数"
    if not all(_count(cov[k]) for k in ("n", "rows", "of") if k in cov) or "n" not in cov:
        return "企业覆盖范围中的企业数应是非负整数"
    for k in ("left_out", "confirmed"):
        v = cov.get(k, [])
        if not isinstance(v, list) or len(v) > MAX_PLACES or not all(_text(x, 300) for x in v):
            return "企业覆盖范围中未计入或确认计入的行应是文字列表"
    return None


def evidence_problem(ev: object, nested: bool = False) -> str | None:
    """Why ev is not a stored evidence record (None when it is); nested: an entry of a record's history."""
    if not isinstance(ev, dict):
        return "应是一条计算佐证记录（映射）"
    if "coverage" in ev:
        why = _coverage_problem(ev["coverage"])
        if why:
            return why
    if "history" in ev:
        hist = ev["history"]
        if nested or not isinstance(hist, list) or len(hist) > MAX_HISTORY:
            return f"历史记录 history 应是不超过 {MAX_HISTORY} 条的列表"
        for h in hist:
            why = evidence_problem(h, nested=True)
            if why:
                return f"历史记录：{why}"
    extra = set(ev) - _EV_KEYS
    if extra:
        return f"含有未知的项 {sorted(extra)[0][:20]}"
    if ev.get("source") not in SOURCES:
        return "来源 source 应是 enterprises 或 prior"
    if not _text(ev.get("formula")):
        return "计算公式应是文字"
    for role in ("numerator", "denominator"):
        fig = ev.get(role)
        if fig is None and role == "denominator":
            continue
        if not isinstance(fig, dict) or set(fig) - _FIG_KEYS or not _text(fig.get("label")) or not (
                isinstance(fig.get("value"), str) and _DEC.fullmatch(fig["value"])):
            return f"{'分子' if role == 'numerator' else '分母'}应写明名称和数值"
        if not all(_text(fig[k], 100) for k in ("unit", "from") if k in fig) or ("n" in fig and not _count(fig["n"])):
            return "分子或分母的单位、企业数不对"
    if "basis" in ev and not _text(ev["basis"]):
        return "基数说明 basis 应是文字"
    if "n" in ev and not _count(ev["n"]):
        return "企业数 n 应是非负整数"
    if "years" in ev and not (_count(ev["years"]) and 1 <= ev["years"] <= 20):
        return "年数 years 应是 1–20 的整数"
    if "files" in ev:
        why = _files_problem(ev["files"])
        if why:
            return why
    v = ev.get("value")
    if not (_count(v) or (isinstance(v, str) and _DEC.fullmatch(v))):
        return "计算结果 value 应是数字"
    kept = ev.get("kept")
    if kept is not None and (not isinstance(kept, dict) or set(kept) - {"value", "reason"}
                             or not _text(kept.get("reason"), REASON_MAX) or not kept.get("reason")
                             or isinstance(kept.get("value"), (dict, list))):
        return f"保留原数字的记录应写明原因（不超过 {REASON_MAX} 字）"
    if "at" in ev and not _text(ev["at"], 40):
        return "时间 at 应是文字"
    return None


def is_evidence(ev: object) -> TypeGuard[EvidenceRecord]:
    """Whether ev is a stored evidence record (evidence_problem finds nothing wrong): a narrowing."""
    return evidence_problem(ev) is None


def _figures_problem(d: Any, what: str) -> str | None:
    if not isinstance(d, dict):
        return f"{what}应是映射"
    for k, v in d.items():
        if not _text(k, 64) or not (isinstance(v, str) and _DEC.fullmatch(v)):
            return f"{what}中的 {str(k)[:20]} 应是数字"
    return None


def prior_problem(prior: object) -> str | None:
    if not isinstance(prior, list) or len(prior) > MAX_PRIOR:
        return f"上年数据 prior 应是不超过 {MAX_PRIOR} 年的列表"
    for p in prior:
        if not isinstance(p, dict) or set(p) - {"year", "title", "source", "answers", "measures"}:
            return "上年数据的每一年应写明年度、答案和企业数据汇总"
        if not (isinstance(p.get("year"), int) and not isinstance(p.get("year"), bool) and 2000 <= p["year"] <= 2100):
            return "上年数据的年度应在 2000–2100 之间"
        if not _text(p.get("title", ""), 200) or not isinstance(p.get("answers", {}), dict):
            return "上年数据的标题或答案不对"
        src = p.get("source", {})
        if not isinstance(src, dict) or not all(_text(v, 1000) for v in src.values()):
            return "上年数据的来源应写明文件或会话"
        why = _figures_problem(p.get("measures", {}), "上年企业数据汇总")
        if why:
            return why
    return None


def enterprise_data_problem(d: object) -> str | None:
    if d is None:
        return None
    if not isinstance(d, dict) or set(d) - {"files", "n", "codes", "measures", "at"}:
        return "企业数据导入记录应写明文件、企业数和汇总"
    why = _files_problem(d.get("files", []))
    if why:
        return why
    codes = d.get("codes", [])
    if not isinstance(codes, list) or len(codes) > MAX_CODES or not all(_text(c, 40) for c in codes):
        return "企业数据导入记录的企业代码不对"
    if "n" in d and not _count(d["n"]):
        return "企业数 n 应是非负整数"
    return _figures_problem(d.get("measures", {}), "企业数据汇总")


def check_session_parts(data: Mapping[str, object], flow: Flow) -> None:
    """The session fields this package stores; InputError (the reason) for a wrong shape."""
    ev = data.get("evidence") or {}
    if not isinstance(ev, dict):
        raise InputError("字段 evidence 应是“问题编号 → 计算佐证”的映射")
    for qid, item in ev.items():
        why = evidence_problem(item)
        if why:
            raise InputError(f"计算佐证 {str(qid)[:40]}：{why}")
    carried = data.get("carried") or []
    if not isinstance(carried, list) or not all(_text(c, 64) for c in carried):
        raise InputError("字段 carried 应是问题编号的列表")
    why = prior_problem(data.get("prior") or [])
    if why:
        raise InputError(why)
    why = enterprise_data_problem(data.get("enterprise_data"))
    if why:
        raise InputError(why)


class HoldsEvidence(Protocol):
    """What restore() writes to: a session's evidence (store.py's Session, named here without importing it)."""

    evidence: dict[str, EvidenceRecord]


def restore(session: HoldsEvidence, flow: Flow, items: object) -> list[str]:
    """Evidence entries of an imported JSON report back into the session; the refusals (nothing restored then)."""
    if items is None:
        return []
    if not isinstance(items, dict):
        return ["evidence 应是“问题编号 → 计算佐证”的映射"]
    errors = []
    keep: dict[str, EvidenceRecord] = {}
    for qid, ev in items.items():
        if not isinstance(ev, dict) or ev.get("source") not in SOURCES:
            continue  # a formula of the form itself: recomputed from the answers
        why = evidence_problem(ev)
        if why is None and qid not in flow.by_id:
            why = "没有这个问题编号"
        if why or not is_evidence(ev):  # is_evidence: the check just made, as a narrowing
            errors.append(f"evidence.{str(qid)[:40]}：{why}")
            continue
        keep[qid] = ev
    if not errors:
        session.evidence.update(keep)
    return errors

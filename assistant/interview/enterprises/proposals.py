"""Proposals from enterprise data: what they say, how they are stored while the operator decides, and
applying the chosen ones (all or nothing) with their evidence."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.form.types import of
from assistant.interview.computed import short_label
from assistant.interview.enterprises.aggregate import Coverage, Result, compute
from assistant.interview.enterprises.columns import Spec, load_spec
from assistant.interview.enterprises.reader import DataError, read_rows
from assistant.session.evidence import MAX_HISTORY, EvidenceRecord, is_evidence
from assistant.session.pending import ProposalItem, Proposals, Suspect
from assistant.session.store import now

if TYPE_CHECKING:
    from assistant.interview.engine import Engine

REASON_MAX = 200


def _label(e: Engine, qid: str) -> str:
    return short_label(e.label(qid))


def _shown(e: Engine, it: ProposalItem) -> str:
    return f"{len(it.value)} 行" if of(e.flow[it.qid]).is_list else str(it.shown)


def spec_for(engine: Engine) -> Spec:
    spec = load_spec(engine.session.form)
    if spec is None:
        raise DataError([f"《{engine.form_title()}》没有企业数据采集表，无法用企业数据计算"])
    return spec


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A workbook becomes hundreds of thousands of short-lived, acyclic objects (a cell each): the cycle
    collector would walk them again and again (≈ 4 % of a 10 000-row import) and find nothing to free."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # rows left out are named by letter: 计入 A


def propose(engine: Engine, paths: list[Path], confirmed: list[tuple[str, int]] | None = None) -> Result:
    """Read, validate and compute (no files: growth rates from last year's report only). DataError when refused.

    confirmed: rows (file SHA-256, sheet row) the operator confirmed although a leave_out check names them."""
    spec = spec_for(engine)
    with _collector_paused():
        rows = read_rows([Path(p) for p in paths], spec, confirmed or ()) if paths else None
        return compute(engine, spec, rows)


def batch(result: Result, paths: list[str] | None = None) -> Proposals:
    """The proposals as they wait in session.pending while the operator decides; with the files' paths and
    the rows left out, so a confirmed row can be read again with the rest (qid and prompt: the dialog's)."""
    items = [ProposalItem(qid=p.qid, value=p.value, shown=p.shown, current=p.current, same=p.same,
                          previous_import=p.previous_import, evidence=p.evidence, partial=p.partial)
             for p in result.proposals]
    summary = None
    if result.files:
        summary = {"files": result.files, "n": result.n, "codes": result.codes, "measures": result.measures}
    out = Proposals(qid=None, prompt="", items=items, summary=summary)
    if result.suspects and paths:
        out.paths = [str(p) for p in paths]
        out.suspects = [Suspect(place=x.place, why=x.why, key=(x.key[0], x.key[1]), confirmed=x.confirmed)
                        for x in result.suspects]
    return out


def _with_history(earlier: dict[str, Any], qid: str, ev: dict[str, Any]) -> dict[str, Any]:
    """ev with the earlier decisions on this figure (newest first, bounded): the JSON keeps what the appendix
    no longer prints (a computation the operator did not use, an earlier import)."""
    before = earlier.get(qid)
    if not isinstance(before, dict):
        return ev
    last = {k: v for k, v in before.items() if k != "history"}
    if "files" in last:
        last["files"] = last["files"][:5]
    history = [last, *(before.get("history") or [])][:MAX_HISTORY]
    return {**ev, "history": history}


def kept_before(e: Engine, it: ProposalItem) -> str:
    """The reason the operator gave last time for keeping their own figure, while it still stands; else ""."""
    if it.same:
        return ""
    ev = e.session.evidence.get(it.qid)
    kept = ev.get("kept") if isinstance(ev, dict) else None
    if not isinstance(kept, dict):
        return ""
    current = e.session.answers.get(it.qid)
    still = kept.get("value") == (len(current) if isinstance(current, list) else current)
    return str(kept.get("reason", "")) if still else ""


def describe(engine: Engine, result: Result, stored: Proposals) -> list[str]:
    """What the data gives, numbered, with the current answers beside; what cannot be computed and why;
    what changed since the last accepted import."""
    e = engine
    lines: list[str] = []
    n = result.n
    files = result.files
    if files:
        head = f"根据 {n} 家企业的数据（{len(files)} 个文件）"
    else:
        head = f"根据本年度答案和 {', '.join(str(p.get('year')) for p in e.session.prior[:2])} 年度报告"
    items = stored.items
    waiting = stored.left_out()
    if waiting:  # before the figures: they are computed without these rows
        lines.append(f"以下 {len(waiting)} 行的数字看起来有误，暂不计入任何结果（下面的结果不含这几行）：")
        lines += [f"  ⚠ {_letter(i)}. {x.place}：{x.why}" for i, x in enumerate(waiting)]
        example = " ".join(_letter(i) for i in range(min(2, len(waiting))))
        lines.append(f"  核对无误的，请输入“计入 {example}”（或“计入全部”）重新计算；有误的请在采集表中改正后重新导入。")
    confirmed = [x for x in stored.suspects if x.confirmed]
    if confirmed:
        lines.append("已按您的确认计入：" + "；".join(f"{x.place}（{x.why}）" for x in confirmed))
    if result.warnings:  # before the figures they may spoil
        lines.append("请先核对以下数据（下面的结果仍按原样计算）：")
        lines += [f"  ⚠ {w}" for w in result.warnings]
    cov = result.coverage
    if cov is not None:
        lines += coverage_lines(cov)
    if items:
        lines.append(f"{head}，可以计算以下 {len(items)} 项：")
        for i, it in enumerate(items, 1):
            q = e.flow[it.qid]
            shown = f"{len(it.value)} 行" if of(q).is_list else it.shown
            if it.same:
                now_text = "与当前答案相同"
            elif it.current:
                rows = e.session.answers.get(q.id)
                cur = it.current if not of(q).is_list else f"{len(rows) if isinstance(rows, list) else 0} 行"
                now_text = f"当前 {cur}"
            else:
                now_text = "当前未填"
            last = f"；上次导入为 {it.previous_import}" if it.previous_import else ""
            basis = f"{it.evidence['basis']}；" if it.evidence.get("basis") else ""
            scope = scope_text(it.evidence)
            basis = f"{scope}；{basis}" if scope else basis
            kept = kept_before(e, it)
            mine = f"；您上次保留了自己的数字，原因：{kept}，“全部”不会改动它" if kept else ""
            lines.append(f"  {i}. {_label(e, q.id)}：{shown}（{basis}{now_text}{last}{mine}）")
    else:
        lines.append(f"{head}，没有可以计算的项目。")
    for qid, why in result.unavailable:
        lines.append(f"  · 无法计算“{_label(e, qid)}”：{why}。")
    lines += [f"  · {note}" for note in result.notes]
    before = e.session.enterprise_data
    if files and isinstance(before, dict):
        codes = before.get("codes")
        old = {c for c in codes if isinstance(c, str)} if isinstance(codes, list) else set()  # checked on load
        new = set(result.codes)
        added = [c for c in result.codes if c not in old]
        removed = sorted(old - new)
        changed = sum(1 for it in items if it.previous_import)
        key = next(c for c in spec_for(e).columns if c.key).header
        lines.append(f"与上次导入（{before.get('n', 0)} 家企业）相比：新增 {len(added)} 家{_some(added, key)}，"
                     f"减少 {len(removed)} 家{_some(removed, key)}；"
                     + (f"{changed} 项结果有变化（见上面“上次导入为”）。" if changed else "各项计算结果没有变化。"))
    return lines


def _letter(i: int) -> str:
    return LETTERS[i] if i < len(LETTERS) else f"第 {i + 1} 处"


def coverage_lines(cov: Coverage) -> list[str]:
    """How far the files reach, said before the figures."""
    if cov.of is None:
        unanswered = f"报告还没有填写“{cov.of_label}”，" if cov.of_label else ""
        head = f"文件中有 {cov.rows} 家企业（{unanswered}无法核对这些文件是否包括了集群的全部企业）"
    else:
        head = f"文件中{'只' if cov.rows < cov.of else ''}有 {cov.rows} 家企业，{cov.of_from}的“{cov.of_label}”为 {cov.of} 家"
    if cov.left_out:
        head += f"；其中 {len(cov.left_out)} 行暂不计入"
    if cov.partial:
        share = f"仅 {cov.n}/{cov.whole} 家"
        head += (f"（{share}）：企业数、金额、人数等合计只是这 {cov.n} 家企业的合计，标有“{share}”，"
                 "“全部”不会采用，如确要采用请逐项输入序号；比例和增速按这些企业计算，标有“基于 … 家企业”，"
                 "与您已填的答案不同时“全部”也不会替换。")
    else:
        head += "。"
    out = [head]
    if cov.missing_total:
        more = "等" if cov.missing_total > len(cov.missing) else ""
        whose = "上年报告沿用的名单" if cov.missing_carried else "报告的名单"
        out.append(f"{whose}中有 {cov.missing_total} 家企业不在这些文件里：{'、'.join(cov.missing)}{more}"
                   "（请核对这些企业是否还在集群内、是否交回了采集表）。")
    return out


def whole_of(cov: Mapping[str, object]) -> int:
    """A stored coverage record's whole: the report's count, or the files' rows when more."""
    of, rows = cov.get("of"), cov.get("rows", 0)
    return max(of if isinstance(of, int) else 0, rows if isinstance(rows, int) else 0)  # counts, checked on load


def scope_text(ev: Mapping[str, object]) -> str:
    """仅 8/326 家 (a total from part of the cluster) or 基于 8 家企业 (a ratio of a sample); "" when whole."""
    cov = ev.get("coverage")
    if not isinstance(cov, dict) or cov.get("n", 0) >= whole_of(cov):
        return ""
    if cov.get("kind") == "ratio":
        return f"基于 {ev.get('n', cov['n'])} 家企业"
    return f"仅 {cov['n']}/{whole_of(cov)} 家"


def share_text(ev: Mapping[str, object]) -> str:
    """8/326 家: how many of the cluster's enterprises a figure rests on (total or ratio alike)."""
    cov = ev.get("coverage")
    return f"{cov['n']}/{whole_of(cov)} 家" if isinstance(cov, dict) and "n" in cov else ""


def _some(codes: list[str], key: str, most: int = 5) -> str:
    """（统一社会信用代码 A、B 等）: which enterprises, by the key they were imported with."""
    if not codes:
        return ""
    return f"（{key} {'、'.join(codes[:most])}{'等' if len(codes) > most else ''}）"


def apply(engine: Engine, stored: Proposals, accept: list[int], keep: dict[int, str]) -> tuple[list[str], bool]:
    """Accept the numbered items (1-based), keep the operator's own figure (with a reason) for others.

    All or nothing: every accepted value is checked with the whole batch in place (engine.apply_all).
    Returns (lines to say, applied?)."""
    e = engine
    items = stored.items
    chosen = {i: items[i - 1] for i in accept}
    # a count and its list go together (the form's rule wants them equal)
    for i, it in list(enumerate(items, 1)):
        q = e.flow[it.qid]
        partner = q.list_id or next((x.id for x in e.flow.questions if x.list_id == q.id), None)
        if i in chosen and partner:
            for j, other in enumerate(items, 1):
                if other.qid == partner and j not in keep:
                    chosen[j] = other
    values = {it.qid: it.value for it in chosen.values() if not it.same}
    earlier = dict(e.session.evidence)  # an answer set below drops its evidence: kept here as history
    at = now()
    records = {it.qid: _with_history(earlier, it.qid, {**it.evidence, "at": at}) for it in chosen.values()}
    for i, reason in keep.items():
        it = items[i - 1]
        current = e.session.answers.get(it.qid)
        records[it.qid] = _with_history(earlier, it.qid, {
            **it.evidence, "at": at,
            "kept": {"value": current if not isinstance(current, list) else len(current), "reason": reason}})
    # The proposals were checked when they were made: a record the session's check refuses is a program error,
    # said before anything changes (stored, the session could not be opened again; skipped, a figure would
    # lose its evidence).
    checked: dict[str, EvidenceRecord] = {}
    for qid, record in records.items():
        if not is_evidence(record):
            raise ValueError(f"an evidence record the session check refuses: {qid}")
        checked[qid] = record
    applied = e.apply_all(values) if values else None
    if applied is not None and applied.errors:
        return [applied.refusal("处未能通过检查，没有采用任何数据：")], False
    for it in chosen.values():
        e.session.evidence[it.qid] = checked[it.qid]
        e.session.confirm_carried(it.qid)
    kept_lines = []
    for i, reason in keep.items():
        it = items[i - 1]
        qid = it.qid
        e.session.evidence[qid] = checked[qid]
        kept_lines.append(f"“{_label(e, qid)}”保留您的 {e.shown(qid)}（原因：{reason}）：计算佐证材料印您写明的依据，"
                          f"计算值 {it.shown} 只记在导出的 JSON 中。")
    if stored.summary:
        e.session.enterprise_data = {**stored.summary, "at": at}
    e.session.updated = at
    lines = []
    if chosen:
        named = "" if len(chosen) > 8 else "：" + "；".join(
            f"{_label(e, it.qid)} {_shown(e, it)}" for it in chosen.values())
        same = sum(1 for it in chosen.values() if it.same)
        if same == len(chosen):
            named = "：计算结果都与原答案相同，答案没有改动"
        elif same:
            named = f"（{len(chosen) - same} 项有改动，{same} 项与原答案相同）{named}"
        lines.append(f"已采用 {len(chosen)} 项{named}。计算方法、分子分母、企业数和源文件已记入计算佐证材料。")
        partial = [it for it in chosen.values() if it.partial and not it.same]
        if partial:
            lines.append(f"其中 {len(partial)} 项只基于部分企业（{share_text(partial[0].evidence)}），已按您的选择采用，"
                         "计算佐证材料中注明了覆盖的企业数。")
    lines += kept_lines
    touched = {it.qid for it in chosen.values()}
    found = [f for f in e.findings() if f.qid in touched and f.rule not in ("required", "constraint")]
    lines += [("✗ " if f.severity == "blocking" else "⚠ ") + f.message for f in found[:10]]
    if e.on_change is not None:
        e.on_change(e.session)
    return lines, True

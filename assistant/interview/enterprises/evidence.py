"""Evidence of figures taken from enterprise data or last year's report: its stored shape (checked on
every load and import), the rows of the 计算佐证 appendix, and the JSON export's entries.

Stored in session.evidence[qid]:
    {"source": "enterprises" | "prior", "formula": str, "numerator": {label, value, unit?, n?, from?},
     "denominator": {...}?, "n": int?, "years": int?, "basis": str?, "files": [{name, sha256}]?,
     "coverage": {"kind": "total" | "ratio", "n": int, "rows": int, "of": int?, "left_out": [str]?,
                  "confirmed": [str]?}?,
     "value": str | int,
     "kept": {"value": ..., "reason": str}?, "at": str?,
     "history": [earlier records of this figure, newest first, without their own history]?}
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.form.types import of
from assistant.form.values import show
from assistant.interview.computed import short_label
from assistant.interview.enterprises.columns import load_spec
from assistant.session.evidence import EvidenceRecord, NumberRecord

if TYPE_CHECKING:
    from assistant.interview.engine import Engine

# -- the document and the JSON export ---------------------------------------------------------------
def counts(e: Engine, qid: str) -> bool:
    """Whether qid's evidence speaks for the answer that counts now (relevant, and still the figure given)."""
    ev = e.session.evidence.get(qid)
    return isinstance(ev, dict) and e.is_relevant(qid) and qid in e.session.answers


def _figure(fig: NumberRecord) -> str:
    unit = f" {fig['unit']}" if fig.get("unit") and fig["unit"] != "家" else ""
    n = f"（{fig['n']} 家企业）" if "n" in fig else ""
    origin = f"；来源：{fig['from']}" if fig.get("from") else ""
    return f"{fig['label']} = {fig['value']}{unit}{n}{origin}"


def appendix_rows(e: Engine, qid: str) -> list[tuple[str, str]]:
    """(item, text) rows of one figure's evidence in the 计算佐证 appendix: what supports the printed figure.

    A figure the operator kept prints the basis they stated, not the computation they did not use (that
    stays in the JSON export, with the earlier decisions)."""
    ev = e.session.evidence[qid]
    q = e.flow[qid]
    rows = [("指标", e.label(qid))]
    kept = ev.get("kept")
    if kept:
        return [*rows, ("填报值", e.shown(qid) if not of(q).is_list else f"{len(e.rows(qid) or [])} 行"),
                ("依据", str(kept["reason"]))]
    den = ev.get("denominator")
    rows.append(("分子" if den else "数据", _figure(ev["numerator"])))
    if den:
        rows.append(("分母", _figure(den)))
    rows.append(("计算公式", ev.get("formula") or ""))
    if "years" in ev:
        rows.append(("相隔年数 n", str(ev["years"])))
    if ev.get("basis"):
        rows.append(("基数", ev["basis"]))
    if "n" in ev:
        rows.append(("企业数", f"{ev['n']} 家"))
    rows += _coverage_rows(e, ev)
    computed = ev.get("value")
    rows.append(("计算结果", str(computed) if of(q).is_list else show(q, computed)))
    rows.append(("填报值", f"采用上面的计算结果：{e.shown(qid) if not of(q).is_list else str(computed) + ' 行'}"))
    files = ev.get("files") or []
    if files:
        rows.append(("源文件（SHA-256）", "\n".join(f"{f['name']}：{f['sha256']}" for f in files[:50])
                     + (f"\n……共 {len(files)} 个文件" if len(files) > 50 else "")))
    return rows


def count_label(e: Engine, qid: str) -> str:
    """The question the files' coverage is measured against, as the form labels it, without its unit (（个）)."""
    return re.sub(r"（[^（）]{1,4}）$", "", short_label(e.label(qid)))


def _count_label(e: Engine) -> str:
    spec = load_spec(e.session.form)
    q = spec.cluster_count if spec is not None else ""
    return count_label(e, q) if q and q in e.flow.by_id else "企业数"


def _coverage_rows(e: Engine, ev: EvidenceRecord) -> list[tuple[str, str]]:
    """What part of the cluster the figure covers, and the rows left out or confirmed."""
    cov = ev.get("coverage")
    if not isinstance(cov, dict):
        return []
    rows = []
    of = cov.get("of")
    whole = max(of if isinstance(of, int) else 0, int(cov.get("rows", 0)))
    if cov["n"] < whole:
        count = f"报告的“{_count_label(e)}”为 {of} 家" if isinstance(of, int) else f"文件中共 {whole} 家"
        if cov.get("kind") == "ratio":
            rows.append(("覆盖范围", f"基于 {ev.get('n', cov['n'])} 家企业的数据计算（{count}）"))
        else:
            rows.append(("覆盖范围", f"仅 {cov['n']}/{whole} 家：只是计入的 {cov['n']} 家企业的合计"
                                     f"（{count}），由填报单位逐项选择采用"))
    if cov.get("left_out"):
        rows.append(("未计入的行", "；".join(cov["left_out"]) + "（数字看起来有误，待核对，未计入）"))
    if cov.get("confirmed"):
        rows.append(("核对后计入的行", "；".join(cov["confirmed"]) + "（数字看起来有误，经填报单位核对无误后计入）"))
    return rows


def export_items(e: Engine) -> dict[str, EvidenceRecord]:
    """Evidence entries for the JSON export (restored by import-report)."""
    return {qid: ev.copy() for qid, ev in e.session.evidence.items() if counts(e, qid)}



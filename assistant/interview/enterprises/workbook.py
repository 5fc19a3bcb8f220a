"""The collection workbook sent to member enterprises: 填表说明 + 企业数据 (xlsxwriter).

Header frozen, widths, number formats, drop-downs for yes/no and choices, an input message on every
header cell, validation of numbers (≥ 0, whole for counts). Every text we write is a string cell
(write_string), in a workbook opened by files/xlsx_write.py: a name that begins with "=" is never a formula.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.files.xlsx_write import new_workbook
from assistant.form.glossary import load_glossary
from assistant.interview.enterprises.coltypes import CellValue, EnterpriseRow, shown_number
from assistant.interview.enterprises.columns import Col, Edition, Spec
from assistant.interview.enterprises.reader import edition_of, header_of, read_rows, workbook_year

if TYPE_CHECKING:
    from assistant.interview.engine import Engine

EMPTY_ROWS = 500  # formatted, validated rows below the prefilled ones


def _glossary_lines(col: Col) -> list[str]:
    g = load_glossary()
    out = []
    for tid in col.help:
        if tid in g:
            t = g[tid]
            text = " ".join(t.text.split())
            out.append(f"{t.term}：{text}" + (f"（依据：{t.source}）" if t.source else ""))
    return out


def note_of(col: Col, year: int) -> str:
    """What the enterprise puts in this column, for this year: the 填表说明 line and the header's input message."""
    return col.note.replace("{year}", str(year)).replace("{prev_year}", str(year - 1))


def explanation(col: Col, year: int) -> str:
    """The 填表说明 text of a column: its note, the choices, then the glossary terms that hold for one enterprise."""
    opts = col.kind.choices_line(col)
    return "\n".join(x for x in [note_of(col, year), opts, *(f"【参考】{g}" for g in _glossary_lines(col))] if x)


def write_workbook(spec: Spec, year: int, rows: Sequence[Mapping[str, CellValue]] | None = None,
                   notes: Mapping[tuple[int, str], str] | None = None, first_note: str = "") -> bytes:
    """The workbook as bytes; `rows` (column id -> stored value) are prefilled; `notes`: (row index, column id)
    -> a comment on that cell (how a prefilled figure was computed); `first_note`: 填表说明's first line
    instead of the spec's prefill note."""
    rows = rows or []
    buf = io.BytesIO()
    wb = new_workbook(buf)
    title = spec.title.replace("{year}", str(year))
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1})
    big = wb.add_format({"bold": True, "font_size": 14})
    # -- 填表说明
    ins = wb.add_worksheet(spec.instructions_sheet)
    ins.set_column(0, 0, 30)
    ins.set_column(1, 1, 12)
    ins.set_column(2, 2, 8)
    ins.set_column(3, 3, 70)
    ins.write_string(0, 0, title, big)
    r = 2
    prefilled = wb.add_format({"bg_color": "#FFF2CC", "num_format": "@"})  # last year's status: to check
    said = first_note or (spec.prefill_note if rows else "")
    for line in ([said] if said else []) + spec.intro:
        ins.merge_range(r, 0, r, 3, line.replace("{year}", str(year)), wrap)
        r += 1
    r += 1
    for c, head in enumerate(("列名", "单位", "是否必填", "说明与口径（依据）")):
        ins.write_string(r, c, head, bold)
    r += 1
    for col in spec.columns:
        ins.write_string(r, 0, col.header, wrap)
        ins.write_string(r, 1, col.unit or "", wrap)
        ins.write_string(r, 2, "必填" if col.required else "选填", wrap)
        text = explanation(col, year)
        ins.write_string(r, 3, text, wrap)
        ins.set_row(r, 15 * max(1, min(27, len(text) // 34 + text.count("\n") + 1)))
        r += 1
    # -- 企业数据
    ws = wb.add_worksheet(spec.sheet)
    ws.activate()
    head = wb.add_format({"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter",
                          "bg_color": "#DDEBF7", "border": 1})
    formats = {f: wb.add_format({"num_format": f}) for f in {c.kind.number_format for c in spec.columns}}
    ws.set_row(0, 45)
    ws.freeze_panes(1, 1)
    last = len(rows) + EMPTY_ROWS
    for c, col in enumerate(spec.columns):
        fmt = formats[col.kind.number_format]
        width = col.width or max(10, min(24, len(col.title) * 2))
        ws.set_column(c, c, width, fmt)
        ws.write_string(0, c, col.title, head)
        message = note_of(col, year) or col.header  # within Excel's limits: checked when the spec is read
        ws.data_validation(0, c, 0, c, {"validate": "any", "input_title": col.header, "input_message": message})
        dv = col.kind.validation(col)
        if dv is not None:
            dv.setdefault("error_type", "stop")
            dv["input_title"] = col.header
            dv["input_message"] = message
            ws.data_validation(1, c, last, c, dv)
    # figures as number cells; text as string cells ("=…" stays text); a drop-down's words marked as prefilled
    numeric = [(c, col.id) for c, col in enumerate(spec.columns) if col.kind.numeric]
    plain = [(c, col.id) for c, col in enumerate(spec.columns) if not col.kind.numeric and not col.kind.labels(col)]
    shown = [(c, col) for c, col in enumerate(spec.columns) if not col.kind.numeric and col.kind.labels(col)]
    write_number, write_string = ws.write_number, ws.write_string
    for i, row in enumerate(rows, 1):
        for c, cid in numeric:
            v = row.get(cid)
            if v is not None:
                write_number(i, c, float(v))
        for c, cid in plain:
            v = row.get(cid)
            if v:
                write_string(i, c, str(v))  # a string cell: "=…" stays text
        for c, col in shown:
            v = row.get(col.id)
            if v is not None and (shown_v := str(col.kind.shown(col, v))):
                write_string(i, c, shown_v, prefilled)
    at = {col.id: c for c, col in enumerate(spec.columns)}
    for (i, cid), text in (notes or {}).items():
        if cid in at:
            ws.write_comment(i + 1, at[cid], text, {"x_scale": 2.5, "y_scale": 2})
    wb.close()
    return buf.getvalue()


def rows_from_session(engine: Engine, spec: Spec) -> list[EnterpriseRow]:
    """Enterprises the session already names (its lists), with what the list says about them."""
    by_code: dict[str, EnterpriseRow] = {}
    key = next(c for c in spec.columns if c.key)
    for ind in spec.indicators:
        if ind.kind != "list" or ind.split or not engine.is_relevant(ind.question):
            continue
        listed = engine.session.answers.get(ind.question)
        if not isinstance(listed, list):
            continue
        for r in listed:
            fill = {src: r.get(target) for target, src in ind.fill if r.get(target) not in (None, "")}
            code = fill.get(key.id)
            if not code:
                continue
            row = by_code.setdefault(str(code), {})  # a code column is text
            row.update(fill)
            for cid, want in ind.where:
                row[cid] = want[0] if isinstance(want, tuple) else want
    return list(by_code.values())


def rows_from_workbook(path: Path, spec: Spec, prev_of: dict[str, str]) -> list[EnterpriseRow]:
    """Last year's filled workbook: the stable columns kept, this year's figures moved to the 上年 columns."""
    rows = read_rows([path], spec)
    keep = {c.id for c in spec.columns if not c.kind.numeric}  # a name, a code, a status: figures are this year's
    out = []
    for i in range(len(rows)):
        old = rows.row(i)
        new = {cid: v for cid, v in old.items() if cid in keep}
        for prev, cur in prev_of.items():
            new[prev] = old.get(cur)
        out.append(new)
    return out


def prev_columns(spec: Spec) -> dict[str, str]:
    """上年 column -> this year's column, from the indicators' growth pairs (measure prev ↔ measure)."""
    out: dict[str, str] = {}
    for ind in spec.indicators:
        cur = [s for s in ind.current if s.kind in ("measure", "ratio")]
        prev = [s for s in ind.previous if s.kind in ("measure", "ratio")]
        for a, b in zip(cur, prev, strict=False):
            for ma, mb in zip(a.names, b.names, strict=False):
                sa, sb = spec.measures[ma].sum, spec.measures[mb].sum
                for ca, cb in zip(sa, sb, strict=False):
                    if ca != cb:
                        out[cb] = ca
    return out


@dataclass
class Prefill:
    """Rows to prefill a workbook with, taken from an earlier one; what the operator is told about them."""

    rows: list[EnterpriseRow]
    notes: dict[tuple[int, str], str] = field(default_factory=dict)  # (row index, column id) -> cell comment
    said: list[str] = field(default_factory=list)
    first_note: str = ""  # 填表说明's first line (else the spec's prefill note)


def prefill_from(path: Path, spec: Spec, year: int) -> Prefill:
    """An earlier workbook as prefill for this year's: last year's in this layout (its figures into the 上年
    columns), or one of an earlier edition of the table (spec `editions`), carried into this layout."""
    edition = edition_of(spec, header_of(path, spec))
    if edition is None:
        return Prefill(rows_from_workbook(path, spec, prev_columns(spec)))
    return _from_edition(path, spec, year, edition)


def _from_edition(path: Path, spec: Spec, year: int, edition: Edition) -> Prefill:
    name = Path(path).name
    made = workbook_year(path, spec)
    if made is None or made > year:
        why = "看不出是哪一年的（“填表说明”表的第一行是标题，如“2023 年度集群成员企业数据采集表”）" if made is None \
            else f"是 {made} 年度的，晚于要生成的 {year} 年度"
        raise InputError(f"{name} 是{edition.name}的采集表，但{why}：不知道其中的数字该填入本年还是“上年”各列，"
                         "没有生成。请核对文件，或用 --year 指定年度。")
    same = made == year  # the same year's data in the old layout: every figure stays in its own column
    rows = read_rows([path], edition.layout(spec))
    prev_of = {} if same else prev_columns(spec)
    kept = set(spec.by_id) if same else {c.id for c in spec.columns if not c.kind.numeric}
    out: list[EnterpriseRow] = []
    notes: dict[tuple[int, str], str] = {}
    computed = {cid: 0 for cid in edition.computed}
    for i in range(len(rows)):
        old = rows.row(i)
        new: EnterpriseRow = {cid: v for cid, v in old.items() if cid in kept and v is not None}
        for prev, cur in prev_of.items():
            new[prev] = old.get(cur)
        for cid, by_value in edition.decides.items():  # only what the value decides; the rest stays blank
            new.update(dict(by_value.get(str(old.get(cid) or ""), ())))
        for cid, (a, b, note) in edition.computed.items() if same else ():
            va, vb = old.get(a), old.get(b)
            if new.get(cid) is None and isinstance(va, Decimal) and isinstance(vb, Decimal) and va >= vb:
                new[cid] = va - vb
                notes[(i, cid)] = f"{note}（{shown_number(va)} − {shown_number(vb)}）"
                computed[cid] += 1
        out.append(new)
    by_id = {**spec.by_id, **{c.id: c for c in edition.columns}}
    said = [f"{name} 是{edition.name}的采集表（{made} 年度），已按本版的列预填 {len(out)} 家企业"
            + ("（数字留在本年各列）。" if same else f"（{made} 年的数字填入“上年”各列）。")]
    for cid, by_value in edition.decides.items():
        targets = [spec.by_id[c].title for c in dict.fromkeys(k for pairs in by_value.values() for k, _ in pairs)]
        said.append(f"“{by_id[cid].title}”换成了{'、'.join(f'“{t}”' for t in targets)}：原来的值能确定的已填"
                    "（浅黄色，请企业核对），不能确定的留空，请企业填写。")
    for cid, n in computed.items() if same else ():
        a, b, _ = edition.computed[cid]
        said.append(f"“{spec.by_id[cid].title}”按 {by_id[a].header} − {by_id[b].header} 算出 {n} 家"
                    "（格子上的批注写明了算法），请企业核对" + ("；算不出的留空。" if n < len(out) else "。"))
    said.append("本版新增的列请企业填写。")
    first = (f"本表由{edition.name}的采集表（{made} 年度）转换而来：原有数据已按本版的列填入，浅黄色底的格子请逐项核对，"
             "空着的格子（新增的列、由原来的数据不能确定的）请填写。") if same else ""
    return Prefill(out, notes, said, first)

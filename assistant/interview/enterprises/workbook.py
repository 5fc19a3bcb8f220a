"""The collection workbook sent to member enterprises: 填表说明 + 企业数据 (xlsxwriter).

Header frozen, widths, number formats, drop-downs for yes/no and choices, an input message on every
header cell, validation of numbers (≥ 0, whole for counts). Every text we write is a string cell
(write_string): a name that begins with "=" is never a formula.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.form.glossary import load_glossary
from assistant.interview.enterprises.coltypes import CellValue, EnterpriseRow
from assistant.interview.enterprises.columns import Col, Spec
from assistant.interview.enterprises.reader import read_rows

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


def write_workbook(spec: Spec, year: int, rows: Sequence[Mapping[str, CellValue]] | None = None) -> bytes:
    """The workbook as bytes; `rows` (column id -> stored value) are prefilled."""
    import xlsxwriter

    rows = rows or []
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
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
    for line in ([spec.prefill_note] if rows and spec.prefill_note else []) + spec.intro:
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

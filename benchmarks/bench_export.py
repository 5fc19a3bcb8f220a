"""Export speed of the .docx writer (figures printed; no thresholds asserted here).

Prints, from one run:
  1. median docx export time of a complete annual report whose patent list has 10 000 rows
     (target ≤ 1 s);
  2. the same 10 000 rows written with python-docx's table.add_row().cells, and the speed ratio
     against the row-copy path used by the writer (target ≥ 12×);
  3. median docx export time of the sample report without long lists (target ≤ 0.3 s).

Run:  python benchmarks/bench_export.py [--rows 10000] [--repeat 5]
Sessions are built from examples/annual_answers.yaml through Engine.apply_many, in a temporary
FILING_HOME, so the user's own sessions are never touched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _session(store, rows: int):
    from assistant.files.yamlio import yaml_load
    from assistant.interview.engine import Engine

    answers = yaml_load((ROOT / "examples" / "annual_answers.yaml").read_text(encoding="utf-8"))
    if rows:
        kinds = ["发明专利", "集成电路布图设计专有权", "植物新品种"]
        answers["patent_list"] = [
            {"name": f"一种智能传感器的制备方法（{i}）", "number": f"ZL 2021 1 {i:07d}.{i % 10}",
             "kind": kinds[i % 3], "holder": f"上海示例传感科技有限公司{i % 50}"}
            for i in range(1, rows + 1)
        ]
        answers["patent_count"] = str(rows)
    s = store.create("annual_report", "bench", 2023)
    errors = Engine.for_session(s).apply_many(answers)
    if errors:
        raise SystemExit("sample answers refused: " + "; ".join(errors))
    return s


def _median_export(session, out: Path, repeat: int) -> float:
    from assistant.report.export import export_session

    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        export_session(session, "docx", out, force=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _list_table(session):
    from assistant.interview.engine import Engine
    from assistant.report.model import build_report

    report = build_report(Engine.for_session(session))
    return next(b.table for p in report.appendices for b in p.blocks if b.table is not None and b.table.qid == "patent_list")


def _add_row_fill(table_model) -> float:
    """The slow path the writer avoids: python-docx add_row().cells, row by row."""
    from docx import Document

    doc = Document()
    t0 = time.perf_counter()
    table = doc.add_table(rows=1, cols=len(table_model.headers))
    for cell, h in zip(table.rows[0].cells, table_model.headers, strict=True):
        cell.text = h
    for values in table_model.rows:
        cells = table.add_row().cells
        for cell, v in zip(cells, values, strict=False):
            cell.text = v
    return time.perf_counter() - t0


def _row_copy_fill(table_model) -> float:
    """The writer's path: the prepared row's XML, filled with each row's text."""
    from docx import Document

    from assistant.report.docx_writer import _insert, _list_parts, _rows_xml

    doc = Document()
    t0 = time.perf_counter()
    tbl, fragments = _list_parts(table_model)
    _insert(doc, tbl)
    _rows_xml(table_model, fragments)
    return time.perf_counter() - t0


def _lxml_copy_fill(table_model) -> float:
    """For comparison: deep-copying a prepared lxml row per data row, then into the document."""
    from copy import deepcopy

    from docx import Document

    from assistant.report.docx_writer import W_NS, _insert, _list_parts

    doc = Document()
    t0 = time.perf_counter()
    tbl, fragments = _list_parts(table_model)
    from docx.oxml import parse_xml

    proto = parse_xml(fragments[0].replace("<w:tr>", f'<w:tr xmlns:w="{W_NS}">', 1)
                      + "".join("x" + f for f in fragments[1:]))
    t_tag = f"{{{W_NS}}}t"
    for values in table_model.rows:
        tr = deepcopy(proto)
        for t, v in zip(tr.iter(t_tag), values, strict=False):
            t.text = v
        tbl.append(tr)
    _insert(doc, tbl)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FILING_HOME"] = tmp
        from assistant.session.store import SessionStore

        store = SessionStore()
        big = _session(store, args.rows)
        small = _session(store, 0)
        out = Path(tmp) / "out.docx"
        _median_export(small, out, 1)  # warm-up: imports, flow cache, templates

        big_t = _median_export(big, out, args.repeat)
        size = out.stat().st_size
        table = _list_table(big)
        copy_t = statistics.median(_row_copy_fill(table) for _ in range(args.repeat))
        lxml_t = statistics.median(_lxml_copy_fill(table) for _ in range(3))
        add_t = _add_row_fill(table)
        small_t = _median_export(small, out, max(args.repeat, 5))

    print(f"docx export, annual report with {args.rows} patent rows: median {big_t:.3f} s "
          f"over {args.repeat} runs ({size / 1e6:.1f} MB)   target ≤ 1 s")
    print(f"  {args.rows} rows by row-copy (writer):        {copy_t:.3f} s  ({copy_t / args.rows * 1e3:.3f} ms/row)")
    print(f"  {args.rows} rows by lxml deep-copy per row:   {lxml_t:.3f} s  ({lxml_t / args.rows * 1e3:.3f} ms/row)")
    print(f"  {args.rows} rows by table.add_row().cells:    {add_t:.3f} s  ({add_t / args.rows * 1e3:.3f} ms/row)")
    print(f"  speed ratio add_row / row-copy: {add_t / copy_t:.1f}×   target ≥ 12×")
    print(f"  whole export vs add_row fill alone: {add_t / big_t:.1f}× faster")
    print(f"docx export, sample report (no long lists): median {small_t:.3f} s   target ≤ 0.3 s")


if __name__ == "__main__":
    main()

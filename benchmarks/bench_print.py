"""The printed form (issue 25): PDF of the sample report with the font mapping (the form's 宋体/仿宋/黑体 set in
installed Simplified-Chinese faces through a fontconfig file) against the plain render (fontconfig's own
choice), in the same run; and the render of the worst case of every one-page part (each varying cell at its
budget), with its page check. Figures printed; no thresholds asserted. Needs LibreOffice.

Run:  python benchmarks/bench_print.py [--repeat 3]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ["FILING_HOME"] = tempfile.mkdtemp(prefix="bench-print-")
    from assistant.files.yamlio import yaml_load
    from assistant.interview.engine import Engine
    from assistant.report.docx_writer import build_docx
    from assistant.report.model import PAGE_BODY_CM, build_report, part_fit, worst_case
    from assistant.report.pdf import check_pages, docx_to_pdf, embedded_fonts, font_note, font_plan, page_texts
    from assistant.session.store import SessionStore

    store = SessionStore()
    session = store.create("annual_report", "bench", 2023)
    engine = Engine.for_session(session)
    engine.apply_many(yaml_load((ROOT / "examples" / "annual_answers.yaml").read_text(encoding="utf-8")))
    report = build_report(engine)
    docx = build_docx(report)
    plan = font_plan()
    times: dict[str, list[float]] = {"plain": [], "mapped": []}
    for _ in range(args.repeat):
        for kind in ("plain", "mapped"):  # alternated: the machine's load falls on both alike
            t = time.perf_counter()
            pdf = docx_to_pdf(docx, plan=plan if kind == "mapped" else None)
            times[kind].append(time.perf_counter() - t)
    pages = len(page_texts(pdf))
    plain, mapped = statistics.median(times["plain"]), statistics.median(times["mapped"])
    print(f"sample report, {pages} pages: plain render {plain:.2f} s, with the font mapping {mapped:.2f} s "
          f"({mapped / plain:.2f}×), median of {args.repeat}")
    print(f"  {font_note(plan, embedded_fonts(pdf))}")
    worst = worst_case(report)
    t = time.perf_counter()
    pdf = docx_to_pdf(build_docx(worst), plan=plan)
    took = time.perf_counter() - t
    titled = [p for p in worst.parts if p.title]
    check = check_pages(page_texts(pdf), [p.title for p in titled], [p.one_page for p in titled])
    said = check.summary([p.title for p in titled if p.one_page])
    print(f"worst case of every one-page part: rendered in {took:.2f} s; {said}")
    for part in (p for p in report.parts if p.one_page):
        fit = part_fit(part)
        print(f"  {part.title}: estimated {fit.height_cm:.1f} cm as filled, {fit.worst_cm:.1f} cm at its worst "
              f"(page body {PAGE_BODY_CM} cm)")


if __name__ == "__main__":
    main()

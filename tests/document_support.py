"""Helpers for the document tests: read an exported .docx back in document order."""

from __future__ import annotations

from typing import Any

from assistant.form.flow import fill
from assistant.interview.engine import Engine
from assistant.report.model import load_layout

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def paragraphs(doc: Any) -> list[str]:
    """Every paragraph of the body, table cells included, in document order."""
    out = []
    for p in doc.element.body.iter(f"{W}p"):
        out.append("".join(t.text or "" for t in p.iter(f"{W}t")))
    return out


def cell_texts(row: Any) -> list[str]:
    """The text of each w:tc of a table row (merged cells counted once, as written)."""
    return ["\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in tc.iter(f"{W}p"))
            for tc in row._tr.iter(f"{W}tc")]


def form_labels(engine: Engine) -> list[str]:
    """The labels of the printed form in the form's order: cover, parts 一–八 with their rows."""
    flow = engine.flow
    lay = load_layout("annual_report")
    out = [flow.attachment, fill(flow.title, engine.year)] + [c["label"] for c in lay["cover"]]
    out += [lay["issuer"], lay["instructions_title"]]
    for spec in lay["parts"]:
        out.append(fill(flow.section(spec["section"]).title, engine.year))
        for item in spec.get("rows", []):
            if item == "year":
                out.append("年度")
            elif "group" in item:
                out.append(item["group"])
                out += [engine.official_label(q) for q in item["counts"]]
            else:
                qid = next(v for k, v in item.items() if k in ("field", "choice", "matrix"))
                q = flow[qid]
                out.append(engine.official_label(q))
                if q.type == "matrix":
                    out += [q.corner] + [c.label for c in q.cols] + [r.label for r in q.rows]
        for item in spec.get("blocks", []):
            if "narrative" in item:
                out.append(engine.official_label(item["narrative"]))
            elif "grouped_table" in item:
                out += [engine.text(c.label) for c in flow[item["grouped_table"]].columns]
            elif "declaration" in item:
                dec = item["declaration"]
                out += [dec["label"], dec["text"], engine.official_label(dec["signer"]), dec["seal"]]
    return out


def assert_in_order(texts: list[str], wanted: list[str]) -> None:
    pos = 0
    for w in wanted:
        for i in range(pos, len(texts)):
            if w in texts[i]:
                pos = i + 1
                break
        else:
            raise AssertionError(f"{w!r} missing or out of order (searched from paragraph {pos})")

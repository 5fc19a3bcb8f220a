"""The report as printed, independent of the output format.

build_report(engine) walks the layout spec (templates/<form>.layout.yaml) and the flow, and returns
a Report: cover lines, parts made of blocks (headings, paragraphs, tables with merged cells), the
appendix lists and the calculation evidence. The Markdown templates and the docx writer only draw
this structure; they never look at answers themselves, so both show the same thing.
All text here is user data: it is cleaned of control characters and never rendered as a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.form.catalog import package
from assistant.form.flow import Question, fill
from assistant.form.override import basis_text, typed
from assistant.form.parse import NONE_TEXT, clean_text
from assistant.form.shapes import (
    DeclarationFile,
    FieldRowFile,
    GroupedTableFile,
    GroupRowFile,
    LayoutBlockFile,
    LayoutFile,
    LayoutRowFile,
    PartFile,
    SignFile,
    TableFile,
)
from assistant.form.types import of
from assistant.form.values import NOT_APPLICABLE, show_cell
from assistant.interview.enterprises.evidence import appendix_rows, counts
from assistant.interview.findings import WARNING, Finding, blocking
from assistant.text.cjkwrap import display_width, wrap_offsets

if TYPE_CHECKING:
    from collections.abc import Callable

    from assistant.form.flow import Column, Flow
    from assistant.interview.engine import Engine

MISSING = "【未填】"
NAMES_LINES = 4  # lines a names cell (platform names) may take, unless the layout says `lines:`
PAGE_BODY_CM = 23.0  # A4 minus margins, footer and the part heading: what one part's table may take
# The height model of a table cell (10.5 pt 宋体 as LibreOffice sets it with the SC faces, see pdf.py):
# one display column (half a Chinese character) is 0.185 cm, a line 0.54 cm (0.53 measured), a row's padding
# 0.16 cm. It errs high: part 三 at its worst is estimated at 22.6 cm and set in 21.2 cm.
CM_PER_COLUMN, LINE_CM, ROW_PAD_CM, CELL_PAD_CM = 0.185, 0.54, 0.16, 0.32
CHECKED, UNCHECKED = "☑", "☐"


def text_lines(text: str, width_cm: float) -> int:
    """Lines `text` takes in a table cell `width_cm` wide: wrapped as Chinese is (any character, Latin
    runs and numbers kept whole, no closing punctuation at a line start), one column spare."""
    cols = max(2, int((width_cm - CELL_PAD_CM) / CM_PER_COLUMN) - 1)
    return sum(1 + len(wrap_offsets(part, cols)) for part in text.split("\n"))


@dataclass
class Cell:
    text: str = ""
    span: int = 1  # grid columns covered
    merge: str | None = None  # vertical merge: "restart" on the first row, "continue" below
    bold: bool = False
    center: bool = False
    missing: bool = False
    right_lines: tuple[int, ...] = ()  # indexes of text lines aligned right (seal and date lines)
    # A cell whose content varies, in a one-page part: the widest content it can hold (the worst case the
    # page is laid out for, see worst_case); None where nothing bounds it. Fixed cells: "".
    worst: str | None = ""


@dataclass
class Row:
    cells: list[Cell]
    qid: str | None = None
    header: bool = False
    keep_with_next: bool = False  # on the same page as the next row (a group of rows with its merged label)


@dataclass
class Grid:
    """A table drawn as on the form (small; merged cells allowed)."""

    widths: list[float]  # cm
    rows: list[Row]
    landscape: bool = False  # on a landscape page (a wide table: the district's clusters)
    font_pt: float = 10.5
    text_width_cm: float = 16.0  # the page's text width the widths are scaled to


    def cell_widths_cm(self, row: Row) -> list[float]:
        """The printed width of each cell of `row` (the table is scaled to the 16 cm text width)."""
        scale, col, out = self.text_width_cm / sum(self.widths), 0, []
        for c in row.cells:
            out.append(sum(self.widths[col:col + c.span]) * scale)
            col += c.span
        return out

    def row_heights_cm(self, worst: bool = False) -> list[float]:
        """The printed height of each row (10.5 pt text); worst: with every varying cell at its widest."""
        out = []
        for row in self.rows:
            lines = 1
            for c, width in zip(row.cells, self.cell_widths_cm(row), strict=True):
                if c.merge == "continue":
                    continue
                text = c.worst if worst and c.worst else c.text
                lines = max(lines, text_lines(text, width * 10.5 / self.font_pt))
            out.append(lines * LINE_CM * self.font_pt / 10.5 + ROW_PAD_CM)
        return out

    def height_cm(self) -> float:
        """Used to decide whether rows can be kept together, and to warn before a part runs over a page."""
        return sum(self.row_heights_cm())

    def fits_page(self) -> bool:
        return self.height_cm() <= PAGE_BODY_CM


@dataclass
class ListTable:
    """An attached list: 序号 first, then the list's columns; rows are plain text (fast path)."""

    qid: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    widths: list[float] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)


@dataclass
class Block:
    kind: str  # heading | subheading | para | note | grid | list | sign
    text: str = ""
    grid: Grid | None = None
    table: ListTable | None = None
    lines: list[str] = field(default_factory=list)  # sign lines (right aligned)
    qid: str | None = None
    missing: bool = False
    landscape: bool = False  # on a landscape page (its own section in the .docx)


@dataclass
class Part:
    id: str
    title: str
    blocks: list[Block]
    new_page: bool = True
    one_page: bool = False  # parts 一–六: 不得串页


@dataclass
class Report:
    form: str
    attachment: str
    title: str
    year: int
    cover: list[tuple[str, str]]
    issuer: str
    instructions_title: str
    instructions: list[str]
    parts: list[Part]
    appendices: list[Part]
    missing: list[str]  # blocking findings, as sentences
    draft: bool = False
    author: str = ""  # document properties: who files it (the layout's `properties`)
    subject: str = ""

    @property
    def all_parts(self) -> list[Part]:
        return self.parts + self.appendices


def load_layout(form: str) -> LayoutFile:
    """The form's layout (templates/<form>.layout.yaml, checked with its package); {} when it has none
    (see _plain_parts)."""
    return package(form).layout


_STANDARD_NO = re.compile(r"\b([A-Z]{1,4}(?:/[A-Z]{1,2})?) (?=[A-Z]*\d)")  # GB/T 18488.1-2024, T/SHJX 001-2022
_PATENT_NO = re.compile(r"\b(?:ZL|CN) ?\d{4} ?\d ?\d{7} ?\. ?[\dX]\b")  # ZL 2021 1 0000000.0
_CODE_HYPHEN = re.compile(r"(?<=[0-9A-Za-z.])-(?=[0-9A-Za-z])")
_RUN = re.compile("[\x21-\x7e\u00a0\u2011]+")  # a run no line may break inside (once keep_codes has run)


def keep_codes(text: str) -> str:
    """Codes and numbers that must not break across lines: the space of a standard number non-breaking
    (U+00A0) and hyphens inside codes non-breaking (U+2011). For the printed document only."""
    if "-" not in text and " " not in text:
        return text
    text = _PATENT_NO.sub(lambda m: m[0].replace(" ", "\u00a0"), text)
    return _CODE_HYPHEN.sub("\u2011", _STANDARD_NO.sub("\\1\u00a0", text))


def unbreakable_width(text: str) -> int:
    """Display width of the longest run of `text` no line may break inside (a code, a number, a word)."""
    return max((len(m) for m in _RUN.findall(keep_codes(text))), default=0)


def _cut_at_word(text: str, n: int) -> str:
    """The first n characters of text or fewer: never inside a run of Latin letters or digits (a word,
    a number, a code), never leaving opening punctuation last; '' when no such place."""
    cut = min(n, len(text))
    while 0 < cut < len(text) and _RUN.match(text[cut]) and _RUN.match(text[cut - 1]):
        cut -= 1
    while cut > 0 and text[cut - 1] in "（“‘《【「『〈([ 　；、，":
        cut -= 1
    return text[:cut]


def fit_names(prefix: str, names: list[str], ref: str, width_cm: float, lines: int) -> tuple[str, bool]:
    """`prefix` and the names joined with ；, within `lines` lines of a cell `width_cm` wide. When they do
    not fit: whole names first, then "等 N 个", and the pointer to the full list (`ref`, measured as
    "（全文见附件材料 99）"); a single name that does not fit is cut at a word boundary with …
    Returns (text, whether it was cut)."""
    full = prefix + "；".join(names)
    if text_lines(full, width_cm) <= lines:
        return full, False
    more = f" 等 {len(names)} 个" if len(names) > 1 else ""
    measured = "（全文见附件材料 99）"

    def fits(body: str) -> bool:
        return text_lines(prefix + body + more + measured, width_cm) <= lines

    kept: list[str] = []
    for nm in names:
        if not fits("；".join([*kept, nm])):
            break
        kept.append(nm)
    if kept:
        return prefix + "；".join(kept) + more + ref, True
    first = names[0] if names else ""
    lo, hi = 0, len(first)  # the longest beginning of the first name that fits, with …
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(first[:mid] + "…"):
            lo = mid
        else:
            hi = mid - 1
    return prefix + _cut_at_word(first, lo) + "…" + more + ref, True


def widest_fill(prefix: str, width_cm: float, lines: int) -> str:
    """`prefix` then Chinese characters up to exactly `lines` lines of the cell: a budget's worst case."""
    n = 0
    while text_lines(prefix + "国" * (n + 8), width_cm) <= lines:
        n += 8
    while text_lines(prefix + "国" * (n + 1), width_cm) <= lines:
        n += 1
    return prefix + "国" * n


def _widest_value(q: Question) -> str | None:
    """The widest answer a question can hold as printed (its max_chars, or its bounds), None when unbounded."""
    if q.max_chars:
        return "国" * q.max_chars
    if q.max is not None or q.min is not None:
        big = max(abs(q.max or 0), abs(q.min or 0))
        return ("-" if (q.min or 0) < 0 else "") + f"{big:,.{q.places}f}".replace(",", "")
    if q.type in ("decimal", "percent", "integer"):  # computed, unbounded: the widest a float prints here
        return "-" + "9" * 15 + ".00"
    return None


def content_widths(headers: list[str], rows: list[list[str]], total: float = 16.0) -> list[float]:
    """Column widths (cm) from the content (a sample of rows): short values (a kind, a level) and codes
    (credit codes, standard and patent numbers) get the width that keeps them on one line; the rest of the
    page is shared by the longer texts (names) by length. The first column is 序号."""
    sample = rows[:200]
    need, weights = [], []
    for j, h in enumerate(headers):
        values = [r[j] for r in sample if j < len(r)]
        longest = max([display_width(v) for v in values] + [2])
        runs = max([unbreakable_width(v) for v in values] + [2])
        one_line = longest <= 12 or longest == runs  # short, or one code: never wrapped
        width = (longest if one_line else runs) * CM_PER_COLUMN + CELL_PAD_CM + 0.15
        head = min(display_width(h), 8) * CM_PER_COLUMN + CELL_PAD_CM  # a header at 4 字 a line
        need.append(min(max(width, head), total / 2))
        weights.append(0 if one_line or not j else min(max(longest, display_width(h), 8), 40))
    need[0] = max(need[0], 1.3)
    spare = max(total - sum(need), 0.0)
    if not any(weights):
        weights = [0] + [1] * (len(need) - 1)
    out = [n + spare * w / sum(weights) for n, w in zip(need, weights, strict=True)]
    return [w * total / sum(out) for w in out]


def _clean(text: Any) -> str:
    return clean_text(str(text)) if text is not None else ""


def _cell_formatter(col: Column) -> Callable[[Any], str]:
    """How one column's cells print, on one line (its type decides; lists can be 10 000 rows)."""
    shown = of(col).cell_formatter(col)
    return lambda v: _inline(shown(v))


def _inline(text: str) -> str:
    """One-line text for a table cell or list row."""
    return " ".join(_clean(text).split("\n")).replace("\r", "").replace("\t", " ")


class _Builder:
    def __init__(self, engine: Engine, draft: bool, opinion: str = ""):
        self.e = engine
        self.flow = engine.flow
        self.year = engine.year
        self.draft = draft
        self.opinion = opinion  # the district's 考核意见 from its review record (assistant/hosting/review.py)
        self.placed: set[str] = set()
        self.overflow: list[str] = []  # lists cut short in a cell, printed in full as appendices

    # -- values ------------------------------------------------------------------------------
    def label(self, q: Question | str) -> str:
        return _clean(self.e.official_label(q))

    def text(self, s: str) -> str:
        return _clean(fill(s, self.year))

    def missing(self, qid: str) -> bool:
        q = self.flow[qid]
        if not self.e.is_relevant(qid) or qid in self.e.state.not_applicable:
            return False
        if q.computes:
            return self.e.value(qid) is None
        return q.required and qid not in self.e.session.answers

    def value(self, qid: str) -> str:
        """The answer as printed in a cell: no unit (the label carries it), 无 / 不适用 / 【未填】."""
        self.placed.add(qid)
        q = self.flow[qid]
        if qid in self.e.state.not_applicable:
            return NOT_APPLICABLE
        if self.missing(qid):
            return MISSING
        if not self.e.is_relevant(qid):
            return NONE_TEXT
        if not q.calculated and qid not in self.e.session.answers:
            return NONE_TEXT
        shown = self.e.shown(qid, unit=False)
        return _clean(shown) if of(q).narrative else _inline(shown)

    def checkboxes(self, qid: str) -> tuple[str, bool]:
        self.placed.add(qid)
        q = self.flow[qid]
        stored = of(q).option_id(self.e.value(qid))  # a yes/no stores True/False
        options = [(o.id, o.label or o.id) for o in q.options] or [("yes", "是"), ("no", "否")]
        boxes = "　".join(f"{CHECKED if oid == stored else UNCHECKED}{_clean(label)}" for oid, label in options)
        if self.missing(qid):
            return f"{boxes}　{MISSING}", True
        return boxes, False

    # -- parts 一–六 --------------------------------------------------------------------------
    def field_row(self, spec: FieldRowFile, ncols: int) -> Row:
        qid = spec["field"]
        q = self.flow[qid]
        val = self.value(qid)
        miss = val == MISSING
        if spec.get("unit") and val not in (MISSING, NONE_TEXT, NOT_APPLICABLE, ""):
            val = f"{val} {spec['unit']}"
        note = self.text(q.note)
        if note and q.computes and q.evidence:
            note += appendix_ref(EVIDENCE)
        elif note and q.list_id:
            note += appendix_ref(q.list_id)
        text = f"{val}　{note}" if note else val
        widest = _widest_value(q)
        if widest is not None:
            widest = f"{widest} {spec['unit']}" if spec.get("unit") else widest
            widest = f"{widest}　{note}" if note else widest
        return Row([Cell(self.label(q)), Cell(text, span=ncols - 1, missing=miss, worst=widest)], qid=qid)

    def part_grid(self, spec: TableFile) -> Grid:
        widths = [float(w) for w in spec["widths"]]
        n = len(widths)
        rows: list[Row] = []
        for item in spec["rows"]:
            if item == "year":
                year = Cell(f"{self.year} 年", span=n - 1, bold=True, center=True)
                rows.append(Row([Cell("年度", bold=True, center=True), year], header=True))
            elif "field" in item:
                rows.append(self.field_row(item, n))
            elif "choice" in item:
                qid = item["choice"]
                text, miss = self.checkboxes(qid)
                text += appendix_ref(f"{DETAILS}{qid}")  # the details of a 是 went to 补充说明
                rows.append(Row([Cell(self.label(qid)), Cell(text, span=n - 1, missing=miss)], qid=qid))
            elif "matrix" in item:
                rows.extend(self.matrix_rows(item["matrix"], n, item.get("list")))
            elif "group" in item:
                rows.extend(self.group_rows(item, n, sum(widths[2:]) * 16.0 / sum(widths)))
            else:
                raise ValueError(f"unknown layout row {item!r}")
        return Grid(widths, rows)

    def matrix_rows(self, qid: str, n: int, list_id: str | None = None) -> list[Row]:
        """`list_id`: the attached list the note asks for (the layout's `list:`), pointed to like the others."""
        q = self.flow[qid]
        self.placed.add(qid)
        stored = self.e.grid(qid) or {}
        miss = self.missing(qid)
        label = self.label(q) + (f"\n{self.text(q.note)}" if q.note else "")
        if q.note and (list_id or q.list_id):
            label += appendix_ref(list_id or q.list_id or "", "\n")
        if miss:
            label += f"\n{MISSING}"
        # n == 4: label | corner | one column per col option
        head = [Cell(label, merge="restart", missing=miss), Cell(self.text(q.corner or "类别"), center=True, bold=True)]
        head += [Cell(self.text(c.label), center=True, bold=True) for c in q.cols]
        rows = [Row(head, qid=qid)]
        for r in q.rows:
            cells = [Cell("", merge="continue"), Cell(self.text(r.label), center=True)]
            for c in q.cols:
                v = (stored.get(r.id) or {}).get(c.id)
                cells.append(Cell(MISSING if v is None and miss else str(v if v is not None else 0), center=True))
            rows.append(Row(cells, qid=qid))
        return rows

    def group_rows(self, spec: GroupRowFile, n: int, width_cm: float) -> list[Row]:
        """A label merged down the left over one row per count: 数量 and the names, the names within
        the cell's budget of lines (不得串页); the full list, when cut, goes to an appendix."""
        rows = []
        lines = int(spec.get("lines", NAMES_LINES))
        for i, qid in enumerate(spec["counts"]):
            q = self.flow[qid]
            count = self.value(qid)
            prefix = f"数量：{count} 个　名称："
            text, worst = f"{prefix}无", widest_fill(f"数量：{_widest_value(q) or ''} 个　名称：", width_cm, lines)
            if count == MISSING:
                text = f"数量：{MISSING}"
            elif q.list_id:
                self.placed.add(q.list_id)
                items = self.e.rows(q.list_id) or []
                if not items and self.missing(q.list_id):
                    text = f"{prefix}{MISSING}"  # a count above 0 whose names are not entered yet
                elif items:
                    names = [_inline(str(next(iter(row.values()), ""))) for row in items]
                    text, cut = fit_names(prefix, names, appendix_ref(q.list_id, "（全文", "）"), width_cm, lines)
                    if cut:
                        self.overflow.append(q.list_id)
            first = Cell(self.text(spec["group"]), merge="restart" if i == 0 else "continue")
            if i:
                first.text = ""
            rows.append(Row([first, Cell(self.label(q)), Cell(text, span=n - 2, missing=MISSING in text,
                                                              worst=worst)], qid=qid))
        return rows

    # -- part 七 -------------------------------------------------------------------------------
    def narrative(self, qid: str, heading: bool = True) -> list[Block]:
        q = self.flow[qid]
        val = self.value(qid)
        blocks = [Block("subheading", self.label(q), qid=qid)] if heading else []
        paras = [p.strip() for p in val.split("\n") if p.strip()] or [NONE_TEXT]
        blocks += [Block("para", p, qid=qid, missing=p == MISSING) for p in paras]
        return blocks

    def targets(self, spec: GroupedTableFile) -> Grid:
        """A table grouped by one column, in the form's shape: the fixed rows of each group, then
        the rows the operator added to it, then (where the form prints one) an empty row; the
        `always` groups appear even with no rows."""
        qid = spec["grouped_table"]
        q = self.flow[qid]
        self.placed.add(qid)
        cols = {c.id: c for c in q.columns}
        group = cols[spec["group_by"]]
        rows_in: list[dict[str, Any]] = list(self.e.rows(qid) or q.preset_rows)

        def preset(r: dict[str, Any]) -> bool:  # one of the form's fixed rows (its printed cells unchanged)
            return any(all(r.get(k) == v for k, v in p.items()) for p in q.preset_rows)

        own_after, always = set(spec.get("own_row_after") or []), set(spec.get("always") or [])
        head = Row([Cell(self.text(c.label), bold=True, center=True) for c in q.columns], header=True)
        out = [head]
        known = {o.id for o in group.options}
        for gid in [o.id for o in group.options] + sorted({str(r.get(group.id)) for r in rows_in} - known):
            rows = [r for r in rows_in if str(r.get(group.id)) == gid]
            added = [r for r in rows if not preset(r)]
            blank = {group.id: gid}
            if (gid in own_after and not added) or (gid in always and not rows):
                rows.append(blank)
            for i, r in enumerate(rows):
                first = Cell("" if i else _inline(show_cell(group, gid)), merge="restart" if i == 0 else "continue",
                             center=True)
                cells = [Cell(_inline(show_cell(c, r.get(c.id))) if r is not blank else "") for c in q.columns[1:]]
                out.append(Row([first, *cells], qid=qid, keep_with_next=i < len(rows) - 1))
        return Grid([float(w) for w in spec["widths"]], out)

    # -- blocks ------------------------------------------------------------------------------
    def block(self, item: LayoutBlockFile) -> list[Block]:
        """One block of a part, by the kind the layout names."""
        if "table" in item:  # label/value rows: field, choice, matrix, group (platform rows), year
            return [Block("grid", grid=self.part_grid(item["table"]))]
        if "narrative" in item:
            return self.narrative(item["narrative"], heading=item.get("heading", True))
        if "grouped_table" in item:
            q = self.flow[item["grouped_table"]]
            out = [Block("grid", grid=self.targets(item), qid=q.id)]
            return out + ([Block("note", self.text(q.note))] if q.note else [])
        if "list_table" in item:  # a list drawn as small tables in the text, only when it has rows
            q = self.flow[item["list_table"]]
            wide = bool(item.get("landscape", False))
            grids = _list_table(self, q, landscape=wide)
            out = []
            for i, g in enumerate(grids):
                if wide:  # a caption names it (and, split by columns, which part of it)
                    nth = f"（{'一二三四五六七八九'[i]}）" if len(grids) > 1 and i < 9 else ""
                    out.append(Block("note", f"{self.label(q)}{nth}", landscape=True))
                out.append(Block("grid", grid=g, qid=q.id, landscape=wide))
            return out
        if "declaration" in item:
            return [self.declaration(item["declaration"])]
        if "sign" in item:
            return [self.sign(item["sign"])]
        raise ValueError(f"unknown layout block {item!r}")

    @staticmethod
    def _date_line(date: str) -> str:
        return date.replace("年", " 年 ").replace("月", " 月 ").replace("日", " 日").strip()

    def declaration(self, dec: DeclarationFile) -> Block:
        """A declaration signed by hand after printing: text, signatory line, seal and date, in a bordered table."""
        sig_q = self.flow[dec["signer"]]
        signer = self.value(sig_q.id)
        date = self.value(dec["date"])
        signed = f"（{signer}）" if signer not in (NONE_TEXT, MISSING, "") else (f"　{MISSING}" if signer == MISSING else "")
        if date in (MISSING, NONE_TEXT, ""):
            date_line = "年　　月　　日" + (f"　{MISSING}" if date == MISSING else "")
        else:
            date_line = self._date_line(date)
        # Room for the hand signature, the seal and the date, as on the printed form; the district's 考核意见
        # (once it approved the report) stands above its seal, where the district would otherwise write it.
        district = ["", "", ""]
        if self.opinion and dec.get("opinion"):
            said = [_clean(line) for line in self.opinion.strip().split("\n")]
            district = ["", f"{_clean(dec['opinion'])}{said[0]}", *said[1:], ""]
        lines = [_clean(dec["text"]), "", "", f"{self.label(sig_q)}：________________{signed}", *district,
                 _clean(dec.get("seal", "")), "", "", "", date_line, ""]
        cell = Cell("\n".join(lines), missing=MISSING in (signer, date), right_lines=(len(lines) - 2,))
        widths = [float(w) for w in dec.get("widths", [3.0, 13.0])]
        grid = Grid(widths, [Row([Cell(_clean(dec["label"]), bold=True, center=True), cell], qid=sig_q.id)])
        return Block("grid", grid=grid)

    def sign(self, so: SignFile) -> Block:
        """A sign-off below the text: who (with the seal) and the date, right aligned."""
        who = self.value(so["who"])
        date = self.value(so["date"])
        if date not in (MISSING, NONE_TEXT):
            date_text = self._date_line(date)
        else:  # a blank date line to be written by hand (in the year the report is filed)
            date_text = f"{self.year + 1} 年　月　日" + (f"　{MISSING}" if date == MISSING else "")
        who_text = f"{who}{so.get('seal', '')}" if who != MISSING else f"{self.label(so['who'])}　{MISSING}"
        return Block("sign", lines=[who_text, date_text], missing=MISSING in (who, date))

    # -- appendices ----------------------------------------------------------------------------
    def appendices(self, lists: list[str]) -> tuple[list[Part], dict[str, int]]:
        """The attached lists, the calculation evidence, and the answers no row of the form holds."""
        e, flow = self.e, self.flow
        appendices: list[Part] = []
        numbers: dict[str, int] = {}  # appendix_ref key -> appendix number
        n = 0
        for qid in list(lists) + self.overflow:
            if not e.is_relevant(qid) or not e.value(qid):
                self.placed.add(qid)
                continue
            n += 1
            numbers[qid] = n
            t = self.list_table(qid, n)
            appendices.append(Part(f"appendix:{qid}", t.title, [Block("list", table=t, qid=qid)], new_page=True))
        calc = [q for q in flow.questions if q.computes and q.evidence and e.is_relevant(q.id)]
        given = [q for q in flow.questions if counts(e, q.id)]  # figures from enterprise data / last year
        if calc or given:
            n += 1
            numbers[EVIDENCE] = n
            blocks = []
            for q in calc:
                blocks.append(Block("subheading", self.label(q), qid=q.id))
                blocks.append(Block("grid", grid=self.evidence(q), qid=q.id))
                self.placed.update(q.evidence)
            for q in given:
                blocks.append(Block("subheading", self.label(q), qid=q.id))
                grid = Grid([5.0, 11.0], [Row([Cell(k), Cell(_clean(v))], qid=q.id) for k, v in appendix_rows(e, q.id)])
                blocks.append(Block("grid", grid=grid, qid=q.id))
            appendices.append(Part("appendix:evidence", f"附件材料{n}：计算佐证材料", blocks, new_page=True))
        # Answers the form has no row for (details of a change, an accident): listed so nothing is lost.
        extra = [q for q in flow.questions if q.id not in self.placed and q.printed
                 and e.is_relevant(q.id) and q.id in e.session.answers and not of(q).is_list]
        if extra:
            n += 1
            for q in extra:  # a 是/否 row whose details are listed here points to them
                ex = flow.expr(q.id, "relevant")
                for name in ex.names if ex is not None else ():
                    numbers[f"{DETAILS}{name}"] = n
            grid = Grid([6.0, 10.0], [Row([Cell(self.label(q)), Cell(_inline(e.shown(q.id)))], qid=q.id) for q in extra])
            appendices.append(Part("appendix:notes", f"附件材料{n}：补充说明", [Block("grid", grid=grid)], new_page=True))
        return appendices, numbers

    def list_table(self, qid: str, number: int) -> ListTable:
        q = self.flow[qid]
        self.placed.add(qid)
        stored = self.e.rows(qid) or []
        cols = q.columns
        fmt = [(c.id, _cell_formatter(c)) for c in cols]
        rows = [[str(i)] + [f(r.get(cid)) for cid, f in fmt] for i, r in enumerate(stored, 1)]
        headers = ["序号"] + [self.text(c.label) for c in cols]
        return ListTable(qid, f"附件材料{number}：{self.label(q)}", headers, rows, content_widths(headers, rows))

    def evidence(self, q: Question) -> Grid:
        rows = [Row([Cell("指标", bold=True), Cell(self.label(q))])]
        for role, ref in zip(("分子", "分母"), q.evidence, strict=False):  # a formula may name one input or none
            rows.append(Row([Cell(f"{role}：{self.label(ref)}"), Cell(self.value(ref))], qid=ref))
        rows.append(Row([Cell("计算公式"), Cell(self.text(q.formula) or NONE_TEXT)]))
        if not q.override:
            rows.append(Row([Cell("计算结果"), Cell(self.value(q.id))], qid=q.id))
            return Grid([7.0, 9.0], rows)
        # The operator accepted the computed value or typed the figure with its basis: say which.
        computed = self.e.state.computed.get(q.id)
        rows.append(Row([Cell("计算结果"), Cell(computed or "无法计算")], qid=q.id))
        stored = self.e.session.answers.get(q.id)
        value = self.value(q.id)
        figure = typed(stored)
        if figure is not None:
            source = f"填报单位填写：{value}；依据：{_inline(basis_text(figure[1]))}（上面的计算结果仅供参考）"
        elif isinstance(stored, dict) and stored.get("source") == "computed":
            source = f"采用上面的计算结果：{value}"
        else:
            source = value
        rows.append(Row([Cell("填报值来源"), Cell(source, missing=value == MISSING)], qid=q.id))
        return Grid([7.0, 9.0], rows)


def _findings(engine: Engine) -> list[str]:
    out = []
    for f in blocking(engine.findings()):
        sec = engine.flow.section_of.get(f.qid)
        where = fill(sec.title, engine.year) if sec and sec.title else ""
        out.append(_clean(f"{where}：{f.message}" if where else f.message))
    return out


def build_report(engine: Engine, *, draft: bool = False, opinion: str = "") -> Report:
    """Walk the form's layout (templates/<form>.layout.yaml): its cover, then each part made of
    generic blocks chosen by the layout data, then the appendices. `opinion`: the district's 考核意见 of an
    approved report, printed where the layout's declaration has its place (else left for handwriting)."""
    lay = load_layout(engine.flow.form)
    b = _Builder(engine, draft, opinion)
    flow = engine.flow
    for qid in flow.title_blanks:  # printed in the title
        b.value(qid)
    cover = [(c["label"], "　".join(b.value(q) for q in c["qids"])) for c in lay.get("cover") or []]
    parts: list[Part] = []
    specs = lay.get("parts") or _plain_parts(flow)
    for spec in specs:
        section, rows, widths = spec.get("section"), spec.get("rows"), spec.get("widths")
        sec = flow.section(section) if section else None
        blocks = [Block("note", b.text(spec["note"]))] if spec.get("note") else []
        table: list[LayoutBlockFile] = [{"table": {"widths": widths, "rows": rows}}] if (
            rows is not None and widths is not None) else []  # the check gives both or neither
        items = spec.get("blocks") or table
        for item in items:
            blocks += b.block(item)
        pid = spec.get("id")
        parts.append(Part(sec.id if sec else pid if pid is not None else f"part:{len(parts)}",
                          b.text(sec.title) if sec else "",
                          blocks, new_page=spec.get("new_page", True), one_page=spec.get("one_page", False)))
    lists = lay.get("appendix_lists") if "appendix_lists" in lay else [q.id for q in flow.questions if of(q).is_list]
    appendices, numbers = b.appendices(lists or [])
    _resolve_refs(parts, numbers)
    return Report(form=flow.form, attachment=flow.attachment, title=_clean(engine.form_title()), year=engine.year,
                  cover=cover, issuer=lay.get("issuer", ""), instructions_title=lay.get("instructions_title", ""),
                  instructions=[b.text(s) for s in lay.get("instructions") or []], parts=parts,
                  appendices=appendices, missing=_findings(engine), draft=draft, **_properties(engine, lay))


def _plain_parts(flow: Flow) -> list[PartFile]:
    """A form without a layout file: each section a label/value table; narratives as text; lists
    attached (so a new form prints before its layout is written)."""
    out: list[PartFile] = []
    for sec in flow.sections:
        kinds = [of(q) for q in sec.questions]
        rows: list[LayoutRowFile] = [{"field": q.id} for q, t in zip(sec.questions, kinds, strict=True)
                if q.printed and not (t.is_list or t.is_grid or t.narrative)]
        blocks: list[LayoutBlockFile] = [{"table": {"widths": [8, 8], "rows": rows}}] if rows else []
        blocks += [{"narrative": q.id} for q, t in zip(sec.questions, kinds, strict=True) if q.printed and t.narrative]
        if blocks:
            out.append({"section": sec.id, "blocks": blocks})
    return out


def _column_groups(need: list[float], page: float) -> list[list[int]]:
    """Columns in tables that fit `page`, each starting with column 0 (the name): as few tables as the
    greedy fill needs, then the columns shared evenly among them (not a last table of two columns)."""
    greedy: list[list[int]] = [[0]]
    for j in range(1, len(need)):
        if sum(need[k] for k in greedy[-1]) + need[j] > page and len(greedy[-1]) > 1:
            greedy.append([0])
        greedy[-1].append(j)
    if len(greedy) == 1:
        return greedy
    rest, n = list(range(1, len(need))), len(greedy)
    size = -(-len(rest) // n)
    even = [[0, *rest[i:i + size]] for i in range(0, len(rest), size)]
    return even if all(sum(need[k] for k in g) <= page for g in even) else greedy


LANDSCAPE_TEXT_CM = 24.7  # A4 landscape less 2.5 cm margins
WIDE_TABLE_PT = 9.0  # a wide table's text (五号 is 10.5): still readable, more columns per page
_FIGURE = re.compile(r"^[-+]?[\d.,]+%?$")


def _list_table(b: _Builder, q: Question, landscape: bool = False) -> list[Grid]:
    """A list answer as small tables: a header row of the column labels, one row per entry. Columns at least
    as wide as their widest figure (numbers never wrap) and their header at four characters a line; with
    `landscape`, on a landscape page at 9 pt, and split into tables that each repeat the first column (the
    name) when the columns do not fit one page's width."""
    b.placed.add(q.id)
    rows = b.e.rows(q.id) if b.e.is_answered(q.id) else None
    if not rows:
        return []
    cols = [c for c in q.columns if c.printed and any(str(r.get(c.id) or "").strip() for r in rows)]
    headers = [_inline(b.e.text(c.label or c.id)) for c in cols]
    cells = [[_inline(str(r.get(c.id) or "")) for c in cols] for r in rows]
    pt, page = (WIDE_TABLE_PT, LANDSCAPE_TEXT_CM) if landscape else (10.5, 16.0)
    per_col = CM_PER_COLUMN * pt / 10.5
    need, weight = [], []
    for j, h in enumerate(headers):
        values = [r[j] for r in cells]
        figures = all(_FIGURE.match(v) or not v for v in values)
        unit = re.search(r"（[^（）]*）$", h)  # a header's unit stays on one line: （亿元）
        head = max(min(display_width(h), 6), display_width(unit[0]) if unit else 0)  # else 3 字 a line
        runs = max([unbreakable_width(v) for v in values] + [head])
        need.append(runs * per_col + CELL_PAD_CM + 0.15 if figures else max(2.2, runs * per_col + CELL_PAD_CM))
        weight.append(0.0 if figures else float(min(max(display_width(v) for v in [h, *values]), 40)))
    groups = _column_groups(need, page)
    grids = []
    for group in groups:
        spare = max(page - sum(need[k] for k in group), 0.0)
        total_w = sum(weight[k] for k in group)
        widths = [need[k] + (spare * weight[k] / total_w if total_w else spare / len(group)) for k in group]
        header = Row([Cell(headers[k], bold=True, center=True) for k in group], header=True)
        body = [Row([Cell(r[k], center=bool(weight[k] == 0)) for k in group], qid=q.id) for r in cells]
        grids.append(Grid(widths, [header, *body], landscape=landscape, font_pt=pt, text_width_cm=page))
    return grids


EVIDENCE, DETAILS = "evidence", "details:"
_REF = re.compile("\x00([^\x00]*)\x00([^\x00]*)\x00([^\x00]*)\x00")


def appendix_ref(key: str, sep: str = "　", end: str = "") -> str:
    """A pointer to the appendix `key` ends up in ("{sep}见附件材料 N{end}"); numbered once every appendix
    is known (nothing if none).

    NUL never survives _clean, so no answer can contain or forge one."""
    return f"\x00{key}\x00{sep}\x00{end}\x00"


def _resolve_refs(parts: list[Part], numbers: dict[str, int]) -> None:
    def fix(text: str) -> str:
        return _REF.sub(lambda m: f"{m[2]}见附件材料 {numbers[m[1]]}{m[3]}" if m[1] in numbers else "", text)

    for part in parts:
        for block in part.blocks:
            block.text = fix(block.text)
            block.lines = [fix(line) for line in block.lines]
            for row in block.grid.rows if block.grid is not None else ():
                for cell in row.cells:
                    cell.text = fix(cell.text)
                    cell.worst = fix(cell.worst) if cell.worst else cell.worst


def file_properties(e: Engine) -> dict[str, str]:
    """Author (who files it) and subject (whose report) from the answers the form's layout names."""
    return _properties(e, load_layout(e.session.form))


def _properties(e: Engine, lay: LayoutFile) -> dict[str, str]:
    """Author and subject of the file, from the answers the layout names (blank while unanswered)."""
    spec = lay.get("properties") or {}

    def answered(qid: str) -> str:
        v = e.value(qid) if qid in e.flow.by_id else None
        return _clean(v) if isinstance(v, str) and v != NONE_TEXT else ""

    names = [answered(q) for q in spec.get("subject") or []]
    subject = "　".join(n for n in names if n)
    author = spec.get("author")
    return {"author": answered(author) if author else "",
            "subject": f"{subject} {e.year} 年度".strip() if subject else f"{e.year} 年度"}


@dataclass
class Fit:
    """Whether a one-page part fits its page: by construction (every varying cell within its budget,
    the worst case of which is rendered by the tests), or by the estimate where something is unbounded."""

    part: Part
    height_cm: float  # estimated, as filled
    worst_cm: float | None  # estimated with every varying cell at its widest; None: something is unbounded
    biggest: Row | None
    biggest_cm: float = 0.0

    @property
    def sure(self) -> bool:
        return self.worst_cm is not None and self.worst_cm <= PAGE_BODY_CM

    @property
    def fits(self) -> bool:
        """The estimate errs high: a part over the page by the estimate is warned about (not passed)."""
        return self.sure or self.height_cm <= PAGE_BODY_CM


def part_fit(part: Part) -> Fit:
    grids = [b.grid for b in part.blocks if b.grid is not None]
    rows = [(h, r) for g in grids for h, r in zip(g.row_heights_cm(), g.rows, strict=True)]
    bounded = all(c.worst is not None for g in grids for r in g.rows for c in r.cells)
    worst = sum(sum(g.row_heights_cm(worst=True)) for g in grids) if bounded else None
    top = max(rows, key=lambda hr: hr[0]) if rows else (0.0, None)
    return Fit(part, sum(h for h, _ in rows), worst, top[1], top[0])


def worst_case(report: Report) -> Report:
    """The report with every varying cell of its one-page parts at its widest (what the layout's
    budgets allow): rendered by the tests, it must keep each of those parts on one page."""
    import copy

    out = copy.deepcopy(report)
    for part in out.parts:
        for block in part.blocks if part.one_page else ():
            for row in block.grid.rows if block.grid is not None else ():
                for cell in row.cells:
                    if cell.worst:
                        cell.text = cell.worst
    return out


def page_overflows(engine: Engine) -> list[tuple[str, str, str]]:
    """(section id, question id, message) for each one-page part (一–六) that may run over its page,
    naming the row that takes most room: said before a file is written. Parts whose every varying
    cell has a budget fit by construction; others are judged by the estimate (which errs high)."""
    report = build_report(engine, draft=True)
    out = []
    for part in report.parts:
        if not part.one_page:
            continue
        fit = part_fit(part)
        if fit.fits or fit.biggest is None:
            continue
        over = fit.height_cm - PAGE_BODY_CM
        row, height = fit.biggest, fit.biggest_cm
        qid = row.qid or ""
        label = _clean(engine.official_label(engine.flow[qid])) if qid in engine.flow.by_id else part.title
        out.append((part.id, qid, f"“{part.title}”的表格估计比一页长约 {over:.1f} 厘米，表格要求这一部分不得串页。"
                                  f"最占地方的是“{label}”一栏（约 {height:.1f} 厘米）：请精简这一栏的文字，"
                                  "或把较长的名单、说明放到附件材料中。"))
    return out


def layout_findings(engine: Engine) -> list[Finding]:
    """Parts 一–六 that will not fit their page (the document's height model); a warning, as the
    estimate is not the printer."""
    return [Finding(WARNING, qid, section, message, "one_page") for section, qid, message in page_overflows(engine)]

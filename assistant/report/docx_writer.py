"""Draw a Report (see model.py) as a .docx that reproduces the printed form.

Facts that shape this file (python-docx 1.2):
- python-docx's default template says eastAsia="ja-JP" and uses theme fonts, so Chinese falls back
  to a Japanese face; fonts and languages are set explicitly on docDefaults, styles and runs.
- No API for w:cantSplit / w:tblHeader: written into w:trPr in schema order.
- table.add_row().cells costs ~1.2 ms a row and table.cell(r, c) is quadratic, so tables are
  written as XML: small form tables from one string, long lists by deep-copying a prepared row.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any
from xml.sax.saxutils import escape

from assistant.form.parse import clean_text as _clean_controls
from assistant.report.model import MISSING, Block, Grid, ListTable, Part, Report, keep_codes
from assistant.text.cjkwrap import display_width
from assistant.text.textsafe import strip_bidi


def clean_text(text: str) -> str:
    """Text Word can store, without bidi overrides (they would reorder what the reader sees)."""
    return strip_bidi(_clean_controls(text))

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NSDECL = f'xmlns:w="{W_NS}"'
LATIN = "Times New Roman"
SONG, FANGSONG, HEI = "宋体", "仿宋", "黑体"
TEXT_WIDTH_CM = 16.0
TWIPS_PER_CM = 567


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def _twips(cm: float) -> int:
    return round(cm * TWIPS_PER_CM)


def _x(text: str) -> str:
    return escape(clean_text(text))


def _fonts_xml(east: str) -> str:
    return f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{east}" w:cs="{LATIN}"/>'


# -- document set-up ---------------------------------------------------------------------------
def _set_rfonts(rpr: Any, east: str) -> None:
    """w:rFonts with an explicit East Asian face; theme attributes removed so they cannot win."""
    rfonts = rpr.find(_w("rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(_w("rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(_w(attr), None)
    for attr, val in (("ascii", LATIN), ("hAnsi", LATIN), ("eastAsia", east), ("cs", LATIN)):
        rfonts.set(_w(attr), val)


def _style(doc: Any, name: str, *, east: str, size: float, bold: bool = False, align: str | None = None,
           before: float = 0, after: float = 0, line: float | None = None, keep_next: bool = False,
           first_indent: float | None = None) -> Any:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = doc.styles["Normal"]
    st.font.size = Pt(size)
    st.font.bold = bold
    st.font.name = LATIN
    _set_rfonts(st.element.get_or_add_rPr(), east)
    pf = st.paragraph_format
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if line is not None:
        pf.line_spacing = line
    pf.keep_with_next = keep_next
    if first_indent is not None:
        pf.first_line_indent = Pt(first_indent)
    if align:
        pf.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    return st


def _new_document(draft: bool) -> Any:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)  # A4
    sec.top_margin = sec.bottom_margin = Cm(2.5)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.header_distance = sec.footer_distance = Cm(1.3)

    # Document defaults: explicit fonts, Chinese as the East Asian language.
    styles_el = doc.styles.element
    rpr_default = styles_el.find(f"{_w('docDefaults')}/{_w('rPrDefault')}/{_w('rPr')}")
    _set_rfonts(rpr_default, SONG)
    lang = rpr_default.find(_w("lang"))
    if lang is not None:
        lang.set(_w("val"), "en-US")
        lang.set(_w("eastAsia"), "zh-CN")
    settings = doc.settings.element
    tfl = settings.find(_w("themeFontLang"))
    if tfl is not None:
        tfl.set(_w("eastAsia"), "zh-CN")

    normal = doc.styles["Normal"]
    normal.font.name = LATIN
    normal.font.size = Pt(12)
    _set_rfonts(normal.element.get_or_add_rPr(), FANGSONG)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.25

    _style(doc, "Form Attachment", east=HEI, size=16)
    _style(doc, "Form Title", east=SONG, size=22, bold=True, align="center", before=24, after=24)
    _style(doc, "Form Cover Line", east=FANGSONG, size=16, before=12, after=12)
    _style(doc, "Form Issuer", east=SONG, size=16, align="center", before=120)
    _outline(_style(doc, "Part Heading", east=HEI, size=15, before=6, after=10, keep_next=True), 0)
    _outline(_style(doc, "Sub Heading", east=HEI, size=13, before=8, after=4, keep_next=True), 1)
    _style(doc, "Body Para", east=FANGSONG, size=12, line=1.35, first_indent=24, align="justify")
    _style(doc, "Form Note", east=FANGSONG, size=10.5, before=4, after=4)
    _style(doc, "Table Text", east=SONG, size=10.5, line=1.0)
    _style(doc, "Sign Line", east=FANGSONG, size=14, align="right", before=6, after=6)
    _style(doc, "Missing Item", east=FANGSONG, size=11)

    _style(doc, "Page Number", east=SONG, size=14, align="center")
    if draft:
        for header in (sec.header, sec.first_page_header):
            hp = header.paragraphs[0]
            hp.alignment = 1
            run = hp.add_run("草稿 · 尚未完成，不可报送")
            run.font.size = Pt(12)
            run.font.bold = True
            run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
            run.font.name = LATIN
            _set_rfonts(run.element.get_or_add_rPr(), HEI)
    _page_numbers(sec.footer.paragraphs[0])
    return doc


def _outline(style: Any, level: int) -> None:
    """An outline level on a heading style: Word's navigation pane (导航窗格) lists the parts and their headings."""
    ppr = style.element.get_or_add_pPr()
    ppr.append(ppr.makeelement(_w("outlineLvl"), {_w("val"): str(level)}))


def _page_numbers(p: Any) -> None:
    """The footer of 公文: "— 3 —" centred, 4号宋体 (the cover has none: see build_docx)."""
    from docx.oxml import parse_xml

    p.style = "Page Number"
    rpr = "<w:rPr>" + _fonts_xml(SONG) + "</w:rPr>"
    run = '<w:r {ns}>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'
    p._p.append(parse_xml(run.format(ns=NSDECL, rpr=rpr, text="— ")))
    p._p.append(parse_xml(f'<w:fldSimple {NSDECL} w:instr=" PAGE "><w:r>{rpr}<w:t>1</w:t></w:r></w:fldSimple>'))
    p._p.append(parse_xml(run.format(ns=NSDECL, rpr=rpr, text=" —")))


# -- paragraphs ----------------------------------------------------------------------------------
def _para(doc: Any, text: str, style: str, *, page_break: bool = False, missing: bool = False) -> Any:
    from docx.shared import RGBColor

    p = doc.add_paragraph(style=style)
    run = p.add_run(clean_text(text))
    _set_rfonts(run.element.get_or_add_rPr(), _east_of(doc, style))
    if missing:
        run.font.bold = True
        run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    if page_break:
        p.paragraph_format.page_break_before = True
    return p


def _east_of(doc: Any, style: str) -> str:
    rfonts = doc.styles[style].element.rPr.find(_w("rFonts"))
    return rfonts.get(_w("eastAsia")) if rfonts is not None else SONG


def _insert(doc: Any, el: Any) -> None:
    doc.element.body.sectPr.addprevious(el)


# -- tables --------------------------------------------------------------------------------------
_TBL_PR = (
    '<w:tblPr><w:tblW w:w="{w}" w:type="dxa"/><w:jc w:val="center"/>'
    '<w:tblBorders>' + "".join(
        f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")) + '</w:tblBorders>'
    '<w:tblLayout w:type="fixed"/>'
    '<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="90" w:type="dxa"/>'
    '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="90" w:type="dxa"/></w:tblCellMar></w:tblPr>'
)
_RPR = "<w:rPr>" + _fonts_xml(SONG) + "{b}{color}</w:rPr>"


def _cell_xml(text: str, width: int, *, span: int = 1, merge: str | None = None, bold: bool = False,
              center: bool = False, keep_next: bool = False, missing: bool = False,
              right_lines: tuple[int, ...] = (), size: float = 10.5) -> str:
    tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if span > 1:
        tcpr += f'<w:gridSpan w:val="{span}"/>'
    if merge == "restart":
        tcpr += '<w:vMerge w:val="restart"/>'
    elif merge == "continue":
        tcpr += "<w:vMerge/>"
    tcpr += '<w:vAlign w:val="center"/>'
    ppr = '<w:pStyle w:val="TableText"/>' + ("<w:keepNext/>" if keep_next else "") + ('<w:jc w:val="center"/>' if center else "")
    lines = clean_text(text).split("\n") if merge != "continue" else [""]
    paras = []
    for i, line in enumerate(lines):
        flag = missing and MISSING in line  # 【未填】 in red so it cannot be missed on paper
        ppr_i = ppr.replace('<w:jc w:val="center"/>', "") + '<w:jc w:val="right"/>' if i in right_lines else ppr
        rpr = _RPR.format(b="<w:b/>" if (bold or flag) else "", color='<w:color w:val="C00000"/>' if flag else "")
        if size != 10.5:
            rpr = rpr.replace("</w:rPr>", f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/></w:rPr>')
        run = f'<w:r>{rpr}<w:t xml:space="preserve">{_x(keep_codes(line))}</w:t></w:r>' if line else ""
        paras.append(f"<w:p><w:pPr>{ppr_i}</w:pPr>{run}</w:p>")
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{''.join(paras)}</w:tc>"


def _grid_el(grid: Grid, *, keep_together: bool) -> Any:
    """A form table from one XML string: gridSpan and vMerge exactly as the model says."""
    from docx.oxml import parse_xml

    scale = grid.text_width_cm / sum(grid.widths)
    cols = [_twips(w * scale) for w in grid.widths]
    rows_xml = []
    last = len(grid.rows) - 1
    for i, row in enumerate(grid.rows):
        trpr = "<w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if row.header and i == 0 else "") + "</w:trPr>"
        cells, col = [], 0
        for c in row.cells:
            width = sum(cols[col:col + c.span])
            cells.append(_cell_xml(c.text, width, span=c.span, merge=c.merge, bold=c.bold or row.header,
                                   center=c.center, keep_next=(keep_together and i < last) or row.keep_with_next,
                                   missing=c.missing,
                                   right_lines=c.right_lines, size=grid.font_pt))
            col += c.span
        rows_xml.append(f"<w:tr>{trpr}{''.join(cells)}</w:tr>")
    grid_xml = "".join(f'<w:gridCol w:w="{w}"/>' for w in cols)
    xml = f"<w:tbl {NSDECL}>{_TBL_PR.format(w=sum(cols))}<w:tblGrid>{grid_xml}</w:tblGrid>{''.join(rows_xml)}</w:tbl>"
    return parse_xml(xml)


_ROW_SLOT = "@@filing_cell_{}@@"  # no hyphen: keep_codes would make it non-breaking


def _list_parts(table: ListTable) -> tuple[Any, list[str]]:
    """An appendix list as (table element holding the repeated header row, XML fragments of one row).

    The data rows are not built as lxml nodes: the prepared row's XML is split at its text slots
    and each row is the fragments joined with that row's escaped values. Moving 10 000 deep-copied
    lxml rows into the document costs ~0.1 ms a row here (namespace reconciliation); joining
    strings costs a few µs. The rows are put in place when the package is saved (see build_docx).
    """
    from docx.oxml import parse_xml

    scale = TEXT_WIDTH_CM / sum(table.widths)
    cols = [_twips(w * scale) for w in table.widths]
    head = "".join(_cell_xml(h, w, bold=True, center=True) for h, w in zip(table.headers, cols, strict=True))
    grid_xml = "".join(f'<w:gridCol w:w="{w}"/>' for w in cols)
    tbl = parse_xml(f"<w:tbl {NSDECL}>{_TBL_PR.format(w=sum(cols))}<w:tblGrid>{grid_xml}</w:tblGrid>"
                    f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{head}</w:tr></w:tbl>")
    proto = "".join(_cell_xml(_ROW_SLOT.format(i), w, center=(i == 0)) for i, w in enumerate(cols))
    row_xml = f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{proto}</w:tr>"
    fragments = re.split(r"@@filing_cell_\d+@@", row_xml)
    return tbl, fragments


def _rows_xml(table: ListTable, fragments: list[str]) -> str:
    n = len(fragments) - 1
    first, rest = fragments[0], fragments[1:]
    out = []
    for values in table.rows:
        vals = (list(values) + [""] * n)[:n]
        out.append(first + "".join(_x(keep_codes(v)) + f for v, f in zip(vals, rest, strict=True)))
    return "".join(out)


class _Pending:
    """Row XML to splice into word/document.xml after python-docx has serialised it."""

    def __init__(self) -> None:
        self.items: list[tuple[bytes, ListTable, list[str]]] = []

    def add(self, tbl: Any, table: ListTable, fragments: list[str]) -> None:
        from lxml import etree

        marker = f"filing-rows-{len(self.items)}"
        tbl.append(etree.Comment(marker))
        self.items.append((f"<!--{marker}-->".encode(), table, fragments))

    def splice(self, package: bytes) -> bytes:
        """Put the rows in place, and name the fonts the document uses in its font table (python-docx's
        template lists Japanese fonts, which Word offers as substitutes for the Chinese ones)."""
        src = zipfile.ZipFile(io.BytesIO(package))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "word/document.xml":
                    for marker, table, fragments in self.items:
                        data = data.replace(marker, _rows_xml(table, fragments).encode("utf-8"), 1)
                else:
                    data = fix_part(info.filename, data)
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
        return out.getvalue()


APPLICATION = "集群填报助手"
_APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            f"<Template>Normal.dotm</Template><Application>{APPLICATION}</Application><DocSecurity>0</DocSecurity>"
            "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
            "<HyperlinksChanged>false</HyperlinksChanged></Properties>")
_COMPAT_MODE = re.compile(rb'(<w:compatSetting w:name="compatibilityMode" [^>]*w:val=")\d+(")')


def fix_part(name: str, data: bytes) -> bytes:
    """python-docx's template, corrected: app.xml names this program (not "Microsoft Macintosh Word"), Word
    opens the file without 兼容模式 (compatibilityMode 15), and the font table names the fonts used."""
    if name == "docProps/app.xml":
        return _APP_XML.encode("utf-8")
    if name == "word/settings.xml":
        return _COMPAT_MODE.sub(rb"\g<1>15\g<2>", data)
    if name == "word/fontTable.xml":
        return _FONT_TABLE.encode("utf-8")
    return data


def _font_xml(name: str, alt: str, charset: str, family: str) -> str:
    return (f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="{charset}"/>'
            f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>')


_FONT_TABLE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:fonts {NSDECL}>'
    + _font_xml(SONG, "SimSun", "86", "auto") + _font_xml(FANGSONG, "FangSong", "86", "modern")
    + _font_xml(HEI, "SimHei", "86", "modern") + _font_xml(LATIN, "Times New Roman", "00", "roman")
    + "</w:fonts>")


# -- parts ---------------------------------------------------------------------------------------
def _draw_block(doc: Any, b: Block, *, one_page: bool, pending: _Pending) -> None:
    if b.kind == "subheading":
        _para(doc, b.text, "Sub Heading")
    elif b.kind == "para":
        _para(doc, b.text, "Body Para", missing=b.missing)
    elif b.kind == "note":
        _para(doc, b.text, "Form Note")
    elif b.kind == "grid" and b.grid is not None:
        # Keep a part's table with its heading on one page; a table taller than a page (extreme
        # answers) is allowed to flow rather than leaving the heading alone on an empty page.
        _insert(doc, _grid_el(b.grid, keep_together=one_page and b.grid.fits_page()))
        if not one_page:
            _para(doc, "", "Form Note")
    elif b.kind == "list" and b.table is not None:
        tbl, fragments = _list_parts(b.table)
        _insert(doc, tbl)
        pending.add(tbl, b.table, fragments)
        _para(doc, f"共 {b.table.total} 条。", "Form Note")
    elif b.kind == "sign":
        # The sign-off never stands alone on a page: it keeps the last paragraph with it.
        body_paras = doc.element.body.findall(_w("p"))
        if body_paras:
            ppr = body_paras[-1].get_or_add_pPr()
            ppr.keepNext_val = True
        for _ in range(2):
            _para(doc, "", "Normal").paragraph_format.keep_with_next = True
        for i, line in enumerate(b.lines):
            p = _para(doc, line, "Sign Line", missing=b.missing and MISSING in line)
            p.paragraph_format.keep_with_next = i < len(b.lines) - 1


def _draw_part(doc: Any, part: Part, pending: _Pending) -> None:
    if part.title:
        _para(doc, part.title, "Part Heading", page_break=part.new_page)
    landscape = False
    for b in part.blocks:
        if b.landscape != landscape:  # a wide table on landscape pages: a section of its own
            _section_break(doc, landscape=landscape)
            landscape = b.landscape
        if b.landscape and b.kind == "note":
            _para(doc, b.text, "Sub Heading").paragraph_format.alignment = 1
            continue
        _draw_block(doc, b, one_page=part.one_page, pending=pending)
    if landscape:
        _section_break(doc, landscape=True)


def _section_break(doc: Any, *, landscape: bool) -> None:
    """End the section so far (portrait, or landscape) with a paragraph carrying its properties: the body's
    (page size, margins, header and footer) turned for a landscape one. The next section starts a new page."""
    import copy

    body = doc.element.body
    first = body.find(f"{_w('p')}/{_w('pPr')}/{_w('sectPr')}") is None
    sect = copy.deepcopy(body.sectPr)
    if not first:  # only the first section has a cover without a page number
        for el in sect.findall(_w("titlePg")):
            sect.remove(el)
    if landscape:
        size = sect.find(_w("pgSz"))
        size.set(_w("w"), str(_twips(29.7)))
        size.set(_w("h"), str(_twips(21.0)))
        size.set(_w("orient"), "landscape")
    p = doc.add_paragraph(style="Form Note")
    p._p.get_or_add_pPr().append(sect)


def _draw_missing(doc: Any, report: Report) -> None:
    if not report.missing:
        return
    _para(doc, f"草稿：尚有 {len(report.missing)} 处必须填写或修改（完成后方可正式报送）", "Sub Heading", missing=True)
    for i, m in enumerate(report.missing, 1):
        _para(doc, f"{i}. {m}", "Missing Item")


def build_docx(report: Report) -> bytes:
    """The whole document in memory; the caller writes it atomically."""
    doc = _new_document(report.draft)
    if report.draft:
        _draw_missing(doc, report)
    start_new = bool(report.draft and report.missing)
    if report.cover:  # a cover page (the layout has one): title, cover lines, issuer; the instructions after it
        doc.sections[0].different_first_page_header_footer = True  # no page number on the cover
        _para(doc, report.attachment, "Form Attachment", page_break=start_new)
        blanks_top, blanks_mid, issuer_before = _cover_spacing(report.cover)
        for _ in range(blanks_top):
            _para(doc, "", "Normal")
        _para(doc, report.title, "Form Title")
        for _ in range(blanks_mid):
            _para(doc, "", "Normal")
        for label, value in report.cover:
            p = _para(doc, f"{label}：", "Form Cover Line")
            p.paragraph_format.left_indent = _cm(1.5)
            run = p.add_run(clean_text(value) or "　" * 12)
            run.font.underline = True
            _set_rfonts(run.element.get_or_add_rPr(), FANGSONG)
        _para(doc, report.issuer, "Form Issuer").paragraph_format.space_before = _pt(issuer_before)
    else:
        _para(doc, report.attachment, "Form Attachment", page_break=start_new)
        _para(doc, report.title, "Form Title")
    if report.instructions:
        _para(doc, report.instructions_title, "Form Title", page_break=bool(report.cover))
        for i, s in enumerate(report.instructions, 1):
            _para(doc, f"{i}. {s}", "Body Para")
    pending = _Pending()
    for part in report.all_parts:
        _draw_part(doc, part, pending)
    if doc.element.body.find(f"{_w('p')}/{_w('pPr')}/{_w('sectPr')}") is not None:
        for el in doc.element.body.sectPr.findall(_w("titlePg")):  # the cover is in the first section
            doc.element.body.sectPr.remove(el)
    _set_properties(doc, report)
    buf = io.BytesIO()
    doc.save(buf)
    return pending.splice(buf.getvalue())


def blocks_docx(title: str, blocks: list[Block], *, author: str = "") -> bytes:
    """A short document in the report's look (宋体/仿宋/黑体, zh-CN, the same tables): a title, then blocks
    (subheading, para, note, grid). For the 报送清单 beside the report."""
    doc = _new_document(False)
    _para(doc, title, "Form Title").paragraph_format.space_before = _pt(0)
    pending = _Pending()
    for b in blocks:
        _draw_block(doc, b, one_page=False, pending=pending)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by, props.comments = clean_text(title), author, author, ""
    buf = io.BytesIO()
    doc.save(buf)
    return pending.splice(buf.getvalue())


def _set_properties(doc: Any, report: Report) -> None:
    """Word's 属性 dialog shows what this is and who filed it, not python-docx's template defaults (2013)."""
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc).replace(microsecond=0)
    props = doc.core_properties
    props.title = clean_text(report.title)
    props.subject = clean_text(report.subject)
    props.author = props.last_modified_by = clean_text(report.author)
    props.comments = props.keywords = props.category = ""
    props.created = props.modified = now
    props.revision = 1


COVER_CHARS_PER_LINE = 24  # 三号仿宋 on a 14.5 cm line, in Chinese characters
COVER_LINE_PT = 29  # one more wrapped line of a cover entry (measured in LibreOffice: 28.9 pt)
COVER_SLACK_PT = 150  # white space under the issuer on the sample cover (≈ 198 pt), less a margin


def _cover_spacing(cover: list[tuple[str, str]]) -> tuple[int, int, float]:
    """(blank lines above the title, blank lines below it, points above the issuer).

    The printed cover has generous white space; long names first use the space under the issuer,
    then take back the space above it and the blank lines, so the cover stays one page."""
    lines = sum(-(-display_width(f"{label}：{value}") // (2 * COVER_CHARS_PER_LINE)) for label, value in cover)
    need = max(0, (lines - len(cover)) * COVER_LINE_PT - COVER_SLACK_PT)
    issuer_before = max(24.0, 120.0 - need)
    left = max(0.0, need - (120.0 - issuer_before))
    take = int(-(-left // 19.0))  # an empty 小四 line is about 19 pt
    top = max(1, 3 - (take + 1) // 2)
    mid = max(1, 4 - take // 2)
    return top, mid, issuer_before


def _pt(v: float) -> Any:
    from docx.shared import Pt

    return Pt(v)


def _cm(v: float) -> Any:
    from docx.shared import Cm

    return Cm(v)

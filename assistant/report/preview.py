"""Markdown of a report (templates/<form>.md.j2) and the rich terminal preview."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from assistant.form.catalog import package, packaged_root, root_of
from assistant.form.parse import clean_text
from assistant.form.sandbox import DOCUMENT, environment, render_file
from assistant.interview.engine import Engine
from assistant.report.model import Grid, Report, build_report
from assistant.text.cjkwrap import Wrapped
from assistant.text.textsafe import strip_bidi, visible

if TYPE_CHECKING:
    from rich.console import Console, Group

    from assistant.session.store import Session

PREVIEW_ROWS = 10  # rows of each attached list shown in the terminal


# Markdown and HTML in user text are escaped so that a previewer shows them as typed: a title "# x",
# "<script>", "[x](y)", "*a*", "a|b" or a line starting "- " / "> " / "1." is text, not structure.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|~&])")
_MD_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])")


class _Md(str):
    """Text already escaped for Markdown (a table cell built by md_grid): `cell` keeps it as it is."""


def _escape(value: Any) -> str:
    return _MD_INLINE.sub(r"\\\1", strip_bidi(clean_text(str(value if value is not None else ""))))


def _line_start(line: str) -> str:
    """A line that would start a list, a setext heading or an ordered list is escaped at its start;
    leading spaces (an indented code block) are dropped."""
    return _MD_LINE_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3),
                              line.lstrip(" \t"))


def _cell(value: Any) -> str:
    """A Markdown table cell: text escaped, line breaks kept as <br>."""
    text = value if isinstance(value, _Md) else _escape(value)
    return "<br>".join(line for line in text.replace("\r", "").split("\n") if line.strip()) or " "


def _inline(value: Any) -> str:
    """One line of text (a heading, a cover value): escaped, newlines as spaces."""
    return " ".join(_escape(value or "").split("\n"))


def _block(value: Any) -> str:
    """A paragraph of user text: escaped, its lines kept, each line's start made harmless."""
    return "\n".join(_line_start(line) for line in _escape(value or "").replace("\r", "").split("\n"))


def _md_grid(grid: Grid) -> SimpleNamespace:
    """Spans become empty cells to their right; vertically merged cells below their first row are blank."""
    n = len(grid.widths)
    rows: list[list[str]] = []
    for row in grid.rows:
        out: list[str] = []
        for c in row.cells:
            text = "" if c.merge == "continue" else _cell(c.text)
            out.append(_Md(f"**{text}**" if c.missing and c.text else text))
            out.extend([""] * (c.span - 1))
        rows.append((out + [""] * n)[:n])
    if grid.rows and grid.rows[0].header:
        return SimpleNamespace(head=rows[0], body=rows[1:])
    return SimpleNamespace(head=["栏目", "填报内容"] + [""] * (n - 2), body=rows)


def _env(form: str) -> Any:
    return package(form).memo("markdown_env", lambda: _new_env(form))


def _new_env(form: str) -> Any:
    from jinja2 import FileSystemLoader, StrictUndefined

    # The form's own templates first, then the packaged ones (_blocks.md.j2, report.md.j2).
    folders = list(dict.fromkeys(str(r / "templates") for r in (root_of(form), packaged_root())))

    # A form folder may come from anyone: its template runs in the bounded sandbox. Markdown, not
    # HTML: the cell / inline / block filters escape Markdown and HTML. Answers are passed as data
    # only, so text such as "{{ 7*7 }}" or "{% raw %}" in an answer is printed as it is, never evaluated.
    return environment(loader=FileSystemLoader(folders), undefined=StrictUndefined, keep_trailing_newline=True,
                       filters={"cell": _cell, "inline": _inline, "block": _block, "md_grid": _md_grid})


def _cells(report: Report) -> int:
    """How much data the report holds (cells of its tables and grids, its blocks): the template's
    bounds grow with it, so a 10 000-row list renders while a runaway loop is stopped."""
    n = len(report.cover) + len(report.instructions) + len(report.missing)
    for part in report.all_parts:
        for block in part.blocks:
            n += 1 + len(getattr(block, "lines", None) or ())
            if block.grid is not None:
                n += sum(len(row.cells) for row in block.grid.rows)
            if block.table is not None:
                n += (len(block.table.rows) + 1) * max(len(block.table.headers), 1)
    return n


def markdown_of(report: Report, *, max_list_rows: int | None = None) -> str:
    text = render_file(_env(report.form), [f"{report.form}.md.j2", "report.md.j2"],
                       {"report": report, "max_rows": max_list_rows}, limits=DOCUMENT.scaled(_cells(report)),
                       folder=str(root_of(report.form) / "templates"))
    # Collapse the blank lines template control leaves behind.
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip() if not line.strip() else line)
    return strip_bidi("\n".join(lines).strip() + "\n")


def render_markdown(session: Session, *, max_list_rows: int | None = None, draft: bool = False) -> str:
    return markdown_of(build_report(Engine.for_session(session), draft=draft), max_list_rows=max_list_rows)


def print_preview(session: Session, console: Console | None = None) -> None:
    """The report in the terminal: every label whole (wrapped, never cut), notes, the declaration
    and sign-off; long lists cut to their first rows with the count."""
    from rich.console import Console

    console = console or Console()
    console.print(terminal_view(build_report(Engine.for_session(session)), max_list_rows=PREVIEW_ROWS))


def terminal_view(report: Report, *, max_list_rows: int = PREVIEW_ROWS) -> Group:
    """The report drawn from the same model as the .docx, as rich renderables (the TUI preview and
    `filing preview`). All user text goes in as rich Text: never markup, control characters shown."""
    from rich.console import Group
    from rich.rule import Rule
    from rich.text import Text

    out: list[Any] = []
    if report.draft and report.missing:
        out.append(_t(f"草稿：尚有 {len(report.missing)} 处必须填写或修改（完成后方可正式报送）", "bold red"))
        out += [_w(f"{i}. {m}") for i, m in enumerate(report.missing, 1)]
        out.append(Rule())
    out.append(_t(report.attachment, "bold"))
    out.append(_t(report.title, "bold", justify="center"))
    if report.cover:
        out.append(Text())
        for label, value in report.cover:
            line = _t(f"{label}：")
            line.append_text(_t(value or "　" * 12, "underline"))
            out.append(_wrapped(line))
        out.append(Text())
    if report.issuer:
        out.append(_t(report.issuer, justify="center"))
    if report.instructions:
        out += [Rule(), _t(report.instructions_title, "bold", justify="center")]
        out += [_w(f"{i}. {s}") for i, s in enumerate(report.instructions, 1)]  # numbered as printed
    for part in report.all_parts:
        if part.new_page:
            out.append(Rule(style="dim"))
        if part.title:
            out.append(_t(part.title, "bold"))
        for block in part.blocks:
            out += _block_view(block, max_list_rows)
    return Group(*out)


def _t(text: Any, style: str = "", *, justify: Any = None) -> Any:
    from rich.text import Text


    return Text(visible(clean_text(str(text or ""))), style=style, justify=justify)


def _w(text: Any, style: str = "", *, justify: Any = None) -> Any:
    """Text that wraps the Chinese way wherever it is drawn (a paragraph, a table cell)."""
    return Wrapped(_t(text, style, justify=justify))


def _wrapped(text: Any) -> Any:
    return Wrapped(text)


def _block_view(block: Any, max_list_rows: int) -> list[Any]:
    from rich.text import Text

    if block.kind == "subheading":
        return [_t(block.text, "bold")]
    if block.kind == "para":
        return [_w("　　" + block.text, "bold red" if block.missing else "")]
    if block.kind == "note":
        return [_w(block.text, "dim")]
    if block.kind == "sign":
        return [Text(), *[_t(line, "bold red" if block.missing and "【" in line else "", justify="right")
                          for line in block.lines]]
    if block.kind == "grid" and block.grid is not None:
        return _grid_view(block.grid)
    if block.kind == "list" and block.table is not None:
        return _list_view(block.table, max_list_rows)
    return []


def _grid_view(grid: Grid) -> list[Any]:
    """A grid with merged cells: consecutive rows of the same shape become one rich Table (rich has
    no column spans), so a label and its value always get the widths they have on paper."""
    from rich import box
    from rich.table import Table

    groups: list[tuple[tuple[int, ...], list[Any]]] = []
    for row in grid.rows:
        shape = tuple(c.span for c in row.cells)
        if groups and groups[-1][0] == shape:
            groups[-1][1].append(row)
        else:
            groups.append((shape, [row]))
    tables = []
    for shape, rows in groups:
        table = Table(box=box.SQUARE, show_header=False, expand=True, padding=(0, 1), show_lines=True)
        col = 0
        for span in shape:
            width = sum(grid.widths[col:col + span])
            col += span
            table.add_column(ratio=max(1, round(width * 10)), overflow="fold")
        for row in rows:
            cells = []
            for c in row.cells:
                lines = [] if c.merge == "continue" else c.text.split("\n")
                style = "bold red" if c.missing else ("bold" if c.bold or row.header else "")
                if c.right_lines:  # the seal and date lines of a declaration stand at the right
                    from rich.console import Group

                    cells.append(Group(*[_w(line, style, justify="right" if i in c.right_lines else None)
                                         for i, line in enumerate(lines)]))
                else:
                    cells.append(_w("\n".join(lines), style, justify="center" if c.center else None))
            table.add_row(*cells)
        tables.append(table)
    return tables


def _list_view(table: Any, max_rows: int) -> list[Any]:
    from rich import box
    from rich.table import Table

    t = Table(box=box.SQUARE, expand=True, title=None, show_lines=False)
    for i, h in enumerate(table.headers):
        t.add_column(_t(h, "bold"), ratio=max(1, round(table.widths[i] * 10)) if table.widths else None,
                     overflow="fold")
    for row in table.rows[:max_rows]:
        t.add_row(*[_w(v) for v in row])
    out = [t]  # the part's title is the table's
    if table.total > max_rows:
        out.append(_t(f"（共 {table.total} 行，这里显示前 {max_rows} 行；导出的 Word 文件中完整列出。）", "dim"))
    return out

"""Markdown of a report (templates/<form>.md.j2) and the rich terminal preview."""

from __future__ import annotations

import re
from functools import cache
from types import SimpleNamespace
from typing import Any

from ..parse import clean_text
from ..paths import data_dir
from ..textsafe import strip_bidi
from .model import Grid, Report, build_report

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


@cache
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # autoescape off: the output is Markdown, not HTML; the cell / inline / block filters escape
    # Markdown and HTML instead. Answers are passed as data only, so text such as "{{ 7*7 }}" or
    # "{% raw %}" in an answer is printed as it is, never evaluated.
    env = Environment(loader=FileSystemLoader(str(data_dir("templates"))), autoescape=False,
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.filters["cell"] = _cell
    env.filters["inline"] = _inline
    env.filters["block"] = _block
    env.filters["md_grid"] = _md_grid
    return env


def markdown_of(report: Report, *, max_list_rows: int | None = None) -> str:
    text = _env().get_template(f"{report.form}.md.j2").render(report=report, max_rows=max_list_rows)
    # Collapse the blank lines template control leaves behind.
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip() if not line.strip() else line)
    return strip_bidi("\n".join(lines).strip() + "\n")


def render_markdown(session: Any, *, max_list_rows: int | None = None, draft: bool = False) -> str:
    from ..engine import Engine

    return markdown_of(build_report(Engine.for_session(session), draft=draft), max_list_rows=max_list_rows)


def print_preview(session: Any, console: Any = None) -> None:
    """The report in the terminal, long lists cut to their first rows with the count."""
    from rich.console import Console
    from rich.markdown import Markdown

    from ..textsafe import visible

    console = console or Console()
    md = render_markdown(session, max_list_rows=PREVIEW_ROWS).replace("<br>", "；")
    console.print(Markdown(visible(md)))  # an ESC in an answer is shown, never sent to the terminal

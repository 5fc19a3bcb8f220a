"""Markdown of a report (templates/<form>.md.j2) and the rich terminal preview."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace
from typing import Any

from ..parse import clean_text
from ..paths import data_dir
from .model import Grid, Report, build_report

PREVIEW_ROWS = 10  # rows of each attached list shown in the terminal


def _cell(value: Any) -> str:
    """A Markdown table cell: pipes escaped, line breaks kept as <br>."""
    text = clean_text(str(value if value is not None else ""))
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line for line in text.replace("\r", "").split("\n") if line.strip()) or " "


def _inline(value: Any) -> str:
    return " ".join(clean_text(str(value or "")).split("\n"))


def _md_grid(grid: Grid) -> SimpleNamespace:
    """Spans become empty cells to their right; vertically merged cells below their first row are blank."""
    n = len(grid.widths)
    rows: list[list[str]] = []
    for row in grid.rows:
        out: list[str] = []
        for c in row.cells:
            out.append("" if c.merge == "continue" else (f"**{c.text}**" if c.missing and c.text else c.text))
            out.extend([""] * (c.span - 1))
        rows.append((out + [""] * n)[:n])
    if grid.rows and grid.rows[0].header:
        return SimpleNamespace(head=rows[0], body=rows[1:])
    return SimpleNamespace(head=["栏目", "填报内容"] + [""] * (n - 2), body=rows)


@cache
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # autoescape off: the output is Markdown, not HTML. Answers are passed as data only, so text
    # such as "{{ 7*7 }}" or "{% raw %}" in an answer is printed as it is, never evaluated.
    env = Environment(loader=FileSystemLoader(str(data_dir("templates"))), autoescape=False,
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)
    env.filters["cell"] = _cell
    env.filters["inline"] = _inline
    env.filters["md_grid"] = _md_grid
    return env


def markdown_of(report: Report, *, max_list_rows: int | None = None) -> str:
    text = _env().get_template(f"{report.form}.md.j2").render(report=report, max_rows=max_list_rows)
    # Collapse the blank lines template control leaves behind.
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line.rstrip() if not line.strip() else line)
    return "\n".join(lines).strip() + "\n"


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

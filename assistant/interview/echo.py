"""What was read, said back: the small table of a parsed answer, the confirmation question, and the reply
to "不清楚". Shared by the conversation (TUI, `filing ask`) and the command line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from assistant.form.glossary import load_glossary
from assistant.form.parse import Parsed
from assistant.form.values import show, show_cell
from assistant.text.cjkwrap import display_width

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.interview.engine import Engine

CONFIRM_HINT = "（回车或“是”确认，“否”重新输入）"


def echo_table(rows: list[list[str]]) -> str:
    """Rows of cells as aligned plain text (CJK characters count two columns), for any terminal."""
    widths = [max(display_width(r[i]) for r in rows if i < len(r)) for i in range(max(len(r) for r in rows))]
    lines = []
    for r in rows:
        cells = [c + " " * (widths[i] - display_width(c)) if i < len(r) - 1 else c for i, c in enumerate(r)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def echo_rows(q: Question, rows: Sequence[Mapping[str, object]], text: Callable[[str], str] = str) -> str:
    """A list's rows as an aligned table under its column labels (what is about to be stored);
    `text` fills the labels ({year})."""
    head = [text(c.label or c.id) for c in q.columns]
    return echo_table([head] + [[show_cell(c, r.get(c.id)) or "—" for c in q.columns] for r in rows])


def echo_text(parsed: Parsed) -> str:
    """The parsed answer's table and note, or "" when there is nothing to show back."""
    parts = [echo_table(parsed.echo)] if parsed.echo else []
    if parsed.note:
        parts.append(parsed.note)
    return "\n".join(parts)


def confirm_message(q: Question, parsed: Parsed) -> str:
    """Ask to confirm a reading before it is stored: the table when there is one, else the value as recorded."""
    if parsed.echo:
        head = "我读到的是：\n" + echo_table(parsed.echo)
        return "\n".join(x for x in (head, parsed.note, f"按这张表记录吗？{CONFIRM_HINT}") if x)
    return f"{parsed.note}\n记录为：{show(q, parsed.value)}，对吗？{CONFIRM_HINT}"


def unsure_message(engine: Engine, q: Question, said: str) -> str:
    """The reply to "不清楚": nothing is stored; offer 稍后 and say where the figure usually comes from."""
    glossary = load_glossary(engine.session.form)
    lines = [(f"没关系，“{said.strip()}”不会被记录，这一项可以稍后再填：输入“稍后”先填下一题，"
              f"查到后输入“跳到 {engine.label(q)}”回来补填。")]
    terms = [glossary[t] for t in q.help if t in glossary][:2]
    if terms:
        lines.append("这一项一般这样得来：")
        for t in terms:
            first = t.text.strip().splitlines()[0] if t.text.strip() else ""
            lines.append(f"· {t.term}：{first}" + (f"（依据：{t.source}）" if t.source else ""))
        lines.append("输入 ? 可查看完整说明。")
    return "\n".join(lines)

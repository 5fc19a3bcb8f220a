"""A list's rows stored as the answer, and what the person is told about them (the file reading is lists.py).

Light on purpose: the conversation needs this on its first screen; reading Excel and CSV files is loaded
only when a file is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.form.shapes import Row
from assistant.form.validate import shown
from assistant.interview.checks import involved
from assistant.text.textsafe import visible

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.interview.engine import Engine


class ListRows(list[Row]):
    """Rows read from a list file (stored form), with the file's columns the list has no place for."""

    def __init__(self, rows: list[Row], ignored: list[str] | None = None):
        super().__init__(rows)
        self.ignored: list[str] = list(ignored or [])

    @property
    def note(self) -> str:
        """What the person is told about the columns left out ("" when none were)."""
        if not self.ignored:
            return ""
        names = "、".join(f"“{visible(shown(h, 40))}”" for h in self.ignored[:10])
        if len(self.ignored) > 10:
            names += f" 等 {len(self.ignored)} 列"
        return f"文件中的{names}不是本名单的列，已忽略（没有导入）。"


def ignored_columns(rows: object) -> str:
    """The note on ignored columns of rows from load_rows ("" for any other list)."""
    return rows.note if isinstance(rows, ListRows) else ""


def count_question(engine: Engine, list_id: str) -> Question | None:
    """The integer question whose count the list must match (flow attribute `list`)."""
    return next((q for q in engine.flow.questions if q.list_id == list_id), None)


def apply_rows(engine: Engine, list_id: str, rows: list[Row]) -> list[str]:
    """Store the list and update the matching count; returns lines reporting the check."""
    q = engine.flow[list_id]
    count_q = count_question(engine, list_id)
    engine.set(list_id, list(rows), advance=False)
    lines = [f"已导入 {len(rows)} 行到“{engine.label(q)}”。"]
    if count_q is not None:
        old = engine.session.answers.get(count_q.id)
        new = engine.parse(count_q.id, str(len(rows))).value
        engine.set(count_q.id, new, advance=False)
        if old is None:
            lines.append(f"已将“{engine.label(count_q)}”填为 {new}。")
        elif old != new:
            lines.append(f"已将“{engine.label(count_q)}”由 {old} 改为 {new}，与名单条数一致。")
        else:
            lines.append(f"“{engine.label(count_q)}”为 {new}，与名单条数一致。")
    lines += related_findings(engine, list_id)
    if len(lines) == (2 if count_q is not None else 1):
        lines.append("检查：名单与相关数量一致。")
    return lines


def related_findings(engine: Engine, list_id: str) -> list[str]:
    count_q = count_question(engine, list_id)
    ids = {list_id} | ({count_q.id} if count_q else set())
    rules = {r.id for r in engine.flow.rules if ids & involved(engine, r.id)}
    return [("✗ 必须修改：" if f.severity == "blocking" else "⚠ 提示：") + f.message
            for f in engine.findings() if f.rule in rules]



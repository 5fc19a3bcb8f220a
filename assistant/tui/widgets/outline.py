"""The parts of the form with progress; selecting a part or a question asks to jump there.

One OptionList (the widget the choice list uses too): every part with its progress, and under the
part the interview stands in, its questions. Selecting a part jumps to it, which opens its questions.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.containers import Vertical
from textual.css.scalar import Unit
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...checks import blocked_questions


def _fit(text: str, width: int) -> str:
    """Cut to `width` terminal cells with …: a sidebar row stays one line (CJK is two cells)."""
    if cell_len(text) <= width:
        return text
    out, used = [], 1
    for ch in text:
        used += cell_len(ch)
        if used > width:
            break
        out.append(ch)
    return "".join(out) + "…"


class OutlineList(OptionList):
    """The outline's rows: an OptionList whose rows change through its public API."""

    def set_prompt(self, index: int, prompt: Text) -> None:
        self.replace_option_prompt_at_index(index, prompt)


class Outline(Vertical):
    class Jump(Message):
        def __init__(self, kind: str, target: str):
            super().__init__()
            self.kind, self.target = kind, target  # kind "section" | "question"

    def compose(self):
        yield Static(id="overall")
        yield OutlineList(id="outline-list")

    def on_mount(self) -> None:
        self._shown: list[tuple[str, str]] = []
        self._labels: dict[str, Text] = {}

    def refresh_from(self, engine: Any) -> None:
        """Rebuild the rows from the engine; nothing is redrawn when nothing changed or hidden."""
        self._engine = engine
        width = self._width()
        if not self.display or not width:
            self._shown = []  # rebuilt when shown, at its real width
            return
        p = engine.progress()
        self.query_one("#overall", Static).update(
            Text.assemble(("总体进度 ", "bold"), f"{p.answered}/{p.total}  ", (f"{p.percent}%", "bold green")))
        cur = engine.current()
        cur_sec = engine.flow.section_of[cur.id].id if cur else None
        answers = engine.session.answers
        blocked = blocked_questions(engine)  # answered, but a blocking finding concerns them: ✗, not ✓
        width = max(width - 4, 12)  # room for the scrollbar and the focus bar
        rows: list[tuple[str, Text]] = []
        for sec in engine.flow.sections:
            sp = engine.progress(sec)
            open_ = sec.id == cur_sec
            count = f" {sp.answered}/{sp.total}"
            title = _fit(engine.text(sec.title), width - 4 - cell_len(count))
            bad = any(q.id in blocked for q in sec.questions)
            rows.append(("§" + sec.id, Text.assemble(
                ("▾ " if open_ else "▸ ", "dim"),
                ("✗ ", "bold red") if bad else ("✓ " if sp.done else "", "green"),
                (title, "bold" if open_ else ""), (count, "dim"))))
            if not open_:
                continue
            for q in sec.questions:
                label = _fit(engine.label(q) or q.id, width - 3)
                if not engine.is_relevant(q.id):
                    t = Text("   " + _fit(engine.label(q) or q.id, width - 3 - 10) + "（不需填）", style="dim strike")
                elif q.calculated:
                    t = Text(" = " + _fit(engine.label(q) or q.id, width - 3 - 12) + "（自动计算）", style="dim italic")
                elif cur is not None and q.id == cur.id:
                    t = Text(("✗▶ " if q.id in blocked else " ▶ ") + label, style="bold reverse")
                elif q.id in blocked:
                    t = Text.assemble((" ✗ ", "bold red"), label)
                elif q.id in answers:
                    t = Text.assemble((" ✓ ", "green"), label)
                else:
                    t = Text(" · " + label)
                rows.append((q.id, t))
        shown = [(key, text.plain + str(text.style)) for key, text in rows]
        before, self._shown = self._shown, shown
        if shown == before:
            return
        self._built_width = width + 4
        self._labels = {key: text for key, text in rows}
        ol = self.query_one(OutlineList)
        if [key for key, _ in before] == [key for key, _ in shown]:
            # The same rows (an answer moved the marker): only the changed rows are drawn again.
            for i, (now, was) in enumerate(zip(shown, before, strict=True)):
                if now != was:
                    ol.set_prompt(i, rows[i][1])
            return
        keep = ol.highlighted_option.id if ol.highlighted_option is not None else None
        ol.clear_options()
        ol.add_options([Option(text, id=key) for key, text in rows])
        ids = [key for key, _ in rows]
        target = keep if keep in ids else (cur.id if cur is not None and cur.id in ids else None)
        if target is not None:
            ol.highlighted = ids.index(target)

    def _width(self) -> int:
        """The laid-out width, or before the first layout the CSS width (so rows come with the first paint)."""
        if self.size.width:
            return self.size.width
        w = self.styles.width
        if w is not None and w.unit == Unit.CELLS:
            return int(w.value) - 1  # the right border
        return 0

    def on_resize(self, event: Any) -> None:
        engine = getattr(self, "_engine", None)
        if engine is not None and self._width() != getattr(self, "_built_width", None):  # content width, not outer
            self._shown = []
            self.refresh_from(engine)

    def label(self, key: str) -> str:
        """The text the sidebar shows for a question id (or "§" + part id); "" when not shown."""
        text = self._labels.get(key)
        return text.plain if text is not None else ""

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = event.option.id or ""
        if key.startswith("§"):
            self.post_message(self.Jump("section", key[1:]))
        elif key:
            self.post_message(self.Jump("question", key))

"""The parts of the form with progress; selecting a part or a question asks to jump there.

One list (drawn line by line): every part with its progress, and under the part the interview stands
in, its questions. Selecting a part jumps to it, which opens its questions.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.css.scalar import Unit
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static
from textual.widgets.option_list import Option

from assistant.interview.checks import blocked_questions
from assistant.interview.drafts import NARRATIVE_RULES


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


class OutlineList(ScrollView, can_focus=True):
    """The outline's rows, one line each, drawn line by line.

    An answer changes two or three rows; only those are drawn again (Textual's OptionList redraws
    every row when one prompt changes through its public API). Rows are Option objects (public:
    .id and .prompt); the list API the outline and its tests use is the OptionList one.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"outline-list--highlight", "outline-list--highlight-blurred"}
    DEFAULT_CSS = """
    OutlineList {
        & > .outline-list--highlight { background: $accent 45%; }
        & > .outline-list--highlight-blurred { background: $accent 15%; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False), Binding("down", "move(1)", show=False),
        Binding("pageup", "move(-10)", show=False), Binding("pagedown", "move(10)", show=False),
        Binding("home", "move(-100000)", show=False), Binding("end", "move(100000)", show=False),
        Binding("enter", "select", show=False),
    ]

    class Selected(Message):
        def __init__(self, option: Option):
            super().__init__()
            self.option = option

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._options: list[Option] = []
        self._prompts: list[Text] = []
        self._highlighted: int | None = None
        self._lines: dict[int, tuple[tuple[Any, ...], Strip]] = {}

    # -- the OptionList API the outline uses ------------------------------------------------------
    @property
    def option_count(self) -> int:
        return len(self._options)

    def get_option_at_index(self, index: int) -> Option:
        return self._options[index]

    @property
    def highlighted(self) -> int | None:
        return self._highlighted

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        if index is not None and self._options:
            index = max(0, min(index, len(self._options) - 1))
        self._highlighted = index if self._options else None
        if self._highlighted is not None:
            self.scroll_to_region(Region(0, self._highlighted, 1, 1), animate=False, immediate=True)
        self.refresh()

    @property
    def highlighted_option(self) -> Option | None:
        return self._options[self._highlighted] if self._highlighted is not None else None

    def clear_options(self) -> None:
        self._options, self._prompts, self._lines = [], [], {}
        self._highlighted = None
        self.virtual_size = Size(0, 0)
        self.refresh()

    def add_options(self, options: list[Option]) -> None:
        self._options += options
        self._prompts += [o.prompt if isinstance(o.prompt, Text) else Text(str(o.prompt)) for o in options]
        self.virtual_size = Size(0, len(self._options))
        self.refresh()

    def set_prompt(self, index: int, prompt: Text) -> None:
        """One row changed: only its line is drawn again."""
        self._prompts[index] = prompt
        self._lines.pop(index, None)
        y = index - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # -- drawing and keys -----------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self._options):
            return Strip.blank(width, self.rich_style)
        lit = index == self._highlighted
        key = (width, lit, lit and self.has_focus)
        got = self._lines.get(index)
        if got is not None and got[0] == key:
            return got[1]
        style = self.rich_style
        if lit:
            style += self.get_component_rich_style(
                "outline-list--highlight" if self.has_focus else "outline-list--highlight-blurred")
        text = self._prompts[index].copy()
        text.truncate(width, overflow="ellipsis")
        own = text.style if isinstance(text.style, Style) else Style.parse(text.style or "")  # render() leaves it out
        segments = [Segment(seg.text, own + seg.style if seg.style else own)
                    for seg in text.render(self.app.console) if seg.text]
        strip = Strip(segments).apply_style(style).extend_cell_length(width, style).crop(0, width)
        self._lines[index] = (key, strip)
        return strip

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._lines = {}

    def action_move(self, step: int) -> None:
        if self._options:
            start = self._highlighted if self._highlighted is not None else (-1 if step > 0 else 0)
            self.highlighted = start + step

    def action_select(self) -> None:
        option = self.highlighted_option
        if option is not None:
            self.post_message(self.Selected(option))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if 0 <= index < len(self._options):
            self.highlighted = index
            self.action_select()


class Outline(Vertical):
    class Jump(Message):
        def __init__(self, kind: str, target: str):
            super().__init__()
            self.kind, self.target = kind, target  # kind "section" | "question"

    def compose(self) -> ComposeResult:
        yield Static(id="outline-total")
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
        self.query_one("#outline-total", Static).update(
            Text.assemble(("总体进度 ", "bold"), f"{p.answered}/{p.total}  ", (f"{p.percent}%", "bold green")))
        cur = engine.current()
        cur_sec = engine.flow.section_of[cur.id].id if cur else None
        answers = engine.session.answers
        blocked = blocked_questions(engine)  # answered, but a blocking finding concerns them: ✗, not ✓
        flagged: dict[str, list[str]] = {}  # narrative stating a figure the answers no longer say: ⚠ and which
        for f in engine.findings():
            if f.rule in NARRATIVE_RULES:
                flagged.setdefault(f.qid, []).append(f.brief or f.message)
        width = max(width - 4, 12)  # room for the scrollbar and the focus bar
        rows: list[tuple[str, Text]] = []
        for sec in engine.flow.sections:
            sp = engine.progress(sec)
            open_ = sec.id == cur_sec
            count = f" {sp.answered}/{sp.total}"
            title = _fit(engine.text(sec.title), width - 4 - cell_len(count))
            bad = any(q.id in blocked for q in sec.questions)
            warn = any(q.id in flagged for q in sec.questions)
            rows.append(("§" + sec.id, Text.assemble(
                ("▾ " if open_ else "▸ ", "dim"),
                ("✗ ", "bold red") if bad else ("⚠ ", "bold yellow") if warn else ("✓ " if sp.done else "", "green"),
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
                    mark = "✗▶ " if q.id in blocked else "⚠▶ " if q.id in flagged else " ▶ "
                    t = Text(mark + label, style="bold reverse")
                elif q.id in blocked:
                    t = Text.assemble((" ✗ ", "bold red"), label)
                elif q.id in flagged:
                    t = Text.assemble((" ⚠ ", "bold yellow"), label)
                elif q.id in answers:
                    t = Text.assemble((" ✓ ", "green"), label)
                else:
                    t = Text(" · " + label)
                rows.append((q.id, t))
                for i, brief in enumerate(flagged.get(q.id, []) if engine.is_relevant(q.id) else []):
                    rows.append((f"⚠{q.id}#{i}", Text("   " + _fit(brief, width - 3), style="yellow")))
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

    def on_outline_list_selected(self, event: OutlineList.Selected) -> None:
        event.stop()
        key = event.option.id or ""
        if key.startswith("§"):
            self.post_message(self.Jump("section", key[1:]))
        elif key.startswith("⚠"):  # the line naming a changed figure, under its question
            self.post_message(self.Jump("question", key[1:].rsplit("#", 1)[0]))
        elif key:
            self.post_message(self.Jump("question", key))

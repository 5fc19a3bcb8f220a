"""A table of text rows drawn line by line: only the lines on screen are ever rendered.

Textual's DataTable recomputes every row's offset after any change (≈ 50 ms for 10 000 rows on this
machine), so an attached list of thousands of rows lagged on each edit. Here a row is one line, the
row list is the editor's own list (no copy), and a change redraws only the screen.

Two modes: rows (a long list: the cursor is a row, Enter opens it) and cells (a small table the form
prints, edited in place: type to replace a cell, Tab to the next cell, Enter to the next row, Esc to
cancel). Cells refused by the engine's check are marked where they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from assistant.frontends.tui.widgets.long_text import Command
from assistant.text.textsafe import visible

MAX_COL = 40  # natural width cap: one long cell does not push the other columns off screen
MIN_COL = 6  # a column squeezed to fit the screen keeps at least this much
SAMPLE = 500  # column widths are measured on the first rows (a 10 000-row list is not walked per change)


def _fit(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return text + " " * (width - cell_len(text))
    out, used = [], 1
    for ch in text:
        if used + cell_len(ch) > width:
            break
        out.append(ch)
        used += cell_len(ch)
    s = "".join(out) + "…"
    return s + " " * (width - cell_len(s))


def _fit_tail(text: str, width: int) -> str:
    """The end of a cell being typed (where the caret is), "…" in front of what does not fit."""
    if cell_len(text) <= width:
        return _fit(text, width)
    out, used = [], 1
    for ch in reversed(text):
        if used + cell_len(ch) > width:
            break
        out.append(ch)
        used += cell_len(ch)
    s = "…" + "".join(reversed(out))
    return s + " " * (width - cell_len(s))


class RowsTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "rows-table--header", "rows-table--cursor", "rows-table--even", "rows-table--error", "rows-table--editing",
        "rows-table--locked",
    }
    DEFAULT_CSS = """
    RowsTable {
        background: $surface;
        scrollbar-gutter: stable;  /* the scrollbar has its own columns, never drawn over the last cells */
        scrollbar-size-vertical: 1;
        & > .rows-table--locked { color: $text-muted; }
        & > .rows-table--header { text-style: bold; background: $panel; }
        & > .rows-table--even { background: $boost; }
        & > .rows-table--cursor { background: $accent 40%; }
        & > .rows-table--error { color: $error; text-style: bold reverse; }
        & > .rows-table--editing { background: $warning 40%; text-style: underline; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", show=False), Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False), Binding("pagedown", "page(1)", show=False),
        Binding("home", "to(0)", show=False), Binding("end", "to(-1)", show=False),
        Binding("left", "column(-1)", show=False), Binding("right", "column(1)", show=False),
    ]

    class Selected(Message):
        """A double click on a row in rows mode (Enter is the list editor's key)."""

        def __init__(self, row: int):
            super().__init__()
            self.row = row

    class Refused(Message):
        """Typing on a cell the form prints (a preset row's 方向, 指标): the editor says why."""

        def __init__(self, row: int, column: int):
            super().__init__()
            self.row, self.column = row, column

    class CellEdited(Message):
        """A cell typed in place (cells mode); the editor stores it."""

        def __init__(self, row: int, column: int, value: str):
            super().__init__()
            self.row, self.column, self.value = row, column, value

    def __init__(self, columns: list[str], rows: list[list[str]], *, cells: bool = False,
                 grow: list[bool] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.columns = columns
        self.grow = grow or [True] * len(columns)  # text columns: spare width goes to them first
        self.locked: set[tuple[int, int]] = set()  # (row, column) printed by the form: shown, never edited
        self.rows = rows
        self.cells = cells
        self.cursor_row = 0
        self.cursor_col = 0
        self.editing: str | None = None  # the text of the cell being typed (cells mode)
        self._tab_start: int | None = None  # where a run of Tabs began: Enter goes back to it, one row down
        self.errors: set[tuple[int, int]] = set()
        self.is_command: Callable[[str], bool] | None = None  # a typed line that is a command, not a cell
        self._need: list[int] = []  # the widest text of each column (measured on the first rows)
        self._widths: list[int] = []  # the widths drawn: _need fitted to the screen
        self.set_rows(rows)

    # -- data ------------------------------------------------------------------------------------
    def set_rows(self, rows: list[list[str]]) -> None:
        """A new list (or a change of many rows): widths measured again, the screen redrawn."""
        self.rows = rows
        self._need = [max(cell_len(c), 4) for c in self.columns]
        for r in rows[:SAMPLE]:
            self._widen(r)
        self.changed()

    def measure(self, rows: list[list[str]]) -> None:
        """Rows just added: their text widens the columns (the first SAMPLE of them)."""
        for r in rows[:SAMPLE]:
            self._widen(r)

    def _widen(self, row: list[str]) -> None:
        for i, cell in enumerate(row[:len(self._need)]):
            w = cell_len(visible(cell))
            if w > self._need[i]:
                self._need[i] = w

    def fit(self, room: int) -> list[int]:
        """Column widths for `room` cells: each column its text (up to MAX_COL); too wide, the widest
        columns give way first; room to spare goes to the columns whose text is cut, then to text columns."""
        n = len(self._need)
        if not n:
            return []
        room -= 3 * n - 1  # the separators and the margins
        widths = [min(MAX_COL, w) for w in self._need]
        while sum(widths) > room:
            widest = max(range(n), key=lambda i: widths[i])
            if widths[widest] <= MIN_COL:
                break  # nothing fits: the table scrolls sideways
            widths[widest] -= 1
        spare = room - sum(widths)
        for i in sorted(range(n), key=lambda i: self._need[i] - widths[i]):  # cut text first, smallest cut first
            if spare <= 0:
                break
            more = min(spare, self._need[i] - widths[i])
            if more > 0:
                widths[i] += more
                spare -= more
        growing = [i for i in range(n) if self.grow[i]] or list(range(n))
        for k, i in enumerate(growing):
            if spare <= 0:
                break
            share = spare // (len(growing) - k)
            widths[i] += share
            spare -= share
        return widths

    def _relayout(self) -> None:
        room = self.scrollable_content_region.width
        self._widths = self.fit(room) if room > 0 else [min(MAX_COL, w) for w in self._need]
        width = sum(self._widths) + 3 * len(self._widths) - 1
        self.virtual_size = Size(width, len(self.rows) + 1)

    def changed(self, row: int | None = None) -> None:
        """Rows were added, edited or deleted: the size and the screen follow (no per-row work)."""
        if row is not None and 0 <= row < len(self.rows):
            self._widen(self.rows[row])
        self._relayout()
        self.cursor_row = max(0, min(self.cursor_row, len(self.rows) - 1))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()
        self.refresh()

    # -- drawing ---------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            return self._line(None, self.columns, width, scroll_x)
        index = scroll_y + y - 1
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        return self._line(index, self.rows[index], width, scroll_x)

    def _line(self, index: int | None, cells: list[str], width: int, scroll_x: int) -> Strip:
        base = self.rich_style
        if index is None:
            style = base + self.get_component_rich_style("rows-table--header")
        elif index == self.cursor_row and (not self.cells or not self.has_focus):
            style = base + self.get_component_rich_style("rows-table--cursor")
        elif index % 2:
            style = base + self.get_component_rich_style("rows-table--even")
        else:
            style = base
        segments = [Segment(" ", style)]
        for i, w in enumerate(self._widths):
            text = visible(cells[i]) if i < len(cells) else ""
            cell_style = style
            if index is not None and (index, i) in self.locked:
                cell_style = cell_style + self.get_component_rich_style("rows-table--locked")
            if index is not None and (index, i) in self.errors:
                cell_style = cell_style + self.get_component_rich_style("rows-table--error")
            # the cursor last: its background must show on a printed (muted) or a marked cell too
            if index is not None and self.cells and index == self.cursor_row and i == self.cursor_col and self.has_focus:
                cell_style = cell_style + self.get_component_rich_style(
                    "rows-table--editing" if self.editing is not None else "rows-table--cursor")
                if self.editing is not None:  # what is typed stays in sight: the cell shows its end
                    segments.append(Segment(_fit_tail(visible(self.editing) + "▏", w), cell_style))
                    segments.append(Segment(" │ " if i < len(self._widths) - 1 else " ", style))
                    continue
            segments.append(Segment(_fit(text, w), cell_style))
            segments.append(Segment(" │ " if i < len(self._widths) - 1 else " ", style))
        strip = Strip(segments).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, Style.from_color(bgcolor=style.bgcolor) if style.bgcolor else base)

    # -- moving ----------------------------------------------------------------------------------
    def move_cursor(self, row: int | None = None, column: int | None = None) -> None:
        if row is not None:
            self.cursor_row = max(0, min(row, len(self.rows) - 1))
        if column is not None:
            self.cursor_col = max(0, min(column, len(self.columns) - 1))
        body = max(1, self.scrollable_content_region.height - 1)
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False, immediate=True)
        self.refresh()

    def action_move(self, step: int) -> None:
        self._commit()
        self.move_cursor(self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self._commit()
        self.move_cursor(self.cursor_row + step * max(1, self.scrollable_content_region.height - 2))

    def action_to(self, where: int) -> None:
        self._commit()
        self.move_cursor(len(self.rows) - 1 if where < 0 else 0)

    def action_column(self, step: int) -> None:
        if self.cells and self.editing is None:
            self.move_cursor(column=self.cursor_col + step)
        elif not self.cells:
            self.scroll_to(x=self.scroll_offset.x + step * 8, animate=False)

    # -- typing in place (cells mode) --------------------------------------------------------------
    def start_editing(self, text: str | None = None) -> None:
        if not self.rows:
            return
        if (self.cursor_row, self.cursor_col) in self.locked:
            self.post_message(self.Refused(self.cursor_row, self.cursor_col))
            return
        row = self.rows[self.cursor_row]
        self.editing = (row[self.cursor_col] if self.cursor_col < len(row) else "") if text is None else text
        self.refresh()

    def _commit(self) -> None:
        if self.editing is None:
            return
        value, self.editing = self.editing.strip(), None
        self.errors.discard((self.cursor_row, self.cursor_col))
        self.post_message(self.CellEdited(self.cursor_row, self.cursor_col, value))
        self.refresh()

    def on_key(self, event: events.Key) -> None:
        key = event.key
        if not self.cells:
            return  # rows mode: Enter and typed rows are the list editor's
        handled = True
        if self.editing is not None:
            if key == "escape":
                self.editing = None
            elif key == "backspace":
                self.editing = self.editing[:-1]
            elif key in ("tab", "shift+tab"):
                handled = self._next_cell(-1 if key == "shift+tab" else 1)
            elif key == "enter" and self.is_command is not None and self.is_command(self.editing):
                said, self.editing = self.editing.strip(), None  # 跳到 …, ?, 返回: for the conversation
                self.post_message(Command(said))
            elif key == "enter":
                self._next_row()
            elif event.is_printable and event.character:
                self.editing += event.character
            else:
                handled = False
        elif key in ("tab", "shift+tab") and self.rows:
            handled = self._next_cell(-1 if key == "shift+tab" else 1)
        elif key in ("enter", "e"):
            self.start_editing()
        elif event.is_printable and event.character and key not in ("a", "d", "i"):  # the editor's row keys
            self.start_editing(event.character)  # typing replaces the cell, as in a spreadsheet
        else:
            handled = False
        if handled:
            event.stop()
            event.prevent_default()
            self.refresh()

    def _next_cell(self, step: int) -> bool:
        """Tab to the next cell (Shift+Tab back); past the last (or first) cell, False: Tab then leaves the
        table as everywhere else, so the keyboard reaches the input line below it."""
        if self._tab_start is None:
            self._tab_start = self.cursor_col
        self._commit()
        col, row = self.cursor_col + step, self.cursor_row
        if col >= len(self.columns):
            col, row = 0, row + 1
        elif col < 0:
            col, row = len(self.columns) - 1, row - 1
        if 0 <= row < len(self.rows):
            self.move_cursor(row, col)
            return True
        self._tab_start = None
        return False

    def _next_row(self) -> None:
        self._commit()
        col = self._tab_start if self._tab_start is not None else self.cursor_col
        self._tab_start = None
        if self.cursor_row + 1 < len(self.rows):
            self.move_cursor(self.cursor_row + 1, col)

    def on_blur(self, event: events.Blur) -> None:
        self._commit()
        self.refresh()

    def on_focus(self, event: events.Focus) -> None:
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        index = self.scroll_offset.y + offset.y - 1
        if 0 <= index < len(self.rows):
            self._commit()
            col = self.cursor_col
            if self.cells:
                x, col = offset.x + self.scroll_offset.x - 1, 0
                for i, w in enumerate(self._widths):
                    if x < w + 3:
                        col = i
                        break
                    x -= w + 3
            self.move_cursor(index, col)
            if not self.cells and event.chain == 2:
                self.post_message(self.Selected(index))

    @property
    def column_widths(self) -> list[int]:
        """The widths the columns are drawn at (fitted to the screen)."""
        return list(self._widths)

    @property
    def row_count(self) -> int:
        return len(self.rows)

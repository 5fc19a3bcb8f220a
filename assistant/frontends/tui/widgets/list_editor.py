"""An attached list as an editable table: add, edit, delete rows, paste rows copied from Excel.

The rows are kept as the text shown in the cells; saving hands them to the engine's own row
parser (engine.parse), so the table goes through exactly the checks typed input does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input

from assistant.form.parse import header_key, is_none_word, split_text_rows
from assistant.form.types import of
from assistant.form.values import show_cell
from assistant.frontends.tui.host import SCREENS_CSS
from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.frontends.tui.widgets.editors import RowsEditor
from assistant.frontends.tui.widgets.long_text import Command
from assistant.frontends.tui.widgets.rows_table import RowsTable


def split_pasted(text: str, columns: list[Any], fill: Any = str) -> list[list[str]]:
    """Pasted rows split by the parser's own rule (the input line's): a one-column list takes "A、B；C" as
    three rows, a wider one a row per line (Excel's Tab, or ASCII commas; ，、； stay in the cell). A first
    line naming the columns is dropped."""
    n = len(columns)
    lines = [line for line in text.splitlines() if line.strip()]
    if lines:
        names = ({header_key(c.label) for c in columns} | {header_key(fill(c.label)) for c in columns}
                 | {header_key(c.id) for c in columns} | {header_key(a) for c in columns for a in c.aliases})
        if all(header_key(cell) in names for row in split_text_rows(n, lines[0]) for cell in row if cell.strip()):
            lines = lines[1:]
    return [[cell.strip() for cell in r] for r in split_text_rows(n, "\n".join(lines))]


class RowDialog(ModalScreen[list[str] | None]):
    """Edit one row: one input per column; Enter moves on, Enter on the last one saves."""
    CSS_PATH = SCREENS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消"), Binding("ctrl+s", "save", "保存本行")]

    def __init__(self, columns: list[Any], values: list[str], title: str, fill: Any = str,
                 is_command: Callable[[str], bool] | None = None, on_command: Callable[[str], None] | None = None):
        super().__init__()
        self.columns, self.values, self.title_text, self.fill = columns, values, title, fill
        self._is_command, self._on_command = is_command, on_command  # 跳到 …, ? typed in a cell

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="row-dialog", classes="dialog"):
            yield WrapStatic(self.title_text, classes="dialog-title")
            for i, col in enumerate(self.columns):
                opt = "（选填）" if not col.required else ""
                choices = f"（{'/'.join(o.label or o.id for o in col.options)}）" if col.options else ""
                yield WrapStatic(f"{self.fill(col.label or col.id)}{opt}{choices}")
                yield Input(self.values[i] if i < len(self.values) else "", placeholder=col.hint or "", id=f"cell-{i}")
            yield WrapStatic("回车到下一项，最后一项回车（或 Ctrl+S）保存本行，Esc 取消。", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._is_command and self._on_command and self._is_command(event.value):
            said = event.value.strip()
            self.dismiss(None)  # the row is left as it was; the line goes to the conversation
            self._on_command(said)
            return
        inputs = list(self.query(Input))
        i = inputs.index(event.input)
        if i + 1 < len(inputs):
            inputs[i + 1].focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        self.dismiss([i.value.strip() for i in self.query(Input)])

    def unsent(self) -> bool:
        """A cell changed and the row not saved yet (the browser asks before the page is left)."""
        return any(i.value != (self.values[n] if n < len(self.values) else "") for n, i in enumerate(self.query(Input)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ListEditor(Vertical, RowsEditor):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "添加行"),
        Binding("e", "edit", "修改行"),
        Binding("d,delete", "delete", "删除行"),
        Binding("i", "import_file", "从文件导入"),
    ]

    class ImportRequested(Message):
        """The person asked to fill the list from a file (the screen has the engine and the conversation)."""

        def __init__(self, qid: str):
            super().__init__()
            self.qid = qid

    class Submitted(Message):
        def __init__(self, qid: str, rows: list[list[str]]):
            super().__init__()
            self.qid, self.rows = qid, rows

    def __init__(self, q: Any, stored: Any, fill: Any = str, draft: Any = None, keep_draft: Any = None,
                 is_command: Callable[[str], bool] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._is_command = is_command  # a typed line that is a whole command goes to the conversation
        self._init = (q, stored, fill)
        self.qid = q.id
        self._draft = draft  # rows typed earlier and not submitted
        self._keep_draft = keep_draft  # called with the rows after every change (saved as a draft)
        self._typed = ""  # a row arriving as keys on the table (a paste without bracketed paste)

    def on_mount(self) -> None:
        self.table.is_command = self._is_command
        self.load(*self._init)
        self.focus_table()

    def compose(self) -> ComposeResult:
        q = self._init[0]
        self.cells = bool(q.preset_rows)  # the form prints these rows: a small table, edited cell by cell
        fill = self._init[2]
        yield RowsTable([fill(c.label or c.id) for c in q.columns], [], cells=self.cells,
                        grow=[of(c).prose for c in q.columns], id="rows")
        with VerticalScroll(id="row-errors-box", can_focus=False):  # a long list of reasons scrolls; the table keeps its rows
            yield WrapStatic(id="row-errors")
        yield WrapStatic(id="list-note")
        yield WrapStatic(id="typed-row")
        if self.cells:  # one line at 66 columns; a browser writes Ctrl+ out, as its key bar does
            submit = "Ctrl+S" if getattr(self.app, "browser", None) is not None else "^S"
            keys = f"打字改格 Tab 下一格 回车下一行 Esc 取消 a 加行 d 删行 {submit} 提交"
        else:
            keys = "a 添加 e/回车 修改 d 删除 i 导入　可粘贴 Excel 行　Ctrl+S 提交"
        yield WrapStatic(keys, id="list-keys")

    def load(self, q: Any, stored: Any, fill: Any = str) -> None:
        self.q, self.fill = q, fill
        if isinstance(stored, list):
            self.rows = [[show_cell(c, r.get(c.id)) for c in q.columns] for r in stored]
        else:
            self.rows = [[show_cell(c, r.get(c.id)) if of(c).has_choices else str(r.get(c.id, "")) for c in q.columns]
                         for r in q.preset_rows]
        self.preset = [list(r) for r in self.rows] if not isinstance(stored, list) else None
        if isinstance(self._draft, list) and [list(r) for r in self._draft] != self.rows:
            self.rows, self.preset = [list(r) for r in self._draft], None
            self.notify(f"已恢复上次未提交的 {len(self.rows)} 行（草稿），检查后按 Ctrl+S 提交。")
        self._fill()
        self.show_errors("")
        self.note("")
        self._show_typed()

    @property
    def table(self) -> RowsTable:
        return self.query_one(RowsTable)

    def _fill(self) -> None:
        self.table.set_rows(self.rows)
        self.table.locked = self._printed_cells()
        self.border_subtitle = f"{len(self.rows)} 行"

    def _printed(self) -> list[dict[int, str]]:
        """The cells the form prints in its preset rows (column index -> text as shown)."""
        cols = self.q.columns
        return [{i: show_cell(c, p[c.id]) if of(c).has_choices else str(p[c.id]) for i, c in enumerate(cols) if c.id in p}
                for p in self.q.preset_rows]

    def _printed_cells(self) -> set[tuple[int, int]]:
        """(row, column) of the printed cells: each preset row is found by its printed text (rows the
        person added after or between them stay free), so they stay locked after a paste or a reload."""
        locked: set[tuple[int, int]] = set()
        taken: set[int] = set()
        for printed in self._printed():
            for r, row in enumerate(self.rows):
                if r not in taken and all(i < len(row) and row[i] == v for i, v in printed.items()):
                    taken.add(r)
                    locked |= {(r, i) for i in printed}
                    break
        return locked

    def note(self, text: str) -> None:
        """A short line under the table saying what just happened (pasted, refused)."""
        shown = self.query_one("#list-note", WrapStatic)
        shown.update(text)
        shown.display = bool(text)

    def _changed(self, *, added: int = 0, edited: int | None = None, deleted: int | None = None) -> None:
        """Redraw what changed: the table draws only the lines on screen, so a 10 000-row list stays quick."""
        table = self.table
        if table.rows is not self.rows:
            table.set_rows(self.rows)
        elif deleted is not None:
            table.errors = set()
            table.changed()
        else:
            table.changed(edited if edited is not None else (len(self.rows) - 1 if added else None))
        if self.q.preset_rows:
            table.locked = self._printed_cells()
        self.border_subtitle = f"{len(self.rows)} 行"
        if self._keep_draft is not None:
            self._keep_draft(self.qid, self.rows)  # the screen keeps a copy when it saves

    def show_errors(self, text: str, problems: list[Any] | None = None) -> None:
        """The reasons under the table; the cells they name (row, column) are marked where they are."""
        if problems and len(problems) > 1:  # the box shows a few lines: say how many there are, first
            text = f"有 {len(problems)} 处需要修改，已在表中标红（此处可滚动）：\n{text}"
        self.query_one("#row-errors", WrapStatic).update(text)
        self.query_one("#row-errors-box").display = bool(text)
        self.query_one("#row-errors-box").scroll_home(animate=False)
        if text:
            self.note("")
        cols = {self.fill(c.label or c.id): i for i, c in enumerate(self.q.columns)}  # problems name filled labels
        marked: set[tuple[int, int]] = set()
        for p in problems or []:
            row = p.row - 1
            if p.column in cols:
                marked.add((row, cols[p.column]))
            else:
                marked |= {(row, i) for i in range(len(self.q.columns))}
        table = self.table
        table.errors = marked
        if marked:
            table.move_cursor(*min(marked))
        table.refresh()

    def paste(self, text: str, focus: bool = True) -> bool:
        """Add pasted rows; False (and nothing added) when a row has more cells than the list has columns."""
        rows = split_pasted(text, self.q.columns, self.fill)
        if not rows:
            return True
        n = len(self.q.columns)
        wide = next((i for i, r in enumerate(rows, 1) if len(r) > n), None)
        if wide is not None:
            labels = "、".join(self.fill(c.label or c.id) for c in self.q.columns)
            k = len(rows[wide - 1])
            if "\t" not in text and "|" not in text:
                # "甲公司,乙公司,丙公司" in a two-column list: several names, or one row's cells? Not guessed.
                self.show_errors(f"粘贴的第 {wide} 行被英文逗号“,”分成了 {k} 项，但本名单每行只有 {n} 列（{labels}），"
                                 f"没有加入表格。如果这是 {k} 条，请每行粘贴一条；同一行的各列用 Tab 或英文逗号分隔"
                                 "（中文的“，、；”是格子里的文字）。")
            else:
                self.show_errors(f"粘贴的第 {wide} 行有 {k} 列，但本名单只有 {n} 列"
                                 f"（{labels}），没有加入表格，请检查后再粘贴。")
            return False
        # A pasted whole table (its printed rows among the pasted ones) replaces the form's untouched
        # template rows; a paste without them is added after them: the printed rows are never dropped.
        whole = all(any(all(i < len(r) and r[i].strip() == v for i, v in printed.items()) for r in rows)
                    for printed in self._printed())
        replaced = self.preset is not None and self.rows == self.preset and bool(self.rows) and whole
        if replaced:
            self.rows = []
        self.add_rows(rows)
        if focus:
            self.focus_table()
        self.show_errors("")
        where = "（替换了表格预设的行）" if replaced else "（加在表格印好的行之后）" if self.q.preset_rows else ""
        self.note(f"已粘贴 {len(rows)} 行{where}，检查无误后按 Ctrl+S 提交。")
        return True

    def add_rows(self, rows: list[list[str]]) -> None:
        full = not self.rows  # the first rows replace an empty table: draw it whole
        self.rows.extend(rows)
        self.table.measure(rows)
        self._changed(added=0 if full else len(rows))
        self.table.move_cursor(row=len(self.rows) - 1)

    def on_key(self, event: Any) -> None:
        # A paste without bracketed paste arrives as keys on the table. Text it has no key for starts
        # a typed row (shown under the table); from then on Tab separates cells and Enter adds the row,
        # so the keys neither act on the rows nor run on into the next question.
        if not isinstance(self.app.focused, RowsTable) or self.cells:  # cells mode types into the cell itself
            return
        key, ch = event.key, event.character
        if key == "enter" and not self._typed:
            event.stop()
            event.prevent_default()
            self.action_edit()
            return
        if self._typed:
            if key == "enter" and "\t" not in self._typed and (
                    is_none_word(self._typed) or (self._is_command and self._is_command(self._typed))):
                # 无 alone is the answer the line below offers (a row 无 would be printed as a name)
                self.post_message(Command(self._typed.strip()))
                self._typed = ""
            elif key == "enter":
                if self.paste(self._typed):
                    self._typed = ""
            elif key == "tab":
                self._typed += "\t"
            elif key == "backspace":
                self._typed = self._typed[:-1]
            elif key == "escape":
                self._typed = ""
            elif event.is_printable and ch:
                self._typed += ch
            else:
                return
        elif event.is_printable and ch and key not in self._own_keys():
            self._typed = ch
        else:
            return
        event.stop()
        event.prevent_default()
        self._show_typed()

    def _show_typed(self) -> None:
        shown = self.query_one("#typed-row", WrapStatic)
        shown.update(Text.assemble(("正在输入的一行：", "bold"), self._typed.replace("\t", " ⇥ "),
                                   ("　回车加入表格，Esc 放弃", "dim")) if self._typed else "")
        shown.display = bool(self._typed)

    @classmethod
    def table_keys(cls) -> set[str]:
        """The one-letter keys that act on the rows (only while the table has focus)."""
        return {k.strip() for b in cls.BINDINGS if isinstance(b, Binding) for k in b.key.split(",") if len(k.strip()) == 1}

    def focus_table(self) -> None:
        self.table.focus()

    focus_editor = focus_table

    def _own_keys(self) -> set[str]:
        return {k.strip() for b in self.BINDINGS if isinstance(b, Binding) for k in b.key.split(",")}

    def on_paste(self, event: Any) -> None:
        event.stop()
        self.paste(event.text)

    def action_add(self) -> None:
        self.app.push_screen(RowDialog(self.q.columns, [], "添加一行", self.fill, *self._command_hooks()), self._added)

    def _added(self, values: list[str] | None) -> None:
        if values and any(values):
            self.add_rows([values])

    def _cursor(self) -> int | None:
        table = self.table
        return table.cursor_row if self.rows and 0 <= table.cursor_row < len(self.rows) else None

    def action_edit(self) -> None:
        i = self._cursor()
        if i is None:
            self.action_add()
            return

        def done(values: list[str] | None) -> None:
            if values is not None:
                self.rows[i] = values
                self._changed(edited=i)
                self.table.move_cursor(row=i)

        self.app.push_screen(RowDialog(self.q.columns, self.rows[i], f"修改第 {i + 1} 行", self.fill,
                                       *self._command_hooks()), done)

    def on_rows_table_selected(self, event: RowsTable.Selected) -> None:
        event.stop()
        self.action_edit()

    def on_rows_table_cell_edited(self, event: RowsTable.CellEdited) -> None:
        event.stop()
        row = self.rows[event.row]
        while len(row) <= event.column:
            row.append("")
        if row[event.column] != event.value:
            self.preset = None  # the template rows are the person's now: a paste no longer replaces them
            row[event.column] = event.value
            self._changed(edited=event.row)

    def on_rows_table_refused(self, event: RowsTable.Refused) -> None:
        event.stop()
        cols = sorted(c for r, c in self.table.locked if r == event.row)
        quoted = [f"“{self.fill(self.q.columns[c].label or self.q.columns[c].id)}”" for c in cols]
        names = "和".join(quoted) if len(quoted) < 3 else "、".join(quoted)
        self.note(f"{names}是表格印好的，不能修改；其他指标请在下方另加一行。")

    def action_delete(self) -> None:
        i = self._cursor()
        if i is not None and any(r == i for r, _ in self.table.locked):
            self.note("这一行是表格印好的，不能删除；其他指标请在下方另加一行。")
            return
        if i is not None:
            del self.rows[i]
            self._changed(deleted=i)
            self.table.move_cursor(row=min(i, len(self.rows) - 1))

    def _command_hooks(self) -> tuple[Callable[[str], bool] | None, Callable[[str], None]]:
        return self._is_command, self._say_command

    def _say_command(self, text: str) -> None:
        self.post_message(Command(text))

    def action_import_file(self) -> None:
        self.post_message(self.ImportRequested(self.qid))

    def submit(self) -> None:
        self.post_message(self.Submitted(self.q.id, [list(r) for r in self.rows]))


class ImportRowsDialog(ModalScreen[tuple[list[dict[str, Any]], str] | None]):
    """Rows from an .xlsx / .csv file, through the same importer as `filing import`: the file is read and
    checked (in a worker: a large file takes a second), the count and first rows shown, Enter imports."""
    CSS_PATH = SCREENS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def __init__(self, engine: Any, qid: str):
        super().__init__()
        self.engine, self.qid = engine, qid
        self._read: tuple[str, list[dict[str, Any]], str] | None = None  # (path typed, rows, file name)

    def compose(self) -> ComposeResult:
        label = self.engine.label(self.qid)
        conn = getattr(self.app, "browser", None)
        with VerticalScroll(id="import-rows-dialog", classes="dialog"):
            yield WrapStatic(f"从文件导入：{label}", classes="dialog-title")
            if conn is not None:  # in the browser: a file uploaded from the person's computer, never a server path
                from assistant.frontends.browser_tab import TABLES
                from assistant.frontends.tui.widgets.uploads import UploadPicker

                yield WrapStatic("Excel（.xlsx）或 CSV 文件，第一行是表头。导入后替换当前名单，并更新相应的数量。")
                yield UploadPicker(conn, TABLES, id="import-rows-uploads")
                yield WrapStatic("选中文件后回车读取，Esc 取消", id="import-rows-result")
                return
            yield WrapStatic("Excel（.xlsx）或 CSV 文件路径；第一行是表头。导入后替换当前名单，并更新相应的数量。")
            yield Input(placeholder="例如：~/下载/专利清单.xlsx", id="import-rows-path")
            yield WrapStatic("回车读取文件，Esc 取消", id="import-rows-result")

    def on_mount(self) -> None:
        from assistant.frontends.tui.widgets.uploads import UploadPicker

        pickers = self.query(UploadPicker)
        if pickers:
            pickers.first().focus_list()
        else:
            self.query_one(Input).focus()

    def on_upload_picker_chosen(self, event: Any) -> None:
        """An uploaded file chosen: read and checked as a path typed on the desktop; chosen again, imported."""
        event.stop()
        self._take(str(event.upload.path))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._take(event.value.strip())

    def _take(self, raw: str) -> None:
        if self._read is not None and self._read[0] == raw:
            self.dismiss((self._read[1], self._read[2]))  # the second Enter on the same file imports it
            return
        if not raw:
            self._say("请先填写文件路径。", True)
            return
        self._read = None
        self._say("正在读取和检查……", False)
        self.run_worker(lambda: self._load(raw), thread=True, exclusive=True, group="import")

    def _load(self, raw: str) -> None:
        from pathlib import Path

        from assistant.files.tables import TableError
        from assistant.interview.lists import load_rows

        path = Path(raw).expanduser()
        try:
            rows = load_rows(self.engine, self.qid, path)
        except TableError as exc:
            self.app.call_from_thread(self._say, f"未能导入：{exc}", True)
            return
        except OSError as exc:
            from assistant.text.fileerrors import describe

            self.app.call_from_thread(self._say, f"未能导入：{describe(exc)}", True)
            return
        except Exception as exc:  # a programming error: logged, said here; the app stays open
            from assistant.frontends.crashlog import report

            self.app.call_from_thread(self._say, report(exc, "读取文件"), True)
            return
        self.app.call_from_thread(self._ready, raw, rows, path.name)

    def _ready(self, raw: str, rows: list[dict[str, Any]], name: str) -> None:
        q = self.engine.flow[self.qid]
        self._read = (raw, rows, name)
        head = [" | ".join(show_cell(c, r.get(c.id)) for c in q.columns) for r in rows[:5]]
        more = f"\n……共 {len(rows)} 行" if len(rows) > 5 else ""
        old = self.engine.session.answers.get(self.qid)
        replace = f"（将替换当前的 {len(old)} 行）" if isinstance(old, list) and old else ""
        from assistant.interview.lists import ignored_columns

        note = ignored_columns(rows)
        self._say(f"读到 {len(rows)} 行，检查通过{replace}：\n" + "\n".join(head) + more
                  + (f"\n{note}" if note else "") + "\n再按一次回车导入，Esc 取消。", False)

    def _say(self, text: str, error: bool) -> None:
        shown = self.query_one("#import-rows-result", WrapStatic)
        conn = getattr(self.app, "browser", None)
        shown.update(conn.tidy(text) if conn is not None else text)
        shown.set_class(error, "error")

    def action_cancel(self) -> None:
        self.dismiss(None)

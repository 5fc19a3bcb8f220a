"""Home: start a new report, resume a saved one, import a JSON report."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label, OptionList

from assistant.frontends.tui.host import SCREENS_CSS, filing_app
from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.frontends.tui.widgets.footer import KeyBar
from assistant.frontends.tui.widgets.marked_list import MarkedList
from assistant.session.store import SessionError


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return iso or ""


class NewSessionDialog(ModalScreen[tuple[str, int] | None]):
    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def __init__(self, form: str):
        super().__init__()
        self.form = form

    def compose(self) -> ComposeResult:
        from assistant.form.catalog import load_flow

        flow = load_flow(self.form)
        with Vertical(id="new-dialog", classes="dialog"):
            yield WrapStatic(f"新建{flow.short_name}：{flow.form_title(flow.year_due())}", classes="dialog-title")
            if flow.edition_note():
                yield WrapStatic(flow.edition_note(), id="new-edition")
            yield Label("标题（方便以后在列表里找到，可留空）：")
            yield Input(placeholder="例如：浦江智能传感器集群", id="new-title")
            yield Label("报告年度：")
            yield Input(str(flow.year_due()), id="year", type="integer", max_length=4)
            yield WrapStatic("回车新建（标题可留空），Esc 取消", id="new-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        raw = self.query_one("#year", Input).value.strip()
        if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
            err = self.query_one("#new-error", WrapStatic)
            err.update("请填写四位数的年度，例如 2023。")
            err.add_class("error")
            return
        self.dismiss((self.query_one("#new-title", Input).value.strip(), int(raw)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ImportDialog(ModalScreen[str | None]):
    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "取消")]

    def compose(self) -> ComposeResult:
        conn = filing_app(self).browser
        with Vertical(id="import-dialog", classes="dialog"):
            yield WrapStatic("导入 JSON 报告", classes="dialog-title")
            if conn is not None:  # in the browser: a report uploaded from the person's computer
                from assistant.frontends.browser_tab import REPORTS
                from assistant.frontends.tui.widgets.uploads import UploadPicker

                yield WrapStatic("由本助手导出的 JSON 报告：上传后选中，回车导入。")
                yield UploadPicker(conn, REPORTS, id="import-uploads")
                yield WrapStatic("Esc 取消", id="import-result")
                return
            yield Label("JSON 文件路径（由本助手导出的报告）：")
            yield Input(placeholder="例如：~/下载/浦江集群报告.json", id="import-path")
            yield WrapStatic("回车导入，Esc 取消", id="import-result")

    def on_mount(self) -> None:
        from assistant.frontends.tui.widgets.uploads import UploadPicker

        pickers = self.query(UploadPicker)
        if pickers:
            pickers.first().focus_list()

    def on_upload_picker_chosen(self, event: Any) -> None:
        event.stop()
        self.load(str(event.upload.path))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.load(event.value.strip())

    def load(self, raw: str) -> None:
        from pathlib import Path

        result = self.query_one("#import-result", WrapStatic)
        if not raw:
            result.update("请先填写文件路径。")
            result.add_class("error")
            return
        try:
            from assistant.interview.json_report import import_report
        except Exception as exc:
            result.update(f"导入功能暂不可用（文档模块未能加载：{exc}）。")
            result.add_class("error")
            return
        from assistant.errors import UserError
        from assistant.form.flow import FlowError

        try:
            session = import_report(Path(raw).expanduser(), filing_app(self).store)
        except (UserError, SessionError, FlowError, OSError) as exc:
            result.update(filing_app(self).shown(f"未能导入：{exc}"))
            result.add_class("error")
            return
        except Exception as exc:  # a programming error: logged, said here; the app stays open
            from assistant.frontends.crashlog import report

            result.update(filing_app(self).shown(report(exc, "导入报告")))
            result.add_class("error")
            return
        self.dismiss(session.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HomeScreen(Screen[None]):
    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "choose_new", "新建报告"),
        Binding("i", "import_report", "导入 JSON"),
        Binding("tab", "app.focus_next", "切换", show=False),
    ]

    _choosing = False  # n was pressed: the actions get focus with the first one highlighted

    def compose(self) -> ComposeResult:
        yield WrapStatic("集群填报助手", id="home-title")
        from assistant.form.catalog import available, broken, load_flow
        from assistant.text.textsafe import one_line

        forms = available()  # discovered from the data (and --forms / FILING_FORMS): never listed here
        names = "、".join(dict.fromkeys(load_flow(fid).short_name for fid, _, _ in forms))
        yield WrapStatic(f"一题一题地帮您填写{names}。每答一题自动保存。", id="home-intro")
        bad = broken()  # a damaged or hostile form folder is said, not silently left out of the list
        if bad:
            why = "；".join(f"{one_line(fid)}：{one_line(reason)}" for fid, reason in bad.items())
            yield WrapStatic(f"另有 {len(bad)} 个表单无法使用，已略去（{why}）", id="home-broken")
        yield MarkedList(
            *((f"new:{fid}", f"＋ 新建{desc}") for fid, _, desc in forms),
            ("import", "⇪ 导入 JSON 报告"),
            id="home-actions",
        )
        yield WrapStatic("已保存的会话（选中后回车继续填写）", id="sessions-title")
        yield DataTable(id="sessions", cursor_type="row", zebra_stripes=True)
        yield WrapStatic(id="home-message")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("title", "标题"), ("form", "表格"), ("pct", "完成"), ("updated", "最后更新"), ("id", "编号")):
            table.add_column(label, key=key)
        self.reload()
        # the saved reports first when there are any: Enter resumes; n / m / i start something new
        if table.row_count:
            table.focus()
        else:  # nothing to resume: Enter starts the first form
            self.action_choose_new()

    def reload(self) -> None:
        from assistant.interview.sessions import listing
        from assistant.text.textsafe import one_line

        store = filing_app(self).store
        table = self.query_one(DataTable)
        table.clear()
        self._damaged: dict[str, str] = {}
        try:
            rows = listing(store)
        except (SessionError, OSError) as exc:  # the data folder itself: a file, unreadable
            from assistant.text.fileerrors import describe

            self.message(describe(exc) if isinstance(exc, OSError) else str(exc), True)
            rows = []
        for r in rows:
            if r.damaged:
                sid = r.id or "?"
                self._damaged[sid] = r.error
                # Text cells: DataTable reads a str as markup ("[/bad]" in a title would raise).
                what = "找不到表单（选中查看说明）" if r.form_missing else "已损坏（选中查看恢复办法）"
                table.add_row(Text(what, style="bold red"), Text(""), Text(""), Text(""),
                              Text(one_line(sid)), key=f"bad:{sid}")
                continue
            title = r.title or "（未命名）"
            if len(title) > 24:
                title = title[:23] + "…"
            table.add_row(Text(one_line(title)), Text(one_line(r.form_name)), Text(f"{r.percent}%"),
                          Text(_when(r.updated)), Text(one_line(r.id)), key=r.id)
        self.query_one("#sessions-title", WrapStatic).update(
            f"已保存的会话（{table.row_count} 个，选中后回车继续填写）" if table.row_count else "还没有保存的报告，按 n 新建。")
        table.display = bool(table.row_count)  # no header over nothing

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Tab onto the actions highlights none of them while there are saved reports: Enter still opens the
        report highlighted in the list (an arrow, n or a click picks an action)."""
        actions = self.query_one("#home-actions", OptionList)
        if event.widget is actions and self.query_one(DataTable).row_count and not self._choosing:
            actions.highlighted = None
        self._choosing = False

    def on_key(self, event: events.Key) -> None:
        actions = self.query_one("#home-actions", OptionList)
        table = self.query_one(DataTable)
        if event.key == "enter" and self.focused is actions and actions.highlighted is None and table.row_count:
            event.stop()
            event.prevent_default()
            table.focus()
            table.action_select_cursor()

    def on_screen_resume(self) -> None:
        """Back from a report: the saved list has focus again, so Enter resumes, never starts something new."""
        table = self.query_one(DataTable)
        if table.row_count and not isinstance(self.focused, DataTable):
            table.focus()

    def message(self, text: str, error: bool = False) -> None:
        msg = self.query_one("#home-message", WrapStatic)
        msg.update(filing_app(self).shown(text))  # in the browser: no server path
        msg.set_class(error, "error")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        oid = event.option.id or ""
        if oid.startswith("new:"):
            self.action_new(oid[4:])
        elif oid == "import":
            self.action_import_report()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = str(event.row_key.value)
        if key.startswith("bad:"):
            sid = key[4:]
            self.message(getattr(self, "_damaged", {}).get(sid, f"会话 {sid} 的文件已损坏。"), True)
            return
        filing_app(self).open_session(key)

    def action_choose_new(self) -> None:
        """n: the list of forms to start, with the first one highlighted."""
        actions = self.query_one("#home-actions", OptionList)
        self._choosing = not actions.has_focus  # the focus arriving keeps this highlight
        actions.focus()
        actions.highlighted = 0

    def action_new(self, form: str) -> None:
        def done(result: tuple[str, int] | None) -> None:
            if result is None:
                return
            title, year = result
            try:
                session = filing_app(self).store.create(form, title, year)
            except (SessionError, OSError) as exc:  # a full disk, a read-only or missing data folder
                from assistant.text.fileerrors import describe

                self.message(describe(exc) if isinstance(exc, OSError) else str(exc), True)
                return
            filing_app(self).open_session(session.id)

        self.app.push_screen(NewSessionDialog(form), done)

    def action_import_report(self) -> None:
        def done(sid: str | None) -> None:
            if sid:
                self.reload()
                self.message(f"已导入为会话 {sid}。")
                filing_app(self).open_session(sid)

        self.app.push_screen(ImportDialog(), done)


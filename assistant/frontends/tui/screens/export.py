"""Export dialog: docx / pdf / md / json at a chosen path; shows the path written or the reason.

PDF goes through LibreOffice, which takes seconds: it runs in a worker thread so the screen stays live."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet

from assistant.errors import Remedies, UserError
from assistant.frontends.tui.browser import BROWSER_REMEDIES
from assistant.frontends.tui.host import SCREENS_CSS, filing_app
from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.frontends.tui.widgets.typing import hand_on

FORMATS = [("docx", "Word 文档（.docx）"), ("pdf", "PDF（需要 LibreOffice，并检查要求一页的各部分是否各在一页）"),
           ("md", "Markdown 文本（.md）"), ("json", "JSON 交换文件（.json）"),
           ("package", "报送材料文件夹（Word、PDF、JSON、计算佐证、报送清单）")]
SLOW = {"pdf", "package"}  # LibreOffice: seconds, in a worker thread
FLAGS = {"force": "覆盖已有文件", "draft": "草稿（允许未完成）"}
# The exporter's refusals name their fixes as this dialog's boxes and fields, not the CLI's options.
DIALOG_REMEDIES = Remedies(force=f"勾选“{FLAGS['force']}”", draft="勾选“草稿”", output="在“保存到”里填写",
                           fmt="选择", as_docx="改选 Word 文档（.docx）导出")


# In the browser the package arrives as one file.
BROWSER_LABELS = {"package": "报送材料 .zip（Word、PDF、JSON、计算佐证、报送清单）"}


def flag_label(name: str, on: bool) -> str:
    """A box's state in words too, not only in colour (the mark is drawn inside the box: no second glyph)."""
    return f"{FLAGS[name]}：{'是' if on else '否'}"


class FormatButton(RadioButton):
    """A radio whose mark says its state without colour: ● chosen, ○ not (Textual draws ● for both)."""

    def render(self) -> Content:
        self.BUTTON_INNER = "●" if self.value else "○"
        return super().render()


class FlagBox(Checkbox):
    """A box that is ticked (✓) or empty, not only coloured differently (Textual draws X for both)."""

    def render(self) -> Content:
        self.BUTTON_INNER = "✓" if self.value else " "
        return super().render()


class FormatChoice(RadioSet):
    """The arrows choose the format itself (the mark moves with them), so Enter exports what is shown;
    Textual's RadioSet moves only a coloured highlight and chooses on Enter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "choose(1)", show=False),
        Binding("up,left", "choose(-1)", show=False),
    ]

    _at: int | None = None  # the format the arrows chose last: pressed_index catches up only after messages

    def action_choose(self, step: int) -> None:
        buttons = list(self.query(RadioButton))
        if not buttons:
            return
        # Keys in a burst (four Downs at once) each step on from the one before, not from a stale index;
        # a click since then (the arrows' choice no longer on) counts from what was clicked.
        at = self._at if self._at is not None and buttons[self._at].value else max(self.pressed_index, 0)
        self._at = (at + step) % len(buttons)
        buttons[self._at].value = True


class ExportDialog(ModalScreen[str | None]):
    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "关闭"),
        # The arrows choose the format wherever the focus is (the path, a box, a button): none of them uses them.
        Binding("down", "format(1)", show=False),
        Binding("up", "format(-1)", show=False),
    ]

    def action_format(self, step: int) -> None:
        self.query_one(FormatChoice).action_choose(step)

    def __init__(self, session: Any):
        super().__init__()
        self.session = session
        self.written: str | None = None

    def compose(self) -> ComposeResult:
        browser = getattr(self.app, "browser", None) is not None  # a download: no server path, nothing to overwrite
        # scrolls: at 80×24 the result line is below the buttons, and is scrolled into view when it is said
        with VerticalScroll(id="export-dialog", classes="dialog", can_focus=False):
            yield WrapStatic("导出报告（下载到本机）" if browser else "导出报告", classes="dialog-title")
            with FormatChoice(id="format"):
                for i, (fmt, label) in enumerate(FORMATS):
                    yield FormatButton(BROWSER_LABELS.get(fmt, label) if browser else label, value=i == 0)
            if not browser:
                yield Label("保存到（留空则用默认文件名，保存在当前目录）：")
                # select_on_focus off: coming back to the path (Tab, or a key typed on a box) never selects what
                # is there, so the next key adds to it instead of replacing it
                yield Input(placeholder="例如：~/报告/报告.docx", id="path", select_on_focus=False)
            with Horizontal(id="export-flags"):
                if not browser:
                    yield FlagBox(flag_label("force", False), id="force")
                yield FlagBox(flag_label("draft", False), id="draft")
            with Horizontal(id="export-buttons"):
                yield Button("下载" if browser else "导出", variant="primary", id="do-export")
                yield Button("关闭", id="close")
            with VerticalScroll(id="export-result-box"):
                yield WrapStatic("回车下载所选格式（文件名与桌面版导出的相同），Esc 关闭。" if browser else "",
                                 id="export-result")

    def on_mount(self) -> None:
        if getattr(self.app, "browser", None) is not None:
            self.query_one("#do-export", Button).focus()  # F5 → Enter downloads the Word document
            return
        self.query_one("#path", Input).focus()

    def on_key(self, event: events.Key) -> None:
        """Enter exports from anywhere but a button (a box toggles with Space or a click only); a key typed
        on a box, the formats or a button is typed into the path."""
        if event.key == "enter" and isinstance(self.focused, (Checkbox, RadioSet)):
            event.stop()
            event.prevent_default()
            self.do_export()
            return
        path = next(iter(self.query("#path").results(Input)), None)  # no path field where the file is downloaded
        if path is not None:
            hand_on(self, event, path)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.checkbox.id in FLAGS:
            event.checkbox.label = flag_label(event.checkbox.id, event.value)

    def fmt(self) -> str:
        idx = self.query_one(RadioSet).pressed_index
        return FORMATS[idx if idx >= 0 else 0][0]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.do_export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "do-export":
            self.do_export()
        else:
            self.action_cancel()

    def do_export(self) -> None:
        import os

        if getattr(self.app, "browser", None) is not None:
            self.download()
            return
        result = self.query_one("#export-result", WrapStatic)
        raw = self.query_one("#path", Input).value.strip()
        path = os.path.expanduser(raw) if raw else None  # a str: a trailing slash means a folder
        try:
            from assistant.report.export import export_session
        except Exception as exc:
            result.update(f"导出功能暂不可用（文档模块未能加载：{exc}）。")
            result.set_class(True, "error")
            return
        fmt, force, draft = self.fmt(), self.query_one("#force", Checkbox).value, self.query_one("#draft", Checkbox).value

        def show(text: str, error: bool) -> None:
            if fmt in SLOW:  # from the worker thread
                self.app.call_from_thread(self._show, text, error)
            else:
                self._show(text, error)

        def run() -> None:
            notes: list[str] = []
            try:
                if fmt == "package":
                    from assistant.report.package import build_package

                    pkg = build_package(self.session, path, force=force, draft=draft)
                    written, notes = pkg.folder, [*(f"  {p.name}" for p in pkg.files), *pkg.notes]
                else:
                    written = export_session(self.session, fmt, path, force=force, draft=draft, notes=notes)
            except UserError as exc:
                show(f"未能导出：{exc.worded(DIALOG_REMEDIES)}", True)
                return
            except Exception as exc:  # a programming error: logged, said here; the app stays open
                from assistant.frontends.crashlog import report

                show(report(exc, "导出"), True)
                return
            self.written = str(written)
            show("\n".join([f"已导出：{written}", *notes]), False)

        if fmt in SLOW:
            self._show("正在用 LibreOffice 生成 PDF，通常需要几秒钟……" if fmt == "pdf" else "正在生成报送材料……", False)
            self.run_worker(run, thread=True, exclusive=True, group="export")
        else:
            run()

    def download(self) -> None:
        """In the browser: built in the tab's scratch folder, handed to the browser as a download."""
        from assistant.frontends.tui import browser

        conn = filing_app(self).browser
        assert conn is not None
        fmt, draft = self.fmt(), self.query_one("#draft", Checkbox).value

        def run() -> None:
            try:
                built = browser.build_export(self.session, fmt, draft, conn)
            except UserError as exc:
                self.app.call_from_thread(self._show, conn.tidy(f"未能导出：{exc.worded(BROWSER_REMEDIES)}"), True)
                return
            except OSError as exc:
                from assistant.text.fileerrors import describe

                self.app.call_from_thread(self._show, conn.tidy(f"未能导出：{describe(exc)}"), True)
                return
            except Exception as exc:  # a programming error: logged, said here; the app stays open
                from assistant.frontends.crashlog import report

                self.app.call_from_thread(self._show, conn.tidy(report(exc, "导出")), True)
                return
            self.app.call_from_thread(self._delivered, built)

        self._show({"pdf": "正在用 LibreOffice 生成 PDF，通常需要几秒钟……",
                    "package": "正在生成报送材料……"}.get(fmt, "正在生成……"), False)
        self.run_worker(run, thread=True, exclusive=True, group="export")

    def _delivered(self, built: Any) -> None:
        from assistant.frontends.tui.browser import deliver

        deliver(self.app, built)
        self.written = built.name
        shown = "\n".join([f"已开始下载：{built.name}（在浏览器的下载栏中查看）", *built.notes])
        self._show(filing_app(self).shown(shown), False)

    def _show(self, text: str, error: bool) -> None:
        result = self.query_one("#export-result", WrapStatic)
        result.set_class(error, "error")
        result.update(text)
        self.call_after_refresh(result.scroll_visible, animate=False)

    def action_cancel(self) -> None:
        self.dismiss(self.written)

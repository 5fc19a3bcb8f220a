"""用企业数据表计算: a small dialog asking for the workbook path(s); the conversation's 企业数据 command does the rest."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from assistant.frontends.tui.host import SCREENS_CSS, filing_app
from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.frontends.tui.widgets.typing import hand_on
from assistant.paths import join_paths, split_paths

HINT = ("填好的《企业数据采集表》：一个汇总文件，或多个企业各自的文件（.xlsx / .csv），用空格分开；"
        "路径中有空格时请加引号。计算结果会先列出，与当前答案对照，由您决定采用哪些。")
BROWSER_HINT = ("填好的《企业数据采集表》：一个汇总文件，或多个企业各自的文件（.xlsx / .csv）。上传后勾选要用的文件"
                "（空格键勾选或取消），再选“计算”。计算结果会先列出，与当前答案对照，由您决定采用哪些。"
                "还没有采集表时，可先下载一份发给成员企业填写。")


def _bare(name: str) -> bool:
    return not any(c.isspace() or c in "'\"\\" for c in name)


class EnterpriseDialog(ModalScreen[str | None]):
    """Dismisses with the command line to give the conversation (企业数据 …), or None."""
    CSS_PATH = SCREENS_CSS

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "关闭")]

    def __init__(self, session: Any = None):
        super().__init__()
        self.session = session  # for the collection workbook offered in the browser

    def compose(self) -> ComposeResult:
        conn = getattr(self.app, "browser", None)
        if conn is not None:  # in the browser: uploaded files, ticked; the workbook as a download
            from assistant.frontends.browser_tab import TABLES
            from assistant.frontends.tui.widgets.uploads import UploadPicker

            with Vertical(id="enterprise-dialog", classes="dialog"):
                yield WrapStatic("用企业数据表计算", classes="dialog-title")
                yield WrapStatic(BROWSER_HINT)
                yield UploadPicker(conn, tuple(t for t in TABLES if t != ".txt"), multiple=True, id="enterprise-uploads")
                with Horizontal(id="enterprise-buttons"):
                    yield Button("计算", variant="primary", id="do-compute")
                    if self.session is not None:
                        yield Button("下载采集表", id="workbook")
                    yield Button("取消", id="cancel")
                yield WrapStatic(id="enterprise-result")
            return
        with Vertical(id="enterprise-dialog", classes="dialog"):
            yield WrapStatic("用企业数据表计算", classes="dialog-title")
            yield WrapStatic(HINT)
            yield Label("文件路径：")
            yield Input(placeholder="例如：~/采集表/企业数据采集表.xlsx", id="paths", select_on_focus=False)
            with Horizontal(id="enterprise-buttons"):
                yield Button("计算", variant="primary", id="do-compute")
                yield Button("取消", id="cancel")
            yield WrapStatic(id="enterprise-result")

    def on_mount(self) -> None:
        from assistant.frontends.tui.widgets.uploads import UploadPicker

        pickers = self.query(UploadPicker)
        if pickers:
            pickers.first().focus_list()
        else:
            self.query_one("#paths", Input).focus()

    def on_key(self, event: events.Key) -> None:
        paths = self.query("#paths")  # none in the browser: files come as uploads there
        if paths:
            hand_on(self, event, paths.first(Input))  # typed on a button: into the paths, not lost

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.compute()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "do-compute":
            self.compute()
        elif event.button.id == "workbook":
            self.download_workbook()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def download_workbook(self) -> None:
        """`filing workbook 会话编号 --prefill`, as a download."""
        from assistant.frontends.tui.browser import build_workbook, deliver

        result = self.query_one("#enterprise-result", WrapStatic)
        try:
            built = build_workbook(self.session)
        except Exception as exc:  # a programming error: logged, said here; the app stays open
            from assistant.frontends.crashlog import report

            result.update(filing_app(self).shown(report(exc, "生成采集表")))
            return
        deliver(self.app, built)
        result.update("".join([f"已开始下载：{built.name}（在浏览器的下载栏中查看）。", *built.notes,
                                "请发给成员企业填写，收回后上传、勾选、计算。"]))

    def compute(self) -> None:
        result = self.query_one("#enterprise-result", WrapStatic)
        from assistant.frontends.tui.widgets.uploads import UploadPicker

        pickers = self.query(UploadPicker)
        if pickers:
            names = [u.name for u in pickers.first().chosen()]
            if not names:
                result.update("请先上传并勾选至少一个文件（选中后按空格键勾选）。")
                return
            # By name (the conversation reads only this tab's uploads); quoted only where a name needs it.
            self.dismiss("企业数据 " + " ".join(n if _bare(n) else join_paths([n]) for n in names))
            return
        text = self.query_one("#paths", Input).value.strip()
        try:
            paths = split_paths(text)
        except ValueError:
            result.update("路径中的引号没有配对，请检查。")
            return
        if not paths:
            result.update("请填写至少一个文件的路径。")
            return
        missing = [p for p in paths if not Path(p).expanduser().is_file()]
        if missing:
            result.update(f"找不到文件：{'、'.join(missing[:3])}" + ("等" if len(missing) > 3 else "") + "。")
            return
        self.dismiss("企业数据 " + join_paths([str(Path(p).expanduser()) for p in paths]))

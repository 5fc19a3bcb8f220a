"""用企业数据表计算: a small dialog asking for the workbook path(s); the conversation's 企业数据 command does the rest."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from ...paths import join_paths, split_paths
from ..widgets.cjk import WrapStatic
from ..widgets.typing import hand_on

HINT = ("填好的《企业数据采集表》：一个汇总文件，或多个企业各自的文件（.xlsx / .csv），用空格分开；"
        "路径中有空格时请加引号。计算结果会先列出，与当前答案对照，由您决定采用哪些。")


class EnterpriseDialog(ModalScreen[str | None]):
    """Dismisses with the command line to give the conversation (企业数据 …), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "关闭")]

    def compose(self):
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
        self.query_one("#paths", Input).focus()

    def on_key(self, event: events.Key) -> None:
        hand_on(self, event, self.query_one("#paths", Input))  # typed on a button: into the paths, not lost

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.compute()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "do-compute":
            self.compute()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def compute(self) -> None:
        text = self.query_one("#paths", Input).value.strip()
        result = self.query_one("#enterprise-result", WrapStatic)
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

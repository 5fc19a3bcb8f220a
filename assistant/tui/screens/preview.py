"""The finished document as it will look, inside the app (long lists truncated by the renderer)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ..widgets.footer import KeyBar

PREVIEW_ROWS = 20


def preview_text(session: Any) -> tuple[str, bool]:
    """(markdown, ok). Import lazily: the document module is heavy and may be missing."""
    try:
        from ...document.preview import render_markdown
    except Exception as exc:
        return f"预览功能暂不可用（文档模块未能加载：{exc}）。", False
    try:
        return render_markdown(session, max_list_rows=PREVIEW_ROWS), True
    except Exception as exc:
        return f"生成预览时出错：{exc}", False


class PreviewScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "返回对话"), Binding("f5", "export", "导出")]

    def __init__(self, session: Any):
        super().__init__()
        self.session = session

    def compose(self):
        with VerticalScroll(id="preview-scroll", can_focus=True):
            yield Static("正在生成预览……", id="preview")
        yield KeyBar()

    def on_mount(self) -> None:
        text, ok = preview_text(self.session)
        body = self.query_one("#preview", Static)
        if ok:
            # Rich renders markdown (tables included) as one widget: no per-cell widgets to mount,
            # so a long list cannot freeze the screen the way textual's Markdown widget does.
            from rich.markdown import Markdown

            from ...textsafe import visible

            body.update(Markdown(visible(text)))  # an ESC in an answer is shown, never sent
        else:
            from ...textsafe import plain

            body.update(plain(text))
            body.add_class("error")
        self.query_one("#preview-scroll").focus()

    def action_export(self) -> None:
        from .export import ExportDialog

        self.app.push_screen(ExportDialog(self.session))

"""The finished document as it will look, inside the app (long lists truncated by the renderer)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from assistant.frontends.tui.host import SCREENS_CSS
from assistant.frontends.tui.widgets.footer import KeyBar

PREVIEW_ROWS = 20


def preview_view(session: Any) -> tuple[Any, bool]:
    """(renderable, ok): the document drawn from its model, as `filing preview` draws it."""
    from assistant.interview.engine import Engine
    from assistant.report.model import build_report
    from assistant.report.preview import terminal_view

    return terminal_view(build_report(Engine.for_session(session)), max_list_rows=PREVIEW_ROWS), True


class PreviewScreen(Screen[None]):
    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "返回对话"), Binding("f5", "export", "导出")]

    def __init__(self, session: Any):
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="preview-scroll", can_focus=True):
            yield Static("正在生成预览……", id="preview")
        yield KeyBar()

    def on_mount(self) -> None:
        view, _ = preview_view(self.session)
        # Rich renderables in one widget: no per-cell widgets to mount, so a long list cannot freeze
        # the screen; every user text in it is a Text (never markup, control characters shown).
        self.query_one("#preview", Static).update(view)
        self.query_one("#preview-scroll").focus()

    def action_export(self) -> None:
        from assistant.frontends.tui.screens.export import ExportDialog

        self.app.push_screen(ExportDialog(self.session))

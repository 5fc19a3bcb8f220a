"""The current question, drawn from the conversation's QuestionView: nothing here is decided.

The panel grows with its text up to its CSS max-height; beyond that it scrolls, and the cut is
marked with … and the number of lines below it.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.interview.view import QuestionView


def render_view(view: QuestionView) -> Text:
    t = Text()
    if view.qid is None:
        t.append("所有题目都已回答。", style="bold")
        t.append("\n按 F3 检查，F4 预览，F5 导出。")
        return t
    t.append(f"{view.section} · 第 {view.position}/{view.count} 题", style="dim")
    if view.optional:
        t.append("（选填）", style="dim")
    t.append("\n")
    t.append(view.ask, style="bold")
    for line in view.compact_offer:  # a computed value to accept, or replace with its basis
        t.append("\n" + line, style="bold yellow")
    extra = []
    if view.label:
        extra.append(f"表格栏目：{view.label}")
    if view.unit:
        extra.append(f"单位：{view.unit}")
    if extra:
        t.append("\n" + "　".join(extra), style="cyan")
    if view.hint:
        t.append("\n提示：" + view.hint, style="dim")
    if view.format and not (view.choices and view.kind.has_choices):  # the rows below are the options
        t.append("\n" + view.format, style="dim")
    if view.limits and not view.kind.narrative:  # a narrative's editor counts live, under the text
        over = any(x.over for x in view.limits)
        t.append("\n" + "　".join(x.text() for x in view.limits), style="bold red" if over else "dim")
    if view.current_shown is not None:
        # a table takes Enter itself (edit a row or cell): what keeps the answer there is Ctrl+S; a text box
        # shows its answer selected, so Enter keeps it too until it is edited (then Enter is a new line)
        how = "Ctrl+S " if view.kind.is_list else "直接回车或 Ctrl+S " if view.kind.narrative else "直接回车"
        keep = (f"（{how}确认不变）" if view.carried else f"（{how}保留）") if view.pending is None else ""
        t.append("\n沿用上年：" if view.carried else "\n当前答案：", style="bold green")
        t.append(view.current_shown + keep, style="green")
    for f in view.findings:
        t.append(f"\n{f.mark} {f.message}", style="bold red" if f.severity == "blocking" else "yellow")
    if view.pending is not None and view.pending.prompt:
        t.append("\n" + view.pending.prompt, style="bold yellow")
    return t


class QuestionPanel(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    QuestionPanel { height: auto; }
    QuestionPanel > WrapStatic { height: auto; }
    QuestionPanel > #question-more { dock: bottom; height: 1; color: $warning; background: $panel; }
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._body = WrapStatic("", id="question-text")
        self._more = WrapStatic("", id="question-more")
        self._more.display = False  # shown only when the text is cut: hiding it after the first layout costs another
        self.view: QuestionView | None = None

    def compose(self) -> ComposeResult:
        yield self._body
        yield self._more

    @property
    def plain(self) -> str:
        return self._body.plain

    def show_view(self, view: QuestionView) -> None:
        self.view = view
        self._body.update(render_view(view))
        self.scroll_home(animate=False, immediate=False)
        self.call_after_refresh(self._mark_cut)

    def on_resize(self, event: Any) -> None:
        self._mark_cut()

    def _mark_cut(self) -> None:
        hidden = self._body.outer_size.height - self.scrollable_content_region.height - self.scroll_offset.y
        self._more.display = hidden > 0
        if hidden > 0:
            self._more.update(f"…（下面还有 {hidden} 行：鼠标滚轮翻看）")

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._mark_cut()

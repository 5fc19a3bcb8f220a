"""Every answer by part with its findings; selecting one jumps to it."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from assistant.form.expr import count_chars
from assistant.form.types import of
from assistant.frontends.tui.host import SCREENS_CSS
from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.frontends.tui.widgets.footer import KeyBar
from assistant.interview.findings import blocking
from assistant.report.model import layout_findings
from assistant.text.cjkwrap import Wrapped
from assistant.text.textsafe import visible


class ReviewScreen(Screen[str | None]):
    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "返回对话")]

    def __init__(self, engine: Any):
        super().__init__()
        self.engine = engine

    def compose(self) -> ComposeResult:
        e = self.engine
        found = e.findings() + layout_findings(e)
        by_q: dict[str, list[Any]] = {}
        for f in found:
            by_q.setdefault(f.qid, []).append(f)
        nb = len(blocking(found))
        head = Text()
        if nb:
            head.append(f"✗ 必须修改 {nb} 处", style="bold red")
        else:
            head.append("✓ 没有必须修改的问题", style="bold green")
        head.append(f"　⚠ 提示 {len(found) - nb} 条　　回车跳到该题修改，Esc 返回", style="yellow" if len(found) > nb else "dim")
        yield WrapStatic(head, id="review-head")
        options: list[Option] = []
        for sec in e.flow.sections:
            p = e.progress(sec)
            options.append(Option(Text(f"{e.text(sec.title)}　{p.answered}/{p.total}", style="bold underline"), disabled=True))
            for q in sec.questions:
                if not e.is_relevant(q.id) and q.id not in e.state.not_applicable:
                    continue
                t = Text("  ")
                t.append(visible(e.label(q) or q.id))
                t.append("：")
                if q.id in e.state.not_applicable:
                    t.append("不适用", style="dim")
                elif e.is_answered(q.id):
                    shown = e.shown(q.id)
                    if of(q).narrative and len(shown) > 40:
                        shown = shown[:40] + f"…（{count_chars(shown)} 字）"  # the one 字 rule
                    t.append(visible(shown.replace("\n", " ")), style="cyan")
                else:
                    t.append("未填", style="dim italic")
                for f in by_q.get(q.id, []):
                    style = "red" if f.severity == "blocking" else "yellow"
                    mark = "✗ " if f.severity == "blocking" else "⚠ "
                    t.append("\n    " + mark + visible(f.message), style=style)
                # wrapped the Chinese way: Rich would break only at the spaces around figures, lines half empty
                options.append(Option(Wrapped(t), id=q.id, disabled=q.id in e.state.not_applicable))
        yield OptionList(*options, id="review-list")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)

"""Multi-line editor for narrative answers with a live character count against the limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static, TextArea
from textual.widgets.text_area import Selection

from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.frontends.tui.widgets.editors import TextEditor
from assistant.interview.view import limits


class Command(Message):
    """A whole command line (跳到 …, ?, 返回) typed in an editor: for the conversation, not the text."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text


class Keep(Message):
    """Enter on the old answer shown selected on a revisit: for the conversation, which keeps it as it does
    an Enter on the input line (保留原答案, or 沿用上年 confirmed)."""


class NarrativeArea(TextArea):
    """A TextArea whose Enter after a command line hands the line to the conversation."""

    def __init__(self, is_command: Callable[[str], bool] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._is_command = is_command
        self.kept: str | None = None  # the stored answer, shown selected on a revisit

    def show_kept(self, text: str) -> None:
        """The stored answer, all selected: typing replaces it, an arrow key edits it, Enter keeps it."""
        self.load_text(text)
        self.kept = text
        self.selection = Selection(self.document.end, (0, 0))  # all of it, the cursor (and the view) at its top

    def on_key(self, event: events.Key) -> None:
        if (event.key == "enter" and self.kept is not None and self.text == self.kept
                and self.selected_text == self.text):
            event.stop()
            event.prevent_default()
            self.post_message(Keep())
            return
        if event.key != "enter" or self._is_command is None:
            return
        row, _ = self.cursor_location
        line = self.document.get_line(row)
        if not line.strip() or not self._is_command(line):
            return
        event.stop()
        event.prevent_default()
        if self.kept is not None and self.text.strip() == line.strip():
            self.show_kept(self.kept)  # typed over the old answer, the command leaves it as it was
        else:
            start = (row - 1, len(self.document.get_line(row - 1))) if row > 0 else (row, 0)
            self.delete(start, (row, len(line)))
        self.post_message(Command(line.strip()))


class LongTextEditor(Vertical, TextEditor):
    class Submitted(Message):
        def __init__(self, qid: str, text: str):
            super().__init__()
            self.qid, self.text = qid, text

    def __init__(self, engine: Any, q: Any, keep_draft: Any = None,
                 is_command: Callable[[str], bool] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._init = (engine, q)
        self.qid = q.id
        self._keep_draft = keep_draft  # called with the text on every change (saved as a draft)
        self._is_command = is_command

    def on_mount(self) -> None:
        self.load(*self._init)
        self.query_one(TextArea).focus()

    def compose(self) -> ComposeResult:
        yield NarrativeArea(self._is_command, id="longtext", soft_wrap=True, show_line_numbers=False)
        yield WrapStatic(id="count")

    def load(self, engine: Any, q: Any) -> None:
        self._engine, self._q = engine, q
        stored = engine.session.answers.get(q.id)
        draft = engine.session.drafts.get(q.id)
        area = self.query_one(NarrativeArea)
        self._loading = True
        shown = stored if isinstance(stored, str) and stored != "无" else ""
        if isinstance(draft, str) and draft != shown:
            area.load_text(draft)
            self.notify("已恢复上次未提交的文字（草稿），检查后按 Ctrl+S 提交。")
        elif shown:  # a revisit: the answer as stored, selected as on the input line
            area.show_kept(shown)
        else:  # no draft, or one that is what would show anyway: nothing to say
            area.load_text(shown)
        self._update_count()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._update_count()
        if getattr(self, "_loading", False):
            self._loading = False  # the change event of load_text itself is not an edit
        elif self._keep_draft is not None:
            self._keep_draft(self.qid, event.text_area.text)

    def _update_count(self) -> None:
        q = getattr(self, "_q", None)
        if q is None:
            return
        found = limits(self._engine, q, self.query_one(TextArea).text)  # 无 counts nothing, as in the check
        msg = "　".join(x.text() for x in found) + "　　Ctrl+S 提交；可先填“无”"
        count = self.query_one("#count", Static)
        count.update(msg)
        count.set_class(any(x.over for x in found), "over")

    def text_box(self) -> Widget:
        return self.query_one("#longtext")

    def focus_editor(self) -> None:
        self.query_one(TextArea).focus()

    def action_submit(self) -> None:
        q = getattr(self, "_q", None)
        if q is not None:
            self.post_message(self.Submitted(q.id, self.query_one(TextArea).text))

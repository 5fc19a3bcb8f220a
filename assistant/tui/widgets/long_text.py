"""Multi-line editor for narrative answers with a live character count against the limits."""

from __future__ import annotations

from typing import Any

from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea

from ...expr import count_chars
from .cjk import WrapStatic


class LongTextEditor(Vertical):
    class Submitted(Message):
        def __init__(self, qid: str, text: str):
            super().__init__()
            self.qid, self.text = qid, text

    def __init__(self, engine: Any, q: Any, keep_draft: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._init = (engine, q)
        self.qid = q.id
        self._keep_draft = keep_draft  # called with the text on every change (saved as a draft)

    def on_mount(self) -> None:
        self.load(*self._init)
        self.query_one(TextArea).focus()

    def compose(self):
        yield TextArea(id="longtext", soft_wrap=True, show_line_numbers=False)
        yield WrapStatic(id="count")

    def load(self, engine: Any, q: Any) -> None:
        self._engine, self._q = engine, q
        stored = engine.session.answers.get(q.id)
        draft = engine.session.drafts.get(q.id)
        area = self.query_one(TextArea)
        self._loading = True
        if isinstance(draft, str):
            area.load_text(draft)
            self.notify("已恢复上次未提交的文字（草稿），检查后按 Ctrl+S 提交。")
        else:
            area.load_text(stored if isinstance(stored, str) and stored != "无" else "")
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
        n = count_chars(self.query_one(TextArea).text)
        parts = []
        over = False
        if q.max_chars:
            parts.append(f"本段 {n}/{q.max_chars} 字")
            over |= n > q.max_chars
        # The form's declared limits (the engine counts; 无 counts nothing, as in the check).
        for lim in self._engine.limits(q, self.query_one(TextArea).text):
            budget = f"还可写 {lim.left} 字" if lim.left >= 0 else f"超出 {-lim.left} 字"
            parts.append(f"{lim.label} {lim.used}/{lim.budget} 字（{budget}）")
            over |= lim.left < 0
        msg = "　".join(parts) + "　　Ctrl+S 提交；可先填“无”"
        count = self.query_one("#count", Static)
        count.update(msg)
        count.set_class(over, "over")

    def action_submit(self) -> None:
        q = getattr(self, "_q", None)
        if q is not None:
            self.post_message(self.Submitted(q.id, self.query_one(TextArea).text))

"""The transcript as chat bubbles; it only displays what session.transcript holds."""

from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text
from textual.containers import VerticalScroll

from .cjk import WrapStatic

# Every bubble costs layout time on each turn; older turns stay in the session file.
RESTORE_LIMIT = 40
KEEP = 60


class Bubble(WrapStatic):
    def __init__(self, role: str, text: str, *, refused: bool = False, kind: str | None = None):
        who = "助手" if role == "assistant" else "我"
        if kind == "question":  # the panel below shows label, unit and example: the log keeps the question
            text = "\n".join(text.splitlines()[:2])
        body = Text()
        body.append(f"{who}\n", style="bold")
        body.append(text)
        classes = "assistant" if role == "assistant" else "user"
        if refused:
            classes += " refused"
        super().__init__(body, classes=classes)


class ChatLog(VerticalScroll, can_focus=True):
    """Scrollable transcript (focus it and use arrows / PgUp / PgDn)."""

    def __init__(self, transcript: list[dict[str, Any]] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._initial = transcript or []

    def compose(self):  # noqa: ANN201
        """The restored transcript is part of the first layout: mounting it later costs a second pass."""
        older = len(self._initial) - RESTORE_LIMIT
        if older > 0:
            yield WrapStatic(f"（更早的 {older} 条消息已保存在会话中，此处不再显示）", classes="older")
        for e in self._initial[-RESTORE_LIMIT:]:
            yield Bubble(e.get("role", "assistant"), str(e.get("text", "")), kind=e.get("kind"))

    def add(self, entries: Iterable[dict[str, Any]], *, refused: bool = False) -> None:
        bubbles = [Bubble(e.get("role", "assistant"), str(e.get("text", "")),
                          refused=refused and e.get("role") == "assistant", kind=e.get("kind")) for e in entries]
        if bubbles:
            self.mount_all(bubbles)
            old = [c for c in self.children if isinstance(c, Bubble)][:-KEEP]
            if old:
                self.remove_children(old)
            self.scroll_end(animate=False, immediate=False)


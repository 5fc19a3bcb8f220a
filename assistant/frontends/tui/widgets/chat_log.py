"""The transcript as chat bubbles; it only displays what session.transcript holds.

Every bubble costs layout time, at start-up and on each turn, so a resumed session shows its
latest messages and brings earlier ones in as the person scrolls up to them (20 at a time).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.text.textsafe import visible

FIRST_SHOWN = 16  # enough to fill a 200×50 terminal
BATCH = 20  # brought in each time the top is reached
KEEP = 60  # after a turn, older bubbles go (they stay in the session, and come back on scrolling up)


class Bubble(WrapStatic):
    def __init__(self, role: str, text: str, *, refused: bool = False):
        who = "助手" if role == "assistant" else "我"
        body = Text()
        body.append(f"{who}\n", style="bold")
        body.append(visible(text))  # user text: never markup, never terminal control
        classes = "assistant" if role == "assistant" else "user"
        if refused:
            classes += " refused"
        super().__init__(body, classes=classes)

    @classmethod
    def of(cls, entry: dict[str, Any], refused: bool = False) -> Bubble:
        role = entry.get("role", "assistant")
        # A question's entry carries the brief the conversation chose for a log beside the question view.
        text = entry.get("brief") or entry.get("text", "")
        return cls(role, str(text), refused=refused and role == "assistant")


class ChatLog(VerticalScroll, can_focus=True):
    """Scrollable transcript (focus it and use arrows / PgUp / PgDn; the top brings earlier messages)."""

    def __init__(self, transcript: list[dict[str, Any]] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._transcript = transcript if transcript is not None else []
        self._first = max(0, len(self._transcript) - FIRST_SHOWN)  # transcript index of the top bubble
        self._older = WrapStatic("", classes="older")
        self._loading = False

    def compose(self) -> ComposeResult:
        """The latest messages are part of the first layout: mounting them later costs a second pass."""
        self._older.display = self._first > 0
        self._older.update(self._older_text())
        yield self._older
        for e in self._transcript[self._first:]:
            yield Bubble.of(e)

    def on_mount(self) -> None:
        if self._first:
            # A long transcript (earlier messages wait above): anchored, every layout keeps the end in view, the
            # first one included, so a resumed report is not drawn from its top and then scrolled. Only then: an
            # anchored chat shorter than its view would be scrolled above its top (Textual does not clamp).
            # Scrolling up releases the anchor, reaching the end again restores it.
            self.anchor()
        else:
            self.scroll_end(animate=False, immediate=False)  # a few long messages may still overflow the view
        self.call_after_refresh(self._fill_viewport)

    def _older_text(self) -> str:
        return f"（还有更早的 {self._first} 条消息：滚动到顶部即显示）"

    def _bubbles(self) -> list[Bubble]:
        return [c for c in self.children if isinstance(c, Bubble)]

    def add(self, entries: list[dict[str, Any]], *, refused: bool = False) -> None:
        """New messages (the end of the transcript) at the bottom; the oldest beyond KEEP leave."""
        bubbles = [Bubble.of(e, refused) for e in entries]
        if not bubbles:
            return
        self.mount_all(bubbles)
        old = self._bubbles()[:-KEEP]
        if old:
            self.remove_children(old)
            self._first += len(old)
            self._older.update(self._older_text())
            self._older.display = True
        if entries[-1].get("kind") == "help":  # an explanation is read from its top, not its end
            last = bubbles[-1]
            self.call_after_refresh(lambda: self.scroll_to_widget(last, top=True, animate=False))
        else:
            self.scroll_end(animate=False, immediate=False)

    def on_resize(self, event: Any) -> None:
        """A resize keeps the latest message in view (the chat stays pinned to its end)."""
        if self.is_vertical_scroll_end or self.max_scroll_y == 0 or getattr(self, "_pinned", True):
            self.scroll_end(animate=False, immediate=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._pinned = new_value >= self.max_scroll_y - 1
        if new_value <= 0 < old_value:  # reached the top
            self.show_earlier()

    def show_earlier(self) -> int:
        """Bring the previous BATCH messages in above, keeping what is on screen where it is."""
        if self._first == 0 or self._loading:
            return 0
        start = max(0, self._first - BATCH)
        batch = [Bubble.of(e) for e in self._transcript[start:self._first]]
        self._first = start
        self._older.update(self._older_text())
        self._older.display = start > 0
        height, y = self.virtual_size.height, self.scroll_y
        self._loading = True
        self.mount_all(batch, after=self._older)

        def keep_place() -> None:
            self.scroll_to(y=y + self.virtual_size.height - height, animate=False, immediate=True)
            self._loading = False
            self._fill_viewport()

        self.call_after_refresh(keep_place)
        return len(batch)

    def _fill_viewport(self) -> None:
        """A tall terminal may show every bubble with room to spare: nothing to scroll, so fetch now."""
        if self._first and self.virtual_size.height <= self.size.height:
            self.show_earlier()


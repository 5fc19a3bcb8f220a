"""The screen's keys on the bottom line, drawn as one widget.

Textual's Footer mounts one widget per key and recomposes them all on every binding refresh; at
start-up that styling and layout was the largest single cost after Textual itself. One line of
text reads and clicks the same: a click on a key presses it, as in Textual's footer.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyBar(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description", "key-bar--hover"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .key-bar--description { color: $footer-description-foreground; background: $footer-description-background; }
        & > .key-bar--hover { background: $block-hover-background; }
    }
    """

    def __init__(self, optional: tuple[str, ...] = (), **kwargs: Any):
        super().__init__(**kwargs)
        self.optional = optional  # keys left out first when the row is too narrow (reachable from help too)
        self.keys: tuple[tuple[str, str, str, bool], ...] = ()  # (key, shown as, description, enabled)
        self._spans: list[tuple[int, int, str, bool]] = []  # cells each key occupies, for clicks
        self._hover: str | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Any) -> None:
        if screen is not self.screen:
            return
        shown: list[tuple[str, str, str, bool]] = []
        actions: set[str] = set()
        for _, b, enabled, _ in screen.active_bindings.values():
            if b.show and b.action not in actions:  # "d" and "delete" do one thing: show it once
                actions.add(b.action)
                shown.append((b.key, self.app.get_key_display(b), b.description, enabled))
        keys = tuple(shown)
        if keys != self.keys:
            self.keys = keys
            self.refresh()

    def render(self) -> Text:
        """The keys with room around them; when the row is too wide (80 columns, or a table open),
        tighter, then without the optional keys, then without the first keys: those of the focused
        widget, which editors also list in their own hint line. The screen's own keys (F1–F5, Esc,
        Ctrl+Q) stay."""
        width = self.size.width
        essential = tuple(k for k in self.keys if k[0] not in self.optional)
        tries = [(self.keys, False), (self.keys, True), (essential, False)]
        tries += [(essential[skip:], True) for skip in range(len(essential))]
        for keys, compact in tries:
            text = self._line(keys, compact=compact)
            if not width or text.cell_len <= width:
                break
        return text

    def _line(self, keys: tuple[tuple[str, str, str, bool], ...], *, compact: bool) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        desc_style = self.get_component_rich_style("key-bar--description")
        hover = self.get_component_rich_style("key-bar--hover")
        pad = "" if compact else " "
        text = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []
        for key, shown, description, enabled in keys:
            start = text.cell_len
            extra = Style(dim=True) if not enabled else (hover if key == self._hover else Style())
            text.append(f"{pad}{shown} ", key_style + extra)
            if description:
                text.append(f"{description}{pad}", desc_style + extra)
            self._spans.append((start, text.cell_len, key, enabled))
            if compact:
                text.append(" ")
        return text

    def key_at(self, x: int) -> tuple[str, bool] | None:
        return next(((key, enabled) for start, end, key, enabled in self._spans if start <= x < end), None)

    def on_click(self, event: events.Click) -> None:
        hit = self.key_at(event.x)
        if hit is None:
            return
        key, enabled = hit
        if enabled:
            self.app.simulate_key(key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hit = self.key_at(event.x)
        hover = hit[0] if hit else None
        if hover != self._hover:
            self._hover = hover
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()

"""A footer that redraws only when the keys it shows change.

Textual's Footer recomposes all its keys on every focus move or binding refresh; at start-up and
after each answer that is several restyles of every key for an unchanged row of keys.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer


class QuietFooter(Footer):
    _shown: tuple = ()

    def bindings_changed(self, screen: Any) -> None:
        shown = tuple(
            (b.key, b.description, enabled)
            for _, b, enabled, _ in screen.active_bindings.values() if b.show
        )
        if shown == self._shown:
            self._bindings_ready = True
            return
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # a recompose is now scheduled for exactly these keys
        super().bindings_changed(screen)

"""Nothing typed is dropped: a printable key typed where it cannot go (the transcript, a box, a button)
moves focus to the field that takes text and lands there."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen
from textual.widget import Widget


class HandedKey(events.Key):
    """A key handed on to the text field: never handed on again (a field that refuses it drops it)."""


HandedKey.handler_name = events.Key.handler_name  # handled as the key it is (on_key), not as a new message


def hand_on(screen: Screen[Any], event: events.Key, target: Widget) -> bool:
    """Called from a screen's on_key, which sees a key after the focused widget let it through and before
    any binding runs. A text field stops every printable key it types, so a printable key arriving here was
    typed nowhere: unless a binding takes it (Space on a box, a table's row keys), `target` gets it.

    Focus is not asked: keys typed quickly reach the old widget after focus has moved (an input method
    commits several characters at once) and are handed on in order all the same."""
    if not (event.is_printable and event.character) or isinstance(event, HandedKey):
        return False
    if event.key in screen.active_bindings:
        return False
    event.stop()
    event.prevent_default()
    if screen.focused is not target:
        screen.set_focus(target)  # now, so the keys after this one go straight there
    target.post_message(HandedKey(event.key, event.character))  # the field's own typing (selection, limits)
    return True

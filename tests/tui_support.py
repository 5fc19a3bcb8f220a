"""Helpers for the Textual tests: type into the app the way a person does."""

from __future__ import annotations

from typing import Any

from textual import events

from assistant.form.catalog import load_flow
from assistant.frontends.tui.screens.conversation import ChatInput, ConversationScreen


def typed(q: Any, value: Any) -> str:
    """The example value as a person types it on the input line."""
    if q.type == "matrix":
        return " ".join(str(value[r.label][c.label]) for r in q.rows for c in q.cols)
    return str(value)


def tsv(q: Any, rows: list[dict]) -> str:
    """Rows as Excel puts them on the clipboard: a header line, then tab-separated cells."""
    lines = ["\t".join(c.label for c in q.columns)]
    lines += ["\t".join(str(r.get(c.id, "")) for c in q.columns) for r in rows]
    return "\n".join(lines) + "\n"


async def type_line(pilot: Any, text: str) -> None:
    """Type on the input line and press Enter (pilot.press cannot send full-width punctuation)."""
    screen = pilot.app.screen
    assert isinstance(screen, ConversationScreen)
    inp = screen.query_one("#input", ChatInput)
    inp.focus()
    ascii_ok = all(ch.isascii() and ch.isalnum() for ch in text)
    if ascii_ok:
        await pilot.press(*text)
    elif not inp.selection.is_empty:  # typing over a selected (prefilled) answer replaces it
        inp.replace(text, *inp.selection)
    else:
        inp.insert_text_at_cursor(text)
    await pilot.press("enter")
    await pilot.pause()


async def paste_into(pilot: Any, widget: Any, text: str) -> None:
    """A terminal's bracketed paste reaches the app, which forwards it to the focused widget."""
    widget.focus()
    await pilot.pause()
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def answer_current(pilot: Any, answers: dict) -> str:
    """Answer the question the conversation stands at with the sample answer, like a person."""
    screen = pilot.app.screen
    q = screen.engine.current()
    assert q is not None
    value = answers[q.id]
    if q.type == "list":
        await paste_into(pilot, screen.query_one("#rows"), tsv(q, value))
        await pilot.press("ctrl+s")
    elif q.type == "longtext":
        area = screen.query_one("#longtext")
        area.clear()
        await paste_into(pilot, area, str(value))
        await pilot.press("ctrl+s")
    else:
        await type_line(pilot, typed(q, value))
    await pilot.pause()
    while screen.session.pending:  # a converted value: confirm with Enter (是 is highlighted)
        await pilot.press("enter")
        await pilot.pause()
    return q.id


__all__ = ["answer_current", "load_flow", "paste_into", "tsv", "type_line", "typed"]


async def pick_in_outline(pilot: Any, key: str) -> None:
    """Highlight a row of the outline sidebar (a question id, or "§" + part id) and press Enter."""
    ol = pilot.app.screen.query_one("#outline-list")
    ids = [ol.get_option_at_index(i).id for i in range(ol.option_count)]
    ol.focus()
    ol.highlighted = ids.index(key)
    await pilot.press("enter")
    await pilot.pause()


async def export_from_dialog(pilot: Any, choice: int, path: str, *, wait_for: str = "已导出", seconds: float = 60) -> str:
    """F5, pick format `choice` (its index in the dialog), type the path, Enter; the result text once it
    says `wait_for` (PDF and the package are written by a worker thread)."""
    import asyncio

    from textual.widgets import RadioSet

    await pilot.press("f5")
    await pilot.pause()
    dialog = pilot.app.screen
    dialog.query_one("#format", RadioSet).query("RadioButton")[choice].value = True
    dialog.query_one("#path").insert_text_at_cursor(path)
    await pilot.press("enter")
    await pilot.pause()
    first = dialog.query_one("#export-result").plain
    for _ in range(int(seconds / 0.1)):
        if wait_for in dialog.query_one("#export-result").plain:
            break
        await asyncio.sleep(0.1)
    return first + "\n" + dialog.query_one("#export-result").plain

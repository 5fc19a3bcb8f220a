"""The files uploaded in this browser tab, and a way to upload more: what a browser dialog shows instead of a path field.

"从本机选择文件上传…" asks the page to open the browser's file picker (within the key press, so the browser lets
it open); the page uploads what is chosen into the tab's folder, and the list picks it up (polled twice a second).
A file just uploaded is chosen at once (one list) or ticked (several)."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, OptionList, SelectionList
from textual.widgets.option_list import Option

from assistant.files.safeio import size_text
from assistant.frontends.browser_tab import BrowserTab, Upload
from assistant.frontends.tui.browser import tell_page
from assistant.frontends.tui.widgets.cjk import WrapStatic
from assistant.text.textsafe import one_line

PICK = "⇪ 从本机选择文件上传…"


def _label(u: Upload) -> Text:
    when = time.strftime("%H:%M", time.localtime(u.when))
    return Text(f"{one_line(u.name)}　{size_text(u.size) if u.size >= 1024 else f'{u.size} 字节'}　{when} 上传")


class UploadPicker(Vertical):
    """One file (an OptionList: Enter chooses) or several (a SelectionList: Space/Enter ticks)."""

    DEFAULT_CSS = """
    UploadPicker { height: auto; }
    UploadPicker #upload-pick { width: auto; margin: 0 0 1 0; }
    UploadPicker #upload-list { height: auto; max-height: 8; }
    UploadPicker #upload-none { color: $text-muted; }
    """

    class Chosen(Message):
        """One file chosen: Enter on it, or just uploaded after 选择文件."""

        def __init__(self, upload: Upload):
            super().__init__()
            self.upload = upload

    def __init__(self, conn: BrowserTab, suffixes: tuple[str, ...], *, multiple: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.conn, self.suffixes, self.multiple = conn, suffixes, multiple
        self.uploads: list[Upload] = []
        self._seen: set[str] | None = None  # the files there before: None until the first look

    def compose(self) -> ComposeResult:
        yield Button(PICK, id="upload-pick")
        yield (SelectionList[str](id="upload-list") if self.multiple else OptionList(id="upload-list"))
        yield WrapStatic("还没有上传文件。", id="upload-none")

    def on_mount(self) -> None:
        self.look()
        self.set_interval(0.5, self.look)
        tell_page(self.app, "files", open="1", accept=",".join(self.suffixes), multiple="1" if self.multiple else "0")

    def on_unmount(self) -> None:
        tell_page(self.app, "files", open="0")

    @property
    def box(self) -> Any:
        return self.query_one("#upload-list")

    def focus_list(self) -> None:
        """The list when there is something in it, else the upload button."""
        (self.box if self.uploads else self.query_one("#upload-pick", Button)).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "upload-pick":
            event.stop()
            tell_page(self.app, "pick")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((u for u in self.uploads if u.sha256 == event.option.id), None)
        if chosen is not None:
            self.post_message(self.Chosen(chosen))

    def chosen(self) -> list[Upload]:
        """The ticked files (several), oldest upload first: the order they were given in."""
        if not self.multiple:
            return []
        ticked = set(self.box.selected)
        return [u for u in reversed(self.uploads) if u.sha256 in ticked]

    def look(self) -> None:
        """Show what is uploaded now; a file that arrived since the last look is chosen (or ticked)."""
        now = self.conn.uploaded(self.suffixes)
        if [u.sha256 for u in now] == [u.sha256 for u in self.uploads] and self._seen is not None:
            return
        seen = self._seen
        arrived = [u for u in now if seen is not None and u.sha256 not in seen]
        self.uploads = now
        self._seen = {u.sha256 for u in now} | (seen or set())
        self.query_one("#upload-none").display = not now
        box = self.box
        box.display = bool(now)
        if self.multiple:
            ticked = set(box.selected) | {u.sha256 for u in arrived}
            box.clear_options()
            box.add_options([(_label(u), u.sha256, u.sha256 in ticked) for u in now])
        else:
            keep = box.highlighted_option.id if box.highlighted_option is not None else None
            box.clear_options()
            box.add_options([Option(_label(u), id=u.sha256) for u in now])
            ids = [u.sha256 for u in now]
            target = arrived[0].sha256 if arrived else keep
            box.highlighted = ids.index(target) if target in ids else (0 if ids else None)
        if arrived:
            box.focus()
            if not self.multiple:
                self.post_message(self.Chosen(arrived[0]))

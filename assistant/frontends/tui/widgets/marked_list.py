"""A list of choices whose highlighted row (the one Enter takes) is marked ▶, not only coloured: the
choice stays visible on a monochrome screen or to a colour-blind eye."""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList
from textual.widgets.option_list import Option

MARK, NO_MARK = "▶ ", "  "


class MarkedList(OptionList):
    def __init__(self, *rows: tuple[str, str], **kwargs: Any):
        """rows: (option id, text)."""
        super().__init__(**kwargs)
        self._texts: list[str] = []
        if rows:
            self.set_rows(list(rows))

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        self.clear_options()
        self._texts = [text for _, text in rows]
        self.add_options([Option(self._marked(i), id=oid) for i, (oid, _) in enumerate(rows)])

    def _marked(self, i: int) -> str:
        return (MARK if i == self.highlighted else NO_MARK) + self._texts[i]

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        for i in range(min(self.option_count, len(self._texts))):
            if str(self.get_option_at_index(i).prompt) != self._marked(i):
                self.replace_option_prompt_at_index(i, self._marked(i))
        self.refresh()

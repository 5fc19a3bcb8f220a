"""What the conversation screen asks of the editor under a list or narrative question.

The editors themselves (list_editor.py with its DataTable, long_text.py with its TextArea) are imported when
a question first needs one; the screen tells them apart by these light bases (isinstance), not by class name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.widget import Widget


class QuestionEditor:
    """An editor shown under the question `qid` (Ctrl+S submits it)."""

    qid: str

    def focus_editor(self) -> None:
        raise NotImplementedError


class RowsEditor(QuestionEditor):
    """A list's table: rows pasted into it, its own keys, errors shown beside the rows."""

    def paste(self, text: str, focus: bool = True) -> bool:
        raise NotImplementedError

    @classmethod
    def table_keys(cls) -> set[str]:
        raise NotImplementedError

    def focus_table(self) -> None:
        raise NotImplementedError

    def show_errors(self, text: str, problems: list[Any] | None = None) -> None:
        raise NotImplementedError

    def submit(self) -> None:
        raise NotImplementedError


class TextEditor(QuestionEditor):
    """A narrative's text box."""

    def text_box(self) -> Widget:
        """Where typed keys go (keys typed on the transcript or the outline land here)."""
        raise NotImplementedError

    def action_submit(self) -> None:
        raise NotImplementedError

"""What the conversation answers to one turn: typed items, plus what the front end should do."""

from __future__ import annotations

from collections.abc import Sequence

from msgspec import Struct

from assistant.form.flow import Question
from assistant.form.parse import RowProblem
from assistant.interview.view import QuestionView


class Item(Struct):
    """One message of a reply, typed so that front ends draw it without reading its words."""
    kind: str  # "text" | "table" (a reading shown back) | "help" | "finding" | "question" | "done"
    text: str
    brief: str = ""  # what a chat log beside the question view keeps ("" = the whole text)
    qid: str | None = None


class Reply:
    """What the conversation answers to one turn: typed items, plus what the front end should do."""

    def __init__(self, messages: Sequence[str | Item] | None = None, action: str | None = None,
                 refused: bool = False, question: Question | None = None):
        self.items: list[Item] = [m if isinstance(m, Item) else Item("text", m) for m in (messages or [])]
        self.action = action  # "preview" | "quit" | "enterprises" (ask for the workbook paths) | None
        self.refused = refused
        self.question = question
        self.view: QuestionView | None = None  # the question view after this turn
        self.problems: list[RowProblem] = []  # rows/cells of a refused list, for an editor to mark

    @property
    def messages(self) -> list[str]:
        return [i.text for i in self.items]

    def add(self, item: str | Item) -> None:
        self.items.append(item if isinstance(item, Item) else Item("text", item))

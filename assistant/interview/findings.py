"""What a check found: a blocking problem or a warning, about one question (checks.py and drafts.py make them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, overload

from assistant.form.shapes import JsonObject

BLOCKING, WARNING = "blocking", "warning"


class _Message:
    """A finding's text: given as text, or as a function that renders it (a rule's templated message),
    called on the first read and kept; so a check that only counts its findings loads no template engine."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Message: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> str: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> _Message | str:
        if obj is None:
            raise AttributeError(self.slot)  # a required field: no default
        value: str | Callable[[], str] = obj.__dict__[self.slot]
        if not isinstance(value, str):
            value = obj.__dict__[self.slot] = value()
        return value

    def __set__(self, obj: Any, value: str | Callable[[], str]) -> None:
        obj.__dict__[self.slot] = value


@dataclass(frozen=True)
class Finding:
    severity: str
    qid: str
    section: str
    message: _Message = _Message()  # str once read; built with the text or a function rendering it
    rule: str = ""
    about: tuple[str, ...] = ()  # the answers it is about, when not the rule's (a narrative naming a figure)
    brief: str = ""  # a few words for a narrow list (the outline); "" = the message

    def to_dict(self) -> JsonObject:
        return asdict(self)


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == BLOCKING]

"""What a check found: a blocking problem or a warning, about one question (checks.py and drafts.py make them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from assistant.form.shapes import JsonObject

BLOCKING, WARNING = "blocking", "warning"


@dataclass(frozen=True)
class Finding:
    severity: str
    qid: str
    section: str
    message: str
    rule: str = ""
    about: tuple[str, ...] = ()  # the answers it is about, when not the rule's (a narrative naming a figure)
    brief: str = ""  # a few words for a narrow list (the outline); "" = the message

    def to_dict(self) -> JsonObject:
        return asdict(self)


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == BLOCKING]

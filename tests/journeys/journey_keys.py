"""The keys a person types at each prompt of `filing ask` to give an answer (as tests/test_ask.py types
them), with the prompt each key sequence waits for: in a real terminal nothing is typed ahead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.interview.conversation import Conversation

ENTER, ESC_ENTER, CLEAR = "\r", "\x1b\r", "\x15"


@dataclass
class Prompt:
    marker: str  # text of the prompt line (after "› ")
    keys: str


def short_label(label: str) -> str:
    """The prompt's message for a question, as `filing ask` cuts it."""
    return label if len(label) <= 24 else label[:23] + "…"


def prompts_for(q: Any, raw: Any, scratch: Conversation, carried: bool = False) -> list[Prompt]:
    """The prompts and keys answering q with `raw` (as in the sample file); mirrored on `scratch`."""
    name = short_label(scratch.engine.label(q))
    if carried:  # last year's answer shown for keeping: Enter (a list: 保留当前名单, the first choice)
        scratch.handle("")
        return [Prompt(name, ENTER)]
    if q.type in ("yesno", "choice"):
        parsed = scratch.engine.parse(q.id, raw).value
        ids = [o.id for o in q.options] or ["yes", "no"]
        labels = [o.label or o.id for o in q.options] or ["是", "否"]
        label = labels[ids.index(("yes" if parsed else "no") if q.type == "yesno" else parsed)]
        scratch.handle(label)
        return [Prompt(name, label + ENTER)]  # typed, not picked: no pointer to move
    if q.type == "list":
        lines = ["\t".join(str(row.get(c.id, "")) for c in q.columns) for row in raw or []]
        scratch.handle("\n".join(lines) if lines else "无")
        out = [Prompt(name, ENTER)]  # 逐行输入: the first choice on a new question
        for i, line in enumerate(lines):
            out.append(Prompt(f"第 {i + 1} 行", (CLEAR if i < len(q.preset_rows) else "") + line + ENTER))
        out.append(Prompt(f"第 {len(lines) + 1} 行", (CLEAR if len(lines) < len(q.preset_rows) else "") + ENTER))
        return out
    if q.type == "matrix":
        grid = scratch.engine.parse(q.id, raw).value
        nums = [" ".join(str(grid[r.id][c.id]) for c in q.cols) for r in q.rows]
        out = [Prompt(f"{r.label}（", n + ENTER) for r, n in zip(q.rows, nums, strict=True)]
        scratch.handle(" ".join(nums))
        assert scratch.session.pending  # the table is shown back before it is stored: 是 (the default)
        out.append(Prompt(scratch.pending_prompt(), ENTER))
        scratch.handle("是")
        return out
    text = str(raw)
    out = [Prompt(name, text + (ESC_ENTER if q.type == "longtext" else ENTER))]
    scratch.handle(text)
    if scratch.session.pending:  # a converted value shown back: 是 (the default)
        out.append(Prompt(scratch.pending_prompt(), ENTER))
        scratch.handle("是")
    return out

"""What a draft quoted: the typed record a narrative answer keeps of the answers its draft printed.

A draft (起草) prints answers ("2023 年集群总产值 128.60 亿元"). Each answer it used is kept as a Quote
with the value the draft saw and the sentences that used it, by narrative question id
(Session.quotes). When the answer changes later, the narrative is flagged (drafts.narrative_findings)
and 起草 offers to redraw just those sentences. Stored in the session and in the JSON report; both
read it back through `quotes_from_json`, which refuses any other shape.
"""

from __future__ import annotations

import json
from typing import Any

from msgspec import Struct

from assistant.errors import InputError
from assistant.form.shapes import JsonObject

# What a draft reads of an answer: the answer as printed, a list's first column, a matrix's sum, a table's rows.
ANSWER, NAMES, TOTAL, ROWS = "answer", "names", "total", "rows"
KINDS = (ANSWER, NAMES, TOTAL, ROWS)
MAX_QUOTES = 200  # per narrative question: a draft quotes a few dozen answers
MAX_SENTENCES = 20  # sentences of one quote (a figure is printed once or twice)
MAX_TEXT = 10_000  # one sentence, one shown value
MAX_ROWS = 200


class Quote(Struct, frozen=True):
    source: str  # the question quoted
    kind: str  # one of KINDS
    value: Any  # what the draft saw (JSON): str for ANSWER, list[str] for NAMES, int for TOTAL, rows for ROWS
    shown: str  # how the draft printed it ("128.60 亿元"; names joined by 、; "" for ROWS)
    sentences: tuple[str, ...]  # the draft's sentences that use it, as drafted
    printed: bool = True  # the draft printed `shown` itself (not only read it to choose its words)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.source, self.shown, json.dumps(self.value, ensure_ascii=False, sort_keys=True))

    def to_dict(self) -> JsonObject:
        return {"source": self.source, "kind": self.kind, "value": self.value, "shown": self.shown,
                "sentences": list(self.sentences), "printed": self.printed}


def merge(*groups: list[Quote]) -> list[Quote]:
    """Quotes of several drafts as one record: the same figure of the same answer once, its sentences joined."""
    out: dict[tuple[str, str, str, str], Quote] = {}
    for group in groups:
        for q in group:
            had = out.get(q.key)
            if had is None:
                out[q.key] = q
            else:
                sentences = had.sentences + tuple(s for s in q.sentences if s not in had.sentences)
                out[q.key] = Quote(q.source, q.kind, q.value, q.shown, sentences[:MAX_SENTENCES],
                                   had.printed or q.printed)
    return list(out.values())[:MAX_QUOTES]


def _value_ok(kind: str, value: Any) -> bool:
    if kind == ANSWER:
        return isinstance(value, str) and len(value) <= MAX_TEXT
    if kind == NAMES:
        return isinstance(value, list) and all(isinstance(v, str) and len(v) <= MAX_TEXT for v in value)
    if kind == TOTAL:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**15
    return isinstance(value, list) and len(value) <= MAX_ROWS and all(
        isinstance(r, dict) and all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in r.items())
        for r in value)


def quote_from_json(data: object) -> Quote:
    """One quote from its stored form; InputError (Chinese) for anything else."""
    if not isinstance(data, dict):
        raise InputError("引用记录应是一个映射")
    source, kind, shown, sentences = data.get("source"), data.get("kind"), data.get("shown"), data.get("sentences")
    printed = data.get("printed", True)
    if not isinstance(source, str) or not source or len(source) > 100:
        raise InputError("引用记录的 source 应是问题编号")
    if kind not in KINDS:
        raise InputError(f"引用记录的 kind 应是 {'、'.join(KINDS)} 之一")
    if not _value_ok(kind, data.get("value")):
        raise InputError(f"引用记录 {source} 的 value 与 kind {kind} 不符")
    if not isinstance(shown, str) or len(shown) > MAX_TEXT:
        raise InputError(f"引用记录 {source} 的 shown 应是文字")
    if not isinstance(sentences, list) or len(sentences) > MAX_SENTENCES or not all(
            isinstance(s, str) and len(s) <= MAX_TEXT for s in sentences):
        raise InputError(f"引用记录 {source} 的 sentences 应是若干句文字")
    if not isinstance(printed, bool):
        raise InputError(f"引用记录 {source} 的 printed 应是 true 或 false")
    return Quote(source, kind, data["value"], shown, tuple(sentences), printed)


def quotes_from_json(data: object, narrative: set[str] | None = None) -> dict[str, list[Quote]]:
    """Session.quotes from its stored form (None: none); InputError naming what is wrong.

    narrative: the form's narrative question ids; records of other questions are refused."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("引用记录（quotes）应是“问题编号 → 引用列表”的映射")
    out: dict[str, list[Quote]] = {}
    for qid, items in data.items():
        if not isinstance(qid, str) or (narrative is not None and qid not in narrative):
            raise InputError(f"引用记录（quotes）中的“{str(qid)[:40]}”不是本表单的长文本题")
        if not isinstance(items, list) or len(items) > MAX_QUOTES:
            raise InputError(f"引用记录 {qid} 应是不超过 {MAX_QUOTES} 项的列表")
        out[qid] = [quote_from_json(x) for x in items]
    return out


def quotes_to_json(quotes: dict[str, list[Quote]]) -> dict[str, list[JsonObject]]:
    return {qid: [q.to_dict() for q in items] for qid, items in quotes.items() if items}

"""The enterprise-data command of the conversation (every front end: TUI, `filing ask`, `filing enterprises`).

    企业数据 路径1 路径2 …     read, validate, compute → proposals beside the current answers
    (then) 全部 | 1 3 5 | 1 3 保留 2 原因：…… | 取消

While the operator decides, the batch waits in session.pending (kind "enterprises"); nothing is applied
until a choice is made, and a refused file changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..parse import InputError, normalize
from ..paths import split_paths
from .proposals import apply, batch, describe, kept_before, propose

if TYPE_CHECKING:
    from ..engine import Engine

KIND = "enterprises"
COMMAND_WORDS = ("企业数据", "用企业数据表计算", "企业数据表")
ALL_WORDS = {"全部", "全部采用", "采用全部", "是", "采用", "确认", "好", "好的", "y", "yes", "all"}
CANCEL_WORDS = {"取消", "否", "不", "不用", "放弃", "都不要", "n", "no", "cancel"}
PROMPT = ("请选择：输入“全部”采用全部建议；输入序号（如“1 3 5”或“1-4”）只采用这几项；"
          "输入“保留 2 原因：……”保留您现在的数字并写明原因（可与序号一起写，如“1 3 保留 2 原因：以统计年报为准”）；"
          "输入“取消”不作任何改动。")
# Shown under the question while the batch waits (the full PROMPT closes the list itself).
WAITING = "请对上面列出的计算结果作出选择：“全部”、序号（如 1 3 5）、“保留 2 原因：……”或“取消”；直接回车不会采用。"
_KEEP = re.compile(r"保留\s*(?P<nums>[\d\s,，、\-－~]+?)\s*(?:(?:原因|理由|依据)\s*[:：]?|[:：])\s*(?P<reason>.+)$")


class Files(Protocol):
    """Where a front end's files come from when they are not paths on this computer (the browser's uploads)."""

    how: str  # how the person gives files there, e.g. 按 F6 上传…

    def find(self, name: str) -> Path | None: ...

    def missing(self, names: list[str]) -> str: ...


@dataclass
class Turn:
    messages: list[str] = field(default_factory=list)
    refused: bool = False
    ask: bool = False  # ask the current question again afterwards
    prompt: str = ""  # how to choose, closing the last message (left out when a script chose already)
    action: str = ""  # "enterprises": a front end with a dialog for the paths opens it

    def said(self) -> list[str]:
        """The messages as the conversation shows them: the prompt closes the last one."""
        if not self.prompt:
            return self.messages
        return [*self.messages[:-1], f"{self.messages[-1]}\n\n{self.prompt}" if self.messages else self.prompt]


def command_paths(text: str) -> list[str] | None:
    """The paths of an `企业数据 …` line, or None when the line is not this command."""
    s = text.strip()
    word = next((w for w in sorted(COMMAND_WORDS, key=len, reverse=True) if s.startswith(w)), None)
    if word is None:
        return None
    rest = s[len(word):]
    if rest and not rest[0].isspace() and rest[0] not in "：:":
        return None  # 企业数据服务集群: an answer, not the command
    rest = rest.lstrip("：: \t")
    try:
        return split_paths(rest)
    except ValueError:
        return rest.split()


def is_command(text: str, free_text: bool, files: Files | None = None) -> bool:
    """A whole command: on a free-text question only with paths that exist (else it is an answer)."""
    paths = command_paths(text)
    if paths is None:
        return False
    if not free_text:
        return True
    if files is not None:
        return bool(paths) and all(files.find(p) is not None for p in paths)
    return bool(paths) and all(Path(p).expanduser().exists() for p in paths)


def maybe_command(text: str, free_text: bool) -> bool:
    """On a free-text question, the command word alone or with file names that do not exist (yet) could
    be either an answer or the command: the person is asked, never guessed for."""
    paths = command_paths(text)
    if not free_text or paths is None or "\n" in text.strip():
        return False
    return all(p.lower().endswith((".xlsx", ".xlsm", ".csv")) or "/" in p or "\\" in p for p in paths)


def start(engine: Engine, paths: list[str], files: Files | None = None) -> Turn:
    """Read the files and show the proposals; the batch waits in session.pending. Refused: nothing changed.
    With `files` (the browser), the names are of files given there, and nothing else is read."""
    session = engine.session
    if not paths and not session.prior:
        if files is not None:
            return Turn([f"请{files.how}。"], action="enterprises")
        return Turn(["请在“企业数据”后面写上企业数据采集表的路径，例如：企业数据 ~/采集表/企业数据采集表.xlsx"
                     "（可以写多个文件，用空格分开；路径中有空格时请加引号）。"
                     "还没有采集表时，可用 `filing workbook 会话编号` 生成一份发给企业填写。"], action="enterprises")
    if files is not None:
        found = [files.find(p) for p in paths]
        missing = [p for p, f in zip(paths, found, strict=True) if f is None]
        if missing:
            return Turn([files.missing(missing)], refused=True)
        read = [f for f in found if f is not None]
    else:
        read = [Path(p).expanduser() for p in paths]
    try:
        result = propose(engine, read)
    except InputError as exc:
        return Turn([str(exc)], refused=True)
    stored = batch(result)
    lines = describe(engine, result, stored)
    if not stored["items"]:
        return Turn(["\n".join(lines)], ask=True)
    cur = engine.current()
    session.pending = {"kind": KIND, "qid": cur.id if cur else None, "prompt": WAITING, **stored}
    return Turn(["\n".join(lines)], prompt=PROMPT)


_NUMBERS_ONLY = re.compile(r"\d+(?:\s*[-－~]\s*\d+)?(?:[\s,，、;；]+\d+(?:\s*[-－~]\s*\d+)?)*")


def _numbers(text: str, n: int) -> list[int] | None:
    out: list[int] = []
    text = re.sub(r"\s*([-－~])\s*", r"\1", text)  # 1 - 4 is 1-4
    for part in re.split(r"[\s,，、;；]+", text.strip()):
        if not part:
            continue
        if len(part) > 19:  # no list has such numbers (and int() of thousands of digits refuses)
            return None
        m = re.fullmatch(r"(\d+)\s*[-－~]\s*(\d+)", part)
        if m:
            a, b = int(m[1]), int(m[2])
            if a > b or not 1 <= a <= b <= n:  # checked before expanding: 1-999999999 is no list
                return None
            out += range(a, b + 1)
        elif part.isdigit():
            out.append(int(part))
        else:
            return None
    if any(not 1 <= i <= n for i in out):
        return None
    return list(dict.fromkeys(out))


def reply(engine: Engine, text: str) -> Turn:
    """The operator's choice about the waiting batch."""
    session = engine.session
    pending = session.pending or {}
    items = pending.get("items") or []
    n = len(items)
    s = normalize(text).strip()
    low = s.lower().rstrip("。.!！")
    if low in CANCEL_WORDS:
        session.pending = None
        return Turn(["好的，没有采用任何企业数据，答案都没有改动。"], ask=True)
    if s in ("?", "？", "帮助", "help"):
        return Turn([PROMPT])
    if not s:
        return Turn([f"直接回车不会采用任何数据。{PROMPT}"], refused=True)
    accept: list[int] = []
    keep: dict[int, str] = {}
    if low in ALL_WORDS:  # all but the figures the operator kept last time, with a reason
        accept = [i for i, it in enumerate(items, 1) if not kept_before(engine, it)]
    else:
        m = _KEEP.search(s)
        head = s[:m.start()] if m else s
        if m:
            nums = _numbers(m["nums"], n)
            reason = " ".join(m["reason"].split()).strip(" ：:，,。")
            if nums is None or not reason:
                return Turn([f"没有读懂要保留哪几项：序号应在 1–{n} 之间，并写明原因。\n{PROMPT}"], refused=True)
            if len(reason) > 200:
                return Turn([f"原因太长：最多 200 个字，现在是 {len(reason)} 个字。"], refused=True)
            for i in nums:
                if not items[i - 1]["current"]:
                    return Turn([f"第 {i} 项“{engine.label(items[i - 1]['qid'])}”当前没有填写，无法保留；"
                                 "可以不选它，之后再填写。"], refused=True)
                keep[i] = reason
        got = _numbers(head, n) if head.strip() else []
        if got is None and _NUMBERS_ONLY.fullmatch(head.strip()):
            return Turn([f"没有这一项：序号应在 1–{n} 之间（如“1 3 5”或“1-4”）。"], refused=True)
        if got is None or (not got and not keep):
            return Turn([f"没有读懂“{s[:30]}”。{PROMPT}"], refused=True)
        if set(got) & set(keep):
            return Turn(["同一项不能既采用又保留，请重新选择。"], refused=True)
        accept = got
    lines, ok = apply(engine, pending, accept, keep)
    if not ok:
        return Turn(lines, refused=True)  # the batch still waits: the operator may pick others or cancel
    session.pending = None
    skipped = n - len(accept) - len(keep)
    if skipped > 0:
        lines.append(f"其余 {skipped} 项没有改动。")
    return Turn(lines or ["没有需要改动的项目。"], ask=True)


def turn(engine: Engine, text: str, free_text: bool, files: Files | None = None) -> Turn | None:
    """The conversation's hook: this command or a reply to its waiting batch; None for anything else."""
    pending = engine.session.pending
    if pending and pending.get("kind") == KIND:
        from ..chat import CHECK_WORDS, PREVIEW_WORDS, PROGRESS_WORDS, QUIT_WORDS, SAVE_WORDS

        if normalize(text).strip().lower() in QUIT_WORDS | SAVE_WORDS | PROGRESS_WORDS | PREVIEW_WORDS | CHECK_WORDS:
            return None  # the chat word works; the batch keeps waiting
        return reply(engine, text)
    if is_command(text, free_text, files):
        return start(engine, command_paths(text) or [], files)
    return None

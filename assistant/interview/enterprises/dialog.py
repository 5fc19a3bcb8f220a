"""The enterprise-data command of the conversation (every front end: TUI, `filing ask`, `filing enterprises`).

    企业数据 路径1 路径2 …     read, validate, compute → proposals beside the current answers
    (then) 全部 | 1 3 5 | 1 3 保留 2 原因：…… | 计入 A（a row left out as doubtful） | 取消

While the operator decides, the batch waits in session.pending (session/pending.py's Proposals); nothing is
applied until a choice is made, and a refused file changes nothing. The command is registered with the others
in interview/commands.py, which also says which chat words work while a batch waits.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from assistant.errors import InputError
from assistant.form.parse import normalize
from assistant.interview.computed import short_label
from assistant.interview.enterprises.line import Files, Turn, command_paths
from assistant.interview.enterprises.proposals import LETTERS, apply, batch, describe, kept_before, propose, share_text
from assistant.session.pending import Proposals

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.interview.commands import Command
    from assistant.interview.conversation import Conversation
    from assistant.interview.engine import Engine
    from assistant.interview.reply import Reply
    from assistant.session.store import Session

ALL_WORDS = {"全部", "全部采用", "采用全部", "是", "采用", "确认", "好", "好的", "y", "yes", "all"}
CANCEL_WORDS = {"取消", "否", "不", "不用", "放弃", "都不要", "n", "no", "cancel"}
PROMPT = ("请选择：输入“全部”采用全部建议（标有“仅 …/… 家”的部分企业合计和您上次保留的数字除外）；"
          "输入序号（如“1 3 5”或“1-4”）只采用这几项；"
          "输入“保留 2 原因：……”保留您现在的数字并写明原因（可与序号一起写，如“1 3 保留 2 原因：以统计年报为准”）；"
          "输入“取消”不作任何改动。")
# Shown under the question while the batch waits (the full PROMPT closes the list itself).
WAITING = "请对上面列出的计算结果作出选择：“全部”、序号（如 1 3 5）、“保留 2 原因：……”或“取消”；直接回车不会采用。"
_KEEP = re.compile(r"保留\s*(?P<nums>[\d\s,，、\-－~]+?)\s*(?:(?:原因|理由|依据)\s*[:：]?|[:：])\s*(?P<reason>.+)$")
_COUNT_IN = re.compile(r"(?:计入|确认计入)\s*[:：]?\s*(?P<what>全部|所有|[A-Za-z](?:[\s,，、;；]*[A-Za-z])*)\s*")


# -- the handlers the command registry names (interview/commands.py loads this module on first use) --------
def command(c: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
    """企业数据 路径 …: read the files and show the proposals."""
    return c.turn_reply(start(c.engine, command_paths(cmd.target) or [], c.files))


def choose(c: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
    """A line while proposals wait: the operator's choice about them."""
    return c.turn_reply(reply(c.engine, raw))


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
    if files is not None:  # only files given there (the browser's uploads): nothing else is read
        found = [files.find(p) for p in paths]
        missing = [p for p, f in zip(paths, found, strict=True) if f is None]
        if missing:
            return Turn([files.missing(missing)], refused=True)
        t = _present(engine, [str(f) for f in found if f is not None])
        t.messages = [files.tidy(m) for m in t.messages]
        return t
    return _present(engine, [str(Path(p).expanduser()) for p in paths])


def _present(engine: Engine, paths: list[str], confirmed: list[tuple[str, int]] | None = None) -> Turn:
    """Read, compute and show the proposals (with `confirmed` rows counted in); the batch waits in pending."""
    session = engine.session
    try:
        result = propose(engine, [Path(p) for p in paths], confirmed)
    except InputError as exc:
        return Turn([str(exc)], refused=True)
    stored = batch(result, paths)
    lines = describe(engine, result, stored)
    if not stored.items and not stored.left_out():
        return Turn(["\n".join(lines)], ask=True)
    cur = engine.current()
    session.pending = msgspec.structs.replace(stored, qid=cur.id if cur else None, prompt=WAITING)
    return Turn(["\n".join(lines)], prompt=PROMPT)


def _count_in(engine: Engine, what: str) -> Turn:
    """计入 A B / 计入全部: rows left out as doubtful are confirmed; the same files are read again with them."""
    pending = waiting_batch(engine.session)
    if pending is None:
        return Turn(["没有等待选择的企业数据。"], refused=True)
    waiting = pending.left_out()
    if not waiting:
        return Turn(["没有暂不计入的行。" + PROMPT], refused=True)
    if what in ("全部", "所有"):
        chosen = waiting
    else:
        letters = [ch.upper() for ch in what if ch.isalpha()]
        bad = [x for x in letters if LETTERS.index(x) >= len(waiting)]
        if bad:
            last = LETTERS[min(len(waiting), len(LETTERS)) - 1]
            return Turn([f"没有第 {bad[0]} 行：暂不计入的行是 A–{last}。"], refused=True)
        chosen = [waiting[LETTERS.index(x)] for x in dict.fromkeys(letters)]
    keys = [x.key for x in pending.suspects if x.confirmed]
    keys += [x.key for x in chosen]
    before = _shas(pending)
    t = _present(engine, list(pending.paths), keys)
    if t.refused:
        return t  # the batch still waits as it was
    if _shas(waiting_batch(engine.session)) != before:  # changed on disk since: the operator confirmed rows of the file they saw
        engine.session.pending = pending
        return Turn(["采集表在导入之后被改动过，请重新输入“企业数据 文件路径…”导入改动后的文件。"], refused=True)
    places = "；".join(x.place for x in chosen)
    return Turn([f"好的，已计入 {places}，重新计算如下：", *t.messages], prompt=t.prompt, ask=t.ask)


def _shas(p: Proposals | None) -> list[str]:
    return [f["sha256"] for f in ((p.summary if p else None) or {}).get("files") or []]


def waiting_batch(session: Session) -> Proposals | None:
    """The proposal batch waiting for the operator's choice, if any."""
    p = session.pending
    return p if isinstance(p, Proposals) else None


def needs_one_by_one(session: Session) -> bool:
    """Whether 全部 would leave some of the waiting batch undecided (partial totals, rows left out)."""
    p = waiting_batch(session)
    return p is not None and (any(it.partial and not it.same for it in p.items) or bool(p.left_out()))


def drop(session: Session) -> None:
    """Nothing is applied: the batch no longer waits."""
    if waiting_batch(session) is not None:
        session.pending = None


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
    pending = waiting_batch(session)
    if pending is None:
        return Turn(["没有等待选择的企业数据。"], refused=True)
    items = pending.items
    n = len(items)
    s = normalize(text).strip()
    low = s.lower().rstrip("。.!！")
    m = _COUNT_IN.fullmatch(s)
    if m:
        return _count_in(engine, m["what"])
    if low in CANCEL_WORDS:
        session.pending = None
        return Turn(["好的，没有采用任何企业数据，答案都没有改动。"], ask=True)
    if s in ("?", "？", "帮助", "help"):
        return Turn([PROMPT])
    if not s:
        return Turn([f"直接回车不会采用任何数据。{PROMPT}"], refused=True)
    accept: list[int] = []
    keep: dict[int, str] = {}
    partial_left: list[int] = []
    if low in ALL_WORDS:  # all but the figures the operator kept last time, and totals of part of the cluster
        accept = [i for i, it in enumerate(items, 1) if not kept_before(engine, it) and not it.partial]
        partial_left = [i for i, it in enumerate(items, 1) if it.partial and not it.same
                        and not kept_before(engine, it)]
    else:
        # the reason is taken from the text as typed: NFKC would turn its ，：；（） into ASCII
        m = _KEEP.search(text.strip())
        head = normalize(text.strip()[:m.start()]) if m else s
        if m:
            nums = _numbers(normalize(m["nums"]), n)
            reason = " ".join(m["reason"].split()).strip(" ：:，,。")
            if nums is None or not reason:
                return Turn([f"没有读懂要保留哪几项：序号应在 1–{n} 之间，并写明原因。\n{PROMPT}"], refused=True)
            if len(reason) > 200:
                return Turn([f"原因太长：最多 200 个字，现在是 {len(reason)} 个字。"], refused=True)
            for i in nums:
                if not items[i - 1].current:
                    return Turn([f"第 {i} 项“{engine.label(items[i - 1].qid)}”当前没有填写，无法保留；"
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
    if partial_left:
        names = "、".join(f"{i}. {short_label(engine.label(items[i - 1].qid))}" for i in partial_left[:8])
        more = f"等 {len(partial_left)} 项" if len(partial_left) > 8 else ""
        lines.append(f"以下各项只基于部分企业（{share_text(items[partial_left[0] - 1].evidence)}），“全部”没有采用："
                     f"{names}{more}。如确要采用，请重新导入后按序号逐项选择。")
    waiting = pending.left_out()
    if waiting:
        lines.append(f"暂不计入的 {len(waiting)} 行（{'；'.join(x.place for x in waiting[:5])}"
                     f"{'等' if len(waiting) > 5 else ''}）仍未计入：核对无误后请重新导入并输入“计入 A”，或改正后重新导入。")
    skipped = n - len(accept) - len(keep) - len(partial_left)
    if skipped > 0:
        lines.append(f"其余 {skipped} 项没有改动。")
    return Turn(lines or ["没有需要改动的项目。"], ask=True)

"""The commands a person types instead of an answer: each registered once, with its words and its handler.

The conversation dispatches through `COMMANDS`; front ends ask it (through `Conversation.recognise` and
`Conversation.command_line`) whether a line is a command — the TUI's table and text box, `filing ask`'s row
prompts and the browser (the TUI in a tab) alike. A new command is one `COMMANDS.register(Spec(...))`.
A handler that needs heavy modules is named by its module path ("package.module:function") and imported on
its first use, so a front end's first screen does not load them (enterprise data: the xlsx readers).

Commands are whole commands: a word of a command's words, a jump whose target resolves, a glossary question.
On a free-text question any other text is an answer, and text that could be either is asked about
(the person answers 1 or 2; see session/pending.py's Ambiguous).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Generic, Literal, TypeVar, cast

from msgspec import Struct

from assistant.form.glossary import asked_term
from assistant.form.parse import normalize
from assistant.form.types import of
from assistant.interview.enterprises import line as enterprise_line
from assistant.interview.reply import Item, Reply
from assistant.interview.words import WORDS_HELP
from assistant.session.pending import Ambiguous

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.interview.conversation import Conversation

JUMP_WORDS = ("跳到", "转到", "goto ")  # a jump whenever the target resolves
MAYBE_JUMP_WORDS = ("去", "修改")  # also how answers begin (去离子水, 修改型材料): asked about on free text
JUMP_PREFIXES = JUMP_WORDS + MAYBE_JUMP_WORDS

Via = Literal["term", "jump", "enterprises"]


class Command(Struct):
    """What a line means when it is not an answer: the command's name, and what it was given."""
    kind: str  # a registered command's name, or "ask" (answer or command?)
    target: str = ""  # the glossary query, the jump target, or for "ask" the term id / question id / line
    via: Via = "jump"  # for "ask": the command the line could also be


Handler = Callable[["Conversation", Command, "Question | None", str], Reply]
Matcher = Callable[["Conversation", "Question | None", str], "Command | None"]
F = TypeVar("F", bound=Callable[..., object])


class Lazy(Generic[F]):
    """A function named by its module path ("package.module:function"), imported when first asked for."""

    def __init__(self, target: str) -> None:
        module, sep, name = target.partition(":")
        if not (module and sep and name):
            raise ValueError(f"not a 'module:function' path: {target!r}")
        self.target = target
        self._f: F | None = None

    def get(self) -> F:
        if self._f is None:
            module, _, name = self.target.partition(":")
            self._f = cast(F, getattr(import_module(module), name))
        return self._f


class Spec(Struct, frozen=True):
    """One command: its whole-line words and/or matchers, and the handler that answers it."""
    name: str
    run: Handler | Lazy[Handler]  # a Lazy one is imported on the command's first use
    words: frozenset[str] = frozenset()  # whole lines (compared normalised, lower case)
    match: Matcher | None = None  # a command with an argument (什么是 …, 跳到 …)
    early: Matcher | None = None  # seen before anything waiting is answered (企业数据 with its files)
    maybe: Matcher | None = None  # could also be an answer: asked about, after every other command
    while_proposals: bool = False  # works while proposals from enterprise data wait (they keep waiting)


class Registry:
    def __init__(self) -> None:
        self._specs: dict[str, Spec] = {}

    def register(self, spec: Spec) -> Spec:
        if spec.name in self._specs:
            raise ValueError(f"command {spec.name!r} is registered already")
        self._specs[spec.name] = spec
        return spec

    def unregister(self, name: str) -> None:
        self._specs.pop(name, None)

    @contextmanager
    def registered(self, spec: Spec) -> Iterator[Spec]:
        """A command for a while (a test's)."""
        self.register(spec)
        try:
            yield spec
        finally:
            self.unregister(spec.name)

    def __getitem__(self, name: str) -> Spec:
        return self._specs[name]

    def __iter__(self) -> Iterator[Spec]:
        return iter(list(self._specs.values()))

    def word(self, text: str) -> Spec | None:
        """The command whose words hold this whole line, or None."""
        low = normalize(text).lower()
        return next((s for s in self if low in s.words), None)

    def keeps_waiting(self, text: str) -> bool:
        """A line that works while proposals wait, leaving them waiting (保存, 退出, 进度 …)."""
        spec = self.word(text)
        return spec is not None and spec.while_proposals

    def recognise(self, conv: Conversation, q: Question | None, text: str) -> Command | None:
        """What `text` means at question q if it is a command; None when it is an answer."""
        spec = self.word(text)
        if spec is not None:
            return Command(spec.name)
        return self._first(conv, q, text, "match")

    def early(self, conv: Conversation, q: Question | None, text: str) -> Command | None:
        return self._first(conv, q, text, "early")

    def maybe(self, conv: Conversation, q: Question | None, text: str) -> Command | None:
        return self._first(conv, q, text, "maybe")

    def _first(self, conv: Conversation, q: Question | None, text: str,
               which: Literal["match", "early", "maybe"]) -> Command | None:
        for spec in self:
            m = {"match": spec.match, "early": spec.early, "maybe": spec.maybe}[which]
            cmd = m(conv, q, text) if m is not None else None
            if cmd is not None:
                return cmd
        return None

    def handler(self, name: str) -> Handler:
        run = self[name].run
        return run.get() if isinstance(run, Lazy) else run

    def run(self, conv: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
        return self.handler(cmd.kind)(conv, cmd, q, raw)


COMMANDS = Registry()


def _free(q: Question | None) -> bool:
    return q is not None and of(q).free_text  # any text is an answer here: only whole commands are commands


def _word(name: str, words: set[str], run: Handler, *, while_proposals: bool = False) -> None:
    COMMANDS.register(Spec(name, run, frozenset(words), while_proposals=while_proposals))


def _said(text: str, *, ask: bool = True, action: str | None = None) -> Handler:
    """A handler that says `text` (and asks the question again unless ask=False)."""
    return lambda c, cmd, q, raw: c.finish(Reply([text], action=action), ask=ask)


# -- the command words -------------------------------------------------------------------------------
def _help(c: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
    return c.finish(Reply([Item("help", c.help_text(q) if q else WORDS_HELP)]), ask=False)


def _back(c: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
    return c.finish(Reply([] if c.engine.back() else ["已经是第一题了。"]))


def _later(c: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
    c.engine.defer()
    return c.finish(Reply(["好的，这题先放一放，之后可以输入“跳到 题目名称”回来补填。"]))


def _skip(c: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
    if q is not None and not q.required:
        return _later(c, cmd, q, raw)
    return c.finish(Reply(["本题是必填项，不能跳过；如确实没有相关情况，请填写“无”。如需先查资料，可输入“稍后”先填下一题。"],
                          refused=True), ask=False)


def _quit(c: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
    resume = c.resume_command.format(id=c.session.id)
    return c.finish(Reply([f"已保存，再见！下次输入 `{resume}` 即可继续。"], action="quit"))


_word("help", {"?", "帮助", "help", "提示", "怎么填"}, _help)
_word("back", {"返回", "上一题", "上一步", "back"}, _back)
_word("later", {"稍后", "稍后再填", "以后再填", "先跳过", "下一题", "later"}, _later)
_word("skip", {"跳过", "skip"}, _skip)
_word("preview", {"预览", "preview"}, _said("正在生成预览……", ask=False, action="preview"), while_proposals=True)
_word("save", {"保存", "save"}, _said("已保存。您可以随时退出，下次用同一会话编号继续。", ask=False), while_proposals=True)
_word("quit", {"退出", "quit", "exit", "q"}, _quit, while_proposals=True)
_word("progress", {"进度", "progress"}, lambda c, cmd, q, raw: c.finish(Reply([c.progress_text()]), ask=False),
      while_proposals=True)
_word("check", {"检查", "核对", "check"}, lambda c, cmd, q, raw: c.finish(Reply([c.findings_text()]), ask=False),
      while_proposals=True)
_word("draft", {"起草", "帮我起草", "草拟", "draft"}, lambda c, cmd, q, raw: c.draft(q))


# -- the glossary: 什么是 … --------------------------------------------------------------------------
def _term_match(c: Conversation, q: Question | None, text: str) -> Command | None:
    s = normalize(text)
    term = asked_term(s)
    if term is None and not s.lower().startswith(("什么是", "解释")):
        return None
    if not _free(q):
        return Command("term", term or s)
    found = c.glossary.lookup(term or s)
    return Command("ask", found.id, "term") if found else None


def _term(c: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
    found = c.glossary.lookup(cmd.target)
    missing = f"词汇表里暂时没有“{cmd.target}”的解释。可以问：{'、'.join(c.glossary.suggestions())}……"
    msg = found.render() if found else missing
    return c.finish(Reply([Item("help", msg)]))


COMMANDS.register(Spec("term", _term, match=_term_match))


# -- jumps: 跳到 …, and 去 … / 修改 … (asked about on free text) -----------------------------------------
def _jump_match(c: Conversation, q: Question | None, text: str) -> Command | None:
    s = normalize(text)
    low = s.lower()
    for prefixes in (JUMP_WORDS, MAYBE_JUMP_WORDS):
        prefix = next((p for p in prefixes if low.startswith(p) and len(s) > len(p)), None)
        if prefix is None:
            continue
        target = s[len(prefix):].strip()
        if not _free(q):
            return Command("jump", target)
        qid = c.find_question(target) if len(target) >= 2 else None
        if qid is None:
            # "跳到 …" on one short line is a jump that failed (said so), never row or answer text;
            # "去离子水…" and a paragraph that happens to start 转到 are answers
            short = prefixes is JUMP_WORDS and "\n" not in text.strip() and len(target) <= 30
            return Command("jump", target) if short else None
        return Command("jump", target) if prefixes is JUMP_WORDS else Command("ask", qid, "jump")
    return None


COMMANDS.register(Spec("jump", lambda c, cmd, q, raw: c.jump(cmd.target), match=_jump_match))


# -- enterprise data: 企业数据 路径 … ----------------------------------------------------------------------
# The line is recognised here (light); reading and computing the workbooks is loaded on the first use.
def _enterprises_early(c: Conversation, q: Question | None, text: str) -> Command | None:
    return Command("enterprises", text) if enterprise_line.is_command(text, _free(q), c.files) else None


def _enterprises_maybe(c: Conversation, q: Question | None, text: str) -> Command | None:
    """企业数据 alone on a text question: answer or command?"""
    if q is not None and enterprise_line.maybe_command(text, _free(q)):
        return Command("ask", text, "enterprises")
    return None


COMMANDS.register(Spec("enterprises", Lazy("assistant.interview.enterprises.dialog:command"),
                       early=_enterprises_early, maybe=_enterprises_maybe))
# While proposals from enterprise data wait, a line is the operator's choice about them (no words of its own).
COMMANDS.register(Spec("proposals", Lazy("assistant.interview.enterprises.dialog:choose")))


# -- answer or command? ------------------------------------------------------------------------------
def _ask(c: Conversation, cmd: Command, q: Question | None, raw: str) -> Reply:
    if q is None:
        return c.jump(cmd.target)
    c.session.pending = Ambiguous(qid=q.id, text=raw, via=cmd.via, target=cmd.target)
    return c.finish(Reply([c.ambiguity_text()]), ask=False)


COMMANDS.register(Spec("ask", _ask))

"""The conversation: chat words, confirmations and the transcript, shared by every front end.

A front end passes what the person typed to `Conversation.handle` and shows the reply; the
session is saved before the reply returns, so nothing typed is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .engine import Engine
from .flow import Question
from .glossary import asked_term, load_glossary
from .parse import NO_WORDS, YES_WORDS, normalize

HELP_WORDS = {"?", "帮助", "help", "提示", "怎么填"}
BACK_WORDS = {"返回", "上一题", "上一步", "back"}
SKIP_WORDS = {"跳过", "skip"}
LATER_WORDS = {"稍后", "稍后再填", "以后再填", "先跳过", "下一题", "later"}
PREVIEW_WORDS = {"预览", "preview"}
SAVE_WORDS = {"保存", "save"}
QUIT_WORDS = {"退出", "quit", "exit", "q"}
PROGRESS_WORDS = {"进度", "progress"}
CHECK_WORDS = {"检查", "核对", "check"}
JUMP_PREFIXES = ("跳到", "转到", "去", "修改", "goto ")
WORDS_HELP = (
    "可以随时输入：? 或“帮助”（解释本题）、“什么是……”（查词汇表）、“返回”（上一题）、"
    "“稍后”（先填下一题）、“跳到 ……”（跳到某题或某部分）、“进度”、“检查”、“预览”、“保存”、“退出”。"
)


@dataclass
class Reply:
    messages: list[str] = field(default_factory=list)
    action: str | None = None  # "preview" | "quit" | None
    refused: bool = False
    question: Question | None = None


class Conversation:
    def __init__(self, engine: Engine, save: Callable[[], None] | None = None, *,
                 resume_command: str = "filing resume {id}",
                 export_hint: str = "用 `filing export {id}` 导出 Word 文档"):
        """resume_command / export_hint: how this front end resumes and exports ({id} filled in)."""
        self.engine = engine
        self._save = save or (lambda: None)
        self.resume_command = resume_command
        self.export_hint = export_hint

    @property
    def glossary(self):  # noqa: ANN201 - loaded on first use, not at start-up
        return load_glossary()

    @property
    def session(self):  # noqa: ANN201
        return self.engine.session

    # -- wording of a question -----------------------------------------------------------------
    def question_text(self, q: Question) -> str:
        e = self.engine
        section = e.flow.section_of[q.id]
        qs = e.askable(section)
        pos = next((i for i, x in enumerate(qs, 1) if x.id == q.id), 0)
        lines = [f"（{e.text(section.title)} · 第 {pos}/{len(qs)} 题）", e.text(q.ask or q.label)]
        label = e.text(q.label)
        if label and label != e.text(q.ask):
            lines.append(f"表格栏目：{label}{(' ' + q.note) if q.note else ''}")
        if q.hint:
            lines.append(f"提示：{e.text(q.hint)}")
        if q.type in ("yesno", "choice") and q.options:
            lines.append("选项：" + "　".join(f"{i}. {o.label}" for i, o in enumerate(q.options, 1)))
        elif q.type == "yesno":
            lines.append("请回答：是 / 否")
        if q.type == "list":
            cols = "、".join(c.label for c in q.columns)
            lines.append(f"请粘贴名单，每行一条，列之间用 Tab 或逗号分隔（{cols}）；没有请填“无”。")
        if q.type == "matrix":
            lines.append(
                f"请按{'、'.join(r.label for r in q.rows)}的顺序，每类依次填写{'、'.join(c.label for c in q.cols)}，"
                f"共 {len(q.rows) * len(q.cols)} 个整数，用空格分隔；全部为 0 可填“无”。"
            )
        if q.id in self.session.answers:
            lines.append(f"当前答案：{e.shown(q.id)}（直接回车保留，或输入新的答案）")
        return "\n".join(lines)

    def help_text(self, q: Question) -> str:
        e = self.engine
        parts = [f"关于“{e.label(q)}”："]
        if q.hint:
            parts.append(e.text(q.hint))
        if q.formula:
            parts.append(f"计算方法：{e.text(q.formula)}")
        for tid in q.help:
            if tid in self.glossary:
                parts.append(self.glossary[tid].render())
        parts.append(WORDS_HELP)
        return "\n\n".join(parts)

    # -- turns -------------------------------------------------------------------------------
    def _finish(self, reply: Reply, *, ask: bool = True, kind: str | None = None) -> Reply:
        """Write the reply (and the next question) to the transcript and save; kind marks the first message."""
        asked, closing = None, None  # closing: "question", or "done" once every question is answered
        if ask and reply.action != "quit":
            q = self.engine.current()
            reply.question = q
            if q is not None:
                reply.messages.append(self.question_text(q))
                asked, closing = q.id, "question"
            else:
                reply.messages.append(self.done_text())
                closing = "done"
        for i, m in enumerate(reply.messages):
            last = i == len(reply.messages) - 1
            self.session.say("assistant", m, asked if last else None,
                             closing if last and closing else (kind if i == 0 else None))
        self._save()
        return reply

    def done_text(self) -> str:
        from .checks import blocking

        found = self.engine.findings()
        block = blocking(found)
        if block:
            return (f"所有题目都已回答，但还有 {len(block)} 处需要修改。输入“检查”查看，"
                    "或输入“跳到 题目名称”去修改。")
        return (f"全部填写完毕，检查通过（另有 {len(found)} 条提示）。可以输入“预览”查看报告，"
                f"或{self.export_hint.format(id=self.session.id)}。")

    def start(self) -> Reply:
        """Greeting for a new session, or a welcome back with where things stand."""
        e = self.engine
        p = e.progress()
        self._drop_trailing_prompts()
        if not self.session.transcript:
            msg = (f"您好！我是集群填报助手，将一题一题地帮您填写《{e.form_title()}》（{self.session.year} 年度）。"
                   f"共 {p.total} 题左右，每答一题都会自动保存，可以随时退出，下次接着填。\n{WORDS_HELP}")
        else:
            msg = f"欢迎回来！已完成 {p.answered}/{p.total} 题（{p.percent}%），我们从上次停下的地方继续。"
        return self._finish(Reply([msg]), kind="welcome")

    def _drop_trailing_prompts(self) -> None:
        """Reopening asks the current question again (or says all is done), after the welcome: so the
        unanswered copy at the end goes, and with it the greeting of a visit where nothing was typed. Only the
        assistant's own trailing messages are touched, never anything the person typed."""
        t = self.session.transcript
        n = len(t)
        while n and t[n - 1].get("role") == "assistant" and t[n - 1].get("kind") in ("question", "done", "welcome"):
            n -= 1
        self.session.truncate_transcript(n)

    def handle(self, text: str) -> Reply:
        raw = text if text is not None else ""
        s = normalize(raw)
        low = s.lower()
        e = self.engine
        q = e.current()
        self.session.say("user", raw, q.id if q else None)

        pending = self.session.pending
        if pending:
            self.session.pending = None
            if low in YES_WORDS or low == "":
                e.set(pending["qid"], pending["value"])
                return self._finish(Reply([f"好的，已记录：{e.shown(pending['qid'])}。"]))
            if low in NO_WORDS:
                return self._finish(Reply(["好的，这个值没有记录，请重新输入。"]))
        if low in HELP_WORDS or s in ("？",):
            return self._finish(Reply([self.help_text(q) if q else WORDS_HELP]), ask=False)
        term = asked_term(s)
        if term is not None or low.startswith(("什么是", "解释")):
            found = self.glossary.lookup(term or s)
            if found:
                msg = found.render()
            else:
                msg = f"词汇表里暂时没有“{term}”的解释。可以问：{'、'.join(self.glossary.suggestions())}……"
            return self._finish(Reply([msg]))
        if low in BACK_WORDS:
            prev = e.back()
            return self._finish(Reply([] if prev else ["已经是第一题了。"]))
        if low in LATER_WORDS or (low in SKIP_WORDS and q is not None and not q.required):
            e.defer()
            return self._finish(Reply(["好的，这题先放一放，之后可以输入“跳到 题目名称”回来补填。"]))
        if low in SKIP_WORDS:
            return self._finish(Reply(
                ["本题是必填项，不能跳过；如确实没有相关情况，请填写“无”。如需先查资料，可输入“稍后”先填下一题。"],
                refused=True), ask=False)
        if low in PREVIEW_WORDS:
            return self._finish(Reply(["正在生成预览……"], action="preview"), ask=False)
        if low in SAVE_WORDS:
            return self._finish(Reply(["已保存。您可以随时退出，下次用同一会话编号继续。"]), ask=False)
        if low in QUIT_WORDS:
            resume = self.resume_command.format(id=self.session.id)
            return self._finish(Reply([f"已保存，再见！下次输入 `{resume}` 即可继续。"], action="quit"))
        if low in PROGRESS_WORDS:
            return self._finish(Reply([self.progress_text()]), ask=False)
        if low in CHECK_WORDS:
            return self._finish(Reply([self.findings_text()]), ask=False)
        for prefix in JUMP_PREFIXES:
            if low.startswith(prefix) and len(s) > len(prefix):
                return self._jump(s[len(prefix):].strip())
        if q is None:
            return self._finish(Reply(["所有题目都已回答。" + WORDS_HELP]), ask=False)
        if s == "" and q.id in self.session.answers:
            nxt = e.next_question(after=q.id)
            self.session.cursor = nxt.id if nxt else None
            return self._finish(Reply(["保留原答案。"]))
        try:
            parsed = e.parse(q.id, raw)
        except Exception as exc:  # InputError carries the reason
            return self._finish(Reply([f"抱歉，{exc}\n请重新输入，或输入 ? 查看说明。"], refused=True), ask=False)
        if parsed.confirm:
            self.session.pending = {"qid": q.id, "value": parsed.value}
            from .values import show

            return self._finish(Reply([f"{parsed.note}\n记录为：{show(q, parsed.value)}，对吗？（回车或“是”确认，“否”重新输入）"]),
                                ask=False)
        e.set(q.id, parsed.value)
        msgs = [parsed.note] if parsed.note else []
        msgs += self._warnings_for(q.id)
        return self._finish(Reply(msgs))

    def submit(self, qid: str, raw: Any, said: str) -> Reply:
        """Structured input from a front end's editor (list table, long text): no chat words,
        same parsing and checks as typed text; `said` is what the transcript shows."""
        e = self.engine
        self.session.say("user", said, qid)
        self.session.pending = None
        try:
            parsed = e.parse(qid, raw)
        except Exception as exc:  # InputError carries the reason
            return self._finish(Reply([f"抱歉，{exc}\n请修改后再提交，或输入 ? 查看说明。"], refused=True), ask=False)
        e.set(qid, parsed.value)
        msgs = [parsed.note] if parsed.note else []
        msgs += self._warnings_for(qid)
        return self._finish(Reply(msgs))

    def goto(self, qid: str) -> Reply:
        """A jump chosen in a front end's outline or review list (logged like a typed 跳到)."""
        self.session.say("user", f"跳到 {self.engine.label(qid)}", qid)
        return self._jump(qid)

    def _warnings_for(self, qid: str) -> list[str]:
        """Findings the answer just triggered (cross-field rules), said at once, not at the end."""
        return [("⚠ " if f.severity == "warning" else "✗ ") + f.message
                for f in self.engine.findings() if f.rule not in ("required",) and qid in self._rule_questions(f.rule)]

    def _rule_questions(self, rule_id: str) -> set[str]:
        rule = next((r for r in self.engine.flow.rules if r.id == rule_id), None)
        if rule is None:  # a question's own constraint, not a cross-field rule
            return set()
        ex = self.engine.flow.expr(rule_id, "rule")
        return set(rule.questions) | (ex.names if ex is not None else set())

    def _jump(self, target: str) -> Reply:
        e = self.engine
        qid = self.find_question(target)
        if qid is None:
            return self._finish(Reply([f"没有找到“{target}”。可以输入题目名称中的几个字，或部分名称（如“三、创新能力情况”）。"], refused=True), ask=False)
        try:
            e.jump(qid)
        except Exception as exc:  # noqa: BLE001
            return self._finish(Reply([str(exc)], refused=True), ask=False)
        return self._finish(Reply([]))

    def find_question(self, target: str) -> str | None:
        e = self.engine
        t = normalize(target)
        if t in e.flow.by_id:
            return t
        for sec in e.flow.sections:
            title = e.text(sec.title)
            if t and (t == sec.id or t in title):
                first = e.first_of(sec.id)
                return first.id if first else None
        hits = [q for q in e.askable() if t and t in e.text(q.label)]
        return hits[0].id if hits else None

    def progress_text(self) -> str:
        e = self.engine
        lines = [f"总体进度：{e.progress().answered}/{e.progress().total}（{e.progress().percent}%）"]
        for sec in e.flow.sections:
            p = e.progress(sec)
            mark = "✓" if p.done else " "
            lines.append(f"{mark} {e.text(sec.title)}：{p.answered}/{p.total}")
        return "\n".join(lines)

    def findings_text(self) -> str:
        found = self.engine.findings()
        if not found:
            return "检查通过，没有发现问题。"
        e = self.engine
        lines = []
        for f in found:
            mark = "✗ 必须修改" if f.severity == "blocking" else "⚠ 提示"
            lines.append(f"{mark}｜{e.text(e.flow.section(f.section).title)}｜{f.message}")
        return "\n".join(lines)

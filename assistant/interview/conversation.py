"""The conversation: chat words, confirmations and the transcript, shared by every front end.

A front end passes what the person typed to `Conversation.handle` and shows the reply; the
session is saved before the reply returns, so nothing typed is ever lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError
from assistant.form.expr import count_chars, render_message
from assistant.form.flow import FlowError, Question
from assistant.form.glossary import asked_term, load_glossary
from assistant.form.parse import NO_WORDS, YES_WORDS, RowProblem, RowsError, Unsure, normalize
from assistant.form.types import of
from assistant.form.values import choice_options, chosen_index
from assistant.interview.checks import involved
from assistant.interview.drafts import draftable, drafted, offer, redraw, remaining_budget, targets_actual
from assistant.interview.echo import confirm_message, echo_rows, unsure_message
from assistant.interview.engine import Engine
from assistant.interview.enterprises.columns import load_spec
from assistant.interview.enterprises.dialog import KIND as ENTERPRISES
from assistant.interview.enterprises.dialog import command_paths, maybe_command, start, turn
from assistant.interview.findings import BLOCKING, Finding, blocking
from assistant.interview.lists import apply_rows, ignored_columns
from assistant.interview.view import Choices, FindingView, PendingView, QuestionView, build
from assistant.interview.words import (
    AS_ANSWER,
    AS_COMMAND,
    BACK_WORDS,
    CARRY_WORDS,
    CHECK_WORDS,
    DRAFT_WORDS,
    HELP_WORDS,
    JUMP_WORDS,
    LATER_WORDS,
    MAYBE_JUMP_WORDS,
    PREVIEW_WORDS,
    PROGRESS_WORDS,
    QUIT_WORDS,
    SAVE_WORDS,
    SKIP_WORDS,
    WORDS_HELP,
)

if TYPE_CHECKING:
    from assistant.interview.enterprises.dialog import Files, Turn

AMBIGUOUS = "ambiguous"  # session.pending["kind"] while asking "answer or command?"
_WORD_SETS = (("help", HELP_WORDS), ("back", BACK_WORDS), ("later", LATER_WORDS), ("skip", SKIP_WORDS),
              ("preview", PREVIEW_WORDS), ("save", SAVE_WORDS), ("quit", QUIT_WORDS),
              ("progress", PROGRESS_WORDS), ("check", CHECK_WORDS), ("draft", DRAFT_WORDS))


@dataclass
class Item:
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


@dataclass
class Command:
    """What a line means when it is not an answer (see Conversation.recognise)."""
    kind: str  # a word-set name ("help", "back", ...), "term", "jump", or "ask" (answer or command?)
    target: str = ""  # the glossary query, the jump target, or for "ask" the term id / question id
    via: str = ""  # for "ask": "term", "jump" or "enterprises" (then target is the typed line)


_PART_NUMBER = re.compile(r"(第)?(\d{1,2}|[一二三四五六七八九十]{1,3})(部分|节|章|部)?")
_CN_NUMERALS = dict(enumerate("零一二三四五六七八九十", 0)) | {11: "十一", 12: "十二"}


class Conversation:
    def __init__(self, engine: Engine, save: Callable[[], None] | None = None, *,
                 resume_command: str = "filing resume {id}",
                 export_hint: str = "用 `filing export {id}` 导出 Word 文档", files: Files | None = None):
        """resume_command / export_hint: how this front end resumes and exports ({id} filled in); files: where
        its files come from when not from paths on this computer (the browser's uploads: nothing else is read)."""
        self.engine = engine
        self._save = save or (lambda: None)
        self.resume_command = resume_command
        self.export_hint = export_hint
        self.files = files

    @property
    def glossary(self):
        return load_glossary(self.session.form)

    @property
    def session(self):
        return self.engine.session

    # -- the question view -------------------------------------------------------------------
    def view(self, q: Question | None = None) -> QuestionView:
        """The structured view of question q (default: where the interview stands) for front ends to draw;
        what waits for the person and the one-key rows belong to the current question only."""
        e = self.engine
        cur = e.current()
        q = cur if q is None else q
        here = q is not None and cur is not None and q.id == cur.id
        if q is None:
            return build(e, None, done_text=self.done_text(), choices=self.choices())
        findings = [FindingView(f.severity, f.message) for f in self._findings_about(q.id)]
        return build(e, q, choices=self.choices() if here else None,
                     pending=self._pending_view() if here else None, findings=findings)

    def _pending_view(self) -> PendingView | None:
        p = self.session.pending
        if not p:
            return None
        if p.get("kind") == AMBIGUOUS:
            return PendingView("ambiguous", f"请输入 1 把上面的文字作为答案，或 2 {self._ambiguity_other(p)}；直接回车不会记录。")
        if p.get("choices") or p.get("prompt"):  # fixes to choose from, or a batch of proposals
            return PendingView("choose", str(p.get("prompt", "")))
        return PendingView("confirm", "请确认上面读到的数值：回车或“是”确认，“否”重新输入。")

    def question_text(self, q: Question) -> str:
        return self.view(q).text()

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
        parts += self._ways_to_fill(q)
        if not self._words_said():  # the command words once per session, not after every answer to "?"
            parts.append(WORDS_HELP)
        return "\n\n".join(parts)

    def _ways_to_fill(self, q: Question) -> list[str]:
        """What the form's data offers for this question besides typing: a draft, or enterprise data."""
        out = []
        if draftable(self.engine, q.id):
            out.append("本题可输入“起草”：助手按已填的数字生成一段草稿，您修改后再提交。")
        spec = load_spec(self.session.form)
        if spec is not None and any(i.question == q.id for i in spec.indicators):
            how = self.files.how if self.files is not None else \
                "输入“企业数据 文件路径”（企业数据采集表，可用 `filing workbook` 生成）"
            out.append(f"本题可由成员企业数据计算：{how}，助手汇总后列出建议值供您选择。")
        return out

    def _words_said(self) -> bool:
        return any(m.get("role") == "assistant" and WORDS_HELP in str(m.get("text", ""))
                   for m in self.session.transcript)

    # -- turns -------------------------------------------------------------------------------
    def _finish(self, reply: Reply, *, ask: bool = True, kind: str | None = None) -> Reply:
        """Write the reply (and the next question) to the transcript and save; kind marks the first message."""
        self._drop_stale_choice()
        view = self.view()
        if ask and reply.action != "quit":
            q = self.engine.current()
            reply.question = q
            if q is not None:
                held = self._held_text(q.id)  # reopened while a choice waits: say it again with the question
                tail = f"\n\n{held}" if held else ""
                reply.add(Item("question", view.text() + tail, view.brief() + tail, q.id))
            else:
                reply.add(Item("done", view.done_text))
        items = reply.items
        for i, m in enumerate(items):
            last = i == len(items) - 1
            closing = m.kind if last and m.kind in ("question", "done") else None
            mark = closing or (kind if i == 0 else None) or (m.kind if m.kind == "help" else None)
            self.session.say("assistant", m.text, m.qid if closing == "question" else None, mark,
                             brief=m.brief or None)
        self._save()
        reply.view = view
        return reply

    def done_text(self) -> str:
        found = self.engine.findings()
        block = blocking(found)
        if block:
            return (f"所有题目都已回答，但还有 {len(block)} 处需要修改。输入“检查”查看，"
                    "或输入“跳到 题目名称”去修改。")
        notes = f"（另有 {len(found)} 条提示，输入“检查”查看）" if found else ""
        return (f"全部填写完毕，检查通过{notes}。可以输入“预览”查看报告，"
                f"或{self.export_hint.format(id=self.session.id)}。")

    def start(self) -> Reply:
        """Greeting for a new session, or a welcome back with where things stand."""
        e = self.engine
        p = e.progress()
        self._drop_trailing_prompts()
        s = self.session
        spoke = any(m.get("role") == "user" for m in s.transcript)
        if not s.transcript or (not spoke and (s.carried or s.prior)):  # new, or started from last year's
            msg = (f"您好！我是集群填报助手，将一题一题地帮您填写《{e.form_title()}》（{s.year} 年度）。"
                   f"{self._carried_intro()}"
                   f"共 {p.total} 题左右，每答一题都会自动保存，可以随时退出，下次接着填。\n{WORDS_HELP}")
        else:
            msg = f"欢迎回来！已完成 {p.answered}/{p.total} 题（{p.percent}%），我们从上次停下的地方继续。"
        return self._finish(Reply([msg]), kind="welcome")

    def _carried_intro(self) -> str:
        """A new report started from last year's (`filing new --from`): what it brings along."""
        s = self.session
        if not (s.carried or s.prior):
            return ""
        last = next((p["year"] for p in s.prior if isinstance(p, dict) and isinstance(p.get("year"), int)), None)
        source = f"{last} 年度报告" if last else "上年报告"
        msg = "这是一份新的报告"
        if s.carried:
            msg += (f"，已沿用{' ' if last else ''}{source}中的 {len(s.carried)} 项答案：问到时会显示上年的答案，"
                    "直接回车或输入“不变”即确认沿用，有变化请输入新的答案")
        if s.prior:
            msg += f"{'；' if s.carried else '，'}{source}的数字作为计算增速的基数"
        return msg + "。"

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
        said = self._numbered(s)  # a shown number (1, 2, 3) stands for its row
        if said != s:
            raw = s = said
            low = s.lower()

        ent = turn(e, raw, q is not None and of(q).free_text, self.files)  # 企业数据 …: proposals from enterprise data
        if ent is not None:
            return self._turn_reply(ent)
        pending = self.session.pending
        if pending and pending.get("kind") == ENTERPRISES:
            pending = None  # a chat word while proposals wait: they keep waiting
        literal = False  # the person chose to keep text that reads like a command as the answer
        if pending and pending.get("kind") == AMBIGUOUS:
            pending, resolved = None, self._resolve(q, low)
            if isinstance(resolved, Reply):
                return resolved
            if resolved is not None:
                raw, literal = resolved, True
                s = normalize(raw)
                low = s.lower()
        elif pending and pending.get("choices"):
            picked = self._choose(pending, s)
            if picked is not None:
                return picked
            pending = None  # not one of the choices: chat words still work, an answer is asked to choose first
        if pending:
            self.session.pending = None
            if low in YES_WORDS or low == "":
                e.set(pending["qid"], pending["value"])
                return self._after_answer(pending["qid"], [f"好的，已记录：{e.shown(pending['qid'])}。"])
            if low in NO_WORDS:
                return self._finish(Reply(["好的，这个值没有记录，请重新输入。"]))
        cmd = None if literal else self.recognise(q, raw)
        if cmd is None and not literal and q is not None and maybe_command(raw, of(q).free_text):
            cmd = Command("ask", raw, "enterprises")  # 企业数据 alone on a text question: answer or command?
        if cmd is not None:
            return self._run(cmd, q, raw)
        if q is None:
            return self._finish(Reply(["所有题目都已回答。" + WORDS_HELP]), ask=False)
        if self._choice_waiting():
            return self._finish(Reply([self._choose_first()], refused=True), ask=False)
        rows = self.choices() if s == "" else None
        if rows is not None and rows.default is None:  # nothing preselected: a bare Enter is never a guessed choice
            shown = rows.shown()
            return self._finish(Reply([f"本题需要您明确选择，直接回车不会记录任何答案。请输入：{shown}"],
                                      refused=True), ask=False)
        kept = "保留原答案。"
        if q.id in self.session.carried and (s == "" or low in CARRY_WORDS):
            self.session.confirm_carried(q.id)  # last year's value confirmed for this year
            s, kept = "", f"已确认沿用上年：{e.shown(q.id)}。"
        if s == "" and q.id in self.session.answers:
            held = self._hold(q.id, [kept])
            if held is not None:
                return held
            e.advance(after=q.id)
            return self._finish(Reply([kept]))
        try:
            parsed = e.parse(q.id, raw)
        except Unsure:  # "不清楚": not a wrong answer; offer 稍后 and say where the figure comes from
            return self._finish(Reply([unsure_message(e, q, raw)]), ask=False)
        except Exception as exc:  # InputError carries the reason
            return self._finish(Reply([f"抱歉，{exc}\n请重新输入，或输入 ? 查看说明。"], refused=True), ask=False)
        clearing = self._ask_before_clearing(q.id, parsed.value)
        if clearing is not None:
            return clearing
        if parsed.confirm:
            self.session.pending = {"qid": q.id, "value": parsed.value}
            return self._finish(Reply([Item("table" if parsed.echo else "text", confirm_message(q, parsed))]), ask=False)
        e.set(q.id, parsed.value)
        msgs = self._echo(q) + ([parsed.note] if parsed.note else []) + e.computed_notes(q.id)
        return self._after_answer(q.id, msgs)

    def submit(self, qid: str, raw: Any, said: str) -> Reply:
        """Structured input from a front end's editor (list table, long text): no chat words,
        same parsing and checks as typed text; `said` is what the transcript shows."""
        e = self.engine
        self.session.say("user", said, qid)
        self.session.pending = None
        try:
            parsed = e.parse(qid, raw)
        except Exception as exc:  # InputError carries the reason
            reply = Reply([f"抱歉，{exc}\n请修改后再提交，或输入 ? 查看说明。"], refused=True)
            reply.problems = list(exc.problems) if isinstance(exc, RowsError) else []
            return self._finish(reply, ask=False)
        clearing = self._ask_before_clearing(qid, parsed.value)
        if clearing is not None:
            return clearing
        e.set(qid, parsed.value)
        return self._after_answer(qid, [parsed.note] if parsed.note else [])

    def imported(self, qid: str, rows: list[dict[str, Any]], source: str) -> Reply:
        """A list read from a file (already validated by lists.load_rows): stored with its count, said
        back with the related checks, and the interview moves on, like any answer."""
        self.session.say("user", f"（从文件 {source} 导入 {len(rows)} 行）", qid)
        self.session.pending = None
        note = ignored_columns(rows)  # an export's extra column, left out: said with the result
        lines = apply_rows(self.engine, qid, rows)
        if note:
            lines.insert(1, note)
        self.session.drafts.pop(qid, None)
        self.engine.advance(qid)
        return self._finish(Reply(lines))

    def goto(self, qid: str) -> Reply:
        """A jump chosen in a front end's outline or review list (logged like a typed 跳到)."""
        self.session.say("user", f"跳到 {self.engine.label(qid)}", qid)
        return self._jump(qid)

    def _warnings_for(self, qid: str) -> list[str]:
        """Findings the answer just triggered (cross-field rules), said at once, not at the end."""
        return [("⚠ " if f.severity == "warning" else "✗ ") + f.message
                for f in self.engine.findings() if f.rule not in ("required",)
                and (qid in self._rule_questions(f.rule) or qid in f.about or (bool(f.about) and f.qid == qid))]

    def _rule_questions(self, rule_id: str) -> set[str]:
        return involved(self.engine, rule_id)

    # -- a blocking finding holds the question; choices wait in session.pending ------------------
    def pending_prompt(self) -> str:
        """What the person is asked while something waits for them (the rows are `choices()`)."""
        p = self.session.pending or {}
        if p.get("prompt"):
            return str(p["prompt"])
        return "请输入 1 或 2" if p.get("kind") == AMBIGUOUS else "请确认上面读到的数值"

    def _choice_waiting(self) -> bool:
        p = self.session.pending
        return bool(p and p.get("choices"))

    def _drop_stale_choice(self) -> None:
        """Choices belong to their question: once the interview stands elsewhere they are gone."""
        p = self.session.pending
        if p and p.get("choices"):
            cur = self.engine.current()
            if cur is None or cur.id != p.get("qid"):
                self.session.pending = None

    def _choices_text(self, pending: dict[str, Any]) -> str:
        lines = [pending["prompt"]]
        lines += [f"{i}. {c['label']}" for i, c in enumerate(pending["choices"], 1)]
        return "\n".join(lines)

    def _held_text(self, qid: str) -> str:
        p = self.session.pending
        if not (p and p.get("choices") and p.get("qid") == qid):
            return ""
        said = [("⚠ " if f.severity != BLOCKING else "✗ ") + f.message for f in self._findings_about(qid)]
        return "\n".join([*said, self._choices_text(p)])

    def _choose_first(self) -> str:
        p = self.session.pending or {}
        n = len(p.get("choices") or [])
        return f"请先输入序号 1–{n} 选择怎么处理（要重新填写本题，请选相应的一项）。\n" + self._choices_text(p)

    def _offer(self, qid: str, prompt: str, choices: list[dict[str, Any]], msgs: list[str],
               said: list[str] | None = None) -> Reply:
        """Hold the question and wait for a choice; `said` (the findings) shares one message with it."""
        self.session.cursor = qid
        self.session.pending = {"kind": "choose", "qid": qid, "prompt": prompt, "choices": choices}
        return self._finish(Reply([*msgs, Item("finding", "\n".join([*(said or []), self._choices_text(self.session.pending)]))]),
                            ask=False)

    def _ask_before_clearing(self, qid: str, value: Any) -> Reply | None:
        """An empty list over rows already stored (a slip, a paste gone wrong) is confirmed first."""
        old = self.session.answers.get(qid)
        if not of(self.engine.flow[qid]).is_list or value != [] or not isinstance(old, list) or not old:
            return None
        n = len(old)
        return self._offer(qid, f"名单里已有 {n} 行，确定要清空吗？", [
            {"label": f"否，保留原有 {n} 行", "goto": qid, "discard_draft": True, "words": ["否", "不", "取消"]},
            {"label": "是，清空名单", "store": [], "words": ["是", "确定", "清空"]},
        ], [])

    def _after_answer(self, qid: str, msgs: list[str]) -> Reply:
        """After an answer is stored: a blocking finding about it holds the question, else on to the next."""
        held = self._hold(qid, msgs)
        if held is not None:
            return held
        return self._finish(Reply([*msgs, *(Item("finding", w) for w in self._warnings_for(qid))]))

    def _hold(self, qid: str, msgs: list[str]) -> Reply | None:
        e = self.engine
        found = self._findings_about(qid)
        block = [f for f in found if f.severity == BLOCKING]
        if not block:
            return None
        rule = next(r for r in e.flow.rules if r.id == block[0].rule)
        ns = e.state.namespace
        said = [("⚠ " if f.severity != BLOCKING else "✗ ") + f.message for f in found]
        budget = self._budget_note(rule, qid)
        if budget:
            said[found.index(block[0])] += budget
        choices: list[dict[str, Any]] = []
        for i, fx in enumerate(rule.fixes):
            label = render_message(fx.label, ns, e.flow.where(rule.id, f"fixes 第 {i + 1} 项的 label"))
            if fx.set:
                values = {}
                for target in fx.set:
                    ex = e.flow.expr(rule.id, f"fix:{i}:{target}")
                    v = ex(ns) if ex is not None else None
                    if v is None:
                        break
                    values[target] = str(v) if isinstance(v, Decimal) else v
                else:
                    choices.append({"label": label, "set": values})
            elif fx.goto or fx.edit:
                choices.append({"label": label, "goto": fx.goto or qid})
            elif fx.keep:
                choices.append({"label": label, "keep": True})
        if not any(c.get("goto") == qid for c in choices):
            choices.insert(len(choices) - any(c.get("keep") for c in choices),
                           {"label": "重新填写本题", "goto": qid})
        if not any(c.get("keep") for c in choices):
            choices.append({"label": "先保留，稍后再改", "keep": True})
        return self._offer(qid, "这一处必须修改才能报送。怎么处理？（输入序号）", choices, msgs, said)

    def _findings_about(self, qid: str) -> list[Any]:
        return [f for f in self.engine.findings() if f.rule not in ("required", "constraint", "carried")
                and (qid in self._rule_questions(f.rule) or (bool(f.about) and f.qid == qid))]

    def _budget_note(self, rule: Any, qid: str) -> str:
        """For a 字 budget: how much this text may still hold, so the person knows how far to cut."""
        lim = next((x for x in self.engine.limits(qid) if x.rule == rule.id), None)
        if lim is None:
            return ""
        room = max(lim.budget - lim.others, 0)
        return (f"\n本段现有 {lim.mine} 字；其余各段共 {lim.others} 字，按 {lim.budget} 字的上限，"
                f"本段最多还能写 {room} 字，需删去 {lim.mine - room} 字。")

    def _choose(self, pending: dict[str, Any], s: str) -> Reply | None:
        """A choice picked by its number (or its words); None when the text is not one of them."""
        choices = pending["choices"]
        idx = None
        if s.isdigit() and 1 <= int(s) <= len(choices):
            idx = int(s) - 1
        else:
            idx = next((i for i, c in enumerate(choices) if s and (s == c["label"] or s in c.get("words", ()))), None)
        if idx is None:
            if s == "":
                return self._finish(Reply([self._choose_first()], refused=True), ask=False)
            return None
        e, qid, c = self.engine, pending["qid"], choices[idx]
        self.session.pending = None
        if "set" in c:
            done = []
            for target, raw in c["set"].items():
                try:
                    parsed = e.parse(target, raw)
                except InputError as exc:  # the fix no longer fits: the choice stays
                    self.session.pending = pending
                    return self._finish(Reply([f"抱歉，{exc}"], refused=True), ask=False)
                e.set(target, parsed.value, advance=False)
                done.append(f"已把“{e.label(target)}”改为 {e.shown(target)}。")
            held = self._hold(qid, done)
            if held is not None:
                return held
            e.advance(after=qid)
            return self._finish(Reply([*done, *(Item("finding", w) for w in self._warnings_for(qid))]))
        if c.get("redraft"):
            return self._draft(e.flow[qid], whole=True)
        if "store" in c:
            e.set(qid, c["store"])
            self.session.drafts.pop(qid, None)
            return self._after_answer(qid, [c.get("said") or f"已清空“{e.label(qid)}”。"])
        if "goto" in c:
            if c.get("discard_draft"):
                self.session.drafts.pop(qid, None)
            try:
                e.jump(c["goto"])
            except InputError as exc:  # not askable now
                return self._finish(Reply([str(exc)], refused=True), ask=False)
            return self._finish(Reply(["好的，原有内容没有改动，请修改。" if c.get("discard_draft") else "好的，请修改。"]))
        e.advance(after=qid)
        return self._finish(Reply(["好的，先保留。这处问题会在“检查”里列出，之后可以输入“跳到 题目名称”回来修改。"]))

    # -- chat words --------------------------------------------------------------------------
    def recognise(self, q: Question | None, text: str) -> Command | None:
        """What `text` means at question q if it is not an answer; None when it is an answer.

        Commands are whole commands: a word of the word sets, a jump whose target resolves, a
        glossary question. On a free-text question any other text is an answer, and text that
        could be either (a glossary question that finds a term, "修改 电话") is asked about."""
        s = normalize(text)
        low = s.lower()
        for kind, words in _WORD_SETS:
            if low in words:
                return Command(kind)
        free = q is not None and of(q).free_text
        term = asked_term(s)
        if term is not None or low.startswith(("什么是", "解释")):
            if not free:
                return Command("term", term or s)
            found = self.glossary.lookup(term or s)
            return Command("ask", found.id, "term") if found else None
        for prefixes in (JUMP_WORDS, MAYBE_JUMP_WORDS):
            prefix = next((p for p in prefixes if low.startswith(p) and len(s) > len(p)), None)
            if prefix is None:
                continue
            target = s[len(prefix):].strip()
            if not free:
                return Command("jump", target)
            qid = self.find_question(target) if len(target) >= 2 else None
            if qid is None:
                # "跳到 …" on one short line is a jump that failed (said so), never row or answer text;
                # "去离子水…" and a paragraph that happens to start 转到 are answers
                short = prefixes is JUMP_WORDS and "\n" not in text.strip() and len(target) <= 30
                return Command("jump", target) if short else None
            return Command("jump", target) if prefixes is JUMP_WORDS else Command("ask", qid, "jump")
        return None

    def command_line(self, text: str) -> bool:
        """A line typed in an editor (a narrative box, a table row) that is a whole command for the
        conversation: 跳到 …, ?, 返回 … — never text that might be an answer."""
        cmd = self.recognise(self.engine.current(), text)
        return cmd is not None and cmd.kind != "ask"

    def _run(self, cmd: Command, q: Question | None, raw: str) -> Reply:
        e = self.engine
        k = cmd.kind
        if k == "help":
            return self._finish(Reply([Item("help", self.help_text(q) if q else WORDS_HELP)]), ask=False)
        if k == "term":
            found = self.glossary.lookup(cmd.target)
            if found:
                msg = found.render()
            else:
                msg = f"词汇表里暂时没有“{cmd.target}”的解释。可以问：{'、'.join(self.glossary.suggestions())}……"
            return self._finish(Reply([Item("help", msg)]))
        if k == "ask" and q is not None:
            self.session.pending = {"kind": AMBIGUOUS, "qid": q.id, "text": raw, "via": cmd.via,
                                    "target": cmd.target}
            return self._finish(Reply([self._ambiguity_text()]), ask=False)
        if k == "back":
            prev = e.back()
            return self._finish(Reply([] if prev else ["已经是第一题了。"]))
        if k == "later" or (k == "skip" and q is not None and not q.required):
            e.defer()
            return self._finish(Reply(["好的，这题先放一放，之后可以输入“跳到 题目名称”回来补填。"]))
        if k == "skip":
            return self._finish(Reply(
                ["本题是必填项，不能跳过；如确实没有相关情况，请填写“无”。如需先查资料，可输入“稍后”先填下一题。"],
                refused=True), ask=False)
        if k == "preview":
            return self._finish(Reply(["正在生成预览……"], action="preview"), ask=False)
        if k == "save":
            return self._finish(Reply(["已保存。您可以随时退出，下次用同一会话编号继续。"]), ask=False)
        if k == "quit":
            resume = self.resume_command.format(id=self.session.id)
            return self._finish(Reply([f"已保存，再见！下次输入 `{resume}` 即可继续。"], action="quit"))
        if k == "progress":
            return self._finish(Reply([self.progress_text()]), ask=False)
        if k == "check":
            return self._finish(Reply([self.findings_text()]), ask=False)
        if k == "draft":
            return self._draft(q)
        return self._jump(cmd.target)

    def _draft(self, q: Question | None, *, whole: bool = False) -> Reply:
        """起草: a draft from the answers, shown and offered; it counts only when accepted or submitted.
        On a narrative whose figures no longer match the answers, just those sentences are offered first
        (whole: the whole paragraph drafted again)."""
        e = self.engine
        filled = targets_actual(e)
        if q is not None and filled is not None and filled[0] == q.id:
            rows = filled[1]
            return self._offer(q.id, "按这些数字填入完成值吗？", [
                {"label": "是，填入完成值（之后仍可修改）", "store": rows, "said": "已填入完成值。", "words": ["是", "填入"]},
                {"label": "否，不填", "goto": q.id, "words": ["否", "不"]},
            ], [echo_rows(e.flow[q.id], rows, e.text)])
        try:
            fix = None if whole or q is None or not of(q).narrative else redraw(e, q.id)
        except FlowError as exc:  # the form's draft template was refused by the sandbox: say where
            return self._finish(Reply([f"无法起草：{exc}"], refused=True), ask=False)
        if fix is not None and q is not None:  # any narrative stating a figure the answers no longer say
            return self._offer_redraw(q, fix)
        if q is None or not draftable(e, q.id):
            return self._finish(Reply(["“起草”用于第七部分的各段文字（以及目标表的完成值）：请先跳到那里再输入“起草”。"],
                                      refused=True), ask=False)
        try:
            done = drafted(e, q.id)
        except FlowError as exc:  # the form's draft template was refused by the sandbox: say where
            return self._finish(Reply([f"无法起草：{exc}"], refused=True), ask=False)
        text = done.text
        if not text:
            return self._finish(Reply(["目前已填的答案还不足以起草这一段。可以先填写第一至六部分，或直接写。"]),
                                ask=False)
        self.session.drafts[q.id] = text  # the editor opens with it, to edit before submitting
        offer(e, q.id, done.quotes)  # what it quotes is remembered once the text is stored
        left = remaining_budget(e, q.id)
        size = f"{count_chars(text)} 字" + (f"，本段还可写 {left} 字" if left is not None else "")
        return self._offer(q.id, "采用这份草稿吗？", [
            {"label": "采用草稿（之后仍可修改）", "store": text, "said": "已采用草稿，可以随时修改。", "words": ["是", "采用"]},
            {"label": "不采用，我自己写（草稿已放进编辑框）", "goto": q.id, "words": ["否", "不"]},
        ], [f"根据已填的答案起草如下（{size}；文中的数字都来自您的答案，请核对后再用）：\n{text}"])

    def _offer_redraw(self, q: Question, fix: Any) -> Reply:
        """The sentences of a narrative whose figures changed, redrawn; the rest of the text untouched."""
        e = self.engine
        lines = [f"“{e.label(q)}”中有数字与现在的答案不一致：", *(f"  ⚠ {f.brief}" for f in fix.flags)]
        choices: list[dict[str, Any]] = []
        n = len(fix.changes)
        if n:
            lines.append("按现在的答案只改写这几句，其他文字不变：")
            for old, new in fix.changes:
                lines += [f"  原：{old}", f"  改：{new}" if new else "  改：删去这一句（其中的数字现在没有答案）"]
            try:
                e.parse(q.id, fix.text)
            except InputError as exc:
                lines.append(f"改写后的文字不能直接采用：{exc}")
            else:
                choices.append({"label": f"只改这 {n} 句（其他文字不变）", "store": fix.text,
                                "said": f"已改写 {n} 句，其他文字没有改动。", "words": ["是", "改", "采用"]})
        if fix.manual:
            lines.append("以下句子是您自己写的，数字的写法或增减方向变了，请自己修改：")
            lines += [f"  {s}" for s in fix.manual]
        if draftable(e, q.id):
            choices.append({"label": "整段重新起草（替换本段全部文字）", "redraft": True, "words": ["整段", "重新起草"]})
        choices.append({"label": "先不改（这处提示留在“检查”里）", "keep": True, "words": ["否", "不", "不改"]})
        offer(e, q.id, fix.quotes)
        return self._offer(q.id, "怎么处理？（输入序号）", choices, ["\n".join(lines)])

    def _ambiguity_text(self) -> str:
        p = self.session.pending or {}
        text = p.get("text", "").strip()
        shown = text if len(text) <= 30 else text[:29] + "…"
        other = self._ambiguity_other(p)
        what = "查询词汇表" if p.get("via") == "term" else other
        return f"您是想把‘{shown}’作为答案，还是{what}？\n1. 作为答案　2. {other}\n请输入 1 或 2。"

    def _turn_reply(self, t: Turn) -> Reply:
        """An enterprises.dialog.Turn as the conversation's reply."""
        return self._finish(Reply(t.said(), t.action or None, refused=t.refused), ask=t.ask)

    def _ambiguity_other(self, p: dict[str, Any]) -> str:
        if p.get("via") == "enterprises":
            return "用企业数据表计算"
        if p.get("via") == "term":
            term = self.glossary.by_id.get(p.get("target", ""))
            return f"查询“{term.term if term else p.get('target', '')}”的解释"
        return f"跳到“{self.engine.label(p.get('target', ''))}”"

    def _resolve(self, q: Question | None, low: str) -> Reply | str | None:
        """The reply to "answer or command?": the earlier text as the answer (str), the command's
        reply, the question again (a bare Enter guesses nothing), or None: something new was typed."""
        p = self.session.pending or {}
        if q is None or p.get("qid") != q.id:
            self.session.pending = None
            return None
        if low in AS_ANSWER:
            self.session.pending = None
            return str(p.get("text", ""))
        if low in AS_COMMAND:
            self.session.pending = None
            if p.get("via") == "enterprises":
                return self._turn_reply(start(self.engine, command_paths(str(p.get("target", ""))) or [], self.files))
            if p.get("via") == "term" and p.get("target") in self.glossary:
                return self._finish(Reply([Item("help", self.glossary[p["target"]].render())]))
            return self._jump(str(p.get("target", "")))
        if low == "" or low in YES_WORDS or low in NO_WORDS:
            return self._finish(Reply([self._ambiguity_text()], refused=True), ask=False)
        self.session.pending = None
        return None

    def choices(self) -> Choices | None:
        """The rows a front end offers for one-key answers now, or None (type an answer)."""
        pending = self.session.pending
        q = self.engine.current()
        if pending and pending.get("kind") == "enterprises":
            return None  # proposals from enterprise data: typed choices (1 3 5, 全部), not one key
        if pending and pending.get("kind") == AMBIGUOUS:
            if q is None or pending.get("qid") != q.id:
                return None
            return Choices([("1", "作为答案"), ("2", self._ambiguity_other(pending))], None)
        if pending and pending.get("choices"):
            return Choices([(str(i), c["label"]) for i, c in enumerate(pending["choices"], 1)], None)
        if pending:
            table = pending.get("qid") in self.engine.flow and of(self.engine.flow[pending["qid"]]).is_grid
            return Choices([("是", "是，按上表记录" if table else "是，记录这个数值"), ("否", "否，重新输入")], 0)
        if q is None or not of(q).has_choices:
            return None
        rows = [(label, label) for _, label in choice_options(q)]
        stored = self.session.answers.get(q.id)
        if stored is None:
            return Choices(rows, None)  # nothing preselected: a bare Enter records nothing
        at = chosen_index(q, stored)
        return Choices(rows, at, current=at)

    def _numbered(self, s: str) -> str:
        rows = self.choices()
        if rows and s.isascii() and s.isdigit() and 1 <= int(s) <= len(rows.rows):
            return rows.rows[int(s) - 1][0]
        return s

    def _echo(self, q: Question) -> list[str]:
        """A choice or a figure is said back as stored, so a slip (否 read as 是, 3,200 as 3.2) shows at once."""
        if of(q).is_list:  # the rows are on screen already: their count says what was kept
            rows = self.engine.value(q.id)
            return [f"已记录：{len(rows)} 行。" if rows else "已记录：无。"]
        said = of(q).echoed and not q.override  # an override's own note names the figure and its basis
        return [f"已记录：{self.engine.shown(q.id)}"] if said else []

    def _jump(self, target: str) -> Reply:
        e = self.engine
        if (self.session.pending or {}).get("kind") == AMBIGUOUS:
            self.session.pending = None  # moving on answers "answer or command?" with neither
        qid = self.find_question(target)
        if qid is None:
            resting = self._not_needed(target)
            if resting is not None:
                return self._finish(Reply([f"根据前面的回答，“{e.label(resting)}”目前不需要填写。"], refused=True),
                                    ask=False)
            many = self._label_matches(target, e.askable())
            if len(many) > 1:
                shown = "、".join(f"“{e.label(q)}”" for q in many[:5])
                return self._finish(Reply([f"“{target}”可能是指：{shown}。请多写几个字。"], refused=True), ask=False)
            titled = [sec.title for sec in e.flow.sections if sec.title]
            example = f"（如“{e.text(titled[len(titled) // 2])}”）" if titled else ""  # one of this form's parts
            hint = f"可以输入题目名称中的几个字，或部分名称{example}。"
            return self._finish(Reply([f"没有找到“{target}”。{hint}"], refused=True), ask=False)
        try:
            e.jump(qid)
        except Exception as exc:
            return self._finish(Reply([str(exc)], refused=True), ask=False)
        return self._finish(Reply([]))

    def find_question(self, target: str) -> str | None:
        e = self.engine
        t = normalize(target)
        if t in e.flow.by_id:
            return t
        part = _PART_NUMBER.fullmatch(t)  # 第七部分, 第7部分, 七部分: the part whose title starts 七、
        if part and (part[1] or part[3]):
            num = part[2] if not part[2].isdigit() else _CN_NUMERALS.get(int(part[2]), part[2])
            sec = next((x for x in e.flow.sections if e.text(x.title).startswith(f"{num}、")), None)
            if sec is not None:
                first = e.first_of(sec.id)
                return first.id if first else None
        for sec in e.flow.sections:
            title = normalize(e.text(sec.title))  # as typed: 集群总产值（亿元） reads as the panel prints it
            if t and (t == sec.id or t in title):
                first = e.first_of(sec.id)
                return first.id if first else None
        hits = [q for q in e.askable() if t and t in normalize(e.text(q.label))]
        if hits:
            return hits[0].id
        loose = self._label_matches(t, e.askable())
        return loose[0].id if len(loose) == 1 else None  # one question only: several are listed, not guessed

    def _label_matches(self, target: str, questions: list[Question]) -> list[Question]:
        """Questions whose label holds the typed characters in order (主导产业产值占比 → 主导产业产值占集群总产值比例)."""
        t = normalize(target)
        if len(t) < 2:
            return []

        def holds(label: str) -> bool:
            it = iter(label)
            return all(ch in it for ch in t)

        return [q for q in questions if holds(normalize(self.engine.text(q.label)))]

    def _not_needed(self, target: str) -> Question | None:
        """A question named by `target` that the earlier answers made unnecessary (so a jump cannot go there)."""
        e = self.engine
        t = normalize(target)
        resting = [q for q in e.flow.questions if q.asked and not e.is_relevant(q.id)]
        hits = [q for q in resting if t and t in normalize(e.text(q.label))] or self._label_matches(t, resting)
        return hits[0] if len(hits) == 1 else None

    def progress_text(self) -> str:
        e = self.engine
        lines = [f"总体进度：{e.progress().answered}/{e.progress().total}（{e.progress().percent}%）"]
        for sec in e.flow.sections:
            p = e.progress(sec)
            mark = "✓" if p.done else " "
            lines.append(f"{mark} {e.text(sec.title)}：{p.answered}/{p.total}")
        return "\n".join(lines)

    def findings_text(self, found: list[Finding] | None = None) -> str:
        """The findings as lines (default: the engine's; a front end adds the report's page check)."""
        found = self.engine.findings() if found is None else found
        if not found:
            return "检查通过，没有发现问题。"
        e = self.engine
        lines = []
        for f in found:
            mark = "✗ 必须修改" if f.severity == "blocking" else "⚠ 提示"
            lines.append(f"{mark}｜{e.text(e.flow.section(f.section).title)}｜{f.message}")
        return "\n".join(lines)

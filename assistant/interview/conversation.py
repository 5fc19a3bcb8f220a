"""The conversation: answers, confirmations and the transcript, shared by every front end (commands: commands.py).

A front end passes what the person typed to `Conversation.handle` and shows the reply; the
session is saved before the reply returns, so nothing typed is ever lost.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError
from assistant.form.expr import count_chars, render_message
from assistant.form.flow import FlowError, Question
from assistant.form.glossary import Glossary, load_glossary
from assistant.form.parse import NO_WORDS, YES_WORDS, RowsError, Unsure, normalize
from assistant.form.shapes import Row
from assistant.form.types import of
from assistant.form.values import choice_options, chosen_index
from assistant.interview.checks import involved
from assistant.interview.commands import COMMANDS, Command, Lazy
from assistant.interview.drafts import (
    draft_places,
    draftable,
    drafted,
    empty_note,
    offer,
    redraw,
    remaining_budget,
    targets_actual,
    unanswered_subs,
)
from assistant.interview.echo import confirm_message, echo_rows, unsure_message
from assistant.interview.engine import Engine
from assistant.interview.findings import BLOCKING, Finding, blocking
from assistant.interview.list_answers import apply_rows, ignored_columns
from assistant.interview.reply import Item, Reply
from assistant.interview.view import Choices, FindingView, PendingView, QuestionView, build
from assistant.interview.words import AS_ANSWER, AS_COMMAND, CARRY_WORDS, WORDS_HELP
from assistant.session.pending import (
    Ambiguous,
    Choice,
    Choose,
    Confirm,
    Goto,
    Keep,
    Pending,
    Proposals,
    Redraft,
    SetFix,
    Store,
)
from assistant.session.store import Session
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.interview.enterprises.columns import Spec as EnterpriseSpec
    from assistant.interview.enterprises.line import Files, Turn

__all__ = ["Command", "Conversation", "Item", "Reply"]


_PART_NUMBER = pattern(r"(第)?(\d{1,2}|[一二三四五六七八九十]{1,3})(部分|节|章|部)?")
_CN_NUMERALS = dict(enumerate("零一二三四五六七八九十", 0)) | {11: "十一", 12: "十二"}
# The form's enterprise spec: read for the help text only, with the enterprise modules (not on the first screen).
_enterprise_spec: Lazy[Callable[[str], EnterpriseSpec | None]] = Lazy("assistant.interview.enterprises.columns:load_spec")


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
    def glossary(self) -> Glossary:
        return load_glossary(self.session.form)

    @property
    def session(self) -> Session:
        return self.engine.session

    # -- the question view -------------------------------------------------------------------
    def view(self, q: Question | None = None) -> QuestionView:
        """The structured view of question q (default: where the interview stands) for front ends to draw;
        what waits for the person and the one-key rows belong to the current question only."""
        e = self.engine
        cur = e.current()
        q = cur if q is None else q
        here = q is not None and cur is not None and q.id == cur.id
        if q is None:  # proposals from enterprise data may still wait
            return build(e, None, done_text=self.done_text(), choices=self.choices(), pending=self._pending_view())
        findings = [FindingView(f.severity, f.message) for f in self._findings_about(q.id)]
        return build(e, q, choices=self.choices() if here else None,
                     pending=self._pending_view() if here else None, findings=findings)

    def _pending_view(self) -> PendingView | None:
        p = self.session.pending
        if isinstance(p, Ambiguous):
            return PendingView("ambiguous", f"请输入 1 把上面的文字作为答案，或 2 {self._ambiguity_other(p)}；直接回车不会记录。",
                               "请输入 1 或 2")
        if isinstance(p, Choose | Proposals):  # fixes to choose from, or a batch of proposals
            return PendingView(p.kind, p.prompt, p.prompt)
        if isinstance(p, Confirm):
            return PendingView("confirm", "请确认上面读到的数值：回车或“是”确认，“否”重新输入。", "请确认上面读到的数值")
        return None

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
            out.append("本题可输入“起草”：助手按已填的数字和本段小问题的回答生成一段草稿（不写没有依据的内容），您修改后再提交。")
        spec = _enterprise_spec.get()(self.session.form)
        if spec is not None and any(i.question == q.id for i in spec.indicators):
            how = self.files.how if self.files is not None else \
                "输入“企业数据 文件路径”（企业数据采集表，可用 `filing workbook` 生成）"
            out.append(f"本题可由成员企业数据计算：{how}，助手汇总后列出建议值供您选择。")
        return out

    def _words_said(self) -> bool:
        return any(m.get("role") == "assistant" and WORDS_HELP in str(m.get("text", ""))
                   for m in self.session.transcript)

    # -- turns -------------------------------------------------------------------------------
    def finish(self, reply: Reply, *, ask: bool = True, kind: str | None = None) -> Reply:
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
        return self.finish(Reply([msg]), kind="welcome")

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
        q = self.engine.current()
        self.session.say("user", raw, q.id if q else None)
        s = normalize(raw)
        said = self._numbered(s)  # a shown number (1, 2, 3) stands for its row
        return self._turn(q, said if said != s else raw)

    def _turn(self, q: Question | None, raw: str) -> Reply:
        """What waits is answered first; then a command (through the registry); else an answer."""
        p = self.session.pending
        if isinstance(p, Proposals):
            if not COMMANDS.keeps_waiting(raw):  # a chat word while proposals wait: they keep waiting
                return COMMANDS.run(self, Command("proposals"), q, raw)
        else:
            cmd = COMMANDS.early(self, q, raw)  # 企业数据 with its files
            if cmd is not None:
                return COMMANDS.run(self, cmd, q, raw)
        literal = False  # the person chose to keep text that reads like a command as the answer
        low = normalize(raw).lower()
        if isinstance(p, Ambiguous):
            resolved = self._resolve(p, q, low)
            if isinstance(resolved, Reply):
                return resolved
            if resolved is not None:
                raw, literal = resolved, True
        elif isinstance(p, Choose):
            picked = self._choose(p, normalize(raw))
            if picked is not None:
                return picked  # else not one of the choices: chat words still work, an answer is asked to choose
        elif isinstance(p, Confirm):
            confirmed = self._confirm(p, low)
            if confirmed is not None:
                return confirmed
        cmd = None if literal else (COMMANDS.recognise(self, q, raw) or COMMANDS.maybe(self, q, raw))
        if cmd is not None:
            return COMMANDS.run(self, cmd, q, raw)
        return self._answer(q, raw)

    def _confirm(self, p: Confirm, low: str) -> Reply | None:
        """是 (or Enter) records the reading shown back, 否 asks again; anything else is read anew."""
        self.session.pending = None
        if low in YES_WORDS or low == "":
            self.engine.set(p.qid, p.value)
            return self._after_answer(p.qid, [f"好的，已记录：{self.engine.shown(p.qid)}。"])
        if low in NO_WORDS:
            return self.finish(Reply(["好的，这个值没有记录，请重新输入。"]))
        return None

    def _answer(self, q: Question | None, raw: str) -> Reply:
        e = self.engine
        s = normalize(raw)
        low = s.lower()
        if q is None:
            return self.finish(Reply(["所有题目都已回答。" + WORDS_HELP]), ask=False)
        if self._choice_waiting():
            return self.finish(Reply([self._choose_first()], refused=True), ask=False)
        rows = self.choices() if s == "" else None
        if rows is not None and rows.default is None:  # nothing preselected: a bare Enter is never a guessed choice
            shown = rows.shown()
            return self.finish(Reply([f"本题需要您明确选择，直接回车不会记录任何答案。请输入：{shown}"],
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
            return self.finish(Reply([kept]))
        try:
            parsed = e.parse(q.id, raw)
        except Unsure:  # "不清楚": not a wrong answer; offer 稍后 and say where the figure comes from
            return self.finish(Reply([unsure_message(e, q, raw)]), ask=False)
        except Exception as exc:  # InputError carries the reason
            return self.finish(Reply([f"抱歉，{exc}\n请重新输入，或输入 ? 查看说明。"], refused=True), ask=False)
        clearing = self._ask_before_clearing(q.id, parsed.value)
        if clearing is not None:
            return clearing
        if parsed.confirm:
            self.session.pending = Confirm(qid=q.id, value=parsed.value)
            return self.finish(Reply([Item("table" if parsed.echo else "text", confirm_message(q, parsed))]), ask=False)
        e.set(q.id, parsed.value)
        msgs = self._echo(q) + ([parsed.note] if parsed.note else []) + e.computed_notes(q.id)
        return self._after_answer(q.id, msgs)

    def submit(self, qid: str, raw: object, said: str) -> Reply:
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
            return self.finish(reply, ask=False)
        clearing = self._ask_before_clearing(qid, parsed.value)
        if clearing is not None:
            return clearing
        e.set(qid, parsed.value)
        return self._after_answer(qid, [parsed.note] if parsed.note else [])

    def imported(self, qid: str, rows: list[Row], source: str) -> Reply:
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
        return self.finish(Reply(lines))

    def goto(self, qid: str) -> Reply:
        """A jump chosen in a front end's outline or review list (logged like a typed 跳到)."""
        self.session.say("user", f"跳到 {self.engine.label(qid)}", qid)
        return self.jump(qid)

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
        view = self._pending_view()
        return view.ask if view is not None else "请确认上面读到的数值"

    def _choice_waiting(self) -> bool:
        return isinstance(self.session.pending, Choose)

    def _drop_stale_choice(self) -> None:
        """Choices belong to their question: once the interview stands elsewhere they are gone."""
        p = self.session.pending
        if isinstance(p, Choose):
            cur = self.engine.current()
            if cur is None or cur.id != p.qid:
                self.session.pending = None

    def _choices_text(self, pending: Choose) -> str:
        lines = [pending.prompt]
        lines += [f"{i}. {c.label}" for i, c in enumerate(pending.choices, 1)]
        return "\n".join(lines)

    def _held_text(self, qid: str) -> str:
        p = self.session.pending
        if not (isinstance(p, Choose) and p.qid == qid):
            return ""
        said = [("⚠ " if f.severity != BLOCKING else "✗ ") + f.message for f in self._findings_about(qid)]
        return "\n".join([*said, self._choices_text(p)])

    def _choose_first(self) -> str:
        p = self.session.pending
        assert isinstance(p, Choose)
        n = len(p.choices)
        return f"请先输入序号 1–{n} 选择怎么处理（要重新填写本题，请选相应的一项）。\n" + self._choices_text(p)

    def _offer(self, qid: str, prompt: str, choices: list[Choice], msgs: list[str],
               said: list[str] | None = None) -> Reply:
        """Hold the question and wait for a choice; `said` (the findings) shares one message with it."""
        self.session.cursor = qid
        waiting = self.session.pending = Choose(qid=qid, prompt=prompt, choices=choices)
        return self.finish(Reply([*msgs, Item("finding", "\n".join([*(said or []), self._choices_text(waiting)]))]),
                           ask=False)

    def _ask_before_clearing(self, qid: str, value: Any) -> Reply | None:
        """An empty list over rows already stored (a slip, a paste gone wrong) is confirmed first."""
        old = self.session.answers.get(qid)
        if not of(self.engine.flow[qid]).is_list or value != [] or not isinstance(old, list) or not old:
            return None
        n = len(old)
        return self._offer(qid, f"名单里已有 {n} 行，确定要清空吗？", [
            Goto(label=f"否，保留原有 {n} 行", qid=qid, discard_draft=True, words=["否", "不", "取消"]),
            Store(label="是，清空名单", value=[], words=["是", "确定", "清空"]),
        ], [])

    def _after_answer(self, qid: str, msgs: list[str]) -> Reply:
        """After an answer is stored: a blocking finding about it holds the question, else on to the next."""
        held = self._hold(qid, msgs)
        if held is not None:
            return held
        return self.finish(Reply([*msgs, *(Item("finding", w) for w in self._warnings_for(qid))]))

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
        choices: list[Choice] = []
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
                    choices.append(SetFix(label=label, values=values))
            elif fx.goto or fx.edit:
                choices.append(Goto(label=label, qid=fx.goto or qid))
            elif fx.keep:
                choices.append(Keep(label=label))
        if not any(isinstance(c, Goto) and c.qid == qid for c in choices):
            choices.insert(len(choices) - any(isinstance(c, Keep) for c in choices),
                           Goto(label="重新填写本题", qid=qid))
        if not any(isinstance(c, Keep) for c in choices):
            choices.append(Keep(label="先保留，稍后再改"))
        return self._offer(qid, "这一处必须修改才能报送。怎么处理？（输入序号）", choices, msgs, said)

    def _findings_about(self, qid: str) -> list[Finding]:
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

    def _choose(self, pending: Choose, s: str) -> Reply | None:
        """A choice picked by its number (or its words); None when the text is not one of them."""
        choices = pending.choices
        idx = None
        if s.isdigit() and 1 <= int(s) <= len(choices):
            idx = int(s) - 1
        else:
            idx = next((i for i, c in enumerate(choices) if s and (s == c.label or s in c.words)), None)
        if idx is None:
            if s == "":
                return self.finish(Reply([self._choose_first()], refused=True), ask=False)
            return None
        e, qid, c = self.engine, pending.qid, choices[idx]
        self.session.pending = None
        if isinstance(c, SetFix):
            return self._set_fix(pending, c)
        if isinstance(c, Redraft):
            return self.draft(e.flow[qid], whole=True)
        if isinstance(c, Store):
            e.set(qid, c.value)
            self.session.drafts.pop(qid, None)
            return self._after_answer(qid, [c.said or f"已清空“{e.label(qid)}”。"])
        if isinstance(c, Goto):
            if c.discard_draft:
                self.session.drafts.pop(qid, None)
            try:
                e.jump(c.qid)
            except InputError as exc:  # not askable now
                return self.finish(Reply([str(exc)], refused=True), ask=False)
            return self.finish(Reply([c.said or ("好的，原有内容没有改动，请修改。" if c.discard_draft else "好的，请修改。")]))
        e.advance(after=qid)
        return self.finish(Reply(["好的，先保留。这处问题会在“检查”里列出，之后可以输入“跳到 题目名称”回来修改。"]))

    def _set_fix(self, pending: Choose, c: SetFix) -> Reply:
        """The form's fix: its answers set as typed (refused: the choice stays), then the question is checked again."""
        e, qid = self.engine, pending.qid
        done = []
        for target, raw in c.values.items():
            try:
                parsed = e.parse(target, raw)
            except InputError as exc:  # the fix no longer fits: the choice stays
                self.session.pending = pending
                return self.finish(Reply([f"抱歉，{exc}"], refused=True), ask=False)
            e.set(target, parsed.value, advance=False)
            done.append(f"已把“{e.label(target)}”改为 {e.shown(target)}。")
        held = self._hold(qid, done)
        if held is not None:
            return held
        e.advance(after=qid)
        return self.finish(Reply([*done, *(Item("finding", w) for w in self._warnings_for(qid))]))

    # -- chat words --------------------------------------------------------------------------
    def recognise(self, q: Question | None, text: str) -> Command | None:
        """What `text` means at question q if it is a command (commands.py); None when it is an answer."""
        return COMMANDS.recognise(self, q, text)

    def command_line(self, text: str) -> bool:
        """A line typed in an editor (a narrative box, a table row) that is a whole command for the
        conversation: 跳到 …, ?, 返回 … — never text that might be an answer."""
        cmd = self.recognise(self.engine.current(), text)
        return cmd is not None and cmd.kind != "ask"

    def draft(self, q: Question | None, *, whole: bool = False) -> Reply:
        """起草: a draft from the answers, shown and offered; it counts only when accepted or submitted.
        On a narrative whose figures no longer match the answers, just those sentences are offered first
        (whole: the whole paragraph drafted again)."""
        e = self.engine
        filled = targets_actual(e)
        if q is not None and filled is not None and filled[0] == q.id:
            rows = filled[1]
            return self._offer(q.id, "按这些数字填入完成值吗？", [
                Store(label="是，填入完成值（之后仍可修改）", value=rows, said="已填入完成值。", words=["是", "填入"]),
                Goto(label="否，不填", qid=q.id, words=["否", "不"]),
            ], [echo_rows(e.flow[q.id], rows, e.text)])
        try:
            fix = None if whole or q is None or not of(q).narrative else redraw(e, q.id)
        except FlowError as exc:  # the form's draft template was refused by the sandbox: say where
            return self.finish(Reply([f"无法起草：{exc}"], refused=True), ask=False)
        if fix is not None and q is not None:  # any narrative stating a figure the answers no longer say
            return self._offer_redraw(q, fix)
        if q is None or not draftable(e, q.id):
            return self.finish(Reply([f"“起草”用于{draft_places(e)}：请先跳到那里再输入“起草”。"],
                                     refused=True), ask=False)
        try:
            done = drafted(e, q.id)
        except FlowError as exc:  # the form's draft template was refused by the sandbox: say where
            return self.finish(Reply([f"无法起草：{exc}"], refused=True), ask=False)
        text = done.text
        if not text:
            return self.finish(Reply([empty_note(e, q.id)]), ask=False)
        self.session.drafts[q.id] = text  # the editor opens with it, to edit before submitting
        offer(e, q.id, done.quotes)  # what it quotes is remembered once the text is stored
        left = remaining_budget(e, q.id)
        size = f"{count_chars(text)} 字" + (f"，采用后本段还可写 {left - count_chars(text)} 字" if left is not None else "")
        subs = unanswered_subs(e, q.id)  # the part's guided sub-questions: answered first, the draft says more
        more = [Goto(label=f"先回答“{e.label(subs[0])}”等 {len(subs)} 个小问题，再起草", qid=subs[0],
                     words=["先回答", "小问题"], said="好的。草稿已放进这一段的编辑框；小问题答完（没有的可回答“无”）"
                     f"回到“{e.label(q)}”再输入“起草”，草稿会用上这些回答。")] if subs else []
        return self._offer(q.id, "采用这份草稿吗？", [
            Store(label="采用草稿（之后仍可修改）", value=text, said="已采用草稿，可以随时修改。", words=["是", "采用"]),
            Goto(label="不采用，我自己写（草稿已放进编辑框）", qid=q.id, words=["否", "不"]),
            *more,
        ], [f"根据已填的答案起草如下（{size}；文中的数字都来自您的答案，请核对后再用）：\n{text}"])

    def _offer_redraw(self, q: Question, fix: Any) -> Reply:
        """The sentences of a narrative whose figures changed, redrawn; the rest of the text untouched."""
        e = self.engine
        lines = [f"“{e.label(q)}”中有数字与现在的答案不一致：", *(f"  ⚠ {f.brief}" for f in fix.flags)]
        choices: list[Choice] = []
        n = len(fix.changes)
        if n:
            lines.append("按现在的答案只改写这几句，其他文字不变：")
            for old, new in fix.changes:
                lines += [f"  原：{old}", f"  改：{new}" if new else "  改：删去这一句（按现在的答案，这一句不再成立或没有数字）"]
            try:
                e.parse(q.id, fix.text)
            except InputError as exc:
                lines.append(f"改写后的文字不能直接采用：{exc}")
            else:
                choices.append(Store(label=f"只改这 {n} 句（其他文字不变）", value=fix.text,
                                     said=f"已改写 {n} 句，其他文字没有改动。", words=["是", "改", "采用"]))
        if fix.manual:
            lines.append("以下句子是您自己写的，数字的写法或增减方向变了，请自己修改：")
            lines += [f"  {s}" for s in fix.manual]
        if draftable(e, q.id):
            choices.append(Redraft(label="整段重新起草（替换本段全部文字）", words=["整段", "重新起草"]))
        choices.append(Keep(label="先不改（这处提示留在“检查”里）", words=["否", "不", "不改"]))
        offer(e, q.id, fix.quotes)
        return self._offer(q.id, "怎么处理？（输入序号）", choices, ["\n".join(lines)])

    def ambiguity_text(self) -> str:
        p = self.session.pending
        assert isinstance(p, Ambiguous)
        text = p.text.strip()
        shown = text if len(text) <= 30 else text[:29] + "…"
        other = self._ambiguity_other(p)
        what = "查询词汇表" if p.via == "term" else other
        return f"您是想把‘{shown}’作为答案，还是{what}？\n1. 作为答案　2. {other}\n请输入 1 或 2。"

    def turn_reply(self, t: Turn) -> Reply:
        """An enterprises.dialog.Turn as the conversation's reply."""
        return self.finish(Reply(t.said(), t.action or None, refused=t.refused), ask=t.ask)

    def _ambiguity_other(self, p: Ambiguous) -> str:
        if p.via == "enterprises":
            return "用企业数据表计算"
        if p.via == "term":
            term = self.glossary.by_id.get(p.target)
            return f"查询“{term.term if term else p.target}”的解释"
        return f"跳到“{self.engine.label(p.target)}”"

    def _resolve(self, p: Ambiguous, q: Question | None, low: str) -> Reply | str | None:
        """The reply to "answer or command?": the earlier text as the answer (str), the command's
        reply, the question again (a bare Enter guesses nothing), or None: something new was typed."""
        if q is None or p.qid != q.id:
            self.session.pending = None
            return None
        if low in AS_ANSWER:
            self.session.pending = None
            return p.text
        if low in AS_COMMAND:
            self.session.pending = None
            if p.via == "term" and p.target in self.glossary:
                return self.finish(Reply([Item("help", self.glossary[p.target].render())]))
            cmd = Command("enterprises" if p.via == "enterprises" else "jump", p.target)
            return COMMANDS.run(self, cmd, q, p.text)
        if low == "" or low in YES_WORDS or low in NO_WORDS:
            return self.finish(Reply([self.ambiguity_text()], refused=True), ask=False)
        self.session.pending = None
        return None

    def choices(self) -> Choices | None:
        """The rows a front end offers for one-key answers now, or None (type an answer)."""
        pending = self.session.pending
        q = self.engine.current()
        if pending is not None:
            return self._pending_choices(pending, q)
        if q is None or not of(q).has_choices:
            return None
        rows = [(label, label) for _, label in choice_options(q)]
        stored = self.session.answers.get(q.id)
        if stored is None:
            return Choices(rows, None)  # nothing preselected: a bare Enter records nothing
        at = chosen_index(q, stored)
        return Choices(rows, at, current=at)

    def _pending_choices(self, pending: Pending, q: Question | None) -> Choices | None:
        if isinstance(pending, Proposals):
            return None  # proposals from enterprise data: typed choices (1 3 5, 全部), not one key
        if isinstance(pending, Ambiguous):
            if q is None or pending.qid != q.id:
                return None
            return Choices([("1", "作为答案"), ("2", self._ambiguity_other(pending))], None)
        if isinstance(pending, Choose):
            return Choices([(str(i), c.label) for i, c in enumerate(pending.choices, 1)], None)
        table = pending.qid in self.engine.flow.by_id and of(self.engine.flow[pending.qid]).is_grid
        return Choices([("是", "是，按上表记录" if table else "是，记录这个数值"), ("否", "否，重新输入")], 0)

    def _numbered(self, s: str) -> str:
        rows = self.choices()
        if rows and s.isascii() and s.isdigit() and 1 <= int(s) <= len(rows.rows):
            return rows.rows[int(s) - 1][0]
        return s

    def _echo(self, q: Question) -> list[str]:
        """A choice or a figure is said back as stored, so a slip (否 read as 是, 3,200 as 3.2) shows at once."""
        if of(q).is_list:  # the rows are on screen already: their count says what was kept
            rows = self.engine.rows(q.id)
            return [f"已记录：{len(rows)} 行。" if rows else "已记录：无。"]
        said = of(q).echoed and not q.override  # an override's own note names the figure and its basis
        return [f"已记录：{self.engine.shown(q.id)}"] if said else []

    def jump(self, target: str) -> Reply:
        e = self.engine
        if isinstance(self.session.pending, Ambiguous):
            self.session.pending = None  # moving on answers "answer or command?" with neither
        qid = self.find_question(target)
        if qid is None:
            resting = self._not_needed(target)
            if resting is not None:
                return self.finish(Reply([f"根据前面的回答，“{e.label(resting)}”目前不需要填写。"], refused=True),
                                    ask=False)
            many = self._label_matches(target, e.askable())
            if len(many) > 1:
                shown = "、".join(f"“{e.label(q)}”" for q in many[:5])
                return self.finish(Reply([f"“{target}”可能是指：{shown}。请多写几个字。"], refused=True), ask=False)
            titled = [sec.title for sec in e.flow.sections if sec.title]
            example = f"（如“{e.text(titled[len(titled) // 2])}”）" if titled else ""  # one of this form's parts
            hint = f"可以输入题目名称中的几个字，或部分名称{example}。"
            return self.finish(Reply([f"没有找到“{target}”。{hint}"], refused=True), ask=False)
        try:
            e.jump(qid)
        except Exception as exc:
            return self.finish(Reply([str(exc)], refused=True), ask=False)
        return self.finish(Reply([]))

    def find_question(self, target: str) -> str | None:
        e = self.engine
        t = normalize(target)
        if t in e.flow.by_id:
            return t
        part = _PART_NUMBER.fullmatch(t)  # "第N部分" (numeral or digit): the part titled "N、…"
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

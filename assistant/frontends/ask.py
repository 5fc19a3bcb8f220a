"""`filing ask`: the interview as plain questionary prompts (SSH, screen readers, no full screen).

Every answer goes through chat.Conversation, the same engine and chat words as the chat app;
this module only chooses the prompt that suits the question. questionary is imported lazily.
"""

from __future__ import annotations

import operator
import re
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import EXIT_REFUSED, InputError
from assistant.form.parse import RowsError, is_none_word, parse_rows
from assistant.form.types import of
from assistant.interview.conversation import Conversation, Reply
from assistant.interview.view import Choices

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.session.store import OpenSession, Session

TYPE_OWN = "__type__"  # the select choice that opens a free-text prompt (help words, jumps, …)
IMPORTED = object()  # a list was imported from a file: nothing to pass to the conversation
SELECT_HINT = "（方向键选择，回车确认）"
TEXT_CHOICE = "✎ 输入文字（? 帮助、什么是…、返回、跳过、稍后、预览、保存、退出）"
MULTILINE_HINT = "（可换行；写完后按 Esc 再按回车提交）"
# A revisit: the current answer stands selected, as in the chat app; typing or pasting replaces it.
KEEP_HINT = "已选中：回车保留，打字即替换"
FINISHED_HINT = "直接回车完成并退出；也可输入 预览、检查、进度、跳到 某题"
KEEP_MULTILINE_HINT = "原文已选中：回车保留，打字即替换，方向键可修改；写完按 Esc 再按回车提交"


@dataclass
class Rows:
    """Rows typed at the row prompts: data for Conversation.submit, never read as chat words."""
    qid: str
    text: str


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class Asker:
    def __init__(self, handle: OpenSession):
        from assistant.interview.engine import Engine

        self.handle = handle
        self.engine = Engine.for_session(handle.session)
        self.conv = Conversation(self.engine, save=handle.save, resume_command="filing ask {id}",
                                 export_hint="运行 `filing export {id}` 导出 Word 文档")

    @property
    def session(self) -> Session:
        return self.handle.session

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> int:
        self.show(self.conv.start())
        failed = False  # the turn before went wrong too: stop instead of failing at every prompt
        while True:
            try:
                done = self.turn()
            except (KeyboardInterrupt, EOFError):
                return self.interrupted()
            except Exception as exc:  # a programming error: logged, said in one sentence, the answers kept
                from assistant.frontends.crashlog import report

                _out(report(exc, "处理这一步"))
                if failed:
                    self.interrupted()
                    return EXIT_REFUSED
                failed = True
                _out("已保存的答案不受影响；可以重新输入，或输入“退出”。\n")
                continue
            failed = False
            if done is not None:
                return done

    def turn(self) -> int | None:
        """One prompt and its reply; the exit code when the interview ends here."""
        answer = self.prompt()
        if answer is None:
            return self.interrupted()
        if answer is IMPORTED:
            return None
        rows = isinstance(answer, Rows)
        reply = self.conv.submit(answer.qid, answer.text, answer.text) if rows else self.conv.handle(answer)
        self.show(reply)
        if reply.action == "preview":
            self.preview()
        elif reply.action == "quit":
            return 0
        return None

    def show(self, reply: Reply) -> None:
        for m in reply.messages:
            _out(m)
        _out()

    def interrupted(self) -> int:
        self.handle.save()
        _out(f"\n已保存，随时可以继续。下次运行 `filing ask {self.session.id}` 从这里接着填"
             f"（或 `filing resume {self.session.id}` 打开对话界面）。")
        return 0

    def preview(self) -> None:
        try:
            from assistant.report.preview import print_preview
        except ImportError:
            _out("预览功能暂不可用（文档模块未安装）。可以输入“检查”查看还缺什么。")
            return
        try:
            print_preview(self.session)
        except Exception as exc:
            from assistant.frontends.crashlog import report

            _out(report(exc, "预览"))

    # -- prompts -------------------------------------------------------------------------------
    def prompt(self) -> Any:
        """What the person answered: text for Conversation.handle, Rows, IMPORTED, or None (Ctrl-C)."""
        q = self.engine.current()
        view = self.conv.view()  # the reply printed the whole view; the prompt offers its choices and answer
        rows = view.choices
        waiting = view.pending
        if waiting is not None and rows is not None:  # "对吗？" / "answer or command?": the reply asked it
            return self._choose(waiting.ask, rows)
        if waiting is not None:  # proposals from enterprise data wait for typed choices (1 3 5, 全部), even
            return self._text(waiting.ask)  # when every question is answered: not the finish menu
        if q is None:
            return self._finished()
        if rows is not None:
            return self._choose(self._short(q), rows)
        if of(q).is_list:
            return self._list(q)
        if of(q).is_grid:
            return self._matrix(q)
        if view.current is None:
            return self._text(self._short(q), multiline=of(q).narrative)
        said = self._text(self._short(q), multiline=of(q).narrative, default=view.current, keep=True)
        return "" if said == view.current else said  # unchanged: kept as it is

    def _short(self, q: Question) -> str:
        label = self.engine.label(q)
        return label if len(label) <= 24 else label[:23] + "…"

    def _text(self, message: str, *, multiline: bool = False, default: str = "", tabs: bool = False,
              instruction: str | None = None, keep: bool = False) -> str | None:
        """keep: `default` is the current answer, shown selected so that typing replaces it (never
        appends to it: "128.60" then "97亿" is 97亿), Enter keeps it, an arrow key starts editing it."""
        import questionary

        kw: dict[str, Any] = {"instruction": MULTILINE_HINT} if multiline else {}
        if keep and default:
            kw["instruction"] = f"（{KEEP_MULTILINE_HINT if multiline else KEEP_HINT}）"
        if instruction:
            kw["instruction"] = instruction
        if multiline:  # the hint and the text on lines of their own, the full width, not beside the prompt
            kw["instruction"] = f"\n{kw['instruction']}\n"
        if tabs:
            kw["key_bindings"] = _tab_inserts()
        elif keep and default:
            kw["key_bindings"] = _replace_selection()
        question = questionary.text(message, multiline=multiline, default=default, qmark="›", **kw)
        if keep and default:
            app = question.application
            app.pre_run_callables.append(lambda: _select_all(app.current_buffer))
        typed: str | None = question.unsafe_ask()  # questionary is untyped: None when interrupted
        return typed

    def _select(self, message: str, choices: list[tuple[str, str]], *, other: bool = True,
                default: str | None = None) -> str | None:
        import questionary

        items = [questionary.Choice(title, value=value) for title, value in choices]
        if other:
            items.append(questionary.Choice(TEXT_CHOICE, value=TYPE_OWN))
        dflt = next((c for c in items if c.value == default), None)
        picked = questionary.select(message, choices=items, default=dflt, qmark="›",
                                    instruction=SELECT_HINT).unsafe_ask()
        if picked == TYPE_OWN:
            return self._text("请输入")
        value: str | None = picked  # one of the choices' values (str), or None when interrupted
        return value

    def _choose(self, message: str, rows: Choices) -> str | None:
        """A choice is typed, never picked by a highlight: 是/否/y/n, a label or a shown number go to the
        conversation, which reads them; a bare Enter takes the default only where one is shown."""
        shown = rows.shown()
        if rows.default is not None:
            keep = "保留" if rows.current is not None else ""
            shown += f"；直接回车{keep}：{rows.rows[rows.default][1]}"
        return self._text(message, instruction=f"（{shown}）")

    def _finished(self) -> str | None:
        """Typed, not a menu: words typed here (跳到 …, 检查) land in the line instead of being dropped by a
        menu that takes only arrows, and Enter alone finishes."""
        said = self._text("全部题目已回答。接下来", instruction=f"（{FINISHED_HINT}）")
        if said is None:
            return None
        return said if said.strip() else "退出"

    # -- lists ---------------------------------------------------------------------------------
    def _list(self, q: Question) -> Any:
        current = self.session.answers.get(q.id)
        choices = []
        if isinstance(current, list):
            choices.append((f"保留当前名单（{len(current)} 行）", ""))
        choices.append(("逐行输入", "__rows__"))
        choices.append(("从 Excel / CSV 文件导入", "__file__"))
        if q.min_rows == 0:
            choices.append(("无（没有需要列出的）", "无"))
        picked = self._select(f"{self._short(q)}：怎么提供？", choices)
        if picked == "__rows__":
            return self._rows(q)
        if picked == "__file__":
            return self._import(q)
        return picked

    def _rows(self, q: Question) -> Any:
        cols = "，".join(self.engine.text(c.label or c.id) for c in q.columns)
        _out(f"请逐行输入，每行一条，列之间用 Tab 或英文逗号分隔：{cols}。")
        _out("空行结束；第一行输入“无”表示没有；也可以输入 ? 、返回 等。")
        lines: list[str] = []
        while True:
            n = len(lines) + 1
            preset = q.preset_rows[n - 1] if n <= len(q.preset_rows) else None
            default = ""
            if preset:  # the form prints these rows: offer them, the person fills the rest
                default = ", ".join(self._preset_cell(q, cid, preset) for cid in
                                    [c.id for c in q.columns][:len(preset)]) + ", "
            line = self._text(f"第 {n} 行", default=default, tabs=True)
            if line is None:
                return None
            if not line.strip() or (preset and line.strip().rstrip(",，").strip() == default.strip().rstrip(",").strip()):
                break
            if not lines and (self.conv.command_line(line) or is_none_word(line)):
                return line  # a whole command or 无 on the first line; any other line is a row
            pasted = [x for x in line.splitlines() if x.strip()]  # several rows pasted at once
            try:
                parse_rows(self.engine.flow.filled(q, self.engine.year), "\n".join(pasted), some=True)
            except RowsError as exc:  # rows counted from the table's first row, not the paste's
                _out(exc.render(partial(operator.add, n - 1)) + "\n请重新输入。")
                continue
            except InputError as exc:
                _out(f"{exc}\n请重新输入。")
                continue
            lines += pasted
        if not lines:
            return "" if isinstance(self.session.answers.get(q.id), list) else "无"
        return Rows(q.id, "\n".join(lines))

    @staticmethod
    def _preset_cell(q: Question, cid: str, preset: dict[str, Any]) -> str:
        col = q.column(cid)
        val = preset.get(cid, "")
        if col is not None and col.options:
            opt = next((o for o in col.options if o.id == val), None)
            return (opt.label or opt.id) if opt else str(val)
        return str(val)

    def _import(self, q: Question) -> Any:
        import questionary

        from assistant.files.tables import TableError
        from assistant.frontends.cli_import import preview_table
        from assistant.interview.lists import load_rows

        while True:
            raw = self._text("文件路径（.xlsx 或 .csv；空行返回）")
            if raw is None:
                return None
            if not raw.strip():
                return IMPORTED  # back to the same question
            try:
                rows = load_rows(self.engine, q.id, Path(raw.strip()).expanduser())
            except TableError as exc:
                _out(str(exc))
                continue
            preview_table(self.engine, q, rows)
            ok = questionary.confirm(f"导入这 {len(rows)} 行吗？", default=True, qmark="›").unsafe_ask()
            if ok is None:
                return None
            if not ok:
                _out("已取消，没有导入。")
                return IMPORTED
            self.show(self.conv.imported(q.id, rows, Path(raw.strip()).name))
            return IMPORTED

    # -- the standards matrix ------------------------------------------------------------------
    def _matrix(self, q: Question) -> str | None:
        cols = "、".join(self.engine.text(c.label) for c in q.cols)
        keep = q.id in self.session.answers
        _out(f"请按行填写，每行 {len(q.cols)} 个整数（{cols}），用空格分隔。"
             + ("直接回车保留当前答案；" if keep else "") + "第一行输入“无”表示全部为 0；"
             f"也可以在第一行写明类别一次填完，如“{q.rows[-1].label} 1 2，{q.rows[0].label} 0 3”。")
        nums: list[str] = []
        for i, r in enumerate(q.rows):
            line = self._text(f"{r.label}（{cols}）")
            if line is None:
                return None
            if i == 0 and (self.conv.recognise(q, line) is not None or is_none_word(line)
                           or (keep and not line.strip())):
                return line
            if i == 0 and (re.search(r"[^\d\s,，;；、.+\-]", line) or len(re.findall(r"\d+", line)) > len(q.cols)):
                return line  # named rows ("国家 1 2，行业 3 5") or all the numbers at once: the whole answer
            nums.append(line.strip())
        return " ".join(nums)


def _tab_inserts() -> Any:
    """Tab types a tab (cell separator) instead of asking for completions."""
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()

    @kb.add("c-i")
    def _(event: Any) -> None:
        event.current_buffer.insert_text("\t")

    return kb


def _select_all(buffer: Any) -> None:
    """Select the whole text the way Shift+arrows do: prompt_toolkit's shift-selection mode replaces the
    selection with what is typed (Backspace clears it, an arrow key ends the selection and moves)."""
    if not buffer.text:
        return
    buffer.cursor_position = 0
    buffer.start_selection()
    buffer.selection_state.enter_shift_mode()
    buffer.cursor_position = len(buffer.text)


def _replace_selection() -> Any:
    """What prompt_toolkit's shift-selection mode leaves out: a paste and Delete replace the selection
    too; Enter or Esc Enter on the selected old text submits it (kept: a multi-line prompt would put a
    line break in its place); Esc alone ends the selection."""
    from prompt_toolkit.filters import is_multiline, shift_selection_mode
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys

    kb = KeyBindings()

    @kb.add(Keys.BracketedPaste, filter=shift_selection_mode)
    def _(event: Any) -> None:
        event.current_buffer.cut_selection()
        event.current_buffer.insert_text(event.data.replace("\r\n", "\n").replace("\r", "\n"))

    @kb.add("delete", filter=shift_selection_mode)
    def _(event: Any) -> None:
        event.current_buffer.cut_selection()

    @kb.add("enter", filter=shift_selection_mode & is_multiline)
    @kb.add("escape", "enter", filter=shift_selection_mode & is_multiline)
    def _(event: Any) -> None:
        event.current_buffer.exit_selection()
        event.current_buffer.validate_and_handle()

    @kb.add("escape", filter=shift_selection_mode)
    def _(event: Any) -> None:
        event.current_buffer.exit_selection()

    return kb


def run_ask(session_id: str | None = None, form: str | None = None, year: int | None = None) -> int:
    from assistant.form.catalog import default_form, load_flow
    from assistant.session.store import SessionStore

    store = SessionStore()
    if session_id is None:
        flow = load_flow(form or default_form())
        title = flow.short_name
        year = year or flow.year_due()
        session_id = store.create(flow.form, title, year).id
        _out(f"已新建会话 {session_id}（{year} 年度）。{flow.edition_note()}中途可按 Ctrl-C 退出，答案会保存；"
             f"下次运行 `filing ask {session_id}` 继续。\n")
    with store.open(session_id) as handle:
        return Asker(handle).run()

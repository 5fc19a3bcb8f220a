"""The conversation: transcript, current question, the input fitted to it, outline sidebar.

All state lives in the engine/session; this screen shows it and forwards what is typed to
Conversation, which parses, answers chat words, writes the transcript and saves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.input import Selection

from assistant.frontends.tui.host import filing_app
from assistant.frontends.tui.widgets.chat_log import ChatLog
from assistant.frontends.tui.widgets.editors import QuestionEditor, RowsEditor, TextEditor
from assistant.frontends.tui.widgets.footer import KeyBar
from assistant.frontends.tui.widgets.marked_list import MarkedList
from assistant.frontends.tui.widgets.outline import Outline
from assistant.frontends.tui.widgets.question_panel import QuestionPanel
from assistant.frontends.tui.widgets.typing import hand_on
from assistant.interview.conversation import Conversation, Reply
from assistant.interview.engine import Engine
from assistant.interview.view import QuestionView
from assistant.text.textsafe import plain


class ChatInput(Input):
    """The one input line; a multi-line paste goes to the list table when one is shown.

    Public handlers only: on_key / on_paste run before Input's own, and prevent_default() keeps
    Input's from running when the line hands the key or paste on."""

    def on_key(self, event: events.Key) -> None:
        # Without bracketed paste a copied table arrives as keys: Tab types the cell separator
        # (instead of leaving the line), so the row reaches the table whole.
        screen = self.screen
        if event.key == "tab" and isinstance(screen, ConversationScreen) and screen.list_editor_active():
            event.stop()
            event.prevent_default()
            self.insert_text_at_cursor("\t")

    def on_paste(self, event: events.Paste) -> None:
        screen = self.screen
        if "\n" in event.text.strip() and isinstance(screen, ConversationScreen) and screen.list_editor_active():
            event.stop()
            event.prevent_default()
            screen.paste_rows(event.text)


class ConversationScreen(Screen[None]):
    AUTO_FOCUS = "#input"  # straight to the input line: focusing the outline first restyles the screen twice
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "本题说明"),
        Binding("f2", "toggle_outline", "大纲"),
        Binding("f3", "review", "检查"),
        Binding("f4", "preview", "预览"),
        Binding("f5", "export", "导出"),
        Binding("f6", "enterprises", "企业数据"),  # 用企业数据表计算; hidden where the form has no workbook
        Binding("ctrl+s", "submit_editor", "提交", priority=True),
        Binding("ctrl+b", "back", "上一题"),
        Binding("escape", "home", "首页"),
        Binding("up", "choice(-1)", show=False),
        Binding("down", "choice(1)", show=False),
    ]

    def __init__(self, handle: Any, clock: Callable[[], datetime] = datetime.now):
        super().__init__()
        self.handle = handle  # store.OpenSession: holds the lock while this screen lives
        self.clock = clock
        self.engine = Engine.for_session(handle.session)
        # In the browser the conversation reads only this tab's uploads (企业数据 by file name), never a server path.
        self.conv = Conversation(self.engine, save=self._save, export_hint="按 F5 导出 Word 文档",
                                 files=getattr(self.app, "browser", None))
        self.saved_at: datetime | None = None
        self._outline_forced: bool | None = None
        self._save_lock = threading.Lock()
        self._save_seq = 0  # saves requested (main thread)
        self._saved_seq = 0  # newest save on disk
        self._defer_save = False
        self._choice_rows: tuple[list[tuple[str, str]], int | None] = ([], None)
        self._prefilled_for: tuple[str | None, str | None] | None = None
        self._prefilled = ""  # the answer put on the line by _prefill (Enter on it unchanged keeps it)
        self._kept_for: tuple[str | None, str] | None = None  # (question, refused text kept on the line)
        self._editor: Any = None  # the list or long-text editor shown for the question (Ctrl+S submits it)
        self._greeting: tuple[int, bytes] | None = None
        # Greeting before the first layout, so the transcript's bubbles are laid out with the screen (no
        # second pass); its save waits for a worker (on_mount): compose only builds widgets.
        self._defer_save = True
        try:
            self.conv.start()
        finally:
            self._defer_save = False

    @property
    def session(self) -> Any:
        return self.handle.session

    def _save(self) -> None:
        """Every answer is on disk (fsync'd) before its reply is shown."""
        self._save_seq += 1
        seq = self._save_seq
        if self._defer_save:
            # Only the greeting changed: it is written by a worker once the screen is up, so the first
            # question shows at once; a later save of newer state wins (sequence numbers), never the reverse.
            self._greeting = (seq, self.session.to_json().encode("utf-8"))
            self.saved_at = self.clock()
            return
        with self._save_lock:
            self.handle.save()
            self._saved_seq = max(self._saved_seq, seq)
        self.saved_at = self.clock()

    def _write(self, seq: int, data: bytes) -> None:
        from assistant.files.atomic import atomic_write

        with self._save_lock:
            if self._saved_seq < seq:
                atomic_write(self.handle.store.path(self.session.id), data, keep_backup=True)
                self._saved_seq = seq

    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        if event.worker.group == "save" and event.state == WorkerState.ERROR:
            from assistant.text.fileerrors import describe

            exc = event.worker.error
            why = describe(exc) if isinstance(exc, OSError) else str(exc)
            self.notify(filing_app(self).shown(f"保存失败：{why}。下一次回答时会再保存。"), severity="error", timeout=10,
                        markup=False)

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Kept as attributes: every turn updates them, and a DOM query per update costs more than the update.
        self._outline = Outline(id="outline")
        self._chat = ChatLog(self.session.transcript, id="chat")
        self._panel = QuestionPanel(id="question")
        self._choices = MarkedList(id="choices")
        # select_on_focus off: coming back to the line never selects a half-typed answer (the next key would
        # replace it); an old answer on a revisit is selected by _prefill itself
        self._input = ChatInput(placeholder="在此输入回答，回车提交；输入 ? 查看说明", id="input", select_on_focus=False)
        self._status_line = Static(id="status")
        self._title_shown = self._title_text()
        self._title_bar = Static(plain(self._title_shown), id="title")  # the title is user text
        with Horizontal(id="body"):
            yield self._outline
            with Vertical(id="main") as self._main:
                yield self._title_bar
                yield self._chat
                yield self._panel
                yield self._choices
                yield self._input
                yield self._status_line
        yield KeyBar(optional=("f6",))

    def on_mount(self) -> None:
        filing_app(self).last_session = self.session.id
        filing_app(self).report_open(self.session.id)
        if self._greeting is not None:
            seq, data = self._greeting
            self._greeting = None
            self.run_worker(partial(self._write, seq, data), thread=True, group="save", exit_on_error=False)
        self.set_interval(2, self._flush_drafts)  # unsubmitted editor text reaches the disk within 2 s
        self._sync()
        self._apply_width(self.app.size.width)

    def on_resize(self, event: Any) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        narrow = width < 100
        self.set_class(narrow, "narrow")
        browser = getattr(self.app, "browser", None) is not None
        self.set_class(browser, "browser")
        # A browser at 1024 px is about 113 columns: the questions and the editors get the width.
        wide = width >= (120 if browser else 100)
        show = self._outline_forced if self._outline_forced is not None else wide
        self._outline.display = show

    # -- after every turn -----------------------------------------------------------------------
    def _sync(self) -> None:
        e = self.engine
        view = self.conv.view()
        q = e.current()
        kept = self._kept_for
        if kept and (q is None or kept[0] != q.id):  # a refused text was for that question, not this one
            if self._input.value == kept[1]:
                self._input.value = ""
            self._kept_for = None
        self._panel.show_view(view)
        self._fit_input(q, view)
        self._prefill(view)
        self._outline.refresh_from(e)
        self._status()
        title = self._title_text()  # an untitled 附件2 is named by its district once that is answered
        if title != self._title_shown:
            self._title_shown = title
            self._title_bar.update(plain(title))

    def _prefill(self, view: QuestionView) -> None:
        """Arriving at an answered question, the line holds its answer as typed: Enter keeps it."""
        inp = self._input
        key = (view.qid, view.current)
        if key == self._prefilled_for:
            return
        was = self._prefilled
        self._prefilled_for = key
        fill = view.current if (view.current is not None and view.choices is None and view.pending is None
                                 and not (view.kind.is_list or view.kind.narrative)) else None
        if inp.value in ("", was):  # never over what the person typed
            inp.value = fill or ""
            # selected: typing replaces it, an arrow key edits it, Enter keeps it
            inp.selection = Selection(0, len(inp.value)) if fill else Selection.cursor(0)
        self._prefilled = fill or ""

    def _title_text(self) -> str:
        s, e = self.session, self.engine
        return f"{e.report_name() or e.form_title()}　{e.flow.short_name} · {s.year} 年度 · 编号 {s.id}"

    def _status(self) -> None:
        p = self.engine.progress()
        saved = f"已保存 {self.saved_at:%H:%M:%S}" if self.saved_at else "已保存"
        self._status_line.update(f"✓ {saved}　进度 {p.answered}/{p.total}（{p.percent}%）")

    def _fit_input(self, q: Any, view: QuestionView) -> None:
        choices, inp = self._choices, self._input
        pending = view.pending
        kind = view.kind  # the question's type: which editor it is written in
        rows = view.choices  # the conversation says which one-key answers there are, and any default
        options = rows.rows if rows else []
        current = rows.current if rows else None
        if (options, current) != self._choice_rows:  # consecutive 是/否 questions keep the rows they have
            self._choice_rows = (options, current)
            choices.set_rows([(said, f"{i}. {shown}" + ("（当前答案）" if i - 1 == current else ""))
                              for i, (said, shown) in enumerate(options, 1)])
        if rows:
            choices.highlighted = rows.default  # None on questions with consequences: Enter records nothing
        choices.display = bool(options)
        # Editors are built per question (mounted only when needed: a faster start, no stale rows).
        # The editors (DataTable, TextArea) are imported on first need: the first question shows sooner.
        modal = pending is not None and pending.kind != "ambiguous"  # "answer or command?" keeps the editor
        want: type[QuestionEditor] | None = (None if modal or q is None else RowsEditor if kind.is_list
                                             else TextEditor if kind.narrative else None)
        ed = self._editor
        if ed is not None and not (want is not None and isinstance(ed, want) and q is not None and ed.qid == q.id):
            self.set_focus(inp)  # now, before the editor goes: focus must not pass through the chat log
            ed.remove()  # another question now; the same one (after "?" or a refusal) keeps unsaved edits
            ed = self._editor = None
        if ed is None and want is RowsEditor:
            from assistant.frontends.tui.widgets.list_editor import ListEditor

            ed = self._editor = ListEditor(q, self.session.answers.get(q.id), self.engine.text,
                                           draft=self.session.drafts.get(q.id), keep_draft=self._keep_draft,
                                           is_command=self._is_command)
            self._main.mount(ed, before=inp)
            inp.placeholder = "在上方表格编辑；此处可粘贴整表，或输入“无”、?"  # fits beside the outline at 80 columns
        elif ed is None and want is TextEditor:
            from assistant.frontends.tui.widgets.long_text import LongTextEditor

            ed = self._editor = LongTextEditor(self.engine, q, keep_draft=self._keep_draft,
                                               is_command=self._is_command)
            self._main.mount(ed, before=inp)
            inp.placeholder = "上方写文字，Ctrl+S 提交；此处可输 ?、返回、稍后"
        if want is None:
            inp.placeholder = ("输入序号回车，或上下键选择后回车" if pending is not None and pending.kind == "choose" else
                               "上下键选择后回车，或直接输入" if options else "在此输入回答，回车提交") + "；输入 ? 查看说明"
            inp.focus()

    def show_reply(self, reply: Reply, before: int) -> None:
        self._chat.add(self.session.transcript[before:], refused=reply.refused)
        self._sync()
        if reply.action == "preview":
            self.action_preview()
        elif reply.action == "quit":
            self.app.exit()
        elif reply.action == "enterprises":
            self.action_enterprises()

    def say(self, text: str) -> Reply:
        before = len(self.session.transcript)
        reply = self.conv.handle(text)
        self.show_reply(reply, before)
        return reply

    # -- input ----------------------------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        """A key typed on the transcript, the outline or the choices goes where the answer is typed: the
        text box of a narrative, else the input line (never dropped without a word)."""
        editor = self._editor
        target = editor.text_box() if isinstance(editor, TextEditor) else self._input
        hand_on(self, event, target)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "input":
            return
        event.stop()
        text = event.value
        if "\t" in text and self.list_editor_active():
            # a row typed or pasted as keys goes to the table, not on to the next question
            if self._editor.paste(text, focus=False):
                event.input.value = ""
            return
        if self.list_editor_active() and text.strip().lower() in self._editor.table_keys():
            # a/e/d act on the table only when it has focus: typed here they are neither rows nor an answer
            event.input.value = ""
            self._editor.focus_table()
            self.notify(f"“{text.strip()}”是表格的按键，只在表格有焦点时起作用。表格现在有焦点，请再按一次 {text.strip()}。")
            return
        choices = self.query_one("#choices", OptionList)
        highlighted = choices.highlighted if choices.display else None
        picked = not text.strip() and highlighted is not None
        if highlighted is not None and picked:
            text = choices.get_option_at_index(highlighted).id or ""
        elif self._prefilled and text == self._prefilled:
            text = ""  # the current answer, unchanged: keep it (no second reading, no confirmation)
        event.input.value = ""
        self._prefilled = ""
        reply = self.say(text)
        if reply.refused and not picked and not event.input.value:
            event.input.value = text  # a refused answer stays on the line for correction,
            event.input.selection = Selection(0, len(text))  # selected: typing replaces it, an arrow key edits it
            cur = self.engine.current()
            self._kept_for = (cur.id if cur else None, text)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "choices":
            event.stop()
            self.say(event.option.id or "")

    def action_choice(self, step: int) -> None:
        choices = self.query_one("#choices", OptionList)
        if choices.display and choices.option_count:
            cur = choices.highlighted
            start = -1 if step > 0 else 0  # nothing highlighted yet: down takes the first row, up the last
            choices.highlighted = ((start if cur is None else cur) + step) % choices.option_count

    def list_editor_active(self) -> bool:
        return isinstance(self._editor, RowsEditor)

    def paste_rows(self, text: str) -> None:
        self._editor.paste(text)

    def _is_command(self, line: str) -> bool:
        """A line typed in an editor that the conversation takes as a whole command (跳到 …, ?, 返回)."""
        return self.conv.command_line(line)

    def on_command(self, event: Any) -> None:
        """A command typed in a table cell or a text box: the conversation's; one that fails (跳到 a
        question that is not there) leaves the person where they were typing."""
        event.stop()
        here = self.engine.current()
        self._input.focus()
        reply = self.say(event.text)
        if reply.refused and self.engine.current() is here:
            self._focus_question()

    def on_keep(self, event: Any) -> None:
        """Enter on a narrative shown selected on a revisit: kept, as a bare Enter keeps the input line's."""
        event.stop()
        self.say("")

    def on_list_editor_import_requested(self, event: Any) -> None:
        event.stop()
        from assistant.frontends.tui.widgets.list_editor import ImportRowsDialog

        def done(result: tuple[list[dict[str, Any]], str] | None) -> None:
            if result is None:
                self._focus_question()
                return
            rows, name = result
            before = len(self.session.transcript)
            self.show_reply(self.conv.imported(event.qid, rows, name), before)

        self.app.push_screen(ImportRowsDialog(self.engine, event.qid), done)

    def on_list_editor_submitted(self, event: Any) -> None:
        event.stop()
        n = len(event.rows)
        before = len(self.session.transcript)
        reply = self.conv.submit(event.qid, event.rows, f"（提交名单，共 {n} 行）" if n else "无")
        if reply.refused:
            self._editor.show_errors(reply.messages[0] if reply.messages else "", reply.problems)
            self._chat.add(self.session.transcript[before:], refused=True)
            self._status()
        else:
            self.show_reply(reply, before)

    def on_long_text_editor_submitted(self, event: Any) -> None:
        event.stop()
        before = len(self.session.transcript)
        reply = self.conv.submit(event.qid, event.text, event.text)
        if reply.refused:
            self._chat.add(self.session.transcript[before:], refused=True)
            self._status()
        else:
            self.show_reply(reply, before)

    def action_submit_editor(self) -> None:
        editor = self._editor
        if isinstance(editor, RowsEditor):
            editor.submit()
        elif editor is not None:
            editor.action_submit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit_editor":
            return self._editor is not None
        if action == "enterprises":
            from assistant.interview.enterprises import has_spec

            return has_spec(self.session.form)
        return True

    # -- jumps ----------------------------------------------------------------------------------
    def jump(self, qid: str) -> None:
        q = self.engine.flow[qid]
        if q.calculated and q.evidence:
            qid = q.evidence[0]  # a calculated figure is changed through what it is computed from
        before = len(self.session.transcript)
        reply = self.conv.goto(qid)
        self.show_reply(reply, before)

    def on_outline_jump(self, event: Outline.Jump) -> None:
        event.stop()
        if event.kind == "section":
            first = self.engine.first_of(event.target)
            if first is None:
                self.notify("这一部分目前没有需要填写的题目。")
                return
            self.jump(first.id)
        else:
            self.jump(event.target)

    # -- actions --------------------------------------------------------------------------------
    def action_help(self) -> None:
        self.say("?")

    def action_back(self) -> None:
        self.say("返回")

    def action_toggle_outline(self) -> None:
        outline = self._outline
        self._outline_forced = not outline.display
        outline.display = self._outline_forced
        if outline.display:
            outline.refresh_from(self.engine)  # hidden, it was not kept up to date
            self.query_one("#outline-list").focus()
        else:
            self._focus_question()

    def _focus_question(self) -> None:
        """The one place focus goes for the question shown: its editor, else the input line."""
        if self._editor is not None and self._editor.is_mounted:
            self._editor.focus_editor()
        else:
            self._input.focus()

    def action_review(self) -> None:
        from assistant.frontends.tui.screens.review import ReviewScreen

        def done(qid: str | None) -> None:
            if qid:
                self.jump(qid)

        self.app.push_screen(ReviewScreen(self.engine), done)

    def action_preview(self) -> None:
        from assistant.frontends.tui.screens.preview import PreviewScreen

        self.app.push_screen(PreviewScreen(self.session))

    def action_export(self) -> None:
        from assistant.frontends.tui.screens.export import ExportDialog

        self.app.push_screen(ExportDialog(self.session))

    def action_enterprises(self) -> None:
        from assistant.frontends.tui.screens.enterprises import EnterpriseDialog

        def done(command: str | None) -> None:
            if command:
                self.say(command)

        self.app.push_screen(EnterpriseDialog(self.session), done)

    def unsent(self) -> bool:
        """Text typed and not sent: on the input line (other than the answer put there), or in an editor."""
        line = self._input.value
        if line.strip() and line != self._prefilled:
            return True
        q = self.engine.current()
        return self._editor is not None and q is not None and q.id in self.session.drafts

    def action_home(self) -> None:
        from assistant.frontends.tui.screens.home import HomeScreen

        self.close_session()
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
            home = self.app.screen
            if isinstance(home, HomeScreen):
                home.reload()
        else:  # opened directly with `filing resume ID`: this is the app's first screen, home comes on top
            self.app.push_screen(HomeScreen())

    # -- drafts: what is typed in an editor is kept even before it is submitted ----------------------
    def _keep_draft(self, qid: str, value: Any) -> None:
        self.session.drafts[qid] = value
        self._drafts_dirty = True

    def _flush_drafts(self) -> None:
        if getattr(self, "_drafts_dirty", False) and not self.handle.closed:
            self._drafts_dirty = False
            self._save()

    def close_session(self) -> None:
        self._flush_drafts()
        with self._save_lock:
            self.handle.close()
        filing_app(self).report_open(None)

    def on_unmount(self) -> None:
        self._flush_drafts()
        with self._save_lock:  # a background write finishes before the lock is let go
            self.handle.close()

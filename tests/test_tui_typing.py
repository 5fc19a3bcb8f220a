"""Nothing typed is dropped or misread, driven by real key presses: the F5 dialog keeps what is typed and
Enter never flips a box; a key typed on the transcript lands in the input; Enter on the home screen opens
the highlighted report; every choice and box shows its state without colour; a revisit is replaced by
typing and kept by Enter (single line, long text, tables)."""

from __future__ import annotations

import asyncio

import pytest
from test_tui_view import upto

from assistant.frontends.tui.app import FilingApp
from assistant.frontends.tui.screens.conversation import ConversationScreen
from assistant.frontends.tui.screens.home import NewSessionDialog
from assistant.session.store import SessionStore


def run(coro) -> None:
    asyncio.run(coro)


def plain(widget) -> str:
    """What the widget draws, as text: the state must read without its colours."""
    return str(widget.render())


async def opened(pilot, sid: str | None = None) -> ConversationScreen:
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ConversationScreen)
    return screen


# -- the F5 dialog ----------------------------------------------------------------------------------

@pytest.mark.slow  # a long run of keys through the TUI
def test_export_dialog_keeps_keys_typed_on_a_box_and_enter_there_exports_without_toggling(store: SessionStore,
                                                                                         tmp_path):
    sid = upto(store, "rd_expense")
    target = tmp_path / "导出" / "r.json"
    target.parent.mkdir()

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await opened(pilot)
            await pilot.press("f5")
            await pilot.pause()
            dialog = app.screen
            await pilot.press("shift+tab", "down", "down", "down")  # the arrows choose: JSON
            assert dialog.fmt() == "json"
            await pilot.press("tab", "tab", "tab")  # path, 覆盖, 草稿
            assert app.focused.id == "draft"
            await pilot.press("space")  # Space ticks the box it is on
            assert dialog.query_one("#draft").value
            await pilot.press("shift+tab")  # back on 覆盖已有文件, then the path typed there
            await pilot.press(*str(target))
            await pilot.pause()
            assert dialog.query_one("#path").value == str(target)  # every key, none dropped
            assert app.focused.id == "path"
            await pilot.press("tab")  # on 覆盖已有文件 again: Enter exports, the box stays as it was
            assert app.focused.id == "force"
            await pilot.press("enter")
            await pilot.pause()
            assert "已导出" in dialog.query_one("#export-result").plain, dialog.query_one("#export-result").plain
            assert dialog.query_one("#force").value is False
            assert dialog.query_one("#draft").value is True
            await pilot.press("enter")  # again, from the box: refused (the file exists), still not ticked
            await pilot.pause()
            assert "覆盖已有文件" in dialog.query_one("#export-result").plain
            assert dialog.query_one("#force").value is False

    run(go())
    assert target.exists()


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_export_dialog_keeps_what_was_typed_when_coming_back_to_the_path(store: SessionStore):
    sid = upto(store, "rd_expense")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await opened(pilot)
            await pilot.press("f5")
            await pilot.pause()
            dialog = app.screen
            await pilot.press(*"abc", "tab", "shift+tab", *"de")  # away and back: added to, not replaced
            await pilot.press("tab", "tab", "tab", *"f")  # typed on the 导出 button
            await pilot.pause()
            assert dialog.query_one("#path").value == "abcdef"

    run(go())


def test_export_dialog_radios_and_boxes_show_their_state_by_a_mark_not_a_colour(store: SessionStore):
    sid = upto(store, "rd_expense")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await opened(pilot)
            await pilot.press("f5")
            await pilot.pause()
            dialog = app.screen
            radios = list(dialog.query("#format RadioButton"))
            marks = [plain(r)[:3] for r in radios]
            assert marks == ["▐●▌"] + ["▐○▌"] * (len(radios) - 1), marks
            await pilot.press("shift+tab", "down")
            await pilot.pause()
            marks = [plain(r)[:3] for r in radios]
            assert marks[1] == "▐●▌" and marks.count("▐●▌") == 1, marks
            draft = dialog.query_one("#draft")
            assert plain(draft).startswith("▐ ▌") and plain(draft).endswith("：否 ")
            draft.value = True
            await pilot.pause()
            assert plain(draft).startswith("▐✓▌") and plain(draft).endswith("：是 ")

    run(go())


# -- keys typed on the transcript --------------------------------------------------------------------

@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_keys_typed_on_the_transcript_or_the_outline_land_in_the_input(store: SessionStore):
    sid = upto(store, "leading_industry")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await opened(pilot)
            inp = screen.query_one("#input")
            screen.query_one("#chat").focus()
            await pilot.pause()
            await pilot.press(*"智能", "1")
            await pilot.pause()
            assert app.focused is inp and inp.value == "智能1"
            screen.query_one("#outline-list").focus()
            await pilot.pause()
            await pilot.press("2")  # added where the typing was, not over it
            await pilot.pause()
            assert app.focused is inp and inp.value == "智能12"
            # on a revisit the old answer is selected: a key typed on the transcript replaces it there too
            inp.value = ""
            await pilot.press("ctrl+b")
            await pilot.pause()
            assert screen.engine.current().id == "area_km2" and inp.value == "3.80"
            screen.query_one("#chat").focus()
            await pilot.pause()
            await pilot.press("4", "enter")
            await pilot.pause()
            assert screen.session.answers["area_km2"] == "4.00"

    run(go())


def test_characters_arriving_at_once_on_the_transcript_all_land_in_order(store: SessionStore):
    """An input method commits several characters in one go: they reach the transcript before focus moves."""
    from textual import events

    sid = upto(store, "leading_industry")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await opened(pilot)
            screen.query_one("#chat").focus()
            await pilot.pause()
            for ch in "智能传感器":
                app.post_message(events.Key(ch, ch))
            await pilot.pause()
            assert screen.query_one("#input").value == "智能传感器"

    run(go())


def test_keys_typed_on_the_transcript_of_a_narrative_land_in_its_text_box(store: SessionStore):
    sid = upto(store, "overview")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await opened(pilot)
            area = screen.query_one("#longtext")
            screen.query_one("#chat").focus()
            await pilot.pause()
            await pilot.press(*"集群")
            await pilot.pause()
            assert app.focused is area and area.text == "集群"

    run(go())


# -- home --------------------------------------------------------------------------------------------

def test_home_tab_then_enter_opens_the_highlighted_report(store: SessionStore):
    first = upto(store, "area_km2")
    second = upto(store, "total_output")

    async def go():
        app = FilingApp(store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#sessions")
            await pilot.press("down")
            wanted = str(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)
            assert wanted in (first, second)
            await pilot.press("tab")
            actions = app.screen.query_one("#home-actions")
            assert app.focused is actions and actions.highlighted is None  # no action looks chosen
            assert not any(str(actions.get_option_at_index(i).prompt).startswith("▶")
                           for i in range(actions.option_count))
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ConversationScreen) and app.screen.session.id == wanted

    run(go())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_home_an_action_chosen_with_an_arrow_or_n_is_marked_and_taken_by_enter(store: SessionStore):
    upto(store, "area_km2")

    async def go():
        app = FilingApp(store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            home = app.screen
            actions = home.query_one("#home-actions")
            await pilot.press("tab", "down")
            rows = [str(actions.get_option_at_index(i).prompt) for i in range(actions.option_count)]
            assert rows[0].startswith("▶ ＋ 新建") and not any(r.startswith("▶") for r in rows[1:]), rows
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, NewSessionDialog)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("tab")  # back to the reports, then n: the first action, marked
            await pilot.press("n")
            await pilot.pause()
            assert app.focused is actions and actions.highlighted == 0
            assert str(actions.get_option_at_index(0).prompt).startswith("▶ ")
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, NewSessionDialog)

    run(go())


# -- choice questions --------------------------------------------------------------------------------

def test_the_choice_enter_takes_is_marked_not_only_coloured(store: SessionStore):
    sid = upto(store, "industry_changed")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await opened(pilot)
            choices = screen.query_one("#choices")

            def rows() -> list[str]:
                return [str(choices.get_option_at_index(i).prompt) for i in range(choices.option_count)]

            marked = [r for r in rows() if r.startswith("▶")]
            assert len(marked) == (0 if choices.highlighted is None else 1), rows()
            await pilot.press("down")
            await pilot.pause()
            assert [r.startswith("▶") for r in rows()] == [i == choices.highlighted for i in range(len(rows()))]
            await pilot.press("down")
            await pilot.pause()
            assert [r.startswith("▶") for r in rows()] == [i == choices.highlighted for i in range(len(rows()))]
            assert sum(r.startswith("▶") for r in rows()) == 1

    run(go())


# -- a revisit: typing replaces, Enter alone keeps, for every kind of input ---------------------------

@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_revisited_single_line_typed_over_with_real_keys_replaces_and_enter_keeps(store: SessionStore):
    sid = upto(store, "sme_output_share")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await opened(pilot)
            await pilot.press("ctrl+b")
            await pilot.pause()
            inp = screen.query_one("#input")
            assert screen.engine.current().id == "total_output" and inp.value == "128.60"
            await pilot.press("9", "7", "enter")
            await pilot.pause()
            while screen.session.pending:  # a figure without its unit is confirmed
                await pilot.press("enter")
                await pilot.pause()
            assert screen.session.answers["total_output"] == "97.00"  # not 128.6097
            await pilot.press("ctrl+b")
            await pilot.pause()
            assert inp.value == "97.00"
            await pilot.press("enter")
            await pilot.pause()
            assert screen.session.answers["total_output"] == "97.00"
            assert screen.engine.current().id == "sme_output_share"
            # a text answer: typed over, replaced whole
            await pilot.press("ctrl+b")
            await pilot.pause()
            while screen.engine.current().id != "leading_industry":
                await pilot.press("ctrl+b")
                await pilot.pause()
            old = screen.session.answers["leading_industry"]
            assert inp.value == old and (inp.selection.start, inp.selection.end) == (0, len(old))  # selected
            await pilot.press(*"传感器")
            await pilot.press("enter")
            await pilot.pause()
            assert screen.session.answers["leading_industry"] == "传感器"

    run(go())


@pytest.mark.slow  # a long run of keys through the TUI
def test_revisited_long_text_is_selected_typing_replaces_it_and_enter_keeps_it(store: SessionStore):
    sid = upto(store, "achievements")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await opened(pilot)
            before = screen.session.answers["overview"]
            await pilot.press("ctrl+b")
            await pilot.pause()
            assert screen.engine.current().id == "overview"
            area = screen.query_one("#longtext")
            assert area.text == before and area.selected_text == before  # shown, selected
            assert "（直接回车或 Ctrl+S 保留）" in screen.query_one("#question").plain
            await pilot.press("enter")  # Enter alone keeps it, as on the input line
            await pilot.pause()
            assert screen.session.answers["overview"] == before
            assert screen.engine.current().id == "achievements"
            assert any("保留原答案" in str(e.get("text", "")) for e in screen.session.transcript[-3:])
            await pilot.press("ctrl+b")
            await pilot.pause()
            area = screen.query_one("#longtext")
            await pilot.press("question_mark", "enter")  # a command typed over it: said, and the text stays
            await pilot.pause()
            assert screen.session.transcript[-1].get("kind") == "help", screen.session.transcript[-1]
            assert area.text == before and area.selected_text == before
            area.focus()  # back in the box (the command left focus on the input line)
            await pilot.pause()
            await pilot.press(*"集群概况")  # typing replaces the old text, never adds to it
            await pilot.pause()
            assert area.text == "集群概况"
            await pilot.press("enter")  # now a new line, as in any text box
            await pilot.pause()
            assert area.text == "集群概况\n" and screen.engine.current().id == "overview"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen.session.answers["overview"] == "集群概况"

    run(go())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_revisited_tables_keep_with_ctrl_s_and_a_typed_cell_replaces_the_old_one(store: SessionStore):
    sid = upto(store, "key_work_items")  # the question after the targets table

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await opened(pilot)
            await pilot.press("ctrl+b")
            await pilot.pause()
            assert screen.engine.current().id == "targets"
            table = screen._editor.table
            old = table.rows[0][2]
            assert old  # the target of the first printed row
            table.move_cursor(0, 2)
            await pilot.press(*"15%", "enter")
            await pilot.pause()
            assert table.rows[0][2] == "15%" and old != "15%"  # replaced, not appended
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen.session.answers["targets"][0]["target"] == "15%"

    run(go())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_revisited_list_row_opened_with_enter_is_replaced_by_typing(store: SessionStore):
    sid = upto(store, "little_giant_count")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await opened(pilot)
            await pilot.press("ctrl+b")
            await pilot.pause()
            assert screen.engine.current().id == "specialized_list"
            before = screen.session.answers["specialized_list"]
            await pilot.press("ctrl+s")  # Ctrl+S alone keeps the list
            await pilot.pause()
            assert screen.session.answers["specialized_list"] == before
            await pilot.press("ctrl+b")
            await pilot.pause()
            await pilot.press("enter")  # the first row, in its dialog: its name selected
            await pilot.pause()
            await pilot.press(*"甲公司", "enter", "enter")
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen.session.answers["specialized_list"][0]["name"] == "甲公司"
            assert screen.session.answers["specialized_list"][0]["credit_code"] == before[0]["credit_code"]

    run(go())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_export_result_is_on_screen_at_80x24(store: SessionStore, tmp_path):
    """The dialog is taller than 24 lines: what was written (or why not) is scrolled into view, not cut off."""
    sid = upto(store, "rd_expense")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await opened(pilot)
            await pilot.press("f5")
            await pilot.pause()
            await pilot.press("enter")  # refused: the report is not finished
            await pilot.pause()
            await pilot.pause()
            shown = app.export_screenshot()
            assert "未能导出" in shown and "草稿" in shown

    run(go())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_enterprise_dialog_keeps_keys_typed_on_its_buttons(store: SessionStore):
    sid = upto(store, "rd_expense")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await opened(pilot)
            await pilot.press("f6")
            await pilot.pause()
            await pilot.press(*"a.x", "tab", *"lsx")
            await pilot.pause()
            assert app.screen.query_one("#paths").value == "a.xlsx"

    run(go())


def test_export_dialog_arrows_choose_the_format_from_the_path_and_keys_in_a_burst_all_count(store: SessionStore):
    """Down did nothing while the path had the focus (as the dialog opens); four Downs sent at once moved one step."""
    sid = upto(store, "rd_expense")

    async def go():
        app = FilingApp(sid, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await opened(pilot)
            await pilot.press("f5")
            await pilot.pause()
            dialog = app.screen
            assert app.focused.id == "path"
            await pilot.press("down")
            await pilot.pause()
            assert dialog.fmt() == "pdf" and app.focused.id == "path"
            for _ in range(3):  # as a terminal delivers keys typed quickly: no message handled in between
                dialog.action_format(1)
            await pilot.pause()
            assert dialog.fmt() == "package"
            await pilot.press("up")
            await pilot.pause()
            assert dialog.fmt() == "json"
            marks = [plain(r)[:3] for r in dialog.query("#format RadioButton")]
            assert marks.count("▐●▌") == 1 and marks[3] == "▐●▌", marks

    run(go())

"""Input widgets fitted to the question: list table, long text, choices; narrow layout."""

from __future__ import annotations

import asyncio
import unicodedata

import pytest
from textual import events
from tui_support import paste_into, type_line

from assistant.frontends.tui.app import FilingApp
from assistant.frontends.tui.widgets.cjk import wrap_text
from assistant.frontends.tui.widgets.list_editor import ListEditor, RowDialog
from assistant.frontends.tui.widgets.long_text import LongTextEditor
from assistant.interview.engine import Engine
from assistant.session.store import SessionStore


def _session_at(store: SessionStore, qid: str, answers: dict | None = None):
    s = store.create("annual_report", "部件", 2023)
    e = Engine.for_session(s)
    if answers:
        assert not e.apply_many(answers)
    e.jump(qid)
    store.save(s)
    return s


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_list_table_add_edit_delete_paste_and_row_errors(store: SessionStore):
    s = _session_at(store, "specialized_list", {"specialized_count": "2"})

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            editor = screen.query_one(ListEditor)
            # paste two rows from Excel, one with a bad credit code: refused, rows kept, error shown
            await paste_into(pilot, screen.query_one("#rows"),
                             "名称\t统一社会信用代码\n甲公司\t9131052602TH3BJ1X4\n乙公司\t123\n")
            assert len(editor.rows) == 2
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "specialized_list" not in screen.session.answers
            assert "第 2 行" in screen.query_one("#row-errors").plain
            # edit row 2 in the row dialog: Enter moves on, Enter on the last field saves
            await pilot.press("down", "e")
            await pilot.pause()
            assert isinstance(app.screen, RowDialog)
            await pilot.press("enter")
            app.screen.query_one("#cell-1").value = "913108301DD272HD15"
            await pilot.press("enter")
            await pilot.pause()
            assert editor.rows[1] == ["乙公司", "913108301DD272HD15"]
            # add a row then delete it
            await pilot.press("a")
            await pilot.pause()
            app.screen.query_one("#cell-0").value = "丙公司"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert len(editor.rows) == 3
            await pilot.press("d")
            await pilot.pause()
            assert [r[0] for r in editor.rows] == ["甲公司", "乙公司"]
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert [r["name"] for r in screen.session.answers["specialized_list"]] == ["甲公司", "乙公司"]
            assert screen.engine.current().id != "specialized_list"

    asyncio.run(run())


def test_long_text_live_count_against_part_seven_total(store: SessionStore):
    s = _session_at(store, "key_work", {"overview": "甲" * 2000, "achievements": "乙" * 900})

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            editor = screen.query_one(LongTextEditor)
            await paste_into(pilot, screen.query_one("#longtext"), "丙" * 150)
            count = screen.query_one("#count")
            assert "本段 150/3000 字" in count.plain and "六段合计 3050/3000 字" in count.plain
            assert count.has_class("over")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen.session.answers["key_work"] == "丙" * 150  # stored; the total is a finding
            assert (editor is not None and not screen.query(LongTextEditor)) or screen.engine.current().id != "key_work"

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_three_way_choice_with_arrows_and_typed(store: SessionStore):
    s = _session_at(store, "waste_vs_industry")

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert screen.has_class("narrow") and not screen.query_one("#outline").display
            assert screen.query_one("#choices").highlighted is None  # nothing preselected: it has consequences
            await pilot.press("down", "down", "down", "enter")
            await pilot.pause()
            assert screen.session.answers["waste_vs_industry"] == "na"
            assert "waste_utilization" in screen.engine.state.not_applicable
            screen.jump("waste_vs_industry")
            await pilot.pause()
            await type_line(pilot, "是")
            assert screen.session.answers["waste_vs_industry"] == "yes"
            assert screen.engine.current().id == "waste_utilization"  # newly relevant: asked next
            await pilot.press("f2")
            await pilot.pause()
            assert screen.query_one("#outline").display

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_converted_value_confirmed_inline(store: SessionStore):
    s = _session_at(store, "rd_expense")

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            await type_line(pilot, "3.56亿")
            assert screen.session.pending and "rd_expense" not in screen.session.answers
            assert "对吗" in screen.session.transcript[-1]["text"]
            assert screen.query_one("#choices").display
            await pilot.press("enter")
            await pilot.pause()
            assert screen.session.answers["rd_expense"] == "35600.00"

    asyncio.run(run())


def test_chinese_wrap_breaks_anywhere_but_keeps_numbers_and_punctuation():
    from rich.text import Text

    lines = wrap_text(Text("共 61 题左右，每答一题都会自动保存，可以随时退出。"), 12).plain.split("\n")
    assert all(len(line) * 2 <= 12 + 2 for line in lines)
    assert not any(line.startswith(("，", "。")) for line in lines)
    assert "61" in "".join(lines)


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_home_new_report_and_import_json(store: SessionStore, tmp_path):
    from conftest import make_session

    from assistant.report.export import export_session

    done = make_session(store, "annual")
    exported = export_session(done, "json", tmp_path / "报告.json")

    async def run() -> None:
        app = FilingApp(store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            home = app.screen
            assert home.query_one("#sessions").row_count == 1
            # a bad path: a clear Chinese message, nothing created
            await pilot.press("i")
            await pilot.pause()
            app.screen.query_one("#import-path").insert_text_at_cursor(str(tmp_path / "没有.json"))
            await pilot.press("enter")
            await pilot.pause()
            assert "未能导入" in app.screen.query_one("#import-result").plain
            inp = app.screen.query_one("#import-path")
            inp.value = str(exported)
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert screen.__class__.__name__ == "ConversationScreen"
            assert screen.session.answers["cluster_name"] == done.answers["cluster_name"]
            await pilot.press("escape")  # back home: the list shows both, the lock is released
            await pilot.pause()
            assert app.screen.query_one("#sessions").row_count == 2
            # a new district summary: n lists the forms (from the data), the second is chosen
            await pilot.press("n")
            await pilot.pause()
            assert app.screen.query_one("#home-actions").has_focus
            await pilot.press("down", "enter")
            await pilot.pause()
            app.screen.query_one("#new-title").insert_text_at_cursor("浦东新区汇总")
            assert app.screen.query_one("#year").value.isdigit()
            await pilot.press("enter")  # Enter in the title creates the report (the year has its default)
            await pilot.pause()
            conv = app.screen
            assert conv.session.form == "district_summary" and conv.session.title == "浦东新区汇总"
            assert conv.engine.current().id == "district_name"

    asyncio.run(run())


def test_key_bar_shows_the_screen_keys_and_a_click_presses_one(store: SessionStore):
    from rich.cells import cell_len

    from assistant.frontends.tui.screens.review import ReviewScreen
    from assistant.frontends.tui.widgets.footer import KeyBar

    s = _session_at(store, "cluster_name")

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            bar = app.screen.query_one(KeyBar)
            shown = [(desc, enabled) for _, _, desc, enabled in bar.keys]
            assert ("检查", True) in shown and ("退出", True) in shown
            assert "提交" not in [d for d, _ in shown]  # Ctrl+S only while an editor is open
            line = bar.render().plain
            assert "f3 检查" in line and "^q 退出" in line
            x = cell_len(line[: line.index("f3")])  # Chinese descriptions are two cells wide
            await pilot.hover(KeyBar, offset=(x, 0))
            assert bar._hover == "f3"
            await pilot.click(KeyBar, offset=(x, 0))
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            assert "f3" not in [k for k, *_ in app.screen.query_one(KeyBar).keys]  # the review screen's own keys

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_f6_is_on_the_key_bar_only_where_the_form_has_an_enterprise_workbook(store: SessionStore):
    from rich.cells import cell_len

    from assistant.frontends.tui.screens.enterprises import EnterpriseDialog
    from assistant.frontends.tui.widgets.footer import KeyBar

    annual = _session_at(store, "cluster_name")
    district = store.create("district_summary", "区", 2023)

    async def run() -> None:
        app = FilingApp(annual.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            line = app.screen.query_one(KeyBar).render().plain
            assert "f6 企业数据" in line and "f1 本题说明" in line
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            line = app.screen.query_one(KeyBar).render().plain  # too narrow: F6 (also in help) gives way
            assert "f6" not in line and all(f"f{i}" in line for i in range(1, 6)) and cell_len(line.rstrip()) <= 80
            await pilot.press("f6")  # still a key
            await pilot.pause()
            assert isinstance(app.screen, EnterpriseDialog)
        app = FilingApp(district.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert "f6" not in screen.query_one(KeyBar).render().plain
            await pilot.press("f6")
            await pilot.pause()
            assert app.screen is screen

    asyncio.run(run())


def test_the_command_word_alone_asks_then_opens_the_enterprise_dialog(store: SessionStore):
    from assistant.frontends.tui.screens.enterprises import EnterpriseDialog

    s = _session_at(store, "cluster_name")

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(110, 32)) as pilot:
            await pilot.pause()
            screen = app.screen
            await type_line(pilot, "企业数据")
            assert "2 用企业数据表计算" in screen.conv.view().pending.prompt
            await type_line(pilot, "2")
            assert isinstance(app.screen, EnterpriseDialog) and "cluster_name" not in screen.session.answers

    asyncio.run(run())


def test_outline_rows_redrawn_after_an_answer(store: SessionStore):
    from assistant.frontends.tui.widgets.outline import OutlineList

    s = _session_at(store, "cluster_name")

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            ol = app.screen.query_one(OutlineList)

            def drawn(qid: str) -> str:  # the row as painted, not as stored
                index = next(i for i in range(ol.option_count) if ol.get_option_at_index(i).id == qid)
                return ol.render_line(index - int(ol.scroll_offset.y)).text

            assert "▶" in drawn("cluster_name") and "·" in drawn("operator_name")
            await type_line(pilot, "甲集群")
            assert "✓" in drawn("cluster_name") and "▶" in drawn("operator_name")
            assert "1/" in drawn("§" + app.screen.engine.flow.section_of["cluster_name"].id)

    asyncio.run(run())


def test_key_bar_fits_80_columns_with_an_editor_open(store: SessionStore):
    from rich.cells import cell_len

    from assistant.frontends.tui.widgets.footer import KeyBar

    s = _session_at(store, "specialized_list", {"specialized_count": "2"})

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            line = app.screen.query_one(KeyBar).render().plain
            assert "^s 提交" in line and "^q 退出" in line and cell_len(line.rstrip()) <= 80
            x = cell_len(line[: line.index("^q")])
            await pilot.click(KeyBar, offset=(x, 0))  # the compact row is clickable too
            await pilot.pause()
            assert app.return_code == 0  # Ctrl+Q pressed: the app is leaving

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_paste_splits_rows_as_the_input_line_does(store: SessionStore):
    from assistant.form.parse import split_text_rows

    one = _session_at(store, "platform_national_names", {"platform_national_count": "2"})
    two = _session_at(store, "specialized_list", {"specialized_count": "3"})
    names = "上海甲科技有限公司、上海乙传感有限公司、上海丙物联网有限公司"

    async def run() -> None:
        app = FilingApp(one.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            editor = screen.query_one(ListEditor)
            said = "国家智能传感器创新中心、国家物联网创新平台"
            await paste_into(pilot, screen.query_one("#rows"), said)
            assert editor.rows == [["国家智能传感器创新中心"], ["国家物联网创新平台"]]
            assert editor.rows == split_text_rows(1, said)  # the input line's rule, not a second one
            assert "已粘贴 2 行" in screen.query_one("#list-note").plain
        app = FilingApp(two.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            editor = screen.query_one(ListEditor)
            # three names on one line of a two-column list: several rows or one row's cells? Not guessed.
            await paste_into(pilot, screen.query_one("#rows"), names.replace("、", ","))
            assert editor.rows == []
            said = screen.query_one("#row-errors").plain
            assert "3 项" in said and "每行粘贴一条" in said, said
            await paste_into(pilot, screen.query_one("#rows"), names.replace("、", "\n"))
            assert [r[0] for r in editor.rows] == names.split("、")
            assert "已粘贴 3 行" in screen.query_one("#list-note").plain
            assert not screen.query_one("#row-errors-box").display
            # an ASCII comma between the cells of a row, as on the input line
            await paste_into(pilot, screen.query_one("#rows"), "上海丁智能有限公司,91310115MA1K4A2B3A")
            assert editor.rows[-1] == ["上海丁智能有限公司", "91310115MA1K4A2B3A"]
            # Chinese punctuation is text of the cell, never a separator
            await paste_into(pilot, screen.query_one("#rows"), "上海戊（智能、传感）有限公司，浦东")
            assert editor.rows[-1] == ["上海戊（智能、传感）有限公司，浦东"]

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys through the TUI
def test_table_columns_use_the_width_and_a_long_cell_leaves_the_others_on_screen(store: SessionStore):
    two = _session_at(store, "specialized_list", {"specialized_count": "1"})
    targets = _session_at(store, "targets")

    async def run() -> None:
        app = FilingApp(two.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            table = screen.query_one("#rows")
            await paste_into(pilot, table, "上海甲科技有限公司\t91310115MA1K4A2B3A\n")
            room = table.scrollable_content_region.width
            line = table.render_line(1).text
            assert "上海甲科技有限公司" in line and "91310115MA1K4A2B3A" in line, line
            assert table.virtual_size.width == room  # spare width given to the columns, none left over
            assert table.column_widths[0] > table.column_widths[1]  # to the text column first
        app = FilingApp(targets.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            editor = screen.query_one(ListEditor)
            table = editor.table
            await pilot.press("right", "right", *"1234567890" * 8, "enter")
            await pilot.pause()
            assert editor.rows[0][2] == "1234567890" * 8
            # every column stays on screen, none under the scrollbar: no sideways scrolling
            assert table.virtual_size.width <= table.scrollable_content_region.width
            assert "2023 年完成值" in table.render_line(0).text

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_chinese_punctuation_typed_in_a_targets_cell_stays_in_that_cell(store: SessionStore):
    """，、； typed in a 定性描述 cell are text: the row keeps its four columns and the text is stored as typed."""
    s = _session_at(store, "targets")
    typed = "推动甲、乙两家企业出海；完成展会3场，超额"

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            editor = app.screen.query_one(ListEditor)
            table = editor.table
            table.focus()
            table.move_cursor(7, 3)  # 开放合作 · 定性描述 · 完成值
            await pilot.pause()
            for ch in typed:  # as a terminal sends them (Pilot.press drops the character of ，、；)
                key = ch if ch.isalnum() else unicodedata.name(ch).lower().replace(" ", "_")
                app.screen.focused.post_message(events.Key(key, ch))
                await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert editor.rows[7] == ["开放合作", "定性描述", "", typed]
            for row in editor.rows:  # the other cells, so the table can be submitted
                row[2] = row[2] or "10%"
                row[3] = row[3] or "12%"
            editor.submit()
            await pilot.pause()
            assert app.screen.session.answers["targets"][7]["actual"] == typed

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_a_cell_being_typed_shows_its_end_where_the_typing_is(store: SessionStore):
    """A long 定性描述 typed into a narrow cell showed only its start (在德国设立子…): the typing was out of sight."""
    s = _session_at(store, "targets")
    typed = "在德国设立子公司，新增出口合作项目三项，成效明显"

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            editor = app.screen.query_one(ListEditor)
            table = editor.table
            table.focus()
            table.move_cursor(7, 3)
            await pilot.pause()
            for ch in typed:
                key = ch if ch.isalnum() else unicodedata.name(ch).lower().replace(" ", "_")
                app.screen.focused.post_message(events.Key(key, ch))
                await pilot.pause()
            shown = "".join(seg.text for seg in table.render_line(table.cursor_row + 1 - int(table.scroll_offset.y)))
            assert "成效明显▏" in shown and "…" in shown, shown

    asyncio.run(run())

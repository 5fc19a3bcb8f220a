"""The operator's whole journey through the Textual app, driven by the Pilot like a person."""

from __future__ import annotations

import asyncio

import pytest
from conftest import sample_answers
from tui_support import answer_current, pick_in_outline, type_line

from assistant.frontends.tui.app import FilingApp
from assistant.frontends.tui.screens.conversation import ConversationScreen
from assistant.frontends.tui.screens.review import ReviewScreen
from assistant.frontends.tui.widgets.chat_log import Bubble
from assistant.interview.findings import blocking
from assistant.session.store import SessionStore


def bubbles(screen) -> list[str]:
    return [b.plain for b in screen.query(Bubble)]


async def fill_until(pilot, answers: dict, stop_section: str | None) -> None:
    screen = pilot.app.screen
    while (q := screen.engine.current()) is not None:
        if stop_section and screen.engine.flow.section_of[q.id].id == stop_section:
            return
        qid = await answer_current(pilot, answers)
        assert qid in screen.session.answers, screen.session.transcript[-1]["text"]


@pytest.mark.slow  # the whole annual report, typed: a journey
def test_whole_annual_report_typed_help_back_quit_resume_review_export(store: SessionStore, tmp_path):
    asyncio.run(_journey(store, tmp_path))


async def _journey(store: SessionStore, tmp_path):
    answers = sample_answers("annual")
    session = store.create("annual_report", "浦江集群", 2023)

    # -- first sitting: cover to part 三, help midway, change an earlier answer, quit -------------
    app = FilingApp(session.id, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        assert "您好" in bubbles(screen)[0]
        await fill_until(pilot, answers, "part2")

        # help without leaving the chat: F1 explains, the glossary answers, the question repeats
        q = screen.engine.current()
        await pilot.press("f1")
        await pilot.pause()
        assert f"关于“{screen.engine.label(q)}”" in bubbles(screen)[-1]
        await type_line(pilot, "什么是从业人员")
        said = bubbles(screen)
        assert "从业人员" in said[-2] and screen.engine.text(q.ask) in said[-1]
        assert screen.engine.current().id == q.id

        await fill_until(pilot, answers, "part4")
        later = dict(screen.session.answers)
        stopped_at = screen.engine.current().id

        # a refused value is answered inline with the reason and changes nothing
        await type_line(pilot, "很多")
        assert screen.query(Bubble).last().has_class("refused")
        assert screen.session.answers == later

        # go back through the outline and change an earlier answer; later answers stay
        outline = screen.query_one("#outline")
        await pick_in_outline(pilot, "§part1")  # a part: the interview moves there and its questions open
        assert screen.engine.current().id == "operator_changed"
        assert "✓" in outline.label("area_km2")
        await pick_in_outline(pilot, "area_km2")
        assert screen.engine.current().id == "area_km2"
        await type_line(pilot, "4.2")
        assert screen.session.answers["area_km2"] == "4.20"
        assert all(k in screen.session.answers for k in later)
        assert screen.engine.current().id == stopped_at  # back where the interview stood

        # relevance recomputed at once: 是 makes the previous-operator questions appear
        screen.jump("operator_changed")
        await pilot.pause()
        await pilot.press("enter")  # 是 is the first option and highlighted? the stored 否 is
        await pilot.pause()
        assert screen.engine.current().id == stopped_at  # Enter kept 否
        screen.jump("operator_changed")
        await pilot.pause()
        await pilot.press("up", "enter")  # arrows pick 是
        await pilot.pause()
        assert screen.session.answers["operator_changed"] is True
        assert screen.engine.current().id == "operator_prev_name"
        assert "▶" in outline.label("operator_prev_name") and "不需填" not in outline.label("operator_prev_name")
        await type_line(pilot, "返回")
        await pilot.press("down", "enter")  # back to 否
        await pilot.pause()
        assert screen.session.answers["operator_changed"] is False
        assert screen.engine.current().id == stopped_at
        await pick_in_outline(pilot, "§part1")
        assert "不需填" in outline.label("operator_prev_name")  # greyed out at once
        screen.jump(stopped_at)
        await pilot.pause()
        assert "已保存" in str(screen.query_one("#status").render())
        last_text = screen.session.transcript[-1]["text"]
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running

    # the lock was released and everything typed is on disk
    with store.open(session.id) as h:
        assert h.session.cursor == stopped_at
        assert h.session.transcript[-1]["text"] == last_text

    # -- second sitting: resumed at the same question with the transcript ----------------------
    app = FilingApp(session.id, store=store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.engine.current().id == stopped_at
        shown = bubbles(screen)
        assert any("\n".join(last_text.splitlines()[:2]) in b for b in shown)  # questions: the ask lines
        assert "欢迎回来" in shown[-2]
        await fill_until(pilot, answers, None)
        assert not blocking(screen.engine.findings())
        assert "全部填写完毕" in bubbles(screen)[-1]
        assert screen.session.answers["problems"] == answers["problems"]  # long text pasted once, intact
        assert len(screen.session.answers["patent_list"]) == len(answers["patent_list"])

        # review: every answer by part; selecting one jumps to it
        await pilot.press("f3")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen)
        ol = review.query_one("#review-list")
        idx = next(i for i in range(ol.option_count) if ol.get_option_at_index(i).id == "contact_name")
        ol.highlighted = idx
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and screen.engine.current().id == "contact_name"
        await type_line(pilot, "")  # Enter keeps the answer
        assert screen.session.answers["contact_name"] == "王晓明"

        # export to docx through the dialog
        out = tmp_path / "报告.docx"
        await pilot.press("f5")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#path").insert_text_at_cursor(str(out))
        await pilot.press("enter")
        await pilot.pause()
        result = dialog.query_one("#export-result").plain
        assert str(out) in result, result
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+q")

    docx = pytest.importorskip("docx")
    doc = docx.Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert answers["cluster_name"] in text + cells
    assert "4.20" in cells  # the changed area, not the first answer
    assert "上海示例微纳测控股份有限公司" in cells  # an attached list, pasted from a table


def test_locked_session_is_refused_nicely(store: SessionStore):
    asyncio.run(_locked(store))


async def _locked(store: SessionStore):
    session = store.create("annual_report", "锁定", 2023)
    with store.open(session.id):
        app = FilingApp(store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert app.open_session(session.id) is False
            await pilot.pause()
            msg = app.screen.query_one("#home-message").plain
            assert "正在另一个窗口" in msg

"""A blocking finding holds the question and offers its fixes; nothing typed is lost; one 字 count."""

from __future__ import annotations

import asyncio

import pytest
from conftest import make_session, sample_answers
from tui_support import paste_into, type_line

from assistant.form.expr import count_chars, total_chars
from assistant.frontends.tui.app import FilingApp
from assistant.frontends.tui.widgets.list_editor import ListEditor
from assistant.frontends.tui.widgets.long_text import LongTextEditor
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.interview.findings import blocking
from assistant.session.pending import Confirm
from assistant.session.store import SessionStore

NARRATIVE = ["overview", "achievements", "key_work", "problems", "next_plan", "suggestions"]


def conv_at(store: SessionStore, qid: str, drop: tuple[str, ...] = (), **overrides) -> Conversation:
    answers = {k: v for k, v in {**sample_answers(), **overrides}.items() if k not in drop}
    s = make_session(store, answers=answers)
    e = Engine.for_session(s)
    e.jump(qid)
    return Conversation(e, save=lambda: store.save(s))


def rules_found(conv: Conversation) -> set[str]:
    return {f.rule for f in blocking(conv.engine.findings())}


def specialized_rows(n: int) -> list[list[str]]:
    return [[r["name"], r["credit_code"]] for r in sample_answers()["specialized_list"][:n]]


def held_list(store: SessionStore) -> Conversation:
    conv = conv_at(store, "specialized_list", drop=("suggestions",))  # somewhere left to move on to
    reply = conv.submit("specialized_list", specialized_rows(3), "（提交名单，共 3 行）")
    assert not reply.refused
    return conv


# -- the hold, through Conversation (the TUI and `filing ask` share it) ------------------------------
def test_list_shorter_than_its_count_holds_the_question_with_three_fixes(store):
    conv = held_list(store)
    assert conv.engine.current().id == "specialized_list"  # not advanced
    assert [label for _, label in conv.choices().rows] == ["把数量改为 3", "回到名单修改", "先保留，稍后再改"]
    said = conv.session.transcript[-1]["text"]
    assert "✗ 市级专精特新中小企业名单有 3 家，与填报数量 5 个不一致" in said
    assert "1. 把数量改为 3" in said and "3. 先保留，稍后再改" in said
    assert len(conv.session.answers["specialized_list"]) == 3  # the answer itself is kept


def test_fix_sets_the_count_and_moves_on(store):
    conv = held_list(store)
    reply = conv.handle("1")
    assert conv.session.answers["specialized_count"] == 3
    assert "已把" in reply.messages[0] and "改为 3" in reply.messages[0]
    assert conv.session.pending is None
    assert "specialized_list_matches" not in rules_found(conv)
    assert conv.engine.current().id == "suggestions"


def test_fix_goes_back_to_the_list_unchanged(store):
    conv = held_list(store)
    conv.handle("2")
    assert conv.session.pending is None
    assert conv.engine.current().id == "specialized_list"
    assert conv.session.answers["specialized_count"] == 5 and len(conv.session.answers["specialized_list"]) == 3


def test_keep_moves_on_and_leaves_the_finding_for_check(store):
    conv = held_list(store)
    conv.handle("3")
    assert conv.session.pending is None
    assert conv.engine.current().id == "suggestions"
    assert "specialized_list_matches" in rules_found(conv)
    assert "市级专精特新中小企业名单有 3 家" in conv.handle("检查").messages[0]


def test_enter_or_a_stray_answer_while_held_asks_again_and_changes_nothing(store):
    conv = held_list(store)
    before = dict(conv.session.answers)
    for text in ("", "7"):
        reply = conv.handle(text)
        assert reply.refused and "请先输入序号 1–3" in reply.messages[0]
        assert conv.session.pending is not None and conv.engine.current().id == "specialized_list"
    assert conv.session.answers == before
    # chat words still work and keep the choice
    assert "关于" in conv.handle("?").messages[0] and conv.session.pending is not None
    conv.handle("稍后")  # moving on drops the choice; the finding stays for 检查
    assert conv.session.pending is None and "specialized_list_matches" in rules_found(conv)


def test_the_choice_survives_a_restart(store):
    conv = held_list(store)
    sid = conv.session.id
    with store.open(sid) as handle:
        again = Conversation(Engine.for_session(handle.session), save=handle.save)
        again.start()
        assert again.choices().rows[0][1] == "把数量改为 3"
        again.handle("1")
        assert handle.session.answers["specialized_count"] == 3


def test_typed_count_above_enterprises_holds_and_offers_the_other_question(store):
    conv = conv_at(store, "sme_count")
    conv.handle("400")
    assert conv.engine.current().id == "sme_count" and "sme_le_enterprises" in rules_found(conv)
    labels = [label for _, label in conv.choices().rows]
    assert labels == ["修改集群中小企业数量（现为 400）", "修改集群企业数量（现为 326）", "先保留，稍后再改"]
    conv.handle("2")
    assert conv.engine.current().id == "enterprise_count"
    conv.handle("500")
    assert "sme_le_enterprises" not in rules_found(conv) and conv.session.pending is None


def test_a_converted_value_confirmed_into_a_finding_is_held_too(store):
    conv = conv_at(store, "sme_count")
    conv.session.pending = Confirm(qid="sme_count", value=400)
    conv.handle("是")
    assert conv.engine.current().id == "sme_count" and conv.choices().rows[0][0] == "1"


def test_rule_questions_of_an_unknown_rule_is_empty(store):
    conv = conv_at(store, "sme_count")
    assert conv._rule_questions("no_such_rule") == set()
    assert conv._rule_questions("sme_le_enterprises") == {"sme_count", "enterprise_count"}


def test_part_seven_over_budget_says_the_remaining_budget_and_holds(store):
    texts = {k: "无" for k in NARRATIVE}
    conv = conv_at(store, "key_work", **{**texts, "overview": "甲" * 2000, "achievements": "乙" * 900})
    reply = conv.submit("key_work", "丙" * 150, "丙" * 150)
    said = "\n".join(reply.messages)
    assert "合计 3050 字，超过 3000 字的上限" in said
    assert "本段现有 150 字" in said and "本段最多还能写 100 字，需删去 50 字" in said
    assert conv.engine.current().id == "key_work"
    assert [label for _, label in conv.choices().rows] == ["返回修改本段", "先保留，稍后再精简"]
    conv.handle("1")
    assert conv.engine.current().id == "key_work" and conv.session.pending is None
    conv.submit("key_work", "丙" * 100, "丙" * 100)
    assert conv.session.pending is None and conv.session.cursor != "key_work"


def test_part_seven_over_budget_before_every_part_is_written(store):
    conv = conv_at(store, "next_plan", drop=("next_plan", "suggestions"), overview="甲" * 2900)
    conv.submit("next_plan", "丁" * 200, "丁" * 200)
    assert conv.engine.current().id == "next_plan" and conv.session.pending is not None
    assert "需删去" in conv.session.transcript[-1]["text"]


# -- nothing lost: an empty list over rows asks first ----------------------------------------------
def test_empty_list_over_rows_asks_and_keeps_the_rows(store):
    conv = conv_at(store, "specialized_list")
    rows = conv.session.answers["specialized_list"]
    conv.session.drafts["specialized_list"] = []
    reply = conv.submit("specialized_list", [], "无")
    assert "名单里已有 5 行，确定要清空吗？" in reply.messages[-1]
    assert conv.session.answers["specialized_list"] == rows
    conv.handle("1")  # 否，保留
    assert conv.session.answers["specialized_list"] == rows
    assert "specialized_list" not in conv.session.drafts  # the editor shows the kept rows again
    assert conv.engine.current().id == "specialized_list"


def test_typed_none_over_rows_asks_and_yes_clears(store):
    conv = conv_at(store, "specialized_list")
    conv.handle("无")
    assert conv.session.pending and "确定要清空" in conv.pending_prompt()
    conv.handle("是")
    assert conv.session.answers["specialized_list"] == []
    # an empty list against a count of 5 is itself a blocking finding: held with its fixes
    assert conv.choices().rows[0][1] == "把数量改为 0"


# -- one counting rule for 字 -------------------------------------------------------------------------
MIXED = "集群 2023 年产值 128.6 亿元，同比增长 12%。\n\nMEMS 传感器\t出货量\u3000突破 1,000 万颗！\u200b（见附件）\r\n"


def test_one_count_ignores_spaces_newlines_and_invisible_characters():
    assert count_chars(MIXED) == len("".join(MIXED.split()).replace("\u200b", ""))
    assert total_chars([MIXED, "无", None]) == count_chars(MIXED)


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_editor_review_and_check_count_the_same(store):
    texts = {k: "无" for k in NARRATIVE}
    body = MIXED * 40  # long enough for the review to show its count
    s = make_session(store, answers={**sample_answers(), **texts, "overview": "甲" * 2990})
    e = Engine.for_session(s)
    e.jump("key_work")
    store.save(s)
    n = count_chars(body)

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            await paste_into(pilot, screen.query_one("#longtext"), body)
            assert f"本段 {n}/3000 字" in screen.query_one("#count").plain
            assert f"六段合计 {2990 + n}/3000 字（超出 {2990 + n - 3000} 字）" in screen.query_one("#count").plain
            await pilot.press("ctrl+s")
            await pilot.pause()
            said = screen.session.transcript[-1]["text"]
            assert f"合计 {2990 + n} 字" in said and f"本段现有 {n} 字" in said  # chat and check
            check = next(f.message for f in screen.engine.findings() if f.rule == "narrative_total")
            assert f"合计 {2990 + n} 字" in check
            await pilot.press("f3")
            await pilot.pause()
            review = "\n".join(str(o.prompt) for o in app.screen.query_one("#review-list")._options)
            assert f"（{n} 字）" in review

    asyncio.run(run())


# -- the same through the TUI ------------------------------------------------------------------------
@pytest.mark.slow  # a long run of keys through the TUI
def test_tui_holds_the_list_shows_x_in_the_outline_and_the_fix_works(store):
    s = make_session(store)
    e = Engine.for_session(s)
    e.jump("specialized_list")
    store.save(s)
    q = e.flow["specialized_list"]
    tsv = "\n".join("\t".join(r) for r in specialized_rows(3)) + "\n"

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            table = screen.query_one("#rows")
            for _ in range(5):
                await pilot.press("d")  # clear the table, then paste three rows
            await paste_into(pilot, table, tsv)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert screen.engine.current().id == "specialized_list"
            choices = screen.query_one("#choices")
            assert choices.display and choices.highlighted is None
            shown = [str(choices.get_option_at_index(i).prompt).strip() for i in range(choices.option_count)]
            assert shown == ["1. 把数量改为 3", "2. 回到名单修改", "3. 先保留，稍后再改"]
            outline = screen.query_one("#outline")
            assert "✗" in outline.label("specialized_list") and "✗" in outline.label("specialized_count")
            assert "✗" in outline.label("§" + e.flow.section_of[q.id].id)
            await pilot.press("enter")  # nothing preselected: Enter asks again
            await pilot.pause()
            assert screen.session.pending is not None
            await type_line(pilot, "1")
            assert screen.session.answers["specialized_count"] == 3
            assert screen.session.cursor != "specialized_list"
            assert "✓" in outline.label("§" + e.flow.section_of[q.id].id)

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_tui_empty_table_over_rows_asks_and_no_keeps_them(store):
    s = make_session(store)
    e = Engine.for_session(s)
    e.jump("specialized_list")
    store.save(s)
    rows = list(s.answers["specialized_list"])

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            screen.query_one("#rows").focus()
            for _ in range(5):
                await pilot.press("d")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "名单里已有 5 行，确定要清空吗？" in screen.session.transcript[-1]["text"]
            assert screen.session.answers["specialized_list"] == rows
            await type_line(pilot, "1")  # 否，保留原有 5 行
            await pilot.pause()
            assert screen.session.answers["specialized_list"] == rows
            assert len(screen.query_one(ListEditor).rows) == 5

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys through the TUI
def test_tui_rows_arriving_as_keys_stay_in_the_table(store):
    s = make_session(store)
    e = Engine.for_session(s)
    e.jump("specialized_list")
    store.save(s)
    before = dict(s.answers)
    code = sample_answers()["specialized_list"][0]["credit_code"]

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            editor = screen.query_one(ListEditor)
            # a paste without bracketed paste: characters, Tab, Enter, all in one burst; the second name
            # holds the table's own keys (a, d, e), which must not add, delete or edit rows
            keys = ["H", "x", "tab", *code, "enter", "Q", "a", "d", "e", "tab", *code, "enter"]
            screen.query_one("#rows").focus()
            await pilot.press(*keys)
            await pilot.pause()
            assert editor.rows[-2:] == [["Hx", code], ["Qade", code]] and len(editor.rows) == 7
            # the same keys on the input line
            screen.query_one("#input").focus()
            await pilot.press("Z", "z", "tab", *code, "enter")
            await pilot.pause()
            assert editor.rows[-1] == ["Zz", code] and len(editor.rows) == 8
            assert screen.engine.current().id == "specialized_list"  # nothing spilled on
            assert screen.session.answers == before
            assert screen.query_one("#input").value == ""
            # a row wider than the list is refused in place, never a crash, and the text is kept
            await pilot.press("W", "tab", "x", "tab", "y", "enter")
            await pilot.pause()
            assert len(editor.rows) == 8 and screen.query_one("#input").value == "W\tx\ty"
            assert "只有 2 列" in str(screen.query_one("#row-errors").render())

    asyncio.run(run())


def test_tui_refused_answer_stays_in_the_input(store):
    s = make_session(store)
    e = Engine.for_session(s)
    e.jump("sme_count")
    store.save(s)

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            await type_line(pilot, "很多")
            assert screen.query_one("#input").value == "很多"
            assert screen.engine.current().id == "sme_count"

    asyncio.run(run())


def test_long_text_editor_counts_the_remaining_budget(store):
    texts = {k: "无" for k in NARRATIVE}
    s = make_session(store, answers={**sample_answers(), **texts, "overview": "甲" * 2000})
    e = Engine.for_session(s)
    e.jump("key_work")
    store.save(s)

    async def run() -> None:
        app = FilingApp(s.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert screen.query(LongTextEditor)
            await paste_into(pilot, screen.query_one("#longtext"), "丙 丙\n" * 100)
            count = screen.query_one("#count")
            assert "六段合计 2200/3000 字（还可写 800 字）" in count.plain and not count.has_class("over")

    asyncio.run(run())


def test_filing_ask_offers_the_same_choices(store, capsys):
    from test_ask import ENTER, drive

    conv = held_list(store)
    sid = conv.session.id
    assert drive(ENTER + "1" + ENTER, sid) == 0  # bare Enter picks nothing; typed 1 takes the first fix
    out = capsys.readouterr().out
    assert "1. 把数量改为 3" in out and "已把" in out
    s = store.load(sid)
    assert s.answers["specialized_count"] == 3 and s.pending is None

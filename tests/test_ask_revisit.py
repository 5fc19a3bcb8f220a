"""`filing ask` on a real terminal: revisiting an answered question, typing replaces the old answer
(never appends to it), Enter alone keeps it, and a figure with more decimals than the form keeps is
recorded with the rounding said."""

from __future__ import annotations

import os
import time

import pytest
from conftest import make_session
from pty_support import PtyRun

from assistant.session.store import SessionStore

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")]

ENTER, ESC_ENTER, LEFT, BACKSPACE = "\r", "\x1b\r", "\x1b[D", "\x7f"


def answers(sid: str) -> dict:
    return SessionStore().load(sid).answers


def eventually(sid: str, qid: str, value: object, timeout: float = 20) -> None:
    """The saved answer becomes `value` (the reply and the save race the screen we read)."""
    deadline = time.monotonic() + timeout
    while answers(sid).get(qid) != value:
        assert time.monotonic() < deadline, answers(sid).get(qid)
        time.sleep(0.1)


def jump(run: PtyRun, where: str, prompt: str) -> None:
    """From the finished report's menu (or any prompt) to a question, waiting for its prompt line."""
    run.send(f"跳到 {where}{ENTER}")
    run.expect(rf"› {prompt}[^\n]*\n?[^\n]*已选中")


def open_menu(run: PtyRun) -> None:
    run.expect("全部题目已回答。接下来")  # a typed prompt: words go straight in


def test_a_revisit_replaces_keeps_and_says_the_rounding(store):
    sid = make_session(store).id
    assert answers(sid)["total_output"] == "128.60"
    run = PtyRun(["ask", sid])
    try:
        open_menu(run)
        jump(run, "集群总产值", "集群总产值")
        run.send("97亿" + ENTER)  # today's main stored 128.6097亿 → 128.61
        run.expect("已记录：97.00 亿元")
        assert answers(sid)["total_output"] == "97.00"

        run.expect("接下来")
        jump(run, "集群总产值", "集群总产值")
        run.send(ENTER)  # Enter alone keeps
        run.expect("保留原答案")
        assert answers(sid)["total_output"] == "97.00"

        run.expect("接下来")
        jump(run, "集群总产值", "集群总产值")
        run.send("128.6097" + ENTER)
        said = run.expect(r"您填写的 128\.6097 按表格保留两位小数（四舍五入），记录为 128\.61 亿元。")
        assert said
        assert answers(sid)["total_output"] == "128.61"

        # an arrow key starts editing the old answer instead of replacing it
        run.expect("接下来")
        jump(run, "集群总产值", "集群总产值")
        run.send(LEFT + BACKSPACE + "2" + ENTER)  # 128.61 → 128.21
        run.expect("已记录：128.21 亿元")
        assert answers(sid)["total_output"] == "128.21"

        # a text question: a chat word typed on the revisit is the chat word, not text appended
        run.expect("接下来")
        jump(run, "集群主导产业", "集群主导产业")
        run.send("什么是主导产业" + ENTER)
        run.expect(r"› 集群主导产业[^\n]*已选中")  # the glossary answered; the same question again
        assert answers(sid)["leading_industry"] == "智能传感器及物联网终端"
        run.send("汽车零部件" + ENTER)
        eventually(sid, "leading_industry", "汽车零部件")
    finally:
        run.close()


def test_a_long_text_revisit_replaces_on_typing_and_keeps_on_submit(store):
    sid = make_session(store).id
    old = answers(sid)["overview"]
    run = PtyRun(["ask", sid])
    try:
        open_menu(run)
        jump(run, "一、集群发展总体情况", "一、集群发展总体情况")
        run.send(ENTER)  # Enter on the selected old text: kept, as the view says (直接回车保留)
        run.expect("保留原答案")
        assert answers(sid)["overview"] == old
        run.expect("接下来")
        jump(run, "一、集群发展总体情况", "一、集群发展总体情况")
        run.send("集群位于临港。" + ENTER + "第二行。" + ESC_ENTER)  # once typing replaced it, Enter is a line break
        eventually(sid, "overview", "集群位于临港。\n第二行。")
    finally:
        run.close()

"""`filing ask` driven through real questionary prompts (prompt_toolkit pipe input, DummyOutput)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import make_session, sample_answers
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from assistant.form.catalog import load_flow
from assistant.frontends.ask import TEXT_CHOICE, run_ask
from assistant.interview.commands import COMMANDS
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.session.store import SessionStore

DOWN, ENTER, ESC_ENTER, CTRL_C, CLEAR = "\x1b[B", "\r", "\x1b\r", "\x03", "\x15"


def drive(keys: str, session_id: str | None = None, form: str = "annual") -> int:
    """Run `filing ask` with everything typed ahead; input running out acts like closing the terminal."""
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(keys)
        inp.close()
        return run_ask(session_id, form=form)


def keys_for(q, raw, scratch: Conversation) -> str:
    """Keys a person presses to give `raw` (as in the sample file) to question q; mirrors on scratch."""
    if q.type in ("yesno", "choice"):
        parsed = scratch.engine.parse(q.id, raw).value
        ids = [o.id for o in q.options] or ["yes", "no"]
        labels = [o.label or o.id for o in q.options] or ["是", "否"]
        label = labels[ids.index(("yes" if parsed else "no") if q.type == "yesno" else parsed)]
        scratch.handle(label)
        return label + ENTER  # typed, not picked: no pointer to move
    if q.type == "list":
        cols = q.columns
        lines = []
        for row in raw or []:
            lines.append("\t".join(str(row.get(c.id, "")) for c in cols))
        scratch.handle("\n".join(lines) if lines else "无")
        keys = ENTER  # "逐行输入" is the first choice on a new question
        for i, line in enumerate(lines):
            keys += (CLEAR if i < len(q.preset_rows) else "") + line + ENTER
        if len(lines) < len(q.preset_rows):
            keys += CLEAR
        return keys + ENTER
    if q.type == "matrix":
        grid = scratch.engine.parse(q.id, raw).value
        nums = [" ".join(str(grid[r.id][c.id]) for c in q.cols) for r in q.rows]
        scratch.handle(" ".join(nums))
        assert scratch.session.pending  # the table is shown back before it is stored: confirm (是)
        scratch.handle("是")
        return "".join(n + ENTER for n in nums) + ENTER
    text = str(raw)
    scratch.handle(text)
    keys = text + (ESC_ENTER if q.type == "longtext" else ENTER)
    if scratch.session.pending:  # a converted value is shown back: confirm with the first choice (是)
        scratch.handle("是")
        keys += ENTER
    return keys


def script(answers: dict, store: SessionStore, form: str = "annual_report", stop_after: str | None = None,
           start_from: dict | None = None) -> tuple[str, list[str]]:
    """Key presses answering the whole report in interview order (simulated on a scratch session)."""
    scratch = store.create(form, "scratch", load_flow(form).default_year)
    if start_from:
        scratch.answers.update(start_from["answers"])
        scratch.cursor = start_from["cursor"]
    conv = Conversation(Engine.for_session(scratch))
    keys, order = "", []
    while (q := conv.engine.current()) is not None:
        keys += keys_for(q, answers[q.id], conv)
        order.append(q.id)
        if q.id == stop_after:
            break
    return keys, order


def reference(store: SessionStore, form: str = "annual"):
    return make_session(store, form)


def test_chat_word_detection():
    for w in ("?", "？", "帮助", "返回", "跳过", "稍后", "预览", "保存", "退出"):
        assert COMMANDS.word(w) is not None, w
    # only whole command words: glossary questions and jumps are the conversation's to judge
    for w in ("上海示例公司\t9131052602TH3BJ1X4", "去年新增平台", "帮助中心运营", "修改型材料", "什么是专精特新"):
        assert COMMANDS.word(w) is None, w


@pytest.mark.slow  # the whole annual report, typed: a journey
def test_whole_annual_report_with_help_refusal_conversion_back_interrupt_and_resume(store, capsys):
    answers = sample_answers("annual")
    # -- first sitting: the cover and part one, with help, a refusal, going back, then Ctrl-C --------
    keys, order = script(answers, store, stop_after="leading_industry")
    assert order[:4] == ["cluster_name", "operator_name", "contact_name", "contact_phone"]
    # help and a glossary question at the first prompt, then the real answer
    keys = "?" + ENTER + "什么是特色产业集群" + ENTER + keys
    # a refused phone number before the right one
    phone = str(answers["contact_phone"]) + ENTER
    keys = keys.replace(phone, "12345" + ENTER + phone, 1)
    # the area in mu (亩): converted to km², shown back, first refused (否), then typed again and confirmed
    area = str(answers["area_km2"]) + ENTER
    keys = keys.replace(area, "5700亩" + ENTER + "否" + ENTER + area, 1)
    # go back from the leading industry to the area, keep it (Enter), then answer the industry
    industry = answers["leading_industry"] + ENTER
    keys = keys.replace(industry, "返回" + ENTER + ENTER + industry, 1)
    rc = drive(keys + CTRL_C)
    out = capsys.readouterr().out
    assert rc == 0
    sid = next(s.id for s in store.all() if s.title != "scratch")
    assert f"filing ask {sid}" in out  # how to resume
    assert "关于“" in out  # the help text
    assert "不像电话号码" in out  # the refusal
    assert "换算为 3.80 平方公里" in out and "这个值没有记录" in out  # conversion shown, refused, then typed
    saved = store.load(sid)
    assert saved.answers["contact_phone"] == "021-55550123"
    assert saved.answers["area_km2"] == "3.80"
    assert saved.answers["leading_industry"] == answers["leading_industry"]
    assert saved.pending is None
    # Ctrl-C left the session unlocked and resumable where it stopped
    assert Engine.for_session(saved).current().id == "industry_changed"

    # -- second sitting: the rest, lists row by row, the conversion of 3.56亿 confirmed, then quit ---
    keys, order = script(answers, store, start_from={"answers": saved.answers, "cursor": saved.cursor})
    assert "rd_expense" in order and "patent_list" in order and "targets" in order
    rc = drive(keys + ENTER, sid)  # last Enter: "完成并退出"
    out = capsys.readouterr().out
    assert rc == 0
    assert "欢迎回来" in out
    assert "已将“3.56亿”换算为 35600.00 万元" in out
    assert "全部填写完毕" in out
    done = store.load(sid)
    ref = reference(store)
    assert done.answers == {k: v for k, v in ref.answers.items()}
    engine = Engine.for_session(done)
    assert [f for f in engine.findings() if f.severity == "blocking"] == []
    assert any(t["role"] == "user" and t["text"] == "什么是特色产业集群" for t in done.transcript)


def test_list_question_refuses_a_bad_row_and_keeps_the_good_ones(store, capsys):
    s = make_session(store, "annual", answers={k: v for k, v in sample_answers().items()
                                                  if k not in ("specialized_list",)})
    with store.open(s.id) as h:
        h.session.cursor = "specialized_list"
        h.save()
    rows = sample_answers()["specialized_list"]
    good = [f"{r['name']}\t{r['credit_code']}" for r in rows]
    keys = ENTER + good[0] + ENTER + "某公司\t123" + ENTER + "\t".join(["另一家", "X"]) + ENTER
    keys += "".join(g + ENTER for g in good[1:]) + ENTER
    rc = drive(keys, s.id)
    out = capsys.readouterr().out
    assert rc == 0
    assert "第 2 行：统一社会信用代码应为 18 位" in out
    assert len(store.load(s.id).answers["specialized_list"]) == 5


def test_list_imported_from_a_file_inside_ask(store, capsys, tmp_path):
    s = make_session(store, "annual", answers={k: v for k, v in sample_answers().items() if k != "patent_list"})
    with store.open(s.id) as h:
        h.session.cursor = "patent_list"
        h.save()
    csv = tmp_path / "专利.csv"
    rows = sample_answers()["patent_list"]
    csv.write_text("专利名称,专利号,类型,权利人\n" + "".join(
        f"{r['name']},{r['number']},{r['kind']},{r['holder']}\n" for r in rows), encoding="gbk")
    keys = DOWN + ENTER + str(csv) + ENTER + ENTER  # choose the file import, give the path, confirm
    rc = drive(keys, s.id)
    out = capsys.readouterr().out
    assert rc == 0
    assert "共 36 行" in out and "已导入 36 行" in out
    saved = store.load(s.id)
    assert len(saved.answers["patent_list"]) == 36
    assert saved.answers["patent_list"][0]["kind"] == "invention"


def test_quit_word_at_a_choice_and_text_choice_on_a_select(store, capsys):
    s = make_session(store, "annual", answers={"cluster_name": "甲", "operator_name": "乙", "contact_name": "丙",
                                                "contact_phone": "13812345678"})
    rc = drive("退出" + ENTER, s.id)  # a choice question takes typed words, commands included
    out = capsys.readouterr().out
    assert rc == 0 and "已保存，再见" in out and f"filing ask {s.id}" in out
    assert "operator_changed" not in store.load(s.id).answers
    # a menu (how to give a list) keeps the text choice at its end
    s2 = make_session(store, "annual", answers={k: v for k, v in sample_answers().items() if k != "patent_list"})
    with store.open(s2.id) as h:
        h.session.cursor = "patent_list"
        h.save()
    menu = 2 + (load_flow("annual")["patent_list"].min_rows == 0)  # 逐行输入, 文件导入, (无), then the text choice
    rc = drive(DOWN * menu + ENTER + "退出" + ENTER, s2.id)
    out = capsys.readouterr().out
    assert rc == 0 and "已保存，再见" in out
    assert "patent_list" not in store.load(s2.id).answers
    assert TEXT_CHOICE.startswith("✎")
    # the lock was released: the session opens again
    with store.open(s.id):
        pass


@pytest.mark.slow  # spawns a process
def test_ask_is_not_imported_by_the_core():
    code = ("import sys, assistant.interview.engine, assistant.interview.conversation, assistant.session.store, "
            "assistant.interview.lists, assistant.frontends.demo; "
            "bad = [m for m in ('questionary', 'prompt_toolkit', 'textual') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_ask_unknown_session_is_a_clean_error(capsys):
    from assistant.frontends.cli import main

    assert main(["ask", "nosuch"]) == 3
    err = capsys.readouterr().err
    assert "找不到会话" in err and "Traceback" not in err


@pytest.mark.parametrize("form", ["district"])
def test_whole_district_summary_through_ask(store, capsys, form):
    answers = sample_answers(form)
    keys, _ = script(answers, store, form="district_summary")
    rc = drive(keys + ENTER, None, form=form)
    out = capsys.readouterr().out
    assert rc == 0 and "全部填写完毕" in out
    sid = next(s.id for s in store.all() if s.title != "scratch")
    ref = make_session(store, form)
    assert store.load(sid).answers == ref.answers


def test_a_report_started_from_last_year_is_greeted_as_new_and_enter_confirms_last_years_answer(store, capsys):
    from assistant.frontends.cli import main

    last = make_session(store)  # the sample report, 2023
    capsys.readouterr()
    assert main(["new", "--from", last.id]) == 0
    sid = capsys.readouterr().out.strip()
    carried = len(store.load(sid).carried)
    drive(ENTER, sid)  # Enter on the first carried question, then the input runs out
    out = capsys.readouterr().out
    assert "欢迎回来" not in out
    assert "您好" in out and f"已沿用 2023 年度报告中的 {carried} 项答案" in out
    name = last.answers["cluster_name"]
    assert f"已确认沿用上年：{name}。" in out and "保留原答案" not in out
    assert "cluster_name" not in store.load(sid).carried


def test_words_typed_at_the_finished_report_land_and_enter_alone_finishes(store, capsys):
    """The finish menu took only arrows: `跳到 集群总产值` typed there was dropped and Enter quit."""
    s = make_session(store, "annual")
    rc = drive("跳到 集群总产值" + ENTER + "99" + ENTER + ENTER, s.id)  # typing replaces the selected old answer
    out = capsys.readouterr().out
    assert rc == 0
    assert "已记录：99.00 亿元" in out and "已保存，再见" in out
    assert store.load(s.id).answers["total_output"] == "99.00"

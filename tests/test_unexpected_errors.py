"""A programming error never reaches the terminal as a traceback or as session data: every front end
logs it to <FILING_HOME>/logs/ and says one Chinese sentence naming the file; the chat app stays open
when an export fails, and `filing ask` goes on with the next prompt."""

from __future__ import annotations

import asyncio
import os
import re
import textwrap
from pathlib import Path

import pytest
from conftest import make_session
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from assistant.frontends import crashlog
from assistant.frontends.ask import run_ask
from assistant.frontends.cli import main
from assistant.interview import json_report
from assistant.interview.conversation import Conversation
from assistant.report import package, pdf

SECRET = "浦江集群的秘密数字 128.60"  # stands for session data an exception may carry


def broken_evidence(engine):
    raise KeyError(SECRET)  # as the enterprise evidence writer raised KeyError('inputs')


def logs(home: Path) -> list[Path]:
    folder = home / "logs"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def named_log(text: str) -> Path:
    m = re.search(r"已记入 (\S+?\.log)", text)
    assert m, text
    return Path(m[1])


def test_cli_logs_a_programming_error_and_says_one_sentence(store, filing_home, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "no-soffice"))
    monkeypatch.setattr(package, "_evidence_md", broken_evidence)
    sid = make_session(store).id
    code = main(["package", sid, "-o", str(tmp_path / "报送")])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("出现意外错误") and "Traceback" not in err and SECRET not in err
    log = named_log(err)
    assert log.parent == filing_home / "logs" and logs(filing_home) == [log]
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError" in text and "_evidence_md" in text
    if os.name == "posix":
        assert log.stat().st_mode & 0o077 == 0  # the owner's only: a traceback may hold answers
    assert not (tmp_path / "报送").exists()  # no half-built folder


def test_an_error_before_the_command_runs_is_logged_too(filing_home, monkeypatch, capsys):
    from assistant.frontends import cli

    def broken():
        raise RuntimeError(SECRET)

    monkeypatch.setattr(cli, "build_parser", broken)
    assert main(["list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("出现意外错误") and SECRET not in err and SECRET in named_log(err).read_text(encoding="utf-8")


def test_debug_still_shows_the_traceback_to_a_developer(store, tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "no-soffice"))
    monkeypatch.setattr(package, "_evidence_md", broken_evidence)
    sid = make_session(store).id
    with pytest.raises(KeyError):
        main(["--debug", "package", sid, "-o", str(tmp_path / "报送")])


def test_logs_are_bounded_and_an_unwritable_data_folder_is_said(filing_home, monkeypatch):
    for i in range(crashlog.KEEP + 5):
        assert crashlog.write_log(f"第 {i} 次")
    assert len(logs(filing_home)) == crashlog.KEEP
    (filing_home / "logs").rename(filing_home / "logs-aside")
    (filing_home / "logs").write_text("not a folder", encoding="utf-8")
    monkeypatch.setattr("tempfile.tempdir", str(filing_home / "logs"))  # no temp folder either
    said = crashlog.report(RuntimeError(SECRET))
    assert "未能记录" in said and SECRET not in said


def test_ask_logs_a_failing_turn_and_goes_on(store, filing_home, monkeypatch, capsys):
    sid = make_session(store).id
    real = Conversation.handle

    def handle(self, text):
        if text == "炸":
            raise RuntimeError(SECRET)
        return real(self, text)

    monkeypatch.setattr(Conversation, "handle", handle)
    enter = "\r"
    keys = "炸" + enter + "进度" + enter + enter  # typed at the finished report's prompt; Enter alone finishes
    with create_pipe_input() as inp, create_app_session(input=inp, output=DummyOutput()):
        inp.send_text(keys)
        inp.close()
        code = run_ask(sid)
    out = capsys.readouterr().out
    assert code == 0 and "处理这一步时出现意外错误" in out and "可以重新输入" in out
    assert SECRET not in out and "Traceback" not in out and "六、开放合作情况：4/4" in out.split("意外错误")[1]
    assert SECRET in named_log(out).read_text(encoding="utf-8")


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_tui_export_failure_is_said_in_the_dialog_and_the_app_stays(store, filing_home, tmp_path, monkeypatch):
    from tui_support import export_from_dialog

    from assistant.frontends.tui.app import FilingApp
    from assistant.frontends.tui.screens.export import ExportDialog

    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "no-soffice"))
    monkeypatch.setattr(package, "_evidence_md", broken_evidence)
    session = make_session(store)

    async def run() -> str:
        app = FilingApp(session.id, store=store)
        async with app.run_test(size=(100, 30)) as pilot:
            text = await export_from_dialog(pilot, -1, str(tmp_path / "报送"), wait_for="意外错误")
            assert isinstance(app.screen, ExportDialog) and app.is_running
            monkeypatch.undo()  # the cause fixed: the same dialog now writes the package
            monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "no-soffice"))
            app.screen.do_export()
            for _ in range(300):
                if "已导出" in app.screen.query_one("#export-result").plain:
                    break
                await asyncio.sleep(0.1)
            assert "已导出" in app.screen.query_one("#export-result").plain
        return text

    text = asyncio.run(run())
    assert "导出时出现意外错误" in text and SECRET not in text
    assert SECRET in named_log(text).read_text(encoding="utf-8")
    assert (tmp_path / "报送" / "报送清单.md").exists()


SITE = textwrap.dedent("""
    # Injected by the test: a programming error behind F4 (preview) in the chat app.
    from assistant.frontends.tui.screens import conversation

    def action_preview(self):
        raise RuntimeError({secret!r})

    conversation.ConversationScreen.action_preview = action_preview
""")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")
def test_a_crash_that_closes_the_chat_app_prints_one_sentence_not_a_traceback(store, filing_home, tmp_path):
    from pty_support import PtyRun

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITE.format(secret=SECRET), encoding="utf-8")
    sid = make_session(store).id
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])
    run = PtyRun(["resume", sid], env={"PYTHONPATH": path})
    try:
        run.expect("预览", timeout=60)  # the footer is drawn
        run.send("\x1bOS")  # F4
        code = run.wait(timeout=60)
    finally:
        run.close()
    after = run.text[run.text.rfind("出现意外错误") - 10:] if "出现意外错误" in run.text else run.text[-2000:]
    assert code == 1, after
    assert "Traceback" not in run.text and SECRET not in run.text and "RuntimeError" not in run.text
    log = named_log(after)
    assert log.parent == filing_home / "logs" and SECRET in log.read_text(encoding="utf-8")
    assert f"filing resume {sid}" in after  # the answers are saved: how to go on


def test_tui_import_failure_is_said_in_the_dialog_and_the_app_stays(store, filing_home, tmp_path, monkeypatch):
    from assistant.frontends.tui.app import FilingApp
    from assistant.report.export import export_session

    exported = export_session(make_session(store), "json", tmp_path / "报告.json")

    def broken(path, sink):
        raise KeyError(SECRET)

    monkeypatch.setattr(json_report, "import_report", broken)

    async def run() -> str:
        app = FilingApp(store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("i")
            await pilot.pause()
            app.screen.query_one("#import-path").insert_text_at_cursor(str(exported))
            await pilot.press("enter")
            await pilot.pause()
            assert app.is_running and app.screen.__class__.__name__ == "ImportDialog"
            return app.screen.query_one("#import-result").plain

    text = asyncio.run(run())
    assert "导入报告时出现意外错误" in text and SECRET not in text
    assert SECRET in named_log(text).read_text(encoding="utf-8")

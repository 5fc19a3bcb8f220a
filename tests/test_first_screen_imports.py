"""The TUI's first screen loads only what it shows: the enterprise-data modules, the xlsx/CSV readers and
the text-area editor wait for their first use (a command names its handler by module path)."""

import asyncio
import json
import subprocess
import sys

import pytest
from conftest import make_session, sample_answers

from assistant.interview.checks import check
from assistant.interview.commands import COMMANDS, Lazy, Spec
from assistant.interview.conversation import Conversation, Reply
from assistant.interview.engine import Engine

CODE = """
import json, sys
from assistant.frontends.tui.app import FilingApp
import assistant.frontends.tui.screens.conversation
print(json.dumps(sorted(sys.modules)))
"""
LATER = ("assistant.interview.enterprises.dialog", "assistant.interview.enterprises.columns",
         "assistant.interview.enterprises.reader", "assistant.interview.lists", "assistant.files.tables",
         "assistant.files.xlsx_scan", "zipfile", "csv", "textual.widgets._text_area")


def test_the_first_screen_loads_no_enterprise_reader_or_editor():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert "assistant.interview.conversation" in loaded  # the screen's conversation itself is there
    assert sorted(loaded & set(LATER)) == []


def said_lazily(c: Conversation, cmd, q, raw: str) -> Reply:
    return c.finish(Reply(["懒命令收到了。"]), ask=False)


def test_a_handler_named_by_module_path_is_loaded_on_first_use(store):
    lazy = Lazy("json:dumps")
    assert lazy.get() is json.dumps and lazy.get() is json.dumps
    with pytest.raises(ValueError):
        Lazy("json.dumps")  # not module:function
    conv = Conversation(Engine.for_session(make_session(store, "annual", answers={})))
    with COMMANDS.registered(Spec("test_missing", Lazy("no_such_module_here:run"), frozenset({"测一测缺命令"}))):
        pass  # registering imports nothing: a wrong path shows only when the command is used
    with COMMANDS.registered(Spec("test_lazy", Lazy(f"{__name__}:said_lazily"), frozenset({"测一测懒命令"}))):
        assert conv.handle("测一测懒命令").messages == ["懒命令收到了。"]


def test_the_enterprise_command_still_answers_through_the_registry(store, tmp_path):
    conv = Conversation(Engine.for_session(make_session(store, "annual", answers={})))
    junk = tmp_path / "采集表.xlsx"
    junk.write_bytes(b"not a workbook")
    reply = conv.handle(f"企业数据 {junk}")
    assert reply.refused and "采集表.xlsx" in reply.messages[0] and conv.session.pending is None
    assert COMMANDS.handler("enterprises").__module__ == "assistant.interview.enterprises.dialog"


def test_ctrl_a_selects_text_in_text_fields_only():
    """Told apart by what they are (a protocol), not by class name: the first screen need not load TextArea."""
    from textual.app import App
    from textual.widgets import DataTable, Input, SelectionList, TextArea

    from assistant.frontends.tui.app import TextField

    async def run() -> None:
        async with App().run_test():
            assert isinstance(Input(), TextField) and isinstance(TextArea(), TextField)
            assert not isinstance(SelectionList[str](), TextField) and not isinstance(DataTable(), TextField)

    asyncio.run(run())


PAINTED = """
import asyncio, gc, json, sys
from assistant.frontends.tui.app import FilingApp
async def main():
    app = FilingApp(sys.argv[1])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        painted = gc.isenabled()
    print(json.dumps({"painted": painted, "after": gc.isenabled(), "modules": sorted(sys.modules)}))
asyncio.run(main())
"""


@pytest.mark.slow
def test_the_painted_first_screen_leaves_the_enterprise_columns_and_the_collector_as_they_were(store, tmp_path):
    """The screen's keys ask only whether the form has enterprise data (not its column vocabulary); the
    collection paused while the first screen is built runs again once it is drawn, and after the app."""
    sid = make_session(store, "annual", answers={}).id  # FILING_HOME is this test's (the environment)
    out = subprocess.run([sys.executable, "-c", PAINTED, sid], capture_output=True, text=True, check=True).stdout
    seen = json.loads(out)
    assert seen["painted"] and seen["after"]
    assert [m for m in seen["modules"] if m.startswith("assistant.interview.enterprises.")] == [
        "assistant.interview.enterprises.line"]


@pytest.mark.slow
def test_a_resumed_report_with_failing_rules_paints_its_first_screen_without_the_template_engine(store):
    """A rule's message is rendered when it is read: the first screen shows the current question's
    findings only, so a half-filled report with failing rules does not load jinja2 to paint it."""
    half = dict(list(sample_answers("annual").items())[:20])
    session = make_session(store, "annual", answers={**half, "enterprise_count": 50, "sme_count": 60})
    engine = Engine.for_session(session)
    failing = [f for f in check(engine) if f.rule == "sme_le_enterprises"]
    assert failing and failing[0].to_dict()["message"] == "集群中小企业数量（60）不能多于集群企业数量（50）。"
    # opened before: the form's checked package is in this FILING_HOME's cache (checking it reads every template)
    subprocess.run([sys.executable, "-c", "from assistant.form.catalog import load_flow; load_flow('annual_report')"],
                   check=True)
    out = subprocess.run([sys.executable, "-c", PAINTED, session.id], capture_output=True, text=True, check=True).stdout
    modules = json.loads(out)["modules"]
    assert "assistant.frontends.tui.screens.conversation" in modules and "jinja2" not in modules

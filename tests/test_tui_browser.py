"""The app as it runs in a browser tab (`filing serve`), driven by Textual's pilot: downloads instead of paths,
uploads instead of paths, keys written out, pastes with CR line breaks, the 1024×640 layout.

The real browser (Chromium, the page script, the upload route) is in test_serve_browser.py."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import make_session
from textual import events
from tui_support import type_line

from assistant.frontends.browser_tab import BrowserTab
from assistant.frontends.tui.app import FilingApp
from assistant.frontends.tui.widgets.footer import KeyBar
from assistant.frontends.tui.widgets.list_editor import ListEditor, RowDialog
from assistant.frontends.tui.widgets.uploads import UploadPicker
from assistant.interview.engine import Engine
from assistant.session.store import SessionStore

PATENTS = "名称,专利号/登记号,类型,权利人\n一种传感器封装方法,ZL202110000001.1,发明专利,上海甲公司\n" \
          "一种压力检测装置,ZL202110000002.2,发明专利,上海乙公司\n"


def _tab() -> BrowserTab:
    tab = BrowserTab.new()
    tab.open()
    return tab


def _upload(tab: BrowserTab, name: str, data: bytes) -> Any:
    """As the server's upload route keeps a file the page sent."""
    incoming = tab.receive(name)
    incoming.write(data)
    return incoming.finish()


def _session_at(store: SessionStore, qid: str, answers: dict | None = None):
    s = store.create("annual_report", "浏览器", 2023)
    e = Engine.for_session(s)
    if answers:
        assert not e.apply_many(answers)
    e.jump(qid)
    store.save(s)
    return s


async def _until(pilot: Any, done: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        await pilot.pause(0.05)


def _delivered(tab: BrowserTab) -> list[Path]:
    folder = tab.root / "delivered"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_the_key_bar_writes_ctrl_keys_out_in_the_browser_only(store):
    s = _session_at(store, "cluster_name")

    async def run(browser: BrowserTab | None) -> str:
        app = FilingApp(s.id, store=store, browser=browser)
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.pause()
            return app.screen.query_one(KeyBar).render().plain

    line = asyncio.run(run(_tab()))
    assert "Ctrl+Q 退出" in line and "Ctrl+B 上一题" in line and "F5 导出" in line and "Esc 首页" in line
    assert "^" not in line
    assert "^q 退出" in asyncio.run(run(None))  # the terminal keeps its own way of writing keys


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_ctrl_a_selects_the_whole_field_so_typing_replaces_it(store):
    """The corrected code used to be typed in front of the old one (Ctrl+A went to the line start)."""
    s = _session_at(store, "specialized_list", {"specialized_count": "1"})

    async def run() -> None:
        app = FilingApp(s.id, store=store, browser=_tab())
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            editor = app.screen.query_one(ListEditor)
            editor.paste("甲公司\t123\n")
            await pilot.pause()
            editor.focus_table()
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, RowDialog)
            name, code = app.screen.query_one("#cell-0"), app.screen.query_one("#cell-1")
            assert (name.selection.start, name.selection.end) == (0, len("甲公司"))  # entered: all selected
            await pilot.press("enter")  # to the code field: selected too, typing replaces it
            assert (code.selection.start, code.selection.end) == (0, 3)
            await pilot.press("end", "ctrl+a", "9", "1")  # after moving, Ctrl+A selects it all again
            assert code.value == "91"
            assert app.unsent()  # a changed cell not saved yet: leaving the page asks first

    asyncio.run(run())


def test_rows_pasted_with_cr_line_breaks_arrive_as_rows(store):
    """xterm.js (the browser's terminal) sends a pasted line break as CR: Excel rows pasted on the input line
    used to arrive as one line (the first row only)."""
    s = _session_at(store, "specialized_list", {"specialized_count": "2"})

    async def run() -> None:
        app = FilingApp(s.id, store=store, browser=_tab())
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            screen = app.screen
            screen.query_one("#input").focus()
            await pilot.pause()
            app.post_message(events.Paste("名称\t统一社会信用代码\r甲公司\t9131052602TH3BJ1X4\r"
                                          "乙公司\t913108301DD272HD15\r"))
            await pilot.pause()
            assert screen.query_one(ListEditor).rows == [["甲公司", "9131052602TH3BJ1X4"],
                                                         ["乙公司", "913108301DD272HD15"]]

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_f5_enter_downloads_the_docx_and_again_without_already_exists(store, tmp_path, monkeypatch):
    import zipfile

    from docx import Document

    from assistant.frontends.tui.screens.export import ExportDialog
    from assistant.report.export import default_filename

    session = make_session(store)
    name = default_filename(Engine.for_session(session), "docx")
    cwd = tmp_path / "server-cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    tab = _tab()

    async def run() -> None:
        app = FilingApp(session.id, store=store, browser=tab)
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            await pilot.press("f5")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ExportDialog)
            assert not dialog.query("#path") and not dialog.query("#force")  # no server path, nothing to overwrite
            result = dialog.query_one("#export-result")
            button = dialog.query_one("#do-export")
            for attempt in (1, 2):
                # A button ignores Enter for 0.2 s after a press (Textual's active effect): a fast export is done by then.
                await _until(pilot, lambda: not button.has_class("-active"), "the button to take a key again")
                await pilot.press("enter")  # the download button has the focus
                await _until(pilot, lambda: "已开始下载" in result.plain or "未能" in result.plain, "the export")
                await _until(pilot, lambda: zipfile.is_zipfile(tab.root / "delivered" / name), "the delivery")
                assert f"已开始下载：{name}" in result.plain and "已存在" not in result.plain, attempt
                assert str(tab.root) not in result.plain and str(cwd) not in result.plain
                (tab.root / "delivered" / name).rename(tmp_path / f"{attempt}.docx")

    asyncio.run(run())
    for attempt in (1, 2):
        doc = Document(str(tmp_path / f"{attempt}.docx"))  # a whole, valid Word file
        assert any("浦江" in p.text for p in doc.paragraphs) or doc.tables
    assert list(cwd.iterdir()) == []  # nothing in the server's working folder
    assert list(tab.scratch.iterdir()) == []  # built in the tab's scratch folder, removed after


@pytest.mark.slow  # LibreOffice renders the PDF in the package
def test_the_package_downloads_as_one_zip_named_as_on_the_desktop(store, tmp_path):
    import zipfile

    from textual.widgets import RadioSet

    from assistant.report.export import default_filename

    session = make_session(store)
    folder = default_filename(Engine.for_session(session), "x")[:-2] + "_报送材料"
    tab = _tab()

    async def run() -> None:
        app = FilingApp(session.id, store=store, browser=tab)
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            await pilot.press("f5")
            await pilot.pause()
            radios = app.screen.query_one(RadioSet)
            list(radios.query("RadioButton"))[-1].value = True
            await pilot.pause()
            await pilot.press("enter")
            await _until(pilot, lambda: zipfile.is_zipfile(tab.root / "delivered" / f"{folder}.zip"), "the package", 120)

    asyncio.run(run())
    with zipfile.ZipFile(tab.root / "delivered" / f"{folder}.zip") as z:
        names = z.namelist()
    assert all(n.startswith(f"{folder}/") for n in names)
    assert any(n.endswith(".docx") for n in names) and any(n.endswith("报送清单.md") for n in names)


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_list_import_reads_an_upload_with_the_same_checks_as_a_file_on_disk(store, tmp_path):
    from assistant.files.tables import TableError
    from assistant.frontends.tui.widgets.list_editor import ImportRowsDialog
    from assistant.interview.lists import load_rows

    s = _session_at(store, "patent_list", {"patent_count": "2"})
    tab = _tab()
    bad = "名字,号码\n甲,1\n".encode()
    (tmp_path / "名单.csv").write_bytes(bad)
    with pytest.raises(TableError) as on_disk:
        load_rows(Engine.for_session(s), "patent_list", tmp_path / "名单.csv")
    _upload(tab, "名单.csv", bad)

    async def run() -> None:
        app = FilingApp(s.id, store=store, browser=tab)
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            screen.query_one(ListEditor).focus_table()
            await pilot.press("i")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ImportRowsDialog) and not dialog.query("#import-rows-path")
            result = dialog.query_one("#import-rows-result")
            await pilot.press("enter")  # the uploaded file is highlighted: read it
            await _until(pilot, lambda: "未能导入" in result.plain, "the refusal")
            assert str(on_disk.value) in result.plain  # the same message as for the file on disk
            assert str(tab.root) not in result.plain
            # a file uploaded while the dialog is open is read at once; Enter imports it
            _upload(tab, "专利清单.csv", PATENTS.encode("gbk"))
            await _until(pilot, lambda: "读到 2 行" in result.plain, "the new upload")
            await pilot.press("enter")
            await _until(pilot, lambda: app.screen is screen, "the import")
            answers = screen.session.answers
            assert [r["name"] for r in answers["patent_list"]] == ["一种传感器封装方法", "一种压力检测装置"]
            assert any("（从文件 专利清单.csv 导入 2 行）" in m["text"] for m in screen.session.transcript)

    asyncio.run(run())


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_enterprise_data_comes_from_uploads_only(store, tmp_path):
    from enterprise_support import ENTERPRISES, fill_workbook
    from textual.widgets import SelectionList

    from assistant.frontends.tui.screens.enterprises import EnterpriseDialog

    session = make_session(store, answers={})
    tab = _tab()
    a = fill_workbook(tmp_path / "采集表甲.xlsx", ENTERPRISES[:10])
    b = fill_workbook(tmp_path / "采集表乙.xlsx", ENTERPRISES[10:])
    _upload(tab, a.name, a.read_bytes())

    async def run() -> None:
        app = FilingApp(session.id, store=store, browser=tab)
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            # typed with a path on the server (a file that is there): refused, nothing read
            await type_line(pilot, f"企业数据 {a}")
            await type_line(pilot, "2")  # on a text question: the command, not the answer
            last = " ".join(m["text"] for m in screen.session.transcript[-3:] if m["role"] == "assistant")
            assert "本页没有上传过" in last and not screen.session.pending
            await pilot.press("f6")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, EnterpriseDialog) and not dialog.query("#paths")
            picker = dialog.query_one(UploadPicker)
            listed = dialog.query_one(SelectionList)
            assert listed.selected == []  # a file uploaded before is not ticked by itself
            _upload(tab, b.name, b.read_bytes())  # uploaded now: ticked
            await _until(pilot, lambda: len(listed.selected) == 1, "the new upload")
            listed.select_all()
            assert [u.name for u in picker.chosen()] == ["采集表甲.xlsx", "采集表乙.xlsx"]
            await pilot.click("#do-compute")
            await _until(pilot, lambda: app.screen is screen, "the dialog to close")
            assert screen.session.pending and screen.session.pending.kind == "proposals"
            assert "根据 20 家企业的数据" in screen.session.transcript[-1]["text"]
            said = " ".join(m["text"] for m in screen.session.transcript)
            at = said.find(str(tab.root))
            assert at < 0, said[max(0, at - 300):at + 200]
            assert "企业数据 采集表甲.xlsx 采集表乙.xlsx" in said

    asyncio.run(run())


def test_the_collection_workbook_downloads_from_f6(store):
    import zipfile

    from openpyxl import load_workbook

    from assistant.frontends.cli_enterprises import workbook_name

    session = make_session(store)
    tab = _tab()
    name = workbook_name(Engine.for_session(session))

    async def run() -> None:
        app = FilingApp(session.id, store=store, browser=tab)
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            await pilot.press("f6")
            await pilot.pause()
            await pilot.click("#workbook")
            await _until(pilot, lambda: zipfile.is_zipfile(tab.root / "delivered" / name), "the workbook")
            assert "已开始下载" in app.screen.query_one("#enterprise-result").plain

    asyncio.run(run())
    wb = load_workbook(tab.root / "delivered" / name, read_only=True)
    assert len(wb.sheetnames) >= 2


def test_a_json_report_is_imported_from_an_upload_on_the_home_screen(store, tmp_path):
    from assistant.frontends.tui.screens.conversation import ConversationScreen
    from assistant.frontends.tui.screens.home import ImportDialog
    from assistant.report.export import export_session

    report = export_session(make_session(store), "json", tmp_path / "报告.json")
    tab = _tab()
    _upload(tab, "浦江报告.json", report.read_bytes())
    _upload(tab, "不是报告.json", b"{not json")
    before = set(store.ids())

    async def run() -> None:
        app = FilingApp(store=store, browser=tab)
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            await pilot.press("i")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ImportDialog) and not dialog.query("#import-path")
            await pilot.press("enter")  # the newest upload: not a report
            await pilot.pause()
            said = dialog.query_one("#import-result").plain
            assert "不是有效的 JSON" in said and "不是报告.json" in said and str(tab.root) not in said
            await pilot.press("down", "enter")
            await _until(pilot, lambda: isinstance(app.screen, ConversationScreen), "the imported report")

    asyncio.run(run())
    assert len(set(store.ids()) - before) == 1


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_at_1024x640_the_outline_hides_and_the_editor_keeps_eight_lines(store):
    """1024×640 pixels in Chromium at the page's 16 px font is 113×30 cells."""
    from conftest import sample_answers

    async def run(qid: str, editor: str, browser: BrowserTab | None) -> tuple[bool, int]:
        s = _session_at(store, qid, sample_answers())
        app = FilingApp(s.id, store=store, browser=browser)
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            return app.screen.query_one("#outline").display, app.screen.query_one(editor).content_region.height

    for qid, editor in (("patent_list", "#rows"), ("overview", "#longtext")):  # the table, the text box
        outline, lines = asyncio.run(run(qid, editor, _tab()))
        assert not outline and lines >= 8, (qid, lines)
    assert asyncio.run(run("patent_list", "#rows", None))[0]  # a 113-column terminal keeps its outline


def test_unsent_text_is_known_to_the_app(store):
    s = _session_at(store, "cluster_name")

    async def run() -> None:
        app = FilingApp(s.id, store=store, browser=_tab())
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            assert not app.unsent()
            inp = app.screen.query_one("#input")
            inp.insert_text_at_cursor("浦江")
            assert app.unsent()
            await pilot.press("enter")
            await pilot.pause()
            assert not app.unsent()

    asyncio.run(run())


def test_a_damaged_session_is_named_without_the_server_folder(store, filing_home):
    from assistant.frontends.tui.screens.home import HomeScreen

    s = _session_at(store, "cluster_name")
    store.path(s.id).write_text("{broken", encoding="utf-8")

    async def run() -> str:
        app = FilingApp(s.id, store=store, browser=_tab())
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            return app.screen.query_one("#home-message").plain

    said = asyncio.run(run())
    assert "已损坏" in said and str(filing_home) not in said and "（数据文件夹）" in said


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_keys_in_the_browser_enterprise_dialog_do_not_close_the_app(store):
    """Enter or Tab in F6 (no path field in the browser) closed the app: NoMatches '#paths'."""
    from assistant.frontends.tui.screens.enterprises import EnterpriseDialog

    session = make_session(store)
    tab = _tab()

    async def run() -> None:
        app = FilingApp(session.id, store=store, browser=tab)
        async with app.run_test(size=(113, 30)) as pilot:
            await pilot.pause()
            await pilot.press("f6")
            await pilot.pause()
            assert isinstance(app.screen, EnterpriseDialog)
            for key in ("tab", "a", "space", "shift+tab", "down"):
                await pilot.press(key)
                await pilot.pause()
            assert isinstance(app.screen, EnterpriseDialog) and app.is_running
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, EnterpriseDialog)

    asyncio.run(run())

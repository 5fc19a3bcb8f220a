"""A browser tab's folder: uploads kept by SHA-256 under the data folder, bounded, listed by name; nothing else found."""

from __future__ import annotations

import hashlib
import os

import pytest

from assistant.frontends import browser_tab
from assistant.frontends.browser_tab import BrowserTab, UploadRefused, safe_name


def _upload(tab: BrowserTab, name: str, data: bytes):
    incoming = tab.receive(name)
    incoming.write(data)
    return incoming.finish()


@pytest.mark.parametrize(("raw", "kept"), [
    ("专利清单.xlsx", "专利清单.xlsx"),
    ("../../etc/passwd.csv", "passwd.csv"),
    ("C:\\Users\\张三\\采集表.xlsx", "采集表.xlsx"),
    (".hidden.json", "hidden.json"),
    ("a\u202ecod.json", "a_cod.json"),
    ("名单\x00\n.csv", "名单_.csv"),
    ("CON.csv", "_CON.csv"),
    ("..", "上传的文件"),
    ("x" * 300 + ".xlsx", "x" * 95 + ".xlsx"),  # 100 characters
])
def test_a_browser_file_name_is_made_harmless(raw, kept):
    assert safe_name(raw) == kept


def test_an_upload_is_kept_by_its_sha256_in_the_tabs_folder_and_found_by_name(filing_home):
    tab = BrowserTab.new()
    tab.open()
    data = "名称,专利号\n甲,ZL1\n".encode()
    up = _upload(tab, "专利清单.csv", data)
    assert up.sha256 == hashlib.sha256(data).hexdigest()
    assert up.path == filing_home / "browser" / tab.id / "uploads" / up.sha256 / "专利清单.csv"
    assert up.path.read_bytes() == data
    assert tab.find("专利清单.csv") == up.path
    assert [u.name for u in tab.uploaded()] == ["专利清单.csv"]
    # nothing but this tab's uploads is ever found: no server path, no other tab's file
    assert tab.find(str(up.path)) is None and tab.find("/etc/passwd") is None
    other = BrowserTab.new()
    other.open()
    assert other.find("专利清单.csv") is None and other.uploaded() == []
    # no temporary file is left beside it
    assert sorted(p.name for p in tab.uploads.iterdir()) == [up.sha256]


def test_same_bytes_twice_is_one_file_and_a_second_file_of_the_same_name_is_numbered(filing_home):
    tab = BrowserTab.new()
    tab.open()
    first = _upload(tab, "名单.csv", b"a,b\n1,2\n")
    again = _upload(tab, "名单（副本）.csv", b"a,b\n1,2\n")
    assert again.path == first.path and again.name == "名单.csv"
    other = _upload(tab, "名单.csv", b"a,b\n3,4\n")
    assert other.name == "名单（2）.csv"
    assert {u.name for u in tab.uploaded()} == {"名单.csv", "名单（2）.csv"}
    assert tab.uploaded(browser_tab.REPORTS) == []


def test_uploads_over_the_caps_or_of_other_kinds_are_refused_and_nothing_is_kept(filing_home, monkeypatch):
    tab = BrowserTab.new()
    tab.open()
    with pytest.raises(UploadRefused, match="只收 Excel"):
        tab.receive("setup.exe")
    monkeypatch.setattr(browser_tab, "MAX_FILE_BYTES", 10)
    incoming = tab.receive("大.csv")
    with pytest.raises(UploadRefused, match="上传上限") as refused:
        incoming.write(b"x" * 11)
    assert refused.value.status == 413
    with pytest.raises(UploadRefused, match="空文件"):
        tab.receive("空.csv").finish()
    monkeypatch.setattr(browser_tab, "MAX_TOTAL_BYTES", 15)
    _upload(tab, "一.csv", b"a" * 10)
    with pytest.raises(UploadRefused, match="合计超过"):
        tab.receive("二.csv").write(b"b" * 6)
    assert [u.name for u in tab.uploaded()] == ["一.csv"]
    assert all(not p.name.startswith(".upload-") for p in tab.uploads.iterdir())


def test_a_tab_is_live_while_its_app_runs_and_its_scratch_goes_with_it(filing_home):
    assert BrowserTab.live("not-an-id") is None and BrowserTab.live("../../../etc/passwd00") is None
    tab = BrowserTab.new()
    assert BrowserTab.live(tab.id) is None  # never opened
    tab.open()
    assert BrowserTab.live(tab.id) is not None
    if os.name != "nt":
        assert (tab.root.stat().st_mode & 0o777) == 0o700
    with tab.workdir() as folder:
        (folder / "报告.docx").write_bytes(b"x")
        assert folder.parent == tab.scratch
    assert not folder.exists()
    up = _upload(tab, "a.csv", b"a\n")
    tab.close()
    assert BrowserTab.live(tab.id) is None and not tab.scratch.exists() and up.path.exists()  # evidence stays


def test_messages_name_uploads_and_no_server_folder(filing_home):
    tab = BrowserTab.new()
    tab.open()
    up = _upload(tab, "名单.csv", b"a\n")
    said = tab.tidy(f"无法读取 {up.path}：没有权限。会话文件 {filing_home / 'sessions' / 'x.json'} 已损坏")
    assert "名单.csv" in said and str(filing_home) not in said and "（数据文件夹）" in said
    assert "“/etc/passwd”" in tab.missing(["/etc/passwd"])

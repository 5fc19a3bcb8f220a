"""A district's server, headless: accounts (argon2 hashes, one-time passwords), the review states of a report
(提交 / 退回 / 审核通过, in the core) and the hash-chained audit log."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from conftest import sample_answers

from assistant.hosting.accounts import CLUSTER, DISTRICT, AccountError, AccountStore
from assistant.hosting.audit import AuditLog
from assistant.hosting.review import (
    APPROVED,
    RETURNED,
    SUBMITTED,
    ReviewRefused,
    Reviews,
    approved_package,
    overview_workbook,
    start_district_summary,
    status_rows,
)
from assistant.interview.engine import Engine
from assistant.session.store import SessionSealed, SessionStore


def _report(folder, answers=None, title="浦江集群"):
    store = SessionStore(folder / "sessions")
    session = store.create("annual_report", title, 2023)
    errors = Engine.for_session(session).apply_many(sample_answers() if answers is None else answers)
    assert not errors
    store.save(session)
    return session


# -- accounts ---------------------------------------------------------------------------------------
def test_accounts_one_time_password_hashed_and_changed(filing_home):
    accounts = AccountStore()
    acc, password = accounts.add("浦江集群", CLUSTER, "浦东新区")
    assert acc.must_change and len(password) >= 12
    raw = accounts.file.read_text(encoding="utf-8")
    assert password not in raw and "$argon2id$" in raw
    assert (accounts.file.stat().st_mode & 0o077) == 0
    assert accounts.verify("浦江集群", password) == acc
    assert accounts.verify("浦江集群", password + "x") is None
    assert accounts.verify("没有的账号", password) is None
    with pytest.raises(AccountError, match="至少"):
        accounts.change_password("浦江集群", "short")
    with pytest.raises(AccountError, match="相同"):
        accounts.change_password("浦江集群", password)
    changed = accounts.change_password("浦江集群", "a-long new passphrase")
    assert not changed.must_change
    assert accounts.verify("浦江集群", password) is None
    assert accounts.verify("浦江集群", "a-long new passphrase") is not None
    # folders are ours, one per account, never named from the account's name
    assert accounts.folder(acc).is_dir() and "浦江" not in str(accounts.folder(acc))


def test_accounts_refusals_reset_and_disable(filing_home):
    accounts = AccountStore()
    with pytest.raises(AccountError, match="--district"):
        accounts.add("无区集群", CLUSTER)
    with pytest.raises(AccountError, match="cluster"):
        accounts.add("某人", "admin")
    with pytest.raises(AccountError, match="控制字符"):
        accounts.add("a/../b", DISTRICT)
    district, _ = accounts.add("浦东新区", DISTRICT)
    accounts.add("浦江集群", CLUSTER, "浦东新区")
    accounts.add("别区集群", CLUSTER, "闵行区")
    with pytest.raises(AccountError, match="已有"):
        accounts.add("浦江集群", CLUSTER, "浦东新区")
    assert [a.name for a in accounts.clusters_of(district)] == ["浦江集群"]
    _, first = accounts.add("临港集群", CLUSTER, "浦东新区")
    acc, second = accounts.reset("临港集群")
    assert acc.must_change and accounts.verify("临港集群", first) is None and accounts.verify("临港集群", second)
    accounts.disable("临港集群")
    assert accounts.verify("临港集群", second) is None
    with pytest.raises(AccountError, match="没有名为"):
        accounts.disable("没有的账号")


# -- the audit log --------------------------------------------------------------------------------------
def test_audit_log_is_chained_and_an_edit_is_detected(filing_home):
    log = AuditLog()
    log.append("浦江集群", "login")
    log.append("浦江集群", "submit", report="1206abcd", sha256="0" * 64)
    log.append("浦东新区", "approve", report="1206abcd", detail="同意")
    assert log.verify() == []
    assert [e.action_text for e in log.entries(report="1206abcd")] == ["提交", "审核通过"]
    lines = log.file.read_bytes().splitlines()
    assert json.loads(lines[1])["prev"] != json.loads(lines[2])["prev"]
    # someone edits the approval's opinion in place
    lines[2] = lines[2].replace("同意".encode(), "不同意".encode())
    log.file.write_bytes(b"\n".join(lines) + b"\n")
    assert any("最后一行" in p for p in log.verify())
    log.append("浦东新区", "download")  # a line appended later still chains to the line as written
    assert any("第 4 行" in p for p in log.verify())
    # …and a removed line breaks the chain where it was
    lines = log.file.read_bytes().splitlines()
    log.file.write_bytes(b"\n".join([lines[0], *lines[2:]]) + b"\n")
    assert any("第 2 行" in p for p in log.verify())
    assert any("应有 4 行" in p for p in log.verify())


# -- the review states ----------------------------------------------------------------------------------
def test_submit_refused_while_blocking_findings_remain(tmp_path):
    folder = tmp_path / "cluster"
    answers = sample_answers()
    answers.pop("cluster_name")
    session = _report(folder, answers)
    reviews = Reviews(folder, AuditLog(tmp_path))
    with pytest.raises(ReviewRefused, match="必须修改"):
        reviews.submit(session.id, "浦江集群")
    assert reviews.of(session.id).editable
    assert not reviews.store.sealed(session.id)
    assert AuditLog(tmp_path).entries() == []


def test_submit_return_resubmit_approve_round(tmp_path):
    folder, district_folder = tmp_path / "cluster", tmp_path / "district"
    audit = AuditLog(tmp_path)
    session = _report(folder)
    reviews = Reviews(folder, audit)
    # a tab editing it holds the lock: submission waits for it, said in words
    with reviews.store.open(session.id), pytest.raises(ReviewRefused, match="标签页"):
        reviews.submit(session.id, "浦江集群")
    done = reviews.submit(session.id, "浦江集群")
    assert done.state == SUBMITTED and len(done.sha256) == 64
    with pytest.raises(SessionSealed, match="已提交"):
        reviews.store.open(session.id)
    with pytest.raises(ReviewRefused, match="不需要再次提交"):
        reviews.submit(session.id, "浦江集群")
    with pytest.raises(ReviewRefused, match="理由"):
        reviews.send_back(session.id, "浦东新区", "  ")
    back = reviews.send_back(session.id, "浦东新区", "研发投入与附件不一致，请核对。")
    assert back.state == RETURNED and back.comment.startswith("研发投入")
    with reviews.store.open(session.id) as handle:  # editable again
        handle.session.title = "浦江集群（修改后）"
        handle.save()
    with pytest.raises(ReviewRefused, match="已退回"):
        reviews.approve(session.id, "浦东新区", "同意")
    again = reviews.submit(session.id, "浦江集群")
    assert again.sha256 != done.sha256
    ok = reviews.approve(session.id, "浦东新区", "数据真实，同意推荐。")
    assert ok.state == APPROVED and reviews.store.sealed(session.id)
    assert [e.action for e in audit.entries(report=session.id)] == ["submit", "return", "submit", "approve"]
    assert audit.entries(report=session.id)[-1].sha256 == again.sha256

    folders = [("浦江集群", folder)]
    rows = status_rows(folders)
    assert rows[0]["state_text"] == "审核通过" and rows[0]["blocking"] == 0
    package = zipfile.ZipFile(io.BytesIO(approved_package(folders)))
    names = package.namelist()
    assert "审核记录.txt" in names and any(n.endswith(".docx") for n in names)
    assert "数据真实，同意推荐。" in package.read("审核记录.txt").decode("utf-8")
    assert overview_workbook(folders)[:2] == b"PK"
    summary = start_district_summary(folders, district_folder, "浦东新区", "浦东新区总结", audit)
    assert SessionStore(district_folder / "sessions").load(summary.id).form == "district_summary"
    assert audit.verify() == []


def test_an_approved_copy_changed_on_disk_is_refused(tmp_path):
    folder = tmp_path / "cluster"
    session = _report(folder)
    reviews = Reviews(folder)
    reviews.submit(session.id, "浦江集群")
    reviews.approve(session.id, "浦东新区", "同意")
    frozen = reviews.frozen_path(session.id)
    frozen.write_bytes(frozen.read_bytes().replace(b"2023", b"2024", 1))
    with pytest.raises(ReviewRefused, match="SHA-256"):
        overview_workbook([("浦江集群", folder)])


# -- the command line -------------------------------------------------------------------------------------
def test_filing_accounts_and_status_on_the_command_line(filing_home, capsys, monkeypatch):
    from assistant.frontends.cli import main

    assert main(["accounts", "add", "浦东新区", "--role", "district"]) == 0
    assert main(["accounts", "add", "浦江集群", "--role", "cluster", "--district", "浦东新区"]) == 0
    out = capsys.readouterr().out
    password = out.rsplit("一次性密码：", 1)[1].split()[0]
    assert AccountStore().verify("浦江集群", password)
    assert main(["accounts", "add", "临港集群", "--role", "cluster"]) == 1
    assert "--district" in capsys.readouterr().err
    assert main(["accounts", "list"]) == 0
    listed = capsys.readouterr().out
    assert "浦江集群\t集群\t浦东新区\t待首次登录改密码" in listed and password not in listed
    folder = AccountStore().folder(AccountStore().get("浦江集群"))
    session = _report(folder)
    Reviews(folder, AuditLog()).submit(session.id, "浦江集群")
    Reviews(folder, AuditLog()).send_back(session.id, "浦东新区", "请补充佐证。")
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"浦江集群\t{session.id}\t浦江集群\t已退回，请修改\t必须修改 0 处\t退回理由：请补充佐证。" in out
    assert main(["status", "--account", "浦东新区", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["state"] == "returned" and rows[0]["cluster"] == "浦江集群"
    assert main(["accounts", "disable", "浦江集群"]) == 0
    assert AccountStore().verify("浦江集群", password) is None
    # the CLI's own writes to the report are refused while it is handed in (the rule is in the store)
    Reviews(folder, AuditLog()).submit(session.id, "浦江集群")
    monkeypatch.setenv("FILING_HOME", str(folder))
    assert main(["answers", session.id, "--set", "contact_name=王五"]) == 3
    assert "已提交给区里审核" in capsys.readouterr().err


def test_a_returned_report_opens_in_the_app_with_the_district_reason(tmp_path):
    from assistant.frontends.serve import _returned_note

    folder = tmp_path / "cluster"
    session = _report(folder)
    assert _returned_note(folder, session.id) is None
    reviews = Reviews(folder)
    reviews.submit(session.id, "浦江集群")
    assert _returned_note(folder, session.id) is None
    reviews.send_back(session.id, "浦东新区", "请补充佐证。")
    assert "请补充佐证。" in _returned_note(folder, session.id)
    assert _returned_note(folder, None) is None


def test_serve_with_accounts_refuses_a_session_id(filing_home, capsys):
    from assistant.frontends.cli import main

    AccountStore().add("浦东新区", DISTRICT)
    assert main(["serve", "1206abcd", "--no-browser", "--port", "1"]) == 2
    assert "不能指定会话编号" in capsys.readouterr().err


def test_a_cluster_whose_district_has_no_account_is_warned_of(filing_home, capsys):
    """--district 浦东区 for 浦东新区: the district would never see the cluster; said at once (a warning: the
    district's account may come later), with the districts that exist."""
    from assistant.frontends.cli import main

    assert main(["accounts", "add", "浦东新区", "--role", "district"]) == 0
    assert main(["accounts", "add", "浦江集群", "--role", "cluster", "--district", "浦东新区"]) == 0
    assert "区账号" not in capsys.readouterr().err
    assert main(["accounts", "add", "临港集群", "--role", "cluster", "--district", "浦东区"]) == 0
    err = capsys.readouterr().err
    assert "还没有“浦东区”的区账号" in err and "浦东新区" in err


def test_a_cluster_district_typo_is_corrected_with_set_district(filing_home, capsys):
    """--district 浦东区 for 浦东新区 used to be final (disable, and make the account again under another name);
    `filing accounts set-district` moves the cluster, warns like add, and the audit log keeps it."""
    from assistant.frontends.cli import main

    assert main(["accounts", "add", "浦东新区", "--role", "district"]) == 0
    assert main(["accounts", "add", "浦江集群", "--role", "cluster", "--district", "浦东区"]) == 0
    assert "filing accounts set-district 浦江集群 正确的区名" in capsys.readouterr().err
    store = AccountStore()
    district = store.get("浦东新区")
    assert store.clusters_of(district) == []
    before = store.get("浦江集群")

    assert main(["accounts", "set-district", "浦江集群", "浦东新区"]) == 0
    captured = capsys.readouterr()
    assert "由“浦东区”改为“浦东新区”" in captured.out and "区账号" not in captured.err
    after = store.get("浦江集群")
    assert [a.name for a in store.clusters_of(district)] == ["浦江集群"]
    assert (after.id, after.hash, after.must_change) == (before.id, before.hash, before.must_change)  # the rest kept
    entry = AuditLog().entries()[-1]
    assert (entry.who, entry.action, entry.action_text) == ("浦江集群", "set_district", "修改所属区")
    assert "由“浦东区”改为“浦东新区”" in entry.detail and AuditLog().verify() == []

    # to a district with no account yet: done, and warned of like add
    assert main(["accounts", "set-district", "浦江集群", "闵行区"]) == 0
    assert "还没有“闵行区”的区账号（现有的区：浦东新区）" in capsys.readouterr().err
    # refused, nothing changed: a district account, an unknown name, the same district, no district given
    for argv, code, said in ((["浦东新区", "闵行区"], 1, "只能修改集群账号的所属区"),
                             (["临港集群", "闵行区"], 1, "没有名为“临港集群”的账号"),
                             (["浦江集群", "闵行区"], 1, "已经是“闵行区”"),
                             (["浦江集群", " "], 1, "区名不能为空"),
                             (["浦江集群"], 2, "请写出正确的区名")):
        assert main(["accounts", "set-district", *argv]) == code
        assert said in capsys.readouterr().err
    assert store.get("浦江集群").district == "闵行区" and store.get("浦东新区").district == "浦东新区"
    assert len(AuditLog().entries()) == 2

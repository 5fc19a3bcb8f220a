"""Where the district's review meets the printed report: an approved report's 考核意见 is printed in part 八
(from the review record, its one source), in `filing export`, `filing package` and the district's .zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from conftest import sample_answers
from document_support import cell_texts

from assistant.frontends.cli import main
from assistant.hosting.audit import AuditLog
from assistant.hosting.review import Reviews, approved_package
from assistant.interview.engine import Engine
from assistant.session.store import SessionStore

OPINION = "数据真实，材料齐全。\n同意推荐。"
SEAL = "区中小企业主管部门（公章）："


def _report(folder: Path) -> str:
    store = SessionStore(folder / "sessions")
    session = store.create("annual_report", "浦江集群", 2023)
    assert not Engine.for_session(session).apply_many(sample_answers())
    store.save(session)
    return session.id


def declaration_lines(source: Path | bytes) -> list[str]:
    """The lines of part 八's declaration cell, read back from the .docx."""
    doc = docx.Document(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    for table in doc.tables:
        cells = cell_texts(table.rows[0])
        if cells and cells[0] == "真实性声明":
            return cells[1].split("\n")
    raise AssertionError("part 八's declaration table is missing")


def opinion_lines(lines: list[str]) -> list[str]:
    """What stands between the signatory's line and the district's seal."""
    start = next(i for i, line in enumerate(lines) if "签字" in line)
    return lines[start + 1:lines.index(SEAL)]


def test_an_approved_report_prints_the_district_opinion_in_part_eight(filing_home, tmp_path, capsys):
    sid = _report(filing_home)
    reviews = Reviews(filing_home, AuditLog(filing_home))
    # Not yet approved: the place stays blank for the district's hand, as on the form.
    assert main(["export", sid, "--format", "docx", "-o", str(tmp_path / "before.docx")]) == 0
    before = opinion_lines(declaration_lines(tmp_path / "before.docx"))
    assert before == ["", "", ""]
    reviews.submit(sid, "浦江集群")
    reviews.send_back(sid, "浦东新区", "请补充佐证。")
    assert main(["export", sid, "--format", "docx", "-o", str(tmp_path / "returned.docx")]) == 0
    assert opinion_lines(declaration_lines(tmp_path / "returned.docx")) == before
    reviews.submit(sid, "浦江集群")
    assert main(["export", sid, "--format", "docx", "-o", str(tmp_path / "submitted.docx")]) == 0
    assert opinion_lines(declaration_lines(tmp_path / "submitted.docx")) == before

    reviews.approve(sid, "浦东新区", OPINION)
    want = ["", "考核意见：数据真实，材料齐全。", "同意推荐。", ""]
    assert main(["export", sid, "--format", "docx", "-o", str(tmp_path / "approved.docx")]) == 0
    lines = declaration_lines(tmp_path / "approved.docx")
    assert opinion_lines(lines) == want
    whole = declaration_lines(tmp_path / "before.docx")
    assert lines[lines.index(SEAL):] == whole[whole.index(SEAL):]  # the seal and its date as before
    assert main(["export", sid, "--format", "md", "-o", str(tmp_path / "approved.md")]) == 0
    assert "考核意见：数据真实，材料齐全。" in (tmp_path / "approved.md").read_text(encoding="utf-8")

    assert main(["package", sid, "-o", str(tmp_path / "pkg")]) == 0
    printed = next(p for p in (tmp_path / "pkg").glob("*.docx") if p.stem != "报送清单")
    assert opinion_lines(declaration_lines(printed)) == want
    capsys.readouterr()

    # The district's .zip of approved reports prints it too (the same record).
    package = zipfile.ZipFile(io.BytesIO(approved_package([("浦江集群", filing_home)])))
    name = next(n for n in package.namelist() if n.endswith(".docx"))
    assert opinion_lines(declaration_lines(package.read(name))) == want


def test_the_opinion_is_user_text_never_markup(filing_home, tmp_path):
    sid = _report(filing_home)
    reviews = Reviews(filing_home)
    reviews.submit(sid, "浦江集群")
    reviews.approve(sid, "浦东新区", "<w:t>同意</w:t> {{ year }} =SUM(A1)\x1b[31m")
    assert main(["export", sid, "--format", "docx", "-o", str(tmp_path / "a.docx")]) == 0
    said = opinion_lines(declaration_lines(tmp_path / "a.docx"))[1]
    assert said.startswith("考核意见：<w:t>同意</w:t> {{ year }} =SUM(A1)") and "\x1b" not in said

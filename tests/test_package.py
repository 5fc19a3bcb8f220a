"""`filing package`: the report in every format, the evidence, and 报送清单 from templates/submission.yaml."""

from __future__ import annotations

import hashlib
import shutil

import docx
import pytest
from cli_support import assert_clean, run_filing
from conftest import make_session

from assistant.errors import UserError
from assistant.report import pdf
from assistant.report.package import build_package, load_submission

NAME = "上海浦江示例智能传感器特色产业集群_2023年度发展情况报告"


@pytest.fixture
def no_soffice(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "no-soffice"))  # fast, and the no-PDF path


def test_package_holds_the_report_evidence_and_checklist(annual_session, tmp_path, no_soffice):
    pkg = build_package(annual_session, tmp_path / "报送")
    names = sorted(p.name for p in pkg.files)
    assert names == sorted([f"{NAME}.docx", f"{NAME}.json", "计算佐证材料.md", "报送清单.md", "报送清单.docx"])
    assert any("未生成 PDF" in n for n in pkg.notes)
    md = (pkg.folder / "报送清单.md").read_text(encoding="utf-8")
    sub = load_submission("annual_report")
    # What the notice asks: who, by when, to whom, 2 sealed paper copies and 1 disc, each with a tick box.
    assert "2024 年 4 月 10 日前" in md and sub["recipient"] in md and "上海浦江示例园区发展有限公司" in md
    assert "- [ ] 纸质版 2 份（加盖公章）" in md and "- [ ] 电子版光盘 1 份" in md
    for p in pkg.files[:3]:  # each file written before the checklist is listed with its SHA-256
        assert hashlib.sha256(p.read_bytes()).hexdigest() in md
    evidence = (pkg.folder / "计算佐证材料.md").read_text(encoding="utf-8")
    assert "41.62" in evidence and "8650" in evidence and "计算公式" in evidence
    doc = docx.Document(str(pkg.folder / "报送清单.docx"))
    texts = [p.text for p in doc.paragraphs]
    assert "☐ 纸质版 2 份（加盖公章）" in texts
    assert doc.tables[0].rows[1].cells[0].text == f"{NAME}.docx"


def test_district_checklist_names_the_district_office(district_session, tmp_path, no_soffice):
    pkg = build_package(district_session, tmp_path / "区")
    md = (pkg.folder / "报送清单.md").read_text(encoding="utf-8")
    assert "区级中小企业主管部门" in md and "附件2" in md and "各集群的年度发展情况报告（附件1）" in md


def test_unfinished_report_is_refused_unless_draft(store, tmp_path, no_soffice):
    session = make_session(store, "annual", {"cluster_name": "甲集群"})
    with pytest.raises(UserError, match="暂不能生成报送材料") as info:
        build_package(session, tmp_path / "p")
    assert info.value.code == 1 and not (tmp_path / "p").exists()
    assert "可加 --draft 参数生成草稿材料" in str(info.value)
    pkg = build_package(session, tmp_path / "p", draft=True)
    assert "草稿" in (pkg.folder / "报送清单.md").read_text(encoding="utf-8")


def test_a_non_empty_folder_needs_force(annual_session, tmp_path, no_soffice):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "别的文件.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match="不是空的"):
        build_package(annual_session, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["别的文件.txt"]
    build_package(annual_session, folder, force=True)
    assert (folder / "别的文件.txt").exists() and (folder / "报送清单.md").exists()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_cli_package_with_libreoffice_includes_the_pdf(tmp_path):
    sid = run_filing("new", "--form", "annual").stdout.strip()
    out = run_filing("package", sid, "-o", str(tmp_path / "p"), timeout=240, mem_mb=8192)
    assert_clean(out, 1)  # an empty report: refused, with what is missing
    assert "暂不能生成报送材料" in out.stderr and not (tmp_path / "p").exists()
    out = run_filing("package", sid, "--draft", "-o", str(tmp_path / "p"), timeout=240, mem_mb=8192)
    assert_clean(out, 0)
    assert any(p.suffix == ".pdf" for p in (tmp_path / "p").iterdir()) and "PDF：共" in out.stderr


@pytest.mark.slow  # a long run of keys and screens through the TUI
def test_tui_export_dialog_writes_the_package(store, tmp_path, no_soffice):
    import asyncio

    from tui_support import export_from_dialog

    from assistant.frontends.tui.app import FilingApp

    session = make_session(store, "annual")

    async def run() -> None:
        app = FilingApp(session.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            text = await export_from_dialog(pilot, -1, str(tmp_path / "报送"))  # the last choice: the package
            assert "报送清单.md" in text and "未生成 PDF" in text, text

    asyncio.run(run())
    assert (tmp_path / "报送" / "报送清单.docx").exists()


def test_annual_checklist_routes_the_report_through_the_district(annual_session, tmp_path, no_soffice):
    """The cluster hands its report to the district office (公章 and 考核意见), in time for the district to
    send 附件1 with 附件2 to 市经信委 by 4月10日; the 佐证材料 the 填报说明 asks for; .docx and .pdf on the disc."""
    pkg = build_package(annual_session, tmp_path / "报送")
    md = (pkg.folder / "报送清单.md").read_text(encoding="utf-8")
    to = next(line for line in md.splitlines() if line.startswith("- 报送至："))
    when = next(line for line in md.splitlines() if line.startswith("- 报送时间："))
    assert "区的中小企业主管部门" in to and "上海市经济和信息化委员会" not in to
    assert "2024 年 4 月 10 日前" in when and "附件1" in when and "附件2" in when and "上海市经济和信息化委员会" in when
    assert "- [ ] 交区中小企业主管部门：在真实性声明处加盖公章，并填写考核意见" in md
    assert "## 佐证材料（填报说明第 1 条：提供必要的佐证材料）" in md
    for words in ("认定证书", "公布名单", "前言页", "设定 2023 年目标", "计算佐证材料.md"):
        assert words in md, words
    disc = next(line for line in md.splitlines() if "电子版光盘 1 份" in line)
    assert f"“{NAME}.docx”" in disc and "PDF" in disc  # no LibreOffice here: the PDF is asked for
    texts = [p.text for p in docx.Document(str(pkg.folder / "报送清单.docx")).paragraphs]
    assert "佐证材料（填报说明第 1 条：提供必要的佐证材料）" in texts and any("考核意见" in t for t in texts)


def test_the_disc_item_names_the_pdf_when_there_is_one(annual_session, tmp_path):
    from assistant.report.package import _disc_files

    docx_file, pdf_file = tmp_path / "报告.docx", tmp_path / "报告.pdf"
    assert _disc_files([docx_file, pdf_file, tmp_path / "报告.json"]) == "“报告.docx”、“报告.pdf”"
    assert "另存为 PDF" in _disc_files([docx_file])

"""PDF export: LibreOffice with a time limit, the page check of parts 一–六, and a clear message without it."""

from __future__ import annotations

import os
import shutil
import stat
import time

import pytest
from cli_support import assert_clean, run_filing
from conftest import make_session, sample_answers

from assistant.errors import UserError
from assistant.report import pdf
from assistant.report.export import export_session

HAS_SOFFICE = shutil.which("soffice") is not None


def test_page_check_names_the_part_that_runs_over():
    titles = ["封面", "一、基本情况", "二、主导产业情况", "三、创新能力情况", "七、工作"]
    one_page = [False, True, True, True, False]
    pages = ["封面\n集群名称", "一、基本情况\n表格", "二、主导产业情况\n表格", "续表", "三、创新能力情况", "七、工作"]
    check = pdf.check_pages(pages, titles, one_page)
    assert check.pages == 6 and check.overflow == [("二、主导产业情况", 2)] and not check.missing
    text = check.summary(titles[1:4])
    assert "“二、主导产业情况”占了 2 页" in text and "不得串页" in text


def test_page_check_passes_single_pages_and_reports_a_missing_title():
    titles = ["一、基本情况", "二、主导产业情况", "三、创新能力情况"]
    ok = pdf.check_pages(["一、基本情况", "二、主导产业情况", "三、创新能力情况\n续"], titles, [True, True, False])
    assert not ok.overflow and not ok.missing and "各在一页之内" in ok.summary(titles[:2])
    lost = pdf.check_pages(["一、基本情况", "别的"], titles[:2], [True, True])
    assert lost.missing == ["二、主导产业情况"]


def test_without_libreoffice_the_message_says_what_to_do(annual_session, tmp_path, monkeypatch):
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(tmp_path / "no-such-soffice"))
    target = tmp_path / "r.pdf"
    with pytest.raises(UserError) as info:
        export_session(annual_session, "pdf", target)
    assert "需要 LibreOffice" in str(info.value) and "--format docx" in str(info.value) and info.value.code == 4
    assert not target.exists()


@pytest.mark.slow  # spawns a stand-in LibreOffice and kills it
@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for soffice")
def test_a_hung_libreoffice_is_stopped_with_its_children(annual_session, tmp_path, monkeypatch):
    marker = tmp_path / "child.pid"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {marker}\nwait\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(fake))
    monkeypatch.setattr(pdf, "TIMEOUT_S", 1.5)
    started = time.monotonic()
    with pytest.raises(UserError, match="秒内没有完成转换"):
        export_session(annual_session, "pdf", tmp_path / "r.pdf")
    assert time.monotonic() - started < 30 and not (tmp_path / "r.pdf").exists()
    child = int(marker.read_text())
    time.sleep(0.2)
    assert not _running(child)  # the whole group was ended, not only the launcher


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan killed in a container may wait for a reaper that never comes)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) is not installed")
def test_pdf_of_the_sample_report_has_parts_one_to_six_on_single_pages(store, tmp_path):
    session = make_session(store, "annual")
    target = tmp_path / "报告.pdf"
    notes: list[str] = []
    assert export_session(session, "pdf", target, notes=notes) == target
    from pypdf import PdfReader

    reader = PdfReader(str(target))
    assert len(reader.pages) >= 10
    assert notes[0] == f"共 {len(reader.pages)} 页；“一、基本情况”至“六、开放合作情况”各在一页之内。"
    assert notes[1:] == [] or (len(notes) == 2 and notes[1].startswith("所用字体："))  # the faces, read back
    assert "一、基本情况" in (reader.pages[2].extract_text() or "")


@pytest.mark.slow
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) is not installed")
def test_cli_pdf_export_reports_the_page_check_on_stderr(tmp_path):
    sid = run_filing("new", "--form", "annual").stdout.strip()
    out = run_filing("export", sid, "--format", "pdf", "--draft", "-o", str(tmp_path / "草稿.pdf"),
                     timeout=240, mem_mb=8192)  # soffice maps far more address space than it uses
    assert_clean(out, 0)
    assert out.stdout.strip() == str(tmp_path / "草稿.pdf") and "页" in out.stderr


@pytest.mark.slow
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) is not installed")
def test_tui_export_dialog_writes_a_pdf_in_the_background(store, tmp_path):
    import asyncio

    from tui_support import export_from_dialog

    from assistant.frontends.tui.app import FilingApp

    session = make_session(store, "annual")
    out = tmp_path / "报告.pdf"

    async def run() -> None:
        app = FilingApp(session.id, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            text = await export_from_dialog(pilot, 1, str(out))  # 1: PDF
            assert "正在用 LibreOffice 生成 PDF" in text and str(out) in text and "各在一页之内" in text, text

    asyncio.run(run())
    assert out.read_bytes().startswith(b"%PDF")


def test_a_part_that_will_not_fit_is_named_by_check_and_export(annual_session, tmp_path, monkeypatch):
    from assistant.interview.engine import Engine
    from assistant.report import model

    engine = Engine.for_session(annual_session)
    assert not [f for f in engine.findings() + model.layout_findings(engine) if f.rule == "one_page"]  # the sample fits
    monkeypatch.setattr(model, "PAGE_BODY_CM", 8.0)  # as if the content were three times longer
    over = [f for f in engine.findings() + model.layout_findings(engine) if f.rule == "one_page"]
    assert over and over[0].severity == "warning" and over[0].section == "part2"
    assert "“二、主导产业情况”的表格估计比一页长约" in over[0].message and "最占地方的是" in over[0].message
    assert not [f for f in engine.findings() if f.rule == "one_page"]  # not built after every answer
    notes: list[str] = []
    export_session(annual_session, "docx", tmp_path / "r.docx", notes=notes)
    assert any("不得串页" in n for n in notes)


def test_page_check_names_a_cover_split_over_two_pages():
    pages = ["附件 1\n中小企业特色产业集群年度发展情况报告\n集群名称：长长长", "上海市经济和信息化委员会 制", "一、基本情况"]
    check = pdf.check_pages(pages, ["一、基本情况"], [True],
                            [("封面", "中小企业特色产业集群年度发展情况报告", "上海市经济和信息化委员会 制")])
    assert check.split == ["封面"] and "封面没能排在一页上" in check.summary(["一、基本情况"])


LONG_PLATFORM = "上海市浦东新区张江高科技园区国家级集成电路设计产业化基地公共服务平台"


def stress_answers(case: str) -> dict:
    """Long content that used to push a part over its page (issue: 不得串页 with long names)."""
    a = dict(sample_answers())
    if case in ("twenty_platforms", "everything"):
        for k in ("platform_national", "platform_municipal", "platform_other"):
            a[f"{k}_count"] = "20"
            a[f"{k}_names"] = [{"name": f"{LONG_PLATFORM}（第{i}号）"} for i in range(20)]
    if case in ("one_400_char_name", "everything"):
        a["platform_national_count"] = "1"
        a["platform_national_names"] = [{"name": "超长名称" * 100}]
    if case in ("long_cover_and_part1", "everything"):
        a.update(cluster_name="长" * 100, operator_name="机构" * 50, leading_industry="智能制造装备" * 33,
                 operator_changed="是", operator_prev_name="旧" * 100, operator_change_date="2023-05-01",
                 industry_changed="是", industry_prev="旧产业" * 66)
    return a


@pytest.mark.slow
@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("case", ["twenty_platforms", "one_400_char_name", "long_cover_and_part1", "everything"])
def test_long_content_keeps_parts_one_to_six_and_the_cover_on_single_pages(store, tmp_path, case):
    session = make_session(store, "annual", stress_answers(case))
    notes: list[str] = []
    export_session(session, "pdf", tmp_path / f"{case}.pdf", notes=notes, draft=True)
    assert notes[-2].endswith("“一、基本情况”至“六、开放合作情况”各在一页之内。"), notes
    assert not [n for n in notes if "不得串页" in n], notes  # the height model agrees

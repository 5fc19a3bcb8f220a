"""Render the .docx with LibreOffice and check the pages: parts 一–六 each start a page and fit on it.

Skipped where `soffice` or `pdftotext` is missing. Fixtures stay small (LibreOffice is slow on
thousand-row tables).
"""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
from conftest import make_session, sample_answers

from assistant.interview.engine import Engine
from assistant.report.export import export_session

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                       reason="LibreOffice (soffice) and poppler-utils (pdftotext) are not installed"),
]


def _pages(docx_path, tmp_path) -> list[list[str]]:
    profile = tmp_path / f"lo-profile-{uuid.uuid4().hex}"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
         "--outdir", str(docx_path.parent), str(docx_path)],
        check=True, capture_output=True, timeout=180,
    )
    pdf = docx_path.with_suffix(".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
    return [[line.strip() for line in page.splitlines() if line.strip()] for page in text.split("\f")]


def _start_pages(pages: list[list[str]], titles: list[str]) -> list[int]:
    """The page on which each part title stands as a line of its own (searching forward)."""
    found, start = [], 0
    for title in titles:
        page = next(i for i in range(start, len(pages)) if title in pages[i])
        found.append(page)
        start = page
    return found


def _check_parts(session, tmp_path, draft: bool = False) -> list[list[str]]:
    path = export_session(session, "docx", tmp_path / "render.docx", draft=draft)
    pages = _pages(path, tmp_path)
    e = Engine.for_session(session)
    titles = [e.text(s.title) for s in e.flow.sections if s.id.startswith("part")]  # 一 … 八
    starts = _start_pages(pages, titles)
    for k in range(6):
        body = [line for line in pages[starts[k]] if "草稿" not in line]
        assert body[0] == titles[k], f"{titles[k]} is not at the top of its page: {body[:2]}"
        # The next part begins on the following page, so this part did not run onto a second page.
        assert starts[k + 1] == starts[k] + 1, f"{titles[k]} spans pages {starts[k] + 1}–{starts[k + 1]}"
    return pages


def test_sample_report_parts_one_to_six_each_fill_one_page(annual_session, tmp_path):
    pages = _check_parts(annual_session, tmp_path)
    assert pages[0][0].replace(" ", "") == "附件1"
    part3 = next(p for p in pages if "三、创新能力情况" in p)
    assert any("36 个" in line for line in part3)  # the last row of part 三 is on the same page


def test_long_answers_still_keep_each_part_on_one_page(store, tmp_path):
    answers = sample_answers()
    answers["leading_industry"] = "智能传感器、MEMS 芯片设计制造、封装测试、物联网终端及系统集成" * 4
    answers["operator_name"] = "上海浦江示例智能传感器产业园区开发建设运营管理集团有限公司" * 2
    names = [{"name": f"上海市某某智能传感器与物联网制造业创新中心（示例{i}）"} for i in range(1, 7)]
    answers.update(platform_municipal_count="6", platform_municipal_names=names,
                   platform_other_count="6", platform_other_names=names)
    session = make_session(store, "annual", answers)
    _check_parts(session, tmp_path)


def test_draft_pages_carry_the_draft_mark(store, tmp_path):
    session = make_session(store, "annual", {"cluster_name": "草稿集群"})
    pages = _check_parts(session, tmp_path, draft=True)
    assert all(any("草稿" in line for line in page) for page in pages if page)

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


# -- the district's page shows the report's part 七 as handed in ---------------------------------------------
def _drafted_report(folder: Path) -> tuple[str, dict[str, str]]:
    """A report whose part 七 is composed by 起草 from its figures and sub-answers, each draft adopted."""
    from assistant.interview.drafts import current_drafts

    store = SessionStore(folder / "sessions")
    session = store.create("annual_report", "浦江集群", 2023)
    engine = Engine.for_session(session)
    answers = sample_answers()
    narratives = [qid for qid, _label, _text in current_drafts(engine)]
    assert not engine.apply_many({k: v for k, v in answers.items() if k not in narratives})
    texts = {qid: text for qid, _label, text in current_drafts(engine)}
    assert all(texts.values()), texts
    assert not engine.apply_many(texts)
    store.save(session)
    return session.id, texts


def test_the_district_page_shows_part_seven_as_the_cluster_handed_it_in(filing_home):
    import asyncio

    from serve_support import client, port_of, serving

    from assistant.hosting.accounts import CLUSTER, DISTRICT, AccountStore

    accounts = AccountStore()
    _office, office_pw = accounts.add("浦东新区", DISTRICT)
    cluster, cluster_pw = accounts.add("浦江集群", CLUSTER, "浦东新区")
    folder = accounts.folder(cluster)
    sid, texts = _drafted_report(folder)
    # an edit typed in the app's editor and never submitted (Ctrl+S) is not handed in unseen: refused, named
    store = SessionStore(folder / "sessions")
    with store.open(sid) as handle:
        handle.session.drafts["problems"] = texts["problems"] + "另：新增一条问题。"
        handle.save()

    async def go() -> None:
        async with serving(fail_delay=0.01) as ready, client() as mine, client() as district:
            base = f"http://127.0.0.1:{port_of(ready)}"
            origin = {"Origin": base}
            for http, name, password, new in ((mine, "浦江集群", cluster_pw, "春天 2024 新的密码"),
                                              (district, "浦东新区", office_pw, "秋天 审核 密码 2024")):
                async with http.post(base + "/login", data={"name": name, "password": password}, headers=origin):
                    pass
                async with http.post(base + "/password", data={"old": password, "new": new, "again": new},
                                     headers=origin) as resp:
                    assert resp.status == 200
            url = f"{base}/report/{cluster.id}/{sid}"
            async with mine.post(url + "/submit", headers=origin) as resp:
                text = await resp.text()
                assert resp.status == 409 and "没提交的文字" in text and "存在问题" in text, text[:3000]
            with store.open(sid) as handle:  # the cluster submits its edit in the editor (or drops it)
                handle.session.drafts.pop("problems")
                handle.save()
            async with mine.post(url + "/submit", headers=origin) as resp:
                assert resp.status == 200 and "已提交，待审核" in await resp.text()
            async with district.get(url) as resp:
                page = await resp.text()
            shown = page[page.index("报告内容（只读）"):]
            for qid, text in texts.items():  # each drafted part's text, as the report's text
                for para in (p.strip() for p in text.split("\n") if p.strip()):
                    assert html_escape(para) in shown, (qid, para)

    asyncio.run(go())


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)

"""The submission package: the report in every format the commission takes, the evidence, and a
报送清单 of what the notice asks to be handed in (templates/submission.yaml), with the files just written.

Nothing is written when the report still has blocking findings (unless draft), and an existing
package folder is only replaced with force. The package is built in a temporary folder beside the
target and swapped into place at the end (staging.staged_folder): never a half-built folder.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import UserError
from assistant.files.staging import staged_folder
from assistant.form.catalog import package
from assistant.form.shapes import FormSubmission, Submission
from assistant.interview.engine import Engine
from assistant.interview.enterprises.evidence import appendix_rows
from assistant.interview.findings import blocking
from assistant.report.docx_writer import blocks_docx
from assistant.report.export import PACKAGE_SUFFIX, _write, default_stem, evidence, export_session
from assistant.report.model import Block, Cell, Grid, Row, _findings, file_properties, load_layout
from assistant.report.pdf import find_soffice
from assistant.report.preview import _inline
from assistant.session.evidence import SOURCES
from assistant.text.fileerrors import reason

if TYPE_CHECKING:
    from assistant.session.store import Session


CHECKLIST_MD, CHECKLIST_DOCX = "报送清单.md", "报送清单.docx"
CHECKLIST_NAMES = (CHECKLIST_MD, CHECKLIST_DOCX)
_LISTED = re.compile(r"^\| (.+?) \| [^|]+ \| `[0-9a-f]{64}` \|$")  # a file row of checklist_md


@dataclass
class Package:
    folder: Path
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_submission(form: str) -> Submission:
    """The notice's requirements (templates/submission.yaml, the form's folder first) and, under
    `form`, what this form adds: the `submission:` block of its layout (who files it, what, seal)."""
    own: FormSubmission | None = load_layout(form).get("submission")
    data: Submission = {**package(form).submission, "form": own or {}}
    return data


def _folder(engine: Engine, out: Path | str | None) -> Path:
    if out is not None:
        return Path(out).expanduser()
    return Path.cwd() / package_folder_name(engine)


def package_folder_name(engine: Engine) -> str:
    """The report's file name and 报送材料: within the 64 characters a Joliet CD keeps."""
    return default_stem(engine) + PACKAGE_SUFFIX


def build_package(session: Session, out: Path | str | None = None, *, force: bool = False, draft: bool = False,
                  opinion: str = "") -> Package:
    """The 报送材料 folder; `opinion`: the district's 考核意见 of an approved report, printed in part 八."""
    engine = Engine.for_session(session)
    if not draft and blocking(engine.findings()):
        lines = "\n".join(f"  - {m}" for m in _findings(engine))
        raise UserError(lambda w: f"报告还有必须填写或修改的地方，暂不能生成报送材料：\n{lines}\n"
                        f"请先补充完整；如只想先看看，可{w.draft}生成草稿材料（每页标注“草稿”）。", 1)
    folder = _folder(engine, out)
    if folder.exists() and not folder.is_dir():
        raise UserError(lambda w: f"{folder} 已存在且不是文件夹，未做改动。请{w.output}其他文件夹。", 4)
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise UserError(lambda w: f"文件夹 {folder} 已存在且不是空的，未做改动。如需覆盖其中的同名文件，"
                        f"请{w.force}；或{w.output}其他文件夹。", 4)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        # Built whole in a folder beside the target and swapped in at the end: a failed or killed run
        # leaves the old folder as it was (or none), never a mix of new and old files.
        with staged_folder(folder, previous=listed_files(folder), last=CHECKLIST_NAMES) as stage:
            pkg = _build(session, engine, stage.path, draft, opinion)
    except OSError as exc:
        name, why = exc.filename or folder, reason(exc)
        raise UserError(lambda w: f"无法写入 {name}（{why}），报送材料文件夹未做改动。请检查磁盘空间和写入权限，"
                        f"或{w.output}其他位置。", 4) from None
    pkg.folder, pkg.files = folder, [stage.final(p) for p in pkg.files]
    if stage.carried:
        shown = "、".join(stage.carried[:5]) + (f" 等 {len(stage.carried)} 项" if len(stage.carried) > 5 else "")
        pkg.notes.append(f"文件夹中原有的其他文件已保留（不在报送清单中）：{shown}。")
    return pkg


def _build(session: Session, engine: Engine, folder: Path, draft: bool, opinion: str = "") -> Package:
    """Every file of the package, written into `folder` (the stage)."""
    pkg = Package(folder)
    formats = ["docx", "json"] + (["pdf"] if find_soffice() else [])
    for fmt in formats:
        notes: list[str] = []
        pkg.files.append(export_session(session, fmt, folder, force=True, draft=draft, notes=notes, opinion=opinion))
        pkg.notes += [f"PDF：{n}" if fmt == "pdf" else n for n in notes if n not in pkg.notes]
    if "pdf" not in formats:
        pkg.notes.append("本机没有 LibreOffice，未生成 PDF；Word 文件是完整的，可在 Word 或 WPS 中另存为 PDF。")
    evidence = _evidence_md(engine)
    if evidence:
        pkg.files.append(_write_text(folder / "计算佐证材料.md", evidence))
    sub = load_submission(engine.flow.form)
    checklist = _checklist(engine, sub, pkg.files, draft)
    pkg.files.append(_write_text(folder / CHECKLIST_MD, checklist_md(checklist)))
    pkg.files.append(_write_bytes(folder / CHECKLIST_DOCX, checklist_docx(checklist)))
    return pkg


def listed_files(folder: Path) -> set[str]:
    """The files an earlier package in `folder` listed in its 报送清单 (and the checklist itself): what a
    new package replaces; anything else there is the person's own and is kept."""
    try:
        text = (folder / CHECKLIST_MD).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set(CHECKLIST_NAMES)
    names = set(CHECKLIST_NAMES)
    for line in text.splitlines():
        m = _LISTED.match(line)
        if m:
            names.add(m[1].replace("\\|", "|").strip())
    return names


@dataclass
class Checklist:
    title: str
    lines: list[str]  # the notice's requirements, filled in
    items: list[str]  # to tick
    files: list[tuple[str, int, str]]  # name, bytes, SHA-256
    draft: bool
    evidence: list[str] = field(default_factory=list)  # supporting documents to attach
    evidence_title: str = ""


def _checklist(engine: Engine, sub: Submission, files: list[Path], draft: bool) -> Checklist:
    form: FormSubmission = {"who": "", "what": f"《{engine.form_title()}》", **sub["form"]}
    values = {"year": engine.year, "deadline_year": engine.year + 1, "who": form["who"], "what": form["what"],
              "seal": form.get("seal", ""), "recipient": sub["recipient"], "contact": sub.get("contact", ""),
              "disc_files": _disc_files(files)}
    values["deadline"] = sub["deadline"].format(**values)
    who = file_properties(engine)["author"]
    title = f"{form['what']} {engine.year} 年度 报送清单"
    to = str(form.get("to") or "{recipient}（联系人：{contact}）").format(**values)
    when = str(form.get("when") or "{deadline}").format(**values)
    lines = [f"依据：{sub['notice']}", f"报送单位：{form['who']}" + (f"（{who}）" if who else ""),
             f"报送至：{to}", f"报送时间：{when}"]
    own = form.get("items")
    steps = own if own is not None else sub["items"]
    items = [str(i).format(**values) for i in steps] + [str(i).format(**values) for i in form.get("also", [])]
    evidence = [str(i).format(**values) for i in form.get("evidence", [])]
    listed = [(p.name, p.stat().st_size, _sha256(p)) for p in files]
    return Checklist(title, lines, items, listed, draft, evidence, str(sub.get("evidence_title") or ""))


def _disc_files(files: list[Path]) -> str:
    """The report files that go on the disc: the Word file and its PDF (said when there is no PDF yet)."""
    docs = [p.name for p in files if p.suffix.lower() == ".docx"]
    pdfs = [p.name for p in files if p.suffix.lower() == ".pdf"]
    named = "、".join(f"“{n}”" for n in docs + pdfs)
    if docs and not pdfs:
        named += "，以及它的 PDF 文件（本机没有生成 PDF，请用 Word 或 WPS 另存为 PDF 后一并刻录）"
    return named


def checklist_md(c: Checklist) -> str:
    out = [f"# {c.title}", ""]
    if c.draft:
        out += ["**草稿：报告尚未完成，以下文件不可报送。**", ""]
    out += [f"- {line}" for line in c.lines] + ["", "## 报送事项", ""]
    out += [f"- [ ] {item}" for item in c.items] + [""]
    if c.evidence:
        out += [f"## {c.evidence_title}", ""]
        out += [f"- [ ] {item}" for item in c.evidence] + [""]
    out += ["## 本文件夹中的文件", ""]
    out += ["| 文件 | 大小 | SHA-256（核对光盘内容用） |", "|---|---|---|"]
    out += [f"| {_md_cell(name)} | {_size(size)} | `{digest}` |" for name, size, digest in c.files]
    return "\n".join(out) + "\n"


def checklist_docx(c: Checklist) -> bytes:
    """The checklist in the report's look (docx_writer.blocks_docx): the same faces, zh-CN, black headings."""
    blocks = [Block("para", "草稿：报告尚未完成，以下文件不可报送。", missing=True)] if c.draft else []
    blocks += [Block("note", line) for line in c.lines]
    blocks += [Block("subheading", "报送事项")] + [Block("note", f"☐ {item}") for item in c.items]
    if c.evidence:
        blocks += [Block("subheading", c.evidence_title)] + [Block("note", f"☐ {item}") for item in c.evidence]
    rows = [Row([Cell(h, bold=True, center=True) for h in ("文件", "大小", "SHA-256（核对光盘内容用）")], header=True)]
    rows += [Row([Cell(name), Cell(_size(size), center=True), Cell(digest)]) for name, size, digest in c.files]
    # 8 pt: a SHA-256 (64 hex digits) on one line
    blocks += [Block("subheading", "本文件夹中的文件"), Block("grid", grid=Grid([4.0, 1.6, 10.4], rows, font_pt=8.0))]
    return blocks_docx(c.title, blocks)


def _evidence_md(engine: Engine) -> str:
    """The evidence of every printed figure that was computed, as the report's appendix states it: the form's
    own formulas (inputs, result, the value used), and figures from enterprise data or last year's report
    (enterprises/evidence.py: formula, inputs, sources; a kept figure with its basis)."""
    items = evidence(engine)
    if not items:
        return ""
    out = [f"# 计算佐证材料（{engine.year} 年度）", ""]
    for qid in [q.id for q in engine.flow.questions if q.id in items]:
        item = items[qid]
        if item.get("source") in SOURCES:
            out += [f"## {_inline(engine.label(qid))}", ""]
            out += [f"- {k}：{_inline(v.replace(chr(10), '；'))}" for k, v in appendix_rows(engine, qid)[1:]]
            out.append("")
            continue
        given = item["inputs"]  # a computed figure's inputs by question id (report/export.py evidence_of)
        inputs = "；".join(f"{engine.label(engine.flow[ref])} = {v if v is not None else '未填'}"
                          for ref, v in (given.items() if isinstance(given, dict) else ()))
        out += [f"## {_inline(item['label'])}", "", f"- 计算公式：{_inline(item['formula'] or '（见表格说明）')}",
                f"- 数据：{_inline(inputs)}",
                f"- 计算结果：{item['computed'] if item['computed'] is not None else '无法计算'}",
                f"- 报告采用：{_inline(item['value'] if item['value'] is not None else '未填')}"]
        if item.get("basis"):
            out.append(f"- 采用填报数字的依据：{_inline(item['basis'])}")
        out.append("")
    out.append("（同样的内容也在 JSON 报告的 evidence 一项中，供程序读取；采用或保留的历次计算也在那里。）")
    return "\n".join(out) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} 字节"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_text(path: Path, text: str) -> Path:
    return _write_bytes(path, text.encode("utf-8"))


def _write_bytes(path: Path, data: bytes) -> Path:
    _write(path, data)
    return path

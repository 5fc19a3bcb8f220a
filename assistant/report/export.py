"""Export a session as .docx / .pdf / .md / .json (a JSON report is read back by interview/json_report.py).

Safety: an existing file is never overwritten without force, and only a regular file ever is (a
device, pipe, socket or folder is refused even with force); the bytes are produced in memory and
renamed into place whole (never a half-written file, no temp file left in the person's folder);
blocking findings refuse the export unless draft=True, which marks every page 草稿 and lists what
is missing at the top.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import stat
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import UserError
from assistant.files.atomic import fsync_dir
from assistant.form.override import COMPUTED, TYPED, typed
from assistant.form.parse import clean_text
from assistant.form.shapes import Stored
from assistant.form.types import of
from assistant.interview.engine import Engine
from assistant.interview.enterprises.evidence import export_items
from assistant.interview.findings import blocking
from assistant.interview.json_report import REPORT_SCHEMA, REPORT_SCHEMA_VERSION
from assistant.paths import home
from assistant.report.docx_writer import build_docx
from assistant.report.model import Report, _findings, build_report, layout_findings
from assistant.report.pdf import check_pages, docx_to_pdf, embedded_fonts, font_note, font_plan, page_texts
from assistant.report.preview import markdown_of
from assistant.text.fileerrors import reason
from assistant.text.textsafe import strip_bidi, visible

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.session.store import Session

FORMATS = ("docx", "pdf", "md", "json")


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def _sanitize(name: str) -> str:
    return _UNSAFE.sub("_", strip_bidi(clean_text(name))).strip(" ._")


_FIELD = re.compile(r"\{([^{}]*)\}")
NAME_CHARS = 64  # a file or folder name a Joliet CD (the disc the package is burnt to) keeps whole
_EXT_ROOM = 5  # ".docx", ".json": every file of a package has the same stem, whatever its extension
PACKAGE_SUFFIX = "_报送材料"


def default_stem(engine: Engine) -> str:
    """The form's `file_name` pattern filled in: {question id}, {year}, {title}, {form_title}; in
    `{a|b|text}` the first that is not empty (the last may be plain text). Within NAME_CHARS with any
    extension (and the package folder's suffix): the answers are cut (a long cluster name), never the
    pattern's own words (“_2023年度发展情况报告”)."""
    s = engine.session
    known = {"year": str(s.year), "title": s.title or "", "form_title": engine.form_title()}

    def one(name: str) -> str:
        name = name.strip()
        if name in known:
            return known[name]
        if name in engine.flow.by_id:
            v = engine.value(name)
            return " ".join(str(v).split()) if isinstance(v, (str, int)) and not isinstance(v, bool) else ""
        return name  # plain text: the fallback

    pattern = engine.flow.meta.file_name
    values = [_sanitize(next((v for v in map(one, m[1].split("|")) if v), "")) for m in _FIELD.finditer(pattern)]
    fixed = _FIELD.sub("", pattern)  # the pattern's own words, as many characters as they print
    room = NAME_CHARS - max(_EXT_ROOM, len(PACKAGE_SUFFIX)) - len(fixed)
    while sum(map(len, values)) > max(room, 1):  # the longest answer loses characters first
        i = max(range(len(values)), key=lambda k: len(values[k]))
        values[i] = values[i][:-1].rstrip(" ._")
    it = iter(values)
    return _sanitize(_FIELD.sub(lambda m: next(it), pattern)) or "报告"


def default_filename(engine: Engine, fmt: str) -> str:
    return f"{default_stem(engine)}.{fmt}"


def report_dict(engine: Engine) -> dict[str, object]:
    """The whole report, machine-readable: answers by question id (only those that count), labels."""
    flow, s = engine.flow, engine.session
    answers: dict[str, Stored] = {}
    labels: dict[str, str] = {}
    shown: dict[str, str] = {}
    calculated: dict[str, Stored] = {}
    for q in flow.questions:
        if not engine.is_relevant(q.id):
            continue
        if q.calculated:
            v = engine.value(q.id)
            if v is not None:
                calculated[q.id] = v
                labels[q.id] = engine.label(q)
            continue
        if q.id in s.answers:
            answers[q.id] = s.answers[q.id]
            labels[q.id] = engine.label(q)
            if not of(q).is_list:
                shown[q.id] = engine.shown(q.id)
    return {
        "schema": REPORT_SCHEMA,
        "schema_version": REPORT_SCHEMA_VERSION,
        "form": s.form,
        "form_schema_version": flow.schema_version,
        "attachment": flow.attachment,
        "form_title": engine.form_title(),
        "title": s.title,
        "year": s.year,
        "answers": answers,
        "calculated": calculated,
        "evidence": evidence(engine),  # formula, inputs and, for an override, the operator's basis
        # what the drafts of each narrative answer quoted: a later change of those answers is noticed
        "quotes": {qid: [q.to_dict() for q in s.quotes[qid]] for qid in answers if s.quotes.get(qid)},
        "labels": labels,
        "shown": shown,
    }


def _render(engine: Engine, fmt: str, draft: bool, notes: list[str] | None = None, opinion: str = "") -> bytes:
    if fmt == "json":
        data = report_dict(engine)
        if draft:
            data["draft"] = True
            data["missing"] = build_report(engine, draft=True).missing
        # The data stays exact; bidi overrides and C1 controls are written as JSON escapes (\\u202e),
        # so no viewer of the file reorders or obeys them.
        return visible(json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    report = build_report(engine, draft=draft, opinion=opinion)
    if fmt == "md":
        return markdown_of(report).encode("utf-8")
    docx = build_docx(report)
    if notes is not None:
        notes += cut_cells(report)
    if fmt != "pdf":
        return docx
    plan = font_plan()
    pdf = docx_to_pdf(docx, plan=plan)
    titled = [p for p in report.parts if p.title]
    cover = [("封面", report.title, report.issuer)] if report.issuer else []
    check = check_pages(page_texts(pdf), [p.title for p in titled], [p.one_page for p in titled], cover)
    if notes is not None:
        notes.append(check.summary([p.title for p in titled if p.one_page]) + wide_tables(report))
        said = font_note(plan, embedded_fonts(pdf))
        if said:
            notes.append(said)
    return pdf


_POINTER = re.compile(r"（全文见附件材料 (\d+)）")


def cut_cells(report: Report) -> list[str]:
    """Cells of the one-page parts whose content went over its budget: cut on the page, whole in an appendix."""
    numbers = [m[1] for p in report.parts if p.one_page for b in p.blocks if b.grid is not None
               for r in b.grid.rows for c in r.cells for m in _POINTER.finditer(c.text)]
    if not numbers:
        return []
    titles = [p.title for p in report.parts if p.one_page]
    span = f"“{titles[0]}”至“{titles[-1]}”" if len(titles) > 1 else f"“{titles[0]}”"
    return [f"有 {len(numbers)} 格名称较长，表中截断显示，使{span}各在一页之内；完整名单见附件材料 "
            f"{'、'.join(dict.fromkeys(numbers))}。"]


def wide_tables(report: Report) -> str:
    """What became of a table too wide for a portrait page (the district's clusters): said with the page count."""
    grids = [b for p in report.all_parts for b in p.blocks if b.kind == "grid" and b.grid is not None and b.landscape]
    if not grids:
        return ""
    title = next((b.text for p in report.all_parts for b in p.blocks if b.kind == "note" and b.landscape), "")
    title = title.rsplit("（", 1)[0] if len(grids) > 1 else title
    cols = sum(len(b.grid.widths) for b in grids if b.grid is not None) - (len(grids) - 1)
    split = f"分为 {len(grids)} 张表（每张都列出第一列）" if len(grids) > 1 else "排成一张表"
    return f"“{title}”共 {cols} 列，{split}，排在横向页面上，数字不换行。"


_KINDS = ((stat.S_ISDIR, "文件夹"), (stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"),
          (stat.S_ISFIFO, "命名管道"), (stat.S_ISSOCK, "套接字"))
# Extensions of other kinds of document: "-o report.md" with --format docx is a mistake, not a wish.
_DOC_SUFFIXES = {".docx", ".doc", ".md", ".markdown", ".json", ".txt", ".pdf", ".odt", ".rtf", ".html", ".htm",
                 ".xlsx", ".xls", ".csv", ".wps"}
TMP_TAG = ".filing-export-"  # every temp file an export makes has this in its name
STALE_AFTER = 3600  # seconds; an export's temp file older than this was left by a killed export
_TMP_PID = re.compile(re.escape(TMP_TAG.lstrip(".")) + r"(\d+)")


def _target(engine: Engine, fmt: str, path: Path | str | None) -> tuple[Path, bool, bool]:
    """(file to write, whether its folder must be created, whether the format's extension was added). A
    folder, existing or written with a trailing slash, gets the default file name; a new file's name without
    the format's extension gets it (a file named "报告" would not open in Word by a double click)."""
    if path is None:
        return Path.cwd() / default_filename(engine, fmt), False, False
    raw = str(path)
    target = Path(raw).expanduser()
    if raw.endswith(("/", os.sep)) or target.is_dir():
        return target / default_filename(engine, fmt), not target.is_dir(), False
    suffix = target.suffix.lower()
    if suffix in _DOC_SUFFIXES and suffix != f".{fmt}":
        raise UserError(lambda w: f"文件名 {target.name} 的扩展名是 {suffix}，与导出格式 {fmt} 不符，未做改动。"
                         f"请把文件名改为 {target.stem}.{fmt}，或{w.fmt}与扩展名一致的格式。", 2)
    if suffix != f".{fmt}" and not os.path.lexists(target):  # an existing file keeps its name (and its checks)
        return target.with_name(f"{target.name}.{fmt}"), False, True
    return target, False, False


def _refuse_non_regular(target: Path) -> None:
    """Only a regular file is ever replaced: never a device (/dev/null), pipe, socket or folder, even with force."""
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError:
        return  # unreadable: the write itself reports it, in words
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "特殊文件")
    raise UserError(lambda w: f"{target} 是{kind}，不是普通文件，不能导出到这里（{w.force}也不行）。"
                     f"请{w.output}一个文件路径。", 4)


def _clean_stale(folder: Path) -> None:
    """Temp files of exports killed before they finished (a crash, kill -9, power loss)."""
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for e in entries:
        m = _TMP_PID.search(e.name)
        if m is None or not e.name.endswith(".tmp"):
            continue
        try:
            if e.is_file(follow_symlinks=False) and (
                    not _running(int(m.group(1))) or now - e.stat(follow_symlinks=False).st_mtime > STALE_AFTER):
                os.unlink(e.path)
        except OSError:
            pass


def _running(pid: int) -> bool:
    """Whether the export that named a temp file may still be writing it."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # no harmless probe on Windows: the age rule decides
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _write(target: Path, data: bytes) -> None:
    """The bytes reach the target whole or not at all, and a killed export leaves nothing in the
    person's folder: the temp file is written in the data folder and renamed into place. Where that
    is another disk (rename cannot cross), it is written beside the target, named .<name>.filing-export-<pid>.tmp,
    and such files left by killed exports are removed by the next export to that folder."""
    _clean_stale(target.parent)  # left by an export killed while it wrote beside the target
    staging = home() / "tmp"
    tmp_name = f"{TMP_TAG.lstrip('.')}{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        staging.mkdir(parents=True, exist_ok=True)
        _clean_stale(staging)
        tmp = staging / tmp_name
        _write_temp(tmp, data)
    except OSError:
        tmp = None
    if tmp is not None:
        try:
            os.replace(tmp, target)
            fsync_dir(target.parent)
            return
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno != errno.EXDEV:
                raise
    tmp = target.with_name(f".{target.name}{TMP_TAG}{os.getpid()}.tmp")
    try:
        _write_temp(tmp, data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def _write_temp(tmp: Path, data: bytes) -> None:
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def export_session(session: Session, fmt: str, path: Path | str | None = None, *, force: bool = False,
                   draft: bool = False, notes: list[str] | None = None, opinion: str = "") -> Path:
    """Write the report; `notes` (when given) receives what the person should know, e.g. a PDF's page check.
    `opinion`: the district's 考核意见 of an approved report (hosting/review.py reads it from the review record)."""
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise UserError(f"不支持的导出格式“{fmt}”，可选：{'、'.join(FORMATS)}。", 2)
    engine = Engine.for_session(session)
    target, make_folder, suffixed = _target(engine, fmt, path)
    if suffixed and notes is not None:
        notes.append(f"文件名没有“.{fmt}”扩展名，已加上：{target.name}")
    _refuse_non_regular(target)
    if target.exists() and not force:
        raise UserError(lambda w: f"文件 {target} 已存在，未做改动。如需覆盖，请{w.force}；或{w.output}其他文件名。", 4)
    if not draft:
        missing = blocking(engine.findings())
        if missing:
            lines = "\n".join(f"  - {m}" for m in _findings(engine))
            raise UserError(lambda w: (
                f"报告还有 {len(missing)} 处必须填写或修改，暂不能导出正式文件：\n{lines}\n"
                f"请先补充完整；如只想先看看效果，可{w.draft}导出草稿（每页标注“草稿”）。"), 1)
    if notes is not None and fmt in ("docx", "pdf"):
        notes += [f"⚠ {f.message}" for f in layout_findings(engine)]
    data = _render(engine, fmt, draft, notes, opinion)
    parent = target.parent
    if parent.exists() and not parent.is_dir():
        raise UserError(f"无法写入 {target}：{parent} 不是文件夹。", 4)
    try:
        if make_folder or not parent.exists():
            parent.mkdir(parents=True, exist_ok=True)
        _refuse_non_regular(target)  # made meanwhile (a pipe created while the report rendered)
        _write(target, data)
    except OSError as exc:
        name, why = exc.filename or target, reason(exc)  # exc is unbound once the handler ends
        raise UserError(lambda w: f"无法写入 {name}（{why}）。请检查文件夹是否存在、"
                         f"是否有写入权限、磁盘是否已满，或{w.output}其他位置。", 4) from None
    return target


# -- evidence (JSON export; the document draws the same facts) -----------------------------------
def evidence_of(e: Engine, q: Question) -> dict[str, object]:
    """One computed figure's evidence: label, formula, inputs, the computed value, the value used and its source."""
    stored = e.session.answers.get(q.id)
    item: dict[str, object] = {
        "label": e.label(q), "formula": e.text(q.formula),
        "inputs": {ref: e.value(ref) for ref in q.evidence}, "computed": e.state.computed.get(q.id),
        "value": e.value(q.id), "source": COMPUTED,
    }
    if q.override:
        figure = typed(stored)
        item["source"] = TYPED if figure else (stored.get("source") if isinstance(stored, dict) else None)
        if figure:
            item["basis"] = figure[1]
    return item


def evidence(e: Engine) -> dict[str, Mapping[str, object]]:
    """Every computed figure that counts: formula, inputs, computed value, value used and its source;
    and the figures taken from enterprise data or last year's report (enterprises/evidence.py)."""
    out = {q.id: evidence_of(e, q) for q in e.flow.questions if q.computes and e.is_relevant(q.id)}
    return {**export_items(e), **out}

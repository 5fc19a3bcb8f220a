"""Export a session as .docx / .md / .json, and load a JSON report back as a new session.

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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..parse import clean_text
from ..textsafe import strip_bidi, visible

FORMATS = ("docx", "pdf", "md", "json")
REPORT_SCHEMA = "filing-assistant/report"
REPORT_SCHEMA_VERSION = 1
if TYPE_CHECKING:
    from collections.abc import Callable

    from ..engine import Engine
    from ..errors import Remedies
    from ..store import Session


class SessionSink(Protocol):
    """Where load_report puts the new session (a SessionStore, or a scratch store that keeps nothing)."""

    def new_id(self) -> str: ...

    def save(self, session: Session) -> Any: ...


_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def _cli_error(message: str | Callable[[Remedies], str], code: int) -> Exception:
    from ..errors import UserError

    return UserError(message, code)


def _sanitize(name: str) -> str:
    name = _UNSAFE.sub("_", strip_bidi(clean_text(name))).strip(" ._")
    return name[:80] or "报告"


_FIELD = re.compile(r"\{([^{}]*)\}")


def default_filename(engine: Engine, fmt: str) -> str:
    """The form's `file_name` pattern filled in: {question id}, {year}, {title}, {form_title}; in
    `{a|b|text}` the first that is not empty (the last may be plain text)."""
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

    def field(m: re.Match[str]) -> str:
        return next((v for v in map(one, m[1].split("|")) if v), "")

    base = _FIELD.sub(field, engine.flow.meta.file_name)
    return f"{_sanitize(base)}.{fmt}"


def report_dict(engine: Engine) -> dict[str, Any]:
    """The whole report, machine-readable: answers by question id (only those that count), labels."""
    from ..computed import evidence

    flow, s = engine.flow, engine.session
    answers: dict[str, Any] = {}
    labels: dict[str, str] = {}
    shown: dict[str, str] = {}
    calculated: dict[str, Any] = {}
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
            if q.type != "list":
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


def _render(engine: Engine, fmt: str, draft: bool, notes: list[str] | None = None) -> bytes:
    if fmt == "json":
        data = report_dict(engine)
        if draft:
            from .model import build_report

            data["draft"] = True
            data["missing"] = build_report(engine, draft=True).missing
        # The data stays exact; bidi overrides and C1 controls are written as JSON escapes (\\u202e),
        # so no viewer of the file reorders or obeys them.
        return visible(json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    from .model import build_report

    report = build_report(engine, draft=draft)
    if fmt == "md":
        from .preview import markdown_of

        return markdown_of(report).encode("utf-8")
    from .docx_writer import build_docx

    docx = build_docx(report)
    if fmt != "pdf":
        return docx
    from .pdf import check_pages, docx_to_pdf, page_texts

    pdf = docx_to_pdf(docx)
    titled = [p for p in report.parts if p.title]
    cover = [("封面", report.title, report.issuer)] if report.issuer else []
    check = check_pages(page_texts(pdf), [p.title for p in titled], [p.one_page for p in titled], cover)
    if notes is not None:
        notes.append(check.summary([p.title for p in titled if p.one_page]))
    return pdf


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
        raise _cli_error(lambda w: f"文件名 {target.name} 的扩展名是 {suffix}，与导出格式 {fmt} 不符，未做改动。"
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
    raise _cli_error(lambda w: f"{target} 是{kind}，不是普通文件，不能导出到这里（{w.force}也不行）。"
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
    from ..paths import home
    from ..store import _fsync_dir

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
            _fsync_dir(target.parent)
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
    _fsync_dir(target.parent)


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
                   draft: bool = False, notes: list[str] | None = None) -> Path:
    """Write the report; `notes` (when given) receives what the person should know, e.g. a PDF's page check."""
    from ..checks import blocking
    from ..engine import Engine

    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise _cli_error(f"不支持的导出格式“{fmt}”，可选：{'、'.join(FORMATS)}。", 2)
    engine = Engine.for_session(session)
    target, make_folder, suffixed = _target(engine, fmt, path)
    if suffixed and notes is not None:
        notes.append(f"文件名没有“.{fmt}”扩展名，已加上：{target.name}")
    _refuse_non_regular(target)
    if target.exists() and not force:
        raise _cli_error(lambda w: f"文件 {target} 已存在，未做改动。如需覆盖，请{w.force}；或{w.output}其他文件名。", 4)
    if not draft:
        missing = blocking(engine.findings())
        if missing:
            from .model import _findings

            lines = "\n".join(f"  - {m}" for m in _findings(engine))
            raise _cli_error(lambda w: (
                f"报告还有 {len(missing)} 处必须填写或修改，暂不能导出正式文件：\n{lines}\n"
                f"请先补充完整；如只想先看看效果，可{w.draft}导出草稿（每页标注“草稿”）。"), 1)
    if notes is not None and fmt in ("docx", "pdf"):
        from ..checks import layout_findings

        notes += [f"⚠ {f.message}" for f in layout_findings(engine)]
    data = _render(engine, fmt, draft, notes)
    parent = target.parent
    if parent.exists() and not parent.is_dir():
        raise _cli_error(f"无法写入 {target}：{parent} 不是文件夹。", 4)
    try:
        if make_folder or not parent.exists():
            parent.mkdir(parents=True, exist_ok=True)
        _refuse_non_regular(target)  # made meanwhile (a pipe created while the report rendered)
        _write(target, data)
    except OSError as exc:
        from ..fileerrors import reason

        name, why = exc.filename or target, reason(exc)  # exc is unbound once the handler ends
        raise _cli_error(lambda w: f"无法写入 {name}（{why}）。请检查文件夹是否存在、"
                         f"是否有写入权限、磁盘是否已满，或{w.output}其他位置。", 4) from None
    return target


def import_report(path: Path | str, store: SessionSink) -> Session:
    """Load a JSON report (from export_session(..., "json")) as a new session."""
    return load_report(path, store)[0]


def load_report(path: Path | str, store: SessionSink) -> tuple[Session, list[str]]:
    """Validate a JSON report completely, then save it as a new session in one atomic write.

    Every answer goes through the engine's parser and checks, exactly as typed input; anything
    refused raises UserError (code 1) naming each item, and no session file is created.
    Returns the session and notes to show (answers kept that do not count now).
    """
    session, engine, applied = read_report(path, store.new_id())
    path = Path(path).expanduser()
    engine.advance(None)  # the first unanswered question in the form's order
    session.say("assistant", f"已从 {shown_name(path.name)} 导入报告。")
    notes = [engine.unused_note(applied.unused)] if applied.unused else []
    for note in notes:  # the conversation says it too, whichever front end imported the file
        session.say("assistant", note)
    store.save(session)
    return session, notes


def shown_name(name: str) -> str:
    from ..validate import shown

    return shown(name, 200)


def read_report(path: Path | str, session_id: str) -> tuple[Any, Any, Any]:
    """A JSON report read and validated in memory (nothing written): (session, engine, applied).

    The one reading of a report for import-report, the commission's overview and the district roll-up;
    anything refused raises UserError naming the file and each item.
    """
    from ..engine import Engine
    from ..errors import DuplicateKey, no_duplicate_keys
    from ..flow import FlowError, load_flow
    from ..parse import InputError
    from ..safeio import MAX_REPORT_FILE_BYTES, FileTooLarge, read_bounded, size_text
    from ..store import Session
    from ..validate import check_report, kind_of, shown

    path = Path(path).expanduser()
    try:
        if path.exists() and not path.is_file():
            raise _cli_error(f"{shown(str(path), 200)} 不是普通文件（是文件夹或设备），无法作为报告导入。", 4)
        data = json.loads(read_bounded(path, MAX_REPORT_FILE_BYTES).decode("utf-8-sig"),
                          object_pairs_hook=no_duplicate_keys)
    except FileNotFoundError:
        raise _cli_error(f"找不到文件 {shown(str(path), 200)}。", 4) from None
    except FileTooLarge:
        raise _cli_error(f"{shown(str(path), 200)} 超过报告文件的大小上限 {size_text(MAX_REPORT_FILE_BYTES)}，"
                         "不像本助手导出的报告，已停止读取，没有导入。", 4) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _cli_error(f"无法读取 {shown(str(path), 200)}：{exc}", 4) from None
    except json.JSONDecodeError as exc:
        raise _cli_error(f"{shown(str(path), 200)} 不是有效的 JSON（第 {exc.lineno} 行）。", 4) from None
    except RecursionError:
        raise _cli_error(f"{shown(str(path), 200)} 的 JSON 嵌套层数过深，不是本助手导出的报告。", 4) from None
    except DuplicateKey as exc:  # which of the two counts would be a guess
        raise _cli_error(f"{shown(str(path), 200)} 未能导入，没有创建会话：{exc}", 1) from None
    except ValueError:  # an integer beyond Python's int-string limit (thousands of digits)
        raise _cli_error(f"{shown(str(path), 200)} 含有位数过多的数字（上千位），没有创建会话。", 1) from None
    where = shown(str(path), 200)
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise _cli_error(f"{where} 不是本助手导出的报告文件（缺少 schema: {REPORT_SCHEMA}）。", 4)
    try:
        form, year, title = check_report(data, REPORT_SCHEMA_VERSION)
    except InputError as exc:
        raise _cli_error(f"{where} 未能导入，没有创建会话：{exc}", 1) from None
    try:
        flow = load_flow(form)
    except FlowError as exc:
        raise _cli_error(f"{where}：{exc}", 4) from None
    fsv = data.get("form_schema_version", flow.schema_version)
    if isinstance(fsv, bool) or not isinstance(fsv, int) or fsv > flow.schema_version:
        raise _cli_error(f"{where} 未能导入，没有创建会话：表单版本 form_schema_version 应是不大于 "
                         f"{flow.schema_version} 的整数，收到的是{kind_of(fsv)}。", 1)
    # Built in memory and validated before anything is written: a refused file leaves no session.
    session = Session(session_id, flow.form, title, year)
    engine = Engine(flow, session)
    applied = engine.apply_all(data["answers"], strict=True)
    if applied.errors:
        raise _cli_error(f"{where} " + applied.refusal("处未能通过检查，没有创建会话："), 1)
    from ..enterprises.evidence import restore

    refused = restore(session, flow, data.get("evidence"))  # figures from enterprise data keep their evidence
    if refused:
        lines = "\n".join(f"  - {r}" for r in refused[:20])
        raise _cli_error(f"{where} 的计算佐证未能通过检查，没有创建会话：\n{lines}", 1)
    from ..quotes import quotes_from_json

    try:  # what the narrative's drafts quoted, so a figure changed after the import is still noticed
        narrative = {q.id for q in flow.questions if q.type == "longtext"}
        session.quotes = {k: v for k, v in quotes_from_json(data.get("quotes"), narrative).items() if k in session.answers}
    except InputError as exc:
        raise _cli_error(f"{where} 的引用记录（quotes）未能通过检查，没有创建会话：{exc}。", 1) from None
    return session, engine, applied

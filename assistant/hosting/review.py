"""The review of a cluster's report by its district: 填报中 → 提交 → 退回 (editable again) or 审核通过.

The rules live here once; the server's pages and `filing status` only call them. A report handed in is
sealed in its store (assistant/session/store.py refuses to open it for editing), frozen as the JSON report
in `review/submitted/<id>.json` whose SHA-256 is recorded, and every step is written to the audit log. The
states are kept in the cluster's own folder (`review/reviews.json`), changed under a file lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.errors import EXIT_REFUSED, UserError
from assistant.files.atomic import atomic_write
from assistant.hosting.audit import APPROVE, RETURN, ROLLUP, SUBMIT, AuditLog
from assistant.interview.engine import Engine
from assistant.interview.findings import Finding, blocking
from assistant.report.export import default_filename, export_session
from assistant.report.model import layout_findings
from assistant.report.overview import build as build_overview
from assistant.report.overview import write_xlsx
from assistant.report.rollup import create_district
from assistant.session.store import Session, SessionError, SessionLocked, SessionSealed, SessionStore

DRAFT, SUBMITTED, RETURNED, APPROVED = "draft", "submitted", "returned", "approved"
STATES = {DRAFT: "填报中", SUBMITTED: "已提交，待审核", RETURNED: "已退回，请修改", APPROVED: "审核通过"}
MAX_COMMENT = 2000
SEALED = "这份报告已提交给区里审核，不能修改。区里退回后才能再修改。"


class ReviewRefused(UserError):
    """A step the rules do not allow now, said in Chinese (exit code 1)."""

    def __init__(self, message: str):
        super().__init__(message, EXIT_REFUSED)


@dataclass(frozen=True)
class Review:
    sid: str
    state: str = DRAFT
    sha256: str = ""  # of the frozen JSON report, when handed in
    comment: str = ""  # the district's reason for returning it
    opinion: str = ""  # the district's 考核意见, when approved
    at: str = ""
    by: str = ""

    @property
    def state_text(self) -> str:
        return STATES[self.state]

    @property
    def editable(self) -> bool:
        return self.state in (DRAFT, RETURNED)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _text(raw: str, what: str, required: bool) -> str:
    text = raw.replace("\r\n", "\n").strip()
    if required and not text:
        raise ReviewRefused(f"请填写{what}。")
    if len(text) > MAX_COMMENT:
        raise ReviewRefused(f"{what}最多 {MAX_COMMENT} 字，现在有 {len(text)} 字。")
    return text


class Reviews:
    """The review states of the reports in one account's folder (its FILING_HOME)."""

    def __init__(self, folder: Path, audit: AuditLog | None = None):
        self.folder = folder
        self.store = SessionStore(folder / "sessions")
        self.file = folder / "review" / "reviews.json"
        self.frozen = folder / "review" / "submitted"
        self.audit = audit

    # -- reading -------------------------------------------------------------------------------
    def _all(self) -> dict[str, Review]:
        try:
            data = json.loads(self.file.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ReviewRefused(f"审核状态文件 {self.file} 无法读取（{type(exc).__name__}），未做改动。") from None
        return {sid: Review(**item) for sid, item in data.items()}

    def of(self, sid: str) -> Review:
        return self._all().get(sid) or Review(sid)

    def opinion(self, sid: str) -> str:
        """The district's 考核意见 to print in part 八: only once it approved the report (the review record is
        its one source; a report not approved leaves the place blank for the district's hand)."""
        review = self.of(sid)
        return review.opinion if review.state == APPROVED else ""

    def reports(self) -> list[tuple[Session | SessionError, Review]]:
        """Every report of the folder with its review state, newest first."""
        states = self._all()
        out: list[tuple[Session | SessionError, Review]] = []
        if not self.store.root.is_dir():
            return out
        for item in self.store.all():
            sid = item.id if isinstance(item, Session) else (item.sid or "")
            out.append((item, states.get(sid) or Review(sid)))
        return out

    def frozen_path(self, sid: str) -> Path:
        self.store.path(sid)  # refuses a made-up id
        return self.frozen / f"{sid}.json"

    def findings(self, session: Session) -> list[Finding]:
        engine = Engine.for_session(session)
        return engine.findings() + layout_findings(engine)

    # -- changing ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _changing(self) -> Iterator[dict[str, Review]]:
        self.file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.file.parent / "reviews.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            states = self._all()
            yield states
            body = json.dumps({k: asdict(v) for k, v in states.items()}, ensure_ascii=False, indent=1)
            atomic_write(self.file, body.encode("utf-8"))
        finally:
            os.close(fd)

    def _log(self, who: str, action: str, sid: str, sha: str, detail: str = "") -> None:
        if self.audit is not None:
            self.audit.append(who, action, report=sid, sha256=sha, detail=detail)

    def submit(self, sid: str, who: str) -> Review:
        """提交: refused while blocking findings remain; the report is frozen, sealed and its SHA-256 kept."""
        with self._changing() as states:
            current = states.get(sid) or Review(sid)
            if not current.editable:
                raise ReviewRefused(f"这份报告{current.state_text}，不需要再次提交。")
            try:
                handle = self.store.open(sid)
            except SessionLocked:
                raise ReviewRefused("这份报告正在一个标签页中编辑。请先在那里退出（Ctrl+Q）或关闭该标签页，再提交。") from None
            except SessionSealed:
                raise ReviewRefused(SEALED) from None
            with handle:
                unsent = _unsubmitted(handle.session)
                if unsent:
                    raise ReviewRefused(f"{unsent}的编辑框里还有没提交的文字（打了字或放进了草稿，还没有按 Ctrl+S），"
                                        "现在提交，区里看到的会是原来的内容。请打开这份报告，到这几段把编辑框里的文字改成要交的样子"
                                        "（不要的删去），按 Ctrl+S 提交，再提交给区里。")
                found = blocking(self.findings(handle.session))
                if found:
                    shown = "；".join(f.message for f in found[:5]) + ("……" if len(found) > 5 else "")
                    raise ReviewRefused(f"还有 {len(found)} 处必须修改，暂不能提交：{shown}")
                self.frozen.mkdir(mode=0o700, parents=True, exist_ok=True)
                target = self.frozen_path(sid)
                export_session(handle.session, "json", target, force=True)
                sha = hashlib.sha256(target.read_bytes()).hexdigest()
                self.store.seal(sid, SEALED)
            review = Review(sid, SUBMITTED, sha, "", "", _now(), who)
            states[sid] = review
        self._log(who, SUBMIT, sid, sha)
        return review

    @staticmethod
    def _submitted(states: dict[str, Review], sid: str, action: str) -> Review:
        """The report's review, refused unless it waits for the district's decision."""
        current = states.get(sid) or Review(sid)
        if current.state != SUBMITTED:
            raise ReviewRefused(f"这份报告{current.state_text}：只有已提交、待审核的报告才能{action}。")
        return current

    def send_back(self, sid: str, who: str, comment: str) -> Review:
        """退回 with a comment: the cluster may edit it again and sees the comment."""
        comment = _text(comment, "退回的理由", required=True)
        with self._changing() as states:
            current = self._submitted(states, sid, "退回")
            self.store.unseal(sid)
            review = replace(current, state=RETURNED, comment=comment, at=_now(), by=who)
            states[sid] = review
        self._log(who, RETURN, sid, current.sha256, comment)
        return review

    def approve(self, sid: str, who: str, opinion: str) -> Review:
        """审核通过 with the district's 考核意见; the report stays sealed."""
        opinion = _text(opinion, "考核意见", required=True)
        with self._changing() as states:
            current = self._submitted(states, sid, "审核通过")
            review = replace(current, state=APPROVED, opinion=opinion, comment="", at=_now(), by=who)
            states[sid] = review
        self._log(who, APPROVE, sid, current.sha256, opinion)
        return review

    def approved(self) -> list[tuple[Review, Path]]:
        """The approved reports and their frozen JSON files (checked against the recorded SHA-256)."""
        out = []
        for sid, review in sorted(self._all().items()):
            if review.state != APPROVED:
                continue
            path = self.frozen_path(sid)
            try:
                data = path.read_bytes()
            except OSError:
                raise ReviewRefused(f"已审核通过的报告 {sid} 的提交副本不见了，请联系管理员从备份恢复。") from None
            if hashlib.sha256(data).hexdigest() != review.sha256:
                raise ReviewRefused(f"已审核通过的报告 {sid} 的提交副本与提交时的 SHA-256 不符（被改动过），已停止。")
            out.append((review, path))
        return out


def _unsubmitted(session: Session) -> str:
    """The questions (named as the form prints them) whose editor holds text never submitted and unlike the
    answer: handed in as it stands, the district would read the old text while the cluster's last words sit in
    the editor (nothing is lost, nothing is guessed: the cluster decides)."""
    engine = Engine.for_session(session)
    names = [engine.label(engine.flow[qid]) for qid, text in session.drafts.items()
             if qid in engine.flow.by_id and engine.is_relevant(qid) and text != session.answers.get(qid)]
    return "、".join(f"“{n}”" for n in names[:5]) + (f"等 {len(names)} 处" if len(names) > 5 else "")


# -- what a district does with its clusters' approved reports --------------------------------------
def approved_reports(folders: list[tuple[str, Path]]) -> list[tuple[str, Review, Path]]:
    """(cluster name, review, frozen JSON) of every approved report in these cluster folders."""
    return [(name, review, path) for name, folder in folders for review, path in Reviews(folder).approved()]


def start_district_summary(folders: list[tuple[str, Path]], district_folder: Path, who: str, title: str,
                           audit: AuditLog | None = None) -> Session:
    """附件2 in the district's own folder, rolled up from its clusters' approved reports."""
    reports = approved_reports(folders)
    if not reports:
        raise ReviewRefused("还没有审核通过的集群报告，不能生成区级总结。")
    session: Session = create_district([p for _, _, p in reports], SessionStore(district_folder / "sessions"), title, None)
    if audit is not None:
        audit.append(who, ROLLUP, report=session.id, detail=f"由 {len(reports)} 份审核通过的报告生成")
    return session


def overview_workbook(folders: list[tuple[str, Path]]) -> bytes:
    reports = approved_reports(folders)
    if not reports:
        raise ReviewRefused("还没有审核通过的集群报告。")
    return write_xlsx(build_overview([p for _, _, p in reports]))


def approved_package(folders: list[tuple[str, Path]]) -> bytes:
    """A .zip of every approved report: its JSON as handed in, its Word document, and 审核记录.txt."""
    reports = approved_reports(folders)
    if not reports:
        raise ReviewRefused("还没有审核通过的集群报告。")
    buffer = io.BytesIO()
    lines = ["集群\t报告编号\t提交的 SHA-256\t审核时间\t考核意见"]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf, tempfile.TemporaryDirectory() as tmp:
        for name, review, path in reports:
            folder = _safe(name)
            zf.writestr(f"{folder}/{path.name}", path.read_bytes())
            session = SessionStore(path.parent.parent.parent / "sessions").load(review.sid)
            docx = export_session(session, "docx", Path(tmp) / f"{review.sid}.docx", force=True,
                                  opinion=review.opinion)
            zf.writestr(f"{folder}/{docx_name(session)}", docx.read_bytes())
            opinion = review.opinion.replace("\n", " ")
            lines.append(f"{name}\t{review.sid}\t{review.sha256}\t{review.at}\t{opinion}")
        zf.writestr("审核记录.txt", "\n".join(lines) + "\n")
    return buffer.getvalue()


def docx_name(session: Session) -> str:
    return default_filename(Engine.for_session(session), "docx")


def _safe(name: str) -> str:
    return "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name) or "集群"


_SUMMARIES: dict[tuple[str, int, int], dict[str, Any]] = {}


def _summary(store: SessionStore, session: Session) -> dict[str, Any]:
    """Form name, progress and the count of findings of a report; kept while its file is unchanged (the
    checks build the document model: a district's page lists every cluster's reports)."""
    try:
        st = store.path(session.id).stat()
        key: tuple[str, int, int] | None = (str(store.path(session.id)), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    if key is not None and key in _SUMMARIES:
        return _SUMMARIES[key]
    engine = Engine.for_session(session)
    found = engine.findings() + layout_findings(engine)
    summary = {"form_name": engine.flow.short_name, "percent": engine.progress().percent,
               "blocking": len(blocking(found)), "warnings": len(found) - len(blocking(found))}
    if key is not None:
        if len(_SUMMARIES) > 2000:
            _SUMMARIES.clear()
        _SUMMARIES[key] = summary
    return summary


def status_rows(folders: list[tuple[str, Path]]) -> list[dict[str, Any]]:
    """One row per report for `filing status` and the district's page: cluster, id, title, state, findings."""
    rows = []
    for name, folder in folders:
        reviews = Reviews(folder)
        for item, review in reviews.reports():
            row: dict[str, Any] = {"cluster": name, "id": review.sid, "state": review.state,
                                   "state_text": review.state_text, "sha256": review.sha256, "comment": review.comment,
                                   "opinion": review.opinion, "at": review.at}
            if isinstance(item, Session):
                row.update(title=item.title, form=item.form, year=item.year, **_summary(reviews.store, item))
            else:
                row.update(title="", form="", form_name="", year="", percent=None, blocking=None, warnings=None,
                           error=str(item))
            rows.append(row)
    return rows

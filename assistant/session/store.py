"""Sessions on disk: one JSON document per session, written atomically, locked while open.

Layout under the data home:  sessions/<id>.json  (the session)
                             sessions/<id>.json.bak  (the previous good version)
                             sessions/<id>.json.lock (held by the process editing it)
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import EXIT_FILE, InputError, UserError
from assistant.files.atomic import atomic_write, fsync_dir
from assistant.form.catalog import ENV
from assistant.form.shapes import JsonObject, JsonValue, Stored
from assistant.form.validate import UnknownForm
from assistant.paths import home
from assistant.session import pending as waiting
from assistant.session.evidence import EvidenceRecord
from assistant.session.pending import Pending
from assistant.session.quotes import quotes_from_json
from assistant.session.validate import checked_session, raw_needs_walk
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.session.quotes import Quote

SCHEMA_VERSION = 4
_SURROGATE = pattern("[\ud800-\udfff]")


class SessionError(Exception):
    """A session problem; str(exc) is the Chinese message for the person."""

    sid: str | None = None  # the session it is about, when listed among others


class SessionNotFound(SessionError):
    pass


class SessionLocked(SessionError):
    pass


class SessionCorrupt(SessionError):
    pass


class SessionFormMissing(SessionError):
    """The session is intact, but its form is in none of the forms folders given (--forms / FILING_FORMS)."""


class SessionSealed(SessionError):
    """The report was handed in (提交) or approved: it reads, but nobody edits it until it is returned."""


class SessionIntact(SessionError):
    """restore was asked for a session that reads fine: it would undo the last save."""


class StoreUnavailable(UserError, SessionError):
    """The data folder cannot hold sessions (it is a file, or cannot be read); exit code 4."""

    def __init__(self, message: str):
        super().__init__(message, EXIT_FILE)


class Restored:
    """What restore did: the session file, where the replaced file was kept, and whether it was damaged."""

    def __init__(self, path: Path, aside: Path | None, damaged: bool):
        self.path, self.aside, self.damaged = path, aside, damaged


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Session:
    """Answers by question id, the transcript, and where the interview stands.

    Serialised JSON of each answer and message is cached, so saving a session that holds a
    10 000-row list re-encodes only what changed.
    """

    def __init__(self, id: str, form: str, title: str, year: int, *, created: str | None = None,
                 updated: str | None = None, answers: dict[str, Stored] | None = None,
                 transcript: list[JsonObject] | None = None, cursor: str | None = None,
                 pending: Pending | None = None, drafts: dict[str, JsonValue] | None = None,
                 evidence: dict[str, EvidenceRecord] | None = None, carried: list[str] | None = None,
                 prior: list[JsonObject] | None = None, enterprise_data: JsonObject | None = None,
                 quotes: dict[str, list[Quote]] | None = None):
        self.id, self.form, self.title, self.year = id, form, title, int(year)
        self.created = created or now()
        self.updated = updated or self.created
        self.answers: dict[str, Stored] = dict(answers or {})
        self.transcript: list[JsonObject] = list(transcript or [])
        self.cursor = cursor
        self.pending: Pending | None = pending  # what waits for the person's answer (session/pending.py)
        self.drafts: dict[str, JsonValue] = dict(drafts or {})  # editor text not yet submitted, by question id
        # Figures accepted from enterprise data / last year's report: formula, inputs, N, files (by question id).
        self.evidence: dict[str, EvidenceRecord] = dict(evidence or {})
        self.carried: list[str] = list(carried or [])  # prefilled from last year, not yet confirmed
        self.prior: list[JsonObject] = list(prior or [])  # earlier years' figures, newest first
        self.enterprise_data: JsonObject | None = enterprise_data  # the last accepted enterprise import
        # What the drafts of each narrative answer quoted (quotes.Quote), so a changed figure is noticed.
        self.quotes: dict[str, list[Quote]] = dict(quotes or {})
        self._frags: dict[str, bytes] = {}
        self._tfrags: list[bytes] = []

    # -- changes -----------------------------------------------------------------------------
    def set_answer(self, qid: str, value: Stored) -> None:
        self.answers[qid] = value
        self._frags.pop(qid, None)
        self.drafts.pop(qid, None)
        self.evidence.pop(qid, None)  # a figure typed over a computed one has no evidence any more
        self.confirm_carried(qid)
        self.updated = now()

    def confirm_carried(self, qid: str) -> bool:
        """The operator confirmed (or changed) last year's value: it is this year's answer now."""
        if qid in self.carried:
            self.carried.remove(qid)
            self.updated = now()
            return True
        return False

    def say(self, role: str, text: str, qid: str | None = None, kind: str | None = None,
            brief: str | None = None) -> None:
        """Append to the transcript ('assistant' or 'user'); kind "question" marks a question asked;
        brief is what a chat log beside the question view shows of it."""
        # Bytes that were not UTF-8 (stdin, argv) arrive as lone surrogates: keep the record saveable.
        if not text.isascii():
            text = _SURROGATE.sub("\ufffd", text)
        entry: dict[str, Any] = {"role": role, "text": text, "at": now()}
        if qid:
            entry["qid"] = qid
        if kind:
            entry["kind"] = kind
        if brief and brief != text:
            entry["brief"] = _SURROGATE.sub("\ufffd", brief)
        self.transcript.append(entry)

    def truncate_transcript(self, n: int) -> None:
        del self.transcript[n:]
        del self._tfrags[n:]  # cached encodings of dropped messages must not be reused

    # -- serialisation -----------------------------------------------------------------------
    def to_chunks(self) -> list[bytes]:
        """The session as encoded JSON pieces; unchanged answers and messages reuse their cached bytes."""
        frags = self._frags
        parts: list[bytes] = []
        for qid, value in self.answers.items():
            frag = frags.get(qid)
            if frag is None:
                frag = frags[qid] = f"{_dumps(qid)}:{_dumps(value)}".encode()
            parts.append(frag)
            parts.append(b",")
        if parts:
            parts.pop()
        tf = self._tfrags
        if len(tf) > len(self.transcript):
            tf.clear()
        tf.extend(_dumps(m).encode("utf-8") + b"," for m in self.transcript[len(tf):])
        head = _dumps({
            "schema_version": SCHEMA_VERSION, "id": self.id, "form": self.form, "title": self.title,
            "year": self.year, "created": self.created, "updated": self.updated, "cursor": self.cursor,
            "pending": waiting.to_json(self.pending), "drafts": self.drafts, "evidence": self.evidence, "carried": self.carried,
            "prior": self.prior, "enterprise_data": self.enterprise_data,
            "quotes": {qid: [q.to_dict() for q in items] for qid, items in self.quotes.items() if items},
        })
        tail = [b"]}"]
        if tf:
            tail = [*tf[:-1], tf[-1][:-1], b"]}"]
        return [head[:-1].encode("utf-8"), b',"answers":{', *parts, b'},"transcript":[', *tail]

    def to_json(self) -> str:
        return b"".join(self.to_chunks()).decode("utf-8")

    @classmethod
    def from_dict(cls, data: object, *, strings: bool = True) -> Session:
        """A session from its JSON document; SessionCorrupt (the reason) for any wrong shape or type.

        strings=False: the caller knows every string is encodable and every number finite."""
        if not isinstance(data, dict):
            raise SessionCorrupt("内容不是一个 JSON 对象")
        data = migrate(data)
        try:
            if not checked_session(data, strings=strings):
                raise SessionCorrupt("内容不是一个会话")  # checked_session raises the reason instead
        except UnknownForm:
            raise  # not damage: the caller says which folder is missing
        except InputError as exc:
            raise SessionCorrupt(str(exc)) from None
        return cls(
            data["id"], data["form"], data.get("title") or "", data["year"], created=data.get("created"),
            updated=data.get("updated"), answers=data.get("answers"), transcript=data.get("transcript"),
            cursor=data.get("cursor"), pending=waiting.from_json(data.get("pending")), drafts=data.get("drafts"),
            evidence=data.get("evidence"), carried=data.get("carried"), prior=data.get("prior"),
            enterprise_data=data.get("enterprise_data"), quotes=quotes_from_json(data.get("quotes")),
        )


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 (the first prototype) kept the transcript as 'messages' and had no cursor."""
    data = dict(data)
    messages = data.get("messages", [])
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise SessionCorrupt("旧版对话记录 messages 应是若干条消息")
    data["transcript"] = [
        {"role": m.get("who", "assistant"), "text": m.get("text", ""), "at": m.get("time", "")}
        for m in data.pop("messages", [])
    ]
    data.setdefault("cursor", None)
    data["schema_version"] = 2
    return data


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """v3 adds evidence of figures from enterprise data, carried-forward markers and last years' figures."""
    data = dict(data)
    data.setdefault("evidence", {})
    data.setdefault("carried", [])
    data.setdefault("prior", [])
    data.setdefault("enterprise_data", None)
    data["schema_version"] = 3
    return data


def _v3_pending(p: Any) -> Any:
    """A v3 pending (an untyped mapping) in its typed v4 shape; a wrong shape is left for the check to refuse."""
    if not isinstance(p, dict):
        return p
    kind = p.get("kind")
    if kind is None:  # a reading shown back to confirm
        return {"kind": "confirm", "qid": p.get("qid"), "value": p.get("value")}
    if kind == "ambiguous":
        return {k: p.get(k) for k in ("kind", "qid", "text", "via", "target")}
    if kind == "enterprises":  # a proposal batch from enterprise data
        return {"kind": "proposals", **{k: p[k] for k in ("qid", "prompt", "items", "summary", "paths", "suspects")
                                        if k in p}}
    if kind == "choose" and isinstance(p.get("choices"), list):
        return {"kind": "choose", "qid": p.get("qid"), "prompt": p.get("prompt"),
                "choices": [_v3_choice(c) for c in p["choices"]]}
    return p


def _v3_choice(c: Any) -> Any:
    """A v3 choice was told apart by its keys, tried in this order: set, redraft, store, goto, else keep."""
    if not isinstance(c, dict):
        return c
    base = {"label": c.get("label"), "words": c.get("words", [])}
    if "set" in c:
        return {**base, "do": "set", "values": c["set"]}
    if c.get("redraft"):
        return {**base, "do": "redraft"}
    if "store" in c:
        return {**base, "do": "store", "value": c["store"], "said": c.get("said", "")}
    if "goto" in c:
        return {**base, "do": "goto", "qid": c["goto"], "discard_draft": bool(c.get("discard_draft"))}
    return {**base, "do": "keep"}


def _v3_to_v4(data: dict[str, Any]) -> dict[str, Any]:
    """v4 types what waits for the person (session/pending.py): every pending has a kind, every choice a `do`."""
    data = dict(data)
    data["pending"] = _v3_pending(data.get("pending"))
    data["schema_version"] = 4
    return data


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def migrate(data: JsonObject) -> JsonObject:
    """An older session document in today's shape (not yet checked: check_session does that)."""
    version = data.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SessionCorrupt(f"格式版本 schema_version 应是正整数，实际是 {str(version)[:20]!r}")
    if version > SCHEMA_VERSION:
        raise SessionError(f"这个会话由更新版本的助手保存（格式版本 {version}），请先升级本程序。")
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        stepped = data["schema_version"]  # each migration writes its own version number
        version = stepped if isinstance(stepped, int) else SCHEMA_VERSION
    for key in ("id", "form", "year"):
        if key not in data:
            raise SessionCorrupt(f"会话文件缺少字段 {key}。")
    return data


def _corrupt_reason(exc: BaseException) -> str:
    """Why a session file cannot be read, in words (never a bare exception name)."""
    if isinstance(exc, SessionCorrupt):
        return str(exc)
    if isinstance(exc, RecursionError):
        return "JSON 嵌套层数过深"
    if isinstance(exc, UnicodeDecodeError):
        return "不是 UTF-8 编码的文本"
    if isinstance(exc, json.JSONDecodeError):
        return f"不是完整有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）"
    if isinstance(exc, ValueError) and "digits" in str(exc):
        return "含有位数过多的数字"
    return f"内容不符合会话文件的格式（{type(exc).__name__}）"


class SessionLock:
    """An exclusive OS lock on <id>.json.lock, held until release() or until the process ends.

    Only the non-blocking OS call is needed (flock, or msvcrt.locking on Windows). The filelock
    package does the same, but importing it (logging, platform, sqlite, ...) cost about 30 ms of
    every start, an eighth of a bare Textual app's (benchmarks/bench_tui.py).
    """

    def __init__(self, path: str):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
        try:
            if sys.platform == "win32":  # spelled so that type checkers know msvcrt applies
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if sys.platform == "win32":  # spelled so that type checkers know msvcrt applies
                import msvcrt

                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)  # closing also ends a flock


class OpenSession:
    """A session held for editing by this process (the lock is released on close)."""

    def __init__(self, store: SessionStore, session: Session, lock: SessionLock):
        self.store, self.session = store, session
        self._lock: SessionLock | None = lock

    @property
    def closed(self) -> bool:
        return self._lock is None

    def save(self) -> None:
        self.store.save(self.session)

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> OpenSession:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class SessionStore:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else home() / "sessions"

    def path(self, sid: str) -> Path:
        if not sid or "/" in sid or "\\" in sid or sid.startswith("."):
            raise SessionNotFound(f"“{sid}”不是有效的会话编号。")
        return self.root / f"{sid}.json"

    def new_id(self) -> str:
        while True:
            sid = datetime.now().strftime("%m%d") + secrets.token_hex(2)
            if not self.path(sid).exists():
                return sid

    def create(self, form: str, title: str, year: int) -> Session:
        self.check_root()
        session = Session(self.new_id(), form, title, year)
        self.save(session)
        return session

    def save(self, session: Session) -> None:
        atomic_write(self.path(session.id), session.to_chunks(), keep_backup=True)

    def load(self, sid: str) -> Session:
        """Read a session without locking it (check, preview, export, list)."""
        path = self.path(sid)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise SessionNotFound(f"找不到会话 {sid}。可用 `filing list` 查看已有会话。") from None
        try:
            session = Session.from_dict(json.loads(raw.decode("utf-8")), strings=raw_needs_walk(raw))
            if session.id != sid:  # saving would write another session's file
                raise SessionCorrupt(f"文件里的会话编号 {session.id} 与文件名不一致")
            return session
        except UnknownForm as exc:
            raise SessionFormMissing(
                f"会话 {sid} 用的表单“{exc}”不在已知的表单中：它可能来自另外的表单文件夹。"
                f"请加 --forms 文件夹（或设置环境变量 {ENV}）后再打开。会话文件没有改动。") from None
        except (ValueError, KeyError, TypeError, RecursionError, SessionCorrupt) as exc:
            bak = path.with_name(path.name + ".bak")
            hint = _restore_hint(bak, sid)
            reason = _corrupt_reason(exc)
            raise SessionCorrupt(f"会话文件 {path} 已损坏，无法读取（{reason}）。文件未做任何改动。{hint}") from None

    def open(self, sid: str) -> OpenSession:
        """Lock and load a session for editing; a second process (or window) is refused."""
        self.check_root()
        path = self.path(sid)
        if not path.exists():
            raise SessionNotFound(f"找不到会话 {sid}。可用 `filing list` 查看已有会话。")
        self.refuse_sealed(sid)
        lock = SessionLock(str(path) + ".lock")
        if not lock.acquire():
            raise SessionLocked(f"会话 {sid} 正在另一个窗口或程序中编辑。"
                                "为避免互相覆盖，请先在那边保存并退出，再打开。") from None
        try:
            self.refuse_sealed(sid)  # sealed while we waited for the lock
            # We hold the lock, so temp files left by a killed writer are stale.
            for stale in path.parent.glob(f".{path.name}.*tmp"):
                stale.unlink(missing_ok=True)
            return OpenSession(self, self.load(sid), lock)
        except BaseException:
            lock.release()
            raise

    # -- sealing: a report handed in for review is read-only (the review states live in assistant/hosting) --
    def seal_path(self, sid: str) -> Path:
        return self.path(sid).with_name(f"{sid}.json.sealed")

    def sealed(self, sid: str) -> bool:
        return self.seal_path(sid).exists()

    def seal(self, sid: str, why: str) -> None:
        """Refuse every later open() for editing, with `why` (Chinese) said to whoever tries."""
        atomic_write(self.seal_path(sid), why.encode("utf-8"))

    def unseal(self, sid: str) -> None:
        self.seal_path(sid).unlink(missing_ok=True)
        fsync_dir(self.root)

    def refuse_sealed(self, sid: str) -> None:
        try:
            why = self.seal_path(sid).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError):
            why = ""
        raise SessionSealed(why or f"会话 {sid} 已提交审核，不能修改。")

    def check_root(self) -> None:
        """Refuse, in words, a data folder that is a file (FILING_HOME, or its sessions/, set to a file)."""
        for folder in (self.root, *self.root.parents):
            if folder.is_dir():
                return
            if folder.exists() or folder.is_symlink():
                env = os.environ.get("FILING_HOME")
                where = (f"会话文件夹 {folder}" if folder == self.root else
                         f"数据目录 {folder}" + (f"（环境变量 FILING_HOME={env}）" if env else ""))
                raise StoreUnavailable(
                    f"{where} 是一个文件，不是文件夹，无法保存或读取会话。请把这个文件改名或移走"
                    "（其中可能有您的数据，请勿直接删除），或用环境变量 FILING_HOME 指定另一个文件夹。")

    def restore(self, sid: str, *, force: bool = False) -> Restored:
        """Put the last good copy (<id>.json.bak) back, holding the session's lock.

        The current file is kept aside under a name no other restore can take. A current file that
        reads fine is replaced only with force (SessionIntact otherwise): that undoes the last save.
        """
        self.check_root()
        path = self.path(sid)
        bak = path.with_name(path.name + ".bak")
        if not path.exists() and not bak.exists():
            raise SessionNotFound(f"找不到会话 {sid}。可用 `filing list` 查看已有会话。")
        self.refuse_sealed(sid)
        lock = SessionLock(str(path) + ".lock")
        if not lock.acquire():
            raise SessionLocked(f"会话 {sid} 正在另一个窗口或程序中编辑，不能恢复。请先在那边保存并退出，再运行恢复。")
        try:
            damaged = False
            if path.exists():
                try:
                    self.load(sid)
                except (SessionCorrupt, RecursionError):
                    damaged = True
            problem = _backup_problem(bak)
            if problem:
                now_ = "当前文件也已损坏，" if damaged else ""
                raise SessionCorrupt(f"无法恢复会话 {sid}：{problem}。{now_}两个文件都未做改动。")
            if path.exists() and not damaged and not force:
                raise SessionIntact(
                    f"会话 {sid} 的文件完好，不需要恢复。恢复会退回到上一次保存时的内容（最后一次保存的修改会被撤销，"
                    "当前文件另存一份）。如确要退回，请加 --force。")
            aside = _keep_aside(path, "damaged" if damaged else "before-restore") if path.exists() else None
            atomic_write(path, bak.read_bytes())
            return Restored(path, aside, damaged)
        finally:
            lock.release()

    def damaged_message(self, sid: str, why: str) -> str:
        """The one wording for a session that cannot be read, with restore advised only if the backup is good."""
        path = self.path(sid)
        return (f"会话文件 {path} 已损坏，无法读取（{why}）。文件未做任何改动。"
                + _restore_hint(path.with_name(path.name + ".bak"), sid))

    def ids(self) -> Iterator[str]:
        self.check_root()
        if not self.root.is_dir():
            return
        with os.scandir(self.root) as entries:  # an unreadable folder raises, it does not look empty
            names = sorted(e.name for e in entries if e.name.endswith(".json") and not e.name.startswith("."))
        for name in names:
            yield name[:-len(".json")]

    def all(self) -> list[Session | SessionError]:
        """Every session, newest first; unreadable ones come back as their error."""
        out: list[Any] = []
        for sid in self.ids():
            try:
                out.append(self.load(sid))
            except (SessionError, RecursionError) as exc:  # one bad file never hides the others
                err = exc if isinstance(exc, SessionError) else SessionCorrupt(self.damaged_message(sid, "嵌套过深"))
                err.sid = sid
                out.append(err)
        out.sort(key=lambda s: getattr(s, "updated", ""), reverse=True)
        return out


def _backup_problem(bak: Path) -> str | None:
    """Why <id>.json.bak cannot be restored, or None when it reads as a session."""
    try:
        data = json.loads(bak.read_bytes().decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        Session.from_dict(data)
    except FileNotFoundError:
        return "没有备份副本"
    except (ValueError, KeyError, TypeError, RecursionError, SessionError) as exc:
        return f"备份副本 {bak} 也已损坏（{type(exc).__name__}）"
    except OSError as exc:
        return f"备份副本 {bak} 无法读取（{exc.strerror or type(exc).__name__}）"
    return None


def _restore_hint(bak: Path, sid: str) -> str:
    """The damaged-file message's last sentence: recommend restore only when the backup is good."""
    problem = _backup_problem(bak)
    if problem is None:
        return f"上一次完好的副本保存在 {bak}，可运行 `filing restore {sid}` 恢复。"
    return f"{problem}，无法自动恢复；请保留该文件，联系技术支持。"


def _keep_aside(path: Path, kind: str) -> Path:
    """A hard link (or copy) of `path` under a name not yet taken: <name>.<kind>-<time>[-n]."""
    stamp = f"{path.name}.{kind}-{datetime.now():%Y%m%d%H%M%S}"
    for n in range(1, 1000):
        aside = path.with_name(stamp if n == 1 else f"{stamp}-{n}")
        try:
            os.link(path, aside)  # fails if the name exists: two restores in one second keep both
        except FileExistsError:
            continue
        except OSError:  # no hard links here (FAT, some network drives): exclusive create + copy
            try:
                with open(aside, "xb") as fh:
                    fh.write(path.read_bytes())
                    fh.flush()
                    os.fsync(fh.fileno())
            except FileExistsError:
                continue
        fsync_dir(path.parent)
        return aside
    raise SessionError(f"无法另存 {path}：同名副本过多，请先清理 {path.parent} 中的旧副本。")

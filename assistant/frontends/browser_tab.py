"""One browser tab under `filing serve`: its folder in the data folder, files in (uploads) and out (downloads).

A browser user never types or sees a path on the server. Uploads arrive through the server's upload route
and are kept here named by their SHA-256 (`uploads/<sha256>/<name>`: the evidence cites the name and the
hash); dialogs list them by name; exports are built in a scratch folder here and leave as downloads.
Nothing a browser user does reads or writes outside this folder. The account (a later issue) will be
carried by this context too.

Headless: no Textual, no aiohttp (the server and the app process both use it).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.files.safeio import MB, size_text

ID = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16): 128 bits
_SHA = re.compile(r"[0-9a-f]{64}")
MAX_FILE_BYTES = 50 * MB  # the largest file a reader takes (a list, a JSON report)
MAX_TOTAL_BYTES = 200 * MB  # all uploads of one tab
MAX_FILES = 2000  # as many as one 企业数据 run reads
TABLES = (".xlsx", ".xlsm", ".csv", ".txt", ".tsv", ".xls")  # .xls: the reader says to save it as .xlsx
REPORTS = (".json",)
ACCEPTED = TABLES + REPORTS
LIVE = "live"  # present while the tab's app runs: uploads to a closed tab are refused
CRASHED = "crashed"  # left by an app that a programming error closed: the server tells the page so
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


class UploadRefused(Exception):
    """An upload not kept, said in Chinese (the server answers it to the page)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Upload:
    name: str  # as the person's file was called (made safe), unique within the tab
    sha256: str
    size: int
    when: float  # upload time (seconds since the epoch)
    path: Path


def safe_name(raw: str) -> str:
    """A file name from a browser, made harmless: no folders, controls, bidi overrides, hidden or reserved names."""
    name = unicodedata.normalize("NFC", raw.replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    stem = stem[:100 - len(ext) - 1].strip(" .") or "上传的文件"
    if stem.upper() in _RESERVED:
        stem = "_" + stem
    return f"{stem}.{ext}" if ext else stem


class BrowserTab:
    """The folder of one browser tab: `<data folder>/browser/<id>/` (uploads/, scratch/)."""

    def __init__(self, cid: str, data: Path | None = None):
        if not ID.fullmatch(cid):
            raise ValueError("tab id")
        from assistant.paths import home

        self.id = cid
        self.root = (data if data is not None else home()) / "browser" / cid
        self.uploads = self.root / "uploads"
        self.scratch = self.root / "scratch"

    @classmethod
    def new(cls, data: Path | None = None) -> BrowserTab:
        return cls(secrets.token_urlsafe(16), data)

    @classmethod
    def live(cls, cid: str, data: Path | None = None) -> BrowserTab | None:
        """The tab whose app runs now, or None (an unknown or made-up id, a closed tab)."""
        if not ID.fullmatch(cid):
            return None
        conn = cls(cid, data)
        try:
            pid = int((conn.root / LIVE).read_text(encoding="ascii"))
        except (OSError, ValueError):
            return None
        if os.name != "nt":  # an app process ended hard (killed) left its mark: it is no longer there
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return None
            except PermissionError:
                pass
        return conn

    # -- the app process's side ------------------------------------------------------------------
    def open(self) -> None:
        """Create the folder (readable by this user only) and mark the tab live."""
        for folder in (self.root.parent, self.root, self.uploads, self.scratch):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        (self.root / LIVE).write_text(str(os.getpid()), encoding="ascii")

    def mark_crashed(self) -> None:
        """A programming error closed the app: the server reads this when the tab's app ends."""
        with contextlib.suppress(OSError):
            (self.root / CRASHED).write_text(str(os.getpid()), encoding="ascii")

    def crashed(self) -> bool:
        return (self.root / CRASHED).is_file()

    def close(self) -> None:
        """The tab is gone: no more uploads; the scratch folder (export leftovers) goes. Uploads stay (evidence)."""
        with contextlib.suppress(OSError):
            (self.root / LIVE).unlink()
        shutil.rmtree(self.scratch, ignore_errors=True)

    @contextlib.contextmanager
    def workdir(self) -> Iterator[Path]:
        """A fresh folder to build an export in, removed afterwards (never the server's working folder)."""
        self.scratch.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=self.scratch))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def uploaded(self, suffixes: tuple[str, ...] = ACCEPTED) -> list[Upload]:
        """The files uploaded in this tab with one of these suffixes, newest first."""
        out: list[Upload] = []
        try:
            folders = list(os.scandir(self.uploads))
        except OSError:
            return []
        for d in folders:
            if not (_SHA.fullmatch(d.name) and d.is_dir(follow_symlinks=False)):
                continue
            try:
                files = [f for f in os.scandir(d.path) if f.is_file(follow_symlinks=False)]
            except OSError:
                continue
            for f in files[:1]:
                if Path(f.name).suffix.lower() in suffixes:
                    st = f.stat(follow_symlinks=False)
                    out.append(Upload(f.name, d.name, st.st_size, st.st_mtime, Path(f.path)))
        out.sort(key=lambda u: (-u.when, u.name))
        return out

    def find(self, name: str) -> Path | None:
        """An uploaded file by the name shown for it; None for anything else (a server path included)."""
        return next((u.path for u in self.uploaded() if u.name == name.strip()), None)

    # How the conversation speaks of files here (on the desktop it asks for paths).
    how = "按 F6 打开“用企业数据表计算”，上传企业数据采集表并勾选后计算"

    def missing(self, names: list[str]) -> str:
        """The conversation's refusal of names that are not uploads of this tab (a server path among them)."""
        shown = "、".join(f"“{n[:60]}”" for n in names[:3]) + ("等" if len(names) > 3 else "")
        return f"本页没有上传过{shown}：在浏览器中只能使用上传到本页的文件。请{self.how}。"

    def tidy(self, text: str) -> str:
        """A message as the browser user may see it: an uploaded file by its name, no server folder."""
        for u in self.uploaded():
            text = text.replace(str(u.path), u.name)
        text = text.replace(str(self.root), "（浏览器文件夹）")
        from assistant.paths import home

        return text.replace(str(home()), "（数据文件夹）")

    # -- the server's side -----------------------------------------------------------------------
    def receive(self, raw_name: str) -> Receiving:
        """Start keeping an upload: write() its bytes, then finish(); refused over the caps, nothing kept."""
        name = safe_name(raw_name)
        if Path(name).suffix.lower() not in ACCEPTED:
            raise UploadRefused(f"“{name}”不是可以上传的文件：只收 Excel（.xlsx）、CSV 和 JSON 报告文件。", 415)
        have = self.uploaded()
        if len(have) >= MAX_FILES:
            raise UploadRefused(f"本页已上传 {len(have)} 个文件，达到上限，没有保存“{name}”。请刷新页面后再上传。", 413)
        room = MAX_TOTAL_BYTES - sum(u.size for u in have)
        return Receiving(self, name, min(MAX_FILE_BYTES, max(room, 0)), room < MAX_FILE_BYTES)

    def _keep(self, tmp: Path, name: str, sha: str) -> Upload:
        folder = self.uploads / sha
        same = [f for f in folder.iterdir() if f.is_file()] if folder.is_dir() else []
        if same:  # the same bytes again: one copy, shown as uploaded now
            tmp.unlink()
            os.utime(same[0])
            st = same[0].stat()
            return Upload(same[0].name, sha, st.st_size, st.st_mtime, same[0])
        taken = {u.name for u in self.uploaded()}
        stem, ext = os.path.splitext(name)
        shown, n = name, 1
        while shown in taken:  # another file of the same name: 名单（2）.xlsx, as a browser names downloads
            n += 1
            shown = f"{stem}（{n}）{ext}"
        folder.mkdir(mode=0o700, exist_ok=True)
        target = folder / shown
        os.replace(tmp, target)
        st = target.stat()
        return Upload(shown, sha, st.st_size, st.st_mtime, target)


class Receiving:
    """One upload on its way in: counted, hashed, written to a temporary file in the tab's folder."""

    def __init__(self, conn: BrowserTab, name: str, limit: int, total_cap: bool):
        self.conn, self.name, self.limit, self._total_cap = conn, name, limit, total_cap
        conn.uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=conn.uploads, prefix=".upload-")
        self._tmp = Path(tmp)
        self._fh = os.fdopen(fd, "wb")
        self._sha = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            self.abort()
            if self._total_cap:
                raise UploadRefused(f"本页上传的文件合计超过 {size_text(MAX_TOTAL_BYTES)} 的上限，没有保存“{self.name}”。", 413)
            raise UploadRefused(f"“{self.name}”超过 {size_text(MAX_FILE_BYTES)} 的上传上限，没有保存。", 413)
        self._sha.update(chunk)
        self._fh.write(chunk)

    def finish(self) -> Upload:
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            if self.size == 0:
                raise UploadRefused(f"“{self.name}”是空文件，没有保存。")
            return self.conn._keep(self._tmp, self.name, self._sha.hexdigest())
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._fh.close()
        with contextlib.suppress(OSError):
            self._tmp.unlink()


def age(when: float, now: float | None = None) -> str:
    """How long ago an upload came, as the dialogs say it."""
    s = max(0, int((time.time() if now is None else now) - when))
    return "刚刚" if s < 60 else f"{s // 60} 分钟前" if s < 3600 else time.strftime("%H:%M", time.localtime(when))

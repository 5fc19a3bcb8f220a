"""Output of several files (the submission package) is built in a temporary folder beside the target and
swapped into place whole at the end: a failed or killed run leaves the old folder as it was, or no folder.

Also here: whether the process that owns a temporary folder is still running, so that folders left by a
killed run (a package, a PDF conversion) are removed by the next run and never pile up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

TAG = ".filing-"  # every temporary folder beside a target is named .<target>.filing-<new|old>-<pid>-<token>
STALE_AFTER = 24 * 3600  # seconds: a temporary folder this old is left over whatever its pid says
_ENTRY = re.compile(r"^\.(?P<name>.+)\.filing-(?P<kind>new|old)-(?P<pid>\d+)-[0-9a-f]+$")


# -- who owns a temporary folder ---------------------------------------------------------------
def _start_time(pid: int) -> str:
    """When the process started (Linux: clock ticks since boot), "" where unknown: tells a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2:].split()  # the command name may hold spaces and brackets
    return fields[19] if len(fields) > 19 else ""


def owner_token(pid: int | None = None) -> str:
    """"<pid> <start time>" of this process (or pid): written into a temporary folder it owns."""
    pid = os.getpid() if pid is None else pid
    return f"{pid} {_start_time(pid)}".strip()


def owner_alive(token: str) -> bool:
    """Whether the process named by owner_token() may still be running (unsure counts as running)."""
    parts = token.split()
    if not parts or not parts[0].isdigit():
        return False
    pid = int(parts[0])
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # no harmless probe: the age rule decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        pass
    if len(parts) > 1:
        now = _start_time(pid)
        if now and now != parts[1]:
            return False  # the pid was reused by a later process
    return True


# -- temp then swap ----------------------------------------------------------------------------
@dataclass
class Stage:
    """The temporary folder to write into (`path`); after the block, `target` holds what was written."""

    target: Path
    path: Path
    carried: list[str] = field(default_factory=list)  # the old folder's other files, kept

    def final(self, written: Path) -> Path:
        """Where a file written into the stage is once the stage is in place."""
        return self.target / written.relative_to(self.path)


@contextlib.contextmanager
def staged_folder(target: Path, *, previous: Collection[str] = (), last: Collection[str] = ()) -> Iterator[Stage]:
    """Yield an empty folder beside `target`; when the block ends without an exception it replaces
    `target` in one step (Linux: an atomic exchange; elsewhere two renames, undone by the next run if
    killed between them). On an exception the stage is removed and `target` is untouched.

    An existing `target` may hold files the person put there: those not named in `previous` (the
    earlier output's files) and not written now are carried into the new folder (hard links where
    possible), listed in Stage.carried.

    Where nothing can be made beside `target` (a drive's root, a folder whose parent is not writable)
    or it is the current folder,
    the stage is made inside it and its files are moved in one by one at the end, `last` (the
    checklist naming the others) removed first and moved in last: a killed run there leaves no checklist."""
    target = Path(os.path.abspath(target))  # "." has no name to stage beside
    if target.is_symlink():
        target = target.resolve()  # the folder the link points at is the one replaced
    if os.path.lexists(target) and not target.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(target))
    clean_leftovers(target)
    inside = target.is_dir() and (os.path.ismount(target) or _holds_cwd(target))
    stage = Stage(target, (target if inside else target.parent) / _name(target, "new"))
    try:
        stage.path.mkdir()
    except PermissionError:
        if inside or not target.is_dir():
            raise
        inside, stage.path = True, target / _name(target, "new")
        stage.path.mkdir()
    try:
        yield stage
        if inside:
            _move_in(stage.path, target, previous, last)
        else:
            if target.is_dir():
                stage.carried = _carry(target, stage.path, previous)
                with contextlib.suppress(OSError):
                    os.chmod(stage.path, os.stat(target).st_mode & 0o7777)  # the folder keeps who may read it
            _fsync_tree(stage.path)
            _swap(stage.path, target)
    except BaseException:
        shutil.rmtree(stage.path, ignore_errors=True)
        raise
    shutil.rmtree(stage.path, ignore_errors=True)  # after an exchange: the old folder
    _fsync(target.parent)


def _holds_cwd(folder: Path) -> bool:
    """The folder someone works in (`-o .`): swapped out, their shell would stand in a deleted folder."""
    try:
        cwd = Path.cwd()
    except OSError:
        return False
    return cwd == folder or folder in cwd.parents


def _move_in(stage: Path, target: Path, previous: Collection[str], last: Collection[str]) -> None:
    _fsync_tree(stage)
    new = sorted(os.listdir(stage), key=lambda n: n in last)
    for name in [*last, *(n for n in previous if n not in new)]:  # the checklist first, then stale output
        p = target / name
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
    for name in new:
        os.replace(stage / name, target / name)
    _fsync(target)


def clean_leftovers(target: Path) -> None:
    """Temporary folders of runs for this target that were killed: an old folder set aside and not
    put back (killed between the two renames) is restored; anything else is removed."""
    entries = []
    for folder in (target.parent, target):  # a stage is made inside the target where not beside it
        with contextlib.suppress(OSError):
            entries += list(os.scandir(folder))
    now = time.time()
    for e in entries:
        m = _ENTRY.match(e.name)
        if m is None or m["name"] != target.name:
            continue
        try:
            if not e.is_dir(follow_symlinks=False):
                continue
            if owner_alive(m["pid"]) and now - e.stat(follow_symlinks=False).st_mtime < STALE_AFTER:
                continue
            if m["kind"] == "old" and not os.path.lexists(target) and Path(e.path).parent == target.parent:
                os.rename(e.path, target)
                continue
        except OSError:
            continue
        shutil.rmtree(e.path, ignore_errors=True)


def _name(target: Path, kind: str) -> str:
    return f".{target.name}{TAG}{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _carry(old: Path, new: Path, previous: Collection[str]) -> list[str]:
    carried = []
    for e in sorted(os.scandir(old), key=lambda e: e.name):
        if e.name in previous or os.path.lexists(new / e.name) or _ENTRY.match(e.name):
            continue
        dest = new / e.name
        if e.is_dir(follow_symlinks=False):
            shutil.copytree(e.path, dest, symlinks=True, copy_function=_link_or_copy)
        elif e.is_symlink():
            os.symlink(os.readlink(e.path), dest)
        else:
            _link_or_copy(e.path, str(dest))
        carried.append(e.name)
    return carried


def _link_or_copy(src: str, dst: str) -> str:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:  # no hard links here (FAT, some network drives)
        shutil.copy2(src, dst)
    return dst


def _swap(new: Path, target: Path) -> None:
    if not os.path.lexists(target):
        os.rename(new, target)  # made meanwhile (an empty folder) is replaced; a non-empty one fails
        return
    if _exchange(new, target):
        return
    aside = target.parent / _name(target, "old")
    os.rename(target, aside)
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(aside, target)
        raise
    os.rename(aside, new)  # the caller removes `new`: now the old folder


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where not available."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a file system without the exchange: two renames instead
    raise OSError(err, os.strerror(err), str(b))


def _fsync(path: Path) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """The files reach the disk before the folder takes the target's name."""
    for root, _dirs, files in os.walk(folder):
        for name in files:
            _fsync(Path(root, name))
        _fsync(Path(root))

"""Atomic writes: a temp file in the same folder, fsync, rename over, fsync the folder."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    if os.name == "nt":  # Windows cannot open a folder as a file; NTFS orders the rename itself
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes | list[bytes], *, keep_backup: bool = False) -> None:
    """Write to a temp file in the same folder, fsync, rename over, fsync the folder.

    With keep_backup the replaced version stays as <name>.bak (a hard link: no copy).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            if isinstance(data, (bytes, bytearray)):
                fh.write(data)
            else:
                fh.writelines(data)
            fh.flush()
            os.fsync(fh.fileno())
        if keep_backup and path.exists():
            bak_tmp = path.with_name(f".{path.name}.{os.getpid()}.baktmp")
            try:
                try:
                    os.link(path, bak_tmp)
                except OSError:  # no hard links here (FAT, some network drives): copy instead
                    import shutil

                    shutil.copyfile(path, bak_tmp)
                os.replace(bak_tmp, path.with_name(path.name + ".bak"))
            except OSError:
                bak_tmp.unlink(missing_ok=True)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not exc.filename:
            exc.filename = str(path)  # a full disk fails in write(), which names no file
        raise
    fsync_dir(path.parent)

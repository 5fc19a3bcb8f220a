"""OSError in Chinese: the reason by errno, and the file it concerns (a full disk names the file)."""

from __future__ import annotations

import errno

_REASONS = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "所在磁盘是只读的",
    errno.ENOENT: "文件或文件夹不存在",
    errno.ENOTDIR: "路径中有一部分是文件，不是文件夹",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.EEXIST: "同名文件已存在",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EIO: "磁盘读写出错",
    errno.EFBIG: "文件太大",
    errno.EBUSY: "文件正被占用",
    errno.ENXIO: "设备不可用",
}


def reason(exc: OSError) -> str:
    """Why, in Chinese; an errno without a translation keeps the system's words."""
    return _REASONS.get(exc.errno or -1) or exc.strerror or type(exc).__name__


def describe(exc: OSError) -> str:
    """One sentence naming the file and the reason, e.g. "无法写入 /x/y.json：磁盘空间已满。"."""
    name = exc.filename or ""
    if exc.filename2:
        name = f"{name} → {exc.filename2}"
    where = f" {name}" if name else ""
    tail = "请清理磁盘空间后再试。" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return f"无法读写文件{where}：{reason(exc)}。{tail}"

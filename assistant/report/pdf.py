"""PDF through LibreOffice headless: a time limit, a private profile, and a check of the pages.

The form says parts 一–六 must not run over a page (不得串页). Word and WPS lay a page out much as
LibreOffice does, so the rendered PDF is where that is checked: each part marked `one_page` in the
report model must start a page of its own and the next part must start on the following page.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import Remedies, UserError
from assistant.files.staging import owner_alive, owner_token

TIMEOUT_S = 180  # the 20-page sample takes a few seconds; a hung soffice must not hang the export
TEMP_PREFIX = "filing-pdf-"  # the conversion's private folder in the system temp folder
OWNER_FILE = "owner"  # in that folder: the pid (and start time) of the process converting there
STALE_AFTER = 3600  # seconds: a folder without an owner file this old was left by an older version
_WATCHDOG = str(Path(__file__).resolve().parent / "watchdog.py")  # run as a script: it imports nothing of ours
_UID = os.getuid() if hasattr(os, "getuid") else 0
SOFFICE_ENV = "FILING_SOFFICE"  # the path of soffice where it is not on PATH (e.g. a portable install)
_WINDOWS_PLACES = (r"C:\Program Files\LibreOffice\program\soffice.exe",
                   r"C:\Program Files (x86)\LibreOffice\program\soffice.exe")


def install_hint(w: Remedies) -> str:
    return (f"Word 文件本身是完整的：可以{w.as_docx}，在 Word 或 WPS 中“另存为 PDF”；"
            "或安装 LibreOffice 后再试（Windows：从 https://zh-cn.libreoffice.org 下载安装；"
            "Debian/Ubuntu：sudo apt install libreoffice-writer），"
            f"装在其他位置时可用环境变量 {SOFFICE_ENV} 指向 soffice 程序。")


@dataclass
class PageCheck:
    pages: int
    # (part title, pages it covers) for each one-page part that does not fit its page
    overflow: list[tuple[str, int]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # one-page parts whose title was not found
    split: list[str] = field(default_factory=list)  # blocks that must share a page and do not (the cover)

    def summary(self, titles: Sequence[str]) -> str:
        span = f"“{titles[0]}”至“{titles[-1]}”" if titles else "各部分"
        if self.overflow or self.missing or self.split:
            bad = "；".join([f"“{t}”占了 {n} 页" for t, n in self.overflow]
                           + [f"没有找到“{t}”的标题" for t in self.missing]
                           + [f"{t}没能排在一页上" for t in self.split])
            return (f"共 {self.pages} 页。注意：{bad}。表格要求{span}不得串页，"
                    "请把过长的名称或说明精简，或移到附件材料后再导出。")
        return f"共 {self.pages} 页；{span}各在一页之内。" if titles else f"共 {self.pages} 页。"


def find_soffice() -> str | None:
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if os.name == "nt":
        return next((p for p in _WINDOWS_PLACES if Path(p).is_file()), None)
    return None


# The form's typefaces (named in the .docx, see docx_writer.py) and the installed faces that stand in for
# them in the PDF where the machine lacks them: Simplified-Chinese glyph forms, the same style (a Song/Ming
# face for 宋体, a FangSong or Kai face for 仿宋 where one is installed, a sans face for 黑体), and Latin and
# digits in a face that matches (not DejaVu). The first installed name of each list is used.
FACES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # role: (names in the document, installed faces in order of preference)
    "宋体": (("宋体", "SimSun", "NSimSun", "方正小标宋简体", "FZXiaoBiaoSong-B05S"),
           ("SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN")),
    "仿宋": (("仿宋", "FangSong", "仿宋_GB2312", "FangSong_GB2312"),
           ("FangSong", "FangSong_GB2312", "LXGW WenKai", "AR PL UKai CN", "Noto Serif CJK SC", "Source Han Serif SC")),
    "黑体": (("黑体", "SimHei"), ("SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei")),
    "Times New Roman": (("Times New Roman",),
                        ("Times New Roman", "Liberation Serif", "TeX Gyre Termes", "Noto Serif CJK SC")),
}
_JP_KR = ("jp", "kr", "-vkana")  # in an embedded font's name: Japanese / Korean glyph forms


@dataclass
class FontPlan:
    """Which installed face renders each of the form's typefaces, and the fontconfig file that says so."""

    used: dict[str, str]  # role -> installed face ("" where none of the list is installed)
    conf: str  # fontconfig XML; "" where fontconfig is not used (Windows, macOS without fc-list)

    @property
    def substituted(self) -> dict[str, str]:
        return {role: face for role, face in self.used.items() if face and face not in FACES[role][0]}


def _installed_families() -> set[str]:
    fc = shutil.which("fc-list")
    if fc is None:
        return set()
    try:
        out = subprocess.run([fc, "--format", "%{family}\n"], capture_output=True, timeout=30, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return set()
    return {name.strip() for line in out.decode("utf-8", "replace").splitlines() for name in line.split(",")}


def font_plan() -> FontPlan:
    from xml.sax.saxutils import escape

    installed = _installed_families()
    base = Path(os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf")
    if not installed or not base.is_file():  # the mapping includes the system's configuration, or is not made
        return FontPlan({}, "")
    used = {role: next((f for f in prefer if f in installed), "") for role, (_, prefer) in FACES.items()}
    rules = []
    for role, (names, _) in FACES.items():
        face = used[role]
        if not face or face in names:
            continue
        for name in names:  # strong: the stand-in wins over fontconfig's own guess (a JP face, DejaVu)
            rules.append(f'<match target="pattern"><test name="family"><string>{escape(name)}</string></test>'
                         f'<edit name="family" mode="assign" binding="strong"><string>{escape(face)}</string>'
                         "</edit></match>")
    conf = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>'
            f'<include ignore_missing="yes">{escape(str(base))}</include>' + "".join(rules) + "</fontconfig>\n")
    return FontPlan(used, conf)


def embedded_fonts(pdf: bytes) -> list[str]:
    """The base names of the fonts embedded in a PDF (subset prefix removed), as pdffonts lists them."""
    import io

    from pypdf import PdfReader

    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources")
        fonts = resources.get_object().get("/Font") if resources is not None else None
        for ref in fonts.get_object().values() if fonts is not None else ():
            base = str(ref.get_object().get("/BaseFont", ""))
            names.add(base.lstrip("/").split("+", 1)[-1])
    return sorted(n for n in names if n)


def _compact(face: str) -> str:
    """A face's name as a PDF embeds it, without the region: "Noto Serif CJK SC" -> "notoserifcjk" (a Noto
    collection embeds one program named …jp… for all its regional faces; the glyphs are the SC face's)."""
    name = face.replace(" ", "").lower()
    return re.sub(r"(sc|tc|jp|kr|hk)$", "", name)


def font_note(plan: FontPlan, embedded: Sequence[str]) -> str:
    """One line on the faces the PDF was set in, read back from the file: the stand-ins used for the form's
    typefaces, anything else embedded, and a warning where no Simplified-Chinese face was found."""
    missing = [role for role, face in plan.used.items() if not face and role != "Times New Roman"]
    if plan.used and missing:
        return (f"注意：本机没有可代替{'、'.join(missing)}的简体中文字体，PDF 中的汉字可能是日文或韩文字形"
                f"（嵌入的字体：{'、'.join(embedded) or '无'}）。请安装简体中文字体（如 Debian/Ubuntu："
                "sudo apt install fonts-noto-cjk）后再导出，或在 Word / WPS 中另存为 PDF。")
    subs = plan.substituted
    planned = {_compact(face) for face in plan.used.values() if face}
    other = [n for n in embedded if not any(n.lower().startswith(p) for p in planned)]
    extra = f"；个别符号用 {'、'.join(other)}" if other else ""
    if not subs:
        return f"所用字体：{'、'.join(embedded)}。" if embedded and not plan.used else (
            f"所用字体：表格所用的字体{extra}。" if extra else "")
    by_face: dict[str, list[str]] = {}
    for role, face in subs.items():
        by_face.setdefault(face, []).append("西文和数字" if role == "Times New Roman" else role)
    said = "，".join(f"{'、'.join(roles)}用 {face}" for face, roles in by_face.items())
    return (f"所用字体：本机没有表格所用的字体，PDF 中已用相近的简体中文字体代替并嵌入（{said}{extra}）；"
            "在 Word / WPS 中打印的是表格规定的字体。")


def docx_to_pdf(docx: bytes, *, timeout: float | None = None, plan: FontPlan | None = None) -> bytes:
    """Convert in a private folder with a private LibreOffice profile (a running LibreOffice of the
    user's, or a second export at the same time, does not interfere)."""
    timeout = TIMEOUT_S if timeout is None else timeout
    soffice = find_soffice()
    if soffice is None:
        where = f"（环境变量 {SOFFICE_ENV} 指向的程序不存在）" if os.environ.get(SOFFICE_ENV) else ""
        raise UserError(lambda w: f"导出 PDF 需要 LibreOffice，但本机没有找到{where}。{install_hint(w)}", 4)
    clean_stale_folders()
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    try:
        (folder / OWNER_FILE).write_text(owner_token(), encoding="ascii")  # a killed run's folder is found by it
        src = folder / "report.docx"
        src.write_bytes(docx)
        env = None
        if plan is not None and plan.conf:  # the form's typefaces mapped to installed SC faces (font_plan)
            (folder / "fonts.conf").write_text(plan.conf, encoding="utf-8")
            env = {**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")}
        cmd = [soffice, "--headless", "--norestore", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
               "--convert-to", "pdf", "--outdir", str(folder), str(src)]
        out, returncode = _run(cmd, timeout, env)
        pdf = folder / "report.pdf"
        if returncode != 0 or not pdf.is_file():
            said = out.decode("utf-8", "replace").strip().splitlines()[-1:] if out else []
            why = f"（{said[0][:200]}）" if said else ""
            raise UserError(lambda w: f"LibreOffice 未能把报告转换为 PDF{why}。{install_hint(w)}", 4)
        return pdf.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> tuple[bytes, int]:
    """soffice under a watchdog (assistant/report/watchdog.py) leading its own process group: whatever ends this
    call (done, time limit, Ctrl-C, an exception, or this process killed) ends LibreOffice with it."""
    guarded = os.name == "posix"
    lifeline = os.pipe() if guarded else None  # the watchdog's end closes when this process ends, however
    full = [sys.executable, "-I", _WATCHDOG, str(lifeline[0]), *cmd] if lifeline else cmd  # -I: standard library only
    try:
        proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=guarded, pass_fds=lifeline[:1] if lifeline else (), env=env)
    finally:
        if lifeline:
            os.close(lifeline[0])
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise UserError(lambda w: f"LibreOffice 在 {timeout:g} 秒内没有完成转换，已停止，没有写出 PDF。"
                        f"可以稍后再试，或{w.as_docx}后在 Word 或 WPS 中另存为 PDF。", 4) from None
    except BaseException:
        _kill(proc)
        raise
    finally:
        if lifeline:
            os.close(lifeline[1])
    return out, proc.returncode


def clean_stale_folders() -> None:
    """Folders of conversions whose process is gone (killed, or the machine lost power): removed, so
    they never pile up in the temp folder. One without an owner file (an older version's, or one being
    made this instant) is removed once it is an hour old."""
    root = Path(tempfile.gettempdir())
    try:
        entries = [e for e in os.scandir(root) if e.name.startswith(TEMP_PREFIX)]
    except OSError:
        return
    now = time.time()
    for e in entries:
        try:
            if not e.is_dir(follow_symlinks=False) or e.stat(follow_symlinks=False).st_uid != _UID:
                continue  # another user's conversion is not ours to judge
            try:
                token = (Path(e.path) / OWNER_FILE).read_text(encoding="ascii")
            except FileNotFoundError:
                if now - e.stat(follow_symlinks=False).st_mtime < STALE_AFTER:
                    continue
            else:
                if owner_alive(token):
                    continue
        except (OSError, UnicodeDecodeError):
            continue
        shutil.rmtree(e.path, ignore_errors=True)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """End the whole group (the watchdog, soffice and the soffice.bin it starts), not only the launcher."""
    try:
        if os.name != "nt":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def page_texts(pdf: bytes) -> list[str]:
    import io

    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def check_pages(pages: Sequence[str], titles: Sequence[str], one_page: Sequence[bool],
                together: Sequence[tuple[str, str, str]] = ()) -> PageCheck:
    """titles: every part's title in order; one_page: which of them must fit a page of its own;
    together: (name, first line, last line) of a block that must stand on one page (the cover).

    A part starts on the first page (at or after the previous part's) with its title as a line;
    a one-page part fits when the next part starts on the following page (or it is the last)."""
    lines = [_lines(p) for p in pages]
    starts: list[int | None] = []
    at = 0
    for title in titles:
        key = " ".join(title.split())
        page = next((i for i in range(at, len(lines)) if key in lines[i]), None)
        starts.append(page)
        if page is not None:
            at = page
    check = PageCheck(len(pages))
    for k, (title, single) in enumerate(zip(titles, one_page, strict=True)):
        if not single:
            continue
        start = starts[k]
        if start is None:
            check.missing.append(title)
            continue
        following = next((s for s in starts[k + 1:] if s is not None), len(pages))
        if following - start > 1:
            check.overflow.append((title, following - start))
    for name, first, last in together:
        page = next((i for i, lines_ in enumerate(lines) if any(first in line for line in lines_)), None)
        if page is not None and not any(last in line for line in lines[page]):
            check.split.append(name)
    return check

"""The app under `filing serve`: files leave as downloads, arrive as uploads; the page is told what the app needs.

Used only when the app runs in a browser tab (FilingApp.browser); the desktop keeps its path fields.
Exports are built in the tab's scratch folder (never the server's working folder) and handed to Textual's
`App.deliver_binary`, which textual-serve turns into a download in the browser.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from assistant.errors import Remedies
from assistant.frontends.tui.host import filing_app

if TYPE_CHECKING:
    from textual.app import App

    from assistant.frontends.browser_tab import BrowserTab

# A browser export is built fresh each time: nothing to overwrite, no folder to choose.
BROWSER_REMEDIES = Remedies(force="重新下载", draft="勾选“草稿”", output="重新下载", fmt="选择",
                            as_docx="改选 Word 文档（.docx）下载")
MIME = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".md": "text/markdown",
    ".json": "application/json",
    ".zip": "application/zip",
}


@dataclass
class Built:
    data: bytes
    name: str  # as the desktop names the file (the form's file_name pattern)
    notes: list[str] = field(default_factory=list)


def tell_page(app: App[Any], what: str, **params: str) -> None:
    """A message to the page around the terminal (its script reads `filing:` addresses, never opens them).
    Only through the web driver: elsewhere Textual would hand the address to a local web browser."""
    if app.is_web:
        app.open_url("filing:" + what + ("?" + urlencode(params) if params else ""), new_tab=False)


def deliver(app: App[Any], built: Built) -> None:
    """The file to the person's browser as a download (textual-serve fetches it from the app in chunks).

    Without a browser to hand it to (Textual's pilot in tests) the file is kept in the tab's folder instead,
    as the browser would save it: Textual's own non-web delivery cannot write bytes (8.2.8 opens the file in
    text mode for a BytesIO), and it would write to the server user's Downloads."""
    tab = filing_app(app).browser
    if tab is None:
        raise RuntimeError("deliver() is for the browser")
    if app.is_web:
        app.deliver_binary(io.BytesIO(built.data), save_filename=built.name,
                           mime_type=MIME.get(Path(built.name).suffix.lower(), "application/octet-stream"))
        return
    from assistant.files.atomic import atomic_write

    folder = tab.root / "delivered"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    atomic_write(folder / built.name, built.data)


def build_export(session: Any, fmt: str, draft: bool, conn: BrowserTab) -> Built:
    """The report (or the 报送材料 as one .zip) built in a scratch folder of the tab; UserError as on the desktop."""
    from assistant.interview.engine import Engine
    from assistant.report.export import default_filename, export_session

    engine = Engine.for_session(session)
    with conn.workdir() as folder:
        if fmt == "package":
            from assistant.report.package import build_package, package_folder_name

            pkg = build_package(session, folder / package_folder_name(engine), draft=draft)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for p in pkg.files:  # in a folder of the desktop's name: unpacked, it is the same folder
                    z.write(p, f"{pkg.folder.name}/{p.name}")
            return Built(buf.getvalue(), pkg.folder.name + ".zip", [*(f"  {p.name}" for p in pkg.files), *pkg.notes])
        notes: list[str] = []
        written = export_session(session, fmt, folder / default_filename(engine, fmt), draft=draft, notes=notes)
        return Built(written.read_bytes(), written.name, notes)


def build_workbook(session: Any) -> Built:
    """`filing workbook 会话编号 --prefill`: the enterprise collection workbook, prefilled from the session's lists."""
    from assistant.frontends.cli_enterprises import workbook_name
    from assistant.interview.engine import Engine
    from assistant.interview.enterprises.columns import load_spec
    from assistant.interview.enterprises.workbook import rows_from_session, write_workbook

    engine = Engine.for_session(session)
    spec = load_spec(session.form)
    if spec is None:
        raise ValueError(session.form)
    rows = rows_from_session(engine, spec)
    note = f"已预填名单中的 {len(rows)} 家企业。" if rows else ""
    return Built(write_workbook(spec, session.year, rows), workbook_name(engine), [note] if note else [])

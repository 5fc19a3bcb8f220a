"""`filing import` and `filing ask`'s list import: the first rows shown as a table, confirmed, then applied."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from assistant.errors import UserError as CliError
from assistant.files.tables import TableError
from assistant.form.values import show_cell
from assistant.interview.engine import Engine
from assistant.interview.lists import apply_rows, ignored_columns, list_question, read_list_table, validate
from assistant.session.store import SessionStore

if TYPE_CHECKING:
    from assistant.form.flow import Question


PREVIEW_ROWS = 5


# -- showing ---------------------------------------------------------------------------------
def preview_table(engine: Engine, question: Question, rows: list[dict[str, Any]], limit: int = PREVIEW_ROWS) -> None:
    """The first rows and the count, as a rich table on stdout."""
    from rich.console import Console
    from rich.table import Table as RichTable

    t = RichTable(title=f"{engine.label(question)}：共 {len(rows)} 行（显示前 {min(limit, len(rows))} 行）")
    t.add_column("行", justify="right")
    for c in question.columns:
        t.add_column(engine.text(c.label or c.id))
    for i, r in enumerate(rows[:limit], 1):
        t.add_row(str(i), *[show_cell(c, r.get(c.id, "")) for c in question.columns])
    console = Console(file=sys.stdout, soft_wrap=True)
    console.print(t)
    note = ignored_columns(rows)
    if note:
        console.print(note, markup=False, highlight=False)


def _interactive() -> bool:
    return sys.stdin.isatty()


def run_import(session_id: str, list_qid: str, path: Path, yes: bool = False) -> int:
    with SessionStore().open(session_id) as handle:
        engine = Engine.for_session(handle.session)  # saved once, at the end: all or nothing
        try:
            q = list_question(engine, list_qid)
            rows = validate(engine, q, read_list_table(Path(path), q))
        except TableError as exc:
            raise CliError(str(exc), exc.code) from None
        preview_table(engine, q, rows)
        existing = handle.session.answers.get(list_qid)
        if isinstance(existing, list) and existing:
            sys.stdout.write(f"注意：当前名单已有 {len(existing)} 行，导入后将被替换。\n")
        if not yes:
            if not _interactive():
                raise CliError("没有在终端中运行，无法确认。确认无误后请加 --yes 再运行，例如：\n"
                               f"  filing import {session_id} {list_qid} {path} --yes", EXIT_USAGE)
            import questionary

            try:
                ok = questionary.confirm(f"导入这 {len(rows)} 行吗？", default=True).unsafe_ask()
            except (KeyboardInterrupt, EOFError):
                ok = None
            if not ok:
                sys.stdout.write("已取消，没有做任何修改。\n")
                return EXIT_REFUSED
        lines = apply_rows(engine, list_qid, rows)
        note = ignored_columns(rows)
        handle.session.say("user", f"（从文件 {Path(path).name} 导入 {len(rows)} 行到 {list_qid}）", list_qid)
        if note:
            handle.session.say("assistant", note, list_qid)
        handle.save()
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK

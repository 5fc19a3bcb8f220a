"""A JSON report read back: every answer through the engine's parser and checks, as typed input; all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from assistant.errors import DuplicateKey, InputError, UserError, no_duplicate_keys
from assistant.files.safeio import MAX_REPORT_FILE_BYTES, FileTooLarge, read_bounded, size_text
from assistant.form.catalog import load_flow
from assistant.form.flow import FlowError
from assistant.form.types import of
from assistant.form.validate import kind_of, shown
from assistant.interview.engine import Applied, Engine
from assistant.session.evidence import restore
from assistant.session.quotes import quotes_from_json
from assistant.session.store import Session
from assistant.session.validate import check_report

if TYPE_CHECKING:

    pass


REPORT_SCHEMA = "filing-assistant/report"
REPORT_SCHEMA_VERSION = 1


class SessionSink(Protocol):
    """Where load_report puts the new session (a SessionStore, or a scratch store that keeps nothing)."""

    def new_id(self) -> str: ...

    def save(self, session: Session) -> object: ...



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
    return shown(name, 200)


def read_report(path: Path | str, session_id: str) -> tuple[Session, Engine, Applied]:
    """A JSON report read and validated in memory (nothing written): (session, engine, applied).

    The one reading of a report for import-report, the commission's overview and the district roll-up;
    anything refused raises UserError naming the file and each item.
    """
    path = Path(path).expanduser()
    try:
        if path.exists() and not path.is_file():
            raise UserError(f"{shown(str(path), 200)} 不是普通文件（是文件夹或设备），无法作为报告导入。", 4)
        data = json.loads(read_bounded(path, MAX_REPORT_FILE_BYTES).decode("utf-8-sig"),
                          object_pairs_hook=no_duplicate_keys)
    except FileNotFoundError:
        raise UserError(f"找不到文件 {shown(str(path), 200)}。", 4) from None
    except FileTooLarge:
        raise UserError(f"{shown(str(path), 200)} 超过报告文件的大小上限 {size_text(MAX_REPORT_FILE_BYTES)}，"
                         "不像本助手导出的报告，已停止读取，没有导入。", 4) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"无法读取 {shown(str(path), 200)}：{exc}", 4) from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{shown(str(path), 200)} 不是有效的 JSON（第 {exc.lineno} 行）。", 4) from None
    except RecursionError:
        raise UserError(f"{shown(str(path), 200)} 的 JSON 嵌套层数过深，不是本助手导出的报告。", 4) from None
    except DuplicateKey as exc:  # which of the two counts would be a guess
        raise UserError(f"{shown(str(path), 200)} 未能导入，没有创建会话：{exc}", 1) from None
    except ValueError:  # an integer beyond Python's int-string limit (thousands of digits)
        raise UserError(f"{shown(str(path), 200)} 含有位数过多的数字（上千位），没有创建会话。", 1) from None
    where = shown(str(path), 200)
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise UserError(f"{where} 不是本助手导出的报告文件（缺少 schema: {REPORT_SCHEMA}）。", 4)
    try:
        form, year, title = check_report(data, REPORT_SCHEMA_VERSION)
    except InputError as exc:
        raise UserError(f"{where} 未能导入，没有创建会话：{exc}", 1) from None
    try:
        flow = load_flow(form)
    except FlowError as exc:
        raise UserError(f"{where}：{exc}", 4) from None
    fsv = data.get("form_schema_version", flow.schema_version)
    if isinstance(fsv, bool) or not isinstance(fsv, int) or fsv > flow.schema_version:
        raise UserError(f"{where} 未能导入，没有创建会话：表单版本 form_schema_version 应是不大于 "
                         f"{flow.schema_version} 的整数，收到的是{kind_of(fsv)}。", 1)
    # Built in memory and validated before anything is written: a refused file leaves no session.
    session = Session(session_id, flow.form, title, year)
    engine = Engine(flow, session)
    applied = engine.apply_all(data["answers"], strict=True)
    if applied.errors:
        raise UserError(f"{where} " + applied.refusal("处未能通过检查，没有创建会话："), 1)
    refused = restore(session, flow, data.get("evidence"))  # figures from enterprise data keep their evidence
    if refused:
        lines = "\n".join(f"  - {r}" for r in refused[:20])
        raise UserError(f"{where} 的计算佐证未能通过检查，没有创建会话：\n{lines}", 1)
    try:  # what the narrative's drafts quoted, so a figure changed after the import is still noticed
        narrative = {q.id for q in flow.questions if of(q).narrative}
        session.quotes = {k: v for k, v in quotes_from_json(data.get("quotes"), narrative).items() if k in session.answers}
    except InputError as exc:
        raise UserError(f"{where} 的引用记录（quotes）未能通过检查，没有创建会话：{exc}。", 1) from None
    return session, engine, applied

"""Export a session as .docx / .md / .json, and load a JSON report back as a new session.

Safety: an existing file is never overwritten without force; the bytes are produced in memory and
written with store.atomic_write (never a half-written file); blocking findings refuse the export
unless draft=True, which marks every page 草稿 and lists what is missing at the top.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..parse import clean_text

FORMATS = ("docx", "md", "json")
REPORT_SCHEMA = "filing-assistant/report"
REPORT_SCHEMA_VERSION = 1
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def _cli_error(message: str, code: int) -> Exception:
    from ..errors import UserError

    return UserError(message, code)


def _sanitize(name: str) -> str:
    name = _UNSAFE.sub("_", clean_text(name)).strip(" ._")
    return name[:80] or "报告"


def default_filename(engine: Any, fmt: str) -> str:
    s = engine.session
    if s.form == "district_summary":
        base = f"{engine.form_title()}_{s.year}"
    else:
        name = engine.value("cluster_name") if "cluster_name" in engine.flow else None
        base = f"{name or s.title or '集群'}_{s.year}年度发展情况报告"
    return f"{_sanitize(base)}.{fmt}"


def report_dict(engine: Any) -> dict[str, Any]:
    """The whole report, machine-readable: answers by question id (only those that count), labels."""
    flow, s = engine.flow, engine.session
    answers: dict[str, Any] = {}
    labels: dict[str, str] = {}
    shown: dict[str, str] = {}
    calculated: dict[str, Any] = {}
    for q in flow.questions:
        if not engine.is_relevant(q.id):
            continue
        if q.calculated:
            v = engine.value(q.id)
            if v is not None:
                calculated[q.id] = v
                labels[q.id] = engine.label(q)
            continue
        if q.id in s.answers:
            answers[q.id] = s.answers[q.id]
            labels[q.id] = engine.label(q)
            if q.type != "list":
                shown[q.id] = engine.shown(q.id)
    return {
        "schema": REPORT_SCHEMA,
        "schema_version": REPORT_SCHEMA_VERSION,
        "form": s.form,
        "form_schema_version": flow.schema_version,
        "attachment": flow.attachment,
        "form_title": engine.form_title(),
        "title": s.title,
        "year": s.year,
        "answers": answers,
        "calculated": calculated,
        "labels": labels,
        "shown": shown,
    }


def _render(engine: Any, fmt: str, draft: bool) -> bytes:
    if fmt == "json":
        data = report_dict(engine)
        if draft:
            from .model import build_report

            data["draft"] = True
            data["missing"] = build_report(engine, draft=True).missing
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    from .model import build_report

    report = build_report(engine, draft=draft)
    if fmt == "md":
        from .preview import markdown_of

        return markdown_of(report).encode("utf-8")
    from .docx_writer import build_docx

    return build_docx(report)


def export_session(session: Any, fmt: str, path: Path | str | None = None, *, force: bool = False,
                   draft: bool = False) -> Path:
    from ..checks import blocking
    from ..engine import Engine
    from ..store import atomic_write

    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise _cli_error(f"不支持的导出格式“{fmt}”，可选：docx、md、json。", 2)
    engine = Engine.for_session(session)
    if path is None:
        target = Path.cwd() / default_filename(engine, fmt)
    else:
        target = Path(path).expanduser()
        if target.is_dir():
            target = target / default_filename(engine, fmt)
    if target.exists() and not force:
        raise _cli_error(f"文件 {target} 已存在，未做改动。如需覆盖，请加 --force；或用 -o 指定其他文件名。", 4)
    if not draft:
        missing = blocking(engine.findings())
        if missing:
            from .model import _findings

            lines = "\n".join(f"  - {m}" for m in _findings(engine))
            raise _cli_error(
                f"报告还有 {len(missing)} 处必须填写或修改，暂不能导出正式文件：\n{lines}\n"
                "请先补充完整；如只想先看看效果，可加 --draft 导出草稿（每页标注“草稿”）。", 1)
    data = _render(engine, fmt, draft)
    parent = target.parent
    if parent.exists() and not parent.is_dir():
        raise _cli_error(f"无法写入 {target}：{parent} 不是文件夹。", 4)
    try:
        atomic_write(target, data)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _cli_error(f"无法写入 {target}（{reason}）。请检查文件夹是否存在、是否有写入权限，或用 -o 指定其他位置。", 4) from None
    return target


def import_report(path: Path | str, store: Any) -> Any:
    """Load a JSON report (from export_session(..., "json")) as a new session."""
    from ..engine import Engine
    from ..flow import FlowError, load_flow

    from ..safeio import MAX_REPORT_FILE_BYTES, FileTooLarge, read_bounded, size_text

    path = Path(path).expanduser()
    try:
        data = json.loads(read_bounded(path, MAX_REPORT_FILE_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise _cli_error(f"找不到文件 {path}。", 4) from None
    except FileTooLarge:
        raise _cli_error(f"{path} 超过报告文件的大小上限 {size_text(MAX_REPORT_FILE_BYTES)}，已停止读取。", 4) from None
    except RecursionError:
        raise _cli_error(f"{path} 嵌套层数太多，不是本助手导出的报告文件。", 4) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _cli_error(f"无法读取 {path}：{exc}", 4) from None
    except json.JSONDecodeError as exc:
        raise _cli_error(f"{path} 不是有效的 JSON（第 {exc.lineno} 行）。", 4) from None
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise _cli_error(f"{path} 不是本助手导出的报告文件（缺少 schema: {REPORT_SCHEMA}）。", 4)
    version = data.get("schema_version")
    if not isinstance(version, int) or version > REPORT_SCHEMA_VERSION:
        raise _cli_error(f"{path} 由更新版本的助手导出（格式版本 {version}），请先升级本程序。", 4)
    try:
        flow = load_flow(str(data.get("form", "")))
    except FlowError as exc:
        raise _cli_error(f"{path}：{exc}", 4) from None
    answers = data.get("answers")
    year = data.get("year")
    if not isinstance(answers, dict) or not isinstance(year, int):
        raise _cli_error(f"{path} 缺少 answers 或 year，无法导入。", 4)
    unknown = [k for k in answers if k not in flow.by_id or flow[k].calculated]
    if unknown:
        raise _cli_error(f"{path} 含有本表单没有的问题编号：{'、'.join(unknown[:10])}。", 4)
    session = store.create(flow.form, str(data.get("title") or ""), year)
    for qid, value in answers.items():
        session.set_answer(qid, value)
    engine = Engine.for_session(session)
    nxt = engine.next_question()
    session.cursor = nxt.id if nxt else None
    session.say("assistant", f"已从 {path.name} 导入报告。")
    store.save(session)
    return session

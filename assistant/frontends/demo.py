"""`filing demo`: a complete sample report from the shipped sample answers, exported as .docx.

The first thing a newcomer can run after installing: no prompt, no existing session needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from assistant.errors import EXIT_FILE, EXIT_OK, EXIT_REFUSED, UserError


def free_path(path: Path) -> Path:
    """path itself when nothing is there, else the first free name-2, name-3, …"""
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


def run_demo(form: str | None = None, output: Path | None = None) -> int:
    """form: an id or short name; None: the first form (packaged forms come first) that has a sample."""
    from assistant.files.safeio import read_answer_file
    from assistant.form.catalog import file_of, form_ids, load_flow
    from assistant.interview.engine import Engine
    from assistant.session.store import SessionStore

    if form is None:
        form = next((fid for fid in form_ids() if load_flow(fid).meta.sample), "")
    flow = load_flow(form)
    if not flow.meta.sample:
        raise UserError(f"表单“{flow.short_name}”没有示例答案（flows/{flow.form}.yaml 的 form.sample），无法生成示例报告。",
                        EXIT_REFUSED)
    stem = f"示例-{flow.short_name}"
    answers = read_answer_file(file_of(flow.form, "examples", flow.meta.sample))
    try:
        from assistant.report.export import export_session
    except ImportError:
        raise UserError("导出 Word 的模块没有安装完整，无法生成示例报告。请重新安装本程序。", EXIT_FILE) from None

    target = Path(output) if output else Path.cwd() / f"{stem}.docx"
    if target.suffix.lower() != ".docx":
        target = target.with_name(target.name + ".docx")
    chosen = free_path(target)
    if chosen != target:
        sys.stdout.write(f"{target} 已存在，为避免覆盖，另存为 {chosen.name}。\n")

    store = SessionStore()
    session = store.create(flow.form, stem, flow.default_year)
    with store.open(session.id) as handle:
        engine = Engine.for_session(handle.session)
        errors = engine.apply_many(answers)
        if errors:  # the shipped samples are complete: this means a damaged installation
            raise UserError("示例答案未能通过检查（安装可能不完整）：\n" + "\n".join(errors), EXIT_REFUSED)
        handle.save()
        session = handle.session
    path = export_session(session, "docx", chosen, force=False, draft=False)
    sys.stdout.write(f"已生成示例报告：{path}\n会话编号：{session.id}"
                     f"（可用 `filing resume {session.id}` 或 `filing ask {session.id}` 查看和修改）\n")
    return EXIT_OK

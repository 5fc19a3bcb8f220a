"""`filing demo`: a complete sample report from the shipped sample answers, exported as .docx.

The first thing a newcomer can run after installing: no prompt, no existing session needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK, EXIT_REFUSED, EXIT_FILE = 0, 1, 4
SAMPLES = {"annual_report": ("annual_answers.yaml", "示例-年度报告"),
           "district_summary": ("district_answers.yaml", "示例-区级总结")}


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


def run_demo(form: str = "annual", output: Path | None = None) -> int:
    from .cli import CliError, read_answer_file
    from .engine import Engine
    from .flow import load_flow
    from .paths import data_dir
    from .store import SessionStore

    flow = load_flow(form)
    sample, stem = SAMPLES[flow.form]
    answers = read_answer_file(data_dir("examples") / sample)
    try:
        from .document.export import export_session
    except ImportError:
        raise CliError("导出 Word 的模块没有安装完整，无法生成示例报告。请重新安装本程序。", EXIT_FILE) from None

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
            raise CliError("示例答案未能通过检查（安装可能不完整）：\n" + "\n".join(errors), EXIT_REFUSED)
        handle.save()
        session = handle.session
    path = export_session(session, "docx", chosen, force=False, draft=False)
    sys.stdout.write(f"已生成示例报告：{path}\n会话编号：{session.id}"
                     f"（可用 `filing resume {session.id}` 或 `filing ask {session.id}` 查看和修改）\n")
    return EXIT_OK

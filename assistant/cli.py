"""The `filing` command: thin front end over the engine, store and document modules.

Exit codes: 0 done; 1 refused values or blocking findings; 2 wrong usage; 3 session problem
(not found, locked, damaged); 4 file problem (cannot read or write).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from .errors import EXIT_FILE, EXIT_OK, EXIT_REFUSED, EXIT_SESSION, EXIT_USAGE  # noqa: F401
from .errors import UserError as CliError


# argparse looks its own words up through `argparse._` (gettext) at call time: give them in Chinese.
_ARGPARSE_ZH = {
    "usage: ": "用法：", "positional arguments": "位置参数", "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "the following arguments are required: %s": "缺少参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项：%(value)r（可选：%(choices)s）",
    "unrecognized arguments: %s": "无法识别的参数：%s", "expected one argument": "需要一个参数",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是：%(matches)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "not allowed with argument %s": "不能与参数 %s 同时使用", "one of the arguments %s is required": "需要参数 %s 之一",
    "expected at least one argument": "至少需要一个参数", "expected at most one argument": "最多只能有一个参数",
}
argparse._ = lambda text: _ARGPARSE_ZH.get(text, text)  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """argparse with Chinese usage errors."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        message = (message.replace("the following arguments are required", "缺少参数")
                   .replace("invalid choice", "无效的选项").replace("unrecognized arguments", "无法识别的参数")
                   .replace("expected one argument", "需要一个参数"))
        self.exit(EXIT_USAGE, f"错误：{message}\n可运行 `filing --help` 查看用法。\n")


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _store():
    from .store import SessionStore

    return SessionStore()


# -- commands --------------------------------------------------------------------------------
def cmd_new(args: argparse.Namespace) -> int:
    from .flow import load_flow

    flow = load_flow(args.form)
    year = args.year or flow.default_year
    title = args.title or flow.short_name
    session = _store().create(flow.form, title, year)
    _out(session.id)
    return EXIT_OK


def questions_json(form: str) -> list[dict[str, Any]]:
    from .flow import fill, load_flow

    flow = load_flow(form)
    year = flow.default_year
    out = []
    for q in flow.questions:
        item: dict[str, Any] = {
            "id": q.id, "section": q.section, "section_title": fill(flow.section_of[q.id].title, year),
            "label": fill(q.label, year), "ask": fill(q.ask, year), "type": q.type, "unit": q.unit or None,
            "required": q.required, "relevant": q.relevant, "calculated": q.calculated,
        }
        if q.options:
            item["options"] = [{"id": o.id, "label": o.label} for o in q.options]
        if q.columns:
            item["columns"] = [{"id": c.id, "label": fill(c.label, year), "type": c.type, "required": c.required,
                                **({"options": [{"id": o.id, "label": o.label} for o in c.options]} if c.options else {})}
                               for c in q.columns]
        if q.type == "matrix":
            item["rows"] = [{"id": r.id, "label": r.label} for r in q.rows]
            item["columns"] = [{"id": c.id, "label": c.label} for c in q.cols]
        if q.max_chars:
            item["max_chars"] = q.max_chars
        out.append(item)
    return out


def cmd_questions(args: argparse.Namespace) -> int:
    items = questions_json(args.form)
    if args.json:
        _out(json.dumps(items, ensure_ascii=False, indent=2))
    else:
        section = None
        for it in items:
            if it["section_title"] != section:
                section = it["section_title"]
                _out(f"\n{section}")
            unit = f"（{it['unit']}）" if it["unit"] and it["unit"] not in it["label"] else ""
            _out(f"  {it['id']:<28} {it['label']}{unit}")
    return EXIT_OK


def read_answer_file(path: Path) -> dict[str, Any]:
    from .safeio import load_answer_data

    data = load_answer_data(path)  # bounded size; aliases, tags and deep nesting refused
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        data = data["answers"]
    if not isinstance(data, dict):
        raise CliError(f"{path} 应是“问题编号: 值”的映射。", EXIT_FILE)
    return data


MAX_ERRORS_SHOWN = 20


def cmd_answers(args: argparse.Namespace) -> int:
    from .engine import Engine

    values: dict[str, Any] = {}
    if args.from_file:
        values.update(read_answer_file(Path(args.from_file)))
    for item in args.set or []:
        if "=" not in item:
            raise CliError(f"--set 的格式应为 编号=值，例如 --set area_km2=12.5（收到：{item}）", EXIT_USAGE)
        k, v = item.split("=", 1)
        values[k.strip()] = v
    if not values:
        raise CliError("请用 --from-file 文件 或 --set 编号=值 提供答案。", EXIT_USAGE)
    with _store().open(args.id) as handle:
        engine = Engine.for_session(handle.session, on_change=lambda s: handle.save())
        errors = engine.apply_many(values)
        if errors:
            sys.stderr.write(f"有 {len(errors)} 个值未被接受，本次没有写入任何答案：\n")
            for e in errors[:MAX_ERRORS_SHOWN]:  # a file with a million wrong keys: one screenful
                sys.stderr.write(f"  - {e}\n")
            if len(errors) > MAX_ERRORS_SHOWN:
                sys.stderr.write(f"  …另有 {len(errors) - MAX_ERRORS_SHOWN} 处未列出。\n")
            return EXIT_REFUSED
        p = engine.progress()
        _out(f"已写入 {len(values)} 项答案；进度 {p.answered}/{p.total}（{p.percent}%）。")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from .engine import Engine
    from .flow import load_flow
    from .store import SessionError

    sessions = _store().all()
    if args.json:
        rows = []
        for s in sessions:
            if isinstance(s, SessionError):
                rows.append({"id": getattr(s, "sid", ""), "error": str(s)})
            else:
                rows.append({"id": s.id, "form": s.form, "title": s.title, "year": s.year,
                             "percent": Engine.for_session(s).progress().percent, "updated": s.updated})
        _out(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not sessions:
        _out("还没有会话。用 `filing new --form annual` 新建，或直接运行 `filing` 打开助手。")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table

    # rich measures Chinese characters as two columns, so the columns line up in any terminal.
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name, justify in (("编号", "left"), ("表单", "left"), ("年度", "left"), ("完成", "right"),
                          ("最后修改", "left"), ("标题", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    damaged = []
    for s in sessions:
        if isinstance(s, SessionError):
            damaged.append(f"{getattr(s, 'sid', '')}：无法读取。{s}")
            continue
        pct = Engine.for_session(s).progress().percent
        table.add_row(s.id, load_flow(s.form).short_name, str(s.year), f"{pct}%",
                      s.updated[:16].replace("T", " "), s.title)
    # Piped into a script: never cut a cell to the default 80 columns.
    console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 1000)
    console.print(table)
    for line in damaged:
        _out(line)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .chat import Conversation
    from .checks import blocking
    from .engine import Engine

    engine = Engine.for_session(_store().load(args.id))
    found = engine.findings()
    if args.json:
        _out(json.dumps([f.to_dict() for f in found], ensure_ascii=False, indent=2))
    else:
        _out(Conversation(engine).findings_text())
        b = len(blocking(found))
        _out(f"\n共 {b} 处必须修改，{len(found) - b} 条提示。")
    return EXIT_REFUSED if blocking(found) else EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    path = _store().restore(args.id)
    _out(f"已用上一次完好的副本恢复会话：{path}（损坏的文件已另存，未删除）。")
    return EXIT_OK


def cmd_preview(args: argparse.Namespace) -> int:
    from .document.preview import print_preview

    print_preview(_store().load(args.id))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from .document.export import export_session

    path = export_session(_store().load(args.id), args.format, Path(args.output) if args.output else None,
                          force=args.force, draft=args.draft)
    _out(str(path))
    return EXIT_OK


def cmd_import_report(args: argparse.Namespace) -> int:
    from .document.export import import_report

    session = import_report(Path(args.file), _store())
    _out(session.id)
    return EXIT_OK


def cmd_ui(args: argparse.Namespace) -> int:
    from .tui.app import run_app

    return run_app(session_id=getattr(args, "id", None))


def cmd_ask(args: argparse.Namespace) -> int:
    from .ask import run_ask

    return run_ask(args.id, form=args.form)


def cmd_import(args: argparse.Namespace) -> int:
    from .importer import run_import

    return run_import(args.id, args.list, Path(args.file), yes=args.yes)


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(args.form, Path(args.output) if args.output else None)


# -- parser ----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="filing",
        description="集群填报助手：一题一题地填写《中小企业特色产业集群年度发展情况报告》（附件1）"
                    "和《区促进中小企业特色产业集群发展总结》（附件2），检查并导出 Word 文档。"
                    "不带参数运行即打开对话界面。",
        add_help=False,
    )
    p.add_argument("-h", "--help", action="help", help="显示帮助并退出")
    p.add_argument("--debug", action="store_true", help="出错时显示 Python 调试信息")
    sub = p.add_subparsers(dest="command", title="命令", metavar="命令", parser_class=_Parser)

    def add(name: str, help: str, fn: Any) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help, add_help=False)
        sp.add_argument("-h", "--help", action="help", help="显示帮助并退出")
        sp.set_defaults(fn=fn)
        return sp

    forms = ["annual", "district"]
    sp = add("new", "新建一个会话，只输出会话编号", cmd_new)
    sp.add_argument("--form", choices=forms, required=True, help="annual=年度报告（附件1），district=区级总结（附件2）")
    sp.add_argument("--title", help="会话标题（便于在列表中辨认）")
    sp.add_argument("--year", type=int, help="填报年度，默认 2023")

    sp = add("questions", "列出表单的全部问题", cmd_questions)
    sp.add_argument("--form", choices=forms, required=True, help="annual 或 district")
    sp.add_argument("--json", action="store_true", help="以 JSON 输出（编号、部分、栏目、类型、单位、必填、选项、列）")

    sp = add("answers", "从文件或命令行写入答案（全部通过才写入）", cmd_answers)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("--from-file", metavar="文件", help="YAML 或 JSON：问题编号 → 值（按人输入的写法）")
    sp.add_argument("--set", action="append", metavar="编号=值", help="写入单个答案，可重复")

    sp = add("list", "列出已有会话", cmd_list)
    sp.add_argument("--json", action="store_true", help="以 JSON 输出")

    sp = add("check", "检查一个会话：缺项、范围、前后一致；有必须修改的问题时退出码为 1", cmd_check)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("--json", action="store_true", help="以 JSON 输出")

    sp = add("restore", "用上一次完好的副本恢复损坏的会话", cmd_restore)
    sp.add_argument("id", metavar="会话编号", help="会话编号")

    sp = add("preview", "在终端预览报告", cmd_preview)
    sp.add_argument("id", metavar="会话编号", help="会话编号")

    sp = add("export", "导出报告为 Word（docx）、Markdown 或 JSON", cmd_export)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("--format", choices=["docx", "md", "json"], default="docx", help="导出格式，默认 docx")
    sp.add_argument("-o", "--output", metavar="路径", help="输出文件路径（默认当前目录）")
    sp.add_argument("--force", action="store_true", help="允许覆盖已存在的文件")
    sp.add_argument("--draft", action="store_true", help="有未完成项时仍导出草稿（每页标注“草稿”）")

    sp = add("import-report", "导入 JSON 报告，生成新会话（输出会话编号）", cmd_import_report)
    sp.add_argument("file", metavar="文件", help="由 `filing export --format json` 导出的文件")

    sp = add("resume", "打开对话界面继续一个会话", cmd_ui)
    sp.add_argument("id", metavar="会话编号", help="会话编号")

    sp = add("ask", "用逐条提问的简洁模式填写（适合 SSH、读屏软件）", cmd_ask)
    sp.add_argument("id", nargs="?", metavar="会话编号", help="会话编号（不填则新建）")
    sp.add_argument("--form", choices=forms, default="annual", help="新建时的表单，默认 annual")

    sp = add("import", "从 Excel（.xlsx）或 CSV 导入名单", cmd_import)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("list", metavar="名单编号", help="名单的问题编号，例如 patent_list")
    sp.add_argument("file", metavar="文件", help=".xlsx 或 .csv 文件")
    sp.add_argument("--yes", action="store_true", help="不再确认，直接导入")

    sp = add("demo", "用示例数据生成一份完整报告并导出 Word", cmd_demo)
    sp.add_argument("--form", choices=forms, default="annual", help="annual 或 district")
    sp.add_argument("-o", "--output", metavar="路径", help="输出文件路径")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from .flow import FlowError
    from .parse import InputError
    from .store import SessionError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if not getattr(args, "command", None):
            return cmd_ui(args)
        return int(args.fn(args) or 0)
    except CliError as exc:
        sys.stderr.write(f"{exc}\n")
        return exc.code
    except SessionError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_SESSION
    except (FlowError, InputError) as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_REFUSED
    except KeyboardInterrupt:
        sys.stderr.write("\n已中断。\n")
        return 130
    except OSError as exc:
        if args.debug:
            raise
        sys.stderr.write(f"文件操作失败：{exc.strerror or exc}（{getattr(exc, 'filename', '') or ''}）\n")
        return EXIT_FILE
    except Exception as exc:  # noqa: BLE001 - never a traceback unless --debug
        if args.debug:
            raise
        sys.stderr.write(f"出现意外错误：{exc}。加 --debug 可查看详细信息。\n")
        return EXIT_REFUSED


if __name__ == "__main__":
    raise SystemExit(main())

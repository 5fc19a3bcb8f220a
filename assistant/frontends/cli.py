"""The `filing` command: thin front end over the engine, store and document modules.

Exit codes: 0 done; 1 refused values or blocking findings; 2 wrong usage; 3 session problem
(not found, locked, damaged); 4 file problem (cannot read or write).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from assistant.errors import EXIT_FILE, EXIT_OK, EXIT_REFUSED, EXIT_SESSION, EXIT_USAGE, ExitCode
from assistant.errors import UserError as CliError
from assistant.form.types import of

if TYPE_CHECKING:
    from assistant.hosting.accounts import Account, AccountStore
    from assistant.session.store import SessionStore

# argparse's own English words, said in Chinese through the parser's public hooks: error() (documented
# to be overridden), format_usage()/format_help() and argument groups with our own titles.
_ERRORS_ZH = (
    (re.compile(r"the following arguments are required: (.*)"), r"缺少参数：\1"),
    (re.compile(r"invalid choice: (.*?) \(choose from (.*)\)"), r"无效的选项：\1（可选：\2）"),
    (re.compile(r"unrecognized arguments: (.*)"), r"无法识别的参数：\1"),
    (re.compile(r"expected one argument"), "需要一个参数"),
    (re.compile(r"expected at least one argument"), "至少需要一个参数"),
    (re.compile(r"expected at most one argument"), "最多只能有一个参数"),
    (re.compile(r"ambiguous option: (\S+) could match (.*)"), r"选项 \1 有歧义，可能是：\2"),
    (re.compile(r"not allowed with argument (.*)"), r"不能与参数 \1 同时使用"),
    (re.compile(r"one of the arguments (.*) is required"), r"需要参数 \1 之一"),
    (re.compile(r"invalid \S+ value: (.*)"), r"无效的值：\1"),
    (re.compile(r"^argument ([^:]+): "), r"参数 \1："),
)


class _Parser(argparse.ArgumentParser):
    """argparse in Chinese: usage errors, the usage line and the section titles (arguments are added
    to groups titled 参数 / 选项, see _Parser.arguments / options)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self.arguments = self.add_argument_group("参数")
        self.options = self.add_argument_group("选项")
        self.options.add_argument("-h", "--help", action="help", help="显示帮助并退出")

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """Positional arguments under 参数, options under 选项."""
        if not hasattr(self, "options"):  # argparse's own set-up
            return super().add_argument(*args, **kwargs)
        optional = bool(args) and args[0][:1] in self.prefix_chars
        return (self.options if optional else self.arguments).add_argument(*args, **kwargs)

    def format_usage(self) -> str:
        return _usage_zh(super().format_usage())

    def format_help(self) -> str:
        return _usage_zh(super().format_help())

    def error(self, message: str) -> NoReturn:
        for pattern, zh in _ERRORS_ZH:
            message = pattern.sub(zh, message)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"错误：{message}\n可运行 `filing --help` 查看用法。\n")


def _usage_zh(text: str) -> str:
    return "用法：" + text[len("usage: "):] if text.startswith("usage: ") else text


def _out(text: str = "") -> None:
    from assistant.text.textsafe import visible

    sys.stdout.write(visible(text) + "\n")


def _err(text: str) -> None:
    from assistant.text.textsafe import visible

    sys.stderr.write(visible(text) + "\n")


def _store() -> SessionStore:
    from assistant.session.store import SessionStore

    store = SessionStore()
    store.check_root()  # FILING_HOME (or its sessions/) being a file is said in words, exit 4
    return store


def _load(sid: str) -> Any:
    """A session to read (check, preview, export); one that cannot be worked on is reported as damaged."""
    from assistant.interview.sessions import load_session

    return load_session(_store(), sid)


# -- commands --------------------------------------------------------------------------------
def _year_arg(text: str) -> int:
    """--year: a plausible report year, refused by argparse (exit 2) otherwise."""
    from assistant.form.validate import YEAR_MAX, YEAR_MIN

    try:
        year = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是年份，请写成 2023 这样的四位数字") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise argparse.ArgumentTypeError(f"年度 {year} 不像填报年度：应在 {YEAR_MIN}–{YEAR_MAX} 之间")
    return year


FORMS_HELP = ("另外的表单文件夹（与程序自带的数据一样有 flows/、prompts/、templates/、examples/），"
              "其中的表单与自带的一起可选；可重复。也可用环境变量 FILING_FORMS 指定")


def _form_arg(text: str) -> str:
    """--form: a form id or short name, resolved against the discovered forms (exit 2 otherwise)."""
    from assistant.errors import FlowError
    from assistant.form.catalog import resolve

    try:
        return resolve(text.strip())
    except FlowError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_forms(args: argparse.Namespace) -> int:
    from assistant.form.catalog import broken, form_ids, loaded, packaged_root

    if args.check is not None:
        return _check_forms(args.check or None)

    rows: list[dict[str, Any]] = []
    bad = broken()  # a form whose files cannot be loaded is listed with the reason; the others still work
    for fid, root in form_ids().items():
        folder = None if root == packaged_root() else str(root)
        flow = loaded(fid)
        if flow is None:
            rows.append({"id": fid, "broken": True, "error": bad.get(fid, ""), "folder": folder})
            continue
        rows.append({"id": fid, "key": flow.key, "name": flow.describe(), "title": flow.form_title(flow.year_due()),
                     "default_year": flow.year_due(), "edition": flow.edition, "folder": folder})
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in rows:
        where = f"　来自 {r['folder']}" if r["folder"] else ""
        if r.get("broken"):
            _out(f"{'（无法使用）':<12} 编号 {r['id']}{where}：" + r["error"].replace("\n", "\n    "))
            continue
        edition = f"，{r['edition']}通知的版本" if r.get("edition") else ""
        _out(f"{r['key']:<12} {r['name']}：{r['title']}（编号 {r['id']}，默认年度 {r['default_year']}{edition}）{where}")
    return EXIT_OK


def _check_forms(folder: str | None) -> int:
    """`filing forms --check [文件夹]`: every file of every form in the folder (default: every form found)
    checked without running it; each problem said, naming the file, line and key."""
    from assistant.errors import FlowError
    from assistant.form.catalog import check_forms, check_root, forget, use_forms
    from assistant.interview.enterprises.columns import load_spec
    from assistant.report.rollup import check_spec

    root = Path(folder).expanduser() if folder else None
    if root is not None and (why := check_root(root)) is not None:
        raise CliError(why, EXIT_USAGE)
    try:
        found = check_forms(root)
    except FlowError as exc:  # two folders hold the same form id
        _out(str(exc))
        return EXIT_REFUSED
    if not found:
        raise CliError(f"{root} 里没有表单（flows/ 里没有带 form: 的文件）。", EXIT_USAGE)
    for fid, problems in found.items():
        if not problems:  # what only the layers above know: the enterprise vocabulary, the roll-up's source form
            if root is not None:
                use_forms([root])
            try:
                load_spec(fid)
            except FlowError as exc:
                problems.append(str(exc))
            try:
                problems += check_spec(fid)
            except FlowError as exc:
                problems.append(str(exc))
            forget()
        if problems:
            _out(f"表单 {fid}：发现 {len(problems)} 处问题：")
            for p in problems:
                _out("  - " + p.replace("\n", "\n    "))
        else:
            _out(f"表单 {fid}：检查通过")
    bad = sum(1 for p in found.values() if p)
    _out("检查通过" if not bad else f"{bad} 个表单有问题，修改后可再运行 `filing forms --check` 检查。")
    return EXIT_OK if not bad else EXIT_REFUSED


def cmd_new(args: argparse.Namespace) -> int:
    from assistant.form.catalog import load_flow

    if getattr(args, "from_", None):  # last year's report as the base
        from assistant.frontends.cli_enterprises import run_new_from

        return run_new_from(args)
    if not args.form:
        raise CliError("请用 --form 指定表单（`filing forms` 列出可选的表单），或用 --from 上年报告。", EXIT_USAGE)
    from assistant.errors import InputError
    from assistant.form.validate import check_text

    flow = load_flow(args.form)
    year = args.year or flow.year_due()
    title = args.title or ""  # untitled: lists call it by its cluster once named (Engine.report_name)
    try:
        check_text(title)  # bytes that are not UTF-8 in argv arrive as lone surrogates
    except InputError as exc:
        raise CliError(f"标题{exc}", EXIT_USAGE) from None
    if args.from_reports:
        from assistant.report.rollup import NotRollupForm, create_district

        try:
            session = create_district([Path(f) for f in args.from_reports], _store(), title, args.year, flow.form)
        except NotRollupForm as exc:
            names = "、".join(f"--form {key}（{what}）" for key, what in exc.forms) or "（没有）"
            raise CliError(f"--from-reports 只用于由各集群报告汇总的表单：{names}。", EXIT_USAGE) from None
    else:
        session = _store().create(flow.form, title, year)
    _out(session.id)  # stdout: the id alone, for scripts; what was made and from which edition on stderr
    _err(f"已新建 {session.year} 年度的{flow.short_name}（{flow.form_title(session.year)}）。"
         + ("" if args.year or args.from_reports else "年度按下一次要报送的年度确定，另一年度请加 --year。")
         + flow.edition_note())
    return EXIT_OK


def questions_json(form: str, year: int | None = None) -> list[dict[str, Any]]:
    from assistant.form.catalog import load_flow
    from assistant.form.flow import fill

    flow = load_flow(form)
    year = year or flow.year_due()  # worded for the report a new session would be
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
        if of(q).is_grid:
            item["rows"] = [{"id": r.id, "label": r.label} for r in q.rows]
            item["columns"] = [{"id": c.id, "label": c.label} for c in q.cols]
        if q.max_chars:
            item["max_chars"] = q.max_chars
        out.append(item)
    return out


def _questions_form(args: argparse.Namespace) -> tuple[str, int | None]:
    """The form (and year) whose questions `filing questions` lists: a session's, or --form's."""
    if not args.id:
        if not args.form:
            raise CliError("请给出会话编号（列出该会话所用表单的问题），或用 --form 简称 指定表单"
                           "（`filing forms` 列出可选的表单）。", EXIT_USAGE)
        return args.form, None
    from assistant.session.store import SessionNotFound

    try:
        session = _store().load(args.id)
    except SessionNotFound:
        if args.form:
            raise
        try:  # `filing questions annual`: a form's short name where the session id goes
            return _form_arg(args.id), None
        except argparse.ArgumentTypeError:
            raise CliError(f"找不到会话 {args.id}，也没有简称为“{args.id}”的表单。"
                           "可用 `filing list` 查看已有会话，`filing forms` 查看可选的表单。", EXIT_SESSION) from None
    if args.form and args.form != session.form:
        raise CliError(f"会话 {args.id} 填的是表单“{session.form}”，与 --form 指定的“{args.form}”不同；"
                       "只给会话编号或只给 --form 即可。", EXIT_USAGE)
    return session.form, session.year


def cmd_questions(args: argparse.Namespace) -> int:
    items = questions_json(*_questions_form(args))
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


def cmd_answers(args: argparse.Namespace) -> int:
    from assistant.interview.engine import Engine

    values: dict[str, Any] = {}
    if args.from_file:
        from assistant.files.safeio import read_answer_file

        values.update(read_answer_file(Path(args.from_file)))
    for item in args.set or []:
        if "=" not in item:
            raise CliError(f"--set 的格式应为 编号=值，例如 --set 编号=12.5（收到：{item}）", EXIT_USAGE)
        k, v = item.split("=", 1)
        values[k.strip()] = v
    if not values:
        raise CliError("请用 --from-file 文件 或 --set 编号=值 提供答案。", EXIT_USAGE)
    with _store().open(args.id) as handle:
        engine = Engine.for_session(handle.session, on_change=lambda s: handle.save())
        applied = engine.apply_all(values)
        if applied.errors:
            sys.stderr.write(applied.refusal("个值未被接受，本次没有写入任何答案：") + "\n")
            return EXIT_REFUSED
        p = engine.progress()
        _out(f"已写入 {len(values)} 项答案；进度 {p.answered}/{p.total}（{p.percent}%）。")
        for line in _echoes(engine, values):  # what was understood (tables, conversions, 约数)
            _out(line)
        if applied.unused:
            _out(engine.unused_note(applied.unused))
    return EXIT_OK


def _echoes(engine: Any, values: dict[str, Any]) -> list[str]:
    """For each answer read with a table or a note (conversion, rounding, 约数): the question and what was read."""
    from assistant.errors import InputError
    from assistant.interview.echo import echo_text

    out: list[str] = []
    for qid, raw in values.items():
        try:
            text = echo_text(engine.parse(qid, raw))
        except InputError:
            continue  # not expected after apply_all accepted it; nothing to echo
        if text:
            out.append(f"{engine.label(qid)}（{qid}）：\n" + "\n".join("  " + x for x in text.splitlines()))
    return out


def _list_rows(store: Any) -> list[dict[str, Any]]:
    """One row per session file; a damaged one is a row with its error (it never hides the others)."""
    from assistant.interview.sessions import listing

    rows: list[dict[str, Any]] = []
    for r in listing(store):
        if r.damaged:
            rows.append({"id": r.id, "damaged": True, "error": r.error, **({"form_missing": True} if r.form_missing else {})})
        else:
            rows.append({"id": r.id, "form": r.form, "form_name": r.form_name, "title": r.title, "year": r.year,
                         "percent": r.percent, "updated": r.updated})
    return rows


def cmd_list(args: argparse.Namespace) -> int:
    from assistant.text.textsafe import one_line, raw_stream, visible

    store = _store()
    rows = _list_rows(store)
    if args.json:
        _out(json.dumps([{k: v for k, v in r.items() if k != "form_name"} for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        from assistant.form.catalog import available

        keys = " 或 ".join(f"`filing new --form {key}`" for _, key, _ in available())
        _out(f"还没有会话。用 {keys} 新建，或直接运行 `filing` 打开助手。")
        return EXIT_OK
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # rich measures Chinese characters as two columns, so the columns line up in any terminal.
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name in ("编号", "表单", "年度", "完成", "最后修改", "标题"):
        table.add_column(name, justify="right" if name == "完成" else "left", no_wrap=True)
    damaged = []
    for r in rows:
        if r.get("damaged"):
            damaged.append(r["error"])
            hint = "见下方说明，可运行 filing restore 恢复" if "filing restore" in r["error"] else "见下方说明"
            cells = [r["id"], "找不到表单" if r.get("form_missing") else "已损坏", "", "", "", hint]
        else:
            cells = [r["id"], r["form_name"], str(r["year"]), f"{r['percent']}%",
                     str(r["updated"])[:16].replace("T", " "), r["title"]]
        # Text, never a str: rich would read "[/bad]" in a title as markup.
        table.add_row(*(Text(one_line(c)) for c in cells))
    # Piped into a script: never cut a cell to the default 80 columns.
    out = raw_stream(sys.stdout)
    console = Console(file=out, soft_wrap=True, width=None if out.isatty() else 1000)
    console.print(table)
    for line in damaged:
        _out(visible(line))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from assistant.interview.conversation import Conversation
    from assistant.interview.engine import Engine
    from assistant.interview.findings import blocking
    from assistant.report.model import layout_findings

    engine = Engine.for_session(_load(args.id))
    found = engine.findings() + layout_findings(engine)  # the page check builds the document model
    if args.json:
        _out(json.dumps([f.to_dict() for f in found], ensure_ascii=False, indent=2))
    else:
        _out(Conversation(engine).findings_text(found))
        b = len(blocking(found))
        _out(f"\n共 {b} 处必须修改，{len(found) - b} 条提示。")
    return EXIT_REFUSED if blocking(found) else EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from assistant.session.store import SessionIntact

    store = _store()
    try:
        done = store.restore(args.id, force=args.force)
    except SessionIntact as exc:
        if not sys.stdin.isatty() or not sys.stdout.isatty():
            _err(str(exc))
            return EXIT_REFUSED
        _out(str(exc).replace("如确要退回，请加 --force。", ""))
        try:
            answer = input("确定要退回到上一次保存的内容吗？输入 y 确认，其他键取消：").strip().lower()
        except EOFError:
            answer = ""
        if answer not in ("y", "yes", "是"):
            _out("已取消，没有做任何修改。")
            return EXIT_REFUSED
        done = store.restore(args.id, force=True)
    if done.aside is None:
        _out(f"已用上一次完好的副本恢复会话 {args.id}：{done.path}。")
    elif done.damaged:
        _out(f"已用上一次完好的副本恢复会话 {args.id}：{done.path}。损坏的文件已另存为 {done.aside}，未删除。")
    else:
        _out(f"已把会话 {args.id} 退回到上一次保存的内容：{done.path}。恢复前的文件保存在 {done.aside}。")
    return EXIT_OK


def cmd_draft(args: argparse.Namespace) -> int:
    """The drafts 起草 would offer now, printed; nothing in the session changes."""
    from assistant.interview.drafts import current_drafts, empty_note
    from assistant.interview.engine import Engine

    engine = Engine.for_session(_load(args.id))
    found = current_drafts(engine, args.part)
    if args.json:
        _out(json.dumps([{"id": q, "label": label, "text": text} for q, label, text in found],
                        ensure_ascii=False, indent=2))
        return EXIT_OK
    blocks = [f"【{label}】\n{text or '（没有可起草的内容）' + chr(10) + empty_note(engine, q)}" for q, label, text in found]
    _out("\n\n".join(blocks) if blocks else "本表没有可以起草的段落。")
    return EXIT_OK


def cmd_preview(args: argparse.Namespace) -> int:
    from rich.console import Console

    from assistant.report.preview import print_preview
    from assistant.text.textsafe import raw_stream

    # rich draws its own styles: it writes beneath the control filter, print_preview makes the text visible.
    print_preview(_load(args.id), Console(file=raw_stream(sys.stdout)))
    return EXIT_OK


def _opinion(sid: str) -> str:
    """The district's 考核意见 of an approved report in this data folder (its review record), for part 八."""
    from assistant.hosting.review import Reviews
    from assistant.paths import home

    return Reviews(home()).opinion(sid)


def cmd_export(args: argparse.Namespace) -> int:
    from assistant.report.export import export_session

    # The path as typed (a str): a trailing slash means "this folder", which Path() would drop.
    notes: list[str] = []
    path = export_session(_load(args.id), args.format, args.output or None,
                          force=args.force, draft=args.draft, notes=notes, opinion=_opinion(args.id))
    for note in notes:  # stdout carries only the path, for scripts
        sys.stderr.write(note + "\n")
    _out(str(path))
    return EXIT_OK


def cmd_package(args: argparse.Namespace) -> int:
    from assistant.report.package import build_package

    pkg = build_package(_load(args.id), args.output or None, force=args.force, draft=args.draft,
                        opinion=_opinion(args.id))
    for note in pkg.notes:
        sys.stderr.write(note + "\n")
    _out(f"报送材料已写入 {pkg.folder}：")
    for path in pkg.files:
        _out(f"  {path.name}")
    _out("请按“报送清单”逐项办理：打印、签字盖章，纸质版 2 份、光盘 1 份，按时报送。")
    return EXIT_OK


def cmd_import_report(args: argparse.Namespace) -> int:
    from assistant.interview.json_report import load_report

    session, notes = load_report(Path(args.file), _store())
    for note in notes:  # stdout carries only the id, for scripts
        sys.stderr.write(note + "\n")
    _out(session.id)
    return EXIT_OK


def cmd_ui(args: argparse.Namespace) -> int:
    from assistant.frontends.tui.app import run_app

    return run_app(session_id=getattr(args, "id", None))


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.frontends.ask import run_ask

    if args.id and args.year:
        raise CliError("--year 只在新建会话时使用；已有会话的年度不变。", EXIT_USAGE)
    return run_ask(args.id, form=args.form, year=args.year)  # None: the first form `filing forms` lists


def cmd_import(args: argparse.Namespace) -> int:
    from assistant.frontends.cli_import import run_import

    return run_import(args.id, args.list, Path(args.file), yes=args.yes)


def cmd_workbook(args: argparse.Namespace) -> int:
    from assistant.frontends.cli_enterprises import run_workbook

    return run_workbook(args)


def cmd_enterprises(args: argparse.Namespace) -> int:
    from assistant.frontends.cli_enterprises import run_enterprises

    return run_enterprises(args)


def cmd_demo(args: argparse.Namespace) -> int:
    from assistant.frontends.demo import run_demo

    return run_demo(args.form, Path(args.output) if args.output else None)


def cmd_overview(args: argparse.Namespace) -> int:
    from assistant.report.overview import run_overview

    out, overview = run_overview([Path(f) for f in args.files], Path(args.output) if args.output else None,
                                 force=args.force)
    invalid = sum(1 for p in overview.problems if p[2] == "无效报告")
    sys.stderr.write(f"已汇总 {len(overview.rows)} 份报告" + (f"，{invalid} 份无效（见“问题”表）" if invalid else "")
                     + f"，问题 {len(overview.problems)} 条。\n")
    _out(str(out))
    return EXIT_OK if not invalid else EXIT_REFUSED


def _port_arg(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"端口应为 1–65535 之间的整数，而不是 {text!r}")
    return port


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    from assistant.form.catalog import extra_roots
    from assistant.frontends.serve import HOSTED_PLAIN_HTTP, TOKEN_ENV, ServeConfig, ServeError, check_config, hosted, run_serve
    from assistant.paths import home

    token = args.token if args.token is not None else os.environ.pop(TOKEN_ENV, None)
    try:
        if hosted(home().expanduser().resolve()):  # accounts: logins instead of the token
            if args.id:
                raise ServeError("已建立账号时不能指定会话编号：每个账号登录后在自己的首页选择报告。"
                                 "请去掉会话编号再启动。")
            proxied = any(str(h).lower().startswith("https://") for h in args.allow_host or ())
            plain = args.host not in ("127.0.0.1", "localhost", "::1") and not args.certfile and not proxied
            warnings = [HOSTED_PLAIN_HTTP] if plain else []
            if args.token is not None or args.no_token:
                warnings.append("已建立账号：用账号和密码登录，--token / --no-token 不起作用。")
            token, args.no_token = None, False
        else:
            warnings = check_config(args.host, token, args.no_token, args.port)
        return run_serve(ServeConfig(host=args.host, port=args.port, token=token, no_token=args.no_token,
                                     session_id=args.id, open_browser=not args.no_browser,
                                     allow_hosts=tuple(args.allow_host or ()),
                                     trusted_proxies=tuple(args.trusted_proxy or ()), certfile=args.certfile,
                                     keyfile=args.keyfile, max_tabs=args.max_tabs,
                                     forms=tuple(str(p) for p in extra_roots())),
                         warn=_err, warnings=warnings)
    except ServeError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _warn_unknown_district(accounts: AccountStore, account: Account) -> None:
    """A cluster whose district has no account: a typo, or the district's account is still to come."""
    from assistant.hosting.accounts import DISTRICT
    from assistant.text.textsafe import visible

    districts = sorted({a.district for a in accounts.all() if a.role == DISTRICT})
    if account.role != DISTRICT and account.district not in districts:  # a typo: its district never sees it
        known = "、".join(districts) if districts else "还没有"
        _err(visible(f"注意：还没有“{account.district}”的区账号（现有的区：{known}），区里看不到这个集群的报告。"
                     f"区名写错时请改正：filing accounts set-district {account.name} 正确的区名；"
                     "区账号还没建的，建立后即可看到。"))


def cmd_accounts(args: argparse.Namespace) -> int:
    """`filing accounts add|list|reset|disable`: who may log in to `filing serve` (a district's server)."""
    from assistant.hosting.accounts import AccountStore
    from assistant.hosting.audit import SET_DISTRICT, AuditLog
    from assistant.text.textsafe import visible

    accounts = AccountStore()
    if args.action in ("add", "reset", "disable", "set-district") and not args.name:
        raise CliError(f"filing accounts {args.action} 需要账号名称，例如 filing accounts {args.action} 浦江集群。", EXIT_USAGE)
    if args.action == "add":
        if not args.role:
            raise CliError("请用 --role cluster（集群）或 --role district（区）说明账号的角色。", EXIT_USAGE)
        account, password = accounts.add(args.name, args.role, args.district)
        _out(visible(f"已建立{account.role_text}账号“{account.name}”（{account.district}）。"))
        _out(f"一次性密码：{password}")
        _out("请把它当面或用可靠的方式交给本人：第一次登录后必须改为自己的密码。这个密码不会再显示，也没有保存明文。")
        _warn_unknown_district(accounts, account)
        return EXIT_OK
    if args.action == "set-district":
        if not args.area:
            raise CliError(f"请写出正确的区名，例如 filing accounts set-district {args.name} 浦东新区。", EXIT_USAGE)
        account, old = accounts.set_district(args.name, args.area)
        AuditLog().append(account.name, SET_DISTRICT, detail=f"所属区由“{old}”改为“{account.district}”（命令行）")
        _out(visible(f"已把“{account.name}”的所属区由“{old}”改为“{account.district}”：“{account.district}”的区账号"
                     f"从现在起看到并审核它的报告，“{old}”不再看到。"))
        _warn_unknown_district(accounts, account)
        return EXIT_OK
    if args.action == "reset":
        account, password = accounts.reset(args.name)
        _out(visible(f"已为“{account.name}”生成新的一次性密码（原密码失效，账号已启用）：{password}"))
        _out("第一次登录后必须改为自己的密码。")
        return EXIT_OK
    if args.action == "disable":
        account = accounts.disable(args.name)
        _out(visible(f"已停用“{account.name}”：不能再登录（已登录的页面在下一次操作时退出）。它的报告保留。"
                     f"重新启用：filing accounts reset {account.name}"))
        return EXIT_OK
    rows = accounts.all()
    if args.json:
        _out(json.dumps([{"name": a.name, "role": a.role, "district": a.district, "disabled": a.disabled,
                          "must_change": a.must_change, "created": a.created} for a in rows],
                        ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        _out("还没有账号。用 filing accounts add 名称 --role cluster|district [--district 区名] 建立。"
             "没有账号时 filing serve 是单人使用（带口令的地址）。")
        return EXIT_OK
    for a in rows:
        state = "已停用" if a.disabled else ("待首次登录改密码" if a.must_change else "正常")
        _out(visible(f"{a.name}\t{a.role_text}\t{a.district}\t{state}\t{a.created[:16].replace('T', ' ')}"))
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    """The review state of every report: per cluster account when accounts exist, else this data folder's."""
    from assistant.hosting.accounts import CLUSTER, AccountStore
    from assistant.hosting.review import status_rows
    from assistant.paths import home
    from assistant.text.textsafe import visible

    accounts = AccountStore()
    listed = accounts.all()
    if args.account:
        chosen = accounts.get(args.account)
        if chosen is None:
            raise CliError(f"没有名为“{args.account}”的账号。可用 `filing accounts list` 查看。", EXIT_USAGE)
        listed = [chosen] if chosen.role == CLUSTER else [chosen, *accounts.clusters_of(chosen)]
    folders = [(a.name, accounts.folder(a)) for a in listed] if listed else [("本机", home())]
    rows = status_rows(folders)
    if args.json:
        _out(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        _out("还没有报告。")
        return EXIT_OK
    for r in rows:
        problems = r.get("error") or f"必须修改 {r['blocking']} 处"
        line = f"{r['cluster']}\t{r['id']}\t{r['title']}\t{r['state_text']}\t{problems}"
        if r["comment"] and r["state"] == "returned":
            line += f"\t退回理由：{r['comment']}"
        if r["opinion"]:
            line += f"\t考核意见：{r['opinion']}"
        _out(visible(line.replace("\n", " ")))
    return EXIT_OK


def _tabs_arg(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 1000:
        raise argparse.ArgumentTypeError(f"标签页上限应为 1–1000 之间的整数，而不是 {text!r}")
    return n


# -- parser ----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="filing",
        description="集群填报助手：一题一题地填写报送的表格（`filing forms` 列出可填的表单），检查并导出 Word 文档。"
                    "不带参数运行即打开对话界面。",
    )
    p.add_argument("--debug", action="store_true", help="出错时显示 Python 调试信息")
    p.add_argument("--forms", action="append", metavar="文件夹", help=FORMS_HELP)
    sub = p.add_subparsers(dest="command", title="命令", metavar="命令", parser_class=_Parser)

    def add(name: str, help: str, fn: Any) -> _Parser:
        sp: _Parser = sub.add_parser(name, help=help, description=help)
        # Also after the command (`filing new --forms DIR …`); SUPPRESS keeps a value given before it.
        sp.add_argument("--forms", action="append", metavar="文件夹", default=argparse.SUPPRESS, help=FORMS_HELP)
        sp.set_defaults(fn=fn)
        return sp

    form_help = "表单的简称或编号（`filing forms` 列出可选的表单）"
    sp = add("forms", "列出可填的表单：简称（用于 --form）、名称、来自哪个文件夹", cmd_forms)
    sp.add_argument("--json", action="store_true", help="以 JSON 输出")
    sp.add_argument("--check", nargs="?", const="", metavar="文件夹",
                    help="检查表单文件夹（默认：全部表单）里每个表单的全部文件而不运行：通过时输出“检查通过”，"
                         "否则逐项说明（文件、行、键），退出码 1")

    sp = add("new", "新建一个会话，只输出会话编号", cmd_new)
    sp.add_argument("--form", type=_form_arg, metavar="简称", help=form_help)
    sp.add_argument("--title", metavar="标题", help="会话标题（便于在列表中辨认）")
    sp.add_argument("--year", type=_year_arg, metavar="年度",
                    help="填报年度（2000–2100），默认为下一次要报送的年度（报告在次年 4 月 10 日前报送："
                         "截止日之前为上一年度，之后为当年）；用 --from 时默认为上年的下一年")
    sp.add_argument("--from", dest="from_", metavar="上年报告",
                    help="上年的会话编号或导出的 JSON 报告：沿用名称、机构、联系人、主导产业、平台和名单（逐项确认），"
                         "上年数字作为计算增速的基数")
    sp.add_argument("--from-reports", nargs="+", metavar="报告.json",
                    help="由各单位导出的 JSON 报告生成汇总表（只用于定义了汇总的表单；全部通过才创建；年度取自报告）")

    sp = add("questions", "列出表单的全部问题：给会话编号时为该会话所用的表单，或用 --form 指定表单", cmd_questions)
    sp.add_argument("id", nargs="?", metavar="会话编号", help="会话编号：列出该会话所用表单的问题（按该会话的年度）")
    sp.add_argument("--form", type=_form_arg, metavar="简称", help=form_help + "；不给会话编号时必填")
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

    sp = add("restore", "用上一次完好的副本恢复损坏的会话（退回到上一次保存的内容）", cmd_restore)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("--force", action="store_true",
                    help="会话文件完好时也退回到上一次保存的内容（不加则询问，或在脚本中拒绝）")

    sp = add("preview", "在终端预览报告", cmd_preview)
    sp.add_argument("id", metavar="会话编号", help="会话编号")

    sp = add("draft", "打印各叙述段落现在“起草”会给出的草稿（不改动会话，供脚本和审阅）", cmd_draft)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("--part", metavar="编号", help="只打印一段：编号如 四 或 4，或段落名称的开头，如 存在问题")
    sp.add_argument("--json", action="store_true", help="以 JSON 输出（编号、段落、草稿）")

    from assistant.report.export import FORMATS

    sp = add("export", "导出报告为 Word（docx）、PDF、Markdown 或 JSON", cmd_export)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("--format", choices=list(FORMATS), default="docx",
                    help="导出格式，默认 docx；pdf 需要本机装有 LibreOffice，并会检查表格要求一页的各部分是否各在一页之内")
    sp.add_argument("-o", "--output", metavar="路径", help="输出文件路径（默认当前目录）")
    sp.add_argument("--force", action="store_true", help="允许覆盖已存在的文件")
    sp.add_argument("--draft", action="store_true", help="有未完成项时仍导出草稿（每页标注“草稿”）")

    sp = add("package", "生成报送材料文件夹：Word、PDF（装有 LibreOffice 时）、JSON、计算佐证和报送清单", cmd_package)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("-o", "--output", metavar="文件夹", help="报送材料文件夹（默认：当前目录下“报告文件名_报送材料”）")
    sp.add_argument("--force", action="store_true", help="文件夹已有内容时仍写入（覆盖同名文件）")
    sp.add_argument("--draft", action="store_true", help="报告未完成时仍生成草稿材料（每页标注“草稿”）")

    sp = add("import-report", "导入 JSON 报告，生成新会话（输出会话编号）", cmd_import_report)
    sp.add_argument("file", metavar="文件", help="由 `filing export --format json` 导出的文件")

    sp = add("resume", "打开对话界面继续一个会话", cmd_ui)
    sp.add_argument("id", metavar="会话编号", help="会话编号")

    sp = add("ask", "用逐条提问的简洁模式填写（适合 SSH、读屏软件）", cmd_ask)
    sp.add_argument("id", nargs="?", metavar="会话编号", help="会话编号（不填则新建）")
    sp.add_argument("--form", type=_form_arg, metavar="简称", help=form_help + "，新建时用；默认为列出的第一个")
    sp.add_argument("--year", type=_year_arg, metavar="年度",
                    help="新建时的填报年度，默认为下一次要报送的年度（同 `filing new`）")

    sp = add("import", "从 Excel（.xlsx）或 CSV 导入名单", cmd_import)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("list", metavar="名单编号", help="名单题的编号（`filing questions --form 简称` 中类型为 list 的题）")
    sp.add_argument("file", metavar="文件", help=".xlsx 或 .csv 文件")
    sp.add_argument("--yes", action="store_true", help="不再确认，直接导入")

    sp = add("overview", "把多份 JSON 报告汇总为一个 Excel 概览（每个集群一行，各项认定参考值是否达到，问题清单）", cmd_overview)
    sp.add_argument("files", nargs="+", metavar="报告.json", help="由 `filing export --format json` 导出的报告")
    sp.add_argument("-o", "--output", metavar="路径", help="输出的 .xlsx 文件，默认 ./集群概览.xlsx")
    sp.add_argument("--force", action="store_true", help="允许覆盖已存在的文件")

    sp = add("serve", "在浏览器中使用助手（每个标签页一个独立的助手，默认只允许本机访问）", cmd_serve)
    sp.add_argument("id", nargs="?", metavar="会话编号", help="直接打开这个会话（不填则显示首页）")
    sp.add_argument("--host", default="127.0.0.1", help="监听地址，默认 127.0.0.1（只有本机能访问）")
    sp.add_argument("--port", type=_port_arg, default=8000, help="端口（1–65535），默认 8000")
    sp.add_argument("--token", metavar="口令",
                    help="访问口令（至少相当于 128 位随机数；也可用环境变量 FILING_SERVE_TOKEN 给出）；"
                         "不给时每次启动随机生成，打印在地址中")
    sp.add_argument("--no-token", action="store_true", help="不用访问口令（不推荐：本机任何程序都能连上）")
    sp.add_argument("--allow-host", action="append", metavar="名称",
                    help="浏览器还可以用这个主机名或地址访问（可重复）；经 HTTPS 反向代理访问时写 https://名称")
    sp.add_argument("--trusted-proxy", action="append", metavar="地址",
                    help="在前面转发请求的反向代理（如 nginx）的地址或网段（可重复，如 127.0.0.1、10.0.0.0/8）："
                         "只对来自它的请求采信 X-Forwarded-For / X-Real-IP（登录限速和审核日志用浏览器的真实地址）"
                         "和 X-Forwarded-Proto；来自其他地址的这些请求头一律不理会")
    sp.add_argument("--certfile", metavar="证书", help="PEM 证书文件：直接以 HTTPS 提供服务")
    sp.add_argument("--keyfile", metavar="私钥", help="PEM 私钥文件（不设密码；证书文件中已含私钥时可省略）")
    sp.add_argument("--max-tabs", type=_tabs_arg, metavar="个数", help="同时运行的助手（标签页）上限，默认按本机内存计算")
    sp.add_argument("--no-browser", action="store_true", help="不自动打开浏览器")

    sp = add("accounts", "管理 filing serve 的登录账号（区里为各集群建立账号）：add 建立、list 列出、reset 重置密码、"
                         "disable 停用、set-district 修改集群的所属区", cmd_accounts)
    sp.add_argument("action", choices=["add", "list", "reset", "disable", "set-district"], metavar="操作",
                    help="add 建立（打印一次性密码）、list 列出、reset 重置密码、disable 停用、"
                         "set-district 修改集群账号的所属区（filing accounts set-district 名称 区名）")
    sp.add_argument("name", nargs="?", metavar="名称", help="账号名称（如集群或区的名称）")
    sp.add_argument("area", nargs="?", metavar="区名", help="set-district：集群账号新的所属区（与区账号的名称一致）")
    sp.add_argument("--role", choices=["cluster", "district"], help="cluster：集群（填报、提交）；district：区（审核、汇总）")
    sp.add_argument("--district", metavar="区名", help="集群所属的区（与区账号的名称一致）；区账号可省略（即其名称）")
    sp.add_argument("--json", action="store_true", help="list 以 JSON 输出")

    sp = add("status", "各报告的审核状态（填报中、已提交、已退回、审核通过）和必须修改的问题数", cmd_status)
    sp.add_argument("--account", metavar="名称", help="只列出这个集群账号的（区账号：其下各集群的）报告")
    sp.add_argument("--json", action="store_true", help="以 JSON 输出")

    sp = add("workbook", "生成发给成员企业的《企业数据采集表》（.xlsx）；--columns 列出采集表的列", cmd_workbook)
    sp.add_argument("id", nargs="?", metavar="会话编号", help="会话编号（按该会话的年度生成）")
    sp.add_argument("-o", "--output", metavar="路径", help="输出文件路径（默认当前目录）")
    sp.add_argument("--prefill", nargs="?", const=True, metavar="上年采集表",
                    help="预填已知的企业：不带文件时取会话中名单里的企业；带上年填好的采集表时沿用企业信息，上年数字填入“上年”各列")
    sp.add_argument("--form", type=_form_arg, metavar="简称", help="不给会话编号时的表单（`filing forms` 列出可选的表单）")
    sp.add_argument("--year", type=_year_arg, help="不给会话编号时的年度")
    sp.add_argument("--columns", action="store_true", help="只列出采集表的列（编号、表头、类型、单位、选项、必填）")
    sp.add_argument("--json", action="store_true", help="与 --columns 一起：以 JSON 输出")
    sp.add_argument("--force", action="store_true", help="允许覆盖已存在的文件")

    sp = add("enterprises", "用企业数据采集表计算报告中的指标（显示建议值和当前值，确认后写入并记录计算佐证）",
             cmd_enterprises)
    sp.add_argument("id", metavar="会话编号", help="会话编号")
    sp.add_argument("files", nargs="*", metavar="文件",
                    help="一个汇总的采集表或多个企业各自的文件（.xlsx / .csv）；不给文件时只按上年报告计算增速")
    sp.add_argument("--yes", action="store_true", help="不再询问，采用全部建议（用于脚本）")

    sp = add("demo", "用示例数据生成一份完整报告并导出 Word", cmd_demo)
    sp.add_argument("--form", type=_form_arg, metavar="简称", help=form_help + "；默认为列出的第一个有示例答案的表单")
    sp.add_argument("-o", "--output", metavar="路径", help="输出文件路径")
    return p


INTERACTIVE = (None, "resume", "ask", "import", "enterprises")  # these draw prompts with terminal codes of their own


def _use_forms(argv: Sequence[str] | None) -> None:
    """--forms (anywhere on the line) and FILING_FORMS take effect before --form is read; a folder
    that is not a forms folder is refused (exit 2), never skipped in silence."""
    import os

    from assistant.form.catalog import ENV, check_root, use_forms

    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    pre.add_argument("--forms", action="append")
    known, _ = pre.parse_known_args(argv)
    given = known.forms or [p for p in os.environ.get(ENV, "").split(os.pathsep) if p.strip()]
    for folder in given:
        why = check_root(Path(folder).expanduser())
        if why:
            source = "--forms" if known.forms else f"环境变量 {ENV}"
            sys.stderr.write(f"错误：{source}：{why}\n")
            raise SystemExit(EXIT_USAGE)
    if known.forms:
        use_forms(known.forms)


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.text.textsafe import cli_streams

    try:
        with cli_streams():  # usage errors quote the arguments: no raw control characters there either
            _use_forms(argv)
            args = build_parser().parse_args(argv)
        with cli_streams(filter_controls=getattr(args, "command", None) not in INTERACTIVE):
            return _run(args)
    except Exception as exc:  # before the command runs (reading --forms, the parser): logged, one sentence
        if "--debug" in (sys.argv[1:] if argv is None else argv):
            raise
        from assistant.frontends.crashlog import report

        _err(report(exc))
        return EXIT_REFUSED


def _run(args: argparse.Namespace) -> int:
    from assistant.errors import InputError
    from assistant.form.flow import FlowError
    from assistant.session.store import SessionError
    from assistant.text.fileerrors import describe

    try:
        if not getattr(args, "command", None):
            return cmd_ui(args)
        return int(args.fn(args) or 0)
    except CliError as exc:
        _err(str(exc))
        return exc.code
    except SessionError as exc:
        _err(str(exc))
        return EXIT_SESSION
    except (FlowError, InputError) as exc:
        _err(str(exc))
        return EXIT_REFUSED
    except KeyboardInterrupt:
        _err("\n已中断。")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `filing list | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_OK
    except OSError as exc:
        if args.debug:
            raise
        _err(describe(exc))
        return EXIT_FILE
    except Exception as exc:  # a programming error: its traceback goes to a log file, never to the terminal
        if args.debug:
            raise
        from assistant.frontends.crashlog import report

        _err(report(exc))
        return EXIT_REFUSED


if __name__ == "__main__":
    raise SystemExit(main())

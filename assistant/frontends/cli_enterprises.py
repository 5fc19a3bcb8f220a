"""`filing workbook`, `filing enterprises`, `filing new --from`: thin front ends over this package."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from assistant.errors import EXIT_FILE, EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from assistant.errors import UserError as CliError


def _out(text: str = "") -> None:
    from assistant.text.textsafe import visible

    sys.stdout.write(visible(text) + "\n")
    sys.stdout.flush()


def _first_with_enterprise_data() -> str | None:
    """The form `--form` defaults to: the first that has an enterprise collection spec."""
    from assistant.form.catalog import form_ids

    return next((fid for fid, root in form_ids().items() if (root / "flows" / f"{fid}.enterprises.yaml").is_file()), None)


def _form(name: str | None) -> str:
    from assistant.form.validate import form_id, known_forms

    form = form_id(name)
    if form is None:
        raise CliError(f"表单“{name}”不是已知的表单（可选：{'、'.join(known_forms())}）。", EXIT_USAGE)
    return form


def _spec(form: str) -> Any:
    from assistant.interview.enterprises.columns import load_spec

    spec = load_spec(form)
    if spec is None:
        raise CliError(f"表单 {form} 没有企业数据采集表。", EXIT_REFUSED)
    return spec


def _write_new(path: Path, data: bytes, force: bool) -> None:
    if path.exists() and not force:
        raise CliError(f"{path} 已存在；如要覆盖请加 --force，或用 -o 指定其他文件名。", EXIT_FILE)
    if path.exists() and not path.is_file():
        raise CliError(f"{path} 不是普通文件，无法写入。", EXIT_FILE)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CliError(f"无法写入 {path}（{exc.strerror or exc}）。", EXIT_FILE) from None


def run_workbook(args: Any) -> int:
    from assistant.interview.enterprises.columns import columns_json

    if args.columns:
        if args.id:
            from assistant.session.store import SessionStore

            form = SessionStore().load(args.id).form
        else:
            form = _form(args.form or _first_with_enterprise_data())
        spec = _spec(form)
        items = columns_json(spec)
        if args.json:
            _out(json.dumps(items, ensure_ascii=False, indent=2))
        else:
            for it in items:
                req = "必填" if it["required"] else "选填"
                opts = f"  可选：{'、'.join(o['label'] for o in it['options'])}" if it.get("options") else ""
                _out(f"  {it['id']:<22} {it['header']}（{it['type']}，{req}）{opts}")
        return EXIT_OK
    if not args.id:
        if not args.form:
            raise CliError("请给出会话编号（按该会话的年度生成），或用 --form 简称 生成空白采集表"
                           "（`filing forms` 列出可选的表单）。", EXIT_USAGE)
        from assistant.form.catalog import load_flow

        form = _form(args.form)
        spec = _spec(form)
        year = args.year or load_flow(form).year_due()
        rows: Any = []
        if args.prefill not in (None, True):
            rows = _prefill_file(Path(args.prefill), spec, year)
        return _emit(spec, year, rows, args, f"{year}年度企业数据采集表.xlsx")
    from assistant.interview.engine import Engine
    from assistant.session.store import SessionStore

    session = SessionStore().load(args.id)
    engine = Engine.for_session(session)
    spec = _spec(session.form)
    rows = []
    if args.prefill is True:
        from assistant.interview.enterprises.workbook import rows_from_session

        rows = rows_from_session(engine, spec)
    elif args.prefill:
        rows = _prefill_file(Path(args.prefill), spec, session.year)
    return _emit(spec, session.year, rows, args, workbook_name(engine))


def workbook_name(engine: Any) -> str:
    """The file name `filing workbook 会话编号` writes (the browser's download has the same name)."""
    session = engine.session
    name = str(engine.value(next(iter(engine.flow.by_id))) or session.title or "集群")
    return f"{_safe(name)}_{session.year}年度企业数据采集表.xlsx"


def _safe(name: str) -> str:
    import re

    return re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]+', "_", name).strip(" .")[:60] or "集群"


def _prefill_file(path: Path, spec: Any, year: int) -> Any:
    from assistant.errors import InputError
    from assistant.interview.enterprises.workbook import prefill_from

    try:
        return prefill_from(path, spec, year)
    except InputError as exc:
        raise CliError(f"用来预填的采集表无法使用：{exc}", EXIT_REFUSED) from None


def _emit(spec: Any, year: int, rows: Any, args: Any, default: str) -> int:
    """Write the workbook; `rows`: prefilled rows, or a Prefill (rows, cell notes, what to tell)."""
    from assistant.interview.enterprises.workbook import Prefill, write_workbook

    filling = rows if isinstance(rows, Prefill) else Prefill(rows)
    rows = filling.rows
    data = write_workbook(spec, year, rows, filling.notes, filling.first_note)
    path = Path(args.output).expanduser() if args.output else Path(default)
    if path.is_dir():
        path = path / default
    _write_new(path, data, args.force)
    _out(str(path))
    for line in filling.said:
        sys.stderr.write(line + "\n")
    filled = f"已预填 {len(rows)} 家企业；" if rows else ""
    sys.stderr.write(f"{filled}请发给成员企业填写（每家企业一行，也可各填一个文件）。收回后运行：\n"
                     f"  filing enterprises {getattr(args, 'id', None) or '会话编号'} 文件…\n"
                     "计算报告中的指标（先显示建议值和当前值，确认后才写入）。\n")
    return EXIT_OK


def run_enterprises(args: Any) -> int:
    from assistant.interview.engine import Engine
    from assistant.interview.enterprises.dialog import drop, needs_one_by_one, reply, start, waiting_batch
    from assistant.session.store import SessionStore

    hint = ""
    with SessionStore().open(args.id) as handle:
        engine = Engine.for_session(handle.session)
        handle.session.say("user", "企业数据 " + " ".join(args.files))
        first = start(engine, list(args.files))
        for m in first.messages if args.yes else first.said():
            _out(m)
            handle.session.say("assistant", m)
        batch = waiting_batch(handle.session)
        if first.refused or batch is None or not batch.items:
            handle.save()
            return EXIT_REFUSED if first.refused else EXIT_OK
        while waiting_batch(handle.session) is not None:
            if args.yes:
                text = "全部"
                if needs_one_by_one(handle.session):
                    from assistant.paths import join_paths

                    again = " ".join(["filing enterprises", args.id, join_paths(list(args.files))])
                    hint = ("--yes 只采用不受影响的结果：只基于部分企业的合计、会替换已填答案的比例和暂不计入的行留给您逐项决定，"
                            f"请在终端中不加 --yes 运行：\n  {again}")
            elif sys.stdin.isatty():
                try:
                    text = input("> ")
                except (EOFError, KeyboardInterrupt):
                    text = "取消"
            else:
                drop(handle.session)
                handle.save()
                from assistant.paths import join_paths

                again = " ".join(["filing enterprises", args.id, join_paths(list(args.files)), "--yes"])
                raise CliError(f"没有在终端中运行，无法选择。确认无误后请加 --yes（采用全部建议）再运行，例如：\n  {again}",
                               EXIT_USAGE)
            handle.session.say("user", text)
            t = reply(engine, text)
            for m in t.said():
                _out(m)
                handle.session.say("assistant", m)
        if hint:
            _out(hint)
        handle.save()
    return EXIT_OK


def run_new_from(args: Any) -> int:
    from assistant.interview.enterprises.carry import carry_forward
    from assistant.session.store import SessionStore

    store = SessionStore()
    store.check_root()
    session, lines = carry_forward(args.from_, store, year=args.year, title=args.title, form=args.form)
    for line in lines:
        sys.stderr.write(line + "\n")
    _out(session.id)
    return EXIT_OK

"""`filing overview`: one workbook over many cluster reports, for the commission's review.

Every report is read exactly as `import-report` reads it (interview/json_report.py: read_report). Columns come
from the form: the first section's name fields, every numeric question, and each rule that carries a
`criterion` (a designation condition) as a flag column. Nothing in here names a question.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import UserError
from assistant.files.atomic import atomic_write
from assistant.files.xlsx_write import column_width, new_workbook, write_value
from assistant.form.expr import render_message
from assistant.form.types import of
from assistant.form.validate import shown
from assistant.interview.findings import BLOCKING
from assistant.interview.json_report import read_report

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet

    from assistant.form.flow import Rule
    from assistant.interview.engine import Engine

MET, NOT_MET, UNKNOWN = "达到", "未达到", "缺数据"  # reference values, not a designation verdict
DEFAULT_OUTPUT = "集群概览.xlsx"
MAX_COMMENT = 1000  # Excel shows a comment box, not a page
COMMENT = {"author": "集群填报助手", "width": 144, "height": 79}  # pixels, the box openpyxl drew


@dataclass
class Condition:
    rule_id: str
    by: str
    label: str
    text: str


@dataclass
class Row:
    file: str
    values: list[Any]
    flags: list[tuple[str, str]]  # (status, the rule's message when not met)


@dataclass
class Overview:
    headers: list[str]
    numeric_from: int  # index of the first numeric column
    conditions: list[Condition]
    rows: list[Row] = field(default_factory=list)
    problems: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # file, cluster, kind, item, text


def _heading(engine: Any, q: Any) -> str:
    label = engine.label(q)
    return f"{label}（{q.unit}）" if q.unit and q.unit not in label else label


def condition_status(engine: Engine, rule: Rule) -> tuple[str, str]:
    flow, state = engine.flow, engine.state
    ex = flow.expr(rule.id, "rule")
    if ex is None:
        return UNKNOWN, ""
    ns = dict(state.namespace)
    for name in ex.names:
        if name in flow.by_id and ns.get(name) is None:
            if state.relevant.get(name, True):
                return UNKNOWN, f"“{engine.label(name)}”未填写，无法判断。"
            # Not asked because the other answers settle it (e.g. a count asked only when the others are 0).
            ns[name] = 0 if of(flow[name]).numeric else None
    result = ex(ns)
    if result is True:
        return MET, ""
    if result is False:
        return NOT_MET, render_message(rule.message, state.namespace, flow.where(rule.id, "message"))
    return UNKNOWN, ""


def build(paths: list[Path]) -> Overview:
    """Read every report; an invalid one goes to the problems, never stops the others."""
    flow: Any = None
    headers: list[str] = ["文件"]
    name_qs: list[Any] = []
    num_qs: list[Any] = []
    rules: list[Any] = []
    rows: list[Row] = []
    problems: list[tuple[str, str, str, str, str]] = []
    seen: dict[tuple[Any, ...], str] = {}
    years: set[int] = set()
    for i, path in enumerate(paths):
        where = shown(str(path), 200)
        try:
            session, engine, _applied = read_report(path, f"overview-{i}")
        except UserError as exc:
            problems.append((where, "", "无效报告", "", str(exc).replace("，没有创建会话", "")))
            continue
        if flow is None:  # the first valid report fixes the form and so the columns
            flow = engine.flow
            first = flow.sections[0].questions if flow.sections else []
            name_qs = [q for q in first if of(q).names_report]
            num_qs = [q for q in flow.questions if of(q).numeric]
            rules = [r for r in flow.rules if r.criterion is not None]
            headers = ["文件", *(engine.label(q) for q in name_qs), "年度",
                       *(_heading(engine, q) for q in num_qs),
                       *(f"{r.criterion.kind}：{r.criterion.label}" for r in rules), "未达到的参考项数", "必须修改的问题数"]
        elif engine.flow.form != flow.form:
            problems.append((where, "", "无效报告", "", f"这是“{engine.flow.short_name}”，不是“{flow.short_name}”，未列入概览。"))
            continue
        ns = engine.state.namespace
        names = [engine.value(q.id) if engine.is_answered(q.id) else None for q in name_qs]
        cluster = str(names[0]) if names and names[0] else session.title
        flags = [condition_status(engine, r) for r in rules]
        findings = engine.findings()
        blocking = [f for f in findings if f.severity == BLOCKING]
        rows.append(Row(where, [where, *names, session.year, *(ns.get(q.id) for q in num_qs),
                                *(s for s, _ in flags), sum(s == NOT_MET for s, _ in flags), len(blocking)], flags))
        years.add(session.year)
        if names and names[0]:
            key = (session.year, " ".join(str(names[0]).split()))
            if key in seen:
                problems.append((where, cluster, "重复的集群", "",
                                 f"与 {seen[key]} 是同一集群、同一年度的报告，请确认保留哪一份。"))
            seen.setdefault(key, where)
        criterion_rules = {r.id for r in rules}
        for f in findings:
            if f.rule in criterion_rules:
                continue  # its flag column says it
            kind = "缺项" if f.rule == "required" else ("数据不一致" if f.severity == BLOCKING else "提示")
            problems.append((where, cluster, kind, engine.label(f.qid), f.message))
    if len(years) > 1:
        problems.append(("", "", "年度不一致", "",
                         "这些报告的填报年度不同：" + "、".join(str(y) for y in sorted(years)) + "，请按“年度”列筛选。"))
    conditions = [Condition(r.id, r.criterion.by, r.criterion.label, r.criterion.text) for r in rules]
    return Overview(headers, 2 + len(name_qs), conditions, rows, problems)


def write_xlsx(overview: Overview) -> bytes:
    buf = io.BytesIO()
    wb = new_workbook(buf)
    bold_top = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("集群概览")
    for c, head in enumerate(overview.headers):
        ws.write_string(0, c, head, bold_top)
    flag_from = len(overview.headers) - 2 - len(overview.conditions)  # 0-based index of the first flag
    for k, cond in enumerate(overview.conditions):
        ws.write_comment(0, flag_from + k, f"{cond.by}：{cond.text}", COMMENT)
    for r, row in enumerate(overview.rows, start=1):
        for c, value in enumerate(row.values):
            write_value(ws, r, c, _cell(value))
        for k, (status, message) in enumerate(row.flags):
            if status != MET and message:
                ws.write_comment(r, flag_from + k, message[:MAX_COMMENT], COMMENT)
    last_row = max(len(overview.rows), 1)  # 0-based
    if overview.conditions:
        last_flag = flag_from + len(overview.conditions) - 1
        for word, colour in ((NOT_MET, "#FFC7CE"), (MET, "#C6EFCE"), (UNKNOWN, "#E7E6E6")):
            fill = wb.add_format({"pattern": 1, "bg_color": colour, "fg_color": colour})
            ws.conditional_format(1, flag_from, last_row, last_flag,
                                  {"type": "cell", "criteria": "equal to", "value": f'"{word}"', "format": fill})
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, last_row, len(overview.headers) - 1)
    ws.set_column_pixels(0, len(overview.headers) - 1, column_width(14))
    _print_margins(ws)

    ps = wb.add_worksheet("问题")
    for c, head in enumerate(("文件", "集群", "类别", "项目", "说明")):
        ps.write_string(0, c, head, bold)
    for r, problem in enumerate(overview.problems, start=1):
        for c, value in enumerate(problem):
            write_value(ps, r, c, _cell(value))
    ps.freeze_panes(1, 0)
    ps.autofilter(0, 0, max(len(overview.problems), 1), 4)
    for c, width in enumerate((24, 24, 12, 24, 80)):
        ps.set_column_pixels(c, c, column_width(width))
    _print_margins(ps)
    wb.close()
    return buf.getvalue()


def _print_margins(ws: Worksheet) -> None:
    """The margins (inches) the overview has always printed with, so a page holds the same columns."""
    ws.set_margins(left=0.75, right=0.75, top=1, bottom=1)
    ws.set_header("", margin=0.5)
    ws.set_footer("", margin=0.5)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    return value if value is None or isinstance(value, (int, float, Decimal)) else str(value)


def run_overview(paths: list[Path], output: Path | None, *, force: bool = False) -> tuple[Path, Overview]:
    if not paths:
        raise UserError("请至少给出一个 JSON 报告文件。", 2)
    out = (output or Path(DEFAULT_OUTPUT)).expanduser()
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"输出文件应以 .xlsx 结尾：{out}", 2)
    if out.exists() and not force:
        raise UserError(f"{out} 已存在。如要覆盖，请加 --force，或用 -o 指定另一个文件名。", 4)
    overview = build(paths)
    atomic_write(out, write_xlsx(overview))
    return out, overview

"""Read and validate filled enterprise workbooks (.xlsx, .csv in UTF-8/BOM/GBK): all or nothing.

Nothing in a file is trusted: sizes are bounded (importer limits), an .xlsx is read by files/tables.py:
read_xlsx (calamine only after a bounded look at its shape), CSV encodings are
detected, never guessed (files/tables.py: decode). Every problem names file, row and column; when any file has
one, no data is used.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat, zip_longest
from math import isnan
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.files.tables import (
    IGNORED_HEADERS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    TableError,
    decode,
    read_table_bytes,
    read_xlsx,
)
from assistant.form.parse import header_key
from assistant.interview.enterprises.coltypes import INVISIBLE, EnterpriseRow, read_number, shown_number
from assistant.interview.enterprises.columns import Col, Edition, Spec

MAX_PROBLEMS = 30  # one screenful; the rest are counted
MAX_FILES = 2000
EXTRA_HEADERS = IGNORED_HEADERS | {"备注", "说明"}
SPLIT = re.compile(r"[；;\n]")


class DataError(InputError):
    """Files that cannot be used; `problems` are the lines naming file, row and column. Nothing was applied."""

    def __init__(self, problems: list[str], total: int | None = None, code: int = 1):
        self.problems = problems
        self.total = total if total is not None else len(problems)
        self.code = code
        more = f"\n  …另有 {self.total - len(problems)} 处未列出。" if self.total > len(problems) else ""
        super().__init__("企业数据有 {} 处问题，没有采用任何数据：\n{}{}".format(
            self.total, "\n".join(f"  - {p}" for p in problems), more))


@dataclass
class SourceFile:
    name: str
    sha256: str
    rows: int


@dataclass
class Suspect:
    """A row a `leave_out` warning names (e.g. 产值 typed in 元): left out of every figure until confirmed."""

    index: int  # position in Rows
    place: str  # 采集表.xlsx 第 5 行
    why: str
    key: tuple[str, int]  # (file SHA-256, sheet row): how a confirmation names it across re-reads
    confirmed: bool = False


@dataclass
class Rows:
    """Validated rows, column-wise: values[col id][i] (None = empty); where[i] = (file index, sheet row)."""

    spec: Spec
    values: dict[str, list[Any]]
    where: list[tuple[int, int]]
    files: list[SourceFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the spec's warning checks: to look at, not refused
    suspects: list[Suspect] = field(default_factory=list)  # rows a leave_out check names (confirmed or not)

    def __len__(self) -> int:
        return len(self.where)

    @property
    def used(self) -> list[int]:
        """The rows every figure is computed from: all but the suspect rows not confirmed."""
        out = {s.index for s in self.suspects if not s.confirmed}
        return [i for i in range(len(self.where)) if i not in out] if out else list(range(len(self.where)))

    def row(self, i: int) -> EnterpriseRow:
        return {cid: col[i] for cid, col in self.values.items()}


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.total = 0

    def add(self, text: str) -> None:
        self.total += 1
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(text)

    def raise_if_any(self) -> None:
        if self.total:
            raise DataError(self.lines, self.total)


# -- files -> raw rows ------------------------------------------------------------------------------
def _xlsx_rows(name: str, raw: bytes, sheet: str) -> list[list[Any]]:
    return read_xlsx(name, raw, MAX_ROWS, MAX_COLUMNS, MAX_CELLS, prefer=sheet).rows


def _csv_rows(name: str, raw: bytes, spec: Spec) -> list[list[Any]]:
    keys = _header_keys(spec)

    def known(text: str) -> bool:
        first = next((line for line in text[:65536].splitlines() if line.strip(" ,;\t")), "")
        heads = next(csv.reader([first], delimiter=_delimiter(first)), [])
        return sum(header_key(h) in keys for h in heads) >= 2

    text, _enc = decode(raw, known, name)
    if "\x00" in text:
        raise TableError(f"{name} 不是表格文件（看起来是二进制文件）。")
    first = text.split("\n", 1)[0]
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    try:
        for n, r in enumerate(reader, 1):
            if n > MAX_ROWS:
                raise TableError(f"{name}：超过 {MAX_ROWS} 行的上限，请分成几个文件。")
            if len(r) > MAX_COLUMNS:
                raise TableError(f"{name}：第 {n} 行超过 {MAX_COLUMNS} 列的上限。")
            rows.append(r)
    except csv.Error as exc:
        raise TableError(f"{name} 不是有效的 CSV 文件（第 {reader.line_num} 行：{exc}）。") from None
    return rows


def _delimiter(first: str) -> str:
    return max(("\t", ",", ";"), key=lambda d: (first.count(d), d == ","))


def read_file(path: Path, spec: Spec) -> tuple[SourceFile, list[list[object]]]:
    """One file's rows (the header row first) and its identity (name, SHA-256). TableError when unreadable."""
    path = Path(path).expanduser()
    name = path.name
    raw = read_table_bytes(path)
    digest = hashlib.sha256(raw).hexdigest()
    rows = _xlsx_rows(name, raw, spec.sheet) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(name, raw, spec)
    return SourceFile(name, digest, 0), rows


# -- header matching --------------------------------------------------------------------------------
def _header_keys(spec: Spec) -> dict[str, Col]:
    keys: dict[str, Col] = {}
    for c in spec.columns:
        for text in (c.title, c.header, c.id):
            keys.setdefault(header_key(text), c)
    return keys


def edition_of(spec: Spec, header: Sequence[object]) -> Edition | None:
    """The earlier edition of the workbook whose own columns this header row has (all of them), if any."""
    keys = {header_key(INVISIBLE.sub("", str(h)).strip()) for h in header if h is not None}
    for edition in spec.editions:
        if all(keys & {header_key(c.title), header_key(c.header)} for c in edition.columns):
            return edition
    return None


def edition_refused(spec: Spec, edition: Edition, name: str) -> str:
    """Why a workbook of an earlier edition is not imported, and what to do."""
    theirs = "、".join(f"“{h}”" for h in edition.headers())
    now = "、".join(f"“{c.title}”" for c in spec.columns if c.id in edition.replaced())
    return (f"{name} 是{edition.name}的企业数据采集表（有{theirs}列；本版改为{now}），不能直接导入。"
            f"请用 filing workbook 会话编号 --prefill {name} 生成新版采集表（原有数据会带过去，新增和不能确定的格子"
            "留空），请企业补填后再导入")


def header_of(path: Path, spec: Spec) -> list[object]:
    """The header row of a workbook (its first row that is not blank); TableError when unreadable."""
    _src, rows = read_file(path, spec)
    return list(next((r for r in rows if not _blank(r)), []))


def workbook_year(path: Path, spec: Spec) -> int | None:
    """The year a workbook we wrote is for, from its 填表说明's title (the spec's `title`); None when not said."""
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm") or "{year}" not in spec.title:
        return None
    try:
        rows = _xlsx_rows(Path(path).name, read_table_bytes(Path(path)), spec.instructions_sheet)
    except TableError:
        return None
    before, after = (re.escape(part.strip()) for part in spec.title.split("{year}", 1))
    pattern = re.compile(rf"{before}\s*(\d{{4}})\s*{after}")
    first = next((str(c) for r in rows[:3] for c in r if c not in (None, "")), "")
    found = pattern.fullmatch(" ".join(first.split()))
    return int(found[1]) if found else None


def _match(spec: Spec, name: str, header: list[Any], problems: _Problems) -> list[Col | None] | None:
    edition = edition_of(spec, header)
    if edition is not None:
        problems.add(edition_refused(spec, edition, name))
        return None
    keys = _header_keys(spec)
    out: list[Col | None] = []
    seen: set[str] = set()
    ok = True
    for i, h in enumerate(header, 1):
        text = "" if h is None else INVISIBLE.sub("", str(h)).strip()
        col = keys.get(header_key(text)) if text else None
        if col is None:
            if text and header_key(text) not in EXTRA_HEADERS:
                problems.add(f"{name} 第 1 行第 {i} 列：无法识别的列“{text[:40]}”（请使用采集表的表头，不要改动）")
                ok = False
            out.append(None)
            continue
        if col.id in seen:
            problems.add(f"{name} 第 1 行第 {i} 列：“{col.title}”出现了两次")
            ok = False
        seen.add(col.id)
        out.append(col)
    missing = [c.title for c in spec.columns if c.required and c.id not in seen]
    if missing:
        problems.add(f"{name}：缺少必填的列：{'、'.join(missing)}")
        ok = False
    return out if ok else None


# -- cells ------------------------------------------------------------------------------------------
def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _blank(row: Sequence[Any]) -> bool:
    """No cell of the row holds anything (None, "" or spaces only)."""
    return all(map(_empty, row))


# -- all files ---------------------------------------------------------------------------------------
_INF = float("inf")


def _bounded(col: Col, out: list[Any], bad: dict[int, str]) -> list[Any]:
    """Cells above the column's plausible per-enterprise maximum are refused (None, reason in `bad`), so no
    absurd figure (1e30, 10^18 万元) reaches any arithmetic."""
    top = col.max
    if top is None:
        return out
    unit = f" {col.unit}" if col.unit else ""
    for j, v in enumerate(out):
        if v is not None and v > top:
            bad[j] = (f"{shown_number(v)}{unit} 超过一家企业可能的上限（{shown_number(top)}{unit}），"
                      "请核对数字和单位（是否把“元”当成了“万元”）" if col.unit == "万元" else
                      f"{shown_number(v)}{unit} 超过一家企业可能的上限（{shown_number(top)}{unit}），请核对")
            out[j] = None
    return out


def _number_column(vals: Sequence[Any], integer: bool, bad: dict[int, str],
                   top: float = _INF) -> tuple[list[Any], bool]:
    """A column of numbers (None for empty), and whether every one is known to be within `top`; `bad` gets
    position -> reason.

    A spreadsheet column is mostly floats: when every filled cell is a finite non-negative float (an
    integer where the column wants one) within `top`, they are converted in one pass; anything else goes
    cell by cell (and is bounded after)."""
    floats = [v for v in vals if type(v) is float]
    blanks = 0 if len(floats) == len(vals) else vals.count(None) + vals.count("")
    if floats and len(floats) + blanks == len(vals) and not any(map(isnan, floats)) \
            and min(floats) >= 0 and max(floats) < _INF and max(floats) <= top \
            and (not integer or all(map(float.is_integer, floats))):
        # whole numbers as integers (120, not 120.0); otherwise repr, the shortest text that reads back as
        # the float, i.e. the figure as typed (0.37, not 0.3699…)
        whole = integer or all(map(float.is_integer, floats))
        got = list(map(Decimal, map(int, floats) if whole else map(repr, floats)))
        if not blanks:
            return got, True
        it = iter(got)
        return [next(it) if type(v) is float else None for v in vals], True
    out: list[Any] = [None] * len(vals)
    dec = Decimal
    for j, v in enumerate(vals):
        t = type(v)
        if t is float:
            if 0 <= v < _INF and (not integer or v.is_integer()):
                out[j] = dec(int(v)) if integer else dec(repr(v))
                continue
        elif t is int:
            if v >= 0:
                out[j] = dec(v)
                continue
        elif v is None or v == "" or (t is str and not v.strip()):
            continue
        try:
            out[j] = read_number(v, integer)
        except ValueError as exc:
            bad[j] = str(exc)
    return out, False


def _column(col: Col, vals: Sequence[Any], bad: dict[int, str]) -> list[Any]:
    kind = col.kind
    if kind.numeric:
        # a column of floats all within the maximum needs no second pass
        top = float(col.max) if col.max is not None else _INF
        numbers, within = _number_column(vals, kind.integer, bad, top)
        return numbers if within else _bounded(col, numbers, bad)
    out: list[Any] = [None] * len(vals)
    quick = kind.quick(col)
    as_is = kind.as_is if kind.checks_as_is else None
    read = kind.read
    for j, v in enumerate(vals):
        if v is None or v == "" or (type(v) is str and not v.strip()):
            continue
        if as_is is not None and as_is(v):
            out[j] = v  # the common case: a correct code as printed on the licence
            continue
        if type(v) is str and v in quick:
            out[j] = quick[v]
            continue
        try:
            out[j] = read(col, v)
        except ValueError as exc:
            bad[j] = str(exc)
    return out


def read_rows(paths: list[Path], spec: Spec, confirmed: Collection[tuple[str, int]] = ()) -> Rows:
    """Every file read and every row validated; DataError (all problems, by file/row/column) when any is wrong.

    `confirmed`: rows (file SHA-256, sheet row) the operator confirmed although a leave_out check names them.
    Cells are converted column by column (a 10 000-row workbook has ~400 000 of them)."""
    if not paths:
        raise DataError(["没有给出文件：请给出企业数据采集表（.xlsx 或 .csv）的路径"])
    if len(paths) > MAX_FILES:
        raise DataError([f"一次最多导入 {MAX_FILES} 个文件，收到 {len(paths)} 个"])
    problems = _Problems()
    values: dict[str, list[Any]] = {c.id: [] for c in spec.columns}
    where: list[tuple[int, int]] = []
    files: list[SourceFile] = []
    seen: dict[str, tuple[str, int]] = {}  # key value -> (file, sheet row) where first seen
    by_content: dict[str, tuple[str, Path]] = {}  # SHA-256 -> (name shown, path) of the files read
    key = next(c for c in spec.columns if c.key)
    names = [Path(p).name for p in paths]
    dup_names = {n for n in names if names.count(n) > 1}
    for path in paths:
        p = Path(path)
        shown = str(p) if p.name in dup_names else p.name
        try:
            src, raw_rows = read_file(p, spec)
        except TableError as exc:
            problems.add(str(exc).rstrip("。"))
            continue
        src.name = shown
        twin = by_content.get(src.sha256)
        if twin is not None:  # every row would read as a duplicate of itself
            same = twin[0] == shown or twin[1] == p.resolve()
            problems.add(f"{shown} 给出了两次（同一个文件），请只给一次" if same else
                         f"{shown} 与 {twin[0]} 是同一个文件（内容完全相同），请只给其中一个")
            continue
        by_content[src.sha256] = (shown, p.resolve())
        files.append(src)
        start = next((i for i, r in enumerate(raw_rows) if not _blank(r)), None)
        if start is None:
            problems.add(f"{shown}：文件是空的，没有表头也没有数据")
            continue
        cols = _match(spec, shown, list(raw_rows[start]), problems)
        if cols is None:
            continue
        data: list[list[Any]] = []
        sheet_rows: list[int] = []
        for ri in range(start + 1, len(raw_rows)):
            r = raw_rows[ri]
            if not _blank(r):
                data.append(r)
                sheet_rows.append(ri + 1)
        src.rows = n = len(data)
        if n == 0:
            problems.add(f"{shown}：只有表头，没有企业数据")
            continue
        found: list[tuple[int, int, str]] = []  # (row position, column position, text), sorted below
        converted: dict[str, list[Any]] = {}
        by_column = list(zip_longest(*data))  # a short row reads as empty cells
        for ci, col in enumerate(cols):
            if col is None:
                continue
            vals = by_column[ci] if ci < len(by_column) else (None,) * n
            bad: dict[int, str] = {}
            out = _column(col, vals, bad)
            for j, why in bad.items():
                found.append((j, ci, f"{shown} 第 {sheet_rows[j]} 行“{col.title}”：{why}"))
            # (not `None in out`: comparing a Decimal with None goes through the numbers ABCs, 10× slower)
            if col.required and any(v is None for v in out):
                for j, v in enumerate(out):
                    if v is None and j not in bad:
                        found.append((j, ci, f"{shown} 第 {sheet_rows[j]} 行“{col.title}”：必填，不能为空"))
            converted[col.id] = out
        for c in spec.columns:
            converted.setdefault(c.id, [None] * n)
        failed = {j for j, _, _ in found}
        for j, why in _row_checks(spec, converted, n, failed):
            found.append((j, 10_000, f"{shown} 第 {sheet_rows[j]} 行：{why}"))
            failed.add(j)
        for j, code in enumerate(converted[key.id]):
            if code is None or j in failed:
                continue
            if code in seen:
                first, at = seen[code]
                found.append((j, 20_000, f"{shown} 第 {sheet_rows[j]} 行：{key.header} {code} 与 {first} 第 {at} 行重复"
                                         "（同一企业只能出现一次）"))
                failed.add(j)
            else:
                seen[code] = (shown, sheet_rows[j])
        for _, _, text in sorted(found):
            problems.add(text)
        if problems.total:
            continue  # nothing of a refused batch is used: keep reading only to name every problem
        for cid, out in converted.items():
            values[cid].extend(out)
        where.extend(zip(repeat(len(files) - 1), sheet_rows))
    problems.raise_if_any()
    rows = Rows(spec, values, where, files)
    rows.warnings, rows.suspects = _warnings(rows, set(confirmed))
    return rows


def _warnings(rows: Rows, confirmed: set[tuple[str, int]], most: int = 5) -> tuple[list[str], list[Suspect]]:
    """The spec's warning checks over all rows (all files): what looks wrong but may be right; and the rows a
    leave_out check names (every one: each is left out until confirmed)."""
    out: list[str] = []
    suspects: dict[int, Suspect] = {}
    vals = rows.values

    def at(j: int) -> str:
        fi, r = rows.where[j]
        return f"{rows.files[fi].name} 第 {r} 行"

    for ch in rows.spec.checks:
        found: list[str] = []
        if ch.kind == "apart":
            a, b, factor = vals[ch.cols[0]], vals[ch.cols[1]], Decimal(ch.factor)
            for j in range(len(rows)):
                x, y = a[j], b[j]
                if x and y and (x >= y * factor or y >= x * factor):
                    why = _fill(ch.message, {c: vals[c][j] for c in ch.cols})
                    if not ch.leave_out:
                        found.append(f"{at(j)}：{why}")
                    elif j in suspects:
                        suspects[j].why += f"；{why}"
                    else:
                        fi, r = rows.where[j]
                        key = (rows.files[fi].sha256, r)
                        suspects[j] = Suspect(j, at(j), why, key, key in confirmed)
        elif ch.kind == "unique":
            seen: dict[Any, list[int]] = {}
            for j, v in enumerate(vals[ch.cols[0]]):
                if v is not None:
                    seen.setdefault(v, []).append(j)
            for v, js in seen.items():
                if len(js) > 1:
                    by_file: dict[str, list[str]] = {}
                    for j in js[:most]:
                        fi, r = rows.where[j]
                        by_file.setdefault(rows.files[fi].name, []).append(str(r))
                    places = "、".join(f"{name} 第 {'、'.join(rs)} 行" for name, rs in by_file.items())
                    found.append(f"{places}：{_fill(ch.message, {ch.cols[0]: v})}")
        elif ch.kind == "only":  # yes/no columns that may be 是 only in rows matching `where`
            for j in range(len(rows)):
                if any(vals[c][j] is True for c in ch.cols) and not all(_holds(vals[c][j], v) for c, v in ch.where):
                    found.append(f"{at(j)}：{_fill(ch.message, {c: vals[c][j] for c in vals})}")
        elif ch.warn:  # a row rule that may hold for a real enterprise: said, the row still counts
            used = set(ch.cols) | {c for c, _ in ch.where}
            for j in range(len(rows)):
                found += [f"{at(j)}：{why}" for why in _check_row([ch], {c: vals[c][j] for c in used})]
        out += found[:most] + ([f"（另有 {len(found) - most} 处）"] if len(found) > most else [])
    return out, [suspects[j] for j in sorted(suspects)]


def _row_checks(spec: Spec, cols: dict[str, list[Any]], n: int, skip: set[int]) -> list[tuple[int, str]]:
    """The spec's row rules over whole columns; rows already refused are skipped."""
    out: list[tuple[int, str]] = []
    for ch in spec.checks:
        if ch.warning:
            continue
        if ch.kind == "le" and not ch.where:  # a ≤ b + c + …, the common rule, kept quick
            a, b, extra = cols[ch.cols[0]], cols[ch.cols[1]], [cols[c] for c in ch.cols[2:]]
            for j in range(n):
                x, y = a[j], b[j]
                # the added columns are never negative: x ≤ y settles it without them
                if x is None or y is None or x <= y or j in skip:
                    continue
                if extra:
                    y = y + sum((c[j] or 0 for c in extra), Decimal(0))
                    if x <= y:
                        continue
                out.append((j, _fill(ch.message, {c: cols[c][j] for c in ch.cols})))
            continue
        used = set(ch.cols) | {c for c, _ in ch.where}
        if ch.kind == "pairs":  # only rows that fill one of them
            rows = [j for j in range(n) if any(cols[c][j] is not None for c in ch.cols)]
        elif ch.kind == "needs":
            rows = [j for j in range(n) if any(cols[c][j] is None for c in ch.cols)]
        else:
            rows = [j for j in range(n) if cols[ch.cols[0]][j] is not None]
        for j in rows:
            if j in skip:
                continue
            out += [(j, why) for why in _check_row([ch], {c: cols[c][j] for c in used})]
    return out


def _check_row(checks: list[Any], row: dict[str, Any]) -> list[str]:
    out = []
    for ch in checks:
        if ch.where and not all(_holds(row.get(c), v) for c, v in ch.where):
            continue
        if ch.kind == "le":
            first, second = row.get(ch.cols[0]), row.get(ch.cols[1])
            if first is None or second is None:
                continue
            total = second + sum((row.get(c) or 0 for c in ch.cols[2:]), Decimal(0))
            if first > total:
                out.append(_fill(ch.message, row))
        elif ch.kind == "needs":
            if any(row.get(c) is None for c in ch.cols):
                out.append(_fill(ch.message, row))
        elif ch.kind == "pairs":
            counts = {len(parts(row.get(c))) for c in ch.cols}
            if len(counts) > 1:
                out.append(_fill(ch.message, row))
    return out


def parts(v: object) -> list[str]:
    """A cell holding several items (分支机构名称：A；B)."""
    if v is None:
        return []
    return [p.strip() for p in SPLIT.split(str(v)) if p.strip()]


def _holds(v: Any, want: Any) -> bool:
    return v in want if isinstance(want, tuple) else v == want


def _fill(message: str, row: dict[str, Any]) -> str:
    def sub(m: re.Match[str]) -> str:
        v = row.get(m[1])
        if isinstance(v, Decimal) and v == v.to_integral_value():
            return format(v.normalize(), "f")  # 15482500, not 15482500.0
        return "空" if v is None else str(v)

    return re.sub(r"\{(\w+)\}", sub, message)


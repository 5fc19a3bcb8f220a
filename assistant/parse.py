"""Forgiving input, strict results: turn what a person types into a canonical stored value.

Every refusal raises InputError with a Chinese message saying what was wrong and what is expected.
Stored forms: text -> str; integer -> int; decimal/percent -> "12.50" (or "无"); yesno -> bool;
choice -> option id; date -> "YYYY-MM-DD"; list -> [{column: value}]; matrix -> {row: {col: int}}.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .expr import count_chars
from .flow import Column, Option, Question

NONE_WORDS = {"无", "没有", "暂无", "无相关情况", "none", "无。", "没有。", "/"}
NONE_TEXT = "无"
YES_WORDS = {"是", "是的", "对", "对的", "y", "yes", "1", "√", "✓", "确认"}
NO_WORDS = {"否", "不是", "不", "不对", "n", "no", "0", "×", "x"}

# Unit words accepted after a number, as a factor of the question's own unit.
_UNIT_FACTORS: dict[str, dict[str, Decimal]] = {
    "万元": {"亿元": Decimal(10000), "亿": Decimal(10000), "千万元": Decimal(1000), "千万": Decimal(1000),
            "百万元": Decimal(100), "百万": Decimal(100), "万元": Decimal(1), "万": Decimal(1),
            "元": Decimal("0.0001")},
    "亿元": {"亿元": Decimal(1), "亿": Decimal(1), "千万元": Decimal("0.1"), "千万": Decimal("0.1"),
            "百万元": Decimal("0.01"), "百万": Decimal("0.01"), "万元": Decimal("0.0001"),
            "万": Decimal("0.0001"), "元": Decimal("0.00000001")},
    "吨": {"吨": Decimal(1), "t": Decimal(1), "万吨": Decimal(10000), "千克": Decimal("0.001"),
          "公斤": Decimal("0.001"), "kg": Decimal("0.001")},
    "平方公里": {"平方公里": Decimal(1), "平方千米": Decimal(1), "km2": Decimal(1), "km²": Decimal(1),
             "公顷": Decimal("0.01"), "亩": Decimal(1) / Decimal(1500), "万亩": Decimal(10000) / Decimal(1500), "平方米": Decimal("0.000001"),
             "m2": Decimal("0.000001"), "万平方米": Decimal("0.01")},
}
_COUNT_SUFFIXES = ("个", "家", "人", "名", "项", "件", "条", "户")
_NUM = re.compile(r"^([+-]?)(\d+(?:\.\d+)?|\.\d+)(.*)$")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3}-?)?[2-9]\d{6,7}(-\d{1,6})?$")


class InputError(ValueError):
    """A value was refused; str(exc) is the Chinese reason shown to the person."""


@dataclass
class Parsed:
    value: Any
    note: str = ""  # shown back: a unit conversion, rounding, an assumption
    confirm: bool = False  # the note changes the meaning enough that the person should confirm it


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC) and trimmed, so "１２．５％" reads as "12.5%"."""
    return unicodedata.normalize("NFKC", str(text)).strip()


def is_none_word(text: str) -> bool:
    return normalize(text).lower().rstrip("。.") in NONE_WORDS


def clean_text(text: str) -> str:
    """Drop control characters Word cannot store; keep line breaks and tabs."""
    return _CTRL.sub("", text)


def _quantize(value: Decimal, places: int) -> Decimal:
    try:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than Decimal keeps: no figure on this form is that large
        raise InputError("这个数值太大了，请检查是否多输入了几位数字，或者单位是否写对。") from None


def format_decimal(value: Decimal, places: int = 2) -> str:
    return f"{_quantize(value, places):.{places}f}"


def _split_number(text: str) -> tuple[Decimal, str]:
    """'-1,234.5万元' -> (Decimal('-1234.5'), '万元'). Thousands separators and spaces are ignored."""
    s = normalize(text).replace(",", "").replace(" ", "").replace("，", "")
    s = s.replace("负", "-", 1) if s.startswith("负") else s
    m = _NUM.match(s)
    if not m:
        raise InputError(f"“{text.strip()}”不是一个数字。")
    sign, digits, rest = m.groups()
    try:
        value = Decimal(sign + digits)
    except InvalidOperation:
        raise InputError(f"“{text.strip()}”不是一个数字。") from None
    return value, rest.strip()


def _check_range(q: Question | Column, value: Decimal, shown: str) -> None:
    unit = getattr(q, "unit", "") or ""
    lo, hi = q.min, q.max
    if lo is not None:
        excl = getattr(q, "min_exclusive", False)
        if (value <= Decimal(str(lo))) if excl else (value < Decimal(str(lo))):
            if lo == 0 and not excl:
                raise InputError(f"{shown} 不能是负数。")
            bound = f"大于 {lo:g}" if excl else f"不小于 {lo:g}"
            raise InputError(f"{shown} 超出范围：本题应{bound}{unit}。")
    if hi is not None and value > Decimal(str(hi)):
        raise InputError(f"{shown} 超出范围：本题最大为 {hi:g}{unit}。")


def parse_integer(q: Question | Column, text: str) -> Parsed:
    if is_none_word(text):
        return Parsed(0, "按 0 记录。")
    value, rest = _split_number(text)
    note = ""
    if rest.startswith("万"):
        value, rest, note = value * 10000, rest[1:], f"已将“{text.strip()}”换算为 {value * 10000:.0f}。"
    rest = rest.rstrip("".join(_COUNT_SUFFIXES)).strip()
    if rest:
        raise InputError(f"看不懂“{text.strip()}”中的“{rest}”：本题请填写一个整数，例如 35。")
    if value != value.to_integral_value():
        raise InputError(f"{format(value, 'f')} 不是整数：本题是数量，请填写整数，例如 35。")
    _check_range(q, value, format(value, "f"))
    return Parsed(int(value), note, confirm=bool(note))


def parse_decimal(q: Question | Column, text: str) -> Parsed:
    if is_none_word(text):
        return Parsed(NONE_TEXT)
    value, rest = _split_number(text)
    unit = getattr(q, "unit", "") or ""
    places = getattr(q, "places", 2)
    note = ""
    if rest:
        factors = _UNIT_FACTORS.get(unit, {unit: Decimal(1)} if unit else {})
        key = rest.lower() if rest.lower() in factors else rest
        if key not in factors:
            expected = f"本题单位是{unit}" if unit else "本题只需填写数字"
            raise InputError(f"无法识别单位“{rest}”：{expected}，例如 12.5{unit}。")
        factor = factors[key]
        if factor != 1:
            converted = value * factor
            note = f"已将“{format(value, 'f')}{rest}”换算为 {format_decimal(converted, places)} {unit}。"
            value = converted
    rounded = _quantize(value, places)
    if not note and rounded != value:
        note = f"已按四舍五入保留两位小数：{format_decimal(rounded, places)}。"
    _check_range(q, rounded, f"{format_decimal(rounded, places)}{unit}")
    return Parsed(format_decimal(rounded, places), note, confirm="换算" in note)


def parse_percent(q: Question | Column, text: str) -> Parsed:
    if is_none_word(text):
        return Parsed(NONE_TEXT)
    s = normalize(text).replace(" ", "")
    sign = ""
    for word, sgn in (("下降", "-"), ("减少", "-"), ("降低", "-"), ("增长", ""), ("增加", ""), ("提高", ""), ("上升", "")):
        if s.startswith(word):
            s, sign = s[len(word):], sgn
            break
    if s.startswith("百分之"):
        s = s[3:] + "%"
    value, rest = _split_number(sign + s if not (sign and s.startswith("-")) else s)
    had_percent = rest in ("%", "‰", "个百分点")
    if rest == "‰":
        value = value / 10
    elif rest and not had_percent:
        raise InputError(f"看不懂“{text.strip()}”中的“{rest}”：本题是百分比，请填写如 15 或 15%。")
    places = getattr(q, "places", 2)
    rounded = _quantize(value, places)
    note = ""
    if not had_percent and value != 0 and -1 < value < 1:
        note = f"按 {format_decimal(rounded, places)}% 记录；如果您指的是 {format_decimal(value * 100, places)}%，请直接输入 {format_decimal(value * 100, places)}。"
    elif rounded != value:
        note = f"已按四舍五入保留两位小数：{format_decimal(rounded, places)}%。"
    _check_range(q, rounded, f"{format_decimal(rounded, places)}%")
    return Parsed(format_decimal(rounded, places), note, confirm="如果您指的是" in note)


def _match_option(options: list[Option], text: str) -> Option | None:
    s = normalize(text).lower().rstrip("。.")
    for o in options:
        if s in (o.id.lower(), normalize(o.label).lower()) or s in (normalize(a).lower() for a in o.aliases):
            return o
    if s.isdigit() and 1 <= int(s) <= len(options):
        return options[int(s) - 1]
    hits = [o for o in options if s and (s in normalize(o.label).lower())]
    return hits[0] if len(hits) == 1 else None


def _options_text(options: list[Option]) -> str:
    return "、".join(f"{i}. {o.label or o.id}" for i, o in enumerate(options, 1))


def parse_yesno(q: Question, text: str) -> Parsed:
    s = normalize(text).lower().rstrip("。.!！")
    if q.options:
        o = _match_option(q.options, text)
        if o:
            return Parsed(o.id == "yes")
    if s in YES_WORDS:
        return Parsed(True)
    if s in NO_WORDS:
        return Parsed(False)
    raise InputError("请回答“是”或“否”（也可以输入 y / n）。")


def parse_choice(q: Question | Column, text: str) -> Parsed:
    o = _match_option(q.options, text)
    if o is None:
        raise InputError(f"“{text.strip()}”不是可选项。请从以下选项中选择（可输入序号）：{_options_text(q.options)}。")
    return Parsed(o.id)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(q: Question | Column, text: str) -> Parsed:
    s = normalize(text).replace(" ", "")
    for pat in _DATE_PATTERNS:
        m = pat.match(s)
        if m:
            try:
                d = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise InputError(f"“{text.strip()}”不是一个存在的日期。") from None
            if not 1990 <= d.year <= 2100:
                raise InputError(f"年份 {d.year} 看起来不对，请检查。")
            return Parsed(d.isoformat())
    if re.match(r"^\d{4}[-/.年]\d{1,2}月?$", s):
        raise InputError("请写到具体哪一天，例如 2024-04-08 或 2024年4月8日。")
    raise InputError(f"看不懂日期“{text.strip()}”，请按 2024-04-08 或 2024年4月8日 的格式填写。")


def parse_phone(q: Question | Column, text: str) -> Parsed:
    s = normalize(text).replace(" ", "").replace("—", "-").replace("－", "-")
    s = re.sub(r"^(\+?86)-?", "", s)
    s = re.sub(r"^\((0\d{2,3})\)", r"\1-", s)
    digits = s.replace("-", "")
    if _MOBILE.match(digits) or _LANDLINE.match(s):
        return Parsed(s)
    raise InputError(f"“{text.strip()}”不像电话号码：请填写手机号（11 位）或座机（如 021-23117616）。")


def credit_check_char(code17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a credit code."""
    total = sum(_CREDIT_CHARS.index(ch) * w for ch, w in zip(code17, _CREDIT_WEIGHTS))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def parse_credit_code(q: Question | Column, text: str) -> Parsed:
    s = normalize(text).replace(" ", "").upper()
    if len(s) != 18:
        raise InputError(f"统一社会信用代码应为 18 位，“{text.strip()}”是 {len(s)} 位。")
    bad = [ch for ch in s if ch not in _CREDIT_CHARS]
    if bad:
        raise InputError(f"统一社会信用代码中不能出现“{bad[0]}”（不使用 I、O、S、V、Z）。")
    if credit_check_char(s[:17]) != s[17]:
        raise InputError(f"统一社会信用代码“{s}”校验位不正确，请核对是否抄错。")
    return Parsed(s)


def parse_text(q: Question | Column, text: str) -> Parsed:
    s = str(text).strip()
    if not s:
        raise InputError("本题不能为空；如确无相关情况，请填写“无”。")
    if is_none_word(s):
        return Parsed(NONE_TEXT)
    limit = getattr(q, "max_chars", None)
    if limit and getattr(q, "type", "") != "longtext" and len(s) > limit:
        raise InputError(f"内容太长：本题最多 {limit} 个字，现在是 {len(s)} 个字。")
    if limit and getattr(q, "type", "") == "longtext" and count_chars(s) > limit:
        raise InputError(f"内容太长：本题最多 {limit} 字，现在是 {count_chars(s)} 字，请精简。")
    return Parsed(s)


_SCALAR = {
    "text": parse_text, "longtext": parse_text, "integer": parse_integer, "decimal": parse_decimal,
    "percent": parse_percent, "choice": parse_choice, "date": parse_date, "phone": parse_phone,
    "credit_code": parse_credit_code,
}


def parse_cell(col: Column, raw: Any) -> Any:
    """One cell of a list row. Empty optional cells are stored as ""."""
    text = "" if raw is None else str(raw)
    if not text.strip():
        if col.required:
            raise InputError(f"“{col.label or col.id}”不能为空。")
        return ""
    return _SCALAR[col.type](col, text).value


def _split_line(line: str) -> list[str]:
    if "\t" in line:
        return line.split("\t")
    if "|" in line:
        return [c for c in line.strip().strip("|").split("|")]
    return re.split(r"[,，、;；]", line)


def parse_rows(q: Question, rows: Any) -> Parsed:
    """Rows given as dicts by column id / label / alias, as lists in column order, or as text lines."""
    if rows is None or (isinstance(rows, str) and is_none_word(rows)):
        rows = []
    if isinstance(rows, str):
        rows = [_split_line(line) for line in rows.splitlines() if line.strip()]
    if not isinstance(rows, list):
        raise InputError("名单应是若干行，每行若干列。")
    keys = column_lookup(q.columns)
    out: list[dict[str, Any]] = []
    errors: list[str] = []
    for n, row in enumerate(rows, 1):
        if isinstance(row, dict):
            cells: dict[str, Any] = {}
            for k, v in row.items():
                col = keys.get(header_key(k))
                if col is None:
                    errors.append(f"第 {n} 行：没有名为“{k}”的列（可用列：{'、'.join(c.label or c.id for c in q.columns)}）。")
                    continue
                cells[col.id] = v
        elif isinstance(row, (list, tuple)):
            if len(row) > len(q.columns):
                errors.append(f"第 {n} 行：有 {len(row)} 列，但本名单只有 {len(q.columns)} 列（{'、'.join(c.label for c in q.columns)}）。")
                continue
            cells = {c.id: v for c, v in zip(q.columns, row)}
        else:
            errors.append(f"第 {n} 行：格式不对。")
            continue
        parsed: dict[str, Any] = {}
        for col in q.columns:
            try:
                parsed[col.id] = parse_cell(col, cells.get(col.id))
            except InputError as exc:
                errors.append(f"第 {n} 行：{exc}")
        out.append(parsed)
        if len(errors) >= 20:
            break
    if errors:
        raise InputError("\n".join(errors[:20]) + ("\n……（仅显示前 20 个问题）" if len(errors) >= 20 else ""))
    if len(out) < q.min_rows:
        raise InputError(f"本表至少需要 {q.min_rows} 行。")
    return Parsed(out)


def header_key(name: Any) -> str:
    # "所在国家（地区）" and "所在国家或地区" are the same header to a person.
    return re.sub(r"[\s（）()\[\]【】：:*/／、\-_或及和]", "", normalize(str(name))).lower()


def column_lookup(columns: list[Column]) -> dict[str, Column]:
    """Header text -> column, by id, label or alias (case, width and spaces ignored)."""
    keys: dict[str, Column] = {}
    for c in columns:
        for name in (c.id, c.label, *c.aliases):
            if name:
                keys.setdefault(header_key(name), c)
    return keys


def parse_matrix(q: Question, raw: Any) -> Parsed:
    """A dict {row: {col: n}} (ids or labels), or text of numbers in row order, or 无 (all zero)."""
    zero = {r.id: {c.id: 0 for c in q.cols} for r in q.rows}
    if raw is None or (isinstance(raw, str) and is_none_word(raw)):
        return Parsed(zero)
    n_cells = len(q.rows) * len(q.cols)
    if isinstance(raw, str):
        nums = re.findall(r"[^\s,，;；、]+", normalize(raw))
        # Row names typed between the numbers ("国际 0 1 国家 2 3 ...") are allowed and ignored.
        nums = [x for x in nums if re.search(r"\d", x) or not _match_option(q.rows, x)]
        if len(nums) != n_cells:
            raise InputError(f"请按行依次填写 {n_cells} 个整数（{'、'.join(r.label for r in q.rows)}各填{'、'.join(c.label for c in q.cols)}），现在是 {len(nums)} 个。")
        it = iter(nums)
        raw = {r.id: {c.id: next(it) for c in q.cols} for r in q.rows}
    if not isinstance(raw, dict):
        raise InputError("矩阵格式不对。")
    out = dict(zero)
    cell = Column(id="n", type="integer", min=0)
    for rk, cols in raw.items():
        r = _match_option(q.rows, str(rk))
        if r is None or not isinstance(cols, dict):
            raise InputError(f"没有“{rk}”这一行（可用：{'、'.join(x.label for x in q.rows)}）。")
        for ck, v in cols.items():
            c = _match_option(q.cols, str(ck))
            if c is None:
                raise InputError(f"没有“{ck}”这一列（可用：{'、'.join(x.label for x in q.cols)}）。")
            try:
                out[r.id] = {**out[r.id], c.id: parse_integer(cell, str(v)).value}
            except InputError as exc:
                raise InputError(f"{r.label}·{c.label}：{exc}") from None
    return Parsed(out)


def parse(q: Question, raw: Any) -> Parsed:
    """Parse raw input (typed text, or structured data from a file) for question q."""
    if q.calculated:
        raise InputError("本题由系统根据您填写的数据自动计算，无需填写。")
    if q.type == "list":
        return parse_rows(q, raw)
    if q.type == "matrix":
        return parse_matrix(q, raw)
    if isinstance(raw, bool) and q.type == "yesno":
        return Parsed(raw)
    text = "" if raw is None else str(raw)
    if not text.strip():
        raise InputError("本题不能为空；如确无相关情况，请填写“无”。" if q.type in ("text", "longtext") else "请填写本题。")
    if q.type == "yesno":
        return parse_yesno(q, text)
    return _SCALAR[q.type](q, text)

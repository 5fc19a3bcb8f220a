"""Forgiving input, strict results: turn what a person types into a canonical stored value.

Every refusal raises InputError with a Chinese message saying what was wrong and what is expected.
Stored forms: text -> str; integer -> int; decimal/percent -> "12.50" (or "无"); yesno -> bool;
choice -> option id; date -> "YYYY-MM-DD"; list -> [{column: value}]; matrix -> {row: {col: int}}.

Never guess: a comma that is not a thousands separator is refused for integers and read as a decimal comma
(confirmed) for decimals and percentages; an approximate figure ("约3000", "80%左右") is confirmed; a figure
that says "more/less than" ("3000多") is refused; "不清楚" raises Unsure so the conversation can offer 稍后.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import mul
from typing import Any

from assistant.errors import InputError
from assistant.form.expr import count_chars
from assistant.form.flow import Column, Option, Question
from assistant.form.override import _EXAMPLE, BASIS_MAX, COMPUTED, TYPED

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
             "公顷": Decimal("0.01"), "亩": Decimal(1) / Decimal(1500), "万亩": Decimal(10000) / Decimal(1500),
             "平方米": Decimal("0.000001"),
             "m2": Decimal("0.000001"), "万平方米": Decimal("0.01")},
}
_COUNT_SUFFIXES = ("个", "家", "人", "名", "项", "件", "条", "户")
# Words around a figure. Approximate ones are confirmed; "more/less than" ones are refused (the form wants the figure).
APPROX_PREFIXES = ("大约", "大概", "约为", "约合", "约", "差不多", "估计", "预计", "将近", "接近", "近")
APPROX_SUFFIXES = ("左右", "上下", "前后")
NOT_EXACT_WORDS = ("多", "余", "以上", "以下", "超过", "不到", "不足", "至少", "最多", "不止", "出头")
# "I don't know yet": any of these in a short answer without digits.
UNSURE_WORDS = ("不清楚", "不太清楚", "不大清楚", "不知道", "不晓得", "还没统计", "没统计", "未统计", "没有统计",
                "待统计", "统计中", "不确定", "不太确定", "说不准", "不记得", "记不清", "忘了", "不详", "未知",
                "查一下", "待查", "待定", "没数", "没有数据", "暂无数据")
# Words that may stand between the figures of a matrix ("国家标准 主持 1 项") and mean nothing by themselves.
MATRIX_FILLERS = ("标准", "数量", "项", "个", "件", "条", "类", "分别", "各", "为", "是", "有", "和", "及", "共")
_NUM = re.compile(r"^([+-]?)(\d[\d, ]*(?:\.\d+)?|\.\d+)(.*)$")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters nobody sees (zero-width space and joiners, BOM, soft hyphen, direction marks) that a copy
# from a web page or a spreadsheet cell carries into a code or a figure: read as what is visible.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
MAX_DIGITS = 15  # digits before the decimal point: no figure on a form comes near 10^15
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_INDEX = {ch: i for i, ch in enumerate(_CREDIT_CHARS)}
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class RowProblem:
    """One refused cell or row of a list: row counted from 1 in what was given, column label if known."""
    row: int
    message: str  # the reason, without the row number
    column: str = ""


class RowsError(InputError):
    """Rows of a list were refused; each problem keeps its row, so a front end numbers rows its own way
    (the table's rows, a spreadsheet's rows) without rewriting the text."""

    def __init__(self, problems: list[RowProblem], more: bool = False):
        self.problems, self.more = problems, more
        super().__init__(self.render())

    def render(self, number: Callable[[int], int] = lambda n: n) -> str:
        lines = [f"第 {number(p.row)} 行：{p.message}" for p in self.problems]
        return "\n".join(lines) + ("\n……（仅显示前 20 个问题）" if self.more else "")


class Unsure(InputError):
    """The person does not know the figure yet ("不清楚"): nothing is stored; the conversation offers 稍后."""


@dataclass
class Parsed:
    value: Any
    note: str = ""  # shown back: a unit conversion, rounding, an assumption
    confirm: bool = False  # set by each parser: the reading must be confirmed before it is stored
    echo: list[list[str]] | None = None  # what was read, as a small table (header row first)


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), invisible characters dropped, trimmed, so "１２．５％" reads as
    "12.5%", a non-breaking space as a space, and "9131\u200b0000…" as the code that is seen."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(text))).strip()


def _refuse_invisible(text: str) -> None:
    """Text made only of characters nobody sees (a stray zero-width space) is no answer: say so."""
    if text.strip() and not normalize(text):
        raise InputError("这里只有看不见的字符（如零宽空格），没有内容：请重新输入；如确无相关情况，请填写“无”。")


def is_none_word(text: str) -> bool:
    return normalize(text).lower().rstrip("。.") in NONE_WORDS


def is_unsure(text: str) -> bool:
    """"不清楚" / "还没统计" / "这个我不知道": a short answer without figures saying the figure is not known."""
    s = normalize(text).lower()
    return len(s) <= 20 and not re.search(r"\d", s) and any(w in s for w in UNSURE_WORDS)


def _refuse_unsure(text: str) -> None:
    if is_unsure(text):
        raise Unsure(f"“{text.strip()}”：还不清楚也没关系，本题先不记录，可以输入“稍后”先填下一题，查到后再补。")


def _approx(text: str) -> tuple[str, str]:
    """Strip words of approximation: ("约3000人" -> "3000人", "约"). Words saying "more/less than" are refused."""
    s = normalize(text)
    if re.search(r"\d", s):
        bad = next((w for w in NOT_EXACT_WORDS if w in s), None)
        if bad:
            raise InputError(f"“{text.strip()}”不是确切的数（“{bad}”）：表格要填确切的数字，请填写具体数值；"
                             "还没统计好可以输入“稍后”，先填下一题。")
    word = ""
    for w in APPROX_PREFIXES:
        if s.startswith(w):
            s, word = s[len(w):].strip(), w
            break
    for w in APPROX_SUFFIXES:
        if s.endswith(w):
            s, word = s[:-len(w)].strip(), word or w
            break
    return s, word


def _approx_note(text: str) -> str:
    return f"“{text.strip()}”是个约数；表格只填数字。"


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


_PLACES_CN = {1: "一", 2: "两", 3: "三", 4: "四"}


def rounding_note(places: int, recorded: str) -> str:
    """What is said whenever a typed figure has more decimals than the form keeps: never rounded in silence."""
    kept = "取整数" if places <= 0 else f"保留{_PLACES_CN.get(places, f' {places} ')}位小数"
    return f"按表格{kept}（四舍五入），记录为 {recorded}。"


def _digits(raw: str, text: str, decimal_comma: bool) -> tuple[str, bool]:
    """Check the separators inside a figure: thousands every three digits ("98,765.43", "3 200") are dropped;
    any other comma is a decimal comma where allowed (returned True: to be confirmed), else refused."""
    whole, dot, frac = raw.partition(".")
    if "," not in whole and " " not in whole:
        return raw, False
    if re.fullmatch(r"[1-9]\d{0,2}(,\d{3})+", whole) or re.fullmatch(r"[1-9]\d{0,2}( \d{3})+", whole):
        return whole.replace(",", "").replace(" ", "") + dot + frac, False
    if "," not in whole:
        raise InputError(f"“{text.strip()}”的数字中间有空格，看不出是一个数还是几个数：请去掉空格再输入。")
    if decimal_comma and not dot and whole.count(",") == 1 and " " not in whole:
        a, b = whole.split(",")
        return f"{a}.{b}", True
    if decimal_comma:
        raise InputError(f"“{text.strip()}”中的逗号看不明白：千位分隔应每三位一个逗号（如 98,765.43），"
                         "小数点请用“.”（如 12.5）。")
    raise InputError(f"“{text.strip()}”中的逗号不是千位分隔符（千位分隔是每三位一个逗号，如 3,200）："
                     "本题填整数，请直接写数字，例如 3000。")


def _split_number(text: str, *, decimal_comma: bool = False) -> tuple[Decimal, str, bool]:
    """'-1,234.5万元' -> (Decimal('-1234.5'), '万元', False). Only valid thousands separators are dropped;
    with decimal_comma, '12,5' reads 12.5 and the third item is True (the reading must be confirmed)."""
    s = normalize(text)
    s = s.replace("负", "-", 1) if s.startswith("负") else s
    m = _NUM.match(s)
    if not m:
        raise InputError(f"“{text.strip()}”不是一个数字。")
    sign, raw, rest = m.groups()
    tail = len(raw) - len(raw.rstrip(", "))
    raw, rest = raw[:len(raw) - tail], raw[len(raw) - tail:] + rest
    digits, used_comma = _digits(raw, text, decimal_comma)
    whole = digits.partition(".")[0].lstrip("0")
    if len(whole) > MAX_DIGITS:  # before any arithmetic: no Decimal operation meets a number this long
        raise InputError(f"“{_cut(text)}”有 {len(whole)} 位整数，太大了：请检查是否多输入了几位数字，或者单位是否写对。")
    try:
        value = Decimal(sign + digits)
    except InvalidOperation:
        raise InputError(f"“{text.strip()}”不是一个数字。") from None
    return value, rest.replace(" ", "").strip(","), used_comma


def _cut(text: str, n: int = 30) -> str:
    s = text.strip()
    return s if len(s) <= n else s[:n] + "…"


def _comma_note(text: str, value: Decimal) -> str:
    return f"把“{text.strip()}”中的逗号当作小数点，读作 {format(value, 'f')}。"


def bound_text(x: float) -> str:
    """A bound of the form as written (10000000, not 1e+07; 0.5)."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _unit(q: Question | Column) -> str:
    return "%" if q.type == "percent" else (getattr(q, "unit", "") or "")


def range_problem(q: Question | Column, value: Decimal, shown: str) -> str:
    """Why value is outside the form's range for q ("" when inside): no report can hold it."""
    unit = _unit(q)
    lo, hi = q.min, q.max
    if lo is not None:
        excl = getattr(q, "min_exclusive", False)
        if (value <= Decimal(str(lo))) if excl else (value < Decimal(str(lo))):
            if lo == 0 and not excl:
                return f"{shown} 不能是负数。"
            bound = f"大于 {bound_text(lo)}" if excl else f"不小于 {bound_text(lo)}"
            return f"{shown} 超出范围：本题应{bound}{unit}。"
    if hi is not None and value > Decimal(str(hi)):
        return f"{shown} 超出范围：本题最大为 {bound_text(hi)}{unit}，请检查数字的位数和单位。"
    return ""


def _check_range(q: Question | Column, value: Decimal, shown: str) -> None:
    why = range_problem(q, value, shown)
    if why:
        raise InputError(why)


def implausible(q: Question | Column, value: Decimal, shown: str) -> str:
    """Why value, within the range, is beyond what a real report holds ("" when it is not): confirmed
    when typed, said when read from a file, a warning in the check."""
    unit = _unit(q)
    lo, hi = getattr(q, "plausible_min", None), getattr(q, "plausible_max", None)
    if hi is not None and value > Decimal(str(hi)):
        return f"{shown}，超出了一般的范围（通常不超过 {bound_text(hi)}{unit}），请核对数字的位数和单位。"
    if lo is not None and value < Decimal(str(lo)):
        return f"{shown}，低于一般的范围（通常不低于 {bound_text(lo)}{unit}），请核对。"
    return ""


def parse_integer(q: Question | Column, text: str) -> Parsed:
    if is_none_word(text):
        return Parsed(0)  # said back as "已记录：0"
    _refuse_unsure(text)
    core, approx = _approx(text)
    value, rest, _ = _split_number(core)
    notes = [_approx_note(text)] if approx else []
    converted = False
    if rest.startswith("万"):
        value, rest, converted = value * 10000, rest[1:], True
        notes.append(f"已将“{core}”换算为 {value:.0f}。")
    rest = rest.rstrip("".join(_COUNT_SUFFIXES)).strip()
    if rest:
        raise InputError(f"看不懂“{text.strip()}”中的“{rest}”：本题请填写一个整数，例如 35。")
    if value != value.to_integral_value():
        raise InputError(f"{format(value, 'f')} 不是整数：本题是数量，请填写整数，例如 35。")
    _check_range(q, value, format(value, "f"))
    odd = implausible(q, value, format(value, "f") + _unit(q))
    notes += [odd] if odd else []
    return Parsed(int(value), "".join(notes), confirm=bool(approx) or converted or bool(odd))


def parse_decimal(q: Question | Column, text: str) -> Parsed:
    if is_none_word(text):
        return Parsed(NONE_TEXT)
    _refuse_unsure(text)
    core, approx = _approx(text)
    value, rest, comma = _split_number(core, decimal_comma=True)
    unit = getattr(q, "unit", "") or ""
    places = getattr(q, "places", 2)
    notes = [_approx_note(text)] if approx else []
    if comma:
        notes.append(_comma_note(core, value))
    converted = False
    if rest:
        factors = _UNIT_FACTORS.get(unit, {unit: Decimal(1)} if unit else {})
        key = rest.lower() if rest.lower() in factors else rest
        if key not in factors:
            expected = f"本题单位是{unit}" if unit else "本题只需填写数字"
            raise InputError(f"无法识别单位“{rest}”：{expected}，例如 12.5{unit}。")
        factor = factors[key]
        if factor != 1:
            converted = True
            new = value * factor
            if _quantize(new, places) == new:
                notes.append(f"已将“{format(value, 'f')}{rest}”换算为 {format_decimal(new, places)} {unit}。")
            else:
                notes.append(f"已将“{format(value, 'f')}{rest}”换算为 {format(new.normalize(), 'f')} {unit}，"
                             + rounding_note(places, f"{format_decimal(new, places)} {unit}"))
            value = new
    rounded = _quantize(value, places)
    if not converted and rounded != value:
        said = f"{format_decimal(rounded, places)} {unit}".strip()
        notes.append(f"您填写的 {format(value, 'f')} " + rounding_note(places, said))
    _check_range(q, rounded, f"{format_decimal(rounded, places)}{unit}")
    odd = implausible(q, rounded, f"{format_decimal(rounded, places)}{unit}")
    notes += [odd] if odd else []
    return Parsed(format_decimal(rounded, places), "".join(notes), confirm=bool(approx) or comma or converted or bool(odd))


_FALL_WORDS = ("下降", "减少", "降低")
_RISE_WORDS = ("增长", "增加", "提高", "上升")


def parse_percent(q: Question | Column, text: str) -> Parsed:
    if is_none_word(text):
        return Parsed(NONE_TEXT)
    _refuse_unsure(text)
    s, approx = _approx(text)
    sign = ""
    change = getattr(q, "change", None)
    word = next((w for w in (*_FALL_WORDS, *_RISE_WORDS) if s.startswith(w)), None)
    if word is not None:
        if change is None:  # a level (a share, a rate): "增长3%" could be the rate or its change
            raise InputError(f"“{text.strip()}”说的是变化；本题填的是比率本身，请直接填写数值，如 15 或 15%。")
        fell = word in _FALL_WORDS
        s = s[len(word):].strip()
        if s.startswith(("-", "－", "+", "＋")):
            raise InputError(f"“{text.strip()}”既写了“{word}”又写了正负号，请只用一种写法。")
        sign = "-" if fell == (change == "growth") else ""
    s, approx2 = _approx(s)  # "下降约3%"
    approx = approx or approx2
    if s.startswith("百分之"):
        s = s[3:].strip() + "%"
    value, rest, comma = _split_number(sign + s, decimal_comma=True)
    had_percent = rest in ("%", "‰", "个百分点")
    if rest == "‰":
        value = value / 10
    elif rest and not had_percent:
        raise InputError(f"看不懂“{text.strip()}”中的“{rest}”：本题是百分比，请填写如 15 或 15%。")
    places = getattr(q, "places", 2)
    rounded = _quantize(value, places)
    notes = [_approx_note(text)] if approx else []
    if word is not None and change == "reduction":  # the sign is the form's, not the word's: say which
        notes.append(f"本题比上年降低填正数、不降反升填负数：“{word}”按 {format_decimal(rounded, places)}% 记录。")
    if comma:
        notes.append(_comma_note(s, value))
    fraction = not had_percent and value != 0 and -1 < value < 1
    if fraction:
        notes.append(f"按 {format_decimal(rounded, places)}% 记录；如果您指的是 {format_decimal(value * 100, places)}%，"
                     f"请直接输入 {format_decimal(value * 100, places)}。")
    elif rounded != value:
        notes.append(f"您填写的 {format(value, 'f')}% " + rounding_note(places, f"{format_decimal(rounded, places)}%"))
    _check_range(q, rounded, f"{format_decimal(rounded, places)}%")
    odd = implausible(q, rounded, f"{format_decimal(rounded, places)}%")
    notes += [odd] if odd else []
    return Parsed(format_decimal(rounded, places), "".join(notes),
                  confirm=bool(approx) or comma or fraction or bool(odd))


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
    _refuse_unsure(text)
    raise InputError("请回答“是”或“否”（也可以输入 y / n）。")


def parse_choice(q: Question | Column, text: str) -> Parsed:
    o = _match_option(q.options, text)
    if o is None:
        _refuse_unsure(text)
        raise InputError(f"“{text.strip()}”不是可选项。请从以下选项中选择（可输入序号）：{_options_text(q.options)}。")
    return Parsed(o.id)


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(q: Question | Column, text: str) -> Parsed:
    _refuse_unsure(text)
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
    """An 11-digit mobile, or a landline with its area code: 010 and 02x take 8-digit numbers, other
    0xxx codes 7 or 8; an extension may follow "-" or "转". Stored as 13912345678 or 021-55550123[-801]."""
    _refuse_unsure(text)
    shown = text.strip()
    s = normalize(text).replace(" ", "").replace("—", "-").replace("－", "-").replace("–", "-")
    m = re.match(r"^(\+86|0086|86(?=-?1[3-9]\d{9}$))-?", s)
    if m:  # international form: the area code loses its 0 ("+86 21 5555 0123")
        s = s[m.end():]
        s = s if re.match(r"1[3-9]", s) or s.startswith("0") else "0" + s
    s = re.sub(r"^\((0\d{2,3})\)-?", r"\1-", s)
    said = re.search(r"-?(转|分机|ext\.?|x)(\d{1,6})$", s, flags=re.IGNORECASE)  # "转 8": the extension, said
    if said:
        s = s[:said.start()]
    example = "请填写手机号（11 位）或带区号的座机（如 021-23117616）"
    if not re.fullmatch(r"[\d-]+", s):
        raise InputError(f"“{shown}”不像电话号码：{example}。")
    digits = s.replace("-", "")
    if _MOBILE.match(digits) and (s.count("-") == 0 or digits.startswith("1")):
        if said:
            raise InputError(f"“{shown}”：手机号没有分机号，请只填 11 位手机号，或填带区号的座机和分机。")
        return Parsed(digits)
    if not digits.startswith("0"):
        if len(digits) in (7, 8) and digits[0] in "23456789":
            raise InputError(f"“{shown}”没有区号：表上的电话号码要能直接拨通，请加上区号，例如 021-{digits}。")
        raise InputError(f"“{shown}”不像电话号码：{example}。")
    parts = [x for x in s.split("-") if x]
    if len(parts) == 1:  # no dashes: the code's length follows from its second digit
        code = digits[:3] if len(digits) > 1 and digits[1] in "12" else digits[:4]
        tail = [digits[len(code):]]
    else:
        code, tail = parts[0], parts[1:]
    big = len(code) > 1 and code[1] in "12"  # 010 and 02x: the large cities, 8-digit numbers
    if not re.fullmatch(r"0\d{2,3}", code) or len(code) != (3 if big else 4):
        raise InputError(f"“{shown}”的区号看不明白：010 和 02x 开头的区号是 3 位（如 021），其他区号是 4 位（如 0571）。")
    lengths = (8,) if big else (7, 8)
    number, i = "", 0
    while i < len(tail) and len(number + tail[i]) <= max(lengths):
        number, i = number + tail[i], i + 1
    ext = "-".join(tail[i:])
    if said:
        if ext:
            raise InputError(f"“{shown}”的分机号看不明白：分机号写在号码后，如 021-55550123-801。")
        ext = said[2]
    if len(number) not in lengths or not number or number[0] not in "23456789":
        want = "8 位" if big else "7 或 8 位"
        number = number or (tail[0] if tail else "")
        raise InputError(f"“{shown}”的号码位数不对：区号 {code} 之后的号码应为 {want}，这里是 {len(number)} 位“{number}”。")
    if ext and not re.fullmatch(r"\d{1,6}", ext):
        raise InputError(f"“{shown}”的分机号看不明白：分机号写在号码后，如 021-55550123-801。")
    return Parsed(f"{code}-{number}" + (f"-{ext}" if ext else ""))


def credit_check_char(code17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a credit code."""
    if len(code17) != 17:
        raise ValueError(code17)
    total = sum(map(mul, map(_CREDIT_INDEX.__getitem__, code17), _CREDIT_WEIGHTS))  # 10 000 codes per import
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def parse_uscc(q: Question | Column, text: str) -> Parsed:
    _refuse_unsure(text)
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
    _refuse_invisible(s)
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
    "uscc": parse_uscc,
}


def parse_cell(col: Column, raw: Any) -> Any:
    """One cell of a list row. Empty optional cells are stored as ""."""
    text = "" if raw is None else str(raw)
    if not text.strip():
        if col.required:
            raise InputError(f"“{col.label or col.id}”不能为空。")
        return ""
    _refuse_invisible(text)
    parsed = _SCALAR[col.type](col, text)
    if parsed.confirm:  # a cell has no turn of its own to confirm a reading in: say it and ask for the figure
        raise InputError(f"“{col.label or col.id}”：{parsed.note}表格中请直接填写确切的数值。")
    return parsed.value


def _split_line(line: str) -> list[str]:
    """The cells of one typed or pasted row: at Tab (Excel), else at |, else at the ASCII comma. Chinese
    punctuation (，、；：) is text of a cell, never a separator: "已完成，超额 5%" is one cell."""
    if "\t" in line:
        return line.split("\t")
    if "|" in line:
        return [c for c in line.strip().strip("|").split("|")]
    return line.split(",")


_OPEN, _CLOSE = "（([【《“‘「", "）)]】》”’」"


def _split_items(line: str) -> list[str]:
    """One column: "A、B；C" is three rows; separators inside brackets or quotes ("（设计、制造）") are kept."""
    items, cur, depth = [], "", 0
    for ch in line:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、，,；;\t|":
            items.append(cur)
            cur = ""
        else:
            cur += ch
    return [x.strip() for x in [*items, cur] if x.strip()]


_CELL_SEPARATORS = re.compile(r"[\t|,]")
_CHINESE_PUNCTUATION = re.compile(r"[，、；;]")


def split_text_rows(columns: int, text: str) -> list[list[str]]:
    """Rows typed or pasted as text, split the one way every front end uses: one column, "A、B；C" is
    three rows; several columns, one row per line, cells split at Tab, |, or the ASCII comma (never at
    ，、； : those are text of a cell)."""
    if columns == 1:
        return [[item] for line in text.splitlines() for item in _split_items(line)]
    return [_split_line(line) for line in text.splitlines() if line.strip()]


def parse_rows(q: Question, rows: Any, *, some: bool = False) -> Parsed:
    """Rows given as dicts by column id / label / alias, as lists in column order, or as text lines.

    some: only some of the rows (a line being entered): each row is checked, the table as a whole is not."""
    if rows is None or (isinstance(rows, str) and is_none_word(rows)):
        rows = []
    whole: set[int] = set()  # lines with Chinese punctuation but no cell separator: kept as one cell
    if isinstance(rows, str):
        if len(q.columns) > 1:
            lines = [line for line in rows.splitlines() if line.strip()]
            whole = {n for n, line in enumerate(lines, 1)
                     if _CHINESE_PUNCTUATION.search(line) and not _CELL_SEPARATORS.search(line)}
        rows = split_text_rows(len(q.columns), rows)
    if not isinstance(rows, list):
        raise InputError("名单应是若干行，每行若干列。")
    keys = column_lookup(q.columns)
    seen_keys: dict[Any, Column | None] = {}  # a 1 000-row list repeats its few headers: normalise each once
    out: list[dict[str, Any]] = []
    errors: list[RowProblem] = []
    for n, row in enumerate(rows, 1):
        if isinstance(row, dict):
            cells: dict[str, Any] = {}
            for k, v in row.items():
                ck = (type(k), k)  # 1 and True are equal keys but different headers
                if ck in seen_keys:
                    col = seen_keys[ck]
                else:
                    col = seen_keys[ck] = keys.get(header_key(k))
                if col is None:
                    names = "、".join(c.label or c.id for c in q.columns)
                    errors.append(RowProblem(n, f"没有名为“{k}”的列（可用列：{names}）。"))
                    continue
                cells[col.id] = v
        elif isinstance(row, (list, tuple)):
            if len(row) > len(q.columns):
                labels = "、".join(c.label for c in q.columns)
                errors.append(RowProblem(n, f"有 {len(row)} 列，但本名单只有 {len(q.columns)} 列（{labels}）。"))
                continue
            cells = {c.id: v for c, v in zip(q.columns, row, strict=False)}  # a short row leaves the last columns empty
        else:
            errors.append(RowProblem(n, "格式不对。"))
            continue
        parsed: dict[str, Any] = {}
        for col in q.columns:
            try:
                parsed[col.id] = parse_cell(col, cells.get(col.id))
            except InputError as exc:
                errors.append(RowProblem(n, str(exc), col.label or col.id))
        out.append(parsed)
        if len(errors) >= 20:
            break
    if errors:
        said: set[int] = set()
        for i, e in enumerate(errors):
            if e.row in whole and e.row not in said:
                said.add(e.row)
                first = q.columns[0].label or q.columns[0].id
                errors[i] = RowProblem(e.row, e.message + f"（这一行没有 Tab 或英文逗号“,”，整行都作为“{first}”：中文的“，、；”"
                                                     "是格子里的文字，不分列。各列之间请用 Tab 或英文逗号分隔；"
                                                     "写的是几项时，请每行只写一项。）", e.column)
        raise RowsError(errors[:20], more=len(errors) >= 20)
    if some:
        return Parsed(out)
    if len(out) < q.min_rows:
        raise InputError(f"本表至少需要 {q.min_rows} 行。")
    _check_preset(q, out)
    return Parsed(out)


def _check_preset(q: Question, rows: list[dict[str, Any]]) -> None:
    """The rows the form prints (preset_rows) stay, their printed cells unchanged: the document draws
    them where the official form has them, so a changed 指标 would silently drop a printed row."""
    if not q.preset_rows:
        return
    missing = [p for p in q.preset_rows if not any(all(r.get(k) == v for k, v in p.items()) for r in rows)]
    if missing:
        def shown(p: dict[str, Any]) -> str:
            cols = [c for c in q.columns if c.id in p]
            return "｜".join(next((o.label for o in c.options if o.id == p[c.id]), str(p[c.id])) if c.options
                            else str(p[c.id]) for c in cols)

        fixed = "、".join(c.label or c.id for c in q.columns if any(c.id in p for p in q.preset_rows))
        raise InputError(f"表格印好的行不能删除，其中的“{fixed}”也不能修改：{'；'.join(shown(p) for p in missing)} "
                         f"不见了或被改动。请只填写其余各列；其他指标请另加一行。")


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


def matrix_echo(q: Question, grid: dict[str, dict[str, Any]]) -> list[list[str]]:
    """The grid as a small table to show back: header (corner, column labels), then one line per row."""
    head = [q.corner or "", *(c.label or c.id for c in q.cols)]
    return [head, *([r.label or r.id, *(str(grid.get(r.id, {}).get(c.id, 0)) for c in q.cols)] for r in q.rows)]


_MATRIX_SEP = re.compile(r"[\s,;:=/|、。()\[\]]+")
_MATRIX_TOKEN = re.compile(r"[+-]?\d+(?:\.\d+)?|[^\d+\-.]+|[+\-.]")


def _matrix_tokens(q: Question, text: str) -> list[tuple[str, Any]]:
    """("row", Option) / ("col", Option) / ("num", "3") / ("none", "无") from text like "国家标准 主持1项，参与2"."""
    names: list[tuple[str, str, Any]] = []
    for kind, opts in (("row", q.rows), ("col", q.cols)):
        for o in opts:
            names += [(normalize(n).lower(), kind, o) for n in (o.label, *o.aliases) if n]
    names += [(w, "none", w) for w in ("无", "没有", "暂无")]
    names += [(w, "filler", w) for w in MATRIX_FILLERS]
    names.sort(key=lambda n: -len(n[0]))
    out: list[tuple[str, Any]] = []
    for chunk in _MATRIX_SEP.split(normalize(text).lower()):
        for tok in _MATRIX_TOKEN.findall(chunk):
            if re.match(r"[+-]?\d", tok):
                out.append(("num", tok))
                continue
            pos = 0
            while pos < len(tok):
                hit = next((n for n in names if tok.startswith(n[0], pos)), None)
                if hit is None:
                    raise InputError(f"看不懂“{tok[pos:]}”：本题只需写类别（{'、'.join(r.label for r in q.rows)}）"
                                     f"和数字，例如“{q.rows[-1].label} 1 2，{q.rows[0].label} 0 3”。")
                if hit[1] != "filler":
                    out.append((hit[1], hit[2]))
                pos += len(hit[0])
    return out


def _matrix_from_text(q: Question, text: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Cells as typed, by row and column id, and notes on cells not mentioned (recorded as 0).

    Either all numbers in row order, or every group of numbers named by its row ("国家 1 2，行业 3 5" in any
    order; within a row, numbers in column order or each named: "国家 参与 2 主持 1"). Anything else is refused,
    saying what was understood."""
    tokens = _matrix_tokens(q, text)
    rows_txt, cols_txt = "、".join(r.label for r in q.rows), "、".join(c.label for c in q.cols)
    n_cells = len(q.rows) * len(q.cols)
    how = (f"请按{rows_txt}的顺序填 {n_cells} 个整数（每类依次为{cols_txt}），"
           f"或写明类别，例如“{q.rows[-1].label} 1 2，{q.rows[0].label} 0 3”。")
    got: dict[str, dict[str, str]] = {}

    def understood() -> str:
        done = "；".join(f"{r.label} " + " ".join(f"{c.label}{got[r.id][c.id]}" for c in q.cols if c.id in got[r.id])
                        for r in q.rows if r.id in got)
        return f"已读到：{done}。" if done else ""

    if not any(k == "row" for k, _ in tokens):
        if any(k != "num" for k, _ in tokens):
            raise InputError(f"写了“{next(v.label for k, v in tokens if k == 'col')}”但没有写是哪一类标准。{how}"
                             if any(k == "col" for k, _ in tokens) else f"看不懂这个答案。{how}")
        nums = [v for _, v in tokens]
        if len(nums) != n_cells:
            raise InputError(f"读到 {len(nums)} 个数（{'、'.join(nums) or '无'}），本题需要 {n_cells} 个。{how}")
        it = iter(nums)
        return {r.id: {c.id: next(it) for c in q.cols} for r in q.rows}, []
    first = next(i for i, (k, _) in enumerate(tokens) if k == "row")
    if first:
        lead = " ".join(str(v) if k == "num" else getattr(v, "label", v) for k, v in tokens[:first])
        raise InputError(f"“{lead}”前面没有写类别：写了类别的答案，每组数字前都要写类别。{how}")
    notes: list[str] = []
    segments: list[tuple[Any, list[tuple[str, Any]]]] = []
    for k, v in tokens:
        if k == "row":
            segments.append((v, []))
        else:
            segments[-1][1].append((k, v))
    for row, seg in segments:
        if row.id in got:
            raise InputError(f"“{row.label}”写了两次。{understood()}{how}")
        kinds = {k for k, _ in seg}
        if not seg:
            raise InputError(f"“{row.label}”后面没有数字。{understood()}{how}")
        if kinds == {"none"}:
            got[row.id] = {c.id: "0" for c in q.cols}
        elif kinds == {"num"}:
            nums = [v for _, v in seg]
            if len(nums) != len(q.cols):
                raise InputError(f"“{row.label}”后面有 {len(nums)} 个数（{'、'.join(nums)}），应为 {len(q.cols)} 个"
                                 f"（{cols_txt}）。{understood()}{how}")
            got[row.id] = {c.id: n for c, n in zip(q.cols, nums, strict=True)}
        else:
            cells: dict[str, str] = {}
            i = 0
            while i < len(seg):
                k, v = seg[i]
                nxt = seg[i + 1] if i + 1 < len(seg) else None
                if k != "col" or nxt is None or nxt[0] != "num":
                    raise InputError(f"“{row.label}”后面的写法看不明白：要么依次写 {len(q.cols)} 个数，要么每个数前写明"
                                     f"“{'”或“'.join(c.label for c in q.cols)}”。{understood()}{how}")
                if v.id in cells:
                    raise InputError(f"“{row.label}”的“{v.label}”写了两次。{understood()}{how}")
                cells[v.id] = nxt[1]
                i += 2
            missing = [c.label for c in q.cols if c.id not in cells]
            if missing:
                notes.append(f"{row.label}没有写{'、'.join(missing)}，按 0 记录。")
            got[row.id] = {c.id: cells.get(c.id, "0") for c in q.cols}
    missing_rows = [r.label for r in q.rows if r.id not in got]
    if missing_rows:
        notes.append(f"没有提到{'、'.join(missing_rows)}，按 0 记录。")
    return {r.id: got.get(r.id, {c.id: "0" for c in q.cols}) for r in q.rows}, notes


def parse_matrix(q: Question, raw: Any) -> Parsed:
    """A dict {row: {col: n}} (ids or labels), text (see _matrix_from_text), or 无 (all zero).
    Typed text is always shown back as a table and confirmed before it is stored."""
    zero = {r.id: {c.id: 0 for c in q.cols} for r in q.rows}
    if raw is None or (isinstance(raw, str) and is_none_word(raw)):
        return Parsed(zero, "全部按 0 记录。", echo=matrix_echo(q, zero))
    notes: list[str] = []
    typed = isinstance(raw, str)
    if isinstance(raw, str):
        _refuse_unsure(raw)
        raw, notes = _matrix_from_text(q, raw)
    if not isinstance(raw, dict):
        raise InputError("矩阵格式不对。")
    out = dict(zero)
    cell = Column(id="n", type="integer", min=0, max=q.max, label="数量")
    for rk, cols in raw.items():
        r = _match_option(q.rows, str(rk))
        if r is None or not isinstance(cols, dict):
            raise InputError(f"没有“{rk}”这一行（可用：{'、'.join(x.label for x in q.rows)}）。")
        for ck, v in cols.items():
            c = _match_option(q.cols, str(ck))
            if c is None:
                raise InputError(f"没有“{ck}”这一列（可用：{'、'.join(x.label for x in q.cols)}）。")
            try:
                out[r.id] = {**out[r.id], c.id: parse_cell(cell, v)}
            except InputError as exc:
                raise InputError(f"{r.label}·{c.label}：{exc}") from None
    return Parsed(out, "".join(notes), confirm=typed, echo=matrix_echo(q, out))


def parse(q: Question, raw: Any) -> Parsed:
    """Parse raw input (typed text, or structured data from a file) for question q."""
    if q.calculated:
        raise InputError("本题由系统根据您填写的数据自动计算，无需填写。")
    if q.override:  # a computed value the operator accepts, or replaces with a figure and its basis
        return parse_override(q, raw)
    if q.type == "list":
        return parse_rows(q, raw)
    if q.type == "matrix":
        return parse_matrix(q, raw)
    if isinstance(raw, bool) and q.type == "yesno":
        return Parsed(raw)
    text = "" if raw is None else str(raw)
    if not text.strip():
        raise InputError("本题不能为空；如确无相关情况，请填写“无”。" if q.type in ("text", "longtext") else "请填写本题。")
    _refuse_invisible(text)
    if q.type == "yesno":
        return parse_yesno(q, text)
    return _SCALAR[q.type](q, text)


# Digits are left out: "1" on a numeric question is a figure, not a yes.
ACCEPT_WORDS = {w for w in YES_WORDS if not w.isdigit()} | {
    "采用", "采用计算值", "用计算值", "计算值", "接受", "同意", "好", "好的", "可以", "accept", "computed"}


_KEYWORD = re.compile(r"(?:数据)?(?:依据|根据|来源|出处)|basis", re.IGNORECASE)


_PAREN = re.compile(r"^(?P<num>[^（(]+?)\s*[（(](?P<basis>.+)[）)]\s*$")


_LEAD = re.compile(r"^(?P<num>[-+－]?[\d.,．，]+)\s*[，,；;、:：\s]\s*(?P<basis>.+)$")


def _parse_typed(q: Question, number: str, basis: str) -> Parsed:
    if is_none_word(number):
        raise InputError("本题需要一个数字；如采用助手的计算值，请输入“是”。")
    number_parsed = parse_decimal(q, number)
    value = number_parsed.value
    basis = " ".join(clean_text(basis).split()).strip(" ：:，,。")
    if not basis:
        raise InputError(f"请写明 {value} 的依据（数据来源和口径），例如“{_EXAMPLE}”。")
    if len(basis) > BASIS_MAX:
        raise InputError(f"依据太长：最多 {BASIS_MAX} 个字，现在是 {len(basis)} 个字。")
    odd = implausible(q, Decimal(value), f"{value}{q.unit}") if value != NONE_TEXT else ""
    reading = number_parsed.note.replace(odd, "")  # a figure beyond the usual range is said, its basis given
    if number_parsed.confirm and reading:  # a reading to confirm (a conversion, a decimal comma): ask for it plainly
        raise InputError(f"{reading}如无误，请输入“{value} 依据：{basis}”。")
    note = f"{number_parsed.note}\n" if number_parsed.note else ""
    return Parsed({"source": TYPED, "value": value, "basis": basis}, f"{note}记录为您填写的数字 {value}，依据：{basis}。")


def parse_override(q: Question, raw: Any) -> Parsed:
    """Typed text ("是" / "45.2 依据：……") or structured data from a file (the stored form)."""
    if isinstance(raw, dict):
        keys = set(raw)
        source = raw.get("source", TYPED if "value" in raw else None)
        if source == COMPUTED and keys <= {"source"}:
            return Parsed({"source": COMPUTED})
        if source == TYPED and keys <= {"source", "value", "basis"} and isinstance(raw.get("basis"), str) \
                and isinstance(raw.get("value"), (str, int, float, Decimal)) and not isinstance(raw.get("value"), bool):
            return _parse_typed(q, str(raw["value"]), raw["basis"])
        raise InputError("格式不对：应为 {source: computed}（采用计算值），或 {source: typed, value: 数字, basis: 依据}。")
    if raw is True:
        return Parsed({"source": COMPUTED})
    if raw is None or isinstance(raw, bool):
        raise InputError("请回答“是”采用计算值，或输入数字和依据。")
    if normalize(str(raw)).lower().rstrip("。.!！") in ACCEPT_WORDS or not str(raw).strip():
        return Parsed({"source": COMPUTED}, "采用助手的计算值。")
    text = str(raw).strip()  # the basis is kept as typed: only the number is normalised
    kw = _KEYWORD.search(text)
    if kw and kw.start() > 0:
        return _parse_typed(q, text[:kw.start()].strip(" ，,；;。、"), text[kw.end():].lstrip(" :：为是"))
    for pattern in (_PAREN, _LEAD):
        m = pattern.match(text)
        if m:
            return _parse_typed(q, m["num"].strip(), m["basis"])
    try:
        value = parse_decimal(q, text).value
    except InputError:
        raise InputError(f"看不懂“{text}”：采用助手的计算值请输入“是”；填写其他数字请写明依据，例如“{_EXAMPLE}”。") from None
    if value == NONE_TEXT:
        raise InputError("本题需要一个数字；如采用助手的计算值，请输入“是”。")
    raise InputError(f"请同时写明 {value} 的依据（数据来源和口径），例如“{_EXAMPLE}”。"
                     "如采用助手的计算值，请输入“是”。")

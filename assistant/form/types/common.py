"""Reading helpers every question type shares: normalising typed text, words for none / yes / no / not known,
figures with their separators and approximation words, rounding, and the words a refusal uses for a value."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from msgspec import Struct

from assistant.errors import InputError
from assistant.form.shapes import Stored
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.form.flow import Option

NONE_WORDS = {"无", "没有", "暂无", "无相关情况", "none", "无。", "没有。", "/"}
NONE_TEXT = "无"
YES_WORDS = {"是", "是的", "对", "对的", "y", "yes", "1", "√", "✓", "确认"}
NO_WORDS = {"否", "不是", "不", "不对", "n", "no", "0", "×", "x"}
# Words around a figure. Approximate ones are confirmed; "more/less than" ones are refused (the form wants the figure).
APPROX_PREFIXES = ("大约", "大概", "约为", "约合", "约", "差不多", "估计", "预计", "将近", "接近", "近")
APPROX_SUFFIXES = ("左右", "上下", "前后")
NOT_EXACT_WORDS = ("多", "余", "以上", "以下", "超过", "不到", "不足", "至少", "最多", "不止", "出头")
# "I don't know yet": any of these in a short answer without digits.
UNSURE_WORDS = ("不清楚", "不太清楚", "不大清楚", "不知道", "不晓得", "还没统计", "没统计", "未统计", "没有统计",
                "待统计", "统计中", "不确定", "不太确定", "说不准", "不记得", "记不清", "忘了", "不详", "未知",
                "查一下", "待查", "待定", "没数", "没有数据", "暂无数据")
_NUM = pattern(r"^([+-]?)(\d[\d, ]*(?:\.\d+)?|\.\d+)(.*)$")
_CTRL = pattern(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Characters nobody sees (zero-width space and joiners, BOM, soft hyphen, direction marks) that a copy
# from a web page or a spreadsheet cell carries into a code or a figure: read as what is visible.
_INVISIBLE = pattern("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
MAX_DIGITS = 15  # digits before the decimal point: no figure on a form comes near 10^15
MAX_INT = 10**15  # larger than any count on a form; keeps every integer far below Python's int-string limit
MAX_NUMBER_CHARS = 200  # a number, date, phone, code or option typed longer than this is not one
DECIMAL = pattern(r"-?\d{1,20}(\.\d{1,6})?")  # a stored decimal or percent



class RowProblem(Struct, frozen=True):
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


class Parsed(Struct):
    value: Stored
    note: str = ""  # shown back: a unit conversion, rounding, an assumption
    confirm: bool = False  # set by each parser: the reading must be confirmed before it is stored
    echo: list[list[str]] | None = None  # what was read, as a small table (header row first)


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), invisible characters dropped, trimmed, so "１２．５％" reads as
    "12.5%", a non-breaking space as a space, and "9131\u200b0000…" as the code that is seen."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(text))).strip()


def refuse_invisible(text: str) -> None:
    """Text made only of characters nobody sees (a stray zero-width space) is no answer: say so."""
    if text.strip() and not normalize(text):
        raise InputError("这里只有看不见的字符（如零宽空格），没有内容：请重新输入；如确无相关情况，请填写“无”。")


def is_none_word(text: str) -> bool:
    return normalize(text).lower().rstrip("。.") in NONE_WORDS


def is_unsure(text: str) -> bool:
    """"不清楚" / "还没统计" / "这个我不知道": a short answer without figures saying the figure is not known."""
    s = normalize(text).lower()
    return len(s) <= 20 and not re.search(r"\d", s) and any(w in s for w in UNSURE_WORDS)


def refuse_unsure(text: str) -> None:
    if is_unsure(text):
        raise Unsure(f"“{text.strip()}”：还不清楚也没关系，本题先不记录，可以输入“稍后”先填下一题，查到后再补。")


def approx(text: str) -> tuple[str, str]:
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


def approx_note(text: str) -> str:
    return f"“{text.strip()}”是个约数；表格只填数字。"


def clean_text(text: str) -> str:
    """Drop control characters Word cannot store; keep line breaks and tabs."""
    return _CTRL.sub("", text)


def quantize(value: Decimal, places: int) -> Decimal:
    try:
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than Decimal keeps: no figure on this form is that large
        raise InputError("这个数值太大了，请检查是否多输入了几位数字，或者单位是否写对。") from None


def format_decimal(value: Decimal, places: int = 2) -> str:
    return f"{quantize(value, places):.{places}f}"


_PLACES_CN = {1: "一", 2: "两", 3: "三", 4: "四"}


def places_words(places: int) -> str:
    """"保留两位小数" / "取整数": how the form's precision is said to a person."""
    return "取整数" if places <= 0 else f"保留{_PLACES_CN.get(places, f' {places} ')}位小数"


def rounding_note(places: int, recorded: str) -> str:
    """What is said whenever a typed figure has more decimals than the form keeps: never rounded in silence."""
    return f"按表格{places_words(places)}（四舍五入），记录为 {recorded}。"


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


def split_number(text: str, *, decimal_comma: bool = False) -> tuple[Decimal, str, bool]:
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
        raise InputError(f"“{cut(text)}”有 {len(whole)} 位整数，太大了：请检查是否多输入了几位数字，或者单位是否写对。")
    try:
        value = Decimal(sign + digits)
    except InvalidOperation:
        raise InputError(f"“{text.strip()}”不是一个数字。") from None
    return value, rest.replace(" ", "").strip(","), used_comma


def cut(text: str, n: int = 30) -> str:
    s = text.strip()
    return s if len(s) <= n else s[:n] + "…"


def comma_note(text: str, value: Decimal) -> str:
    return f"把“{text.strip()}”中的逗号当作小数点，读作 {format(value, 'f')}。"


def bound_text(x: float) -> str:
    """A bound of the form as written (10000000, not 1e+07; 0.5)."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def match_option(options: list[Option], text: str) -> Option | None:
    s = normalize(text).lower().rstrip("。.")
    for o in options:
        if s in (o.id.lower(), normalize(o.label).lower()) or s in (normalize(a).lower() for a in o.aliases):
            return o
    if s.isdigit() and 1 <= int(s) <= len(options):
        return options[int(s) - 1]
    hits = [o for o in options if s and (s in normalize(o.label).lower())]
    return hits[0] if len(hits) == 1 else None


def options_text(options: list[Option]) -> str:
    return "、".join(f"{i}. {o.label or o.id}" for i, o in enumerate(options, 1))


def shown_value(value: object, limit: int = 40) -> str:
    """Any value as printable text for a message: unencodable characters escaped, long text cut."""
    text = value if isinstance(value, str) else repr(value)
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "…"


def kind_of(value: object) -> str:
    """What a file gave, in words."""
    if value is None:
        return "空值（null）"
    if isinstance(value, bool):
        return f"“{str(value).lower()}”（是/否值）"
    if isinstance(value, (int, float)):
        return f"数字（{shown_value(value)}）"
    if isinstance(value, str):
        return f"文字“{shown_value(value)}”"
    if isinstance(value, (list, tuple)):
        return f"列表（{len(value)} 项）"
    if isinstance(value, dict):
        return "映射（键值对）"
    if isinstance(value, (bytes, bytearray)):
        return "二进制数据（!!binary）"
    if isinstance(value, datetime):
        return f"日期时间（{value.isoformat()}）"
    if isinstance(value, date):
        return f"日期（{value.isoformat()}）"
    return f"无法识别的值（{type(value).__name__}）"


def check_text(text: str) -> None:
    """Refuse text that cannot be saved as UTF-8 (a lone surrogate from a JSON escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"含有无法保存的字符（U+{ord(text[exc.start]):04X}，第 {exc.start + 1} 个字符），"
                         "请删去后重试。") from None


def scalar_cell(where: str, name: str, v: object) -> str | int | float | None:
    """One value of a row or a grid from a file, before it is read: a scalar (a date as its ISO text)."""
    if v is None:
        return None  # an empty cell: parse_cell decides whether the column may be empty
    if isinstance(v, str):
        check_text(v)
        return v
    if isinstance(v, bool):
        raise InputError(f"{where}“{name}”：{kind_of(v)}不能作为本列的值。")
    if isinstance(v, int):
        if abs(v) > MAX_INT:
            raise InputError(f"{where}“{name}”：数字位数太多（{len(str(abs(v)))} 位）。")
        return v
    if isinstance(v, float):
        if not math.isfinite(v):
            raise InputError(f"{where}“{name}”：{shown_value(v)} 不是有限的数字。")
        return v
    if isinstance(v, date) and not isinstance(v, datetime):
        return v.isoformat()
    raise InputError(f"{where}“{name}”应是一个值，收到的是{kind_of(v)}。")

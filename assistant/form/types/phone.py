"""phone: an 11-digit mobile or a landline with its area code (and an extension), as printed on the form."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.types.base import QuestionType
from assistant.form.types.common import Parsed, normalize, refuse_unsure
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field

_MOBILE = pattern(r"^1[3-9]\d{9}$")


class Phone(QuestionType):
    name = "phone"
    words = "一个电话号码"
    one_line = True
    any_str = True
    names_report = True
    column = True

    def read(self, q: Field, text: str) -> Parsed:
        """An 11-digit mobile, or a landline with its area code: 010 and 02x take 8-digit numbers, other
        0xxx codes 7 or 8; an extension may follow "-" or "转". Stored as 13912345678 or 021-55550123[-801]."""
        refuse_unsure(text)
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

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        return "格式：11 位手机号，或带区号的座机（如 021-12345678）。"


TYPE = Phone()

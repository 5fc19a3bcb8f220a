"""uscc: an 18-character unified social credit code (统一社会信用代码), its check character verified
(GB 32100-2015)."""

from __future__ import annotations

from collections.abc import Callable
from operator import mul
from typing import TYPE_CHECKING

from assistant.errors import InputError
from assistant.form.types.base import QuestionType
from assistant.form.types.common import Parsed, normalize, refuse_unsure

if TYPE_CHECKING:
    from assistant.form.flow import Question
    from assistant.form.types.base import Field

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_INDEX = {ch: i for i, ch in enumerate(_CREDIT_CHARS)}


def credit_check_char(code17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a credit code."""
    if len(code17) != 17:
        raise ValueError(code17)
    total = sum(map(mul, map(_CREDIT_INDEX.__getitem__, code17), _CREDIT_WEIGHTS))  # 10 000 codes per import
    return _CREDIT_CHARS[(31 - total % 31) % 31]


class Uscc(QuestionType):
    name = "uscc"
    words = "统一社会信用代码"
    one_line = True
    any_str = True
    column = True

    def read(self, q: Field, text: str) -> Parsed:
        refuse_unsure(text)
        s = normalize(text).replace(" ", "").upper()
        if len(s) != 18:
            raise InputError(f"统一社会信用代码应为 18 位，“{text.strip()}”是 {len(s)} 位。")
        bad = [ch for ch in s if ch not in _CREDIT_CHARS]
        if bad:
            raise InputError(f"统一社会信用代码中不能出现“{bad[0]}”（不使用 I、O、S、V、Z）。")
        if credit_check_char(s[:17]) != s[17]:
            raise InputError(f"统一社会信用代码“{s}”校验位不正确，请核对是否抄错。")
        return Parsed(s)

    def format_line(self, q: Question, text: Callable[[str], str]) -> str:
        return "格式：18 位统一社会信用代码。"


TYPE = Uscc()

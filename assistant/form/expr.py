"""Declarative conditions of the flows, read and evaluated here (never Python eval of flow text),
and the rule messages (jinja2 templates from the form folder, run in assistant/form/sandbox.py)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from assistant.form.sandbox import MESSAGE, Sandbox, TemplateRefused, needs_answers, render_string
from assistant.form.sandbox import environment as sandbox
from assistant.text.patterns import pattern


def _tally(rows: Any, row_key: str, col_key: str) -> dict[Any, dict[Any, int]]:
    """Count list rows by two columns, shaped like a matrix answer (zeros left out)."""
    out: dict[Any, dict[Any, int]] = {}
    for row in rows or []:
        r, c = row.get(row_key), row.get(col_key)
        out.setdefault(r, {}).setdefault(c, 0)
        out[r][c] += 1
    return out


def _filled(rows: Any, col_key: str) -> int:
    """How many list rows have something in a column (e.g. the roll-up's review notes)."""
    return sum(1 for row in rows or [] if isinstance(row, dict) and str(row.get(col_key) or "").strip())


def _nonzero(matrix: Any) -> dict[Any, dict[Any, Any]]:
    return {r: {c: n for c, n in cols.items() if n} for r, cols in (matrix or {}).items() if any(cols.values())}


def _matrix_total(matrix: Any) -> int:
    return sum(n for cols in (matrix or {}).values() for n in cols.values() if n)


def total_chars(texts: Iterable[object]) -> int:
    """字 of several answers together (a text of 无 counts nothing)."""
    return sum(count_chars(t) for t in texts if isinstance(t, str) and t != "无")


_total_chars = total_chars


def _codes_differ(rows: Any, others: Any, name_key: str, code_key: str) -> list[str]:
    """Names found in two lists under different codes (one enterprise has one credit code)."""
    def codes(lst: Any) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for row in lst or []:
            if isinstance(row, dict) and row.get(name_key) and row.get(code_key):
                out.setdefault(" ".join(str(row[name_key]).split()), set()).add(str(row[code_key]).strip().upper())
        return out

    mine, theirs = codes(rows), codes(others)
    return sorted(n for n in mine.keys() & theirs.keys() if mine[n] != theirs[n])


def _round2(x: Any) -> Any:
    return Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if x is not None else None


def count_chars(text: str) -> int:
    """字 as a reviewer counts them, the one rule every count uses (editor, chat, checks, review):
    every character but white space and invisible format/control characters (zero-width space, BOM)."""
    from unicodedata import category

    return sum(1 for ch in text if not ch.isspace() and category(ch) not in ("Cc", "Cf"))


def _dec(x: Any) -> Any:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return x
    return Decimal(str(x)) if isinstance(x, float) else Decimal(x)


class ExpressionError(ValueError):
    pass


@cache
def environment() -> Sandbox:
    """The sandbox that renders rule messages and fix labels (conditions never need jinja2): exact
    arithmetic, so 3/200*100 rounds to 1.50, not 1.49."""
    return sandbox(exact=True, filters=_OUR_FILTERS)


_OUR_FILTERS: dict[str, Callable[..., Any]] = {"tally": _tally, "filled": _filled, "nonzero": _nonzero,
                                               "matrix_total": _matrix_total, "codes_differ": _codes_differ,
                "total_chars": _total_chars, "round2": _round2}
# The filters a condition may use: ours, and jinja2's `length` / `count` / `abs` (same meaning).
_FILTERS: dict[str, Callable[..., Any]] = {"length": len, "count": len, "abs": abs}
_FILTERS.update(_OUR_FILTERS)
# What `a.b` may reach besides a mapping's item: a date's parts, and a few string methods (called).
_ATTRS = frozenset({"year", "month", "day"})
_METHODS = frozenset({"endswith", "startswith", "strip", "lower", "upper"})


class _UndefinedError(Exception):
    pass


class _Undefined:
    """jinja2's Undefined, for a missing name or a failed `a.b` / `a[b]`: false, empty, equal only to
    itself; anything else fails (and the condition is then unknown: None)."""

    __slots__ = ()

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise _UndefinedError

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _fail
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = __pos__ = __neg__ = _fail
    __lt__ = __le__ = __gt__ = __ge__ = __getitem__ = __getattr__ = __call__ = __int__ = __float__ = _fail

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __ne__(self, other: object) -> bool:
        return type(self) is not type(other)

    def __hash__(self) -> int:
        return id(type(self))

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def __iter__(self) -> Any:
        return iter(())

    def __str__(self) -> str:
        return ""


_U = _Undefined()


# -- the condition language ---------------------------------------------------------------------
# The flows' conditions keep jinja2's expression syntax (comparisons, arithmetic, and/or/not,
# `a if b else c`, lists, `x|filter(args)`, `a.b`, `a[b]`, `x is none`), read by this small parser
# into closures: one evaluator, no code generation, nothing reachable but the answers, the filters
# above and the attributes and methods listed. Anything else is refused when the flow loads.
_TOKEN = pattern(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|//|[-+*/%<>()\[\],.|])
""", re.VERBOSE)
_CONST = {"true": True, "false": False, "none": None, "True": True, "False": False, "None": None}
_KEYWORDS = frozenset({"and", "or", "not", "in", "is", "if", "else"})
_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod,
}
_Fn = Callable[[dict[str, Any]], Any]


def _tokens(source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if m is None:
            raise ExpressionError(f"表达式“{source}”有语法错误：看不懂“{source[pos:pos + 10]}”")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
    out.append(("end", ""))
    return out


def _string(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), body)


def _get_attr(obj: Any, name: str) -> Any:
    """`a.b`: a mapping's item, a date's year / month / day; nothing else (undefined)."""
    if type(obj) is _Undefined:
        raise _UndefinedError
    if isinstance(obj, dict):
        return obj.get(name, _U)
    if name in _ATTRS or name in _METHODS:
        return getattr(obj, name, _U)
    return _U


def _get_item(obj: Any, key: Any) -> Any:
    if type(obj) is _Undefined:
        raise _UndefinedError
    if isinstance(obj, (dict, list, tuple, str)):
        try:
            return obj[key]
        except (LookupError, TypeError):
            return _U
    return _U


# A form folder may come from anyone: an expression is bounded in length and nesting when the form
# loads, so neither parsing nor evaluating it can exhaust the stack ("not not not …", "((((…").
MAX_CHARS = 1000
MAX_DEPTH = 30  # brackets, `not`, signs and `if … else` inside one another


class _Parser:
    """Recursive descent with jinja2's precedence: if-else < or < and < not < comparison < + - <
    * / // % < unary - < filters < postfix (. [] call) < atoms. Chains of one level (a or b or …,
    a + b + …, x|f|g, a.b.c) become one flat step list, so evaluation recurses only as deep as the
    nesting, which MAX_DEPTH bounds."""

    def __init__(self, source: str):
        self.source = source
        if len(source) > MAX_CHARS:
            raise ExpressionError(f"表达式太长（{len(source)} 个字符，上限 {MAX_CHARS}）：“{source[:40]}…”")
        self.toks = _tokens(source)
        self.i = 0
        self.depth = 0
        self.names: set[str] = set()

    def error(self, what: str) -> ExpressionError:
        shown = self.source if len(self.source) <= 80 else self.source[:80] + "…"
        return ExpressionError(f"表达式“{shown}”有语法错误：{what}")

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            shown = self.source if len(self.source) <= 40 else self.source[:40] + "…"
            raise ExpressionError(f"表达式“{shown}”嵌套过深（括号、not、正负号、if…else 层层相套超过 {MAX_DEPTH} 层）")

    @property
    def cur(self) -> tuple[str, str]:
        return self.toks[self.i]

    def take(self, text: str | None = None, kind: str | None = None) -> tuple[str, str] | None:
        k, t = self.cur
        if (text is None or t == text) and (kind is None or k == kind) and k != "end" \
                and not (text is None and kind == "name" and t in _KEYWORDS):
            self.i += 1
            return k, t
        return None

    def expect(self, text: str) -> None:
        if self.take(text) is None:
            raise self.error(f"缺少“{text}”" + (f"，却是“{self.cur[1]}”" if self.cur[1] else ""))

    def parse(self) -> _Fn:
        fn = self.conditional()
        if self.cur[0] != "end":
            raise self.error(f"多余的“{self.cur[1]}”")
        return fn

    def conditional(self) -> _Fn:
        self.deeper()
        body = self.or_()
        if self.take("if", "name"):
            test = self.or_()
            self.expect("else")
            other = self.conditional()
            then = body
            body = lambda ns: then(ns) if test(ns) else other(ns)  # noqa: E731
        self.depth -= 1
        return body

    def or_(self) -> _Fn:
        parts = [self.and_()]
        while self.take("or", "name"):
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else _either(parts)

    def and_(self) -> _Fn:
        parts = [self.not_()]
        while self.take("and", "name"):
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else _both(parts)

    def not_(self) -> _Fn:
        if self.take("not", "name"):
            self.deeper()
            inner = self.not_()
            self.depth -= 1
            return lambda ns: not inner(ns)
        return self.compare()

    def compare(self) -> _Fn:
        first = self.sum_()
        ops: list[tuple[Callable[[Any, Any], Any], _Fn]] = []
        while True:
            k, t = self.cur
            if t in ("==", "!=", "<", "<=", ">", ">=") and k == "op":
                self.i += 1
                ops.append((_CMP[t], self.sum_()))
            elif t == "in" and k == "name":
                self.i += 1
                ops.append((_CMP["in"], self.sum_()))
            elif t == "not" and self.toks[self.i + 1][1] == "in":
                self.i += 2
                ops.append((_CMP["not in"], self.sum_()))
            else:
                break
        if not ops:
            return first

        def chain(ns: dict[str, Any]) -> Any:  # a < b < c as in Python and jinja2
            left = first(ns)
            for op, fn in ops:
                right = fn(ns)
                if not op(left, right):
                    return False
                left = right
            return True

        return chain

    def sum_(self) -> _Fn:
        first = self.product()
        rest: list[tuple[Callable[[Any, Any], Any], _Fn]] = []
        while self.cur[1] in ("+", "-") and self.cur[0] == "op":
            op = _ARITH[self.cur[1]]
            self.i += 1
            rest.append((op, self.product()))
        return _arith(first, rest) if rest else first

    def product(self) -> _Fn:
        first = self.unary()
        rest: list[tuple[Callable[[Any, Any], Any], _Fn]] = []
        while self.cur[1] in ("*", "/", "//", "%") and self.cur[0] == "op":
            op = _ARITH[self.cur[1]]
            self.i += 1
            rest.append((op, self.unary()))
        return _arith(first, rest) if rest else first

    def unary(self) -> _Fn:
        if self.take("-", "op"):
            self.deeper()
            inner = self.unary_operand()
            self.depth -= 1
            fn: _Fn = lambda ns: -_dec(inner(ns))  # noqa: E731
        elif self.take("+", "op"):
            self.deeper()
            inner = self.unary_operand()
            self.depth -= 1
            fn = lambda ns: +_dec(inner(ns))  # noqa: E731
        else:
            fn = self.postfix(self.atom())
        return self.tests(self.filters(fn))

    def unary_operand(self) -> _Fn:
        if self.cur[1] in ("-", "+") and self.cur[0] == "op":
            return self.unary()
        return self.postfix(self.atom())

    def filters(self, fn: _Fn) -> _Fn:
        steps: list[_Step] = []
        while self.take("|", "op"):
            tok = self.take(kind="name")
            if tok is None or tok[1] not in _FILTERS:
                known = "、".join(sorted(_FILTERS))
                raise self.error(f"没有过滤器“{tok[1] if tok else self.cur[1]}”（可用：{known}）")
            args = self.args() if self.take("(", "op") else []
            steps.append(_filter(_FILTERS[tok[1]], args))
        return _chain(fn, steps) if steps else fn

    def tests(self, fn: _Fn) -> _Fn:
        if not self.take("is", "name"):
            return fn
        negate = self.take("not", "name") is not None
        tok = self.take(kind="name")
        if tok is None or tok[1] not in ("none", "defined"):
            raise self.error("“is” 后面只能是 none 或 defined")
        if tok[1] == "none":
            return (lambda ns: fn(ns) is not None) if negate else (lambda ns: fn(ns) is None)
        return (lambda ns: type(fn(ns)) is _Undefined) if negate else (lambda ns: type(fn(ns)) is not _Undefined)

    def args(self) -> list[_Fn]:
        out: list[_Fn] = []
        if self.take(")", "op"):
            return out
        while True:
            out.append(self.conditional())
            if self.take(")", "op"):
                return out
            self.expect(",")

    def postfix(self, fn: _Fn) -> _Fn:
        steps: list[_Step] = []
        while True:
            if self.take(".", "op"):
                tok = self.take(kind="name")
                if tok is None:
                    raise self.error("“.” 后面缺少名称")
                name = tok[1]
                if name.startswith("_"):
                    raise self.error(f"不能读取“{name}”")
                if self.take("(", "op"):
                    if name not in _METHODS:
                        raise self.error(f"不能调用“{name}”（可用：{'、'.join(sorted(_METHODS))}）")
                    steps.append(_method(name, self.args()))
                else:
                    steps.append(_attribute(name))
            elif self.take("[", "op"):
                key = self.conditional()
                self.expect("]")
                steps.append(_subscript(key))
            else:
                return _chain(fn, steps) if steps else fn

    def atom(self) -> _Fn:
        k, t = self.cur
        self.i += 1
        if k == "num":
            num: Any = Decimal(t) if "." in t else int(t)
            return lambda ns: num
        if k == "str":
            text = _string(t)
            return lambda ns: text
        if k == "name" and t in _CONST:
            const = _CONST[t]
            return lambda ns: const
        if k == "name" and t not in _KEYWORDS:
            self.names.add(t)
            return lambda ns: ns.get(t, _U)
        if t == "(":
            inner = self.conditional()
            self.expect(")")
            return inner
        if t == "[":
            items = [] if self.take("]", "op") else self.items("]")
            return lambda ns: [f(ns) for f in items]
        self.i -= 1
        raise self.error(f"这里不能是“{t}”" if t else "表达式不完整")

    def items(self, close: str) -> list[_Fn]:
        out = [self.conditional()]
        while self.take(",", "op"):
            if self.cur[1] == close:
                break
            out.append(self.conditional())
        self.expect(close)
        return out


_Step = Callable[[Any, dict[str, Any]], Any]  # one link of a chain: (value so far, namespace) -> value


def _either(parts: list[_Fn]) -> _Fn:
    def fn(ns: dict[str, Any]) -> Any:  # a or b or …: the first true value, else the last
        value = None
        for part in parts:
            value = part(ns)
            if value:
                return value
        return value

    return fn


def _both(parts: list[_Fn]) -> _Fn:
    def fn(ns: dict[str, Any]) -> Any:  # a and b and …: the first false value, else the last
        value = None
        for part in parts:
            value = part(ns)
            if not value:
                return value
        return value

    return fn


def _arith(first: _Fn, rest: list[tuple[Callable[[Any, Any], Any], _Fn]]) -> _Fn:
    """Arithmetic is exact: numbers become Decimal, so 3/200*100 rounds to 1.50, not 1.49."""
    def fn(ns: dict[str, Any]) -> Any:
        value = first(ns)
        for op, right in rest:
            value = op(_dec(value), _dec(right(ns)))
        return value

    return fn


def _chain(first: _Fn, steps: list[_Step]) -> _Fn:
    def fn(ns: dict[str, Any]) -> Any:
        value = first(ns)
        for step in steps:
            value = step(value, ns)
        return value

    return fn


def _filter(f: Callable[..., Any], args: list[_Fn]) -> _Step:
    return lambda x, ns: f(x, *(a(ns) for a in args))


def _method(name: str, args: list[_Fn]) -> _Step:
    return lambda x, ns: getattr(_str_only(x), name)(*(a(ns) for a in args))


def _attribute(name: str) -> _Step:
    return lambda x, ns: _get_attr(x, name)


def _subscript(key: _Fn) -> _Step:
    return lambda x, ns: _get_item(x, key(ns))


def _str_only(obj: Any) -> str:
    """Methods are string methods: on anything else the condition is unknown."""
    if not isinstance(obj, str):
        raise _UndefinedError
    return obj


class Expression:
    """A condition with the names it reads (a rule is skipped while any is missing).

    Parsed (syntax, names, filters, attributes checked) when the flow loads; pickled with a cached
    flow as its source text, parsed again on first use (microseconds, no jinja2).
    """

    __slots__ = ("_fn", "names", "source")

    def __init__(self, source: str):
        self.source = source
        parser = _Parser(source)
        self._fn: _Fn | None = parser.parse()
        self.names = frozenset(parser.names)

    def __getstate__(self) -> tuple[str, frozenset[str]]:
        return (self.source, self.names)

    def __setstate__(self, state: tuple[str, frozenset[str]]) -> None:
        self.source, self.names = state
        self._fn = None

    def __call__(self, namespace: dict[str, Any]) -> Any:
        """The value, or None when it cannot be computed (missing inputs, division by zero, ...)."""
        fn = self._fn
        if fn is None:
            fn = self._fn = _Parser(self.source).parse()
        try:
            value = fn(namespace)
        except Exception:
            return None
        return None if type(value) is _Undefined else value


@cache
def compile_expr(source: str) -> Expression:
    return Expression(source)


def render_message(template: str, namespace: Mapping[str, object], where: str = "") -> str:
    """A rule's message or a fix's label, with the answers as plain data. `where` names the form file
    and key: a template that goes past its bounds or reaches for what the sandbox refuses says so
    there instead of its text; one that fails for want of an answer is shown as written."""
    if "{" not in template:
        return template
    try:
        return render_string(environment(), template, namespace, where=where or "（规则的提示）", limits=MESSAGE)
    except TemplateRefused as exc:
        return template if needs_answers(exc.__context__) else str(exc)

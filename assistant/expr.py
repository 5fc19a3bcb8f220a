"""Declarative conditions: sandboxed jinja2 expressions (never Python eval of flow text)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any


def _tally(rows: Any, row_key: str, col_key: str) -> dict:
    """Count list rows by two columns, shaped like a matrix answer (zeros left out)."""
    out: dict = {}
    for row in rows or []:
        r, c = row.get(row_key), row.get(col_key)
        out.setdefault(r, {}).setdefault(c, 0)
        out[r][c] += 1
    return out


def _filled(rows: Any, col_key: str) -> int:
    """How many list rows have something in a column (e.g. the roll-up's review notes)."""
    return sum(1 for row in rows or [] if isinstance(row, dict) and str(row.get(col_key) or "").strip())


def _nonzero(matrix: Any) -> dict:
    return {r: {c: n for c, n in cols.items() if n} for r, cols in (matrix or {}).items() if any(cols.values())}


def _matrix_total(matrix: Any) -> int:
    return sum(n for cols in (matrix or {}).values() for n in cols.values() if n)


def total_chars(texts: Any) -> int:
    """字 of several answers together (a text of 无 counts nothing)."""
    return sum(count_chars(t) for t in texts if isinstance(t, str) and t != "无")


_total_chars = total_chars


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
def environment() -> Any:
    """The sandboxed jinja2 environment: parses conditions and renders rule messages.

    Built on first need: a flow loaded from the cache evaluates its conditions without jinja2.
    """
    from jinja2.sandbox import SandboxedEnvironment

    class DecimalEnvironment(SandboxedEnvironment):
        """Arithmetic in conditions is exact: numbers become Decimal, so 3/200*100 rounds to 1.50, not 1.49."""

        intercepted_binops = frozenset(["+", "-", "*", "/", "//", "%"])

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            return super().call_binop(context, operator, _dec(left), _dec(right))

    env = DecimalEnvironment(autoescape=False)
    env.filters.update(_OUR_FILTERS)
    return env


_OUR_FILTERS = {"tally": _tally, "filled": _filled, "nonzero": _nonzero, "matrix_total": _matrix_total,
                "total_chars": _total_chars, "round2": _round2}
# Filters a translated condition may call: ours, and jinja2's own `length`/`count`/`abs` (len and abs there).
_FILTERS = {"length": len, "count": len, "abs": abs, **_OUR_FILTERS}
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=", "in": "in", "notin": "not in"}
_BINARY = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "FloorDiv": "//", "Mod": "%"}
# str.format runs through jinja2's sandboxed formatter: such conditions are left to jinja2.
_UNSAFE_ATTRS = frozenset({"format", "format_map"})


class _UndefinedError(Exception):
    pass


class _Undefined:
    """jinja2's Undefined, for a failed `a.b` / `a[b]`: false, empty, equal only to itself; anything else fails."""

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


def _safe(obj: Any, name: str) -> Any:
    if name.startswith("_"):
        return _U
    try:
        return getattr(obj, name)
    except AttributeError:
        return _U


def _attr(obj: Any, name: str) -> Any:
    """jinja2's sandboxed `a.b`: the attribute, else the item, else undefined; nothing private."""
    if type(obj) is _Undefined:
        raise _UndefinedError
    if not hasattr(obj, name):
        try:
            return obj[name]
        except (TypeError, LookupError):
            return _U
    return _safe(obj, name)


def _item(obj: Any, key: Any) -> Any:
    """jinja2's sandboxed `a[b]`: the item, else the (public) attribute, else undefined."""
    try:
        return obj[key]
    except (AttributeError, TypeError, LookupError):
        return _safe(obj, key) if isinstance(key, str) else _U


def _call(fn: Any, *args: Any) -> Any:
    return fn(*args)


_RUNTIME = {"__builtins__": {}, "_U": _U, "_d": _dec, "_f": _FILTERS, "_attr": _attr, "_item": _item, "_call": _call}


class _Untranslatable(Exception):
    pass


def _to_python(node: Any) -> str:
    """Python source with jinja2's meaning for the node (the operators jinja2 generates are Python's own).

    Only a small, checked set of constructs is translated; anything else stays with jinja2.
    """
    from jinja2 import nodes as n

    t = _to_python
    if isinstance(node, n.Name) and node.ctx == "load":
        return f"ns.get({node.name!r}, _U)"
    if isinstance(node, n.Const) and (node.value is None or type(node.value) in (bool, int, str) or (
            type(node.value) is float and node.value == node.value and abs(node.value) != float("inf"))):
        return repr(node.value)
    if isinstance(node, (n.List, n.Tuple)):
        items = ", ".join(t(i) for i in node.items)
        return f"[{items}]" if isinstance(node, n.List) else f"({items},)"
    if type(node).__name__ in _BINARY:
        return f"(_d({t(node.left)}) {_BINARY[type(node).__name__]} _d({t(node.right)}))"
    if isinstance(node, (n.Neg, n.Pos)):
        return f"({'-' if isinstance(node, n.Neg) else '+'}{t(node.node)})"
    if isinstance(node, n.Not):
        return f"(not {t(node.node)})"
    if isinstance(node, (n.And, n.Or)):
        return f"({t(node.left)} {'and' if isinstance(node, n.And) else 'or'} {t(node.right)})"
    if isinstance(node, n.Compare) and all(o.op in _COMPARE for o in node.ops):
        return "(" + t(node.expr) + "".join(f" {_COMPARE[o.op]} {t(o.expr)}" for o in node.ops) + ")"
    if isinstance(node, n.CondExpr) and node.expr2 is not None:
        return f"({t(node.expr1)} if {t(node.test)} else {t(node.expr2)})"
    if isinstance(node, n.Getattr) and node.ctx == "load" and node.attr not in _UNSAFE_ATTRS:
        return f"_attr({t(node.node)}, {node.attr!r})"
    if isinstance(node, n.Getitem) and node.ctx == "load":
        return f"_item({t(node.node)}, {t(node.arg)})"
    plain = not (getattr(node, "kwargs", None) or getattr(node, "dyn_args", None) or getattr(node, "dyn_kwargs", None))
    if isinstance(node, n.Filter) and node.node is not None and node.name in _FILTERS and plain:
        return f"_f[{node.name!r}](" + ", ".join(t(a) for a in [node.node, *node.args]) + ")"
    if isinstance(node, n.Call) and plain:
        return "_call(" + ", ".join(t(a) for a in [node.node, *node.args]) + ")"
    raise _Untranslatable(type(node).__name__)


class Expression:
    """A condition with the names it reads (a rule is skipped while any is missing).

    Parsed (syntax and names checked) by jinja2 when the flow loads, and translated into one plain
    Python lambda over the answers. The translation is pickled with a cached flow, so a later
    start neither imports jinja2 nor generates code: it only runs Python's own compile() on first
    use. A construct outside the translated set keeps jinja2's generated template code instead.
    """

    __slots__ = ("_fn", "_native", "_pysrc", "names", "source")

    def __init__(self, source: str):
        from jinja2 import TemplateSyntaxError, meta

        self.source = source
        env = environment()
        try:
            ast = env.parse("{{ " + source + " }}")
        except TemplateSyntaxError as exc:
            raise ExpressionError(f"表达式“{source}”有语法错误：{exc.message}") from None
        self.names = frozenset(meta.find_undeclared_variables(ast))
        self._fn: Callable[..., Any] | None = None
        self._pysrc: str | None = None
        self._native = True

    def __getstate__(self) -> tuple:
        return (self.source, self.names, self.generate(), self._native)

    def __setstate__(self, state: tuple) -> None:
        self.source, self.names, self._pysrc, self._native = state
        self._fn = None

    def generate(self) -> str:
        """Python source: the translated lambda, or (for anything else) jinja2's template code."""
        if self._pysrc is None:
            from jinja2 import nodes
            from jinja2.parser import Parser

            env = environment()
            expr = Parser(env, self.source, state="variable").parse_expression()
            try:
                self._pysrc, self._native = f"lambda ns: {_to_python(expr)}", True
            except _Untranslatable:
                expr.set_environment(env)
                body = [nodes.Assign(nodes.Name("result", "store"), expr, lineno=1)]
                self._pysrc, self._native = env.compile(nodes.Template(body, lineno=1), raw=True), False
        return self._pysrc

    def _compile(self) -> Callable[..., Any]:
        src = self.generate()
        if self._native:
            return eval(compile(src, "<flow expression>", "eval"), dict(_RUNTIME))
        from jinja2.environment import TemplateExpression

        env = environment()
        template = env.template_class.from_code(env, compile(src, "<flow expression>", "exec"), env.make_globals(None), None)
        expression = TemplateExpression(template, True)  # an undefined result is None, as above
        return lambda ns: expression(**ns)

    def __call__(self, namespace: dict[str, Any]) -> Any:
        """The value, or None when it cannot be computed (missing inputs, division by zero, ...)."""
        fn = self._fn
        if fn is None:
            fn = self._fn = self._compile()
        try:
            value = fn(namespace)
        except Exception:
            return None
        return None if type(value) is _Undefined else value


@cache
def compile_expr(source: str) -> Expression:
    return Expression(source)


_message_cache: dict[str, Any] = {}


def render_message(template: str, namespace: dict[str, Any]) -> str:
    """Flow messages are trusted jinja templates; answers inside them stay plain data."""
    tpl = _message_cache.get(template)
    if tpl is None:
        tpl = _message_cache[template] = environment().from_string(template)
    try:
        return tpl.render(**namespace)
    except Exception:
        return template

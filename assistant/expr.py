"""Declarative conditions: sandboxed jinja2 expressions, never Python eval."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Callable

from jinja2 import TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment


def _tally(rows: Any, row_key: str, col_key: str) -> dict:
    """Count list rows by two columns, shaped like a matrix answer (zeros left out)."""
    out: dict = {}
    for row in rows or []:
        r, c = row.get(row_key), row.get(col_key)
        out.setdefault(r, {}).setdefault(c, 0)
        out[r][c] += 1
    return out


def _nonzero(matrix: Any) -> dict:
    return {r: {c: n for c, n in cols.items() if n} for r, cols in (matrix or {}).items() if any(cols.values())}


def _matrix_total(matrix: Any) -> int:
    return sum(n for cols in (matrix or {}).values() for n in cols.values() if n)


def _total_chars(texts: Any) -> int:
    return sum(count_chars(t) for t in texts if isinstance(t, str) and t != "无")


def _round2(x: Any) -> Any:
    return Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if x is not None else None


def count_chars(text: str) -> int:
    """Characters as a reviewer counts 字: everything but white space."""
    return sum(1 for ch in text if not ch.isspace())


def _dec(x: Any) -> Any:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return x
    return Decimal(str(x)) if isinstance(x, float) else Decimal(x)


class _DecimalEnvironment(SandboxedEnvironment):
    """Arithmetic in conditions is exact: numbers become Decimal, so 3/200*100 rounds to 1.50, not 1.49."""

    intercepted_binops = frozenset(["+", "-", "*", "/", "//", "%"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return super().call_binop(context, operator, _dec(left), _dec(right))


_env = _DecimalEnvironment(autoescape=False)
_env.filters.update(tally=_tally, nonzero=_nonzero, matrix_total=_matrix_total, total_chars=_total_chars, round2=_round2)


class ExpressionError(ValueError):
    pass


class Expression:
    """A condition with the names it reads (a rule is skipped while any is missing).

    Parsed (syntax and names checked) when the flow loads; compiled to code on first use, which
    keeps start-up fast: code generation is most of jinja2's cost. The generated Python source is
    kept (and pickled with a cached flow), so a later start only runs Python's own compile().
    """

    __slots__ = ("source", "names", "_fn", "_pysrc")

    def __init__(self, source: str):
        self.source = source
        try:
            ast = _env.parse("{{ " + source + " }}")
        except TemplateSyntaxError as exc:
            raise ExpressionError(f"表达式“{source}”有语法错误：{exc.message}") from None
        self.names = frozenset(meta.find_undeclared_variables(ast))
        self._fn: Callable[..., Any] | None = None
        self._pysrc: str | None = None

    def __getstate__(self) -> tuple:
        return (self.source, self.names, self.generate())

    def __setstate__(self, state: tuple) -> None:
        self.source, self.names, self._pysrc = state
        self._fn = None

    def generate(self) -> str:
        """Python source for the expression (what Environment.compile_expression builds)."""
        if self._pysrc is None:
            from jinja2 import nodes
            from jinja2.parser import Parser

            expr = Parser(_env, self.source, state="variable").parse_expression()
            expr.set_environment(_env)
            body = [nodes.Assign(nodes.Name("result", "store"), expr, lineno=1)]
            self._pysrc = _env.compile(nodes.Template(body, lineno=1), raw=True)
        return self._pysrc

    def _compile(self) -> Callable[..., Any]:
        from jinja2.environment import TemplateExpression

        code = compile(self.generate(), "<flow expression>", "exec")
        template = _env.template_class.from_code(_env, code, _env.make_globals(None), None)
        return TemplateExpression(template, True)

    def __call__(self, namespace: dict[str, Any]) -> Any:
        """The value, or None when it cannot be computed (missing inputs, division by zero, ...)."""
        fn = self._fn
        if fn is None:
            fn = self._fn = self._compile()
        try:
            return fn(**namespace)
        except Exception:  # noqa: BLE001 - any failure means "cannot tell yet"
            return None


@lru_cache(maxsize=None)
def compile_expr(source: str) -> Expression:
    return Expression(source)


_message_cache: dict[str, Any] = {}


def render_message(template: str, namespace: dict[str, Any]) -> str:
    """Flow messages are trusted jinja templates; answers inside them stay plain data."""
    tpl = _message_cache.get(template)
    if tpl is None:
        tpl = _message_cache[template] = _env.from_string(template)
    try:
        return tpl.render(**namespace)
    except Exception:  # noqa: BLE001
        return template

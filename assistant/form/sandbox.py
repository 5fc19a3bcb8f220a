"""The one place a form's templates are rendered: Markdown (templates/<form>.md.j2), drafts
(<form>.drafts.yaml), the district's draft texts (.txt.j2), rule messages and fix labels.

A form folder may come from anyone (a "new edition" passed around by mail), so its templates run in
jinja2's ImmutableSandboxedEnvironment (no attribute starting with "_", no changing the answers
they are given) with bounded work, counted while they run:

- steps: loop iterations, calls (macros, methods), filters and includes together;
- output: characters produced (every printed value, the template's own text once per loop turn),
  and no single string or list built larger than that;
- time: a deadline checked at every step;
- numbers: no integer of more than MAX_BITS bits, no range longer than MAX_RANGE, no width or
  count argument above MAX_ARG (str.center(10**9), "%0999999999d"), str.format refused.

A template that goes past a bound, reaches for something the sandbox refuses, recurses without
end or fails is refused with TemplateRefused: the form's file, the key in it, the reason, in Chinese.
"""

from __future__ import annotations

import re
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from decimal import Decimal
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol

from msgspec import Struct
from msgspec.structs import replace

from assistant.errors import FlowError
from assistant.text.patterns import pattern

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Template

MAX_RANGE = 100_000  # range(n) in a template
MAX_ARG = 100_000  # a width, count or size given to a filter or a string method
MAX_BITS = 4096  # integers in template arithmetic (a report's figures are far smaller)
MAX_SOURCE = 200_000  # characters of one template
WORK = 8  # all text made while rendering (printed, built, thrown away) may be this many times the output


class Limits(Struct, frozen=True):
    steps: int
    output: int  # characters
    seconds: float

    def scaled(self, items: int) -> Limits:
        """Room for data of `items` cells (a 10 000-row list): each cell costs a few steps and its text."""
        return replace(self, steps=self.steps + 20 * items, output=self.output + 400 * items,
                       seconds=self.seconds + items / 2000)


MESSAGE = Limits(steps=5_000, output=20_000, seconds=1.0)  # a rule's message, a fix's label
DRAFT = Limits(steps=50_000, output=200_000, seconds=3.0)  # a draft of one narrative part
DOCUMENT = Limits(steps=200_000, output=2_000_000, seconds=10.0)  # a whole report (scaled by its data)


class TemplateLimit(Exception):
    """A bound was reached or something refused was reached for; str() is the Chinese reason."""


class TemplateRefused(FlowError):
    """A form's template could not be rendered; str() names the file, the key and the reason."""


class _Charged(str):
    """A macro's output: every part of it was counted when it was made, so printing it costs nothing more."""


class _Budget(Struct):
    limits: Limits
    steps: int = 0
    made: int = 0
    deadline: float = 0.0

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.limits.steps:
            raise TemplateLimit(f"计算步骤（循环、调用、过滤器）超过 {self.limits.steps} 次的上限")
        if time.monotonic() > self.deadline:
            raise TemplateLimit(f"计算时间超过 {self.limits.seconds:g} 秒的上限")

    def charge(self, n: int) -> None:
        """n characters (or list items) made: printed, built by a filter, a call or an operator."""
        self.made += n
        if self.made > WORK * self.limits.output:
            raise TemplateLimit(f"生成的文字累计超过 {WORK * self.limits.output} 个字符的上限")

    def size(self, n: int) -> None:
        """Before building one value of n characters (or items)."""
        if n > self.limits.output:
            raise TemplateLimit(f"生成的文字或列表超过 {self.limits.output} 个字符（项）的上限")


_budget: ContextVar[_Budget | None] = ContextVar("template_budget", default=None)


def _active() -> _Budget:
    budget = _budget.get()
    if budget is None:
        raise RuntimeError("a form template is rendered only through assistant.form.sandbox.render_*()")
    return budget


def _range(*args: Any) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimit(f"range 超过 {MAX_RANGE} 项的上限")
    return rng


# -- the template's own text, charged where it repeats -------------------------------------------
def _literal_chars(body: Iterable[Any]) -> int:
    """Characters of template text and constant output directly in a body (nested loops and macros
    charge their own)."""
    from jinja2 import nodes

    total = 0
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (nodes.For, nodes.Macro, nodes.CallBlock)):
            continue
        if isinstance(node, nodes.TemplateData):
            total += len(node.data)
        elif isinstance(node, nodes.Const) and isinstance(node.value, str):
            total += len(node.value)
        stack.extend(node.iter_child_nodes())
    return total


def _guard_tree(tree: Any) -> Any:
    """Every loop's iterable counted element by element, every macro body charged when called,
    every `~` checked for size: calls to the environment's guards, which a template cannot rename."""
    from jinja2 import nodes
    from jinja2.visitor import NodeTransformer

    def guard(name: str, *args: Any) -> Any:
        return nodes.Call(nodes.EnvironmentAttribute(name), list(args), [], None, None)

    class Guard(NodeTransformer):
        def visit_For(self, node: Any) -> Any:
            self.generic_visit(node)
            cost = _literal_chars(node.body) + _literal_chars(node.else_)
            node.iter = guard("guard_iter", node.iter, nodes.Const(cost))
            return node

        def visit_Macro(self, node: Any) -> Any:
            self.generic_visit(node)
            node.body.insert(0, nodes.Output([guard("guard_charge", nodes.Const(_literal_chars(node.body)))]))
            return node

        visit_CallBlock = visit_Macro

        def visit_Concat(self, node: Any) -> Any:
            self.generic_visit(node)
            return guard("guard_concat", *node.nodes)

    return Guard().visit(tree)


# -- size checks before an operation builds something big ---------------------------------------
_PERCENT_SPEC = pattern(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_format(fmt: str) -> None:
    for width, precision in _PERCENT_SPEC.findall(fmt):
        for n in (width, precision):
            if n == "*" or (n and int(n) > MAX_ARG):
                raise TemplateLimit(f"格式中的宽度“{n}”过大")


def _length(x: Any) -> int:
    return len(x) if isinstance(x, (str, list, tuple)) else 0


def _check_int(x: Any) -> None:
    if isinstance(x, int) and not isinstance(x, bool) and x.bit_length() > MAX_BITS:
        raise TemplateLimit("模板中的整数过大")


def _check_args(args: Iterable[Any]) -> None:
    for a in args:
        if isinstance(a, (int, float)) and not isinstance(a, bool) and abs(a) > MAX_ARG:
            raise TemplateLimit(f"参数 {a:g} 超过 {MAX_ARG} 的上限")


def _before_binop(budget: _Budget, op: str, left: Any, right: Any) -> None:
    if op == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                budget.size(len(seq) * max(n, 0))
        if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_BITS:
            raise TemplateLimit("模板中的整数过大")
    elif op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 \
                and max(left.bit_length() - 1, 0) * right > MAX_BITS:
            raise TemplateLimit("模板中的整数过大")
        if isinstance(right, (int, float, Decimal)) and not isinstance(right, bool) and not -MAX_ARG <= right <= MAX_ARG:
            raise TemplateLimit("模板中的指数过大")
    elif op == "+":
        budget.size(_length(left) + _length(right))
    elif op == "%" and isinstance(left, str):
        _check_format(left)


_STR_DENIED = frozenset({"format", "format_map", "center", "ljust", "rjust", "zfill", "expandtabs", "encode",
                         "translate", "maketrans"})


def _estimate_join(sep: str, items: list[Any]) -> int:
    return sum(len(x) if isinstance(x, str) else 20 for x in items) + len(sep) * max(len(items) - 1, 0)


def _pre_format(budget: _Budget, value: Any, rest: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if isinstance(value, str):
        _check_format(value)
    return value


def _pre_join(budget: _Budget, value: Any, rest: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if value is None or isinstance(value, str):
        return value
    items = list(value)  # each item a filter or call made was charged as it was made
    budget.size(_estimate_join(str(rest[0] if rest else kwargs.get("d", "")), items))
    return items


def _pre_replace(budget: _Budget, value: Any, rest: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if isinstance(value, str) and len(rest) >= 2:
        budget.size(_estimate_replace(value, rest[0], rest[1]))
    return value


def _pre_indent(budget: _Budget, value: Any, rest: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if isinstance(value, str):
        width = rest[0] if rest else kwargs.get("width", 4)
        budget.size(len(value) + (value.count("\n") + 1) * (len(width) if isinstance(width, str) else int(width)))
    return value


def _pre_sum(budget: _Budget, value: Any, rest: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    start = rest[1] if len(rest) > 1 else kwargs.get("start", 0)
    if not isinstance(start, (int, float, Decimal)):  # sum(start=[]) concatenates lists: quadratic
        raise TemplateLimit("sum 只能用于数字")
    return value


# Checks before the filters whose result may be much larger than what they are given.
_PRE: dict[str, Callable[[_Budget, Any, tuple[Any, ...], dict[str, Any]], Any]] = {
    "format": _pre_format, "join": _pre_join, "replace": _pre_replace, "indent": _pre_indent, "sum": _pre_sum}


def _guard_filter(name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    """A jinja2 filter with its step counted, its width/count arguments bounded and its result's size checked."""
    from jinja2 import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    passed = (Context, EvalContext, Environment)
    free = name in _FREE_ARGS
    pre = _PRE.get(name)

    @wraps(f)  # keeps jinja2's marker for filters that take the context or environment first
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = _active()
        budget.step()
        skip = 1 if args and isinstance(args[0], passed) else 0
        rest = args[skip + 1:]
        if (rest or kwargs) and not free:
            _check_args([*rest, *kwargs.values()])
        if pre is not None and len(args) > skip:
            args = (*args[:skip], pre(budget, args[skip], rest, kwargs), *rest)
        result = f(*args, **kwargs)
        if isinstance(result, (str, list, tuple)):
            budget.size(len(result))
            budget.charge(len(result))
        return result

    return guarded


def _estimate_replace(text: str, old: Any, new: Any) -> int:
    old, new = str(old), str(new)
    return len(text) + (text.count(old) if old else len(text) + 1) * len(new)


# Filters whose other arguments are values, not widths or counts (x|default(1000000), x|round(2)).
_FREE_ARGS = frozenset({"default", "d", "round", "int", "float", "abs", "select", "reject", "selectattr",
                        "rejectattr", "map", "attr", "groupby", "sort", "unique", "min", "max", "dictsort"})
# The filters a form's template may use: jinja2's own, minus those that make text out of nothing
# (center pads to any width; wordwrap and urlize are not needed for a report).
_FILTERS_DENIED = frozenset({"center", "wordwrap", "urlize", "xmlattr", "pprint", "filesizeformat"})


def _environment_class() -> type:
    from jinja2 import Template, nodes
    from jinja2.runtime import Macro
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class BoundedTemplate(Template):
        def render(self, *args: Any, **kwargs: Any) -> str:
            """Rendered in pieces, so that the whole output is bounded too."""
            budget = _active()
            parts: list[str] = []
            total = 0
            for chunk in self.generate(*args, **kwargs):
                total += len(chunk)
                budget.size(total)
                parts.append(chunk)
            return "".join(parts)

    class BoundedEnvironment(ImmutableSandboxedEnvironment):
        """One environment per use (a form's Markdown, its drafts, its messages), all with these bounds."""

        template_class = BoundedTemplate
        intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})

        def __init__(self, *, exact: bool = False, **options: Any):
            super().__init__(finalize=self._finalize, **options)
            self.exact = exact  # numbers become Decimal in arithmetic: 3/200*100 is 1.50, not 1.4999…
            for name in ("lipsum", "cycler", "joiner"):
                self.globals.pop(name, None)
            self.globals["range"] = _range
            self.filters = {name: _guard_filter(name, f) for name, f in self.filters.items()
                            if name not in _FILTERS_DENIED}
            self._sizes: dict[str | None, int] = {}
            self._strings: dict[str, Any] = {}

        def add_filters(self, filters: Mapping[str, Callable[..., Any]]) -> None:
            """The caller's own filters (cell, inline, tally …), counted like jinja2's."""
            self.filters.update({name: _guard_filter(name, f) for name, f in filters.items()})

        def compile(self, source: Any, name: str | None = None, filename: str | None = None,
                    raw: bool = False, defer_init: bool = False) -> Any:
            if isinstance(source, str):
                if len(source) > MAX_SOURCE:
                    raise TemplateLimit(f"模板有 {len(source)} 个字符，超过 {MAX_SOURCE} 的上限")
                tree = self.parse(source, name, filename)
                self._sizes[name] = _literal_chars([tree])
                source = _guard_tree(tree)
            if raw:
                return super().compile(source, name, filename, True, defer_init)
            return super().compile(source, name, filename, False, defer_init)

        def from_source(self, source: str) -> Any:
            """A template held in a form file under a key, compiled once."""
            tpl = self._strings.get(source)
            if tpl is None:
                if len(self._strings) > 4096:
                    self._strings.clear()
                tpl = self._strings[source] = self.from_string(source)
            return tpl

        def get_template(self, name: Any, parent: Any = None, globals: Any = None) -> Any:
            return self._counted(super().get_template(name, parent, globals))

        def select_template(self, names: Any, parent: Any = None, globals: Any = None) -> Any:
            return self._counted(super().select_template(names, parent, globals))

        def _counted(self, template: Any) -> Any:
            budget = _budget.get()
            if budget is not None:  # an include or import while rendering: a step, and its text counts
                budget.step()
                budget.charge(self._sizes.get(template.name, 0))
            return template

        def _finalize(self, value: Any) -> Any:
            budget = _budget.get()
            if budget is None or isinstance(value, _Charged):
                return value  # constant text at compile time; a macro's output, counted as it was made
            text = value if isinstance(value, str) else str(value)
            budget.charge(len(text))
            return text

        # the guards the compiled templates call (see _guard_tree)
        def guard_iter(self, iterable: Any, cost: int) -> Iterator[Any]:
            budget = _active()
            for item in iterable:
                budget.step()
                if cost:
                    budget.charge(cost)
                yield item

        def guard_charge(self, cost: int) -> str:
            budget = _active()
            budget.step()
            budget.charge(cost)
            return ""

        def guard_concat(self, *parts: Any) -> str:
            budget = _active()
            texts = [p if isinstance(p, str) else str(p) for p in parts]
            n = sum(map(len, texts))
            budget.size(n)
            budget.charge(n)
            return "".join(texts)

        def wrap_str_format(self, value: Any) -> None:
            return None  # str.format is refused outright (is_safe_attribute): widths build text out of nothing

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            if isinstance(obj, str) and attr in _STR_DENIED:
                return False
            if isinstance(obj, int) and attr in ("to_bytes", "from_bytes"):
                return False
            return bool(super().is_safe_attribute(obj, attr, value))

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if self.exact and operator in ("+", "-", "*", "/", "//", "%"):
                left, right = _exact(left), _exact(right)
            _check_int(left)
            _check_int(right)
            budget = _active()
            _before_binop(budget, operator, left, right)
            result = super().call_binop(context, operator, left, right)
            budget.charge(_length(result))
            return result

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            budget = _active()
            budget.step()
            owner = getattr(__obj, "__self__", None)
            if isinstance(__obj, types.BuiltinMethodType) and isinstance(owner, str):  # "a".split(",") …
                _check_args([*args, *kwargs.values()])
                if __obj.__name__ == "join" and args:
                    items = list(args[0])
                    budget.size(_estimate_join(owner, items))
                    args = (items, *args[1:])
                elif __obj.__name__ == "replace" and len(args) >= 2:
                    budget.size(_estimate_replace(owner, args[0], args[1]))
            result = super().call(__context, __obj, *args, **kwargs)
            if isinstance(__obj, Macro) and isinstance(result, str):
                return _Charged(result)
            budget.size(_length(result))
            budget.charge(_length(result))
            return result

    del nodes
    return BoundedEnvironment


def _exact(x: Any) -> Any:
    """Numbers in a message's arithmetic are exact: 3/200*100 rounds to 1.50, not 1.49."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return x
    return Decimal(str(x)) if isinstance(x, float) else Decimal(x)


_CLASS: type | None = None


class Sandbox(Protocol):
    """What the program does with a form's template environment (its class is made on first use: jinja2
    loads late)."""

    def from_source(self, source: str) -> Template: ...

    def select_template(self, names: list[str]) -> Template: ...


def environment(*, loader: BaseLoader | None = None, filters: Mapping[str, Callable[..., object]] | None = None,
                exact: bool = False, **options: object) -> Sandbox:
    """The sandbox every form template runs in (one class, one set of bounds).

    loader: where {% include %} / {% import %} and named templates are found; filters: the caller's
    own; exact: Decimal arithmetic (rule messages); options: jinja2's whitespace options and
    `undefined`. autoescape is off: the outputs are Markdown and plain text, escaped by the filters."""
    global _CLASS
    if _CLASS is None:
        _CLASS = _environment_class()
    env = _CLASS(exact=exact, loader=loader, autoescape=False, **options)
    if filters:
        env.add_filters(filters)
    made: Sandbox = env
    return made


# -- rendering -----------------------------------------------------------------------------------
def _run(where: Callable[[], str], limits: Limits, make: Callable[[], Any], context: Mapping[str, object]) -> str:
    from jinja2 import TemplateError, TemplateNotFound
    from jinja2.exceptions import SecurityError

    outer = _budget.get()
    budget = outer or _Budget(limits, deadline=time.monotonic() + limits.seconds)
    token = _budget.set(budget) if outer is None else None
    try:
        return str(make().render(**context))
    except TemplateRefused:
        raise
    except TemplateLimit as exc:
        raise TemplateRefused(f"{where()}：模板超出了允许的计算量（{exc}），已停止。"
                              "请检查这个表单文件夹的来源，或使用程序自带的表单。") from None
    except SecurityError as exc:
        attr = re.search(r"attribute '([^']+)'", str(exc))
        what = f"“{attr[1]}”" if attr else "程序内部的功能"
        raise TemplateRefused(f"{where()}：模板试图访问{what}，这是不允许的（表单模板只能读取填报的数据），已拒绝。"
                              "请检查这个表单文件夹的来源，或使用程序自带的表单。") from None
    except RecursionError:
        raise TemplateRefused(f"{where()}：模板嵌套或递归过深，已停止。") from None
    except MemoryError:
        raise TemplateRefused(f"{where()}：模板需要的内存过多，已停止。") from None
    except TemplateNotFound as exc:
        raise TemplateRefused(f"{where()}：找不到模板 {exc.name}。") from None
    except TemplateError as exc:
        raise TemplateRefused(f"{where()}：模板有错误：{exc}") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as exc:
        raise TemplateRefused(f"{where()}：模板无法生成（{type(exc).__name__}：{exc}）。") from None
    finally:
        if token is not None:
            _budget.reset(token)


def render_file(env: Sandbox, names: str | list[str], context: Mapping[str, object], *, limits: Limits = DOCUMENT,
                folder: str = "") -> str:
    """A template file found by env's loader (the first of `names` that exists); a refusal names its path."""
    loaded: list[Any] = []

    def make() -> Any:
        loaded.append(env.select_template([names] if isinstance(names, str) else names))
        return loaded[-1]

    def where() -> str:
        if loaded and loaded[-1].filename:
            return f"表单文件 {loaded[-1].filename}"
        return f"表单文件 {folder}/{names if isinstance(names, str) else names[0]}".replace("//", "/")

    return _run(where, limits, make, context)


def render_string(env: Sandbox, source: str, context: Mapping[str, object], *, where: str,
                  limits: Limits = MESSAGE, on_chunk: Callable[[str], None] | None = None) -> str:
    """A template held in a form file under a key; `where` names both ("flows/x.yaml 的规则 r1（message）").
    on_chunk: told each piece of output as it is made (drafts note which sentence reads which answer)."""
    def make() -> Any:
        template = env.from_source(source)
        return template if on_chunk is None else _Watched(template, on_chunk)

    return _run(lambda: f"表单文件 {where}", limits, make, context)


class _Watched:
    """A template rendered piece by piece with each piece passed on, bounded as BoundedTemplate.render is."""

    def __init__(self, template: Any, on_chunk: Callable[[str], None]):
        self.template, self.on_chunk = template, on_chunk

    def render(self, **context: Any) -> str:
        budget = _active()
        parts: list[str] = []
        total = 0
        for chunk in self.template.generate(**context):
            total += len(chunk)
            budget.size(total)
            parts.append(chunk)
            self.on_chunk(chunk)
        return "".join(parts)


def check_string(env: Sandbox, source: str, *, where: str, limits: Limits = MESSAGE) -> None:
    """When a form loads: the template compiles, and rendered without answers it stays within its
    bounds and reaches for nothing refused (a loop that needs no answers to run away is caught here).
    Other failures without answers (a figure missing) are not the template's fault."""
    from jinja2 import TemplateSyntaxError

    try:
        env.from_source(source)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(f"表单文件 {where}：模板有语法错误：{exc}") from None
    except TemplateLimit as exc:
        raise TemplateRefused(f"表单文件 {where}：{exc}。") from None
    except RecursionError:
        raise TemplateRefused(f"表单文件 {where}：模板嵌套过深。") from None
    try:
        render_string(env, source, {}, where=where, limits=limits)
    except TemplateRefused as exc:
        if needs_answers(exc.__context__):
            return
        raise


def needs_answers(exc: BaseException | None) -> bool:
    """A failure that answers would avoid (arithmetic on a missing figure), not a bound or a refusal."""
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    if isinstance(exc, (TemplateLimit, SecurityError, RecursionError, MemoryError)):
        return False
    return isinstance(exc, (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError))

"""The core's public signatures name what they take and give (issue 28): `Any` in them does not grow back.

Counted per parameter and return of every public function and method (name without a leading underscore,
in a public class) of form/, session/, interview/ and report/. The shapes to use instead are in
assistant/form/shapes.py (Stored, Row, Grid, Value, JsonValue, JsonObject); untrusted input is `object`,
checked before use. None is left: a new one fails the test (`python tests/test_public_types.py` lists them).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
CORE = ("form", "session", "interview", "report")
# None is left; never raise it (name the shape in form/shapes.py instead, or take `object` and check it).
CEILING = 0


def _mentions_any(node: ast.expr | None) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # a quoted annotation
        return _mentions_any(ast.parse(node.value, mode="eval").body)
    return any((isinstance(n, ast.Name) and n.id == "Any") or (isinstance(n, ast.Attribute) and n.attr == "Any")
               for n in ast.walk(node))


def _public_functions(body: list[ast.stmt]) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    out: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                not node.name.startswith("_") or node.name == "__init__"):
            out.append(node)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            out += _public_functions(node.body)
    return out


def any_in_public_signatures() -> list[str]:
    """One line per parameter or return typed with Any: path:line: function(parameter)."""
    found = []
    for pkg in CORE:
        for path in sorted((PACKAGE / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for f in _public_functions(tree.body):
                a = f.args
                params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(p for p in (a.vararg, a.kwarg) if p)]
                names = [p.arg for p in params if _mentions_any(p.annotation)]
                names += ["return"] * _mentions_any(f.returns)
                where = f"{path.relative_to(PACKAGE.parent)}:{f.lineno}: {f.name}"
                found += [f"{where}({n})" for n in names]
    return found


def test_any_in_the_cores_public_signatures_does_not_grow():
    found = any_in_public_signatures()
    assert len(found) <= CEILING, (f"{len(found)} public parameters/returns typed Any (at most {CEILING}): name the "
                                   "shape (assistant/form/shapes.py) or take `object` and check it\n" + "\n".join(found))


def test_the_count_sees_any_wherever_it_is_written():
    tree = ast.parse("from typing import Any\nimport typing\n"
                     "def a(x: Any) -> int: ...\ndef b(x: 'dict[str, Any]') -> None: ...\n"
                     "def c(*xs: typing.Any, **kw: int) -> list[Any]: ...\ndef _private(x: Any) -> Any: ...\n"
                     "class C:\n    def m(self, x: int) -> Any: ...\n    def _n(self, x: Any) -> None: ...\n")
    hits = [(f.name, p.arg) for f in _public_functions(tree.body)
            for p in [*f.args.args, *(q for q in (f.args.vararg, f.args.kwarg) if q)] if _mentions_any(p.annotation)]
    returns = [f.name for f in _public_functions(tree.body) if _mentions_any(f.returns)]
    assert hits == [("a", "x"), ("b", "x"), ("c", "xs")] and returns == ["c", "m"]


if __name__ == "__main__":
    lines = any_in_public_signatures()
    print("\n".join(lines))
    print(f"{len(lines)} (ceiling {CEILING})", file=sys.stderr)

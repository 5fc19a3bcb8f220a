"""The package's layers hold: the import-linter contracts in pyproject.toml, and imports at module top in the core.

Layers, high to low: frontends → hosting → report → interview → session → form → files → text → errors, paths. A module
imports only from its own layer or lower ones, the modules of one package import each other one way, and the
core (every package but frontends/) imports what it uses at module top: deferred imports are for heavy
third-party modules, and in the front ends for dispatch (a CLI subcommand, a screen opened on a key).
"""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "assistant"
CORE = ("text", "files", "form", "session", "interview", "report", "hosting")


def _contracts() -> list[dict]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


@pytest.mark.slow  # spawns a process
def test_the_contracts_are_kept():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(lint).exists():
        pytest.skip("import-linter is not installed (pip install '.[lint]')")
    proc = subprocess.run([lint], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


def test_every_module_is_in_a_layer():
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    named = {part.strip() for layer in layers for part in layer.replace(":", "|").split("|")}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) == 2:
            continue  # the package itself: its version
        top = ".".join(parts[:2])
        assert top in named, f"{path.relative_to(ROOT)} is in no layer of the contract ({top})"


def _function_level_imports_of_ours(path: Path) -> list[str]:
    found = []

    def walk(node: ast.AST, inside: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                walk(child, True)
            elif isinstance(child, (ast.Import, ast.ImportFrom)) and inside:
                names = [a.name for a in child.names] if isinstance(child, ast.Import) else [child.module or ""]
                if (isinstance(child, ast.ImportFrom) and child.level) or any(n.startswith("assistant") for n in names):
                    found.append(f"{path.relative_to(ROOT)}:{child.lineno}: {ast.unparse(child)}")
            else:
                walk(child, inside)

    walk(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


def test_the_core_imports_its_own_modules_at_module_top():
    found = []
    for pkg in CORE:
        for path in sorted((PACKAGE / pkg).rglob("*.py")):
            found += _function_level_imports_of_ours(path)
    assert found == []

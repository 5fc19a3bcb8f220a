"""The headless core (every package but frontends/) loads no terminal library and none of the heavy ones.

Checked in a fresh interpreter that imports EVERY core module: the imports are at module top, so importing a
module loads all it can ever load of ours (only heavy third-party modules wait for the function that needs them).
"""

import json
import subprocess
import sys

TERMINAL = ("textual", "textual_serve", "questionary", "prompt_toolkit", "rich")
HEAVY = ("docx", "openpyxl", "python_calamine", "xlsxwriter", "pypdf", "jinja2", "yaml", "pydantic", "charset_normalizer")

CODE = """
import importlib, json, pkgutil, sys
import assistant
core = sorted(m.name for m in pkgutil.walk_packages(assistant.__path__, "assistant.")
              if not m.name.startswith("assistant.frontends") and m.name != "assistant.report.watchdog")
first = {}
for name in core:
    before = set(sys.modules)
    importlib.import_module(name)
    for new in set(sys.modules) - before:
        first.setdefault(new.split(".")[0], name)
print(json.dumps({"core": core, "loaded_by": first}))
"""


def _core_imports() -> dict:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_every_core_module_is_free_of_terminal_and_heavy_libraries():
    seen = _core_imports()
    assert len(seen["core"]) > 40  # every module of the six core packages was imported
    loaded = seen["loaded_by"]
    bad = {lib: loaded[lib] for lib in TERMINAL + HEAVY if lib in loaded}
    assert bad == {}, f"library loaded by importing the core module named: {bad}"

"""A copy of a packaged form under a new id in a folder of its own (as a "new edition" passed around),
for tests that change one of its files: a hostile template, a runaway expression, a key given twice."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.paths import data_dir

_FILES = {
    "annual_report": ("  id: annual_report\n  key: annual\n", "annual_answers.yaml"),
    "district_summary": ("  id: district_summary\n  key: district\n", "district_answers.yaml"),
}


def copy_form(root: Path, new_id: str, key: str, source: str = "annual_report") -> Path:
    """`source`'s flow, wording, templates and sample copied under `root` as form `new_id` (short name `key`)."""
    head, sample = _FILES[source]
    src = data_dir("flows").parent
    for sub in ("flows", "prompts", "templates", "examples"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    flow = (src / "flows" / f"{source}.yaml").read_text(encoding="utf-8")
    assert head in flow
    (root / "flows" / f"{new_id}.yaml").write_text(flow.replace(head, f"  id: {new_id}\n  key: {key}\n", 1),
                                                  encoding="utf-8")
    shutil.copy(src / "prompts" / f"{source}.yaml", root / "prompts" / f"{new_id}.yaml")
    for path in (src / "templates").glob(f"{source}.*"):
        shutil.copy(path, root / "templates" / path.name.replace(source, new_id, 1))
    for path in (src / "flows").glob(f"{source}.*.yaml"):  # enterprises, rollup
        shutil.copy(path, root / "flows" / path.name.replace(source, new_id, 1))
    shutil.copy(src / "examples" / sample, root / "examples" / sample)
    return root


def edit(path: Path, old: str, new: str) -> None:
    """Replace `old` (present exactly once) in a copied form file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")

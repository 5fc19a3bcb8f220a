"""A form package: every file of one form, loaded once and checked whole.

flow (flows/<id>.yaml), wording (prompts/<id>.yaml), layout and drafts (templates/<id>.layout.yaml,
<id>.drafts.yaml), enterprise spec and roll-up (flows/<id>.enterprises.yaml, <id>.rollup.yaml), and the
glossary and submission files the form shares with others (prompts/glossary.yaml, templates/submission.yaml:
the form's folder first, else the packaged ones). Each is a strict model (form/schema.py) read through one
YAML 1.2 loader; every id it names is resolved against the flow. A problem names the file, the key and its
line; the package is refused whole. What the layers above build from a file (the enterprise spec, the
Markdown templates' environment, …) is kept in the package's memo: one cache per form, cleared together.

A package that checked once is kept as a pickle keyed by the content of all its files: start-up then
reads no YAML and imports no pydantic.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from assistant import __version__
from assistant.errors import FlowError
from assistant.files.atomic import atomic_write
from assistant.files.yamlio import line_of, read_yaml
from assistant.form.flow import Column, Fix, Flow, FlowFile, FormMeta, Option, Question, Rule, Section, load_flow_file
from assistant.form.schema import problems as file_problems
from assistant.form.shapes import EnterprisesFile, GlossaryFile, JsonObject, LayoutFile, RollupFile, SubmissionFile
from assistant.paths import cache_dir

# kind -> (sub-folder, file name); {id} is the form's id. Shared files have no {id}.
FILES: dict[str, tuple[str, str]] = {
    "flow": ("flows", "{id}.yaml"),
    "wording": ("prompts", "{id}.yaml"),
    "layout": ("templates", "{id}.layout.yaml"),
    "drafts": ("templates", "{id}.drafts.yaml"),
    "enterprises": ("flows", "{id}.enterprises.yaml"),
    "rollup": ("flows", "{id}.rollup.yaml"),
    "glossary": ("prompts", "glossary.yaml"),
    "submission": ("templates", "submission.yaml"),
}
CHECKED = ("glossary", "wording", "layout", "drafts", "enterprises", "rollup", "submission")  # the order checked
_CACHE_FORMAT = "11"  # bump when the pickled classes change
MAX_SAID = 30  # problems said at load (`filing forms --check` says all)

T = TypeVar("T")


@dataclass
class FormPackage:
    """One form's files, checked: the flow and the data of each other file ({} / None when absent)."""

    id: str
    flow: Flow
    paths: dict[str, Path]
    data: dict[str, Any]
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_memo": {}}  # built by the layers above in each run

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update({**state, "_memo": {}})

    @property
    def layout(self) -> LayoutFile:
        layout: LayoutFile | None = self.data.get("layout")
        return layout or {}

    @property
    def drafts(self) -> JsonObject:
        return self.data.get("drafts") or {}

    @property
    def enterprises(self) -> EnterprisesFile | None:
        return self.data.get("enterprises")

    @property
    def rollup(self) -> RollupFile | None:
        return self.data.get("rollup")

    @property
    def glossary(self) -> GlossaryFile:
        glossary: GlossaryFile | None = self.data.get("glossary")
        return glossary or {}

    @property
    def submission(self) -> SubmissionFile:
        submission: SubmissionFile | None = self.data.get("submission")
        return submission or {}

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """What a layer above builds from this package's files, built once per package."""
        try:
            built: T = self._memo[key]  # stored by build() under this key
            return built
        except KeyError:
            value = self._memo[key] = build()
            return value


def package_paths(form_id: str, own: Path, packaged: Path) -> dict[str, Path]:
    """Where each file of the form is: its own folder, else (shared files) the packaged data."""
    out = {}
    for kind, (folder, name) in FILES.items():
        path = own / folder / name.format(id=form_id)
        shared = packaged / folder / name.format(id=form_id)
        out[kind] = path if path.exists() or kind in ("flow", "wording") or not shared.exists() else shared
    return out


def _digest(form_id: str, paths: dict[str, Path]) -> str:
    # The pickled classes' shape is part of the key: a new field never meets an old pickle.
    shape = ";".join(f"{c.__name__}:{','.join(c.__struct_fields__)}"
                     for c in (Option, Column, Question, Section, Fix, Rule, FormMeta, FlowFile))
    shape += f";FormPackage:{','.join(f.name for f in fields(FormPackage))}"
    h = hashlib.sha256(f"{_CACHE_FORMAT}:{__version__}:{shape}:{form_id}".encode())
    for kind, path in paths.items():
        h.update(f"\0{kind}:{path.resolve()}\0".encode())
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"\0absent")
    return h.hexdigest()[:20]


def load_package(form_id: str, paths: dict[str, Path], *, use_cache: bool = True) -> FormPackage:
    """The form's package, checked whole; FlowError names every problem (file, line, key)."""
    cached = cache_dir() / f"{form_id}-{_digest(form_id, paths)}.pickle"
    if use_cache:
        try:
            pkg = pickle.loads(cached.read_bytes())
            if isinstance(pkg, FormPackage):
                return pkg
        except Exception:
            pass
    pkg, problems = check_package(form_id, paths)
    if pkg is None or problems:
        said = problems[:MAX_SAID] + ([f"……另有 {len(problems) - MAX_SAID} 处"] if len(problems) > MAX_SAID else [])
        raise FlowError("\n".join(said))
    if use_cache:
        try:
            for old in cached.parent.glob(f"{form_id}-*.pickle"):
                old.unlink(missing_ok=True)
            atomic_write(cached, pickle.dumps(pkg, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a read-only cache folder only costs start-up time
    return pkg


def check_package(form_id: str, paths: dict[str, Path]) -> tuple[FormPackage | None, list[str]]:
    """(the package, or None when its flow does not load; every problem found, each naming file, line and key)."""
    try:
        flow = load_flow_file(paths["flow"], paths["wording"])
    except FlowError as exc:
        return None, [str(exc)]
    if flow.form != form_id:
        return None, [f"{paths['flow']}: form.id 是 “{flow.form}”，应与文件名 {form_id} 一致"]
    data: dict[str, Any] = {}
    said: list[str] = []
    glossary_ids: set[str] | None = None
    for kind in CHECKED:
        path = paths[kind]
        if not path.is_file():
            data[kind] = None
            continue
        try:
            raw = read_yaml(path)
        except FlowError as exc:
            said.append(str(exc))
            continue
        found = file_problems(kind, raw, flow, glossary_ids)
        for loc, message in found:
            line = line_of(path, loc)
            key = ".".join(map(str, loc)) or "顶层"
            said.append(f"{path}: " + (f"第 {line} 行，" if line else "") + f"{key}：{message}")
        if not found:
            data[kind] = raw
            if kind == "glossary":
                glossary_ids = {str(t["id"]) for t in (raw or {}).get("terms") or []}
    return FormPackage(form_id, flow, paths, data), said

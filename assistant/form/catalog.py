"""Which forms exist: discovered from data, never listed in code.

A form is the set of files named by its id under a forms folder with the design's sub-folders:
flows/<id>.yaml (logic and the form's metadata), prompts/<id>.yaml (wording),
templates/<id>.layout.yaml / <id>.md.j2 / <id>.drafts.yaml (rendering) and its sample answers in
examples/. The packaged data is one such folder; `--forms DIR` or $FILING_FORMS (several folders
separated by the path separator) add others, so a new edition needs no new release.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from assistant.errors import FlowError
from assistant.form.flow import Flow
from assistant.form.package import FormPackage, check_package, load_package, package_paths
from assistant.paths import data_dir

ENV = "FILING_FORMS"
_chosen: list[Path] | None = None  # set by `--forms`; None: $FILING_FORMS decides


class FormNotFound(FlowError):
    """No form has this id or short name; str() says so in Chinese and lists the known forms."""


def packaged_root() -> Path:
    return data_dir("flows").parent


def use_forms(dirs: Iterable[str | Path]) -> None:
    """Add forms folders for this process (the command line's --forms), replacing $FILING_FORMS."""
    global _chosen
    _chosen = [Path(d).expanduser() for d in dirs]
    forget()


def forget() -> None:
    """Forget every form loaded: their packages (and all built from them), where they are, which are broken."""
    with _loading:
        _packages.clear()
        roots_cache.clear()
        _broken.clear()


_loading = threading.RLock()
_packages: dict[str, FormPackage] = {}  # form id -> its package: the one cache of what a form's files hold
_broken: dict[str, str] = {}  # form id -> why its files cannot be loaded (asked once per process)


def loaded(form_id: str) -> Flow | None:
    """The form's Flow, or None when its files cannot be loaded (the reason: broken())."""
    with _loading:
        if form_id in _broken:
            return None
        try:
            return load_flow(form_id)
        except FlowError as exc:
            _broken[form_id] = str(exc)
            return None


def broken() -> dict[str, str]:
    """Every discovered form whose files cannot be loaded: id -> the reason, naming the file. One
    such form (a hostile or damaged copy) never makes the others unusable: lists skip it and say so."""
    for fid in form_ids():
        loaded(fid)
    known = form_ids()
    return {fid: why for fid, why in _broken.items() if fid in known}


roots_cache: dict[str, list[Path]] = {}


def extra_roots() -> list[Path]:
    if _chosen is not None:
        return list(_chosen)
    env = os.environ.get(ENV, "")
    return [Path(p).expanduser() for p in env.split(os.pathsep) if p.strip()]


def check_root(root: Path) -> str | None:
    """Why `root` cannot be a forms folder (in Chinese), or None."""
    if not root.is_dir():
        return f"表单文件夹 {root} 不存在或不是文件夹。"
    if not (root / "flows").is_dir():
        return f"表单文件夹 {root} 里没有 flows/ 子文件夹（应与程序自带的数据一样有 flows/、prompts/、templates/、examples/）。"
    return None


def roots() -> list[Path]:
    """The packaged data first, then each extra folder (missing folders are skipped here; the
    command line refuses them when given)."""
    key = os.environ.get(ENV, "") if _chosen is None else "\0".join(map(str, _chosen))
    found = roots_cache.get(key)
    if found is None:
        found = [packaged_root()] + [r for r in extra_roots() if check_root(r) is None]
        roots_cache.clear()
        roots_cache[key] = found
    return found


def form_ids() -> dict[str, Path]:
    """Every form id -> the folder that holds it. The same id in two folders is refused, not guessed."""
    out: dict[str, Path] = {}
    for root in roots():
        for path in sorted((root / "flows").glob("*.yaml")):
            # A form's own auxiliary files are <id>.<what>.yaml (e.g. .rollup); a form's flow file
            # has a top-level `form:` block.
            if path.stem.startswith((".", "_")) or "." in path.stem or not _declares_form(path):
                continue
            if path.stem in out and out[path.stem] != root:
                raise FlowError(f"表单 “{path.stem}” 同时出现在 {out[path.stem]} 和 {root}：请给新的版本另起一个编号"
                                "（flows/、prompts/、templates/ 里的文件名和 form.id 一起改）。")
            out[path.stem] = root
    return out


def _declares_form(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as fh:
            return any(line.startswith("form:") for line in fh)
    except (OSError, UnicodeDecodeError):
        return True  # said when it is loaded, in words


def root_of(form_id: str) -> Path:
    """The forms folder holding `form_id` (its flow file)."""
    roots_ = form_ids()
    if form_id not in roots_:
        raise FormNotFound(unknown_form_message(form_id))
    return roots_[form_id]


def file_of(form_id: str, folder: str, name: str) -> Path:
    """A form's file in one of the sub-folders (flows, prompts, templates, examples): in the form's
    own folder, else in the packaged data (shared files such as templates/_blocks.md.j2)."""
    own = root_of(form_id) / folder / name
    if own.exists():
        return own
    shared = packaged_root() / folder / name
    return shared if shared.exists() else own


def resolve(name: str) -> str:
    """A form id from an id or a short name (what --form takes)."""
    ids = form_ids()
    if name in ids:
        return name
    matches = [fid for fid in ids if getattr(loaded(fid), "key", None) == name]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise FlowError(f"简称 “{name}” 同时属于表单 {'、'.join(matches)}：请用表单编号。")
    raise FormNotFound(unknown_form_message(name))


def available() -> list[tuple[str, str, str]]:
    """(id, short name for --form, how the form is called) of every form that loads, packaged ones
    first (broken() names the others)."""
    out = []
    for fid in form_ids():
        flow = loaded(fid)
        if flow is not None:
            out.append((fid, flow.key, flow.describe()))
    # Two editions called the same (a copy that kept its short name) are told apart by their key.
    seen = [desc for _, _, desc in out]
    return [(fid, key, f"{desc} · {key}" if seen.count(desc) > 1 else desc) for fid, key, desc in out]


def unknown_form_message(name: str) -> str:
    try:
        known = "；".join(f"{key}（{desc}）" for _, key, desc in available())
    except Exception:  # a broken form must not hide the message about the name
        known = ""
    extra = f"如果它在另外的表单文件夹里，请加 --forms 文件夹 或设置环境变量 {ENV}。"
    bad = "；".join(f"{fid}（{why}）" for fid, why in _broken.items())
    bad = f"另有无法使用的表单：{bad}。" if bad else ""
    return f"没有名为 “{name}” 的表单。" + (f"可选：{known}。" if known else "") + bad + extra


def default_form() -> str:
    """The form a command uses when none is named: the first discovered (packaged forms first)."""
    ids = list(form_ids())
    if not ids:
        raise FlowError("没有找到任何表单（flows/ 里没有表单文件）：安装可能不完整。")
    return ids[0]


def package(form: str) -> FormPackage:
    """The form's package (form: its id or short name), loaded and checked whole once per process;
    FlowError names every problem of its files. See assistant/form/package.py."""
    pkg = _packages.get(form)
    if pkg is not None:
        return pkg
    with _loading:  # loading is not safe from two threads at once (the hosted server's pages and workers)
        name = resolve(form)
        pkg = _packages.get(name)
        if pkg is None:
            pkg = _packages[name] = load_package(name, package_paths(name, root_of(name), packaged_root()))
        return pkg


def load_flow(form: str) -> Flow:
    """form: a form id, or its short name (`key`, what --form takes)."""
    return package(form).flow


def check_forms(root: Path | None = None) -> dict[str, list[str]]:
    """Every form in `root` (default: every form found) checked anew, without the cache: id -> its problems
    (empty: fine). Nothing is kept: the next load reads the files again."""
    if root is not None:
        use_forms([root])
    ids = {fid: r for fid, r in form_ids().items() if root is None or r == Path(root).expanduser()}
    out: dict[str, list[str]] = {}
    for fid, r in ids.items():
        _pkg, problems = check_package(fid, package_paths(fid, r, packaged_root()))
        out[fid] = problems
    forget()
    return out

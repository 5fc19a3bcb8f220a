"""YAML as the form files and answer files are read: YAML 1.2 booleans, a key given twice refused."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from assistant.errors import DuplicateKey, FlowError


@cache
def yaml_loader() -> Any:
    """YAML 1.2 booleans: only true/false, so option ids `yes`, `no`, `on` stay strings.

    Built on first use: a cached flow needs no YAML at start-up.
    """

    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster

    class Yaml12Loader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            """A key given twice is refused (PyYAML would keep the last in silence)."""
            if isinstance(node, yaml.MappingNode):
                self.flatten_mapping(node)
                seen: dict[Any, int] = {}
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=deep)
                    line = key_node.start_mark.line + 1
                    try:
                        if key in seen:
                            raise DuplicateKey(key, (seen[key], line))
                    except TypeError:
                        continue  # an unhashable key: the base class says so
                    seen[key] = line
            return super().construct_mapping(node, deep)

    Yaml12Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
    }
    Yaml12Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    return Yaml12Loader


def yaml_load(text: Any) -> Any:
    import yaml

    return yaml.load(text, Loader=yaml_loader())


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml_load(fh)
    except FileNotFoundError:
        raise FlowError(f"{path}: 文件不存在") from None
    except DuplicateKey as exc:
        raise FlowError(f"{path}: {exc}") from None
    except RecursionError:
        raise FlowError(f"{path}: 嵌套层数过深，不是有效的表单文件") from None
    except Exception as exc:
        if type(exc).__module__.startswith("yaml"):
            raise FlowError(f"{path}: 不是有效的 YAML：{exc}") from None
        raise


def line_of(path: Path, loc: tuple[str | int, ...]) -> int | None:
    """The line (1-based) of the key or item at `loc` in a YAML file, or None (said with a problem found
    in its data: the file is parsed again only then, never on the way to a form that loads)."""
    import yaml

    try:
        with path.open(encoding="utf-8") as fh:
            node = yaml.compose(fh, Loader=yaml_loader())
    except Exception:  # a line number is a courtesy: any failure just leaves it out
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line

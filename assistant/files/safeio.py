"""Reading files whose size and shape are not trusted: bounded reads, and YAML/JSON holding plain data only.

An answer file holds scalars, lists and mappings. Aliases (the billion-laughs bomb), explicit tags such
as `!!binary`, deep nesting and endless streams (/dev/zero, a FIFO) are refused with a Chinese message
before any work proportional to what the file pretends to hold.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.errors import EXIT_FILE, DuplicateKey, UserError, no_duplicate_keys
from assistant.files.yamlio import yaml_load, yaml_loader

MB = 1024 * 1024
MAX_ANSWER_FILE_BYTES = 5 * MB  # the sample answers are ~10 KB; a 10 000-row list in YAML is ~2 MB
MAX_REPORT_FILE_BYTES = 50 * MB  # an exported JSON report with a 10 000-row list is ~3 MB
MAX_ANSWER_KEYS = 10_000  # question ids in one file; a form has a few hundred
MAX_DEPTH = 64  # nesting of lists/mappings in an answer file (a list of rows needs 3)
_CHUNK = 64 * 1024
# Tags a plain YAML document may spell out; anything else (!!binary, !!set, !custom) is refused.
_PLAIN_TAGS = {None, "!", *(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map"))}


class FileTooLarge(Exception):
    """More bytes than the limit: reading stopped there (the stream may be endless)."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def size_text(n: int) -> str:
    """A byte count as people say it: 5 MB, 64 KB."""
    return f"{n // MB} MB" if n >= MB and n % MB == 0 else f"{n // 1024} KB" if n >= 1024 else f"{n} 字节"


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes, read in chunks; FileTooLarge as soon as there are more than `limit`."""
    chunks: list[bytes] = []
    total = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FileTooLarge(limit)
    return b"".join(chunks)


class PlainDataError(ValueError):
    """The document is valid YAML but holds more than plain data; str() is the Chinese reason."""


def _check_events(text: str) -> None:
    """One pass over the parser's events (C speed): refuse aliases, unusual tags, deep nesting, and more
    question ids than any form has (a file with a million keys stops here, before it is built)."""
    import yaml


    stack: list[list[bool]] = []  # per open collection: [is a mapping, the next node is a key]
    keys = 0
    for event in yaml.parse(text, Loader=yaml_loader()):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            raise PlainDataError(f"第 {line} 行引用了别名 *{event.anchor}："
                                 "答案文件不支持锚点和别名（& 和 *），请直接写出每个值。")
        tag = getattr(event, "tag", None)
        if tag not in _PLAIN_TAGS:
            shown = str(tag).replace("tag:yaml.org,2002:", "!!")
            raise PlainDataError(f"第 {line} 行的标记 {shown} 不受支持：答案文件只能包含文字、数字、列表和“编号: 值”的映射。")
        if isinstance(event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)) and stack:
            parent = stack[-1]
            if parent[0]:
                # keys of the top mapping, or of `answers:` in it, are question ids; list rows lie deeper
                if parent[1] and len(stack) <= 2:
                    keys += 1
                    if keys > MAX_ANSWER_KEYS:
                        raise PlainDataError(f"编号超过 {MAX_ANSWER_KEYS} 个（表单的问题远没有这么多），已停止检查。")
                parent[1] = not parent[1]
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            stack.append([isinstance(event, yaml.MappingStartEvent), True])
            if len(stack) > MAX_DEPTH:
                raise PlainDataError(f"第 {line} 行嵌套超过 {MAX_DEPTH} 层，答案文件不需要这么深的结构。")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            stack.pop()


def plain_yaml_load(text: str) -> Any:
    """YAML with the app's YAML 1.2 booleans, refusing anything but plain scalars, lists and mappings."""
    _check_events(text)
    return yaml_load(text)


def _json_depth_ok(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return True


def load_answer_data(path: Path, limit: int | None = None) -> Any:
    """An answer file (YAML, or JSON by its suffix) as plain data; UserError (exit code 4) naming the cause."""
    limit = MAX_ANSWER_FILE_BYTES if limit is None else limit
    try:
        raw = read_bounded(path, limit)
    except FileNotFoundError:
        raise UserError(f"找不到文件 {path}。", EXIT_FILE) from None
    except IsADirectoryError:
        raise UserError(f"{path} 是一个文件夹，不是答案文件。", EXIT_FILE) from None
    except FileTooLarge:
        raise UserError(f"{path} 超过答案文件的大小上限 {size_text(limit)}，已停止读取。"
                        "答案文件一般只有几 KB，请检查是否选错了文件。", EXIT_FILE) from None
    except OSError as exc:
        raise UserError(f"无法读取 {path}：{exc.strerror or exc}", EXIT_FILE) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path} 不是 UTF-8 编码的文本，请用 UTF-8 保存后再试。", EXIT_FILE) from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text, object_pairs_hook=no_duplicate_keys)
            if not _json_depth_ok(data):
                raise PlainDataError(f"嵌套超过 {MAX_DEPTH} 层，答案文件不需要这么深的结构。")
            inner = data.get("answers") if isinstance(data, dict) else None
            if isinstance(data, dict) and len(data) + (len(inner) if isinstance(inner, dict) else 0) > MAX_ANSWER_KEYS:
                raise PlainDataError(f"编号超过 {MAX_ANSWER_KEYS} 个（表单的问题远没有这么多），已停止检查。")
            return data
        return plain_yaml_load(text)
    except (PlainDataError, DuplicateKey) as exc:
        raise UserError(f"{path} 不能作为答案文件：{exc}", EXIT_FILE) from None
    except RecursionError:
        raise UserError(f"{path} 不能作为答案文件：嵌套层数太多。", EXIT_FILE) from None
    except Exception as exc:  # YAML/JSON syntax errors, without importing yaml up front
        if isinstance(exc, ValueError) or type(exc).__module__.startswith("yaml"):
            raise UserError(f"{path} 不是有效的 YAML/JSON：{exc}", EXIT_FILE) from None
        raise


def read_answer_file(path: Path) -> dict[str, Any]:
    """An answer file: question id -> value (optionally under `answers:`)."""
    data = load_answer_data(path)  # bounded size; aliases, tags and deep nesting refused
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        data = data["answers"]
    if not isinstance(data, dict):
        raise UserError(f"{path} 应是“问题编号: 值”的映射。", EXIT_FILE)
    return data

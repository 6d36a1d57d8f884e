"""YAML from users' files with budgets: no aliases, bounded size, bounded node count.

A YAML alias (``*a``) makes the parser reuse a node; a few hundred bytes of nested aliases ("billion
laughs") expand into gigabytes once the document is turned into Python objects or printed. Workbooks
written by people never need aliases, so :func:`load_user_yaml` refuses every anchor and alias outright,
limits the file size and the number of nodes, and :func:`excerpt` keeps any value quoted in a message
short.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from liangshan.standards.errors import InputError

__all__ = ["MAX_YAML_BYTES", "MAX_YAML_NODES", "UnsafeYamlError", "excerpt", "load_user_yaml"]

MAX_YAML_BYTES = 8 * 1024 * 1024
"""Largest YAML file accepted from a user: 8 MiB (a full GEP workbook is a few hundred KiB)."""
MAX_YAML_NODES = 1_000_000
"""Most nodes (scalars, lists, mappings) in one document."""
EXCERPT_CHARS = 60
_NO_ALIAS = "不允许使用 YAML 别名（*），请把内容直接写出"
_NO_ANCHOR = "不允许使用 YAML 锚点（&），请把内容直接写出"


class UnsafeYamlError(InputError):
    """The YAML file is refused before it is turned into objects (alias, anchor or a budget).
    ``reason`` is the message without the location."""

    def __init__(self, reason: str, *, file: str | None = None, row: int | None = None) -> None:
        super().__init__(reason, file=file, row=row)
        self.reason = reason


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short quotation of ``value`` for an error message: at most ``limit`` characters, never the
    ``repr`` of a whole (possibly huge) container."""
    if isinstance(value, dict):
        return f"（映射，{len(value)} 项）"
    if isinstance(value, list | tuple | set):
        return f"（列表，{len(value)} 项）"
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\n", " ")
    return f"“{text[:limit]}…”" if len(text) > limit else f"“{text}”"


class _BudgetComposer(Composer):
    """A composer that refuses anchors and aliases and counts nodes."""

    max_nodes: int = MAX_YAML_NODES
    name: str = ""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        mark = event.start_mark
        if isinstance(event, AliasEvent):
            raise UnsafeYamlError(_NO_ALIAS, file=self.name, row=_row(mark))
        if isinstance(event, ScalarEvent | CollectionStartEvent) and event.anchor is not None:
            raise UnsafeYamlError(_NO_ANCHOR, file=self.name, row=_row(mark))
        self._nodes = getattr(self, "_nodes", 0) + 1
        if self._nodes > self.max_nodes:
            raise UnsafeYamlError(f"YAML 节点数超过上限 {self.max_nodes:,}", file=self.name, row=_row(mark))
        return super().compose_node(parent, index)


def _row(mark: Any) -> int | None:
    return mark.line + 1 if mark is not None else None


class _UserLoader(Reader, Scanner, Parser, _BudgetComposer, SafeConstructor, Resolver):
    def __init__(self, stream: str, name: str, max_nodes: int) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _BudgetComposer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.name, self.max_nodes = name, max_nodes


def load_user_yaml(
    raw: bytes | str,
    *,
    name: str,
    max_bytes: int = MAX_YAML_BYTES,
    max_nodes: int = MAX_YAML_NODES,
) -> Any:
    """Parse one YAML document from a user's file (safe types only).

    Raises
    ------
    UnsafeYamlError
        The file is larger than ``max_bytes``, uses an anchor or alias, has more than ``max_nodes``
        nodes, or is not valid YAML / UTF-8 (line named; the message never quotes more than a short
        excerpt).
    """
    size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise UnsafeYamlError(f"文件大小 {size:,} 字节超过上限 {max_bytes:,} 字节", file=name)
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnsafeYamlError(f"不是 UTF-8 编码（第 {exc.start} 字节）", file=name) from None
    else:
        text = raw
    loader = _UserLoader(text, name, max_nodes)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        col = f"第 {mark.column + 1} 列" if mark is not None else ""
        reason = f"YAML 格式错误{col and '（' + col + '）'}，请检查缩进、冒号和引号"
        raise UnsafeYamlError(reason, file=name, row=_row(mark)) from None
    except yaml.YAMLError:
        raise UnsafeYamlError("YAML 格式错误", file=name) from None
    finally:
        loader.dispose()

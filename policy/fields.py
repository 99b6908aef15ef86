"""Readers that turn composed YAML nodes into plain values, recording problems with line numbers.

We read `yaml.compose` nodes rather than `yaml.safe_load` output because only nodes remember where
they came from: every problem can then name the file, the line and the field. A reader returns the
value, or BAD after recording a problem, and never raises, so one pass finds every problem.
"""

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from policy.errors import PolicyProblem

BAD: Any = object()  # typed Any so readers can return it where a value is expected

_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_TAG + name for name in ("str", "int", "bool", "null", "float", "timestamp", "map", "seq")}
_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Context:
    source: str
    problems: list[PolicyProblem] = field(default_factory=list)

    def problem(self, node: yaml.Node | None, path: str, message: str) -> Any:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(PolicyProblem(self.source, line, path, message))
        return BAD


def describe(node: yaml.Node) -> str:
    """How a wrong value is shown back to the person who wrote it."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == _TAG + "null":
        return "nothing"
    value = str(node.value)
    shown = value if len(value) <= 40 else value[:37] + "..."
    return f'"{shown}"' if node.tag == _TAG + "str" else shown


def _tag_ok(ctx: Context, node: yaml.Node, path: str) -> bool:
    # The composer keeps explicit tags such as !!python/object as strings; refuse them outright.
    if node.tag in _ALLOWED_TAGS:
        return True
    ctx.problem(node, path, f"unsupported YAML tag {node.tag}")
    return False


class Kind:
    """One expected shape of value; subclasses implement `read`."""

    def read(self, ctx: Context, node: yaml.Node, path: str) -> Any:
        raise NotImplementedError


class Text(Kind):
    """Any scalar, kept as written (so `version: 1.0` stays "1.0" and the language `no` stays "no")."""

    def __init__(self, max_length: int = 200, pattern: str | None = None, shape: str = "", choices: tuple[str, ...] = ()) -> None:
        self.max_length = max_length
        self.pattern = re.compile(pattern) if pattern else None
        self.shape = shape
        self.choices = choices

    def read(self, ctx: Context, node: yaml.Node, path: str) -> Any:
        if not _tag_ok(ctx, node, path):
            return BAD
        if not isinstance(node, yaml.ScalarNode) or node.tag == _TAG + "null":
            return ctx.problem(node, path, f"expected text, got {describe(node)}")
        value = str(node.value).strip()
        if not value:
            return ctx.problem(node, path, "must not be empty")
        if len(value) > self.max_length:
            return ctx.problem(node, path, f"is {len(value)} characters long; the limit is {self.max_length}")
        if self.choices and value not in self.choices:
            return ctx.problem(node, path, f"expected one of {', '.join(self.choices)}, got {describe(node)}")
        if self.pattern and not self.pattern.fullmatch(value):
            return ctx.problem(node, path, f"expected {self.shape}, got {describe(node)}")
        return value


class Bool(Kind):
    def read(self, ctx: Context, node: yaml.Node, path: str) -> Any:
        if isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "bool":
            return SafeConstructor().construct_yaml_bool(node)
        return ctx.problem(node, path, f"expected true or false, got {describe(node)}")


class Int(Kind):
    def __init__(self, minimum: int = 0, nullable: bool = False) -> None:
        self.minimum = minimum
        self.nullable = nullable

    def read(self, ctx: Context, node: yaml.Node, path: str) -> Any:
        if self.nullable and isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "null":
            return None
        if not (isinstance(node, yaml.ScalarNode) and node.tag == _TAG + "int"):
            return ctx.problem(node, path, f"expected a whole number, got {describe(node)}")
        try:
            value = int(SafeConstructor().construct_yaml_int(node))
        except (ValueError, OverflowError):
            return ctx.problem(node, path, f"expected a whole number, got {describe(node)}")
        if value < self.minimum:
            return ctx.problem(node, path, f"must be at least {self.minimum}, got {value}")
        return value


class Date(Kind):
    """A calendar date, written 2024-05-01 (quoted or not); stored as ISO text."""

    def read(self, ctx: Context, node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in (_TAG + "timestamp", _TAG + "str"):
            return ctx.problem(node, path, f"expected a date like 2024-05-01, got {describe(node)}")
        raw = str(node.value).strip()
        if not _DATE_SHAPE.fullmatch(raw):
            return ctx.problem(node, path, f"expected a date like 2024-05-01, got {describe(node)}")
        try:
            value = date.fromisoformat(raw)
        except ValueError as exc:
            return ctx.problem(node, path, f"{raw} is not a real date ({exc})")
        assert not isinstance(value, datetime)
        return value.isoformat()


# A field of a record: its kind, whether it must be present, and the value used when it is absent.
FieldSpec = tuple[Kind, bool, Any]
Check = Callable[[Context, yaml.Node, str, Any, Any], None]


def required(kind: Kind) -> FieldSpec:
    return (kind, True, None)


def optional(kind: Kind, default: Any) -> FieldSpec:
    return (kind, False, default)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Record(Kind):
    """A mapping with known keys. Returns a dict of the fields that read cleanly (others are left out).

    `check(ctx, node, path, values, child_nodes)` runs afterwards for rules that span fields.
    """

    def __init__(self, fields: dict[str, FieldSpec], check: Check | None = None) -> None:
        self.fields = fields
        self.check = check

    def read(self, ctx: Context, node: yaml.Node, path: str) -> Any:
        if not _tag_ok(ctx, node, path):
            return BAD
        if not isinstance(node, yaml.MappingNode):
            return ctx.problem(node, path or "<document>", f"expected a mapping of fields, got {describe(node)}")
        children: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _TAG + "null":
                ctx.problem(key_node, path or "<document>", f"field names must be plain text, got {describe(key_node)}")
                continue
            key = str(key_node.value)
            if key in children:
                ctx.problem(key_node, join(path, key), "appears twice; keep only one")
            elif key not in self.fields:
                hint = difflib.get_close_matches(key, list(self.fields), n=1)
                suggestion = f'; did you mean "{hint[0]}"?' if hint else f"; known fields: {', '.join(self.fields)}"
                ctx.problem(key_node, join(path, key), f"unknown field{suggestion}")
            else:
                children[key] = value_node
        values: dict[str, Any] = {}
        for key, (kind, is_required, default) in self.fields.items():
            if key in children and not (not is_required and _blank(children[key])):
                value = kind.read(ctx, children[key], join(path, key))
                if value is not BAD:
                    values[key] = value
            elif is_required:
                ctx.problem(node, join(path, key), "required field is missing")
            else:
                values[key] = default
        if self.check:
            self.check(ctx, node, path, values, children)
        return values


def _blank(node: yaml.Node) -> bool:
    # An optional field left empty (`url:` or `url: ""`) means "not given", as if the key were absent.
    return isinstance(node, yaml.ScalarNode) and node.tag in (_TAG + "null", _TAG + "str") and not str(node.value).strip()


class ListOf(Kind):
    """A list of items. Returns the items that read cleanly; `unique` names a key that must not repeat."""

    def __init__(self, item: Kind, min_items: int = 0, unique: str | None = None, check: Check | None = None) -> None:
        self.item = item
        self.min_items = min_items
        self.unique = unique
        self.check = check

    def read(self, ctx: Context, node: yaml.Node, path: str) -> Any:
        if not _tag_ok(ctx, node, path):
            return BAD
        if not isinstance(node, yaml.SequenceNode):
            return ctx.problem(node, path, f"expected a list, got {describe(node)}")
        if len(node.value) < self.min_items:
            return ctx.problem(node, path, f"needs at least {self.min_items} item(s)")
        items: list[Any] = []
        item_nodes: list[yaml.Node] = []
        seen: dict[Any, int] = {}
        for index, item_node in enumerate(node.value):
            item_path = f"{path}[{index}]"
            value = self.item.read(ctx, item_node, item_path)
            if value is BAD:
                continue
            key = value.get(self.unique) if self.unique and isinstance(value, dict) else value
            if self.unique and key is not None:
                if key in seen:
                    where = join(item_path, self.unique) if isinstance(value, dict) else item_path
                    ctx.problem(item_node, where, f'duplicate "{key}" (already used by {path}[{seen[key]}])')
                    continue
                seen[key] = index
            items.append(value)
            item_nodes.append(item_node)
        if self.check:
            self.check(ctx, node, path, items, item_nodes)
        return items


class MapOf(Kind):
    """A mapping whose keys are data (language codes, say), each value read as `value`. Returns a dict."""

    def __init__(self, key: Text, value: Kind) -> None:
        self.key = key
        self.value = value

    def read(self, ctx: Context, node: yaml.Node, path: str) -> Any:
        if not _tag_ok(ctx, node, path):
            return BAD
        if not isinstance(node, yaml.MappingNode):
            return ctx.problem(node, path, f"expected a mapping, got {describe(node)}")
        values: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.key.read(ctx, key_node, path)
            if key is BAD:
                continue
            if key in values:
                ctx.problem(key_node, join(path, key), "appears twice; keep only one")
                continue
            value = self.value.read(ctx, value_node, join(path, key))
            if value is not BAD:
                values[key] = value
        return values

"""Python source for a serializer of exactly the given paths, compiled once and cached.

The generated function reads each related object once into a local, guards
every step with ``None if x is None else …`` (so ``tenant.user.email`` on a
lease without a tenant gives ``{"tenant": None}`` instead of an exception),
calls methods (``get_full_name``), turns reverse FK / many-to-many paths into
lists, and emits keys in sorted path order. With a model graph the kind of
each step is known; without one, ``get_*`` names are called and a step
followed by ``all`` is a list.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from semgraph.django.model_graph import TO_MANY, TO_ONE, ModelGraph, ModelInfo
from semgraph.errors import InvalidInputError

Style = Literal["function", "dict"]
MANAGER_OPS = {"count", "exists"}


class SerializerResult(BaseModel):
    function_name: str
    style: Style
    model: str
    paths: list[str]
    source: str
    cache: Literal["miss", "memory", "disk"] = Field(description="Where the compiled serializer came from.")
    cache_key: str
    cache_file: str | None
    notes: list[str]


@dataclass
class _Node:
    name: str
    kind: Literal["value", "call", "object", "list", "op"] = "value"
    children: dict[str, _Node] = field(default_factory=dict)
    model: ModelInfo | None = None


def _check_paths(paths: list[str]) -> list[str]:
    clean = sorted({p.strip() for p in paths if p.strip()})
    if not clean:
        raise InvalidInputError(
            "paths is empty", hint="give attribute paths such as property.name or tenant.user.email"
        )
    for path in clean:
        for part in path.split("."):
            if not part.isidentifier() or part.startswith("__"):
                raise InvalidInputError(
                    f"path {path!r} has an invalid part {part!r}",
                    hint="use dotted Python identifiers, e.g. tenant.user.get_full_name",
                )
    return clean


def _build_tree(model: ModelInfo | None, paths: list[str], graph: ModelGraph | None, notes: list[str]) -> _Node:
    root = _Node("obj", "object", model=model)
    for path in paths:
        node = root
        parts = path.split(".")
        i = 0
        while i < len(parts):
            part = parts[i]
            current = node.model
            kind: str = "value"
            target: ModelInfo | None = None
            info = current.fields.get(part) if current is not None else None
            if info is not None and info.kind in TO_ONE:
                kind = "object"
                target = graph.models.get(info.target or "") if graph else None
            elif info is not None and info.kind in TO_MANY:
                kind = "list"
                target = graph.models.get(info.target or "") if graph else None
            elif info is not None and info.kind == "generic_fk":
                kind = "object"
            elif (
                current is not None
                and (part in current.methods or (part.startswith("get_") and part.endswith("_display")))
            ) or (current is None and part.startswith("get_")):
                kind = "call"
            elif current is None and i + 1 < len(parts) and parts[i + 1] in ({"all"} | MANAGER_OPS):
                kind = "list"
            elif current is None and i + 1 < len(parts):
                kind = "object"
            if kind == "list":
                nxt = parts[i + 1] if i + 1 < len(parts) else "all"
                if nxt in MANAGER_OPS:
                    key = f"{part}_{nxt}"
                    node.children.setdefault(key, _Node(key, "op", model=None)).children.setdefault(part, _Node(nxt))
                    notes.append(f"{part}.{nxt} → key {key!r} ({nxt}() on the related manager)")
                    break
                child = node.children.setdefault(part, _Node(part, "list", model=target))
                node = child
                i += 2 if nxt == "all" else 1
                continue
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _Node(part, kind, model=target)  # type: ignore[arg-type]
            if kind == "call" and i + 1 < len(parts):
                notes.append(f"{path}: the value of {part}() is not followed further")
                break
            node = child
            i += 1
    return root


class _Writer:
    def __init__(self, style: Style) -> None:
        self.style = style
        self.helpers: list[str] = []
        self.counter = 0

    def local(self, base: str) -> str:
        self.counter += 1
        return f"v{self.counter}_{base}"[:40]

    def function(self, name: str, node: _Node, doc: str) -> str:
        lines = [f"def {name}(obj):", f'    """{doc}"""', "    if obj is None:", "        return None"]
        expr = self.body(node, "obj", lines, "    ", "")
        lines.append(f"    return {expr}")
        return "\n".join(lines)

    def body(self, node: _Node, var: str, lines: list[str], indent: str, prefix: str) -> str:
        """Emit locals for related objects into ``lines``; return the dict expression for ``node``."""
        items: list[str] = []
        for key in sorted(node.children):
            child = node.children[key]
            out_key = f"{prefix}{key}" if self.style == "dict" else key
            if child.kind == "value":
                items.append(f'"{out_key}": {var}.{key}')
            elif child.kind == "call":
                items.append(f'"{out_key}": {var}.{key}()')
            elif child.kind == "op":
                (relation,) = child.children
                op = child.children[relation].name
                items.append(f'"{out_key}": {var}.{relation}.{op}()')
            elif child.kind == "list":
                helper = self.list_helper(child)
                items.append(
                    f'"{out_key}": [{helper}(x) for x in {var}.{key}.all()]'
                    if helper
                    else f'"{out_key}": [str(x) for x in {var}.{key}.all()]'
                )
            else:  # object
                if not child.children:
                    items.append(f'"{out_key}": None if {var}.{key} is None else str({var}.{key})')
                    continue
                name = self.local(key)
                lines.append(f"{indent}{name} = {var}.{key}")
                inner_lines: list[str] = []
                inner = self.body(child, name, inner_lines, indent, f"{out_key}." if self.style == "dict" else "")
                for line in inner_lines:  # nested locals read through a possibly-None parent
                    target, _, value = line.strip().partition(" = ")
                    lines.append(f"{indent}{target} = None if {name} is None else {value}")
                if self.style == "dict":
                    for entry in _split_items(inner):
                        k, _, v = entry.partition(": ")
                        items.append(entry if v.startswith("None if ") else f"{k}: None if {name} is None else {v}")
                else:
                    items.append(f'"{out_key}": None if {name} is None else {inner}')
        return "{" + ", ".join(items) + "}"

    def list_helper(self, node: _Node) -> str | None:
        if not node.children:
            return None
        name = f"_item_{len(self.helpers)}_{node.name}"
        lines = [f"def {name}(obj):"]
        expr = self.body(node, "obj", lines, "    ", "")
        lines.append(f"    return {expr}")
        self.helpers.append("\n".join(lines))
        return name


def _split_items(expr: str) -> list[str]:
    """Top-level ``"k": v`` entries of a dict literal written by ``_Writer.body`` (flat style only)."""
    inner = expr[1:-1]
    out, depth, start, quote = [], 0, 0, False
    for i, ch in enumerate(inner):
        if ch == '"' and (i == 0 or inner[i - 1] != "\\"):
            quote = not quote
        elif not quote and ch in "([{":
            depth += 1
        elif not quote and ch in ")]}":
            depth -= 1
        elif not quote and depth == 0 and inner[i : i + 2] == ", ":
            out.append(inner[start:i])
            start = i + 2
    if inner[start:]:
        out.append(inner[start:])
    return out


def _check_model_name(model: str) -> None:
    """Refuse a model name that could not be a (dotted) Python class name before it reaches generated code."""
    if not model or not all(part.isidentifier() for part in model.split(".")):
        raise InvalidInputError(
            f"model {model!r} is not a model name", hint="pass a class name like Lease or rentals.Lease"
        )


def serializer_source(
    model: str, paths: list[str], style: Style = "function", graph: ModelGraph | None = None
) -> tuple[str, str, list[str], list[str]]:
    """(function name, source, normalized paths, notes) for a serializer of ``paths`` on ``model``."""
    if style not in ("function", "dict"):
        raise InvalidInputError(f"unknown style {style!r}", hint="use 'function' (nested dicts) or 'dict' (flat keys)")
    clean = _check_paths(paths)
    _check_model_name(model)
    info = graph.require(model) if graph is not None else None
    name_part = (info.name if info else model.rsplit(".", 1)[-1]).lower()
    if not name_part.isidentifier():
        raise InvalidInputError(f"model name {model!r} is not an identifier", hint="pass a model class name like Lease")
    notes: list[str] = []
    tree = _build_tree(info, clean, graph, notes)
    digest = hashlib.sha256(f"{model}|{style}|{'|'.join(clean)}".encode()).hexdigest()[:10]
    func = f"serialize_{name_part}_{digest}"
    writer = _Writer(style)
    main = writer.function(func, tree, f"Serialize {model}: {', '.join(clean)} (generated by semgraph).")
    source = "\n\n\n".join([*writer.helpers, main]) + "\n"
    return func, source, clean, notes


def compile_serializer(source: str, name: str) -> Callable[[Any], Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<semgraph serializer {name}>", "exec"), namespace)  # generated by us, from identifiers only
    return namespace[name]


class SerializerCache:
    """Compiled serializers by key: in memory for this process, as source files under ``directory``."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.memory: dict[str, tuple[Callable[[Any], Any], str, str]] = {}
        self.lock = threading.Lock()

    def get(
        self, key: str, build: Callable[[], tuple[str, str]]
    ) -> tuple[Callable[[Any], Any], str, str, Literal["miss", "memory", "disk"]]:
        """Return (function, name, source, where) for ``key``, building and storing it on a miss."""
        with self.lock:
            hit = self.memory.get(key)
            if hit is not None:
                return hit[0], hit[1], hit[2], "memory"
            path = self.file(key)
            if path is not None and path.is_file():
                source = path.read_text(encoding="utf-8")
                name = source.split("\n# function: ", 1)[1].split("\n", 1)[0] if "\n# function: " in source else ""
                if name.isidentifier() and name.startswith("serialize_"):
                    fn = compile_serializer(source, name)
                    self.memory[key] = (fn, name, source)
                    return fn, name, source, "disk"
            name, body = build()
            source = f"# generated by semgraph generate_serializer; cache key {key}\n# function: {name}\n{body}"
            fn = compile_serializer(source, name)
            self.memory[key] = (fn, name, source)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(source)
                os.replace(tmp, path)
            return fn, name, source, "miss"

    def file(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.py"


def cache_key(model: str, paths: list[str], style: str, template_hash: str | None, variable: str | None) -> str:
    """Keyed by (template hash, variable) as the issue asks, plus model, style and paths so a key never goes stale."""
    material = f"{template_hash or '-'}|{variable or '-'}|{model}|{style}|{'|'.join(sorted(set(paths)))}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def generate_serializer(
    model: str,
    paths: list[str],
    style: Style = "function",
    *,
    graph: ModelGraph | None = None,
    cache: SerializerCache | None = None,
    template_source: str | None = None,
    variable: str | None = None,
) -> tuple[SerializerResult, Callable[[Any], Any]]:
    """Generate (or fetch from ``cache``) the serializer; return the description and the compiled function."""
    notes_box: list[str] = []
    clean = _check_paths(paths)
    _check_model_name(model)
    if graph is not None:
        graph.require(model)
    template_hash = hashlib.sha256(template_source.encode()).hexdigest() if template_source is not None else None
    key = cache_key(model, clean, style, template_hash, variable)

    def build() -> tuple[str, str]:
        name, source, _clean, notes = serializer_source(model, clean, style, graph)
        notes_box.extend(notes)
        return name, source

    store = cache or SerializerCache(None)
    fn, name, source, where = store.get(key, build)
    file = store.file(key)
    result = SerializerResult(
        function_name=name,
        style=style,
        model=model,
        paths=clean,
        source=source,
        cache=where,
        cache_key=key,
        cache_file=str(file) if file is not None else None,
        notes=notes_box,
    )
    return result, fn

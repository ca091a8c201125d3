"""Classes around the models that decide what an optimization may touch: custom managers / querysets and editors.

A custom manager or queryset method may end a chain (``Release.objects.current()``): joins can only be
chained after it when every ``return`` of its body is a QuerySet chain. ModelForms and DRF serializers
built on a model read every field they list (often all): ``only()`` on that model could add a query per
deferred field, so their presence is recorded per model name.
"""

from __future__ import annotations

from pathlib import Path

import tree_sitter as ts
import yaml

from semgraph.django.model_graph import ManagerClass, ModelGraph, project_python_files
from semgraph.django.pysource import dotted_tail, matches, parse_python, string_value, text
from semgraph.django.python_reads import name_reads, param_names
from semgraph.paths import PathGuard

_METHODS = yaml.safe_load((Path(__file__).parent / "data" / "queryset_methods.yaml").read_text(encoding="utf-8"))
RETURNS_QUERYSET: frozenset[str] = frozenset(_METHODS["returns_queryset"])
RETURNS_ROWS: frozenset[str] = frozenset(_METHODS["returns_rows"])
TERMINAL: frozenset[str] = frozenset(_METHODS["terminal"])
EDITOR_BASES = ("ModelForm", "Serializer", "ModelSerializer", "HyperlinkedModelSerializer", "FilterSet")
_MARKERS = (b"Manager", b"QuerySet", b"class Meta")


def _base_name(node: ts.Node) -> str:
    """``models.Manager["Profile"]`` (a subscripted generic base) is ``Manager``."""
    if node.type == "subscript":
        node = node.child_by_field_name("value") or node
    return dotted_tail(node)


def _from_queryset(base: str) -> str | None:
    """``Manager.from_queryset(ReleaseQuerySet)`` as a class's base → ``ReleaseQuerySet``."""
    head, found, rest = base.partition(".from_queryset(")
    return rest.split(")", 1)[0].strip().rsplit(".", 1)[-1] or None if found and head else None


def _is_manager_base(tail: str) -> bool:
    return tail.endswith(("Manager", "QuerySet")) or tail in ("Manager", "QuerySet")


def returns_queryset(func: ts.Node, is_queryset: bool) -> bool:
    """True when every ``return`` of ``func`` is ``self[.get_queryset()].<QuerySet methods>(…)`` (at least one)."""
    body = func.child_by_field_name("body")
    if body is None:
        return False
    found = False
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in ("function_definition", "lambda", "class_definition"):
            continue
        if node.type == "return_statement":
            value = node.named_children[0] if node.named_children else None
            if value is None or not _queryset_chain(value, is_queryset):
                return False
            found = True
            continue
        stack.extend(node.named_children)
    return found


def _queryset_chain(node: ts.Node, is_queryset: bool) -> bool:
    current = node
    while current.type == "call":
        func = current.child_by_field_name("function")
        if func is None:
            return False
        if func.type == "identifier":
            return False
        if func.type != "attribute":
            return False
        method = text(func.child_by_field_name("attribute"))
        obj = func.child_by_field_name("object")
        if method not in RETURNS_QUERYSET:
            return False
        if obj is not None and obj.type == "call" and text(obj.child_by_field_name("function")) == "super":
            return method == "get_queryset" or is_queryset
        current = obj
    return current.type == "identifier" and text(current) == "self"


def scan_support_classes(project: Path, graph: ModelGraph, guard: PathGuard | None = None) -> None:
    """Fill ``graph.manager_classes`` and ``graph.editors`` from every Python file of ``project``."""
    for path in project_python_files(project, lambda p: True, guard):
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if not any(marker in raw for marker in _MARKERS):
            continue
        display = path.relative_to(project).as_posix()
        _source, tree, _error = parse_python(path, display)
        for m in matches("classes", tree.root_node):
            bases = [_base_name(b) for b in m["class.bases"][0].named_children] if m.get("class.bases") else []
            name = text(m["class.name"][0])
            body = m["class.body"][0]
            built_from = next(filter(None, (_from_queryset(b) for b in bases)), None)
            if built_from is not None or any(_is_manager_base(b) for b in bases):
                _read_manager(graph, name, bases, body)
                graph.manager_classes[name].queryset_class = built_from
            if any(b.endswith(EDITOR_BASES) for b in bases):
                model = _meta_model(body)
                if model is not None:
                    where = f"{display}:{m['class'][0].start_point.row + 1} {name}"
                    graph.editors.setdefault(model, []).append(where)


def _read_manager(graph: ModelGraph, name: str, bases: list[str], body: ts.Node) -> None:
    is_queryset = any(b.endswith("QuerySet") for b in bases)
    cls = ManagerClass(name, is_queryset)
    for member in matches("members", body):
        node = None
        if "method" in member and member["method"][0].parent.id == body.id:
            node, method = member["method"][0], text(member["method.name"][0])
        elif "decorated" in member and member["decorated"][0].parent.id == body.id:
            node = member["decorated"][0].child_by_field_name("definition")
            method = text(member["decorated.name"][0])
        if node is not None and not method.startswith("__"):
            cls.returns_queryset[method] = returns_queryset(node, is_queryset)
            names = param_names(node)
            cls.param_reads[method] = [name_reads(n, node.child_by_field_name("body")) for n in names[1:]]
    graph.manager_classes[name] = cls


def _meta_model(body: ts.Node) -> str | None:
    for m in matches("members", body):
        if "inner" in m and m["inner"][0].parent.id == body.id and text(m["inner.name"][0]) == "Meta":
            meta = m["inner.body"][0]
            for a in matches("members", meta):
                if "attr" in a and a["attr"][0].parent.id == meta.id and text(a["attr.name"][0]) == "model":
                    value = a["attr.value"][0]
                    return string_value(value) or dotted_tail(value)
    return None

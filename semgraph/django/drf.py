"""Django REST framework serializers read statically: the attribute paths a serializer reads on each object.

A ``ModelSerializer``'s ``Meta.fields`` (relations become primary-key fields: ``child`` reads ``child_id``
only, a to-many relation still iterates ``.all()``), declared fields with ``source="a.b"``, nested
serializers (``user = UserSerializer()`` reads ``user.<its paths>``; ``many=True`` iterates ``.all()``),
``SerializerMethodField`` (what ``get_<name>(self, obj)`` reads on ``obj``), and fields from the table in
``data/drf.yaml`` (``StringRelatedField``, ``SlugRelatedField``, django-taggit's ``TagListSerializerField``).
Bases of a serializer declared in the project add their fields, and a ``Meta`` inherits its base's model.
The paths are in the template paths' notation, so the optimizer plans them like a template's reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter as ts
import yaml

from semgraph.django.model_graph import TO_MANY, ModelGraph, ModelInfo, project_python_files
from semgraph.django.pysource import call_args, dotted_tail, matches, parse_python, string_value, text
from semgraph.django.python_reads import name_reads, param_names
from semgraph.paths import PathGuard

DRF: dict = yaml.safe_load((Path(__file__).parent / "data" / "drf.yaml").read_text(encoding="utf-8"))
MAX_NESTING = 4


@dataclass
class Serializer:
    name: str
    bases: list[str]
    model: str | None = None  # the name written in Meta.model (``models.Child`` → ``Child``)
    meta_fields: list[str] | None = None  # None: "__all__" or not given
    meta_depth: int = 0
    declared: dict[str, ts.Node] = field(default_factory=dict)  # name → the field's call
    methods: dict[str, ts.Node] = field(default_factory=dict)


def find_serializers(project: Path, guard: PathGuard | None = None) -> dict[str, Serializer]:
    """Every class of the project deriving (through project classes) from a DRF serializer; name → class."""
    out: dict[str, Serializer] = {}
    for path in project_python_files(project, lambda p: "serializ" in p.name or p.parent.name == "serializers", guard):
        _source, tree, _error = parse_python(path, path.name)
        for m in matches("classes", tree.root_node):
            bases = [dotted_tail(b) for b in m["class.bases"][0].named_children] if m.get("class.bases") else []
            ser = Serializer(text(m["class.name"][0]), bases)
            body = m["class.body"][0]
            for member in matches("members", body):
                if "field" in member and member["field"][0].parent.id == body.id:
                    ser.declared[text(member["field.name"][0])] = member["field.func"][0].parent
                elif "method" in member and _owner_body(member["method"][0]) == body.id:
                    ser.methods[text(member["method.name"][0])] = member["method"][0]
                elif (
                    "inner" in member
                    and member["inner"][0].parent.id == body.id
                    and text(member["inner.name"][0]) == "Meta"
                ):
                    _read_meta(ser, member["inner.body"][0])
            out.setdefault(ser.name, ser)
    return {name: ser for name, ser in out.items() if _is_serializer(name, out, frozenset())}


def _owner_body(method: ts.Node) -> int | None:
    parent = method.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    return parent.id if parent is not None else None


def _read_meta(ser: Serializer, body: ts.Node) -> None:
    for member in matches("members", body):
        if "attr" not in member or member["attr"][0].parent.id != body.id:
            continue
        name, value = text(member["attr.name"][0]), member["attr.value"][0]
        if name == "model":
            ser.model = dotted_tail(value)
        elif name == "fields" and value.type in ("tuple", "list"):
            ser.meta_fields = [v for v in (string_value(c) for c in value.named_children) if v is not None]
        elif name == "depth" and value.type == "integer":
            ser.meta_depth = int(text(value))


def _is_serializer(name: str, known: dict[str, Serializer], seen: frozenset[str]) -> bool:
    if name.endswith("Serializer") and name not in known:
        return True  # a DRF (or third-party) serializer base
    ser = known.get(name)
    if ser is None or name in seen:
        return False
    return any(_is_serializer(b, known, seen | {name}) for b in ser.bases)


def _lineage(ser: Serializer, known: dict[str, Serializer]) -> list[Serializer]:
    """The class and its project bases, nearest first (depth-first, as Python's MRO for these trees)."""
    out, stack = [], [ser]
    while stack:
        current = stack.pop(0)
        if current in out:
            continue
        out.append(current)
        stack.extend(known[b] for b in current.bases if b in known)
    return out


def serializer_paths(
    name: str, known: dict[str, Serializer], graph: ModelGraph, app: str | None = None, depth: int = 0
) -> tuple[ModelInfo | None, set[str]]:
    """The model a serializer is for and the paths it reads on each object (empty when not known)."""
    ser = known.get(name)
    if ser is None or depth > MAX_NESTING:
        return None, set()
    lineage = _lineage(ser, known)
    model_name = next((s.model for s in lineage if s.model), None)
    model = graph.find(model_name, app=app) if model_name else None
    if model is None or model.external:
        return None, set()
    fields = next((s.meta_fields for s in lineage if s.meta_fields is not None), None)
    meta_depth = next((s.meta_depth for s in lineage if s.meta_depth), 0)
    declared: dict[str, ts.Node] = {}
    methods: dict[str, ts.Node] = {}
    for s in reversed(lineage):  # nearest class wins
        declared.update(s.declared)
        methods.update(s.methods)
    names = fields if fields is not None else [*model.fields, *declared]
    paths: set[str] = set()
    for fname in names:
        call = declared.get(fname)
        if call is not None:
            paths |= _declared_paths(fname, call, methods, known, graph, app, depth)
        else:
            paths |= _meta_field_paths(fname, model, meta_depth)
    return model, paths


def _meta_field_paths(fname: str, model: ModelInfo, meta_depth: int) -> set[str]:
    info = model.fields.get(fname)
    if info is None:
        return {fname} if fname in model.properties or fname in model.methods else set()
    if info.kind == "field":
        return {fname}
    if info.kind in TO_MANY:
        return {f"{fname}.all.pk" if meta_depth == 0 else f"{fname}.all.__str__"}
    if meta_depth > 0:
        return {f"{fname}.__str__"}  # depth: the related object is serialized whole
    return {f"{fname}_id"} if info.kind in ("fk", "o2o") else {fname}


def _declared_paths(
    fname: str,
    call: ts.Node,
    methods: dict[str, ts.Node],
    known: dict[str, Serializer],
    graph: ModelGraph,
    app: str | None,
    depth: int,
) -> set[str]:
    func = call.child_by_field_name("function")
    kind_name = dotted_tail(func)
    _positional, keywords = call_args(call.child_by_field_name("arguments"))
    source = string_value(keywords.get("source")) or fname
    if source == "*":
        return set()
    base = source.replace("__", ".")
    many = text(keywords.get("many")) == "True"
    if kind_name in known and _is_serializer(kind_name, known, frozenset()):
        _model, inner = serializer_paths(kind_name, known, graph, app, depth + 1)
        head = f"{base}.all" if many else base
        return {f"{head}.{p}" for p in inner} or {head}
    kind = DRF["fields"].get(kind_name)
    if kind == "method":
        method = methods.get(string_value(keywords.get("method_name")) or f"get_{fname}")
        return _method_paths(method) if method is not None else set()
    if kind == "none":
        return set()
    head = f"{base}.all" if many or kind == "iterate" else base
    if kind == "pk":
        return {f"{head}.pk"} if many else ({f"{base}_id"} if "." not in base else {f"{base}.pk"})
    if kind == "str":
        return {f"{head}.__str__"}
    if kind == "slug":
        slug = string_value(keywords.get("slug_field")) or "slug"
        return {f"{head}.{slug}"}
    if kind == "iterate":
        return {f"{head}.pk"}
    return {base}  # a plain field reading its source


def _method_paths(method: ts.Node) -> set[str]:
    """What ``get_x(self, obj)`` reads on ``obj``."""
    names = param_names(method)
    if len(names) < 2:
        return set()
    return name_reads(names[1], method.child_by_field_name("body"))

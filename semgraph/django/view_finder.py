"""Views read statically: which template each renders and which queryset feeds each context variable.

Function views that call ``render(request, "t.html", {...})`` and class-based
``ListView`` / ``DetailView`` / ``TemplateView`` (``model``, ``queryset``,
``get_queryset``, ``context_object_name``, ``get_context_data``,
``template_name`` or Django's default template name) are read with
tree-sitter. A context value is followed through local variables, ``list()``,
``itertools.chain()``, ``sorted()``, slices and ``|`` down to every
``Model.manager…`` chain it is built from, so one variable may have several
queryset sites.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import tree_sitter as ts
import yaml

from semgraph.django.chain_safety import SLICE, insertion_index, manager_methods
from semgraph.django.drf import DRF, Serializer, find_serializers, serializer_paths
from semgraph.django.model_graph import ModelGraph, ModelInfo, project_python_files
from semgraph.django.pysource import call_args, dotted_tail, matches, parse_python, string_value, text
from semgraph.django.python_reads import loops_over, name_reads, self_attribute_reads
from semgraph.django.support_classes import RETURNS_QUERYSET, TERMINAL
from semgraph.django.template_vars import tag_root
from semgraph.paths import PathGuard

GENERIC_VIEWS: dict[str, dict] = yaml.safe_load(
    (Path(__file__).parent / "data" / "generic_views.yaml").read_text(encoding="utf-8")
)
"""Generic class-based view → context role, default template suffix, edit view (data/generic_views.yaml)."""
CBV_KINDS = {name: spec["role"] for name, spec in GENERIC_VIEWS.items() if spec["role"] != "none"}
DRF_VIEWS: dict[str, dict] = DRF["views"]
SELF_QUERYSET: dict[str, str] = DRF["self_queryset"]
"""``self.get_queryset()`` / ``self.get_object()`` in a class view: its queryset (``one``: one object of it)."""
SELF_PASSTHROUGH = frozenset(DRF["self_passthrough"])
WRAPPERS = {"list", "tuple", "sorted", "chain", "reversed", "set"}
SINGLE_METHODS = {"get", "first", "last", "latest", "earliest"}
APPLIED_METHODS = {"select_related", "prefetch_related", "only", "defer", "values", "values_list", "annotate"}
MAX_DEPTH = 24
PLAIN_MANAGERS = frozenset({"_default_manager", "_base_manager"})


@dataclass
class AppliedPrefetch:
    """A lookup already passed to ``prefetch_related`` (string or ``Prefetch``)."""

    lookup: str
    is_object: bool = False
    queryset_model: str | None = None
    queryset_select: list[str] = field(default_factory=list)
    queryset_end: int | None = None  # byte offset where ``.select_related(…)`` can be appended
    to_attr: str | None = None


SiteKind = Literal["queryset", "object", "model_attr"]


@dataclass
class ActionGate:
    """Where a viewset's list-only prefetches are written: a ``get_queryset`` override testing ``self.action``.

    Why: a ModelViewSet's queryset also serves update and destroy, where a prefetch adds a query, so the
    prefetch is applied only for the actions that serialize rows. ``return_start`` is set when the class
    already overrides ``get_queryset`` (its one ``return`` becomes ``queryset = …`` and the test follows);
    otherwise a new method is appended at ``insert_at``, the end of the class body.
    """

    cls: str
    file: str
    insert_at: int
    indent: str  # of the statements the new code sits among
    unit: str  # one indentation level of the module
    return_start: int | None = None
    blocked: str | None = None  # why no override can be written (several returns, …)

    @property
    def key(self) -> tuple[str, str]:
        return (self.file, self.cls)


@dataclass
class QuerysetSite:
    """One place in a view file where a queryset of ``model`` is built."""

    file: str
    path: Path
    model: str
    manager: str
    kind: SiteKind
    start: int
    end: int
    insert_at: int
    line: int
    expression: str
    single: bool = False
    select_all: bool = False
    applied_select: list[str] = field(default_factory=list)
    applied_prefetch: list[AppliedPrefetch] = field(default_factory=list)
    other_calls: list[str] = field(default_factory=list)  # only/defer/values/annotate already on the chain
    blocked: str | None = None  # why no edit can be written into this chain (a custom method, ...)
    written: str = ""  # how the view file names the model here (``models.Banner``), for object / model_attr edits
    edit_view: bool = False  # the objects go to a form or are deleted (Create/Update/DeleteView): no only()
    python_reads: str | None = None  # ``credential.name`` in the view body: the objects are read in Python too
    no_prefetch: str | None = None  # why a prefetch_related written here could add a query on some request
    action_gate: ActionGate | None = None  # a viewset's queryset: prefetches go into a list-only override
    indent: str = ""

    @property
    def key(self) -> tuple[str, int]:
        return (self.file, self.start)


@dataclass
class ContextVar:
    name: str
    sites: list[QuerysetSite] = field(default_factory=list)


@dataclass
class ViewInfo:
    name: str
    kind: str  # function | ListView | DetailView | TemplateView
    file: str
    line: int
    template: str | None
    context: dict[str, ContextVar] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    python_paths: dict[str, set[str]] = field(default_factory=dict)  # context name → paths read in Python


class _FileReader:
    def __init__(self, path: Path, display: str, source: bytes, graph: ModelGraph, app: str) -> None:
        self.path, self.display, self.source, self.graph, self.app = path, display, source, graph, app
        self.functions: dict[str, ts.Node] = {}  # module-level helpers whose returns feed views
        self.serializers: dict[str, Serializer] = {}  # the project's DRF serializers by class name

    def returned_sites(self, name: str, element: int | None, depth: int) -> list[QuerysetSite]:
        """Sites a module-level helper returns (``element``: which item of a returned tuple)."""
        func = self.functions.get(name)
        if func is None or depth > MAX_DEPTH:
            return []
        body = func.child_by_field_name("body")
        out: list[QuerysetSite] = []
        for r in matches("locals", func):
            if "return" not in r or _enclosing_function(r["return"][0]) != func:
                continue
            value = r["return.value"][0]
            if element is not None:
                if value.type not in ("expression_list", "tuple") or element >= len(value.named_children):
                    continue
                value = value.named_children[element]
            out.extend(self.sites(value, body, depth + 1))
        return out

    def related_manager_model(self, accessor: str, owner: ModelInfo | None = None) -> ModelInfo | None:
        """``project.member_set``: the model of a to-many accessor of ``owner`` (when the object's model is
        known), else of the one model of the graph that has such an accessor."""
        targets = {
            info.target
            for model in ([owner] if owner is not None else self.graph.models.values())
            for name, info in model.fields.items()
            if name == accessor and info.kind in ("reverse_fk", "m2m", "reverse_m2m") and info.target
        }
        if len(targets) != 1:
            return None
        model = self.graph.models.get(targets.pop())
        return model if model is not None and not model.external else None

    def object_model(self, obj: ts.Node | None, scope: ts.Node | None, depth: int) -> ModelInfo | None:
        """The model of the object a name holds: a parameter annotated with a project model (``check: Check``)
        or a local built from single-object sites of one model (``check = get_object_or_404(Check, …)``)."""
        if obj is None or obj.type != "identifier" or scope is None:
            return None
        func = _enclosing_function(scope)
        params = func.child_by_field_name("parameters") if func is not None else None
        for param in params.named_children if params is not None else []:
            name = param.named_children[0] if param.type in ("typed_parameter", "typed_default_parameter") else None
            if name is not None and text(name) == text(obj):
                annotation = param.child_by_field_name("type")
                return self.model_of(annotation.named_children[0]) if annotation and annotation.named_children else None
        sites = self.sites(obj, scope, depth + 1)
        labels = {s.model for s in sites if s.single}
        if len(labels) == 1 and len(sites) == sum(s.single for s in sites):
            return self.graph.models.get(labels.pop())
        return None

    # ---- querysets ---------------------------------------------------------
    def model_of(self, node: ts.Node) -> ModelInfo | None:
        """The project model named by ``Lease`` or ``models.Lease`` (a module alias), if any."""
        if node.type == "attribute":
            node = node.child_by_field_name("attribute") or node
        if node.type != "identifier":
            return None
        model = self.graph.find(text(node), app=self.app)
        return model if model is not None and not model.external and not model.abstract else None

    def sites(
        self, node: ts.Node | None, scope: ts.Node | None, depth: int = 0, cls: _Cbv | None = None
    ) -> list[QuerysetSite]:
        """Every queryset site the expression ``node`` is built from."""
        if node is None or depth > MAX_DEPTH:
            return []
        kind = node.type
        if kind == "parenthesized_expression":
            return self.sites(node.named_children[0] if node.named_children else None, scope, depth + 1, cls)
        if kind == "identifier":
            value = self.local_value(text(node), scope, node.start_byte)
            if value is None:
                unpacked = self.unpacked_value(text(node), scope, node.start_byte)
                if unpacked is not None:
                    call, index = unpacked
                    func = call.child_by_field_name("function")
                    if call.type == "call" and func is not None and func.type == "identifier":
                        return self.returned_sites(text(func), index, depth + 1)
                return []
            found = self.sites(value, scope, depth + 1, cls)
            reads = _attribute_reads(text(node), scope)
            for site in found:
                site.python_reads = site.python_reads or reads
            return found
        if kind == "subscript":
            return self.sites(node.child_by_field_name("value"), scope, depth + 1, cls)
        if kind == "binary_operator" and text(node.child_by_field_name("operator")) in ("|", "&", "+"):
            left = self.sites(node.child_by_field_name("left"), scope, depth + 1, cls)
            return left + self.sites(node.child_by_field_name("right"), scope, depth + 1, cls)
        if kind == "call":
            func = node.child_by_field_name("function")
            positional, _keywords = call_args(node.child_by_field_name("arguments"))
            if func is not None and func.type in ("identifier", "attribute") and dotted_tail(func) in WRAPPERS:
                out: list[QuerysetSite] = []
                for arg in positional:
                    out.extend(self.sites(arg, scope, depth + 1, cls))
                return out
            if (
                func is not None
                and func.type == "attribute"
                and text(func.child_by_field_name("object")) == "self"
                and dotted_tail(func) in SELF_PASSTHROUGH
                and positional
            ):  # self.filter_queryset(qs), self.paginate_queryset(qs): the rows of qs
                return self.sites(positional[0], scope, depth + 1, cls)
            if func is not None and dotted_tail(func) in ("get_object_or_404", "get_list_or_404") and positional:
                model = self.model_of(positional[0])
                one = dotted_tail(func) == "get_object_or_404"
                if model is not None:
                    return [self.object_site(positional[0], model, single=one)]
                found = self.sites(positional[0], scope, depth + 1, cls)
                for site in found:  # get_object_or_404(q, …): one object of that queryset
                    site.single = site.single or one
                return found
        if kind == "call":
            func = node.child_by_field_name("function")
            if func is not None and func.type == "identifier" and text(func) in self.functions:
                return self.returned_sites(text(func), None, depth + 1)
        if kind in ("call", "attribute"):
            return self.chain_site(node, scope, depth, cls)
        return []

    def chain_site(self, node: ts.Node, scope: ts.Node | None, depth: int, cls: _Cbv | None) -> list[QuerysetSite]:
        """Walk ``Model.manager.a(…).b(…)`` from the outside in; the innermost attribute names the model."""
        calls: list[tuple[str, ts.Node]] = []
        current: ts.Node | None = node
        single = False
        while current is not None:
            if current.type == "call":
                func = current.child_by_field_name("function")
                if func is None or func.type != "attribute":
                    # the innermost call of ``super().get_queryset()``: what the parent class would return
                    if func is not None and text(func) == "super" and cls is not None:
                        return cls.default_sites(self)
                    return []
                method = text(func.child_by_field_name("attribute"))
                if method in SINGLE_METHODS and not calls:
                    single = True
                elif method in TERMINAL and not calls:
                    return []  # .count(), .exists(), .aggregate(): a number or a flag, not model instances
                calls.append((method, current))
                current = func.child_by_field_name("object")
            elif current.type == "attribute":
                obj = current.child_by_field_name("object")
                manager = text(current.child_by_field_name("attribute"))
                if text(obj) in ("self", "cls") and manager == "queryset" and cls is not None:
                    return cls.default_sites(self)  # self.queryset.filter(…): the class attribute
                if text(obj) in ("self.model", "cls.model") and cls is not None:
                    model = cls.model(self)  # self.model.objects in get_queryset()
                else:
                    model = self.model_of(obj) if obj is not None else None
                if model is not None and (manager in model.manager_names() or manager in PLAIN_MANAGERS):
                    return [self.chain(node, current, model, manager, calls, single)]
                is_manager = model is not None and (manager in model.manager_names() or manager in PLAIN_MANAGERS)
                owner = self.object_model(obj, scope, depth) if not is_manager and calls else None
                related = self.related_manager_model(manager, owner) if not is_manager and calls else None
                if related is not None:  # project.member_set.filter(…): a related manager is a manager
                    return [self.chain(node, current, related, related.default_manager, calls, single)]
                return []
            elif current.type == "subscript":
                calls.append((SLICE, current))
                current = current.child_by_field_name("value")
            elif current.type == "identifier":
                if (
                    text(current) == "self"
                    and cls is not None
                    and cls.kind in DRF_VIEWS  # a Django CBV's extra context names would merge into its list
                    and calls
                    and calls[-1][0] in SELF_QUERYSET
                ):
                    method, _ = calls.pop()  # self.get_queryset().filter(…), self.get_object()
                    if any(m not in RETURNS_QUERYSET and m not in SINGLE_METHODS and m != SLICE for m, _ in calls):
                        return []
                    base = cls.queryset_sites(self, depth + 1)
                    for site in base:
                        site.single = site.single or single or SELF_QUERYSET[method] == "one"
                        self.apply_calls(site, calls)
                    return base
                if any(m not in RETURNS_QUERYSET and m not in SINGLE_METHODS and m != SLICE for m, _ in calls):
                    return []  # check.downtimes(…): a method of the object, not a queryset built from it
                base = self.sites(current, scope, depth + 1, cls)
                for site in base:  # q = q.select_related(…): applied to the queryset built earlier
                    site.single = site.single or single
                    self.apply_calls(site, calls)
                return base
            else:
                return []
        return []

    def chain(
        self,
        whole: ts.Node,
        manager_node: ts.Node,
        model: ModelInfo,
        manager: str,
        calls: list[tuple[str, ts.Node]],
        single: bool,
    ) -> QuerysetSite:
        inner_first = list(reversed(calls))
        known = manager_methods(self.graph, model, manager)
        index, why = insertion_index([m for m, _ in inner_first], known)
        insert_at = manager_node.end_byte if index is None or index < 0 else inner_first[index][1].end_byte
        site = self.site_at(whole, model, manager, "queryset", insert_at, single=single)
        site.blocked = why or None
        self.apply_calls(site, calls)
        return site

    def apply_calls(self, site: QuerysetSite, calls: list[tuple[str, ts.Node]]) -> None:
        """Record the joins / prefetches / other calls of ``calls`` as already applied to ``site``."""
        for method, call in calls:
            if method == SLICE:
                continue
            args = call.child_by_field_name("arguments")
            positional, _ = call_args(args)
            if method == "select_related":
                site.applied_select.extend(v for v in (string_value(a) for a in positional) if v)
                if not positional:
                    site.select_all = True  # select_related(): every non-null forward FK, recursively
            elif method == "prefetch_related":
                for arg in positional:
                    site.applied_prefetch.extend(self.applied_prefetch(arg))
            elif method in APPLIED_METHODS:
                site.other_calls.append(method)

    def applied_prefetch(self, arg: ts.Node) -> list[AppliedPrefetch]:
        value = string_value(arg)
        if value is not None:
            return [AppliedPrefetch(value)]
        if arg.type != "call" or dotted_tail(arg.child_by_field_name("function")) != "Prefetch":
            return []
        positional, keywords = call_args(arg.child_by_field_name("arguments"))
        lookup = string_value(positional[0]) if positional else string_value(keywords.get("lookup"))
        if lookup is None:
            return []
        found = AppliedPrefetch(lookup, is_object=True, to_attr=string_value(keywords.get("to_attr")))
        qs = keywords.get("queryset") or (positional[1] if len(positional) > 1 else None)
        if qs is not None:
            inner = self.chain_site(qs, None, 0, None)
            if inner:
                found.queryset_model = inner[0].model
                found.queryset_select = inner[0].applied_select
                found.queryset_end = qs.end_byte
        return [found]

    def object_site(self, node: ts.Node, model: ModelInfo, single: bool) -> QuerysetSite:
        site = self.site_at(node, model, model.default_manager, "object", node.end_byte, single=single)
        site.written = text(node)
        return site

    def site_at(
        self,
        node: ts.Node,
        model: ModelInfo,
        manager: str,
        kind: SiteKind,
        insert_at: int,
        *,
        single: bool = False,
        indent: str = "",
    ) -> QuerysetSite:
        """A site whose expression is ``node`` in this file (``insert_at``: where a fix is written)."""
        return QuerysetSite(
            file=self.display,
            path=self.path,
            model=model.label,
            manager=manager,
            kind=kind,
            start=node.start_byte,
            end=node.end_byte,
            insert_at=insert_at,
            line=node.start_point.row + 1,
            expression=text(node),
            single=single,
            indent=indent,
        )

    def unpacked_value(self, name: str, scope: ts.Node | None, before: int) -> tuple[ts.Node, int] | None:
        """``a, b = f(…)``: the right side and the position of ``name`` on the left (last one before ``before``)."""
        if scope is None:
            return None
        best = None
        for m in matches("locals", scope):
            if "unpack" not in m or m["unpack"][0].end_byte > before:
                continue
            names = [text(n) for n in m["unpack.names"][0].named_children]
            if name in names and (best is None or m["unpack"][0].start_byte > best[0].start_byte):
                best = (m["unpack"][0], m["unpack.value"][0], names.index(name))
        return (best[1], best[2]) if best is not None else None

    def local_value(self, name: str, scope: ts.Node | None, before: int) -> ts.Node | None:
        """The value last assigned to ``name`` in ``scope`` before byte ``before``."""
        if scope is None:
            return None
        best = None
        for m in matches("locals", scope):
            node = m["assign"][0] if "assign" in m else None
            if (
                node is not None
                and text(m["assign.name"][0]) == name
                and node.end_byte <= before
                and (best is None or node.start_byte > best.start_byte)
            ):
                best = node
        return best.child_by_field_name("right") if best is not None else None

    # ---- context dictionaries ---------------------------------------------
    def context_from(
        self, node: ts.Node | None, scope: ts.Node, before: int, cls: _Cbv | None = None
    ) -> dict[str, ContextVar]:
        """Context variables of a dict literal, ``dict(k=v)`` or a local dict filled by ``ctx["k"] = v``."""
        out: dict[str, ContextVar] = {}
        if node is None:
            return out
        if node.type == "dictionary":
            for pair in node.named_children:
                if pair.type != "pair":
                    continue
                key = string_value(pair.child_by_field_name("key"))
                if key is not None:
                    self.add(out, key, self.sites(pair.child_by_field_name("value"), scope, cls=cls))
        elif node.type == "call" and dotted_tail(node.child_by_field_name("function")) == "dict":
            _, keywords = call_args(node.child_by_field_name("arguments"))
            for key, value in keywords.items():
                self.add(out, key, self.sites(value, scope, cls=cls))
        elif node.type == "identifier":
            name = text(node)
            self.merge(out, self.context_from(self.local_value(name, scope, before), scope, before, cls))
            for m in matches("locals", scope):
                if "item" in m and text(m["item.obj"][0]) == name:
                    key = string_value(m["item.key"][0])
                    if key is not None:
                        self.add(out, key, self.sites(m["item.value"][0], scope, cls=cls))
                elif "update" in m and text(m["update.obj"][0]) == name:
                    positional, keywords = call_args(m["update.args"][0])
                    for arg in positional:
                        self.merge(out, self.context_from(arg, scope, before, cls))
                    for key, value in keywords.items():
                        self.add(out, key, self.sites(value, scope, cls=cls))
        return out

    @staticmethod
    def add(out: dict[str, ContextVar], key: str, sites: list[QuerysetSite]) -> None:
        out.setdefault(key, ContextVar(key)).sites.extend(sites)

    @staticmethod
    def merge(out: dict[str, ContextVar], more: dict[str, ContextVar]) -> None:
        for key, var in more.items():
            out.setdefault(key, ContextVar(key)).sites.extend(var.sites)


@dataclass
class _Cbv:
    name: str
    kind: str
    node: ts.Node
    body: ts.Node
    attrs: dict[str, ts.Node] = field(default_factory=dict)
    attr_stmts: dict[str, ts.Node] = field(default_factory=dict)
    methods: dict[str, ts.Node] = field(default_factory=dict)
    bases: list[str] = field(default_factory=list)

    def model(self, reader: _FileReader) -> ModelInfo | None:
        node = self.attrs.get("model")
        return reader.model_of(node) if node is not None else None

    def queryset_sites(self, reader: _FileReader, depth: int = 0) -> list[QuerysetSite]:
        """What ``self.get_queryset()`` returns: the override's returns, else the parent class's queryset."""
        method = self.methods.get("get_queryset")
        if method is None:
            return self.default_sites(reader)
        out: list[QuerysetSite] = []
        for r in matches("locals", method):
            if "return" in r:
                out.extend(reader.sites(r["return.value"][0], method, depth, cls=self))
        return out

    def action_gate(self, reader: _FileReader) -> ActionGate:
        """Where a ``get_queryset`` override testing ``self.action`` goes (see ActionGate)."""
        source = reader.source
        class_col = self.node.start_point.column
        method = self.methods.get("get_queryset")
        if method is not None:
            returns = [
                r["return"][0]
                for r in matches("locals", method)
                if "return" in r and _enclosing_function(r["return"][0]) == method
            ]
            if len(returns) != 1:
                why = f"{self.name}.get_queryset has {len(returns)} return statements: no single place to apply a "
                return ActionGate(
                    self.name, reader.display, method.end_byte, "", "", blocked=why + "list-only prefetch"
                )
            ret = returns[0]
            indent = _line_indent(source, ret.start_byte)
            unit = indent[len(_line_indent(source, method.start_byte)) :] or "    "
            return ActionGate(self.name, reader.display, ret.end_byte, indent, unit, return_start=ret.start_byte)
        first = self.body.named_children[0] if self.body.named_children else self.body
        indent = _line_indent(source, first.start_byte)
        return ActionGate(self.name, reader.display, self.body.end_byte, indent, indent[class_col:] or "    ")

    def default_sites(self, reader: _FileReader) -> list[QuerysetSite]:
        """What ``super().get_queryset()`` returns: the ``queryset`` attribute or ``model``'s default manager."""
        if "queryset" in self.attrs:
            return reader.sites(self.attrs["queryset"], None, cls=None)
        model = self.model(reader)
        if model is None:
            return []
        stmt = self.attr_stmts["model"]
        line_start = reader.source.rfind(b"\n", 0, stmt.start_byte) + 1
        indent = reader.source[line_start : stmt.start_byte].decode()
        line_end = reader.source.find(b"\n", stmt.end_byte)
        end = len(reader.source) if line_end < 0 else line_end
        site = reader.site_at(stmt, model, model.default_manager, "model_attr", end, indent=indent)
        site.written = text(self.attrs["model"])
        return [site]


def _line_indent(source: bytes, at: int) -> str:
    """The whitespace between the start of the line holding byte ``at`` and ``at``."""
    start = source.rfind(b"\n", 0, at) + 1
    return source[start:at].decode()


def find_view_files(project: Path, guard: PathGuard | None = None) -> list[Path]:
    """Views modules and template tag libraries (inclusion tags render templates with their own context)."""
    return project_python_files(
        project,
        lambda p: p.name == "views.py" or (p.parent.name in ("views", "templatetags") and p.name != "__init__.py"),
        guard,
    )


def file_reader(path: Path, display: str, source: bytes, tree: ts.Tree, graph: ModelGraph, app: str) -> _FileReader:
    """A reader of one module, its module-level functions known (helpers whose returns feed views)."""
    reader = _FileReader(path, display, source, graph, app)
    reader.functions = {
        text(m["func.name"][0]): m["func"][0]
        for m in matches("views", tree.root_node)
        if _enclosing_function(m["func"][0].parent) is None
    }
    return reader


def find_views(project: Path, graph: ModelGraph, guard: PathGuard | None = None) -> tuple[list[ViewInfo], list[str]]:
    """Every function view and supported class-based view under ``project``, with errors per file."""
    views: list[ViewInfo] = []
    errors: list[str] = []
    parsed = []
    for path in find_view_files(project, guard):
        display = path.relative_to(project).as_posix()
        source, tree, error = parse_python(path, display)
        if error is not None:
            errors.append(str(error))
        parsed.append((path, display, source, tree))
    kinds = project_view_kinds(tree for *_, tree in parsed)
    serializers = find_serializers(project, guard)
    for path, display, source, tree in parsed:
        app = path.parent.name if path.name in ("views.py",) else path.parent.parent.name
        reader = file_reader(path, display, source, tree, graph, app)
        reader.serializers = serializers
        start = len(views)
        views.extend(_function_views(reader, tree))
        views.extend(inclusion_tag_views(reader, tree))
        views.extend(simple_tag_views(reader, tree))
        views.extend(_class_views(reader, tree, kinds))
        by_name = {v.name: v for v in views[start:] if v.file == display and v.kind == "function"}  # this file's
        for extra in python_read_views(reader, tree):
            same = by_name.get(extra.name)  # the function view itself: one view, template and Python reads
            if same is None:
                views.append(extra)
                continue
            _FileReader.merge(same.context, extra.context)
            for key, paths in extra.python_paths.items():
                same.python_paths.setdefault(key, set()).update(paths)
    views.sort(key=lambda v: (v.file, v.line))
    return views, errors


def _function_views(reader: _FileReader, tree: ts.Tree) -> list[ViewInfo]:
    out = []
    for m in matches("views", tree.root_node):
        func = m["func"][0]
        parent = func.parent
        if parent is not None and parent.type == "decorated_definition":
            parent = parent.parent
        if parent is None or parent.type != "module":
            continue
        body = m["func.body"][0]
        for r in matches("locals", body):
            if "render" not in r:
                continue
            positional, keywords = call_args(r["render.args"][0])
            is_render = text(r["render.func"][0]) in ("render", "TemplateResponse")
            offset = 1 if is_render else 0
            template_node = keywords.get("template_name") or (positional[offset] if len(positional) > offset else None)
            context_node = keywords.get("context") or (positional[offset + 1] if len(positional) > offset + 1 else None)
            template = string_value(template_node)
            view = ViewInfo(text(m["func.name"][0]), "function", reader.display, func.start_point.row + 1, template)
            if template is None:
                view.notes.append(
                    f"{reader.display}:{r['render'][0].start_point.row + 1}: template name is not a literal"
                )
            view.context = reader.context_from(context_node, body, r["render"][0].start_byte)
            out.append(view)
    return out


def project_view_kinds(trees: Iterable[ts.Tree]) -> dict[str, str]:
    """Project classes deriving (through other project view classes) from a generic view: name → that view.

    ``class BabyBuddyFilterView(FilterView)`` in one views module makes ``class FeedingList(Mixin,
    BabyBuddyFilterView)`` in another a FilterView.
    """
    bases_of: dict[str, list[str]] = {}
    for tree in trees:
        for m in matches("classes", tree.root_node):
            bases = [dotted_tail(b) for b in m["class.bases"][0].named_children] if m.get("class.bases") else []
            bases_of.setdefault(text(m["class.name"][0]), bases)
    kinds: dict[str, str] = {}

    def kind_of(name: str, seen: frozenset[str]) -> str | None:
        if name in CBV_KINDS or name in DRF_VIEWS:
            return name
        if name in seen or name not in bases_of:
            return None
        return next((k for b in bases_of[name] if (k := kind_of(b, seen | {name})) is not None), None)

    for name in bases_of:
        kind = kind_of(name, frozenset())
        if kind is not None and name not in CBV_KINDS and name not in DRF_VIEWS:
            kinds[name] = kind
    return kinds


def _class_views(reader: _FileReader, tree: ts.Tree, kinds: dict[str, str] | None = None) -> list[ViewInfo]:
    out = []
    kinds = kinds or {}
    for m in matches("classes", tree.root_node):
        bases = [dotted_tail(b) for b in m["class.bases"][0].named_children] if m.get("class.bases") else []
        kind = next((b for b in bases if b in CBV_KINDS or b in DRF_VIEWS), None) or next(
            (kinds[b] for b in bases if b in kinds), None
        )
        if kind is None:
            continue
        body = m["class.body"][0]
        cbv = _Cbv(text(m["class.name"][0]), kind, m["class"][0], body, bases=bases)
        for member in matches("members", body):
            if "attr" in member and member["attr"][0].parent.id == body.id:
                cbv.attrs[text(member["attr.name"][0])] = member["attr.value"][0]
                cbv.attr_stmts[text(member["attr.name"][0])] = member["attr"][0]
            elif "method" in member and member["method"][0].parent.id == body.id:
                cbv.methods[text(member["method.name"][0])] = member["method"][0]
        out.append(_drf_view(reader, cbv) if kind in DRF_VIEWS else _class_view(reader, cbv))
    return out


def _drf_view(reader: _FileReader, cbv: _Cbv) -> ViewInfo:
    """A DRF view: its queryset read by its ``serializer_class``, and what its own ``get`` / ``list`` /
    ``retrieve`` hand to a serializer (an ``APIView`` has only the latter; no template)."""
    view = ViewInfo(cbv.name, cbv.kind, reader.display, cbv.node.start_point.row + 1, None)
    spec = DRF_VIEWS[cbv.kind]
    if spec["writes"] == "when_written" and _read_only(cbv):
        spec = {**spec, "writes": False}
    serializer = dotted_tail(cbv.attrs["serializer_class"]) if "serializer_class" in cbv.attrs else None
    shared: list[QuerysetSite] = []
    if spec.get("queryset", True) and ("get_queryset" in cbv.methods or "queryset" in cbv.attrs):
        shared = cbv.queryset_sites(reader)
    shared_keys = {s.key for s in shared}
    gate = cbv.action_gate(reader) if spec["writes"] and spec.get("actions") else None
    if gate is not None and "list" in cbv.methods:  # its own list may serialize the rows with another serializer
        gate.blocked = f"{cbv.name} defines its own list(): the prefetches serializer_class needs may not be read there"

    def reads(name: str, key: str, sites: list[QuerysetSite]) -> None:
        _model, paths = serializer_paths(name, reader.serializers, reader.graph, reader.app)
        if not sites or not paths:
            return
        for site in sites:
            site.python_reads = site.python_reads or f"{name} (DRF serializer)"
            if spec["writes"] and site.key in shared_keys:
                site.no_prefetch = (
                    f"{cbv.name} ({cbv.kind}) also updates and deletes through this queryset; DRF re-reads "
                    "relations after an update and a delete reads none, so a prefetch there adds a query"
                )
                site.action_gate = gate
        view.context.setdefault(key, ContextVar(key)).sites.extend(sites)
        view.python_paths.setdefault(key, set()).update(paths)

    if serializer is not None and serializer in reader.serializers and spec.get("queryset", True):
        reads(serializer, f"{serializer} (serializer_class)", shared)
    called_any = False
    for name in DRF["read_methods"]:
        method = cbv.methods.get(name)
        body = method.child_by_field_name("body") if method is not None else None
        for node in _own_nodes(body) if body is not None else []:
            called = _serializer_called(node, serializer, reader)
            if called is None:
                continue
            called_any = True
            positional, keywords = call_args(node.child_by_field_name("arguments"))
            instance = keywords.get("instance") or (positional[0] if positional else None)
            sites = reader.sites(instance, body, cls=cbv)
            if not sites and instance is not None:  # request.user.settings: loaded elsewhere (auth middleware)
                view.notes.append(
                    f"{reader.display}:{node.start_point.row + 1}: {called} serializes {text(instance)!r}, which is "
                    "not built from a queryset this view writes: nothing to plan"
                )
            reads(called, f"{called} in {name} (line {node.start_point.row + 1})", sites)
    if not called_any and (serializer is None or serializer not in reader.serializers):
        view.notes.append(f"{reader.display}:{view.line}: {cbv.name} has no serializer_class of the project")
    return view


def _read_only(cbv: _Cbv) -> bool:
    """A ``GenericAPIView`` written out of DRF's own classes only, with no mixin or method that writes."""
    known = set(DRF_VIEWS) | set(DRF["read_mixins"])
    return all(b in known for b in cbv.bases) and not set(cbv.methods) & set(DRF["write_methods"])


def _serializer_called(node: ts.Node, serializer_class: str | None, reader: _FileReader) -> str | None:
    """The project serializer a call builds: ``FooSerializer(…)``, ``self.serializer_class(…)``,
    ``self.get_serializer(…)`` (the class attribute), else None."""
    if node.type != "call":
        return None
    func = node.child_by_field_name("function")
    if func is None:
        return None
    if text(func) in ("self.serializer_class", "self.get_serializer"):
        name = serializer_class
    elif func.type in ("identifier", "attribute"):
        name = dotted_tail(func)
    else:
        return None
    return name if name is not None and name in reader.serializers else None


def _class_view(reader: _FileReader, cbv: _Cbv) -> ViewInfo:
    view = ViewInfo(cbv.name, cbv.kind, reader.display, cbv.node.start_point.row + 1, None)
    template = string_value(cbv.attrs.get("template_name"))
    sites: list[QuerysetSite] = []
    spec = GENERIC_VIEWS[cbv.kind]
    if spec["role"] in ("list", "detail") or spec.get("suffix"):
        if "get_queryset" in cbv.methods:
            method = cbv.methods["get_queryset"]
            for r in matches("locals", method):
                if "return" in r:
                    sites.extend(reader.sites(r["return.value"][0], method, cls=cbv))
        elif spec["role"] in ("list", "detail"):
            sites = cbv.default_sites(reader)
        model = cbv.model(reader) or (reader.graph.models.get(sites[0].model) if sites else None)
        if model is None:
            view.notes.append(f"{reader.display}:{view.line}: the model of {cbv.name} could not be determined")
        else:
            template = template or f"{model.app}/{model.name.lower()}{spec['suffix']}.html"
            custom = string_value(cbv.attrs.get("context_object_name"))
            if spec["role"] == "list":
                names = ["object_list", custom or spec.get("list_name") or f"{model.name.lower()}_list"]
            elif spec["role"] == "detail":
                names = ["object", custom or model.name.lower()]
                for site in sites:
                    site.single = True
                # the view's own methods reading self.object (python.org's NomineeDetail.get: object.visible(user))
                own = {
                    p
                    for name, method in cbv.methods.items()
                    if name not in ("get_queryset", "get_object")
                    for p in self_attribute_reads("object", method)
                }
                if own:
                    view.python_paths.setdefault("object", set()).update(own)
                    for site in sites:
                        site.python_reads = site.python_reads or "self.object (view methods)"
            else:
                names = []
            for site in sites:
                site.edit_view = bool(spec.get("edit"))
            for name in names:
                view.context.setdefault(name, ContextVar(name)).sites.extend(sites)
    if "get_context_data" in cbv.methods:
        method = cbv.methods["get_context_data"]
        body = method.child_by_field_name("body")
        for r in matches("locals", method):
            if "return" in r and body is not None:
                extra = reader.context_from(r["return.value"][0], body, r["return"][0].start_byte, cbv)
                _FileReader.merge(view.context, extra)
    view.template = template
    if template is None:
        view.notes.append(f"{reader.display}:{view.line}: {cbv.name} has no template_name")
    return view


def inclusion_tag_views(reader: _FileReader, tree: ts.Tree) -> list[ViewInfo]:
    """``@register.inclusion_tag("t.html")`` functions: the template rendered with the dict they return."""
    out: list[ViewInfo] = []
    for m in matches("views", tree.root_node):
        func = m["func"][0]
        decorated = func.parent
        if decorated is None or decorated.type != "decorated_definition":
            continue
        template = None
        for decorator in decorated.named_children:
            call = decorator.named_children[0] if decorator.type == "decorator" and decorator.named_children else None
            if (
                call is None
                or call.type != "call"
                or dotted_tail(call.child_by_field_name("function")) != "inclusion_tag"
            ):
                continue
            positional, keywords = call_args(call.child_by_field_name("arguments"))
            template = string_value(keywords.get("filename") or (positional[0] if positional else None))
        if template is None:
            continue
        body = m["func.body"][0]
        view = ViewInfo(text(m["func.name"][0]), "inclusion_tag", reader.display, func.start_point.row + 1, template)
        for r in matches("locals", body):
            if "return" in r and _enclosing_function(r["return"][0]) == func:
                _FileReader.merge(
                    view.context, reader.context_from(r["return.value"][0], body, r["return"][0].start_byte)
                )
        out.append(view)
    return out


def simple_tag_views(reader: _FileReader, tree: ts.Tree) -> list[ViewInfo]:
    """``@register.simple_tag`` functions returning querysets or objects, as views of their result.

    The result is read by every template calling ``{% tag … as v %}``: its context key is ``tag_root(tag)``,
    the root under which the template reader keeps what is read on ``v``.
    """
    out: list[ViewInfo] = []
    for m in matches("views", tree.root_node):
        func = m["func"][0]
        decorated = func.parent
        if decorated is None or decorated.type != "decorated_definition" or decorated.parent is None:
            continue
        tag = None
        for decorator in decorated.named_children:
            node = decorator.named_children[0] if decorator.type == "decorator" and decorator.named_children else None
            call = node if node is not None and node.type == "call" else None
            target = call.child_by_field_name("function") if call is not None else node
            if target is None or dotted_tail(target) != "simple_tag":
                continue
            _positional, keywords = call_args(call.child_by_field_name("arguments")) if call is not None else ([], {})
            tag = string_value(keywords.get("name")) or text(m["func.name"][0])
        if tag is None:
            continue
        body = m["func.body"][0]
        sites: list[QuerysetSite] = []
        for r in matches("locals", body):
            if "return" in r and _enclosing_function(r["return"][0]) == func:
                sites.extend(reader.sites(r["return.value"][0], body))
        if sites:
            view = ViewInfo(text(m["func.name"][0]), "simple_tag", reader.display, func.start_point.row + 1, None)
            view.context[tag_root(tag)] = ContextVar(tag_root(tag), sites)
            out.append(view)
    return out


def python_read_views(reader: _FileReader, tree: ts.Tree) -> list[ViewInfo]:
    """Per function, the querysets its own Python code reads objects of, as a view with no template.

    ``for check in q: check.to_dict()`` (also in a comprehension) plans ``q`` for the paths read on ``check``;
    ``check, rw = _get_check_for_user(…)`` followed by ``check.project.owner_id`` plans the helper's chain for
    ``project.owner_id``, when every site the name comes from is a single object (``get``,
    ``get_object_or_404``, ``first``) — a queryset's own methods (``q.filter``) are not reads of its objects.
    """
    out: list[ViewInfo] = []
    stack = [tree.root_node]
    functions: list[ts.Node] = []
    while stack:
        node = stack.pop()
        if node.type == "function_definition":
            functions.append(node)
        stack.extend(node.named_children)
    for func in functions:
        body = func.child_by_field_name("body")
        if body is None:
            continue
        name = text(func.child_by_field_name("name"))
        view = ViewInfo(name, "python", reader.display, func.start_point.row + 1, None)
        for node in _own_nodes(body):
            loop = loops_over(node) if node.parent is not None and node.parent.type in LOOPS else None
            if loop is not None:
                paths = name_reads(loop[0], loop[1])
                sites = reader.sites(node, body) if paths else []
                if sites:
                    key = f"for {loop[0]} (line {node.start_point.row + 1})"
                    _python_var(view, key, sites, paths)
            elif node.type == "identifier" and _bound_here(node):
                target = text(node)
                paths = name_reads(target, body, node.end_byte)
                first_use = _first_use(target, body, node.end_byte)
                sites = reader.sites(first_use, body) if paths and first_use is not None else []
                if sites and all(s.single for s in sites):
                    _python_var(view, f"{target} (line {node.start_point.row + 1})", sites, paths)
        if view.context:
            out.append(view)
    return out


LOOPS = frozenset({"for_statement", "for_in_clause"})


def _own_nodes(body: ts.Node) -> list[ts.Node]:
    """Nodes of a function body, not descending into nested functions or classes (they are read on their own)."""
    out, stack = [], list(body.named_children)
    while stack:
        node = stack.pop()
        out.append(node)
        if node.type not in ("function_definition", "class_definition"):
            stack.extend(node.named_children)
    return out


def _bound_here(node: ts.Node) -> bool:
    """``node`` is a name assigned by ``x = …`` or ``a, x = …``."""
    parent = node.parent
    if parent is not None and parent.type == "assignment" and parent.child_by_field_name("left") == node:
        return True
    grand = parent.parent if parent is not None else None
    return (
        parent is not None
        and parent.type in ("pattern_list", "tuple_pattern")
        and grand is not None
        and grand.type == "assignment"
        and grand.child_by_field_name("left") == parent
    )


def _first_use(name: str, scope: ts.Node, after: int) -> ts.Node | None:
    best = None
    stack = [scope]
    while stack:
        node = stack.pop()
        start = node.start_byte
        if (
            node.type == "identifier"
            and text(node) == name
            and after <= start
            and (best is None or start < best.start_byte)
        ):
            best = node
        stack.extend(node.named_children)
    return best


def _python_var(view: ViewInfo, key: str, sites: list[QuerysetSite], paths: set[str]) -> None:
    for site in sites:
        site.python_reads = site.python_reads or key
    view.context.setdefault(key, ContextVar(key)).sites.extend(sites)
    view.python_paths.setdefault(key, set()).update(paths)


def _enclosing_function(node: ts.Node | None) -> ts.Node | None:
    while node is not None and node.type != "function_definition":
        node = node.parent
    return node


def _attribute_reads(name: str, scope: ts.Node | None) -> str | None:
    """The first ``name.attr`` / ``for x in name`` in ``scope``: Python code reading the objects (None if none)."""
    if scope is None:
        return None
    stack = [scope]
    while stack:
        node = stack.pop()
        if node.type == "attribute":
            obj = node.child_by_field_name("object")
            attr = text(node.child_by_field_name("attribute"))
            if obj is not None and obj.type == "identifier" and text(obj) == name and attr not in ("pk", "id"):
                return f"{text(node)} (line {node.start_point.row + 1})"  # the pk is always loaded
        if node.type == "for_statement":
            right = node.child_by_field_name("right")
            if right is not None and right.type == "identifier" and text(right) == name:
                return f"for … in {name} (line {node.start_point.row + 1})"
        stack.extend(node.named_children)
    return None

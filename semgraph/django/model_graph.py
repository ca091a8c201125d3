"""A static graph of Django models read from ``models.py`` files with tree-sitter.

The user's project is never imported: fields, relations, reverse accessors,
managers, properties and methods come from the syntax alone. Relations whose
target lies outside the project (``ContentType``, ``auth.User``) keep their
label and are marked external, unless they are in the small table of Django's
own models below.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import tree_sitter as ts

from semgraph.django.pysource import call_args, dotted_tail, matches, parse_python, string_value, text
from semgraph.paths import PathGuard

FieldKind = Literal[
    "field", "fk", "o2o", "m2m", "reverse_fk", "reverse_o2o", "reverse_m2m", "generic_fk", "generic_relation"
]
TO_ONE: frozenset[str] = frozenset({"fk", "o2o", "reverse_o2o"})
TO_MANY: frozenset[str] = frozenset({"m2m", "reverse_fk", "reverse_m2m", "generic_relation"})

RELATION_TYPES = {"ForeignKey": "fk", "OneToOneField": "o2o", "ManyToManyField": "m2m", "ParentalKey": "fk"}
TO_MANY_MANAGERS = {"TaggableManager": "taggit.Tag"}
"""Third-party fields that are to-many relations although their class name ends in ``Manager`` (django-taggit's
``TaggableManager``, also a project's subclass of the same name): ``obj.tags.all`` is prefetched like a
generic relation, the target model being outside the project."""
MODEL_BASES = {"Model"}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "migrations", ".semgraph", "site-packages"}


@dataclass
class FieldInfo:
    """A field or relation accessor of a model (forward or reverse)."""

    name: str
    kind: FieldKind
    target: str | None = None  # model label for relations
    related_name: str | None = None
    related_query_name: str | None = None
    through: str | None = None
    null: bool = False
    line: int = 0
    declared_in: str = ""
    field_type: str = ""


@dataclass
class ModelInfo:
    name: str
    app: str
    file: str
    line: int
    abstract: bool = False
    external: bool = False
    bases: list[str] = field(default_factory=list)
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    methods: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    managers: dict[str, str] = field(default_factory=dict)  # attribute → manager class
    method_reads: dict[str, list[str] | None] = field(default_factory=dict)
    """Method/property → the ``self.a.b`` paths its body reads; None when ``self`` escapes (not followable)."""
    ordering: list[str] = field(default_factory=list)  # Meta.ordering field names
    method_passes: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    """Method → ``(self path, callee, argument index)`` for ``Profile.objects.for_user(self.owner)``: what the
    project's manager method ``for_user`` reads on its argument is read on ``self.owner``."""

    @property
    def label(self) -> str:
        return f"{self.app}.{self.name}"

    @property
    def default_manager(self) -> str:
        """The manager Django makes default: the first declared, else ``objects``."""
        return next(iter(self.managers), "objects")

    def manager_names(self) -> set[str]:
        return set(self.managers) | ({"objects"} if not self.managers else set())


@dataclass
class ManagerClass:
    """A project's Manager or QuerySet subclass: which of its methods are known to return a QuerySet."""

    name: str
    is_queryset: bool
    returns_queryset: dict[str, bool] = field(default_factory=dict)  # method → every return is a QuerySet chain
    param_reads: dict[str, list[set[str]]] = field(default_factory=dict)  # method → paths read on each argument
    queryset_class: str | None = None  # Manager.from_queryset(QS) / QS.as_manager(): QS's methods exist on both


@dataclass
class ModelGraph:
    models: dict[str, ModelInfo] = field(default_factory=dict)  # label → model
    errors: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    manager_classes: dict[str, ManagerClass] = field(default_factory=dict)  # class name → class
    editors: dict[str, list[str]] = field(default_factory=dict)
    """Model name → ModelForms / serializers built on it (``file:line Class``): they read every field."""

    def find(self, name: str, app: str | None = None) -> ModelInfo | None:
        """Model by label (``app.Model``) or bare name (preferring ``app``); case-insensitive on the name."""
        if name in self.models:
            return self.models[name]
        if "." in name:
            app_part, _, model_part = name.rpartition(".")
            for model in self.models.values():
                if model.app == app_part and model.name.lower() == model_part.lower():
                    return model
            return None
        found = [m for m in self.models.values() if m.name.lower() == name.lower()]
        if app is not None:
            preferred = [m for m in found if m.app == app]
            if preferred:
                return preferred[0]
        concrete = [m for m in found if not m.external]
        return (concrete or found or [None])[0]

    def require(self, name: str) -> ModelInfo:
        from semgraph.errors import NotFoundError

        model = self.find(name)
        if model is None:
            known = ", ".join(sorted(m.name for m in self.models.values() if not m.external)) or "none"
            raise NotFoundError(f"model {name!r} not found in the project's models.py files", hint=f"known: {known}")
        return model


def _builtin_models() -> dict[str, ModelInfo]:
    """Django's own models a project commonly relates to (fields known without importing Django's apps)."""
    user = ModelInfo("User", "auth", "django.contrib.auth", 0, external=True)
    for name in ("id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
                 "is_staff", "is_active", "date_joined"):  # fmt: skip
        user.fields[name] = FieldInfo(name, "field", declared_in="auth.User")
    user.fields["groups"] = FieldInfo("groups", "m2m", target="auth.Group", declared_in="auth.User")
    for method in ("get_full_name", "get_short_name", "get_username", "has_perm", "check_password", "__str__"):
        user.methods[method] = 0
    user.method_reads.update(
        {"__str__": ["username"], "get_username": ["username"], "get_full_name": ["first_name", "last_name"],
         "get_short_name": ["first_name"]}
    )  # fmt: skip
    group = ModelInfo("Group", "auth", "django.contrib.auth", 0, external=True)
    group.fields = {n: FieldInfo(n, "field", declared_in="auth.Group") for n in ("id", "name")}
    group.methods["__str__"] = 0
    group.method_reads["__str__"] = ["name"]
    ctype = ModelInfo("ContentType", "contenttypes", "django.contrib.contenttypes", 0, external=True)
    ctype.fields = {
        n: FieldInfo(n, "field", declared_in="contenttypes.ContentType") for n in ("id", "app_label", "model")
    }
    return {m.label: m for m in (user, group, ctype)}


ABSTRACT_BUILTINS: dict[str, str] = {"AbstractUser": "auth.User", "AbstractBaseUser": "auth.User"}


@dataclass
class _RawClass:
    name: str
    app: str
    file: str
    line: int
    bases: list[str]
    node: ts.Node
    abstract: bool


def project_python_files(project: Path, keep: Callable[[Path], bool], guard: PathGuard | None = None) -> list[Path]:
    """Sorted ``.py`` files under ``project`` that ``keep`` accepts.

    Why a pruning walk: SKIP_DIRS (virtualenvs, node_modules, migrations) are never entered, where a
    ``rglob`` would list all of their files only to drop them.
    """
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(project):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for fname in filenames:
            path = Path(dirpath) / fname
            if fname.endswith(".py") and keep(path) and (guard is None or guard.is_safe_member(path)):
                found.append(path)
    return sorted(found)


def find_model_files(project: Path, guard: PathGuard | None = None) -> list[Path]:
    """``models.py`` and ``models/*.py`` under ``project``, skipping virtualenvs and migrations."""
    return project_python_files(
        project,
        lambda p: p.name == "models.py" or (p.parent.name == "models" and p.name != "__init__.py"),
        guard,
    )


def _app_of(path: Path) -> str:
    return path.parent.parent.name if path.parent.name == "models" else path.parent.name


def build_model_graph(project: Path, guard: PathGuard | None = None) -> ModelGraph:
    """Read every models file under ``project``; syntax errors are recorded and the rest still parses."""
    graph = ModelGraph()
    raw: list[_RawClass] = []
    for path in find_model_files(project, guard):
        display = path.relative_to(project).as_posix()
        _source, tree, error = parse_python(path, display)
        graph.files.append(display)
        if error is not None:
            graph.errors.append(str(error))
        for m in matches("classes", tree.root_node):
            cls = m["class"][0]
            if cls.parent is None or cls.parent.type not in ("module", "decorated_definition"):
                continue  # nested classes (Meta) are read with their model
            bases = (
                [text(b) for b in (m.get("class.bases") or [None])[0].named_children] if m.get("class.bases") else []
            )
            raw.append(
                _RawClass(
                    name=text(m["class.name"][0]),
                    app=_app_of(path),
                    file=display,
                    line=cls.start_point.row + 1,
                    bases=bases,
                    node=m["class.body"][0],
                    abstract=_is_abstract(m["class.body"][0]),
                )
            )
    graph.models.update(_builtin_models())
    by_name = {c.name: c for c in raw}
    model_names: set[str] = set()
    changed = True
    while changed:  # a class is a model if it derives from Model or from a model (transitively)
        changed = False
        for c in raw:
            if c.name in model_names:
                continue
            tails = {b.rsplit(".", 1)[-1] for b in c.bases}
            if tails & (MODEL_BASES | set(ABSTRACT_BUILTINS) | model_names):
                model_names.add(c.name)
                changed = True
    for c in raw:
        if c.name in model_names:
            graph.models[f"{c.app}.{c.name}"] = _read_model(c, graph)
    _inherit(graph, by_name)
    _add_reverse(graph)
    from semgraph.django.support_classes import scan_support_classes  # it reads this module's types

    scan_support_classes(project, graph, guard)
    link_passes(graph)
    return graph


def _is_abstract(body: ts.Node) -> bool:
    for m in matches("members", body):
        if "inner" in m and m["inner"][0].parent.id == body.id and text(m["inner.name"][0]) == "Meta":
            meta_body = m["inner.body"][0]
            for a in matches("members", meta_body):
                if "attr" in a and a["attr"][0].parent.id == meta_body.id and text(a["attr.name"][0]) == "abstract":
                    return text(a["attr.value"][0]) == "True"
    return False


def _read_model(c: _RawClass, graph: ModelGraph) -> ModelInfo:
    model = ModelInfo(c.name, c.app, c.file, c.line, abstract=c.abstract, bases=c.bases)
    for m in matches("members", c.node):
        if "field" in m and m["field"][0].parent.id == c.node.id:
            _read_field(model, m, c)
        elif "method" in m and m["method"][0].parent.id == c.node.id:
            model.methods[text(m["method.name"][0])] = m["method"][0].start_point.row + 1
            model.method_reads[text(m["method.name"][0])] = self_reads(m["method"][0])
            model.method_passes[text(m["method.name"][0])] = self_passes(m["method"][0])
        elif "decorated" in m and m["decorated"][0].parent.id == c.node.id:
            node = m["decorated"][0]
            decorators = {dotted_tail(d.named_children[0]) for d in node.named_children if d.type == "decorator"}
            name = text(m["decorated.name"][0])
            target = model.properties if decorators & {"property", "cached_property"} else model.methods
            target[name] = node.start_point.row + 1
            definition = node.child_by_field_name("definition")
            model.method_reads[name] = self_reads(definition) if definition is not None else None
            model.method_passes[name] = self_passes(definition) if definition is not None else []
        elif "inner" in m and m["inner"][0].parent.id == c.node.id and text(m["inner.name"][0]) == "Meta":
            model.ordering = _meta_ordering(m["inner.body"][0])
    return model


def _meta_ordering(meta_body: ts.Node) -> list[str]:
    for a in matches("members", meta_body):
        if "attr" in a and a["attr"][0].parent.id == meta_body.id and text(a["attr.name"][0]) == "ordering":
            value = a["attr.value"][0]
            names = [string_value(c) for c in value.named_children] if value.type in ("list", "tuple") else []
            return [n.lstrip("-").split("__")[0] for n in names if n and n != "?"]
    return []


def self_passes(func: ts.Node) -> list[tuple[str, str, int]]:
    """``callee(…, self.a.b, …)`` calls in a method body: (``a.b``, callee name, positional index)."""
    params = func.child_by_field_name("parameters")
    first = next((p for p in params.named_children), None) if params is not None else None
    body = func.child_by_field_name("body")
    if first is None or first.type != "identifier" or body is None:
        return []
    me = text(first)
    out: list[tuple[str, str, int]] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "call":
            positional, _ = call_args(node.child_by_field_name("arguments"))
            for index, arg in enumerate(positional):
                written = text(arg)
                if arg.type == "attribute" and written.startswith(me + ".") and "(" not in written:
                    out.append((written[len(me) + 1 :], dotted_tail(node.child_by_field_name("function")), index))
        stack.extend(node.named_children)
    return out


def link_passes(graph: ModelGraph) -> None:
    """Add to each method's reads what the project's manager methods it hands ``self.x`` to read on it.

    Only a callee name defined by exactly one manager/queryset class is followed (no guessing between two).
    """
    defined: dict[str, list[list[set[str]]]] = {}
    for cls in graph.manager_classes.values():
        for method, reads in cls.param_reads.items():
            defined.setdefault(method, []).append(reads)
    for model in graph.models.values():
        for method, passes in model.method_passes.items():
            reads = model.method_reads.get(method)
            if reads is None:
                continue
            for path, callee, index in passes:
                found = defined.get(callee, [])
                if len(found) == 1 and index < len(found[0]):
                    reads.extend(p for p in (f"{path}.{r}" for r in sorted(found[0][index])) if p not in reads)


def self_reads(func: ts.Node) -> list[str] | None:
    """The ``self.a.b`` paths a method body reads (calls included: ``self.f()`` reads ``f``).

    None when the body hands ``self`` itself elsewhere (``str(self)``, ``helper(self)``, ``super()``): then
    what it reads is not known statically.
    """
    params = func.child_by_field_name("parameters")
    first = next((p for p in params.named_children), None) if params is not None else None
    if first is None or first.type != "identifier":
        return None
    me = text(first)
    body = func.child_by_field_name("body")
    reads: set[str] = set()
    stack = [body] if body is not None else []
    while stack:
        node = stack.pop()
        if node.type == "identifier" and text(node) == "super":
            return None
        if node.type == "identifier" and text(node) == me:
            parent = node.parent
            if parent is None or parent.type != "attribute" or parent.child_by_field_name("object") != node:
                return None  # self escapes: passed, returned or formatted whole
            parts = []
            current = parent
            while True:
                parts.append(text(current.child_by_field_name("attribute")))
                outer = current.parent
                if outer is None or outer.type != "attribute" or outer.child_by_field_name("object") != current:
                    break
                current = outer
            if parts[0] not in ("_meta", "_state", "__class__"):
                reads.add(".".join(parts))
            continue
        stack.extend(node.named_children)
    return sorted(reads)


def _read_field(model: ModelInfo, m: dict[str, list[ts.Node]], c: _RawClass) -> None:
    name = text(m["field.name"][0])
    func = m["field.func"][0]
    ftype = dotted_tail(func)
    line = m["field"][0].start_point.row + 1
    positional, keywords = call_args(m["field.args"][0])
    if ftype in TO_MANY_MANAGERS:
        target = TO_MANY_MANAGERS[ftype]
        model.fields[name] = FieldInfo(
            name, "generic_relation", target=target, line=line, declared_in=model.label, field_type=ftype
        )
        return
    if ftype == "as_manager" or ftype.endswith("Manager") or (func.type == "call" and "Manager" in text(func)):
        model.managers[name] = ftype if ftype != "as_manager" else text(func.child_by_field_name("object"))
        return
    if ftype == "GenericForeignKey":
        model.fields[name] = FieldInfo(name, "generic_fk", line=line, declared_in=model.label, field_type=ftype)
        return
    if ftype == "GenericRelation":
        target = _target(positional, keywords, model)
        model.fields[name] = FieldInfo(
            name, "generic_relation", target=target, line=line, declared_in=model.label, field_type=ftype
        )
        return
    kind = RELATION_TYPES.get(ftype)
    if kind is None:
        if ftype.endswith("Field"):
            model.fields[name] = FieldInfo(name, "field", line=line, declared_in=model.label, field_type=ftype)
        return
    model.fields[name] = FieldInfo(
        name,
        kind,  # type: ignore[arg-type]
        target=_target(positional, keywords, model),
        related_name=string_value(keywords.get("related_name")),
        related_query_name=string_value(keywords.get("related_query_name")),
        through=_label_text(keywords.get("through")),
        null=text(keywords.get("null")) == "True",
        line=line,
        declared_in=model.label,
        field_type=ftype,
    )


def _label_text(node: ts.Node | None) -> str | None:
    if node is None:
        return None
    value = string_value(node)
    return value if value is not None else dotted_tail(node)


def _target(positional: list[ts.Node], keywords: dict[str, ts.Node], model: ModelInfo) -> str:
    node = keywords.get("to") or (positional[0] if positional else None)
    raw = _label_text(node) or "?"
    if raw == "self":
        return model.label
    if text(node).endswith("AUTH_USER_MODEL") or raw == "get_user_model":
        return "auth.User"
    return raw


def _resolve(graph: ModelGraph, raw: str, app: str) -> str:
    """Turn a written target (``Tenant``, ``"rentals.Tenant"``, ``"self"`` already expanded) into a label."""
    model = graph.find(raw, app=app)
    return model.label if model is not None else raw


def _inherit(graph: ModelGraph, by_name: dict[str, _RawClass]) -> None:
    """Copy fields, methods and managers from bases (abstract or concrete) into each model, nearest first."""

    def ancestors(model: ModelInfo, seen: set[str]) -> list[ModelInfo]:
        out: list[ModelInfo] = []
        for base in model.bases:
            tail = base.rsplit(".", 1)[-1]
            if tail in ABSTRACT_BUILTINS:
                out.append(graph.models[ABSTRACT_BUILTINS[tail]])
                continue
            parent = graph.find(tail, app=model.app)
            if parent is None or parent.label in seen or parent is model:
                continue
            seen.add(parent.label)
            out.append(parent)
            out.extend(ancestors(parent, seen))
        return out

    for model in [m for m in graph.models.values() if not m.external]:
        for parent in ancestors(model, {model.label}):
            for name, info in parent.fields.items():
                if name not in model.fields:
                    copied = FieldInfo(**{**info.__dict__})
                    if copied.related_name:
                        copied.related_name = copied.related_name.replace("%(class)s", model.name.lower()).replace(
                            "%(app_label)s", model.app
                        )
                    model.fields[name] = copied
            for name, line in parent.methods.items():
                model.methods.setdefault(name, line)
            for name, reads in parent.method_reads.items():
                model.method_reads.setdefault(name, reads)
            if not model.ordering:
                model.ordering = list(parent.ordering)
            for name, line in parent.properties.items():
                model.properties.setdefault(name, line)
            if not parent.abstract and not parent.external:
                link = f"{parent.name.lower()}_ptr"
                model.fields.setdefault(link, FieldInfo(link, "o2o", target=parent.label, declared_in=model.label))
                parent.fields.setdefault(
                    model.name.lower(), FieldInfo(model.name.lower(), "reverse_o2o", target=model.label)
                )
            elif not model.managers:
                for name, manager in parent.managers.items():
                    model.managers.setdefault(name, manager)
        model.fields.setdefault("id", FieldInfo("id", "field", declared_in=model.label, field_type="AutoField"))
        model.fields.setdefault("pk", FieldInfo("pk", "field", declared_in=model.label, field_type="AutoField"))


def _add_reverse(graph: ModelGraph) -> None:
    """Reverse accessors: ``related_name`` or ``<model>_set`` (``<model>`` for one-to-one); ``+`` hides them."""
    for model in [m for m in graph.models.values() if not m.external and not m.abstract]:
        for info in list(model.fields.values()):
            if info.kind not in ("fk", "o2o", "m2m") or info.target is None:
                continue
            info.target = _resolve(graph, info.target, model.app)
            if info.through:
                info.through = _resolve(graph, info.through, model.app)
            declared = graph.models.get(info.declared_in)
            if info.declared_in != model.label and declared is not None and not declared.abstract:
                continue  # multi-table inheritance: the relation (and its reverse) belongs to the parent table
            target = graph.models.get(info.target)
            if target is None or (target.external and target.app in ("contenttypes",)):
                continue
            if info.related_name and info.related_name.endswith("+"):
                continue
            if info.kind == "m2m" and info.target == model.label and info.related_name is None:
                continue  # symmetrical self M2M: no reverse accessor
            reverse_kind = {"fk": "reverse_fk", "o2o": "reverse_o2o", "m2m": "reverse_m2m"}[info.kind]
            default = model.name.lower() if info.kind == "o2o" else f"{model.name.lower()}_set"
            accessor = info.related_name or default
            target.fields.setdefault(
                accessor,
                FieldInfo(
                    accessor,
                    reverse_kind,  # type: ignore[arg-type]
                    target=model.label,
                    related_name=info.name,  # the forward field, for prefetch keys
                    related_query_name=info.related_query_name or info.related_name or model.name.lower(),
                    line=info.line,
                    declared_in=model.label,
                ),
            )


def load_graph(project: Path, guard: PathGuard | None = None) -> ModelGraph:
    """The model graph of ``project``; NotFoundError when it holds no models at all."""
    graph = build_model_graph(project, guard)
    if not any(not m.external for m in graph.models.values()):
        from semgraph.errors import NotFoundError

        detail = f" ({'; '.join(graph.errors)})" if graph.errors else ""
        raise NotFoundError(
            f"no Django models found under {project.name!r}{detail}",
            hint="point project_path at a Django project (a directory with an app's models.py)",
        )
    return graph

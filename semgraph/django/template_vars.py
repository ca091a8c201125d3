"""Which attribute paths a Django template reads, per context variable.

Expressions are compiled with Django's own ``FilterExpression`` / ``Variable``
and ``{% if %}`` conditions with Django's ``smartif.IfParser``; no settings are
configured and nothing is rendered. Loop and ``with`` aliases are resolved back
to the context variable they stand for (``{% for lease in expiring_soon %}``
makes ``lease.property.name`` a path of ``expiring_soon``), and ``include`` /
``extends`` are followed through the template directories.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from django.template.base import FilterExpression, Parser, Variable
from django.template.defaultfilters import register as _default_filters
from django.template.exceptions import TemplateSyntaxError
from django.template.smartif import IfParser
from django.template.smartif import Literal as IfLiteral
from pydantic import BaseModel, Field

from semgraph.django.template_parse import Node, TagNode, VarNode, column_of, parse_template
from semgraph.errors import InvalidInputError, NotFoundError, SourceParseError

BUILTIN_NAMES = frozenset({"True", "False", "None"})
IGNORED_ROOTS = frozenset({"forloop"})
MAX_INCLUDE_DEPTH = 20
_SKIPPED_ROOTS = BUILTIN_NAMES | IGNORED_ROOTS

GENERIC_KNOWN_TAGS = frozenset(
    {
        "url", "firstof", "widthratio", "ifchanged", "static", "get_static_prefix", "get_media_prefix",
        "querystring", "localtime", "timezone", "localize", "language", "autoescape", "spaceless", "cache",
    }
)  # fmt: skip
"""Built-in tags whose arguments are plain expressions (plus an optional ``as name``)."""

NO_EXPRESSION_TAGS = frozenset(
    {"load", "csrf_token", "templatetag", "lorem", "debug", "now", "resetcycle", "filter", "get_current_language",
     "get_available_languages", "get_current_language_bidi", "get_current_timezone", "trans", "translate"}
)  # fmt: skip
"""Built-in tags without context-variable arguments (``now`` and ``trans`` take literals; ``as name`` is bound)."""


BUILTIN_FILTERS = frozenset(_default_filters.filters)
"""Django's built-in filters: they read only the value itself (a custom filter may read any attribute)."""

_TAG_KEYWORDS: dict[str, dict[str, list]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "tag_keywords.yaml").read_text(encoding="utf-8")
)
"""Tag name → keywords / literal positions of known built-in and third-party tags (not variables)."""


def tag_root(tag: str) -> str:
    """The root under which paths read on ``{% tag … as v %}``'s result are kept (never a context name).

    Why: a project simple tag returning a queryset is planned in the tag's function, so reads of ``v`` belong
    to the tag, not to whatever view renders the template.
    """
    return f"{{% {tag} %}}"


def tag_of(root: str) -> str | None:
    """The tag whose result ``root`` (a ``tag_root``) stands for, else None."""
    return root[3:-3] if root.startswith("{% ") and root.endswith(" %}") else None


def _filter_name(func: object) -> str:
    return getattr(func, "_filter_name", "") or getattr(func, "__name__", "")


def tag_arguments(name: str, bits: list[str]) -> list[str]:
    """The bits of tag ``name`` that are expressions: its known keywords and literal names dropped."""
    spec = _TAG_KEYWORDS.get(name)
    if not spec:
        return bits[1:]
    keywords = set(spec.get("keywords") or [])
    prefixed = tuple(spec.get("keywords_prefixed") or [])
    literal = {p - 1 for p in spec.get("literal_positions") or []}
    return [
        b
        for i, b in enumerate(bits[1:])
        if b not in keywords and i not in literal and not (prefixed and b.startswith(prefixed))
    ]


class AliasUse(BaseModel):
    """One alias (loop variable, ``with`` name, include binding) and the paths read through it."""

    name: str
    kind: Literal["for", "with", "include", "tag"]
    source: str = Field(description="What the alias stands for: context variable and path, e.g. `expiring_soon`.")
    template: str
    line: int
    paths: list[str] = Field(description="Paths read through the alias, relative to the alias.")


class TemplateVariables(BaseModel):
    """Root context variable → sorted unique attribute paths, with aliases and warnings."""

    variables: dict[str, list[str]]
    aliases: list[AliasUse]
    templates: list[str] = Field(description="Templates read: the template itself, parents, includes.")
    warnings: list[str]
    rendered: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Root variable → paths rendered whole by {{ }} (str() runs on the object: '' is the root).",
    )
    opaque: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Root variable → paths handed to a custom tag or filter, which may read any attribute.",
    )
    conditional: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Root variable → paths read only inside {% if %}/{% elif %}/{% else %} branches, never outside "
        "one (a prefetch for one object read so would be a query the other request paths never made).",
    )
    tag_results: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Custom tag → paths read on the value it binds with `{% tag … as v %}` (a tag called so "
        "is listed even when nothing is read). In rendered/opaque such a value's root is written `{% tag %}`.",
    )


class _AnyFilterParser(Parser):
    """A Django ``Parser`` that accepts any filter name: we read filters, we never run them."""

    def __init__(self) -> None:
        super().__init__([])

    def find_filter(self, filter_name: str) -> Callable[..., object]:
        def _filter(value: object, arg: object = None) -> object:
            return value

        _filter._filter_name = filter_name  # type: ignore[attr-defined]
        return _filter


class _ReadOnlyFilterExpression(FilterExpression):
    """Django's FilterExpression without the arity check: custom filters are unknown here, and not run."""

    @staticmethod
    def args_check(name: str, func: object, provided: list[object]) -> bool:
        return True


_PARSER = _AnyFilterParser()
_EXPR_CACHE: dict[str, FilterExpression] = {}
_EXPR_CACHE_MAX = 8192


def _plain_path(text: str, parts: list[str]) -> FilterExpression:
    """What Django's FilterExpression builds for a bare ``a.b.c`` (no filter, literal or index), built directly.

    For such text Django's ``Variable`` ends with ``lookups = tuple(text.split("."))`` after failing its number
    and string-literal tries; skipping those tries is the cold-path cost that matters on large templates.
    """
    var = Variable.__new__(Variable)
    var.var, var.literal, var.lookups, var.translate, var.message_context = text, None, tuple(parts), False, None
    expr = FilterExpression.__new__(_ReadOnlyFilterExpression)
    expr.token, expr.filters, expr.var, expr.is_var = text, [], var, True
    return expr


def compile_expression(text: str) -> FilterExpression:
    """Compile ``text`` with Django's FilterExpression (memoized: compiled expressions are never mutated)."""
    expr = _EXPR_CACHE.get(text)
    if expr is None:
        parts = text.split(".")
        if all(p.isidentifier() and p[0] != "_" for p in parts):
            expr = _plain_path(text, parts)
        else:
            expr = _ReadOnlyFilterExpression(text, _PARSER)
        if len(_EXPR_CACHE) >= _EXPR_CACHE_MAX:
            _EXPR_CACHE.clear()
        _EXPR_CACHE[text] = expr
    return expr


def clear_caches() -> None:
    """Forget parsed templates and compiled expressions (benchmarks measure cold runs with this)."""
    _EXPR_CACHE.clear()
    _TREE_CACHE.clear()
    _IF_CACHE.clear()


class _CollectingIfParser(IfParser):
    """Django's ``{% if %}`` expression parser, collecting each operand's FilterExpression."""

    error_class = TemplateSyntaxError

    def __init__(self, tokens: list[str]) -> None:
        self.operands: list[FilterExpression] = []
        super().__init__(tokens)

    def create_var(self, value: str) -> IfLiteral:
        expr = compile_expression(value)
        self.operands.append(expr)
        return IfLiteral(expr)


_IF_CACHE: dict[tuple[str, ...], list[FilterExpression]] = {}


def if_operands(bits: tuple[str, ...]) -> list[FilterExpression]:
    """The operands of an ``{% if %}`` condition, parsed by Django's smartif (memoized; errors are not cached)."""
    operands = _IF_CACHE.get(bits)
    if operands is None:
        parser = _CollectingIfParser(list(bits))
        parser.parse()
        operands = parser.operands
        if len(_IF_CACHE) >= _EXPR_CACHE_MAX:
            _IF_CACHE.clear()
        _IF_CACHE[bits] = operands
    return operands


@dataclass(slots=True)
class _Binding:
    """A name bound inside the template: resolves to ``root`` + ``path``; ``root`` None means local."""

    root: str | None
    path: tuple[str, ...]
    alias: tuple[str, str, str, str, int] | None  # name, kind, source, template, line (an AliasUse at the end)
    paths: set[str] | None
    parent: _Binding | None = None  # the alias this one was bound through (``l`` in ``for l in p.leases.all``)
    parent_prefix: tuple[str, ...] = ()


@dataclass(slots=True)
class _Scope:
    names: dict[str, _Binding] = field(default_factory=dict)
    isolated: bool = False  # an ``include … only``: names above are not visible


TemplateLoader = Callable[[str], tuple[str, str]]
"""``name → (source, display name)``; raises NotFoundError."""


class DirLoader:
    """Loads template names from directories, refusing names that escape them (``../``)."""

    def __init__(
        self, dirs: Iterable[Path], contains: Callable[[Path], bool] | None = None, max_bytes: int = 2_000_000
    ) -> None:
        self.dirs = [Path(d) for d in dirs]
        self.real_dirs = [Path(os.path.realpath(d)) for d in self.dirs]
        self.contains = contains
        self.max_bytes = max_bytes

    def __call__(self, name: str) -> tuple[str, str]:
        for base_real in self.real_dirs:
            real = Path(os.path.realpath(base_real / name))
            if not real.is_relative_to(base_real) or (self.contains is not None and not self.contains(real)):
                continue
            if real.is_file():  # shown by its template name, as Django's own messages show it
                if real.stat().st_size > self.max_bytes:
                    raise InvalidInputError(
                        f"template {name!r} is larger than {self.max_bytes} bytes", hint="is it really a template?"
                    )
                return real.read_text(encoding="utf-8", errors="replace"), name
        dirs = ", ".join(str(d) for d in self.dirs) or "(none given)"
        raise NotFoundError(f"template {name!r} not found in template_dirs", hint=f"searched {dirs}")


def template_location(path: Path, dirs: list[Path]) -> tuple[list[Path], str | None]:
    """Lookup dirs for ``path`` (default: the ``templates`` directory above it) and its template name there.

    Why: include/extends names resolve against these dirs, and warnings read best by the same name Django uses;
    the name is None when ``path`` lies outside the first dir (the caller picks its own display name).
    """
    if not dirs:
        dirs = next(([p] for p in path.parents if p.name == "templates"), [path.parent])
    name = path.relative_to(dirs[0]).as_posix() if path.is_relative_to(dirs[0]) else None
    return dirs, name


_TREE_CACHE: dict[tuple[str, str], list[Node]] = {}
_TREE_CACHE_MAX = 256


def _parse_cached(source: str, name: str) -> list[Node]:
    key = (name, source)
    tree = _TREE_CACHE.get(key)
    if tree is None:
        tree = parse_template(source, name)
        if len(_TREE_CACHE) >= _TREE_CACHE_MAX:
            _TREE_CACHE.clear()  # simple and thread-safe enough: a refill costs one parse per template
        _TREE_CACHE[key] = tree
    return tree


class _Extractor:
    def __init__(self, loader: TemplateLoader | None) -> None:
        self.loader = loader
        self.variables: dict[str, set[str]] = {}
        self.rendered: dict[str, set[str]] = {}
        self.opaque: dict[str, set[str]] = {}
        self.aliases: list[tuple[tuple[str, str, str, str, int], set[str]]] = []
        self.templates: list[str] = []
        self.warnings: list[str] = []
        self.scopes: list[_Scope] = [_Scope()]
        self.depth = 0
        self.last_via: tuple[_Binding, tuple[str, ...]] | None = None
        self.target_via: tuple[_Binding, tuple[str, ...]] | None = None
        self.sources: dict[str, str] = {}
        self.if_depth = 0  # inside this many {% if %} branches: reads there happen only on some requests
        self.conditional: dict[str, set[str]] = {}
        self.unconditional: dict[str, set[str]] = {}

    def col(self, template: str, index: int) -> int:
        """Column of token ``index`` in ``template`` (computed only when an error is reported)."""
        source = self.sources.get(template)
        return column_of(source, index) if source is not None else 1

    def error(self, message: str, template: str, line: int, index: int) -> SourceParseError:
        """The error to raise for token ``index`` (on ``line``) of ``template``, worded as Django words it."""
        return SourceParseError(message, file=template, line=line, column=self.col(template, index))

    # ---- name resolution -------------------------------------------------
    def _lookup(self, name: str) -> _Binding | Literal[False] | None:
        """The binding of ``name``; None for a context variable; False when hidden by ``only``."""
        scopes = self.scopes
        for i in range(len(scopes) - 1, -1, -1):
            scope = scopes[i]
            binding = scope.names.get(name)
            if binding is not None:
                return binding
            if scope.isolated:
                return False
        return None

    def resolve(self, lookups: tuple[str, ...]) -> tuple[str, tuple[str, ...]] | None:
        """Record the use of a variable path and return its absolute (root, path), or None if local."""
        name = lookups[0]
        self.last_via = None
        if name in _SKIPPED_ROOTS or (name == "block" and lookups[1:2] == ("super",)):
            return None
        binding = self._lookup(name)
        if binding is False:
            return None
        rest = lookups[1:]
        if binding is None:
            return self.record(name, rest)
        self.last_via = (binding, rest)
        if rest:
            if binding.paths is not None:
                binding.paths.add(".".join(rest))
            outer, relative = binding.parent, binding.parent_prefix + rest
            while outer is not None:
                if outer.paths is not None:
                    outer.paths.add(".".join(relative))
                outer, relative = outer.parent, outer.parent_prefix + relative
        root = binding.root
        if root is None:
            return None
        return self.record(root, binding.path + rest)

    def record(self, root: str, path: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        """Note that the template reads ``root`` (and ``root.path``); return (root, path)."""
        seen = self.variables.get(root)
        if seen is None:
            seen = self.variables[root] = set()
        if path:
            seen.add(".".join(path))
        where = self.conditional if self.if_depth else self.unconditional
        where.setdefault(root, set()).add(".".join(path))
        return root, path

    def use_expr(self, expr: FilterExpression) -> tuple[str, tuple[str, ...]] | None:
        """Record every variable a FilterExpression reads (its value and its filter arguments)."""
        target = self.resolve(expr.var.lookups) if isinstance(expr.var, Variable) and expr.var.lookups else None
        self.target_via = self.last_via if target is not None else None
        if target is not None and any(_filter_name(f) not in BUILTIN_FILTERS for f, _ in expr.filters):
            self.note(self.opaque, target)
        for _func, args in expr.filters:
            for is_var, arg in args:
                if is_var and isinstance(arg, Variable) and arg.lookups:
                    self.resolve(arg.lookups)
        return target

    @staticmethod
    def note(where: dict[str, set[str]], target: tuple[str, tuple[str, ...]]) -> None:
        root, path = target
        where.setdefault(root, set()).add(".".join(path))

    def use_bound(self, expr: FilterExpression) -> tuple[tuple[str, tuple[str, ...]] | None, object]:
        """``use_expr`` plus the alias the value was reached through, for binding a new alias to it."""
        target = self.use_expr(expr)
        return target, self.target_via

    def compile(self, text: str, template: str, line: int, column: int) -> FilterExpression:
        try:
            return compile_expression(text)
        except TemplateSyntaxError as exc:
            raise self.error(str(exc), template, line, column) from None

    def bind(
        self,
        name: str,
        target: tuple[str, tuple[str, ...]] | None,
        kind: str,
        template: str,
        line: int,
        via: tuple[_Binding, tuple[str, ...]] | None = None,
    ) -> None:
        """Bind an alias; ``via`` is the alias (and path from it) the target was reached through."""
        if target is None:
            self.scopes[-1].names[name] = _Binding(None, (), None, None)
            return
        root, path = target
        alias = (name, kind, ".".join((root, *path)), template, line)
        paths: set[str] = set()
        self.aliases.append((alias, paths))
        parent, prefix = via if via is not None else (None, ())
        self.scopes[-1].names[name] = _Binding(root, path, alias, paths, parent, prefix)

    def bind_local(self, name: str) -> None:
        self.scopes[-1].names[name] = _Binding(None, (), None, None)

    # ---- templates -------------------------------------------------------
    def load(self, name: str, template: str, line: int, what: str) -> tuple[list[Node], str] | None:
        if self.loader is None:
            self.warnings.append(f"{template}:{line}: {what} {name!r} not followed (no template_dirs given)")
            return None
        try:
            source, display = self.loader(name)
        except NotFoundError as exc:
            self.warnings.append(f"{template}:{line}: {what} {name!r} not found ({exc.hint})")
            return None
        except InvalidInputError as exc:
            self.warnings.append(f"{template}:{line}: {what} not read: {exc.message}")
            return None
        try:
            tree = _parse_cached(source, display)
        except SourceParseError as exc:
            self.warnings.append(f"{what} {name!r} has a syntax error: {exc}")
            return None
        self.templates.append(display)
        self.sources[display] = source
        return tree, display

    def run_template(self, nodes: list[Node], template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        first = next((n for n in nodes if not (isinstance(n, TagNode) and n.name == "load")), None)
        if isinstance(first, TagNode) and first.name == "extends":
            self.run_extends(first, nodes, template, overrides)
            return
        self.walk(nodes, template, overrides)

    def run_extends(
        self, tag: TagNode, nodes: list[Node], template: str, overrides: dict[str, list[tuple[TagNode, str]]]
    ) -> None:
        if len(tag.bits) != 2:
            raise self.error("'extends' takes one argument", template, tag.line, tag.index)
        merged = dict(overrides)
        for block in _blocks(nodes):
            merged.setdefault(block.bits[1] if len(block.bits) > 1 else "", []).append((block, template))
        expr = self.compile(tag.bits[1], template, tag.line, tag.index)
        parent = None
        if isinstance(expr.var, Variable):
            self.use_expr(expr)
            self.warnings.append(f"{template}:{tag.line}: extends a variable template name; parent not followed")
        elif self.depth < MAX_INCLUDE_DEPTH:
            self.depth += 1
            parent = self.load(str(expr.var).encode().decode(), template, tag.line, "parent template")
            self.depth -= 1
        if parent is None:
            for chain in merged.values():
                for block, where in chain:
                    self.walk(block.branches[0].children, where, merged)
            return
        self.depth += 1
        self.run_template(parent[0], parent[1], merged)
        self.depth -= 1

    # ---- nodes -----------------------------------------------------------
    def walk(self, nodes: list[Node], template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        for node in nodes:
            if isinstance(node, VarNode):
                target = self.use_expr(self.compile(node.expr, template, node.line, node.index))
                if target is not None:
                    self.note(self.rendered, target)
            else:
                self.tag(node, template, overrides)

    def scoped(self, fn: Callable[[], None], isolated: bool = False) -> None:
        self.scopes.append(_Scope(isolated=isolated))
        try:
            fn()
        finally:
            self.scopes.pop()

    def tag(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        name, bits, line, col = node.name, node.bits, node.line, node.index
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, node, template, overrides)
            return
        if name in NO_EXPRESSION_TAGS:
            if len(bits) >= 3 and bits[-2] == "as":
                self.bind_local(bits[-1])
        elif name in GENERIC_KNOWN_TAGS:
            self.scan_args(tag_arguments(name, bits), template, line, col)
        else:
            if name not in _TAG_KEYWORDS:
                self.warnings.append(
                    f"{template}:{line}: unknown tag {{% {name} %}}: its arguments were scanned as expressions"
                )
            self.scan_args(tag_arguments(name, bits), template, line, col, lenient=True, result_of=name)
        for branch in node.branches:
            self.scoped(lambda b=branch: self.walk(b.children, template, overrides))

    def scan_args(
        self, args: list[str], template: str, line: int, col: int, lenient: bool = False, result_of: str = ""
    ) -> None:
        """Scan tag arguments as expressions: ``a.b``, ``key=a.b``, ``… as name`` binds ``name`` locally, or
        to the result of the custom tag ``result_of`` (its reads are kept under ``tag_root(result_of)``)."""
        if len(args) >= 2 and args[-2] == "as":
            as_name = args[-1]
            args = args[:-2]
        else:
            as_name = None
        for arg in args:
            text = arg
            if "=" in arg and arg[0] not in "\"'":
                key, _, text = arg.partition("=")
                if not key.isidentifier():
                    text = arg
            if not text:
                continue
            try:
                expr = compile_expression(text)
            except TemplateSyntaxError as exc:
                if not lenient:
                    raise self.error(str(exc), template, line, col) from None
                self.warnings.append(f"{template}:{line}: argument {arg!r} is not an expression ({exc})")
                continue
            target = self.use_expr(expr)
            if lenient and target is not None:  # a custom tag may read any attribute of what it is given
                self.note(self.opaque, target)
        if as_name and result_of:
            root = self.record(tag_root(result_of), ())  # called: its value may be evaluated even if never read
            self.bind(as_name, root, "tag", template, line)
        elif as_name:
            self.bind_local(as_name)

    def tag_if(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        for index, branch in enumerate(node.branches):
            if branch.name in ("if", "elif"):
                try:
                    operands = if_operands(tuple(branch.bits[1:]))
                except TemplateSyntaxError as exc:
                    raise self.error(str(exc), template, branch.line, branch.index) from None
                self.if_depth += index > 0  # the first condition is always evaluated, an elif only sometimes
                for operand in operands:
                    self.use_expr(operand)
                self.if_depth -= index > 0
            self.if_depth += 1
            try:
                self.walk(branch.children, template, overrides)  # {% if %} does not push a context level
            finally:
                self.if_depth -= 1

    def tag_for(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        bits, line = node.bits, node.line
        if len(bits) < 4:
            raise self.error(
                f"'for' statements should have at least four words: {' '.join(bits)}", template, line, node.index
            )
        in_index = -3 if bits[-1] == "reversed" else -2
        if bits[in_index] != "in":
            raise self.error(
                f"'for' statements should use the format 'for x in y': {' '.join(bits)}", template, line, node.index
            )
        names = [n.strip() for n in " ".join(bits[1:in_index]).split(",")]
        if not all(n and " " not in n for n in names):
            raise self.error(f"'for' tag received an invalid argument: {' '.join(bits)}", template, line, node.index)
        sequence, via = self.use_bound(self.compile(bits[in_index + 1], template, line, node.index))

        def body() -> None:
            for i, loop_name in enumerate(names):
                # {% for a, b in pairs %}: each name is one element of the item (pairs.0.x, pairs.1.y), not the item
                target = sequence if len(names) == 1 or sequence is None else (sequence[0], (*sequence[1], str(i)))
                bound_via = via if len(names) == 1 or via is None else (via[0], (*via[1], str(i)))
                self.bind(loop_name, target, "for", template, line, bound_via)  # type: ignore[arg-type]
            self.walk(node.branches[0].children, template, overrides)

        self.scoped(body)
        for branch in node.branches[1:]:  # {% empty %}
            self.scoped(lambda b=branch: self.walk(b.children, template, overrides))

    def kwargs(self, bits: list[str], template: str, node: TagNode, legacy: bool) -> dict[str, FilterExpression]:
        """``a=b.c`` pairs (and the old ``b.c as a``) compiled with Django's FilterExpression."""
        result: dict[str, FilterExpression] = {}
        index = 0
        while index < len(bits):
            bit = bits[index]
            key, sep, value = bit.partition("=")
            if sep and key.isidentifier():
                result[key] = self.compile(value, template, node.line, node.index)
                index += 1
            elif legacy and index + 2 < len(bits) and bits[index + 1] == "as":
                result[bits[index + 2]] = self.compile(bit, template, node.line, node.index)
                index += 3
            else:
                break
        if index != len(bits):
            raise self.error(
                f"{node.name!r} received an invalid argument: {bits[index]}", template, node.line, node.index
            )
        return result

    def tag_with(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        pairs = self.kwargs(node.bits[1:], template, node, legacy=True)
        if not pairs:
            raise self.error("'with' expected at least one variable assignment", template, node.line, node.index)
        targets = {key: self.use_bound(expr) for key, expr in pairs.items()}

        def body() -> None:
            for key, (target, via) in targets.items():
                self.bind(key, target, "with", template, node.line, via)  # type: ignore[arg-type]
            self.walk(node.branches[0].children, template, overrides)

        self.scoped(body)

    def tag_blocktranslate(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        bits = node.bits[1:]
        targets: dict[str, tuple[tuple[str, tuple[str, ...]] | None, object]] = {}
        index = 0
        while index < len(bits):
            word = bits[index]
            if word in ("with", "count"):
                index += 1
                while index < len(bits) and "=" in bits[index]:
                    key, _, value = bits[index].partition("=")
                    targets[key] = self.use_bound(self.compile(value, template, node.line, node.index))
                    index += 1
            elif word in ("context", "asvar"):
                index += 2
            else:
                index += 1

        def body() -> None:
            for key, (target, via) in targets.items():
                self.bind(key, target, "with", template, node.line, via)  # type: ignore[arg-type]
            for branch in node.branches:
                self.walk(branch.children, template, overrides)

        self.scoped(body)
        if "asvar" in bits:
            self.bind_local(bits[bits.index("asvar") + 1])

    tag_blocktrans = tag_blocktranslate

    def tag_cycle(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        args = [b for b in node.bits[1:] if b != "silent"]
        self.scan_args(args, template, node.line, node.index)

    def tag_regroup(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        bits = node.bits
        if len(bits) != 6 or bits[2] != "by" or bits[4] != "as":
            raise self.error(
                "'regroup' tag takes the form: {% regroup list by attr as name %}", template, node.line, node.index
            )
        target = self.use_expr(self.compile(bits[1], template, node.line, node.index))
        if target is not None:
            root, path = target
            self.resolve((root, *path, *bits[3].split(".")))
        self.bind_local(bits[5])

    def tag_include(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        bits = node.bits
        if len(bits) < 2:
            raise self.error("'include' tag takes at least one argument", template, node.line, node.index)
        rest = bits[2:]
        only = "only" in rest
        rest = [b for b in rest if b != "only"]
        pairs: dict[str, FilterExpression] = {}
        if rest:
            if rest[0] != "with":
                raise self.error(f"unknown argument for 'include' tag: {rest[0]!r}", template, node.line, node.index)
            pairs = self.kwargs(rest[1:], template, node, legacy=False)
        targets = {key: self.use_bound(expr) for key, expr in pairs.items()}
        name_expr = self.compile(bits[1], template, node.line, node.index)
        if isinstance(name_expr.var, Variable):
            self.use_expr(name_expr)
            self.warnings.append(f"{template}:{node.line}: include of a variable template name; not followed")
            return
        if self.depth >= MAX_INCLUDE_DEPTH:
            self.warnings.append(f"{template}:{node.line}: include depth above {MAX_INCLUDE_DEPTH}; not followed")
            return
        loaded = self.load(str(name_expr.var).encode().decode(), template, node.line, "included template")
        if loaded is None:
            return
        tree, display = loaded

        def body() -> None:
            for key, (target, via) in targets.items():
                self.bind(key, target, "include", template, node.line, via)  # type: ignore[arg-type]
            self.depth += 1
            try:
                self.run_template(tree, display, {})
            finally:
                self.depth -= 1

        self.scoped(body, isolated=only)

    def tag_block(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        name = node.bits[1] if len(node.bits) > 1 else ""
        chain = overrides.get(name)
        if not chain:
            self.scoped(lambda: self.walk(node.branches[0].children, template, overrides))
            return
        # the most derived definition renders; each {{ block.super }} pulls in the next one up
        for block, where in chain:
            self.scoped(lambda b=block, w=where: self.walk(b.branches[0].children, w, overrides))
            if not _uses_block_super(block.branches[0].children):
                return
        self.scoped(lambda: self.walk(node.branches[0].children, template, overrides))

    def tag_extends(self, node: TagNode, template: str, overrides: dict[str, list[tuple[TagNode, str]]]) -> None:
        raise self.error("'extends' must be the first tag in the template", template, node.line, node.index)

    def result(self) -> TemplateVariables:
        aliases = [
            AliasUse.model_construct(  # fields are built here from checked values: skip re-validation
                name=name, kind=kind, source=source, template=template, line=line, paths=sorted(paths)
            )
            for (name, kind, source, template, line), paths in self.aliases
        ]
        return TemplateVariables(
            variables={root: sorted(paths) for root, paths in sorted(self.variables.items()) if not tag_of(root)},
            tag_results={tag: sorted(paths) for root, paths in sorted(self.variables.items()) if (tag := tag_of(root))},
            aliases=aliases,
            templates=self.templates,
            warnings=self.warnings,
            rendered={root: sorted(paths) for root, paths in sorted(self.rendered.items())},
            opaque={root: sorted(paths) for root, paths in sorted(self.opaque.items())},
            conditional={
                root: sorted(only)
                for root, paths in sorted(self.conditional.items())
                if not tag_of(root) and (only := paths - self.unconditional.get(root, set()))
            },
        )


_HANDLERS: dict[str, Callable[..., None]] = {
    name[4:]: getattr(_Extractor, name) for name in dir(_Extractor) if name.startswith("tag_")
}


def _blocks(nodes: list[Node]) -> Iterable[TagNode]:
    for node in nodes:
        if isinstance(node, TagNode):
            if node.name == "block":
                yield node
            for branch in node.branches:
                yield from _blocks(branch.children)


def _uses_block_super(nodes: list[Node]) -> bool:
    for node in nodes:
        if isinstance(node, VarNode) and node.expr.split("|", 1)[0].strip() == "block.super":
            return True
        if (
            isinstance(node, TagNode)
            and node.name != "block"
            and any(_uses_block_super(b.children) for b in node.branches)
        ):
            return True
    return False


def extract_template_variables(
    source: str, *, name: str = "<template>", loader: TemplateLoader | None = None
) -> TemplateVariables:
    """Extract root variable → paths from template ``source``; ``loader`` resolves include/extends names."""
    extractor = _Extractor(loader)
    extractor.templates.append(name)
    extractor.sources[name] = source
    tree = _parse_cached(source, name)
    extractor.run_template(tree, name, {})
    return extractor.result()

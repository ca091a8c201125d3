"""Querysets that reach many templates without a view: project context processors and simple tags.

A context processor named in a settings module (``TEMPLATES[…]["OPTIONS"]["context_processors"]``) returns a
dict merged into every ``RequestContext``; a simple tag (``{% latest_posts as posts %}``) hands its result to
whichever template calls it. Both are planned where the queryset is built, with the reads of every project
template that uses the name or calls the tag (each template read alone, ``extends`` and ``include`` followed).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter as ts

from semgraph.django.model_graph import SKIP_DIRS, ModelGraph, project_python_files
from semgraph.django.pysource import matches, parse_python, string_value, text
from semgraph.django.template_vars import TemplateLoader, extract_template_variables, tag_of
from semgraph.django.view_finder import WRAPPERS, ContextVar, ViewInfo, file_reader
from semgraph.errors import SemgraphError
from semgraph.paths import PathGuard

TEMPLATE_SUFFIXES = frozenset({".html", ".htm", ".txt", ".xml"})
LocalValue = Callable[[str, ts.Node | None, int], ts.Node | None]
EAGER = (
    "a context processor runs on every request and this value is evaluated there (one object, or rows put in "
    "a list): a prefetch would run on pages that never read it"
)


def processor_names(project: Path, guard: PathGuard | None = None) -> list[str]:
    """Dotted names listed under ``"context_processors"`` in the project's settings modules (Django's own too)."""
    names: list[str] = []
    for path in project_python_files(project, lambda p: "settings" in p.as_posix(), guard):
        raw = path.read_bytes()
        if b"context_processors" not in raw:
            continue
        _source, tree, _error = parse_python(path, path.name)
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            if node.type == "pair" and string_value(node.child_by_field_name("key")) == "context_processors":
                value = node.child_by_field_name("value")
                for item in value.named_children if value is not None and value.type in ("list", "tuple") else []:
                    name = string_value(item)
                    if name and name not in names:
                        names.append(name)
            stack.extend(node.named_children)
    return names


def _module_file(project: Path, module: str) -> Path | None:
    """``hc.front.context_processors`` → its file under ``project`` (or under a ``src``-style subdirectory)."""
    parts = module.split(".")
    for base in (project, *(d for d in project.iterdir() if d.is_dir() and d.name not in SKIP_DIRS)):
        for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
            if candidate.is_file():
                return candidate
    return None


def context_processor_views(
    project: Path, graph: ModelGraph, guard: PathGuard | None = None
) -> tuple[list[ViewInfo], list[str]]:
    """Each project context processor whose returned dict holds querysets or model objects, as a view."""
    views: list[ViewInfo] = []
    errors: list[str] = []
    for dotted in processor_names(project, guard):
        module, _, func_name = dotted.rpartition(".")
        path = _module_file(project, module) if module else None
        if path is None or (guard is not None and not guard.is_safe_member(path)):
            continue  # Django's or a third-party package's
        display = path.relative_to(project).as_posix()
        source, tree, error = parse_python(path, display)
        if error is not None:
            errors.append(str(error))
        app = path.parent.name
        reader = file_reader(path, display, source, tree, graph, app)
        func = reader.functions.get(func_name)
        if func is None:
            continue
        body = func.child_by_field_name("body")
        view = ViewInfo(func_name, "context_processor", display, func.start_point.row + 1, None)
        for r in matches("locals", func):
            if "return" not in r or body is None:
                continue
            found = reader.context_from(r["return.value"][0], body, r["return"][0].start_byte)
            for key, var in found.items():
                if not var.sites:
                    continue
                value = _dict_value(r["return.value"][0], key, body, reader.local_value)
                eager = _eager(value, body, reader.local_value) or all(s.single for s in var.sites)
                for site in var.sites:
                    site.no_prefetch = site.no_prefetch or (EAGER if eager else None)
                view.context.setdefault(key, ContextVar(key)).sites.extend(var.sites)
        if view.context:
            views.append(view)
    return views, errors


def _dict_value(node: ts.Node, key: str, scope: ts.Node, local_value: LocalValue) -> ts.Node | None:
    if node.type == "identifier":
        node = local_value(text(node), scope, node.start_byte) or node
    if node.type != "dictionary":
        return None
    for pair in node.named_children:
        if pair.type == "pair" and string_value(pair.child_by_field_name("key")) == key:
            return pair.child_by_field_name("value")
    return None


def _eager(node: ts.Node | None, scope: ts.Node, local_value: LocalValue, depth: int = 0) -> bool:
    """The value is evaluated where it is built: ``list(q)``, ``sorted(q)``, or a name bound to one."""
    if node is None or depth > 8:
        return False
    if node.type == "identifier":
        return _eager(local_value(text(node), scope, node.start_byte), scope, local_value, depth + 1)
    if node.type == "call":
        func = node.child_by_field_name("function")
        return func is not None and text(func).rpartition(".")[2] in WRAPPERS
    return False


@dataclass
class TemplateUse:
    """What one template (with its parents and includes) reads on a shared value."""

    template: str
    paths: set[str] = field(default_factory=set)
    rendered: set[str] = field(default_factory=set)
    opaque: set[str] = field(default_factory=set)


def template_names(dirs: list[Path]) -> list[str]:
    """Every template file under ``dirs``, by its name there (first directory wins, as Django's loaders do)."""
    names: list[str] = []
    for base in dirs:
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for fname in sorted(filenames):
                path = Path(dirpath) / fname
                if path.suffix in TEMPLATE_SUFFIXES:
                    name = path.relative_to(base).as_posix()
                    if name not in names:
                        names.append(name)
    return names


def shared_uses(
    views: list[ViewInfo], names: list[str], loader: TemplateLoader
) -> tuple[dict[tuple[str, str, str], list[TemplateUse]], list[str]]:
    """Per (view file, view name, context key) of the shared views: every template that uses it, and warnings."""
    out: dict[tuple[str, str, str], list[TemplateUse]] = {}
    warnings: list[str] = []
    keys = [(v, key) for v in views for key in v.context]
    for name in names:
        try:
            source, display = loader(name)
            tv = extract_template_variables(source, name=display, loader=loader)
        except SemgraphError as exc:
            warnings.append(f"template {name!r} not read for context processors and simple tags: {exc}")
            continue
        for view, key in keys:
            tag = tag_of(key)
            paths = tv.tag_results.get(tag) if tag is not None else tv.variables.get(key)
            if paths is None:
                continue
            use = TemplateUse(display, set(paths), set(tv.rendered.get(key, [])), set(tv.opaque.get(key, [])))
            out.setdefault((view.file, view.name, key), []).append(use)
    return out, warnings

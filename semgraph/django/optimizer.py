"""Template paths + model graph → ``select_related`` / ``prefetch_related`` / ``only`` per queryset, and a diff.

For each queryset site a view builds, the paths its template reads (loop and
``with`` aliases already resolved back to the context variable) are walked
over the static model graph: forward FK / one-to-one chains become
``select_related``, reverse FK / many-to-many become ``prefetch_related`` (a
``Prefetch(…, queryset=Model.objects.select_related(…))`` when rows inside the
prefetch need their own joins), ``.count`` / ``.exists`` / ``|length`` on a
relation are served from the prefetch. What the view already applies is
subtracted, and the rest is written as a unified diff of the view source.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, Field

from semgraph.django.model_graph import SKIP_DIRS, TO_MANY, TO_ONE, ModelGraph, ModelInfo, load_graph
from semgraph.django.patch_check import MODEL_REF, ModuleNames, add_import, check_patch, model_ref, undefined_names
from semgraph.django.shared_sources import context_processor_views, shared_uses, template_names
from semgraph.django.template_vars import DirLoader, TemplateVariables, extract_template_variables
from semgraph.django.view_finder import ActionGate, QuerysetSite, ViewInfo, find_views
from semgraph.errors import InvalidInputError, NotFoundError, SemgraphError
from semgraph.paths import PathGuard

COUNT_OPS = {"count": "count", "exists": "exists"}
STANDARD_CONTEXT = frozenset(
    {"request", "user", "perms", "messages", "csrf_token", "view", "DEFAULT_MESSAGE_LEVELS", "paginator", "page_obj",
     "is_paginated"}
)  # fmt: skip
"""Names Django's default context processors and class-based views provide."""
ITER_OPS = {"all"}
SHARED_KINDS = frozenset({"context_processor", "simple_tag"})
"""Views whose value reaches every template that reads it (planned with all of their reads)."""


class NotOptimizable(BaseModel):
    path: str
    reason: str


class PrefetchSpec(BaseModel):
    lookup: str
    model: str | None
    select_related: list[str] = Field(description="Joins inside the prefetch (a nested Prefetch queryset).")
    code: str = Field(description="The argument to pass to prefetch_related.")


class QuerysetPlan(BaseModel):
    """The optimization of one queryset site (merged over every context variable it feeds)."""

    view: str
    context_variables: list[str]
    model: str
    file: str
    line: int
    expression: str
    single_object: bool = Field(description="The site yields one object (get, first, get_object_or_404, DetailView).")
    paths: list[str]
    select_related: list[str] = Field(description="Every select_related lookup the template needs.")
    prefetch_related: list[str] = Field(description="Every prefetch lookup the template needs.")
    prefetch: list[PrefetchSpec]
    only: list[str] | None = Field(None, description="Fields for only(); null when some access is not a known field.")
    only_refused: str | None = Field(None, description="Why only() could add a query here (null when it is safe).")
    already_applied: dict[str, list[str]]
    added: dict[str, list[str]] = Field(
        description="What the diff adds: select_related / prefetch_related arguments / only fields, and "
        "prefetch_joins: select_related lookups appended inside a Prefetch already in the view ('leases: tenant__user'); "
        "prefetch_actions: the viewset actions the prefetches are applied for (a get_queryset override), when "
        "the queryset also serves update/destroy."
    )
    added_relations: list[str] = Field(
        default_factory=list,
        description="Every relation path the added calls load, '__'-separated: a select_related or prefetch "
        "lookup loads each of its prefixes too (select_related('project__owner') joins project).",
    )
    not_optimizable: list[NotOptimizable]
    counted_relations: list[str]
    suggestions: list[str]
    queries_before: int
    queries_after: int


class ViewPlan(BaseModel):
    view: str
    kind: str
    file: str
    line: int
    template: str | None
    querysets: list[QuerysetPlan]
    unmapped_variables: list[str] = Field(description="Template variables with no queryset found in the view.")
    warnings: list[str]
    used_in: list[str] = Field(
        default_factory=list,
        description="Context processors and simple tags: the templates that read the value (each planned alone).",
    )


class OptimizationReport(BaseModel):
    project: str
    rows: int
    views: list[ViewPlan]
    diff: str
    files_changed: list[str]
    warnings: list[str]


@dataclass
class _Plan:
    model: ModelInfo | None
    select: set[str] = field(default_factory=set)
    prefetch: dict[str, _Plan] = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)
    only_ok: bool = True
    not_opt: dict[str, str] = field(default_factory=dict)
    counted: set[str] = field(default_factory=set)
    models: dict[str, ModelInfo] = field(default_factory=dict)  # set on the top plan: the graph's models


MAX_FOLLOW = 4
"""How deep method bodies are followed (a method calling a method calling …)."""


def _walk(
    plan: _Plan,
    model: ModelInfo | None,
    parts: list[str],
    prefix: str,
    shown: str,
    top: _Plan,
    leaf: bool = True,
    depth: int = 0,
) -> None:
    """Follow one template path over the graph, recording joins, prefetches, fields and dead ends.

    A method or property at the end of a path (``__str__`` when the object is rendered) is followed through
    the ``self.a.b`` paths its body reads; what it returns is not typed, so a path continuing after it stops.
    """
    if model is None or not parts:
        return
    part, rest = parts[0], parts[1:]
    here = f"{shown}.{part}" if shown else part
    if part.isdigit() and not prefix and not shown:  # {{ posts.0.author }}: an element of the queryset
        _walk(plan, model, rest, prefix, here, top, leaf, depth)
        return
    if part == "__str__" and "__str__" not in model.methods and not model.external:
        return  # Django's Model.__str__: "<Model> object (<pk>)", the pk only
    info = model.fields.get(part)
    if info is None and part == "pk":
        plan.fields.add(prefix + "pk")  # the primary key: always loaded
        return
    if info is None:
        if part.startswith("get_") and part.endswith("_display") and part[4:-8] in model.fields:
            plan.fields.add(prefix + part[4:-8])
            return
        key_of = model.fields.get(part[:-3]) if part.endswith("_id") else None
        if key_of is not None and key_of.kind in ("fk", "o2o"):
            plan.fields.add(prefix + key_of.name)  # check.project_id: the key column, no join
            return
        if part in model.properties or part in model.methods:
            kind = "@property" if part in model.properties else "method"
            reads = model.method_reads.get(part)
            if rest == ["__str__"]:
                rest = []  # a rendered method/property: its own reads; what str() of its result reads is not typed
            if reads is not None and depth < MAX_FOLLOW:
                # what the method reads is read whatever its result is used for (check.visible_pings.order_by…)
                for read in reads:
                    _walk(plan, model, read.split("."), prefix, here, top, True, depth + 1)
                if not rest:
                    return
            top.only_ok = False
            if rest:
                top.not_opt[here] = (
                    f"{model.name}.{part} ({kind}) returns a value whose type is not known statically: "
                    f"{'.'.join(rest)} after it is not followed"
                )
            elif reads is None:
                top.not_opt[here] = (
                    f"{model.name}.{part} ({kind}) hands `self` elsewhere (or calls super()): what it reads is "
                    "not known, relations it reads are not prefetched"
                )
            else:
                top.not_opt[here] = f"{model.name}.{part} ({kind}): methods calling methods deeper than {MAX_FOLLOW}"
            return
        top.only_ok = False
        if model.external:
            top.not_opt[here] = f"{model.label} is outside the project: its attributes are not known"
        else:
            top.not_opt[here] = f"{model.name} has no field, relation, property or method {part!r}"
        return
    if info.kind == "field":
        plan.fields.add(prefix + part)
        return
    target = None if info.target is None else top.models.get(info.target)
    if info.kind in TO_ONE:
        plan.select.add(prefix + part)
        if info.kind in ("fk", "o2o"):
            plan.fields.add(prefix + part)
        else:
            top.only_ok = False
        if target is None and rest:
            top.not_opt[here] = f"target {info.target} of {model.name}.{part} is not a known model"
            top.only_ok = False
            return
        _walk(plan, target, rest, prefix + part + "__", here, top, leaf, depth)
        return
    if info.kind == "generic_fk":
        plan.prefetch.setdefault(prefix + part, _Plan(None))
        top.only_ok = False
        top.not_opt[here] = "GenericForeignKey: select_related cannot follow it; prefetch_related is used instead"
        if rest:
            top.not_opt[f"{here}.{'.'.join(rest)}"] = "the target model of a GenericForeignKey is not known statically"
        return
    if info.kind in TO_MANY:
        if not rest:
            return  # the related manager itself: no query
        op, tail = rest[0], rest[1:]
        lookup = prefix + part
        if op in ITER_OPS:
            sub = plan.prefetch.setdefault(lookup, _Plan(target))
            if tail and tail[0] in COUNT_OPS:  # p.leases.all.count: the prefetched queryset answers
                top.counted.add(f"{here}.{op}.{tail[0]}")
            elif tail and tail[0] in ("first", "last", "latest", "earliest"):
                top.only_ok = False
                top.not_opt[f"{here}.{op}.{tail[0]}"] = (
                    f"{tail[0]}() builds a new query per row, even after prefetch_related"
                )
            elif tail and tail[0].isdigit():  # p.leases.all.0.tenant: an element of the prefetched rows
                _walk(sub, target, tail[1:], "", f"{here}.{op}.{tail[0]}", top, leaf, depth)
            else:
                _walk(sub, target, tail, "", f"{here}.{op}", top, leaf, depth)
        elif op in COUNT_OPS:
            plan.prefetch.setdefault(lookup, _Plan(target))
            top.counted.add(f"{here}.{op}")
        else:
            top.only_ok = False
            top.not_opt[f"{here}.{op}"] = (
                f"{op}() on a related manager runs its own query per row, even after prefetch_related"
                if op in ("first", "last", "latest", "earliest")
                else f"{op!r} on the related manager {model.name}.{part} is not a plain iteration"
            )


def _walk_paths(model: ModelInfo, paths: set[str], rendered: set[str], graph: ModelGraph) -> _Plan:
    """The joins, prefetches and fields that reading ``paths`` (and rendering ``rendered``) on ``model`` needs."""
    plan = _Plan(model, models=graph.models)
    for path in sorted(paths):
        parts = path.split(".") if path else []
        if any(other.startswith(path + ".") for other in paths) and parts:
            _walk(plan, model, parts, "", "", plan, leaf=False)
        else:
            _walk(plan, model, parts, "", "", plan)
    for path in sorted(rendered):
        _walk(plan, model, [*path.split("."), "__str__"] if path else ["__str__"], "", "", plan)
    return plan


def _merge_applied(into: QuerysetSite, other: QuerysetSite) -> None:
    into.applied_select.extend(s for s in other.applied_select if s not in into.applied_select)
    known = {a.lookup for a in into.applied_prefetch}
    into.applied_prefetch.extend(a for a in other.applied_prefetch if a.lookup not in known)
    into.other_calls.extend(c for c in other.other_calls if c not in into.other_calls)
    into.select_all = into.select_all or other.select_all
    into.python_reads = into.python_reads or other.python_reads
    into.no_prefetch = into.no_prefetch or other.no_prefetch


def _only_refused(sp: _SitePlan, plan: _Plan, graph: ModelGraph, model: ModelInfo) -> str | None:
    """Why ``only()`` could add a query on this site (None when every read of the rows is proven)."""
    site = sp.site
    if not sp.paths and not sp.rendered:
        return "the template reads nothing of these objects: nothing proves which fields are needed"
    if not plan.only_ok:
        return "a path is not a plain field (see the other entries): fields it reads are not known"
    if site.other_calls:
        return f"the queryset already calls {', '.join(sorted(set(site.other_calls)))}"
    if site.edit_view:
        return "the objects go to a form or are deleted by the view (Create/Update/DeleteView)"
    if site.python_reads:
        return f"the view reads the objects in Python too ({site.python_reads}): only() could defer what it reads"
    if sp.opaque:
        shown = ", ".join(p or "(the object)" for p in sorted(sp.opaque))
        return f"{shown} is handed to a custom tag or filter, which may read any field"
    joined = [model, *(_model_at(model, s, graph) for s in plan.select)]
    for m in joined:
        if m is not None and graph.editors.get(m.name):
            return f"{m.name} is edited by {', '.join(graph.editors[m.name])}: a form/serializer reads other fields"
    return None


def _model_at(model: ModelInfo, path: str, graph: ModelGraph) -> ModelInfo | None:
    current: ModelInfo | None = model
    for part in path.split("__"):
        info = current.fields.get(part) if current is not None else None
        current = graph.models.get(info.target or "") if info is not None else None
    return current


def _compress(paths: set[str]) -> list[str]:
    """Drop lookups implied by a longer one (``tenant`` by ``tenant__user``)."""
    return sorted(p for p in paths if not any(q.startswith(p + "__") for q in paths))


def _flatten(plan: _Plan, prefix: str = "") -> list[tuple[str, _Plan]]:
    out = []
    for key in sorted(plan.prefetch):
        sub = plan.prefetch[key]
        lookup = prefix + key
        out.append((lookup, sub))
        out.extend(_flatten(sub, lookup + "__"))
    return out


def _quote(values: list[str]) -> str:
    return ", ".join(f'"{v}"' for v in values)


def _prefetch_code(lookup: str, sub: _Plan, for_edit: bool = False) -> str:
    """The prefetch_related argument; ``for_edit`` names the model by a placeholder each file resolves."""
    select = _compress(sub.select)
    if not select or sub.model is None:
        return f'"{lookup}"'
    name = model_ref(sub.model.label) if for_edit else sub.model.name
    return f'Prefetch("{lookup}", queryset={name}.{sub.model.default_manager}.select_related({_quote(select)}))'


def _non_null_chain(model: ModelInfo, path: str, graph: ModelGraph) -> bool:
    """True when every hop of ``path`` is a forward FK / one-to-one declared without null=True."""
    current: ModelInfo | None = model
    for part in path.split("__"):
        info = current.fields.get(part) if current is not None else None
        if info is None or info.kind not in ("fk", "o2o") or info.null:
            return False
        current = graph.models.get(info.target or "")
    return True


def _select_satisfied(path: str, applied: list[str]) -> bool:
    return any(a == path or a.startswith(path + "__") for a in applied)


def _prefixes(path: str) -> list[str]:
    parts = path.split("__")
    return ["__".join(parts[: i + 1]) for i in range(len(parts))]


@dataclass
class _Edit:
    start: int
    end: int
    text: str  # model names are model_ref() placeholders, written per file by patch_check
    site: tuple[str, int] = ("", 0)
    after: int = 0  # at the same position, a higher value lands after the others (a gate after a chain edit)


@dataclass
class _Gated:
    """Prefetches of a viewset's queryset that are written for list (and retrieve) requests only."""

    code: str  # as shown
    edit_code: str  # with model_ref() placeholders
    retrieve: bool  # also worth it for one object (a nested Prefetch)


@dataclass
class _SitePlan:
    site: QuerysetSite
    variables: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)
    rendered: set[str] = field(default_factory=set)  # paths rendered whole: str() runs on them
    opaque: set[str] = field(default_factory=set)  # paths handed to custom tags / filters
    # each reader of the site alone (a view's variable, or one template using a context processor's value or a
    # simple tag's result): label, paths, rendered paths; ``shared``: prefetch only what every reader needs
    groups: list[tuple[str, set[str], set[str]]] = field(default_factory=list)
    shared: bool = False
    # paths some reader reads outside any {% if %} (None: every path); a one-object prefetch needs one of them
    unconditional: set[str] | None = None
    every_path: bool = False


def _plan_site(
    sp: _SitePlan, graph: ModelGraph, view: str, rows: int, include_only: bool
) -> tuple[QuerysetPlan, list[_Edit], bool, list[_Gated]]:
    site = sp.site
    model = graph.models[site.model]
    plan = _walk_paths(model, sp.paths, sp.rendered, graph)
    unshared: dict[str, str] = {}  # prefetch lookup → a reader that does not need it (shared values only)
    for label, paths, rendered in sp.groups if sp.shared else []:
        needed = {lk for lk, _ in _flatten(_walk_paths(model, paths, rendered, graph))}
        for lookup, _sub in _flatten(plan):
            if lookup not in needed:
                unshared.setdefault(lookup, label)
    select_needed = _compress(plan.select)
    flat = _flatten(plan)
    applied_lookups = {a.lookup: a for a in site.applied_prefetch}
    string_lookups = [a.lookup for a in site.applied_prefetch]
    applied_select = list(site.applied_select)
    if site.select_all:  # a bare select_related() already joins every chain of non-null forward FKs
        applied_select += [s for s in select_needed if _non_null_chain(model, s, graph)]
    add_select = [s for s in select_needed if not _select_satisfied(s, applied_select)]
    add_prefetch: list[str] = []
    edit_code: dict[str, str] = {}  # shown prefetch argument → as written into the file
    prefetch_specs: list[PrefetchSpec] = []
    edits: list[_Edit] = []
    needs_import = False
    extra_lookups: list[str] = []
    gated: list[_Gated] = []
    loaded: set[str] = set()  # relation paths the added calls load
    always: set[str] | None = None  # lookups read on every request path (one object only)
    if site.single and sp.unconditional is not None and not sp.every_path:
        unconditional = sp.unconditional & sp.paths
        always = {lk for lk, _ in _flatten(_walk_paths(model, unconditional, sp.rendered & unconditional, graph))}
    # Django's QuerySet.__getitem__ on an unevaluated queryset runs a LIMIT query of its own, with every prefetch
    # again (python.org's `{% with object_list.0 as job %}`, twice before its job list is evaluated)
    indexed = sorted(p.split(".")[0] for p in sp.paths if not site.single and p.split(".")[0].isdigit())
    for lookup, sub in flat:
        code = _prefetch_code(lookup, sub)
        prefetch_specs.append(
            PrefetchSpec(
                lookup=lookup,
                model=sub.model.label if sub.model else None,
                select_related=_compress(sub.select),
                code=code,
            )
        )
        applied = applied_lookups.get(lookup)
        covered = applied is not None or any(s.startswith(lookup + "__") for s in string_lookups)
        if lookup in unshared and not covered:
            plan.not_opt[lookup.replace("__", ".")] = (
                f"not prefetched: {unshared[lookup]} uses this value without reading {lookup.replace('__', '.')}; "
                "a prefetch would add a query there"
            )
            continue
        if site.no_prefetch and not covered:
            if site.action_gate is not None and site.action_gate.blocked is None:
                edit = _prefetch_code(lookup, sub, for_edit=True)
                gated.append(_Gated(code, edit, bool(sub.select or sub.prefetch)))
                loaded.update(_prefixes(lookup), *(_prefixes(f"{lookup}__{s}") for s in sub.select))
                continue
            why = site.no_prefetch
            if site.action_gate is not None and site.action_gate.blocked:
                why += f"; {site.action_gate.blocked}"
            plan.not_opt[lookup.replace("__", ".")] = f"not prefetched: {why}"
            continue
        if indexed and not covered:
            plan.not_opt[lookup.replace("__", ".")] = (
                f"not prefetched: the template reads the queryset by index (.{indexed[0]}); on an unevaluated "
                "queryset each index read is a query of its own and would run the prefetch again"
            )
            continue
        if always is not None and lookup not in always and not covered:
            # JobDetail: review_comments read only under {% if jobs_board_admin or user_can_edit %}; a prefetch
            # there is one query more for every other viewer of the page
            plan.not_opt[lookup.replace("__", ".")] = (
                "not prefetched: one object whose template reads this relation only inside {% if %} branches; "
                "a prefetch would add a query on the requests that do not take them"
            )
            continue
        if site.single and not sub.select and not sub.prefetch:
            # one object: prefetching a relation read once costs the same one query as reading it lazily, and one
            # more when a request path does not read it (healthchecks' project settings POSTs went 4 -> 5)
            continue
        if not covered:
            add_prefetch.append(code)
            edit_code[code] = _prefetch_code(lookup, sub, for_edit=True)
            needs_import = needs_import or code.startswith("Prefetch(")
            loaded.update(_prefixes(lookup), *(_prefixes(f"{lookup}__{s}") for s in sub.select))
            continue
        missing = [
            s
            for s in _compress(sub.select)
            if not _select_satisfied(s, applied.queryset_select if applied is not None else [])
            and not any(x == f"{lookup}__{s}" or x.startswith(f"{lookup}__{s}__") for x in string_lookups)
        ]
        if not missing:
            continue
        if applied is not None and applied.queryset_end is not None:
            edits.append(_Edit(applied.queryset_end, applied.queryset_end, f".select_related({_quote(missing)})"))
            extra_lookups.extend(f"{lookup}: {m}" for m in missing)
        else:
            for m in missing:
                add_prefetch.append(f'"{lookup}__{m}"')
        loaded.update(*(_prefixes(f"{lookup}__{m}") for m in missing))
    only_fields: list[str] | None = None
    only_refused = _only_refused(sp, plan, graph, model)
    if only_refused is None:
        keep = set(plan.fields) | set(model.ordering) & set(model.fields)
        for s in [*plan.select, *applied_select]:
            keep.update(_prefixes(s))
        for lookup in [*plan.prefetch, *(a.lookup.split("__")[0] for a in site.applied_prefetch)]:
            first = model.fields.get(lookup.split("__")[0])
            if first is not None and first.kind in ("fk", "o2o", "generic_fk"):
                keep.add(first.name)  # prefetching a forward relation reads its key column
        only_fields = sorted(f for f in keep if f != "pk" and not f.endswith("__pk"))
    added_only = include_only and only_fields is not None and site.kind != "model_attr"
    if {"values", "values_list"} & set(site.other_calls):
        # rows are dicts / tuples: select_related is ignored and prefetch_related raises on them
        plan.not_opt["(queryset)"] = "values()/values_list() rows are dicts or tuples: nothing to join or prefetch"
        add_select, add_prefetch, edits, needs_import, extra_lookups, added_only = [], [], [], False, [], False
        gated, loaded = [], set()
    elif site.blocked and (add_select or add_prefetch or edits or added_only or gated):
        plan.not_opt["(queryset)"] = f"no edit written: {site.blocked}"
        add_select, add_prefetch, edits, needs_import, extra_lookups, added_only = [], [], [], False, [], False
        gated, loaded = [], set()
    chain = ""
    if add_select:
        chain += f".select_related({_quote(add_select)})"
    if add_prefetch:
        chain += f".prefetch_related({', '.join(edit_code.get(c, c) for c in add_prefetch)})"
    if added_only and only_fields:
        chain += f".only({_quote(only_fields)})"
    if chain:
        if site.kind == "queryset":
            edits.append(_Edit(site.insert_at, site.insert_at, chain))
        elif site.kind == "object":
            edits.append(_Edit(site.start, site.end, f"{site.written}.{model.default_manager}{chain}"))
        else:
            edits.append(
                _Edit(
                    site.insert_at,
                    site.insert_at,
                    f"\n{site.indent}queryset = {site.written}.{model.default_manager}{chain}",
                )
            )
    for edit in edits:
        edit.site = site.key
    n = 1 if site.single else rows
    applied_hops = {h for s in applied_select for h in _prefixes(s)}
    missing_hops = {h for s in plan.select for h in _prefixes(s)} - applied_hops
    missing_lookups = [
        lk for lk, _ in flat if lk not in applied_lookups and not any(s.startswith(lk + "__") for s in string_lookups)
    ]
    nested_missing = 0
    for lk, sub in flat:
        done = applied_lookups[lk].queryset_select if lk in applied_lookups else []
        nested_missing += len({h for s in sub.select for h in _prefixes(s)} - {h for s in done for h in _prefixes(s)})
    # one related row per relation assumed: each missing join or prefetch costs one query per row
    before = 1 + len(site.applied_prefetch) + n * (len(missing_hops) + len(missing_lookups) + nested_missing)
    after = 1 + len(flat)
    suggestions = []
    for counted in sorted(plan.counted):
        relation, _, op = counted.rpartition(".")
        lookup = "__".join(part for part in relation.split(".") if part != "all")
        if op == "count":
            suggestions.append(
                f"{counted}: served by prefetch_related({lookup!r}); if the rows are not shown, "
                f"annotate(n_{lookup}=Count({lookup!r})) and render {{{{ obj.n_{lookup} }}}} instead (one query, no rows loaded)"
            )
        else:
            suggestions.append(
                f"{counted}: served by prefetch_related({lookup!r}); or annotate(has_{lookup}=Exists(…)) and use it in the template"
            )
    if only_fields is not None and not include_only:
        suggestions.append(f".only({_quote(only_fields)}) is safe: every field the template reads is listed")
    result = QuerysetPlan(
        view=view,
        context_variables=sorted(sp.variables),
        model=model.label,
        file=site.file,
        line=site.line,
        expression=site.expression if len(site.expression) <= 300 else site.expression[:300] + "…",
        single_object=site.single,
        paths=sorted(sp.paths),
        select_related=select_needed,
        prefetch_related=[lk for lk, _ in flat],
        prefetch=prefetch_specs,
        only=only_fields,
        only_refused=only_refused,
        already_applied={
            "select_related": sorted(site.applied_select) + (["(all non-null FKs)"] if site.select_all else []),
            "prefetch_related": [a.lookup for a in site.applied_prefetch],
            "other": sorted(site.other_calls),
        },
        added={
            "select_related": add_select,
            "prefetch_related": add_prefetch + [g.code for g in gated],
            "prefetch_joins": extra_lookups,
            "only": only_fields if added_only and only_fields else [],
            **({"prefetch_actions": list(_gate_actions(gated))} if gated else {}),
        },
        added_relations=sorted(loaded | {h for s in add_select for h in _prefixes(s)}),
        not_optimizable=[NotOptimizable(path=p, reason=r) for p, r in sorted(plan.not_opt.items())],
        counted_relations=sorted(plan.counted),
        suggestions=suggestions,
        queries_before=before,
        queries_after=after,
    )
    return result, edits, needs_import, gated


def _gate_actions(gated: list[_Gated]) -> tuple[str, ...]:
    """``list``, plus ``retrieve`` when every gated prefetch also saves queries on one object."""
    return ("list", "retrieve") if all(g.retrieve for g in gated) else ("list",)


def _gate_edits(gate: ActionGate, gated: list[_Gated]) -> list[_Edit]:
    """A ``get_queryset`` override applying ``gated`` for list (and retrieve) only: update/destroy get none."""
    actions = _gate_actions(gated)
    test = 'self.action == "list"' if actions == ("list",) else f"self.action in ({_quote(list(actions))})"
    codes = ", ".join(dict.fromkeys(g.edit_code for g in gated))
    ind, unit = gate.indent, gate.unit
    if gate.return_start is None:
        text = (
            f"\n\n{ind}def get_queryset(self):\n{ind}{unit}queryset = super().get_queryset()\n"
            f"{ind}{unit}if {test}:\n{ind}{unit}{unit}queryset = queryset.prefetch_related({codes})\n"
            f"{ind}{unit}return queryset"
        )
        return [_Edit(gate.insert_at, gate.insert_at, text, after=1)]
    tail = f"\n{ind}if {test}:\n{ind}{unit}queryset = queryset.prefetch_related({codes})\n{ind}return queryset"
    return [
        _Edit(gate.return_start, gate.return_start + len("return"), "queryset ="),
        _Edit(gate.insert_at, gate.insert_at, tail, after=1),
    ]


def template_dirs(project: Path) -> list[Path]:
    """Directories named ``templates`` under ``project`` (app templates and project templates).

    The walk never enters SKIP_DIRS, so a virtualenv's installed packages are not scanned.
    """
    found: list[Path] = []
    for dirpath, dirnames, _files in os.walk(project):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        found.extend(Path(dirpath) / d for d in dirnames if d == "templates")
    return sorted(found)


def optimize_project(
    project: Path,
    *,
    view: str | None = None,
    template: str | None = None,
    model: str | None = None,
    paths: list[str] | None = None,
    rows: int = 50,
    include_only: bool = False,
    guard: PathGuard | None = None,
) -> OptimizationReport:
    """Optimize every view (or one ``view``, or the views rendering ``template``); or plan ``model`` + ``paths``."""
    graph = load_graph(project, guard)
    warnings = list(graph.errors)
    if model is not None:
        return _plan_paths(project, graph, model, paths or [], rows, include_only, warnings)
    views, view_errors = find_views(project, graph, guard)
    processors, processor_errors = context_processor_views(project, graph, guard)
    views.extend(processors)
    warnings.extend(view_errors + processor_errors)
    if view is not None:
        chosen = [v for v in views if v.name == view or f"{v.file}:{v.name}" == view]
        if not chosen:
            known = ", ".join(v.name for v in views) or "none"
            raise NotFoundError(f"view {view!r} not found", hint=f"views found: {known}")
        views = chosen
    if template is not None:
        views = [v for v in views if v.template == template]
        if not views:
            raise NotFoundError(f"no view renders template {template!r}", hint="pass the name as written in the view")
    dirs = template_dirs(project)
    loader = DirLoader(dirs, guard.contains if guard else None)
    shared = [v for v in views if v.kind in SHARED_KINDS]
    provided = {name for v in processors for name in v.context}  # set on every page by a context processor
    uses, use_warnings = shared_uses(shared, template_names(dirs), loader) if shared else ({}, [])
    warnings.extend(use_warnings)
    site_plans: dict[tuple[str, int], _SitePlan] = {}
    view_of_site: dict[tuple[str, int], list[str]] = {}
    view_results: list[tuple[ViewInfo, list[tuple[str, int]], list[str], list[str], list[str]]] = []
    for v in views:
        vwarn = list(v.notes)
        unmapped: list[str] = []
        keys: list[tuple[str, int]] = []
        tv: TemplateVariables | None = None
        if v.template is not None:
            try:
                source, display = loader(v.template)
                tv = extract_template_variables(source, name=display, loader=loader)
                vwarn.extend(tv.warnings)
            except SemgraphError as exc:
                vwarn.append(f"template {v.template!r}: {exc}")
        variables = dict(tv.variables) if tv else {}
        rendered = dict(tv.rendered) if tv else {}
        opaque = dict(tv.opaque) if tv else {}
        conditional = {name: set(paths) for name, paths in tv.conditional.items()} if tv else {}
        for name, read in v.python_paths.items():  # objects read by the view's own Python code
            variables[name] = sorted(set(variables.get(name, [])) | read)
            conditional.get(name, set()).difference_update(read)
        groups: dict[str, list[tuple[str, set[str], set[str]]]] = {}
        used_in: list[str] = []
        for name in v.context if v.kind in SHARED_KINDS else []:  # every template using the value
            for use in uses.get((v.file, v.name, name), []):
                variables[name] = sorted(set(variables.get(name, [])) | use.paths)
                rendered[name] = sorted(set(rendered.get(name, [])) | use.rendered)
                opaque[name] = sorted(set(opaque.get(name, [])) | use.opaque)
                groups.setdefault(name, []).append((use.template, use.paths, use.rendered))
                used_in.append(use.template)
        for name, var_paths in variables.items():
            ctx = v.context.get(name)
            if ctx is None or not ctx.sites:
                # not set by the view (context processors set the standard names), or set from something
                # that is not a queryset we can see although the template reads attributes of it
                if (ctx is None and name not in STANDARD_CONTEXT | provided) or (ctx is not None and var_paths):
                    unmapped.append(name)
                continue
            for site in ctx.sites:
                sp = site_plans.setdefault(site.key, _SitePlan(site))
                if sp.site is not site:  # the same chain reached again, maybe through `q = q.select_related(…)`
                    _merge_applied(sp.site, site)
                sp.variables.add(name)
                sp.paths.update(var_paths)
                if name in groups:  # templates using a shared value: not split by condition
                    sp.every_path = True
                sp.unconditional = (sp.unconditional or set()) | (set(var_paths) - conditional.get(name, set()))
                sp.rendered.update(rendered.get(name, []))
                sp.opaque.update(opaque.get(name, []))
                if name in groups:  # a shared value: each template using it is one reader
                    sp.groups.extend(groups[name])
                else:  # a view: one reader, whatever number of its names feed the site (object and book)
                    label = f"{v.file}:{v.name}"
                    same = next((g for g in sp.groups if g[0] == label), None)
                    if same is None:
                        sp.groups.append((label, set(var_paths), set(rendered.get(name, []))))
                    else:
                        same[1].update(var_paths)
                        same[2].update(rendered.get(name, []))
                sp.shared = sp.shared or v.kind in SHARED_KINDS
                if site.key not in keys:
                    keys.append(site.key)
                view_of_site.setdefault(site.key, []).append(v.name)
        view_results.append((v, keys, unmapped, vwarn, sorted(set(used_in))))
    plans: dict[tuple[str, int], QuerysetPlan] = {}
    edits_by_file: dict[str, tuple[Path, list[_Edit], bool]] = {}
    gates: dict[tuple[str, str], tuple[ActionGate, QuerysetSite, list[_Gated]]] = {}
    for key, sp in site_plans.items():
        plan, edits, needs_import, gated = _plan_site(
            sp, graph, "+".join(dict.fromkeys(view_of_site[key])), rows, include_only
        )
        plans[key] = plan
        path, existing, imp = edits_by_file.get(sp.site.file, (sp.site.path, [], False))
        edits_by_file[sp.site.file] = (path, existing + edits, imp or needs_import)
        if gated and sp.site.action_gate is not None:
            gates.setdefault(sp.site.action_gate.key, (sp.site.action_gate, sp.site, []))[2].extend(gated)
    for gate, site, gated in gates.values():  # one override per viewset, whatever number of sites feed it
        edits = _gate_edits(gate, gated)
        for edit in edits:
            edit.site = site.key
        path, existing, imp = edits_by_file.get(gate.file, (site.path, [], False))
        prefetch = any(g.code.startswith("Prefetch(") for g in gated)
        edits_by_file[gate.file] = (path, existing + edits, imp or prefetch)
    diff, changed, refused = _diff(edits_by_file, project, graph)
    for key, reason in refused.items():
        plan = plans[key]
        plan.not_optimizable.append(NotOptimizable(path="(diff)", reason=f"edit not returned: {reason}"))
        plan.added = {k: [] for k in plan.added}
    for reason in dict.fromkeys(refused.values()):
        lines = sorted(plans[k].line for k, r in refused.items() if r == reason)
        warnings.append(f"edits at line(s) {', '.join(map(str, lines))} not returned: {reason}")
    out_views = [
        ViewPlan(
            view=v.name,
            kind=v.kind,
            file=v.file,
            line=v.line,
            template=v.template,
            querysets=[plans[k] for k in keys],
            unmapped_variables=sorted(unmapped),
            warnings=vwarn,
            used_in=used_in,
        )
        for v, keys, unmapped, vwarn, used_in in view_results
    ]
    return OptimizationReport(
        project=project.name, rows=rows, views=out_views, diff=diff, files_changed=changed, warnings=warnings
    )


def _plan_paths(
    project: Path,
    graph: ModelGraph,
    model_name: str,
    paths: list[str],
    rows: int,
    include_only: bool,
    warnings: list[str],
) -> OptimizationReport:
    model = graph.require(model_name)
    if not paths:
        raise InvalidInputError(
            "paths is empty", hint="give the attribute paths read on each object, e.g. tenant.user.email"
        )
    site = QuerysetSite(
        file="",
        path=project,
        model=model.label,
        manager=model.default_manager,
        kind="queryset",
        start=0,
        end=0,
        insert_at=0,
        line=0,
        expression=f"{model.name}.{model.default_manager}.all()",
    )
    sp = _SitePlan(site, {"object"}, set(paths))
    plan, _edits, _, _gated = _plan_site(sp, graph, "(paths)", rows, include_only)
    view = ViewPlan(
        view="(paths)",
        kind="paths",
        file="",
        line=0,
        template=None,
        querysets=[plan],
        unmapped_variables=[],
        warnings=[],
    )
    return OptimizationReport(
        project=project.name, rows=rows, views=[view], diff="", files_changed=[], warnings=warnings
    )


def _write(
    original: str, edits: list[_Edit], names: ModuleNames, project: Path, graph: ModelGraph, prefetch: bool
) -> str:
    data = original.encode()
    imports: list[str] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end, e.after), reverse=True):

        def name(match: re.Match[str]) -> str:
            written, statement = names.reference(graph.models[match.group(1)], project)
            if statement is not None:
                imports.append(statement)
            return written

        data = data[: edit.start] + MODEL_REF.sub(name, edit.text).encode() + data[edit.end :]
    text_new = data.decode("utf-8")
    if prefetch and not _imports_prefetch(text_new):
        text_new = add_import(text_new, "from django.db.models import Prefetch")
    for statement in dict.fromkeys(imports):
        text_new = add_import(text_new, statement)
    return text_new


def _diff(
    edits_by_file: dict[str, tuple[Path, list[_Edit], bool]], project: Path, graph: ModelGraph
) -> tuple[str, list[str], dict[tuple[str, int], str]]:
    """The unified diff of every file whose patch compiles and adds no undefined name; refused sites + why.

    A file whose whole patch fails is retried site by site, so one bad edit does not cost the others.
    """
    chunks: list[str] = []
    changed: list[str] = []
    refused: dict[tuple[str, int], str] = {}
    for display in sorted(edits_by_file):
        path, edits, needs_import = edits_by_file[display]
        if not edits:
            continue
        original = path.read_bytes().decode("utf-8")
        _, broken = undefined_names(original, display)
        if broken is not None:
            refused.update({e.site: f"the file does not compile before the edit ({broken})" for e in edits})
            continue
        names = ModuleNames.read(path, original)
        text_new = _write(original, edits, names, project, graph, needs_import)
        if check_patch(original, text_new, display) is not None:
            kept: list[_Edit] = []
            for key in dict.fromkeys(e.site for e in edits):
                mine = [e for e in edits if e.site == key]
                trial = _write(original, kept + mine, names, project, graph, needs_import)
                reason = check_patch(original, trial, display)
                if reason is None:
                    kept.extend(mine)
                else:
                    refused[key] = reason
            if not kept:
                continue
            text_new = _write(original, kept, names, project, graph, needs_import)
        old_lines = original.splitlines(keepends=True)
        new_lines = text_new.splitlines(keepends=True)
        chunks.append(
            "".join(difflib.unified_diff(old_lines, new_lines, fromfile=f"a/{display}", tofile=f"b/{display}"))
        )
        changed.append(display)
    return "".join(chunks), changed, refused


def _imports_prefetch(source: str) -> bool:
    for line in source.splitlines():
        stripped = line.strip()
        if (
            stripped.startswith(("from django.db.models import", "from django.db.models.query import"))
            and "Prefetch" in stripped
        ):
            return True
    return False

"""Call paths between two symbols, or from a symbol to every sink of a kind.

Sinks are functions that themselves do the thing (their own library calls):
database writes, database reads, network calls, notifications, payments.
Paths are bounded in depth and number and rendered as Mermaid.
"""

from __future__ import annotations

import itertools
import re

import networkx as nx
from pydantic import BaseModel, Field

from semgraph.analysis.codebase import CALLABLE_KINDS, Codebase
from semgraph.analysis.entrypoints import find_entry_points
from semgraph.analysis.roles import function_roles
from semgraph.errors import InvalidInputError, NotFoundError

SINKS: dict[str, frozenset[str]] = {
    "database_write": frozenset({"persist", "delete"}),
    "database_read": frozenset({"lookup", "aggregate"}),
    "network": frozenset({"external_call", "charge_payment"}),
    "notification": frozenset({"send_notification"}),
    "payment": frozenset({"charge_payment"}),
}


class PathStep(BaseModel):
    symbol: str
    location: str
    role: str
    call_line: int | None = Field(None, description="line of the call that leads to the next step")


class CallPath(BaseModel):
    steps: list[PathStep]
    sink_roles: list[str] = Field(default_factory=list)


class TraceResult(BaseModel):
    source: str
    target: str | None
    sink: str | None
    paths: list[CallPath]
    paths_total: int
    truncated: bool
    mermaid: str


def _reachable_graph(cb: Codebase, start: int, depth: int) -> nx.DiGraph:
    """The calls reachable from ``start`` within ``depth``: resolved calls plus what the workflow trace
    also follows (functions handed to schedulers or passed as values, handlers of a table looked up by
    key), so a path through a webhook's ``HANDLERS[event.type](event)`` is found."""
    from semgraph.analysis.workflows import _callees  # workflows imports this module's siblings only

    g = nx.DiGraph()
    g.add_node(start)
    frontier = [start]
    for _ in range(depth):
        nxt = []
        for a in frontier:
            for line, _col, b in _callees(cb, a):
                if not g.has_edge(a, b):
                    if b not in g:
                        nxt.append(b)
                    g.add_edge(a, b, line=line)
        frontier = nxt
    return g


_ROUTE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY)\s+/", re.I)


def _resolve(cb: Codebase, name: str):
    if _ROUTE.match(name.strip()):  # "POST /register": the route's handler
        method, path = name.split(None, 1)
        for e in find_entry_points(cb):
            if e.kind == "http" and e.path == path.strip() and e.method in {method.upper(), "ANY"}:
                return cb.symbols[e.handler_id]
        raise NotFoundError(
            f"no route {name.strip()!r}", hint="call detect_business_workflows to list the entry points"
        )
    sym = cb.resolve_one(name)
    if sym.kind not in CALLABLE_KINDS:
        kids = [cb.symbols[c] for c in cb.children.get(sym.id, []) if cb.symbols[c].kind in CALLABLE_KINDS]
        if not kids:
            raise InvalidInputError(f"{name!r} is a {sym.kind}, not a function", hint="pass a function or method")
    return sym


def _to_path(cb: Codebase, g: nx.DiGraph, nodes: list[int], sink: frozenset[str] | None) -> CallPath:
    steps = []
    for a, b in itertools.zip_longest(nodes, nodes[1:]):
        s = cb.symbols[a]
        steps.append(
            PathStep(
                symbol=s.qualified_name,
                location=cb.location(a),
                role=function_roles(cb, a).primary(),
                call_line=g.edges[a, b]["line"] if b is not None else None,
            )
        )
    roles = sorted(set(function_roles(cb, nodes[-1]).roles) & sink) if sink else []
    return CallPath(steps=steps, sink_roles=roles)


def trace_workflow(
    cb: Codebase,
    from_symbol: str,
    to_symbol: str | None = None,
    *,
    sink: str | None = None,
    max_depth: int = 6,
    max_paths: int = 20,
) -> TraceResult:
    """Paths ``from_symbol`` → ``to_symbol``, or ``from_symbol`` → every ``sink`` (default database_write)."""
    if to_symbol and sink:
        raise InvalidInputError("give to_symbol or sink, not both")
    if sink is None and not to_symbol:
        sink = "database_write"
    if sink is not None and sink not in SINKS:
        raise InvalidInputError(f"unknown sink {sink!r}", hint=f"choose from {', '.join(SINKS)}")
    src = _resolve(cb, from_symbol)
    g = _reachable_graph(cb, src.id, max_depth)
    paths: list[list[int]] = []
    truncated = False
    if to_symbol:
        dst = _resolve(cb, to_symbol)
        if dst.id in g:
            for p in nx.all_simple_paths(g, src.id, dst.id, cutoff=max_depth):
                paths.append(p)
                if len(paths) >= 200:
                    truncated = True
                    break
        roles = None
    else:
        roles = SINKS[sink]
        lengths = nx.single_source_shortest_path(g, src.id, cutoff=max_depth)
        for node, p in sorted(lengths.items(), key=lambda kv: (len(kv[1]), cb.location(kv[0]))):
            if set(function_roles(cb, node).roles) & roles:
                paths.append(p)
    paths.sort(key=lambda p: (len(p), [cb.location(n) for n in p]))
    total = len(paths)
    if total > max_paths:
        truncated = True
    shown = [_to_path(cb, g, p, roles) for p in paths[:max_paths]]
    return TraceResult(
        source=src.qualified_name,
        target=cb.symbols[paths[0][-1]].qualified_name if to_symbol and paths else to_symbol,
        sink=sink,
        paths=shown,
        paths_total=total,
        truncated=truncated,
        mermaid=_mermaid(cb, paths[:max_paths], roles),
    )


def _mermaid(cb: Codebase, paths: list[list[int]], roles: frozenset[str] | None) -> str:
    lines = ["flowchart LR"]
    seen_nodes: dict[int, str] = {}
    seen_edges: set[tuple[int, int]] = set()
    for p in paths:
        for n in p:
            if n not in seen_nodes:
                seen_nodes[n] = f"N{len(seen_nodes) + 1}"
                s = cb.symbols[n]
                label = ".".join(s.qualified_name.replace("::", ".").split(".")[-2:])
                label = "".join(ch if ch.isalnum() or ch in "._ -" else " " for ch in label)
                shape = ("[(", ")]") if roles and set(function_roles(cb, n).roles) & roles else ('["', '"]')
                if shape[0] == "[(":
                    lines.append(f"    {seen_nodes[n]}[({label})]")
                else:
                    lines.append(f'    {seen_nodes[n]}["{label}"]')
        for a, b in itertools.pairwise(p):
            if (a, b) not in seen_edges:
                seen_edges.add((a, b))
                lines.append(f"    {seen_nodes[a]} --> {seen_nodes[b]}")
    if not paths:
        lines.append('    none["no path found"]')
    return "\n".join(lines)

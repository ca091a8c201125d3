"""The HTTP route inventory of an indexed project, with what the discovery could not map.

Routes come from ``find_entry_points`` (full paths, prefixes composed across files) plus the route
declarations that gave no traceable entry point (inline closures: method and path known, no symbol).
Coverage is honest: every line that looks like a route declaration (``tables/route_declarations.toml``)
but produced no route is listed with file:line, so a partial answer says it is partial.
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources

from pydantic import BaseModel, Field

from semgraph.analysis.codebase import CALLABLE_KINDS, Codebase
from semgraph.analysis.entrypoints import _TEST_PATH, EntryPoint, find_entry_points, route_declarations
from semgraph.errors import InvalidInputError

_FAMILY = {"javascript": "ecmascript", "typescript": "ecmascript", "tsx": "ecmascript"}


class Route(BaseModel):
    """One HTTP route: method, full path and the handler that serves it."""

    method: str
    path: str
    handler: str = Field(description="qualified name of the handler symbol, or '<inline>' for an anonymous closure")
    handler_id: int | None = Field(None, description="symbol id of the handler (null for inline closures)")
    file: str = Field(description="file of the handler (of the declaration for inline handlers)")
    line: int
    framework: str


class UnmappedRoute(BaseModel):
    """A route-like declaration the discovery saw but could not turn into a route with a handler."""

    file: str
    line: int
    code: str = Field(description="the declaration line, trimmed to 160 characters")
    framework: str = ""
    reason: str


class RouteInventory(BaseModel):
    routes: list[Route]
    unmapped: list[UnmappedRoute]
    frameworks: list[str]


@functools.cache
def _patterns() -> tuple[tuple[str, str, re.Pattern[str], re.Pattern[str] | None], ...]:
    raw = resources.files("semgraph.analysis.tables").joinpath("route_declarations.toml").read_text()
    out = []
    for p in tomllib.loads(raw)["pattern"]:
        files = re.compile(p["files"]) if p.get("files") else None
        out.append((p["language"], p["kind"], re.compile(p["regex"]), files))
    return tuple(out)


def _owner(cb: Codebase, file_id: int, line: int) -> int | None:
    """The callable a decorator on ``line`` belongs to (the next definition, or the one whose span,
    decorators included, starts at or just above it)."""
    after, covering = None, None
    for sid in cb.by_file.get(file_id, []):
        s = cb.symbols[sid]
        if s.kind not in CALLABLE_KINDS and s.kind != "class":
            continue
        if s.start_line >= line and (after is None or s.start_line < cb.symbols[after].start_line):
            after = sid
        elif s.start_line <= line <= s.end_line and line - s.start_line <= 15:
            covering = sid
    if after is not None and cb.symbols[after].start_line - line <= 40:
        return after
    return covering


def _is_class_prefix(lines: list[str], index: int) -> bool:
    """A class-level ``@RequestMapping("/x")``: a prefix of the class's routes, not a route."""
    for nxt in lines[index + 1 : index + 12]:
        s = nxt.strip()
        if not s or s.startswith("@"):
            continue
        return bool(re.search(r"\b(class|interface)\b", s))
    return False


def _not_understood(cb: Codebase, entries: list[EntryPoint]) -> list[UnmappedRoute]:
    declared = {(e.declared_file, e.declared_line) for e in entries if e.declared_file}
    declared |= {(d.file, d.line) for d in route_declarations(cb)}
    handlers = {e.handler_id for e in entries if e.kind == "http"}
    out: list[UnmappedRoute] = []
    for f in cb.files.values():
        family = _FAMILY.get(f.language, f.language)
        pats = [p for p in _patterns() if p[0] == family and (p[3] is None or p[3].search(f.path))]
        if not pats or _TEST_PATH.search(f.path):
            continue
        raw = cb.source(f.path)
        if family == "ecmascript" and re.search(rb"""from\s+["']axios["']|require\(["']axios["']\)""", raw):
            continue  # an HTTP client module: its api.post("/x") calls are requests, not routes
        lines = None
        for _, kind, rx, _ in pats:
            if not rx.search(raw.decode("utf-8", "replace")):
                continue
            lines = lines or cb.lines_of(f.path)
            for i, line in enumerate(lines):
                if not rx.search(line):
                    continue
                n = i + 1
                if kind == "call":
                    if any((f.path, x) in declared for x in (n, n - 1, n + 1)):
                        continue
                    reason = "route call not understood (handler or prefix could not be read)"
                else:
                    if f.language == "java" and _is_class_prefix(lines, i):
                        continue
                    owner = _owner(cb, f.id, n)
                    if owner is not None and owner in handlers:
                        continue
                    reason = "route decorator whose handler gave no route"
                out.append(UnmappedRoute(file=f.path, line=n, code=line.strip()[:160], reason=reason))
    return out


def route_inventory(cb: Codebase) -> RouteInventory:
    """Every HTTP route of the index, the declarations it could not map, and the frameworks seen (cached)."""
    cached = cb.__dict__.get("_route_inventory")
    if cached is not None:
        return cached
    entries = find_entry_points(cb)
    routes = [
        Route(
            method=e.method,
            path=e.path,
            handler=e.handler,
            handler_id=e.handler_id,
            file=e.file,
            line=e.line,
            framework=e.framework,
        )
        for e in entries
        if e.kind == "http"
    ]
    unmapped: list[UnmappedRoute] = []
    for d in route_declarations(cb):
        method, _, path = d.route.partition(" ")
        if d.inline:
            routes.append(
                Route(method=method, path=path, handler="<inline>", file=d.file, line=d.line, framework=d.framework)
            )
        else:
            unmapped.append(
                UnmappedRoute(file=d.file, line=d.line, code=d.route, framework=d.framework, reason=d.reason)
            )
    unmapped.extend(_not_understood(cb, entries))
    unmapped.sort(key=lambda u: (u.file, u.line))
    routes.sort(key=lambda r: (r.path, r.method, r.handler))
    frameworks = sorted({r.framework for r in routes} | {u.framework for u in unmapped if u.framework})
    inv = RouteInventory(routes=routes, unmapped=unmapped, frameworks=frameworks)
    cb.__dict__["_route_inventory"] = inv
    return inv


def list_routes(
    cb: Codebase, *, method: str | None = None, path_prefix: str | None = None, framework: str | None = None
) -> RouteInventory:
    """The inventory filtered by HTTP method, path prefix and framework (the unmapped list is not filtered
    by method or path: a declaration that could not be read has neither for sure)."""
    if method is not None and not re.fullmatch(r"[A-Za-z]+", method.strip()):
        raise InvalidInputError(f"bad HTTP method {method!r}", hint="e.g. GET, POST, DELETE")
    if path_prefix is not None and path_prefix and not path_prefix.startswith("/"):
        raise InvalidInputError(f"path_prefix {path_prefix!r} must start with '/'", hint="e.g. /api/v1")
    inv = route_inventory(cb)
    routes = inv.routes
    if method:
        want = method.strip().upper()
        routes = [r for r in routes if want in {m.strip() for m in r.method.split(",")} or r.method == "ANY"]
    if path_prefix:
        base = path_prefix.rstrip("/")
        routes = [r for r in routes if r.path == base or r.path.startswith(base + "/") or not base]
    unmapped = inv.unmapped
    if framework:
        routes = [r for r in routes if r.framework == framework]
        unmapped = [u for u in unmapped if u.framework in {framework, ""}]
    return RouteInventory(routes=routes, unmapped=unmapped, frameworks=inv.frameworks)

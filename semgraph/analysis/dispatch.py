"""Dispatch that no call site names: a table of handlers looked up by key.

A webhook maps event names to functions (``HANDLERS = {"invoice.paid": on_paid, ...}`` then
``HANDLERS[event.type](event)``; ``handlers[type]?.(evt)`` in JavaScript; a Go
``map[string]func(...)``), or picks a method by name (``getattr(self, f"handle_{kind}")``). The
function that looks the table up runs every handler in it, so a workflow through it does too.
Read from source text, bounded: at most ``MAX_TARGETS`` handlers per function.
"""

from __future__ import annotations

import re

from semgraph.analysis.codebase import CALLABLE_KINDS, Codebase
from semgraph.analysis.mounts import enclosed, split_args

MAX_TARGETS = 16

_LOOKUP = re.compile(r"((?:self|this|cls)\.)?\b([A-Za-z_$][\w$]*)\s*(?:\[[^\]\n]+\]|\.get\(|\.get\b)")
_GETATTR = re.compile(r"\bgetattr\(\s*(self|cls)\s*,\s*f?[\"']([A-Za-z_]\w*?)_?(?:\{|[\"']\s*\+)")
_VALUE = re.compile(
    r"^\s*(?:[\"'`][^\"'`]*[\"'`]|[\w.$]+|\[[^\]]*\])\s*:\s*((?:self\.|this\.|cls\.)?[A-Za-z_$][\w.$]*)\s*$"
)


def _body(cb: Codebase, sid: int) -> str:
    """The function's whole lines (columns count from the line start), from the codebase's decoded-lines cache."""
    sym = cb.symbols[sid]
    return "\n".join(cb.lines_of(sym.path)[sym.start_line - 1 : sym.end_line])


def _table_text(src: str, name: str) -> str | None:
    """The brace-delimited literal bound to ``name`` in ``src`` (dict, JS object, Go map literal)."""
    m = re.search(
        rf"(?:^|[\s.(]){re.escape(name)}\s*(?::\s*[^=\n]{{1,80}})?(?::=|=)\s*(?:map\[[^\]]*\][^{{\n]*)?\{{",
        src,
        re.M,
    )
    return enclosed(src, m.end() - 1, 20_001) if m is not None else None


def _owner_methods(cb: Codebase, sid: int) -> dict[str, int]:
    owner = cb.owner_type(sid)
    if owner is None:
        return {}
    return {cb.symbols[c].name: c for c in cb.children.get(owner, []) if cb.symbols[c].kind in CALLABLE_KINDS}


def dispatch_targets(cb: Codebase, sid: int) -> list[tuple[int, int, int]]:
    """``(line, col, target)`` for each handler that ``sid`` reaches through a handler table or a
    method picked by name; empty when the function does no such lookup (cached per index)."""
    cache = cb.__dict__.setdefault("_dispatch", {})
    if sid not in cache:
        cache[sid] = _dispatch_targets(cb, sid)
    return cache[sid]


def _dispatch_targets(cb: Codebase, sid: int) -> list[tuple[int, int, int]]:
    from semgraph.analysis.entrypoints import resolve_handler  # entrypoints imports this package's siblings

    sym = cb.symbols[sid]
    body = _body(cb, sid)
    if "[" not in body and ".get" not in body and "getattr" not in body:
        return []
    out: list[tuple[int, int, int]] = []
    seen: set[int] = set()
    methods: dict[str, int] | None = None
    module_src: str | None = None
    for m in _LOOKUP.finditer(body):
        name = m.group(2)
        if name in {"self", "this", "cls", "request", "req", "kwargs", "args", "os", "environ"}:
            continue
        table = _table_text(body, name)
        if table is None:
            module_src = module_src if module_src is not None else "\n".join(cb.lines_of(sym.path))
            table = _table_text(module_src, name)
        if table is None:
            continue
        line = sym.start_line + body.count("\n", 0, m.start())
        found: list[int] = []
        for item in split_args(table):
            v = _VALUE.match(item.replace("\n", " "))
            if v is None:
                continue
            ref = v.group(1)
            target = None
            if ref.split(".")[0] in {"self", "this", "cls"}:
                methods = methods if methods is not None else _owner_methods(cb, sid)
                target = methods.get(ref.split(".")[-1])
            else:
                hit = resolve_handler(cb, sym.path, ref)
                target = hit.id if hit is not None and hit.kind in CALLABLE_KINDS else None
            if target is not None and target != sid and target not in seen:
                found.append(target)
        if len(found) >= 2:  # a table of handlers, not a lookup of one value
            for t in found[: MAX_TARGETS - len(out)]:
                seen.add(t)
                out.append((line, m.start(2) - body.rfind("\n", 0, m.start()) - 1, t))
        if len(out) >= MAX_TARGETS:
            return out
    for m in _GETATTR.finditer(body):
        prefix = m.group(2)
        methods = methods if methods is not None else _owner_methods(cb, sid)
        line = sym.start_line + body.count("\n", 0, m.start())
        for name, t in sorted(methods.items()):
            if name.startswith(prefix) and name != prefix and t != sid and t not in seen:
                seen.add(t)
                out.append((line, 0, t))
                if len(out) >= MAX_TARGETS:
                    return out
    return out

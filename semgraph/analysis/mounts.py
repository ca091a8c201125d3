"""Route prefixes composed across files: where a router, blueprint, plugin or scope is mounted.

A route's full path is the path it declares plus every prefix of the chain of mounts above it:
FastAPI ``app.include_router(r, prefix="/api")`` / ``APIRouter(prefix=…)``, Flask
``register_blueprint(bp, url_prefix=…)``, Express ``app.use("/v1", routes)`` (also a data array of
``{path, route}`` mounted in a loop), Fastify ``server.register(plugin, { prefix })``, gin
``r.Group("/x")``, Axum ``.nest("/x", router)``, Actix ``web::scope("/x")`` and ``configure(f)``.
Mounts are matched to the router they mount through the importing module's own imports, so two
files that both call their router ``router`` are told apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

import tree_sitter as ts

from semgraph.analysis.codebase import Codebase
from semgraph.analysis.syntax import text, unquote

_MAX_DEPTH = 8


def enclosed(src: str, open_at: int, limit: int = 4000) -> str | None:
    """The text between the bracket at ``open_at`` and its partner within ``limit`` characters, else None
    (strings not parsed: good enough for argument lists and handler tables)."""
    depth = 0
    for i in range(open_at, min(len(src), open_at + limit)):
        c = src[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return src[open_at + 1 : i]
    return None


def call_text(src: str, open_paren: int) -> str:
    """The argument text of the call whose parenthesis is at ``open_paren`` (its first 400 characters when
    the partner is not found)."""
    got = enclosed(src, open_paren)
    return got if got is not None else src[open_paren + 1 : open_paren + 400]


def split_args(args: str, opening: str = "([{", closing: str = ")]}") -> list[str]:
    """Top-level comma-separated arguments, stripped (pass ``<``/``>`` too where generics nest commas)."""
    out, depth, cur = [], 0, []
    for c in args:
        if c in opening:
            depth += 1
        elif c in closing:
            depth -= 1
        if c == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def join(*parts: str) -> str:
    """``/api`` + ``/v1/`` + ``users`` → ``/api/v1/users`` (a trailing slash of the last part is kept)."""
    segs = [p.strip("/") for p in parts if p and p.strip("/")]
    tail = "/" if parts and parts[-1].endswith("/") and segs else ""
    return ("/" + "/".join(segs) + tail) if segs else (parts[-1] if parts and parts[-1] else "")


# ------------------------------------------------------------------- Python
_PY_ROUTER = re.compile(r"^[ \t]*((?:[A-Za-z_]\w*[ \t]*=[ \t]*)+)[\w.]*\b(APIRouter|Blueprint|FastAPI|Flask)\(", re.M)
_PY_MOUNT = re.compile(r"\b([A-Za-z_][\w.]*)\.(include_router|register_blueprint)\(")
_PY_PREFIX = re.compile(r"\b(?:url_)?prefix\s*=\s*[rfbu]?[\"']([^\"']*)[\"']")


def _py_routers(cb: Codebase, path: str) -> dict[str, tuple[frozenset[str], str, str]]:
    """Router variables of one file: name → (every name bound to it, own prefix, constructor)."""
    key = ("py_routers", path)
    cached = cb.__dict__.setdefault("_mounts", {}).get(key)
    if cached is not None:
        return cached
    src = cb.source(path).decode("utf-8", "replace")
    out: dict[str, tuple[frozenset[str], str, str]] = {}
    for m in _PY_ROUTER.finditer(src):
        names = frozenset(n.strip() for n in m.group(1).split("=") if n.strip())
        args = call_text(src, m.end() - 1)
        p = _PY_PREFIX.search(args)
        for n in names:
            out[n] = (names, p.group(1) if p else "", m.group(2))
    cb.__dict__["_mounts"][key] = out
    return out


def _mount_calls(
    cb: Codebase, languages: set[str], needles: tuple[bytes, ...], pattern: re.Pattern[str]
) -> Iterator[tuple[str, str, re.Match[str], list[str]]]:
    """(file, text, match, arguments) of every call ``pattern`` finds (its match ends at the call's opening
    parenthesis) in files of ``languages`` that contain one of ``needles``; calls without arguments left out."""
    for f in cb.files.values():
        if f.language not in languages:
            continue
        raw = cb.source(f.path)
        if not any(n in raw for n in needles):
            continue
        src = raw.decode("utf-8", "replace")
        for m in pattern.finditer(src):
            args = split_args(call_text(src, m.end() - 1))
            if args:
                yield f.path, src, m, args


def _py_mounts(cb: Codebase) -> list[tuple[str, str, str, str]]:
    """Every ``parent.include_router(child, prefix=…)`` / ``register_blueprint``: (file, parent, child, prefix)."""
    cached = cb.__dict__.get("_py_mounts")
    if cached is not None:
        return cached
    out = []
    for path, _src, m, args in _mount_calls(cb, {"python"}, (b"include_router", b"register_blueprint"), _PY_MOUNT):
        child = args[0] if "=" not in args[0] else ""
        p = _PY_PREFIX.search(",".join(args[1:]))
        if child:
            out.append((path, m.group(1), child, p.group(1) if p else ""))
    cb.__dict__["_py_mounts"] = out
    return out


def _py_module_names(path: str) -> set[str]:
    p = PurePosixPath(path)
    names = {p.stem}
    if p.stem == "__init__":
        names = {p.parent.name}
    return names


def _py_imported_as(cb: Codebase, importer: str, alias: str, names: frozenset[str], modules: set[str]) -> bool:
    """``from clinic.routers.appointments import router as appointments_router``."""
    for module, name, local, _ in cb.import_rows.get(cb.by_path.get(importer, -1), []):
        if local == alias and name in names and module.split(".")[-1] in modules:
            return True
    return False


def py_resolve_module(cb: Codebase, importer: str, module: str) -> str | None:
    """``from . import auth`` / ``from .auth import bp`` / ``from app.auth import bp`` as an indexed file."""
    level = len(module) - len(module.lstrip("."))
    parts = [p for p in module.lstrip(".").split(".") if p]
    if level:
        base = PurePosixPath(importer).parent
        for _ in range(level - 1):
            base = base.parent
        stem = "/".join([*base.parts, *parts]) if base.parts != (".",) else "/".join(parts)
        cands = [stem + ".py", stem + "/__init__.py"]
    else:
        stem = "/".join(parts)
        cands = [p for p in cb.by_path if p.endswith(stem + ".py") or p.endswith(stem + "/__init__.py")]
    return next((c.lstrip("./") for c in cands if c.lstrip("./") in cb.by_path), None)


def _py_defining_file(cb: Codebase, path: str, var: str) -> tuple[str, str]:
    """Where router ``var`` used in ``path`` is created: this file, or the module it is imported from
    (``from . import auth`` in a blueprint package's views.py)."""
    if var in _py_routers(cb, path):
        return path, var
    for module, name, alias, _ in cb.import_rows.get(cb.by_path.get(path, -1), []):
        if (alias or name) != var:
            continue
        target = py_resolve_module(cb, path, module + ("." + name if not module.endswith(".") else name))
        if target is not None and var in _py_routers(cb, target):  # `from . import auth` named a module
            return target, var
        target = py_resolve_module(cb, path, module)
        if target is not None and (name or var) in _py_routers(cb, target):
            return target, name or var
    return path, var


def py_import_target(cb: Codebase, importer: str, local: str) -> str | None:
    """The indexed file that the name ``local`` imports in ``importer`` (``from pkg import orders as shop``)."""
    for module, name, alias, _ in cb.import_rows.get(cb.by_path.get(importer, -1), []):
        if (alias or name) == local:
            dotted = module + ("." + name if name and not module.endswith(".") else name or "")
            return py_resolve_module(cb, importer, dotted) or py_resolve_module(cb, importer, module)
    return None


def python_prefix(cb: Codebase, path: str, var: str, depth: int = 0) -> str:
    """Full prefix of the routes declared on router ``var`` of ``path``."""
    path, var = _py_defining_file(cb, path, var)
    routers = _py_routers(cb, path)
    names, own, ctor = routers.get(var, (frozenset({var}), "", ""))
    if depth > _MAX_DEPTH:
        return own
    modules = _py_module_names(path)
    for g, parent, child, prefix in _py_mounts(cb):
        child_last = child.split(".")[-1]
        if child_last not in names and not _py_imported_as(cb, g, child_last, names, modules):
            continue
        if g != path:
            head = child.split(".")[0] if "." in child else ""
            if head:  # `users.bp`: the module named before the dot must be this file, not any module defining `bp`
                if head not in modules and py_import_target(cb, g, head) != path:
                    continue
            else:
                gsrc = cb.source(g).decode("utf-8", "replace")
                if not any(re.search(rf"\b(?:from|import)\s+[\w.]*\b{re.escape(m)}\b", gsrc) for m in modules):
                    continue
        parent_var = parent.split(".")[-1]
        above = python_prefix(cb, g, parent_var, depth + 1) if parent_var != child_last else ""
        mine = own if not (ctor == "Blueprint" and prefix) else ""
        return join(above, prefix, mine)
    return own


# ------------------------------------------------------------------------ Go
_GO_GROUP = re.compile(r"\b(\w+)\s*:?=\s*(\w+)\.Group\(\s*\"([^\"]*)\"")


_GO_CHAIN_GROUP = re.compile(r"\.Group\(\s*\"([^\"]*)\"")


def go_prefix(cb: Codebase, path: str, var: str) -> str:
    """gin/echo ``v1 := r.Group("/api/v1")`` (nested groups compose) in the same file, and groups on the
    receiver chain itself: ``g.Group("/user").Use(mw).POST("", h)``."""
    if "(" in var:
        root = re.match(r"\s*(\w+)", var)
        chained = _GO_CHAIN_GROUP.findall(var)
        return join(go_prefix(cb, path, root.group(1)) if root else "", *chained, "")
    groups = {
        m.group(1): (m.group(2), m.group(3)) for m in _GO_GROUP.finditer(cb.source(path).decode("utf-8", "replace"))
    }
    parts: list[str] = []
    seen: set[str] = set()
    while var in groups and var not in seen:
        seen.add(var)
        var, p = groups[var][0], groups[var][1]
        parts.insert(0, p)
    return join(*parts) if parts else ""


# ---------------------------------------------------------------------- Rust
def _rust_chain_scope(node: ts.Node) -> str:
    """``web::scope("/api").route(…)``: the scope prefix on the receiver chain of a builder call."""
    n: ts.Node | None = node
    while n is not None and n.type == "call_expression":
        fn = n.child_by_field_name("function")
        if fn is None:
            return ""
        if fn.type in {"scoped_identifier", "identifier"} and text(fn).split("::")[-1] == "scope":
            args = n.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            return unquote(text(first)) if first is not None and first.type == "string_literal" else ""
        n = fn.child_by_field_name("value") if fn.type == "field_expression" else None
    return ""


def rust_prefix(node: ts.Node) -> str:
    """Prefix of a route/service call from its own builder chain and the scopes / nests that contain it."""
    parts = [_rust_chain_scope(node)]
    child, n = node, node.parent
    while n is not None:
        if n.type == "arguments" and n.parent is not None and n.parent.type == "call_expression":
            call = n.parent
            fn = call.child_by_field_name("function")
            if fn is not None and fn.type == "field_expression":
                field = text(fn.child_by_field_name("field"))
                args = [a for a in n.named_children if a.type not in {"line_comment", "block_comment"}]
                if field == "nest" and len(args) >= 2 and args[0].type == "string_literal" and child != args[0]:
                    parts.insert(0, unquote(text(args[0])))
                elif field in {"service", "configure"}:
                    parts.insert(0, _rust_chain_scope(fn.child_by_field_name("value")))
        child, n = n, n.parent
    return join(*parts)


# ------------------------------------------------------------ JavaScript/TS
_JS_EXTS = ("", ".ts", ".js", ".tsx", ".mjs", ".cjs", "/index.ts", "/index.js")


def js_resolve_module(cb: Codebase, importer: str, module: str) -> str | None:
    """A relative ``require``/``import`` specifier as an indexed file path."""
    if not module.startswith("."):
        return None
    base = (PurePosixPath(importer).parent / module).as_posix()
    parts: list[str] = []
    for seg in base.split("/"):
        if seg == "..":
            if parts:
                parts.pop()
        elif seg not in {".", ""}:
            parts.append(seg)
    base = "/".join(parts)
    stripped = re.sub(r"\.(js|mjs|cjs)$", "", base)
    for cand in [base + e for e in _JS_EXTS] + [stripped + e for e in _JS_EXTS]:
        if cand in cb.by_path:
            return cand
    return None


def js_imports(cb: Codebase, path: str) -> dict[str, tuple[str, str]]:
    """Local alias → (resolved file, imported name; '' for the default export / module.exports)."""
    key = ("js_imports", path)
    store = cb.__dict__.setdefault("_mounts", {})
    if key in store:
        return store[key]
    out: dict[str, tuple[str, str]] = {}
    fid = cb.by_path.get(path)
    for module, name, alias, _ in cb.import_rows.get(fid, []) if fid is not None else []:
        target = js_resolve_module(cb, path, module)
        if target is not None and (alias or name):
            out[alias or name] = (target, name if name != "default" else "")
    store[key] = out
    return out


_JS_REEXPORT = (
    r"\b(?:module\.)?exports\.{name}\s*=\s*require\(\s*[\"'`]([^\"'`]+)[\"'`]\s*\)",
    r"(?:^|[{{,\s]){name}\s*:\s*require\(\s*[\"'`]([^\"'`]+)[\"'`]\s*\)",
    r"\bexport\s+\*\s+as\s+{name}\s+from\s+[\"'`]([^\"'`]+)[\"'`]",
    r"\bexport\s*\{{[^}}]*\bdefault\s+as\s+{name}\b[^}}]*\}}\s*from\s+[\"'`]([^\"'`]+)[\"'`]",
)


def js_import_origin(cb: Codebase, path: str, local: str) -> str | None:
    """The file that defines the module bound to ``local`` in ``path``, through one barrel file:
    ``const { userService } = require('../services')`` where ``services/index.js`` has
    ``module.exports.userService = require('./user.service')`` → ``services/user.service.js``.
    Cached per (barrel file, name): roles and workflows ask for it at every call site."""
    hit = js_imports(cb, path).get(local)
    if hit is None:
        return None
    target, name = hit
    if not name:
        return target
    key = ("js_reexport", target, name)
    store = cb.__dict__.setdefault("_mounts", {})
    if key not in store:
        src = cb.source(target).decode("utf-8", "replace")
        found = None
        for pattern in _JS_REEXPORT:
            m = re.search(pattern.format(name=re.escape(name)), src, re.M)
            if m:
                found = js_resolve_module(cb, target, m.group(1))
                break
        store[key] = found
    return store[key]


_JS_MOUNT = re.compile(r"\b([\w$]+)\.(use|register)\(")
_JS_PREFIX_OPT = re.compile(r"\bprefix\s*:\s*[\"'`]([^\"'`]*)[\"'`]")
_JS_OWN_PREFIX = r"\b{var}\s*=\s*new\s+Router\s*\(\s*\{{[^}}]*\bprefix\s*:\s*[\"'`]([^\"'`]+)[\"'`]"
_JS_FOREACH = re.compile(r"\b([\w$]+)\.forEach\(\s*\(?\s*([\w$]+)\s*\)?\s*=>")


def _js_array_items(src: str, name: str) -> list[dict[str, str]]:
    """``const defaultRoutes = [{ path: '/auth', route: authRoute }, …]``: the objects' string/identifier values."""
    m = re.search(rf"\b{re.escape(name)}\s*=\s*\[", src)
    if not m:
        return []
    body = call_text(src, m.end() - 1)
    items = []
    for obj in re.finditer(r"\{([^{}]*)\}", body):
        props = {}
        for p in re.finditer(r"([\w$]+)\s*:\s*(?:[\"'`]([^\"'`]*)[\"'`]|([\w$.]+))", obj.group(1)):
            props[p.group(1)] = p.group(2) if p.group(2) is not None else p.group(3)
        items.append(props)
    return items


def _js_mounts(cb: Codebase) -> list[tuple[str, str, str, str, int]]:
    """Every mount: (file, parent var, prefix, child expression, offset of the call)."""
    cached = cb.__dict__.get("_js_mounts")
    if cached is not None:
        return cached
    out: list[tuple[str, str, str, str, int]] = []
    for path, src, m, args in _mount_calls(
        cb, {"javascript", "typescript", "tsx"}, (b".use(", b".register("), _JS_MOUNT
    ):
        if m.group(2) == "register":
            p = _JS_PREFIX_OPT.search(args[1]) if len(args) > 1 else None
            out.append((path, m.group(1), p.group(1) if p else "", args[0], m.start()))
            continue
        if len(args) >= 2 and args[0][:1] in "\"'`":
            child = re.sub(r"\.routes\(\)$", "", args[-1].strip())
            out.append((path, m.group(1), unquote(args[0]), child, m.start()))
        elif len(args) >= 2 and re.fullmatch(r"[\w$]+\.[\w$]+", args[0]) and re.fullmatch(r"[\w$]+\.[\w$]+", args[-1]):
            # a data-driven mount inside `routes.forEach((route) => router.use(route.path, route.route))`
            item, path_key = args[0].split(".")
            item2, child_key = args[-1].split(".")
            loop = None
            for fe in _JS_FOREACH.finditer(src[: m.start()]):
                if fe.group(2) == item == item2:
                    loop = fe
            if loop is None:
                continue
            for props in _js_array_items(src, loop.group(1)):
                if path_key in props and child_key in props:
                    out.append((path, m.group(1), props[path_key], props[child_key], m.start()))
        elif len(args) == 1 and re.fullmatch(r"[\w$]+(?:\.routes\(\))?", args[0]):
            out.append((path, m.group(1), "", re.sub(r"\.routes\(\)$", "", args[0]), m.start()))
    cb.__dict__["_js_mounts"] = out
    return out


def _js_unit(cb: Codebase, path: str, var: str, offset: int) -> set[str]:
    """Names under which routes on ``var`` at ``offset`` leave ``path``: the router variable itself,
    ``default`` when it (or the plugin function whose parameter it is) is the module's export."""
    src = cb.source(path).decode("utf-8", "replace")
    names = {var}
    if re.search(rf"module\.exports\s*=\s*{re.escape(var)}\b|export\s+default\s+{re.escape(var)}\b", src):
        names.add("")
    fn = _enclosing_function(cb, path, offset)
    if fn is not None:
        fname, params, exported_default = fn
        if var in params:
            names = {fname} if fname else set()
            if exported_default or re.search(
                rf"module\.exports\s*=\s*{re.escape(fname)}\b|export\s+default\s+{re.escape(fname)}\b", src
            ):
                names.add("")
    return names


def _enclosing_function(cb: Codebase, path: str, offset: int) -> tuple[str, set[str], bool] | None:
    pf = cb.parsed(path)
    if pf is None:
        return None
    node = pf.root.descendant_for_byte_range(offset, offset)
    while node is not None:
        if node.type in {"function_declaration", "arrow_function", "function_expression", "function"}:
            params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
            names = set(re.findall(r"[\w$]+", text(params).split(":")[0])) if params is not None else set()
            if params is not None and params.type == "formal_parameters":
                names = set()
                for p in params.named_children:
                    ident = p.child_by_field_name("pattern") or p
                    names.add(text(ident).split(":")[0].strip())
            name_node = node.child_by_field_name("name")
            name = text(name_node)
            holder = node.parent
            if not name and holder is not None and holder.type == "variable_declarator":
                name = text(holder.child_by_field_name("name"))
            exported_default = False
            up = node.parent
            while up is not None and up.type in {"variable_declarator", "lexical_declaration", "export_statement"}:
                if up.type == "export_statement" and text(up).startswith("export default"):
                    exported_default = True
                up = up.parent
            return name, names, exported_default
        node = node.parent
    return None


def js_prefix(cb: Codebase, path: str, var: str, offset: int, depth: int = 0) -> str:
    """Full prefix of routes declared on ``var`` at byte ``offset`` of ``path``."""
    src = cb.source(path).decode("utf-8", "replace")
    own_m = re.search(_JS_OWN_PREFIX.format(var=re.escape(var)), src)
    own = own_m.group(1) if own_m else ""
    if depth > _MAX_DEPTH:
        return own
    units = _js_unit(cb, path, var, offset)
    for g, parent, prefix, child, at in _js_mounts(cb):
        head = child.split(".")[0]
        if g == path:
            if head not in units or head == parent:
                continue
        else:
            imported = js_imports(cb, g).get(head)
            if imported is None or imported[0] != path:
                continue
            name = imported[1] if "." not in child else child.split(".")[-1]
            if name not in units and not (name == "" and "" in units):
                continue
        above = js_prefix(cb, g, parent, at, depth + 1)
        return join(above, prefix, own)
    return own

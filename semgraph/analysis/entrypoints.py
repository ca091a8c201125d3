"""Entry points, found in the code: HTTP routes, CLI commands, message handlers, ``main``.

Decorator/attribute/annotation routes (Flask, FastAPI, Actix macros, Spring,
click, Celery, Django signals) are read from the decorators the index stores;
routes registered by calls (Django ``urls.py``, Actix ``App::route``/``service``,
Axum ``Router::route``, Express ``router.post``, argparse, commander, Go
``HandleFunc``, clap sub-command dispatch) are read from the syntax tree with
the ``*-routes.scm`` queries. Each entry point names its handler symbol.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

from pydantic import BaseModel, Field

from semgraph.analysis import mounts
from semgraph.analysis.codebase import CALLABLE_KINDS, TYPE_KINDS, Codebase, last_segment, norm_qualified, words_of
from semgraph.analysis.syntax import has_query, matches, text, unquote
from semgraph.graph.store import SymbolRow

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")


class EntryPoint(BaseModel):
    """Where a request, command or message enters the code."""

    kind: str  # http | cli | message | main
    framework: str
    method: str = ""  # HTTP method (GET, POST, … or ANY); empty for non-HTTP
    path: str = ""  # URL path, CLI command name or queue/topic
    handler_id: int
    handler: str  # qualified name of the handler symbol
    file: str
    line: int
    declared_file: str = Field("", exclude=True)  # where a call-registered route is declared (coverage)
    declared_line: int = Field(0, exclude=True)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.method}:{self.path}:{self.handler}"


class RouteDecl(BaseModel):
    """A route declaration that gave no traceable entry point: an inline handler (method and path known,
    no symbol to trace) or a handler the analysis could not resolve to a symbol."""

    route: str  # "METHOD /path"
    file: str
    line: int
    framework: str
    reason: str
    inline: bool = False


def _unmapped(
    cb: Codebase, file_path: str, line: int, framework: str, route: str, reason: str, *, mapped: bool = False
) -> None:
    cb.__dict__.setdefault("_route_decls", []).append(
        RouteDecl(route=route, file=file_path, line=line, framework=framework, reason=reason, inline=mapped)
    )


def route_declarations(cb: Codebase) -> list[RouteDecl]:
    """Route declarations seen while finding entry points that gave no entry point (see ``RouteDecl``)."""
    find_entry_points(cb)
    return list(cb.__dict__.get("_route_decls", []))


# ----------------------------------------------------------------- decorators
_PY_ROUTE = re.compile(
    r"^@?[\w.]+\.(route|get|post|put|patch|delete|api_route|websocket)\(\s*[rfbu]?(['\"])(.*?)\2(.*)$", re.S
)
_PY_METHODS = re.compile(r"methods\s*=\s*[\[(]([^\])]*)[\])]")
_CLICK = re.compile(r"^@?([\w.]+)\.command\((.*)\)\s*$", re.S)
_CLICK_BARE = re.compile(r"^@?([\w.]+)\.command\s*$")
_TASK = re.compile(r"^@?(shared_task|[\w.]*\.task|dramatiq\.actor|[\w.]*\.agent|[\w.]*\.subscriber|[\w.]*\.consumer)\b")
_RECEIVER = re.compile(r"^@?receiver\(")
_DJ_REQUIRE = re.compile(r"^@?require_(POST|GET|safe)\b")
_DJ_REQUIRE_METHODS = re.compile(r"^@?require_http_methods\(\s*\[([^\]]*)\]")
_RUST_ROUTE = re.compile(r"^#\[\s*(?:actix_web::)?(get|post|put|patch|delete|head)\(\s*\"([^\"]*)\"")
_RUST_ROUTE_ANY = re.compile(r"^#\[\s*(?:actix_web::)?route\(\s*\"([^\"]*)\"(.*)\]", re.S)
_SPRING = re.compile(r"^@(Get|Post|Put|Patch|Delete|Request)Mapping\b(?:\((.*)\))?", re.S)
_JAVA_LISTENER = re.compile(
    r"^@(KafkaListener|RabbitListener|JmsListener|SqsListener|StreamListener)\b(?:\((.*)\))?", re.S
)
_STRING = re.compile(r"[\"']([^\"']*)[\"']")


def _py_decorator_entries(cb: Codebase, sym: SymbolRow) -> list[EntryPoint]:
    out: list[EntryPoint] = []
    for deco in sym.decorators:
        d = deco.strip()
        if m := _PY_ROUTE.match(d):
            verb, path, rest = m.group(1), m.group(3), m.group(4)
            framework = "fastapi" if verb in HTTP_VERBS and "router" in d.split(".")[0].lower() else "flask"
            if verb in HTTP_VERBS:
                methods = [verb.upper()]
            elif mm := _PY_METHODS.search(rest):
                methods = [unquote(x.strip()).upper() for x in mm.group(1).split(",") if x.strip()]
            else:
                methods = ["GET"]
            if "fastapi" in _imports_text(cb, sym):
                framework = "fastapi"
            prefix = mounts.python_prefix(cb, sym.path, d.lstrip("@").split(".")[0])
            for method in methods:
                out.append(_entry(cb, sym, "http", framework, method, mounts.join(prefix, path) if prefix else path))
        elif (m := _CLICK.match(d)) or _CLICK_BARE.match(d):
            args = m.group(2) if m else ""
            names = _STRING.findall(args.split("=")[0]) if args and "=" not in args.split(",")[0] else []
            name = names[0] if names else sym.name.replace("_", "-")
            if "typer" in _imports_text(cb, sym) and not names:
                name = sym.name.replace("_", "-")
            out.append(_entry(cb, sym, "cli", "click", "", name))
        elif _TASK.match(d):
            out.append(_entry(cb, sym, "message", "task-queue", "", _first_string(d)))
        elif _RECEIVER.match(d):
            out.append(_entry(cb, sym, "message", "django-signal", "", d[d.find("(") + 1 : -1].split(",")[0].strip()))
    return out


def _rust_attribute_entries(cb: Codebase, sym: SymbolRow) -> list[EntryPoint]:
    """``#[post("/x")]`` handlers, under the scope prefix of the ``.service(h)`` call that mounts them."""
    out = []
    prefix = _actix_service_prefixes(cb).get(sym.id, "")
    for deco in sym.decorators:
        d = deco.strip()
        if m := _RUST_ROUTE.match(d):
            out.append(_entry(cb, sym, "http", "actix-web", m.group(1).upper(), mounts.join(prefix, m.group(2))))
        elif m := _RUST_ROUTE_ANY.match(d):
            methods = re.findall(r"method\s*=\s*\"(\w+)\"", m.group(2)) or ["ANY"]
            out.extend(
                _entry(cb, sym, "http", "actix-web", x.upper(), mounts.join(prefix, m.group(1))) for x in methods
            )
    return out


def _enclosing_callable(cb: Codebase, file_path: str, line: int) -> int | None:
    best = None
    for sid in cb.by_file.get(cb.by_path.get(file_path, -1), []):
        s = cb.symbols[sid]
        if s.kind in CALLABLE_KINDS and s.start_line <= line <= s.end_line:
            best = sid
    return best


def _actix_service_prefixes(cb: Codebase) -> dict[int, str]:
    """Handler symbol → scope prefix of its ``.service(h)`` call, through ``.configure(f)`` inside a scope."""
    cached = cb.__dict__.get("_actix_prefixes")
    if cached is not None:
        return cached
    services: list[tuple[str, int, int, str]] = []
    configured: dict[int, str] = {}
    for f in cb.files.values():
        if f.language != "rust" or b"scope(" not in cb.source(f.path):
            continue
        pf = cb.parsed(f.path)
        if pf is None:
            continue
        for m in matches("rust", "routes", pf.root):
            if "service_call" not in m or text(m["svc_method"][0]) not in {"service", "configure"}:
                continue
            target = m["service"][0]
            if target.type not in {"identifier", "scoped_identifier"}:
                continue
            sym = resolve_handler(cb, f.path, text(target))
            prefix = mounts.rust_prefix(m["service_call"][0])
            if sym is None or not prefix:
                continue
            if text(m["svc_method"][0]) == "configure":
                configured[sym.id] = prefix
            else:
                services.append((f.path, m["service_call"][0].start_point.row + 1, sym.id, prefix))
    out: dict[int, str] = {}
    for _path, _line, sid, prefix in services:
        out[sid] = prefix
    for f in cb.files.values():  # cfg.service(h) inside a function mounted with .configure(f) in a scope
        if f.language != "rust" or not configured:
            continue
        pf = cb.parsed(f.path)
        if pf is None or b".service(" not in pf.source:
            continue
        for m in matches("rust", "routes", pf.root):
            if "service_call" not in m or text(m["svc_method"][0]) != "service":
                continue
            owner = _enclosing_callable(cb, f.path, m["service_call"][0].start_point.row + 1)
            target = m["service"][0]
            if owner in configured and target.type in {"identifier", "scoped_identifier"}:
                sym = resolve_handler(cb, f.path, text(target))
                if sym is not None:
                    out[sym.id] = mounts.join(configured[owner], out.get(sym.id, ""))
    cb.__dict__["_actix_prefixes"] = out
    return out


_NEST_ROUTE = re.compile(r"^@(Get|Post|Put|Patch|Delete|Head|Options|All)\((.*)\)\s*$", re.S)
_NEST_MESSAGE = re.compile(r"^@(MessagePattern|EventPattern|Process|OnEvent|SqsMessageHandler)\((.*)\)\s*$", re.S)


def _ts_decorator_entries(cb: Codebase, sym: SymbolRow) -> list[EntryPoint]:
    """NestJS: ``@Controller("users")`` on the class, ``@Post("register")`` on the method."""
    out = []
    parent = cb.symbols.get(sym.parent_id) if sym.parent_id else None
    prefix = ""
    version = ""
    if parent is not None:
        for deco in parent.decorators:
            m = re.match(r"^@Controller\((.*)\)\s*$", deco.strip(), re.S)
            if m:
                args = m.group(1)
                named = re.search(r"\bpath\s*:\s*[\"'`]([^\"'`]*)[\"'`]", args)
                prefix = named.group(1) if named else ("" if re.match(r"\s*\{", args) else _first_string(args))
                v = re.search(r"\bversion\s*:\s*[\"'`]([^\"'`]+)[\"'`]", args)
                version = v.group(1) if v else ""
    global_prefix, excluded, uri_versions, default_version = _nest_global(cb)
    for deco in sym.decorators:
        d = deco.strip()
        if m := _NEST_ROUTE.match(d):
            local = mounts.join(prefix, _first_string(m.group(2))) or "/"
            ver = version or default_version
            head = [global_prefix] if local not in excluded else []
            if uri_versions and ver:
                head.append("v" + ver)
            method = "ANY" if m.group(1) == "All" else m.group(1).upper()
            out.append(_entry(cb, sym, "http", "nestjs", method, mounts.join(*head, local) or "/"))
        elif m := _NEST_MESSAGE.match(d):
            out.append(_entry(cb, sym, "message", "nestjs", "", _first_string(m.group(2))))
    return out


def _nest_global(cb: Codebase) -> tuple[str, set[str], bool, str]:
    """``app.setGlobalPrefix("api", { exclude: ["/"] })`` and URI versioning from the bootstrap file.
    A prefix read from configuration (``config.get("app.apiPrefix")``) is looked up as the literal
    default of that key where the project defines it (``apiPrefix: process.env.API_PREFIX || "api"``)."""
    cached = cb.__dict__.get("_nest_global")
    if cached is not None:
        return cached
    prefix, excluded, uri, default_version = "", set(), False, ""
    for f in cb.files.values():
        if f.language not in {"typescript", "javascript"}:
            continue
        raw = cb.source(f.path)
        if b"setGlobalPrefix" not in raw and b"enableVersioning" not in raw:
            continue
        src = raw.decode("utf-8", "replace")
        if m := re.search(r"setGlobalPrefix\(", src):
            args = mounts.split_args(mounts.call_text(src, m.end() - 1))
            if args and args[0][:1] in "\"'`":
                prefix = unquote(args[0])
            elif args:
                key = (re.findall(r"[\"'`]([\w.]+)[\"'`]", args[0]) or re.findall(r"\w+", args[0]) or [""])[0]
                prefix = _config_default(cb, key.split(".")[-1]) if key else ""
            if len(args) > 1:
                excluded = {"/" + unquote(x).strip("/") for x in re.findall(r"[\"'`][^\"'`]*[\"'`]", args[1])}
        if m := re.search(r"enableVersioning\(", src):
            opts = mounts.call_text(src, m.end() - 1)
            uri = "VersioningType.URI" in opts or not re.search(r"VersioningType\.\w+", opts)
            dv = re.search(r"defaultVersion\s*:\s*[\"'`]([^\"'`]+)[\"'`]", opts)
            default_version = dv.group(1) if dv else ""
    cb.__dict__["_nest_global"] = (prefix, excluded, uri, default_version)
    return prefix, excluded, uri, default_version


def _config_default(cb: Codebase, key: str) -> str:
    pattern = re.compile(rf"\b{re.escape(key)}\s*[:=]\s*(?:[\w.\[\]'\"]+\s*(?:\|\||\?\?)\s*)?[\"'`]([^\"'`]*)[\"'`]")
    for f in cb.files.values():
        raw = cb.source(f.path)
        if key.encode() not in raw or f.language not in {"typescript", "javascript"}:
            continue
        if m := pattern.search(raw.decode("utf-8", "replace")):
            return m.group(1)
    return ""


def _java_annotation_entries(cb: Codebase, sym: SymbolRow) -> list[EntryPoint]:
    out = []
    prefix = ""
    parent = cb.symbols.get(sym.parent_id) if sym.parent_id else None
    if parent is not None:
        for deco in parent.decorators:
            if (m := _SPRING.match(deco.strip())) and m.group(1) == "Request":
                found = _STRING.findall(m.group(2) or "")
                prefix = found[0] if found else ""
    for deco in sym.decorators:
        if m := _JAVA_LISTENER.match(deco.strip()):
            found = _STRING.findall(m.group(2) or "")
            out.append(_entry(cb, sym, "message", m.group(1), "", found[0] if found else ""))
            continue
        if m := _SPRING.match(deco.strip()):
            found = _STRING.findall(m.group(2) or "")
            method = m.group(1).upper() if m.group(1) != "Request" else "ANY"
            rm = re.search(r"RequestMethod\.(\w+)", m.group(2) or "")
            if rm:
                method = rm.group(1)
            out.append(_entry(cb, sym, "http", "spring", method, prefix + (found[0] if found else "")))
    return out


# ------------------------------------------------------------ registered calls
def _first_string(text_: str) -> str:
    found = _STRING.findall(text_)
    return found[0] if found else ""


def _imports_text(cb: Codebase, sym: SymbolRow) -> str:
    return cb.source(sym.path)[:4000].decode("utf-8", "replace")


def resolve_handler(cb: Codebase, file_path: str, expr: str, *, alias_hops: int = 0) -> SymbolRow | None:
    """The callable (or class) an expression like ``views.signup``, ``items::get_item``,
    ``register`` or ``Views.LoginView.as_view()`` names, seen from ``file_path`` (``alias_hops``: how many
    module-level aliases were followed to get here)."""
    expr = re.sub(r"\.as_view\(.*\)$", "", expr.strip()).strip()
    expr = expr.lstrip("&*").strip()
    if not re.fullmatch(r"[\w.:$]+", expr):
        return None
    name = last_segment(expr)
    kinds = CALLABLE_KINDS | frozenset({"class"})
    cands = [cb.symbols[i] for i in cb.by_name.get(name, []) if cb.symbols[i].kind in kinds]
    if not cands:
        return _aliased_handler(cb, expr, name, alias_hops)
    if len(cands) == 1:
        return cands[0]
    want = norm_qualified(expr)
    qualified = [c for c in cands if norm_qualified(c.qualified_name).endswith(want)]
    if len(qualified) == 1:
        return qualified[0]
    if qualified:
        cands = qualified
    same = [c for c in cands if c.path == file_path]
    if len(same) == 1:
        return same[0]
    imported = _through_imports(cb, file_path, expr, cands)
    if imported is not None:
        return imported
    source = cb.source(file_path).decode("utf-8", "replace")
    receiver_words = set(words_of(expr[: -len(name)])) if len(expr) > len(name) else set()

    def score(c: SymbolRow) -> tuple[int, int, int]:
        stem = PurePosixPath(c.path).stem
        parent_dir = PurePosixPath(c.path).parent.name
        mentioned = int(stem in source) + int(f"/{stem}" in source or f".{stem}" in source or f"{stem}::" in source)
        near = int(set(words_of(stem)) <= receiver_words) + int(parent_dir in receiver_words)
        free = int(c.kind == "function")
        return (near, mentioned, free)

    ranked = sorted(cands, key=score, reverse=True)
    if score(ranked[0]) > score(ranked[1]):
        return ranked[0]
    return None


_ALIAS = re.compile(r"^\s*(?:const\s+|let\s+|var\s+)?(\w+)\s*=\s*([\w.]+?)(?:\.as_view\(.*\))?\s*;?\s*$")


MAX_ALIAS_HOPS = 8
"""Aliases followed from one handler name (``a = b`` and ``b = a`` would otherwise never end)."""


def _aliased_handler(cb: Codebase, expr: str, name: str, hops: int) -> SymbolRow | None:
    """A module-level name bound to a handler: ``login_view = LoginView.as_view()`` (a common Django
    idiom in views modules), ``index = views.home``. Only a one-line binding of a dotted name counts."""
    if hops >= MAX_ALIAS_HOPS:
        return None
    want = norm_qualified(expr)
    variables = [cb.symbols[i] for i in cb.by_name.get(name, []) if cb.symbols[i].kind == "variable"]
    exact = [v for v in variables if norm_qualified(v.qualified_name).endswith(want)]
    for var in exact if len(exact) == 1 else variables if len(variables) == 1 else []:
        lines = cb.lines_of(var.path)
        line = lines[var.start_line - 1] if 0 < var.start_line <= len(lines) else ""
        m = _ALIAS.match(line)
        if not m or m.group(1) != name or last_segment(m.group(2)) == name:
            continue
        target = resolve_handler(cb, var.path, m.group(2), alias_hops=hops + 1)
        if target is not None:
            return target
    return None


def _through_imports(cb: Codebase, file_path: str, expr: str, cands: list[SymbolRow]) -> SymbolRow | None:
    """The candidate the file's own imports name: ``use crate::routes::change_password``,
    ``from . import views`` + ``views.index``, ``from shop.views import index``."""
    head = re.split(r"\.|::", expr)[0]
    rows = cb.import_rows.get(cb.by_path.get(file_path, -1), [])
    if cb.files[cb.by_path[file_path]].language in {"javascript", "typescript", "tsx"} and "." in expr:
        # `const ctrl = authController(app.authService)`: the handler lives in the factory's file
        src = cb.source(file_path).decode("utf-8", "replace")
        bound = re.search(rf"\b{re.escape(head)}\s*=\s*(?:await\s+)?(?:new\s+)?([\w$]+)\s*\(", src)
        origin = mounts.js_imports(cb, file_path).get(bound.group(1) if bound else head)
        if origin is not None:
            inside = [c for c in cands if c.path == origin[0]]
            if len(inside) == 1:
                return inside[0]
    here = PurePosixPath(file_path).parent
    for module, name, alias, _ in rows:
        if (alias or name or re.split(r"\.|::", module)[-1]) != head:
            continue
        full = f"{module}.{name}" if name else module
        if full.startswith("."):  # Python relative import: a directory above this file
            level = len(full) - len(full.lstrip("."))
            base = here
            for _ in range(level - 1):
                base = base.parent
            segs = [x for x in full.lstrip(".").split(".") if x]
            prefix = (base / "/".join(segs)).as_posix() if segs else base.as_posix()
            within = [
                c for c in cands if c.path.startswith(prefix.lstrip("./") + "/") or c.path.startswith(prefix + ".")
            ]
            if len(within) == 1:
                return within[0]
            continue
        segs = [x for x in re.split(r"[.:/]+", full) if x and x not in {"crate", "self", "super"}]
        segs = [x for x in segs if x != last_segment(expr)]
        if not segs:
            continue

        def hits(c: SymbolRow, segs: list[str] = segs) -> int:
            parts = set(PurePosixPath(c.path).with_suffix("").parts)
            return sum(1 for x in segs if x in parts)

        best = max(hits(c) for c in cands)
        top = [c for c in cands if hits(c) == best]
        if best and len(top) == 1:
            return top[0]
    return None


def _django_urls(cb: Codebase, file_path: str, prefix: str, seen: set[str]) -> list[EntryPoint]:
    """``path("x/", views.f)`` entries of one urls.py, following ``include("app.urls")``."""
    if file_path in seen:
        return []
    seen.add(file_path)
    pf = cb.parsed(file_path)
    if pf is None:
        return []
    out: list[EntryPoint] = []
    for m in matches("python", "routes", pf.root):
        if "fn" not in m or "args" not in m:
            continue
        fn = last_segment(text(m["fn"][0]))
        if fn not in {"path", "re_path", "url"}:
            continue
        args = [a for a in m["args"][0].named_children if a.type != "comment"]
        if len(args) < 2:
            continue
        route = unquote(text(args[0]))
        route = route.lstrip("^").rstrip("$") if fn != "path" else route
        target = args[1]
        full = "/" + (prefix + route).lstrip("/")
        if target.type == "call" and last_segment(text(target.child_by_field_name("function"))) == "include":
            inner = target.child_by_field_name("arguments")
            first = inner.named_children[0] if inner and inner.named_children else None
            included = _django_include_target(cb, file_path, first) if first is not None else None
            if included is not None:
                out.extend(_django_urls(cb, included, prefix + route, seen))
            continue
        handler = resolve_handler(cb, file_path, text(target))
        if handler is None:
            continue
        out.extend(_declared(_django_view_entries(cb, handler, full), file_path, m["fn"][0].start_point.row + 1))
    return out


def _django_include_target(cb: Codebase, file_path: str, node) -> str | None:
    """The URL module an ``include(...)`` names: a dotted string (``"api.urls"``, a module or a package's
    ``__init__.py``) or a module object the file imports (``from config.urls import default_urls``)."""
    if node.type == "string":
        dotted = unquote(text(node))
        return mounts.py_resolve_module(cb, file_path, dotted)
    if node.type in {"identifier", "attribute"}:
        name = text(node)
        head = name.split(".")[0]
        target = mounts.py_import_target(cb, file_path, head)
        if target is not None and "." in name:
            target = mounts.py_resolve_module(cb, target, "." + name.split(".", 1)[1]) or target
        if target is not None:
            return target
        mod_path = name.replace(".", "/") + ".py"
        return next((p for p in cb.by_path if p == mod_path or p.endswith("/" + mod_path)), None)
    return None


_DJ_SETTING = re.compile(r"^(ROOT_URLCONF|ROOT_HOSTCONF)\s*=\s*[rfbu]?[\"']([\w.]+)[\"']", re.M)
_DJ_HOST = re.compile(r"\bhost\(\s*[rfbu]?[\"'][^\"']*[\"']\s*,\s*([\w.]+|[rfbu]?[\"'][\w.]+[\"'])")


def _django_roots(cb: Codebase) -> list[str]:
    """URL modules Django starts from: ``ROOT_URLCONF`` of any settings module and every host conf of
    django-hosts' ``ROOT_HOSTCONF`` (``host(r"api", "api.urls")``, a module object or
    ``settings.ROOT_URLCONF``), then every other ``urls.py`` (an app's, reached or not)."""
    roots: list[str] = []
    urlconfs: list[tuple[str, str]] = []
    for f in cb.files.values():
        if f.language != "python":
            continue
        src = cb.source(f.path)
        if b"ROOT_URLCONF" not in src and b"ROOT_HOSTCONF" not in src:
            continue
        for m in _DJ_SETTING.finditer(src.decode("utf-8", "replace")):
            urlconfs.append((m.group(1), m.group(2)))
    root_urlconf = next((mod for key, mod in urlconfs if key == "ROOT_URLCONF"), None)
    for key, mod in urlconfs:
        target = mounts.py_resolve_module(cb, "", mod)
        if target is None:
            continue
        if key == "ROOT_URLCONF":
            roots.append(target)
            continue
        hsrc = cb.source(target).decode("utf-8", "replace")
        for h in _DJ_HOST.finditer(hsrc):
            conf = h.group(1)
            if conf.endswith("ROOT_URLCONF"):
                conf_path = mounts.py_resolve_module(cb, "", root_urlconf) if root_urlconf else None
            elif conf[0] in "\"'rfbu" and conf.strip("rfbu")[:1] in "\"'":
                conf_path = mounts.py_resolve_module(cb, target, unquote(conf))
            else:
                conf_path = mounts.py_import_target(cb, target, conf.split(".")[0])
            if conf_path is not None:
                roots.append(conf_path)
    for p in sorted(cb.by_path):
        if PurePosixPath(p).name == "urls.py":
            roots.append(p)
    return list(dict.fromkeys(roots))


def _django_verbs(cb: Codebase, cls: SymbolRow, depth: int = 0) -> list[SymbolRow]:
    """HTTP verb methods of a class-based view, its own or inherited from a project base class
    (``class RedirectBlogsGView(RedirectView)`` serves ``RedirectView.get``)."""
    verbs = [
        cb.symbols[c]
        for c in cb.children.get(cls.id, [])
        if cb.symbols[c].kind in CALLABLE_KINDS and cb.symbols[c].name in HTTP_VERBS
    ]
    if depth >= 4:
        return verbs
    have = {v.name for v in verbs}
    for base in cb.bases.get(cls.id, []):
        parent = resolve_handler(cb, cls.path, base.split("[")[0].strip())
        if parent is None or parent.kind not in TYPE_KINDS or parent.id == cls.id:
            continue
        for v in _django_verbs(cb, parent, depth + 1):
            if v.name not in have:
                have.add(v.name)
                verbs.append(v)
    return verbs


def _django_view_entries(cb: Codebase, handler: SymbolRow, path: str) -> list[EntryPoint]:
    if handler.kind in TYPE_KINDS:
        verbs = _django_verbs(cb, handler)
        if verbs:
            return [_entry(cb, v, "http", "django", v.name.upper(), path) for v in verbs]
        if any(_DJ_EDIT_VIEWS.search(b) for b in cb.bases.get(handler.id, [])):  # the form is shown and posted
            return [_entry(cb, handler, "http", "django", m, path) for m in ("GET", "POST")]
        return [_entry(cb, handler, "http", "django", "GET", path)]
    method = "ANY"
    for deco in handler.decorators:
        if m := _DJ_REQUIRE.match(deco.strip()):
            method = {"safe": "GET"}.get(m.group(1), m.group(1))
        elif m := _DJ_REQUIRE_METHODS.match(deco.strip()) or _DRF_API_VIEW.match(deco.strip()):
            method = ",".join(unquote(x.strip()).upper() for x in m.group(1).split(",") if x.strip())
    return [_entry(cb, handler, "http", "django", method, path)]


_DJ_EDIT_VIEWS = re.compile(
    r"\b(CreateView|UpdateView|DeleteView|FormView|ProcessFormView|LoginView|PasswordChangeView)\b"
)
"""Django generic editing views: GET shows the form, POST submits it."""
_DRF_API_VIEW = re.compile(r"^@?api_view\(\s*\[([^\]]*)\]")
_DRF_ACTIONS = {
    "list": ("GET", False),
    "create": ("POST", False),
    "retrieve": ("GET", True),
    "update": ("PUT", True),
    "partial_update": ("PATCH", True),
    "destroy": ("DELETE", True),
}
_DRF_GENERIC = re.compile(r"\b(ModelViewSet|ReadOnlyModelViewSet|GenericViewSet|ViewSet|ViewSetMixin)\b")


def _drf_viewset_entries(cb: Codebase, viewset: SymbolRow, prefix: str) -> list[EntryPoint]:
    """``router.register("users", UserViewSet)``: one entry per action the view set defines or inherits."""
    base = "/" + prefix.strip("/") + "/"
    out = []
    methods = {
        cb.symbols[c].name: cb.symbols[c]
        for c in cb.children.get(viewset.id, [])
        if cb.symbols[c].kind in CALLABLE_KINDS
    }
    for name, (verb, detail) in _DRF_ACTIONS.items():
        if name in methods:
            out.append(
                _entry(cb, methods[name], "http", "django-rest-framework", verb, base + ("{pk}/" if detail else ""))
            )
    for m in methods.values():
        for deco in m.decorators:
            a = re.match(r"^@?action\((.*)\)\s*$", deco.strip(), re.S)
            if not a:
                continue
            verbs = re.search(r"methods\s*=\s*\[([^\]]*)\]", a.group(1))
            url = re.search(r"url_path\s*=\s*[\"']([^\"']+)[\"']", a.group(1))
            detail = re.search(r"detail\s*=\s*True", a.group(1)) is not None
            path = base + ("{pk}/" if detail else "") + (url.group(1) if url else m.name) + "/"
            for v in [unquote(x.strip()).upper() for x in verbs.group(1).split(",")] if verbs else ["GET"]:
                out.append(_entry(cb, m, "http", "django-rest-framework", v, path))
    inherits_actions = any(_DRF_GENERIC.search(b) for b in cb.bases.get(viewset.id, []))
    if inherits_actions and not set(_DRF_ACTIONS) <= set(methods):
        # the actions it does not define come from the framework's generic CRUD on its queryset
        out.append(_entry(cb, viewset, "http", "django-rest-framework", "ANY", base))
    return out


def _django_commands(cb: Codebase) -> list[EntryPoint]:
    out = []
    for f in cb.files.values():
        p = PurePosixPath(f.path)
        if f.language != "python" or p.parent.name != "commands" or p.parent.parent.name != "management":
            continue
        if p.stem.startswith("_"):
            continue
        for sid in cb.by_file.get(f.id, []):
            s = cb.symbols[sid]
            if s.kind == "method" and s.name == "handle" and cb.owner_name(sid) == "Command":
                out.append(_entry(cb, s, "cli", "django-command", "", p.stem))
    return out


def _python_calls(cb: Codebase, file_path: str) -> list[EntryPoint]:
    """argparse ``add_parser("x")`` + ``set_defaults(func=f)`` and the ``__main__`` guard."""
    pf = cb.parsed(file_path)
    if pf is None:
        return []
    out: list[EntryPoint] = []
    for m in matches("python", "routes", pf.root):
        if "main_guard" in m:
            if text(m["name_var"][0]) != "__name__" or unquote(text(m["main_str"][0])) != "__main__":
                continue
            for call in _calls_in(m["main_body"][0], "call"):
                h = resolve_handler(cb, file_path, text(call.child_by_field_name("function")))
                if h is not None and h.path == file_path:
                    out.append(_entry(cb, h, "main", "python", "", "__main__"))
                    break
        elif "fn" in m and last_segment(text(m["fn"][0])) == "register" and "args" in m:
            args = [a for a in m["args"][0].named_children if a.type != "comment"]
            if len(args) >= 2 and args[1].type in {"identifier", "attribute"}:
                viewset = resolve_handler(cb, file_path, text(args[1]))
                if viewset is not None and viewset.kind == "class":
                    out.extend(_drf_viewset_entries(cb, viewset, unquote(text(args[0])).lstrip("^").rstrip("$")))
        elif "fn" in m and last_segment(text(m["fn"][0])) == "add_parser":
            name = unquote(text(m["first"][0]))
            call = m["call"][0]
            stmt = call.parent
            var = ""
            if stmt is not None and stmt.type == "assignment":
                var = text(stmt.child_by_field_name("left"))
            if not var:
                continue
            src = text(pf.root)
            sd = re.search(rf"\b{re.escape(var)}\.set_defaults\([^)]*\b(?:func|handler|cmd)\s*=\s*([\w.]+)", src)
            if sd:
                h = resolve_handler(cb, file_path, sd.group(1))
                if h is not None:
                    out.append(_entry(cb, h, "cli", "argparse", "", name))
    return out


def _calls_in(node, kind: str):
    stack = [node]
    found = []
    while stack:
        n = stack.pop()
        if n.type == kind:
            found.append(n)
        stack.extend(reversed(n.children))
    found.sort(key=lambda n: n.start_byte)
    return found


_ACTIX_TO = re.compile(r"(?:web::)?\b(get|post|put|patch|delete|head)\(\)\s*\.to\(\s*([\w:]+)\s*\)")
_AXUM = re.compile(r"\b(get|post|put|patch|delete|head)\(\s*([\w:]+)\s*\)")
_RESOURCE = re.compile(r"(?:web::)?\bresource\(\s*\"([^\"]*)\"\s*\)")


def _rust_subcommands(cb: Codebase) -> set[str]:
    """Variant names of every ``#[derive(Subcommand)]`` enum of the project (clap)."""
    cached = cb.__dict__.get("_subcommands")
    if cached is not None:
        return cached
    subcommands: set[str] = set()
    for f in cb.files.values():
        if f.language != "rust" or b"Subcommand" not in cb.source(f.path):
            continue
        pf = cb.parsed(f.path)
        if pf is None:
            continue
        for m in matches("rust", "routes", pf.root):
            if "enum" not in m:
                continue
            enum = m["enum"][0]
            prev = enum.prev_named_sibling
            attrs = ""
            while prev is not None and prev.type == "attribute_item":
                attrs += text(prev)
                prev = prev.prev_named_sibling
            if "Subcommand" in attrs:
                for v in m["variants"][0].named_children:
                    if v.type == "enum_variant":
                        subcommands.add(text(v.child_by_field_name("name")))
    cb.__dict__["_subcommands"] = subcommands
    return subcommands


def _rust_calls(cb: Codebase, file_path: str) -> list[EntryPoint]:
    pf = cb.parsed(file_path)
    if pf is None:
        return []
    out: list[EntryPoint] = []
    subcommands = _rust_subcommands(cb) if b"=>" in pf.source else set()
    fn_prefix = _rust_function_prefixes(cb)

    def outer(node) -> str:  # prefix given to the enclosing function by a `.nest("/p", f())` elsewhere
        owner = _enclosing_callable(cb, file_path, node.start_point.row + 1)
        return fn_prefix.get(owner, "") if owner is not None else ""

    for m in matches("rust", "routes", pf.root):
        if "route" in m and text(m["method"][0]) == "route":
            path = mounts.join(outer(m["route"][0]), mounts.rust_prefix(m["route"][0]), unquote(text(m["path"][0])))
            handler_text = text(m["handler"][0])
            pairs = _ACTIX_TO.findall(handler_text)
            framework = "actix-web"
            if not pairs:
                pairs = _AXUM.findall(handler_text)
                framework = "axum"
            for verb, h in pairs:
                sym = resolve_handler(cb, file_path, h)
                if sym is not None:
                    out.extend(
                        _declared(
                            [_entry(cb, sym, "http", framework, verb.upper(), path)],
                            file_path,
                            m["method"][0].start_point.row + 1,
                        )
                    )
                else:
                    line = m["method"][0].start_point.row + 1
                    _unmapped(cb, file_path, line, framework, f"{verb.upper()} {path}", f"handler {h} not resolved")
            if not pairs and ("|" in handler_text or "async" in handler_text):
                line = m["method"][0].start_point.row + 1
                verbs = re.findall(r"\b(get|post|put|patch|delete|head)\(", handler_text) or ["any"]
                for verb in verbs:
                    route = f"{verb.upper()} {path}"
                    _unmapped(cb, file_path, line, "axum", route, "inline handler (no symbol to trace)", mapped=True)
        elif (
            "service_call" in m and text(m["svc_method"][0]) == "routes" and m["service"][0].type == "macro_invocation"
        ):
            call = m["service_call"][0]
            prefix = mounts.join(outer(call), mounts.rust_prefix(call))
            out.extend(_utoipa_routes(cb, file_path, m["service"][0], prefix, m["svc_method"][0].start_point.row + 1))
        elif "service_call" in m and text(m["svc_method"][0]) == "service":
            svc = text(m["service"][0])
            res = _RESOURCE.search(svc)
            if res:
                full = mounts.join(mounts.rust_prefix(m["service_call"][0]), res.group(1))
                for verb, h in _ACTIX_TO.findall(svc):
                    sym = resolve_handler(cb, file_path, h)
                    if sym is not None:
                        e = _entry(cb, sym, "http", "actix-web", verb.upper(), full)
                        out.extend(_declared([e], file_path, m["svc_method"][0].start_point.row + 1))
        elif "arm" in m:
            pat = text(m["arm_pattern"][0])
            variant = re.match(r"(?:\w+::)*(\w+)", pat)
            if not variant or variant.group(1) not in subcommands:
                continue
            for call in _calls_in(m["arm_value"][0], "call_expression"):
                sym = resolve_handler(cb, file_path, text(call.child_by_field_name("function")))
                if sym is not None and sym.kind in CALLABLE_KINDS and sym.name != "main":
                    name = re.sub(r"(?<!^)(?=[A-Z])", "-", variant.group(1)).lower()
                    out.append(_entry(cb, sym, "cli", "clap", "", name))
                    break
    return out


_UTOIPA_PATH = re.compile(r"^#\[\s*(?:utoipa::)?path\s*\((.*)\)\s*\]$", re.S)
_UTOIPA_METHOD = re.compile(r"^\s*(get|post|put|patch|delete|head|options|trace)\b|\bmethod\s*\(([^)]*)\)")
_UTOIPA_PATH_ARG = re.compile(r"\bpath\s*=\s*\"([^\"]*)\"")


def _utoipa_routes(cb: Codebase, file_path: str, macro, prefix: str, line: int) -> list[EntryPoint]:
    """utoipa-axum ``.routes(routes!(h1, h2))``: method and path come from ``#[utoipa::path(post, path =
    "/x")]`` on each handler; the router's nests give the prefix."""
    if not text(macro).startswith("routes!"):
        return []
    body = text(macro)[len("routes!") :].strip()[1:-1]
    out: list[EntryPoint] = []
    for h in mounts.split_args(body, "([{<", ")]}>"):
        h = h.strip()
        if not h:
            continue
        sym = resolve_handler(cb, file_path, h)
        attr = next((m for d in (sym.decorators if sym else []) if (m := _UTOIPA_PATH.match(d.strip()))), None)
        if sym is None or attr is None:
            reason = f"handler {h} not resolved" if sym is None else f"{h} has no #[utoipa::path(...)]"
            _unmapped(cb, file_path, line, "utoipa-axum", f"routes!({h})", reason)
            continue
        args = attr.group(1)
        meth = _UTOIPA_METHOD.search(args)
        verbs = [meth.group(1)] if meth and meth.group(1) else re.findall(r"\w+", meth.group(2)) if meth else []
        path_m = _UTOIPA_PATH_ARG.search(args)
        if not verbs or path_m is None:
            _unmapped(cb, file_path, line, "utoipa-axum", f"routes!({h})", "no method or path in #[utoipa::path]")
            continue
        full = mounts.join(prefix, path_m.group(1)) or "/"
        out.extend(_declared([_entry(cb, sym, "http", "axum", v.upper(), full) for v in verbs], file_path, line))
    return out


_ROUTER_FN_MOUNTS = frozenset({"nest", "merge", "configure", "nest_service"})


def _rust_function_prefixes(cb: Codebase) -> dict[int, str]:
    """Function → path prefix given by the router that mounts what it returns: axum
    ``.nest("/api/v1", v1::router(state))`` / ``.merge(other())``, actix ``.configure(f)`` inside a
    scope. Composed through chains of such functions across files."""
    cached = cb.__dict__.get("_rust_fn_prefixes")
    if cached is not None:
        return cached
    mounted: dict[int, tuple[int | None, str]] = {}  # callee fn -> (caller fn, local prefix)
    for f in cb.files.values():
        if f.language != "rust":
            continue
        src = cb.source(f.path)
        if b".nest(" not in src and b".merge(" not in src and b".configure(" not in src:
            continue
        pf = cb.parsed(f.path)
        if pf is None:
            continue
        for call in _calls_in(pf.root, "call_expression"):
            fn = call.child_by_field_name("function")
            if fn is None or fn.type != "field_expression":
                continue
            field = text(fn.child_by_field_name("field"))
            if field not in _ROUTER_FN_MOUNTS:
                continue
            args = [a for a in call.child_by_field_name("arguments").named_children if "comment" not in a.type]
            target = args[-1] if args else None
            if target is None or (field.startswith("nest") and len(args) < 2):
                continue
            if target.type == "call_expression":
                target = target.child_by_field_name("function")
            if target is None or target.type not in {"identifier", "scoped_identifier"}:
                continue
            sym = resolve_handler(cb, f.path, text(target))
            if sym is None or sym.kind not in CALLABLE_KINDS or sym.id in mounted:
                continue
            own = unquote(text(args[0])) if field.startswith("nest") and args[0].type == "string_literal" else ""
            local = mounts.join(mounts.rust_prefix(call), own)
            mounted[sym.id] = (_enclosing_callable(cb, f.path, call.start_point.row + 1), local)
    out: dict[int, str] = {}

    def prefix_of(fid: int, depth: int = 0) -> str:
        if fid in out:
            return out[fid]
        if fid not in mounted or depth > 12:
            return ""
        caller, local = mounted[fid]
        above = prefix_of(caller, depth + 1) if caller is not None and caller != fid else ""
        out[fid] = mounts.join(above, local)
        return out[fid]

    for fid in list(mounted):
        prefix_of(fid)
    cb.__dict__["_rust_fn_prefixes"] = out
    return out


_JS_QUEUE = frozenset({"process", "consume", "subscribe", "on", "handle"})


def _js_calls(cb: Codebase, file_path: str, language: str) -> list[EntryPoint]:
    pf = cb.parsed(file_path)
    if pf is None:
        return []
    out: list[EntryPoint] = []
    for m in matches(language, "routes", pf.root):
        if "action_call" in m:
            if text(m["cmd_method"][0]) == "command" and text(m["action_method"][0]) == "action":
                sym = resolve_handler(cb, file_path, text(m["action_handler"][0]))
                if sym is not None:
                    out.append(_entry(cb, sym, "cli", "commander", "", unquote(text(m["cmd_name"][0])).split()[0]))
            continue
        if "worker" in m:
            handler = m["worker_handler"][0]
            if text(m["worker_class"][0]) == "Worker" and handler.type in {"identifier", "member_expression"}:
                sym = resolve_handler(cb, file_path, text(handler))
                if sym is not None:
                    out.append(_entry(cb, sym, "message", "bullmq", "", unquote(text(m["worker_queue"][0]))))
            continue
        if "chain" in m:
            _js_chained_route(cb, file_path, m["chain"][0], out)
            continue
        if "call" not in m:
            continue
        method = text(m["method"][0])
        obj = text(m["obj"][0])
        args = [a for a in m["args"][0].named_children if a.type != "comment"]
        if len(args) < 2:
            continue
        first = unquote(text(args[0]))
        handler_node = _js_handler_node(args)
        is_route = method in HTTP_VERBS or method == "all"
        if is_route and first.startswith("/"):
            verb = "ANY" if method == "all" else method.upper()
            prefix = _js_full_prefix(cb, file_path, obj, m["call"][0].start_byte)
            _js_route(cb, file_path, verb, mounts.join(prefix, first), handler_node, m["method"][0], out)
        elif handler_node is None or handler_node.type not in {"identifier", "member_expression"}:
            continue
        elif method in _JS_QUEUE and obj.lower() not in {"process", "app", "server", "window", "document"}:
            if method == "on" and first in {"error", "close", "end", "listening", "connection"}:
                continue
            sym = resolve_handler(cb, file_path, text(handler_node))
            if sym is not None and ("queue" in (obj + method).lower() or method in {"consume", "process"}):
                out.append(_entry(cb, sym, "message", "queue", "", first))
    return out


def _js_framework(cb: Codebase, file_path: str) -> str:
    """The web framework a JS/TS route file belongs to, from its own imports, else the project's."""
    for probe in (cb.source(file_path)[:6000], b""):
        if not probe:
            probe = b" ".join(
                cb.source(f.path)[:3000]
                for f in list(cb.files.values())[:400]
                if f.language in {"javascript", "typescript", "tsx"}
            )
        for needle, name in _JS_FRAMEWORKS:
            if needle in probe:
                return name
    return "express"


_JS_FRAMEWORKS = ((b"fastify", "fastify"), (b"koa", "koa"), (b"hono", "hono"), (b"express", "express"))


def _js_handler_node(args: list) -> object | None:
    """The handler of ``router.post(path, mw…, handler)``; Fastify's ``{ handler }`` option object too."""
    last = args[-1]
    if last.type == "object":
        for pair in last.named_children:
            if pair.type == "pair" and text(pair.child_by_field_name("key")) == "handler":
                return pair.child_by_field_name("value")
            if pair.type == "shorthand_property_identifier" and text(pair) == "handler":
                return pair
            if pair.type == "method_definition" and text(pair.child_by_field_name("name")) == "handler":
                return pair
        return None
    return last


def _js_full_prefix(cb: Codebase, file_path: str, obj: str, offset: int) -> str:
    prefix = mounts.js_prefix(cb, file_path, obj, offset)
    return prefix or _mount_prefix(cb, file_path, obj)


def _js_route(cb: Codebase, file_path: str, verb: str, path: str, handler_node, at, out: list[EntryPoint]) -> None:
    framework = _js_framework(cb, file_path)
    line = at.start_point.row + 1
    if handler_node is None:  # `api.post("/x", { body })`: an HTTP client call, not a route
        return
    if handler_node.type in {"arrow_function", "function_expression", "function", "method_definition"}:
        _unmapped(cb, file_path, line, framework, f"{verb} {path}", "inline handler (no symbol to trace)", mapped=True)
        return
    sym = resolve_handler(cb, file_path, text(handler_node))
    if sym is None:
        sym = _handler_variable(cb, file_path, text(handler_node))
    if sym is None:
        _unmapped(cb, file_path, line, framework, f"{verb} {path}", f"handler {text(handler_node)[:80]} not resolved")
        return
    out.extend(_declared([_entry(cb, sym, "http", framework, verb, path)], file_path, line))


def _js_chained_route(cb: Codebase, file_path: str, call, out: list[EntryPoint]) -> None:
    """``router.route("/x").get(h).post(h2)``: each verb call takes the path of the ``route()`` call below it."""
    fn = call.child_by_field_name("function")
    verb = text(fn.child_by_field_name("property"))
    if verb not in HTTP_VERBS and verb != "all":
        return
    n = fn.child_by_field_name("object")
    while n is not None and n.type == "call_expression":
        f2 = n.child_by_field_name("function")
        if f2 is None or f2.type != "member_expression":
            return
        prop = text(f2.child_by_field_name("property"))
        if prop == "route":
            args = n.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            if first is None or first.type not in {"string", "template_string"}:
                return
            obj = f2.child_by_field_name("object")
            prefix = _js_full_prefix(cb, file_path, text(obj), n.start_byte)
            own_args = [a for a in call.child_by_field_name("arguments").named_children if a.type != "comment"]
            if not own_args:
                return
            path = mounts.join(prefix, unquote(text(first)))
            _js_route(
                cb,
                file_path,
                "ANY" if verb == "all" else verb.upper(),
                path,
                _js_handler_node(own_args),
                fn.child_by_field_name("property"),
                out,
            )
            return
        if prop not in HTTP_VERBS and prop != "all":
            return
        n = f2.child_by_field_name("object")


def _handler_variable(cb: Codebase, file_path: str, expr: str) -> SymbolRow | None:
    """A handler bound to a module variable (``const register = catchAsync(async (req, res) => …)``)."""
    name = last_segment(expr.strip())
    cands = [cb.symbols[i] for i in cb.by_name.get(name, []) if cb.symbols[i].kind == "variable"]
    if len(cands) == 1:
        return cands[0]
    receiver = expr.strip()[: -len(name)].rstrip(".")
    imported = mounts.js_imports(cb, file_path).get(receiver.split(".")[-1]) if receiver else None
    if imported is not None:
        inside = [c for c in cands if c.path == imported[0]]
        if len(inside) == 1:
            return inside[0]
        fid = cb.by_path.get(imported[0])
        inside = [
            cb.symbols[i]
            for i in cb.by_file.get(fid, [])
            if cb.symbols[i].name == name and cb.symbols[i].kind in CALLABLE_KINDS
        ]
        exported = [c for c in inside if re.search(rf"\bexports\.{re.escape(name)}\b", c.signature)]
        if len(exported) == 1:  # `exports.login = function …` beside a local `function login`
            return exported[0]
        # `exports.session = login`: the export is another name for a function of that module
        src = cb.source(imported[0]).decode("utf-8", "replace")
        alias = re.search(rf"\b(?:module\.)?exports\.{re.escape(name)}\s*=\s*([\w$]+)\s*;?\s*$", src, re.M)
        if alias is not None and alias.group(1) != name:
            same = [
                cb.symbols[i]
                for i in cb.by_file.get(fid, [])
                if cb.symbols[i].name == alias.group(1)
                and cb.symbols[i].kind in CALLABLE_KINDS
                and "exports." not in cb.symbols[i].signature
            ]
            if len(same) == 1:
                return same[0]
    return None


_USE = re.compile(r"\b(\w+)\.use\(\s*(?:[\"'`]([^\"'`]+)[\"'`]\s*,\s*)?(\w+)(?:\.routes\(\))?\s*[,)]")
"""``app.use("/api", router)``, Koa ``api.use("/accounts", accounts.routes())``, ``api.use(billing.routes())``."""
_OWN_PREFIX = r"\b{var}\s*=\s*new\s+Router\s*\(\s*\{{[^}}]*\bprefix\s*:\s*[\"'`]([^\"'`]+)[\"'`]"
"""``const api = new Router({ prefix: "/api" })`` (koa-router / @koa/router)."""


def _own_prefix(src: str, var: str) -> str:
    m = re.search(_OWN_PREFIX.format(var=re.escape(var)), src)
    return m.group(1).rstrip("/") if m else ""


def _mount_prefix(cb: Codebase, file_path: str, router_var: str) -> str:
    """Where a router's routes end up: its own ``prefix`` plus the path it is mounted at with ``.use``
    anywhere in the project (``app.use("/api", router)``), plus the prefix of the router it is mounted on.
    A router built inside a factory function of its file is mounted under the name the factory's result
    is bound to (``const accounts = accountRoutes(…); api.use("/accounts", accounts.routes())``)."""
    own = _own_prefix(cb.source(file_path).decode("utf-8", "replace"), router_var)
    factories = {
        cb.symbols[i].name
        for i in cb.by_file.get(cb.by_path.get(file_path, -1), [])
        if cb.symbols[i].kind == "function"
    }
    for f in cb.files.values():
        if f.language not in {"javascript", "typescript", "tsx"}:
            continue
        raw = cb.source(f.path)
        if b".use(" not in raw:
            continue
        src = raw.decode("utf-8", "replace")
        names = {router_var} if f.path == file_path else set()
        if f.path != file_path and (
            PurePosixPath(file_path).stem in src or PurePosixPath(file_path).parent.name in src
        ):
            names.add(router_var)
            names |= {
                m.group(1)
                for m in re.finditer(r"\b(?:const|let|var)\s+(\w+)\s*=\s*(?:await\s+)?(\w+)\s*\(", src)
                if m.group(2) in factories
            }
        for parent, prefix, var in _USE.findall(src):
            if var in names and (prefix or _own_prefix(src, parent)):
                return _own_prefix(src, parent) + (prefix or "").rstrip("/") + own
    return own


# a ServeMux pattern: optional method, optional host, then the path ("GET example.com/x/{id}")
_GO_PATTERN = re.compile(r"(?:(?P<verb>[A-Z]+)\s+)?(?:[\w.-]+)?(?P<path>/\S*)")


def _go_calls(cb: Codebase, file_path: str) -> list[EntryPoint]:
    pf = cb.parsed(file_path)
    if pf is None:
        return []
    out = []
    receivers = _go_receiver_types(cb, file_path)
    for m in matches("go", "routes", pf.root):
        method = text(m["method"][0])
        args = [a for a in m["args"][0].named_children if a.type != "comment"]
        if "verbs" in m:
            if method != "Match":
                continue
            verbs = [unquote(v).upper() for v in re.findall(r"\"[A-Za-z]+\"", text(m["verbs"][0]))]
            args = args[1:]
        else:
            verbs = []
        if len(args) < 2:
            continue
        raw = unquote(text(args[0])).strip()
        if method in {"HandleFunc", "Handle"}:
            pattern = _GO_PATTERN.fullmatch(raw)
            if pattern is None:
                continue
            verb, rel = ("ANY", pattern["path"])
            if pattern["verb"]:  # Go 1.22 ServeMux: "POST /users/{id}"
                verb = pattern["verb"]
        elif method.lower() in HTTP_VERBS or method in {"Any", "Match"}:
            if re.search(r"\s", raw):  # a group-relative path ("", "version") but never a sentence
                continue
            verb, rel = ("ANY" if method == "Any" else method.upper()), raw
        else:
            continue
        obj = text(m["obj"][0])
        path = mounts.join(mounts.go_prefix(cb, file_path, obj), rel) or "/"
        target = args[-1]
        if target.type == "call_expression":  # a factory: oidc.LoginHandler(), serveFile("index.html", …)
            target = target.child_by_field_name("function")
        expr = _go_typed_expr(text(target), receivers)
        sym = resolve_handler(cb, file_path, expr)
        framework = _go_framework(pf.source, method)
        line = m["method"][0].start_point.row + 1
        for v in verbs or [verb]:
            if sym is not None:
                out.extend(_declared([_entry(cb, sym, "http", framework, v, path)], file_path, line))
            else:
                reason = f"handler {text(args[-1])[:80]} not resolved"
                inline = args[-1].type == "func_literal"
                _unmapped(
                    cb,
                    file_path,
                    line,
                    framework,
                    f"{v} {path}",
                    reason if not inline else "inline handler (no symbol to trace)",
                    mapped=inline,
                )
    return out


_GO_VAR_TYPE = re.compile(r"\b(\w+)\s*:?=\s*&?(?:\w+\.)?([A-Z]\w*)\s*\{")
_GO_VAR_CTOR = re.compile(r"\b(\w+)\s*:?=\s*(?:\w+\.)?(New\w*)\s*\(")
_GO_RETURNS = re.compile(r"\)\s*\(?\s*\*?(?:\w+\.)?([A-Z]\w*)")


def _go_receiver_types(cb: Codebase, file_path: str) -> dict[str, str]:
    """Local handler values and their types: ``userHandler := api.UserAPI{…}`` and
    ``oidc := api.NewOIDC(…)`` (the constructor's declared result type)."""
    src = cb.source(file_path).decode("utf-8", "replace")
    types = {m.group(1): m.group(2) for m in _GO_VAR_TYPE.finditer(src)}
    for m in _GO_VAR_CTOR.finditer(src):
        if m.group(1) in types:
            continue
        ctors = [cb.symbols[i] for i in cb.by_name.get(m.group(2), []) if cb.symbols[i].language == "go"]
        if len(ctors) == 1 and (r := _GO_RETURNS.search(ctors[0].signature)):
            types[m.group(1)] = r.group(1)
    return types


def _go_typed_expr(expr: str, receivers: dict[str, str]) -> str:
    """``userHandler.CreateUser`` → ``UserAPI.CreateUser`` when the value's type is known, so the method
    of that type is chosen among every ``CreateUser`` of the project."""
    head, _, rest = expr.partition(".")
    if rest and "." not in rest and head in receivers:
        return f"{receivers[head]}.{rest}"
    return expr


_GO_FRAMEWORKS = (
    (b"gin-gonic/gin", "gin"),
    (b"labstack/echo", "echo"),
    (b"go-chi/chi", "chi"),
    (b"gofiber/fiber", "fiber"),
)


def _go_framework(source: bytes, method: str) -> str:
    if method in {"HandleFunc", "Handle"} and b"gorilla/mux" not in source:
        return "go-http"
    return next((name for needle, name in _GO_FRAMEWORKS if needle in source[:6000]), "go-http")


def _mains(cb: Codebase) -> list[EntryPoint]:
    out = []
    for s in cb.callables():
        if s.name != "main" or s.kind != "function" or s.is_test:
            continue
        if s.language == "rust" and (PurePosixPath(s.path).name == "main.rs" or "/bin/" in s.path):
            out.append(_entry(cb, s, "main", "rust", "", ""))
        elif s.language == "go" and re.search(rb"^package main\b", cb.source(s.path)[:4000], re.M):
            out.append(_entry(cb, s, "main", "go", "", ""))
        elif s.language in {"javascript", "typescript"} and re.search(
            rb"^(?:void\s+|await\s+)?main\(\)", cb.source(s.path), re.M
        ):  # a script that calls its main() at the top level
            out.append(_entry(cb, s, "main", "node", "", ""))
    for s in cb.symbols.values():
        if s.language == "java" and s.name == "main" and s.kind == "method" and "static" in s.signature:
            out.append(_entry(cb, s, "main", "java", "", ""))
    return out


def _declared(entries: list[EntryPoint], file_path: str, line: int) -> list[EntryPoint]:
    for e in entries:
        e.declared_file, e.declared_line = file_path, line
    return entries


def _entry(cb: Codebase, sym: SymbolRow, kind: str, framework: str, method: str, path: str) -> EntryPoint:
    return EntryPoint(
        kind=kind,
        framework=framework,
        method=method,
        path=path,
        handler_id=sym.id,
        handler=sym.qualified_name,
        file=sym.path,
        line=sym.start_line,
    )


_TRIGGERS = {
    "python": (b"add_parser", b"__main__", b".register("),
    "rust": (b".route(", b".service(", b"Subcommand", b"routes!("),
    "javascript": (
        b".get(",
        b".post(",
        b".put(",
        b".delete(",
        b".patch(",
        b".all(",
        b".action(",
        b".process(",
        b".consume(",
        b"new Worker",
    ),
    "go": (b"Handle", b".GET(", b".POST(", b".PUT(", b".DELETE(", b".PATCH(", b".Any("),
}


_TEST_PATH = re.compile(r"(^|/)(tests?|__tests__|spec)/|(^|/)test_[^/]*\.py$|_test\.(py|go)$|\.(spec|test)\.[jt]sx?$")


def find_entry_points(cb: Codebase) -> list[EntryPoint]:
    """Every entry point of the indexed project, de-duplicated, in file order (cached per index generation)."""
    cached = cb.__dict__.get("_entry_points")
    if cached is None:
        cached = _find_entry_points(cb)
        cb.__dict__["_entry_points"] = cached
    return list(cached)


def _find_entry_points(cb: Codebase) -> list[EntryPoint]:
    found: list[EntryPoint] = []
    cb.__dict__["_route_decls"] = []
    for s in cb.symbols.values():
        if not s.decorators or (s.is_test and _TEST_PATH.search(s.path)):  # a `test_*` view is a real route
            continue
        if s.language == "python" and s.kind in CALLABLE_KINDS:
            found.extend(_py_decorator_entries(cb, s))
        elif s.language == "rust" and s.kind in CALLABLE_KINDS:
            found.extend(_rust_attribute_entries(cb, s))
        elif s.language == "java" and s.kind == "method":
            found.extend(_java_annotation_entries(cb, s))
        elif s.language in {"typescript", "tsx", "javascript"} and s.kind == "method":
            found.extend(_ts_decorator_entries(cb, s))
    roots = _django_roots(cb)
    included: set[str] = set()
    for p in roots:  # included url modules are reached through their parent with its prefix
        src = cb.source(p).decode("utf-8", "replace")
        for inc in re.findall(r"include\(\s*[\"']([\w.]+)[\"']", src):
            included.add(inc.replace(".", "/") + ".py")
    seen: set[str] = set()
    for p in sorted(roots, key=lambda p: any(p.endswith(i) for i in included)):
        found.extend(_django_urls(cb, p, "", seen))
    found.extend(_django_commands(cb))
    for f in cb.files.values():
        lang = "javascript" if f.language in {"javascript", "typescript", "tsx"} else f.language
        triggers = _TRIGGERS.get(lang)
        if not triggers:
            continue
        src = cb.source(f.path)
        dispatches = f.language == "rust" and b"=>" in src and any(v.encode() in src for v in _rust_subcommands(cb))
        if not dispatches and not any(t in src for t in triggers):
            continue
        if f.language == "python":
            found.extend(_python_calls(cb, f.path))
        elif f.language == "rust":
            found.extend(_rust_calls(cb, f.path))
        elif lang == "javascript" and has_query(f.language, "routes"):
            found.extend(_js_calls(cb, f.path, f.language))
        elif f.language == "go":
            found.extend(_go_calls(cb, f.path))
    found.extend(_mains(cb))
    unique: dict[str, EntryPoint] = {}
    for e in found:
        unique.setdefault(e.key, e)
    return sorted(unique.values(), key=lambda e: (e.file, e.line, e.method, e.path))


def entry_id(entry: EntryPoint, workflow_type: str) -> str:
    """Stable workflow id: same entry and type give the same id in every later call."""
    digest = hashlib.sha1(f"{entry.handler}|{entry.kind}|{entry.method}|{entry.path}|{workflow_type}".encode())
    return "wf_" + digest.hexdigest()[:12]

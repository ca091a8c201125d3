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

from pydantic import BaseModel

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

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.method}:{self.path}:{self.handler}"


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
            prefix = _router_prefix(cb, sym.path, d.lstrip("@").split(".")[0])
            for method in methods:
                out.append(_entry(cb, sym, "http", framework, method, prefix + path))
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


def _router_prefix(cb: Codebase, path: str, var: str) -> str:
    """``router = APIRouter(prefix="/accounts")`` / ``bp = Blueprint(..., url_prefix="/x")`` in the same file."""
    text = cb.source(path).decode("utf-8", "replace")
    m = re.search(rf"^{re.escape(var)}\s*=\s*[\w.]*(?:APIRouter|Blueprint)\((.*)\)\s*$", text, re.M)
    if not m:
        return ""
    p = re.search(r"\b(?:url_)?prefix\s*=\s*[\"']([^\"']*)[\"']", m.group(1))
    return p.group(1).rstrip("/") if p else ""


def _rust_attribute_entries(cb: Codebase, sym: SymbolRow) -> list[EntryPoint]:
    out = []
    for deco in sym.decorators:
        d = deco.strip()
        if m := _RUST_ROUTE.match(d):
            out.append(_entry(cb, sym, "http", "actix-web", m.group(1).upper(), m.group(2)))
        elif m := _RUST_ROUTE_ANY.match(d):
            methods = re.findall(r"method\s*=\s*\"(\w+)\"", m.group(2)) or ["ANY"]
            out.extend(_entry(cb, sym, "http", "actix-web", x.upper(), m.group(1)) for x in methods)
    return out


_NEST_ROUTE = re.compile(r"^@(Get|Post|Put|Patch|Delete|Head|Options|All)\((.*)\)\s*$", re.S)
_NEST_MESSAGE = re.compile(r"^@(MessagePattern|EventPattern|Process|OnEvent|SqsMessageHandler)\((.*)\)\s*$", re.S)


def _ts_decorator_entries(cb: Codebase, sym: SymbolRow) -> list[EntryPoint]:
    """NestJS: ``@Controller("users")`` on the class, ``@Post("register")`` on the method."""
    out = []
    parent = cb.symbols.get(sym.parent_id) if sym.parent_id else None
    prefix = ""
    if parent is not None:
        for deco in parent.decorators:
            m = re.match(r"^@Controller\((.*)\)\s*$", deco.strip(), re.S)
            if m:
                prefix = _first_string(m.group(1))
    for deco in sym.decorators:
        d = deco.strip()
        if m := _NEST_ROUTE.match(d):
            parts = [p.strip("/") for p in (prefix, _first_string(m.group(2))) if p.strip("/")]
            method = "ANY" if m.group(1) == "All" else m.group(1).upper()
            out.append(_entry(cb, sym, "http", "nestjs", method, "/" + "/".join(parts)))
        elif m := _NEST_MESSAGE.match(d):
            out.append(_entry(cb, sym, "message", "nestjs", "", _first_string(m.group(2))))
    return out


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


def resolve_handler(cb: Codebase, file_path: str, expr: str) -> SymbolRow | None:
    """The callable (or class) an expression like ``views.signup``, ``items::get_item``,
    ``register`` or ``Views.LoginView.as_view()`` names, seen from ``file_path``."""
    expr = re.sub(r"\.as_view\(.*\)$", "", expr.strip()).strip()
    expr = expr.lstrip("&*").strip()
    if not re.fullmatch(r"[\w.:$]+", expr):
        return None
    name = last_segment(expr)
    kinds = CALLABLE_KINDS | frozenset({"class"})
    cands = [cb.symbols[i] for i in cb.by_name.get(name, []) if cb.symbols[i].kind in kinds]
    if not cands:
        return None
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
            inc = unquote(text(inner.named_children[0])) if inner and inner.named_children else ""
            mod_path = inc.replace(".", "/") + ".py"
            candidates = [p for p in cb.by_path if p == mod_path or p.endswith("/" + mod_path)]
            for p in candidates[:1]:
                out.extend(_django_urls(cb, p, prefix + route, seen))
            continue
        handler = resolve_handler(cb, file_path, text(target))
        if handler is None:
            continue
        out.extend(_django_view_entries(cb, handler, full))
    return out


def _django_view_entries(cb: Codebase, handler: SymbolRow, path: str) -> list[EntryPoint]:
    if handler.kind in TYPE_KINDS:
        verbs = [
            cb.symbols[c]
            for c in cb.children.get(handler.id, [])
            if cb.symbols[c].kind in CALLABLE_KINDS and cb.symbols[c].name in HTTP_VERBS
        ]
        if verbs:
            return [_entry(cb, v, "http", "django", v.name.upper(), path) for v in verbs]
        return [_entry(cb, handler, "http", "django", "GET", path)]
    method = "ANY"
    for deco in handler.decorators:
        if m := _DJ_REQUIRE.match(deco.strip()):
            method = {"safe": "GET"}.get(m.group(1), m.group(1))
        elif m := _DJ_REQUIRE_METHODS.match(deco.strip()) or _DRF_API_VIEW.match(deco.strip()):
            method = ",".join(unquote(x.strip()).upper() for x in m.group(1).split(",") if x.strip())
    return [_entry(cb, handler, "http", "django", method, path)]


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


_ACTIX_TO = re.compile(r"web::(get|post|put|patch|delete|head)\(\)\s*\.to\(\s*([\w:]+)\s*\)")
_AXUM = re.compile(r"\b(get|post|put|patch|delete|head)\(\s*([\w:]+)\s*\)")
_RESOURCE = re.compile(r"web::resource\(\s*\"([^\"]*)\"\s*\)")


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
    for m in matches("rust", "routes", pf.root):
        if "route" in m and text(m["method"][0]) == "route":
            path = unquote(text(m["path"][0]))
            handler_text = text(m["handler"][0])
            pairs = _ACTIX_TO.findall(handler_text)
            framework = "actix-web"
            if not pairs:
                pairs = _AXUM.findall(handler_text)
                framework = "axum"
            for verb, h in pairs:
                sym = resolve_handler(cb, file_path, h)
                if sym is not None:
                    out.append(_entry(cb, sym, "http", framework, verb.upper(), path))
        elif "service_call" in m and text(m["svc_method"][0]) == "service":
            svc = text(m["service"][0])
            res = _RESOURCE.search(svc)
            if res:
                for verb, h in _ACTIX_TO.findall(svc):
                    sym = resolve_handler(cb, file_path, h)
                    if sym is not None:
                        out.append(_entry(cb, sym, "http", "actix-web", verb.upper(), res.group(1)))
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
        if "call" not in m:
            continue
        method = text(m["method"][0])
        obj = text(m["obj"][0])
        args = [a for a in m["args"][0].named_children if a.type != "comment"]
        if len(args) < 2:
            continue
        first = unquote(text(args[0]))
        handler_node = args[-1]
        if handler_node.type not in {"identifier", "member_expression"}:
            continue
        is_route = method in HTTP_VERBS or method == "all"
        if is_route and first.startswith("/"):
            sym = resolve_handler(cb, file_path, text(handler_node))
            if sym is not None:
                verb = "ANY" if method == "all" else method.upper()
                out.append(_entry(cb, sym, "http", "express", verb, _mount_prefix(cb, file_path, obj) + first))
        elif method in _JS_QUEUE and obj.lower() not in {"process", "app", "server", "window", "document"}:
            if method == "on" and first in {"error", "close", "end", "listening", "connection"}:
                continue
            sym = resolve_handler(cb, file_path, text(handler_node))
            if sym is not None and ("queue" in (obj + method).lower() or method in {"consume", "process"}):
                out.append(_entry(cb, sym, "message", "queue", "", first))
    return out


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
    for m in matches("go", "routes", pf.root):
        method = text(m["method"][0])
        args = m["args"][0].named_children
        if len(args) < 2:
            continue
        pattern = _GO_PATTERN.fullmatch(unquote(text(args[0])).strip())
        if pattern is None:
            continue
        verb = {"HandleFunc": "ANY", "Handle": "ANY"}.get(method, method.upper())
        if verb == "ANY" and pattern["verb"]:  # Go 1.22 ServeMux: "POST /users/{id}"
            verb = pattern["verb"]
        if verb.lower() not in HTTP_VERBS and verb != "ANY":
            continue
        sym = resolve_handler(cb, file_path, text(args[-1]))
        if sym is not None:
            out.append(_entry(cb, sym, "http", "go-http", verb, pattern["path"]))
    return out


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
    "rust": (b".route(", b".service(", b"Subcommand"),
    "javascript": (
        b".get(",
        b".post(",
        b".put(",
        b".delete(",
        b".patch(",
        b".action(",
        b".process(",
        b".consume(",
        b"new Worker",
    ),
    "go": (b"Handle", b".GET(", b".POST(", b".PUT(", b".DELETE("),
}


def find_entry_points(cb: Codebase) -> list[EntryPoint]:
    """Every entry point of the indexed project, de-duplicated, in file order (cached per index generation)."""
    cached = cb.__dict__.get("_entry_points")
    if cached is None:
        cached = _find_entry_points(cb)
        cb.__dict__["_entry_points"] = cached
    return list(cached)


def _find_entry_points(cb: Codebase) -> list[EntryPoint]:
    found: list[EntryPoint] = []
    for s in cb.symbols.values():
        if not s.decorators or s.is_test:
            continue
        if s.language == "python" and s.kind in CALLABLE_KINDS:
            found.extend(_py_decorator_entries(cb, s))
        elif s.language == "rust" and s.kind in CALLABLE_KINDS:
            found.extend(_rust_attribute_entries(cb, s))
        elif s.language == "java" and s.kind == "method":
            found.extend(_java_annotation_entries(cb, s))
        elif s.language in {"typescript", "tsx", "javascript"} and s.kind == "method":
            found.extend(_ts_decorator_entries(cb, s))
    roots = [p for p in cb.by_path if PurePosixPath(p).name == "urls.py"]
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

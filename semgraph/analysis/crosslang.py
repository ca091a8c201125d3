"""Links across language boundaries, stored as ``cross_language`` edges.

- PyO3: ``#[pyfunction]`` / ``#[pyclass]`` + ``#[pymethods]`` of a ``#[pymodule]``
  → Python modules importing it and the call sites using the names;
- wasm-bindgen / napi exports → JS/TS imports and calls;
- ``extern "C"`` functions → ctypes / cffi call sites;
- HTTP routes (every entry point of kind http) → client calls (fetch, axios,
  requests, httpx, reqwest) with the same method and path;
- raw SQL table names → Diesel ``table!`` definitions and Django models.

Edges go from the user (caller / importer / SQL author) to the definition, so
impact analysis of a Rust function reaches its Python and TypeScript callers.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from pydantic import BaseModel

from semgraph.analysis.codebase import CALLABLE_KINDS, Codebase
from semgraph.analysis.entrypoints import find_entry_points
from semgraph.analysis.facts import function_facts
from semgraph.graph.store import GraphStore, NewEdge

ORIGIN = "analysis:crosslang"
LINK_KINDS = ("pyo3", "wasm_bindgen", "napi", "ffi", "http", "sql_table")


class CrossLink(BaseModel):
    kind: str
    source: str  # qualified name of the user side (caller, importer, SQL author)
    source_language: str
    source_location: str
    target: str  # qualified name of the definition side
    target_language: str
    target_location: str
    detail: str
    confidence: float


def _attr_name(decorators: list[str], default: str, key: str = "name") -> str:
    for d in decorators:
        m = re.search(rf"\b{key}\s*=\s*\"([^\"]+)\"", d)
        if m:
            return m.group(1)
    return default


def _link(
    cb: Codebase, kind: str, src: int, dst: int, line: int, detail: str, conf: float
) -> tuple[CrossLink, NewEdge]:
    s, d = cb.symbols[src], cb.symbols[dst]
    link = CrossLink(
        kind=kind,
        source=s.qualified_name,
        source_language=s.language,
        source_location=f"{s.path}:{line or s.start_line}",
        target=d.qualified_name,
        target_language=d.language,
        target_location=cb.location(dst),
        detail=detail,
        confidence=conf,
    )
    edge = NewEdge(
        kind="cross_language",
        src_id=src,
        dst_id=dst,
        target=d.qualified_name,
        resolution="cross_language",
        line=line,
        meta={"link": kind, "detail": detail},
    )
    return link, edge


# ---------------------------------------------------------------- bindings
def _binding_exports(cb: Codebase) -> tuple[dict[str, dict[str, int]], dict[str, int], dict[str, int], dict[str, int]]:
    """PyO3 modules (module name → exported python name → symbol), wasm, napi and extern "C" exports."""
    py_funcs: dict[str, int] = {}
    py_classes: dict[str, int] = {}
    py_methods: dict[str, int] = {}
    modules: dict[str, int] = {}
    wasm: dict[str, int] = {}
    napi: dict[str, int] = {}
    ffi: dict[str, int] = {}
    for s in cb.symbols.values():
        if s.language != "rust":
            continue
        decos = " ".join(s.decorators)
        if s.kind in CALLABLE_KINDS:
            if "pyfunction" in decos:
                py_funcs[_attr_name(s.decorators, s.name)] = s.id
            if "pymodule" in decos:
                modules[_attr_name(s.decorators, s.name)] = s.id
            if "wasm_bindgen" in decos:
                wasm[_attr_name(s.decorators, s.name, "js_name")] = s.id
            if re.search(r"#\[napi\b", decos):
                napi[_attr_name(s.decorators, _camel(s.name), "js_name")] = s.id
            if 'extern "C"' in s.signature and ("no_mangle" in decos or "export_name" in decos):
                ffi[_attr_name(s.decorators, s.name, "export_name")] = s.id
            parent = cb.symbols.get(s.parent_id) if s.parent_id else None
            if parent is not None and parent.kind == "impl" and "pymethods" in " ".join(parent.decorators):
                py_methods[s.name] = s.id
        elif s.kind == "struct" and "pyclass" in decos:
            py_classes[_attr_name(s.decorators, s.name)] = s.id
    exported = {**py_funcs, **py_classes}
    pyo3 = {name: {**exported, "": fn} for name, fn in modules.items()} if exported else {}
    for name, mid in py_methods.items():
        for mod in pyo3.values():
            mod.setdefault("." + name, mid)
    return pyo3, wasm, napi, ffi


def _crate_names(cb: Codebase) -> set[str]:
    """Package and lib names of the Cargo.toml files above the project's Rust files."""
    names: set[str] = set()
    dirs = {str(PurePosixPath(f.path).parent) for f in cb.files.values() if f.language == "rust"}
    seen: set[str] = set()
    for d in dirs:
        p = PurePosixPath(d)
        for parent in [p, *p.parents]:
            key = str(parent)
            if key in seen:
                break
            seen.add(key)
            manifest = cb.source(f"{key}/Cargo.toml" if key != "." else "Cargo.toml")
            for m in re.finditer(rb'^\s*name\s*=\s*"([^"]+)"', manifest, re.M):
                name = m.group(1).decode()
                names |= {name, name.replace("-", "_")}
    return names


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def _import_links(
    cb: Codebase, language_ok: set[str], module_match, exports: dict[str, int], kind: str
) -> list[tuple[CrossLink, NewEdge]]:
    """Importers of binding ``exports`` and their call sites."""
    out = []
    for fid, rows in cb.import_rows.items():
        f = cb.files[fid]
        if f.language not in language_ok:
            continue
        names: dict[str, int] = {}
        module_aliases: set[str] = set()
        for module, name, alias, line in rows:
            if not module_match(module):
                continue
            mod_sym = cb.module_symbol(fid)
            if name and name in exports:
                names[alias or name] = exports[name]
                if mod_sym is not None:
                    out.append(_link(cb, kind, mod_sym.id, exports[name], line, f"imports {name} from {module}", 0.95))
            elif not name:
                module_aliases.add(alias or module.split(".")[-1])
                if mod_sym is not None and "" in exports:
                    out.append(_link(cb, kind, mod_sym.id, exports[""], line, f"imports module {module}", 0.9))
        if not names and not module_aliases:
            continue
        for sid in cb.by_file.get(fid, []):
            for call in cb.calls.get(sid, []):
                if call.kind != "calls":
                    continue
                target = call.target
                if target in names:
                    out.append(_link(cb, kind, sid, names[target], call.line, f"calls {target}", 0.95))
                    continue
                head, _, rest = target.partition(".")
                if head in module_aliases and rest in exports:
                    out.append(_link(cb, kind, sid, exports[rest], call.line, f"calls {target}", 0.95))
                elif call.receiver and "." + call.name in exports and not call.receiver.startswith(("self", "this")):
                    out.append(_link(cb, kind, sid, exports["." + call.name], call.line, f"calls method {target}", 0.7))
    return out


def _ffi_links(cb: Codebase, ffi: dict[str, int]) -> list[tuple[CrossLink, NewEdge]]:
    out = []
    for f in cb.files.values():
        if f.language != "python":
            continue
        src = cb.source(f.path)
        if b"ctypes" not in src and b"cffi" not in src:
            continue
        for sid in cb.by_file.get(f.id, []):
            for call in cb.calls.get(sid, []):
                if call.receiver and call.name in ffi:
                    out.append(
                        _link(cb, "ffi", sid, ffi[call.name], call.line, f"ctypes/cffi call {call.target}", 0.85)
                    )
    return out


# ------------------------------------------------------------------- HTTP
_CLIENT = re.compile(
    r"^(fetch|axios(\.(get|post|put|patch|delete|head|request))?|(\w+\.)?(requests|httpx|http|https|ky|superagent|api|client|session|reqwest)"
    r"(::|\.)(get|post|put|patch|delete|head|request))$",
    re.I,
)
_HOST = re.compile(r"^[a-z]+://[^/]+", re.I)


def _normalize(url: str) -> list[str] | None:
    url = _HOST.sub("", url.strip())
    url = url.split("?", 1)[0].split("#", 1)[0]
    if not url.startswith("/"):
        return None
    segs = [s for s in url.split("/") if s]
    return ["{}" if re.fullmatch(r"(\{.*\}|:\w+|<.*>|\$\{.*\}|\{\})", s) else s for s in segs]


def _route_key(path: str) -> list[str] | None:
    return _normalize(path)


def _client_calls(cb: Codebase) -> list[tuple[int, int, str, list[str], str]]:
    """(caller id, line, METHOD, path segments, url text) of every HTTP client call with a literal URL."""
    out = []
    for f in cb.files.values():
        src = cb.source(f.path)
        if not any(t in src for t in (b"fetch(", b"axios", b"requests.", b"httpx", b"reqwest", b"http.")):
            continue
        consts = dict(
            re.findall(
                r"(?m)^\s*(?:export\s+)?(?:const|let|var)?\s*([A-Z_][A-Z0-9_]*)\s*(?::\s*\w+)?\s*=\s*[\"'`]([^\"'`]*)[\"'`]",
                src.decode("utf-8", "replace"),
            )
        )
        for sid in cb.by_file.get(f.id, []):
            s = cb.symbols[sid]
            if s.kind not in CALLABLE_KINDS:
                continue
            for call in function_facts(cb, sid).calls:
                callee = call.callee
                if not _CLIENT.match(callee):
                    continue
                args = call.args.strip()
                args = args[1:-1] if args.startswith("(") else args
                m = re.match(r"\s*(?:f|rf)?([\"'`])(.*?)\1", args, re.S)
                if not m:
                    continue
                url = m.group(2)
                url = re.sub(r"\$?\{([A-Z_][A-Z0-9_]*)\}", lambda x, c=consts: c.get(x.group(1), x.group(0)), url)
                url = re.sub(r"\$\{[^}]*\}|\{[^}]*\}", "{}", url)
                if url.startswith("{}/"):  # an unresolved base URL ({settings.API}/orders)
                    url = url[2:]
                segs = _normalize(url)
                if segs is None:
                    continue
                verb = callee.split(".")[-1].split("::")[-1].upper()
                if verb in {"FETCH", "REQUEST"} or callee == "fetch":
                    mm = re.search(r"method\s*:\s*[\"'](\w+)[\"']", args)
                    verb = mm.group(1).upper() if mm else "GET"
                out.append((sid, call.line, verb, segs, url))
    return out


def _http_links(cb: Codebase) -> list[tuple[CrossLink, NewEdge]]:
    routes = [(e, _route_key(e.path)) for e in find_entry_points(cb) if e.kind == "http"]
    out = []
    for sid, line, verb, segs, url in _client_calls(cb):
        for e, key in routes:
            if key is None or len(key) != len(segs):
                continue
            if e.method not in {verb, "ANY"} and verb not in e.method.split(","):
                continue
            if all(a == b or a == "{}" or b == "{}" for a, b in zip(key, segs, strict=True)):
                out.append(_link(cb, "http", sid, e.handler_id, line, f"{verb} {url} → {e.method} {e.path}", 0.9))
    return out


# -------------------------------------------------------------------- SQL
_TABLE_MACRO = re.compile(r"table!\s*\{\s*(?:[\w:]+\s*\.\s*)?(\w+)\s*(?:\([^)]*\))?\s*\{")
_SQL_TABLES = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+[\"`\[]?(\w+)", re.I)
_SQL_START = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.I)


def _table_definitions(cb: Codebase) -> dict[str, tuple[int, str, int]]:
    """table name → (symbol id, how it is defined, line)."""
    tables: dict[str, tuple[int, str, int]] = {}
    for f in cb.files.values():
        src = cb.source(f.path)
        if f.language == "rust" and b"table!" in src:
            text = src.decode("utf-8", "replace")
            mod = cb.module_symbol(f.id)
            for m in _TABLE_MACRO.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                named = [cb.symbols[i] for i in cb.by_name.get(m.group(1), []) if cb.symbols[i].file_id == f.id]
                target = named[0].id if named else (mod.id if mod else None)
                if target is not None:
                    tables.setdefault(m.group(1), (target, "diesel table!", line))
        elif f.language == "python" and PurePosixPath(f.path).name == "models.py":
            app = PurePosixPath(f.path).parent.name
            for sid in cb.by_file.get(f.id, []):
                s = cb.symbols[sid]
                if s.kind != "class" or not any(b.endswith("Model") for b in cb.bases.get(sid, [])):
                    continue
                body = cb.text_of(sid)
                m = re.search(r"db_table\s*=\s*[\"'](\w+)[\"']", body)
                name = m.group(1) if m else f"{app}_{s.name.lower()}"
                tables.setdefault(name, (sid, "Django model", s.start_line))
    return tables


def _sql_links(cb: Codebase) -> list[tuple[CrossLink, NewEdge]]:
    tables = _table_definitions(cb)
    if not tables:
        return []
    out = []
    for f in cb.files.values():
        src = cb.source(f.path)
        if not re.search(rb"\b(SELECT|INSERT|UPDATE|DELETE)\b", src, re.I):
            continue
        for sid in cb.by_file.get(f.id, []):
            if cb.symbols[sid].kind not in CALLABLE_KINDS:
                continue
            seen: set[str] = set()
            for line, s in function_facts(cb, sid).strings:
                if not _SQL_START.match(s):
                    continue
                for t in _SQL_TABLES.findall(s):
                    if t in tables and t not in seen:
                        seen.add(t)
                        dst, how, _ = tables[t]
                        out.append(_link(cb, "sql_table", sid, dst, line, f"raw SQL uses table {t} ({how})", 0.85))
    return out


# --------------------------------------------------------------------- API
def find_links(cb: Codebase) -> list[tuple[CrossLink, NewEdge]]:
    pyo3, wasm, napi, ffi = _binding_exports(cb)
    pairs: list[tuple[CrossLink, NewEdge]] = []
    for modname, exports in pyo3.items():
        pairs += _import_links(cb, {"python"}, lambda m, n=modname: m == n or m.endswith("." + n), exports, "pyo3")
    if wasm or napi:
        crates = _crate_names(cb)

        def from_binding(module: str) -> bool:
            """A relative import (the generated pkg/ or addon directory) or one naming a crate of the project."""
            return module.startswith(".") or any(c in module for c in crates)

        js = {"javascript", "typescript", "tsx"}
        if wasm:
            pairs += _import_links(cb, js, from_binding, wasm, "wasm_bindgen")
        if napi:
            pairs += _import_links(cb, js, from_binding, napi, "napi")
    if ffi:
        pairs += _ffi_links(cb, ffi)
    pairs += _http_links(cb)
    pairs += _sql_links(cb)
    unique: dict[tuple, tuple[CrossLink, NewEdge]] = {}
    for link, edge in pairs:
        unique.setdefault((link.kind, edge.src_id, edge.dst_id, edge.line), (link, edge))
    return sorted(unique.values(), key=lambda p: (p[0].kind, p[0].source_location, p[0].target))


def find_cross_language_links(
    cb: Codebase, db_path: Path | None = None, *, store_edges: bool = True
) -> tuple[list[CrossLink], int]:
    """Every link; with ``store_edges`` they replace the previous cross-language edges of the index."""
    pairs = find_links(cb)
    stored = 0
    if store_edges and db_path is not None:
        with GraphStore.open(Path(db_path)) as store:
            stored = store.replace_derived_edges(ORIGIN, [e for _, e in pairs])
    return [link for link, _ in pairs], stored

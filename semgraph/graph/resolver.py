"""Resolve call, import and base-class targets to symbol ids, and say how.

Runs after each indexing pass over the files that changed plus the files whose
edges pointed into them (see ``indexer``). Order of attempts for a call target
(first hit wins; ``resolution`` records which):

0. a call whose receiver has a type stated in the source (``CallSite.rtype``, from the Python extractor's
   ``attribute_types``) → that type's method or its bases' — ``typed``;
1. ``self``/``this``/``cls``/``Self`` + one name → a method of the enclosing
   class/impl (then its resolved bases, 3 levels deep) — ``self``;
2. a bare name defined in the caller's scope chain or at the file's top level —
   ``same_module``;
3. a name or path whose head is an import binding (``hash_password``,
   ``models.User``, ``User::find``) → a symbol in the imported module — ``import``;
4. a fully qualified path (``crate::db::find_user``, ``app.services.users.register``)
   — ``qualified``;
5. a bare name / ``Type::name`` defined in another file of the same module
   (Go package, Java package) or a ``Type.name`` whose type is in this file —
   ``same_module``;
6. a name matched among the project's callables of the same language family
   (never from production code into test files, never through a receiver rooted at a library object
   name in ``LIBRARY_ROOTS``): with 1 to ``MAX_NAME_MATCH``
   candidates the one whose owner shares a word with the receiver, else the
   closest by path, is linked and ``candidates`` says how many there were —
   ``name_match``;
7. otherwise ``unresolved``: the edge keeps its text (``candidates`` still
   counts same-named symbols when there were too many to pick from).

Constructors (``Foo()``, ``new Foo``) resolve to the class like any name.
"""

from __future__ import annotations

import ast
import functools
import json
import posixpath
import re
import sqlite3
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from semgraph.graph.cargo import CargoMap, is_path_made, with_crate
from semgraph.graph.model import Resolution
from semgraph.graph.tsconfig import TsConfigMap

MAX_NAME_MATCH = 8
# how a stated type must resolve for `typed`: a guessed (name-matched) class would make a guessed method sure
# plain strings: an enum member's ``.value`` is a slow descriptor lookup, and these are hot
_ALTERNATIVE = Resolution.ALTERNATIVE.value
_IMPORT = Resolution.IMPORT.value
_NAME_MATCH = Resolution.NAME_MATCH.value
_QUALIFIED = Resolution.QUALIFIED.value
_SAME_MODULE = Resolution.SAME_MODULE.value
_SELF = Resolution.SELF.value
_TYPED = Resolution.TYPED.value
_UNRESOLVED = Resolution.UNRESOLVED.value
_SURE = frozenset({"import", "same_module", "qualified", "self"})
_SURE_CALL = _SURE | {"typed"}
# receiver roots that name library objects in real code (`db.session.add`, `session.commit`, `os.path.join`):
# a project method of the same name is a guess too far, so such calls are never name-matched
LIBRARY_ROOTS = frozenset(
    {"db", "session", "requests", "os", "sys", "json", "re", "logging", "logger", "log", "subprocess", "shutil",
     "np", "pd", "math", "time", "datetime", "random", "asyncio", "io", "pathlib", "typing", "collections",
     "itertools", "functools", "http", "urllib", "socket", "threading", "sqlite3", "cursor", "conn", "engine"}
)  # fmt: skip
SELF_WORDS = frozenset({"self", "this", "cls", "Self"})
_VARIABLE = frozenset({"variable"})
_MADE_FROM = re.compile(r"[A-Za-z_]\w*\s*(?::[^=]*)?=\s*([A-Za-z_][\w.]*)\s*\(")  # `apps = Apps(...)`
TYPE_KINDS = frozenset({"class", "struct", "enum", "trait", "interface", "impl", "type_alias"})
CALLABLE_KINDS = frozenset({"function", "method", "class", "struct", "macro"})
_MACRO = frozenset({"macro"})
_METHOD = frozenset({"method"})
_GO_FIELD_TYPE = re.compile(r"(?:[A-Za-z_]\w*\.)?[A-Za-z_]\w*")
BASE_KINDS = frozenset({"class", "struct", "trait", "interface", "enum", "type_alias"})
FAMILY = {"typescript": "js", "tsx": "js", "javascript": "js"}
_SEP = re.compile(r"::|\.")
_GENERIC = re.compile(r"<.*>$")
JS_SUFFIXES = ("", "/index")


class Builtins(NamedTuple):
    methods: frozenset[str]
    types: frozenset[str]


@functools.cache
def builtins(language: str) -> Builtins:
    """The builtin / std receiver methods and type heads of a language (``builtin_receivers.toml``)."""
    data = tomllib.loads(resources.files("semgraph.graph").joinpath("builtin_receivers.toml").read_text())
    entry = data.get(language) or data.get(FAMILY.get(language, language), {})
    return Builtins(frozenset(entry.get("methods", ())), frozenset(entry.get("types", ())))


_RETURNS = re.compile(r"->\s*[\"']?([A-Za-z_][A-Za-z0-9_:.]*)[\"']?\s*(?:where\b|\{|:|$)")
_ALIAS_OF = re.compile(r"=\s*([A-Za-z_$][\w$]*)\s*(?:<[^=]*>)?\s*;?\s*$")
_JAVA_NOT_TYPES = frozenset(
    {
        "void",
        "int",
        "long",
        "boolean",
        "double",
        "float",
        "short",
        "byte",
        "char",
        "public",
        "private",
        "protected",
        "static",
        "final",
        "abstract",
        "synchronized",
    }
)
_GO_RESULT = re.compile(r"(?:[A-Za-z_]\w*\.)?[A-Za-z_]\w*")
_GO_BUILTINS = frozenset({"string", "int", "int64", "int32", "uint", "byte", "rune", "bool", "float64", "error", "any"})
_LITERAL_HEAD = re.compile(r"""^\s*(?:[rbfu]*["']|[\[{(]|\d)""")


class Sym(NamedTuple):
    """A symbol as the resolver sees it (a tuple: built by the hundred thousand from rows)."""

    id: int
    file_id: int
    kind: str
    name: str
    qname: str
    parent_id: int | None


class FileInfo(NamedTuple):
    id: int
    path: str
    language: str
    module: str


@dataclass(slots=True)
class ImportSite:
    module: str
    name: str
    alias: str
    line: int
    is_relative: bool
    scope_id: int

    def key(self) -> tuple[str, str, str, int, int]:
        return (self.module, self.name, self.alias, self.line, self.scope_id)


@dataclass(slots=True)
class CallSite:
    src_id: int
    target: str
    name: str
    receiver: str
    line: int
    col: int
    order: int
    rtype: str = ""  # the receiver's stated type (``self.users`` → "UserRepository"), kept in the edge's meta
    was: str = ""  # the qualified name this call linked to before its definition went away (a re-index)
    args: int = -1  # the argument count (Java: picks among overloads), -1 when not counted


@dataclass(slots=True)
class BaseSite:
    src_id: int
    target: str
    kind: str
    line: int


@dataclass
class Unit:
    """One file to resolve: its identity, symbols and the sites to link."""

    file: FileInfo
    module_symbol_id: int
    symbols: dict[int, Sym]
    imports: list[ImportSite] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    bases: list[BaseSite] = field(default_factory=list)
    by_name: dict[str, list[Sym]] | None = None  # built on first use
    scopes: dict[int, dict[int, int]] = field(default_factory=dict)  # caller id -> {enclosing id: depth}
    # a re-resolved stored file: all imports feed the bindings, only these get new edge rows (None = all)
    import_filter: set[tuple[str, str, str, int, int]] | None = None


Prepared = tuple[Unit, dict, list[list[int]]]
"""A unit with its bindings and glob imports (``Resolver.prepare``)."""


def norm(qualified: str) -> str:
    return qualified.replace("::", ".").replace("/", ".")


def family(language: str) -> str:
    return FAMILY.get(language, language)


class SymbolIndex:
    """Lookups the resolver needs. ``bulk=True`` loads every symbol once (cheap
    per edge for a full index); ``bulk=False`` asks SQLite per name and memoises
    (cheap for a one-file re-index). ``symbols`` (with ``bulk``) are every symbol of the index, already in
    memory: a cold run passes the ones it just stored instead of reading them back (~0.5 s per 100k).
    ``details`` (symbol id → (signature, metrics JSON)) are those symbols' signatures and metrics, also in memory:
    then resolving reads nothing from the database, so it can run in forked processes (``resolve_calls``)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        bulk: bool,
        symbols: Iterable[Sym] | None = None,
        details: dict[int, tuple[str, str]] | None = None,
    ) -> None:
        self.conn = conn
        self.bulk = bulk
        self.details = details
        self._by_name: dict[str, list[Sym]] = {}
        self._by_id: dict[int, Sym] = {}
        self._children: dict[int, list[Sym]] | None = None
        self.files: dict[int, FileInfo] = {}
        self._modules: dict[str, list[int]] = {}
        self._module_symbol: dict[int, int] = {}
        self._bases: dict[int, list[int]] = {}
        self._bases_loaded: set[int] = set()
        self._impl_by_type: dict[str, list[Sym]] | None = None
        self._impl_by_trait: dict[str, list[Sym]] | None = None
        self._suffixes: dict[str, list[int]] | None = None
        self._callables: dict[tuple[str, str, frozenset[str]], tuple[list[Sym], list[Sym]]] = {}
        self._by_name_file: dict[str, dict[int, list[Sym]]] = {}
        self._returns: dict[int, str] = {}
        rows = conn.execute("SELECT id, path, language, module FROM files").fetchall()
        rust = [r[1] for r in rows if r[2] == "rust"]
        self.cargo: CargoMap | None = None
        self._rust_key: dict[int, str] = {}
        self.tsconfig: TsConfigMap | None = None
        if rust or any(family(r[2]) == "js" for r in rows):
            root = conn.execute("SELECT value FROM meta WHERE key = 'root'").fetchone()
            root_path = Path(root[0]) if root and root[0] else None
            if rust:
                self.cargo = CargoMap(root_path, rust)
            self.tsconfig = TsConfigMap(root_path)
        for fid, path, lang, module in rows:
            self.files[fid] = FileInfo(fid, path, lang, module)
            if lang == "rust" and self.cargo is not None:
                module = self._rust_key[fid] = self.cargo.module_key(path, module)
            self._modules.setdefault(module, []).append(fid)
        self._module_names = list(self._modules)
        if bulk:
            children: dict[int, list[Sym]] = {}
            if symbols is None:
                rows = conn.execute("SELECT id, file_id, kind, name, qualified_name, parent_id FROM symbols")
                symbols = (Sym(*row) for row in rows)
            for s in symbols:
                self._by_id[s.id] = s
                self._by_name.setdefault(s.name, []).append(s)
                if s.parent_id is not None:
                    children.setdefault(s.parent_id, []).append(s)
                elif s.kind == "module":
                    self._module_symbol[s.file_id] = s.id
            self._children = children
            for src, dst in conn.execute(  # none yet on a cold run: cheap
                "SELECT src_id, dst_id FROM edges WHERE kind IN ('inherits','implements') AND dst_id IS NOT NULL"
            ):
                self._bases.setdefault(src, []).append(dst)
            self._bases_loaded = set(self._by_id)

    def warm(self) -> None:
        """Build the whole-index tables that are otherwise built on first use (before forking workers)."""
        self.trait_impls("")
        self.module_files_by_suffix("")

    # symbols
    def by_name(self, name: str) -> list[Sym]:
        got = self._by_name.get(name)
        if got is None:
            if self.bulk:
                return []
            got = [
                Sym(*r)
                for r in self.conn.execute(
                    "SELECT id, file_id, kind, name, qualified_name, parent_id FROM symbols WHERE name = ?", (name,)
                )
            ]
            self._by_name[name] = got
            for s in got:
                self._by_id[s.id] = s
        return got

    def symbol(self, sid: int) -> Sym | None:
        s = self._by_id.get(sid)
        if s is None and not self.bulk:
            row = self.conn.execute(
                "SELECT id, file_id, kind, name, qualified_name, parent_id FROM symbols WHERE id = ?", (sid,)
            ).fetchone()
            if row:
                s = self._by_id[sid] = Sym(*row)
        return s

    def children(self, sid: int) -> list[Sym]:
        if self._children is not None:
            return self._children.get(sid, [])
        rows = self.conn.execute(
            "SELECT id, file_id, kind, name, qualified_name, parent_id FROM symbols WHERE parent_id = ?", (sid,)
        )
        return [Sym(*r) for r in rows]

    def module_symbol(self, file_id: int) -> int | None:
        if file_id not in self._module_symbol and not self.bulk:
            row = self.conn.execute(
                "SELECT id FROM symbols WHERE file_id = ? AND kind = 'module' ORDER BY id LIMIT 1", (file_id,)
            ).fetchone()
            self._module_symbol[file_id] = row[0] if row else None  # type: ignore[assignment]
        return self._module_symbol.get(file_id)

    def bases(self, sid: int) -> list[int]:
        if sid not in self._bases_loaded:
            self._bases_loaded.add(sid)
            rows = self.conn.execute(
                "SELECT dst_id FROM edges WHERE src_id = ? AND kind IN ('inherits','implements') "
                "AND dst_id IS NOT NULL",
                (sid,),
            )
            self._bases.setdefault(sid, []).extend(r[0] for r in rows)
        return self._bases.get(sid, [])

    def add_base(self, src: int, dst: int) -> None:
        self.bases(src)
        self._bases.setdefault(src, []).append(dst)

    def impls(self, type_name: str) -> list[Sym]:
        """Rust impl blocks of a type: named ``Type`` or ``Trait for Type``."""
        if self._impl_by_type is None:
            self._impl_by_type = {}
            if self.bulk:
                rows = ((s.id, s.file_id, s.kind, s.name, s.qname, s.parent_id) for s in self._by_id.values())
                rows = (r for r in rows if r[2] == "impl")
            else:
                rows = self.conn.execute(
                    "SELECT id, file_id, kind, name, qualified_name, parent_id FROM symbols WHERE kind = 'impl'"
                )
            for r in rows:
                s = Sym(*r)
                self._impl_by_type.setdefault(_impl_type(s.name), []).append(s)
        return self._impl_by_type.get(type_name, [])

    def trait_impls(self, trait_name: str) -> list[Sym]:
        """Rust impl blocks ``impl <trait_name> for X`` (the trait's last path segment, generics dropped)."""
        if self._impl_by_trait is None:
            self.impls("")  # fills _impl_by_type
            self._impl_by_trait = {}
            for blocks in (self._impl_by_type or {}).values():
                for s in blocks:
                    if " for " in s.name:
                        trait = _GENERIC.sub("", s.name.split(" for ")[0]).strip()
                        self._impl_by_trait.setdefault(_SEP.split(trait)[-1], []).append(s)
        return self._impl_by_trait.get(trait_name, [])

    def signature(self, sid: int) -> str:
        """A symbol's signature ("" when it has none or is not in the index)."""
        if self.details is not None:
            got = self.details.get(sid)
            return got[0] if got is not None else ""
        row = self.conn.execute("SELECT signature FROM symbols WHERE id = ?", (sid,)).fetchone()
        return row[0] if row and row[0] else ""

    def returns(self, sid: int) -> str:
        """The type name a function's signature says it returns (``-> Self``, ``-> User``), else ""."""
        got = self._returns.get(sid)
        if got is None:
            sig = self.signature(sid)
            if sig.startswith("func"):  # Go: `func (s svc) Get(ctx context.Context) (Album, error)` → Album
                got = self._returns[sid] = go_result_type(sig)
                return got
            m = _RETURNS.search(sig)
            got = self._returns[sid] = _SEP.split(m.group(1))[-1] if m else ""
        return got

    def params(self, sid: int) -> int:
        """How many parameters a function or method declares (its metrics), -1 when not known."""
        if self.details is not None:
            got = self.details.get(sid)
            value = json.loads(got[1]).get("params") if got is not None and '"params"' in got[1] else None
            return value if isinstance(value, int) and not isinstance(value, bool) else -1
        row = self.conn.execute("SELECT json_extract(metrics, '$.params') FROM symbols WHERE id = ?", (sid,)).fetchone()
        return row[0] if row and isinstance(row[0], int) else -1

    # modules
    def module_files(self, module: str) -> list[int]:
        return self._modules.get(module, [])

    def alias_module(self, alias: str, files: list[int]) -> None:
        """``#[path = "x.rs"] mod m;``: module ``alias`` (``<here>::m``) is the file(s) of another path-made name."""
        if files and alias not in self._modules:
            self._modules[alias] = list(files)
            self._module_names.append(alias)

    def module_key(self, fid: int, module: str | None = None) -> str:
        """The module of file ``fid`` as modules are keyed here: Rust modules carry their crate
        (``crate::db`` in crate ``api`` → ``api::db``); ``module`` is a path inside that file (an inline
        ``mod``), default the file's own module."""
        info = self.files[fid]
        if module is None or module == info.module:
            return self._rust_key.get(fid, info.module)
        key = self._rust_key.get(fid)
        if key is not None and module.startswith(info.module + "::"):  # an inline `mod` of this file
            return key + module[len(info.module) :]
        if key is not None and is_path_made(module) and not is_path_made(key):
            return with_crate(module, key.split("::", 1)[0])
        return module

    def crate_key(self, fid: int) -> str | None:
        """The crate of a Rust file inside a Cargo package's sources, else None."""
        key = self._rust_key.get(fid)
        return None if key is None or is_path_made(key) else key.split("::", 1)[0]

    def sibling_crate(self, fid: int, head: str) -> str | None:
        """The workspace crate a Rust path head names from file ``fid`` (a dependency, renamed or not, or
        the package's own library), or None."""
        if self.cargo is None:
            return None
        crate = self.cargo.crate_of(self.files[fid].path)
        if crate is not None:
            if head in crate.deps:
                return crate.deps[head]
            if head == crate.name or head in crate.external:
                return crate.name if head == crate.name else None
        return head if head in self.cargo.crates else None

    def outside_crate(self, fid: int, head: str) -> bool:
        """``head`` names a dependency of file ``fid``'s package from outside the indexed root (``toml``)."""
        if self.cargo is None:
            return False
        crate = self.cargo.crate_of(self.files[fid].path)
        return crate is not None and head in crate.external

    def module_files_by_suffix(self, module: str) -> list[int]:
        """Files whose module ends with ``.module`` (a ``src/`` layout, a Go import path)."""
        if self._suffixes is None:
            self._suffixes = {}
            for m, fids in self._modules.items():
                parts = m.split(".")
                for k in range(1, len(parts)):
                    self._suffixes.setdefault(".".join(parts[k:]), []).extend(fids)
        return self._suffixes.get(module, [])

    def callables(self, name: str, fam: str, kinds: frozenset[str]) -> tuple[list[Sym], list[Sym]]:
        """(methods, others) called ``name`` of one of ``kinds`` in a language family (memoised: hot)."""
        key = (name, fam, kinds)
        got = self._callables.get(key)
        if got is None:
            both = [s for s in self.by_name(name) if s.kind in kinds and family(self.files[s.file_id].language) == fam]
            got = ([s for s in both if s.kind == "method"], [s for s in both if s.kind != "method"])
            self._callables[key] = got
        return got

    def by_name_by_file(self, name: str) -> dict[int, list[Sym]]:
        got = self._by_name_file.get(name)
        if got is None:
            got = {}
            for s in self.by_name(name):
                got.setdefault(s.file_id, []).append(s)
            self._by_name_file[name] = got
        return got


class Resolver:
    """Turns a ``Unit``'s sites into edge rows for the ``edges`` table."""

    def __init__(self, index: SymbolIndex) -> None:
        self.ix = index
        self.stats: dict[str, int] = {}
        self.reexports: dict[tuple[int, str], int] = {}
        self.resolving: set[int] = set()
        self._same: dict[int, list[int]] = {}
        self.globs: dict[int, list[list[int]]] = {}  # file id → files its glob imports (`use a::*`) bring in
        # other definitions the call being resolved may reach, and why: the impls of a `dyn Trait` method, the
        # `#[cfg]` twin of a Rust item; each becomes a `possible` edge beside the main one
        self.alts: tuple[str, list[int]] | None = None
        self._args = -1  # the argument count of the call being resolved (-1: unknown)
        self._instance = ""  # the module-level variable the call being resolved was typed through (`_instance_call`)
        self._globs_read: dict[int, list[list[int]]] = {}  # the same for stored files, read from their edges
        self._settled = False  # set once `prepare` has bound every import: re-exports are then fixed
        self._reexported: dict[tuple[tuple[int, ...], str], int | None] = {}  # `_reexport` answers since then
        self._all: dict[int, frozenset[str] | None] = {}  # file id → its `__all__` names (None: not a literal)

    # -- entry point -------------------------------------------------------
    def resolve_all(self, units: list[Unit]) -> list[tuple]:
        """Edge rows ``(kind, src, dst, target, name, resolution, candidates, line, col, ord, file_id, origin,
        meta)`` for every unit: imports and bases of all units first, since ``self.x()`` walks resolved bases."""
        rows, prepared = self.prepare(units)
        rows.extend(self.resolve_calls(prepared))
        return rows

    def prepare(self, units: list[Unit]) -> tuple[list[tuple], list[Prepared]]:
        """The import and base edge rows of every unit, and each unit's bindings for ``resolve_calls``.

        Everything one unit's calls read from the others (bindings, re-exports, glob imports, resolved bases)
        is settled here, so the units' calls can then be resolved in any grouping, in parallel."""
        rows: list[tuple] = []
        prepared: list[Prepared] = []
        self.resolving = {u.file.id for u in units}
        self._settled = False
        self._reexported.clear()
        self._path_mods(units)
        for unit in units:
            bindings, globs = self._bindings(unit)
            for local, value in bindings.items():
                if not local.startswith("\0") and value[2] is not None:
                    self.reexports[(unit.file.id, local)] = value[2]
            if globs:
                self.globs[unit.file.id] = globs
            prepared.append((unit, bindings, globs))
        # names imported from a package that re-exports them (`from pkg import User`, pkg/__init__ imports it;
        # `use api::User` with `pub use model::User` in api's lib.rs); twice, for a re-export of a re-export
        for _round in range(2):
            for unit, bindings, _globs in prepared:
                fixed = []
                for imp, target in bindings["\0imports"]:
                    if target is not None and target[2] is None and len(target[1]) == 1:
                        sid = self._reexport(target[0], target[1][0])
                        if sid is not None:
                            member = target[1]
                            if member == ["default"]:  # `import x from './m'`: the name m exports as default
                                sym = self.ix.symbol(sid)
                                member = [sym.name] if sym is not None else member
                            target = (target[0], member, sid)
                            local = imp.alias or imp.name
                            if bindings.get(local, (None, None, 0))[2] is None:
                                bindings[local] = target
                                self.reexports[(unit.file.id, local)] = sid
                    fixed.append((imp, target))
                bindings["\0imports"] = fixed
        for unit, bindings, globs in prepared:
            rows.extend(self._imports_and_bases(unit, bindings, globs))
        self._settled = True
        return rows, prepared

    def resolve_calls(self, prepared: list[Prepared]) -> list[tuple]:
        """The call edge rows of prepared units (``prepare``), in their order; counts them in ``stats``."""
        rows: list[tuple] = []
        for unit, bindings, globs in prepared:
            rows.extend(self._calls(unit, bindings, globs))
        return rows

    def _path_mods(self, units: list[Unit]) -> None:
        """Modules declared ``#[path = "…"] mod m;`` (the extractor gives such a ``mod`` import the path-made
        module of its file, not ``<here>::m``): ``<here>::m`` is made to name that file, for every unit resolved
        now and, on a re-index, for the stored files' declarations too."""
        found: list[tuple[int, str, str, str | None]] = []  # (file, module text, alias, declaring module)
        for unit in units:
            if unit.file.language != "rust":
                continue
            for imp in unit.imports:
                if not imp.name and imp.alias and imp.module.rsplit("::", 1)[-1] != imp.alias:
                    scope = unit.symbols.get(imp.scope_id)
                    found.append(
                        (unit.file.id, imp.module, imp.alias, scope.qname if scope and scope.kind == "module" else None)
                    )
        if not self.ix.bulk and self.ix.cargo is not None:
            rows = self.ix.conn.execute(
                "SELECT e.file_id, e.target, json_extract(e.meta, '$.alias') FROM edges e "
                "JOIN files f ON f.id = e.file_id WHERE e.kind = 'imports' AND f.language = 'rust' "
                "AND json_extract(e.meta, '$.name') = ''"
            ).fetchall()
            found.extend(
                (fid, t, a, None) for fid, t, a in rows if fid not in self.resolving and a and not t.endswith("::" + a)
            )
        for fid, text, alias, scope in found:
            here = self.ix.module_key(fid, scope)
            target = self.ix.module_key(fid, text) if is_path_made(text) else text
            self.ix.alias_module(f"{here}::{alias}", self.ix.module_files(target))

    def _imports_and_bases(self, unit: Unit, bindings: dict, globs: list[list[int]]) -> list[tuple]:
        rows: list[tuple] = []
        fid = unit.file.id
        for imp, resolved in bindings.pop("\0imports", []):  # type: ignore[misc]
            if unit.import_filter is not None and imp.key() not in unit.import_filter:
                continue
            dst = resolved[2] if resolved else None
            res = Resolution.IMPORT if dst is not None else Resolution.UNRESOLVED
            meta = json.dumps({"name": imp.name, "alias": imp.alias, "relative": imp.is_relative})
            name = imp.name or _SEP.split(imp.module.replace("/", "."))[-1]
            rows.append(
                ("imports", imp.scope_id, dst, imp.module, name, res.value, 0, imp.line, 0, 0, fid, "index", meta)
            )
        for b in unit.bases:
            dst, res, cands = self._resolve_target(unit, b.src_id, b.target, bindings, globs, BASE_KINDS, base=True)
            if dst is not None:
                self.ix.add_base(b.src_id, dst)
            name = _SEP.split(b.target)[-1]
            rows.append((b.kind, b.src_id, dst, b.target, name, res, cands, b.line, 0, 0, fid, "index", "{}"))
        return rows

    def _calls(self, unit: Unit, bindings: dict, globs: list[list[int]]) -> list[tuple]:
        rows: list[tuple] = []
        fid = unit.file.id
        # `x.append(…)`, `os.path.join(…)`: a call through a receiver that is not self/this resolves the same
        # way wherever it sits in the file (scope chains only matter for bare names), so it is resolved once
        memo: dict[str, tuple] = {}
        for c in unit.calls:
            if "@" in c.rtype:  # Java: "UserRepository@2", the receiver's type and the argument count
                c.rtype, _, n = c.rtype.partition("@")
                c.args = int(n) if n.isdigit() else -1
            self._args = c.args
            typed = bool(c.rtype)  # the same text may have another stated type elsewhere: not memoised
            key = c.target if c.receiver and c.receiver.split(".")[0] not in SELF_WORDS and not typed else None
            key = f"{key}@{c.args}" if key is not None and c.args >= 0 else key
            caller = unit.symbols.get(c.src_id)
            self.alts = None
            self._instance = ""
            if key is not None and caller is not None and caller.name != c.name and key in memo:
                dst, res, cands, self.alts, self._instance = memo[key]
            elif c.rtype:
                dst, res, cands = self._typed(unit, c, bindings, globs)
            elif unit.file.language == "rust" and c.receiver.startswith("self.") and c.receiver.count(".") == 1:
                dst, res, cands = self._rust_self_field(unit, c, bindings, globs)
            else:
                got = self._instance_call(unit, c, bindings) if unit.file.language == "python" else None
                dst, res, cands = got or self._resolve_target(unit, c.src_id, c.target, bindings, globs, CALLABLE_KINDS)
                if key is not None and caller is not None and caller.name != c.name:
                    memo[key] = (dst, res, cands, self.alts, self._instance)
            info: dict[str, str | int] = {"type": c.rtype} if c.rtype else {}
            if self._instance and dst is not None:  # typed through this variable: redone when it changes
                info["instance"] = self._instance
            if c.args >= 0:
                info["args"] = c.args
            alts = self.alts if dst is not None else None
            if alts is None and dst is not None and unit.file.language == "rust":
                alts = self._cfg_twins(dst)
            if alts is not None:
                info["alternatives"] = alts[0]  # type: ignore[assignment]
            if c.was and res != _UNRESOLVED and res not in _SURE_CALL and not self._same_as(dst, c.was):
                # its definition went away: a same-named symbol elsewhere is not what the caller meant
                dst, res, cands = None, _UNRESOLVED, 0
            if c.was and dst is None:
                info["broken"] = c.was
            self.stats[res] = self.stats.get(res, 0) + 1
            meta = json.dumps(info) if info else "{}"
            rows.append(
                ("calls", c.src_id, dst, c.target, c.name, res, cands, c.line, c.col, c.order, fid, "index", meta)
            )
            if alts is not None:
                why, ids = alts
                main = self.ix.symbol(dst) if dst is not None else None  # by name, not row id: ids differ per build
                extra = json.dumps({"alternative_of": main.qname if main else "", "why": why})
                n = len(ids) + 1
                for alt in ids:
                    rows.append(
                        ("calls", c.src_id, alt, c.target, c.name, _ALTERNATIVE, n, c.line, c.col,
                         c.order, fid, "index", extra)
                    )  # fmt: skip
        self._args = -1
        return rows

    def _instance_call(self, unit: Unit, c: CallSite, bindings: dict) -> tuple[int | None, str, int] | None:
        """``apps.get_app_config()`` with ``apps = Apps()`` at module level (imported, or in this file): the
        method of the class the variable is made from, as for a stated type; None when that is not known."""
        segs = _segments(c.target)
        if len(segs) != 2 or c.receiver != segs[0] or segs[0] in SELF_WORDS:
            return None
        head = segs[0]
        var: Sym | None = None
        if head in bindings:
            sid = bindings[head][2]
            var = self.ix.symbol(sid) if sid is not None else None
        else:
            var = self._local(unit, c.src_id, head, _VARIABLE)  # `_made_from` keeps module-level ones only
        if var is None or var.kind != "variable":
            return None
        owner = self._made_from(var)
        if owner is None:
            return None
        sym = self._method_of(unit, owner, c.name)
        self._instance = var.qname
        return (sym.id, _TYPED, 1) if sym is not None else (None, _UNRESOLVED, 0)

    def _made_from(self, var: Sym) -> Sym | None:
        """The project class a module-level ``x = Cls(...)`` is an instance of, found from the variable's file
        (defined there or imported); None for any other value or a variable bound more than once."""
        if var.parent_id is not None and self.ix.module_symbol(var.file_id) != var.parent_id:
            return None
        if len(self.ix.by_name_by_file(var.name).get(var.file_id, ())) != 1:
            return None
        m = _MADE_FROM.match(self.ix.signature(var.id))
        if m is None:
            return None
        path = m.group(1).split(".")
        got = self._member([var.file_id], path, BASE_KINDS) if len(path) == 1 else None
        if got is None and len(path) == 1:
            via = self._reexport([var.file_id], path[0])
            got = self.ix.symbol(via) if via is not None else None
        return got if got is not None and got.kind == "class" and got.name == path[-1] else None

    def _same_as(self, sid: int | None, was: str) -> bool:
        """Is ``sid`` the definition a call linked to before (``was``: "qualified.name (path:line)")? A file
        whose imports changed is stored again under new ids: its unchanged definitions are not gone."""
        sym = self.ix.symbol(sid) if sid is not None else None
        if sym is None:
            return False
        qname, _, where = was.rpartition(" (")
        return sym.qname == qname and where.rpartition(":")[0] == self.ix.files[sym.file_id].path

    def _rust_self_field(
        self, unit: Unit, c: CallSite, bindings: dict, globs: list[list[int]]
    ) -> tuple[int | None, str, int]:
        """``self.refs.take()`` in an impl of a struct declaring ``refs: RefSequence``: the method of that
        project type (or of the one impl of a `dyn Trait` field); else the usual attempts."""
        from semgraph.graph.extractors.rust import rust_type_name  # not at import time: the CLI's search stays lean

        owner = self._enclosing_type(unit, c.src_id)
        fld = c.receiver[len("self.") :]
        blocks = [b for b in self._rust_type_blocks(unit, owner) if b.kind == "struct"] if owner is not None else []
        for block in blocks[:1]:
            field_sym = next((ch for ch in self.ix.children(block.id) if ch.kind == "field" and ch.name == fld), None)
            sig = self.ix.signature(field_sym.id) if field_sym else None
            typ = rust_type_name(sig.partition(":")[2]) if sig is not None else ""
            tsym = self._stated(unit, c.src_id, typ, bindings, globs) if typ else None
            if tsym is not None and tsym.kind in TYPE_KINDS:
                self.alts = None
                sym = self._method_of(unit, tsym, c.name)
                if sym is not None and tsym.kind == "trait" and sym.parent_id == tsym.id:
                    sym = self._dispatch(tsym, sym)
                if sym is not None:
                    return sym.id, _TYPED, 1
                return None, _UNRESOLVED, 0  # derived or std methods of a project type
        return self._resolve_target(unit, c.src_id, c.target, bindings, globs, CALLABLE_KINDS)

    def _extension_method(self, unit: Unit, type_name: str, name: str) -> Sym | None:
        """A Rust extension trait: ``ctx.state()`` with ``ctx: &Context`` of an outside crate and the project's
        one ``impl ContextExt for &Context<'_>`` defining ``state`` (the only way such a call compiles)."""
        if unit.file.language != "rust" or not type_name or type_name.endswith("()"):
            return None
        type_name = _SEP.split(type_name)[-1]
        blocks = [b for t in (type_name, "&" + type_name) for b in self.ix.impls(t) if " for " in b.name]
        found = [ch for b in blocks for ch in self.ix.children(b.id) if ch.name == name and ch.kind == "method"]
        return found[0] if len(found) == 1 else None

    def _cfg_twins(self, sid: int) -> tuple[str, list[int]] | None:
        """The other definitions of a Rust item with the same qualified name in the same file (Rust has no
        redefinition, so the build picks one of them), however the call reached the one linked."""
        sym = self.ix.symbol(sid)
        if sym is None:
            return None
        same = [s for s in self.ix.by_name_by_file(sym.name).get(sym.file_id, ()) if s.qname == sym.qname]
        if len(same) < 2:
            return None
        # in one block: `#[cfg]` twins; in two impl blocks of a type: a generic trait implemented for several
        # argument types (`impl TryFrom<String>` and `impl TryFrom<&str>`), picked by the argument's type
        why = "cfg" if all(s.parent_id == sym.parent_id for s in same) else "overload"
        return (why, [s.id for s in same if s.id != sid])

    def _typed(self, unit: Unit, c: CallSite, bindings: dict, globs: list[list[int]]) -> tuple[int | None, str, int]:
        """``self.users.create()`` / ``repo.create()`` with the receiver's type stated in the source: the type's
        method (or its bases'), else the usual attempts."""
        owner: Sym | None = None
        if (
            c.rtype.endswith("()") and "#" not in c.rtype
        ):  # `x = make(..)` / `let x = T::make(..)`: the type `make` says it returns
            owner = self._returned_type(unit, c, bindings, globs)
        else:
            typ, _, fld = c.rtype.partition("#")  # Go `a.core.M()`: "App#core", the field core of a's type App
            owner = self._stated(unit, c.src_id, typ, bindings, globs)
            if fld == "*" and owner is not None:  # a longer chain on a project type: not followed
                return self._resolve_target(unit, c.src_id, c.target, bindings, globs, CALLABLE_KINDS)
            if owner is not None and fld.endswith("()"):  # Java `x.getA().m()`: the type getA returns
                owner = self._java_returned(owner, fld[:-2], unit)
            elif owner is not None and fld:
                owner = self._field_type(unit, c.src_id, owner, fld, bindings, globs)
        self.alts = None  # finding the receiver's type is not the call's own ambiguity
        if owner is _OUTSIDE:  # a type of an outside package (`*zap.Logger`): its methods are not ours
            return None, _UNRESOLVED, 0
        if owner is not None and owner.kind == "type_alias" and family(unit.file.language) == "js":
            owner = self._aliased(owner)
        if owner is not None and owner.kind in TYPE_KINDS:
            sym = self._method_of(unit, owner, c.name)
            if sym is not None and owner.kind == "trait" and sym.parent_id == owner.id:
                sym = self._dispatch(owner, sym)
            if sym is None and unit.file.language == "go":  # Go methods sit beside their type, in its package
                files = self.ix.module_files(self.ix.files[owner.file_id].module)
                sym = self._member(files, [owner.name, c.name], _METHOD)
            if sym is not None:
                return sym.id, _TYPED, 1
            # a project type whose methods and resolved bases lack the name: inherited from outside (a Spring
            # JpaRepository's findById) or dynamic; another type's method of that name would be a wrong guess
            return None, _UNRESOLVED, 0
        ext = self._extension_method(unit, c.rtype, c.name) if owner is None else None
        if ext is not None:
            return ext.id, _TYPED, 1
        head = _SEP.split(c.rtype.partition("#")[0])[0]
        if owner is None and head in bindings.get("\0external", ()) and head not in bindings:
            return None, _UNRESOLVED, 0  # `c echo.Context`: a type of an outside package
        return self._resolve_target(unit, c.src_id, c.target, bindings, globs, CALLABLE_KINDS)

    def _dispatch(self, trait: Sym, decl: Sym) -> Sym:
        """A method called on a ``dyn Trait`` / ``impl Trait`` value: the one impl of the trait in the project
        that defines it (surely that one: no other type of the workspace has it), else the trait's declaration
        with each impl's method as a possible alternative."""
        found = []
        for block in self.ix.trait_impls(trait.name):
            if trait.id not in self.ix.bases(block.id):
                continue  # another trait of the same name
            found.extend(ch for ch in self.ix.children(block.id) if ch.name == decl.name and ch.kind == "method")
        if len(found) == 1:
            return found[0]
        if found:
            self.alts = ("dyn", [m.id for m in found])
        return decl

    def _aliased(self, owner: Sym) -> Sym | None:
        """``type WalletRepositoryPort = RepositoryPort<WalletEntity>``: the type the alias names (generic
        arguments dropped), found from the alias's own file; None for a union, an object type or a package's."""
        for _hop in range(3):
            if owner.kind != "type_alias":
                return owner
            m = _ALIAS_OF.search(self.ix.signature(owner.id))
            if m is None:
                return None
            got = self._member([owner.file_id], [m.group(1)], BASE_KINDS)
            if got is None:
                via = self._reexport([owner.file_id], m.group(1))
                got = self.ix.symbol(via) if via is not None else None
            if got is None or got.kind not in TYPE_KINDS or got.id == owner.id:
                return None
            owner = got
        return None

    def _stated(self, unit: Unit, src_id: int, typ: str, bindings: dict, globs: list[list[int]]) -> Sym | None:
        """The type symbol a stated type text surely names in the caller's file, else None."""
        tid, how, _n = self._resolve_target(unit, src_id, typ, bindings, globs, BASE_KINDS, base=True)
        return self.ix.symbol(tid) if tid is not None and how in _SURE else None

    def _java_returned(self, owner: Sym, method: str, unit: Unit) -> Sym | None:
        """The project type a Java method of ``owner`` declares it returns (``public PollLength getPollLength()``),
        found in the method's file, its imports or its package; ``_OUTSIDE`` for an imported outside type."""
        args, self._args = self._args, -1  # the inner call's arguments are not counted
        try:
            fn = self._method_of(unit, owner, method)
        finally:
            self._args = args
        if fn is None:
            return None
        m = re.search(
            r"([A-Za-z_$][\w$]*)(?:<[^()]*>)?(?:\[\])*\s+" + re.escape(method) + r"\s*\(", self.ix.signature(fn.id)
        )
        if m is None or m.group(1) in _JAVA_NOT_TYPES:
            return None
        ret = m.group(1)
        fid = fn.file_id
        got = self._member([fid, *self.ix.module_files(self.ix.files[fid].module)], [ret], BASE_KINDS)
        if got is None:
            via = self._reexport([fid], ret)  # `import com.x.PollLength;` in the method's file
            got = self.ix.symbol(via) if via is not None else None
        return got if got is not None and got.kind in TYPE_KINDS else None

    def _go_package_type(self, text: str) -> Sym | None:
        """``core.Core``: the type in the one project package named like the qualifier; ``_OUTSIDE`` when no
        project package has that name (``zap.Logger``), None when it is unclear."""
        pkg, name = text.split(".", 1)
        mods = [
            m
            for m in self.ix._module_names
            if (m == pkg or m.endswith("/" + pkg)) and self.ix.files[self.ix.module_files(m)[0]].language == "go"
        ]  # a frontend's `editor/core.tsx` is no Go package `core`
        if not mods:
            return _OUTSIDE
        if len(mods) == 1:
            got = self._member(self.ix.module_files(mods[0]), [name], BASE_KINDS)
            return got if got is not None and got.kind in TYPE_KINDS else None
        return None

    def _field_type(
        self, unit: Unit, src_id: int, owner: Sym, fld: str, bindings: dict, globs: list[list[int]]
    ) -> Sym | None:
        """The declared type of field ``fld`` of ``owner`` (from the field's signature ``core *core.Core``):
        through the caller's imports, else the one package of the project named like its qualifier."""
        field_sym = next((ch for ch in self.ix.children(owner.id) if ch.name == fld and ch.kind == "field"), None)
        if field_sym is None:
            for base in self.ix.bases(owner.id):  # an embedded project type (`a.Store.Get()`) or its field
                bsym = self.ix.symbol(base)
                if bsym is not None and bsym.name == fld:
                    return bsym
                if bsym is not None and any(ch.name == fld for ch in self.ix.children(base)):
                    return self._field_type(unit, src_id, bsym, fld, bindings, globs)
            # neither a field nor an embedded project type: an embedded outside type (`*zap.SugaredLogger`);
            # another type's method of that name would be a guess
            return _OUTSIDE if owner.kind == "struct" else None
        parts = self.ix.signature(field_sym.id).split(None, 1)
        text = parts[1].strip().lstrip("*") if len(parts) == 2 else ""
        if not _GO_FIELD_TYPE.fullmatch(text):
            return None
        got = self._stated(unit, src_id, text, bindings, globs)
        if got is None and "." in text:
            got = self._go_package_type(text)
            if got is _OUTSIDE:
                return got
        elif got is None:
            got = self._member(self.ix.module_files(self.ix.files[owner.file_id].module), [text], BASE_KINDS)
        return got if got is not None and got.kind in TYPE_KINDS else None

    def _macro(self, unit: Unit, src_id: int, path: str, bindings: dict) -> tuple[int | None, str, int]:
        """A ``macro_rules!`` macro: imported (``use util::log;``), defined in this file, in this crate
        (textual scope / ``#[macro_use]``), or ``#[macro_export]``-ed by the crate the path names
        (``util::log!``) — one macro of that name, or nothing."""
        segs = path.split("::")
        name = segs[-1]
        if len(segs) == 1:
            bound = bindings.get(name)
            if bound is not None and bound[2] is not None:
                sym = self.ix.symbol(bound[2])
                if sym is not None and sym.kind == "macro":
                    return sym.id, _IMPORT, 1
            local = self._local(unit, src_id, name, _MACRO)
            if local is not None:
                return local.id, _SAME_MODULE, 1
            crate, how = self.ix.crate_key(unit.file.id), Resolution.SAME_MODULE
        else:
            head = segs[0]
            crate = self.ix.crate_key(unit.file.id) if head in ("crate", "self", "$crate") else None
            crate = crate or self.ix.sibling_crate(unit.file.id, head)
            how = Resolution.QUALIFIED
        if crate is None:
            return None, _UNRESOLVED, 0
        sym = self._exported_macro(crate, name)
        if sym is not None:
            return sym.id, how.value, 1
        return None, _UNRESOLVED, 0

    def _exported_macro(self, crate: str, name: str) -> Sym | None:
        """The one ``macro_rules!`` macro called ``name`` in ``crate`` (``#[macro_export]`` puts it at the root)."""
        found = [s for s in self.ix.by_name(name) if s.kind == "macro" and self.ix.crate_key(s.file_id) == crate]
        return found[0] if len(found) == 1 else None

    def _returned_type(self, unit: Unit, c: CallSite, bindings: dict, globs: list[list[int]]) -> Sym | None:
        """The type a surely-resolved function is declared to return (``-> Self`` in an impl, ``-> User``,
        ``def f() -> User:``), found from the function's own file (or the caller's imports)."""
        path = c.rtype[:-2]
        fid, how, _n = self._resolve_target(unit, c.src_id, path, bindings, globs, CALLABLE_KINDS)
        if fid is None or how not in _SURE:
            return None
        fn = self.ix.symbol(fid)
        ret = self.ix.returns(fid)
        if fn is None or not ret:
            return None
        if ret == "Self":
            parent = self.ix.symbol(fn.parent_id) if fn.parent_id is not None else None
            return parent if parent is not None and parent.kind in TYPE_KINDS else None
        if fn.kind == "class":
            return None
        if unit.file.language == "go":  # the type is in the function's package, or named `pkg.T`
            if "." in ret:
                return self._go_package_type(ret)
            got = self._member(self.ix.module_files(self.ix.files[fn.file_id].module), [ret], BASE_KINDS)
            return got if got is not None and got.kind in TYPE_KINDS else None
        got = self._member([fn.file_id], [ret], BASE_KINDS)
        if got is None:  # a type the function's module imports (`from x import TestClient`)
            via = self._reexport([fn.file_id], ret)
            got = self.ix.symbol(via) if via is not None else None
        if got is None:
            tid, how, _n = self._resolve_target(unit, c.src_id, ret, bindings, globs, BASE_KINDS, base=True)
            got = self.ix.symbol(tid) if tid is not None and how in _SURE else None
        return got if got is not None and got.kind in TYPE_KINDS and got.name == ret else None

    def _reexport(self, files: list[int], name: str, seen: set[int] | None = None) -> int | None:
        """The symbol a module's own import binds to ``name`` (a re-export), if resolved; glob imports are
        followed transitively (``from pkg.sub import *`` whose ``__init__`` does ``from .leaf import *``)."""
        if seen is None:
            key = (tuple(files), name)
            if self._settled and key in self._reexported:
                return self._reexported[key]
            got = self._reexport(files, name, set())
            if self._settled:  # bindings and globs no longer change: the answer holds for every call
                self._reexported[key] = got
            return got
        for fid in files:
            sid = self.reexports.get((fid, name))
            if sid is not None:
                return sid
            for globbed in self.globs.get(fid, ()):  # `pub use model::*`
                sid = self._star_export(globbed, name, seen)
                if sid is not None:
                    return sid
            if fid in self.resolving:
                continue
            row = self.ix.conn.execute(
                "SELECT dst_id FROM edges WHERE file_id = ? AND kind = 'imports' AND dst_id IS NOT NULL "
                "AND (name = ? OR json_extract(meta, '$.alias') = ?) LIMIT 1",
                (fid, name, name),
            ).fetchone()
            if row:
                return row[0]
            for globbed in self._stored_globs(fid):  # as `self.globs` holds them for the files resolved in this run
                sid = self._star_export(globbed, name, seen)
                if sid is not None:
                    return sid
        return None

    def _star_export(self, files: list[int], name: str, seen: set[int]) -> int | None:
        """What a glob import of the module in ``files`` binds to ``name``: a name it defines or re-exports
        itself (through its own glob imports too); a Python module with ``__all__`` exports only those names,
        one without exports only its public names. ``seen`` stops import cycles."""
        for fid in files:
            if fid in seen:
                continue
            seen.add(fid)
            if self.ix.files[fid].language == "python":
                listed = self._dunder_all(fid)
                if (name not in listed) if listed is not None else name.startswith("_"):
                    continue
            sym = self._member([fid], [name], None)
            if sym is not None:
                return sym.id
            sid = self._reexport([fid], name, seen)
            if sid is not None:
                return sid
        return None

    def _dunder_all(self, fid: int) -> frozenset[str] | None:
        """The names a Python module lists in ``__all__ = [...]`` (a literal list or tuple); None when it has
        none or builds it otherwise (then its public names are exported)."""
        got = self._all.get(fid, False)
        if got is not False:
            return got  # type: ignore[return-value]
        names: frozenset[str] | None = None
        for sym in self.ix.by_name_by_file("__all__").get(fid, ()):
            if sym.parent_id is not None and self.ix.module_symbol(fid) != sym.parent_id:
                continue
            _left, eq, right = self.ix.signature(sym.id).partition("=")
            try:
                value = ast.literal_eval(right.strip()) if eq else None
            except (ValueError, SyntaxError):
                value = None
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                names = frozenset(value)
        self._all[fid] = names
        return names

    def _in_module(self, fid: int, rest: list[str], kinds: frozenset[str]) -> Sym | None:
        """``rest`` looked up in a module reached through a re-export (``nx.utils.groups``: networkx binds the
        package utils, whose ``__init__`` star-imports groups from utils.misc), through submodules it binds."""
        for _hop in range(4):
            sym = self._member([fid], rest, kinds)
            if sym is not None:
                return sym
            via = self._reexport([fid], rest[0])
            got = self.ix.symbol(via) if via is not None else None
            if got is None or len(rest) == 1:
                return got
            if got.kind != "module":
                return self._member([got.file_id], rest, kinds)
            fid, rest = got.file_id, rest[1:]
        return None

    def _stored_globs(self, fid: int) -> list[list[int]]:
        """The module files a stored (not re-resolved) file's glob imports (``from m import *``, ``pub use
        m::*``) bring in, from their import edges: a re-index must see the re-exports a full index sees."""
        got = self._globs_read.get(fid)
        if got is None:
            got = self._globs_read[fid] = [
                self.ix.module_files(self.ix.module_key(r[0]))
                for r in self.ix.conn.execute(
                    "SELECT s.file_id FROM edges e JOIN symbols s ON s.id = e.dst_id WHERE e.file_id = ? "
                    "AND e.kind = 'imports' AND e.name = '*' AND json_extract(e.meta, '$.alias') = '' "
                    "AND s.kind = 'module' ORDER BY e.id",
                    (fid,),
                )
            ]
        return got

    # -- imports -------------------------------------------------------------
    def _bindings(self, unit: Unit) -> tuple[dict, list[list[int]]]:
        """Local name → (files, member path, symbol id or None) per import; glob-imported module files."""
        bindings: dict = {}
        globs: list[list[int]] = []
        resolved_imports = []
        for imp in unit.imports:
            target = self._import_target(unit, imp)
            resolved_imports.append((imp, target))
            if target is None:
                if imp.name != "*":  # an external module: its names must not be name-matched to ours
                    local = imp.alias or imp.name or _SEP.split(imp.module.replace("/", "."))[-1]
                    if unit.file.language == "python" and not imp.name and not imp.alias:
                        local = imp.module.split(".")[0]
                    bindings.setdefault("\0external", set()).add(local)
                continue
            files = target[0]
            if imp.name == "*":
                if imp.alias:  # `import * as m from './models'`: m names the module
                    bindings[imp.alias] = (files, [], self.ix.module_symbol(files[0]) if files else None)
                else:
                    globs.append(files)
                continue
            local = imp.alias or imp.name or _SEP.split(imp.module.replace("/", "."))[-1]
            top_name = imp.module.split(".")[0]
            if not imp.name and imp.alias in ("", top_name) and unit.file.language == "python":
                local = top_name  # `import a.b` binds `a` (the package), not the submodule
                top = self._module(unit, local)
                if top:
                    bindings[local] = (top, [], self.ix.module_symbol(top[0]))
                    continue
            bindings[local] = target
        bindings["\0imports"] = resolved_imports
        return bindings, globs

    def _import_target(self, unit: Unit, imp: ImportSite) -> tuple[list[int], list[str], int | None] | None:
        """(files of the module, member path inside it, resolved symbol id) for one import."""
        lang = unit.file.language
        module = self._absolute_module(unit, imp)
        if module is None:
            return None
        files = self._module(unit, module)
        if imp.name and imp.name != "*":
            sub = self._module(unit, _join(lang, module, imp.name))
            if sub:
                return sub, [], self.ix.module_symbol(sub[0])
            if not files and lang == "rust":  # `use super::helpers::email` of an inline `mod helpers { .. }`
                parent, _, inline = module.rpartition("::")
                pfiles = self._module(unit, parent) if parent else []
                sym = self._member(pfiles, [inline, imp.name], None) if pfiles else None
                return (pfiles, [inline, imp.name], sym.id) if sym is not None else None
            if not files:
                return None
            sym = self._member(files, [imp.name], None)
            if sym is None and lang == "rust" and "::" not in module and self.ix.crate_key(files[0]) == module:
                sym = self._exported_macro(module, imp.name)  # `use util::log;` of a #[macro_export] macro
            return files, [imp.name], sym.id if sym else None
        if not files:
            # `import a.b.C` (Java, Go-less languages): the last segment may be a member
            head, _, last = module.replace("::", ".").rpartition(".")
            if head and lang in ("java", "rust"):
                parent = self._module(unit, head.replace(".", "::") if lang == "rust" else head)
                if parent:
                    sym = self._member(parent, [last], None)
                    return parent, [last], sym.id if sym else None
            return None
        return files, [], self.ix.module_symbol(files[0])

    def _absolute_module(self, unit: Unit, imp: ImportSite) -> str | None:
        lang = unit.file.language
        text = imp.module
        if lang == "python":
            level = len(text) - len(text.lstrip("."))
            if level == 0 and not imp.is_relative:
                return text
            level = max(level, 1)
            parts = unit.file.module.split(".") if unit.file.module else []
            if not unit.file.path.endswith("__init__.py") and parts:
                parts = parts[:-1]
            parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
            rest = text.lstrip(".")
            return ".".join([*parts, *([rest] if rest else [])])
        if lang == "rust":
            return self._rust_module(unit, text, imp.scope_id)
        if family(lang) == "js":
            if text.startswith("."):
                base = posixpath.dirname(unit.file.path)
                joined = posixpath.normpath(posixpath.join(base, text))
                return re.sub(r"\.(m|c)?[jt]sx?$", "", joined)
            if self.ix.tsconfig is not None:  # `@libs/guard` through tsconfig `paths` / `baseUrl`
                for key in self.ix.tsconfig.modules(unit.file.path, text):
                    if any(self.ix.module_files(key + suffix) for suffix in JS_SUFFIXES):
                        return key
            return text
        return text

    def _rust_module(self, unit: Unit, text: str, scope_id: int) -> str:
        """A ``use``/call path's module as keyed in the index: ``crate::``/``self::``/``super::`` from the
        current module, a child module of the current one, a sibling crate of the workspace (renamed
        dependencies too), a module of this crate's root; else the text (an outside crate)."""
        segs = text.removeprefix("::").split("::")  # `::other_crate::x`: an absolute path names a crate
        fid = unit.file.id
        scope = unit.symbols.get(scope_id)  # an inline `mod tests { use super::*; }` is its own module
        current = self.ix.module_key(fid, scope.qname if scope and scope.kind == "module" else None).split("::")
        head = segs[0]
        if head == "self":
            return "::".join([*current, *segs[1:]])
        if head == "super":
            up = 0
            while segs and segs[0] == "super":
                segs = segs[1:]
                up += 1
            return "::".join([*current[: max(1, len(current) - up)], *segs])
        if head == "crate":
            return "::".join([current[0], *segs[1:]])
        if len(current) > 1 and self.ix.module_files("::".join([*current, head])):
            return "::".join([*current, *segs])
        crate = self.ix.sibling_crate(fid, head)
        if crate is not None:
            return "::".join([crate, *segs[1:]])
        if self.ix.module_files(f"{current[0]}::{head}"):
            return f"{current[0]}::{text}"
        return text

    def _module(self, unit: Unit, module: str) -> list[int]:
        """Files of ``module``, preferring those nearest the importing file."""
        lang = unit.file.language
        if family(lang) == "js":
            for suffix in JS_SUFFIXES:
                got = self.ix.module_files(module + suffix)
                if got:
                    return got
            return []
        files = self.ix.module_files(module)
        if not files and lang in ("python", "go", "java"):
            if lang == "go":
                segs = module.split("/")
                for k in range(1, len(segs)):
                    files = self.ix.module_files("/".join(segs[k:])) or self.ix.module_files(".".join(segs[k:]))
                    if files:
                        break
            elif "." in module:  # `src/` layouts: `pkg.mod` stored as `src.pkg.mod`
                files = self.ix.module_files_by_suffix(module)
        if len(files) > 1:
            files = _nearest(self.ix, unit.file.path, files)
        return files

    # -- targets ---------------------------------------------------------
    def _resolve_target(
        self,
        unit: Unit,
        src_id: int,
        target: str,
        bindings: dict,
        globs: list[list[int]],
        kinds: frozenset[str],
        *,
        base: bool = False,
    ) -> tuple[int | None, str, int]:
        if target.endswith("!") and unit.file.language == "rust":
            return self._macro(unit, src_id, target[:-1], bindings)
        # `UserService(session).register` is written `UserService().register`: treat as `UserService.register`
        segs = _segments(target)
        if not segs:
            return None, _UNRESOLVED, 0
        name = segs[-1]
        lang = unit.file.language
        if segs[0] in bindings.get("\0external", ()) and segs[0] not in bindings:
            return None, _UNRESOLVED, 0  # a name from an external package
        # 1. self / this / Self; Python `super().m()` (the bases' method) and `cls(...)` (the class itself)
        if lang == "python" and segs[0] == "super" and len(segs) == 2 and target.startswith("super("):
            owner = self._enclosing_type(unit, src_id)
            if owner is not None:
                for base in self.ix.bases(owner.id):
                    bsym = self.ix.symbol(base)
                    sym = self._method_of(unit, bsym, name) if bsym is not None else None
                    if sym is not None:
                        return sym.id, _SELF, 1
            return None, _UNRESOLVED, 0
        if lang == "python" and segs == ["cls"]:
            owner = self._enclosing_type(unit, src_id)
            if owner is not None:
                return owner.id, _SELF, 1
        if len(segs) == 2 and segs[0] in SELF_WORDS:
            sym = self._self_method(unit, src_id, name)
            if sym is not None:
                return sym.id, _SELF, 1
        # 2. scope chain / top level of this file
        if len(segs) == 1:
            sym = self._local(unit, src_id, name, kinds)
            if sym is not None:
                return sym.id, _SAME_MODULE, 1
            if lang == "java" and not base:  # `send(to, text)` inside a class: this.send (or an inherited one)
                sym = self._self_method(unit, src_id, name)
                if sym is not None:
                    return sym.id, _SELF, 1
        # 3. import binding head
        head = segs[0]
        if head in bindings and head not in SELF_WORDS:
            files, member, sid = bindings[head]
            if len(segs) == 1 and sid is not None:
                return sid, _IMPORT, 1
            path = [*member, *segs[1:]]
            if path:
                sym = self._member(files, path, kinds)
                if sym is None:
                    via = self._reexport(files, path[0])  # `models.User` with models/__init__ importing User
                    if via is not None:
                        vs = self.ix.symbol(via)
                        sym = vs if len(path) == 1 else (self._member([vs.file_id], path, kinds) if vs else None)
                        if sym is None and vs is not None and vs.kind == "module" and len(path) > 1:
                            sym = self._in_module(vs.file_id, path[1:], kinds)  # `nx.utils.groups`
                if sym is None and lang == "python" and len(segs) > 2:
                    sym = self._qualified(unit, segs, kinds)  # `import a.b` then `a.b.f()`: a submodule of a
                if sym is not None:
                    return sym.id, _IMPORT, 1
            if sid is None:
                # the head is an import of a project module whose member we do not have (macro-made, e.g.
                # Diesel's `users::table`): a name match here would only be a guess
                return None, _UNRESOLVED, 0
            # a chain on an imported type (`UserService::new(c).register()`): fall through to name matching
        # 4. fully qualified path
        if len(segs) > 1 and head not in SELF_WORDS:
            sym = self._qualified(unit, segs, kinds)
            if sym is not None:
                return sym.id, _QUALIFIED, 1
        # 5. same module in other files / Type.name with Type here / glob imports
        same = self._same_module_files(unit)
        if len(segs) == 1:
            for files, how in ((same, Resolution.SAME_MODULE), *((g, Resolution.IMPORT) for g in globs)):
                if files:
                    sym = self._member(files, [name], kinds)
                    if sym is not None:
                        return sym.id, how.value, 1
                    if how is Resolution.IMPORT:  # `from pkg import *`, pkg re-exporting it through its own globs
                        sid = self._reexport(files, name)
                        if sid is not None:
                            return sid, how.value, 1
        elif head not in SELF_WORDS and head not in bindings:
            sym = self._member([unit.file.id, *same], segs, kinds)
            if sym is not None:
                return sym.id, _SAME_MODULE, 1
        if lang == "rust" and "(" in target and not base:
            got = self._rust_chain(unit, src_id, target, bindings, globs)
            if got is not None:
                return got
        # 6. name match (never through a library object: `db.session.add` is not UserRepository.add), nor for
        # a builtin / std method or type (`x.append()`, `opt.unwrap()`, `Default::default()`, `"".join()`)
        if len(segs) > 1:
            root = segs[1] if segs[0] in SELF_WORDS and len(segs) > 2 else segs[0]
            if root in LIBRARY_ROOTS:
                return None, _UNRESOLVED, 0
            std = builtins(lang)
            if (
                lang == "rust" and segs[0] not in bindings and self.ix.outside_crate(unit.file.id, segs[0])
            ):  # `toml::from_str()`: a function of an outside crate
                return None, _UNRESOLVED, 0
            if (
                (name in std.methods and not (len(segs) == 2 and segs[0] in SELF_WORDS))
                or (segs[0] in std.types and segs[0] not in bindings)
                or _LITERAL_HEAD.match(target)
            ):
                return None, _UNRESOLVED, 0
        fam = family(lang)
        method_only = len(segs) > 1 and not base
        methods, others = self.ix.callables(name, fam, kinds)
        if method_only:
            pool = methods
        elif len(segs) > 1 or base or lang == "go":
            pool = methods + others if methods else others
        else:
            pool = others  # a bare `f()` is not a method call
        # `x.get()` inside `get` is rarely a recursion we can prove: the caller is never a candidate
        if len(pool) > MAX_NAME_MATCH + 1 and not (len(segs) > 1 and segs[-2][:1].isupper()):
            caller = unit.symbols.get(src_id)  # in the pool only if it has the same name (hot: pools are long)
            mine = (caller is None or caller.name == name) and any(s.id == src_id for s in pool)
            return None, _UNRESOLVED, len(pool) - mine
        cands = [s for s in pool if s.id != src_id]
        # ...but it stays a candidate in the count: `def delete(self): self.obj.delete()` reaching the one other
        # `delete` is a guess between two definitions, not a sure single match
        me = len(pool) - len(cands)
        if len(cands) > 1:  # one name defined again (`@overload` stubs, then the implementation): the last binds
            last = {s.qname: s for s in sorted(cands, key=lambda s: s.id)}
            cands = [s for s in cands if last[s.qname] is s]
        if len(segs) > 1 and segs[0] not in SELF_WORDS and segs[-2][:1].isupper():
            want = f"{segs[-2]}.{name}"
            typed = [s for s in cands if (q := norm(s.qname)) == want or q.endswith("." + want)]
            cands = typed or cands
        if cands and not is_test_path(unit.file.path):
            # production code does not call into the test suite: `self.session.add()` is not FakeSession.add
            prod = [s for s in cands if not is_test_path(self.ix.files[s.file_id].path)]
            if not prod:
                return None, _UNRESOLVED, len(cands)
            cands = prod
        if 1 <= len(cands) <= MAX_NAME_MATCH:
            best = _nearest_symbol(self.ix, unit.file.path, cands, segs[-2] if len(segs) > 1 else "")
            return best.id, _NAME_MATCH, len(cands) + me
        return None, _UNRESOLVED, len(cands) + me

    def _rust_chain(
        self, unit: Unit, src_id: int, target: str, bindings: dict, globs: list[list[int]]
    ) -> tuple[int | None, str, int] | None:
        """A method chain headed by a path call (``History::import().shell("nu")``,
        ``SyncEngine::builder().store(s)``): its values have the type the head is declared to return. One step
        on a project type is typed (``Account::open(1).close()``); a head that is not a project function (a
        derive-made ``builder()``, ``Vec::new()``) or returns no project type (a generated builder) leaves
        values of types we do not have, so the chain's methods are not guessed by name. None: not such a chain."""
        head = target.split("(", 1)[0]
        if "::" not in head or "." in head:
            return None
        rid, how, _n = self._resolve_target(unit, src_id, head, bindings, globs, CALLABLE_KINDS)
        self.alts = None
        if rid is None or how not in _SURE:
            return None, _UNRESOLVED, 0
        rest = target[len(head) :]
        fn = self.ix.symbol(rid)
        ret = self.ix.returns(rid)
        if fn is None or not ret or rest.count(").") != 1 or not rest.endswith(_segments(target)[-1]):
            return None, _UNRESOLVED, 0
        if ret == "Self":
            owner = self.ix.symbol(fn.parent_id) if fn.parent_id is not None else None
        else:
            got = self._member([fn.file_id], [ret], BASE_KINDS)
            owner = got if got is not None and got.name == ret else None
        if owner is None or owner.kind not in TYPE_KINDS:
            return None, _UNRESOLVED, 0
        sym = self._method_of(unit, owner, _segments(target)[-1])
        return (sym.id, _TYPED, 1) if sym is not None else (None, _UNRESOLVED, 0)

    def _same_module_files(self, unit: Unit) -> list[int]:
        """The other files of the unit's module (Go/Java packages), once per file: asked for every call site."""
        got = self._same.get(unit.file.id)
        if got is None:
            mine = self.ix.module_key(unit.file.id)
            got = self._same[unit.file.id] = [f for f in self.ix.module_files(mine) if f != unit.file.id]
        return got

    def _local(self, unit: Unit, src_id: int, name: str, kinds: frozenset[str]) -> Sym | None:
        """A definition of ``name`` in the caller's enclosing scopes (innermost first) or at top level."""
        rank = unit.scopes.get(src_id)
        if rank is None:  # a caller's scope chain, computed once per caller
            chain: list[int] = []
            cur = unit.symbols.get(src_id)
            while cur is not None:
                chain.append(cur.id)
                cur = unit.symbols.get(cur.parent_id) if cur.parent_id is not None else None
            rank = unit.scopes[src_id] = {sid: i for i, sid in enumerate(chain)}
        best: tuple[int, Sym] | None = None
        if unit.by_name is None:
            unit.by_name = {}
            for s in unit.symbols.values():
                unit.by_name.setdefault(s.name, []).append(s)
        for s in unit.by_name.get(name, ()):
            if s.kind not in kinds or s.parent_id not in rank:
                continue
            parent = unit.symbols.get(s.parent_id)  # type: ignore[arg-type]
            # methods are reached through self/Type, not as bare names
            if parent is not None and parent.kind in TYPE_KINDS:
                continue
            r = rank[s.parent_id]  # type: ignore[index]
            if best is None or r <= best[0]:  # the same name again: the later definition binds
                best = (r, s)
        return best[1] if best else None

    def _enclosing_type(self, unit: Unit, src_id: int) -> Sym | None:
        cur = unit.symbols.get(src_id)
        while cur is not None:
            if cur.kind in TYPE_KINDS:
                return cur
            cur = unit.symbols.get(cur.parent_id) if cur.parent_id is not None else None
        return None

    def _self_method(self, unit: Unit, src_id: int, name: str) -> Sym | None:
        owner = self._enclosing_type(unit, src_id)
        if owner is None:
            return None
        return self._method_of(unit, owner, name)

    def _method_of(self, unit: Unit, owner: Sym, name: str) -> Sym | None:
        """The method ``name`` of the type ``owner`` or of its resolved bases (3 levels)."""
        seen: set[int] = set()
        frontier = [owner.id]
        if owner.kind == "impl" or unit.file.language == "rust":
            frontier.extend(s.id for s in self._rust_type_blocks(unit, owner))
        for _depth in range(4):
            nxt: list[int] = []
            for tid in frontier:
                if tid in seen:
                    continue
                seen.add(tid)
                found = None
                same = []
                for child in self.ix.children(tid):  # the last of same-named ones: `@overload` stubs come first
                    if child.name == name and child.kind in ("method", "function"):
                        found = child
                        same.append(child)
                if len(same) > 1 and self._args >= 0:  # Java overloads: the one taking that many arguments
                    fits = [s for s in same if self.ix.params(s.id) == self._args]
                    found = fits[-1] if fits else found
                if found is not None:
                    return found
                nxt.extend(self.ix.bases(tid))
            frontier = nxt
            if not frontier:
                break
        return None

    def _rust_type_blocks(self, unit: Unit, owner: Sym) -> list[Sym]:
        """Every impl/struct/enum/trait block of the type ``owner`` belongs to (same language)."""
        type_name = _impl_type(owner.name)
        out = []
        for s in self.ix.by_name(type_name):
            if s.kind in ("struct", "enum", "trait") and self.ix.files[s.file_id].language == unit.file.language:
                out.append(s)
        out.extend(self.ix.impls(type_name))  # impl blocks named "Type" or "Trait for Type"
        crate = self.ix.crate_key(owner.file_id)
        if crate is not None:  # another crate's `Settings` is another type
            out = [s for s in out if self.ix.crate_key(s.file_id) in (crate, None)]
        return out

    def _member(self, files: list[int], path: list[str], kinds: frozenset[str] | None) -> Sym | None:
        """The symbol named ``path[-1]`` in ``files`` whose qualified name ends with ``path``."""
        by_file = self.ix.by_name_by_file(path[-1])
        want = ".".join(path)
        hits = [
            s for f in files for s in by_file.get(f, ()) if kinds is None or s.kind in kinds or s.kind in TYPE_KINDS
        ]
        if len(path) == 1:  # a file's module is not its own member: `from django.apps import apps` names a variable
            hits = [s for s in hits if s.kind != "module" or s.parent_id is not None]
        if not hits:
            return None
        exact = [s for s in hits if norm(s.qname) == want or norm(s.qname).endswith("." + want)]
        if exact:
            if len(exact) > 1 and len({s.qname for s in exact}) == 1:
                if self._args >= 0 and all(s.kind in ("method", "function") for s in exact):
                    fits = [s for s in exact if self.ix.params(s.id) == self._args]  # Java overloads
                    if fits:
                        return max(fits, key=lambda s: s.id)
                # the same name defined again (`@overload` stubs, then the implementation): the last one binds
                return max(exact, key=lambda s: s.id)
            return _prefer_kinds(exact, kinds)
        if len(path) == 1:
            top = [s for s in hits if s.parent_id is None or self.ix.module_symbol(s.file_id) == s.parent_id]
            if top:
                return _prefer_kinds(top, kinds)
        return None

    def _qualified(self, unit: Unit, segs: list[str], kinds: frozenset[str]) -> Sym | None:
        lang = unit.file.language
        for k in range(len(segs) - 1, 0, -1):
            if lang == "rust":
                imp = ImportSite("::".join(segs[:k]), "", "", 0, False, 0)
                module = self._absolute_module(unit, imp)
            else:
                module = ".".join(segs[:k])
            if not module:
                continue
            files = self._module(unit, module)
            if files:
                sym = self._member(files, segs[k:], kinds)
                if sym is None and k == len(segs) - 1:  # `super::serialise()` with `pub use self::x::serialise`
                    via = self._reexport(files, segs[-1])
                    sym = self.ix.symbol(via) if via is not None else None
                if sym is not None:
                    return sym
        return None


_TEST_DIRS = frozenset({"tests", "test", "__tests__", "spec", "testing"})


_OUTSIDE = Sym(-1, -1, "outside", "", "", None)  # a type of an outside package: not a project type


def go_result_type(signature: str) -> str:
    """The (first) named result type of a Go function signature, ``pkg.T`` kept qualified; "" for none, a
    builtin, a slice, map, channel or func."""
    i = signature.find("(")
    if signature.startswith("func (") or signature.startswith("func("):  # a receiver comes first
        i = _close(signature, i)
        i = signature.find("(", i)
    if i < 0:
        return ""
    rest = signature[_close(signature, i) :].strip()
    if rest.startswith("("):
        rest = rest[1 : _close(rest, 0) - 1].split(",")[0].strip()
        parts = rest.split()
        rest = parts[-1] if parts else ""  # `(a Album, err error)`: the type, not the name
    t = rest.strip().lstrip("*").strip()
    return t if _GO_RESULT.fullmatch(t) and t not in _GO_BUILTINS else ""


def _close(text: str, i: int) -> int:
    """The index just past the parenthesis that closes the one at ``i``."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(text)


@functools.lru_cache(maxsize=16384)
def is_test_path(path: str) -> bool:
    """Test files by the usual layouts: tests/ dirs, test_*.py, *_test.go, *.test.ts, *.spec.js, …"""
    parts = path.split("/")
    base = parts[-1]
    stem = base.rsplit(".", 1)[0]
    return (
        any(p in _TEST_DIRS for p in parts[:-1])
        or base.startswith("test_")
        or stem.endswith(("_test", ".test", ".spec", "Test", "Tests"))
    )


@functools.lru_cache(maxsize=65536)
def _segments_cached(target: str) -> tuple[str, ...]:
    return tuple(s.removesuffix("()") for s in _SEP.split(_GENERIC.sub("", target.strip())) if s)


def _segments(target: str) -> list[str]:
    """Path segments of a call target (``UserService(session).register`` → UserService, register); targets
    repeat across a repository (``self.assertEqual``), so the parse is cached."""
    return list(_segments_cached(target))


def _join(lang: str, module: str, name: str) -> str:
    if lang == "rust":
        return f"{module}::{name}"
    if family(lang) == "js" or lang == "go":
        return f"{module}/{name}"
    return f"{module}.{name}"


def _impl_type(name: str) -> str:
    text = name.split(" for ")[-1].strip()
    text = _GENERIC.sub("", text).strip()
    return _SEP.split(text)[-1] if text else text


def _prefer_kinds(syms: list[Sym], kinds: frozenset[str] | None) -> Sym:
    if kinds:
        for s in syms:
            if s.kind in kinds and s.kind != "impl":
                return s
    # a file's own module symbol shares the file's name (`getMigrator.ts` defines `getMigrator`): the definition
    non_impl = [s for s in syms if s.kind not in ("impl", "module")] or [s for s in syms if s.kind != "impl"]
    return (non_impl or syms)[0]


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n


def _nearest(ix: SymbolIndex, path: str, files: Iterable[int]) -> list[int]:
    """Files ordered by how much directory path they share with ``path`` (most first); ties keep the best group."""
    files = list(files)
    if len(files) <= 1:
        return files
    scored = sorted(files, key=lambda f: (-_common(path, ix.files[f].path), ix.files[f].path))
    best = _common(path, ix.files[scored[0]].path)
    return [f for f in scored if _common(path, ix.files[f].path) == best]


def _nearest_symbol(ix: SymbolIndex, path: str, syms: list[Sym], receiver: str = "") -> Sym:
    """The likeliest of several same-named candidates: the one whose owner's name shares a word with the
    receiver (`self.users.create` → UserRepository.create, not OrderRepository.create), then the one
    nearest by path."""
    if len(syms) == 1:
        return syms[0]
    wanted = _name_words(receiver) if receiver else frozenset()

    def score(s: Sym) -> tuple:
        owner = _SEP.split(s.qname)[-2] if wanted and len(_SEP.split(s.qname)) > 1 else ""
        overlap = len(wanted & _name_words(owner)) if owner else 0
        return (-overlap, -_common(path, ix.files[s.file_id].path), ix.files[s.file_id].path, s.id)

    return min(syms, key=score)


_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")


@functools.lru_cache(maxsize=16384)
def _name_words(identifier: str) -> frozenset[str]:
    """Lower-case words of an identifier, singular forms included: ``user_repos`` → user, repo, repos."""
    out = set()
    for w in _WORD.findall(identifier.replace("_", " ")):
        w = w.lower()
        if len(w) > 2:
            out.add(w)
            if w.endswith("s") and len(w) > 3:
                out.add(w[:-1])
    return frozenset(out)

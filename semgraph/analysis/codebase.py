"""An in-memory view of one index, shaped for the analyses.

The analyses walk the call graph many times per request (one trace per entry
point), so they load symbols and call edges once per index generation into
plain dicts instead of querying SQLite per step. Calls the resolver left
unresolved or ambiguous (``name_match``) get a second, analysis-side guess
from the receiver text (``users.find_by_email`` → ``UserRepository``), which
is what makes service → repository steps traceable in dynamically typed code.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter as ts

from semgraph.analysis.syntax import ParsedFile
from semgraph.cache import CACHE
from semgraph.errors import NotFoundError, SemgraphError
from semgraph.graph.confine import confined_root
from semgraph.graph.languages import LANGUAGES
from semgraph.graph.store import FileRow, GraphStore, SymbolRow
from semgraph.paths import PathGuard

CALLABLE_KINDS = frozenset({"function", "method"})
TYPE_KINDS = frozenset({"class", "struct", "enum", "trait", "interface", "impl"})

_SELF = frozenset({"", "self", "this", "Self", "cls"})
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+")
_SEP = re.compile(r"::|\.|/|\\|#")


_FIELD_RECEIVER = re.compile(r"^(?:self|this)\.(\w+)$")
_WRAPPERS = frozenset({"Option", "Optional", "Arc", "Rc", "Box", "Mutex", "RwLock", "RefCell", "Readonly"})


def _base_type(text: str) -> str:
    """``&'a mut PgConnection`` → PgConnection, ``Repository<User>`` → Repository, ``Arc<Db>`` → Db."""
    t = re.sub(r"'\w+|&|\*|\b(mut|dyn|impl|const)\b", " ", text).strip()
    while True:
        m = re.match(r"([\w:.]+)\s*<(.*)>\s*$", t)
        head = (m.group(1) if m else t).strip()
        last = re.split(r"::|\.", head)[-1].strip()
        if m and last in _WRAPPERS:
            t = m.group(2).strip()
            continue
        return last


def _family(language: str) -> str:
    return "js" if language in {"javascript", "typescript", "tsx"} else language


def words_of(text: str) -> list[str]:
    """Lower-case words of an identifier or path (``findByEmail`` → find, by, email)."""
    return [w.lower() for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """Crude singular form so ``orders`` matches ``OrderRepository``."""
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def norm_qualified(name: str) -> str:
    """One separator for every language: ``crate::a::B::f`` and ``a/b.C.f`` → dotted."""
    return ".".join(p for p in _SEP.split(name) if p)


def last_segment(target: str) -> str:
    parts = [p for p in _SEP.split(target) if p]
    return parts[-1] if parts else target


@dataclass(slots=True)
class CallSite:
    """One call made by a function, in source order, with its callee when known."""

    target: str
    name: str
    receiver: str
    line: int
    col: int
    order: int
    dst: int | None
    resolution: str
    kind: str = "calls"


@dataclass
class Codebase:
    """Symbols, files and calls of one index generation."""

    root: Path
    generation: int
    files: dict[int, FileRow]
    symbols: dict[int, SymbolRow]
    calls: dict[int, list[CallSite]] = field(default_factory=dict)
    callers: dict[int, list[int]] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)
    by_file: dict[int, list[int]] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    bases: dict[int, list[str]] = field(default_factory=dict)
    by_path: dict[str, int] = field(default_factory=dict)
    imports: list[tuple[int, int]] = field(default_factory=list)  # (importing file id, imported file id)
    import_rows: dict[int, list[tuple[str, str, str, int]]] = field(
        default_factory=dict
    )  # file -> (module, name, alias, line)
    store_path: Path | None = None
    _sources: dict[str, bytes] = field(default_factory=dict)
    _parsed: dict[str, ParsedFile] = field(default_factory=dict)
    _lines: dict[str, list[str]] = field(default_factory=dict)
    _word_cache: dict[int, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)
    _field_types: dict[int, dict[str, str]] = field(default_factory=dict)
    _callable_names: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    # ----------------------------------------------------------------- loading
    @classmethod
    def load(cls, store: GraphStore) -> Codebase:
        root = store.root or Path(".")
        files = {f.id: f for f in store.files()}
        symbols = {s.id: s for s in store.symbols()}
        cb = cls(root=Path(root), generation=store.generation(), files=files, symbols=symbols)
        cb.by_path = {f.path: f.id for f in files.values()}
        for s in symbols.values():
            cb.by_file.setdefault(s.file_id, []).append(s.id)
            cb.by_name.setdefault(s.name, []).append(s.id)
            if s.parent_id is not None:
                cb.children.setdefault(s.parent_id, []).append(s.id)
        for ids in cb.by_file.values():
            ids.sort(key=lambda i: (symbols[i].start_line, symbols[i].start_col))
        for e in store.edges(kind="imports"):
            if e.src_id in symbols:
                cb.import_rows.setdefault(symbols[e.src_id].file_id, []).append(
                    (e.target, str(e.meta.get("name", "")), str(e.meta.get("alias", "")), e.line)
                )
            if e.dst_id is not None and e.dst_id in symbols and e.src_id in symbols:
                pair = (symbols[e.src_id].file_id, symbols[e.dst_id].file_id)
                if pair[0] != pair[1]:
                    cb.imports.append(pair)
        for e in store.edges(kind="inherits") + store.edges(kind="implements"):
            cb.bases.setdefault(e.src_id, []).append(e.target)
        raw: dict[int, list[CallSite]] = defaultdict(list)
        for kind in ("calls", "cross_language"):
            for e in store.edges(kind=kind):
                name = last_segment(e.target)
                receiver = e.target[: max(0, len(e.target) - len(name))].rstrip(".:")
                raw[e.src_id].append(
                    CallSite(e.target, name, receiver, e.line, e.col, e.order, e.dst_id, e.resolution, kind)
                )
        for src, sites in raw.items():
            sites.sort(key=lambda c: (c.kind != "calls", c.order, c.line, c.col))
            for site in sites:
                if site.kind == "calls" and (site.dst is None or site.resolution == "name_match"):
                    guess = cb._guess_callee(src, site)
                    if guess is not None:
                        site.dst, site.resolution = guess, "analysis_guess"
                    elif site.resolution == "name_match" and (
                        site.receiver not in _SELF
                        or (
                            site.dst in symbols
                            and _family(symbols[site.dst].language) != _family(symbols[src].language)
                        )
                    ):
                        # a name match the receiver contradicts (db.session.add is no UserRepository.add)
                        site.dst, site.resolution = None, "unresolved"
                if site.dst is not None and cb.symbols.get(site.dst, None) is not None:
                    dst = cb.symbols[site.dst]
                    if dst.kind in TYPE_KINDS:  # constructor call: the constructor is the step, if there is one
                        init = cb.constructor_of(dst.id)
                        if init is not None:
                            site.dst = init
            cb.calls[src] = sites
        for src, sites in cb.calls.items():
            for site in sites:
                if site.dst is not None:
                    cb.callers.setdefault(site.dst, []).append(src)
        return cb

    # ------------------------------------------------------------- resolution
    def constructor_of(self, type_id: int) -> int | None:
        for child in self.children.get(type_id, []):
            if self.symbols[child].name in {"__init__", "constructor", "new"}:
                return child
        return None

    def _guess_callee(self, caller_id: int, site: CallSite) -> int | None:
        """Pick the callee of an ambiguous call from the receiver's words."""
        family = _family(self.symbols[caller_id].language) if caller_id in self.symbols else ""
        key = (site.name, family)
        pool_all = self._callable_names.get(key)
        if pool_all is None:  # never guess across languages
            pool_all = [
                i
                for i in self.by_name.get(site.name, [])
                if self.symbols[i].kind in CALLABLE_KINDS and _family(self.symbols[i].language) == family
            ]
            self._callable_names[key] = pool_all
        candidates = [i for i in pool_all if i != caller_id]
        if not candidates:
            return None
        caller = self.symbols.get(caller_id)
        receiver = site.receiver
        if receiver in _SELF:
            pool = candidates
            implicit_this = not receiver and caller is not None and caller.language == "java"
            if (receiver or implicit_this) and caller is not None:  # Java: a bare send(…) is this.send(…)
                owner = self.owner_type(caller_id)
                pool = [c for c in candidates if owner is not None and self.owner_type(c) == owner] or []
            else:
                pool = [c for c in candidates if self.symbols[c].kind == "function"]
            if caller is not None:
                same_file = [c for c in pool if self.symbols[c].file_id == caller.file_id]
                if same_file:
                    pool = same_file
            return pool[0] if len(pool) == 1 else None
        typed = self.receiver_type(caller_id, receiver)
        if typed is not None:  # `this.users.find()` with `users: UserRepository`: the declared type decides
            pool = [c for c in candidates if self.owner_name(c) == typed]
            return pool[0] if len(pool) == 1 else None  # a library type (Repository<T>, Client): no project callee
        if len(candidates) > 64:
            return None  # a name this common (get, save, run) cannot be guessed from words
        rwords = {stem(w) for w in words_of(receiver)} - {"self", "this", "new", "mut", "conn", "db"}
        if not rwords:
            return None
        best: list[tuple[int, int]] = []
        for c in candidates:
            owner_words, module_words = self._words_for(c)
            score = 2 * len(rwords & owner_words) + len(rwords & module_words)
            if score:
                best.append((score, c))
        if not best:
            return None
        best.sort(reverse=True)
        top = [c for s, c in best if s == best[0][0]]
        if len(top) == 1:
            return top[0]
        abstract = [c for c in top if self.symbols[self.owner_type(c) or c].kind in {"interface", "trait"}]
        return abstract[0] if len(abstract) == 1 else None

    def receiver_type(self, caller_id: int, receiver: str) -> str | None:
        """The declared type name of ``self.field`` / ``this.field`` in the caller's class, if declared;
        also Go's named receiver (``h.users`` in ``func (h *Handler) …``) and Java's implicit ``this``
        (a bare ``users`` that is a field of the class)."""
        m = _FIELD_RECEIVER.match(receiver)
        sym = self.symbols.get(caller_id)
        if m:
            name = m.group(1)
        elif sym is None:
            return None
        elif sym.language == "go" and (g := re.match(r"^(\w+)\.(\w+)$", receiver)):
            if not re.match(rf"func\s*\(\s*{re.escape(g.group(1))}\s", sym.signature):
                return None
            name = g.group(2)
        elif sym.language == "java" and re.fullmatch(r"\w+", receiver):
            name = receiver
        else:
            return None
        owner = self.owner_type(caller_id)
        if owner is None:
            return None
        types = self._field_types.get(owner)
        if types is None:
            types = self._collect_field_types(owner)
            self._field_types[owner] = types
        return types.get(name)

    def _collect_field_types(self, owner_id: int) -> dict[str, str]:
        """Field name → base type name, from field declarations and typed constructor parameters."""
        owner = self.symbols[owner_id]
        ids = [owner_id]
        if owner.kind == "impl":
            name = self.owner_name(next(iter(self.children.get(owner_id, [])), owner_id)) or owner.name
            ids += [i for i in self.by_name.get(name, []) if self.symbols[i].kind in {"struct", "class"}]
        out: dict[str, str] = {}
        for oid in ids:
            for c in self.children.get(oid, []):
                sym = self.symbols[c]
                if sym.kind == "field":
                    m = re.search(rf"\b{re.escape(sym.name)}\s*[?!]?\s*:\s*([^=;]+)", sym.signature)
                    if sym.language == "go":  # users *store.UserStore
                        m = re.match(rf"{re.escape(sym.name)}\s+([^\s`]+)", sym.signature)
                    elif sym.language == "java":  # private final UserRepository users = …
                        m = re.search(
                            rf"([\w.$]+(?:<.*>)?(?:\[\])*)\s+{re.escape(sym.name)}\s*$", sym.signature.split("=")[0]
                        )
                    if m:
                        out[sym.name] = _base_type(m.group(1))
                elif sym.name in {"__init__", "constructor"}:
                    params = sym.signature.split("(", 1)[-1]
                    for m in re.finditer(
                        r"(?:private|public|protected|readonly)\s+(?:readonly\s+)?(\w+)\s*:\s*([\w.<>\[\]]+)", params
                    ):
                        out[m.group(1)] = _base_type(m.group(2))
                    if sym.language == "python":  # def __init__(self, repo: UserRepository): self.repo = repo
                        for m in re.finditer(r"(\w+)\s*:\s*([\w.\[\]]+)", params):
                            out.setdefault(m.group(1), _base_type(m.group(2)))
        return out

    def _words_for(self, symbol_id: int) -> tuple[frozenset[str], frozenset[str]]:
        """Stemmed words of a callable's owner type and of its file name (cached)."""
        cached = self._word_cache.get(symbol_id)
        if cached is None:
            owner = self.owner_type(symbol_id)
            owner_words = frozenset(stem(w) for w in words_of(self.symbols[owner].name)) if owner else frozenset()
            path = self.symbols[symbol_id].path
            file_stem = path.rsplit("/", 1)[-1].split(".", 1)[0]
            cached = (owner_words, frozenset(stem(w) for w in words_of(file_stem)))
            self._word_cache[symbol_id] = cached
        return cached

    def owner_type(self, symbol_id: int) -> int | None:
        """The class/struct/impl a method belongs to (impl blocks map to their self type's name)."""
        sym = self.symbols.get(symbol_id)
        if sym is None or sym.parent_id is None:
            return None
        parent = self.symbols.get(sym.parent_id)
        if parent is not None and parent.kind in TYPE_KINDS:
            return parent.id
        if sym.kind == "method" and "." in sym.qualified_name:  # Go: methods sit beside their type
            return self._types_by_qualified.get(sym.qualified_name.rsplit(".", 1)[0])
        return None

    @functools.cached_property
    def _types_by_qualified(self) -> dict[str, int]:
        return {s.qualified_name: s.id for s in self.symbols.values() if s.kind in TYPE_KINDS - {"impl"}}

    def implementations(self, type_id: int) -> list[int]:
        """Types implementing an interface / trait: declared (``implements``, ``impl T for X``, a base
        class) or, in Go, structurally (the type has a method of every name the interface declares)."""
        cache: dict[int, list[int]] = self.__dict__.setdefault("_impls", {})
        if type_id in cache:
            return cache[type_id]
        iface = self.symbols[type_id]
        by_base: dict[str, list[int]] | None = self.__dict__.get("_by_base")
        if by_base is None:
            by_base = {}
            for child, targets in self.bases.items():
                for t in {_base_type(t) for t in targets}:
                    by_base.setdefault(t, []).append(child)
            self.__dict__["_by_base"] = by_base
        out = [c for c in by_base.get(iface.name, []) if c != type_id]
        if iface.language == "go" and iface.kind == "interface":
            wanted = {self.symbols[c].name for c in self.children.get(type_id, []) if self.symbols[c].kind == "method"}
            method_sets: dict[int, set[str]] | None = self.__dict__.get("_go_method_sets")
            if method_sets is None:
                method_sets = {}
                for sym in self.symbols.values():
                    if sym.language == "go" and sym.kind == "method":
                        owner = self.owner_type(sym.id)
                        if owner is not None and self.symbols[owner].kind == "struct":
                            method_sets.setdefault(owner, set()).add(sym.name)
                self.__dict__["_go_method_sets"] = method_sets
            out += [t for t, names in method_sets.items() if wanted and wanted <= names]
        cache[type_id] = out
        return out

    def type_bases(self, type_name: str) -> set[str]:
        """Base / implemented type names of the project types called ``type_name``."""
        out: set[str] = set()
        for i in self.by_name.get(type_name, []):
            if self.symbols[i].kind in TYPE_KINDS:
                out.update(_base_type(b) for b in self.bases.get(i, []))
        return out

    def owner_name(self, symbol_id: int) -> str:
        owner = self.owner_type(symbol_id)
        if owner is None:
            return ""
        name = self.symbols[owner].name
        return name.split(" for ")[-1].split("<")[0].strip()

    # ---------------------------------------------------------------- lookups
    def callables(self) -> list[SymbolRow]:
        return [s for s in self.symbols.values() if s.kind in CALLABLE_KINDS]

    def module_symbol(self, file_id: int) -> SymbolRow | None:
        for i in self.by_file.get(file_id, []):
            if self.symbols[i].kind == "module":
                return self.symbols[i]
        return None

    def file_of(self, symbol_id: int) -> FileRow:
        return self.files[self.symbols[symbol_id].file_id]

    def find(self, name: str, *, kinds: frozenset[str] | None = None) -> list[SymbolRow]:
        """Symbols by exact qualified name, then by dotted suffix (``UserService.register``)."""
        want = norm_qualified(name)
        pool = [s for s in self.symbols.values() if kinds is None or s.kind in kinds]
        exact = [s for s in pool if norm_qualified(s.qualified_name) == want]
        if exact:
            return exact
        suffix = [s for s in pool if norm_qualified(s.qualified_name).endswith("." + want)]
        if not suffix and want.startswith("crate."):  # `crate::db::connect` for `api::db::connect`
            suffix = [s for s in pool if norm_qualified(s.qualified_name).partition(".")[2] == want[6:]]
        if suffix:
            return sorted(suffix, key=lambda s: len(s.qualified_name))
        return [s for s in pool if s.name == name]

    def resolve_one(self, name: str, *, kinds: frozenset[str] | None = None) -> SymbolRow:
        found = self.find(name, kinds=kinds)
        if not found:
            raise NotFoundError(
                f"no symbol named {name!r} in the index", hint="use search_symbols to find the exact qualified name"
            )
        if len(found) > 1 and norm_qualified(found[0].qualified_name) != norm_qualified(found[1].qualified_name):
            exactish = [s for s in found if s.name == name or norm_qualified(s.qualified_name) == norm_qualified(name)]
            if len(exactish) != 1:
                names = ", ".join(s.qualified_name for s in found[:8])
                raise NotFoundError(
                    f"{name!r} is ambiguous ({len(found)} symbols): {names}",
                    hint="pass one of these qualified names",
                )
            return exactish[0]
        return found[0]

    def location(self, symbol_id: int) -> str:
        s = self.symbols[symbol_id]
        return f"{s.path}:{s.start_line}"

    # ----------------------------------------------------------------- source
    def source(self, path: str) -> bytes:
        """File bytes, read once per generation from the indexed root (recorded in the store)."""
        if path not in self._sources:
            data = b""
            try:  # through the path guard of the indexed root: never read outside it
                data = self._guard.resolve(path, kind="file").read_bytes()
            except (SemgraphError, OSError):
                data = b""
            self._sources[path] = data
        return self._sources[path]

    def head(self, path: str, size: int) -> bytes:
        """The first ``size`` bytes of a file: from the source cache when it was read whole, else only those
        bytes (through the same guard; a check over every file need not read every file whole)."""
        cached = self._sources.get(path)
        if cached is not None:
            return cached[:size]
        try:
            with self._guard.resolve(path, kind="file").open("rb") as fh:
                return fh.read(size)
        except (SemgraphError, OSError):
            return b""

    def parsed(self, path: str) -> ParsedFile | None:
        """The tree of an indexed file (a bounded cache: analyses revisit the same few files)."""
        tree = self._parsed.get(path)
        if tree is None:
            fid = self.by_path.get(path)
            if fid is None:
                return None
            language = self.files[fid].language
            if language not in LANGUAGES:
                return None
            tree = ParsedFile(self.source(path), language)
            if len(self._parsed) >= 512:
                self._parsed.pop(next(iter(self._parsed)))
            self._parsed[path] = tree
        return tree

    def node_of(self, symbol_id: int) -> tuple[ParsedFile, ts.Node] | None:
        """The definition node of a symbol in its parsed file."""
        s = self.symbols[symbol_id]
        pf = self.parsed(s.path)
        if pf is None:
            return None
        node = pf.node_at(s.start_line, s.end_line, max(0, s.start_col - 1))
        return (pf, node) if node is not None else None

    @functools.cached_property
    def _guard(self) -> PathGuard:
        return PathGuard([self.root])

    def lines_of(self, path: str) -> list[str]:
        """Decoded lines of a file (cached with the source)."""
        lines = self._lines.get(path)
        if lines is None:
            lines = self.source(path).decode("utf-8", "replace").splitlines()
            self._lines[path] = lines
        return lines

    def text_of(self, symbol_id: int) -> str:
        """The symbol's source text, bounded: its own columns on a shared line, at most ``MAX_TEXT`` chars."""
        s = self.symbols[symbol_id]
        lines = self.lines_of(s.path)[s.start_line - 1 : s.end_line]
        if len(lines) == 1 and s.end_col > s.start_col > 0:
            lines = [lines[0][s.start_col - 1 : s.end_col]]
        text = "\n".join(lines)
        return text if len(text) <= MAX_TEXT else text[:MAX_TEXT]


MAX_TEXT = 200_000
"""Longest symbol text the analyses' regexes see (bounded work on hostile input)."""
SYMBOL_BYTES, FILE_BYTES = 2500, 1500
"""Estimated bytes per loaded symbol / file row with its indexes (sources and trees come on top, bounded)."""


def _codebase_bytes(cb: Codebase) -> int:
    return len(cb.symbols) * SYMBOL_BYTES + len(cb.files) * FILE_BYTES


def open_codebase(db_path: Path, guard: PathGuard | None = None) -> Codebase:
    """The codebase of the index at ``db_path``, cached per generation (one build, others wait).

    With ``guard`` (the server's roots), an index whose recorded root lies outside them is refused.
    Raises NotFoundError when no index exists yet.
    """
    if not Path(db_path).exists():
        raise NotFoundError(
            "no index yet", hint="call index_repository on the project first (the analyses read its index)"
        )
    store = GraphStore.open(Path(db_path), readonly=True)
    try:
        if guard is not None:
            confined_root(store.root, guard, Path(db_path))
        key = ("codebase", str(Path(db_path).resolve()))

        def build() -> Codebase:
            cb = Codebase.load(store)
            cb.store_path = Path(db_path)
            return cb

        return CACHE.get(key, store.generation(), build, _codebase_bytes)
    finally:
        store.close()


def invalidate(db_path: Path) -> None:
    CACHE.drop(("codebase", str(Path(db_path).resolve())))

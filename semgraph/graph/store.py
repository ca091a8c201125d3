"""The SQLite store of the semantic graph: files, symbols, edges, parse errors, FTS.

Connection policy (one for the whole package): a ``GraphStore`` wraps one
synchronous ``sqlite3`` connection. The indexer owns the only writing
connection (WAL, explicit transactions, batched ``executemany``); every read
(tools, CLI, analyses) opens its own ``GraphStore.open(db, readonly=True)``
connection and runs in a worker thread (``ToolCall.run_sync``). We chose this
over aiosqlite because the analyses need a cheap synchronous API, aiosqlite
is itself one thread per connection around ``sqlite3``, and WAL lets readers
run while the indexer writes. A connection is never shared between threads.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semgraph.errors import DatabaseError, NotFoundError, SemgraphError
from semgraph.graph import schema
from semgraph.graph.confine import confined_root, read_confined
from semgraph.paths import PathGuard

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")


def words(text: str) -> str:
    """Search words of an identifier path: ``UserRepository.find_by_email`` gives
    ``UserRepository User Repository find by email find_by_email`` so FTS finds
    it from "user repo" and from its exact spelling.

    Hot (two calls per symbol in the parser workers): a qualified name is cut after its last ``.``/``:``/``/``
    and both halves are looked up in a cache, since containers and names repeat. Cutting next to a separator
    gives the same non-empty segments, so the same words.
    """
    cut = max(text.rfind("."), text.rfind(":"), text.rfind("/"))
    if cut <= 0:
        return _words(text)
    head, tail = _words(text[: cut + 1]), _words(text[cut + 1 :])
    return f"{head} {tail}" if head and tail else head or tail


@functools.lru_cache(maxsize=131072)
def _words(text: str) -> str:
    return " ".join(filter(None, map(_segment_words, _SEGMENTS.split(text))))


_SEGMENTS = re.compile(r"[^0-9A-Za-z_]+")


@functools.lru_cache(maxsize=65536)
def _segment_words(segment: str) -> str:
    """Words of one identifier (cached: names repeat across a repository)."""
    out: list[str] = []
    for part in segment.split("_"):
        if not part:
            continue
        out.append(part)
        pieces = _CAMEL.findall(part)
        if len(pieces) > 1:
            out.extend(pieces)
    if "_" in segment.strip("_"):
        out.append(segment)
    return " ".join(out)


@dataclass(slots=True, frozen=True)
class FileRow:
    id: int
    path: str
    language: str
    module: str
    loc: int
    hash: str
    size: int = 0
    error_count: int = 0


@dataclass(slots=True, frozen=True)
class SymbolRow:
    id: int
    file_id: int
    path: str
    language: str
    kind: str
    name: str
    qualified_name: str
    signature: str
    doc: str
    start_line: int
    start_col: int
    end_line: int
    end_col: int
    parent_id: int | None
    visibility: str
    decorators: list[str]
    is_async: bool
    is_test: bool
    metrics: dict[str, int]


@dataclass(slots=True, frozen=True)
class EdgeRow:
    id: int
    kind: str
    src_id: int
    dst_id: int | None
    target: str
    resolution: str
    candidates: int
    line: int
    col: int
    order: int
    file_id: int
    origin: str
    meta: dict[str, Any]


@dataclass(slots=True)
class NewEdge:
    """An edge an analysis adds (``replace_derived_edges``); ``file_id`` defaults to the source symbol's file."""

    kind: str
    src_id: int
    dst_id: int | None
    target: str = ""
    resolution: str = ""
    candidates: int = 0
    line: int = 0
    col: int = 0
    order: int = 0
    file_id: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


_SYMBOL_COLS = (
    "s.id, s.file_id, f.path, f.language, s.kind, s.name, s.qualified_name, s.signature, s.doc, "
    "s.start_line, s.start_col, s.end_line, s.end_col, s.parent_id, s.visibility, s.decorators, "
    "s.is_async, s.is_test, s.metrics"
)
_EDGE_COLS = "id, kind, src_id, dst_id, target, resolution, candidates, line, col, ord, file_id, origin, meta"
_FILE_COLS = "id, path, language, module, loc, hash, size, error_count"


def _symbol(row: Sequence[Any]) -> SymbolRow:
    return SymbolRow(*row[:15], json.loads(row[15]), bool(row[16]), bool(row[17]), json.loads(row[18]))


def _edge(row: Sequence[Any]) -> EdgeRow:
    return EdgeRow(*row[:12], json.loads(row[12]))


class GraphStore:
    """One connection to an index database, with the typed read API every analysis uses."""

    def __init__(self, conn: sqlite3.Connection, db_path: Path, readonly: bool) -> None:
        self.conn = conn
        self.db_path = db_path
        self.readonly = readonly
        self._shared = False  # a per-thread reader from ``reader()``: close() leaves it open
        self.guard: PathGuard | None = None
        """The server's guard (set by the caller); reads confined by it, refused when the root escapes it."""

    # -- lifecycle -------------------------------------------------------
    @classmethod
    def open(cls, db_path: Path, *, readonly: bool = False) -> GraphStore:
        """Open (and for writers create/migrate) the index at ``db_path``."""
        db_path = Path(db_path)
        try:
            if readonly:
                if not db_path.exists():
                    raise NotFoundError(
                        "no index yet: call index_repository first", hint=f"expected the index at {db_path}"
                    )
                conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30, isolation_level=None)
                conn.execute("PRAGMA query_only = 1")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version != schema.LATEST:
                    conn.close()
                    raise NotFoundError(
                        "no index yet: call index_repository first",
                        hint=f"the index at {db_path} has schema version {version}, expected {schema.LATEST}",
                    )
            else:
                db_path.parent.mkdir(parents=True, exist_ok=True)
                conn = _open_writer(db_path)
        except sqlite3.Error as exc:
            raise DatabaseError(
                f"cannot open the index {db_path}: {exc}",
                hint="call index_repository(path='.', rebuild=true) to replace it (or delete the file)",
            ) from None
        conn.execute("PRAGMA cache_size = -32000")
        conn.execute("PRAGMA temp_store = MEMORY")
        return cls(conn, db_path, readonly)

    def close(self) -> None:
        if not self._shared:
            self.conn.close()

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- meta ------------------------------------------------------------
    def _meta(self, key: str) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def generation(self) -> int:
        """Bumped on every change of the index; caches key on it."""
        return int(self._meta("generation") or 0)

    @property
    def root(self) -> Path | None:
        """The directory that was indexed (paths in the store are relative to it)."""
        value = self._meta("root")
        return Path(value) if value else None

    def read_source(self, path: str) -> bytes:
        """Bytes of an indexed file: relative to the recorded root, confined by the server's guard."""
        root = self.root
        if root is None:
            raise NotFoundError("no index yet: call index_repository first")
        guard = self.guard or PathGuard([root])
        root = confined_root(root, guard, self.db_path) or root  # the server's roots, not the index's, decide
        try:
            return read_confined(root, path, guard)
        except SemgraphError:
            raise
        except OSError as exc:
            raise NotFoundError(f"cannot read {path}: {exc.strerror}", hint="re-index the repository") from None

    # -- files -----------------------------------------------------------
    def files(self, language: str | None = None) -> list[FileRow]:
        if language:
            rows = self.conn.execute(f"SELECT {_FILE_COLS} FROM files WHERE language = ? ORDER BY path", (language,))
        else:
            rows = self.conn.execute(f"SELECT {_FILE_COLS} FROM files ORDER BY path")
        return [FileRow(*r) for r in rows]

    def file(self, path: str) -> FileRow | None:
        row = self.conn.execute(f"SELECT {_FILE_COLS} FROM files WHERE path = ?", (path,)).fetchone()
        return FileRow(*row) if row else None

    def file_by_id(self, file_id: int) -> FileRow | None:
        row = self.conn.execute(f"SELECT {_FILE_COLS} FROM files WHERE id = ?", (file_id,)).fetchone()
        return FileRow(*row) if row else None

    def parse_errors(self, limit: int = 100) -> tuple[list[str], int]:
        """``file:line:col: message`` texts (bounded) and their total."""
        total = self.conn.execute("SELECT count(*) FROM parse_errors").fetchone()[0]
        rows = self.conn.execute(
            "SELECT f.path, e.line, e.col, e.message FROM parse_errors e JOIN files f ON f.id = e.file_id "
            "ORDER BY f.path, e.line, e.col LIMIT ?",
            (limit,),
        )
        return [f"{p}:{ln}:{c}: {m}" for p, ln, c, m in rows], total

    # -- symbols ---------------------------------------------------------
    def symbols(
        self, *, file_id: int | None = None, kind: str | None = None, language: str | None = None
    ) -> list[SymbolRow]:
        where, args = [], []
        if file_id is not None:
            where.append("s.file_id = ?")
            args.append(file_id)
        if kind:
            where.append("s.kind = ?")
            args.append(kind)
        if language:
            where.append("f.language = ?")
            args.append(language)
        sql = f"SELECT {_SYMBOL_COLS} FROM symbols s JOIN files f ON f.id = s.file_id"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_symbol(r) for r in self.conn.execute(sql + " ORDER BY s.id", args)]

    def symbol(self, symbol_id: int) -> SymbolRow | None:
        row = self.conn.execute(
            f"SELECT {_SYMBOL_COLS} FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.id = ?", (symbol_id,)
        ).fetchone()
        return _symbol(row) if row else None

    def symbols_by_ids(self, ids: Iterable[int]) -> dict[int, SymbolRow]:
        out: dict[int, SymbolRow] = {}
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in self.conn.execute(
                f"SELECT {_SYMBOL_COLS} FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.id IN ({marks})", chunk
            ):
                out[r[0]] = _symbol(r)
        return out

    def children(self, symbol_id: int, limit: int = 1000) -> list[SymbolRow]:
        rows = self.conn.execute(
            f"SELECT {_SYMBOL_COLS} FROM symbols s JOIN files f ON f.id = s.file_id WHERE s.parent_id = ? "
            "ORDER BY s.start_line, s.id LIMIT ?",
            (symbol_id, limit),
        )
        return [_symbol(r) for r in rows]

    def find_symbols(self, name_or_qualified: str, *, limit: int = 20) -> list[SymbolRow]:
        """Exact qualified name, then exact name, then a qualified-name suffix (``UserService.register``)."""
        text = name_or_qualified.strip()
        if not text:
            return []
        base = f"SELECT {_SYMBOL_COLS} FROM symbols s JOIN files f ON f.id = s.file_id"
        rows = self.conn.execute(f"{base} WHERE s.qualified_name = ? ORDER BY s.id LIMIT ?", (text, limit)).fetchall()
        if not rows:
            rows = self.conn.execute(
                f"{base} WHERE s.name = ? AND s.kind != 'module' ORDER BY f.path, s.start_line LIMIT ?", (text, limit)
            ).fetchall()
        if not rows:
            last = re.split(r"::|\.|/", text)[-1]
            norm = _norm(text)
            cand = self.conn.execute(f"{base} WHERE s.name = ? ORDER BY f.path, s.start_line", (last,)).fetchall()
            rows = [r for r in cand if _qualified_match(_norm(r[6]), norm)][:limit]
        return [_symbol(r) for r in rows]

    # -- edges -----------------------------------------------------------
    def edges(
        self,
        *,
        kind: str | None = None,
        src: int | None = None,
        dst: int | None = None,
        file_id: int | None = None,
    ) -> list[EdgeRow]:
        where, args = [], []
        for col, value in (("kind", kind), ("src_id", src), ("dst_id", dst), ("file_id", file_id)):
            if value is not None:
                where.append(f"{col} = ?")
                args.append(value)
        sql = f"SELECT {_EDGE_COLS} FROM edges"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_edge(r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def replace_derived_edges(self, origin: str, edges: list[NewEdge]) -> int:
        """Replace every edge of ``origin`` (e.g. ``analysis:crosslang``) with ``edges``; returns the count."""
        if origin == "index" or not origin:
            raise ValueError("origin 'index' belongs to the indexer; use e.g. 'analysis:crosslang'")
        file_of = {}
        ids = {e.src_id for e in edges if e.file_id is None}
        for i in range(0, len(ids), 500):
            chunk = list(ids)[i : i + 500]
            marks = ",".join("?" * len(chunk))
            file_of.update(self.conn.execute(f"SELECT id, file_id FROM symbols WHERE id IN ({marks})", chunk))
        rows = []
        for e in edges:
            fid = e.file_id if e.file_id is not None else file_of.get(e.src_id)
            if fid is None:
                raise NotFoundError(f"edge source symbol {e.src_id} is not in the index")
            name = re.split(r"::|\.|/", e.target)[-1] if e.target else ""
            rows.append(
                (
                    e.kind,
                    e.src_id,
                    e.dst_id,
                    e.target,
                    name,
                    e.resolution,
                    e.candidates,
                    e.line,
                    e.col,
                    e.order,
                    fid,
                    origin,
                    json.dumps(e.meta),
                )
            )
        with self.transaction():
            self.conn.execute("DELETE FROM edges WHERE origin = ?", (origin,))
            self.conn.executemany(
                "INSERT INTO edges(kind, src_id, dst_id, target, name, resolution, candidates, line, col, ord, "
                "file_id, origin, meta) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            self.bump_generation()
        return len(rows)

    # -- writing (indexer) -------------------------------------------------
    def transaction(self) -> _Transaction:
        return _Transaction(self.conn)

    def bump_generation(self) -> int:
        self.conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")
        return self.generation()

    def set_root(self, root: Path) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('root', ?)", (str(root),))

    def counts(self) -> dict[str, int]:
        q = self.conn.execute
        return {
            "files": q("SELECT count(*) FROM files").fetchone()[0],
            "symbols": q("SELECT count(*) FROM symbols").fetchone()[0],
            "edges": q("SELECT count(*) FROM edges").fetchone()[0],
        }


def _open_writer(db_path: Path, wait: float = 30.0) -> sqlite3.Connection:
    """A writable connection in WAL mode with the schema migrated.

    Switching a new file to WAL can fail with "database is locked" at once (SQLite's busy handler is not
    used there) when another process opens the same new index at the same moment, so that step retries.
    """
    deadline = time.monotonic() + wait
    while True:
        conn = sqlite3.connect(db_path, timeout=wait, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            schema.migrate(conn)
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


_thread = threading.local()


def reader(db_path: Path) -> GraphStore:
    """A read-only store for the calling thread, reused across calls.

    Tool calls run in a small pool of worker threads; keeping one connection per thread saves the schema
    parse and cache warm-up of a fresh connection (several ms per call on a big index). WAL readers see
    every commit, and a replaced database file (new inode) gets a new connection. ``close()`` is a no-op.
    """
    try:
        st = os.stat(db_path)
    except OSError:
        raise NotFoundError(
            "no index yet: call index_repository first", hint=f"expected the index at {db_path}"
        ) from None
    cache: dict[str, tuple[tuple[int, int], GraphStore]] = getattr(_thread, "stores", None) or {}
    _thread.stores = cache
    key, ident = str(db_path), (st.st_ino, st.st_dev)
    hit = cache.get(key)
    if hit is not None and hit[0] == ident:
        return hit[1]
    if hit is not None:
        hit[1].conn.close()
    store = GraphStore.open(db_path, readonly=True)
    store._shared = True
    cache[key] = (ident, store)
    return store


def _norm(qualified: str) -> str:
    return qualified.replace("::", ".").replace("/", ".")


def _qualified_match(stored: str, want: str) -> bool:
    """``want`` (normalised) names ``stored``: equal, a dotted suffix, or a Rust path written from inside its
    crate (``crate::db::connect``) for a name stored with the crate (``api::db::connect``)."""
    if stored == want or stored.endswith("." + want):
        return True
    return want.startswith("crate.") and stored.partition(".")[2] == want[6:]


class _Transaction:
    """``with store.transaction():`` BEGIN IMMEDIATE … COMMIT, ROLLBACK on error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")

"""Incremental indexing: walk, parse changed files in a process pool, store, resolve.

One run is one write transaction on the index (WAL): readers see the previous
generation until it commits, so a file is never seen half-replaced. Unchanged
files (same size and mtime, or same content hash) are not parsed; files that
disappeared are removed with their symbols and edges; a renamed file is a
removal plus an addition in the same transaction. After storing, call/import/
base targets are resolved for the new files and re-resolved for the files
whose edges pointed into changed ones (``resolver``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from semgraph.errors import DatabaseError
from semgraph.gcpause import without_gc
from semgraph.graph import callpool
from semgraph.graph.cargo import CrateNames
from semgraph.graph.integrity import begin_run, end_run, explain, remove_index
from semgraph.graph.minified import minified_reason
from semgraph.graph.model import FileExtraction, SyntaxProblem
from semgraph.graph.orphans import worker_init
from semgraph.graph.resolver import BaseSite, CallSite, FileInfo, ImportSite, Resolver, Sym, SymbolIndex, Unit
from semgraph.graph.store import GraphStore, words
from semgraph.graph.walker import DEFAULT_MAX_FILE_BYTES, WalkedFile, walk
from semgraph.paths import PathGuard
from semgraph.procguard import mark_pool_parent
from semgraph.progress import ProgressFn, no_progress

log = logging.getLogger(__name__)

IN_PROCESS_FILES = 150
"""Below this many files to parse, parsing stays in-process: a pool costs ~0.3 s to start."""
CHUNK_FILES = 48
FORKSERVER_FILES = 1000
"""From this many files to parse, a single-threaded caller's pool starts through a forkserver too (measured)."""
MAX_REPORTED_ERRORS = 50
COLD_CACHE_KIB = 256_000
WARM_CACHE_KIB = 32_000  # as GraphStore.open sets it
BULK_RESOLVE_SITES = 20_000
"""Above this many call sites to resolve, load every symbol once instead of one query per name (measured)."""
PARTIAL_META = "partial"
"""Meta key set to '1' while a cold build has committed only part of its files (see ``Indexer.run``)."""
DROPPED_META = "dropped_indexes"
"""Meta key: the CREATE INDEX statements a partially committed cold build dropped (restored if it stopped)."""
MAX_CHANGED_WORDS = 200
"""Above this many names that came or went in one changed file, it is re-linked as a new file would be."""
WORDS_PER_QUERY = 40
SCAN_WORDS = 4 * WORDS_PER_QUERY
"""Above this many changed names, the sites naming one are found in one pass over every site."""
FLUSH_ROWS = 20_000
"""Symbols buffered before the batch of stored files is written."""
LEAF_KINDS = frozenset({"function", "method", "macro"})
"""Symbol kinds that end a call's target (``a.b.f()``), never stand inside one: a change to one of these
matters only to sites that call that name."""
LAST_RUN_META = "last_run"
"""Meta key holding the last run's walk summary (JSON: scanned files, skipped files by reason, seconds)."""


@dataclass
class LanguageStats:
    files: int = 0
    symbols: int = 0
    loc: int = 0


@dataclass
class IndexReport:
    """What one indexing run did."""

    root: str
    generation: int
    languages: dict[str, LanguageStats] = field(default_factory=dict)  # the whole index after the run
    files_scanned: int = 0
    files_parsed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    files_added: int = 0
    files_changed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    skipped_examples: list[tuple[str, str]] = field(default_factory=list)
    parse_errors: list[str] = field(default_factory=list)  # "file:line:col: message", bounded
    parse_error_total: int = 0
    resolution: dict[str, int] = field(default_factory=dict)  # call edges resolved this run, by how
    files_resolved: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # walk / parse_store / resolve seconds
    cpu: dict[str, float] = field(default_factory=dict)  # the same phases in this process's CPU-seconds (+ total)


@dataclass(slots=True)
class Compact:
    """A ``FileExtraction`` as plain tuples, ready for ``executemany``: cheap to pickle back from a worker
    (dataclass instances cost about 3x more), with FTS words and JSON made in the worker."""

    language: str
    module: str
    loc: int
    # (kind, name, qualified, signature, doc, start_line, start_col, end_line, end_col, parent,
    #  visibility, decorators_json, is_async, is_test, metrics_json)
    symbols: list[tuple]
    fts: list[tuple[str, str, str, str]]
    imports: list[tuple]  # (module, name, alias, line, is_relative, scope)
    calls: list[tuple]  # (caller, target, name, receiver, line, col, order, receiver_type)
    bases: list[tuple]  # (child, target, kind, line)
    errors: list[tuple]  # (line, col, message)


_METRICS_FORMATS: dict[tuple[str, ...], str] = {}


def _metrics_json(metrics: dict[str, int]) -> str:
    """JSON of a flat name → int dict, without json.dumps's per-call overhead (hot: one per symbol): one
    ``%``-format per key order (the engine makes two), filled with the values."""
    keys = tuple(metrics)
    fmt = _METRICS_FORMATS.get(keys)
    if fmt is None:
        if not all(isinstance(k, str) and k.isidentifier() for k in keys):
            return json.dumps(metrics)
        fmt = _METRICS_FORMATS[keys] = "{" + ", ".join(f'"{k}": %d' for k in keys) + "}"
    try:  # the engine's values are ints (an empty file's loc is False: %d writes 0, as before)
        return fmt % tuple(metrics.values())
    except TypeError:
        return json.dumps(metrics)


def compact(ex: FileExtraction) -> Compact:
    syms = []
    fts = []
    append_sym, append_fts = syms.append, fts.append
    for s in ex.symbols:
        sp = s.span
        name, qual, sig, doc = s.name, s.qualified_name, s.signature, s.doc
        append_sym(
            (str(s.kind), name, qual, sig, doc, sp.start_line, sp.start_col, sp.end_line,
             sp.end_col, s.parent, s.visibility, json.dumps(s.decorators) if s.decorators else "[]",
             int(s.is_async), int(s.is_test), _metrics_json(s.metrics))
        )  # fmt: skip
        append_fts((words(name), words(qual), sig[:500], doc[:1000]))
    return Compact(
        ex.language,
        ex.module,
        ex.loc,
        syms,
        fts,
        [(i.module, i.name, i.alias, i.line, i.is_relative, i.scope or 0) for i in ex.imports],
        [(k.caller, k.target, k.name, k.receiver, k.line, k.col, k.order, k.receiver_type) for k in ex.calls],
        [(b.child, b.target, str(b.kind), b.line) for b in ex.bases],
        [(e.line, e.col, e.message) for e in ex.errors],
    )


@dataclass(slots=True)
class Batch:
    """Rows of several stored files not yet written (``Indexer._flush``)."""

    files: list[tuple] = field(default_factory=list)
    symbols: list[tuple] = field(default_factory=list)
    fts: list[tuple] = field(default_factory=list)
    edges: list[tuple] = field(default_factory=list)
    errors: list[tuple] = field(default_factory=list)


@dataclass(slots=True)
class StablePlan:
    """How a changed file's symbols map onto its old ones (``Indexer._stable_plan``)."""

    ids: list[int | None]  # per new symbol: the old id it keeps, or None for a new id
    removed: set[int]  # old ids no new symbol keeps
    words: set[str]  # identifiers in the names of symbols that came or went
    deep: bool  # one of them can stand inside a call's target (a type, module, field...), not only at its end


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(slots=True)
class Parsed:
    rel: str
    status: str  # parsed | unchanged | binary | minified | unreadable | failed
    hash: str = ""
    size: int = 0
    mtime_ns: int = 0
    extraction: Compact | None = None
    message: str = ""


def _utf8_problem(data: bytes) -> SyntaxProblem | None:
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return SyntaxProblem(
            line, col, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); undecodable bytes were replaced"
        )


def parse_file(path: str, rel: str, language: str, old_hash: str | None) -> Parsed:
    """Read, hash and (if changed) extract one file. Runs in worker processes."""
    from semgraph.graph.extractors import extract, module_name_for

    try:
        with open(path, "rb") as f:
            data = f.read()
            st = os.fstat(f.fileno())
    except OSError as exc:
        return Parsed(rel, "unreadable", message=exc.strerror or str(exc))
    if b"\0" in data[:8192]:
        return Parsed(rel, "binary", size=len(data), mtime_ns=st.st_mtime_ns)
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    if digest == old_hash:
        return Parsed(rel, "unchanged", digest, len(data), st.st_mtime_ns)
    packed = minified_reason(data)
    if packed is not None:  # build output: analyses over its one huge line would be quadratic
        return Parsed(rel, "minified", size=len(data), mtime_ns=st.st_mtime_ns, message=packed)
    try:
        ex = extract(data, rel, language, module_name_for(rel, language))
    except Exception as exc:  # an extractor bug must not stop the run
        return Parsed(rel, "failed", digest, len(data), st.st_mtime_ns, message=f"{type(exc).__name__}: {exc}")
    problem = _utf8_problem(data)
    if problem is not None:
        ex.errors.insert(0, problem)
    return Parsed(rel, "parsed", digest, len(data), st.st_mtime_ns, compact(ex))


def _parse_chunk(tasks: list[tuple[str, str, str, str | None]]) -> list[Parsed]:
    return [parse_file(*t) for t in tasks]


def _chunks(tasks: list[tuple[str, str, str, str | None]], sizes: dict[str, int], workers: int) -> list[list[tuple]]:
    """Chunks of similar byte size (``sizes``: the walk's size per relative path), biggest files first, so no
    worker is left alone with the giant files at the end (one vendored 1 MB file is a whole chunk's work).
    Deterministic, so symbol ids are too."""
    ordered = sorted(tasks, key=lambda t: (-sizes[t[1]], t[1]))
    budget = max(64_000, sum(sizes[t[1]] for t in tasks) // (workers * 16))
    chunks: list[list[tuple]] = [[]]
    used = 0
    for t in ordered:
        if chunks[-1] and (used + sizes[t[1]] > budget or len(chunks[-1]) >= CHUNK_FILES):
            chunks.append([])
            used = 0
        chunks[-1].append(t)
        used += sizes[t[1]]
    return chunks


def _parse_all(
    tasks: list[tuple[str, str, str, str | None]], sizes: dict[str, int], workers: int | None
) -> Iterator[Parsed]:
    """Parse in-process for small jobs, else in a process pool, yielding as chunks finish."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if len(tasks) < IN_PROCESS_FILES or workers <= 1:
        for t in tasks:
            yield parse_file(*t)
        return
    # fork() starts workers in ~0.1 s but can deadlock a child forked while another thread holds a lock, so a
    # multi-threaded process (the MCP server) uses a forkserver (~0.4-0.8 s to start). A single-threaded one
    # (CLI, bench) forks for small and medium jobs; for big ones the forkserver's workers measured faster
    # (2,253 files: parse + store 6.2-6.8 s against 6.9-9.4 s with fork, in alternating runs)
    small = len(tasks) < FORKSERVER_FILES
    if small and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
    else:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["semgraph._forkserver_guard", "semgraph.graph.extractors"])
    chunks = _chunks(tasks, sizes, workers)
    delivered = 0
    mark_pool_parent()
    try:
        # a forked worker inherits the paused collector (see `run`): it makes cycles (parse trees), so it collects;
        # it dies with its parent (procguard's parent-death signal) and with this process (orphans' owner watch,
        # which also holds when the thread that started the forkserver has ended), so no worker outlives the server
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=worker_init, initargs=(os.getpid(),)
        ) as pool:
            try:
                for batch in pool.map(_parse_chunk, chunks):
                    delivered += 1
                    yield from batch
            except BaseException:  # cancelled or failed: drop the queued chunks so the pool stops in moments
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    except (BrokenProcessPool, OSError) as exc:  # no pool here (sandbox, odd __main__): parse in-process
        log.warning("parser pool failed (%s); parsing the remaining files in-process", exc)
        for chunk in chunks[delivered:]:
            for t in chunk:
                yield parse_file(*t)


class Indexer:
    """Index one root into one store. Not thread-safe: one run at a time per store."""

    def __init__(self, store: GraphStore, root: Path, guard: PathGuard) -> None:
        self.store = store
        self.conn = store.conn
        self.root = Path(os.path.realpath(root))
        self.guard = guard
        self._crates: CrateNames | None = None
        self._redo_sites: dict[int, set[int]] = {}  # file id → its sites to resolve again (`_glob_dependents`)

    @without_gc
    def run(
        self,
        *,
        languages: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        workers: int | None = None,
        progress: ProgressFn | None = None,
        commit_every: float | None = None,
    ) -> IndexReport:
        """Index the root, with the cyclic garbage collector paused (``semgraph.gcpause``): it would otherwise
        rescan the growing heap of rows again and again (measured: ~15% of the main process on a cold run), and
        a run makes almost no reference cycles. The pause is process-wide and counted across threads.

        ``commit_every`` (seconds): a cold build commits the files stored so far at this interval, so readers
        can search the part indexed so far (calls are resolved at the end). Until the final commit the index
        is marked partial; a run that finds that mark (a build that was stopped) rebuilds from scratch."""
        started, cpu0 = time.perf_counter(), time.process_time()
        progress = progress or no_progress
        walked = walk(self.root, self.guard, languages=languages, exclude=exclude, max_file_bytes=max_file_bytes)
        phases = {"walk": time.perf_counter() - started}
        report = IndexReport(root=str(self.root), generation=0, files_scanned=len(walked.files))
        skipped = Counter(walked.skipped)
        examples = list(walked.examples)
        conn = self.conn
        if len(walked.files) > IN_PROCESS_FILES and conn.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None:
            # a cold build: no fsync (a killed process still leaves the empty index, as SQLite's WAL survives
            # that; only an OS crash or power cut mid-build could damage the file, and the index is derived data
            # rebuilt by deleting it), and a page cache big enough for the index builds and FTS merges
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute(f"PRAGMA cache_size = -{COLD_CACHE_KIB}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            _normal_pragmas(conn)
            raise DatabaseError(
                f"the index is busy ({exc})", hint="another indexing run holds it; retry when it finishes"
            ) from None
        parsed_all: Generator[Parsed, None, None] | None = None
        try:
            old_root = self.store.root
            wiped = old_root is not None and str(old_root) != str(self.root) and bool(str(old_root))
            if self.store._meta(PARTIAL_META) == "1":  # an interrupted cold build: start over
                wiped = True
                for sql in json.loads(self.store._meta(DROPPED_META) or "[]"):
                    conn.execute(sql)  # the indexes its partial commits left dropped
            if wiped:
                self._wipe()  # one index holds one root
            self.store.set_root(self.root)
            existing = {
                p: (fid, h, size, mt)
                for fid, p, h, size, mt in conn.execute("SELECT id, path, hash, size, mtime_ns FROM files")
            }
            tasks: list[tuple[str, str, str, str | None]] = []
            by_rel: dict[str, WalkedFile] = {}
            for wf in walked.files:
                old = existing.get(wf.rel)
                by_rel[wf.rel] = wf
                if old is not None and old[2] == wf.size and old[3] == wf.mtime_ns:
                    report.files_unchanged += 1
                    continue
                tasks.append((str(wf.path), wf.rel, wf.language, old[1] if old else None))
            removed = [p for p in existing if p not in by_rel]
            # a cold run fills empty tables: building the secondary indexes once afterwards is faster
            cold = not existing and len(tasks) > IN_PROCESS_FILES
            dropped = self._drop_indexes() if cold else []
            total = len(tasks)
            progress(0, total, f"parsing {total} changed files of {len(walked.files)}")
            next_id = (conn.execute("SELECT max(id) FROM symbols").fetchone()[0] or 0) + 1
            self._next_file_id = (conn.execute("SELECT max(id) FROM files").fetchone()[0] or 0) + 1
            self._buf = Batch()
            self._gen = self.store.generation() + 1
            self._workers = workers
            # a cold run resolves from memory (signatures too: ``SymbolIndex.details``); FTS rows are stored as
            # files come, when the indexing process mostly waits for its parser pool
            self._details: dict[int, tuple[str, str]] | None = {} if not existing else None
            units: list[Unit] = []
            affected: set[int] = set()
            self._redo_sites = {}
            changed_ids: set[int] = set()
            new_names: set[str] = set()
            changed_words: set[str] = set()
            deep_change = False
            for path in removed:
                affected |= self._glob_dependents(existing[path][0])
                affected |= self._delete_file(existing[path][0], keep_row=False)
                changed_ids.add(existing[path][0])
            report.files_removed = len(removed)
            sizes = {rel: wf.size for rel, wf in by_rel.items()}  # from the walk: no second stat per file
            partial_at = time.monotonic() + commit_every if cold and commit_every else None
            parsed_all = _parse_all(tasks, sizes, workers)
            for done, parsed in enumerate(parsed_all, start=1):
                if parsed.status == "unchanged":
                    report.files_unchanged += 1
                    conn.execute("UPDATE files SET mtime_ns = ? WHERE path = ?", (parsed.mtime_ns, parsed.rel))
                elif parsed.status == "parsed" and parsed.extraction is not None:
                    old = existing.get(parsed.rel)
                    self._qualify_crate(parsed)  # before the plan: kept symbols are matched by their stored names
                    plan = self._stable_plan(old[0], parsed.extraction) if old is not None else None
                    if old is not None:
                        removed = plan.removed if plan is not None else None
                        if plan is None:
                            affected |= self._glob_dependents(old[0])
                            # calls typed through one of its module-level instances (meta `instance`)
                            changed_words.update(
                                r[0]
                                for r in conn.execute(
                                    "SELECT name FROM symbols WHERE file_id = ? AND kind = 'variable'", (old[0],)
                                )
                            )
                        affected |= self._delete_file(old[0], keep_row=True, only=removed)
                        report.files_changed += 1
                    else:
                        report.files_added += 1
                    unit, next_id = self._store_file(
                        parsed, old[0] if old else None, next_id, plan.ids if plan is not None else None
                    )
                    units.append(unit)
                    changed_ids.add(unit.file.id)
                    if plan is not None:  # same definitions kept their ids: only names that came or went matter
                        changed_words |= plan.words
                        deep_change = deep_change or plan.deep
                    else:
                        new_names.update(s.name for s in unit.symbols.values())
                    report.files_parsed += 1
                else:
                    reason = "extractor_error" if parsed.status == "failed" else parsed.status
                    skipped[reason] += 1
                    if len(examples) < 20:
                        examples.append((parsed.rel, f"{reason}: {parsed.message}" if parsed.message else reason))
                    old = existing.get(parsed.rel)
                    if old is not None:
                        affected |= self._glob_dependents(old[0])
                        affected |= self._delete_file(old[0], keep_row=False)
                        changed_ids.add(old[0])
                if done % 25 == 0 or done == total:
                    progress(done, total, f"parsed {done}/{total} files")
                if partial_at is not None and time.monotonic() >= partial_at and done < total:
                    self._commit_partial(dropped)
                    partial_at = time.monotonic() + (commit_every or 0)
            parsed_all.close()
            self._flush()

            def store_rest() -> None:  # what waits for no call: done while they are resolved
                for table, sql in dropped:
                    if table == "symbols":  # edge indexes wait for the call rows
                        conn.execute(sql)

            meanwhile = store_rest if self._details is not None else None
            if meanwhile is None:  # an incremental run's resolver reads symbols through their indexes
                store_rest()
            phases["parse_store"] = time.perf_counter() - started - phases["walk"]
            cpu = {"parse_store": time.process_time() - cpu0}
            resolved_files = self._resolve(
                units, affected - changed_ids, new_names, bool(existing), changed_words, deep_change, meanwhile
            )
            for table, sql in dropped:
                if table == "edges":
                    conn.execute(sql)
            phases["resolve"] = time.perf_counter() - started - phases["walk"] - phases["parse_store"]
            cpu["resolve"] = time.process_time() - cpu0 - cpu["parse_store"]
            report.files_resolved = resolved_files
            report.resolution = dict(self._last_stats)
            if units or changed_ids or wiped or partial_at is not None:
                self.store.bump_generation()
            self._set_meta(PARTIAL_META, "0")
            self._set_meta(DROPPED_META, "[]")
            self._set_meta(
                LAST_RUN_META,
                json.dumps(
                    {"files_scanned": len(walked.files), "skipped": dict(sorted(skipped.items())),
                     "seconds": round(time.perf_counter() - started, 3), "at": time.time()}
                ),
            )  # fmt: skip
            conn.execute("COMMIT")
        except BaseException:
            if parsed_all is not None:
                parsed_all.close()  # stops the parser pool now, not when the traceback is freed
            if conn.in_transaction:  # SQLITE_FULL already rolled back: do not hide the cause behind our ROLLBACK
                conn.execute("ROLLBACK")
            raise
        finally:
            _normal_pragmas(conn)
        end_run(conn)
        report.generation = self.store.generation()
        report.skipped = dict(sorted(skipped.items()))
        report.skipped_examples = examples
        report.parse_errors, report.parse_error_total = self.store.parse_errors(MAX_REPORTED_ERRORS)
        for lang, files, syms, loc in conn.execute(
            "SELECT f.language, count(*), coalesce(sum((SELECT count(*) FROM symbols s WHERE s.file_id = f.id)), 0), "
            "coalesce(sum(f.loc), 0) FROM files f GROUP BY f.language ORDER BY f.language"
        ):
            report.languages[lang] = LanguageStats(files, syms, loc)
        report.seconds = round(time.perf_counter() - started, 3)
        report.phases = {k: round(v, 3) for k, v in phases.items()}
        cpu["total"] = time.process_time() - cpu0
        report.cpu = {k: round(v, 3) for k, v in cpu.items()}
        return report

    # -- writing -------------------------------------------------------------
    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def _commit_partial(self, dropped: list[tuple[str, str]]) -> None:
        """Commit what a cold build stored so far as a new (partial) generation, and go on in a new transaction.

        The secondary indexes the cold build dropped are noted, so a build stopped after this restores them."""
        self._flush()
        self._set_meta(PARTIAL_META, "1")
        self._set_meta(DROPPED_META, json.dumps([sql for _table, sql in dropped]))
        self.store.bump_generation()
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN IMMEDIATE")

    def _drop_indexes(self) -> list[tuple[str, str]]:
        """Drop the symbols/edges secondary indexes; returns (table, SQL) that recreates them."""
        rows = self.conn.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('symbols', 'edges') "
            "AND sql IS NOT NULL"
        ).fetchall()
        for name, _table, _sql in rows:
            self.conn.execute(f"DROP INDEX {name}")
        return [(table, sql) for _name, table, sql in rows]

    def _wipe(self) -> None:
        for table in ("files", "symbols", "edges", "parse_errors", "symbols_fts"):
            self.conn.execute(f"DELETE FROM {table}")

    def _delete_file(self, file_id: int, *, keep_row: bool, only: set[int] | None = None) -> set[int]:
        """Remove a file's symbols, edges and errors; return the other files whose edges pointed into it.

        ``only``: the symbols that went away (the others come back under the same ids, see ``_stable_plan``):
        only edges into these lose their target; edges into the kept ones stay as they are."""
        c = self.conn
        if only is None:
            gone = "(SELECT id FROM symbols WHERE file_id = ?)"
            args: tuple = (file_id,)
        else:
            ids = sorted(only)
            gone, args = "(SELECT value FROM json_each(?))", (json.dumps(ids),)
        affected = set()
        if only is None or only:
            affected = {
                r[0]
                for r in c.execute(
                    f"SELECT DISTINCT e.file_id FROM edges e WHERE e.dst_id IN {gone} "
                    "AND e.file_id != ? AND +e.origin = 'index'",
                    (*args, file_id),
                )
            }
        c.execute(
            "DELETE FROM edges WHERE origin != 'index' AND (dst_id IN (SELECT id FROM symbols WHERE file_id = ?) "
            "OR src_id IN (SELECT id FROM symbols WHERE file_id = ?))",
            (file_id, file_id),
        )
        if affected:
            c.execute(  # `was` remembers what the call meant: if it is gone, the call is broken, not re-guessed
                "UPDATE edges SET resolution = 'stale', meta = json_set(meta, '$.was', "
                "(SELECT s.qualified_name || ' (' || f.path || ':' || s.start_line || ')' FROM symbols s "
                f"JOIN files f ON f.id = s.file_id WHERE s.id = edges.dst_id)), dst_id = NULL "
                f"WHERE dst_id IN {gone} AND kind = 'calls' AND file_id != ?",
                (*args, file_id),
            )
            c.execute(f"UPDATE edges SET dst_id = NULL, resolution = 'stale' WHERE dst_id IN {gone}", args)
        c.execute("DELETE FROM edges WHERE file_id = ?", (file_id,))
        c.execute("DELETE FROM symbols_fts WHERE rowid IN (SELECT id FROM symbols WHERE file_id = ?)", (file_id,))
        c.execute("DELETE FROM symbols WHERE file_id = ?", (file_id,))
        c.execute("DELETE FROM parse_errors WHERE file_id = ?", (file_id,))
        if not keep_row:
            c.execute("DELETE FROM files WHERE id = ?", (file_id,))
        return affected

    def _glob_dependents(self, file_id: int) -> set[int]:
        """The files whose links may change with what a file re-exports: those that star-import it, directly or
        through other star imports (``from pkg.sub import *`` in pkg, ``from .leaf import *`` in pkg.sub), and
        the files linked into those (``import pkg; pkg.make()`` reaches the leaf through both)."""
        c = self.conn
        globbing = "SELECT DISTINCT file_id FROM edges WHERE kind = 'imports' AND name = '*' AND dst_id IN "
        globbing += "(SELECT id FROM symbols WHERE file_id = ? AND kind = 'module')"
        seen = {file_id}
        frontier = [file_id]
        while frontier:
            for (g,) in c.execute(globbing, (frontier.pop(),)).fetchall():
                if g not in seen:
                    seen.add(g)
                    frontier.append(g)
        out = seen - {file_id}
        linked = "SELECT DISTINCT file_id FROM edges WHERE dst_id IN (SELECT id FROM symbols WHERE file_id = ?)"
        for g in sorted(out):
            out.update(r[0] for r in c.execute(linked, (g,)))
        out.discard(file_id)
        sites = "SELECT id FROM edges WHERE file_id = ? AND +origin = 'index' "
        sites += "AND +kind IN ('calls', 'imports', 'inherits', 'implements')"
        for f in out:  # every site: which one names a re-exported name is not known here
            self._redo_sites.setdefault(f, set()).update(r[0] for r in c.execute(sites, (f,)))
        return out

    def _stable_plan(self, file_id: int, cx: Compact) -> StablePlan | None:
        """Which of a changed file's new symbols keep their old ids: those defined as before (same kind,
        qualified name, signature and parent), so the edges other files have into them stay valid.

        ``None`` (every symbol gets a new id and every file linked into this one is re-resolved, as for a new
        file) when the file's imports or base classes changed, since those feed other files' resolution through
        re-exports and inheritance in ways a name cannot tell, or when too many names changed."""
        c = self.conn
        old_syms = c.execute(
            "SELECT id, kind, name, qualified_name, signature, parent_id FROM symbols WHERE file_id = ? ORDER BY id",
            (file_id,),
        ).fetchall()
        qname = {r[0]: r[3] for r in old_syms}
        free: dict[tuple, list[int]] = {}
        for sid, kind, _name, qual, sig, parent in old_syms:
            free.setdefault((kind, qual, sig, qname.get(parent) if parent is not None else None), []).append(sid)
        new = cx.symbols
        old_imports = Counter()
        old_bases = Counter()
        for kind, src, target, meta in c.execute(
            "SELECT kind, src_id, target, meta FROM edges WHERE file_id = ? AND +origin = 'index' "
            "AND kind IN ('imports', 'inherits', 'implements')",
            (file_id,),
        ):
            if kind == "imports":
                m = json.loads(meta)
                old_imports[
                    (target, m.get("name", ""), m.get("alias", ""), bool(m.get("relative")), qname.get(src))
                ] += 1
            else:
                old_bases[(qname.get(src), target, kind)] += 1
        new_imports = Counter(
            (mod, name, alias, bool(rel), new[scope][2] if scope < len(new) else None)
            for mod, name, alias, _line, rel, scope in cx.imports
        )
        new_bases = Counter((new[child][2], target, kind) for child, target, kind, _line in cx.bases)
        if new_imports != old_imports or new_bases != old_bases:
            return None
        # `__all__` decides what a star import of the module binds: as an import change, every file linked in
        if {r[4] for r in old_syms if r[2] == "__all__"} != {r[3] for r in new if r[1] == "__all__"}:
            return None
        ids: list[int | None] = []
        words: set[str] = set()
        deep = False
        for row in new:
            parent = row[9]
            got = free.get((row[0], row[2], row[3], new[parent][2] if parent is not None else None))
            ids.append(got.pop(0) if got else None)
        # a definition whose signature changed (`-> A` became `-> B`) is still the same definition: it keeps its
        # id (callers elsewhere are not broken), and the sites naming it are resolved again, as for a new name
        loose: dict[tuple, list[int]] = {}
        for (kind, qual, _sig, parent_q), left in free.items():
            loose.setdefault((kind, qual, parent_q), []).extend(left)
        for i, row in enumerate(new):
            if ids[i] is not None:
                continue
            parent = row[9]
            got = loose.get((row[0], row[2], new[parent][2] if parent is not None else None))
            if got:
                ids[i] = min(got)
                got.remove(ids[i])
            words.update(_IDENT.findall(row[1]))
            deep = deep or row[0] not in LEAF_KINDS
        kept = {sid for sid in ids if sid is not None}
        removed = {sid for left in free.values() for sid in left if sid not in kept}
        for r in old_syms:
            if r[0] in removed:
                words.update(_IDENT.findall(r[2]))
                deep = deep or r[1] not in LEAF_KINDS
        if len(words) > MAX_CHANGED_WORDS:
            return None
        return StablePlan(ids, removed, words, deep)

    def _qualify_crate(self, parsed: Parsed) -> None:
        """Rust names carry their crate (`api::db::connect`, not `crate::db::connect`), see cargo.CrateNames."""
        cx = parsed.extraction
        if cx is None or cx.language != "rust":
            return
        if self._crates is None:
            self._crates = CrateNames(self.root)
        cx.module, cx.symbols, cx.fts = self._crates.qualify(parsed.rel, cx.module, cx.symbols, cx.fts, words)

    def _store_file(
        self, parsed: Parsed, file_id: int | None, next_id: int, keep: list[int | None] | None = None
    ) -> tuple[Unit, int]:
        """Store a parsed file; ``keep`` gives, per symbol, the old id it keeps (None: a new id)."""
        cx = parsed.extraction
        assert cx is not None
        c = self.conn
        values = (cx.language, cx.module, parsed.hash, parsed.size, cx.loc, parsed.mtime_ns, len(cx.errors), self._gen)
        buf = self._buf
        if file_id is None:
            file_id = self._next_file_id
            self._next_file_id += 1
            buf.files.append((file_id, parsed.rel, *values))
        else:
            c.execute(
                "UPDATE files SET language=?, module=?, hash=?, size=?, loc=?, mtime_ns=?, error_count=?, "
                "generation=? WHERE id=?",
                (*values, file_id),
            )
        assert file_id is not None
        base = next_id
        if keep is None:
            sids = list(range(base, base + len(cx.symbols)))
            next_id = base + len(cx.symbols)
        else:
            sids = []
            for old_id in keep:
                if old_id is None:
                    old_id, next_id = next_id, next_id + 1
                sids.append(old_id)
        rows, fts, contains, syms = [], [], [], {}
        details = self._details
        for i, (sym_row, fts_row) in enumerate(zip(cx.symbols, cx.fts, strict=True)):
            sid = sids[i]
            parent = sym_row[9]
            pid = sids[parent] if parent is not None else None
            rows.append((sid, file_id, *sym_row[:9], pid, *sym_row[10:]))
            fts.append((sid, *fts_row))
            if details is not None:
                details[sid] = (sym_row[3], sym_row[14])
            syms[sid] = Sym(sid, file_id, sym_row[0], sym_row[1], sym_row[2], pid)
            if pid is not None:
                contains.append(
                    ("contains", pid, sid, sym_row[1], sym_row[1], "same_module", 1, sym_row[5], sym_row[6], 0,
                     file_id, "index", "{}")
                )  # fmt: skip
        buf.symbols += rows
        buf.fts += fts
        buf.edges += contains
        if cx.errors:
            buf.errors += [(file_id, *e) for e in cx.errors]
        if len(buf.symbols) >= FLUSH_ROWS:
            self._flush()
        info = FileInfo(file_id, parsed.rel, cx.language, cx.module)
        unit = Unit(info, sids[0] if sids else base, syms)
        unit.imports = [ImportSite(m, n, a, ln, rel, sids[sc]) for m, n, a, ln, rel, sc in cx.imports]
        unit.calls = [CallSite(sids[k], t, n, r, ln, col, o, rt) for k, t, n, r, ln, col, o, rt in cx.calls]
        unit.bases = [BaseSite(sids[ch], t, k, ln) for ch, t, k, ln in cx.bases]
        return unit, next_id

    def _flush(self) -> None:
        """Write the rows ``_store_file`` buffered: one ``executemany`` per table per batch of files."""
        buf, c = self._buf, self.conn
        if buf.files:
            c.executemany(
                "INSERT INTO files(id, path, language, module, hash, size, loc, mtime_ns, error_count, generation) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                buf.files,
            )
        if buf.symbols:
            c.executemany("INSERT INTO symbols VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", buf.symbols)
        if buf.fts:
            c.executemany(_FTS_INSERT, buf.fts)
        if buf.edges:
            _insert_edges(c, buf.edges)
        if buf.errors:
            c.executemany("INSERT INTO parse_errors(file_id, line, col, message) VALUES (?,?,?,?)", buf.errors)
        self._buf = Batch()

    # -- resolution ----------------------------------------------------------
    def _resolve(
        self,
        units: list[Unit],
        affected: set[int],
        new_names: set[str],
        incremental: bool,
        words: set[str],
        deep: bool = False,
        meanwhile: Callable[[], None] | None = None,
    ) -> int:
        """Resolve the new units plus every file whose links may have changed; returns how many files.

        ``meanwhile`` runs once the calls are being resolved (in forked workers when ``callpool`` can: a cold
        run), to store what does not wait for them.

        ``words``: identifiers of the names that came or went in files whose other symbols kept their ids; the
        call, import and base sites of other files that mention one of them (in the called name or the stated
        receiver type; with ``deep``, anywhere in the target text) are resolved again, whatever they resolved
        to before."""
        c = self.conn
        self._last_stats: dict[str, int] = {}
        unit_ids = {u.file.id for u in units}
        redo: dict[int, set[int]] = {f: set(ids) for f, ids in self._redo_sites.items()}
        if incremental and words:
            for fid, eid in self._sites_naming(sorted(words), deep):
                if fid not in unit_ids:
                    redo.setdefault(fid, set()).add(eid)
            affected.update(redo)
        if incremental and (units or affected):
            # files with unresolved or name-matched calls that a new symbol might now answer
            names = sorted(new_names)
            for i in range(0, len(names), 500):
                chunk = names[i : i + 500]
                marks = ",".join("?" * len(chunk))
                affected.update(
                    r[0]
                    for r in c.execute(
                        f"SELECT DISTINCT file_id FROM edges WHERE +origin = 'index' AND kind != 'contains' "
                        f"AND resolution IN ('unresolved', 'name_match') AND name IN ({marks})",
                        chunk,
                    )
                )
        affected -= unit_ids
        sites = sum(len(u.calls) for u in units) + 50 * len(affected)
        # a cold run always loads everything: its edge table has no indexes yet for per-name queries
        # a cold run already holds every symbol in its units: no need to read them back
        known = (s for u in units for s in u.symbols.values()) if not incremental else None
        details = self._details if not incremental else None
        index = SymbolIndex(c, bulk=not incremental or sites > BULK_RESOLVE_SITES, symbols=known, details=details)
        resolver = Resolver(index)
        reloaded = [self._reload_unit(fid, index, new_names, redo.get(fid, ())) for fid in sorted(affected)]
        todo = [u for u in (*units, *reloaded) if u is not None]
        rows, prepared = resolver.prepare(todo)
        pool = callpool.CallPool(resolver, prepared, self._workers) if callpool.usable(
            resolver, prepared, self._workers
        ) else None  # fmt: skip
        if pool is not None:
            pool.start()
        try:
            _insert_edges(c, rows)
            if meanwhile is not None:
                meanwhile()
            for calls in pool.rows() if pool is not None else (resolver.resolve_calls(prepared),):
                _insert_edges(c, calls)
        finally:
            if pool is not None:
                pool.close()
        self._details = None
        self._last_stats = resolver.stats
        return len(todo)

    def _sites_naming(self, words: list[str], deep: bool) -> set[tuple[int, int]]:
        """(file id, edge id) of every indexed call/import/base site whose called name is one of ``words``
        (the ``edges_name`` index), whose stated receiver type contains one (the ``edges_typed`` index), and
        with ``deep`` whose target text contains one (a scan of every edge).
        A superset: a site redone needlessly costs only time. Many words (a branch switch) take one pass over
        every site instead, matching whole identifiers."""
        out: set[tuple[int, int]] = set()
        sites = "+kind IN ('calls', 'imports', 'inherits', 'implements') AND +origin = 'index'"
        if len(words) > SCAN_WORDS:
            wanted = set(words)
            for fid, eid, kind, name, target, meta in self.conn.execute(
                f"SELECT file_id, id, kind, name, target, meta FROM edges WHERE {sites}"
            ):
                if (
                    name in wanted
                    or (kind == "calls" and meta != "{}" and not wanted.isdisjoint(_IDENT.findall(meta)))
                    or (deep and not wanted.isdisjoint(_IDENT.findall(target)))
                ):
                    out.add((fid, eid))
            return out
        for i in range(0, len(words), WORDS_PER_QUERY):
            chunk = words[i : i + WORDS_PER_QUERY]
            marks = ",".join("?" * len(chunk))
            c = self.conn
            named = f"SELECT file_id, id FROM edges WHERE name IN ({marks}) AND kind != 'contains' AND {sites}"
            out.update(c.execute(named, chunk))
            texts = " OR ".join(["instr(meta, ?) > 0"] * len(chunk))
            typed = "SELECT file_id, id FROM edges WHERE kind = 'calls' AND meta != '{}' AND +origin = 'index'"
            out.update(c.execute(f"{typed} AND ({texts})", chunk))
            if deep:
                texts = " OR ".join(["instr(target, ?) > 0"] * len(chunk))
                out.update(c.execute(f"SELECT file_id, id FROM edges WHERE {sites} AND ({texts})", chunk))
        return out

    def _reload_unit(
        self, file_id: int, index: SymbolIndex, names: set[str], edge_ids: Iterable[int] = ()
    ) -> Unit | None:
        """Rebuild the sites of a stored file (not re-parsed) whose links may change, and drop their edges.

        Only edges that lost their target (``stale``), that are unresolved / name-matched under one of
        ``names`` (the names the changed files define), or that are in ``edge_ids`` are redone; every import
        still feeds the bindings.
        """
        extra = set(edge_ids)
        c = self.conn
        info = index.files.get(file_id)
        if info is None:
            return None
        rows = c.execute(
            "SELECT id, kind, src_id, target, name, line, col, ord, meta, resolution FROM edges "
            "WHERE file_id = ? AND +origin = 'index' AND +kind IN ('calls', 'imports', 'inherits', 'implements') "
            "ORDER BY id",
            (file_id,),
        ).fetchall()
        redo = [
            r[0]
            for r in rows
            if r[9] == "stale" or r[0] in extra or (r[9] in ("unresolved", "name_match") and r[4] in names)
        ]
        if not redo:
            return None
        redo = _whole_call_sites(rows, redo)
        chosen = set(redo)
        syms = {
            r[0]: Sym(*r)
            for r in c.execute(
                "SELECT id, file_id, kind, name, qualified_name, parent_id FROM symbols WHERE file_id = ?", (file_id,)
            )
        }
        module_id = next((s.id for s in syms.values() if s.kind == "module"), min(syms, default=0))
        unit = Unit(info, module_id, syms, import_filter=set())
        for eid, kind, src, target, name, line, col, ord_, meta, _res in rows:
            if kind == "imports":
                m = json.loads(meta)
                site = ImportSite(target, m.get("name", ""), m.get("alias", ""), line, bool(m.get("relative")), src)
                unit.imports.append(site)
                if eid in chosen:
                    unit.import_filter.add(site.key())  # type: ignore[union-attr]
            elif eid not in chosen or _ALTERNATIVE in meta:
                continue  # an alternative edge is redone with its call's main edge
            elif kind == "calls":
                receiver = target[: len(target) - len(name)].rstrip(".:") if target.endswith(name) else ""
                info = json.loads(meta) if meta and meta != "{}" else {}
                unit.calls.append(
                    CallSite(src, target, name, receiver, line, col, ord_, _stated(info), info.get("was", ""))
                )
            else:
                unit.bases.append(BaseSite(src, target, kind, line))
        for i in range(0, len(redo), 500):
            chunk = redo[i : i + 500]
            c.execute(f"DELETE FROM edges WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        return unit


_ALTERNATIVE = '"alternative_of"'  # in the meta of a call's extra `possible` edges (resolver: dyn impls, cfg twins)


def _whole_call_sites(rows: list[tuple], redo: list[int]) -> list[int]:
    """A call site redone is redone whole: its main edge and its alternative edges (rows: id, kind, src, target,
    name, line, col, ord, meta, resolution), so it is resolved once and its alternatives are made again."""
    if not any(_ALTERNATIVE in r[8] for r in rows):
        return redo
    chosen = set(redo)
    sites = {(r[2], r[3], r[5], r[6]) for r in rows if r[0] in chosen and r[1] == "calls"}
    return [r[0] for r in rows if r[0] in chosen or (r[1] == "calls" and (r[2], r[3], r[5], r[6]) in sites)]


def _normal_pragmas(conn: sqlite3.Connection) -> None:
    """Back to the settings of every other write (after a cold build's no-fsync, big-cache run)."""
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(f"PRAGMA cache_size = -{WARM_CACHE_KIB}")


_FTS_INSERT = "INSERT INTO symbols_fts(rowid, name, qualified_name, signature, doc) VALUES (?,?,?,?,?)"


def _insert_edges(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    conn.executemany(
        "INSERT INTO edges(kind, src_id, dst_id, target, name, resolution, candidates, line, col, ord, file_id, "
        "origin, meta) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )


def index_repository(
    root: Path,
    db_path: Path,
    guard: PathGuard,
    *,
    languages: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    workers: int | None = None,
    progress: ProgressFn | None = None,
    rebuild: bool = False,
    check: bool = False,
    commit_every: float | None = None,
) -> IndexReport:
    """Index ``root`` into the store at ``db_path`` (created if needed) and report what changed.

    ``rebuild`` deletes the index first (the repair for a damaged file); ``check`` runs ``PRAGMA quick_check``
    first (also done by itself after a run that never finished). A full disk or a damaged file is reported
    as such, with the path. ``commit_every`` (seconds) commits a cold build in steps, so queries see the part
    indexed so far.
    """
    if rebuild:
        remove_index(Path(db_path))
    try:
        with GraphStore.open(db_path) as store:
            begin_run(store.conn, Path(db_path), check=check)
            return Indexer(store, root, guard).run(
                languages=languages,
                exclude=exclude,
                max_file_bytes=max_file_bytes,
                workers=workers,
                progress=progress,
                commit_every=commit_every,
            )
    except (sqlite3.Error, OSError) as exc:
        clear = explain(exc, Path(db_path))
        if clear is None:
            raise
        raise clear from exc


def _stated(info: dict) -> str:
    """A stored call's receiver type as the extractor gave it: ``type``, then ``@args`` when counted (Java)."""
    typ = info.get("type", "")
    return f"{typ}@{info['args']}" if "args" in info else typ

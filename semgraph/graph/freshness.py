"""An index that stays fresh while a server runs: index on start, re-index edits, label every answer.

``IndexKeeper`` owns one background thread per server. It indexes the root at start (unless told not to),
then takes the paths the file watcher (``graph.watcher``) reports, waits while a git operation holds
``.git/index.lock`` (a checkout or pull of thousands of files becomes one batch), and runs the ordinary
incremental indexer on them through the job registry (``graph.jobs``), so an ``index_repository`` call and
the keeper never run two indexings of one database at once.

Queries never wait for it unless asked (``wait_seconds``). Every answer gets a ``Stamp``: the generation the
query read (recorded by ``note_read`` in the reading thread), whether a newer one is being built and how far
it got, and which files changed on disk since the generation read. Where the tree cannot be watched, the
keeper stats the tree before each query instead (``changed_on_disk``) and says so in ``watcher``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from semgraph.graph.indexer import LAST_RUN_META, PARTIAL_META, IndexReport, index_repository
from semgraph.graph.jobs import IndexJob, IndexJobs
from semgraph.graph.store import GraphStore
from semgraph.graph.walker import DEFAULT_MAX_FILE_BYTES, walk
from semgraph.paths import PathGuard

log = logging.getLogger(__name__)

WatchMode = Literal["auto", "poll", "off"]
MAX_LISTED = 20
"""Changed files listed by name in one answer (the total is always given)."""
GIT_SETTLE_SECONDS = 30.0
"""Longest wait for a git operation (``.git/index.lock`` present) to finish before indexing anyway."""
COMMIT_EVERY_SECONDS = 1.0
"""A cold build started by the keeper commits what it has at this interval, so search works on that part."""
POLL_WAIT_SECONDS = 1.0
"""Without a watcher, a query that finds changed files waits this long for their re-index before answering."""
NOTIFY_EVERY_SECONDS = 1.0
"""Listeners hear about indexing progress at most this often (state changes are told at once)."""


class Cancelled(Exception):
    """The keeper is stopping: the running index is abandoned (its transaction rolls back)."""


@dataclass(frozen=True)
class IndexOptions:
    """What the last ``index_repository`` asked for; the keeper's re-indexes use the same."""

    languages: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


@dataclass
class ReadRecord:
    """What the query of one answer read: filled by ``note_read`` in whichever thread ran it."""

    generation: int | None = None
    partial: bool = False
    disk_changes: list[str] | None = None  # what the stat check before the query found (no watcher)


_reads: contextvars.ContextVar[ReadRecord | None] = contextvars.ContextVar("semgraph_reads", default=None)


@contextmanager
def recording() -> Any:
    """Collect what the queries run inside this block (and the worker threads it starts) read."""
    record = ReadRecord()
    token = _reads.set(record)
    try:
        yield record
    finally:
        _reads.reset(token)


def note_read(store: GraphStore) -> None:
    """Record the generation ``store`` reads (call inside the read transaction of an answer)."""
    record = _reads.get()
    if record is not None and record.generation is None:
        record.generation = store.generation()
        record.partial = store._meta(PARTIAL_META) == "1"


def note_generation(generation: int) -> None:
    """Record a generation read some other way (an analysis' cached codebase)."""
    record = _reads.get()
    if record is not None and record.generation is None:
        record.generation = generation


@dataclass(frozen=True)
class Stamp:
    """How fresh one answer is."""

    generation: int
    index_state: Literal["ready", "building"]
    partial: bool
    progress_done: int
    progress_total: int | None
    files_changed_since: bool
    changed_files: list[str]
    changed_files_total: int
    watcher: str
    note: str


@dataclass
class KeeperStatus:
    """The whole state, for the status resource and ``semgraph status``."""

    root: str
    db_path: str
    generation: int = 0
    index_state: str = "idle"
    partial: bool = False
    progress_done: int = 0
    progress_total: int | None = None
    files: int = 0
    loc: int = 0
    symbols: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    pending_files: int = 0
    last_run_seconds: float | None = None
    last_indexed_at: float | None = None
    last_error: str = ""
    watcher: str = "off"
    watcher_detail: str = ""
    runs: int = 0


def changed_on_disk(store: GraphStore, root: Path, guard: PathGuard, options: IndexOptions) -> list[str]:
    """Files added, removed or modified (size or mtime) under ``root`` since the index at ``store`` was built.

    The cheap check used where no watcher runs: one walk (stat of each file) and one scan of the files table.
    """
    walked = walk(
        root, guard, languages=options.languages, exclude=options.exclude, max_file_bytes=options.max_file_bytes
    )
    known = {p: (size, mt) for p, size, mt in store.conn.execute("SELECT path, size, mtime_ns FROM files")}
    out = [f.rel for f in walked.files if known.pop(f.rel, None) != (f.size, f.mtime_ns)]
    return sorted(out + list(known))


@dataclass(frozen=True)
class LiveState:
    """What a keeper is doing, as its answers' stamps need it (also published for ``--workers`` processes)."""

    pending: list[str]
    inflight: list[str]
    base: int
    running: bool
    wanted: bool
    done: int
    total: int | None
    committed: int
    watcher: str
    watcher_detail: str
    pending_total: int | None = None  # the counts when the published lists were cut
    changed_total: int | None = None


def stamp_of(record: ReadRecord, live: LiveState, nothing_reindexes: bool) -> Stamp:
    """The freshness label of an answer that read ``record`` while the keeper was in state ``live``."""
    # a generation newer than the one the running batch started from already holds that batch
    seen = record.generation is not None and record.generation > live.base and not record.partial
    changed = sorted(set(live.pending) if seen else set(live.pending) | set(live.inflight))
    counted = live.pending_total if seen else live.changed_total
    building = live.running or bool(live.pending) or live.wanted
    if nothing_reindexes and record.disk_changes:
        changed = sorted(set(changed) | set(record.disk_changes))  # nothing re-indexes them
        counted = None
    total_changed = max(len(changed), counted or 0)
    generation = record.generation if record.generation is not None else live.committed
    done, total, committed = live.done, live.total, live.committed
    notes = []
    if record.partial:
        notes.append(f"cold start: this answer read the part indexed so far ({done}/{total or '?'} files)")
    elif building:
        notes.append(f"a newer generation is being built ({done}/{total or '?'} files parsed)")
    if committed > generation:
        notes.append(f"generation {committed} was committed after this answer's read")
    if total_changed:
        notes.append(f"{total_changed} file(s) changed on disk since generation {generation}")
    if live.watcher != "watching":
        notes.append(f"watcher {live.watcher}: {live.watcher_detail}")
    return Stamp(
        generation=generation,
        index_state="building" if building else "ready",
        partial=record.partial,
        progress_done=int(done),
        progress_total=int(total) if total is not None else None,
        files_changed_since=bool(total_changed) or committed > generation,
        changed_files=changed[:MAX_LISTED],
        changed_files_total=total_changed,
        watcher=live.watcher,
        note="; ".join(notes),
    )


class IndexKeeper:
    """Keeps the index at ``db_path`` of ``root`` fresh; see the module docstring."""

    def __init__(
        self,
        db_path: Path,
        root: Path,
        guard: PathGuard,
        jobs: IndexJobs,
        *,
        watch: WatchMode = "auto",
        auto_index: bool = True,
        options: IndexOptions | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.root = Path(os.path.realpath(root))
        self.guard = guard
        self.jobs = jobs
        self.watch_mode: WatchMode = watch
        self.auto_index = auto_index
        self.options = options or IndexOptions()
        self._cond = threading.Condition()
        self._pending: set[str] = set()
        self._inflight: set[str] = set()
        self._wanted = False  # a run is wanted even without named paths (start, poll check, new options)
        self._running = False
        self._done = 0
        self._total: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watcher: Any = None
        self.watcher_state = "off"
        self.watcher_detail = "not started"
        self.last_error = ""
        self.last_report: IndexReport | None = None
        self.runs = 0
        self._listeners: list[Callable[[], None]] = []
        self._last_notified = 0.0
        self._committed = self._read_generation()
        self._base = self._committed  # the generation the running batch started from

    # -- life cycle --------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the keeper thread: it starts the watcher (or picks the fallback), then the first index run."""
        if self._thread is not None:
            return
        if self.auto_index:
            self._wanted = True  # answers say 'building' from the first moment
        self._thread = threading.Thread(target=self._loop, name="semgraph-keeper", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the watcher and the keeper; a running index is cancelled (its parser pool stops with it)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._watcher is not None:
            self._watcher.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        job = self.jobs.current(self.db_path)
        if job is not None and not job.finished.is_set():
            job.finished.wait(timeout)

    def add_listener(self, fn: Callable[[], None]) -> None:
        """``fn()`` is called (from a keeper thread) whenever the status changes."""
        self._listeners.append(fn)

    def _notify(self, *, force: bool = True) -> None:
        now = time.monotonic()
        if not force and now - self._last_notified < NOTIFY_EVERY_SECONDS:
            return
        self._last_notified = now
        for fn in list(self._listeners):
            try:
                fn()
            except Exception:
                log.debug("status listener failed", exc_info=True)

    # -- input -------------------------------------------------------------------------------------------------
    def changed(self, rels: Iterable[str]) -> None:
        """Paths (relative to the root) that changed on disk: index them in the next batch."""
        with self._cond:
            if self.auto_index or self._has_index():
                self._pending.update(rels)
                self._cond.notify_all()
        self._notify(force=False)

    def configure(self, root: Path, options: IndexOptions) -> None:
        """Follow what ``index_repository`` indexed: the keeper's later runs use the same root and options."""
        root = Path(os.path.realpath(root))
        with self._cond:
            restart = root != self.root
            self.root, self.options = root, options
        if restart and self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
            self._start_watcher()

    def request_run(self) -> None:
        with self._cond:
            self._wanted = True
            self._cond.notify_all()

    # -- queries -----------------------------------------------------------------------------------------------
    def query_needs_wait(self, wait_seconds: float = 0.0, *, current: bool = False) -> bool:
        """Whether ``before_query`` has anything to do (cheap, never blocks on I/O): the watcher follows the
        tree, so only a wait for a build in progress or an answer that must read every change needs it."""
        if self.watcher_state != "watching" or current:
            return True
        return wait_seconds > 0 and self.busy

    def before_query(self, record: ReadRecord, wait_seconds: float = 0.0, *, current: bool = False) -> None:
        """Run before each answer: without a watcher, stat the tree and queue what changed; then wait up to
        ``wait_seconds`` for the index to be current (``current``: wait until it is, however long it takes)."""
        found: list[str] = []
        if self.watcher_state != "watching" or current:
            found = record.disk_changes = self._stat_check()
            if found and (self.watcher_state == "polling" or current):
                with self._cond:
                    self._pending.update(found)
                    self._cond.notify_all()
                wait_seconds = max(wait_seconds, POLL_WAIT_SECONDS)
        if current and found and not self._running_thread():
            with self._cond:
                self._pending.update(found)
            self._run_now()  # no keeper thread (an in-process server): index here
            record.disk_changes = []
        elif current and self.wait_idle(None):
            record.disk_changes = []  # indexed now
        elif wait_seconds > 0 and (self.busy or found):
            self.wait_idle(wait_seconds)

    def _stat_check(self) -> list[str]:
        if not self._has_index():
            return []
        try:
            with GraphStore.open(self.db_path, readonly=True) as store:
                return changed_on_disk(store, self.root, self.guard, self.options)
        except Exception as exc:  # a vanished root or index: the answer itself will say what is wrong
            log.debug("stat check failed: %s", exc)
            return []

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._running or bool(self._pending) or self._wanted

    def wait_idle(self, timeout: float | None) -> bool:
        """Wait until no run is going and nothing is queued; False on timeout or when the keeper stopped."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._running or self._pending or self._wanted:
                if self._stop.is_set() or not self._running_thread():
                    return False
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(0.2 if left is None else min(left, 0.2))
        return True

    def stamp(self, record: ReadRecord) -> Stamp:
        """The freshness label of an answer whose query read ``record``."""
        with self._cond:
            live = LiveState(
                pending=sorted(self._pending),
                inflight=sorted(self._inflight),
                base=self._base,
                running=self._running,
                wanted=self._wanted,
                done=self._done,
                total=self._total,
                committed=self._committed,
                watcher=self.watcher_state,
                watcher_detail=self.watcher_detail,
            )
        nothing_reindexes = self.watcher_state == "off" or (not self._running_thread() and bool(record.disk_changes))
        return stamp_of(record, live, nothing_reindexes)

    def status(self) -> KeeperStatus:
        with self._cond:
            st = KeeperStatus(
                root=str(self.root),
                db_path=str(self.db_path),
                index_state="building" if (self._running or self._pending or self._wanted) else "ready",
                progress_done=int(self._done),
                progress_total=int(self._total) if self._total is not None else None,
                pending_files=len(self._pending | self._inflight),
                last_error=self.last_error,
                watcher=self.watcher_state,
                watcher_detail=self.watcher_detail,
                runs=self.runs,
            )
        if not self._has_index():
            return st if self._running or self._wanted else replace(st, index_state="none")
        try:
            return replace(st, **stored_status(self.db_path))
        except Exception as exc:  # e.g. an index of an older schema, about to be rebuilt
            return replace(st, last_error=st.last_error or f"cannot read the index: {exc}")

    # -- the keeper thread -------------------------------------------------------------------------------------
    def _running_thread(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _has_index(self) -> bool:
        return self.db_path.exists()

    def _read_generation(self) -> int:
        if not self._has_index():
            return 0
        try:
            with GraphStore.open(self.db_path, readonly=True) as store:
                return store.generation()
        except Exception:
            return 0

    def _start_watcher(self) -> None:
        if self.watch_mode == "off":
            self.watcher_state, self.watcher_detail = "off", "turned off (--watch off): answers say what changed"
            return
        if self.watch_mode == "poll":
            self.watcher_state, self.watcher_detail = "polling", "stat check before each query (--watch poll)"
            return
        from semgraph.graph.watcher import Watcher

        watcher = Watcher(self.root, self.changed)
        try:
            watcher.start()
        except OSError as exc:
            watcher.stop()
            self.watcher_state = "polling"
            self.watcher_detail = f"{exc}; falling back to a stat check before each query"
            log.warning("%s", self.watcher_detail)
            return
        self._watcher = watcher
        self.watcher_state, self.watcher_detail = "watching", f"watching {self.root} for edits"

    def _loop(self) -> None:
        self._start_watcher()
        self._notify()
        while not self._stop.is_set():
            with self._cond:
                while not (self._pending or self._wanted) and not self._stop.is_set():
                    self._cond.wait(0.5)
                    if self._watcher is not None and not self._watcher.alive and self.watcher_state == "watching":
                        self.watcher_state = "polling"
                        self.watcher_detail = f"{self._watcher.error or 'the watcher stopped'}; stat check instead"
                if self._stop.is_set():
                    break
            self._settle()
            with self._cond:
                self._inflight, self._pending, self._wanted = set(self._pending), set(), False
                self._running, self._done, self._total = True, 0, None
                self._base = self._committed
            self._notify()
            try:
                self._run_once()
            except Cancelled:
                break
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("background index failed: %s", self.last_error)
            finally:
                with self._cond:
                    self._running, self._inflight = False, set()
                    self._committed = self._read_generation()
                    self._cond.notify_all()
                self._notify()

    def _run_now(self) -> None:
        with self._cond:
            self._inflight, self._pending, self._wanted = set(self._pending), set(), False
            self._running, self._base = True, self._committed
        try:
            self._run_once()
        finally:
            with self._cond:
                self._running, self._inflight = False, set()
                self._committed = self._read_generation()

    def _settle(self) -> None:
        """Wait while a git operation is under way, so a checkout or pull is indexed as one batch."""
        lock = self.root / ".git" / "index.lock"
        deadline = time.monotonic() + GIT_SETTLE_SECONDS
        waited = False
        while lock.exists() and time.monotonic() < deadline and not self._stop.is_set():
            waited = True
            time.sleep(0.05)
        if waited:  # the watcher hands over the last writes of the operation one step after they happen
            time.sleep(0.2)

    def _run_once(self) -> None:
        root, options = self.root, self.options
        cold = not self._has_index()

        def progress(done: float, total: float | None = None, message: str | None = None) -> None:
            if self._stop.is_set():
                raise Cancelled()
            job_ref[0].progress(done, total, message)
            self._done, self._total = int(done), int(total) if total is not None else None
            self._notify(force=False)

        job_ref: list[IndexJob] = []

        def work(job: IndexJob) -> IndexReport:
            job_ref.append(job)
            return index_repository(
                root,
                self.db_path,
                self.guard,
                languages=options.languages,
                exclude=options.exclude,
                max_file_bytes=options.max_file_bytes,
                progress=progress,
                commit_every=COMMIT_EVERY_SECONDS if cold else None,
            )

        job, started = self.jobs.start(self.db_path, root, work)
        while not job.finished.wait(0.1):
            if self._stop.is_set():
                job.finished.wait(10)
                raise Cancelled()
        if not started:  # someone's index_repository run: the paths may predate it, so run again after it
            self.jobs.collect(job)
            with self._cond:
                self._pending |= self._inflight
                self._wanted = True
            return
        self.jobs.collect(job)
        self.runs += 1
        if job.error is not None:
            raise job.error
        self.last_report = job.report
        self.last_error = ""


def stored_status(db_path: Path) -> dict[str, Any]:
    """What the index on disk says about itself (for ``KeeperStatus`` and ``semgraph status``)."""
    with GraphStore.open(db_path, readonly=True) as store:
        q = store.conn.execute
        q("BEGIN")
        try:
            langs = {lang: n for lang, n in q("SELECT language, count(*) FROM files GROUP BY language ORDER BY 1")}
            files, loc = q("SELECT count(*), coalesce(sum(loc), 0) FROM files").fetchone()
            symbols = q("SELECT count(*) FROM symbols").fetchone()[0]
            last = json.loads(store._meta(LAST_RUN_META) or "{}")
            return {
                "generation": store.generation(),
                "partial": store._meta(PARTIAL_META) == "1",
                "files": files,
                "loc": loc,
                "symbols": symbols,
                "languages": langs,
                "skipped": last.get("skipped", {}),
                "last_run_seconds": last.get("seconds"),
                "last_indexed_at": last.get("at"),
            }
        finally:
            q("COMMIT")


SERVER_STATUS_FILE = "server-status.json"
"""Written next to the index by a running server (its live state), read by ``semgraph status``."""


PUBLISHED_NAMES = 2_000
"""Changed paths named in the published live state (the counts are exact)."""


def live_state(keeper: IndexKeeper) -> LiveState:
    """The keeper's state as ``--workers`` processes read it (path lists cut at ``PUBLISHED_NAMES``)."""
    with keeper._cond:
        pending, inflight = keeper._pending, keeper._inflight
        return LiveState(
            pending=sorted(pending)[:PUBLISHED_NAMES],
            inflight=sorted(inflight)[:PUBLISHED_NAMES],
            base=keeper._base,
            running=keeper._running,
            wanted=keeper._wanted,
            done=int(keeper._done),
            total=keeper._total,
            committed=keeper._committed,
            watcher=keeper.watcher_state,
            watcher_detail=keeper.watcher_detail,
            pending_total=len(pending),
            changed_total=len(pending | inflight),
        )


def write_server_status(keeper: IndexKeeper, live: LiveState | None = None) -> None:
    """Publish the keeper's live state (watcher, run in progress, last error) for ``semgraph status`` and for
    the ``--workers`` processes, which label their answers from it instead of each statting the tree."""
    target = keeper.db_path.parent / SERVER_STATUS_FILE
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        live = live or live_state(keeper)
        state = {
            "pid": os.getpid(),
            "index_state": keeper.status().index_state,
            "progress_done": keeper._done,
            "progress_total": keeper._total,
            "pending_files": len(keeper._pending | keeper._inflight),
            "last_error": keeper.last_error,
            "watcher": keeper.watcher_state,
            "watcher_detail": keeper.watcher_detail,
            "runs": keeper.runs,
            "live": asdict(live),
        }
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        log.debug("cannot write %s: %s", target, exc)


def publish_while_serving(keeper: IndexKeeper, every: float = 0.1) -> None:
    """Write the live state whenever it changed, checked every ``every`` s until the keeper stops (listeners are
    throttled to 1/s, which is too late for ``--workers`` processes: their answers say what changed from this
    file). A daemon thread."""

    def loop() -> None:
        last = None
        while not keeper._stop.wait(every):  # a stopped keeper's file is removed
            live = live_state(keeper)
            if live != last:
                write_server_status(keeper, live)
                last = live

    threading.Thread(target=loop, name="semgraph-status-publisher", daemon=True).start()


def read_status(db_path: Path, root: Path) -> KeeperStatus:
    """The status of the index at ``db_path``: what it stores, plus the live state of a server keeping it."""
    st = KeeperStatus(root=str(root), db_path=str(db_path), index_state="none" if not db_path.exists() else "ready")
    if db_path.exists():
        st = replace(st, **stored_status(db_path))
        with GraphStore.open(db_path, readonly=True) as store:
            st.root = str(store.root or root)
    st.watcher_detail = "no server is running on this index"
    try:
        live = json.loads((db_path.parent / SERVER_STATUS_FILE).read_text(encoding="utf-8"))
        os.kill(int(live["pid"]), 0)  # raises when that server is gone
    except (OSError, ValueError, KeyError, TypeError):
        return st
    live.pop("pid", None)
    return replace(st, **{k: v for k, v in live.items() if k in KeeperStatus.__dataclass_fields__})

"""Indexing that outlives one tool call: a job per index database.

A client with a fixed timeout (Claude Desktop waits about 240 s) must see a
big repository index finish eventually, so ``index_repository`` waits up to
a budget and then leaves the job running in its thread. The next call for the
same database gets the running job's progress, or the finished job's report
once, instead of starting a second run; only one run per database exists at a
time, so concurrent calls cannot corrupt the index.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from semgraph.graph.indexer import IndexReport


@dataclass
class IndexJob:
    db_path: Path
    root: Path
    started: float = field(default_factory=time.monotonic)
    done: float = 0
    total: float | None = None
    message: str = "starting"
    report: IndexReport | None = None
    error: BaseException | None = None
    collected: bool = False
    finished: threading.Event = field(default_factory=threading.Event)

    @property
    def state(self) -> str:
        if not self.finished.is_set():
            return "running"
        return "failed" if self.error is not None else "completed"

    def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        self.done, self.total = done, total
        if message:
            self.message = message

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class IndexJobs:
    """The jobs of one process, keyed by index database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, IndexJob] = {}

    def current(self, db_path: Path) -> IndexJob | None:
        with self._lock:
            return self._jobs.get(str(db_path))

    def start(self, db_path: Path, root: Path, work: Callable[[IndexJob], IndexReport]) -> tuple[IndexJob, bool]:
        """Start ``work`` in a thread unless a job for ``db_path`` is running or has an uncollected result.

        Returns the job and whether it was started by this call.
        """
        with self._lock:
            job = self._jobs.get(str(db_path))
            if job is not None and (job.state == "running" or (not job.collected and job.root == root)):
                return job, False  # a finished run of another root is superseded by this one
            job = IndexJob(db_path, root)
            self._jobs[str(db_path)] = job

        def run() -> None:
            try:
                job.report = work(job)
            except BaseException as exc:  # reported to the next caller
                job.error = exc
            finally:
                job.finished.set()

        threading.Thread(target=run, name=f"semgraph-index-{db_path.name}", daemon=True).start()
        return job, True

    def collect(self, job: IndexJob) -> None:
        """Mark a finished job's outcome as delivered, so the next call starts a fresh run."""
        with self._lock:
            job.collected = True

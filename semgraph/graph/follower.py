"""The keeper of a ``serve --http --workers N`` process: it follows the supervisor's keeper instead of its own.

Why: a worker process has no watcher (the supervisor runs the one keeper that indexes and follows edits), so
a plain keeper there would stat the whole tree before every answer to say what changed: ~20-30 ms of CPU per
request on an 80k-line repository, most of a cheap call's cost. The supervisor publishes its live state
(``freshness.publish_while_serving``); a worker labels its answers from that file, exactly as the supervisor
would. When the file is missing, stale (its writer is not this worker's parent) or the supervisor is not
watching, the worker falls back to the stat check of a keeper without a watcher.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from semgraph.graph.freshness import SERVER_STATUS_FILE, IndexKeeper, LiveState, ReadRecord, Stamp, stamp_of

POLL_SECONDS = 0.1
"""How often a query that waits (``wait_seconds``) reads the supervisor's state again."""


class FollowerKeeper(IndexKeeper):
    """An ``IndexKeeper`` (passive: no thread, no watcher) whose freshness comes from the supervisor's keeper."""

    def __init__(self, *args, supervisor_pid: int | None = None, **kwargs) -> None:
        kwargs.update(watch="off", auto_index=False)
        super().__init__(*args, **kwargs)
        self.supervisor_pid = supervisor_pid if supervisor_pid is not None else os.getppid()
        self._status_file = Path(self.db_path).parent / SERVER_STATUS_FILE
        self._cached: tuple[tuple[int, int, int], LiveState | None] | None = None

    def live(self) -> LiveState | None:
        """The supervisor's published state, or None when there is none from this worker's supervisor."""
        try:
            st = self._status_file.stat()
        except OSError:
            return None
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        try:
            data = json.loads(self._status_file.read_text(encoding="utf-8"))
            live = LiveState(**data["live"]) if int(data["pid"]) == self.supervisor_pid else None
        except (OSError, ValueError, KeyError, TypeError):
            live = None
        self._cached = (key, live)
        return live

    def _following(self) -> LiveState | None:
        live = self.live()
        return live if live is not None and live.watcher == "watching" else None

    @property
    def busy(self) -> bool:
        live = self._following()
        if live is None:
            return super().busy
        return super().busy or live.running or bool(live.pending) or live.wanted

    def query_needs_wait(self, wait_seconds: float = 0.0, *, current: bool = False) -> bool:
        """As the supervisor's keeper: while it watches, an answer needs no ``before_query`` (and no thread hop)
        unless it must wait for a build or read every change; the published state costs one stat."""
        if current or self._following() is None:
            return True
        return wait_seconds > 0 and self.busy

    def before_query(self, record: ReadRecord, wait_seconds: float = 0.0, *, current: bool = False) -> None:
        """As the supervisor's keeper would: no stat check while it watches (``current`` still checks)."""
        if current or self._following() is None:
            super().before_query(record, wait_seconds, current=current)
            return
        deadline = time.monotonic() + wait_seconds
        while wait_seconds > 0 and self.busy and time.monotonic() < deadline:
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))

    def stamp(self, record: ReadRecord) -> Stamp:
        live = self._following()
        if live is None or record.disk_changes:
            return super().stamp(record)
        return stamp_of(record, live, nothing_reindexes=False)

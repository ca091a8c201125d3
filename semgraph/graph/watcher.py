"""Follow edits under an indexed root with ``watchfiles`` (inotify/FSEvents/kqueue through Rust ``notify``).

The watcher only says *which* paths changed; the indexer's own walk decides what is indexed, so a missed or
extra event can never make the index wrong, only later or busier. Events are filtered with the walker's rules
(its skipped directories, ``.gitignore``/``.semgraphignore``, languages it parses) so build output and editor
swap files do not start re-indexes. Where the OS cannot watch the tree (inotify watch limit reached, a network
file system that sends no events), ``start`` fails with the reason and the keeper falls back to a stat check
before each query.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from pathspec import GitIgnoreSpec

from semgraph.graph.languages import EXTENSIONS
from semgraph.graph.walker import IGNORE_FILES, _ignored, _load_ignore, skipped_dir

log = logging.getLogger(__name__)

DEBOUNCE_MS = 1600
"""Longest time one batch gathers events while they keep coming (a checkout writing thousands of files)."""
STEP_MS = 30
"""A batch is handed over once no event came for this long: an editor's single save is seen within ~30 ms."""
READY_MS = 300
"""The watch call returns (empty) this often when idle: the first return says the watches are in place."""
NETWORK_FS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "afs", "9p", "fuse.sshfs", "sshfs", "davfs", "fuse.rclone", "ncpfs"}
)
"""File systems whose changes made by other machines raise no local events: poll them instead."""


def filesystem_type(path: Path) -> str:
    """The type of the file system holding ``path`` (from /proc/mounts; '' where unknown)."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    best, kind = "", ""
    target = os.path.realpath(path)
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        if (target == point or target.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, parts[2]
    return kind


class PathFilter:
    """Which changed paths matter to the index: the walker's rules, applied to one path at a time.

    Ignore files are read once per directory and forgotten when one of them changes.
    """

    def __init__(self, root: Path) -> None:
        self.root = os.path.realpath(root)
        self._specs: dict[str, GitIgnoreSpec | None] = {}
        self._lock = threading.Lock()

    def _spec(self, rel_dir: str) -> GitIgnoreSpec | None:
        with self._lock:
            if rel_dir not in self._specs:
                self._specs[rel_dir] = _load_ignore(os.path.join(self.root, rel_dir) if rel_dir else self.root)
            return self._specs[rel_dir]

    def relevant(self, path: str) -> str | None:
        """The path relative to the root if a change there may change the index, else None."""
        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        if rel.startswith("../") or rel == "..":
            return None
        if rel == ".":
            return ""
        parts = rel.split("/")
        if any(skipped_dir(os.path.join(self.root, *parts[: i + 1]), p) for i, p in enumerate(parts[:-1])):
            return None
        name = parts[-1]
        if name in IGNORE_FILES:
            with self._lock:  # the rules changed: read them again when next needed
                self._specs.clear()
            return rel
        if skipped_dir(os.path.join(self.root, *parts), name):
            return None
        specs: list[tuple[str, GitIgnoreSpec]] = []
        for depth in range(len(parts)):
            rel_dir = "/".join(parts[:depth])
            spec = self._spec(rel_dir)
            if spec is not None:
                specs.append((rel_dir, spec))
        is_dir = os.path.isdir(path)
        if specs and _ignored(specs, rel + "/" if is_dir else rel):
            return None
        language = EXTENSIONS.get(os.path.splitext(name)[1].lower())
        if language is not None or is_dir or not os.path.exists(path):
            return rel  # a source file, or a directory created, moved or removed with its files
        return None


class Watcher:
    """A daemon thread running ``watchfiles.watch`` on one root, handing relevant changes to ``on_change``.

    ``start`` raises ``OSError`` (with the reason) when the root cannot be watched; ``stop`` ends the thread
    within one step.
    """

    def __init__(self, root: Path, on_change: Callable[[set[str]], None]) -> None:
        self.root = Path(os.path.realpath(root))
        self.on_change = on_change
        self.filter = PathFilter(self.root)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str = ""

    def start(self, timeout: float = 30.0) -> None:
        kind = filesystem_type(self.root)
        if kind in NETWORK_FS:
            raise OSError(f"{self.root} is on a network file system ({kind}): edits made elsewhere raise no events")
        self._thread = threading.Thread(target=self._run, name="semgraph-watcher", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise OSError("the file watcher did not start in time")
        if self.error:
            raise OSError(self.error)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        from watchfiles import watch  # ~20 ms to import: only when watching

        try:
            changes = watch(
                self.root,
                watch_filter=lambda _change, path: self.filter.relevant(path) is not None,
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=self._stop,
                rust_timeout=READY_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
                force_polling=False,
                ignore_permission_denied=True,
            )
            for batch in changes:  # the first (empty, on timeout) batch says the watches are in place
                self._ready.set()
                rels = {r for _c, p in batch if (r := self.filter.relevant(p)) is not None}
                if rels:
                    self.on_change(rels)
        except Exception as exc:  # e.g. the inotify watch limit: "OS file watch limit reached"
            self.error = f"cannot watch {self.root}: {exc}"
            log.warning("%s", self.error)
        finally:
            self._ready.set()

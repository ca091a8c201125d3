"""Confinement comes from the server, never from the index file.

Why: an index database can arrive with the repository (a crafted ``.semgraph/index.db``). The root it
records is data, not authority: reads are allowed only when that root lies inside the server's own
roots (its ``PathGuard``), and every file is resolved through both.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from semgraph.errors import PathAccessError
from semgraph.paths import PathGuard


def confined_root(recorded: Path | None, guard: PathGuard, db_path: Path) -> Path | None:
    """``recorded`` (the index's root) if the server's guard contains it; refuse the index otherwise."""
    if recorded is None or not str(recorded):
        return None
    real = Path(os.path.realpath(recorded))
    if not guard.contains(real):
        served = ", ".join(str(r) for r in guard.roots)
        raise PathAccessError(
            f"the index at {db_path} was built for {recorded}, which is not inside the served root(s) {served}; "
            "it is refused",
            hint="call index_repository(path='.') to rebuild it for this server's root",
        )
    return real


def read_confined(root: Path, path: str, guard: PathGuard) -> bytes:
    """Bytes of ``path`` (relative to the index root) resolved through the root's and the server's guard.

    One ``realpath`` per read: the root's guard is kept per root, and the path it resolves (real, an existing
    file) only has to lie inside the server's roots too (``guard.resolve`` would resolve it a second time).
    """
    inner = _root_guard(root).resolve(path, kind="file")
    if not guard.contains(inner):
        roots = ", ".join(str(r) for r in guard.roots)
        raise PathAccessError(
            f"path {str(inner)!r} resolves outside the allowed roots",
            hint=f"use a path inside {roots} (start the server with --root to allow another directory)",
        )
    return inner.read_bytes()


@functools.lru_cache(maxsize=64)
def _root_guard(root: Path) -> PathGuard:
    return PathGuard([root])

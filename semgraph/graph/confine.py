"""Confinement comes from the server, never from the index file.

Why: an index database can arrive with the repository (a crafted ``.semgraph/index.db``). The root it
records is data, not authority: reads are allowed only when that root lies inside the server's own
roots (its ``PathGuard``), and every file is resolved through both.
"""

from __future__ import annotations

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
    """Bytes of ``path`` (relative to the index root) resolved through the root's and the server's guard."""
    inner = PathGuard([root]).resolve(path, kind="file")
    return guard.resolve(inner, kind="file").read_bytes()

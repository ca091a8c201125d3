"""Errors that say what happened to the index: a full disk, a corrupt file, an unclean stop.

Why: SQLite rolls a transaction back by itself on SQLITE_FULL, so our own ROLLBACK then failed with
"cannot rollback - no transaction is active" and hid the cause; corruption in the middle of the file
went unnoticed by incremental runs. Here errors are named with the file and what to do, an index run
marks the index while it writes (``run_state``), and the next run after an unclean stop (or on
request) runs ``PRAGMA quick_check`` first.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
from pathlib import Path

from semgraph.errors import DatabaseError, SemgraphError

log = logging.getLogger(__name__)

_FULL = ("database or disk is full", "no space left")
_CORRUPT = ("malformed", "file is not a database", "corrupt", "disk i/o error")


class CorruptIndexError(DatabaseError):
    """The index file is damaged; ``index_repository(rebuild=true)`` replaces it."""


def is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, sqlite3.Error) and any(s in str(exc).lower() for s in _FULL)


def is_corrupt(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and any(s in str(exc).lower() for s in _CORRUPT)


def explain(exc: BaseException, db_path: Path) -> SemgraphError | None:
    """A clear error for a full disk or a damaged index (logged), or None for anything else."""
    if is_full(exc):
        err: SemgraphError = DatabaseError(
            f"the disk holding the index {db_path} is full ({exc}); nothing of this run was kept",
            hint=f"free space on the file system of {db_path.parent} (the index needs room for its WAL) and index again",
        )
    elif is_corrupt(exc):
        err = CorruptIndexError(
            f"the index {db_path} is damaged ({exc})",
            hint="call index_repository(path='.', rebuild=true) to replace it (or delete the file)",
        )
    else:
        return None
    log.error("%s", err)
    return err


def quick_check(conn: sqlite3.Connection, limit: int = 5) -> list[str]:
    """``PRAGMA quick_check``'s problems (empty when the file is sound)."""
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA quick_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def check_or_raise(conn: sqlite3.Connection, db_path: Path) -> None:
    problems = quick_check(conn)
    if problems:
        err = CorruptIndexError(
            f"the index {db_path} is damaged: {'; '.join(problems)[:400]}",
            hint="call index_repository(path='.', rebuild=true) to replace it (or delete the file)",
        )
        log.error("%s", err)
        raise err


def begin_run(conn: sqlite3.Connection, db_path: Path, *, check: bool = False) -> None:
    """Before an index run writes: check the file if asked or if the last run never finished; mark it."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'run_state'").fetchone()
    if check or (row is not None and row[0] == "running"):
        check_or_raise(conn, db_path)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('run_state', 'running')")


def end_run(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('run_state', 'clean')")


def remove_index(db_path: Path) -> None:
    """Delete the index file and its WAL/SHM companions (``rebuild=true``)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{db_path}{suffix}")

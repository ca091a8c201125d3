"""SQLite schema of the graph index, as ordered migrations keyed by ``PRAGMA user_version``.

A database at version N gets migrations N+1 … latest applied in one transaction
each, so an index written by an older semgraph is upgraded in place and a
newer one is refused (we cannot know its layout).
"""

from __future__ import annotations

import sqlite3

from semgraph.errors import DatabaseError

MIGRATIONS: tuple[str, ...] = (
    # 1: files, symbols, edges, parse errors, FTS, meta (root, generation)
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        language TEXT NOT NULL,
        module TEXT NOT NULL,
        hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        loc INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        error_count INTEGER NOT NULL DEFAULT 0,
        generation INTEGER NOT NULL
    );
    CREATE INDEX files_language ON files(language);
    CREATE INDEX files_module ON files(module);
    CREATE TABLE symbols (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id),
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        qualified_name TEXT NOT NULL,
        signature TEXT NOT NULL DEFAULT '',
        doc TEXT NOT NULL DEFAULT '',
        start_line INTEGER NOT NULL,
        start_col INTEGER NOT NULL,
        end_line INTEGER NOT NULL,
        end_col INTEGER NOT NULL,
        parent_id INTEGER,
        visibility TEXT NOT NULL DEFAULT '',
        decorators TEXT NOT NULL DEFAULT '[]',
        is_async INTEGER NOT NULL DEFAULT 0,
        is_test INTEGER NOT NULL DEFAULT 0,
        metrics TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX symbols_file ON symbols(file_id);
    CREATE INDEX symbols_name ON symbols(name);
    CREATE INDEX symbols_qualified ON symbols(qualified_name);
    CREATE INDEX symbols_parent ON symbols(parent_id);
    CREATE TABLE edges (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        src_id INTEGER NOT NULL,
        dst_id INTEGER,
        target TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL DEFAULT '',
        resolution TEXT NOT NULL DEFAULT '',
        candidates INTEGER NOT NULL DEFAULT 0,
        line INTEGER NOT NULL DEFAULT 0,
        col INTEGER NOT NULL DEFAULT 0,
        ord INTEGER NOT NULL DEFAULT 0,
        file_id INTEGER NOT NULL,
        origin TEXT NOT NULL DEFAULT 'index',
        meta TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX edges_src ON edges(src_id, kind);
    CREATE INDEX edges_dst ON edges(dst_id, kind);
    CREATE INDEX edges_file ON edges(file_id);
    CREATE INDEX edges_origin ON edges(origin);
    CREATE INDEX edges_name ON edges(name);
    CREATE TABLE parse_errors (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL,
        line INTEGER NOT NULL,
        col INTEGER NOT NULL,
        message TEXT NOT NULL
    );
    CREATE INDEX parse_errors_file ON parse_errors(file_id);
    CREATE VIRTUAL TABLE symbols_fts USING fts5(
        name, qualified_name, signature, doc, tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO meta(key, value) VALUES ('generation', '0'), ('root', '');
    """,
    # 2: smaller edge indexes: origin is only ever filtered with a scan-friendly predicate, and names are
    # only looked up among the edges a new symbol could answer (unresolved / name-matched)
    """
    DROP INDEX IF EXISTS edges_origin;
    DROP INDEX IF EXISTS edges_name;
    CREATE INDEX edges_name ON edges(name) WHERE resolution IN ('unresolved', 'name_match');
    """,
    # 3: stored Rust names carry their crate (`api::db::connect`, no longer `crate::db::connect`): the next index
    # run re-parses every Rust file (no size/mtime/hash match) instead of keeping the old names of unchanged ones
    """
    UPDATE files SET hash = '', mtime_ns = 0 WHERE language = 'rust';
    """,
    # 4: a re-index finds the sites that call a name that came or went, whatever they resolved to (the stable
    # symbol ids of issue 12), and the typed calls whose stated receiver type mentions it (covering: a re-index
    # reads only this small index); the ~40 % of edges that are unresolved calls stay out of edges_dst (every
    # query of it asks for a target: `dst_id = ?`, `dst_id IN (...)`, a join on it)
    """
    DROP INDEX IF EXISTS edges_name;
    CREATE INDEX edges_name ON edges(name) WHERE kind != 'contains';
    DROP INDEX IF EXISTS edges_dst;
    CREATE INDEX edges_dst ON edges(dst_id, kind) WHERE dst_id IS NOT NULL;
    CREATE INDEX edges_typed ON edges(meta, file_id) WHERE kind = 'calls' AND meta != '{}';
    """,
)

LATEST = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring ``conn``'s schema to ``LATEST``; returns the version found before.

    The version is read again under the write lock, so two processes opening a new index at once do not
    both run the same migration (the second waits, then finds nothing to do).
    """
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found == LATEST:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > LATEST:
            raise DatabaseError(
                f"index schema version {found} is newer than this semgraph understands ({LATEST})",
                hint="upgrade semgraph or delete the index file and re-index",
            )
        for version in range(found + 1, LATEST + 1):
            for statement in _statements(MIGRATIONS[version - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def _statements(script: str) -> list[str]:
    """Split a migration script into complete SQL statements (so they run inside our transaction)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise ValueError(f"incomplete SQL statement in a migration: {buf.strip()[:80]!r}")
    return out

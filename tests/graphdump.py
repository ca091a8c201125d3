"""A stored graph as plain sets keyed by names, not row ids: equal dumps mean equal graphs, however built."""

from __future__ import annotations

from pathlib import Path

from semgraph.graph.store import GraphStore


def graph_dump(db: Path) -> dict[str, set[tuple]]:
    """Files, symbols, edges (source and target by file and qualified name) and parse errors of an index."""
    with GraphStore.open(db, readonly=True) as store:
        q = store.conn.execute
        sym = "(SELECT f.path || '::' || s.qualified_name || '@' || s.start_line FROM symbols s JOIN files f ON " \
              "f.id = s.file_id WHERE s.id = {})"  # fmt: skip
        return {
            "files": set(q("SELECT path, language, module, hash, size, loc, error_count FROM files")),
            "symbols": set(
                q(
                    "SELECT f.path, s.kind, s.name, s.qualified_name, s.signature, s.start_line, s.end_line, "
                    f"s.visibility, s.metrics, {sym.format('s.parent_id')} FROM symbols s "
                    "JOIN files f ON f.id = s.file_id"
                )
            ),
            "edges": set(
                q(
                    f"SELECT e.kind, {sym.format('e.src_id')}, {sym.format('e.dst_id')}, e.target, e.resolution, "
                    "e.candidates, e.line, e.col, e.origin, e.meta FROM edges e"
                )
            ),
            "fts": set(q("SELECT name, qualified_name FROM symbols_fts")),
            "errors": set(
                q("SELECT f.path, e.line, e.col, e.message FROM parse_errors e JOIN files f ON f.id = e.file_id")
            ),
        }

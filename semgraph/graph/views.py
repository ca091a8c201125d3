"""networkx views of the index, cached per (database, generation).

Building a graph costs a full table scan, so a view is kept until the index
generation changes (any re-index or derived-edge write bumps it). Concurrent
callers share one build (single flight) within the process-wide byte budget.
"""

from __future__ import annotations

import networkx as nx

from semgraph.cache import CACHE
from semgraph.graph.store import GraphStore

CALL_KINDS = ("calls", "cross_language")
NODE_BYTES, EDGE_BYTES = 700, 600
"""Rough bytes per networkx node / edge with our attributes (an estimate for the cache budget, not exact)."""


def _graph_bytes(graph: nx.Graph) -> int:
    return graph.number_of_nodes() * NODE_BYTES + graph.number_of_edges() * EDGE_BYTES


def _cached(store: GraphStore, name: str, build) -> nx.Graph:
    """One build per (database, view, generation): concurrent callers wait for it (``semgraph.cache``)."""
    key = ("view", str(store.db_path), name)
    return CACHE.get(key, store.generation(), lambda: build(store), _graph_bytes)


def _build_call_graph(store: GraphStore) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for sid, name, qname, kind, path, line in store.conn.execute(
        "SELECT s.id, s.name, s.qualified_name, s.kind, f.path, s.start_line FROM symbols s "
        "JOIN files f ON f.id = s.file_id WHERE s.kind IN ('function', 'method', 'class', 'struct', 'module', "
        "'impl', 'macro', 'interface', 'trait', 'enum')"
    ):
        g.add_node(sid, name=name, qualified_name=qname, kind=kind, path=path, line=line)
    marks = ",".join("?" * len(CALL_KINDS))
    for src, dst, kind, res, line, order, target in store.conn.execute(
        f"SELECT src_id, dst_id, kind, resolution, line, ord, target FROM edges "
        f"WHERE kind IN ({marks}) AND dst_id IS NOT NULL",
        CALL_KINDS,
    ):
        if src in g and dst in g:
            g.add_edge(src, dst, kind=kind, resolution=res, line=line, order=order, target=target)
    return g


def _build_import_graph(store: GraphStore) -> nx.DiGraph:
    g = nx.DiGraph()
    for _fid, path, language, module in store.conn.execute("SELECT id, path, language, module FROM files"):
        g.add_node(module, path=path, language=language)
    for src_mod, dst_mod, line in store.conn.execute(
        "SELECT fs.module, fd.module, min(e.line) FROM edges e "
        "JOIN symbols d ON d.id = e.dst_id JOIN files fd ON fd.id = d.file_id "
        "JOIN files fs ON fs.id = e.file_id "
        "WHERE e.kind = 'imports' GROUP BY fs.module, fd.module"
    ):
        if src_mod != dst_mod:
            g.add_edge(src_mod, dst_mod, line=line)
    return g


def call_graph(store: GraphStore) -> nx.MultiDiGraph:
    """Symbols (functions, methods, classes, modules …) and their resolved call / cross-language edges.

    Node attributes: name, qualified_name, kind, path, line. Edge attributes:
    kind, resolution, line, order, target.
    """
    return _cached(store, "calls", _build_call_graph)  # type: ignore[return-value]


def import_graph(store: GraphStore) -> nx.DiGraph:
    """Modules (one node per file module, attrs path/language) and resolved import edges between them."""
    return _cached(store, "imports", _build_import_graph)  # type: ignore[return-value]

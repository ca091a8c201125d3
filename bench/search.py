"""Benchmark: does search_symbols put the defining symbol first for concept and name queries on real code?

Queries and their expected definitions are in ``bench/labels/search/queries.json`` (written by reading the
code). Each repository (pinned in ``bench/resolution.py``) is indexed cold, every query runs through the same
``search`` the tool and the CLI call, and a query counts as a top-k hit when an expected definition
(``path:line`` of its first line, decorators/attributes allowed before it) is among the first k results.

    python bench/search.py            # prints top-1 and top-5 per repository and overall, and the misses
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.realworld import available, checkout
from bench.resolution import REPOS, index
from semgraph.graph import queries_api as q
from semgraph.graph.store import GraphStore

LABELS = Path(__file__).resolve().parent / "labels" / "search" / "queries.json"


def hit_rank(hits: list[q.SymbolBrief], expect: list[str]) -> int | None:
    """1-based rank of the first expected definition among ``hits``, or None."""
    for rank, h in enumerate(hits, 1):
        for e in expect:
            path, _, line = e.rpartition(":")
            if h.path == path and h.line <= int(line) <= h.line + 12:
                return rank
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", help="owner/name (repeatable)")
    args = ap.parse_args(argv)
    print(f"load: {os.getloadavg()[0]:.2f} (1-min average)")
    labels = json.loads(LABELS.read_text())["queries"]
    pins = {p.repo: p for ps in REPOS.values() for p in ps}
    top1 = top5 = total = 0
    for repo in dict.fromkeys(x["repo"] for x in labels):
        pin = pins[repo]
        if (args.only and repo not in args.only) or not available(pin):
            print(f"skip {repo}")
            continue
        mine = [x for x in labels if x["repo"] == repo]
        with tempfile.TemporaryDirectory(prefix="semgraph-search-") as tmp:
            db = Path(tmp) / "index.db"
            index(checkout(pin), db)
            r1 = r5 = 0
            misses = []
            with GraphStore.open(db, readonly=True) as store:
                for x in mine:
                    hits = q.search(store, x["query"], limit=5).hits
                    rank = hit_rank(hits, x["expect"])
                    r1 += rank == 1
                    r5 += rank is not None
                    if rank != 1:
                        got = ", ".join(f"{h.qualified_name} ({h.kind})" for h in hits[:3])
                        misses.append(f"  {x['query']!r}: rank {rank or '>5'}; top: {got}")
        print(f"{repo}@{pin.commit[:12]}: {len(mine)} queries, top-1 {r1}/{len(mine)}, top-5 {r5}/{len(mine)}")
        for m in misses:
            print(m)
        top1, top5, total = top1 + r1, top5 + r5, total + len(mine)
    if total:
        print(f"TOTAL: {total} queries, top-1 {top1 / total:.1%} ({top1}), top-5 {top5 / total:.1%} ({top5})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark/check: an incremental re-index of edited hub files gives the stored graph of a full rebuild.

Builds ``bench/index.py``'s corpus (django + networkx, Debian Rust crates, npm packs; each part skipped when
absent), indexes it, edits a few files the way a developer does (a new method on a hub class, a body edit and a
changed signature, a new function in a Rust and a TypeScript file; an edit is skipped when its file is not in the corpus), re-indexes
(timed, CPU-seconds of this process), then indexes the same tree from scratch into another database and
compares the two with ``tests/graphdump.py`` (files, symbols, edges by source/target file and qualified name,
FTS rows, parse errors). Prints the differing rows, if any; exits 1 when the graphs differ.

    python bench/incremental_exact.py
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.graphdump, bench.index

from bench.index import NPM_DIR, build_corpus
from semgraph.graph.indexer import index_repository
from semgraph.paths import PathGuard
from tests.graphdump import graph_dump

EDITS: dict[str, Callable[[str], str]] = {
    # a new method on a hub class: a name other files might call
    "python/django/db/models/query.py": lambda t: t.replace(
        "    def none(self):", "    def count_fast(self):\n        return self.count()\n\n    def none(self):", 1
    ),
    # a body edit (nothing any other file sees) and a changed signature of a method other files call
    "python/networkx/classes/graph.py": lambda t: t.replace(
        "    def to_directed_class(self):", "    def to_directed_class(self):\n        _unused = 1", 1
    ).replace("    def to_undirected_class(self):", "    def to_undirected_class(self, _how=None):", 1),
    "rust/ahash-0.7.6/src/lib.rs": lambda t: t + "\n\npub fn bench_exact_added() -> u8 {\n    1\n}\n",
    "ts/rxjs-7.8.2/src/internal/util/pipe.ts": lambda t: (
        t + "\n\nexport function benchExactAdded() {\n  return pipe();\n}\n"
    ),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-lines", type=int, default=400_000)
    ap.add_argument("--rust-lines", type=int, default=160_000)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="semgraph-exact-"))
    try:
        root = work / "corpus"
        print(f"corpus: {build_corpus(root, args.max_lines, NPM_DIR, args.rust_lines)} raw lines")
        inc, full = work / "inc.db", work / "full.db"
        guard = PathGuard([root])
        index_repository(root, inc, guard, workers=args.workers)
        edited = 0
        for rel, edit in EDITS.items():
            path = root / rel
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                path.write_text(edit(text), encoding="utf-8")
                edited += text != path.read_text(encoding="utf-8")
        t0, c0 = time.perf_counter(), time.process_time()
        rep = index_repository(root, inc, guard, workers=args.workers)
        print(
            f"incremental: {edited} files edited, {rep.files_parsed} parsed, {rep.files_resolved} re-linked, "
            f"{time.perf_counter() - t0:.3f} s, {time.process_time() - c0:.3f} CPU-s"
        )
        index_repository(root, full, guard, workers=args.workers)
        a, b = graph_dump(inc), graph_dump(full)
        for key in a:
            same = a[key] == b[key]
            print(f"  {key}: {len(a[key])} vs {len(b[key])} {'equal' if same else 'DIFFERENT'}")
            for row in sorted(a[key] - b[key], key=repr)[:10]:
                print(f"    incremental only: {row}")
            for row in sorted(b[key] - a[key], key=repr)[:10]:
                print(f"    full only: {row}")
        return 0 if a == b else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

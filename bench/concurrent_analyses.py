"""Benchmark: 40 concurrent analyses right after a re-index (the cache stampede of issue 18).

Indexes a real Rust workspace (launchbadge/sqlx, pinned) in a child process, then in this process:

1. reference: after a re-index (new generation), ONE analysis call, serially: its CPU seconds
   (``time.process_time``, all threads) — the cost of one cold build plus one call;
2. after another re-index, N concurrent calls of the same analysis from N threads.

Prints CPU of the concurrent run / CPU of the serial reference, cache builds, and the process's
peak RSS (``ru_maxrss``; indexing ran in a child, so it is not counted).

    python bench/concurrent_analyses.py                 # workflows, patterns and quality, 40 threads
    python bench/concurrent_analyses.py --threads 40 --analysis patterns
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
if os.environ.get("SEMGRAPH_BASELINE_SRC"):  # measure another checkout of semgraph (e.g. main before this work)
    sys.path.insert(0, os.environ["SEMGRAPH_BASELINE_SRC"])

from bench.realworld import Pinned, checkout  # noqa: E402
from semgraph.analysis.codebase import open_codebase  # noqa: E402
from semgraph.analysis.patterns import detect_architectural_patterns  # noqa: E402
from semgraph.analysis.quality import assess_code_quality  # noqa: E402
from semgraph.analysis.workflows import detect_business_workflows  # noqa: E402

try:  # absent before the single-flight caches: the bench then runs against the old code for a baseline
    from semgraph.cache import CACHE
except ImportError:  # pragma: no cover
    CACHE = type("NoCache", (), {"builds": 0})()  # type: ignore[assignment]
from semgraph.graph import views  # noqa: E402
from semgraph.graph.store import GraphStore  # noqa: E402

PIN = Pinned("launchbadge/sqlx", "9d6bf6629f172d32fe1e6cafe8071439d213fc75")


def _index(root: Path, db: Path) -> None:
    cmd = [sys.executable, "-m", "semgraph.server.cli", "index", str(root), "--root", str(root), "--db", str(db)]
    subprocess.run(cmd, check=True, capture_output=True)


def _reindex(root: Path, db: Path, n: int) -> None:
    """Change one file so the next index run bumps the generation."""
    marker = root / "sqlx-core" / "src" / "i18_bench_marker.rs"
    marker.write_text(f"pub fn bench_marker_{n}() -> u32 {{ {n} }}\n")
    _index(root, db)


def analysis(name: str, db: Path):
    def run() -> int:
        with GraphStore.open(db, readonly=True) as store:
            views.call_graph(store)
        cb = open_codebase(db)
        if name == "workflows":
            return len(detect_business_workflows(cb))
        if name == "patterns":
            return len(detect_architectural_patterns(cb).patterns)
        return assess_code_quality(cb).findings_total

    return run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=40)
    ap.add_argument("--analysis", choices=["workflows", "patterns", "quality"], action="append")
    args = ap.parse_args()
    names = args.analysis or ["workflows", "patterns", "quality"]
    root = checkout(PIN)
    db = root.parent / f"{PIN.slug}.i18-bench.db"
    loc = sum(p.read_bytes().count(b"\n") for p in root.rglob("*.rs"))
    _index(root, db)
    print(f"{PIN.repo}@{PIN.commit}: {loc} lines of Rust; load {os.getloadavg()[0]:.2f}")
    gen = 0
    for name in names:
        run = analysis(name, db)
        gen += 1
        _reindex(root, db, gen)
        t0, w0, b0 = time.process_time(), time.perf_counter(), CACHE.builds
        run()
        serial_cpu, serial_wall, serial_builds = time.process_time() - t0, time.perf_counter() - w0, CACHE.builds - b0
        gen += 1
        _reindex(root, db, gen)
        t0, w0, b0 = time.process_time(), time.perf_counter(), CACHE.builds
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(lambda _, run=run: run(), range(args.threads)))
        cpu, wall, builds = time.process_time() - t0, time.perf_counter() - w0, CACHE.builds - b0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{name:10s} serial 1 call: {serial_cpu:6.2f} s CPU ({serial_wall:.2f} s wall, {serial_builds} builds) | "
            f"{args.threads} concurrent: {cpu:6.2f} s CPU ({wall:.2f} s wall, {builds} builds) | "
            f"ratio {cpu / serial_cpu:.2f}x | peak RSS {rss:.0f} MB | load {os.getloadavg()[0]:.2f}"
        )
    (root / "sqlx-core" / "src" / "i18_bench_marker.rs").unlink(missing_ok=True)
    db.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

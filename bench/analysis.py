"""Benchmark: the analyses on a large index.

Builds the corpus of ``bench/index.py`` (django + networkx sources from this
venv, plus Debian Rust crates and npm packages when present), adds the four
labelled apps of fixtures/eval, indexes it, then times:

- loading the analysis view of the index (symbols + calls in memory);
- entry-point detection over every file;
- ``detect_business_workflows`` over all entry points (the target: < 20 s on 500k LOC);
- a stress run tracing a workflow from N random functions as if each were an entry point,
  against the baseline of a plain networkx BFS (same depth) from the same functions on the
  graph's own ``views.call_graph`` in the same run (the ratio says what roles, rules and
  classification cost on top of the bare traversal);
- patterns, quality and cross-language links over the whole index.

    python bench/analysis.py                      # 500k raw lines per language
    python bench/analysis.py --max-lines 100000   # smaller corpus
    python bench/analysis.py --extra ~/.cache/semgraph-bench/atuinsh+atuin@824c8716d82b --workflows-only
                                                  # add real trees (never vendored) when the packages fall short
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.index import NPM_DIR, build_corpus  # noqa: E402
from semgraph.analysis import workflows as wf_mod  # noqa: E402
from semgraph.analysis.codebase import open_codebase  # noqa: E402
from semgraph.analysis.crosslang import find_cross_language_links  # noqa: E402
from semgraph.analysis.entrypoints import EntryPoint, find_entry_points  # noqa: E402
from semgraph.analysis.patterns import detect_architectural_patterns  # noqa: E402
from semgraph.analysis.quality import assess_code_quality  # noqa: E402
from semgraph.analysis.routes import route_inventory  # noqa: E402
from semgraph.graph import views  # noqa: E402
from semgraph.graph.indexer import index_repository  # noqa: E402
from semgraph.graph.store import GraphStore  # noqa: E402
from semgraph.paths import PathGuard  # noqa: E402


def timed(label: str, fn):
    """Wall seconds (returned) and this process's CPU seconds (printed: on a shared machine the CPU
    figure is the comparable one)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  {label:<52} {dt:8.2f} s  ({cpu:.2f} CPU-s)")
    return out, dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-lines", type=int, default=500_000, help="raw lines per language in the corpus")
    ap.add_argument("--stress", type=int, default=2000, help="random functions traced as pseudo entry points")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--extra", action="append", default=[], help="another source tree copied into the corpus")
    ap.add_argument("--workflows-only", action="store_true", help="skip patterns, quality and links")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "corpus"
        base.mkdir()
        raw = build_corpus(base, args.max_lines, NPM_DIR, args.max_lines)  # Rust capped like the others
        for app in (REPO / "fixtures" / "eval").iterdir():
            if app.is_dir():
                shutil.copytree(app, base / "eval" / app.name)
        for extra in args.extra:
            src = Path(extra).expanduser()
            shutil.copytree(src, base / "extra" / src.name, ignore=shutil.ignore_patterns(".git"))
        db = Path(tmp) / "index.db"
        print(f"corpus raw lines: {raw}")
        report, _ = timed("index (cold, for reference)", lambda: index_repository(base, db, PathGuard([base])))
        loc = sum(s.loc for s in report.languages.values())
        print(f"  indexed: {loc:,} LOC (non-blank), {report.files_parsed} files")
        cb, t_load = timed("load analysis view (symbols + calls)", lambda: open_codebase(db))
        print(f"  symbols {len(cb.symbols):,}, callers with calls {len(cb.calls):,}")
        entries, t_ep = timed("find entry points", lambda: find_entry_points(cb))
        print(f"  entry points: {len(entries)}")
        wfs, t_wf = timed("detect_business_workflows (all entry points)", lambda: wf_mod.all_workflows(cb))
        total = t_load + t_ep + t_wf
        print(f"  workflows: {len(wfs)}; load + entry points + workflows = {total:.2f} s (target < 20 s)")
        inv, _ = timed("route inventory incl. unmapped scan (list_routes)", lambda: route_inventory(cb))
        print(f"  routes: {len(inv.routes)}, unmapped declarations: {len(inv.unmapped)}")

        rng = random.Random(args.seed)
        pool = [s for s in cb.callables() if not s.is_test]
        sample = rng.sample(pool, min(args.stress, len(pool)))
        pseudo = [
            EntryPoint(
                kind="main",
                framework="bench",
                handler_id=s.id,
                handler=s.qualified_name,
                file=s.path,
                line=s.start_line,
            )
            for s in sample
        ]
        with GraphStore.open(db, readonly=True) as store:
            g, t_graph = timed("baseline: build networkx call graph (views)", lambda: views.call_graph(store))
        _, t_bfs = timed(
            f"baseline: BFS depth {wf_mod.MAX_DEPTH} from {len(sample)} functions",
            lambda: [
                nx.single_source_shortest_path_length(g, s.id, cutoff=wf_mod.MAX_DEPTH) for s in sample if s.id in g
            ],
        )
        built, t_stress = timed(
            f"workflows from {len(sample)} random functions", lambda: [wf_mod.build_workflow(cb, e) for e in pseudo]
        )
        print(
            f"  per workflow {1000 * t_stress / max(1, len(built)):.2f} ms; ratio to bare BFS "
            f"{t_stress / max(t_bfs, 1e-9):.1f}x; mean steps {sum(len(w.steps) for w in built) / max(1, len(built)):.1f}"
        )
        if args.workflows_only:
            print(
                f"summary: load {t_load:.2f} s, entry points {t_ep:.2f} s, workflows {t_wf:.2f} s, stress {t_stress:.2f} s"
            )
            return 0
        _, t_pat = timed("detect_architectural_patterns (all kinds)", lambda: detect_architectural_patterns(cb))
        _, t_q = timed("assess_code_quality (whole index)", lambda: assess_code_quality(cb))
        _, t_links = timed("find_cross_language_links (stored)", lambda: find_cross_language_links(cb, db))
        print(
            f"summary: load {t_load:.2f} s, entry points {t_ep:.2f} s, workflows {t_wf:.2f} s, stress "
            f"{t_stress:.2f} s vs BFS {t_bfs:.2f} s (+graph {t_graph:.2f} s), patterns {t_pat:.2f} s, "
            f"quality {t_q:.2f} s, links {t_links:.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

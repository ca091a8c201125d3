"""Benchmark: index a real multi-language corpus, then time incremental re-indexing and queries.

Corpus (each part skipped with a message when absent):
- Python: the installed sources of django and networkx (this venv's site-packages);
- Rust: crate sources from Debian ``librust-*-dev`` packages (/usr/share/cargo/registry);
- TypeScript/JavaScript: npm packages unpacked under --npm-dir (``--fetch`` runs ``npm pack rxjs@7 typescript@5``).

Prints LOC/s per language (cold, each language in its own index) against raw tree-sitter parsing of the same
files in the same run (the baseline ratio), then for one combined index: cold time, DB size, peak RSS,
no-change and one-file-changed re-index times, and p50/p95 latency of search_symbols / get_call_graph /
impact_analysis over N random queries (through the per-thread read connection a tool call uses).

    python bench/index.py                       # full corpus (~1M lines; a few minutes)
    python bench/index.py --max-lines 100000    # at most 100k raw lines per language
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from pathlib import Path

from semgraph.graph import impact as impact_mod
from semgraph.graph import queries_api as q
from semgraph.graph.indexer import index_repository
from semgraph.graph.languages import language_for_path, parse
from semgraph.graph.store import GraphStore, reader
from semgraph.graph.walker import SKIP_DIRS
from semgraph.paths import PathGuard

SITE = Path(sysconfig.get_paths()["purelib"])
CARGO = Path("/usr/share/cargo/registry")
NPM_DIR = Path.home() / ".cache" / "semgraph-bench" / "npm"
NPM_PACKAGES = ("rxjs@7", "typescript@5")
MAX_FILE = 1_000_000


def collect(src: Path, dest: Path, budget: int, suffixes: tuple[str, ...]) -> int:
    """Copy source files from ``src`` to ``dest`` (sorted, skipping vendored dirs) until ``budget`` lines."""
    lines = 0
    for path in sorted(src.rglob("*")):
        if lines >= budget:
            break
        if not path.is_file() or path.suffix not in suffixes or path.stat().st_size > MAX_FILE:
            continue
        if any(part in SKIP_DIRS for part in path.relative_to(src).parts[:-1]):
            continue
        data = path.read_bytes()
        out = dest / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        lines += data.count(b"\n")
    return lines


def fetch_npm(npm_dir: Path) -> None:
    npm_dir.mkdir(parents=True, exist_ok=True)
    for spec in NPM_PACKAGES:
        subprocess.run(["npm", "pack", spec, "--silent"], cwd=npm_dir, check=True, capture_output=True)
    for tgz in npm_dir.glob("*.tgz"):
        target = npm_dir / tgz.name.removesuffix(".tgz")
        if not target.exists():
            with tarfile.open(tgz) as tar:
                tar.extractall(target, filter="data")


def build_corpus(base: Path, max_lines: int, npm_dir: Path) -> dict[str, int]:
    raw: dict[str, int] = {}
    py = [SITE / "django", SITE / "networkx"]
    if all(p.is_dir() for p in py):
        budget = max_lines
        for p in py:
            budget -= collect(p, base / "python" / p.name, budget, (".py",))
        raw["python"] = max_lines - budget
    else:
        print(f"skip python: {py} not installed")
    if CARGO.is_dir() and any(CARGO.iterdir()):
        budget = max_lines
        for crate in sorted(CARGO.iterdir()):
            if budget <= 0:
                break
            budget -= collect(crate, base / "rust" / crate.name, budget, (".rs",))
        raw["rust"] = max_lines - budget
    else:
        print(f"skip rust: {CARGO} is empty (apt-get install librust-serde-dev librust-regex-dev librust-tokio-dev)")
    packages = sorted(p for p in npm_dir.glob("*/package") if p.is_dir()) if npm_dir.is_dir() else []
    if packages:
        budget = max_lines
        for pkg in packages:
            budget -= collect(pkg, base / "ts" / pkg.parent.name, budget, (".ts", ".tsx", ".js", ".mjs", ".cjs"))
        raw["typescript/javascript"] = max_lines - budget
    else:
        print(f"skip typescript/javascript: no npm packages under {npm_dir} (run with --fetch)")
    return raw


def raw_parse_seconds(root: Path) -> tuple[float, int]:
    """Baseline: tree-sitter parsing alone, one core, same files."""
    files = [(p, language_for_path(p)) for p in sorted(root.rglob("*")) if p.is_file()]
    datas = [(p.read_bytes(), lang) for p, lang in files if lang]
    t0 = time.process_time()  # CPU time: the baseline should not depend on how busy the machine is
    for data, lang in datas:
        parse(data, lang)
    return time.process_time() - t0, sum(d.count(b"\n") for d, _ in datas)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def time_queries(db: Path, n: int, seed: int) -> dict[str, dict[str, float]]:
    rng = random.Random(seed)
    with GraphStore.open(db, readonly=True) as store:
        names = [r[0] for r in store.conn.execute("SELECT name FROM symbols WHERE kind != 'module'")]
        funcs = [r[0] for r in store.conn.execute("SELECT id FROM symbols WHERE kind IN ('function', 'method')")]
    searches = []
    for _ in range(n):
        name = rng.choice(names)
        searches.append(name if rng.random() < 0.5 else name[: max(3, len(name) // 2)])
    picks = [rng.choice(funcs) for _ in range(n)]
    out: dict[str, dict[str, float]] = {}

    def run(label: str, fn) -> None:
        times = []
        for arg in searches if label == "search_symbols" else picks:
            t0 = time.perf_counter()
            with reader(db) as store:  # what a tool call does: the worker thread's cached read connection
                fn(store, arg)
            times.append((time.perf_counter() - t0) * 1000)
        out[label] = {
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2),
            "max_ms": round(max(times), 2),
        }

    run("search_symbols", lambda s, a: q.search(s, a, limit=20))
    run("get_call_graph", lambda s, a: q.call_graph(s, a, direction="both", depth=2, max_nodes=50))
    run("impact_analysis", lambda s, a: impact_mod.impact(s, symbol=str(a), max_depth=3, limit=100))
    return out


SAMPLER = r"""
import json, os, select, sys
me, watched = os.getpid(), int(sys.argv[1])
peak, ticks = 0, {}
def stat(pid):
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().rsplit(")", 1)[1].split()
while not select.select([sys.stdin], [], [], 0.1)[0]:
    parents = {watched}
    for _ in range(2):  # children (a forked pool, the forkserver), then grandchildren (the forkserver's workers)
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and int(entry) != me and int(stat(entry)[1]) in parents:
                    parents.add(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    for pid in parents - {watched}:
        try:
            fields = stat(pid)
            ticks[pid] = max(ticks.get(pid, 0), int(fields[11]) + int(fields[12]))
            with open(f"/proc/{pid}/status") as fh:
                peak = max([peak] + [int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM:")])
        except (OSError, ValueError, IndexError):
            pass
print(json.dumps({"peak_kb": peak, "ticks": sum(ticks.values())}))
"""


class WorkerRss:
    """CPU seconds and peak RSS of the parser workers, sampled from /proc every 0.1 s by a separate process
    (the workers may be grandchildren, forked by a forkserver, which ``getrusage`` never sees; and a sampling
    thread here would change how the indexer starts its pool: it forks only in a single-threaded process)."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self.cpu_seconds = 0.0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> WorkerRss:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", SAMPLER, str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc is not None
        out, _ = self._proc.communicate("")
        got = json.loads(out)
        self.peak_kb = got["peak_kb"]
        self.cpu_seconds = got["ticks"] / os.sysconf("SC_CLK_TCK")


def load() -> str:
    """The 1-minute load average, printed next to each timing: other work on the machine moves the figures."""
    return f"load {os.getloadavg()[0]:.2f}"


def db_size(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-lines", type=int, default=400_000, help="raw lines per language (default 400000)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--npm-dir", type=Path, default=NPM_DIR)
    ap.add_argument("--fetch", action="store_true", help="npm pack the JS/TS packages into --npm-dir first")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--skip-per-language", action="store_true", help="only the combined index")
    args = ap.parse_args()
    if args.fetch:
        fetch_npm(args.npm_dir)
    work = Path(tempfile.mkdtemp(prefix="semgraph-bench-"))
    try:
        corpus = work / "corpus"
        raw = build_corpus(corpus, args.max_lines, args.npm_dir)
        if not raw:
            print("no corpus available")
            return 1
        print(f"corpus: {json.dumps(raw)} raw lines, workers={args.workers or os.cpu_count()}")
        results: dict[str, object] = {"raw_lines": raw, "per_language": {}}
        if not args.skip_per_language:
            print(
                f"\n{'language':<10} {'files':>6} {'LOC':>8} {'cold s':>7} {'LOC/s':>8} {'raw parse LOC/CPU-s':>20} "
                f"{'ratio':>6} {'LOC/CPU-s':>10}"
            )
            for part in sorted(p.name for p in corpus.iterdir()):
                root = corpus / part
                db = work / f"{part}.db"
                with WorkerRss() as wr:
                    t0, c0 = time.perf_counter(), time.process_time()
                    rep = index_repository(root, db, PathGuard([root]), workers=args.workers)
                    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
                cpu += wr.cpu_seconds
                loc = sum(s.loc for s in rep.languages.values())
                files = sum(s.files for s in rep.languages.values())
                base_s, base_lines = raw_parse_seconds(root)
                base_rate = base_lines / base_s
                rate = loc / secs
                # same unit for the ratio: raw lines per CPU-second through the indexer vs through the parser alone
                ratio = (base_lines / cpu) / base_rate
                print(
                    f"{part:<10} {files:>6} {loc:>8} {secs:>7.2f} {rate:>8.0f} {base_rate:>20.0f} {ratio:>6.2f}"
                    f" {loc / cpu:>10.0f}   {rep.phases} ({load()})"
                )
                results["per_language"][part] = {  # type: ignore[index]
                    "files": files, "loc": loc, "seconds": round(secs, 2), "loc_per_s": round(rate),
                    "cpu_seconds": round(cpu, 2), "loc_per_cpu_s": round(loc / cpu),
                    "raw_parse_lines_per_cpu_s": round(base_rate), "ratio_vs_raw_parse": round(ratio, 2),
                    "languages": {k: v.loc for k, v in rep.languages.items()},
                }  # fmt: skip
        db = work / "all.db"
        print(f"\ncombined index, cold ({load()} before)")
        with WorkerRss() as workers_rss:
            t0, c0 = time.perf_counter(), time.process_time()
            rep = index_repository(corpus, db, PathGuard([corpus]), workers=args.workers)
            cold, main_cpu = time.perf_counter() - t0, time.process_time() - c0
        cpu = main_cpu + workers_rss.cpu_seconds
        loc = sum(s.loc for s in rep.languages.values())
        t0 = time.perf_counter()
        same = index_repository(corpus, db, PathGuard([corpus]), workers=args.workers)
        nochange = time.perf_counter() - t0
        victim = next(p for p in sorted(corpus.rglob("*.py")))
        victim.write_text(victim.read_text(encoding="utf-8") + "\n\ndef bench_added_function():\n    return 1\n")
        t0 = time.perf_counter()
        one = index_repository(corpus, db, PathGuard([corpus]), workers=args.workers)
        onefile = time.perf_counter() - t0
        assert one.files_parsed == 1 and same.files_parsed == 0
        rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rss_children = workers_rss.peak_kb / 1024
        with GraphStore.open(db, readonly=True) as store:
            counts = store.counts()
        print(
            f"\ncombined index: {counts['files']} files, {loc} LOC, {counts['symbols']} symbols, {counts['edges']} "
            f"edges\n  cold {cold:.2f} s = {loc / cold:,.0f} LOC/s wall; CPU {main_cpu:.1f} s main + "
            f"{workers_rss.cpu_seconds:.1f} s workers = {loc / cpu:,.0f} LOC per CPU-second "
            f"(phases {rep.phases}); DB {db_size(db) / 1e6:.1f} MB; "
            f"peak RSS {rss_self:.0f} MB (main), {rss_children:.0f} MB (largest worker)\n"
            f"  re-index, nothing changed: {nochange:.3f} s; one file changed: {onefile:.3f} s "
            f"({one.files_resolved} files re-linked); {load()}"
        )
        lat = time_queries(db, args.queries, args.seed)
        print(f"\n{'query (' + str(args.queries) + ' random)':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name, v in lat.items():
            print(f"{name:<28} {v['p50_ms']:>8} {v['p95_ms']:>8} {v['max_ms']:>8}")
        print(load())
        results.update(
            combined={
                "files": counts["files"], "loc": loc, "symbols": counts["symbols"], "edges": counts["edges"],
                "cold_seconds": round(cold, 2), "loc_per_s": round(loc / cold),
                "cpu_seconds_main": round(main_cpu, 2), "cpu_seconds_workers": round(workers_rss.cpu_seconds, 2),
                "loc_per_cpu_s": round(loc / cpu), "db_mb": round(db_size(db) / 1e6, 1),
                "peak_rss_mb_main": round(rss_self), "peak_rss_mb_worker": round(rss_children),
                "reindex_nochange_s": round(nochange, 3), "reindex_one_file_s": round(onefile, 3),
                "load_1min_after": round(os.getloadavg()[0], 2),
            },
            queries=lat,
        )  # fmt: skip
        print("\nJSON " + json.dumps(results))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

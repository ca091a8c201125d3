"""Benchmark: index a real multi-language corpus, then time incremental re-indexing and queries.

Corpus (each part skipped with a message when absent):
- Python: the installed sources of django and networkx (this venv's site-packages);
- Rust: crate sources from Debian ``librust-*-dev`` packages (/usr/share/cargo/registry);
- TypeScript/JavaScript: npm packages unpacked under --npm-dir (``--fetch`` runs ``npm pack rxjs@7 typescript@5``).

Prints LOC/s per language (cold, each language in its own index) against raw tree-sitter parsing of the same
files in the same run (the baseline ratio), then for one combined index: cold time, DB size, peak RSS,
no-change and one-file-changed re-index times (a leaf file and the three most-imported files), p50/p95 latency
of search_symbols / get_call_graph / impact_analysis over N random queries (through the per-thread read
connection a tool call uses), and the same tools' p50/p95 measured at a real MCP client over stdio, with the
CPU milliseconds per call of the served process and of the client (figures a busy machine moves less).

The reference for the cold index is raw tree-sitter over the same files with the same worker count: parse
alone, and parse plus the extractors' own combined query (captures only), both in CPU-seconds summed over the
workers, printed next to semgraph's CPU-seconds (main process + workers) with the ratio.

    python bench/index.py                       # the ~500k-LOC corpus (610k raw lines; a few minutes)
    python bench/index.py --max-lines 100000    # at most 100k raw lines per language
    python bench/index.py --skip-per-language --work /tmp/sg   # keep the corpus and the index in /tmp/sg ...
    python bench/index.py --queries-only --work /tmp/sg        # ... and re-time only the queries against them
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
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

import tree_sitter as ts

from semgraph.graph import impact as impact_mod
from semgraph.graph import queries_api as q
from semgraph.graph.extractors import _engine, _extractor_class
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


def build_corpus(base: Path, max_lines: int, npm_dir: Path, rust_lines: int) -> dict[str, int]:
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
        budget = min(max_lines, rust_lines)
        rust_budget = budget
        for crate in sorted(CARGO.iterdir()):
            if budget <= 0:
                break
            budget -= collect(crate, base / "rust" / crate.name, budget, (".rs",))
        raw["rust"] = rust_budget - budget
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


def _raw_chunk(paths: list[str]) -> tuple[float, float]:
    """CPU-seconds of one worker: parse alone, then parse + the extractor's combined query (captures)."""
    datas = []
    for path in paths:
        lang = language_for_path(path)
        if lang:
            datas.append((Path(path).read_bytes(), lang))
    t0 = time.process_time()
    for data, lang in datas:
        parse(data, lang)
    parse_cpu = time.process_time() - t0
    t0 = time.process_time()
    for data, lang in datas:
        cls = _extractor_class(lang)
        grammar = cls.grammar or cls.language
        tree = parse(data, grammar)
        ts.QueryCursor(_engine.combined_query(grammar, cls.queries)).captures(tree.root_node)
    return parse_cpu, time.process_time() - t0


def raw_baseline(root: Path, workers: int) -> tuple[float, float]:
    """Raw tree-sitter over every file under ``root`` with ``workers`` processes: (parse, parse+query) CPU-s.

    The files are dealt round-robin by size so each worker gets a similar share, as the indexer's pool does.
    """
    paths = sorted(
        (p for p in root.rglob("*") if p.is_file() and language_for_path(p)), key=lambda p: -p.stat().st_size
    )
    chunks: list[list[str]] = [[] for _ in range(max(1, workers) * 4)]
    for i, p in enumerate(paths):
        chunks[i % len(chunks)].append(str(p))
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(_raw_chunk, chunks))
    return sum(r[0] for r in results), sum(r[1] for r in results)


def most_imported_files(db: Path, n: int = 3) -> list[str]:
    """Paths of the ``n`` files imported by the most other files (the hub modules a re-index touches most)."""
    with GraphStore.open(db, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT f.path, COUNT(DISTINCT e.file_id) AS importers FROM edges e "
            "JOIN symbols s ON s.id = e.dst_id JOIN files f ON f.id = s.file_id "
            "WHERE e.kind = 'imports' AND e.file_id != f.id GROUP BY f.id ORDER BY importers DESC, f.path LIMIT ?",
            (n,),
        ).fetchall()
    return [r[0] for r in rows]


def reindex_after_edit(corpus: Path, db: Path, rel: str, workers: int | None) -> tuple[float, int, float]:
    """Append one function to ``rel``, re-index, restore the file (and re-index again): (seconds, files re-linked,
    CPU-seconds of this process: one changed file is parsed in-process, so that is all the work)."""
    path = corpus / rel
    original = path.read_bytes()
    addition = {
        ".py": "\n\ndef bench_added_function():\n    return 1\n",
        ".rs": "\n\npub fn bench_added_function() -> i32 {\n    1\n}\n",
        ".go": "\n\nfunc benchAddedFunction() int {\n\treturn 1\n}\n",
        ".java": "\n",
    }.get(path.suffix, "\n\nexport function benchAddedFunction() {\n  return 1;\n}\n")
    path.write_bytes(original + addition.encode())
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        rep = index_repository(corpus, db, PathGuard([corpus]), workers=workers)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert rep.files_parsed == 1, rep
    finally:
        path.write_bytes(original)
        index_repository(corpus, db, PathGuard([corpus]), workers=workers)
    return secs, rep.files_resolved, cpu


MCP_CALLS = ("search_symbols", "get_symbol", "get_call_graph", "impact_analysis")


async def _mcp_latency(corpus: Path, db: Path, n: int, seed: int) -> dict[str, dict[str, float]]:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    rng = random.Random(seed)
    with GraphStore.open(db, readonly=True) as store:
        names = [r[0] for r in store.conn.execute("SELECT name FROM symbols WHERE kind IN ('function', 'method')")]
        ids = [str(r[0]) for r in store.conn.execute("SELECT id FROM symbols WHERE kind IN ('function', 'method')")]
    exe = shutil.which("semgraph", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "semgraph.server.cli"]
    params = StdioServerParameters(  # the whole environment: a PYTHONPATH-selected tree is served as well
        command=cmd[0],
        # the index is fresh: no start-up walk of the corpus competing with the first calls (edits still followed)
        args=[*cmd[1:], "serve", "--root", str(corpus), "--db", str(db), "--no-auto-index"],
        cwd=str(corpus),
        env=dict(os.environ),
    )
    out: dict[str, dict[str, float]] = {}
    async with Client(params, mode="auto", read_timeout_seconds=120) as client:
        await client.call_tool("search_symbols", {"query": "warmup"})
        for tool in MCP_CALLS:
            times, sizes = [], []
            server0, client0 = children_cpu_seconds(), time.process_time()
            for _ in range(n):
                if tool == "search_symbols":
                    args: dict[str, object] = {"query": rng.choice(names), "limit": 20}
                elif tool == "get_call_graph":
                    args = {"symbol": rng.choice(ids), "depth": 2}
                else:  # get_symbol, impact_analysis
                    args = {"symbol": rng.choice(ids)}
                t0 = time.perf_counter()
                res = await client.call_tool(tool, args)
                times.append((time.perf_counter() - t0) * 1000)
                if res.is_error:
                    raise RuntimeError(f"{tool} {args}: {res.content}")
                sizes.append(len(json.dumps(res.structured_content or {})))
            server_cpu, client_cpu = children_cpu_seconds() - server0, time.process_time() - client0
            out[tool] = {
                "p50_ms": round(statistics.median(times), 2),
                "p95_ms": round(percentile(times, 95), 2),
                "mean_kb": round(statistics.mean(sizes) / 1024, 1),
                "server_cpu_ms": round(server_cpu * 1000 / n, 2),
                "client_cpu_ms": round(client_cpu * 1000 / n, 2),
            }
    return out


def children_cpu_seconds() -> float:
    """CPU-seconds (user + system) used so far by this process's live children (the served process)."""
    me, total, tick = str(os.getpid()), 0.0, os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def mcp_latency(corpus: Path, db: Path, n: int, seed: int) -> dict[str, dict[str, float]]:
    """p50/p95 of the graph tools measured at the SDK client, over stdio, against ``semgraph serve``."""
    return asyncio.run(_mcp_latency(corpus, db, n, seed))


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
    ap.add_argument(
        "--rust-lines", type=int, default=160_000,
        help="raw Rust lines (default 160000: with django, networkx, rxjs and typescript ~500k LOC, as in issue 12)",
    )  # fmt: skip
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--npm-dir", type=Path, default=NPM_DIR)
    ap.add_argument("--fetch", action="store_true", help="npm pack the JS/TS packages into --npm-dir first")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--skip-per-language", action="store_true", help="only the combined index")
    ap.add_argument("--mcp-calls", type=int, default=100, help="calls per tool at a real MCP client (0: skip)")
    ap.add_argument(
        "--work", type=Path, metavar="DIR",
        help="keep the corpus and the combined index in DIR (default: a temporary directory, removed at the end)",
    )  # fmt: skip
    ap.add_argument(
        "--queries-only", action="store_true",
        help="with --work: reuse DIR's corpus and index and time only the queries (in process and over MCP)",
    )  # fmt: skip
    args = ap.parse_args()
    if args.fetch:
        fetch_npm(args.npm_dir)
    if args.queries_only:
        if args.work is None or not (args.work / "all.db").is_file():
            ap.error("--queries-only needs --work DIR holding an index from an earlier run")
        return queries_only(args.work / "corpus", args.work / "all.db", args)
    work = args.work or Path(tempfile.mkdtemp(prefix="semgraph-bench-"))
    if args.work is not None:
        shutil.rmtree(work / "corpus", ignore_errors=True)
        (work / "all.db").unlink(missing_ok=True)
        work.mkdir(parents=True, exist_ok=True)
    try:
        corpus = work / "corpus"
        raw = build_corpus(corpus, args.max_lines, args.npm_dir, args.rust_lines)
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
        nworkers = args.workers or os.cpu_count() or 1
        parse_cpu, parse_query_cpu = raw_baseline(corpus, nworkers)
        t0 = time.perf_counter()
        same = index_repository(corpus, db, PathGuard([corpus]), workers=args.workers)
        nochange = time.perf_counter() - t0
        assert same.files_parsed == 0
        hubs = most_imported_files(db)
        with GraphStore.open(db, readonly=True) as store:
            imported = {r[0] for r in store.conn.execute(
                "SELECT DISTINCT s.file_id FROM edges e JOIN symbols s ON s.id = e.dst_id "
                "WHERE e.kind = 'imports' AND e.file_id != s.file_id"
            )}  # fmt: skip
            leaf = next(
                r[1]
                for r in store.conn.execute("SELECT id, path FROM files WHERE language = 'python' ORDER BY path")
                if r[0] not in imported
            )
        reindex = {f"leaf {leaf}": reindex_after_edit(corpus, db, leaf, args.workers)}
        for hub in hubs:
            reindex[f"hub {hub}"] = reindex_after_edit(corpus, db, hub, args.workers)
        rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rss_children = workers_rss.peak_kb / 1024
        with GraphStore.open(db, readonly=True) as store:
            counts = store.counts()
        print(
            f"\ncombined index: {counts['files']} files, {loc} LOC, {counts['symbols']} symbols, {counts['edges']} "
            f"edges\n  cold {cold:.2f} s = {loc / cold:,.0f} LOC/s wall; CPU {main_cpu:.1f} s main + "
            f"{workers_rss.cpu_seconds:.1f} s workers = {cpu:.1f} CPU-s = {loc / cpu:,.0f} LOC per CPU-second "
            f"(phases {rep.phases}, main CPU {rep.cpu}); DB {db_size(db) / 1e6:.1f} MB; "
            f"peak RSS {rss_self:.0f} MB (main), {rss_children:.0f} MB (largest worker)\n"
            f"  raw tree-sitter, same files, {nworkers} workers: parse {parse_cpu:.1f} CPU-s, parse + combined query "
            f"{parse_query_cpu:.1f} CPU-s; semgraph / (parse + query) = {cpu / parse_query_cpu:.2f}x "
            f"(= {parse_query_cpu / cpu:.2f} of the limit)\n"
            f"  re-index, nothing changed: {nochange:.3f} s; {load()}"
        )
        for label, (secs, relinked, recpu) in reindex.items():
            print(f"  re-index after one edit, {label}: {secs:.3f} s, {recpu:.3f} CPU-s ({relinked} files re-linked)")
        lat = time_queries(db, args.queries, args.seed)
        mcp = mcp_latency(corpus, db, args.mcp_calls, args.seed) if args.mcp_calls else {}
        print_queries(lat, mcp, args)
        results.update(
            combined={
                "files": counts["files"], "loc": loc, "symbols": counts["symbols"], "edges": counts["edges"],
                "cold_seconds": round(cold, 2), "loc_per_s": round(loc / cold),
                "cpu_seconds_main": round(main_cpu, 2), "cpu_seconds_workers": round(workers_rss.cpu_seconds, 2),
                "loc_per_cpu_s": round(loc / cpu), "db_mb": round(db_size(db) / 1e6, 1),
                "peak_rss_mb_main": round(rss_self), "peak_rss_mb_worker": round(rss_children),
                "raw_parse_cpu_s": round(parse_cpu, 2), "raw_parse_query_cpu_s": round(parse_query_cpu, 2),
                "ratio_vs_parse_query": round(cpu / parse_query_cpu, 2),
                "reindex_nochange_s": round(nochange, 3),
                "reindex_one_edit_s": {k: round(v[0], 3) for k, v in reindex.items()},
                "reindex_one_edit_cpu_s": {k: round(v[2], 3) for k, v in reindex.items()},
                "load_1min_after": round(os.getloadavg()[0], 2),
            },
            queries=lat,
            mcp=mcp,
        )  # fmt: skip
        print("\nJSON " + json.dumps(results))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def print_queries(lat: dict[str, dict[str, float]], mcp: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    print(f"\n{'query (' + str(args.queries) + ' random)':<28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, v in lat.items():
        print(f"{name:<28} {v['p50_ms']:>8} {v['p95_ms']:>8} {v['max_ms']:>8}")
    print(load())
    if mcp:
        print(
            f"\n{'MCP over stdio (' + str(args.mcp_calls) + ' calls)':<28} {'p50 ms':>8} {'p95 ms':>8} {'mean KB':>8}"
            f" {'server CPU ms':>14} {'client CPU ms':>14}"
        )
        for name, v in mcp.items():
            print(
                f"{name:<28} {v['p50_ms']:>8} {v['p95_ms']:>8} {v['mean_kb']:>8} {v['server_cpu_ms']:>14}"
                f" {v['client_cpu_ms']:>14}"
            )
        print(load())


def queries_only(corpus: Path, db: Path, args: argparse.Namespace) -> int:
    """Time the queries against an index an earlier ``--work`` run left (no corpus copy, no indexing)."""
    with GraphStore.open(db, readonly=True) as store:
        counts = store.counts()
    print(f"index {db}: {counts['files']} files, {counts['symbols']} symbols, {counts['edges']} edges; {load()}")
    lat = time_queries(db, args.queries, args.seed)
    mcp = mcp_latency(corpus, db, args.mcp_calls, args.seed) if args.mcp_calls else {}
    print_queries(lat, mcp, args)
    print("\nJSON " + json.dumps({"queries": lat, "mcp": mcp, "load_1min_after": round(os.getloadavg()[0], 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: how fast an edit shows in a served index's answers, and what the file watcher costs when idle.

Corpus: the same as ``bench/index.py`` (``build_corpus``: installed django + networkx sources, plus Rust crates
and npm packages where present; ``--fetch`` npm-packs the latter), up to --lines lines per language. The corpus is indexed once in-process, then
``semgraph serve --root CORPUS`` is started over stdio with the SDK client (as an assistant would), and:

- edit -> answer: N times, append a new function to a random file and call ``search_symbols`` for its name
  (no index call, no wait_seconds) until the answer has it; the client-side latency from the write to that
  answer. Reference in the same run: the round trip of one ``search_symbols`` call on the same index, and the
  in-process time of the incremental re-index of one changed file (``index_repository``).
- idle cost of the watcher: RSS of the server with ``--watch auto`` minus RSS of the same server with
  ``--watch off`` (same index, same one query), and the watching server's CPU over --idle seconds.

    python bench/freshness.py                    # 500k lines of Python (a few minutes)
    python bench/freshness.py --lines 100000 --edits 10
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.index import NPM_DIR, SITE, build_corpus, collect, fetch_npm
from semgraph.graph.indexer import index_repository
from semgraph.paths import PathGuard

TICKS = os.sysconf("SC_CLK_TCK")


def proc_stat(pid: int) -> tuple[int, float]:
    """(RSS in bytes, CPU seconds used) of a process."""
    rss = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) * 1024
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return rss, (int(fields[11]) + int(fields[12])) / TICKS


def server_pid(root: Path) -> int:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in cmd and str(root).encode() in cmd:
                return int(entry)
    raise RuntimeError("server process not found")


def client_for(root: Path, *extra: str) -> Client:
    exe = shutil.which("semgraph", path=str(Path(sys.executable).parent)) or "semgraph"
    params = StdioServerParameters(command=exe, args=["serve", "--root", str(root), *extra], env=dict(os.environ))
    return Client(params, mode="legacy", read_timeout_seconds=600)


async def search(client: Client, query: str, **extra: object) -> dict:
    result = await client.call_tool("search_symbols", {"query": query, **extra})
    if result.is_error:
        raise RuntimeError(result.content[0].text)
    return result.structured_content


async def edits(root: Path, n: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    files = sorted(p for p in root.rglob("*.py") if ".semgraph" not in p.parts)
    async with client_for(root) as client:
        ready = await search(client, "setup", wait_seconds=120)
        assert ready["freshness"]["index_state"] == "ready", ready["freshness"]
        round_trips = []
        for _ in range(20):
            t0 = time.perf_counter()
            await search(client, rng.choice(["model", "graph", "query", "field"]))
            round_trips.append(time.perf_counter() - t0)
        latencies, polls, targets = [], [], []
        for i in range(n):
            target = rng.choice(files)
            name = f"semgraph_probe_{seed}_{i}"
            await anyio.sleep(0.5)  # edits an assistant makes are seconds apart, not back to back
            t0 = time.perf_counter()
            with target.open("a", encoding="utf-8") as fh:
                fh.write(f"\n\ndef {name}():\n    return {i}\n")
            asked = 0
            while True:
                asked += 1
                answer = await search(client, name)
                if answer["hits"]:
                    break
            latencies.append(time.perf_counter() - t0)
            polls.append(asked)
            targets.append(str(target.relative_to(root)))
        pid = server_pid(root)
        await anyio.sleep(5)
        rss_watch, cpu0 = proc_stat(pid)
        return {
            "latencies": latencies,
            "targets": targets,
            "polls": polls,
            "round_trip": statistics.median(round_trips),
            "rss_watch": rss_watch,
            "pid": pid,
            "cpu0": cpu0,
        }


async def idle(root: Path, seconds: float) -> tuple[float, int]:
    """CPU share of the watching server over ``seconds`` of idleness, and its RSS."""
    async with client_for(root) as client:
        await search(client, "setup", wait_seconds=120)
        pid = server_pid(root)
        await anyio.sleep(3)
        _, c0 = proc_stat(pid)
        t0 = time.monotonic()
        await anyio.sleep(seconds)
        rss, c1 = proc_stat(pid)
        return (c1 - c0) / (time.monotonic() - t0), rss


async def rss_without_watcher(root: Path) -> int:
    async with client_for(root, "--watch", "off") as client:
        await search(client, "setup", wait_seconds=120)
        pid = server_pid(root)
        await anyio.sleep(5)
        return proc_stat(pid)[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=500_000, help="corpus lines per language (default 500,000)")
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measurement")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", metavar="DIR", help="build the corpus here and keep it (reused when present)")
    ap.add_argument(
        "--more-python",
        type=int,
        default=0,
        metavar="LINES",
        help="add this many lines from other installed packages (sorted by name) to reach a bigger corpus",
    )
    ap.add_argument(
        "--fetch", action="store_true", help="first npm-pack the TypeScript/JavaScript part (as bench/index.py)"
    )
    args = ap.parse_args()
    if args.fetch:
        fetch_npm(NPM_DIR)

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="semgraph-fresh-"))
    root = base / "corpus"
    if not root.exists():
        raw = build_corpus(root, args.lines, NPM_DIR)
        budget = args.more_python
        for pkg in sorted(p for p in SITE.iterdir() if p.is_dir() and p.name not in ("django", "networkx")):
            if budget <= 0 or not any(pkg.glob("*.py")):
                continue
            budget -= collect(pkg, root / "python-more" / pkg.name, budget, (".py",))
        raw["python (more packages)"] = args.more_python - budget
        print(f"corpus: {raw} raw lines")
    db = root / ".semgraph" / "index.db"
    t0 = time.perf_counter()
    report = index_repository(root, db, PathGuard([root]))
    loc = sum(s.loc for s in report.languages.values())
    print(
        f"index: {report.files_scanned} files, {loc} LOC, {time.perf_counter() - t0:.1f} s ({report.files_parsed} parsed)"
    )
    probe = root / "python" / "incremental_probe.py"
    probe.write_text("def incremental_probe():\n    return 1\n")
    t0 = time.perf_counter()
    index_repository(root, db, PathGuard([root]))
    one_file = time.perf_counter() - t0
    print(f"reference: in-process incremental re-index of one new file {one_file:.3f} s")

    res = anyio.run(edits, root, args.edits, args.seed)
    lat = sorted(res["latencies"])  # type: ignore[arg-type]
    med = statistics.median(lat)
    print(
        f"edit -> answer at the client over {len(lat)} edits: median {med:.3f} s, p90 {lat[int(0.9 * (len(lat) - 1))]:.3f} s, "
        f"max {lat[-1]:.3f} s; search_symbols round trip {res['round_trip'] * 1000:.1f} ms "
        f"(ratio {med / res['round_trip']:.1f}x); vs in-process one-file re-index {med / one_file:.2f}x"
    )
    slowest = max(range(len(lat)), key=lambda i: res["latencies"][i])  # type: ignore[index]
    print(f"slowest edit: {res['targets'][slowest]} ({res['latencies'][slowest]:.3f} s)")  # type: ignore[index]
    cpu, rss_watch = anyio.run(idle, root, args.idle)
    rss_off = anyio.run(rss_without_watcher, root)
    print(
        f"idle: watching server CPU {cpu * 100:.2f}% over {args.idle:.0f} s; RSS {rss_watch / 2**20:.1f} MB with the "
        f"watcher, {rss_off / 2**20:.1f} MB with --watch off: the watcher adds {(rss_watch - rss_off) / 2**20:.1f} MB"
    )
    print(f"load: {os.getloadavg()}")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

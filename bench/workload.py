"""Workload benchmarks: rate accuracy, full-speed point selects vs pgbench, seeding speed.

Usage::

    python bench/workload.py                 # all parts
    python bench/workload.py --part rate --duration 5
    python bench/workload.py --part pgbench --pgbench-duration 10 --rounds 3   # alternated with pgbench -S, medians
    python bench/workload.py --part seed --rows 1000000

Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust) and MariaDB at 127.0.0.1:3306 (root);
uses the database ``semgraph_bench`` (PostgreSQL) and ``semgraph_bench`` (MariaDB), created if missing.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from semgraph.paths import PathGuard  # noqa: E402
from semgraph.workload.dsn import parse_dsn  # noqa: E402
from semgraph.workload.runner import RunSpec, run_workload  # noqa: E402
from semgraph.workload.seed_config import SeedConfig  # noqa: E402
from semgraph.workload.seeder import seed_database  # noqa: E402
from semgraph.workload.service import shop_sqlite_schema  # noqa: E402
from semgraph.workload.workload_config import WorkloadConfig  # noqa: E402

BENCH_DB = os.environ.get("SEMGRAPH_BENCH_DB", "semgraph_bench")  # own name when several people bench at once
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PG_BENCH = f"postgresql://postgres@127.0.0.1:5432/{BENCH_DB}"
MY_BENCH = f"mysql://root@127.0.0.1:3306/{BENCH_DB}"
SHOP = REPO / "fixtures" / "workload"


def pg_exec(sql: str, db: str = "test") -> None:
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-c", sql], check=True, capture_output=True
    )


def ensure_pg_bench_db() -> None:
    out = subprocess.run(
        ["psql", "-tA", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{BENCH_DB}'"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    if out != "1":
        pg_exec(f"CREATE DATABASE {BENCH_DB}")


def point_select_config(table: str) -> WorkloadConfig:
    return WorkloadConfig.model_validate({"name": "point_select", "mix": {"point_select": 1}, "tables": [table]})


# --- (a) rate accuracy -------------------------------------------------------------------------------

RATE_STEPS = (100, 1000, 2000, 5000)


async def part_rate(duration: float, root: Path) -> list[str]:
    guard = PathGuard([root])
    lite = root / "rate.db"
    with sqlite3.connect(lite) as conn:
        conn.executescript(shop_sqlite_schema())
    ensure_pg_bench_db()
    pg_exec("DROP SCHEMA IF EXISTS rate CASCADE; CREATE SCHEMA rate", BENCH_DB)
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", BENCH_DB, "-f", str(SHOP / "schema.postgres.sql")],
        check=True, capture_output=True, env={**os.environ, "PGOPTIONS": "-c search_path=rate"},
    )  # fmt: skip
    targets = {"sqlite": f"sqlite:///{lite.name}", "postgres": f"{PG_BENCH}?search_path=rate"}
    pgbench(["-i", "-q", "-s", "1"])  # the reference: pgbench -S -R at the same rate, right after ours
    rows = [
        "| dialect | clients | target TPS | load before | achieved TPS | ratio | p50 ms | p99 ms | schedule lag p99 ms | errors | pgbench -S -R same rate, -c 8 -j 2: ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for dialect, url in targets.items():
        dsn = parse_dsn(url, guard)
        await seed_database(dsn, rows=10_000, seed=1, truncate=True, tables=["customers"])
        # PostgreSQL: 8 connections as pgbench's reference (one process: at load 13-18 two processes lost
        # 20-30 % of the rate to start-up and context switches); SQLite: 4
        connections, processes = (8, 1) if dialect == "postgres" else (4, 1)
        for tps in RATE_STEPS:
            spec = RunSpec(
                config=point_select_config("customers"),
                connections=connections,
                processes=processes,
                target_tps=tps,
                duration_s=duration,
                warmup_s=1,
                seed=1,
            )
            load = _load()
            r = await run_workload(dsn, spec)
            ref = ""
            if dialect == "postgres":
                out = pgbench(["-S", "-R", str(tps), "-c", "8", "-j", "2", "-T", str(int(duration)), "-n"])
                m = re.search(r"tps = ([\d.]+)", out)
                ref = f"{float(m.group(1)) / tps:.4f}" if m else "?"
            line = (
                f"| {dialect} | {connections} conn, {processes} proc | {tps} | {load} | {r.achieved_tps:.1f} | "
                f"{r.tps_ratio:.4f} | {r.latency.p50_ms:.2f} | {r.latency.p99_ms:.2f} | {r.schedule_lag.p99_ms:.2f} | "
                f"{r.failed} | {ref} |"
            )
            print(line, flush=True)
            rows.append(line)
    return rows


# --- (b) full-speed point selects vs pgbench -S -----------------------------------------------------


def _cpu(who: int) -> float:
    """User + system CPU seconds of this process (RUSAGE_SELF) or its finished children."""
    u = resource.getrusage(who)
    return u.ru_utime + u.ru_stime


def pgbench(args: list[str]) -> str:
    exe = shutil.which("pgbench")
    if not exe:
        raise SystemExit("pgbench not found (apt-get install postgresql-contrib)")
    return subprocess.run(
        [exe, "-h", "127.0.0.1", "-U", "postgres", *args, BENCH_DB], check=True, capture_output=True, text=True
    ).stdout


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _pgbench_cpu(args: list[str], per_tx: int = 1) -> tuple[float, float]:
    """(statements per second, client CPU µs per statement) of one pgbench run (``per_tx`` statements a script)."""
    cpu0 = _cpu(resource.RUSAGE_CHILDREN)
    out = pgbench(args)
    cpu = _cpu(resource.RUSAGE_CHILDREN) - cpu0
    m = re.search(r"tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)", out)
    tx = re.search(r"number of transactions actually processed: (\d+)", out)
    tps = float(m.group(1)) * per_tx if m else float("nan")
    return tps, (1e6 * cpu / (int(tx.group(1)) * per_tx) if tx else float("nan"))


def run_pgbench_s(duration: float) -> tuple[float, float]:
    """(TPS, client CPU µs per transaction) of ``pgbench -S -c 8 -j 2``."""
    return _pgbench_cpu(["-S", "-c", "8", "-j", "2", "-T", str(int(duration)), "-n"])


def run_pgbench_pipelined(duration: float, depth: int, scale: int, root: Path) -> tuple[float, float]:
    """pgbench's own pipeline (``\\startpipeline``, prepared): ``depth`` point selects per round trip, 8 clients."""
    script = root / f"select_pipeline_{depth}.sql"
    lines = [f"\\set aid{k} random(1, {100_000 * scale})" for k in range(depth)]
    lines += ["\\startpipeline"]
    lines += [f"SELECT abalance FROM pgbench_accounts WHERE aid = :aid{k};" for k in range(depth)]
    lines += ["\\endpipeline"]
    script.write_text("\n".join(lines) + "\n")
    args = ["-M", "prepared", "-f", str(script), "-c", "8", "-j", "2", "-T", str(int(duration)), "-n"]
    return _pgbench_cpu(args, per_tx=depth)


async def part_pgbench(duration: float, scale: int, root: Path, rounds: int = 3, depth: int = 4) -> list[str]:
    """Point selects at 8 connections, pgbench and ours alternated (the order flips each round), medians.

    One at a time per connection: ``pgbench -S`` against ours in 1 and 2 processes. Pipelined: ours with
    ``pipeline=depth`` against pgbench running ``depth`` selects per ``\\startpipeline`` block. pgbench,
    PostgreSQL and the client share the machine's 2 cores with whatever else runs: each round's load average
    is printed with it, and only same-round ratios are compared.
    """
    ensure_pg_bench_db()
    print(f"pgbench -i -s {scale} (creating {scale * 100_000:,} accounts)…", flush=True)
    pgbench(["-i", "-q", "-s", str(scale)])
    dsn = parse_dsn(PG_BENCH, PathGuard([root]))
    who_all = ["pgbench", "1", "2", "pgbench_pipe", "pipe"]
    rows = [
        "| round | load before | pgbench -S TPS | µs CPU/tx | ours 1 proc TPS | ratio | µs CPU/tx | CPU ratio | "
        "ours 2 proc TPS | ratio | µs CPU/tx | "
        f"pgbench pipeline {depth} TPS | µs CPU/tx | ours pipeline={depth} TPS | ratio to -S | µs CPU/tx | CPU ratio to -S |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratios: dict[str, list[float]] = {w: [] for w in who_all}
    cpus: dict[str, list[float]] = {w: [] for w in who_all}

    async def ours(processes: int, pipeline: int = 1) -> tuple[float, float, int]:
        spec = RunSpec(
            config=point_select_config("pgbench_accounts"),
            connections=8,
            duration_s=duration,
            seed=1,
            processes=processes,
            pipeline=pipeline,
        )
        r = await run_workload(dsn, spec)
        return r.achieved_tps, 1e6 * (r.client_cpu_s or 0.0) / max(1, r.completed), r.failed

    for k in range(rounds):
        load = _load()
        got: dict[str, tuple[float, float, int]] = {}
        for who in who_all if k % 2 == 0 else who_all[::-1]:
            if who == "pgbench":
                got[who] = (*run_pgbench_s(duration), 0)
            elif who == "pgbench_pipe":
                got[who] = (*run_pgbench_pipelined(duration, depth, scale, root), 0)
            elif who == "pipe":
                got[who] = await ours(1, depth)
            else:
                got[who] = await ours(int(who))
        pg_tps, pg_cpu = got["pgbench"][0], got["pgbench"][1]
        for who in who_all:
            ratios[who].append(got[who][0] / pg_tps)
            cpus[who].append(got[who][1])
        g = got
        line = (
            f"| {k + 1} | {load} | {pg_tps:,.0f} | {pg_cpu:.0f} | {g['1'][0]:,.0f} | {g['1'][0] / pg_tps:.2f} | "
            f"{g['1'][1]:.0f} | {g['1'][1] / pg_cpu:.2f} | {g['2'][0]:,.0f} | {g['2'][0] / pg_tps:.2f} | {g['2'][1]:.0f} | "
            f"{g['pgbench_pipe'][0]:,.0f} | {g['pgbench_pipe'][1]:.0f} | {g['pipe'][0]:,.0f} | "
            f"{g['pipe'][0] / pg_tps:.2f} | {g['pipe'][1]:.0f} | {g['pipe'][1] / pg_cpu:.2f} |"
        )
        errors = [g[w][2] for w in ("1", "2", "pipe")]
        if any(errors):
            line += f" errors {errors}"
        print(line, flush=True)
        rows.append(line)
    cpu_ratio = {w: _median([c / p for c, p in zip(cpus[w], cpus["pgbench"], strict=True)]) for w in who_all}
    summary = (
        f"| median of {rounds} | {_load()} (after) | | {_median(cpus['pgbench']):.0f} | | **{_median(ratios['1']):.2f}** | "
        f"{_median(cpus['1']):.0f} | **{cpu_ratio['1']:.2f}** | | **{_median(ratios['2']):.2f}** | {_median(cpus['2']):.0f} | "
        f"| {_median(cpus['pgbench_pipe']):.0f} | | **{_median(ratios['pipe']):.2f}** | {_median(cpus['pipe']):.0f} | "
        f"**{cpu_ratio['pipe']:.2f}** |"
    )
    print(summary, flush=True)
    rows.append(summary)
    return rows


# --- (c) seeding speed --------------------------------------------------------------------------------


async def part_seed(nrows: int, root: Path) -> list[str]:
    guard = PathGuard([root])
    lite = root / "seed.db"
    with sqlite3.connect(lite) as conn:
        conn.executescript(shop_sqlite_schema())
    ensure_pg_bench_db()
    pg_exec("DROP SCHEMA IF EXISTS seed CASCADE; CREATE SCHEMA seed", BENCH_DB)
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", BENCH_DB, "-f", str(SHOP / "schema.postgres.sql")],
        check=True, capture_output=True, env={**os.environ, "PGOPTIONS": "-c search_path=seed"},
    )  # fmt: skip
    subprocess.run(
        [
            "mysql",
            "-h127.0.0.1",
            "-uroot",
            "-e",
            f"DROP DATABASE IF EXISTS {BENCH_DB}; CREATE DATABASE {BENCH_DB}",
        ],
        check=True,
    )
    subprocess.run(["mysql", "-h127.0.0.1", "-uroot", BENCH_DB], stdin=(SHOP / "schema.mysql.sql").open(), check=True)
    targets = {
        "sqlite": (f"sqlite:///{lite.name}", 15),
        "postgres": (f"{PG_BENCH}?search_path=seed", 20),
        "mysql": (MY_BENCH, 40),
    }
    rows = ["| dialect | rows | seconds | rows/s | goal |", "|---|---|---|---|---|"]
    config = SeedConfig.model_validate({"batch_size": 20_000})
    for dialect, (url, goal) in targets.items():
        dsn = parse_dsn(url, guard)
        t0 = time.perf_counter()
        result = await seed_database(dsn, config, rows=nrows, seed=1, truncate=True, tables=["customers"])
        secs = time.perf_counter() - t0
        line = f"| {dialect} | {result.total_rows:,} | {secs:.1f} | {result.total_rows / secs:,.0f} | < {goal} s {'✔' if secs < goal else '✘'} |"
        print(line, flush=True)
        rows.append(line)
    return rows


async def part_pgbench_seed(scale: int, root: Path, rounds: int = 3) -> list[str]:
    """Row rate of ``pgbench -i`` (pgbench_accounts) against seeding the same table shape, alternated rounds."""
    ensure_pg_bench_db()
    accounts = scale * 100_000
    pg_exec("DROP SCHEMA IF EXISTS seedpg CASCADE; CREATE SCHEMA seedpg", BENCH_DB)
    pg_exec(
        "CREATE TABLE seedpg.pgbench_accounts (aid integer NOT NULL PRIMARY KEY, bid integer, abalance integer, "
        "filler character(84))",
        BENCH_DB,
    )
    dsn = parse_dsn(f"{PG_BENCH}?search_path=seedpg", PathGuard([root]))
    config = SeedConfig.model_validate({"batch_size": 50_000})
    rows = [
        "| round | load before | pgbench -i -s " + str(scale) + " s (all four tables, vacuum, keys) | rows/s | "
        "seed_database pgbench_accounts shape s | rows/s | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    ratios = []

    def ours_once() -> Any:
        return seed_database(dsn, config, rows=accounts, seed=1, truncate=True)

    for k in range(rounds):
        load = _load()
        got: dict[str, float] = {}
        for who in ("pgbench", "ours") if k % 2 == 0 else ("ours", "pgbench"):
            t0 = time.perf_counter()
            if who == "pgbench":
                pgbench(["-i", "-q", "-s", str(scale)])
            else:
                result = await ours_once()
                assert result.total_rows == accounts, result.total_rows
            got[who] = time.perf_counter() - t0
        pg_rate, our_rate = accounts / got["pgbench"], accounts / got["ours"]
        ratios.append(our_rate / pg_rate)
        line = f"| {k + 1} | {load} | {got['pgbench']:.1f} | {pg_rate:,.0f} | {got['ours']:.1f} | {our_rate:,.0f} | {our_rate / pg_rate:.2f} |"
        print(line, flush=True)
        rows.append(line)
    summary = f"| median of {rounds} | {_load()} (after) | | | | | **{_median(ratios):.2f}** |"
    print(summary, flush=True)
    rows.append(summary)
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["rate", "pgbench", "seed", "pgbench_seed", "all"], default="all")
    parser.add_argument(
        "--duration", type=float, default=5.0, help="seconds per rate step (rate) / per client (pgbench)"
    )
    parser.add_argument("--pgbench-duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3, help="alternated rounds (pgbench and seeding comparisons)")
    parser.add_argument("--scale", type=int, default=10, help="pgbench scale (100,000 accounts each)")
    parser.add_argument("--pipeline", type=int, default=4, help="pipeline depth of the pipelined point-select pair")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for the seeding benchmark")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.part in ("rate", "all"):
            print("\n(a) rate accuracy, point selects, 4 connections, constant arrivals\n")
            await part_rate(args.duration, root)
        if args.part in ("pgbench", "all"):
            print("\n(b) full-speed point selects, PostgreSQL, 8 connections\n")
            await part_pgbench(args.pgbench_duration, args.scale, root, args.rounds, args.pipeline)
        if args.part in ("seed", "all"):
            print(
                f"\n(c) seeding {args.rows:,} rows into customers (6 columns: id, email, name, phone, city, created_at)\n"
            )
            await part_seed(args.rows, root)
        if args.part in ("pgbench_seed", "all"):
            print(f"\n(d) seeding pgbench_accounts ({args.scale * 100_000:,} rows) vs pgbench -i -s {args.scale}\n")
            await part_pgbench_seed(args.scale, root, args.rounds)


if __name__ == "__main__":
    from semgraph.workload.service import run_async

    run_async(main())

"""Workload benchmarks: rate accuracy, full-speed point selects vs pgbench, seeding speed.

Usage::

    python bench/workload.py                 # all parts
    python bench/workload.py --part rate --duration 5
    python bench/workload.py --part pgbench --duration 20
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    rows = [
        "| dialect | target TPS | achieved TPS | ratio | p50 ms | p99 ms | schedule lag p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for dialect, url in targets.items():
        dsn = parse_dsn(url, guard)
        await seed_database(dsn, rows=10_000, seed=1, truncate=True, tables=["customers"])
        for tps in (100, 500, 1000, 2000, 5000):
            spec = RunSpec(
                config=point_select_config("customers"),
                connections=4,
                target_tps=tps,
                duration_s=duration,
                warmup_s=1,
                seed=1,
            )
            r = await run_workload(dsn, spec)
            line = (
                f"| {dialect} | {tps} | {r.achieved_tps:.1f} | {r.tps_ratio:.4f} | {r.latency.p50_ms:.2f} | "
                f"{r.latency.p99_ms:.2f} | {r.schedule_lag.p99_ms:.2f} | {r.failed} |"
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


async def part_pgbench(duration: float, scale: int, root: Path) -> list[str]:
    ensure_pg_bench_db()
    print(f"pgbench -i -s {scale} (creating {scale * 100_000:,} accounts)…", flush=True)
    pgbench(["-i", "-q", "-s", str(scale)])
    cpu0 = _cpu(resource.RUSAGE_CHILDREN)
    out = pgbench(["-S", "-c", "8", "-j", "2", "-T", str(int(duration)), "-n"])
    pg_cpu = _cpu(resource.RUSAGE_CHILDREN) - cpu0
    m = re.search(r"tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)", out)
    pg_tps = float(m.group(1)) if m else float("nan")
    lat = re.search(r"latency average = ([\d.]+) ms", out)
    dsn = parse_dsn(PG_BENCH, PathGuard([root]))
    pg_tx = re.search(r"number of transactions actually processed: (\d+)", out)
    pg_us = 1e6 * pg_cpu / int(pg_tx.group(1)) if pg_tx else float("nan")
    rows = [
        "| client | connections | duration s | TPS | mean latency ms | p99 ms | ratio to pgbench | client CPU µs/tx |",
        "|---|---|---|---|---|---|---|---|",
        f"| pgbench -S -c 8 -j 2 | 8 | {duration:g} | {pg_tps:,.0f} | {lat.group(1) if lat else '?'} | - | 1.00 | {pg_us:.0f} |",
    ]
    for processes in (1, 2):
        spec = RunSpec(
            config=point_select_config("pgbench_accounts"),
            connections=8,
            duration_s=duration,
            seed=1,
            processes=processes,
        )
        cpu0 = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
        r = await run_workload(dsn, spec)
        us = 1e6 * (_cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu0) / max(1, r.completed)
        rows.append(
            f"| semgraph run_workload point_select, {processes} process{'es' if processes > 1 else ''} | 8 | {duration:g} | "
            f"{r.achieved_tps:,.0f} | {r.latency.mean_ms:.3f} | {r.latency.p99_ms:.3f} | {r.achieved_tps / pg_tps:.2f} | {us:.0f} |"
        )
        if r.failed:
            rows.append(f"(errors in the {processes}-process run: {r.failed})")
    for line in rows:
        print(line, flush=True)
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


async def part_pgbench_seed(scale: int, root: Path) -> list[str]:
    """Row rate of ``pgbench -i`` (pgbench_accounts) against seeding the same table shape, same run."""
    ensure_pg_bench_db()
    t0 = time.perf_counter()
    pgbench(["-i", "-q", "-s", str(scale)])
    pg_secs = time.perf_counter() - t0
    accounts = scale * 100_000
    pg_exec("DROP SCHEMA IF EXISTS seedpg CASCADE; CREATE SCHEMA seedpg", BENCH_DB)
    pg_exec(
        "CREATE TABLE seedpg.pgbench_accounts (aid integer NOT NULL PRIMARY KEY, bid integer, abalance integer, "
        "filler character(84))",
        BENCH_DB,
    )
    dsn = parse_dsn(f"{PG_BENCH}?search_path=seedpg", PathGuard([root]))
    config = SeedConfig.model_validate({"batch_size": 50_000})
    t0 = time.perf_counter()
    result = await seed_database(dsn, config, rows=accounts, seed=1, truncate=True)
    secs = time.perf_counter() - t0
    pg_rate, our_rate = accounts / pg_secs, result.total_rows / secs
    rows = [
        "| client | rows | seconds | rows/s | ratio to pgbench -i |",
        "|---|---|---|---|---|",
        f"| pgbench -i -s {scale} (all four tables, vacuum, keys) | {accounts:,} | {pg_secs:.1f} | {pg_rate:,.0f} | 1.00 |",
        f"| seed_database pgbench_accounts shape | {result.total_rows:,} | {secs:.1f} | {our_rate:,.0f} | {our_rate / pg_rate:.2f} |",
    ]
    for line in rows:
        print(line, flush=True)
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["rate", "pgbench", "seed", "pgbench_seed", "all"], default="all")
    parser.add_argument(
        "--duration", type=float, default=5.0, help="seconds per rate step (rate) / per client (pgbench)"
    )
    parser.add_argument("--pgbench-duration", type=float, default=20.0)
    parser.add_argument("--scale", type=int, default=10, help="pgbench scale (100,000 accounts each)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for the seeding benchmark")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.part in ("rate", "all"):
            print("\n(a) rate accuracy, point selects, 4 connections, constant arrivals\n")
            await part_rate(args.duration, root)
        if args.part in ("pgbench", "all"):
            print("\n(b) full-speed point selects, PostgreSQL, 8 connections\n")
            await part_pgbench(args.pgbench_duration, args.scale, root)
        if args.part in ("seed", "all"):
            print(
                f"\n(c) seeding {args.rows:,} rows into customers (6 columns: id, email, name, phone, city, created_at)\n"
            )
            await part_seed(args.rows, root)
        if args.part in ("pgbench_seed", "all"):
            print(f"\n(d) seeding pgbench_accounts ({args.scale * 100_000:,} rows) vs pgbench -i -s {args.scale}\n")
            await part_pgbench_seed(args.scale, root)


if __name__ == "__main__":
    from semgraph.workload.service import run_async

    run_async(main())

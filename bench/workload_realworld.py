"""Seeding and workloads on real application schemas (built from their own DDL at pinned commits).

Usage::

    python bench/workload_realworld.py                   # every schema in bench/labels/workload/
    python bench/workload_realworld.py --only sakila --rows 2000 --duration 5

For each schema: build it in a fresh database (``i16rw_<name>``, dropped and re-created), seed every
table with no config, check foreign-key integrity and constraints with SQL, run three patterns with
writes off and on (the write pattern twice with the same seed), and print tables seeded, rows, errors
by cause and the same-seed rerun result. Needs PostgreSQL at 127.0.0.1:5432 (postgres, trust),
MariaDB at 127.0.0.1:3306 (root) and the mirrors of the labelled repositories (``bench/realworld.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.realworld import Pinned, available, git_dir  # noqa: E402
from semgraph.errors import SemgraphError  # noqa: E402
from semgraph.paths import PathGuard  # noqa: E402
from semgraph.workload.connect import open_connection  # noqa: E402
from semgraph.workload.dsn import parse_dsn  # noqa: E402
from semgraph.workload.seeder import seed_database  # noqa: E402

LABELS = REPO / "bench" / "labels" / "workload"
PREFIX = "i16rw_"
GUARD = PathGuard([REPO])


def _run(cmd: list[str], stdin: bytes | None = None) -> None:
    proc = subprocess.run(cmd, input=stdin, capture_output=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd[:3])}…: {proc.stderr.decode()[-500:]}")


def build(label: dict[str, Any]) -> str:
    """Create the database from the repository's own DDL; return its DSN."""
    gd = git_dir(label["repo"])
    db = PREFIX + label["name"]
    # only the DDL files (git show: some mirrors lack large data files, so no whole-tree archive)
    sql = b"\n".join(
        subprocess.run(
            ["git", "--git-dir", str(gd), "show", f"{label['commit']}:{f}"], check=True, capture_output=True
        ).stdout
        for f in label["build"]["files"]
    )
    if label["dialect"] == "postgres":
        psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres"]
        _run([*psql, "-d", "test", "-c", f"DROP DATABASE IF EXISTS {db}", "-c", f"CREATE DATABASE {db}"])
        _run([*psql, "-d", db, "-v", "ON_ERROR_STOP=1"], stdin=sql)
        return f"postgresql://postgres@127.0.0.1:5432/{db}"
    text = sql.decode()
    # the sample names its own schema: load it into ours instead
    text = re.sub(r"^(DROP SCHEMA IF EXISTS|CREATE SCHEMA|USE) \w+;", "", text, flags=re.MULTILINE)
    text = text.replace("sakila.", "")
    my = ["mysql", "-h", "127.0.0.1", "-uroot"]
    _run([*my, "-e", f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db}"])
    _run([*my, db], stdin=text.encode())
    return f"mysql://root@127.0.0.1:3306/{db}"


async def integrity(dsn: str) -> dict[str, Any]:
    """Orphans per foreign key and rows per table, counted with SQL."""
    from semgraph.workload.metadata import load_schema

    conn = await open_connection(parse_dsn(dsn, GUARD), statement_timeout_s=120)
    try:
        schema = await load_schema(conn)
        q = conn.dialect.quote
        orphans: dict[str, int] = {}
        rows: dict[str, int] = {}
        for t in schema.tables:
            rows[t.name] = int((await conn.fetch(f"SELECT COUNT(*) FROM {q(t.name)}"))[0][0])
            for fk in t.foreign_keys:
                on = " AND ".join(f"p.{q(r)} = c.{q(c)}" for c, r in zip(fk.columns, fk.ref_columns, strict=True))
                notnull = " AND ".join(f"c.{q(c)} IS NOT NULL" for c in fk.columns)
                sql = (
                    f"SELECT COUNT(*) FROM {q(t.name)} c WHERE {notnull} "
                    f"AND NOT EXISTS (SELECT 1 FROM {q(fk.ref_table)} p WHERE {on})"
                )
                n = int((await conn.fetch(sql))[0][0])
                if n:
                    orphans[f"{t.name}.{fk.name}"] = n
        return {"rows": rows, "orphans": orphans}
    finally:
        await conn.close()


async def seed_one(dsn: str, rows: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        result = await seed_database(parse_dsn(dsn, GUARD), rows=rows, seed=1, incremental=True)
        outcome: dict[str, Any] = {
            "ok": True,
            "problems": [p.model_dump(exclude_none=True) for p in result.problems],
            "notes": {t.table: t.notes for t in result.tables if t.notes},
            "cycles": result.cycles_broken,
            "trigger_rows": {t.table: t.rows_added_by_triggers for t in result.tables if t.rows_added_by_triggers},
            "rows_per_second": result.rows_per_second,
        }
    except SemgraphError as exc:
        outcome = {"ok": False, "error": str(exc)[:400]}
    except Exception as exc:  # an internal error is a finding too: record it, go on with the next schema
        outcome = {"ok": False, "error": f"internal {type(exc).__name__}: {str(exc)[:300]}"}
    outcome["seconds"] = round(time.perf_counter() - t0, 2)
    return outcome


READ_PATTERNS = ("olap", "reporting")  # the read-only built-in patterns
WRITE_PATTERNS = ("oltp", "ecommerce", "write_heavy")


async def run_one(dsn: str, pattern: str, writes: bool, seconds: float, tps: float, seed: int = 7) -> dict[str, Any]:
    """One pattern at a fixed rate; failed operations grouped by cause (with one sample message each)."""
    from semgraph.workload.runner import RunSpec, run_workload

    spec = RunSpec(pattern=pattern, allow_writes=writes, duration_s=seconds, target_tps=tps, connections=4, seed=seed)
    try:
        r = await run_workload(parse_dsn(dsn, GUARD), spec)
    except SemgraphError as exc:
        return {"pattern": pattern, "writes": writes, "error": str(exc)[:300]}
    total = r.completed + r.failed
    return {
        "pattern": pattern,
        "writes": writes,
        "completed": r.completed,
        "failed": r.failed,
        "failed_pct": round(100 * r.failed / total, 3) if total else 0.0,
        "operations": len(r.operations),
        "errors": {
            e.error_class: {"count": e.count, "ops": e.operations[:4], "sample": e.sample[:160]} for e in r.errors
        },
    }


async def workloads(dsn: str, seconds: float, tps: float) -> list[dict[str, Any]]:
    out = []
    for pattern in READ_PATTERNS:
        out.append(await run_one(dsn, pattern, False, seconds, tps))
    for pattern in WRITE_PATTERNS:
        out.append(await run_one(dsn, pattern, True, seconds, tps))
    # the same write workload again with the same seed: it must succeed as well (keys unique per run)
    again = await run_one(dsn, WRITE_PATTERNS[-1], True, seconds, tps)
    again["pattern"] += " (same seed, second run)"
    out.append(again)
    return out


async def bench_schema(label: dict[str, Any], rows: int, seconds: float = 0, tps: float = 200) -> dict[str, Any]:
    dsn = build(label)
    before = await integrity(dsn)
    seeded = await seed_one(dsn, rows)
    after = await integrity(dsn)
    grew = [t for t, n in after["rows"].items() if n > before["rows"].get(t, 0)]
    return {
        "name": label["name"],
        "repo": f"{label['repo']}@{label['commit']}",
        "tables": len(after["rows"]),
        "tables_seeded": len(grew),
        "rows": sum(after["rows"].values()),
        "orphans": after["orphans"],
        "seed": seeded,
        "workloads": await workloads(dsn, seconds, tps) if seconds else [],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", help="schema name (repeatable)")
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per workload run (0: seeding only)")
    ap.add_argument("--tps", type=float, default=200.0)
    args = ap.parse_args()
    out = []
    for path in sorted(LABELS.glob("*.json")):
        label = json.loads(path.read_text())
        if args.only and label["name"] not in args.only:
            continue
        if not available(Pinned(label["repo"], label["commit"])):
            print(f"skip {label['name']}: no mirror of {label['repo']}")
            continue
        res = asyncio.run(bench_schema(label, args.rows, args.duration, args.tps))
        out.append(res)
        print(
            f"{res['name']:<10} {res['tables_seeded']}/{res['tables']} tables seeded, {res['rows']} rows, "
            f"orphans {sum(res['orphans'].values())}, seed ok={res['seed']['ok']} {res['seed'].get('error', '')}"
        )
        for p in res["seed"].get("problems", []):
            print(
                f"    {p['status']} {p['table']}: {p['reason'][:200]} column={p.get('column')} constraint={p.get('constraint')} value={p.get('value')}"
            )
        for w in res["workloads"]:
            if "error" in w:
                print(f"    {w['pattern']:<36} refused: {w['error']}")
                continue
            causes = ", ".join(f"{k}={v['count']}" for k, v in w["errors"].items()) or "-"
            print(f"    {w['pattern']:<36} writes={w['writes']!s:<5} ok={w['completed']:<6} failed={w['failed']:<4} ({w['failed_pct']}%) ops={w['operations']} errors: {causes}")  # fmt: skip
            for k, v in w["errors"].items():
                print(f"        {k}: {v['ops']} {v['sample']}")
        if args.verbose:
            print(
                json.dumps({k: res["seed"].get(k) for k in ("notes", "cycles", "trigger_rows")}, indent=1, default=str)
            )
    if args.json:
        print(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()

"""The `dag` toolset measured against the orchestrator it follows: tasker-systems/tasker-core.

Labels: ``bench/labels/dag/tasker-core.json`` (written by reading the orchestrator's code, committed
before this bench first ran). What it measures:

1. templates: every task template of the repository through ``analyze_step_dag`` (accepted or refused;
   batch worker templates, deferred convergence steps and decision branches must not be reported ready
   on a fresh task);
2. readiness: each labelled case is built as real rows in PostgreSQL (the orchestrator's migrations
   applied to a database of this bench's own) and ``get_step_readiness_status`` is compared with the
   label and with semgraph's readiness (``ready_for_execution`` and ``next_retry_at``, to the microsecond);
3. primary-path backoff: semgraph's predicted delay range (base x multiplier^attempts, capped, +-jitter)
   against the label, and a simulated BackoffCalculator write read back through the SQL function;
4. transitions: ``check_transitions`` against the orchestrator's ``can_transition`` unit tests, and the
   step machine's terminal states;
5. extraction: ``extract_state_machines`` over the whole repository against the transitions written
   in ``determine_target_state`` / ``can_transition``.

PostgreSQL 15 has neither ``uuidv7()`` nor the ``pg_uuidv7`` extension: the bench defines
``public.uuidv7()`` as ``gen_random_uuid()`` before the migrations (the readiness functions never
look at uuid ordering). The pgmq migrations are not applied (pgmq is not installed; readiness does
not use it).

    python -m bench.dag_realworld [--db i17_tasker_bench] [--no-extract] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a file (python bench/x.py), not only as a module
    sys.path.insert(0, str(REPO))

from bench.realworld import Pinned, checkout  # noqa: E402
from semgraph.dag.analyze import analyze_step_dag  # noqa: E402
from semgraph.dag.state_machines import check_transitions, machine  # noqa: E402
from semgraph.errors import SemgraphError  # noqa: E402

LABELS = Path(__file__).parent / "labels" / "dag" / "tasker-core.json"
MIGRATIONS = [
    "migrations/20260110000001_schema_and_tables.sql",
    "migrations/20260110000002_constraints_and_indexes.sql",
    "migrations/20260110000003_sql_functions.sql",
]
DYNAMIC_TYPES = {"batch_worker", "deferred_convergence"}


def _doc_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    steps = doc.get("steps") or doc.get("step_templates") or []
    return [s for s in steps if isinstance(s, dict)]


def never_ready_on_fresh_task(doc: dict[str, Any]) -> set[str]:
    """Steps the orchestrator does not create at task initialisation (read from ``initial_step_set``)."""
    steps = _doc_steps(doc)
    types = {s.get("name"): s.get("type", s.get("step_type", "standard")) for s in steps}
    deps = {s.get("name"): list(s.get("dependencies") or s.get("depends_on") or []) for s in steps}
    decisions = {n for n, t in types.items() if t == "decision"}
    out = {n for n, t in types.items() if t in DYNAMIC_TYPES}
    memo: dict[str, bool] = {}

    def below_decision(n: str, seen: frozenset[str] = frozenset()) -> bool:
        if n in memo:
            return memo[n]
        r = any(d in decisions or (d not in seen and below_decision(d, seen | {n})) for d in deps.get(n, []))
        memo[n] = r
        return r

    out |= {n for n in types if below_decision(n)}
    return out


def bench_templates(root: Path, labels: dict[str, Any]) -> dict[str, Any]:
    import yaml

    ok, refused, dynamic_wrong = [], [], []
    dynamic = 0
    t0 = time.perf_counter()
    for rel in labels["templates"]["files"]:
        text = (root / rel).read_text()
        try:
            analyze_step_dag(text)
        except SemgraphError as exc:
            refused.append({"file": rel, "error": str(exc)[:300]})
            continue
        ok.append(rel)
        doc = yaml.safe_load(text)
        never = never_ready_on_fresh_task(doc)
        if not never:
            continue
        dynamic += 1
        # every step the orchestrator creates at initialisation has completed, no instance or branch exists yet
        done = {s.get("name"): "complete" for s in _doc_steps(doc) if s.get("name") not in never}
        try:
            b = analyze_step_dag(text, done)
        except SemgraphError as exc:
            dynamic_wrong.append({"file": rel, "error": str(exc)[:200]})
            continue
        ready = {r.name for r in (b.readiness or []) if r.ready_for_execution}
        wrong = sorted(ready & never)
        if wrong:
            dynamic_wrong.append({"file": rel, "reported_ready": wrong})
    return {
        "total": len(labels["templates"]["files"]),
        "analysed": len(ok),
        "refused": refused,
        "templates_with_dynamic_steps": dynamic,
        "dynamic_steps_reported_ready": dynamic_wrong,
        "seconds": round(time.perf_counter() - t0, 2),
    }


# --- PostgreSQL --------------------------------------------------------------------------------------


async def _connect(db: str):
    import asyncpg

    return await asyncpg.connect(host="127.0.0.1", user="postgres", database=db)


async def prepare_database(root: Path, db: str) -> None:
    admin = await _connect("postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}"')
        await admin.execute(f'CREATE DATABASE "{db}"')
    finally:
        await admin.close()
    conn = await _connect(db)
    try:
        await conn.execute(
            "CREATE SCHEMA tasker; CREATE FUNCTION public.uuidv7() RETURNS uuid "
            "AS 'SELECT gen_random_uuid()' LANGUAGE sql VOLATILE"
        )
        for rel in MIGRATIONS:
            await conn.execute((root / rel).read_text())
    finally:
        await conn.close()


async def drop_database(db: str) -> None:
    admin = await _connect("postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}"')
    finally:
        await admin.close()


async def build_case(conn, case: dict[str, Any], now: datetime) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Rows for one case (parents + the step ``s``); returns (task uuid, template, states) for semgraph."""
    cid = case["id"]
    ns = await conn.fetchval(
        "INSERT INTO tasker.task_namespaces (name, created_at, updated_at) VALUES ($1, now(), now()) "
        "RETURNING task_namespace_uuid",
        f"ns_{cid}",
    )
    nt = await conn.fetchval(
        "INSERT INTO tasker.named_tasks (task_namespace_uuid, name, version, created_at, updated_at) "
        "VALUES ($1, $2, '1.0.0', now(), now()) RETURNING named_task_uuid",
        ns,
        f"t_{cid}",
    )
    task = await conn.fetchval(
        "INSERT INTO tasker.tasks (named_task_uuid, requested_at, identity_hash, created_at, updated_at, "
        "correlation_id) VALUES ($1, now(), $2, now(), now(), gen_random_uuid()) RETURNING task_uuid",
        nt,
        f"h_{cid}",
    )

    async def step(name: str, s: dict[str, Any]) -> Any:
        nsu = await conn.fetchval(
            "INSERT INTO tasker.named_steps (name, created_at, updated_at) VALUES ($1, now(), now()) "
            "RETURNING named_step_uuid",
            f"{cid}_{name}",
        )
        at = lambda off: None if off is None else now + timedelta(seconds=off)  # noqa: E731
        ws = await conn.fetchval(
            "INSERT INTO tasker.workflow_steps (task_uuid, named_step_uuid, retryable, max_attempts, in_process, "
            "processed, attempts, last_attempted_at, backoff_request_seconds, created_at, updated_at) "
            "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9, now(), now()) RETURNING workflow_step_uuid",
            task,
            nsu,
            s.get("retryable", True),
            s.get("max_attempts", 3),
            s.get("in_process", False),
            s.get("processed", False),
            s.get("attempts", 0),
            at(s.get("last_attempted_at_s")),
            s.get("backoff_request_seconds"),
        )
        history = [(off, "error") for off in s.get("error_at_s", [])]
        state = s.get("state", "pending")
        if state != "error" and (state != "pending" or history):
            last = max((off for off, _ in history), default=-2000.0)
            history.append((min(last + 0.25, 0.0), state))
        for i, (off, to) in enumerate(history):
            await conn.execute(
                "INSERT INTO tasker.workflow_step_transitions (workflow_step_uuid, to_state, sort_key, most_recent, "
                "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
                ws,
                to,
                i + 1,
                i == len(history) - 1,
                now + timedelta(seconds=off),
            )
        return ws

    parents = []
    for i, pstate in enumerate(case["parents"]):
        parents.append(await step(f"p{i}", {"state": pstate, "attempts": 1 if pstate != "pending" else 0}))
    target = await step("s", case["step"])
    for p in parents:
        await conn.execute(
            "INSERT INTO tasker.workflow_step_edges (from_step_uuid, to_step_uuid, name, created_at, updated_at) "
            "VALUES ($1, $2, 'provides', now(), now())",
            p,
            target,
        )
    s = case["step"]
    names = [f"p{i}" for i in range(len(parents))]
    target_def: dict[str, Any] = {"name": "s", "dependencies": names}
    if case.get("template_retry") is not None:
        target_def["retry"] = case["template_retry"]
    template = {"name": f"t_{cid}", "steps": [{"name": n} for n in names] + [target_def]}
    states: dict[str, Any] = {n: {"state": st} for n, st in zip(names, case["parents"], strict=True)}
    for n, st in zip(names, case["parents"], strict=True):
        states[n]["attempts"] = 1 if st != "pending" else 0
    errs = s.get("error_at_s") or []
    states["s"] = {
        "state": s.get("state", "pending"),
        "attempts": s.get("attempts", 0),
        "max_attempts": s.get("max_attempts", 3),
        "retryable": s.get("retryable", True),
        "processed": s.get("processed", False),
        "in_process": s.get("in_process", False),
        "last_attempted_at": None
        if s.get("last_attempted_at_s") is None
        else (now + timedelta(seconds=s["last_attempted_at_s"])).isoformat(),
        "last_failure_at": (now + timedelta(seconds=max(errs))).isoformat() if errs else None,
        "backoff_request_seconds": s.get("backoff_request_seconds"),
    }
    return task, template, states


def _off(value: datetime | None, now: datetime) -> float | None:
    return None if value is None else round((value - now).total_seconds(), 6)


async def bench_readiness(db: str, labels: dict[str, Any]) -> dict[str, Any]:
    conn = await _connect(db)
    rows_out = []
    try:
        await conn.execute("SET TIME ZONE 'UTC'; SET search_path TO tasker, public")
        for case in labels["readiness_cases"]["cases"]:
            tr = conn.transaction()
            await tr.start()
            try:
                now = await conn.fetchval("SELECT now()::timestamp")
                task, template, states = await build_case(conn, case, now)
                sql = await conn.fetch(
                    "SELECT name, ready_for_execution, next_retry_at, retry_eligible, dependencies_satisfied "
                    "FROM tasker.get_step_readiness_status($1)",
                    task,
                )
            finally:
                await tr.rollback()
            srow = next(r for r in sql if r["name"].endswith("_s"))
            exp = case["expected"]
            label_ok = srow["ready_for_execution"] == exp["ready_for_execution"] and _off(
                srow["next_retry_at"], now
            ) == (None if exp["next_retry_at_s"] is None else float(exp["next_retry_at_s"]))
            try:
                a = analyze_step_dag(template, states, now)
                mine = next(r for r in a.readiness or [] if r.name == "s")
                tool = {"ready": mine.ready_for_execution, "next_retry_at_s": _off(mine.next_retry_at, now)}
            except SemgraphError as exc:
                tool = {"error": str(exc)[:200]}
            sql_view = {"ready": srow["ready_for_execution"], "next_retry_at_s": _off(srow["next_retry_at"], now)}
            rows_out.append({"id": case["id"], "label_matches_sql": label_ok, "sql": sql_view, "semgraph": tool})
    finally:
        await conn.close()
    agree = [r for r in rows_out if r["semgraph"] == r["sql"]]
    flips = [r for r in rows_out if "ready" in r["semgraph"] and r["semgraph"]["ready"] != r["sql"]["ready"]]
    return {
        "cases": len(rows_out),
        "labels_agree_with_sql": sum(r["label_matches_sql"] for r in rows_out),
        "semgraph_agrees_with_sql": len(agree),
        "ready_flips": [r["id"] for r in flips],
        "disagreements": [r for r in rows_out if r["semgraph"] != r["sql"]],
        "label_mismatches": [r["id"] for r in rows_out if not r["label_matches_sql"]],
    }


def simulate_primary_delay(attempts: int, cfg: dict[str, Any], rng: random.Random) -> int:
    """What ``BackoffCalculator::apply_exponential_backoff`` writes (a simulator for the bench only)."""
    d = int(min(cfg["base_delay_seconds"] * cfg["multiplier"] ** attempts, cfg["max_delay_seconds"]))
    jr = int(d * cfg["jitter_max_percentage"])
    if jr == 0:
        return d
    j = rng.randint(0, jr)
    return d + j if rng.random() < 0.5 else max(d - j, 0)


async def bench_primary(db: str, labels: dict[str, Any]) -> dict[str, Any]:
    try:
        from semgraph.dag.backoff import BackoffConfig, primary_delay_range  # type: ignore[attr-defined]
    except ImportError:
        return {"cases": len(labels["primary_path_cases"]), "agree": 0, "note": "no primary-path model in semgraph"}
    conn = await _connect(db)
    rng = random.Random(17)
    results = []
    try:
        await conn.execute("SET TIME ZONE 'UTC'; SET search_path TO tasker, public")
        for case in labels["primary_path_cases"]:
            cfg = case["config"]
            bc = BackoffConfig(
                default_backoff_seconds=[cfg["base_delay_seconds"]],
                max_backoff_seconds=cfg["max_delay_seconds"],
                backoff_multiplier=cfg["multiplier"],
                jitter_enabled=True,
                jitter_max_percentage=cfg["jitter_max_percentage"],
            )
            lo, hi = primary_delay_range(case["attempts"], bc)
            range_ok = [lo, hi] == case["expected_delay_range_s"]
            inside = 0
            for _ in range(5):
                delay = simulate_primary_delay(case["attempts"], cfg, rng)
                sim = {
                    "id": case["id"],
                    "parents": [],
                    "step": {
                        "state": "waiting_for_retry",
                        "attempts": case["attempts"],
                        "max_attempts": 100,
                        "last_attempted_at_s": -1,
                        "backoff_request_seconds": delay,
                        "error_at_s": [-1.5],
                    },
                }
                tr = conn.transaction()
                await tr.start()
                try:
                    now = await conn.fetchval("SELECT now()::timestamp")
                    task, _, _ = await build_case(conn, sim, now)
                    nra = await conn.fetchval(
                        "SELECT next_retry_at FROM tasker.get_step_readiness_status($1) WHERE name LIKE '%\\_s'", task
                    )
                finally:
                    await tr.rollback()
                last = now + timedelta(seconds=-1)
                inside += last + timedelta(seconds=lo) <= nra <= last + timedelta(seconds=hi)
            results.append({"id": case["id"], "range": [lo, hi], "range_matches_label": range_ok, "sql_inside": inside})
    finally:
        await conn.close()
    return {
        "cases": len(results),
        "agree": sum(r["range_matches_label"] and r["sql_inside"] == 5 for r in results),
        "rows": results,
    }


def bench_guards(labels: dict[str, Any]) -> dict[str, Any]:
    wrong = []
    for t in labels["guard_tests"]:
        res = check_transitions(t["machine"], [{"from_state": t["from"], "to_state": t["to"], "event": t["event"]}])
        if res.valid != t["orchestrator_accepts"]:
            wrong.append(t["test"])
    step = machine("step")
    exp = labels["step_machine"]
    err_exits = {(t.event, t.target) for t in step.transitions if t.source == "error"}
    step_ok = sorted(step.terminal) == sorted(exp["terminal"]) and all(
        (e, tgt) in err_exits for e, tgt in exp["error_exits"].items()
    )
    return {
        "tests": len(labels["guard_tests"]),
        "agree": len(labels["guard_tests"]) - len(wrong),
        "wrong": wrong,
        "step_terminal_states_match": step_ok,
    }


def bench_extract(root: Path, labels: dict[str, Any]) -> dict[str, Any]:
    from semgraph.dag.extract import extract_state_machines
    from semgraph.paths import PathGuard

    t0 = time.perf_counter()
    ex = extract_state_machines(root, PathGuard([root]))
    truth = labels["extraction"]
    snake = lambda s: "".join("_" + c.lower() if c.isupper() else c for c in s).lstrip("_")  # noqa: E731
    out: dict[str, Any] = {"seconds": round(time.perf_counter() - t0, 1), "files": ex.files_scanned}
    for kind, enum in (("task", truth["task_machine_enum"]), ("step", truth["step_machine_enum"])):
        want = {tuple(x) for x in truth[f"{kind}_transitions"]}
        found: dict[tuple[str, str], list[str]] = {}
        for m in ex.machines:
            if m.name != enum:
                continue
            for t in m.transitions:
                found.setdefault((snake(t.source), snake(t.target)), []).extend(t.locations)
        bypasses = [b for b in getattr(ex, "bypasses", []) if getattr(b, "machine", None) == enum]
        prod = [b for b in bypasses if not getattr(b, "in_test", False)]
        false = {k: v[:3] for k, v in found.items() if k not in want}
        out[kind] = {
            "truth": len(want),
            "found": len(set(found) & want),
            "false": len(false),
            "false_examples": [f"{a}->{b} at {', '.join(v)}" for (a, b), v in list(false.items())[:20]],
            "missing": sorted(f"{a}->{b}" for a, b in want - set(found)),
            "bypasses": len(bypasses),
            "bypasses_outside_tests": len(prod),
            "bypass_examples": sorted({f"{b.location} {b.function} via {b.via}" for b in prod})[:12],
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="i17_tasker_bench", help="PostgreSQL database this bench creates and drops")
    ap.add_argument("--no-extract", action="store_true")
    ap.add_argument("--keep-db", action="store_true")
    args = ap.parse_args(argv)
    labels = json.loads(LABELS.read_text())
    root = checkout(Pinned(labels["repo"], labels["commit"]))
    report: dict[str, Any] = {"repo": f"{labels['repo']}@{labels['commit']}"}
    report["templates"] = bench_templates(root, labels)
    asyncio.run(prepare_database(root, args.db))
    try:
        report["readiness"] = asyncio.run(bench_readiness(args.db, labels))
        report["primary_backoff"] = asyncio.run(bench_primary(args.db, labels))
    finally:
        if not args.keep_db:
            asyncio.run(drop_database(args.db))
    report["guards"] = bench_guards(labels)
    if not args.no_extract:
        report["extraction"] = bench_extract(root, labels)
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

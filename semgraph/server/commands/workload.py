"""CLI commands of the `workload` toolset: ``semgraph seed`` and ``semgraph workload run|patterns|show|compare``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from typing import Any

from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from semgraph.server.cli import resolve_arg_path
from semgraph.workload import service
from semgraph.workload.patterns import PATTERNS
from semgraph.workload.runner import RunResult
from semgraph.workload.runs import Comparison, RunStore, compare_runs


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """``seed`` and ``workload {run,patterns,show,compare}``."""
    seed = sub.add_parser("seed", parents=[parent], help="fill a database with deterministic data (writes!)")
    seed.add_argument("dsn", nargs="?", help="database URL (default: the embedded SQLite shop in the index dir)")
    seed.add_argument("--config", help="seed config (TOML/YAML)")
    seed.add_argument("--rows", type=int, help="rows per table")
    seed.add_argument("--size", choices=["small", "medium", "large"])
    seed.add_argument("--seed", type=int)
    seed.add_argument("--table", action="append", dest="tables", help="only this table (repeatable)")
    seed.add_argument("--truncate", action="store_true")
    seed.add_argument("--incremental", action="store_true")
    seed.add_argument("--yes", dest="allow_writes", action="store_true", help="confirm writing (required)")
    seed.set_defaults(run=_seed)

    wl = sub.add_parser("workload", parents=[parent], help="run and compare database workloads")
    wsub = wl.add_subparsers(dest="workload_command", metavar="SUBCOMMAND")
    run = wsub.add_parser("run", parents=[parent], help="drive a database with a workload, live stats")
    run.add_argument("dsn", nargs="?", help="database URL (default: the embedded SQLite shop)")
    run.add_argument("--pattern", choices=sorted(PATTERNS))
    run.add_argument("--config", help="workload config (TOML/YAML)")
    run.add_argument("--seed-config", help="seed config (TOML/YAML): inserts use its column generators")
    run.add_argument("-c", "--connections", type=int)
    run.add_argument("--tps", dest="target_tps", type=float, help="target rate (open loop); omit for full speed")
    run.add_argument("--arrival", choices=["constant", "poisson"])
    run.add_argument("-T", "--duration", dest="duration_s", type=float)
    run.add_argument("-t", "--transactions", type=int)
    run.add_argument("--warmup", dest="warmup_s", type=float)
    run.add_argument("--seed", type=int)
    run.add_argument("--latency-limit", dest="latency_limit_ms", type=float, help="ms")
    run.add_argument("--statement-timeout", dest="statement_timeout_s", type=float, help="seconds")
    run.add_argument("--table", action="append", dest="tables")
    run.add_argument("-j", "--processes", type=int, help="client processes sharing the connections (full speed)")
    run.add_argument("--pipeline", type=int, help="full speed: reads sent together per connection (PostgreSQL)")
    run.add_argument("--allow-writes", action="store_true")
    run.set_defaults(run=_run)
    pats = wsub.add_parser("patterns", parents=[parent], help="list the built-in patterns")
    pats.set_defaults(run=_patterns)
    show = wsub.add_parser("show", parents=[parent], help="show a stored run (or list runs without ID)")
    show.add_argument("run_id", nargs="?", type=int)
    show.set_defaults(run=_show)
    cmp_ = wsub.add_parser("compare", parents=[parent], help="compare two stored runs")
    cmp_.add_argument("a", type=int)
    cmp_.add_argument("b", type=int)
    cmp_.set_defaults(run=_compare)
    wl.set_defaults(run=lambda args, cli: (wl.print_help(), 2)[1])


def _config_path(cli: Any, value: str | None) -> str | None:
    """Config paths on the command line are relative to the working directory (and must be inside a root)."""
    return str(resolve_arg_path(cli, value, kind="file")) if value else None


def _dump(cli: Any, model: Any) -> None:
    cli.out.print_json(json.dumps(model.model_dump(mode="json")))


def _seed(args: argparse.Namespace, cli: Any) -> int:
    options = {k: getattr(args, k) for k in ("rows", "size", "seed", "tables", "truncate", "incremental")}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=cli.err
    ) as bar:
        task = bar.add_task("seeding", total=None)

        def report(done: float, total: float | None = None, message: str | None = None) -> None:
            bar.update(task, completed=done, total=total, description=message or "seeding")

        result = service.run_async(
            service.seed(
                cli.settings, cli.guard, dsn=args.dsn, config=_config_path(cli, args.config), allow_writes=args.allow_writes,
                progress=report, **options,
            )
        )  # fmt: skip
    if args.json:
        _dump(cli, result)
        return 0
    table = Table(title=f"seeded {result.dsn} (seed {result.seed})")
    for col in ("table", "rows", "seconds", "rows/s"):
        table.add_column(col, justify="right" if col != "table" else "left")
    for t in result.tables:
        table.add_row(t.table, str(t.rows_written), f"{t.seconds:.2f}", f"{t.rows_per_second:,.0f}")
    cli.out.print(table)
    cli.out.print(f"{result.total_rows:,} rows in {result.seconds:.2f} s ({result.rows_per_second:,.0f} rows/s)")
    return 0


def _run(args: argparse.Namespace, cli: Any) -> int:
    options = {
        k: getattr(args, k)
        for k in (
            "connections", "target_tps", "arrival", "duration_s", "transactions", "warmup_s", "seed",
            "latency_limit_ms", "statement_timeout_s", "tables", "processes", "pipeline",
        )
    }  # fmt: skip
    dsn, spec = service.prepare_run(
        cli.settings, cli.guard, dsn=args.dsn, pattern=args.pattern, config=_config_path(cli, args.config), config_data=None,
        seed_config=_config_path(cli, args.seed_config), allow_writes=args.allow_writes, **options,
    )  # fmt: skip
    status = {"line": "starting…"}

    def render() -> Table:
        t = Table.grid(padding=(0, 2))
        t.add_row("[bold]workload[/bold]", f"{spec.pattern or 'config'} on {dsn.redacted}")
        t.add_row("[bold]live[/bold]", status["line"])
        return t

    async def main() -> RunResult:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal.SIGINT, stop.set)  # Ctrl-C: stop, keep partial results
        with Live(render(), console=cli.err, refresh_per_second=4) as live:

            def report(done: float, total: float | None = None, message: str | None = None) -> None:
                status["line"] = message or ""
                live.update(render())

            return await service.run_and_store(cli.settings, dsn, spec, progress=report, stop=stop)

    result = service.run_async(main())
    if args.json:
        _dump(cli, result)
    else:
        print_run(cli, result)
    return 0


def print_run(cli: Any, r: RunResult) -> None:
    head = "cancelled — partial results" if r.cancelled else "done"
    target = f" / target {r.target_tps:g} ({r.tps_ratio:.1%})" if r.target_tps and r.tps_ratio is not None else ""
    cli.out.print(f"[bold]run {r.run_id}[/bold] {r.workload} on {r.dsn}: {head}")
    cli.out.print(
        f"TPS {r.achieved_tps:,.1f}{target} · {r.completed:,} ok · {r.failed:,} failed · success {r.success_rate:.2%}"
        f" · {r.elapsed_s:.1f} s · {r.connections} connections"
    )
    lat = Table(title="latency (ms, from intended start)")
    for col in ("operation", "count", "mean", "p50", "p95", "p99", "p99.9", "max", "errors"):
        lat.add_column(col, justify="left" if col == "operation" else "right")

    def row(name: str, count: int, s: Any, errors: int) -> None:
        lat.add_row(
            name, f"{count:,}", *(f"{v:.2f}" for v in (s.mean_ms, s.p50_ms, s.p95_ms, s.p99_ms, s.p999_ms, s.max_ms)),
            str(errors),
        )  # fmt: skip

    row("ALL", r.latency.count, r.latency, r.failed)
    for op in r.operations[:25]:
        row(op.name, op.count, op.latency, op.errors)
    cli.out.print(lat)
    for e in r.errors:
        cli.out.print(f"[red]{e.error_class}[/red] × {e.count} ({', '.join(e.operations)}): {e.sample}")


def _patterns(args: argparse.Namespace, cli: Any) -> int:
    if args.json:
        cli.out.print_json(json.dumps({n: p.model_dump() for n, p in PATTERNS.items()}))
        return 0
    table = Table(title="workload patterns")
    for col in ("name", "reads", "mix", "description"):
        table.add_column(col)
    for p in PATTERNS.values():
        total = sum(p.mix.values())
        mix = ", ".join(f"{k} {100 * w / total:.0f}%" for k, w in p.mix.items())
        table.add_row(p.name, f"{100 * p.read_share:.0f}%", mix, p.description)
    cli.out.print(table)
    return 0


def _show(args: argparse.Namespace, cli: Any) -> int:
    store = RunStore(service.run_store_path(cli.settings))
    if args.run_id is None:
        runs, total = store.list(50)
        if args.json:
            cli.out.print_json(json.dumps([r.model_dump() for r in runs]))
            return 0
        table = Table(title=f"workload runs ({total})")
        for col in ("id", "started", "workload", "dsn", "TPS", "p99 ms", "cancelled"):
            table.add_column(col)
        for r in runs:
            table.add_row(str(r.run_id), r.started_at, r.workload, r.dsn, f"{r.achieved_tps:,.1f}", f"{r.p99_ms:.2f}", str(r.cancelled))  # fmt: skip
        cli.out.print(table)
        return 0
    result = store.get(args.run_id)
    if args.json:
        _dump(cli, result)
    else:
        print_run(cli, result)
    return 0


def _compare(args: argparse.Namespace, cli: Any) -> int:
    store = RunStore(service.run_store_path(cli.settings))
    comparison: Comparison = compare_runs(store.get(args.a), store.get(args.b))
    if args.json:
        _dump(cli, comparison)
        return 0
    cli.out.print(comparison.summary)
    table = Table(title=f"run {args.a} (a) vs run {args.b} (b)")
    for col in ("metric", "a", "b", "delta", "ratio", "better"):
        table.add_column(col)
    for m in comparison.metrics:
        table.add_row(m.metric, f"{m.a:g}", f"{m.b:g}", f"{m.delta:+g}", "-" if m.ratio is None else f"{m.ratio:.3f}", m.better)  # fmt: skip
    cli.out.print(table)
    return 0

"""CLI commands of the `dag` toolset: ``dag check``, ``dag states``, ``dag transitions``, ``dag runs``.

``check`` and ``transitions`` exit 1 when they find errors (so they can gate a CI job), 0 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
from typing import TYPE_CHECKING, Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from semgraph.dag.analytics import analyse_runs, parse_runs
from semgraph.dag.analyze import analyze_step_dag
from semgraph.dag.backoff import load_backoff_config
from semgraph.dag.extract import extract_state_machines
from semgraph.dag.state_machines import check_transitions, legal_next, machine, operator_overrides
from semgraph.dag.template import load_document, parse_template
from semgraph.errors import InvalidInputError
from semgraph.gcpause import gc_paused

if TYPE_CHECKING:
    from semgraph.dag.analyze import DagAnalysis
    from semgraph.server.cli import Cli


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """``dag check TEMPLATE [--states S] [--now T]``, ``dag states PATH``, ``dag transitions``, ``dag runs``."""
    dag = sub.add_parser("dag", help="step DAG templates and state machines")
    dag_sub = dag.add_subparsers(dest="dag_command", metavar="COMMAND")

    check = dag_sub.add_parser(
        "check", parents=[parent], help="validate a task template and show structure and readiness"
    )
    check.add_argument("template", help="YAML or JSON task template")
    check.add_argument("--states", metavar="FILE", help="YAML/JSON file with the current step states")
    check.add_argument("--now", metavar="TIME", help="ISO-8601 time to judge backoff against (default: now, UTC)")
    check.add_argument("--mermaid", action="store_true", help="also print the Mermaid flowchart coloured by state")
    check.add_argument(
        "--config",
        metavar="PATH",
        help="the orchestrator's config/tasker directory or a TOML file with [common.backoff] (default: its shipped values)",
    )
    check.add_argument("--environment", metavar="ENV", help="with --config DIR: overlay environments/ENV/common.toml")
    check.set_defaults(run=run_check)

    states = dag_sub.add_parser("states", parents=[parent], help="extract state machines from source code")
    states.add_argument("path", nargs="?", default=".", help="directory or file to scan (default: .)")
    states.set_defaults(run=run_states)

    trans = dag_sub.add_parser(
        "transitions", parents=[parent], help="check a transition history against the task or step machine"
    )
    trans.add_argument("history", help="YAML/JSON list of states or {from_state, to_state, event} records")
    trans.add_argument("--machine", choices=["task", "step"], required=True, help="which state machine")
    trans.set_defaults(run=run_transitions)

    runs = dag_sub.add_parser("runs", parents=[parent], help="run analytics from a step run log")
    runs.add_argument("log", help="YAML/JSON list of step executions {task, step, state, started_at, ended_at}")
    runs.add_argument("--top", type=int, default=10, help="rows per list (default 10)")
    runs.set_defaults(run=run_runs)


def run_check(args: argparse.Namespace, cli: Cli) -> int:
    from semgraph.server.cli import resolve_arg_path

    path = resolve_arg_path(cli, args.template, kind="file")
    template = parse_template(path.read_text(encoding="utf-8"), source=cli.guard.relative(path))
    states = None
    if args.states:
        states = resolve_arg_path(cli, args.states, kind="file").read_text(encoding="utf-8")
    cfg = None
    if args.config:
        cfg = load_backoff_config(resolve_arg_path(cli, args.config), args.environment)
    a = analyze_step_dag(template, states, args.now, readiness_without_states=states is not None, backoff=cfg)
    if args.json:
        with gc_paused():  # 100,000 row dicts: the collector's passes would cost more than building them
            emit_json(cli, _as_json(a))
        return 0 if a.valid else 1
    st = a.structure
    name = f"{a.template.namespace_name}/{a.template.name}" if a.template.namespace_name else a.template.name
    cli.out.print(
        f"[bold]{name or path.name}[/bold] {a.template.version}: {len(a.graph.names)} steps, "
        f"{a.graph.graph.number_of_edges()} dependencies, {len(st.levels)} levels"
    )
    if a.issues:
        table = Table("severity", "code", "message", title="Issues")
        for i in a.issues[:100]:
            colour = "red" if i.severity == "error" else "yellow"
            table.add_row(f"[{colour}]{i.severity}[/{colour}]", i.code, i.message)
        cli.out.print(table)
        if len(a.issues) > 100:
            cli.out.print(f"… {len(a.issues) - 100} more issues (use --json for all)")
    else:
        cli.out.print("[green]no issues[/green]")
    levels = Table("level", "steps", title="Parallel levels")
    for lv in st.levels[:50]:
        shown = ", ".join(lv.steps[:12]) + (f" … (+{len(lv.steps) - 12})" if len(lv.steps) > 12 else "")
        levels.add_row(str(lv.level), shown)
    cli.out.print(levels)
    cp = st.critical_path
    unit = "s" if cp.basis == "expected_duration_seconds" else "steps"
    cli.out.print(f"critical path ({cp.length:g} {unit}): {' -> '.join(cp.steps[:40])}")
    if a.readiness is not None and a.context is not None:
        table = Table("step", "state", "ready", "parents", "attempts", "next retry", "reason", title="Readiness")
        for r in a.readiness[:200]:
            table.add_row(
                r.name,
                r.current_state,
                "[green]yes[/green]" if r.ready_for_execution else "no",
                f"{r.completed_parents}/{r.total_parents}",
                f"{r.attempts}/{r.max_attempts}",
                r.next_retry_at.isoformat() if r.next_retry_at else "",
                r.reason,
            )
        cli.out.print(table)
        c = a.context
        cli.out.print(
            f"task: {c.execution_status} ({c.recommended_action}), {c.ready_steps} ready, "
            f"{c.completed_steps}/{c.total_steps} complete, health {c.health_status}"
        )
    if args.mermaid:
        cli.out.print(a.mermaid, markup=False, highlight=False)
    return 0 if a.valid else 1


JSON_CHUNK = 1000
"""List items encoded per ``json.dumps`` call when streaming: few calls, never the whole document in memory."""


def emit_json(cli: Cli, obj: Any) -> None:
    """Plain JSON streamed to stdout, one top-level value or list item at a time.

    A pretty printer over a 100,000-step document takes minutes and gigabytes; ``json.dumps`` per
    item keeps the C encoder (``iterencode`` falls back to pure Python) and never holds the whole text.
    """
    out = cli.out.file
    dumps = functools.partial(json.dumps, ensure_ascii=False, default=str)
    if not isinstance(obj, dict):
        out.write(dumps(obj))
    else:
        out.write("{")
        for i, (key, value) in enumerate(obj.items()):
            out.write(("," if i else "") + dumps(key) + ":")
            if isinstance(value, list) and len(value) > JSON_CHUNK:
                out.write("[")
                for j in range(0, len(value), JSON_CHUNK):  # one C-encoder call per chunk, not per item
                    out.write(("," if j else "") + dumps(value[j : j + JSON_CHUNK])[1:-1])
                out.write("]")
            else:
                out.write(dumps(value))
        out.write("}")
    out.write("\n")
    out.flush()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _as_json(a: DagAnalysis) -> dict[str, Any]:
    st = a.structure
    out = {
        "task": {"name": a.template.name, "namespace_name": a.template.namespace_name, "version": a.template.version},
        "valid": a.valid,
        "issues": [i.model_dump() for i in a.issues],
        "cycles": [c.model_dump() for c in a.cycles],
        "cycles_truncated": a.cycles_truncated,
        "topological_order": st.order,
        "levels": [{"level": lv.level, "steps": lv.steps} for lv in st.levels],
        "critical_path": st.critical_path.model_dump(),
        "fan_in_hot_spots": [h.model_dump() for h in st.fan_in],
        "fan_out_hot_spots": [h.model_dump() for h in st.fan_out],
        "mermaid": a.mermaid,
        "backoff_config": a.backoff.model_dump(),
    }
    if a.readiness is not None:
        out["readiness"] = [
            {
                "name": r.name,
                "current_state": r.current_state,
                "ready_for_execution": r.ready_for_execution,
                "dependencies_satisfied": r.dependencies_satisfied,
                "retry_eligible": r.retry_eligible,
                "total_parents": r.total_parents,
                "completed_parents": r.completed_parents,
                "attempts": r.attempts,
                "max_attempts": r.max_attempts,
                "next_retry_at": r.next_retry_at.isoformat() if r.next_retry_at else None,
                "next_retry_source": r.next_retry_source,
                "projected_retry_earliest": _iso(r.projected_retry_earliest),
                "projected_retry_latest": _iso(r.projected_retry_latest),
                "category": r.category,
                "step_type": r.step_type,
                "instance_of": r.instance_of,
                "reason": r.reason,
            }
            for r in a.readiness
        ]
        out["context"] = dataclasses.asdict(a.context) if a.context else None
    return out


def run_states(args: argparse.Namespace, cli: Cli) -> int:
    from semgraph.server.cli import resolve_arg_path

    root = resolve_arg_path(cli, args.path)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=cli.err, transient=True
    ) as bar:
        task = bar.add_task("reading sources", total=None)

        def progress(done: float, total: float | None = None, message: str | None = None) -> None:
            bar.update(task, completed=done, total=total, description=message or "reading sources")

        result = extract_state_machines(root, cli.guard, max_file_bytes=cli.settings.max_file_bytes, progress=progress)
    if args.json:
        emit_json(cli, result.model_dump(mode="json"))
        return 0
    if not result.machines:
        cli.out.print(f"no state machines found in {result.files_scanned} files")
    for m in result.machines:
        cli.out.print(f"\n[bold]{m.name}[/bold] ({m.kind}, {m.location})")
        cli.out.print(f"  states: {', '.join(m.states)}")
        cli.out.print(f"  initial: {', '.join(m.initial)}; terminal ({m.terminal_basis}): {', '.join(m.terminal)}")
        table = Table("from", "to", "event", "where")
        for t in m.transitions[:100]:
            table.add_row(t.source, t.target, t.event or "", ", ".join(t.locations[:3]))
        cli.out.print(table)
        if m.unreachable:
            cli.out.print(f"  [yellow]unreachable:[/yellow] {', '.join(m.unreachable)}")
        if m.dead_ends:
            cli.out.print(f"  [yellow]dead ends (non-terminal, no way out):[/yellow] {', '.join(m.dead_ends)}")
    prod = [b for b in result.bypasses if not b.in_test]
    if prod:
        table = Table("machine", "from", "to", "where", "function", "via", title="Direct writes bypassing the machine")
        for b in prod[:100]:
            table.add_row(b.machine or "?", b.source or "?", b.target or "?", b.location, b.function, b.via)
        cli.out.print(table)
    if len(result.bypasses) > len(prod):
        cli.out.print(f"  ({len(result.bypasses) - len(prod)} more direct writes in tests)")
    for e in result.parse_errors[:20]:
        cli.err.print(f"[red]parse error:[/red] {e}", highlight=False)
    return 0


def _load_list(cli: Cli, path_arg: str) -> list[Any]:
    from semgraph.server.cli import resolve_arg_path

    path = resolve_arg_path(cli, path_arg, kind="file")
    doc = load_document(path.read_text(encoding="utf-8"), source=cli.guard.relative(path))
    if isinstance(doc, dict) and len(doc) == 1 and isinstance(next(iter(doc.values())), list):
        doc = next(iter(doc.values()))  # {history: [...]} or {runs: [...]}
    if not isinstance(doc, list):
        raise InvalidInputError(f"{path_arg}: expected a list", hint="a YAML/JSON list, or a mapping with one list")
    return doc


def run_transitions(args: argparse.Namespace, cli: Cli) -> int:
    result = check_transitions(args.machine, _load_list(cli, args.history))
    if args.json:
        m = machine(args.machine)
        emit_json(
            cli,
            {
                "machine": result.machine,
                "valid": result.valid,
                "transitions_checked": result.transitions_checked,
                "final_state": result.final_state,
                "final_is_terminal": result.final_is_terminal,
                "legal_next": [{"target": t, "events": e} for t, e in legal_next(m, result.final_state)],
                "operator_overrides": [
                    {"target": t, "events": e} for t, e in operator_overrides(m, result.final_state)
                ],
                "overrides_used": result.overrides_used,
                "problems": [p.model_dump() for p in result.problems],
            },
        )
        return 0 if result.valid else 1
    for p in result.problems:
        cli.out.print(f"[red]#{p.index}[/red] {p.code}: {p.message}", highlight=False)
    ends = "terminal" if result.final_is_terminal else "not terminal"
    verdict = "[green]legal[/green]" if result.valid else f"[red]{len(result.problems)} problem(s)[/red]"
    cli.out.print(
        f"{result.machine} machine: {result.transitions_checked} transitions, {verdict}; "
        f"ends in {result.final_state} ({ends})"
    )
    return 0 if result.valid else 1


def run_runs(args: argparse.Namespace, cli: Cli) -> int:
    result = analyse_runs(parse_runs(_load_list(cli, args.log)), top=max(1, min(args.top, 100)))
    if args.json:
        emit_json(cli, result.model_dump(mode="json"))
        return 0
    cli.out.print(f"{result.runs} runs, {result.tasks} tasks, {result.steps} steps")
    table = Table("step", "runs", "mean s", "p95 s", "max s", title="Slowest steps")
    for t in result.slowest_steps:
        table.add_row(t.step, str(t.runs), f"{t.mean_seconds:g}", f"{t.p95_seconds:g}", f"{t.max_seconds:g}")
    cli.out.print(table)
    table = Table("task", "seconds", "steps", "complete", "error", title="Slowest tasks")
    for t in result.slowest_tasks:
        table.add_row(t.task, f"{t.duration_seconds:g}", str(t.step_count), str(t.completed_steps), str(t.error_steps))
    cli.out.print(table)
    table = Table("step", "retries", "tasks", "max attempts", title="Retry hot spots")
    for h in result.retry_hot_spots:
        table.add_row(h.step, str(h.retries), str(h.tasks_retried), str(h.max_attempts_seen))
    cli.out.print(table)
    table = Table("step", "runs", "errors", "rate", title="Error rates")
    for e in result.error_rates:
        table.add_row(e.step, str(e.runs), str(e.errors), f"{e.error_rate:.1%}")
    cli.out.print(table)
    cli.out.print("health: " + ", ".join(f"{k} {v}" for k, v in result.health_counts.items()))
    return 0

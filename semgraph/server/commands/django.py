"""CLI commands of the `django` toolset: ``semgraph django vars | optimize | serializer``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from semgraph.django.model_graph import load_graph
from semgraph.django.optimizer import optimize_project
from semgraph.django.serializer_gen import SerializerCache, generate_serializer
from semgraph.django.template_vars import DirLoader, extract_template_variables, template_location


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add ``semgraph django …``."""
    django = sub.add_parser("django", help="Django templates → query plan → serializer")
    dsub = django.add_subparsers(dest="django_command", metavar="COMMAND")

    p = dsub.add_parser("vars", parents=[parent], help="variable paths a template reads")
    p.add_argument("template", help="template file")
    p.add_argument(
        "--template-dir", action="append", dest="template_dirs", metavar="DIR", help="include/extends lookup dir"
    )
    p.set_defaults(run=run_vars)

    p = dsub.add_parser("optimize", parents=[parent], help="select_related / prefetch_related per view, and a diff")
    p.add_argument("project", help="Django project directory")
    p.add_argument("--view", help="only this view")
    p.add_argument("--rows", type=int, default=50, help="rows per queryset for the estimates (default 50)")
    p.add_argument("--only", action="store_true", help="also put .only(...) into the diff where safe")
    p.add_argument("--diff", action="store_true", help="print only the unified diff (pipe it to `patch -p1`)")
    p.set_defaults(run=run_optimize)

    p = dsub.add_parser("serializer", parents=[parent], help="generate a serializer for model paths")
    p.add_argument("model", help="model name, e.g. Lease")
    p.add_argument("paths", nargs="+", help="attribute paths, e.g. tenant.user.email")
    p.add_argument("--style", choices=["function", "dict"], default="function")
    p.add_argument("--project", help="Django project directory (relation kinds from models.py)")
    p.set_defaults(run=run_serializer)


def _resolve(cli, value: str, kind: str) -> Path:  # type: ignore[no-untyped-def]
    from semgraph.server.cli import resolve_arg_path

    return resolve_arg_path(cli, value, kind=kind)


def run_vars(args: argparse.Namespace, cli) -> int:  # type: ignore[no-untyped-def]
    path = _resolve(cli, args.template, "file")
    dirs = [_resolve(cli, d, "dir") for d in args.template_dirs or []]
    dirs, name = template_location(path, dirs)
    result = extract_template_variables(
        path.read_text(encoding="utf-8"), name=name or str(path), loader=DirLoader(dirs, cli.guard.contains)
    )
    if args.json:
        cli.out.print_json(result.model_dump_json())
        return 0
    table = Table("variable", "paths")
    for root, paths in result.variables.items():
        table.add_row(root, "\n".join(paths) or "-")
    cli.out.print(table)
    for alias in result.aliases:
        cli.out.print(
            f"alias {alias.name} ({alias.kind}, {alias.template}:{alias.line}) → {alias.source}: {', '.join(alias.paths) or '-'}"
        )
    for warning in result.warnings:
        cli.err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    return 0


def run_optimize(args: argparse.Namespace, cli) -> int:  # type: ignore[no-untyped-def]
    project = _resolve(cli, args.project, "dir")
    report = optimize_project(project, view=args.view, rows=args.rows, include_only=args.only, guard=cli.guard)
    if args.diff:
        cli.out.file.write(report.diff)
        return 0
    if args.json:
        cli.out.print_json(report.model_dump_json())
        return 0
    table = Table("view", "variables", "model", "select_related", "prefetch_related", f"queries ({args.rows} rows)")
    for view in report.views:
        for q in view.querysets:
            table.add_row(
                view.view,
                ", ".join(q.context_variables),
                q.model,
                "\n".join(q.select_related) or "-",
                "\n".join(q.prefetch_related) or "-",
                f"{q.queries_before} → {q.queries_after}",
            )
    cli.out.print(table)
    for view in report.views:
        for q in view.querysets:
            for item in q.not_optimizable:
                cli.out.print(f"[dim]{view.view}: {item.path}: {item.reason}[/dim]", highlight=False)
    for warning in report.warnings:
        cli.err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    if report.diff:
        cli.out.file.write(report.diff)
    return 0


def run_serializer(args: argparse.Namespace, cli) -> int:  # type: ignore[no-untyped-def]
    graph = load_graph(_resolve(cli, args.project, "dir"), cli.guard) if args.project else None
    cache = SerializerCache(cli.settings.index_dir / "serializers")
    result, _fn = generate_serializer(args.model, args.paths, args.style, graph=graph, cache=cache)
    if args.json:
        cli.out.print(json.dumps(result.model_dump(), indent=2), markup=False, highlight=False)
        return 0
    cli.out.file.write(result.source)
    cli.err.print(f"cache: {result.cache} ({result.cache_file})", highlight=False)
    return 0

"""CLI commands of the `rust` toolset.

``semgraph diesel parse PATH [--schema F] [-o spec.yaml]``,
``semgraph diesel openapi PATH [--schema F] [--json-schema] [-o FILE]`` and
``semgraph rust generate SPEC -o DIR [--dry-run] [--overwrite]``. ``parse``
exits 1 when the project has syntax errors (after printing what did parse).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from semgraph.errors import InvalidInputError
from semgraph.rust.api import generate_project, parse_input
from semgraph.rust.export import json_schema, openapi
from semgraph.rust.generator import TARGETS, GenerateOptions
from semgraph.rust.spec import BACKENDS, ParseResult, dump_spec, load_spec


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    diesel = sub.add_parser("diesel", help="read Diesel projects (models + schema.rs) into entity specs")
    dsub = diesel.add_subparsers(dest="diesel_command", metavar="COMMAND")
    p = dsub.add_parser("parse", parents=[parent], help="parse models and schema.rs into a YAML/JSON entity spec")
    p.add_argument("path", help="a .rs file, a crate directory or a Cargo workspace")
    p.add_argument("--schema", metavar="FILE", help="schema.rs when it is not under PATH")
    p.add_argument("-o", "--output", metavar="FILE", help="write the spec here (.yaml/.yml or .json)")
    p.add_argument("--backend", choices=BACKENDS, default="postgres")
    p.add_argument("--all-diagnostics", action="store_true", help="print every diagnostic (default: first 200)")
    p.set_defaults(run=run_parse)
    o = dsub.add_parser("openapi", parents=[parent], help="export OpenAPI 3.1 (or JSON Schema) from a Diesel project")
    o.add_argument("path", help="a .rs file (schema.rs), a crate directory or a Cargo workspace")
    o.add_argument("--schema", metavar="FILE", help="schema.rs when it is not under PATH")
    o.add_argument("--json-schema", action="store_true", help="print JSON Schema 2020-12 instead of OpenAPI")
    o.add_argument("--no-paths", action="store_true", help="components only, no CRUD routes")
    o.add_argument("-o", "--output", metavar="FILE", help="write the document here instead of stdout")
    o.add_argument("--all-diagnostics", action="store_true", help="print every diagnostic (default: first 200)")
    o.set_defaults(run=run_openapi)

    rust = sub.add_parser("rust", help="generate Rust (Diesel models, schema.rs, Actix handlers) from a spec")
    rsub = rust.add_subparsers(dest="rust_command", metavar="COMMAND")
    g = rsub.add_parser("generate", parents=[parent], help="generate a crate's models/schema/handlers from a spec")
    g.add_argument("spec", help="entity spec file (YAML or JSON, as `semgraph diesel parse -o` writes)")
    g.add_argument("-o", "--output", metavar="DIR", required=True, help="crate directory to write into")
    g.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")
    g.add_argument("--overwrite", action="store_true", help="update existing files (edits outside regions kept)")
    g.add_argument("--backend", choices=BACKENDS)
    g.add_argument(
        "--pool", choices=("r2d2", "diesel-async"), help="default: diesel-async if the spec's project used it"
    )
    g.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated subset of {','.join(TARGETS)}")
    g.add_argument("--skip-table", action="append", default=[], metavar="TABLE", help="leave a table out")
    g.set_defaults(run=run_generate)


def _abs(value: str) -> str:
    return str(Path(value).expanduser().resolve())


def _parse(args: argparse.Namespace, cli) -> ParseResult:
    with Progress(TextColumn("{task.description}"), BarColumn(), console=cli.err, transient=True) as bar:
        task = bar.add_task("parsing", total=None)

        def progress(done: float, total: float | None = None, message: str | None = None) -> None:
            bar.update(task, completed=done, total=total, description=message or "parsing")

        return parse_input(
            cli.guard,
            path=_abs(args.path),
            schema_path=_abs(args.schema) if args.schema else None,
            max_bytes=cli.settings.max_file_bytes,
            backend=getattr(args, "backend", None) or "postgres",
            progress=progress,
        )


DIAGNOSTICS_SHOWN = 200


def _print_diagnostics(cli, result: ParseResult, limit: int | None = DIAGNOSTICS_SHOWN) -> None:
    """Errors first (the parser sorts them so), counted; past ``limit`` a line says how many are left."""
    diags = result.diagnostics
    shown = diags if limit is None else diags[:limit]
    for d in shown:
        colour = "red" if d.severity == "error" else "yellow"
        cli.err.print(f"[{colour}]{d}[/{colour}]", highlight=False, soft_wrap=True)
    if len(shown) < len(diags):
        cli.err.print(f"… {len(diags) - len(shown)} more (--all-diagnostics prints every one)", highlight=False)
    errors = sum(d.severity == "error" for d in diags)
    if diags:
        colour = "red" if errors else "yellow"
        cli.err.print(
            f"[{colour}]{errors} error(s), {len(diags) - errors} warning(s) in {len(result.files)} file(s)[/{colour}]",
            highlight=False,
        )


def run_parse(args: argparse.Namespace, cli) -> int:
    result = _parse(args, cli)
    spec = result.spec
    errors = sum(d.severity == "error" for d in result.diagnostics)
    fmt = "json" if (args.output or "").endswith(".json") or (args.json and not args.output) else "yaml"
    text = dump_spec(spec, fmt)
    if args.output:
        target = cli.guard.resolve_for_write(_abs(args.output))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        table = Table("entity", "table", "fields", "key", "relations", title=f"{len(result.files)} files parsed")
        for e in spec.entities[:500]:
            rel = ", ".join(f"{r.kind} {r.table}" for r in e.relations)
            table.add_row(
                e.name if e.has_model else f"({e.name})", e.table, str(len(e.fields)), ",".join(e.primary_key), rel
            )
        cli.out.print(table)
        cli.out.print(
            f"spec written to {cli.guard.relative(target)} ({len(spec.entities)} entities, {len(spec.enums)} enums)"
        )
    else:
        cli.out.print(text, end="", markup=False, highlight=False, soft_wrap=True)
    _print_diagnostics(cli, result, None if args.all_diagnostics else DIAGNOSTICS_SHOWN)
    return 1 if errors else 0


def run_openapi(args: argparse.Namespace, cli) -> int:
    result = _parse(args, cli)
    doc = json_schema(result.spec) if args.json_schema else openapi(result.spec, paths=not args.no_paths)
    text = json.dumps(doc, indent=2) + "\n"
    if args.output:
        target = cli.guard.resolve_for_write(_abs(args.output))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        cli.out.print(f"wrote {cli.guard.relative(target)}")
    else:
        cli.out.print(text, end="", markup=False, highlight=False, soft_wrap=True)
    _print_diagnostics(cli, result, None if args.all_diagnostics else DIAGNOSTICS_SHOWN)
    return 1 if any(d.severity == "error" for d in result.diagnostics) else 0


def run_generate(args: argparse.Namespace, cli) -> int:
    spec_file = cli.guard.resolve(_abs(args.spec), kind="file")
    spec = load_spec(spec_file.read_text(encoding="utf-8"))
    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = sorted(set(targets) - set(TARGETS))
    if unknown:
        raise InvalidInputError(f"unknown target(s): {', '.join(unknown)}", hint=f"choose from {', '.join(TARGETS)}")
    options = GenerateOptions(
        targets=targets,
        backend=args.backend,
        pool=args.pool,
        skip_tables=args.skip_table,  # type: ignore[arg-type]
    )
    result = generate_project(
        spec, options, guard=cli.guard, output_dir=_abs(args.output), overwrite=args.overwrite, dry_run=args.dry_run
    )
    report = result.report
    assert report is not None
    if args.json:
        cli.out.print_json(
            json.dumps(
                {
                    "files": [{"path": c.path, "status": c.status} for c in report.changes],
                    "handlers_skipped": result.handlers_skipped,
                    "dry_run": args.dry_run,
                    "diff": report.diff if args.dry_run else None,
                }
            )
        )
        return 0
    if args.dry_run:
        cli.out.print(report.diff, end="", markup=False, highlight=False, soft_wrap=True)
    table = Table(
        "file", "status", title=f"{'would write' if args.dry_run else 'wrote'} {cli.guard.relative(result.output_dir)}"
    )  # type: ignore[arg-type]
    for c in report.changes:
        table.add_row(c.path, c.status + (" (regions merged)" if c.merged else ""))
    cli.out.print(table)
    for name, reason in result.handlers_skipped.items():
        cli.err.print(f"[yellow]no handlers for {name}: {reason}[/yellow]")
    return 0

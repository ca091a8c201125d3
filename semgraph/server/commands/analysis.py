"""CLI commands of the `analysis` toolset: workflows, patterns, quality, links.

They read the index built by ``semgraph index`` (``--db`` / ROOT/.semgraph/index.db)
and call the same domain functions as the MCP tools.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from pydantic import BaseModel
from rich.table import Table

from semgraph.analysis.codebase import Codebase, open_codebase
from semgraph.analysis.crosslang import LINK_KINDS, find_cross_language_links
from semgraph.analysis.patterns import PATTERN_KINDS, detect_architectural_patterns
from semgraph.analysis.quality import SEVERITY_RANK, assess_code_quality
from semgraph.analysis.routes import list_routes, route_inventory
from semgraph.analysis.steps import analyze_workflow_step
from semgraph.analysis.workflows import WORKFLOW_TYPES, detect_business_workflows
from semgraph.errors import InvalidInputError


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("workflows", parents=[parent], help="business workflows traced from the entry points")
    p.add_argument("--entry", action="append", dest="entries", metavar="HANDLER|PATH", help="only these entry points")
    p.add_argument("--type", action="append", dest="types", choices=list(WORKFLOW_TYPES), help="only these types")
    p.add_argument("--min-confidence", type=float, default=0.5)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--steps", action="store_true", help="print each workflow's steps, rules and errors")
    p.add_argument("--step", nargs=2, metavar=("WORKFLOW_ID", "N"), help="analyse one step of one workflow")
    p.set_defaults(run=run_workflows)

    p = sub.add_parser("routes", parents=[parent], help="HTTP routes with full paths, handlers and what was not mapped")
    p.add_argument("--method", help="only this HTTP method")
    p.add_argument("--prefix", dest="path_prefix", metavar="PATH", help="only routes at or under this path")
    p.add_argument("--framework", help="only this framework")
    p.add_argument("--limit", type=int, default=500)
    p.set_defaults(run=run_routes)

    p = sub.add_parser("patterns", parents=[parent], help="architecture and design patterns")
    p.add_argument("--kind", action="append", dest="kinds", choices=list(PATTERN_KINDS))
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(run=run_patterns)

    p = sub.add_parser("quality", parents=[parent], help="code quality findings and function metrics")
    p.add_argument("path", nargs="?", default="", help="file or directory relative to the indexed root")
    p.add_argument("--min-severity", choices=list(SEVERITY_RANK), default="info")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(run=run_quality)

    p = sub.add_parser("links", parents=[parent], help="cross-language links (stored as graph edges)")
    p.add_argument("--kind", action="append", dest="kinds", choices=list(LINK_KINDS))
    p.add_argument("--no-store", action="store_true", help="do not store the links as cross_language edges")
    p.add_argument("--limit", type=int, default=200)
    p.set_defaults(run=run_links)


def _cb(cli: Any) -> Codebase:
    return open_codebase(cli.settings.db_path, cli.guard)


def _limit(value: int) -> int:
    if value < 1:
        raise InvalidInputError("--limit must be at least 1")
    return value


def _json(cli: Any, obj: Any) -> None:
    if isinstance(obj, BaseModel):
        obj = obj.model_dump(mode="json")
    elif isinstance(obj, list):
        obj = [o.model_dump(mode="json") if isinstance(o, BaseModel) else o for o in obj]
    cli.out.print(json.dumps(obj, indent=2, ensure_ascii=False), markup=False, highlight=False, soft_wrap=True)


def run_workflows(args: argparse.Namespace, cli: Any) -> int:
    cb = _cb(cli)
    if args.step:
        try:
            number = int(args.step[1])
        except ValueError:
            raise InvalidInputError("--step takes a workflow id and a step number") from None
        analysis = analyze_workflow_step(cb, args.step[0], number)
        if args.json:
            _json(cli, analysis)
            return 0
        st = analysis.step
        cli.out.print(
            f"[bold]{analysis.workflow}[/bold] step {st.number}/{analysis.steps_total}: {st.symbol} ({st.role})"
        )
        cli.out.print(analysis.code, markup=False, highlight=False)
        for d in analysis.data:
            cli.out.print(f"  data: {d.access} {d.entity} (line {d.line}, {d.evidence})", markup=False)
        for r in analysis.risks:
            cli.out.print(f"  [yellow]risk[/yellow] {r.kind} at {r.location}: {r.message} → {r.hint}")
        return 0
    wfs = detect_business_workflows(
        cb, entry_points=args.entries, types=args.types, min_confidence=args.min_confidence
    )[: _limit(args.limit)]
    if args.json:
        _json(cli, wfs)
        return 0
    inv = route_inventory(cb)
    untraced = sum(1 for r in inv.routes if r.handler_id is None) + len(inv.unmapped)
    if untraced:
        cli.err.print(
            f"note: {untraced} route declaration(s) could not be traced (see `semgraph routes`); "
            "the workflows cover part of the app",
            markup=False,
        )
    table = Table(title=f"{len(wfs)} workflows")
    for col in ("id", "type", "conf", "entry", "steps", "handler"):
        table.add_column(col)
    for wf in wfs:
        e = wf.entry_points[0]
        entry = f"{e.method} {e.path}".strip() if e.kind == "http" else f"{e.kind} {e.path}".strip()
        table.add_row(wf.id, wf.type, f"{wf.confidence:.2f}", entry, str(len(wf.steps)), e.handler)
    cli.out.print(table)
    if args.steps:
        for wf in wfs:
            cli.out.print(f"\n[bold]{wf.name}[/bold] ({wf.id})")
            for s in wf.steps:
                cli.out.print(f"  {s.number:>2}. {'  ' * s.depth}{s.symbol} [{s.role}] {s.location}", markup=False)
            for r in wf.business_rules:
                cli.out.print(f"      rule: {r.rule} ({r.location})", markup=False)
            for err in wf.error_scenarios:
                cli.out.print(f"      error: {err.error} {err.message} ({err.location})", markup=False)
    return 0


def run_routes(args: argparse.Namespace, cli: Any) -> int:
    inv = list_routes(_cb(cli), method=args.method, path_prefix=args.path_prefix, framework=args.framework)
    shown = inv.routes[: _limit(args.limit)]
    if args.json:
        _json(cli, inv.model_copy(update={"routes": shown}))
        return 0
    table = Table(title=f"{len(inv.routes)} routes ({', '.join(inv.frameworks) or 'no framework seen'})")
    for col in ("method", "path", "handler", "location", "framework"):
        table.add_column(col)
    for r in shown:
        table.add_row(r.method, r.path, r.handler, f"{r.file}:{r.line}", r.framework)
    cli.out.print(table)
    for u in inv.unmapped:
        cli.out.print(f"not mapped: {u.file}:{u.line} {u.code} ({u.reason})", markup=False, highlight=False)
    return 0


def run_patterns(args: argparse.Namespace, cli: Any) -> int:
    report = detect_architectural_patterns(_cb(cli), args.kinds)
    patterns = report.patterns[: _limit(args.limit)]
    if args.json:
        _json(cli, report.model_copy(update={"patterns": patterns}))
        return 0
    table = Table(title=f"{len(report.patterns)} pattern instances")
    for col in ("kind", "symbol", "confidence", "evidence"):
        table.add_column(col)
    for p in patterns:
        table.add_row(p.kind, p.symbols[0], f"{p.confidence:.2f}", "; ".join(p.evidence[:2]))
    cli.out.print(table)
    for v in report.layering_violations:
        cli.out.print(f"[yellow]layering violation[/yellow] {v.symbol} ({v.location}): {v.reason}")
    _print_skipped(cli, report.skipped, report.skipped_total)
    return 0


def _print_skipped(cli: Any, skipped: list, total: int) -> None:
    for f in skipped:
        cli.out.print(f"skipped {f.path}: {f.reason}", markup=False, highlight=False)
    if total > len(skipped):
        cli.out.print(f"… and {total - len(skipped)} more generated file(s) skipped", markup=False)


def run_quality(args: argparse.Namespace, cli: Any) -> int:
    report = assess_code_quality(_cb(cli), args.path)
    cutoff = SEVERITY_RANK[args.min_severity]
    findings = [f for f in report.findings if SEVERITY_RANK[f.severity] <= cutoff][: _limit(args.limit)]
    if args.json:
        _json(cli, report.model_copy(update={"findings": findings, "functions": report.functions[: args.limit]}))
        return 0
    cli.out.print("summary: " + ", ".join(f"{k}={v}" for k, v in report.summary.items()))
    table = Table(title=f"{len(findings)} of {report.findings_total} findings")
    for col in ("severity", "kind", "location", "message", "fix"):
        table.add_column(col)
    for f in findings:
        table.add_row(f.severity, f.kind, f.location, f.message, f.hint)
    cli.out.print(table)
    for cyc in report.import_cycles:
        cli.out.print("import cycle: " + " → ".join([*cyc, cyc[0]]), markup=False)
    _print_skipped(cli, report.skipped, report.skipped_total)
    return 0


def run_links(args: argparse.Namespace, cli: Any) -> int:
    links, stored = find_cross_language_links(_cb(cli), cli.settings.db_path, store_edges=not args.no_store)
    chosen = [link for link in links if not args.kinds or link.kind in args.kinds][: _limit(args.limit)]
    if args.json:
        _json(cli, {"links": [x.model_dump() for x in chosen], "edges_stored": stored})
        return 0
    table = Table(title=f"{len(chosen)} cross-language links ({stored} edges stored)")
    for col in ("kind", "from", "to", "detail"):
        table.add_column(col)
    for x in chosen:
        table.add_row(x.kind, f"{x.source} ({x.source_location})", f"{x.target} ({x.target_location})", x.detail)
    cli.out.print(table)
    return 0

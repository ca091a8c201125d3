"""``semgraph demo``: the README's first command runs this on a bundled fixture.

It indexes the project (default: the bundled ``fixtures/pyshop`` Flask shop)
into a temporary index and prints what the graph knows: files and symbols per
language, the most-called functions, one call graph as a tree and a sample
impact analysis.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from semgraph.errors import NotFoundError
from semgraph.graph import impact as impact_mod
from semgraph.graph import queries_api as q
from semgraph.graph.indexer import index_repository
from semgraph.graph.store import GraphStore
from semgraph.paths import PathGuard
from semgraph.server.commands.graph import print_impact, print_json, print_report, render_tree

BUNDLED = Path(__file__).resolve().parents[3] / "fixtures" / "pyshop"


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[parent], help="index the bundled fixture project and print a summary")
    p.add_argument("project", nargs="?", help="project directory (default: the bundled fixtures/pyshop)")
    p.set_defaults(run=run)


def most_called(store: GraphStore, limit: int = 5) -> list[tuple[int, str, str, int]]:
    """(id, qualified name, location, distinct callers) of the functions/methods called from most places."""
    return store.conn.execute(
        "SELECT s.id, s.qualified_name, f.path || ':' || s.start_line, count(DISTINCT e.src_id) AS n "
        "FROM edges e JOIN symbols s ON s.id = e.dst_id JOIN files f ON f.id = s.file_id "
        "WHERE e.kind = 'calls' AND s.kind IN ('function', 'method') AND e.resolution != 'name_match' "
        "GROUP BY s.id ORDER BY n DESC, s.qualified_name LIMIT ?",
        (limit,),
    ).fetchall()


def richest_entry(store: GraphStore) -> int | None:
    """The function/method with the most resolved callees: a good root for a call graph."""
    row = store.conn.execute(
        "SELECT e.src_id FROM edges e JOIN symbols s ON s.id = e.src_id "
        "WHERE e.kind = 'calls' AND e.dst_id IS NOT NULL AND s.kind IN ('function', 'method') "
        "AND s.is_test = 0 GROUP BY e.src_id ORDER BY count(DISTINCT e.dst_id) DESC, s.qualified_name LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def business_workflows(db: Path) -> list[Any]:
    """The workflows the analysis toolset finds in the demo index (imported here: the demo loads alone)."""
    from semgraph.analysis.codebase import open_codebase
    from semgraph.analysis.workflows import detect_business_workflows

    return detect_business_workflows(open_codebase(db))


def run(args: argparse.Namespace, cli: Any) -> int:
    project = Path(args.project).expanduser().resolve() if args.project else BUNDLED
    if not project.is_dir():
        raise NotFoundError(f"project directory {str(project)!r} does not exist")
    out = cli.out
    with tempfile.TemporaryDirectory(prefix="semgraph-demo-") as tmp:
        db = Path(tmp) / "index.db"
        report = index_repository(project, db, PathGuard([project]))
        with GraphStore.open(db, readonly=True) as store:
            top = most_called(store)
            entry = richest_entry(store)
            graph = q.call_graph(store, entry, direction="callees", depth=2, max_nodes=25) if entry else None
            target = top[0][0] if top else entry
            impact = impact_mod.impact(store, symbol=str(target), max_depth=3, limit=20) if target else None
        workflows = business_workflows(db)
        if args.json:
            print_json(
                cli,
                {
                    "report": report,
                    "most_called": top,
                    "call_graph": graph,
                    "impact": impact,
                    "workflows": [w.model_dump() for w in workflows],
                },
            )
            return 0
        out.rule("[bold]semgraph demo[/bold]")
        print_report(out, report)
        out.rule("most-called functions (distinct callers)")
        for _sid, name, loc, n in top:  # plain lines: a table cut the long names at 80 columns
            out.print(f"{n:>4}  {name}  {loc}", markup=False, highlight=False, soft_wrap=True)
        if graph is not None:
            out.rule("call graph (callees, depth 2)")  # the tree's first line names the function
            for line in render_tree(graph):
                out.print(line, markup=False, highlight=False, soft_wrap=True)
        if impact is not None:
            out.rule("impact analysis: what depends on the most-called function")
            print_impact(out, impact)
        if workflows:
            out.rule(f"business workflows ({len(workflows)} found from the entry points)")
            for wf in workflows:
                entry = wf.entry_points[0] if wf.entry_points else None
                where = f"{entry.method} {entry.path}".strip() if entry else ""
                out.print(
                    f"{wf.type:<22} {wf.confidence:.2f}  {where}  ({wf.name})",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
                steps = " → ".join(f"{st.symbol.rsplit('.', 1)[-1]}[{st.role}]" for st in wf.steps[:8])
                out.print(f"    {steps}", markup=False, highlight=False, soft_wrap=True)
                for rule in wf.business_rules[:2]:
                    out.print(f"    rule: {rule.rule}", markup=False, highlight=False, soft_wrap=True)
        out.rule()
        out.print(
            "Next: `semgraph serve --root <your project>` and add it to your assistant (docs/clients.md); "
            "or `semgraph index <dir>` then `semgraph search`, `semgraph callers`, `semgraph impact`.",
            highlight=False,
        )
    return 0

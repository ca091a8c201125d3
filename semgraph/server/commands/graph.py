"""CLI commands of the `graph` toolset: index, search, symbol, callers, callees, impact."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from semgraph.config import Settings
from semgraph.errors import InvalidInputError, NotFoundError
from semgraph.graph import queries_api as q
from semgraph.graph.confine import confined_root
from semgraph.graph.store import GraphStore
from semgraph.paths import PathGuard
from semgraph.server.cli import resolve_arg_path

if TYPE_CHECKING:  # the indexer and impact load only for the commands that run them (CLI start-up)
    from semgraph.graph import impact as impact_mod
    from semgraph.graph.indexer import IndexReport


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("index", parents=[parent], help="index a repository into the semantic code graph")
    p.add_argument(
        "path", nargs="?", default=".",
        help="directory to index (default: .); without --root it is the root, its index in PATH/.semgraph/",
    )  # fmt: skip
    p.add_argument("--languages", nargs="+", metavar="LANG", help="only these languages")
    p.add_argument("--exclude", nargs="+", metavar="GLOB", help="gitignore-style globs to leave out")
    p.add_argument(
        "--max-file-bytes", type=int, default=None, help="skip larger files (default: 1000000)"
    )  # the walker (and its gitignore matcher, ~0.1 s to import) loads only for `index`
    p.set_defaults(run=run_index)

    p = sub.add_parser("search", parents=[parent], help="search symbols by name or words")
    p.add_argument("query")
    p.add_argument("--kind")
    p.add_argument("--language")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.set_defaults(run=run_search)

    p = sub.add_parser("symbol", parents=[parent], help="show one symbol: signature, doc, source, counts")
    p.add_argument("name", help="symbol id or (qualified) name")
    p.set_defaults(run=run_symbol)

    for name, direction in (("callers", "callers"), ("callees", "callees")):
        p = sub.add_parser(name, parents=[parent], help=f"show the {direction} of a symbol")
        p.add_argument("name", help="symbol id or (qualified) name")
        p.add_argument("--depth", type=int, default=2)
        p.add_argument("--max-nodes", type=int, default=50)
        p.add_argument("--mermaid", action="store_true", help="print the Mermaid flowchart too")
        p.add_argument(
            "--include-possible", action="store_true", help="also follow name-matched edges (marked 'possible')"
        )
        p.set_defaults(run=run_graph, direction=direction)

    p = sub.add_parser("impact", parents=[parent], help="what depends on a symbol, a file or a change")
    p.add_argument("name", nargs="?", help="symbol id or (qualified) name")
    p.add_argument("--file", help="indexed file path")
    p.add_argument("--diff", metavar="FILE", help="unified diff file ('-' for stdin)")
    p.add_argument("--git", metavar="RANGE", help="'working-tree' or REV..REV, run in the indexed root")
    p.add_argument("--max-depth", type=int, default=3)
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--include-possible", action="store_true", help="also list dependents reached by name match")
    p.set_defaults(run=run_impact)


# -- output helpers ---------------------------------------------------------------------
def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    return obj


def print_json(cli: Any, obj: Any) -> None:
    cli.out.print(json.dumps(to_jsonable(obj), indent=2, default=str), markup=False, highlight=False, soft_wrap=True)


def open_read(cli: Any) -> GraphStore:
    store = GraphStore.open(cli.settings.db_path, readonly=True)
    if store.root is None:
        store.close()
        raise NotFoundError("no index yet: run `semgraph index PATH` first")
    try:
        confined_root(store.root, cli.guard, cli.settings.db_path)
    except BaseException:
        store.close()
        raise
    store.guard = cli.guard
    return store


def _check_limit(value: int, name: str, hi: int) -> int:
    if not 1 <= value <= hi:
        raise InvalidInputError(f"--{name} must be between 1 and {hi}, got {value}")
    return value


# -- index ---------------------------------------------------------------------------------
def print_report(out: Console, report: IndexReport) -> None:
    table = Table(title=f"Indexed {report.root}", show_lines=False)
    table.add_column("language")
    table.add_column("files", justify="right")
    table.add_column("symbols", justify="right")
    table.add_column("lines of code", justify="right")
    for lang, st in report.languages.items():
        table.add_row(lang, str(st.files), str(st.symbols), str(st.loc))
    out.print(table)
    out.print(
        f"scanned {report.files_scanned} files: {report.files_parsed} parsed ({report.files_added} new, "
        f"{report.files_changed} changed), {report.files_unchanged} unchanged, {report.files_removed} removed "
        f"in {report.seconds:.2f} s (generation {report.generation})",
        highlight=False,
    )
    if report.skipped:
        out.print("skipped: " + ", ".join(f"{n} {r}" for r, n in report.skipped.items()), highlight=False)
    if report.resolution:
        out.print("calls linked: " + ", ".join(f"{n} {r}" for r, n in report.resolution.items()), highlight=False)
    if report.parse_error_total:
        out.print(f"[yellow]{report.parse_error_total} syntax problem(s):[/yellow]")
        for err in report.parse_errors[:10]:
            out.print(f"  {err}", markup=False, highlight=False, soft_wrap=True)


def index_target(args: argparse.Namespace, cli: Any) -> tuple[Path, Path, PathGuard]:
    """(root, db, guard) of ``semgraph index PATH``. Without ``--root`` the PATH itself is the root and its
    index goes to ``PATH/.semgraph/index.db``, so ``semgraph index ~/code/other`` followed by
    ``semgraph search foo --root ~/code/other`` finds it; with ``--root`` PATH must lie inside a root (as for
    the server) and the index goes where ``--root``/``--db`` say."""
    if getattr(args, "roots", None):
        root = resolve_arg_path(cli, args.path, kind="dir")
        return root, cli.settings.db_path, cli.guard
    settings = Settings.build([args.path], getattr(args, "db_path", None))  # expands ~, resolves from cwd
    return settings.roots[0], settings.db_path, PathGuard(settings.roots)


def run_index(args: argparse.Namespace, cli: Any) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from semgraph.graph.indexer import index_repository
    from semgraph.graph.walker import DEFAULT_MAX_FILE_BYTES

    root, db_path, guard = index_target(args, cli)
    # no auto-refresh: its thread would make this process multi-threaded, and the indexer forks its parser and
    # call-resolution workers only from a single-threaded one (else a forkserver, and calls resolved in-process)
    with Progress(
        TextColumn("[bold]indexing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=cli.err, transient=True, disable=args.json, auto_refresh=False,
    ) as bar:  # fmt: skip
        task = bar.add_task("index", total=None)

        def progress(done: float, total: float | None = None, message: str | None = None) -> None:
            bar.update(task, completed=done, total=total, refresh=True)

        report = index_repository(
            root,
            db_path,
            guard,
            languages=args.languages,
            exclude=args.exclude,
            max_file_bytes=args.max_file_bytes or DEFAULT_MAX_FILE_BYTES,
            progress=progress,
        )
    if args.json:
        print_json(cli, report)
    else:
        print_report(cli.out, report)
    return 0


# -- queries -----------------------------------------------------------------------------
def run_search(args: argparse.Namespace, cli: Any) -> int:
    _check_limit(args.limit, "limit", 500)
    with open_read(cli) as store:
        res = q.search(store, args.query, kind=args.kind, language=args.language, limit=args.limit, offset=args.offset)
    if args.json:
        print_json(cli, res)
        return 0
    table = Table(title=f"{res.total} match(es) for {args.query!r}")
    for col in ("id", "kind", "qualified name", "location"):
        table.add_column(col)
    for h in res.hits:
        table.add_row(str(h.id), h.kind, h.qualified_name, f"{h.path}:{h.line}")
    cli.out.print(table)
    return 0


def run_symbol(args: argparse.Namespace, cli: Any) -> int:
    with open_read(cli) as store:
        d = q.get_symbol(store, args.name)
    if args.json:
        print_json(cli, d)
        return 0
    s = d.symbol
    out = cli.out
    out.print(f"[bold]{s.qualified_name}[/bold]  ({s.kind}, id {s.id})", highlight=False)
    out.print(f"{s.path}:{s.start_line}-{s.end_line}", highlight=False)
    if s.signature:
        out.print(s.signature, markup=False, highlight=False, soft_wrap=True)
    if s.doc:
        out.print(f"doc: {s.doc.splitlines()[0]}", markup=False, highlight=False, soft_wrap=True)
    if s.decorators:
        out.print("decorators: " + ", ".join(s.decorators), markup=False, highlight=False, soft_wrap=True)
    if s.metrics:
        out.print("metrics: " + ", ".join(f"{k}={v}" for k, v in s.metrics.items()), highlight=False)
    if d.parent:
        out.print(f"parent: {d.parent.qualified_name}", highlight=False)
    if d.children:
        out.print(f"children ({d.children_total}): " + ", ".join(c.name for c in d.children), highlight=False)
    if d.impl_blocks:
        out.print("impls: " + ", ".join(b.name for b in d.impl_blocks), markup=False, highlight=False)
    if d.impl_methods:
        out.print("methods: " + ", ".join(m.name for m in d.impl_methods), markup=False, highlight=False)
    out.print(f"callers: {d.callers}  callees: {d.callees} (+{d.unresolved_callees} unresolved calls)", highlight=False)
    if d.snippet:
        out.print("")
        out.print(d.snippet, markup=False, highlight=False, soft_wrap=True)
    return 0


def render_tree(graph: q.CallGraph) -> list[str]:
    """A text tree of a call graph from its root (each node expanded once)."""
    children: dict[int, list[tuple[int, str]]] = {}
    for e in graph.edges:
        a, b = (e.src, e.dst) if graph.direction != "callers" or e.kind == "contains" else (e.dst, e.src)
        children.setdefault(a, []).append(
            (b, e.resolution if e.certainty == "certain" else f"{e.resolution}, possible")
        )
    names = {n.id: n for n in graph.nodes}
    lines: list[str] = []
    seen: set[int] = set()

    def walk(node: int, indent: int) -> None:
        for child, res in children.get(node, []):
            n = names.get(child)
            if n is None:
                continue
            mark = " (already shown)" if child in seen else ""
            lines.append(f"{'  ' * indent}{'←' if graph.direction == 'callers' else '→'} {n.qualified_name}  "
                         f"[{res}] {n.path}:{n.line}{mark}")  # fmt: skip
            if child not in seen:
                seen.add(child)
                walk(child, indent + 1)

    seen.add(graph.root.id)
    lines.append(f"{graph.root.qualified_name}  {graph.root.path}:{graph.root.line}")
    walk(graph.root.id, 1)
    return lines


def run_graph(args: argparse.Namespace, cli: Any) -> int:
    _check_limit(args.depth, "depth", 10)
    _check_limit(args.max_nodes, "max-nodes", 1000)
    with open_read(cli) as store:
        g = q.call_graph(
            store,
            args.name,
            direction=args.direction,
            depth=args.depth,
            max_nodes=args.max_nodes,
            include_possible=args.include_possible,
            with_mermaid=args.mermaid,
        )
    if args.json:
        print_json(cli, g)
        return 0
    for line in render_tree(g):
        cli.out.print(line, markup=False, highlight=False, soft_wrap=True)
    if g.truncated:
        cli.out.print(f"… truncated at {args.max_nodes} nodes", highlight=False)
    if g.possible_edges_left_out:
        cli.out.print(
            f"{g.possible_edges_left_out} possible edge(s) (name matches, dyn/cfg alternatives) left out: --include-possible shows them",
            highlight=False,
        )
    if g.unresolved and args.direction == "callees":
        cli.out.print("unresolved calls: " + ", ".join(g.unresolved), markup=False, highlight=False, soft_wrap=True)
    if args.mermaid:
        cli.out.print(g.mermaid, markup=False, highlight=False, soft_wrap=True)
    return 0


def print_impact(out: Console, res: impact_mod.Impact) -> None:
    if res.changed:
        out.print("changed symbols:", highlight=False)
        for c in res.changed:
            out.print(
                f"  {c.symbol.qualified_name}  {c.symbol.path}:{c.symbol.line}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    else:
        out.print(
            "seeds: " + ", ".join(s.qualified_name for s in res.seeds[:10]),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    out.print(f"{res.total_symbols} dependent symbol(s) in {res.total_files} file(s)", highlight=False)
    for f in res.files:
        out.print(f"  {f.path}  (distance {f.distance})", markup=False, highlight=False, soft_wrap=True)
        for s in f.symbols:
            sure = "" if s.certain else " (possible)"
            out.print(f"    {s.distance}  {s.qualified_name}:{s.line}  via {s.via}{sure}", markup=False, soft_wrap=True,
                      highlight=False)  # fmt: skip
    if res.broken_calls:
        out.print(f"broken call sites ({len(res.broken_calls)}):", highlight=False)
        for b in res.broken_calls:
            out.print(f"  {b.path}:{b.line}  {b.caller} calls {b.target}  (was {b.was})", markup=False,
                      highlight=False, soft_wrap=True)  # fmt: skip
    for note in res.notes:
        out.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    if res.unindexed_files:
        out.print("not in the index: " + ", ".join(res.unindexed_files), markup=False, highlight=False, soft_wrap=True)


def run_impact(args: argparse.Namespace, cli: Any) -> int:
    from semgraph.graph import impact as impact_mod

    given = [x for x in (args.name, args.file, args.diff, args.git) if x]
    if len(given) != 1:
        raise InvalidInputError("give exactly one of NAME, --file, --diff or --git")
    diff = None
    if args.diff:
        if args.diff == "-":
            import sys

            diff = sys.stdin.read()
        else:
            diff = resolve_arg_path(cli, args.diff, kind="file").read_text(encoding="utf-8", errors="replace")
    elif args.git:
        diff = "git: " + args.git
    with open_read(cli) as store:
        res = impact_mod.impact(
            store,
            symbol=args.name,
            file=args.file,
            diff=diff,
            max_depth=args.max_depth,
            limit=args.limit,
            include_possible=args.include_possible,
        )
    if args.json:
        print_json(cli, res)
    else:
        print_impact(cli.out, res)
    return 0

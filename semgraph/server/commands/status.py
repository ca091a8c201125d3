"""``semgraph status``: the state of the index, and of the server keeping it fresh if one runs."""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

from rich.table import Table

from semgraph.graph.freshness import read_status


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "status", parents=[parent], help="index generation, files, LOC, skipped files, watcher state, last error"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace, cli) -> int:
    st = read_status(cli.settings.db_path, cli.settings.roots[0])
    if args.json:
        cli.out.print(json.dumps(dataclasses.asdict(st), indent=2), markup=False, highlight=False, soft_wrap=True)
        return 0
    table = Table(title=f"index {st.db_path}", show_header=False)
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(st.last_indexed_at)) if st.last_indexed_at else "-"
    progress = f"{st.progress_done}/{st.progress_total or '?'} files" if st.index_state == "building" else ""
    rows = [
        ("root", st.root),
        ("state", f"{st.index_state}{' (partial: first build under way)' if st.partial else ''} {progress}".strip()),
        ("generation", str(st.generation)),
        ("files", f"{st.files} ({', '.join(f'{k} {v}' for k, v in st.languages.items()) or 'none'})"),
        ("LOC", str(st.loc)),
        ("symbols", str(st.symbols)),
        ("skipped", ", ".join(f"{k} {v}" for k, v in st.skipped.items()) or "none"),
        ("last run", f"{when} ({st.last_run_seconds} s)" if st.last_run_seconds is not None else when),
        ("watcher", f"{st.watcher}: {st.watcher_detail}"),
        ("pending files", str(st.pending_files)),
        ("last error", st.last_error or "none"),
    ]
    for key, value in rows:
        table.add_row(key, value)
    cli.out.print(table)
    return 0

"""``semgraph serve``: run the MCP server over stdio or streamable HTTP."""

from __future__ import annotations

import argparse

from semgraph.errors import InvalidInputError
from semgraph.server import keeping


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[parent], help="run the MCP server (stdio by default)")
    p.add_argument("--http", metavar="HOST:PORT", help="serve streamable HTTP on HOST:PORT instead of stdio")
    p.add_argument(
        "--toolsets",
        metavar="LIST",
        help="comma-separated toolsets to expose: graph,analysis,rust,workload,django,dag (default: all)",
    )
    keeping.add_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, cli) -> int:
    from semgraph.server.app import build_server  # the MCP SDK costs ~1 s to import: only when serving

    app, env = build_server(cli.settings)
    if args.http:
        host, _, port = args.http.rpartition(":")
        if not host or not port.isdigit():
            raise InvalidInputError(f"--http expects HOST:PORT, got {args.http!r}")
        with keeping.kept_index(env, args):
            app.run("streamable-http", host=host, port=int(port))
    else:
        with keeping.kept_index(env, args):
            app.run("stdio")
    return 0

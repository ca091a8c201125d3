"""``semgraph serve``: run the MCP server over stdio or streamable HTTP."""

from __future__ import annotations

import argparse

from semgraph.procguard import exit_now, install_signal_handlers, kill_pool_processes
from semgraph.server import keeping
from semgraph.server.http import add_http_arguments, check_options, options_from_args, serve_http


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[parent], help="run the MCP server (stdio by default)")
    p.add_argument("--http", metavar="HOST:PORT", help="serve streamable HTTP on HOST:PORT instead of stdio")
    p.add_argument(
        "--toolsets",
        metavar="LIST",
        help="comma-separated toolsets to expose: graph,analysis,rust,workload,django,dag (default: all)",
    )
    add_http_arguments(p)
    keeping.add_arguments(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, cli) -> int:
    from semgraph.server.app import build_server  # the MCP SDK costs ~1 s to import: only when serving

    if args.http:
        check_options(options_from_args(args))  # refuse an unsafe bind before building anything
    install_signal_handlers()  # SIGTERM/SIGINT: the server and its parser workers stop at once
    app, env = build_server(cli.settings)
    try:
        with keeping.kept_index(env, args) as keeper:  # index on start and follow edits, in the background
            if args.http:
                opts = options_from_args(args)
                if keeper is not None and opts.workers > 1:  # the workers label their answers from its state
                    keeping.publish_for_workers(keeper)
                serve_http(app, cli.settings, opts)  # host checks, token, session caps, workers
            else:
                import anyio

                from semgraph.server.transport import run_stdio

                anyio.run(run_stdio, app)  # answers even requests the SDK's reader drops (deep JSON, \ud800)
    finally:
        kill_pool_processes()  # the client went away: no parser worker outlives the server
    exit_now(0)  # do not wait for a running index thread: the index keeps its last committed state
    return 0

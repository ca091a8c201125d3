"""The index keeper's life in ``semgraph serve``: its options, start before serving, stop when serving ends.

Starting it only launches a thread, so the MCP handshake and ``tools/list`` never wait for indexing. On the
way out (stdin closed, Ctrl-C or SIGTERM) the watcher and any running index (with its parser processes) are
stopped before the process exits, so nothing is left behind.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from semgraph.procguard import exit_now

if TYPE_CHECKING:  # the tools import the MCP SDK (~1 s): only when serving
    from semgraph.graph.freshness import IndexKeeper
    from semgraph.tools._base import ToolEnv


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--no-auto-index",
        dest="auto_index",
        action="store_false",
        help="do not index the root when the server starts (edits are still followed once an index exists)",
    )
    p.add_argument(
        "--watch",
        choices=("auto", "poll", "off"),
        default="auto",
        help="follow edits: auto = file watcher (falls back to poll where watching is impossible); "
        "poll = stat the tree before each query; off = only report changed files in answers (default: auto)",
    )


@contextmanager
def kept_index(env: ToolEnv, args: argparse.Namespace) -> Iterator[IndexKeeper | None]:
    """Start the keeper of the server's index (when the graph toolset is served); stop it on the way out."""
    from semgraph.graph.freshness import SERVER_STATUS_FILE, IndexKeeper, write_server_status
    from semgraph.graph.jobs import IndexJobs
    from semgraph.tools._fresh import KEEPER, attach_publisher, keeper_root

    if "graph" not in env.settings.toolsets and "analysis" not in env.settings.toolsets:
        yield None
        return
    jobs = env.service("graph.jobs", IndexJobs)
    keeper = IndexKeeper(
        env.settings.db_path,
        keeper_root(env),
        env.guard,
        jobs,
        watch=getattr(args, "watch", "auto"),
        auto_index=getattr(args, "auto_index", True),
    )
    env.services[KEEPER] = keeper
    attach_publisher(env, keeper)
    keeper.add_listener(lambda: write_server_status(keeper))
    status_file = env.settings.db_path.parent / SERVER_STATUS_FILE

    def terminate(signum: int, _frame: object) -> None:
        # Unwinding the event loop would wait for its stdin reader thread, which never returns while the client
        # keeps the pipe open: stop what we started (watcher, indexing and its parser processes), then leave.
        keeper.stop(timeout=0.2)  # a signal must stop the server within moments: the index keeps its last commit
        status_file.unlink(missing_ok=True)
        exit_now(128 + signum)  # kills and reaps the parser pool's processes too

    previous = signal.signal(signal.SIGTERM, terminate)
    keeper.start()
    try:
        yield keeper
    finally:
        keeper.stop()
        signal.signal(signal.SIGTERM, previous)
        status_file.unlink(missing_ok=True)


def publish_for_workers(keeper: IndexKeeper) -> None:
    """Publish the keeper's live state while serving, for the ``--workers`` processes (a daemon thread)."""
    from semgraph.graph.freshness import publish_while_serving

    publish_while_serving(keeper)

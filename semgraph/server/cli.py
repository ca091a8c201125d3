"""The ``semgraph`` command line: ``serve`` plus the same capabilities as the tools.

Each toolset adds its own sub-commands from ``semgraph.server.commands.<toolset>``
(``add_commands(subparsers, parent)``); a command is a function
``run(args, cli) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from semgraph import __version__
from semgraph.config import ALL_TOOLSETS, Settings
from semgraph.errors import SemgraphError
from semgraph.paths import PathGuard
from semgraph.workload.dsn import RedactingFilter

COMMAND_MODULES = [f"semgraph.server.commands.{name}" for name in ("serve", "status", *ALL_TOOLSETS, "demo")]


@dataclass
class Cli:
    """What a command needs: settings, the path guard and consoles (stdout for results)."""

    settings: Settings
    guard: PathGuard
    out: Console
    err: Console


def common_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--root",
        action="append",
        dest="roots",
        metavar="DIR",
        help="directory that file access is confined to (repeatable; default: the working directory)",
    )
    parent.add_argument(
        "--db", dest="db_path", metavar="PATH", help="index database (default: ROOT/.semgraph/index.db)"
    )
    parent.add_argument("--json", action="store_true", help="print machine-readable JSON instead of tables")
    parent.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    return parent


COMMAND_OWNERS: dict[str, str] = {
    "serve": "serve",
    "demo": "demo",
    **dict.fromkeys(("index", "search", "symbol", "callers", "callees", "impact"), "graph"),
    **dict.fromkeys(("workflows", "routes", "patterns", "quality", "links"), "analysis"),
    "diesel": "rust",
    "rust": "rust",
    "seed": "workload",
    "workload": "workload",
    "django": "django",
    "dag": "dag",
    "status": "status",
}
"""Which command module registers each top-level command, so a command loads its own toolset only.

Importing every toolset costs about a second of start-up; ``semgraph search`` needs the graph alone.
A command missing here still works (every module is loaded); a test keeps this table exact.
"""


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="semgraph", description="Semantic code graph and backend analyses (MCP server)."
    )
    parser.add_argument("--version", action="version", version=f"semgraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.set_defaults(_commands=sub.choices)
    parent = common_parent()
    for module_name in modules:
        importlib.import_module(module_name).add_commands(sub, parent)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    owner = COMMAND_OWNERS.get(argv[0]) if argv else None
    parser = build_parser([f"semgraph.server.commands.{owner}"] if owner else COMMAND_MODULES)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        group = args._commands.get(args.command) if args.command else None
        (group or parser).print_help()
        return 2
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:  # no log line shows a DSN password, whoever logs it
        handler.addFilter(RedactingFilter())
    err = Console(stderr=True)
    try:
        settings = Settings.build(
            getattr(args, "roots", None), getattr(args, "db_path", None), getattr(args, "toolsets", None)
        )
        cli = Cli(settings=settings, guard=PathGuard(settings.roots), out=Console(), err=err)
        return int(args.run(args, cli) or 0)
    except SemgraphError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


def resolve_arg_path(cli: Cli, value: str, kind: str = "any") -> Path:
    """Resolve a path given on the command line (relative to the working directory) through the guard."""
    return cli.guard.resolve(Path(value).expanduser().resolve(), kind=kind)


if __name__ == "__main__":
    raise SystemExit(main())

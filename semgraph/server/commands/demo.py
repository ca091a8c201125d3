"""``semgraph demo``: the README's first command runs this on a bundled fixture."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[parent], help="index the bundled fixture project and print a summary")
    p.add_argument("project", nargs="?", help="project directory (default: the bundled fixtures/pyshop)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, cli) -> int:
    cli.out.print("demo: nothing to show yet")
    return 0

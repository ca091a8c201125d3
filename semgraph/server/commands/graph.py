"""CLI commands of the `graph` toolset."""

from __future__ import annotations

import argparse


def add_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Add this toolset's sub-commands (none yet)."""

"""The CLI loads only the toolset that owns the command (start-up time), and the owner table is exact."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from semgraph.server.cli import COMMAND_MODULES, COMMAND_OWNERS, common_parent


def registered(module_name: str) -> set[str]:
    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module_name).add_commands(sub, common_parent())
    return set(sub.choices)


def test_owner_table_names_exactly_the_commands_each_module_registers() -> None:
    by_module = {name: registered(name) for name in COMMAND_MODULES}
    expected = {cmd: name.rsplit(".", 1)[1] for name, cmds in by_module.items() for cmd in cmds}
    assert expected == COMMAND_OWNERS


def test_search_imports_only_the_graph_toolset() -> None:
    probe = (
        "import sys\n"
        "from semgraph.server import cli\n"
        "try:\n"
        "    cli.main(['search', 'x', '--root', '.'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('semgraph.server.commands.', 'semgraph.tools', 'mcp')))\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "semgraph.server.commands.graph"

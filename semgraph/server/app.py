"""Build the MCP server: one ``MCPServer`` with the chosen toolsets registered."""

from __future__ import annotations

import importlib

from semgraph import __version__
from semgraph.config import Settings
from semgraph.tools import index_status
from semgraph.tools._base import ToolEnv, ToolServer

TOOLSET_MODULES: dict[str, str] = {
    "graph": "semgraph.tools.graph",
    "analysis": "semgraph.tools.analysis",
    "rust": "semgraph.tools.rust",
    "workload": "semgraph.tools.workload",
    "django": "semgraph.tools.django",
    "dag": "semgraph.tools.dag",
}

INSTRUCTIONS = """\
semgraph answers questions about backend codebases from a semantic code graph.
The server indexes its first --root in the background as it starts and
re-indexes files as they are edited; every graph/analysis answer carries
'freshness' (generation read, index_state ready/building, files changed since).
index_repository indexes another directory or other options (relative paths
are taken from the server's first --root). Then search_symbols / get_symbol /
get_call_graph / impact_analysis. Analyses (workflows, patterns, quality,
cross-language links) read the same index. Every list result is bounded: use
limit/offset to page. File access is confined to the server's roots."""


def build_server(settings: Settings) -> tuple[ToolServer, ToolEnv]:
    """Create the server and register the toolsets named in ``settings``."""
    bus = index_status.LoopAwareBus()
    app = ToolServer("semgraph", version=__version__, instructions=INSTRUCTIONS, subscriptions=bus)
    env = ToolEnv.from_settings(settings)
    for toolset in settings.toolsets:
        module = importlib.import_module(TOOLSET_MODULES[toolset])
        module.register(app, env)
    if "graph" in settings.toolsets or "analysis" in settings.toolsets:
        index_status.register(app, env, bus)
    return app, env

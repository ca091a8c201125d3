"""MCP tools of the `dag` toolset."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from semgraph.tools._base import ToolEnv


def register(app: MCPServer, env: ToolEnv) -> None:
    """Register this toolset's tools (none yet)."""

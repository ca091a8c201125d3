"""Domain package `dag` (knows nothing of MCP)."""

"""Domain package `analysis` (knows nothing of MCP)."""

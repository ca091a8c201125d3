"""Domain package `rust` (knows nothing of MCP)."""

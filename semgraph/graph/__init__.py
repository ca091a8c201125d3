"""Domain package `graph` (knows nothing of MCP)."""

"""Domain package `workload` (knows nothing of MCP)."""

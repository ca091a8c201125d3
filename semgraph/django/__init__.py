"""Domain package `django` (knows nothing of MCP)."""

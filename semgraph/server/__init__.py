"""The MCP application, its transports and the command line."""

"""semgraph: a semantic code graph and backend analyses, served to AI assistants over MCP."""

__version__ = "0.1.0"

"""Domain package `analysis` (knows nothing of MCP): what a backend does, read from the graph.

- ``codebase``: the in-memory view of one index generation (symbols, calls, imports, sources);
- ``entrypoints``: HTTP routes, CLI commands, message handlers, ``main``;
- ``facts`` / ``roles`` / ``schemas``: what a function body does (guards, errors, loops, library calls);
- ``workflows`` / ``steps`` / ``tracing``: business workflows, one step in depth, call paths to sinks;
- ``patterns``: architecture and design patterns with layering violations;
- ``quality``: metrics, cycles, dead code, security and performance smells;
- ``crosslang``: links across languages, stored as ``cross_language`` edges.
"""

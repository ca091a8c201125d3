"""CLI sub-commands, one module per toolset (plus ``serve`` and ``demo``)."""

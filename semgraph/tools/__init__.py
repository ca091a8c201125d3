"""MCP toolsets: one module per toolset, each with ``register(app, env)``.

Modules here validate input, call one domain function and shape a bounded
result. They hold no domain logic.
"""

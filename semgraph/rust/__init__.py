"""Rust / Diesel: read a Diesel project into an entity spec and generate Rust back.

- ``spec``: the entity spec (pydantic; YAML and JSON both ways);
- ``schema_parser`` / ``model_parser`` / ``project``: tree-sitter-rust parsing of
  ``schema.rs`` token trees, model structs, twins and enums, for a file, a crate
  or a Cargo workspace, with file:line:column diagnostics;
- ``normalize`` / ``generator`` / ``templates``: defaults and jinja2 templates for
  models, ``schema.rs``, Actix-web 4 handlers and ``mod.rs``; ``actions``: the
  action steps and their expression grammar; ``regions``: marked regions that
  keep hand edits; ``export``: JSON Schema and OpenAPI 3.1;
- ``api``: what the MCP tools and the CLI call.

Knows nothing of MCP.
"""

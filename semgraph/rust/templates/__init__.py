"""Jinja2 templates of the Rust generator (.j2 files)."""

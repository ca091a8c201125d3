"""Tree-sitter queries of the Rust/Diesel parser (.scm files)."""

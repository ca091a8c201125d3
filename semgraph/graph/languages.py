"""Languages semgraph parses: file extensions, tree-sitter grammars, parsers.

Grammars come from the per-language wheels (``tree-sitter-python`` …). Parsers
and compiled queries are cached per process (the parser pool reuses them).
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import PurePath

import tree_sitter as ts

EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".rs": "rust",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".java": "java",
}

LANGUAGES: tuple[str, ...] = ("python", "rust", "javascript", "typescript", "tsx", "go", "java")


def language_for_path(path: str | PurePath) -> str | None:
    """The language of a file from its extension, or None if semgraph does not parse it."""
    return EXTENSIONS.get(PurePath(path).suffix.lower())


@functools.cache
def grammar(language: str) -> ts.Language:
    """The tree-sitter Language for ``language`` (loaded once per process)."""
    match language:
        case "python":
            import tree_sitter_python as mod

            return ts.Language(mod.language())
        case "rust":
            import tree_sitter_rust as mod

            return ts.Language(mod.language())
        case "javascript":
            import tree_sitter_javascript as mod

            return ts.Language(mod.language())
        case "typescript":
            import tree_sitter_typescript as mod

            return ts.Language(mod.language_typescript())
        case "tsx":
            import tree_sitter_typescript as mod

            return ts.Language(mod.language_tsx())
        case "go":
            import tree_sitter_go as mod

            return ts.Language(mod.language())
        case "java":
            import tree_sitter_java as mod

            return ts.Language(mod.language())
    raise KeyError(f"no grammar for {language!r}")


@functools.cache
def parser(language: str) -> ts.Parser:
    return ts.Parser(grammar(language))


def parse(source: bytes, language: str) -> ts.Tree:
    return parser(language).parse(source)


@functools.cache
def query_text(name: str, package: str = "semgraph.graph.queries") -> str:
    """Text of the query file ``<name>.scm`` shipped in ``package`` (default: the graph's queries)."""
    return resources.files(package).joinpath(f"{name}.scm").read_text(encoding="utf-8")


@functools.cache
def query(language: str, name: str, package: str = "semgraph.graph.queries") -> ts.Query:
    """Compiled query ``<name>.scm`` from ``package`` for ``language`` (cached per process).

    Every package keeps its tree-sitter queries as ``.scm`` files in its own
    ``queries/`` folder and loads them here, e.g.
    ``query("rust", "diesel-models", "semgraph.rust.queries")``.
    """
    return ts.Query(grammar(language), query_text(name, package))

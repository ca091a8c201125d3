"""Per-language extractors: source bytes in, ``FileExtraction`` out.

``extract`` is a plain function of its arguments (no state beyond the
per-process parser and query caches in ``semgraph.graph.languages``), so the
indexer can run it in a process pool.
"""

from __future__ import annotations

import importlib

from semgraph.errors import UnsupportedError
from semgraph.graph.extractors.modules import module_name_for
from semgraph.graph.languages import LANGUAGES, language_for_path
from semgraph.graph.model import FileExtraction

__all__ = ["EXTRACTORS", "extract", "module_name_for"]

# language -> (module, class) of its extractor, imported on first use
EXTRACTORS: dict[str, tuple[str, str]] = {
    "python": ("python", "PythonExtractor"),
    "rust": ("rust", "RustExtractor"),
    "javascript": ("javascript", "JavaScriptExtractor"),
    "typescript": ("typescript", "TypeScriptExtractor"),
    "tsx": ("typescript", "TsxExtractor"),
    "go": ("go", "GoExtractor"),
    "java": ("java", "JavaExtractor"),
}
_classes: dict[str, type] = {}


def _extractor_class(language: str) -> type:
    cls = _classes.get(language)
    if cls is None:
        mod_name, cls_name = EXTRACTORS[language]
        mod = importlib.import_module(f"semgraph.graph.extractors.{mod_name}")
        cls = _classes[language] = getattr(mod, cls_name)
    return cls


def extract(source: bytes, path: str, language: str | None = None, module: str | None = None) -> FileExtraction:
    """Symbols, imports, calls, bases and syntax errors of one file.

    ``language`` defaults to the one of ``path``'s extension, ``module`` to
    ``module_name_for(path, language)``. Malformed source still yields every
    intact definition plus ``errors`` with their line and column.
    """
    if language is None:
        language = language_for_path(path)
    if language not in EXTRACTORS:
        raise UnsupportedError(
            f"cannot extract {path!r}: language {language!r} is not supported",
            hint=f"supported languages: {', '.join(LANGUAGES)}",
        )
    if module is None:
        module = module_name_for(path, language)
    return _extractor_class(language)(source, path, module).run()

"""Module names of files, per language, from their path alone.

The names match what the language's own imports say, so the resolver can link
``from app.models import User`` or ``use crate::db::models`` to a file.
"""

from __future__ import annotations

from pathlib import PurePosixPath


def _parts(path: str) -> list[str]:
    return [p for p in PurePosixPath(path.replace("\\", "/")).parts if p not in ("", ".", "/")]


def python_module(path: str) -> str:
    """``app/services/users.py`` -> ``app.services.users``; ``pkg/__init__.py`` -> ``pkg``;
    a leading ``src/`` (src layout) is dropped."""
    parts = _parts(path)
    if not parts:
        return ""
    stem = parts[-1].rsplit(".", 1)[0]
    parts = parts[:-1] if stem == "__init__" else [*parts[:-1], stem]
    if parts and parts[0] == "src":
        parts = parts[1:]
    return ".".join(parts)


def rust_module(path: str) -> str:
    """``src/a/b.rs`` -> ``crate::a::b``; ``src/lib.rs``, ``src/main.rs`` -> ``crate``;
    ``src/a/mod.rs`` -> ``crate::a``. The crate root is the first ``src`` directory
    (``mycrate/src/x.rs`` -> ``crate::x``); without one, every segment counts."""
    parts = _parts(path)
    if "src" in parts:
        parts = parts[parts.index("src") + 1 :]
    if not parts:
        return "crate"
    stem = parts[-1].rsplit(".", 1)[0]
    parts = parts[:-1] if stem == "mod" or (len(parts) == 1 and stem in ("lib", "main")) else [*parts[:-1], stem]
    return "::".join(["crate", *parts])


def js_module(path: str) -> str:
    """``src/utils/format.ts`` -> ``src/utils/format`` (the path without extension)."""
    parts = _parts(path)
    if not parts:
        return ""
    parts[-1] = parts[-1].split(".", 1)[0] if parts[-1].count(".") == 1 else parts[-1].rsplit(".", 1)[0]
    return "/".join(parts)


def go_module(path: str) -> str:
    """``internal/db/users.go`` -> ``internal/db`` (the package directory; ``.`` at the root)."""
    parts = _parts(path)
    return "/".join(parts[:-1]) or "."


def java_module(path: str) -> str:
    """``src/main/java/com/x/User.java`` -> ``com.x`` (the directory under a ``java``
    source root, else the whole directory). The extractor prefers the ``package``
    declaration when the file has one."""
    parts = _parts(path)[:-1]
    if "java" in parts:
        parts = parts[len(parts) - parts[::-1].index("java") :]
    return ".".join(parts)


_BY_LANGUAGE = {
    "python": python_module,
    "rust": rust_module,
    "javascript": js_module,
    "typescript": js_module,
    "tsx": js_module,
    "go": go_module,
    "java": java_module,
}


def module_name_for(path: str, language: str) -> str:
    """The module name of the file at ``path`` (posix, relative to the indexed root)."""
    try:
        return _BY_LANGUAGE[language](path)
    except KeyError:
        raise ValueError(f"no module naming rule for language {language!r}") from None

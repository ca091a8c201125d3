"""The one path-safety helper: every file read or write goes through ``PathGuard``.

A path is accepted only when its fully resolved form (symlinks followed) lies
inside one of the configured roots. Relative paths are taken from the first
root, never from the process's working directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from semgraph.errors import InvalidInputError, NotFoundError, PathAccessError


class PathGuard:
    """Resolves user-supplied paths and refuses those outside the roots."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots: tuple[Path, ...] = tuple(Path(r).resolve() for r in roots)
        if not self.roots:
            raise InvalidInputError("at least one root directory is required")

    @property
    def default_root(self) -> Path:
        return self.roots[0]

    def contains(self, path: Path) -> bool:
        """True when an already-resolved path lies inside a root."""
        return any(path == root or path.is_relative_to(root) for root in self.roots)

    def resolve(self, path: str | os.PathLike[str], *, must_exist: bool = True, kind: str = "any") -> Path:
        """Return the real path of ``path`` if it is inside a root.

        ``kind`` is ``"file"``, ``"dir"`` or ``"any"``. Raises PathAccessError for
        escapes (``..``, absolute paths outside, symlinks pointing out) and
        NotFoundError when ``must_exist`` and it is missing.
        """
        text = os.fspath(path)
        if not text or "\x00" in text:
            raise InvalidInputError("path is empty or contains a NUL byte")
        candidate = Path(text).expanduser()
        if not candidate.is_absolute():
            candidate = self.default_root / candidate
        real = Path(os.path.realpath(candidate))
        if not self.contains(real):
            roots = ", ".join(str(r) for r in self.roots)
            raise PathAccessError(
                f"path {text!r} resolves outside the allowed roots",
                hint=f"use a path inside {roots} (start the server with --root to allow another directory)",
            )
        if must_exist and not real.exists():
            raise NotFoundError(f"path {text!r} does not exist", hint=f"paths are relative to {self.default_root}")
        if real.exists():
            if kind == "file" and not real.is_file():
                raise InvalidInputError(f"path {text!r} is not a file")
            if kind == "dir" and not real.is_dir():
                raise InvalidInputError(f"path {text!r} is not a directory")
        return real

    def resolve_for_write(self, path: str | os.PathLike[str]) -> Path:
        """Resolve a path that will be created or overwritten; its parent need not exist yet."""
        real = self.resolve(path, must_exist=False)
        if real.exists() and real.is_dir():
            return real
        # the nearest existing ancestor must also be inside a root (guards symlinked parents)
        ancestor = real.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not self.contains(Path(os.path.realpath(ancestor))):
            raise PathAccessError(f"path {os.fspath(path)!r} would be written outside the allowed roots")
        return real

    def relative(self, path: Path) -> str:
        """Display form of a path: relative to the root that holds it."""
        real = Path(os.path.realpath(path))
        for root in self.roots:
            if real == root or real.is_relative_to(root):
                return real.relative_to(root).as_posix() or "."
        return real.as_posix()

    def is_safe_member(self, path: Path) -> bool:
        """True if a file found while walking a tree is safe to read (no symlink escape)."""
        try:
            return self.contains(Path(os.path.realpath(path)))
        except OSError:
            return False

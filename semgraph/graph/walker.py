"""Find the source files of a repository: what to index and why the rest was skipped.

Honours ``.gitignore`` at every level and ``.semgraphignore`` (same syntax),
skips vendored/build directories, over-size files, symlinks that leave the
root and files in languages semgraph does not parse. Every skip is counted by
reason so a report can say what was left out. (Binary content is detected
when a file is read for parsing: see ``indexer``; its skip reason is
``binary``.)
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pathspec import GitIgnoreSpec

from semgraph.errors import InvalidInputError
from semgraph.graph.languages import EXTENSIONS, LANGUAGES
from semgraph.paths import PathGuard

SKIP_DIRS: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".semgraph",
        ".venv",
        "venv",
        "env",
        ".env",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".idea",
        ".vscode",
        "__pycache__",
        "node_modules",
        "bower_components",
        "target",
        "dist",
        "build",
        "vendor",
        "third_party",
        ".next",
        ".nuxt",
        "coverage",
        ".gradle",
        "out",
        "site-packages",
        ".eggs",
    }
)
"""Directory names that hold vendored, generated or build output, never the project's own code."""

_OUTPUT_NAMES = frozenset({"dist", "build", "out"})
"""Output-directory names that a project may also use for a Python package of its own (``import dist.views``)."""


def skipped_dir(path: str, name: str) -> bool:
    """True when directory ``name`` at ``path`` holds vendored or build output. A ``dist``/``build``/``out``
    directory with an ``__init__.py`` is a package the project imports, so it is kept."""
    if name not in SKIP_DIRS:
        return False
    return not (name in _OUTPUT_NAMES and os.path.isfile(os.path.join(path, "__init__.py")))


IGNORE_FILES = (".gitignore", ".semgraphignore")
DEFAULT_MAX_FILE_BYTES = 1_000_000
MAX_EXAMPLES = 20


@dataclass(slots=True, frozen=True)
class WalkedFile:
    path: str  # absolute, inside the root (plain str: a Path per file costs more than the walk)
    rel: str  # posix path relative to the root
    language: str
    size: int
    mtime_ns: int


@dataclass
class WalkResult:
    files: list[WalkedFile] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[str, str]] = field(default_factory=list)  # (path, reason), bounded

    def skip(self, rel: str, reason: str) -> None:
        self.skipped[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((rel, reason))


def normalize_languages(languages: Iterable[str] | None) -> frozenset[str] | None:
    """Validate a language filter; ``typescript`` also selects ``tsx``."""
    if not languages:
        return None
    chosen = {lang.strip().lower() for lang in languages if lang.strip()}
    unknown = sorted(chosen - set(LANGUAGES))
    if unknown:
        raise InvalidInputError(
            f"unknown language(s): {', '.join(unknown)}", hint=f"choose from {', '.join(LANGUAGES)}"
        )
    if "typescript" in chosen:
        chosen.add("tsx")
    return frozenset(chosen)


def _load_ignore(directory: str) -> GitIgnoreSpec | None:
    lines: list[str] = []
    for name in IGNORE_FILES:
        try:
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as fh:
                lines.extend(fh.read().splitlines())
        except OSError:
            continue
    return GitIgnoreSpec.from_lines(lines) if lines else None


def _ignored(specs: list[tuple[str, GitIgnoreSpec]], rel: str) -> bool:
    """Git semantics: the deepest ignore file with an opinion wins, and within a file the last matching line."""
    verdict = False
    for base, spec in specs:
        sub = rel[len(base) + 1 :] if base else rel
        result = spec.check_file(sub)
        if result.include is not None:
            verdict = result.include
    return verdict


MAX_EXCLUDES = 1_000
MAX_GLOB_CHARS = 500


def check_excludes(exclude: Iterable[str]) -> list[str]:
    """The exclude globs, refused when too many or too long (each is matched against every path)."""
    globs = list(exclude)
    if len(globs) > MAX_EXCLUDES or any(len(g) > MAX_GLOB_CHARS for g in globs):
        raise InvalidInputError(
            f"exclude takes at most {MAX_EXCLUDES} globs of at most {MAX_GLOB_CHARS} characters",
            hint="use directory globs ('tests/**') or a .semgraphignore file instead of one entry per file",
        )
    return globs


def walk(
    root: Path,
    guard: PathGuard,
    *,
    languages: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> WalkResult:
    """List the files under ``root`` that semgraph should index, sorted by path."""
    wanted = normalize_languages(languages)
    excluded = GitIgnoreSpec.from_lines(check_excludes(exclude)) if exclude else None
    result = WalkResult()
    stack: list[tuple[str, str, list[tuple[str, GitIgnoreSpec]]]] = [(os.path.realpath(root), "", [])]
    while stack:
        directory, rel_dir, parent_specs = stack.pop()
        spec = _load_ignore(directory)
        specs = [*parent_specs, (rel_dir, spec)] if spec else parent_specs
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            result.skip(rel_dir or ".", "unreadable")
            continue
        subdirs = []
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if not entry.name.isascii():
                try:
                    entry.name.encode("utf-8")
                except UnicodeEncodeError:  # a name that is not UTF-8 cannot be stored or shown as a path
                    result.skip(rel.encode("utf-8", "replace").decode("utf-8"), "undecodable_name")
                    continue
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()
            except OSError:
                result.skip(rel, "unreadable")
                continue
            if is_link and not guard.is_safe_member(Path(entry.path)):  # rare: only symlinks pay for a Path
                result.skip(rel, "symlink_outside_root")
                continue
            if is_dir:
                if skipped_dir(entry.path, entry.name):
                    result.skip(rel + "/", "vendored_or_build_dir")
                elif is_link:
                    result.skip(rel + "/", "symlinked_dir")
                elif _ignored(specs, rel + "/"):
                    result.skip(rel + "/", "ignored")
                elif excluded is not None and excluded.match_file(rel + "/"):
                    result.skip(rel + "/", "excluded")
                else:
                    subdirs.append((entry.path, rel, specs))
                continue
            if not entry.is_file():
                continue
            language = EXTENSIONS.get(os.path.splitext(entry.name)[1].lower())
            if language is None:
                result.skip(rel, "unknown_language")
                continue
            if _ignored(specs, rel):
                result.skip(rel, "ignored")
                continue
            if excluded is not None and excluded.match_file(rel):
                result.skip(rel, "excluded")
                continue
            if wanted is not None and language not in wanted:
                result.skip(rel, "language_filtered")
                continue
            try:
                st = entry.stat()
            except OSError:
                result.skip(rel, "unreadable")
                continue
            if st.st_size > max_file_bytes:
                result.skip(rel, "too_large")
                continue
            path = os.path.realpath(entry.path) if is_link else entry.path
            result.files.append(WalkedFile(path, rel, language, st.st_size, st.st_mtime_ns))
        stack.extend(reversed(subdirs))
    result.files.sort(key=lambda f: f.rel)
    return result

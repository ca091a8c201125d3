"""The one configuration object shared by the server, the CLI and the tools."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from semgraph.errors import InvalidInputError

ALL_TOOLSETS: tuple[str, ...] = ("graph", "analysis", "rust", "workload", "django", "dag")
"""Every toolset, in the order they are registered."""

INDEX_DIRNAME = ".semgraph"


@dataclass(frozen=True)
class Settings:
    """What a server or CLI run is allowed to touch and where it keeps its state.

    ``roots`` confine every file read and write; the first root is the default
    base for relative paths and holds the index directory unless ``db_path`` is
    given.
    """

    roots: tuple[Path, ...]
    db_path: Path
    toolsets: tuple[str, ...] = ALL_TOOLSETS
    max_file_bytes: int = 2_000_000
    """Per-file size cap for the dag and rust tools/commands. The graph index keeps
    its own documented 1 MB default (``index_repository`` ``max_file_bytes``)."""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def index_dir(self) -> Path:
        """Directory for the index and its caches (serializer cache, workload databases)."""
        return self.db_path.parent

    @classmethod
    def build(
        cls,
        roots: list[str | Path] | None = None,
        db_path: str | Path | None = None,
        toolsets: str | list[str] | None = None,
        *,
        cwd: Path | None = None,
    ) -> Settings:
        base = (cwd or Path.cwd()).resolve()
        resolved: list[Path] = []
        for root in roots or [base]:
            path = (base / Path(root).expanduser()).resolve()
            if not path.is_dir():
                raise InvalidInputError(f"root {str(root)!r} is not a directory", hint="pass an existing directory")
            if path not in resolved:
                resolved.append(path)
        db = Path(db_path).expanduser() if db_path else resolved[0] / INDEX_DIRNAME / "index.db"
        if not db.is_absolute():
            db = (base / db).resolve()
        return cls(roots=tuple(resolved), db_path=db, toolsets=parse_toolsets(toolsets))


def parse_toolsets(value: str | list[str] | None) -> tuple[str, ...]:
    """Parse ``graph,analysis`` (or a list) into known toolset names, in canonical order."""
    if value is None:
        return ALL_TOOLSETS
    names = [n.strip() for n in (value.split(",") if isinstance(value, str) else value) if n.strip()]
    if not names or names == ["all"]:
        return ALL_TOOLSETS
    unknown = sorted(set(names) - set(ALL_TOOLSETS))
    if unknown:
        raise InvalidInputError(
            f"unknown toolset(s): {', '.join(unknown)}", hint=f"choose from {', '.join(ALL_TOOLSETS)}"
        )
    return tuple(t for t in ALL_TOOLSETS if t in names)

"""The operations the MCP tools and the CLI share: parse, generate (and write), export.

Every user-supplied path goes through the caller's ``PathGuard``; inline
source is parsed as if it were a file called ``<source>`` / ``<schema>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from semgraph.errors import InvalidInputError
from semgraph.paths import PathGuard
from semgraph.progress import ProgressFn
from semgraph.rust.generator import GeneratedFile, GenerateOptions, generate, handler_ready
from semgraph.rust.normalize import normalize
from semgraph.rust.project import SourceFile, parse_path, parse_sources, read_source
from semgraph.rust.regions import WriteReport, write_files
from semgraph.rust.spec import DieselSpec, EntitySpec, ParseResult, dump_spec, load_spec


def parse_input(
    guard: PathGuard,
    *,
    path: str | None = None,
    source: str | None = None,
    schema_path: str | None = None,
    schema_source: str | None = None,
    max_bytes: int = 2_000_000,
    backend: str = "postgres",
    progress: ProgressFn | None = None,
) -> ParseResult:
    """Parse a file / directory / workspace, or inline source, plus an optional schema."""
    if (path is None) == (source is None):
        raise InvalidInputError(
            "give exactly one of path and source", hint="path: a .rs file or crate directory; source: Rust text"
        )
    if schema_path is not None and schema_source is not None:
        raise InvalidInputError("give at most one of schema_path and schema_source")
    for label, text in (("source", source), ("schema_source", schema_source)):
        if text is not None and len(text.encode()) > max_bytes:
            raise InvalidInputError(
                f"{label} is {len(text.encode()):,} bytes, over the {max_bytes:,}-byte limit",
                hint="pass a path to the crate instead",
            )
    schema_file: Path | None = None
    if schema_path is not None:
        schema_file = guard.resolve(schema_path, kind="file")
        if schema_file.suffix != ".rs":
            raise InvalidInputError(f"schema_path {schema_path!r} is not a Rust file (.rs)", hint="point at schema.rs")
    if path is not None:
        target = guard.resolve(path)
        return parse_path(
            target,
            schema_file,
            display=guard.relative,
            is_safe=guard.is_safe_member,
            max_bytes=max_bytes,
            backend=backend,
            progress=progress,
        )
    schemas: list[SourceFile] = []
    if schema_file is not None:
        schemas.append(read_source(schema_file, guard.relative(schema_file), max_bytes))
    elif schema_source is not None:
        schemas.append(SourceFile("<schema>", schema_source.encode()))
    return parse_sources([SourceFile("<source>", (source or "").encode())], schemas, backend=backend, progress=progress)


def _handler_skip(entity: EntitySpec, spec: DieselSpec) -> str | None:
    reason = handler_ready(entity)
    if reason is None and spec.entity_for_table(entity.table) is not entity:
        owner = spec.entity_for_table(entity.table)
        return f"another struct ({owner.name if owner else '?'}) is the primary model of {entity.table}"
    return reason


def write_spec(guard: PathGuard, spec: DieselSpec, path: str) -> Path:
    """Write the whole spec (every entity, enum and SQL type) to ``path`` inside the roots.

    The format follows the suffix (``.json``, else YAML). A file that exists and is not a
    spec semgraph could read is refused, so this never overwrites unrelated work.
    """
    target = guard.resolve_for_write(path)
    if target.exists():
        if not target.is_file():
            raise InvalidInputError(f"{path!r} exists and is not a file", hint="give a file name for the spec")
        try:
            load_spec(target.read_text(encoding="utf-8"))
        except (InvalidInputError, UnicodeDecodeError):
            raise InvalidInputError(
                f"{path!r} exists and is not an entity spec; refusing to overwrite it", hint="choose a new file name"
            ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(dump_spec(spec, "json" if target.suffix == ".json" else "yaml"), encoding="utf-8")
    return target


def read_spec(guard: PathGuard, path: str, max_bytes: int) -> DieselSpec:
    """Load a spec file from inside the roots (as ``write_spec`` or ``semgraph diesel parse -o`` wrote it)."""
    source = guard.resolve(path, kind="file")
    size = source.stat().st_size
    if size > max_bytes:
        raise InvalidInputError(f"spec file {path!r} is {size:,} bytes, over the {max_bytes:,}-byte limit")
    return load_spec(source.read_text(encoding="utf-8"))


@dataclass
class GenerateResult:
    files: list[GeneratedFile]
    handlers_skipped: dict[str, str] = field(default_factory=dict)
    report: WriteReport | None = None
    output_dir: Path | None = None


def generate_project(
    spec: DieselSpec,
    options: GenerateOptions,
    *,
    guard: PathGuard | None = None,
    output_dir: str | None = None,
    overwrite: bool = False,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
) -> GenerateResult:
    """Generate files; with ``output_dir`` write them (inside the guard's roots) and report a diff."""
    out: Path | None = None
    if output_dir is not None:
        if guard is None:
            raise InvalidInputError("output_dir needs a path guard")
        out = guard.resolve_for_write(output_dir)
        if out.exists() and not out.is_dir():
            raise InvalidInputError(f"output_dir {output_dir!r} is a file", hint="pass a directory")
    files = generate(spec, options, progress)
    full = normalize(spec, options.backend)
    skipped = {
        e.name: reason
        for e in full.entities
        if e.has_model and "handlers" in options.targets and (reason := _handler_skip(e, full)) is not None
    }
    result = GenerateResult(files=files, handlers_skipped=skipped, output_dir=out)
    if out is not None:
        for f in files:  # every target must stay inside the roots (guards symlinked sub-directories)
            guard.resolve_for_write(out / f.path)  # type: ignore[union-attr]
        result.report = write_files(files, out, overwrite=overwrite, dry_run=dry_run)
    return result

"""MCP tools of the `rust` toolset: ``parse_diesel_model``, ``generate_rust``, ``export_diesel_schema``.

Thin adapters over ``semgraph.rust.api``: validate, run the blocking work in a
worker thread, and bound the result (a page of entities, capped diagnostics,
per-file and diff size caps with a flag that says what was cut).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field, model_validator

from semgraph.rust.api import generate_project, parse_input, read_spec, write_spec
from semgraph.rust.export import json_schema, openapi
from semgraph.rust.generator import TARGETS, GenerateOptions, Target
from semgraph.rust.spec import Backend, Diagnostic, DieselSpec, EntitySpec, EnumSpec, dump_spec, load_spec
from semgraph.tools._base import PageInfo, PageInput, ToolCall, ToolEnv, clamp_text, register_tool

DIAGNOSTICS_CAP = 100
TEXT_CAP = 100_000
DIFF_CAP = 100_000
SPEC_FILE_CAP = 64_000_000  # a spec file generate_rust reads (a 1,000-entity spec is a few MB)


class _SourceArgs(PageInput):
    path: Annotated[
        str | None, Field(description="A .rs file, a crate directory or a Cargo workspace (inside the server's roots).")
    ] = None
    source: Annotated[str | None, Field(description="Rust source text instead of a path (models and/or table!).")] = (
        None
    )
    schema_path: Annotated[str | None, Field(description="schema.rs when it is not under path.")] = None
    schema_source: Annotated[str | None, Field(description="schema.rs text instead of schema_path.")] = None
    backend: Annotated[Backend, Field(description="Backend for inferring SQL types with no schema.rs.")] = "postgres"
    diagnostics_offset: Annotated[
        int, Field(ge=0, le=10_000_000, description="Diagnostics to skip (errors come first), for the next 100.")
    ] = 0

    @model_validator(mode="after")
    def _one_source(self) -> _SourceArgs:
        if (self.path is None) == (self.source is None):
            raise ValueError("give exactly one of path (file or directory) and source (Rust text)")
        if self.schema_path is not None and self.schema_source is not None:
            raise ValueError("give at most one of schema_path and schema_source")
        return self


class ParseDieselInput(_SourceArgs):
    format: Annotated[
        Literal["json", "yaml"], Field(description="Format of spec_text, the page's spec as a document.")
    ] = "json"
    spec_output: Annotated[
        str | None,
        Field(
            description="Also write the WHOLE spec (every entity, enum, sql_type) to this file inside the roots "
            "(.json or .yaml); pass it to generate_rust as spec_path. Use it when spec_text is truncated. "
            "An existing file is only replaced when it is a spec."
        ),
    ] = None


class ParseSummary(BaseModel):
    files: int
    entities: int
    models: int = Field(description="entities with a model struct (the rest are schema.rs tables only)")
    enums: int
    relations: int
    errors: int
    warnings: int


class ParseDieselOutput(BaseModel):
    summary: ParseSummary
    entities: list[EntitySpec] = Field(description="One page of entities (sorted by module path and name).")
    enums: list[EnumSpec]
    spec_text: str = Field(description="This page as a spec document (YAML or JSON) that generate_rust accepts.")
    spec_text_truncated: bool
    diagnostics: list[Diagnostic] = Field(
        description="Errors first, then warnings (file:line:column): 100 from diagnostics_offset."
    )
    diagnostics_truncated: bool
    diagnostics_page: PageInfo = Field(description="Where these diagnostics sit; next_offset → diagnostics_offset.")
    spec_written_to: str | None = Field(None, description="The file holding the whole spec (with spec_output).")
    page: PageInfo


def _diagnostics(diags: list[Diagnostic], offset: int) -> tuple[list[Diagnostic], bool, PageInfo]:
    chosen = diags[offset : offset + DIAGNOSTICS_CAP]
    info = PageInfo.of(len(diags), offset, DIAGNOSTICS_CAP, len(chosen))
    return chosen, info.next_offset is not None or offset > 0, info


def _page(spec: DieselSpec, offset: int, limit: int) -> DieselSpec:
    page = spec.model_copy()
    page.entities = spec.entities[offset : offset + limit]
    return page


# --- generate_rust ----------------------------------------------------------------------------


class GenerateRustInput(PageInput):
    specs: Annotated[
        str | dict[str, Any] | list[dict[str, Any]] | None,
        Field(
            description="The entity spec: YAML or JSON text, a spec object {entities: [...], enums: [...]}, "
            "or a list of entity objects (as parse_diesel_model returns). Or give spec_path."
        ),
    ] = None
    spec_path: Annotated[
        str | None,
        Field(description="A spec file inside the roots (parse_diesel_model's spec_output) instead of specs."),
    ] = None
    targets: Annotated[list[Target], Field(description="What to generate.")] = list(TARGETS)  # noqa: RUF012
    framework: Annotated[Literal["actix"], Field(description="Web framework of the handlers (Actix-web 4).")] = "actix"
    backend: Annotated[Backend | None, Field(description="Database backend (default: the spec's).")] = None
    pool: Annotated[
        Literal["r2d2", "diesel-async"] | None,
        Field(
            description="r2d2 pool + web::block (sync Diesel), or diesel-async with a deadpool pool "
            "(default: diesel-async when the parsed project used it, else r2d2)."
        ),
    ] = None
    skip_tables: Annotated[list[str], Field(description="Tables to leave out entirely.")] = []  # noqa: RUF012
    output_dir: Annotated[
        str | None, Field(description="Write the files under this directory (inside the roots) and return a diff.")
    ] = None
    overwrite: Annotated[
        bool, Field(description="Replace existing files (hand edits outside semgraph:begin/end regions are kept).")
    ] = False
    max_file_chars: Annotated[
        int, Field(ge=200, le=200_000, description="Per-file cap on returned content (without output_dir).")
    ] = 20_000

    @model_validator(mode="after")
    def _one_spec(self) -> GenerateRustInput:
        if (self.specs is None) == (self.spec_path is None):
            raise ValueError("give exactly one of specs (text or object) and spec_path (a spec file)")
        return self


class GeneratedFileOut(BaseModel):
    path: str
    lines: int
    bytes: int
    status: Literal["returned", "created", "updated", "unchanged"]
    content: str | None = Field(None, description="The file (without output_dir), cut at max_file_chars.")
    truncated: bool = False


class GenerateRustOutput(BaseModel):
    files: list[GeneratedFileOut] = Field(description="One page of the generated files.")
    written_to: str | None = None
    diff: str | None = Field(None, description="Unified diff of what changed on disk (with output_dir).")
    diff_truncated: bool = False
    entities: int
    handlers_skipped: dict[str, str] = Field(description="Entities with no CRUD handlers, and why.")
    page: PageInfo


# --- export_diesel_schema -----------------------------------------------------------------------


class ExportSchemaInput(_SourceArgs):
    kind: Annotated[
        Literal["openapi", "json_schema"], Field(description="OpenAPI 3.1 document or JSON Schema 2020-12.")
    ] = "openapi"
    paths: Annotated[bool, Field(description="OpenAPI only: describe the generated CRUD routes too.")] = True


class ExportSchemaOutput(BaseModel):
    document: dict[str, Any] = Field(description="The document for one page of entities (all enums included).")
    diagnostics: list[Diagnostic] = Field(description="Errors first, then warnings: 100 from diagnostics_offset.")
    diagnostics_truncated: bool
    diagnostics_page: PageInfo
    page: PageInfo


def register(app: MCPServer, env: ToolEnv) -> None:
    """Register the rust toolset."""

    async def _parse(params: _SourceArgs, call: ToolCall):
        return await call.run_sync(
            parse_input,
            env.guard,
            path=params.path,
            source=params.source,
            schema_path=params.schema_path,
            schema_source=params.schema_source,
            max_bytes=env.settings.max_file_bytes,
            backend=params.backend,
            progress=call.thread_progress(),
        )

    @register_tool(
        app,
        env,
        name="parse_diesel_model",
        description=(
            "Read a Diesel project (model structs with Queryable/Selectable/Insertable/AsChangeset/Identifiable/"
            "Associations, #[diesel(...)] attributes, New*/Update* twins, enums, schema.rs table!/joinable!/"
            "allow_tables_to_appear_in_same_query!) into an entity spec: fields with Rust and SQL types, "
            "nullability, keys, relations, docs, lifetimes and generics. Give path (file, crate or workspace) "
            "or source. Syntax errors come back as diagnostics with file:line:column while the rest still parses. "
            "The spec_text can be edited and passed to generate_rust; when it is truncated, pass spec_output to "
            "write the whole spec to a file and give that file to generate_rust as spec_path. Diagnostics come "
            "errors first, 100 at a time (diagnostics_offset)."
        ),
        input_model=ParseDieselInput,
        output_model=ParseDieselOutput,
        read_only=False,  # writes a file only with spec_output
        destructive=False,
        idempotent=True,
    )
    async def parse_diesel_model(params: ParseDieselInput, call: ToolCall) -> ParseDieselOutput:
        result = await _parse(params, call)
        spec = result.spec
        page = _page(spec, params.offset, params.limit)
        text, cut = clamp_text(dump_spec(page, params.format), TEXT_CAP)
        written = None
        if params.spec_output is not None:
            target = await call.run_sync(write_spec, env.guard, spec, params.spec_output)
            written = env.guard.relative(target)
        diags, diags_cut, diags_page = _diagnostics(result.diagnostics, params.diagnostics_offset)
        errors = sum(d.severity == "error" for d in result.diagnostics)
        return ParseDieselOutput(
            summary=ParseSummary(
                files=len(result.files),
                entities=len(spec.entities),
                models=sum(e.has_model for e in spec.entities),
                enums=len(spec.enums),
                relations=sum(r.kind == "belongs_to" for e in spec.entities for r in e.relations),
                errors=errors,
                warnings=len(result.diagnostics) - errors,
            ),
            entities=page.entities,
            enums=spec.enums[:200],
            spec_text=text,
            spec_text_truncated=cut,
            diagnostics=diags,
            diagnostics_truncated=diags_cut,
            diagnostics_page=diags_page,
            spec_written_to=written,
            page=PageInfo.of(len(spec.entities), params.offset, params.limit, len(page.entities)),
        )

    @register_tool(
        app,
        env,
        name="generate_rust",
        description=(
            "Generate Rust from an entity spec: Diesel models (Queryable+Selectable read struct, Insertable New*, "
            "AsChangeset Update*), enums, schema.rs (table!, joinable!, allow_tables_to_appear_in_same_query!), "
            "Actix-web 4 CRUD handlers (r2d2 pool + web::block, or diesel-async; pagination; soft delete; one "
            "error enum mapped to 404/409/422/500), actions compiled into one transaction, and mod.rs. Output is "
            "rustfmt-formatted. Without output_dir the files are returned; with it they are written inside the "
            "roots (existing files only with overwrite=true, keeping edits outside semgraph:begin/end regions) "
            "and a unified diff is returned."
        ),
        input_model=GenerateRustInput,
        output_model=GenerateRustOutput,
        read_only=False,
        destructive=True,
        idempotent=True,
    )
    async def generate_rust(params: GenerateRustInput, call: ToolCall) -> GenerateRustOutput:
        if params.spec_path is not None:
            spec = await call.run_sync(read_spec, env.guard, params.spec_path, SPEC_FILE_CAP)
        else:
            spec = load_spec(params.specs)  # type: ignore[arg-type]
        options = GenerateOptions(
            targets=list(dict.fromkeys(params.targets)),
            framework=params.framework,
            backend=params.backend,
            pool=params.pool,
            skip_tables=params.skip_tables,
        )
        result = await call.run_sync(
            generate_project,
            spec,
            options,
            guard=env.guard,
            output_dir=params.output_dir,
            overwrite=params.overwrite,
            progress=call.thread_progress(),
        )
        chosen = result.files[params.offset : params.offset + params.limit]
        status = {c.path: c.status for c in result.report.changes} if result.report else {}
        out_files = []
        for f in chosen:
            item = GeneratedFileOut(
                path=f.path,
                lines=f.content.count("\n"),
                bytes=len(f.content.encode()),
                status=status.get(f.path, "returned"),  # type: ignore[arg-type]
            )
            if result.report is None:
                item.content, item.truncated = clamp_text(f.content, params.max_file_chars)
            out_files.append(item)
        diff, diff_cut = (None, False)
        if result.report is not None:
            diff, diff_cut = clamp_text(result.report.diff, DIFF_CAP)
        return GenerateRustOutput(
            files=out_files,
            written_to=env.guard.relative(result.output_dir) if result.output_dir else None,
            diff=diff,
            diff_truncated=diff_cut,
            entities=len(spec.entities),
            handlers_skipped=result.handlers_skipped,
            page=PageInfo.of(len(result.files), params.offset, params.limit, len(chosen)),
        )

    @register_tool(
        app,
        env,
        name="export_diesel_schema",
        description=(
            "Export a Diesel project (schema.rs and/or models, no compile step) as an OpenAPI 3.1 document "
            "(component schemas and the CRUD routes generate_rust serves) or as JSON Schema 2020-12: nullability, "
            "maxLength, enums and foreign keys (x-references) kept. Pages over entities with limit/offset."
        ),
        input_model=ExportSchemaInput,
        output_model=ExportSchemaOutput,
        read_only=True,
    )
    async def export_diesel_schema(params: ExportSchemaInput, call: ToolCall) -> ExportSchemaOutput:
        result = await _parse(params, call)
        page = _page(result.spec, params.offset, params.limit)
        doc = openapi(page, paths=params.paths) if params.kind == "openapi" else json_schema(page)
        diags, diags_cut, diags_page = _diagnostics(result.diagnostics, params.diagnostics_offset)
        return ExportSchemaOutput(
            document=doc,
            diagnostics=diags,
            diagnostics_truncated=diags_cut,
            diagnostics_page=diags_page,
            page=PageInfo.of(len(result.spec.entities), params.offset, params.limit, len(page.entities)),
        )

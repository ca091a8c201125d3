"""MCP tools of the `django` toolset: template variables, query optimization, serializer generation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field, model_validator

from semgraph.django.model_graph import load_graph
from semgraph.django.optimizer import OptimizationReport, optimize_project
from semgraph.django.serializer_gen import SerializerCache, SerializerResult, generate_serializer
from semgraph.django.template_vars import AliasUse, DirLoader, extract_template_variables, template_location
from semgraph.errors import InvalidInputError
from semgraph.tools._base import PageInfo, PageInput, ToolCall, ToolEnv, ToolInput, clamp_text, register_tool

MAX_TEMPLATE_CHARS = 1_000_000
MAX_DIFF_CHARS = 60_000
MAX_WARNINGS = 50


# -- extract_template_variables ------------------------------------------------------------------------------------
class ExtractIn(ToolInput):
    template_source: Annotated[
        str | None, Field(max_length=MAX_TEMPLATE_CHARS, description="Template text (give this or template_path).")
    ] = None
    template_path: Annotated[
        str | None, Field(description="Template file, relative to the server root (give this or template_source).")
    ] = None
    template_dirs: Annotated[
        list[str] | None,
        Field(
            max_length=20,
            description="Directories that {% include %} / {% extends %} names are looked up in. Default: the "
            "'templates' directory above template_path.",
        ),
    ] = None
    limit: Annotated[int, Field(ge=1, le=500, description="At most this many root variables and aliases.")] = 200

    @model_validator(mode="after")
    def _one_source(self) -> ExtractIn:
        if (self.template_source is None) == (self.template_path is None):
            raise InvalidInputError(
                "give exactly one of template_source and template_path",
                hint="pass the template text as template_source, or a file as template_path",
            )
        return self


class ExtractOut(BaseModel):
    variables: dict[str, list[str]] = Field(description="Root context variable → sorted unique attribute paths.")
    aliases: list[AliasUse] = Field(description="Loop / with / include aliases, each with its source and own paths.")
    rendered: dict[str, list[str]] = Field(
        default_factory=dict, description="Root variable → paths rendered whole by {{ }} (str() runs; '' is the root)."
    )
    opaque: dict[str, list[str]] = Field(
        default_factory=dict, description="Root variable → paths handed to a custom tag or filter."
    )
    tag_results: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Custom tag → paths read on the value it binds with {% tag … as v %} (its root in rendered / "
        "opaque is written '{% tag %}').",
    )
    templates: list[str]
    warnings: list[str]
    total_variables: int
    total_aliases: int
    truncated: bool


# -- optimize_django_queries ---------------------------------------------------------------------------------------
class OptimizeIn(PageInput):
    """``limit`` / ``offset`` page the views; the diff always covers every selected view."""

    project_path: Annotated[str, Field(description="Django project directory, relative to the server root.")]
    view: Annotated[str | None, Field(description="Only this view (function or class name).")] = None
    template: Annotated[str | None, Field(description="Only the views rendering this template name.")] = None
    model: Annotated[str | None, Field(description="Plan for this model and `paths` instead of reading views.")] = None
    paths: Annotated[
        list[str] | None, Field(max_length=500, description="With `model`: attribute paths read on each object.")
    ] = None
    rows: Annotated[int, Field(ge=1, le=1_000_000, description="Rows per queryset for the query estimates.")] = 50
    include_only: Annotated[
        bool, Field(description="Also put .only(...) into the diff where every accessed field is known.")
    ] = False

    @model_validator(mode="after")
    def _modes(self) -> OptimizeIn:
        if self.model is not None and (self.view is not None or self.template is not None):
            raise InvalidInputError("model cannot be combined with view or template", hint="use one way to choose")
        if self.paths is not None and self.model is None:
            raise InvalidInputError("paths needs model", hint="pass the model the paths start from, e.g. Lease")
        return self


class OptimizeOut(OptimizationReport):
    diff_truncated: bool = False
    page: PageInfo


# -- generate_serializer -------------------------------------------------------------------------------------------
class SerializerIn(ToolInput):
    model: Annotated[str, Field(min_length=1, max_length=200, description="Model name, e.g. Lease or rentals.Lease.")]
    paths: Annotated[
        list[str], Field(min_length=1, max_length=500, description="Paths to serialize, e.g. tenant.user.email.")
    ]
    style: Annotated[
        Literal["function", "dict"],
        Field(description="function: nested dicts per relation; dict: flat keys named by the dotted path."),
    ] = "function"
    project_path: Annotated[
        str | None, Field(description="Django project: relation kinds and methods are read from its models.py.")
    ] = None
    template_path: Annotated[
        str | None, Field(description="Template the paths come from; its content hash keys the cache.")
    ] = None
    variable: Annotated[str | None, Field(description="Context variable the serializer is for (cache key).")] = None


def _read_template(env: ToolEnv, template_path: str) -> tuple[Path, str]:
    """A template file through the guard, bounded by ``max_file_bytes`` (both tools that take a path use it)."""
    path = env.guard.resolve(template_path, kind="file")
    if path.stat().st_size > env.settings.max_file_bytes:
        raise InvalidInputError(
            f"template {template_path!r} is larger than {env.settings.max_file_bytes} bytes",
            hint="pass a Django template file",
        )
    return path, path.read_text(encoding="utf-8", errors="replace")


def register(app: MCPServer, env: ToolEnv) -> None:
    """Register extract_template_variables, optimize_django_queries and generate_serializer."""

    @register_tool(
        app,
        env,
        name="extract_template_variables",
        description=(
            "Read a Django template with Django's own lexer and return, per context variable, the sorted attribute "
            "paths the template reads: {{ }} with filters and their arguments, if/elif, for loops (aliases are "
            "attributed back to the looped variable and also listed per alias), with, include (with bindings), "
            "extends/block, url. Nothing is rendered; the user's project is not imported."
        ),
        input_model=ExtractIn,
        output_model=ExtractOut,
        read_only=True,
    )
    async def extract(params: ExtractIn, call: ToolCall) -> ExtractOut:
        dirs = [env.guard.resolve(d, kind="dir") for d in params.template_dirs or []]
        if params.template_path is not None:
            path, source = _read_template(env, params.template_path)
            dirs, name = template_location(path, dirs)
            name = name or env.guard.relative(path)
        else:
            source = params.template_source or ""
            name = "<template_source>"
        loader = DirLoader(dirs, env.guard.contains, env.settings.max_file_bytes) if dirs else None
        result = await call.run_sync(extract_template_variables, source, name=name, loader=loader)
        names = list(result.variables)
        return ExtractOut(
            variables={k: result.variables[k] for k in names[: params.limit]},
            aliases=result.aliases[: params.limit],
            rendered={k: result.rendered[k] for k in list(result.rendered)[: params.limit]},
            opaque={k: result.opaque[k] for k in list(result.opaque)[: params.limit]},
            tag_results={k: result.tag_results[k] for k in list(result.tag_results)[: params.limit]},
            templates=result.templates,
            warnings=result.warnings[:MAX_WARNINGS],
            total_variables=len(names),
            total_aliases=len(result.aliases),
            truncated=len(names) > params.limit or len(result.aliases) > params.limit,
        )

    @register_tool(
        app,
        env,
        name="optimize_django_queries",
        description=(
            "Find the N+1 queries a Django project's templates cause, statically: views (render() function views, "
            "every generic class-based view incl. date-based and edit views) are mapped to their templates' variable "
            "paths and the models.py relations (__str__, methods and properties followed), giving per queryset the "
            "select_related / prefetch_related (nested Prefetch) / only() to apply (only() only where it cannot add "
            "a query, else only_refused says why), what is already applied, paths that cannot be optimized with the "
            "reason, query estimates before/after for `rows` rows, and a unified diff of the view files: written only "
            "where the chain is a QuerySet, naming models as each module can, every patched file compiled and "
            "checked for undefined names (a failing edit is withheld, with the reason). Read-only: the diff is "
            "returned, not applied."
        ),
        input_model=OptimizeIn,
        output_model=OptimizeOut,
        read_only=True,
    )
    async def optimize(params: OptimizeIn, call: ToolCall) -> OptimizeOut:
        project = env.guard.resolve(params.project_path, kind="dir")
        report = await call.run_sync(
            optimize_project,
            project,
            view=params.view,
            template=params.template,
            model=params.model,
            paths=params.paths,
            rows=params.rows,
            include_only=params.include_only,
            guard=env.guard,
        )
        diff, cut = clamp_text(report.diff, MAX_DIFF_CHARS)
        views = report.views[params.offset : params.offset + params.limit]
        data = report.model_dump()
        data.update(
            views=[v.model_dump() for v in views],
            diff=diff,
            diff_truncated=cut,
            warnings=report.warnings[:MAX_WARNINGS],
            page=PageInfo.of(len(report.views), params.offset, params.limit, len(views)),
        )
        return OptimizeOut.model_validate(data)

    @register_tool(
        app,
        env,
        name="generate_serializer",
        description=(
            "Generate Python source for a serializer of exactly the given attribute paths of a model: None-safe "
            "nested access, method calls (get_full_name), reverse FK / many-to-many paths as lists, keys in sorted "
            "order. style='function' nests dicts per relation, 'dict' uses flat dotted keys. With project_path the "
            "relation kinds come from models.py. Compiled once and cached (memory and index_dir/serializers)."
        ),
        input_model=SerializerIn,
        output_model=SerializerResult,
        read_only=False,
        destructive=False,
        idempotent=True,
    )
    async def serializer(params: SerializerIn, call: ToolCall) -> SerializerResult:
        graph = None
        if params.project_path is not None:
            project = env.guard.resolve(params.project_path, kind="dir")
            graph = await call.run_sync(load_graph, project, env.guard)
        template_source = None
        if params.template_path is not None:
            _path, template_source = _read_template(env, params.template_path)
        cache = env.service("django.serializers", lambda: SerializerCache(env.settings.index_dir / "serializers"))
        result, _fn = await call.run_sync(
            lambda: generate_serializer(
                params.model,
                params.paths,
                params.style,
                graph=graph,
                cache=cache,
                template_source=template_source,
                variable=params.variable,
            )
        )
        if result.cache_file is not None:
            result.cache_file = env.guard.relative(Path(result.cache_file))
        return result

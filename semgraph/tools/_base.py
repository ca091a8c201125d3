"""Shared plumbing for every toolset: the tool environment and ``register_tool``.

``register_tool`` turns a pydantic input model plus an async handler into an
MCP tool whose input schema is the model's fields (flat, as assistants expect),
whose output is the pydantic output model (structured content), with
annotations, and with every failure mapped to a clear ``is_error`` result.
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
import pydantic_core
from anyio.lowlevel import RunVar
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticUndefined

from semgraph.config import Settings
from semgraph.errors import SemgraphError
from semgraph.graph.integrity import explain
from semgraph.paths import PathGuard
from semgraph.progress import ProgressFn

log = logging.getLogger("semgraph.tools")

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)

MAX_LIMIT = 500
"""Upper bound for any ``limit`` argument: keeps a result inside a model's context window."""


@dataclass
class ToolEnv:
    """What every tool may use: settings, the path guard, and per-toolset services.

    ``services`` holds long-lived objects a toolset creates lazily (the graph
    store, caches) keyed by name, so toolsets do not need globals.
    """

    settings: Settings
    guard: PathGuard
    services: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Settings) -> ToolEnv:
        return cls(settings=settings, guard=PathGuard(settings.roots))

    def service(self, name: str, factory: Callable[[], Any]) -> Any:
        """Return the service called ``name``, creating it once with ``factory``."""
        with self._lock:
            if name not in self.services:
                self.services[name] = factory()
            return self.services[name]


class ToolInput(BaseModel):
    """Base for tool input models: unknown arguments are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PageInput(ToolInput):
    """Pagination arguments shared by list-returning tools."""

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Maximum items to return (1-500).")] = 50
    offset: Annotated[int, Field(ge=0, le=10_000_000, description="Items to skip, for the next page.")] = 0


class PageInfo(BaseModel):
    """Where this page sits in the full result."""

    total: int
    offset: int
    limit: int
    returned: int
    next_offset: int | None = Field(None, description="Pass as offset to get the next page; null when done.")

    @classmethod
    def of(cls, total: int, offset: int, limit: int, returned: int) -> PageInfo:
        nxt = offset + returned if offset + returned < total else None
        return cls(total=total, offset=offset, limit=limit, returned=returned, next_offset=nxt)


@dataclass
class ToolCall:
    """One invocation: the environment and the MCP context, with helpers."""

    env: ToolEnv
    ctx: Context | None

    async def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        if self.ctx is not None:
            try:
                await self.ctx.report_progress(done, total, message)
            except Exception:  # a client that went away must not fail the tool
                log.debug("progress notification failed", exc_info=True)

    def thread_progress(self) -> ProgressFn:
        """A progress callable for domain code running in a worker thread (``run_sync``)."""

        def report(done: float, total: float | None = None, message: str | None = None) -> None:
            try:
                anyio.from_thread.run(self.progress, done, total, message)
            except Exception:
                log.debug("progress from thread failed", exc_info=True)

        return report

    async def run_sync(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run blocking domain code in a worker thread so the server keeps answering.

        The pool is wider than anyio's default 40: callers waiting on a single-flight cache build sleep in
        their thread, and must not hold every thread while cheap calls (search, get_symbol) queue behind them.
        """
        return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=_tool_limiter())


TOOL_THREADS = 128
_limiter: RunVar[anyio.CapacityLimiter] = RunVar("semgraph_tool_limiter")


def _tool_limiter() -> anyio.CapacityLimiter:
    """One limiter per event loop (tests run several loops in one process)."""
    try:
        return _limiter.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(TOOL_THREADS)
        _limiter.set(limiter)
        return limiter


class ToolServer(MCPServer):
    """``MCPServer`` whose tools validate their arguments once, against their own input model, and answer with
    one encoding of the result.

    The SDK validates the flat argument schema before a handler runs and silently drops unknown arguments;
    here a misspelt argument is an error naming the accepted ones, and schema errors read ``field: message``.
    A tool registered through ``register_tool`` is called directly (``Registered.call``): the SDK's own path
    would validate the arguments a second time, validate the output model again and pretty-print it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.input_models: dict[str, type[BaseModel]] = {}
        self.registered: dict[str, Registered] = {}

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        entry = self.registered.get(name)
        if entry is not None and self._tool_manager.get_tool(name) is not None:
            if context is None:
                context = Context(mcp_server=self, subscriptions=self._subscriptions)
            try:
                return entry.result(await entry.call(arguments, context))
            except ToolError as exc:
                raise ToolError(f"Error executing tool {name}: {exc}") from None
        model = self.input_models.get(name)
        if model is not None:
            try:
                unknown_argument_check(model, arguments)
            except ToolError as exc:
                raise ToolError(f"Error executing tool {name}: {exc}") from None
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(
                    f"Error executing tool {name}: {format_validation_error(exc.__cause__)}"
                ) from exc.__cause__
            raise


@dataclass
class Registered:
    """One tool as ``register_tool`` made it: validate the arguments once, run the handler, map failures."""

    name: str
    env: ToolEnv
    input_model: type[BaseModel]
    handler: Callable[[Any, ToolCall], Awaitable[BaseModel]]
    pre_parse: Callable[[dict[str, Any]], dict[str, Any]] = lambda args: args

    async def call(self, arguments: dict[str, Any], ctx: Context | None) -> BaseModel:
        """The handler's output for raw ``arguments``; every failure is a ``ToolError`` with a clear message."""
        unknown_argument_check(self.input_model, arguments)
        try:
            params = self.input_model.model_validate(self.pre_parse(arguments))
        except ValidationError as exc:
            raise ToolError(format_validation_error(exc)) from None
        try:
            return await self.handler(params, ToolCall(env=self.env, ctx=ctx))
        except ToolError:
            raise
        except SemgraphError as exc:
            raise ToolError(str(exc)) from None
        except ValidationError as exc:
            raise ToolError(format_validation_error(exc)) from None
        except (anyio.get_cancelled_exc_class(), KeyboardInterrupt):
            raise
        except Exception as exc:  # the server must survive anything
            clear = explain(exc, self.env.settings.db_path)  # a full disk or a damaged index, said as such
            if clear is not None:
                raise ToolError(str(clear)) from None
            log.exception("tool %s crashed", self.name)
            raise ToolError(f"internal error ({type(exc).__name__}: {exc}); the server is still running") from None

    @staticmethod
    def result(out: BaseModel) -> CallToolResult:
        """Structured content plus the same JSON, compact, as the text block (for clients that read only text).

        The model was validated as it was built: no second validation, one dump, one encoding.
        """
        structured = out.model_dump(mode="json", by_alias=True)
        text = pydantic_core.to_json(structured).decode()
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)


def unknown_argument_check(model: type[BaseModel], arguments: dict[str, Any]) -> None:
    allowed = set(model.model_fields)
    unknown = sorted(set(arguments) - allowed)
    if unknown:
        raise ToolError(
            f"invalid arguments: unknown argument(s) {', '.join(unknown)}; accepted: {', '.join(sorted(allowed))}"
        )


def format_validation_error(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "arguments"
        parts.append(f"{loc}: {err['msg']}")
    return "invalid arguments: " + "; ".join(parts)


def register_tool(
    app: MCPServer,
    env: ToolEnv,
    *,
    name: str,
    description: str,
    input_model: type[In],
    output_model: type[Out],
    read_only: bool,
    destructive: bool = False,
    idempotent: bool = True,
    open_world: bool = False,
    title: str | None = None,
) -> Callable[[Callable[[In, ToolCall], Awaitable[Out]]], Callable[[In, ToolCall], Awaitable[Out]]]:
    """Decorator: register ``handler(params, call) -> output`` as the MCP tool ``name``.

    The tool's arguments are the fields of ``input_model``; they are validated
    by the model (including its validators) before the handler runs.
    """

    def decorator(handler: Callable[[In, ToolCall], Awaitable[Out]]) -> Callable[[In, ToolCall], Awaitable[Out]]:
        parameters = [
            inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context),
        ]
        annotations: dict[str, Any] = {"ctx": Context, "return": output_model}
        for fname, finfo in input_model.model_fields.items():
            default = inspect.Parameter.empty if finfo.is_required() else finfo.get_default(call_default_factory=True)
            schema_info = copy.copy(finfo)  # the default travels as the parameter default, not twice
            schema_info.default = PydanticUndefined
            schema_info.default_factory = None
            annotation = Annotated[finfo.annotation, schema_info]  # type: ignore[name-defined]
            parameters.append(
                inspect.Parameter(fname, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
            )
            annotations[fname] = annotation

        entry = Registered(name, env, input_model, handler)  # type: ignore[arg-type]

        async def tool_fn(ctx: Context, **kwargs: Any) -> Any:  # the SDK's path (a plain MCPServer)
            raw = getattr(getattr(ctx, "_input_params", None), "arguments", None) or {}
            unknown_argument_check(input_model, raw)
            return await entry.call(kwargs, ctx)

        tool_fn.__name__ = name
        tool_fn.__qualname__ = name
        tool_fn.__doc__ = description
        tool_fn.__signature__ = inspect.Signature(parameters, return_annotation=output_model)  # type: ignore[attr-defined]
        tool_fn.__annotations__ = annotations
        app.add_tool(
            tool_fn,
            name=name,
            title=title,
            description=description,
            annotations=ToolAnnotations(
                title=title,
                read_only_hint=read_only,
                destructive_hint=destructive,
                idempotent_hint=idempotent,
                open_world_hint=open_world,
            ),
            structured_output=True,
        )
        tool = app._tool_manager.get_tool(name)
        if isinstance(app, ToolServer) and tool is not None:
            app.input_models[name] = input_model
            entry.pre_parse = tool.fn_metadata.pre_parse_json  # JSON-in-a-string arguments, as the SDK accepts
            app.registered[name] = entry
        if tool is not None and tool.fn_metadata.output_schema is not None:
            # the same schema without `$ref`s: a client that validates every result (the SDK's does) spends
            # most of that time resolving references (measured: ~80 % of ~12 ms per get_call_graph result)
            tool.fn_metadata.output_schema = inline_refs(tool.fn_metadata.output_schema)
        return handler

    return decorator


_DEFS = "#/$defs/"


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every local ``$ref`` into ``$defs`` replaced by the definition it names (siblings of the
    ``$ref``, such as a description, kept and winning), and ``$defs`` dropped when nothing refers to it any
    more. A self-referential definition keeps its ``$ref`` (and ``$defs`` stays). Equivalent JSON Schema."""
    defs: dict[str, Any] = schema.get("$defs", {})
    recursive = False

    def walk(node: Any, stack: tuple[str, ...]) -> Any:
        nonlocal recursive
        if isinstance(node, list):
            return [walk(v, stack) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_DEFS) and ref[len(_DEFS) :] in defs:
            key = ref[len(_DEFS) :]
            if key in stack:
                recursive = True
                return {k: walk(v, stack) for k, v in node.items()}
            siblings = {k: walk(v, stack) for k, v in node.items() if k != "$ref"}
            return {**walk(defs[key], (*stack, key)), **siblings}
        return {k: walk(v, stack) for k, v in node.items() if k != "$defs"}

    out = walk(schema, ())
    if recursive:
        out["$defs"] = {k: walk(v, (k,)) for k, v in defs.items()}
    return out


def clamp_text(text: str, max_chars: int) -> tuple[str, bool]:
    """Cut ``text`` to ``max_chars``; return it and whether it was cut."""
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars] + "\n… [truncated]", True

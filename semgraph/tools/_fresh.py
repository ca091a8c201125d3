"""``fresh_tool``: register a graph or analysis tool whose every answer says how fresh its index was.

It is ``register_tool`` plus two fields: the input gains ``wait_seconds`` (how long to wait for a running
re-index before answering; default 0, nothing waits), the output gains ``freshness`` (the generation read,
``index_state`` ready/building with progress, files changed on disk since, watcher state). The index keeper
(``graph.freshness.IndexKeeper``) is the server's, started by ``semgraph serve``; an in-process server that
started none gets one that never indexes by itself and checks the disk before each answer instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, create_model

from semgraph.errors import NotFoundError
from semgraph.graph.freshness import IndexKeeper, Stamp, recording
from semgraph.graph.jobs import IndexJobs
from semgraph.graph.store import GraphStore
from semgraph.tools._base import ToolCall, ToolEnv, register_tool

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)

KEEPER = "graph.keeper"
STATUS_PUBLISHER = "graph.status_publisher"
MAX_WAIT_SECONDS = 120


class FreshnessOut(BaseModel):
    """How fresh this answer is: which index generation it read and what changed since."""

    generation: int = Field(description="Index generation this answer read.")
    index_state: str = Field(description="'ready', or 'building' while a newer generation is being indexed.")
    partial: bool = Field(description="True when the answer read the part of a first index built so far.")
    progress_done: int = Field(description="Files parsed so far by the run in progress.")
    progress_total: int | None = Field(description="Files that run parses (null before it knows).")
    files_changed_since: bool = Field(description="Files changed on disk since the generation read.")
    changed_files: list[str] = Field(description="Some of those files (relative paths).")
    changed_files_total: int
    watcher: str = Field(description="'watching' (edits followed), 'polling' (stat check per query) or 'off'.")
    note: str


def keeper_of(env: ToolEnv) -> IndexKeeper:
    """The server's index keeper (a passive one if ``semgraph serve`` did not start one)."""

    jobs = env.service("graph.jobs", IndexJobs)  # not inside the factory: env.service holds env's lock

    def passive() -> IndexKeeper:
        keeper = IndexKeeper(env.settings.db_path, keeper_root(env), env.guard, jobs, watch="off", auto_index=False)
        attach_publisher(env, keeper)
        return keeper

    return env.service(KEEPER, passive)


def attach_publisher(env: ToolEnv, keeper: IndexKeeper) -> None:
    """Let the status resource's subscribers hear about ``keeper``'s changes (when the resource is served)."""
    publisher = env.services.get(STATUS_PUBLISHER)
    if publisher is not None:
        keeper.add_listener(publisher.changed)


def keeper_root(env: ToolEnv) -> Any:
    """The root the index holds (if it is one of the server's), else the server's first root."""
    try:
        with GraphStore.open(env.settings.db_path, readonly=True) as store:
            root = store.root
    except Exception:
        root = None
    if root is not None and env.guard.is_safe_member(root):
        return root
    return env.settings.roots[0]


def _with_fields(model: type[BaseModel], suffix: str, **fields: Any) -> type[BaseModel]:
    if all(name in model.model_fields for name in fields):
        return model
    return create_model(model.__name__, __base__=model, __doc__=model.__doc__, **fields)  # same schema title


def fresh_tool(
    app: Any,
    env: ToolEnv,
    *,
    input_model: type[In],
    output_model: type[Out],
    needs_current: Callable[[Any], bool] | None = None,
    **kwargs: Any,
) -> Callable[[Callable[[In, ToolCall], Awaitable[Out]]], Callable[[In, ToolCall], Awaitable[Out]]]:
    """Like ``register_tool`` (same arguments); ``needs_current(params)`` true = the answer must read an index
    that includes every change on disk (e.g. impact of the working tree), whatever ``wait_seconds`` says."""
    fresh_in = _with_fields(
        input_model,
        "Fresh",
        wait_seconds=(
            Annotated[
                float,
                Field(
                    ge=0,
                    le=MAX_WAIT_SECONDS,
                    description="Wait up to this long for a re-index in progress before answering (default 0: "
                    "answer at once from the last committed index; 'freshness' says what it read).",
                ),
            ],
            0,
        ),
    )
    fresh_out = _with_fields(output_model, "Fresh", freshness=(FreshnessOut, ...))

    def decorator(handler: Callable[[In, ToolCall], Awaitable[Out]]) -> Callable[[In, ToolCall], Awaitable[Out]]:
        async def wrapped(params: Any, call: ToolCall) -> Any:
            keeper = keeper_of(env)
            current = bool(needs_current and needs_current(params))
            with recording() as record:
                wait = float(params.wait_seconds)
                if keeper.query_needs_wait(wait, current=current):  # else no thread hop: nothing to stat or wait
                    await call.run_sync(keeper.before_query, record, wait, current=current)
                try:
                    out = await handler(params, call)
                except NotFoundError as exc:
                    if "no index yet" in str(exc) and keeper.busy:
                        st = keeper.status()
                        raise NotFoundError(
                            f"the index is being built ({st.progress_done}/{st.progress_total or '?'} files parsed); "
                            "nothing is committed yet",
                            hint="retry in a moment, or pass wait_seconds to wait for it",
                        ) from None
                    raise
            stamp: Stamp = keeper.stamp(record)  # a few fields under the keeper's lock: cheaper than a thread hop
            values = {name: getattr(out, name) for name in type(out).model_fields}
            fresh = {f.name: getattr(stamp, f.name) for f in dataclasses.fields(stamp)}  # asdict would deep-copy
            return fresh_out.model_construct(**values, freshness=FreshnessOut(**fresh))

        register_tool(app, env, input_model=fresh_in, output_model=fresh_out, **kwargs)(wrapped)
        return handler

    return decorator

"""The index status as the MCP resource ``semgraph://index/status``, with updates pushed to subscribers.

Its JSON (``graph.freshness.KeeperStatus``) carries the generation, files, LOC, symbols per language, skipped
files by reason, the run in progress, the last error and the watcher state. Clients hear that it changed in
both protocol eras: 2025-era clients through ``resources/subscribe`` (we keep their sessions and send
``notifications/resources/updated``), newer ones through ``subscriptions/listen`` (the SDK's bus). The keeper
calls ``StatusPublisher.changed`` from its own thread; sending happens on the server's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from mcp import types
from mcp.server.subscriptions import InMemorySubscriptionBus, ResourceUpdated

from semgraph.tools._base import ToolEnv
from semgraph.tools._fresh import STATUS_PUBLISHER, keeper_of

log = logging.getLogger(__name__)

STATUS_URI = "semgraph://index/status"


class LoopAwareBus(InMemorySubscriptionBus):
    """The SDK's in-process bus, remembering the event loop its listen streams run on (to publish from threads)."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: asyncio.AbstractEventLoop | None = None

    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]:
        with contextlib.suppress(RuntimeError):
            self.loop = asyncio.get_running_loop()
        return super().subscribe(listener)


class StatusPublisher:
    """Sends "status changed" to every subscriber, from any thread."""

    def __init__(self, bus: LoopAwareBus) -> None:
        self.bus = bus
        self._lock = threading.Lock()
        self._sessions: dict[int, tuple[Any, asyncio.AbstractEventLoop]] = {}

    def add(self, session: Any) -> None:
        with self._lock:
            self._sessions[id(session)] = (session, asyncio.get_running_loop())

    def remove(self, session: Any) -> None:
        with self._lock:
            self._sessions.pop(id(session), None)

    def changed(self) -> None:
        with self._lock:
            targets = list(self._sessions.values())
        for session, loop in targets:
            self._send(loop, session.send_resource_updated(STATUS_URI))
        if self.bus.loop is not None:
            self._send(self.bus.loop, self.bus.publish(ResourceUpdated(uri=STATUS_URI)))

    def _send(self, loop: asyncio.AbstractEventLoop, coro: Any) -> None:
        if loop.is_closed():
            coro.close()
            return
        try:
            asyncio.run_coroutine_threadsafe(coro, loop)
        except RuntimeError:  # the loop is shutting down
            coro.close()


def status_json(env: ToolEnv) -> str:
    return json.dumps(dataclasses.asdict(keeper_of(env).status()), indent=1)


def register(app: Any, env: ToolEnv, bus: LoopAwareBus) -> None:
    """Add the status resource and the resources/subscribe handlers to ``app``."""
    publisher = StatusPublisher(bus)
    env.services[STATUS_PUBLISHER] = publisher

    @app.resource(
        STATUS_URI,
        name="index_status",
        title="Index status",
        description="The code index: generation, files, LOC, skipped files by reason, indexing progress, last "
        "error and file-watcher state. Subscribe to hear when it changes.",
        mime_type="application/json",
    )
    async def index_status() -> str:
        return await anyio.to_thread.run_sync(status_json, env)

    async def subscribe(ctx: Any, params: types.SubscribeRequestParams) -> types.EmptyResult:
        if str(params.uri) == STATUS_URI:
            publisher.add(ctx.session)
        return types.EmptyResult()

    async def unsubscribe(ctx: Any, params: types.UnsubscribeRequestParams) -> types.EmptyResult:
        if str(params.uri) == STATUS_URI:
            publisher.remove(ctx.session)
        return types.EmptyResult()

    server = app._lowlevel_server  # the SDK has no public hook for the 2025-era subscribe methods
    server.add_request_handler("resources/subscribe", types.SubscribeRequestParams, subscribe)
    server.add_request_handler("resources/unsubscribe", types.UnsubscribeRequestParams, unsubscribe)

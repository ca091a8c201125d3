"""stdio that answers every request, even one the SDK's reader cannot parse.

Why: the SDK's stdio reader hands a line that fails validation (JSON nested deeper than 200 levels,
a lone ``\\ud800`` escape, broken JSON) to the dispatcher as an exception, which logs and drops it: the
client waits for its own timeout. We sit between the reader and the server and turn each such
exception into a JSON-RPC error reply: -32700 (parse error, id null) when the line is not JSON at all,
-32600 (invalid request) with the request's id when it is JSON we refuse.
"""

from __future__ import annotations

import json
import re
from typing import Any

import anyio
import mcp_types as types
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

PARSE_ERROR, INVALID_REQUEST = -32700, -32600
_ID = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,18})')


def _raw_line(exc: Exception) -> Any:
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        if errors:
            return errors[0].get("input")
    return None


def _request_id(raw: Any) -> tuple[str | int | None, bool]:
    """The id of the refused message and whether it was JSON at all (notifications have no id)."""
    if isinstance(raw, dict):
        rid = raw.get("id")
        return (rid if isinstance(rid, str | int) and not isinstance(rid, bool) else None), True
    if not isinstance(raw, str | bytes):
        return None, False
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        m = _ID.search(text[:4096])
        if m is None:
            return None, False
        try:
            return json.loads(m.group(1)), True
        except ValueError:
            return None, True
    return _request_id(data if isinstance(data, dict) else None)[0] if isinstance(data, dict) else None, True


def error_reply(exc: Exception) -> types.JSONRPCError:
    """The JSON-RPC error that answers a message the transport could not accept."""
    raw = _raw_line(exc)
    rid, is_json = _request_id(raw)
    detail = ""
    if isinstance(exc, ValidationError) and exc.errors():
        detail = str(exc.errors()[0].get("msg", ""))[:200]
    if rid is None and not is_json:
        return types.JSONRPCError(
            jsonrpc="2.0", id=None, error=types.ErrorData(code=PARSE_ERROR, message=f"Parse error: {detail}")
        )
    return types.JSONRPCError(
        jsonrpc="2.0",
        id=rid,
        error=types.ErrorData(code=INVALID_REQUEST, message=f"Invalid request: {detail or type(exc).__name__}"),
    )


async def run_stdio(app: Any) -> None:
    """``MCPServer.run_stdio_async`` with every unreadable request answered (see module doc)."""
    server = app._lowlevel_server
    async with stdio_server() as (read_stream, write_stream):
        send, recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)

        async def pump() -> None:
            async with send:
                async for item in read_stream:
                    if isinstance(item, Exception):
                        await write_stream.send(SessionMessage(error_reply(item)))
                    else:
                        await send.send(item)

        async with anyio.create_task_group() as tg:
            tg.start_soon(pump)
            await server.run(recv, write_stream, server.create_initialization_options())
            tg.cancel_scope.cancel()

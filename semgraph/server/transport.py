"""stdio that answers every request, even one the SDK's reader cannot parse, without a thread per line.

Why a transport of our own: the SDK's stdio reader reads each line and writes (and flushes) each reply in a
worker thread (``anyio.wrap_file``): three thread hops per call, each a wait for a core on a busy machine.
When stdin and stdout are pipes or sockets (as an MCP client starts us) we read and write them from the event
loop instead (asyncio pipe transports, no threads); anything else (a terminal, a file) keeps the SDK's reader.

Why we see every line: the SDK's stdio reader hands a line that fails validation (JSON nested deeper than 200 levels,
a lone ``\\ud800`` escape, broken JSON) to the dispatcher as an exception, which logs and drops it: the
client waits for its own timeout. We sit between the reader and the server and turn each such
exception into a JSON-RPC error reply: -32700 (parse error, id null) when the line is not JSON at all,
-32600 (invalid request) with the request's id when it is JSON we refuse.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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


MAX_LINE = 256 * 1024 * 1024
"""Longest request line read (a diff argument is at most 2 MB); a longer one gets a parse error reply."""


def _is_pipe(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _claim_wire() -> tuple[int, int, Callable[[], None]] | None:
    """Private copies of fds 0 and 1 (the wire), with 0 pointed at the null device and 1 at stderr so that
    stray reads and prints miss the protocol (as the SDK's transport does); None when they are not pipes.

    A stdout that is the same pipe as stderr stays with the SDK: the event loop makes the wire non-blocking,
    and a shared pipe would make stderr non-blocking too.
    """
    if not (_is_pipe(0) and _is_pipe(1)):
        return None
    out, err = os.fstat(1), os.fstat(2) if _is_pipe(2) else None
    if err is not None and (out.st_ino, out.st_dev) == (err.st_ino, err.st_dev):
        return None
    wire_in, wire_out = os.dup(0), os.dup(1)
    os.set_inheritable(wire_in, False)
    os.set_inheritable(wire_out, False)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)

    def restore() -> None:
        for fd, private in ((0, wire_in), (1, wire_out)):
            try:
                os.dup2(private, fd)
                os.close(private)
            except OSError:
                pass

    return wire_in, wire_out, restore


@asynccontextmanager
async def pipe_streams(wire_in: int, wire_out: int) -> AsyncIterator[tuple[Any, Any]]:
    """(read stream, write stream) of ``SessionMessage`` over two pipes, read and written by the event loop:
    no worker thread, one write per reply; a line that is not a JSON-RPC message is answered here."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE)
    in_pipe = os.fdopen(wire_in, "rb", buffering=0, closefd=False)
    out_pipe = os.fdopen(wire_out, "wb", buffering=0, closefd=False)
    read_transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), in_pipe)
    write_transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, out_pipe)
    writer = asyncio.StreamWriter(write_transport, protocol, None, loop)
    to_server, from_wire = anyio.create_memory_object_stream[SessionMessage](0)
    to_wire, from_server = anyio.create_memory_object_stream[SessionMessage](0)

    async def read_lines() -> None:
        async with to_server:
            while True:
                try:
                    line = await reader.readline()
                except ValueError as exc:  # longer than MAX_LINE: the rest of it is skipped
                    await to_wire.send(SessionMessage(_parse_error(f"line too long ({exc})")))
                    continue
                if not line:
                    return
                text = line.decode("utf-8", errors="replace")
                if not text.strip():
                    continue
                try:
                    message = types.jsonrpc_message_adapter.validate_json(text, by_name=False)
                except Exception as exc:  # answered here: the server sees only messages
                    await to_wire.send(SessionMessage(error_reply(exc)))
                    continue
                await to_server.send(SessionMessage(message))

    async def write_replies() -> None:
        async with from_server:
            async for item in from_server:
                data = item.message.model_dump_json(by_alias=True, exclude_unset=True)
                writer.write(data.encode() + b"\n")
                await writer.drain()

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(read_lines)
            tg.start_soon(write_replies)
            try:
                yield from_wire, to_wire
            finally:
                tg.cancel_scope.cancel()
    finally:
        read_transport.close()
        write_transport.close()


def _parse_error(detail: str) -> types.JSONRPCError:
    return types.JSONRPCError(
        jsonrpc="2.0", id=None, error=types.ErrorData(code=PARSE_ERROR, message=f"Parse error: {detail}")
    )


async def run_stdio(app: Any) -> None:
    """``MCPServer.run_stdio_async`` with every unreadable request answered (see module doc)."""
    server = app._lowlevel_server
    wire = _claim_wire()
    if wire is not None:
        wire_in, wire_out, restore = wire
        try:
            async with pipe_streams(wire_in, wire_out) as (read_stream, write_stream):
                await server.run(read_stream, write_stream, server.create_initialization_options())
        finally:
            restore()
        return
    async with stdio_server() as (read_stream, write_stream):
        send, recv = anyio.create_memory_object_stream[SessionMessage | Exception](0)

        async def pump() -> None:  # the SDK's reader hands unreadable lines on as exceptions: answer them
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

"""The stdio transport over pipes: the event loop reads and writes the wire, and stray output misses it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SERVER = textwrap.dedent(
    """
    import os, sys, threading
    import anyio
    from mcp.server.mcpserver import MCPServer
    from semgraph.server import transport

    app = MCPServer("t")

    @app.tool()
    def noisy() -> str:
        print("stray print")             # sys.stdout: must not reach the wire
        os.write(1, b"stray fd 1 write\\n")  # nor a write to fd 1
        return str(threading.active_count())

    @app.tool()
    def big() -> str:
        return "x" * 300_000              # more than a pipe buffer: written as the client reads

    anyio.run(transport.run_stdio, app)
    """
)


def rpc(proc: subprocess.Popen[bytes], rid: int, method: str, params: dict) -> dict:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}).encode() + b"\n")
    proc.stdin.flush()
    while True:
        msg = json.loads(proc.stdout.readline())  # every line on the wire is JSON-RPC
        if msg.get("id") == rid:
            return msg


def test_pipes_carry_only_protocol_and_need_no_io_threads() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        init = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}
        assert "result" in rpc(proc, 1, "initialize", init)
        assert proc.stdin is not None
        proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        noisy = rpc(proc, 2, "tools/call", {"name": "noisy", "arguments": {}})
        # the tool ran in a worker thread (a sync tool); the wire itself took none: main + that worker
        assert noisy["result"]["content"][0]["text"] == "2"
        big = rpc(proc, 3, "tools/call", {"name": "big", "arguments": {}})
        assert big["result"]["content"][0]["text"] == "x" * 300_000
        proc.stdin.write(b'{"jsonrpc":"2.0","id":4,"method":\n')  # cut short: still answered, by id
        proc.stdin.flush()
        assert proc.stdout is not None
        reply = json.loads(proc.stdout.readline())
        assert (reply["id"], reply["error"]["code"]) == (4, -32600)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # end of input: the server stops
        proc.wait(30)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    assert "stray print" in err and "stray fd 1 write" in err  # diverted to stderr, not lost

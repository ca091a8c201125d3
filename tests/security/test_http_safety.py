"""Finding 5: HTTP is safe by default: host/origin checks, a token off loopback, per-client session caps."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from semgraph.errors import InvalidInputError
from semgraph.server.http import HttpOptions, check_options
from tests.support import semgraph_command

TOKEN = "i18-test-token-0123456789"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}


def test_non_loopback_bind_needs_a_token() -> None:
    with pytest.raises(InvalidInputError, match="without a token"):
        check_options(HttpOptions(host="0.0.0.0", port=1))
    with pytest.raises(InvalidInputError, match="without a token"):
        check_options(HttpOptions(host="192.168.1.5", port=1))
    check_options(HttpOptions(host="0.0.0.0", port=1, auth_token=TOKEN))
    check_options(HttpOptions(host="::1", port=1))
    with pytest.raises(InvalidInputError, match="needs --stateless"):
        check_options(HttpOptions(host="127.0.0.1", port=1, workers=2))


def test_cli_refuses_the_bind_before_listening(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*semgraph_command(), "serve", "--root", str(tmp_path), "--http", "0.0.0.0:0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"SEMGRAPH_AUTH_TOKEN": "", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode != 0
    assert "without a token" in proc.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, *options: str) -> Iterator[int]:
    port = _free_port()
    proc = subprocess.Popen(
        [*semgraph_command(), "serve", "--root", str(tmp_path), "--http", f"127.0.0.1:{port}",
         "--auth-token", TOKEN, *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[int]:
    yield from _serve(tmp_path, "--max-sessions-per-client", "3")


@pytest.fixture
def idle_server(tmp_path: Path) -> Iterator[int]:
    yield from _serve(tmp_path, "--max-sessions-per-client", "2", "--session-idle-timeout", "2")


def _post(port: int, body: dict, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    base = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    conn.request("POST", "/mcp", body=json.dumps(body), headers={**base, **headers})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}


def test_token_host_origin_and_session_cap(http_server: int) -> None:
    port = http_server
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert _post(port, INIT, {})[0] == 401
    assert _post(port, INIT, {"Authorization": "Bearer wrong-token-wrong-token"})[0] == 401
    assert _post(port, INIT, {**auth, "Host": "evil.example:80"})[0] == 421  # DNS rebinding
    assert _post(port, INIT, {**auth, "Origin": "http://evil.example"})[0] == 403
    sessions = []
    for _ in range(3):
        status, headers = _post(port, INIT, auth)
        assert status == 200 and headers.get("mcp-session-id")
        sessions.append(headers["mcp-session-id"])
    status, _ = _post(port, INIT, auth)
    assert status == 429  # the per-client cap holds
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("DELETE", "/mcp", headers={**auth, "mcp-session-id": sessions[0]})
    assert conn.getresponse().status in (200, 204)
    conn.close()
    assert _post(port, INIT, auth)[0] == 200  # a closed session frees a slot


def _open_session(port: int) -> str:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, headers = _post(port, INIT, auth)
    assert status == 200 and headers.get("mcp-session-id"), status
    sid = headers["mcp-session-id"]
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    assert _post(port, note, {**auth, **_in_session(sid)})[0] == 202
    return sid


def _in_session(sid: str) -> dict[str, str]:
    return {"mcp-session-id": sid, "mcp-protocol-version": "2025-06-18"}


def test_idle_sessions_expire_and_free_their_slots(idle_server: int) -> None:
    """--session-idle-timeout 2: a session with no request for 2 s is closed (its id then answers 404) and its
    slot under the per-client cap is free again; a session in use stays open however long it is used."""
    port = idle_server
    auth = {"Authorization": f"Bearer {TOKEN}"}
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    idle, busy = _open_session(port), _open_session(port)
    assert _post(port, INIT, auth)[0] == 429  # the cap of 2 holds while both are open
    start = time.monotonic()
    while time.monotonic() - start < 4.5:  # twice the timeout: only `busy` is used meanwhile
        assert _post(port, listing, {**auth, **_in_session(busy)})[0] == 200
        time.sleep(0.5)
    assert _post(port, listing, {**auth, **_in_session(idle)})[0] == 404  # closed for idleness
    assert _post(port, listing, {**auth, **_in_session(busy)})[0] == 200  # used all along: still open
    assert _post(port, INIT, auth)[0] == 200  # the idle session's slot is free again ...
    assert _post(port, INIT, auth)[0] == 429  # ... and only that one


def test_stateless_workers_answer_one_post_each_with_the_supervisors_freshness(tmp_path: Path) -> None:
    """``--stateless --workers 2 --json-response``: a 2026-07-28 call is one POST answered with one JSON body,
    and the worker labels it from the supervisor's watching keeper (it used to stat the tree per answer)."""
    (tmp_path / "app.py").write_text("def helper(x):\n    return x * 2\n")
    gen = iter(_serve(tmp_path, "--stateless", "--workers", "2", "--json-response"))
    port = next(gen)
    try:
        envelope = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {}}  # fmt: skip
        body = {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                "params": {"name": "search_symbols", "arguments": {"query": "helper", "wait_seconds": 30},
                           "_meta": envelope}}  # fmt: skip
        headers = {"Authorization": f"Bearer {TOKEN}", "MCP-Protocol-Version": "2026-07-28",
                   "Mcp-Method": "tools/call", "Mcp-Name": "search_symbols"}  # fmt: skip
        deadline = time.monotonic() + 120
        while True:  # the workers start after the supervisor: wait for a worker with the status published
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            base = {"Content-Type": "application/json", "Accept": "application/json"}
            conn.request("POST", "/mcp", body=json.dumps(body), headers={**base, **headers})
            resp = conn.getresponse()
            payload = resp.read()
            conn.close()
            assert resp.status == 200 and resp.getheader("content-type") == "application/json", payload[:300]
            result = json.loads(payload)["result"]["structuredContent"]
            if result["freshness"]["watcher"] == "watching" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert [h["qualified_name"] for h in result["hits"]] == ["app.helper"]
        assert result["freshness"]["watcher"] == "watching", result["freshness"]
        assert result["freshness"]["index_state"] == "ready"
    finally:
        gen.close()

"""Finding 9: every request gets an answer, even one the SDK's reader cannot parse."""

from __future__ import annotations

from pathlib import Path

from tests.security.rawserver import RawServer


def test_deep_json_lone_surrogate_and_garbage_get_error_replies(tmp_path: Path) -> None:
    srv = RawServer(tmp_path)
    try:
        srv.initialize()
        deep = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search_symbols","arguments":{"q":'
        srv.send_raw((deep + "[" * 300 + "]" * 300 + "}}}").encode())
        reply = srv.read(10)
        assert reply["id"] == 7 and reply["error"]["code"] == -32600, reply
        assert "recursion" in reply["error"]["message"]
        srv.send_raw(b'{"jsonrpc":"2.0","id":"s8","method":"tools/call","params":{"name":"x\\ud800","arguments":{}}}')
        reply = srv.read(10)
        assert reply["id"] == "s8" and reply["error"]["code"] == -32600, reply
        srv.send_raw(b'{"jsonrpc":"2.0","id":9,"method":')
        reply = srv.read(10)
        assert reply["id"] == 9 and reply["error"]["code"] == -32600, reply
        srv.send_raw(b"not json at all")
        reply = srv.read(10)
        assert reply["id"] is None and reply["error"]["code"] == -32700, reply
        srv.send_raw(("[" * 100_000).encode())  # deeper than Python's own parser can go
        reply = srv.read(10)
        assert reply["error"]["code"] in (-32700, -32600), reply
        # the server still answers normal requests afterwards
        rid = srv.call("list_workload_patterns", {})
        reply = srv.read(30)
        assert reply["id"] == rid and "result" in reply, reply
    finally:
        srv.close()

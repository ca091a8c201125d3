"""The graph toolset over stdio: index a fixture, search, traverse, and survive bad input."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support import copy_fixture, error_text, serve

GRAPH_TOOLS = {"index_repository", "search_symbols", "get_symbol", "get_call_graph", "impact_analysis"}
LEAN_NODE = {"id", "kind", "name", "qualified_name", "path", "line", "depth"}
"""What a call-graph node carries unless snippets are asked for."""
MERMAID_SHAPES = ('(["security.hash_password"])', '["UserService.register"]', '["users.register"]')
HASH_PASSWORD_HEAD = 'def hash_password(password: str) -> str:\n    """Hash a password with bcrypt."""\n…'


def build_tree(tmp_path: Path) -> Path:
    """Server root with the pyshop fixture plus hostile files, an empty dir and an outside dir."""
    root = tmp_path / "root"
    root.mkdir()
    shop = copy_fixture("pyshop", root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("KEY = 'x'\n")
    (shop / "pyshop/blob.py").write_bytes(b"\x00\x01\x02" * 100)
    (shop / "pyshop/huge.py").write_bytes(b"x = 1\n" * (10 * 1024 * 1024 // 6))
    (shop / "pyshop/latin.py").write_bytes("def caf\xe9():\n    return 1\n".encode("latin-1"))
    (shop / "pyshop/broken.py").write_text("def ok():\n    return 1\n\n\ndef bad(:\n    pass\n")
    os.symlink(outside / "secret.py", shop / "pyshop/escape.py")
    os.symlink(outside, root / "escape_dir")
    (root / "empty").mkdir()
    for i in range(200):  # each module calls the next through an import
        nxt = (i + 1) % 200
        (root / "big").mkdir(exist_ok=True)
        (root / "big" / f"m{i}.py").write_text(f"from m{nxt} import f{nxt}\n\n\ndef f{i}():\n    return f{nxt}()\n")
    return root


async def test_graph_tools_end_to_end(tmp_path: Path, mode: str) -> None:
    root = build_tree(tmp_path)
    async with serve(root, mode=mode, extra_args=["--toolsets", "graph", "--no-auto-index"]) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == GRAPH_TOOLS
        assert tools["search_symbols"].annotations.read_only_hint is True
        assert tools["index_repository"].annotations.read_only_hint is False

        # before any index
        text = error_text(await client.call_tool("search_symbols", {"query": "user"}))
        assert "no index yet: call index_repository first" in text

        # an empty repository indexes to nothing, and queries still say there is no index
        empty = await client.call_tool("index_repository", {"path": "empty"})
        assert not empty.is_error
        assert (empty.structured_content["status"], empty.structured_content["files_scanned"]) == ("completed", 0)
        assert "no index yet" in error_text(await client.call_tool("get_symbol", {"symbol": "x"}))

        # bad paths
        text = error_text(await client.call_tool("index_repository", {"path": "nope"}))
        assert "'nope' does not exist" in text
        text = error_text(await client.call_tool("index_repository", {"path": "../outside"}))
        assert "resolves outside the allowed roots" in text
        text = error_text(await client.call_tool("index_repository", {"path": "escape_dir"}))
        assert "resolves outside the allowed roots" in text
        text = error_text(await client.call_tool("index_repository", {"path": "pyshop", "languages": ["cobol"]}))
        assert "unknown language(s): cobol" in text

        # index the fixture, with progress notifications
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total, message))

        result = await client.call_tool("index_repository", {"path": "pyshop"}, progress_callback=on_progress)
        assert not result.is_error, result.content
        report = result.structured_content
        assert report["status"] == "completed"
        assert report["languages"]["python"]["files"] == 24  # 22 fixture files + latin.py + broken.py
        assert report["files_parsed"] == 24
        assert report["skipped"] == {
            "binary": 1,
            "symlink_outside_root": 1,
            "too_large": 1,
            "unknown_language": 2,
        }
        assert report["parse_errors"] == [
            'pyshop/broken.py:5:9: missing ")"',
            "pyshop/latin.py:1:8: not valid UTF-8 (byte 0xe9); undecodable bytes were replaced",
            'pyshop/latin.py:1:8: syntax error near "\ufffd"',
        ]
        # the binary file is only recognised when read, so it counts among the files to parse
        assert progress and progress[-1][:2] == (25, 25)

        # search, symbol, callers
        found = await client.call_tool("search_symbols", {"query": "user repo", "limit": 3})
        hits = found.structured_content["hits"]
        assert hits[0]["qualified_name"] == "pyshop.repositories.users.UserRepository"
        assert found.structured_content["page"]["returned"] == 3
        sym = await client.call_tool("get_symbol", {"symbol": "UserService.register"})
        assert sym.structured_content["callers"] == 1 and sym.structured_content["callees"] == 6
        callers = await client.call_tool(
            "get_call_graph", {"symbol": "hash_password", "direction": "callers", "depth": 3}
        )
        nodes = [n["qualified_name"] for n in callers.structured_content["nodes"]]
        assert nodes == [
            "pyshop.services.security.hash_password",
            "pyshop.services.users.UserService.register",
            "pyshop.routes.users.register",
        ]
        # lean by default: no flowchart, no source; both on request, the rest of the answer unchanged
        assert callers.structured_content["mermaid"] is None
        assert all(set(n) == LEAN_NODE for n in callers.structured_content["nodes"])
        rich = await client.call_tool(
            "get_call_graph",
            {
                "symbol": "hash_password",
                "direction": "callers",
                "depth": 3,
                "include_mermaid": True,
                "snippet_lines": 2,
            },
        )
        assert rich.structured_content["mermaid"].splitlines() == [
            "flowchart LR",
            *(
                f"  n{n['id']}{shape}"
                for n, shape in zip(rich.structured_content["nodes"], MERMAID_SHAPES, strict=True)
            ),
            *(f"  n{e['src']} --> n{e['dst']}" for e in rich.structured_content["edges"]),
        ]
        assert rich.structured_content["nodes"][0]["snippet"] == HASH_PASSWORD_HEAD
        assert {
            k: v for k, v in rich.structured_content.items() if k not in ("mermaid", "nodes", "root", "freshness")
        } == {k: v for k, v in callers.structured_content.items() if k not in ("mermaid", "nodes", "root", "freshness")}
        assert [{k: v for k, v in n.items() if k != "snippet"} for n in rich.structured_content["nodes"]] == (
            callers.structured_content["nodes"]
        )
        # `item.subtotal()` on a loop variable is only a name match: left out by default, counted; marked when asked
        sub = await client.call_tool("get_call_graph", {"symbol": "OrderItem.subtotal", "direction": "callers"})
        assert [n["qualified_name"] for n in sub.structured_content["nodes"]] == [
            "pyshop.models.order.OrderItem.subtotal"
        ]
        assert sub.structured_content["possible_edges_left_out"] == 1
        sub = await client.call_tool(
            "get_call_graph", {"symbol": "OrderItem.subtotal", "direction": "callers", "include_possible": True}
        )
        edges = [
            (e["target"], e["resolution"], e["candidates"], e["certainty"]) for e in sub.structured_content["edges"]
        ]
        assert edges == [("item.subtotal", "name_match", 1, "possible"), ("order.total", "typed", 1, "certain")]
        assert sub.structured_content["possible_edges_left_out"] == 0
        sub = await client.call_tool(
            "get_call_graph",
            {"symbol": "OrderItem.subtotal", "direction": "callers", "include_possible": True, "include_mermaid": True},
        )
        assert "-.->" in sub.structured_content["mermaid"]
        imp = await client.call_tool("impact_analysis", {"symbol": "OrderItem.subtotal", "include_possible": True})
        marked = [(s["qualified_name"], s["certain"]) for f in imp.structured_content["files"] for s in f["symbols"]]
        assert ("pyshop.models.order.Order.total", False) in marked
        imp = await client.call_tool("impact_analysis", {"symbol": "OrderItem.subtotal"})
        assert imp.structured_content["possible_left_out"] == 1 and imp.structured_content["files"] == []
        imp = await client.call_tool("impact_analysis", {"symbol": "hash_password"})
        assert [f["path"] for f in imp.structured_content["files"]] == [
            "pyshop/services/users.py",
            "pyshop/routes/users.py",
        ]

        # bad input to the query tools: each a clear error, then the server still answers
        bad_calls = [
            ("search_symbols", {"query": "user", "limit": -1}, "limit"),
            ("search_symbols", {"query": "user", "limit": 1_000_000}, "limit"),
            ("search_symbols", {"query": "user", "offset": -5}, "offset"),
            ("get_symbol", {"symbol": "no_such_symbol_anywhere"}, "unknown symbol 'no_such_symbol_anywhere'"),
            ("get_symbol", {"symbol": "register"}, "ambiguous"),
            ("get_call_graph", {"symbol": "hash_password", "depth": 100}, "depth"),
            ("get_call_graph", {"symbol": "hash_password", "direction": "up"}, "direction"),
            ("impact_analysis", {}, "give exactly one of symbol, file or diff"),
            ("impact_analysis", {"diff": "not a diff"}, "the diff has no file changes"),
            ("impact_analysis", {"file": "pyshop/nope.py"}, "is not in the index"),
        ]
        for name, args, expected in bad_calls:
            text = error_text(await client.call_tool(name, args))
            assert expected in text, (name, text)
            assert "Traceback" not in text
        again = await client.call_tool("search_symbols", {"query": "checkout", "kind": "method"})
        assert [h["qualified_name"] for h in again.structured_content["hits"]] == [
            "pyshop.services.orders.OrderService.checkout"
        ]

        # re-index: nothing changed, nothing parsed
        second = await client.call_tool("index_repository", {"path": "pyshop"})
        assert (second.structured_content["files_parsed"], second.structured_content["files_unchanged"]) == (0, 24)

        # a repository big enough for the parser pool (started from the multi-threaded server: forkserver)
        progress.clear()
        big = await client.call_tool("index_repository", {"path": "big"}, progress_callback=on_progress)
        assert (big.structured_content["files_parsed"], big.structured_content["call_resolution"]) == (
            200,
            {"import": 200},
        )
        # how many notifications arrive depends on timing (polled every 0.1 s); the last one is always the end
        assert progress[-1][:2] == (200, 200) and {total for _, total, _ in progress} == {200}

"""fresh_tool: every graph and analysis tool takes wait_seconds and answers with its freshness label."""

from __future__ import annotations

import json
from pathlib import Path

from mcp import Client

from semgraph.config import Settings
from semgraph.server.app import build_server
from tests.graph.graphhelp import index, write_tree

FRESH_TOOLS = {
    "search_symbols",
    "get_symbol",
    "get_call_graph",
    "impact_analysis",
    "detect_business_workflows",
    "analyze_workflow_step",
    "trace_workflow",
    "detect_architectural_patterns",
    "assess_code_quality",
    "find_cross_language_links",
}


async def test_graph_and_analysis_tools_carry_wait_seconds_and_freshness(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", {"app/util.py": "def helper():\n    return 1\n"})
    index(root, root / ".semgraph" / "index.db")
    app, _env = build_server(Settings.build([root], toolsets="graph,analysis"))
    async with Client(app) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name in FRESH_TOOLS:
            assert "wait_seconds" in tools[name].input_schema["properties"], name
            assert "freshness" in tools[name].output_schema["properties"], name
        assert "freshness" not in tools["index_repository"].output_schema["properties"]

        # an in-process server started no keeper: answers check the disk instead of a watcher
        answer = (await client.call_tool("search_symbols", {"query": "helper"})).structured_content
        assert [h["qualified_name"] for h in answer["hits"]] == ["app.util.helper"]
        assert answer["freshness"] == {
            "generation": 1, "index_state": "ready", "partial": False, "progress_done": 0, "progress_total": None,
            "files_changed_since": False, "changed_files": [], "changed_files_total": 0, "watcher": "off",
            "note": "watcher off: not started",
        }  # fmt: skip
        (root / "app/util.py").write_text("def helper():\n    return 2\n\n\ndef other():\n    pass\n")
        answer = (await client.call_tool("get_symbol", {"symbol": "helper"})).structured_content
        assert answer["freshness"]["changed_files"] == ["app/util.py"]
        assert answer["freshness"]["files_changed_since"] is True

        status = json.loads((await client.read_resource("semgraph://index/status")).contents[0].text)
        assert (status["generation"], status["files"], status["index_state"]) == (1, 1, "ready")
        bad = await client.call_tool("search_symbols", {"query": "x", "wait_seconds": 500})
        assert bad.is_error

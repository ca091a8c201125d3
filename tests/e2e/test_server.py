"""The server as a whole, over stdio: the tool contract every toolset shares."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support import REPO, error_text, semgraph_command, serve

TOOLSETS: dict[str, set[str]] = {
    "graph": {"index_repository", "search_symbols", "get_symbol", "get_call_graph", "impact_analysis"},
    "analysis": {
        "detect_business_workflows",
        "list_routes",
        "analyze_workflow_step",
        "trace_workflow",
        "detect_architectural_patterns",
        "assess_code_quality",
        "find_cross_language_links",
    },
    "rust": {"parse_diesel_model", "generate_rust"},
    "workload": {
        "seed_database",
        "run_workload",
        "list_workload_patterns",
        "get_workload_run",
        "compare_workload_runs",
    },
    "django": {"extract_template_variables", "optimize_django_queries", "generate_serializer"},
    "dag": {"analyze_step_dag", "check_transitions", "extract_state_machines"},
}
"""The public tool names from the design: each toolset must expose at least these."""


async def test_every_tool_follows_the_contract(tmp_path: Path, mode: str) -> None:
    async with serve(tmp_path, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for names in TOOLSETS.values():
            assert names <= set(tools), f"missing tools: {sorted(names - set(tools))}"
        for tool in tools.values():
            assert tool.description and len(tool.description) > 20, tool.name
            assert tool.annotations is not None, tool.name
            assert tool.annotations.read_only_hint is not None, tool.name
            assert tool.annotations.destructive_hint is not None, tool.name
            assert tool.output_schema is not None, f"{tool.name} has no structured output"
            assert tool.input_schema["type"] == "object", tool.name
            if tool.annotations.read_only_hint:
                assert tool.annotations.destructive_hint is False, tool.name
        # a bad call to every tool is a clear error, and the server keeps answering
        for name in sorted(tools):
            result = await client.call_tool(name, {"no_such_argument": 1})
            text = error_text(result)
            assert "no_such_argument" in text, (name, text)
            assert "Traceback" not in text
        assert len((await client.list_tools()).tools) == len(tools)
    readme_tools = set(re.findall(r"^\| `\w+` \| `(\w+)` \|", (REPO / "README.md").read_text(), re.MULTILINE))
    assert readme_tools == set(tools), "README's tool table is out of date"


@pytest.mark.parametrize("toolsets", ["dag", "rust,django"])
async def test_toolsets_option_exposes_only_those(tmp_path: Path, toolsets: str) -> None:
    async with serve(tmp_path, extra_args=["--toolsets", toolsets]) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    expected = set().union(*(TOOLSETS[t] for t in toolsets.split(",")))
    assert expected <= names
    others = set().union(*(v for k, v in TOOLSETS.items() if k not in toolsets.split(",")))
    assert not names & others


def test_bad_command_line_is_a_clear_error(tmp_path: Path) -> None:
    cmd = semgraph_command()
    bad_root = subprocess.run([*cmd, "serve", "--root", str(tmp_path / "missing")], capture_output=True, text=True)
    assert bad_root.returncode == 1
    assert "is not a directory" in bad_root.stderr
    bad_toolset = subprocess.run(
        [*cmd, "serve", "--root", str(tmp_path), "--toolsets", "graph,bogus"], capture_output=True, text=True
    )
    assert bad_toolset.returncode == 1
    assert "unknown toolset(s): bogus" in bad_toolset.stderr

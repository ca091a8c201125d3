"""Helpers shared by tests: start ``semgraph serve`` over stdio with the SDK client.

Usage in an async test::

    async with serve(tmp_path, mode="legacy") as client:
        result = await client.call_tool("index_repository", {"path": "."})
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
MODES = ("legacy", "auto")
"""legacy: the initialize handshake desktop clients use; auto: the newest protocol."""


def semgraph_command() -> list[str]:
    exe = shutil.which("semgraph", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "semgraph.server.cli"]


@asynccontextmanager
async def serve(
    root: Path,
    *,
    mode: str = "legacy",
    extra_args: Sequence[str] = (),
    cwd: Path | None = None,
    timeout: float = 60.0,
    **client_options: Any,
) -> AsyncIterator[Client]:
    """Start ``semgraph serve --root ROOT`` as a subprocess and connect the SDK client
    (``client_options``: more ``Client`` arguments, e.g. a ``message_handler``)."""
    cmd = semgraph_command()
    params = StdioServerParameters(
        command=cmd[0],
        args=[*cmd[1:], "serve", "--root", str(root), *extra_args],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        cwd=str(cwd or root),
    )
    async with Client(params, mode=mode, read_timeout_seconds=timeout, **client_options) as client:
        yield client


def error_text(result: Any) -> str:
    """The text of an ``is_error`` result (asserts it is one)."""
    assert result.is_error, f"expected an error, got {result.structured_content!r}"
    return " ".join(getattr(c, "text", "") for c in result.content)


def copy_fixture(name: str, dest: Path) -> Path:
    """Copy ``fixtures/<name>`` to ``dest/<name>`` so a test may modify it."""
    target = dest / name
    shutil.copytree(FIXTURES / name, target)
    return target

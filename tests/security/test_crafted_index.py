"""Finding 4: confinement comes from the server's roots, never from the root recorded in the index."""

from __future__ import annotations

from pathlib import Path

from semgraph.graph.indexer import index_repository
from semgraph.paths import PathGuard
from tests.support import error_text, serve


def _crafted(tmp_path: Path) -> Path:
    """A served root that ships an index built for a directory outside it (holding a secret)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "vault.py").write_text('def read_secret():\n    return "TOPSECRET-i18"\n')
    served = tmp_path / "served"
    served.mkdir()
    (served / "app.py").write_text("def handler():\n    return 1\n")
    index_repository(outside, served / ".semgraph" / "index.db", PathGuard([outside]), workers=1)
    return served


async def test_crafted_index_is_refused_then_rebuilt(tmp_path: Path) -> None:
    served = _crafted(tmp_path)
    async with serve(served) as client:
        for tool, args in [
            ("get_symbol", {"symbol": "read_secret"}),
            ("search_symbols", {"query": "read_secret"}),
            ("detect_business_workflows", {}),
        ]:
            text = error_text(await client.call_tool(tool, args))
            assert "not inside the served root" in text and "TOPSECRET" not in text, (tool, text)
        done = await client.call_tool("index_repository", {"path": "."})
        assert done.structured_content["status"] == "completed", done
        found = await client.call_tool("get_symbol", {"symbol": "handler"})
        assert "return 1" in found.structured_content["source"]
        gone = await client.call_tool("search_symbols", {"query": "read_secret"})
        assert gone.structured_content["hits"] == []

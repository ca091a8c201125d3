"""The workload toolset over stdio: default SQLite database, runs stored and compared, clear errors."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import anyio

from tests.support import FIXTURES, error_text, serve

TOOLS = {"seed_database", "run_workload", "list_workload_patterns", "get_workload_run", "compare_workload_runs"}


async def test_workload_tools_end_to_end(tmp_path: Path, mode: str) -> None:
    async with serve(tmp_path, mode=mode, extra_args=["--toolsets", "workload"]) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == TOOLS
        for name in ("seed_database", "run_workload"):
            ann = tools[name].annotations
            assert (ann.read_only_hint, ann.destructive_hint, ann.idempotent_hint) == (False, True, False)
        for name in ("list_workload_patterns", "get_workload_run", "compare_workload_runs"):
            assert tools[name].annotations.read_only_hint is True

        patterns = (await client.call_tool("list_workload_patterns", {})).structured_content
        by_name = {p["name"]: p for p in patterns["patterns"]}
        assert list(by_name) == [
            "oltp", "ecommerce", "olap", "reporting", "time_series", "social_media", "iot", "read_heavy",
            "write_heavy", "balanced",
        ]  # fmt: skip
        assert (by_name["olap"]["writes"], by_name["oltp"]["writes"], by_name["read_heavy"]["read_percent"]) == (
            False,
            True,
            80.0,
        )

        refused = await client.call_tool("seed_database", {"rows": 10})
        assert "allow_writes is false" in error_text(refused)
        seed_messages: list[str] = []

        async def on_seed_progress(done: float, total: float | None, message: str | None) -> None:
            seed_messages.append(message or "")

        seeded_result = await client.call_tool(
            "seed_database", {"allow_writes": True, "rows": 50, "seed": 3}, progress_callback=on_seed_progress
        )
        seeded = seeded_result.structured_content
        assert "order_items: 50/50 rows" in seed_messages, seed_messages
        assert seeded["dsn"] == f"sqlite:///{tmp_path.resolve()}/.semgraph/workload.db"
        assert seeded["order"] == ["customers", "orders", "products", "order_items"]
        assert seeded["total_rows"] == 200

        messages: list[str] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            messages.append(message or "")

        run1 = await client.call_tool(
            "run_workload",
            {"pattern": "olap", "duration_s": 1.5, "target_tps": 100, "connections": 2},
            progress_callback=on_progress,
        )
        r1 = run1.structured_content
        assert (r1["run_id"], r1["completed"], r1["failed"], r1["histogram"]) == (1, 150, 0, "")
        assert r1["workload"] == "olap" and r1["target_tps"] == 100
        assert any("tps=" in m and "p95=" in m for m in messages), messages

        no_writes = await client.call_tool("run_workload", {"pattern": "oltp", "duration_s": 0.5})
        assert "allow_writes is false" in error_text(no_writes)
        r2 = (
            await client.call_tool("run_workload", {"pattern": "oltp", "transactions": 60, "allow_writes": True})
        ).structured_content
        assert (r2["run_id"], r2["completed"] + r2["failed"], r2["failed"]) == (2, 60, 0)

        got = (await client.call_tool("get_workload_run", {"run_id": 1, "include_histogram": True})).structured_content
        assert got["run"]["completed"] == 150 and len(got["run"]["histogram"]) > 20
        listing = (await client.call_tool("get_workload_run", {})).structured_content
        assert [r["run_id"] for r in listing["runs"]] == [2, 1] and listing["page"]["total"] == 2
        cmp = (await client.call_tool("compare_workload_runs", {"a": 1, "b": 2})).structured_content
        assert cmp["same_setup"] is False
        assert "workload: olap vs oltp" in cmp["setup_differences"]

        for name in ("seed.yaml", "workload.toml"):
            shutil.copy(FIXTURES / "workload" / name, tmp_path / name)
        from_file = await client.call_tool(
            "seed_database", {"allow_writes": True, "config": "seed.yaml", "truncate": True}
        )
        assert {t["table"]: t["rows_written"] for t in from_file.structured_content["tables"]} == {
            "customers": 100, "orders": 300, "products": 50, "order_items": 200,
        }  # fmt: skip
        reports = (
            await client.call_tool("run_workload", {"config": "workload.toml", "duration_s": 1})
        ).structured_content
        assert (reports["run_id"], reports["workload"], reports["arrival"], reports["connections"]) == (
            3,
            "reports",
            "poisson",
            2,
        )
        assert reports["failed"] == 0 and "revenue_by_status" in {o["name"] for o in reports["operations"]}
        broken = tmp_path / "broken.toml"
        broken.write_text("seed = 1\n[tables.customers\n")
        parse_error = await client.call_tool("seed_database", {"allow_writes": True, "config": "broken.toml"})
        assert "broken.toml:2:" in error_text(parse_error)

        missing = await client.call_tool("get_workload_run", {"run_id": 99})
        assert "no workload run 99 (run ids go from 1 to 3)" in error_text(missing)
        bad = await client.call_tool("run_workload", {"dsn": "oracle://db/x", "pattern": "olap"})
        assert "unsupported DSN" in error_text(bad)
        secret = await client.call_tool(
            "run_workload", {"dsn": "postgresql://bob:Sup3rSecretPw@127.0.0.1:1/nope", "pattern": "olap"}
        )
        text = error_text(secret)
        assert "cannot connect to postgres://bob:***@127.0.0.1:1/nope" in text
        assert "Sup3rSecretPw" not in text
        outside = await client.call_tool("seed_database", {"dsn": "sqlite:////etc/evil.db", "allow_writes": True})
        assert "outside the allowed roots" in error_text(outside)
        unknown = await client.call_tool("run_workload", {"pattern": "nope"})
        assert "no workload pattern 'nope'" in error_text(unknown)
        extra = await client.call_tool("list_workload_patterns", {"colour": "red"})
        assert "colour" in error_text(extra)

        # abandoning the call cancels it: the server stops within a second and stores the partial run
        with anyio.move_on_after(1.5):
            await client.call_tool("run_workload", {"pattern": "olap", "duration_s": 60, "target_tps": 50})
        cancelled_at = time.monotonic()
        stored = None
        while time.monotonic() - cancelled_at < 3:
            runs = (await client.call_tool("get_workload_run", {})).structured_content["runs"]
            if runs[0]["run_id"] == 4:
                stored = runs[0]
                break
            await anyio.sleep(0.1)
        assert stored is not None, "the cancelled run was not stored"
        assert time.monotonic() - cancelled_at < 2.0
        partial = (await client.call_tool("get_workload_run", {"run_id": 4})).structured_content["run"]
        assert partial["cancelled"] is True
        assert 25 <= partial["completed"] <= 100 and partial["elapsed_s"] < 2.5

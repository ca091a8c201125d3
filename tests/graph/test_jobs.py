"""Background indexing: a run outliving one call keeps going; later calls report it, never start a second run."""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
from mcp import Client

from semgraph.config import Settings
from semgraph.graph.indexer import IndexReport
from semgraph.graph.jobs import IndexJob, IndexJobs
from semgraph.server.app import build_server
from tests.graph.graphhelp import write_tree


def test_one_job_per_database_and_results_delivered_once(tmp_path: Path) -> None:
    jobs = IndexJobs()
    gate = threading.Event()
    runs: list[int] = []

    def work(job: IndexJob) -> IndexReport:
        runs.append(1)
        job.progress(1, 2, "half way")
        gate.wait(5)
        return IndexReport(root=str(tmp_path), generation=1)

    db = tmp_path / "i.db"
    job, started = jobs.start(db, tmp_path, work)
    assert started and job.state == "running"
    again, started_again = jobs.start(db, tmp_path, work)
    assert again is job and not started_again
    gate.set()
    assert job.finished.wait(5)
    assert job.state == "completed" and job.report is not None and job.report.generation == 1
    # finished but not yet delivered: the next call gets this result instead of a new run
    assert jobs.start(db, tmp_path, work) == (job, False)
    jobs.collect(job)
    fresh, started_fresh = jobs.start(db, tmp_path, work)
    assert started_fresh and fresh is not job
    assert fresh.finished.wait(5)
    assert len(runs) == 2


def test_failed_job_keeps_its_error(tmp_path: Path) -> None:
    jobs = IndexJobs()

    def work(job: IndexJob) -> IndexReport:
        raise RuntimeError("disk full")

    job, _ = jobs.start(tmp_path / "i.db", tmp_path, work)
    assert job.finished.wait(5)
    assert job.state == "failed" and str(job.error) == "disk full"


async def test_index_repository_continues_in_background(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": f"def f{i}():\n    return {i}\n" for i in range(400)}
    root = write_tree(tmp_path / "repo", files)
    app, _env = build_server(Settings.build([root], toolsets="graph"))
    async with Client(app) as client:
        idle = await client.call_tool("index_repository", {"status": True})
        assert (idle.structured_content["status"], idle.structured_content["message"]) == (
            "idle",
            "no index yet: call index_repository",
        )
        first = await client.call_tool("index_repository", {"path": ".", "wait_seconds": 0})
        assert first.structured_content["status"] == "running", first.structured_content
        assert "continues in the background" in first.structured_content["message"]
        second = await client.call_tool("index_repository", {"path": ".", "wait_seconds": 0})
        assert second.structured_content["status"] in ("running", "completed")
        status = second.structured_content
        for _ in range(300):
            if status["status"] == "completed":
                break
            await anyio.sleep(0.1)
            status = (
                await client.call_tool("index_repository", {"status": True, "wait_seconds": 0})
            ).structured_content
        assert status["status"] == "completed"
        assert status["files_parsed"] == 400 and status["languages"]["python"]["symbols"] == 800
        # the result was delivered: a new call runs again (incrementally: nothing to parse)
        third = await client.call_tool("index_repository", {"path": "."})
        assert (third.structured_content["files_parsed"], third.structured_content["files_unchanged"]) == (0, 400)

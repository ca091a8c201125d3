"""Runs spread over several client processes, merged into one result.

Why: one Python process drives roughly one core; a full-speed run meant to be
compared with a C client such as pgbench (which uses ``-j`` threads) needs the
connections spread over processes. Each process plans against the live schema,
waits for a common start instant, measures with its own share of the
connections and rate, and sends back its HDR histograms (compressed encoding),
which merge exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import multiprocessing
import queue
import time
from typing import Any

from semgraph.errors import DatabaseError, SemgraphError
from semgraph.progress import ProgressFn
from semgraph.workload.dsn import DSN
from semgraph.workload.metrics import Recorder, merge_payload, recorder_payload

START_MARGIN_S = 0.3
"""Between 'everyone is ready' and the common start: time for the start signal to reach every process."""


def _shares(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def child_specs(spec: Any) -> list[Any]:
    """Split connections, rate and transaction count over ``spec.processes`` (seeds differ per process)."""
    n = spec.processes
    conns = _shares(spec.connections, n)
    txs = _shares(spec.transactions, n) if spec.transactions else [None] * n
    out = []
    for i in range(n):
        data = spec.model_dump()
        data.update(
            processes=1,
            connections=conns[i],
            transactions=txs[i],
            target_tps=spec.target_tps / n if spec.target_tps else None,
            seed=spec.seed + 7919 * i,
            config=spec.config,
        )
        out.append(type(spec).model_validate(data))
    return out


def _child(index: int, dsn: DSN, spec: Any, events: Any, go: Any, start_at: Any, stop: Any) -> None:
    """Process entry point: plan, wait for the common start, measure, send the payload."""
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    try:
        payload = runner(_child_main(index, dsn, spec, events, go, start_at, stop))
        events.put(("result", index, payload))
    except SemgraphError as exc:
        events.put(("error", index, str(exc)))
    except BaseException as exc:  # reported to the parent, never a silent hang
        events.put(("error", index, dsn.scrub(f"{type(exc).__name__}: {exc}")))


async def _child_main(index: int, dsn: DSN, spec: Any, events: Any, go: Any, start_at: Any, stop: Any) -> dict:
    from semgraph.workload import runner

    conns = await runner._open_all(dsn, spec)
    try:
        schema = await runner.load_schema(conns[0])
        state = runner.RunState()
        ops = await runner._plan(conns[0], schema, spec, state)
        events.put(("ready", index, None))
        await asyncio.to_thread(go.wait)
        t0 = time.perf_counter() + (start_at.value - time.time())
        local_stop = asyncio.Event()

        async def watch() -> None:
            while not stop.is_set():
                await asyncio.sleep(0.1)
            local_stop.set()

        def report(done: float, total: float | None = None, message: str | None = None) -> None:
            events.put(("progress", index, message))

        watcher = asyncio.create_task(watch())
        try:
            m = await runner.measure(dsn, spec, state, ops, conns, report, local_stop, t0)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        return {
            "rec": recorder_payload(m.rec),
            "dropped_warmup": m.dropped_warmup,
            "last_finish": m.last_finish - m.measure_from,
            "stopped": None if m.stopped_at is None else m.stopped_at - m.measure_from,
            "written": state.written,
            "connections": len(conns),
            "cpu_s": m.cpu_s,
        }
    finally:
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)


async def run_processes(dsn: DSN, spec: Any, report: ProgressFn, stop: asyncio.Event) -> Any:
    """Run ``spec`` over ``spec.processes`` processes and merge their results."""
    from semgraph.workload import runner

    ctx = multiprocessing.get_context("spawn")
    cpu0 = time.process_time()
    events = ctx.Queue()
    go, mp_stop = ctx.Event(), ctx.Event()
    start_at = ctx.Value("d", 0.0)
    specs = child_specs(spec)
    procs = [
        ctx.Process(target=_child, args=(i, dsn, s, events, go, start_at, mp_stop), daemon=True)
        for i, s in enumerate(specs)
    ]
    for p in procs:
        p.start()
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    ready: set[int] = set()
    results: dict[int, dict] = {}
    latest: dict[int, str] = {}
    last_report = time.monotonic()
    stop_forwarder = asyncio.create_task(_forward_stop(stop, mp_stop))
    try:
        while len(results) < len(procs):
            try:
                kind, index, data = await asyncio.to_thread(events.get, True, 0.5)
            except queue.Empty:
                if not any(p.is_alive() for p in procs) and events.empty():
                    raise DatabaseError("a workload process ended without a result") from None
                continue
            if kind == "error":
                mp_stop.set()
                go.set()
                raise DatabaseError(f"workload process {index} failed: {data}")
            if kind == "ready":
                ready.add(index)
                if len(ready) == len(procs):
                    start_at.value = time.time() + START_MARGIN_S
                    go.set()
            elif kind == "progress":
                latest[index] = data
                if time.monotonic() - last_report >= 0.9:
                    last_report = time.monotonic()
                    report(0, None, " | ".join(latest[i] for i in sorted(latest)))
            else:
                results[index] = data
    finally:
        stop_forwarder.cancel()
        mp_stop.set()
        go.set()
        await asyncio.to_thread(_join, procs)
    rec = Recorder()
    rec.open_loop = spec.target_tps is not None
    for i in sorted(results):
        merge_payload(rec, results[i]["rec"])
    stopped = [r["stopped"] for r in results.values() if r["stopped"] is not None]
    written: dict[str, dict[str, int]] = {}
    for r in results.values():
        for table, counts in r["written"].items():
            per = written.setdefault(table, {"inserted": 0, "updated": 0, "deleted": 0})
            for key, n in counts.items():
                per[key] += n
    m = runner.Measured(
        rec=rec,
        dropped_warmup=sum(r["dropped_warmup"] for r in results.values()),
        last_finish=max(r["last_finish"] for r in results.values()),
        stopped_at=max(stopped) if stopped else None,
        measure_from=0.0,
        cpu_s=sum(r["cpu_s"] for r in results.values()) + time.process_time() - cpu0,
    )
    runner.report_done(spec, rec, report)
    connections = sum(r["connections"] for r in results.values())
    return runner.build_result(dsn, spec, started_at, m, connections, written)


async def _forward_stop(stop: asyncio.Event, mp_stop: Any) -> None:
    await stop.wait()
    mp_stop.set()


def _join(procs: list[Any]) -> None:
    deadline = time.monotonic() + 5
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.terminate()

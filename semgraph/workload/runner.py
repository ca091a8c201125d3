"""Drive a database with a workload over N connections and measure it.

Open loop when a target rate is given (see ``scheduler``), closed loop at full
speed otherwise. Every statement runs under a timeout; a stop request ends the
run within a second and the partial results are still returned.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import datetime as dt
import itertools
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from semgraph.errors import InvalidInputError
from semgraph.progress import ProgressFn, no_progress
from semgraph.workload.connect import open_connection
from semgraph.workload.dialects import Connection, ErrorClass
from semgraph.workload.dsn import DSN
from semgraph.workload.generators import stable_hash
from semgraph.workload.metadata import Schema, load_schema
from semgraph.workload.metrics import ErrorGroup, LatencyStats, OperationStats, Recorder, SecondPoint
from semgraph.workload.operations import (
    Bound,
    BoundMany,
    Custom,
    Operation,
    RunState,
    TableKeys,
    build_operations,
    sample_keys,
    writes_in,
)
from semgraph.workload.patterns import OPERATION_KINDS, get_pattern
from semgraph.workload.scheduler import Schedule
from semgraph.workload.seed_config import SeedConfig
from semgraph.workload.workload_config import WorkloadConfig

STOP_GRACE_S = 0.8
"""In-flight operations get this long after a stop request before they are cancelled."""


class RunSpec(BaseModel):
    """What to run; exactly one of ``pattern`` / ``config``."""

    pattern: str | None = None
    config: WorkloadConfig | None = None
    connections: int = Field(4, ge=1, le=64)
    target_tps: float | None = Field(None, gt=0, le=100_000)
    arrival: Literal["constant", "poisson"] = "constant"
    duration_s: float | None = Field(None, gt=0, le=3600)
    transactions: int | None = Field(None, ge=1, le=10_000_000)
    warmup_s: float = Field(0.0, ge=0, le=600)
    seed: int = 0
    allow_writes: bool = False
    latency_limit_ms: float | None = Field(None, gt=0)
    statement_timeout_s: float = Field(5.0, gt=0, le=600)
    tables: list[str] | None = None
    processes: int = Field(1, ge=1, le=16, description="Client processes sharing the connections (full-speed runs).")
    pipeline: int = Field(
        1,
        ge=1,
        le=64,
        description="Full-speed runs: up to this many executions of a read sent together on a connection, where "
        "the driver pipelines independent queries (PostgreSQL); each is measured from its own start. 1: one at a "
        "time per connection, as pgbench -S.",
    )
    seed_config: SeedConfig | None = Field(
        None, description="The seed config: inserts and updates use its column generators, as seeding did."
    )

    @model_validator(mode="after")
    def _check(self) -> RunSpec:
        if (self.pattern is None) == (self.config is None):
            raise ValueError("give exactly one of pattern or config")
        if self.duration_s is not None and self.transactions is not None:
            raise ValueError("give duration_s or transactions, not both")
        if self.processes > self.connections:
            raise ValueError("processes must not exceed connections (each process needs a connection)")
        if self.pipeline > 1 and self.target_tps is not None:
            raise ValueError(
                "pipeline applies to full-speed runs (no target_tps): a rate-limited run sends each "
                "operation at its own time"
            )
        if self.latency_limit_ms is not None and self.target_tps is None:
            raise ValueError("latency_limit_ms needs target_tps (it applies to a rate-limited run, as in pgbench)")
        return self

    def effective(self) -> RunSpec:
        """Fill unset values from the config file, then defaults (10 s)."""
        data = self.model_dump()
        cfg = self.config
        if cfg is not None:
            for key in ("connections", "target_tps", "duration_s", "arrival"):
                value = getattr(cfg, key)
                if value is not None and key not in self.model_fields_set:
                    data[key] = value
        if data["duration_s"] is None and data["transactions"] is None:
            data["duration_s"] = 10.0
        data["config"] = cfg
        return RunSpec.model_validate(data)


class RunResult(BaseModel):
    run_id: int | None = None
    started_at: str
    dsn: str
    dialect: str
    workload: str = Field(description="Pattern name or config name.")
    connections: int
    processes: int = 1
    pipeline: int = Field(1, description="Reads sent together per connection (1: one at a time).")
    arrival: str
    target_tps: float | None
    achieved_tps: float
    tps_ratio: float | None = Field(None, description="achieved / target.")
    duration_s: float | None
    transactions: int | None
    elapsed_s: float = Field(description="Measured time (warm-up excluded).")
    warmup_s: float
    seed: int
    allow_writes: bool
    completed: int
    failed: int
    success_rate: float
    latency_limit_ms: float | None
    late: int = Field(description="Completed operations slower than latency_limit_ms.")
    skipped: int = Field(description="Operations not sent because they were already later than latency_limit_ms.")
    dropped_warmup: int
    cancelled: bool
    latency: LatencyStats = Field(description="From each operation's intended start (coordinated-omission safe).")
    service_time: LatencyStats = Field(
        description="From the moment the operation was actually sent (closed loop: the same as latency)."
    )
    schedule_lag: LatencyStats = Field(
        description="Actual send minus intended start (open loop only; empty otherwise)."
    )
    operations: list[OperationStats]
    operations_total: int | None = Field(
        None,
        description="Operations the run measured; when more than listed here, page them with "
        "get_workload_run(run_id, offset, limit).",
    )
    errors: list[ErrorGroup]
    timeseries: list[SecondPoint]
    rows_changed: dict[str, dict[str, int]] = Field(default_factory=dict)
    histogram: str = Field(description="Latency HDR histogram (µs), compressed base64: merge/compare with hdrh.")
    client_cpu_s: float | None = Field(
        None, description="CPU seconds the client used while measuring (every process): compare with pgbench's."
    )


async def run_workload(
    dsn: DSN,
    spec: RunSpec,
    *,
    progress: ProgressFn | None = None,
    stop: asyncio.Event | None = None,
) -> RunResult:
    """Run ``spec`` against ``dsn`` and return the measured result."""
    spec = spec.effective()
    report = progress or no_progress
    stop = stop or asyncio.Event()
    conns: list[Connection] = []
    try:
        conns.extend(await _open_all(dsn, spec if spec.processes == 1 else spec.model_copy(update={"connections": 1})))
        setup = conns[0]
        schema = await load_schema(setup)
        state = RunState()
        ops = await _plan(setup, schema, spec, state)
        writes = writes_in(ops)
        if writes and not spec.allow_writes:
            raise InvalidInputError(
                f"this workload writes ({', '.join(writes[:6])}) but allow_writes is false",
                hint="pass allow_writes=true to let the run write to this database (only rows it inserts are "
                "updated or deleted), or use a read-only pattern: olap, reporting",
            )
        if spec.processes > 1:
            await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
            conns.clear()
            from semgraph.workload.parallel import run_processes

            return await run_processes(dsn, spec, report, stop)
        return await _execute(dsn, spec, schema, state, ops, conns, report, stop)
    finally:
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)


async def _open_all(dsn: DSN, spec: RunSpec) -> list[Connection]:
    results = await asyncio.gather(
        *(
            open_connection(dsn, statement_timeout_s=spec.statement_timeout_s, read_only=not spec.allow_writes)
            for _ in range(spec.connections)
        ),
        return_exceptions=True,
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        await asyncio.gather(*(r.close() for r in results if isinstance(r, Connection)), return_exceptions=True)
        raise errors[0]
    return [r for r in results if isinstance(r, Connection)]


async def _plan(conn: Connection, schema: Schema, spec: RunSpec, state: RunState) -> list[tuple[Operation, float]]:
    cfg = spec.config
    if spec.pattern is not None:
        pattern = get_pattern(spec.pattern)
        mix, prefer, custom = dict(pattern.mix), list(pattern.prefer), []
    else:
        assert cfg is not None
        mix, prefer, custom = dict(cfg.mix), [], list(cfg.operations)
    names = spec.tables or (cfg.tables if cfg and cfg.tables else None) or schema.names
    for name in names:
        schema.table(name)  # unknown (or injected) table names are refused here
    keys: dict[str, TableKeys] = {}
    for name in names:
        tk = await sample_keys(conn, schema.table(name))
        if tk is not None:
            keys[name] = tk
    q = conn.dialect.quote
    wanted: set[tuple[str, str]] = set()
    for name in names:
        for fk in schema.table(name).foreign_keys:
            if len(fk.columns) == 1:
                wanted.add((fk.ref_table, fk.ref_columns[0]))
    for op in custom:
        for pname, p in op.params.items():
            if p.kind == "fk":
                if not p.table or not p.column:
                    raise InvalidInputError(f"operation {op.name!r}: param {pname!r} of kind fk needs table and column")
                schema.table(p.table).column(p.column)
                wanted.add((p.table, p.column))
    for table, column in sorted(wanted):
        tk = keys.get(table)
        if tk is not None and tk.column == column:
            state.fk_values[(table, column)] = tk.sample
        else:
            rows = await conn.fetch(f"SELECT DISTINCT {q(column)} FROM {q(table)} ORDER BY 1 LIMIT 100000")
            state.fk_values[(table, column)] = [r[0] for r in rows if r[0] is not None]
    ops = build_operations(conn.dialect, schema, names, keys, mix, prefer, spec.seed, state, spec.seed_config)
    ops.extend((Custom(conn.dialect, op, spec.seed, state.fk_values), op.weight) for op in custom)
    if not ops:
        raise InvalidInputError(
            "no operation of this workload can run on this database (tables empty or without a primary key)",
            hint="seed the database first (seed_database) or check the tables / mix",
        )
    return ops


def _kind_of(name: str) -> str:
    prefix = name.split(":", 1)[0]
    return prefix if prefix in OPERATION_KINDS else "custom"


@dataclass
class Measured:
    """What one process measured; several are merged when a run uses more than one process."""

    rec: Recorder
    dropped_warmup: int
    last_finish: float
    stopped_at: float | None
    measure_from: float
    cpu_s: float = 0.0
    """Client CPU seconds (user + system) of the measuring process(es) while the workers ran."""


async def _execute(
    dsn: DSN,
    spec: RunSpec,
    schema: Schema,
    state: RunState,
    ops: Sequence[tuple[Operation, float]],
    conns: list[Connection],
    report: ProgressFn,
    stop: asyncio.Event,
) -> RunResult:
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    m = await measure(dsn, spec, state, ops, conns, report, stop, time.perf_counter() + 0.05)
    report_done(spec, m.rec, report)
    return build_result(dsn, spec, started_at, m, len(conns), state.written)


def report_done(spec: RunSpec, rec: Recorder, report: ProgressFn) -> None:
    total = rec.completed + rec.failed
    report(
        spec.duration_s or total, spec.duration_s or spec.transactions, f"done: {rec.completed} ok, {rec.failed} failed"
    )


async def measure(
    dsn: DSN,
    spec: RunSpec,
    state: RunState,
    ops: Sequence[tuple[Operation, float]],
    conns: list[Connection],
    report: ProgressFn,
    stop: asyncio.Event,
    t0: float,
) -> Measured:
    """Run the workers from ``t0`` (a ``perf_counter`` instant) until done or stopped."""
    dialect = conns[0].dialect
    operations = [op for op, _ in ops]
    cum = list(itertools.accumulate(w for _, w in ops))
    limit_s = spec.latency_limit_ms / 1000.0 if spec.latency_limit_ms else None
    rec = Recorder(late_limit_s=limit_s)
    end = t0 + spec.warmup_s + spec.duration_s if spec.duration_s else None
    schedule = Schedule(spec.target_tps, spec.arrival, spec.seed, t0, spec.warmup_s, end, spec.transactions)
    rec.start = schedule.measure_from
    rec.open_loop = spec.target_tps is not None
    backstop = (
        spec.statement_timeout_s * max(1, max((len(getattr(o, "statements", [1])) for o in operations), default=1))
        + 2.0
    )
    last_finish = [schedule.measure_from]
    busy_since = [0.0] * len(conns)
    overdue = [False] * len(conns)
    stopped_at: list[float] = []

    single = len(operations) == 1
    kinds: dict[str, str] = {}
    fixed_names = [None if op.bound_returns_name else op.name for op in operations]
    depth = spec.pipeline if spec.target_tps is None else 1

    async def worker(index: int) -> None:
        rng = random.Random(spec.seed ^ stable_hash(f"worker{index}"))
        perf = time.perf_counter
        record = rec.record
        # each operation tied to this worker's connection once (prepared reads); a failure here is retried
        # on first use inside the measured loop, where it is counted like any other error
        bound: list[Bound | None] = [None] * len(operations)
        pipelined: list[BoundMany | None] = [None] * len(operations)

        async def bind(i: int) -> Bound:
            fn = bound[i] = await operations[i].bind(conns[index])
            if depth > 1:
                pipelined[i] = await operations[i].bind_pipelined(conns[index])
            return fn

        for i in range(len(operations)):
            with contextlib.suppress(Exception):
                await bind(i)
        await asyncio.sleep(max(0.0, schedule.start - perf()))
        while True:
            if stop.is_set():
                return
            now = perf()
            nxt = schedule.next(now)
            if nxt is None:
                return
            intended, measured = nxt
            delay = intended - now
            while delay > 0:
                await asyncio.sleep(min(delay, 0.2))
                if stop.is_set():
                    return
                delay = intended - perf()
            started = perf()
            if measured and limit_s is not None and started - intended > limit_s:
                rec.skipped += 1  # already too late to be useful: not sent (pgbench --latency-limit)
                continue
            i = 0 if single else _pick(rng, cum)
            op = operations[i]
            batch: list[bool] | None = None
            if depth > 1 and pipelined[i] is not None:  # full speed: this read n times in one round trip
                batch = [measured]
                while len(batch) < depth and (more := schedule.next(now)) is not None:
                    batch.append(more[1])
            busy_since[index] = started
            try:
                try:
                    fn = bound[i]
                    if fn is None:
                        fn = await bind(i)
                    if batch is None:
                        result = await fn(rng, state)
                    else:
                        result = await pipelined[i](rng, len(batch))  # type: ignore[misc]
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    if not overdue[index] or task is None:
                        raise
                    overdue[index] = False
                    task.uncancel()  # the watchdog, not a stop: a client-side timeout
                    raise TimeoutError(f"no answer within {backstop:.0f} s (client-side timeout)") from None
                finally:
                    busy_since[index] = 0.0
            except Exception as exc:  # counted and classified; the run goes on
                finished = perf()
                cls = ErrorClass.TIMEOUT if isinstance(exc, TimeoutError) else dialect.classify(exc)
                message = dsn.scrub(f"{type(exc).__name__}: {exc}")
                for counted in batch or (measured,):  # a failed pipeline: its remaining statements never ran
                    if counted:
                        rec.record_error(op.name, op.kind, cls.value, message, finished)
                if cls == ErrorClass.CONNECTION or isinstance(exc, TimeoutError):
                    await _reconnect(dsn, spec, conns, index)
                    bound[:] = [None] * len(operations)  # statements prepared on the old connection are gone
                    pipelined[:] = [None] * len(operations)
                continue
            finished = perf()
            if batch is not None:
                measured = any(batch)
            if measured:
                name = fixed_names[i] or result
                kind = kinds.get(name)
                if kind is None:
                    kind = kinds[name] = _kind_of(name)
                for counted in batch or (True,):  # each execution of a pipeline, from its own intended start
                    if counted:
                        record(name, kind, intended, started, finished)
                if finished > last_finish[0]:
                    last_finish[0] = finished

    async def monitor() -> None:
        prev_done, prev_t = 0, time.perf_counter()
        while True:
            await asyncio.sleep(1.0)
            now = time.perf_counter()
            for i, since in enumerate(busy_since):  # watchdog: a statement hung past every server timeout
                if since and now - since > backstop and not overdue[i]:
                    overdue[i] = True
                    tasks[i].cancel()
            elapsed = now - schedule.measure_from
            done, p95, errors = rec.snapshot()
            if elapsed < 0:
                report(0, spec.duration_s, f"warm-up {spec.warmup_s + elapsed:.0f}/{spec.warmup_s:.0f}s")
                continue
            tps = round((done - prev_done) / max(1e-6, now - max(prev_t, schedule.measure_from)))
            prev_done, prev_t = done, now
            message = f"{elapsed:.0f}s tps={tps} p95={p95:.2f}ms errors={errors} done={done}"
            if spec.duration_s:
                report(min(elapsed, spec.duration_s), spec.duration_s, message)
            else:
                report(done + errors, spec.transactions, message)

    async def watch_stop() -> None:
        await stop.wait()
        stopped_at.append(time.perf_counter())

    cpu0 = time.process_time()
    tasks = [asyncio.create_task(worker(i)) for i in range(len(conns))]
    mon = asyncio.create_task(monitor())
    watcher = asyncio.create_task(watch_stop())
    try:
        pending = set(tasks)
        while pending:
            done_set, pending = await asyncio.wait(pending | {watcher}, return_when=asyncio.FIRST_COMPLETED)
            pending.discard(watcher)
            if watcher in done_set:
                _, pending = await asyncio.wait(pending, timeout=STOP_GRACE_S) if pending else (set(), set())
                for t in pending:
                    t.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                for c in conns:
                    with contextlib.suppress(Exception):
                        await c.interrupt()
                break
        for t in tasks:
            if t.done() and not t.cancelled() and t.exception():
                raise t.exception()  # type: ignore[misc]
    finally:
        mon.cancel()
        watcher.cancel()
        for t in tasks:
            t.cancel()
        await asyncio.gather(mon, watcher, *tasks, return_exceptions=True)
    rec.flush()  # the last second's samples, inside the measured CPU
    return Measured(
        rec=rec,
        dropped_warmup=schedule.dropped_warmup,
        last_finish=last_finish[0],
        stopped_at=stopped_at[0] if stopped_at else None,
        measure_from=schedule.measure_from,
        cpu_s=time.process_time() - cpu0,
    )


def build_result(dsn: DSN, spec: RunSpec, started_at: str, m: Measured, connections: int, written: dict[str, dict[str, int]]) -> RunResult:  # fmt: skip
    """The result model from a (possibly merged) measurement."""
    rec = m.rec
    cancelled = m.stopped_at is not None
    if m.stopped_at is not None:
        elapsed = max(0.0, m.stopped_at - m.measure_from)
    elif spec.duration_s:
        elapsed = max(spec.duration_s, m.last_finish - m.measure_from)
    else:
        elapsed = max(1e-6, m.last_finish - m.measure_from)
    completed, failed = rec.completed, rec.failed
    achieved = completed / elapsed if elapsed > 0 else 0.0
    total = completed + failed
    return RunResult(
        started_at=started_at,
        dsn=dsn.redacted,
        dialect=dsn.dialect,
        workload=spec.pattern or (spec.config.name if spec.config else "custom"),
        connections=connections,
        processes=spec.processes,
        pipeline=spec.pipeline,
        arrival=spec.arrival if spec.target_tps else "closed_loop",
        target_tps=spec.target_tps,
        achieved_tps=round(achieved, 2),
        tps_ratio=round(achieved / spec.target_tps, 4) if spec.target_tps else None,
        duration_s=spec.duration_s,
        transactions=spec.transactions,
        elapsed_s=round(elapsed, 3),
        warmup_s=spec.warmup_s,
        seed=spec.seed,
        allow_writes=spec.allow_writes,
        completed=completed,
        failed=failed,
        success_rate=round(completed / total, 6) if total else 1.0,
        latency_limit_ms=spec.latency_limit_ms,
        late=rec.late,
        skipped=rec.skipped,
        dropped_warmup=m.dropped_warmup,
        cancelled=cancelled,
        latency=LatencyStats.of(rec.latency, rec.sums["latency"]),
        service_time=LatencyStats.of(rec.service, rec.sums["service"])
        if rec.open_loop
        else LatencyStats.of(rec.latency, rec.sums["latency"]),
        schedule_lag=LatencyStats.of(rec.lag, rec.sums["lag"]),
        operations=rec.operation_stats(),
        errors=rec.error_groups(),
        timeseries=rec.series(elapsed),
        rows_changed=written,
        histogram=rec.latency.encode().decode() if rec.latency.get_total_count() else "",
        client_cpu_s=round(m.cpu_s, 4),
    )


def _pick(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


async def _reconnect(dsn: DSN, spec: RunSpec, conns: list[Connection], index: int) -> None:
    """A timed-out or broken connection is replaced (its state is unknown)."""
    old = conns[index]
    with contextlib.suppress(Exception):
        await old.close()
    with contextlib.suppress(Exception):
        conns[index] = await open_connection(
            dsn, statement_timeout_s=spec.statement_timeout_s, read_only=not spec.allow_writes
        )

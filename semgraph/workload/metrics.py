"""Latency and throughput statistics for a workload run, from HDR histograms.

Why HDR: percentiles up to p99.9 stay exact to 3 significant digits at any
rate, and the histogram's compressed base64 form (``encode``) lets two runs be
merged or compared later without keeping every sample.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram
from pydantic import BaseModel, Field

LOWEST_US = 1
HIGHEST_US = 600_000_000
SIG_FIGS = 3
MAX_SERIES_POINTS = 120
"""Longer runs are summarised: consecutive seconds are merged so the series stays this short."""


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIG_FIGS)


def decode_histogram(encoded: str) -> HdrHistogram:
    return HdrHistogram.decode(encoded)


class LatencyStats(BaseModel):
    """Milliseconds; measured from each operation's intended start unless stated otherwise."""

    count: int
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float

    @classmethod
    def of(cls, hist: HdrHistogram, total_us: float) -> LatencyStats:
        """Stats of ``hist``; the mean comes from ``total_us`` (hdrh's own mean walks every bucket: slow)."""
        n = hist.get_total_count()
        if not n:
            return cls(count=0, mean_ms=0, p50_ms=0, p95_ms=0, p99_ms=0, p999_ms=0, max_ms=0)

        def ms(us: float) -> float:
            return round(us / 1000.0, 3)

        return cls(
            count=n,
            mean_ms=ms(total_us / n),
            p50_ms=ms(hist.get_value_at_percentile(50)),
            p95_ms=ms(hist.get_value_at_percentile(95)),
            p99_ms=ms(hist.get_value_at_percentile(99)),
            p999_ms=ms(hist.get_value_at_percentile(99.9)),
            max_ms=ms(hist.get_max_value()),
        )


class OperationStats(BaseModel):
    name: str = Field(description="kind:table for generated operations, the config name for custom ones.")
    kind: str
    count: int
    share: float = Field(description="Fraction of all completed operations.")
    errors: int
    latency: LatencyStats


class ErrorGroup(BaseModel):
    error_class: str
    count: int
    operations: list[str]
    sample: str = Field(description="One message of this class (passwords removed, cut to 300 characters).")


class SecondPoint(BaseModel):
    t: int = Field(description="Seconds since the measured part of the run started (bucket start).")
    seconds: int = Field(1, description="Bucket width; >1 when a long run was summarised.")
    tps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass
class _Bucket:
    latencies: array = field(default_factory=lambda: array("d"))
    """Seconds, one per completed operation of this second (8 bytes each, not a Python float)."""
    errors: int = 0


_SHIFT_FROM = new_histogram().sub_bucket_half_count_magnitude + 1
"""Microsecond values of up to this many bits are their own HDR bucket; longer ones share it with neighbours."""


def _bucket_floors(seconds: array) -> list[int]:
    """Each duration in whole µs, cut to the lowest value of its HDR bucket (the histogram cannot tell them apart).

    Why: counted this way a second's samples fall on a few hundred distinct values, each recorded once, and the
    histograms (counts, percentiles, min, max) are exactly those of recording every sample.
    """
    return [(v >> s) << s if (s := (v := int(x * 1e6)).bit_length() - _SHIFT_FROM) > 0 else (v or 1) for x in seconds]


class Recorder:
    """Collects every measured operation; ``record`` only appends to C arrays (no Python object kept).

    Why: an HDR ``record_value`` is pure Python (~3-8 µs), as much CPU as the driver call being measured. The
    samples of the current second are kept as doubles; when the second ends (or results are read: ``flush``)
    they are counted per HDR bucket with ``Counter``, and the histograms are filled from those counts when they
    are read. Sums use the exact durations.
    """

    def __init__(self, *, late_limit_s: float | None = None) -> None:
        self._latency: HdrHistogram | None = None
        self._service = new_histogram()
        self._lag_hist = new_histogram()
        self._per_op: dict[str, HdrHistogram] = {}
        self._counts: dict[str, Counter[int]] = {}
        """Per operation: HDR bucket floor (µs) -> samples not yet recorded in its histogram."""
        self._open_counts: dict[str, Counter[int]] = {}
        """The same for ``service`` and ``lag`` (open loop only)."""
        self.sums: dict[str, float] = defaultdict(float)
        """Sum of microseconds per histogram (``latency``, ``service``, ``lag`` and each operation)."""
        self.kinds: dict[str, str] = {}
        self.op_errors: dict[str, int] = defaultdict(int)
        self.errors: dict[str, list] = {}
        self.seconds: dict[int, _Bucket] = defaultdict(_Bucket)
        self.open_loop = True
        self.late_limit_s = late_limit_s
        self._completed = 0
        self.failed = 0
        self.late = 0
        self.skipped = 0
        self.start = 0.0
        self._pending: dict[str, array] = {}
        """Latencies (s) of the current second per operation."""
        self._svc, self._lag = array("d"), array("d")
        self._second, self._second_end = 0, float("-inf")

    @property
    def completed(self) -> int:
        return self._completed + sum(len(buf) for buf in self._pending.values())

    @completed.setter
    def completed(self, value: int) -> None:
        self.flush()
        self._completed = value

    def record(self, name: str, kind: str, intended: float, started: float, finished: float) -> None:
        """One completed operation (``perf_counter`` instants): intended start, actual send, answer."""
        if finished >= self._second_end:
            self._roll(finished)
        buf = self._pending.get(name)
        if buf is None:
            buf = self._pending[name] = array("d")
            self.kinds.setdefault(name, kind)
        buf.append(finished - intended)
        if self.open_loop:  # closed loop: intended == sent, so service time is the latency and lag is 0
            self._svc.append(finished - started)
            self._lag.append(started - intended)

    def _roll(self, finished: float) -> None:
        self.flush()
        self._second = int(finished - self.start)
        self._second_end = self.start + self._second + 1

    def flush(self) -> None:
        """Move the pending samples (all of one second) into that second's bucket, the counts and the sums."""
        for name, buf in self._pending.items():
            if not buf:
                continue
            self.seconds[self._second].latencies.extend(buf)
            self.sums["latency"] += self._count(self._counts, name, buf)
            if self.late_limit_s is not None:
                limit = self.late_limit_s
                self.late += sum(1 for x in buf if x > limit)
            self._completed += len(buf)
            del buf[:]
        if self._svc:
            self._count(self._open_counts, "service", self._svc)
            self._count(self._open_counts, "lag", self._lag)
            del self._svc[:], self._lag[:]

    def _count(self, into: dict[str, Counter[int]], name: str, seconds: array) -> float:
        """Count ``seconds`` per HDR bucket into ``into[name]``; add their exact sum (µs) to ``sums[name]``."""
        total = sum(seconds) * 1e6
        self.sums[name] += total
        counts = into.get(name)
        if counts is None:
            counts = into[name] = Counter()
        counts.update(_bucket_floors(seconds))
        return total

    @staticmethod
    def _fill(hist: HdrHistogram, counts: Counter[int] | None) -> HdrHistogram:
        for value, count in (counts or {}).items():
            hist.record_value(min(value, HIGHEST_US), count)
        return hist

    @property
    def per_op(self) -> dict[str, HdrHistogram]:
        """Latency histogram per operation name."""
        self.flush()
        for name, counts in self._counts.items():
            self._fill(self._per_op.setdefault(name, new_histogram()), counts)
        self._counts.clear()
        return self._per_op

    @property
    def service(self) -> HdrHistogram:
        self.flush()
        return self._fill(self._service, self._open_counts.pop("service", None))

    @property
    def lag(self) -> HdrHistogram:
        self.flush()
        return self._fill(self._lag_hist, self._open_counts.pop("lag", None))

    @property
    def latency(self) -> HdrHistogram:
        """All operations' latencies: the per-operation histograms added up (exact, and one record per call).

        Cached until the next record; progress lines use the last second's samples instead.
        """
        self.flush()
        if self._latency is None or self._latency.get_total_count() != self.completed:
            total = new_histogram()
            for hist in self.per_op.values():
                total.add(hist)
            self._latency = total
        return self._latency

    def record_error(self, name: str, kind: str, error_class: str, message: str, finished: float) -> None:
        self.failed += 1
        self.op_errors[name] += 1
        self.kinds.setdefault(name, kind)
        group = self.errors.get(error_class)
        if group is None:
            self.errors[error_class] = [1, {name}, message[:300]]
        else:
            group[0] += 1
            group[1].add(name)
        self.seconds[int(finished - self.start)].errors += 1

    def snapshot(self) -> tuple[int, float, int]:
        """(completed, current p95 ms, errors) for progress lines."""
        self.flush()
        if not self.seconds:
            return self.completed, 0.0, self.failed
        last = self.seconds[max(self.seconds)].latencies
        return self.completed, _pct(sorted(last), 95) * 1000.0, self.failed

    # --- results ---------------------------------------------------------------------------

    def operation_stats(self) -> list[OperationStats]:
        self.flush()
        total = self.completed + self.failed
        names = sorted(set(self.per_op) | set(self.op_errors))
        out = []
        for name in names:
            hist = self.per_op.get(name) or new_histogram()
            count = hist.get_total_count()
            errs = self.op_errors.get(name, 0)
            out.append(
                OperationStats(
                    name=name,
                    kind=self.kinds.get(name, "custom"),
                    count=count,
                    share=round((count + errs) / total, 4) if total else 0.0,
                    errors=errs,
                    latency=LatencyStats.of(hist, self.sums.get(name, 0.0)),
                )
            )
        return sorted(out, key=lambda o: (-o.count - o.errors, o.name))

    def error_groups(self) -> list[ErrorGroup]:
        return sorted(
            (
                ErrorGroup(error_class=cls, count=g[0], operations=sorted(g[1])[:10], sample=g[2])
                for cls, g in self.errors.items()
            ),
            key=lambda e: -e.count,
        )

    def series(self, elapsed: float) -> list[SecondPoint]:
        self.flush()
        last = max(int(elapsed + 0.999), max(self.seconds, default=-1) + 1)
        width = max(1, -(-last // MAX_SERIES_POINTS))
        points = []
        for start in range(0, last, width):
            lats: list[float] = []
            errors = 0
            for s in range(start, min(start + width, last)):
                b = self.seconds.get(s)
                if b:
                    lats.extend(b.latencies)
                    errors += b.errors
            span = min(width, last - start)
            lats.sort()
            points.append(
                SecondPoint(
                    t=start,
                    seconds=span,
                    tps=round(len(lats) / span, 1),
                    p50_ms=round(_pct(lats, 50) * 1000.0, 3),
                    p99_ms=round(_pct(lats, 99) * 1000.0, 3),
                    errors=errors,
                )
            )
        return points


def _pct(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, round(pct / 100.0 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def recorder_payload(rec: Recorder) -> dict:
    """A picklable snapshot of a recorder (histograms in HDR encoding) for merging across processes."""

    def enc(h: HdrHistogram) -> str:
        return h.encode().decode() if h.get_total_count() else ""

    rec.flush()
    return {
        "service": enc(rec.service),
        "lag": enc(rec.lag),
        "per_op": {name: enc(h) for name, h in rec.per_op.items()},
        "kinds": dict(rec.kinds),
        "sums": dict(rec.sums),
        "op_errors": dict(rec.op_errors),
        "errors": {cls: [g[0], sorted(g[1]), g[2]] for cls, g in rec.errors.items()},
        "seconds": {s: (b.latencies, b.errors) for s, b in rec.seconds.items()},  # arrays pickle compactly
        "counts": (rec.completed, rec.failed, rec.late, rec.skipped),
    }


def merge_payload(rec: Recorder, payload: dict) -> None:
    """Add another process's measurements (same measurement start) into ``rec``."""

    def add(h: HdrHistogram, encoded: str) -> None:
        if encoded:
            h.add(decode_histogram(encoded))

    add(rec.service, payload["service"])
    add(rec.lag, payload["lag"])
    for name, encoded in payload["per_op"].items():
        hist = rec.per_op.get(name)
        if hist is None:
            hist = rec.per_op[name] = new_histogram()
        add(hist, encoded)
    rec.kinds.update(payload["kinds"])
    for key, value in payload["sums"].items():
        rec.sums[key] += value
    for name, n in payload["op_errors"].items():
        rec.op_errors[name] += n
    for cls, (count, names, sample) in payload["errors"].items():
        group = rec.errors.get(cls)
        if group is None:
            rec.errors[cls] = [count, set(names), sample]
        else:
            group[0] += count
            group[1].update(names)
    for second, (latencies, errors) in payload["seconds"].items():
        bucket = rec.seconds[second]
        bucket.latencies.extend(latencies)
        bucket.errors += errors
    completed, failed, late, skipped = payload["counts"]
    rec.completed += completed
    rec.failed += failed
    rec.late += late
    rec.skipped += skipped

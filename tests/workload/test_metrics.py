"""The recorder's batched HDR counting gives exactly the histograms of recording every sample."""

from __future__ import annotations

import random

from semgraph.workload.metrics import HIGHEST_US, Recorder, new_histogram


def test_batched_counts_match_recording_every_sample() -> None:
    rng = random.Random(3)
    rec = Recorder(late_limit_s=0.005)
    rec.start = 0.0
    ref = {"latency": new_histogram(), "service": new_histogram(), "lag": new_histogram()}
    per_op = {"point_select:a": new_histogram(), "join:b": new_histogram()}
    late = 0
    t = 0.0
    for i in range(30_000):
        t += rng.random() * 0.0002  # ~3 s: several seconds' buckets, flushed as they end
        lat = rng.lognormvariate(-7, 1.5)  # ~1 ms, wide: from under 1 µs-bucket size to seconds
        lag = lat * rng.random()
        name = "join:b" if i % 3 == 0 else "point_select:a"
        rec.record(name, name.split(":")[0], t - lat, t - lat + lag, t)
        us = min(max(1, int(lat * 1e6)), HIGHEST_US)
        ref["latency"].record_value(us)
        per_op[name].record_value(us)
        ref["service"].record_value(min(max(1, int((t - (t - lat + lag)) * 1e6)), HIGHEST_US))
        ref["lag"].record_value(min(max(1, int(((t - lat + lag) - (t - lat)) * 1e6)), HIGHEST_US))
        late += lat > 0.005
    got = {"latency": rec.latency, "service": rec.service, "lag": rec.lag, **rec.per_op}
    for key, want in {**ref, **per_op}.items():
        hist = got[key]
        assert hist.get_total_count() == want.get_total_count(), key
        assert (hist.get_min_value(), hist.get_max_value()) == (want.get_min_value(), want.get_max_value()), key
        for pct in (1, 10, 50, 90, 99, 99.9, 99.99, 100):
            assert hist.get_value_at_percentile(pct) == want.get_value_at_percentile(pct), (key, pct)
    assert rec.completed == 30_000 and rec.late == late
    assert sum(len(b.latencies) for b in rec.seconds.values()) == 30_000 and len(rec.seconds) >= 3
    # sums are exact: the mean is that of the raw durations, not of their buckets
    assert abs(rec.sums["latency"] / 30_000 - ref["latency"].get_mean_value()) < ref["latency"].get_mean_value() * 0.01

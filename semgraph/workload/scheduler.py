"""Open-loop arrival schedule: when each operation is *meant* to start.

Why open loop: if the database stalls, a closed loop simply sends less and the
stall vanishes from the percentiles (coordinated omission). Here every
operation has an intended start fixed in advance (constant spacing or Poisson
arrivals from the seed); latency is measured from that instant, and the
difference between intended and actual send is reported as schedule lag.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from semgraph.workload.generators import stable_hash


@dataclass
class Schedule:
    """Hands out intended start times (``time.perf_counter`` seconds) to the workers.

    ``rate`` None means closed loop: no schedule, workers go as fast as they can.
    Measurement starts at ``start + warmup``; operations meant for the warm-up
    that have not started by then are dropped, so no backlog enters the
    measured part. ``end`` bounds intended times (duration mode);
    ``limit`` bounds the number of measured operations (transaction mode).
    """

    rate: float | None
    arrival: str
    seed: int
    start: float
    warmup: float
    end: float | None
    limit: int | None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed ^ stable_hash("arrivals"))
        self._k = 0
        self._next = self.start
        self.issued = 0
        self.dropped_warmup = 0
        self._end = float("inf") if self.end is None else self.end
        self._limit = -1 if self.limit is None else self.limit

    @property
    def measure_from(self) -> float:
        return self.start + self.warmup

    def next(self, now: float) -> tuple[float, bool] | None:
        """The next operation: (intended start, measured?) or None when the run is complete."""
        if self.rate is None:  # closed loop, the full-speed hot path: no arrival to draw
            if now < self.start + self.warmup:
                return now, False
            if now >= self._end or self.issued == self._limit:
                return None
            self.issued += 1
            return now, True
        while True:
            intended = self._next
            if self.arrival == "poisson":
                self._next += self._rng.expovariate(self.rate)
            else:
                self._k += 1
                self._next = self.start + self._k / self.rate
            measured = intended >= self.measure_from
            if not measured and now >= self.measure_from:
                self.dropped_warmup += 1  # warm-up backlog: dropped, never measured
                continue
            if measured:
                if self.end is not None and intended >= self.end:
                    return None
                if self.limit is not None and self.issued >= self.limit:
                    return None
                self.issued += 1
            return intended, measured

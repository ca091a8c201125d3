"""The ten built-in workload patterns, as data.

Each pattern is a weighted mix of operation kinds; ``prefer`` names table-name
fragments that get three times the share of their kind (an e-commerce mix leans
on orders and products, IoT on readings and events). Operations themselves are
generated from the live schema (``operations.py``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from semgraph.errors import NotFoundError

OPERATION_KINDS: tuple[str, ...] = ("point_select", "range_scan", "join", "aggregate", "insert", "update", "delete")
WRITE_KINDS = frozenset({"insert", "update", "delete"})


class Pattern(BaseModel):
    name: str
    description: str
    mix: dict[str, float] = Field(description="Operation kind -> relative weight.")
    prefer: list[str] = Field(default_factory=list, description="Table-name fragments favoured by this pattern.")

    @property
    def writes(self) -> bool:
        return any(self.mix.get(k, 0) > 0 for k in WRITE_KINDS)

    @property
    def read_share(self) -> float:
        total = sum(self.mix.values())
        return sum(w for k, w in self.mix.items() if k not in WRITE_KINDS) / total if total else 0.0


_TIME_TABLES = ["event", "reading", "metric", "log", "sensor", "measurement", "sample", "order"]

PATTERNS: dict[str, Pattern] = {
    p.name: p
    for p in [
        Pattern(
            name="oltp",
            description="Frequent small transactions: key lookups and single-row writes.",
            mix={"point_select": 50, "range_scan": 5, "insert": 20, "update": 20, "delete": 5},
        ),
        Pattern(
            name="ecommerce",
            description="Shop traffic: browse products, look up customers and orders, place and amend orders.",
            mix={"point_select": 35, "join": 20, "range_scan": 10, "insert": 20, "update": 12, "delete": 3},
            prefer=["order", "product", "cart", "customer", "item"],
        ),
        Pattern(
            name="olap",
            description="Analytical queries: aggregates with GROUP BY and joins over ranges; read-only.",
            mix={"aggregate": 60, "join": 30, "range_scan": 10},
        ),
        Pattern(
            name="reporting",
            description="Read-heavy reports with larger result sets; read-only.",
            mix={"range_scan": 40, "aggregate": 30, "join": 30},
        ),
        Pattern(
            name="time_series",
            description="Append-heavy inserts with recent-range queries.",
            mix={"insert": 70, "range_scan": 25, "aggregate": 5},
            prefer=_TIME_TABLES,
        ),
        Pattern(
            name="social_media",
            description="High read volume (feeds, profiles) with bursts of posts and edits.",
            mix={"point_select": 50, "join": 25, "insert": 15, "update": 8, "delete": 2},
            prefer=["post", "user", "comment", "like", "follow", "message"],
        ),
        Pattern(
            name="iot",
            description="High-volume sensor inserts, a few range reads and rollups.",
            mix={"insert": 85, "range_scan": 10, "aggregate": 5},
            prefer=[*_TIME_TABLES, "device"],
        ),
        Pattern(
            name="read_heavy",
            description="80% reads, 20% writes.",
            mix={
                "point_select": 50,
                "range_scan": 15,
                "join": 10,
                "aggregate": 5,
                "insert": 10,
                "update": 8,
                "delete": 2,
            },
        ),
        Pattern(
            name="write_heavy",
            description="80% writes, 20% reads.",
            mix={"insert": 50, "update": 25, "delete": 5, "point_select": 15, "range_scan": 5},
        ),
        Pattern(
            name="balanced",
            description="50% reads, 50% writes.",
            mix={"point_select": 30, "range_scan": 10, "join": 10, "insert": 25, "update": 20, "delete": 5},
        ),
    ]
}


def get_pattern(name: str) -> Pattern:
    try:
        return PATTERNS[name]
    except KeyError:
        raise NotFoundError(f"no workload pattern {name!r}", hint=f"choose from {', '.join(PATTERNS)}") from None

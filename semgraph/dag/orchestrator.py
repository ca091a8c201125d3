"""What the orchestrator reads and how it is configured, loaded once from ``data/tasker_core.yaml``.

Kept as data so that a new orchestrator release means editing one table, not the functions that use it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data" / "tasker_core.yaml"


@cache
def facts() -> dict[str, Any]:
    """The orchestrator's schema keys, step types, backoff configuration defaults and SQL fallback."""
    return yaml.safe_load(DATA.read_text())


def keys(kind: str) -> frozenset[str]:
    """Keys of ``template`` / ``step`` / ``retry`` the orchestrator or semgraph reads."""
    f = facts()
    return frozenset(f[f"{kind}_keys"]) | frozenset(f.get(f"semgraph_{kind}_keys", []))

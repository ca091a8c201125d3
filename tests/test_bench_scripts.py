"""Every benchmark script still starts: its imports resolve and its options parse.

The benchmarks themselves are too slow for the suite; this catches a script
left behind by a refactor (a moved module, a renamed function) before someone
needs its figures.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import REPO

SCRIPTS = sorted(
    p.name for p in (REPO / "bench").glob("*.py") if p.name not in ("__init__.py", "realworld.py")
)  # realworld.py: a library


def test_there_are_benchmarks() -> None:
    assert {"index.py", "eval_workflows.py", "diesel.py", "workload.py", "django.py", "dag.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_script_starts(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout

"""The returned diff, applied to a copy of the fixture, makes each view's query count constant in the row count.

Each variant runs in its own subprocess (Django settings can be configured once per process), with Django's
test client on an in-memory SQLite database, counting queries with CaptureQueriesContext.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from semgraph.django.optimizer import optimize_project
from tests.support import FIXTURES

RUNNER = Path(__file__).with_name("run_views.py")


def run_views(project: Path, rows: int) -> dict[str, dict[str, object]]:
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(project), str(rows)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_applied_diff_removes_n_plus_one_and_keeps_html(tmp_path: Path) -> None:
    before_dir = tmp_path / "before" / "rentals"
    after_dir = tmp_path / "after" / "rentals"
    shutil.copytree(FIXTURES / "rentals", before_dir)
    shutil.copytree(FIXTURES / "rentals", after_dir)
    report = optimize_project(after_dir)
    patched = subprocess.run(["patch", "-p1"], input=report.diff, text=True, cwd=after_dir, capture_output=True)
    assert patched.returncode == 0, patched.stdout + patched.stderr

    # a third copy gets the diff with include_only for every view: Django would raise or re-query if only()
    # deferred a field that a join, __str__ ({{ lease.tenant }}) or a method reads, so identical HTML at the
    # same constant count as the default diff proves the kept fields are right
    only_dir = tmp_path / "only" / "rentals"
    shutil.copytree(FIXTURES / "rentals", only_dir)
    only_diff = optimize_project(only_dir, include_only=True).diff
    assert '.only("assigned_to", "assigned_to__username", "id", "property", "property__name"' in only_diff
    assert only_diff.count(".only(") == 11  # every site but the GenericForeignKey one (notes)
    patched = subprocess.run(["patch", "-p1"], input=only_diff, text=True, cwd=only_dir, capture_output=True)
    assert patched.returncode == 0, patched.stdout + patched.stderr

    variants = (("before", before_dir), ("after", after_dir), ("only", only_dir))
    results = {(name, rows): run_views(d, rows) for name, d in variants for rows in (10, 50)}
    views = sorted(results[("before", 10)])
    for view in views:
        for rows in (10, 50):
            assert results[("only", rows)][view]["html"] == results[("before", rows)][view]["html"], (view, rows)
            assert results[("only", rows)][view]["queries"] == results[("after", rows)][view]["queries"], view
    assert views == ["dashboard", "home", "lease_detail", "maintenance", "property_detail", "property_list", "tenants"]
    for view in views:
        for rows in (10, 50):
            assert results[("before", rows)][view]["status"] == 200
            assert results[("after", rows)][view]["html"] == results[("before", rows)][view]["html"], (view, rows)
        after10, after50 = results[("after", 10)][view]["queries"], results[("after", 50)][view]["queries"]
        assert after10 == after50, (view, after10, after50)
    before50 = {v: results[("before", 50)][v]["queries"] for v in views}
    after50 = {v: results[("after", 50)][v]["queries"] for v in views}
    # the N+1 views really had N+1 before (grows with rows), and the fix is the exact constant count
    assert before50 == {
        "dashboard": 128,
        "home": 29,
        "lease_detail": 30,
        "maintenance": 166,
        "property_detail": 21,
        "property_list": 149,
        "tenants": 202,
    }
    assert after50 == {
        "dashboard": 2,
        "home": 2,  # {{ lease.tenant }} runs Tenant.__str__ (self.user.username): followed, so tenant__user joins
        "lease_detail": 3,
        "maintenance": 3,
        "property_detail": 3,
        "property_list": 3,
        "tenants": 6,
    }

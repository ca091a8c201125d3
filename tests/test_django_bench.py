"""bench/django_realworld.py and its capture runner: what its figures rest on.

The real-project runs take an hour; these check the pieces that decide their figures: the capture runner
makes two runs of one test see the same randomness and clock (else "HTML identical" cannot be shown), the
de-optimiser takes the labels' own replacement text, recall counts every relation path of a label and looks
where the label says, the control run separates nondeterministic pages, and a checkout skips blobs the
mirror lacks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import realworld
from bench.django_realworld import against_control, compare, deoptimise, recall
from tests.support import REPO

PROBE = """
import datetime, json, os, random, secrets, time, uuid
import semgraph_capture as c
from django.utils.crypto import get_random_string
c._deterministic("app.tests.T.test_page")
print(json.dumps({
    "secret": secrets.token_hex(8), "urlsafe": secrets.token_urlsafe(8), "django": get_random_string(12),
    "urandom": os.urandom(4).hex(), "uuid": str(uuid.uuid4()), "random": random.random(),
    "now": datetime.datetime.now(datetime.timezone.utc).isoformat(), "time": time.time(),
}))
"""


def _probe(seed_env: dict[str, str]) -> dict:
    pytest.importorskip("time_machine")  # a test dependency (pyproject [test]): the capture runner freezes the clock
    env = {**os.environ, "PYTHONPATH": str(REPO / "bench" / "django_capture"), **seed_env}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_capture_gives_one_test_the_same_secrets_uuids_and_clock_in_every_run() -> None:
    first = _probe({"PYTHONHASHSEED": "1"})
    second = _probe({"PYTHONHASHSEED": "2"})
    assert first == second  # secrets / SystemRandom (API keys, TOTP, CSRF) included, not only os.urandom
    assert first["now"] == "2026-12-01T12:00:00+00:00"
    assert first["time"] == 1796126400.0  # the clock stands still: time.time() is NOW too


def test_capture_clock_instant_is_configurable() -> None:
    assert _probe({"SEMGRAPH_CAPTURE_NOW": "2025-01-02T03:04:05+00:00"})["now"] == "2025-01-02T03:04:05+00:00"


def test_deoptimise_uses_the_labels_replacement_and_takes_occurrences_in_order(tmp_path: Path) -> None:
    block = '        return Sponsorship.objects.select_related("sponsor").all()\n'
    (tmp_path / "views.py").write_text(f"def a():\n{block}\n\ndef b():\n{block}")
    removed = [
        {"file": "views.py", "line": 2, "remove": block, "replace": "        return Sponsorship.objects.all()\n"},
        {"file": "views.py", "line": 6, "remove": block, "replace": "        return Sponsorship.objects.none()\n"},
        {"file": "views.py", "line": 9, "remove": block},
    ]
    assert deoptimise(tmp_path, removed) == ["views.py:9"]  # the third has nothing left to remove: said
    text = (tmp_path / "views.py").read_text()
    assert text == (
        "def a():\n        return Sponsorship.objects.all()\n\n\ndef b():\n        return Sponsorship.objects.none()\n"
    )


def _plan(file: str, line: int, model: str, select: list[str], relations: list[str]) -> SimpleNamespace:
    return SimpleNamespace(
        file=file,
        line=line,
        model=model,
        added={"select_related": select, "prefetch_related": []},
        added_relations=relations,
    )


def test_recall_needs_every_path_of_a_label_and_looks_where_found_at_says(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text("def detail():\n    return 1\n\n\ndef home():\n    return 2\n")
    (tmp_path / "managers.py").write_text("def downloads(self):\n    return self\n")
    report = SimpleNamespace(
        views=[
            SimpleNamespace(
                view="Detail", querysets=[_plan("views.py", 2, "n.Nomination", ["election"], ["election"])]
            ),
            SimpleNamespace(
                view="Home", querysets=[_plan("views.py", 6, "d.Release", ["release_page"], ["release_page"])]
            ),
        ]
    )
    removed = [
        {"file": "views.py", "line": 2, "within": "detail", "model": "n.Nomination", "path": "election",
         "paths": ["election", "nominator"]},
        {"file": "managers.py", "line": 2, "within": "downloads", "model": "d.Release", "path": "release_page",
         "found_at": {"file": "views.py", "line": 6}},
        {"file": "views.py", "line": 2, "within": "detail", "model": "n.Nomination", "path": "x", "needed": False},
    ]  # fmt: skip
    got = recall(report, removed, tmp_path)
    assert [(r["call"], r["found"], r["exact"], r["paths_exact"]) for r in got] == [
        ("views.py:2 detail", False, False, ["election"]),  # nominator not planned: the call is not found
        ("managers.py:2 downloads", True, True, ["release_page"]),  # planned in the view that calls the method
    ]


def _run(pages: dict[str, list[str]]) -> dict:
    return {
        test: {"status": "pass", "requests": [{"method": "GET", "path": "/", "queries": 3, "html": d, "html_raw": d}
                                              for d in digests]}
        for test, digests in pages.items()
    }  # fmt: skip


def test_control_run_separates_nondeterministic_pages_from_changed_ones() -> None:
    base = _run({"t.a": ["1"], "t.b": ["2"], "t.c": ["3"]})
    base2 = _run({"t.a": ["1"], "t.b": ["2*"], "t.c": ["3"]})  # t.b differs with no code change
    default = _run({"t.a": ["1"], "t.b": ["2+"], "t.c": ["3+"]})
    split = against_control(compare(base, default), compare(base, base2))
    assert split["html_changed_deterministic_pages"] == ["t.c #0 GET /"]
    assert split["html_nondeterministic_pages"] == ["t.b #0 GET /"]


def test_checkout_skips_blobs_the_mirror_lacks_and_lists_them(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=work, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (work / "kept.py").write_text("x = 1\n")
    (work / "big.json").write_text("[1, 2, 3]\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    commit = git("rev-parse", "HEAD")
    blob = git("rev-parse", "HEAD:big.json")
    (work / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a snapshot listing a file without its content
    mirrors = tmp_path / "mirrors" / "o+r"
    mirrors.mkdir(parents=True)
    (mirrors / "repo").symlink_to(work / ".git")
    old = realworld.MIRRORS
    realworld.MIRRORS = tmp_path / "mirrors"
    try:
        tree = realworld.checkout(realworld.Pinned("o/r", commit), cache=tmp_path / "cache")
    finally:
        realworld.MIRRORS = old
    assert (tree / "kept.py").read_text() == "x = 1\n"
    assert not (tree / "big.json").exists()
    assert (tree / ".semgraph-bench-absent").read_text() == "big.json\n"


def test_recall_accepts_a_queryset_attribute_of_the_class_whose_get_queryset_calls_super(tmp_path: Path) -> None:
    # python.org's JobList: `model = Job` + get_queryset() returning super().get_queryset().visible(); the
    # optimizer writes `queryset = Job.objects.select_related("category")` into the class body
    (tmp_path / "views.py").write_text(
        "class JobList:\n    model = Job\n\n    def get_queryset(self):\n"
        "        return super().get_queryset().visible()\n\n\nclass Other:\n    model = Job\n"
    )
    removed = [
        {"file": "views.py", "line": 5, "within": "JobList.get_queryset", "model": "jobs.Job", "path": "category"}
    ]
    in_class = SimpleNamespace(
        views=[
            SimpleNamespace(view="JobList", querysets=[_plan("views.py", 2, "jobs.Job", ["category"], ["category"])])
        ]
    )
    elsewhere = SimpleNamespace(
        views=[SimpleNamespace(view="Other", querysets=[_plan("views.py", 9, "jobs.Job", ["category"], ["category"])])]
    )
    assert recall(in_class, removed, tmp_path)[0]["exact"]
    assert not recall(elsewhere, removed, tmp_path)[0]["found"]  # another class's attribute serves another view


CLASS_TRAVEL = """
import datetime, time_machine
import semgraph_capture as c
c._deterministic("test run")  # startTestRun
own = time_machine.travel(datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc), tick=False)
own.start()  # what @time_machine.travel on a TestCase does in setUpClass
c._deterministic("hc.lib.tests.T.test_utc_works")  # startTest
print(datetime.datetime.now(datetime.timezone.utc).year)
"""


@pytest.mark.parametrize(("mode", "year"), [("run", "2020"), ("test", "2026")])
def test_capture_clock_per_run_leaves_a_test_class_travel_innermost(mode: str, year: str) -> None:
    # healthchecks' hc/lib/tests/test_date.py: @time_machine.travel(CURRENT_TIME) on the class; restarted per
    # test, the capture's clock overrode it and 23 of its tests failed in every copy
    pytest.importorskip("time_machine")
    env = {**os.environ, "PYTHONPATH": str(REPO / "bench" / "django_capture"), "SEMGRAPH_CAPTURE_CLOCK": mode}
    done = subprocess.run([sys.executable, "-c", CLASS_TRAVEL], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == year

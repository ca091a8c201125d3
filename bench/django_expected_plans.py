"""Expected plans of bench/labels/django/<project>.json against the optimizer, on the pinned checkout.

A label names a view and the select_related / prefetch_related lookups its querysets need (read from the
project's code before the optimizer ran on it). A view matches when the union of its plans' lookups equals
the label's; ``written`` says whether the default diff also writes them (a lookup can be planned but left
out, e.g. a prefetch on a queryset that also serves update/destroy). Needs no venv: nothing is run.

Run: python bench/django_expected_plans.py [babybuddy locallibrary]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))

from bench.realworld import Pinned, checkout  # noqa: E402
from semgraph.django.optimizer import OptimizationReport, optimize_project  # noqa: E402

LABELS = REPO / "bench" / "labels" / "django"


def _lookup(code: str) -> str:
    """``'"tags"'`` / ``'Prefetch("tags", …)'`` → ``tags``."""
    return code.split('"')[1]


def score(report: OptimizationReport, expected: dict[str, dict]) -> list[dict]:
    out = []
    for name, exp in expected.items():
        plans = [q for v in report.views if v.view == name for q in v.querysets]
        select = sorted({s for q in plans for s in q.select_related})
        prefetch = sorted({p for q in plans for p in q.prefetch_related})
        added_select = {s for q in plans for s in q.added["select_related"]}
        added_prefetch = {_lookup(p) for q in plans for p in q.added["prefetch_related"]}
        applied = {
            s for q in plans for s in [*q.already_applied["select_related"], *q.already_applied["prefetch_related"]]
        }
        matched = select == sorted(exp["select_related"]) and prefetch == sorted(exp["prefetch_related"])
        written = all(s in added_select or s in applied for s in exp["select_related"]) and all(
            p in added_prefetch or p in applied for p in exp["prefetch_related"]
        )
        out.append(
            {
                "view": name,
                "matched": matched,
                "written": matched and written,
                "planned": {"select_related": select, "prefetch_related": prefetch},
                "expected": {k: exp[k] for k in ("select_related", "prefetch_related")},
                "actions": sorted({a for q in plans for a in q.added.get("prefetch_actions", [])}),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", default=["babybuddy", "locallibrary"])
    args = parser.parse_args()
    figures = {}
    for name in args.projects:
        label = json.loads((LABELS / f"{name}.json").read_text())
        src = checkout(Pinned(label["repo"], label["commit"]))
        started = time.process_time()
        report = optimize_project(src)
        rows = score(report, label.get("expected_plans", {}))
        figures[name] = {
            "repo": f"{label['repo']}@{label['commit']}",
            "optimizer_cpu_seconds": round(time.process_time() - started, 2),
            "matched": f"{sum(r['matched'] for r in rows)}/{len(rows)}",
            "written": f"{sum(r['written'] for r in rows)}/{len(rows)}",
            "views": rows,
        }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()

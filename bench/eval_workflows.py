"""Precision / recall of workflow and pattern detection on the labelled apps in fixtures/eval/.

Each app is copied to a temporary directory, indexed, analysed, and compared
with its hand-written labels (``workflows.yaml``, ``patterns.yaml``). Apps whose
labels say ``holdout: true`` were labelled and committed before any detector
ran on them; they are reported separately from the tuning set, and the second
hold-out round (``holdout_round: 2``, written after the fixes of the first)
once more on its own.

    python bench/eval_workflows.py [--apps flask_shop,django_billing] [--verbose]

Workflows: a detection is (entry handler, type) for every workflow at the
default min_confidence (0.5); "custom" is no prediction. A detection is a true
positive when a label with the same entry has the same type. Decoys are
labelled entries (type crud/custom) and ``not_workflows`` (must never be an
entry). Step order: for true positives, the share of labelled steps found in
the trace (step recall) and the share of consecutive labelled-step pairs that
appear in the labelled order (order accuracy). Route accuracy: for labelled
entries that were found (HTTP routes, CLI command names, queue names), the share
whose method and path are the labelled ones (prefixes from mounts and
class-level mappings included).
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from semgraph.analysis.codebase import invalidate, norm_qualified, open_codebase  # noqa: E402
from semgraph.analysis.crosslang import find_cross_language_links  # noqa: E402
from semgraph.analysis.patterns import detect_architectural_patterns  # noqa: E402
from semgraph.analysis.quality import assess_code_quality  # noqa: E402
from semgraph.analysis.steps import analyze_workflow_step  # noqa: E402
from semgraph.analysis.tracing import trace_workflow  # noqa: E402
from semgraph.analysis.workflows import detect_business_workflows  # noqa: E402
from semgraph.graph.indexer import index_repository  # noqa: E402
from semgraph.paths import PathGuard  # noqa: E402

EVAL = REPO / "fixtures" / "eval"


def matches(qualified: str, label: str) -> bool:
    q, lab = norm_qualified(qualified), norm_qualified(label)
    return q == lab or q.endswith("." + lab)


def index_app(app: Path, work: Path) -> Path:
    dest = work / app.name
    shutil.copytree(app, dest)
    db = work / f"{app.name}.db"
    index_repository(dest, db, PathGuard([dest]), workers=1)
    return db


class Tally:
    def __init__(self) -> None:
        self.tp: dict[str, int] = defaultdict(int)
        self.fp: dict[str, int] = defaultdict(int)
        self.fn: dict[str, int] = defaultdict(int)

    def row(self, key: str | None = None) -> tuple[int, int, int, float, float]:
        if key is None:
            tp, fp, fn = sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())
        else:
            tp, fp, fn = self.tp[key], self.fp[key], self.fn[key]
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return tp, fp, fn, p, r


def eval_workflows(
    cb, labels: dict, tally: Tally, orders: list[tuple[float, float]], paths: list[bool], verbose: bool
) -> None:
    wfs = detect_business_workflows(cb, min_confidence=0.5)
    detections = [(e.handler, wf) for wf in wfs for e in wf.entry_points if wf.type != "custom"]
    labelled = labels.get("workflows", [])
    for bad in labels.get("not_workflows", []):
        for handler, wf in detections:
            if matches(handler, bad):
                tally.fp[wf.type] += 1
                if verbose:
                    print(f"  FP (not a workflow) {handler} as {wf.type}")
    for lab in labelled:
        want = lab["type"]
        hits = [(h, wf) for h, wf in detections if matches(h, lab["entry"])]
        typed = [wf for _, wf in hits if wf.type == want]
        if lab.get("path") and hits:
            routes = {(e.method, e.path) for _, wf in hits for e in wf.entry_points if matches(e.handler, lab["entry"])}
            ok = (lab.get("method") or ("ANY" if lab.get("kind") == "http" else ""), lab["path"]) in routes
            paths.append(ok)
            if verbose and not ok:
                print(f"  route {lab['entry']}: want {lab.get('method')} {lab['path']} got {sorted(routes)}")
        if want not in {"custom"}:
            if typed:
                tally.tp[want] += 1
                steps = [s.symbol for s in typed[0].steps]
                orders.append(step_order(steps, lab.get("steps", [])))
                if verbose and orders[-1] != (1.0, 1.0):
                    print(f"  steps {lab['entry']}: recall/order {orders[-1]} got {[s.split('.')[-1] for s in steps]}")
            else:
                tally.fn[want] += 1
                if verbose:
                    got = [wf.type for _, wf in hits] or ["nothing"]
                    print(f"  FN {lab['entry']} ({want}) detected as {got}")
        for _, wf in hits:
            if wf.type != want:
                tally.fp[wf.type] += 1
                if verbose:
                    print(f"  FP {lab['entry']} as {wf.type} (label {want}) evidence={wf.evidence}")
    for h, wf in detections:
        if not any(matches(h, lab["entry"]) for lab in labelled) and not any(
            matches(h, b) for b in labels.get("not_workflows", [])
        ):
            tally.fp[wf.type] += 1
            if verbose:
                print(f"  FP unlabelled entry {h} as {wf.type}")


def step_order(detected: list[str], labelled: list[str]) -> tuple[float, float]:
    if not labelled:
        return (1.0, 1.0)
    pos = []
    for lab in labelled:
        idx = next((i for i, d in enumerate(detected) if matches(d, lab)), None)
        pos.append(idx)
    found = [p for p in pos if p is not None]
    recall = len(found) / len(labelled)
    pairs = [(a, b) for a, b in itertools.pairwise(found)]
    order = sum(1 for a, b in pairs if a < b) / len(pairs) if pairs else (1.0 if found else 0.0)
    return recall, order


def eval_patterns(cb, labels: dict, tally: Tally, verbose: bool) -> None:
    found = detect_architectural_patterns(cb)
    # the layering summary is scored through its violations below
    detections = [(p.kind, s) for p in found.patterns for s in p.symbols[:1] if p.kind != "layering"]
    expected = [(p["kind"], p["symbol"]) for p in labels.get("patterns", [])]
    for kind, sym in expected:
        if any(k == kind and matches(s, sym) for k, s in detections):
            tally.tp[kind] += 1
        else:
            tally.fn[kind] += 1
            if verbose:
                print(f"  FN pattern {kind} {sym}")
    for kind, s in detections:
        if not any(k == kind and matches(s, sym) for k, sym in expected):
            tally.fp[kind] += 1
            if verbose:
                print(f"  FP pattern {kind} {s}")
    want_v = labels.get("layering_violations", []) or []
    got_v = [v.symbol for v in found.layering_violations]
    for v in want_v:
        if any(matches(g, v) for g in got_v):
            tally.tp["layering_violation"] += 1
        else:
            tally.fn["layering_violation"] += 1
            if verbose:
                print(f"  FN violation {v}")
    for g in got_v:
        if not any(matches(g, v) for v in want_v):
            tally.fp["layering_violation"] += 1
            if verbose:
                print(f"  FP violation {g}")


def time_tools(db: Path, timings: dict[str, float]) -> None:
    """Wall time of each analysis on a cold view of the app's index (what one tool call costs)."""
    invalidate(db)
    t0 = time.perf_counter()
    cb = open_codebase(db)
    wfs = detect_business_workflows(cb, min_confidence=0.0)
    timings["detect_business_workflows"] = max(timings.get("detect_business_workflows", 0.0), time.perf_counter() - t0)
    for name, fn in (
        (
            "analyze_workflow_step",
            lambda: [analyze_workflow_step(cb, w.id, n) for w in wfs[:1] for n in range(1, len(w.steps) + 1)],
        ),
        ("trace_workflow", lambda: trace_workflow(cb, wfs[0].entry_points[0].handler)),
        ("detect_architectural_patterns", lambda: detect_architectural_patterns(cb)),
        ("assess_code_quality", lambda: assess_code_quality(cb)),
        ("find_cross_language_links", lambda: find_cross_language_links(cb, db, store_edges=False)),
    ):
        t1 = time.perf_counter()
        fn()
        timings[name] = max(timings.get(name, 0.0), time.perf_counter() - t1)


def print_table(title: str, tally: Tally, keys: list[str]) -> None:
    print(f"\n{title}")
    print(f"  {'type':<24} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}")
    for k in keys:
        tp, fp, fn, p, r = tally.row(k)
        print(f"  {k:<24} {tp:>4} {fp:>4} {fn:>4} {p:>10.2f} {r:>8.2f}")
    tp, fp, fn, p, r = tally.row()
    print(f"  {'OVERALL':<24} {tp:>4} {fp:>4} {fn:>4} {p:>10.2f} {r:>8.2f}")


def report(title: str, apps: list[Path], results: dict[str, tuple[Tally, Tally, list, int, list]]) -> None:
    wf_tally, pat_tally = Tally(), Tally()
    orders: list[tuple[float, float]] = []
    paths: list[bool] = []
    labelled = 0
    for app in apps:
        w, p, o, n, routes = results[app.name]
        paths += routes
        for src, dst in ((w, wf_tally), (p, pat_tally)):
            for field in ("tp", "fp", "fn"):
                for k, v in getattr(src, field).items():
                    getattr(dst, field)[k] += v
        orders += o
        labelled += n
    print(f"\n=== {title}: {', '.join(a.name for a in apps)}; labelled business workflows: {labelled}")
    print_table("Workflows (per type)", wf_tally, sorted(set(wf_tally.tp) | set(wf_tally.fp) | set(wf_tally.fn)))
    if orders:
        rec = sum(o[0] for o in orders) / len(orders)
        acc = sum(o[1] for o in orders) / len(orders)
        print(f"  step recall {rec:.2f}, step-order accuracy {acc:.2f} over {len(orders)} true-positive workflows")
    if paths:
        print(
            f"  route accuracy {sum(paths) / len(paths):.2f} (method and path / name as labelled, {len(paths)} found entries)"
        )
    print_table("Patterns (per kind)", pat_tally, sorted(set(pat_tally.tp) | set(pat_tally.fp) | set(pat_tally.fn)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apps", help="comma-separated app directories under fixtures/eval (default: all)")
    ap.add_argument("--verbose", action="store_true", help="print every miss")
    args = ap.parse_args()
    apps = sorted(p for p in EVAL.iterdir() if (p / "workflows.yaml").exists())
    if args.apps:
        apps = [a for a in apps if a.name in args.apps.split(",")]
    results: dict[str, tuple[Tally, Tally, list, int, list]] = {}
    holdout: list[Path] = []
    round2: list[Path] = []
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for app in apps:
            labels = yaml.safe_load((app / "workflows.yaml").read_text())
            plabels = yaml.safe_load((app / "patterns.yaml").read_text()) if (app / "patterns.yaml").exists() else {}
            if labels.get("holdout"):
                holdout.append(app)
            if labels.get("holdout_round", 1) >= 2:
                round2.append(app)
            db = index_app(app, Path(tmp))
            cb = open_codebase(db)
            if args.verbose:
                print(f"{app.name}:")
            wt, pt, orders, paths = Tally(), Tally(), [], []
            eval_workflows(cb, labels, wt, orders, paths, args.verbose)
            eval_patterns(cb, plabels, pt, args.verbose)
            labelled = sum(1 for w in labels["workflows"] if w["type"] != "custom")
            results[app.name] = (wt, pt, orders, labelled, paths)
            time_tools(db, timings)
    tuning = [a for a in apps if a not in holdout]
    if tuning:
        report("Tuning set (labels written first, detectors tuned on them)", tuning, results)
    if holdout:
        report("Hold-out set (labelled and committed before any detector ran on it)", holdout, results)
    if round2 and round2 != holdout:
        report("Hold-out round 2 (written after the round-1 fixes, committed before any detector ran)", round2, results)
    if tuning and holdout:
        report("All apps", apps, results)
    print("\nSlowest call per analysis over the apps (cold view of the index, wall time):")
    for name, secs in timings.items():
        print(f"  {name:<32} {secs * 1000:8.1f} ms")
    print(f"\n{time.perf_counter() - t0:.1f} s (indexing included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

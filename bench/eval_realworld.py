"""Routes and business workflows on real open-source applications, against hand-read labels.

Each app of ``bench/labels/routes/*.json`` (repository, pinned commit, every HTTP route as
``METHOD /full/path handler``, 3-6 business workflows with their entry and acceptable types, and
per critical type the handlers that really are of that type) is extracted from its local mirror,
indexed, and compared:

- route recall: labelled routes found with the same method (``ANY`` matches any), the same full
  path (parameters written ``{}``; ``<int:id>``, ``{id}``, ``:id`` and ``*any`` all normalise to it;
  trailing ``/`` ignored) and a handler whose qualified name ends with the labelled one
  (``<inline>`` = any handler);
- workflow recall: labelled workflows with a detected workflow (default ``min_confidence``) at that
  entry whose type is one of the acceptable types (``custom`` among them also accepts "no workflow
  shown", since custom flows are hidden below 0.5);
- workflow precision: detected workflows at labelled entries whose type is acceptable, plus every
  detected registration / authentication / password-reset / payment workflow at another route,
  right only when its handler is listed for that type;
- critical labels wrong per app (the issue's "no registration/login/password-reset/payment label
  wrong on more than one app");
- step precision on a labelled sample (``step_samples``: an entry and every project function that
  request can run, read from the code): shown steps of the workflow at that entry (all types, any
  confidence, the full trace) whose symbol is in the list, over all shown steps.

    python bench/eval_realworld.py [--apps bluelog,actix_hotel] [--verbose]

Apps whose mirror is missing are skipped with a message (CI has no network).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.realworld import CACHE, MissingMirror, Pinned, git_dir  # noqa: E402
from semgraph.analysis.codebase import norm_qualified, open_codebase  # noqa: E402
from semgraph.analysis.entrypoints import EntryPoint, find_entry_points  # noqa: E402
from semgraph.analysis.routes import Route, route_inventory  # noqa: E402
from semgraph.analysis.workflows import build_workflow, detect_business_workflows  # noqa: E402
from semgraph.graph.indexer import index_repository  # noqa: E402
from semgraph.paths import PathGuard  # noqa: E402

LABELS = REPO / "bench" / "labels" / "routes"
CRITICAL = ("user_registration", "authentication", "password_reset", "payment_processing")


def checkout_present(pin: Pinned) -> Path:
    """Like ``bench.realworld.checkout``, but leaves out blobs the mirror does not hold (large fonts,
    images): a snapshot may list its largest files without their content."""
    dest = CACHE / pin.slug
    if (dest / ".semgraph-bench-complete").exists():
        return dest
    gd = git_dir(pin.repo)
    tree = subprocess.run(
        ["git", "--git-dir", str(gd), "ls-tree", "-r", pin.commit], capture_output=True, text=True, check=True
    ).stdout
    missing = []
    for line in tree.splitlines():
        meta, path = line.split("\t", 1)
        _, kind, sha = meta.split()
        if kind == "blob" and subprocess.run(["git", "--git-dir", str(gd), "cat-file", "-e", sha]).returncode:
            missing.append(path)
    args = ["git", "--git-dir", str(gd), "archive", "--format=tar", pin.commit, "--", "."]
    data = subprocess.run(args + [":(exclude)" + m for m in missing], capture_output=True, check=True).stdout
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    (dest / ".semgraph-bench-complete").write_text(pin.commit + "\n")
    return dest


_PARAM = re.compile(r"<[^>]*>|\{[^}]*\}|:\w+|\*\w*")


def norm_path(path: str) -> str:
    p = _PARAM.sub("{}", path.strip())
    p = "/" + re.sub(r"/+", "/", p).strip("/")
    return p


def handler_matches(qualified: str, label: str) -> bool:
    if label == "<inline>":
        return True
    q, lab = norm_qualified(qualified), norm_qualified(label)
    return q == lab or q.endswith("." + lab)


def entry_matches(e: Route | EntryPoint, method: str, path: str, handler: str) -> bool:
    if getattr(e, "kind", "http") != "http" or norm_path(e.path) != norm_path(path):
        return False
    methods = {m.strip() for m in e.method.split(",")}
    if not ("ANY" in methods or method == "ANY" or method in methods):
        return False
    return handler_matches(e.handler, handler)


@dataclass
class AppResult:
    name: str
    routes_total: int = 0
    routes_found: int = 0
    missed_routes: list[str] = field(default_factory=list)
    wf_total: int = 0
    wf_found: int = 0
    wf_missed: list[str] = field(default_factory=list)
    pred_right: int = 0
    pred_wrong: int = 0
    wrong: list[str] = field(default_factory=list)
    critical_wrong: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    frameworks: list[str] = field(default_factory=list)
    unmapped: int = 0
    steps_shown: int = 0
    steps_right: int = 0
    steps_wrong: list[str] = field(default_factory=list)


def evaluate(label_file: Path, work: Path) -> AppResult | None:
    label = json.loads(label_file.read_text())
    pin = Pinned(label["repo"], label["commit"])
    try:
        tree = checkout_present(pin)
    except MissingMirror as exc:
        print(f"skip {label_file.stem}: {exc}")
        return None
    res = AppResult(label_file.stem)
    db = work / f"{label_file.stem}.db"
    t0 = time.perf_counter()
    index_repository(tree, db, PathGuard([tree]), workers=1)
    cb = open_codebase(db)
    inventory = route_inventory(cb)
    entries = inventory.routes
    entries_all = [e for e in find_entry_points(cb) if e.kind == "http"]
    workflows = detect_business_workflows(cb)
    res.seconds = time.perf_counter() - t0
    res.frameworks = inventory.frameworks
    res.unmapped = len(inventory.unmapped)

    for route in label["routes"]:
        method, path, handler = route.split()
        res.routes_total += 1
        if any(entry_matches(e, method, path, handler) for e in entries):
            res.routes_found += 1
        else:
            res.missed_routes.append(route)

    labelled_entries = []
    for wl in label["workflows"]:
        method, path = wl["entry"].split(" ", 1)
        labelled_entries.append((method, path, wl["handler"], wl))
        res.wf_total += 1
        at_entry = [w for w in workflows if any(entry_matches(e, method, path, wl["handler"]) for e in w.entry_points)]
        ok = any(w.type in wl["types"] for w in at_entry) or ("custom" in wl["types"] and not at_entry)
        if ok:
            res.wf_found += 1
        else:
            got = ",".join(sorted({w.type for w in at_entry})) or "none"
            res.wf_missed.append(f"{wl['entry']} {wl['handler']} want {'|'.join(wl['types'])} got {got}")

    for sample in label.get("step_samples", []):
        method, path = sample["entry"].split(" ", 1)
        entry = next((e for e in entries_all if entry_matches(e, method, path, sample["handler"])), None)
        if entry is None:
            res.steps_wrong.append(f"{sample['entry']}: no entry point")
            continue
        for st in build_workflow(cb, entry).steps:
            res.steps_shown += 1
            if any(handler_matches(st.symbol, h) for h in sample["steps"]):
                res.steps_right += 1
            else:
                res.steps_wrong.append(f"{sample['entry']}: {st.symbol} ({st.location})")

    critical = label.get("critical", {})
    for w in workflows:
        for e in w.entry_points:
            if e.kind != "http":
                continue
            hit = next((x for x in labelled_entries if entry_matches(e, x[0], x[1], x[2])), None)
            if hit is not None:
                if w.type in hit[3]["types"]:
                    res.pred_right += 1
                else:
                    res.pred_wrong += 1
                    res.wrong.append(f"{e.method} {e.path} {e.handler}: {w.type}")
                    if w.type in CRITICAL:
                        res.critical_wrong.setdefault(w.type, []).append(f"{e.method} {e.path}")
            elif w.type in CRITICAL:
                allowed = critical.get(w.type, [])
                if any(handler_matches(e.handler, h) for h in allowed):
                    res.pred_right += 1
                else:
                    res.pred_wrong += 1
                    res.wrong.append(f"{e.method} {e.path} {e.handler}: {w.type} (unlabelled entry)")
                    res.critical_wrong.setdefault(w.type, []).append(f"{e.method} {e.path}")
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--apps", default="", help="comma-separated label names (default: all)")
    ap.add_argument("--verbose", action="store_true", help="print every miss and wrong type")
    args = ap.parse_args()
    wanted = {a for a in args.apps.split(",") if a}
    files = sorted(p for p in LABELS.glob("*.json") if not wanted or p.stem in wanted)
    results: list[AppResult] = []
    with tempfile.TemporaryDirectory(prefix="semgraph-realworld-") as tmp:
        for f in files:
            r = evaluate(f, Path(tmp))
            if r is not None:
                results.append(r)
    print(
        f"{'app':28} {'routes':>9} {'recall':>7} {'wf R':>7} {'wf P':>9} {'steps P':>9} {'crit.wrong':>10} "
        f"{'unmapped':>8} {'sec':>6}  frameworks"
    )
    for r in results:
        crit = sum(len(v) for v in r.critical_wrong.values())
        steps = f"{r.steps_right}/{r.steps_shown}" if r.steps_shown or r.steps_wrong else "-"
        print(
            f"{r.name:28} {r.routes_found:>4}/{r.routes_total:<4} {r.routes_found / r.routes_total:>7.2f} "
            f"{r.wf_found:>3}/{r.wf_total:<3} {r.pred_right:>4}/{r.pred_right + r.pred_wrong:<4} {steps:>9} {crit:>10} "
            f"{r.unmapped:>8} {r.seconds:>6.1f}  {','.join(r.frameworks)}"
        )
        if args.verbose:
            for m in r.missed_routes:
                print(f"    missed route: {m}")
            for m in r.wf_missed:
                print(f"    missed workflow: {m}")
            for m in r.wrong:
                print(f"    wrong type: {m}")
            for m in r.steps_wrong:
                print(f"    wrong step: {m}")
    rt = sum(r.routes_total for r in results)
    rf = sum(r.routes_found for r in results)
    wt = sum(r.wf_total for r in results)
    wf = sum(r.wf_found for r in results)
    pr = sum(r.pred_right for r in results)
    pw = sum(r.pred_wrong for r in results)
    print(
        f"TOTAL {len(results)} apps: route recall {rf}/{rt} = {rf / max(rt, 1):.3f}; "
        f"workflow recall {wf}/{wt} = {wf / max(wt, 1):.3f}; precision {pr}/{pr + pw} = {pr / max(pr + pw, 1):.3f}"
    )
    ss = sum(r.steps_shown for r in results)
    sr = sum(r.steps_right for r in results)
    samples = sum(1 for r in results if r.steps_shown or r.steps_wrong)
    print(f"  step precision on the labelled sample ({samples} apps): {sr}/{ss} = {sr / max(ss, 1):.3f}")
    for t in CRITICAL:
        apps = [r.name for r in results if t in r.critical_wrong]
        print(f"  wrong {t} labels on {len(apps)} app(s){': ' + ', '.join(apps) if apps else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark the Rust/Diesel toolset on the N-model dataset (100 and 1,000 models).

Measures, each N in a fresh process: parse (the whole crate), generate (models,
schema, handlers, mod; templates only, then with the one-batch rustfmt pass),
the round trip (parse → YAML → spec → generate → write → parse, checked equal)
and peak RSS (round trip also as CPU time, which moves less with load on
shared cores). Figures for 100 models are printed next to the earlier system's
(0.7 s parse, 6.8 s generate, 21.4 s round trip, 400 MB) as a ratio.

    python bench/diesel.py [--models 100 1000] [--repeat 3]

``--compare-ref REF`` measures this tree against the code at git commit REF instead: REF's
``semgraph/`` is extracted (``git archive``) to a temporary directory, one dataset is written, and
each round runs a fresh process on each tree, alternating which goes first (ABBA order), so both
see the same load drift. Each run reports the CPU-seconds (``time.process_time()``) of parse,
generate (templates only) and the round trip, cold and warm; the table gives the medians per
tree, the ratio this tree / REF, and the load average at every run.

    python bench/diesel.py --compare-ref b4dfa42 [--models 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EARLIER_100 = {"parse": 0.7, "generate": 6.8, "round_trip": 21.4, "rss_mb": 400.0}
TARGETS = {100: {"parse": 0.2, "generate": 0.5, "round_trip": 1.0, "rss_mb": 150.0}, 1000: {"round_trip": 8.0}}


def _dataset_module():
    spec = importlib.util.spec_from_file_location("make_dataset", REPO / "fixtures" / "diesel" / "make_dataset.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def worker(models: int, repeat: int) -> dict[str, float]:
    """Run in a fresh process: the first (cold) run of each step, then the best of ``repeat`` warm runs."""
    sys.path.insert(0, str(REPO))
    from semgraph.rust.generator import GenerateOptions, generate
    from semgraph.rust.project import parse_path
    from semgraph.rust.regions import write_files
    from semgraph.rust.spec import dump_spec, load_spec

    with tempfile.TemporaryDirectory() as tmp:
        root = _dataset_module().write_dataset(Path(tmp) / "dataset", models)
        plain = GenerateOptions(rustfmt=False)

        def parse_step() -> object:
            return parse_path(root)

        def round_trip(i: int) -> None:
            parsed = parse_path(root)
            spec = load_spec(dump_spec(parsed.spec, "yaml"))
            out = Path(tmp) / f"rt{i}"
            write_files(generate(spec, plain), out)
            again = parse_path(out)
            assert again.spec == parsed.spec, "round trip changed the spec"

        out: dict[str, float] = {"models": models}
        t = time.perf_counter()
        parsed = parse_step()
        out["parse_cold"] = time.perf_counter() - t
        spec = parsed.spec  # type: ignore[attr-defined]
        t = time.perf_counter()
        files = generate(spec, plain)
        out["generate_cold"] = time.perf_counter() - t
        out["files"] = len(files)
        t, c = time.perf_counter(), time.process_time()
        round_trip(0)
        out["round_trip_cold"] = time.perf_counter() - t
        out["round_trip_cpu_cold"] = time.process_time() - c
        best = {"parse": 1e9, "generate": 1e9, "round_trip": 1e9, "generate_rustfmt": 1e9, "round_trip_cpu": 1e9}
        for i in range(repeat):
            t = time.perf_counter()
            parse_step()
            best["parse"] = min(best["parse"], time.perf_counter() - t)
            t = time.perf_counter()
            generate(spec, plain)
            best["generate"] = min(best["generate"], time.perf_counter() - t)
            t = time.perf_counter()
            generate(spec, GenerateOptions(rustfmt=True))
            best["generate_rustfmt"] = min(best["generate_rustfmt"], time.perf_counter() - t)
            t, c = time.perf_counter(), time.process_time()
            round_trip(i + 1)
            best["round_trip"] = min(best["round_trip"], time.perf_counter() - t)
            best["round_trip_cpu"] = min(best["round_trip_cpu"], time.process_time() - c)
        out.update({f"{k}_warm": v for k, v in best.items()})
        out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return out


def cpu_worker(tree: Path, dataset: Path, out_dir: Path) -> dict[str, float]:
    """One compare run in a fresh process: CPU-seconds of parse, generate and two round trips (cold, warm).

    ``tree`` goes first on ``sys.path`` so the code measured is that tree's ``semgraph`` (checked).
    """
    sys.path.insert(0, str(tree))
    import semgraph
    from semgraph.rust.generator import GenerateOptions, generate
    from semgraph.rust.project import parse_path
    from semgraph.rust.regions import write_files
    from semgraph.rust.spec import dump_spec, load_spec

    assert Path(semgraph.__file__).resolve().is_relative_to(tree.resolve()), semgraph.__file__
    plain = GenerateOptions(rustfmt=False)
    out: dict[str, float] = {"load1": os.getloadavg()[0]}
    c = time.process_time()
    parsed = parse_path(dataset)
    out["parse"] = time.process_time() - c
    c = time.process_time()
    generate(parsed.spec, plain)
    out["generate"] = time.process_time() - c
    for label in ("rt_cold", "rt_warm"):
        c = time.process_time()
        first = parse_path(dataset)
        spec = load_spec(dump_spec(first.spec, "yaml"))
        target = out_dir / label
        write_files(generate(spec, plain), target)
        again = parse_path(target)
        out[label] = time.process_time() - c
        assert again.spec == first.spec, "round trip changed the spec"
    return out


def compare(ref: str, models: int, rounds: int) -> None:
    """Alternate fresh-process runs of REF's code and this tree's on one dataset; print medians and ratios."""
    steps = ("parse", "generate", "rt_cold", "rt_warm")
    runs: dict[str, list[dict[str, float]]] = {"ref": [], "this": []}
    with tempfile.TemporaryDirectory(prefix="diesel-compare.") as tmp_s:
        tmp = Path(tmp_s)
        ref_tree = tmp / "ref"
        ref_tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", ref, "semgraph"], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(ref_tree)], input=archive.stdout, check=True)
        dataset = _dataset_module().write_dataset(tmp / "dataset", models)
        trees = {"ref": ref_tree, "this": REPO}
        for r in range(rounds):
            order = ("ref", "this") if r % 2 == 0 else ("this", "ref")
            for name in order:
                work = tmp / f"out-{name}-{r}"
                proc = subprocess.run(
                    [sys.executable, __file__, "--cpu-worker", str(trees[name]), str(dataset), str(work)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                runs[name].append(row)
                cells = " ".join(f"{k}={row[k]:.3f}" for k in steps)
                print(f"round {r + 1} {name:>4}: {cells} load1={row['load1']:.2f}", flush=True)
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"\n{models} models, {rounds} rounds, ref {ref} vs this tree ({head.stdout.strip()}); CPU-seconds medians")
    print(f"{'step':<10} {'ref':>8} {'this':>8} {'ratio':>7}  (ratio = this / ref; within 20 % means <= 1.20)")
    for k in steps:
        a = statistics.median(x[k] for x in runs["ref"])
        b = statistics.median(x[k] for x in runs["this"])
        print(f"{k:<10} {a:>8.3f} {b:>8.3f} {b / a:>7.3f}")
    loads = [x["load1"] for rows in runs.values() for x in rows]
    print(
        f"load average (1 min) at the runs: min {min(loads):.2f}, median {statistics.median(loads):.2f}, max {max(loads):.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--compare-ref", metavar="REF", help="measure against the code at git commit REF")
    ap.add_argument("--rounds", type=int, default=5, help="with --compare-ref: runs per tree")
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--cpu-worker", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cpu_worker:
        print(json.dumps(cpu_worker(*args.cpu_worker)))
        return
    if args.compare_ref:
        compare(args.compare_ref, args.models[-1], args.rounds)
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return
    rows = []
    for n in args.models:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", str(n), "--repeat", str(args.repeat)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"{'models':>6} {'step':<18} {'cold s':>8} {'warm s':>8} {'target':>8} {'earlier':>8} {'ratio':>8}")
    for r in rows:
        n = int(r["models"])
        for step in ("parse", "generate", "round_trip"):
            target = TARGETS.get(n, {}).get(step)
            earlier = EARLIER_100[step] if n == 100 else None
            ratio = f"{earlier / r[step + '_cold']:.1f}x" if earlier else ""
            print(
                f"{n:>6} {step:<18} {r[step + '_cold']:>8.3f} {r[step + '_warm']:>8.3f} "
                f"{(f'<{target}' if target else ''):>8} {(earlier or ''):>8} {ratio:>8}"
            )
        print(f"{n:>6} {'round trip CPU s':<18} {r['round_trip_cpu_cold']:>8.3f} {r['round_trip_cpu_warm']:>8.3f}")
        print(f"{n:>6} {'generate+rustfmt':<18} {'':>8} {r['generate_rustfmt_warm']:>8.3f}")
        earlier = EARLIER_100["rss_mb"] if n == 100 else None
        target = TARGETS.get(n, {}).get("rss_mb")
        ratio = f"{earlier / r['rss_mb']:.1f}x" if earlier else ""
        print(
            f"{n:>6} {'peak RSS (MB)':<18} {r['rss_mb']:>8.1f} {'':>8} {(f'<{target}' if target else ''):>8} "
            f"{(earlier or ''):>8} {ratio:>8}"
        )
        print(f"{n:>6} {'files generated':<18} {int(r['files']):>8}")
    print("ratio = earlier system / ours (higher is better); cold = first run in a fresh process")
    print("round trip CPU = time.process_time() of this process over the same pipeline (rustfmt not involved)")
    print("load average (1/5/15 min) at the end:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()

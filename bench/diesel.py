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
one worker process per tree runs parse, generate (templates only) and the round trip in turn,
each step alternated between the two workers (ABBA order) so that both see the same load. It
prints the CPU-seconds (``time.process_time()``) of every pair, the medians per tree, the ratio
this tree / REF (of the medians, and the median of the paired ratios) and the load average.

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


STEPS = ("parse", "generate", "round_trip")


def cpu_worker(tree: Path, dataset: Path, out_dir: Path) -> None:
    """A compare worker: imports ``tree``'s ``semgraph`` (checked), then runs one step per stdin line.

    Each line names a step; the answer is one JSON line with its CPU-seconds (``time.process_time()``).
    The first run of each step in the process is its cold run.
    """
    sys.path.insert(0, str(tree))
    import semgraph
    from semgraph.rust.generator import GenerateOptions, generate
    from semgraph.rust.project import parse_path
    from semgraph.rust.regions import write_files
    from semgraph.rust.spec import dump_spec, load_spec

    assert Path(semgraph.__file__).resolve().is_relative_to(tree.resolve()), semgraph.__file__
    plain = GenerateOptions(rustfmt=False)
    spec = None
    runs = 0

    def round_trip() -> None:
        first = parse_path(dataset)
        again_spec = load_spec(dump_spec(first.spec, "yaml"))
        target = out_dir / f"rt{runs}"
        write_files(generate(again_spec, plain), target)
        assert parse_path(target).spec == first.spec, "round trip changed the spec"

    print("ready", flush=True)
    for line in sys.stdin:
        step = line.strip()
        c = time.process_time()
        if step == "parse":
            spec = parse_path(dataset).spec
        elif step == "generate":
            generate(spec or parse_path(dataset).spec, plain)
        elif step == "round_trip":
            round_trip()
        else:
            raise SystemExit(f"unknown step {step}")
        runs += 1
        print(json.dumps({"step": step, "cpu": time.process_time() - c, "load1": os.getloadavg()[0]}), flush=True)


class _Worker:
    """One long-lived worker process on one tree."""

    def __init__(self, tree: Path, dataset: Path, out_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--cpu-worker", str(tree), str(dataset), str(out_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def run(self, step: str) -> dict[str, float]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(step + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker failed on {step} (exit {self.proc.wait()})")
        return json.loads(line)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def compare(ref: str, models: int, rounds: int) -> None:
    """REF's code and this tree's in two workers, each step alternated between them (ABBA); medians and ratios.

    Paired: the two runs of one step in one round are seconds apart, so they see nearly the same load;
    the ratio reported is the median over rounds of this/ref per pair (and the ratio of the medians).
    """
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "semgraph"], capture_output=True)
    this = head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    cpu: dict[str, dict[str, list[float]]] = {"ref": {k: [] for k in STEPS}, "this": {k: [] for k in STEPS}}
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="diesel-compare.") as tmp_s:
        tmp = Path(tmp_s)
        ref_tree = tmp / "ref"
        ref_tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", ref, "semgraph"], check=True, capture_output=True
        )
        subprocess.run(["tar", "-x", "-C", str(ref_tree)], input=archive.stdout, check=True)
        dataset = _dataset_module().write_dataset(tmp / "dataset", models)
        workers = {
            name: _Worker(tree, dataset, tmp / f"out-{name}") for name, tree in (("ref", ref_tree), ("this", REPO))
        }
        try:
            for r in range(rounds):
                cells = []
                for i, step in enumerate(STEPS):
                    order = ("ref", "this") if (r + i) % 2 == 0 else ("this", "ref")
                    for name in order:
                        row = workers[name].run(step)
                        cpu[name][step].append(row["cpu"])
                        loads.append(row["load1"])
                    a, b = cpu["ref"][step][-1], cpu["this"][step][-1]
                    cells.append(f"{step} {a:.3f}/{b:.3f}")
                print(
                    f"round {r + 1}{' (cold)' if r == 0 else ''}: ref/this CPU s: {'  '.join(cells)}  load1 {loads[-1]:.2f}",
                    flush=True,
                )
        finally:
            for w in workers.values():
                w.close()
    print(f"\n{models} models, {rounds} rounds, ref {ref} vs this tree ({this}); CPU-seconds")
    print(f"{'step':<11} {'ref med':>8} {'this med':>8} {'ratio of medians':>17} {'median paired ratio':>20}")
    for k in STEPS:
        a, b = statistics.median(cpu["ref"][k]), statistics.median(cpu["this"][k])
        paired = statistics.median(y / x for x, y in zip(cpu["ref"][k], cpu["this"][k], strict=True))
        print(f"{k:<11} {a:>8.3f} {b:>8.3f} {b / a:>17.3f} {paired:>20.3f}")
    print("ratio = this / ref (within 20 % means <= 1.20); round 1 is each worker's cold run")
    print(
        f"load average (1 min) during the runs: min {min(loads):.2f}, median {statistics.median(loads):.2f}, max {max(loads):.2f}"
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
        cpu_worker(*args.cpu_worker)
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

"""Benchmark the Rust/Diesel toolset on the N-model dataset (100 and 1,000 models).

Measures, each N in a fresh process: parse (the whole crate), generate (models,
schema, handlers, mod; templates only, then with the one-batch rustfmt pass),
the round trip (parse → YAML → spec → generate → write → parse, checked equal)
and peak RSS (round trip also as CPU time, which moves less with load on
shared cores). Figures for 100 models are printed next to the earlier system's
(0.7 s parse, 6.8 s generate, 21.4 s round trip, 400 MB) as a ratio.

    python bench/diesel.py [--models 100 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
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

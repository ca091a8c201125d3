"""A 100,000-step template with states, through the CLI (``dag check --json``) and over MCP (issue 17).

Target: < 15 s and < 600 MB each. Wall time and peak RSS of the CLI process (``--json`` to a file) and
of the ``semgraph serve`` process answering ``analyze_step_dag`` (template_path + states_path). The
reference in the same run is a bare ``json.load`` of the two input files in this process, so the
ratio shows what the analysis costs on top of reading its input. CPU seconds (user + system of the
CLI process, of the server process during the call) are given next to wall time: on 2 shared cores
under a load of 10-20 the wall time is mostly waiting for a core.

    python -m bench.dag_scale [--steps 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a file (python bench/x.py), not only as a module
    sys.path.insert(0, str(REPO))

from bench.dag import NOW, make_states, make_template  # noqa: E402


def semgraph_cmd() -> list[str]:
    exe = shutil.which("semgraph", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "semgraph.server.cli"]


def run_cli(root: Path) -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu0 = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    t0 = time.perf_counter()
    with (root / "out.json").open("wb") as out:
        rc = subprocess.run(
            [*semgraph_cmd(), "dag", "check", "t.json", "--states", "s.json", "--now", NOW.isoformat(), "--json"],
            cwd=root,
            stdout=out,
            check=False,
        ).returncode
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu0
    size = (root / "out.json").stat().st_size
    json.loads((root / "out.json").read_text())  # the output is one plain JSON document
    return {
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_mb": round(max(peak, before) / 1024),
        "exit": rc,
        "output_mb": round(size / 1e6, 1),
    }


def _server_pid(root: Path) -> str | None:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in cmd and str(root).encode() in cmd:
            return pid
    return None


def _cpu_seconds(pid: str | None) -> float:
    """utime + stime of a process, from /proc/PID/stat."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_hwm_mb(root: Path) -> int | None:
    """VmHWM of the `semgraph serve --root ROOT` process (found in /proc)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"serve" in cmd and str(root).encode() in cmd:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) // 1024
        except OSError:
            continue
    return None


async def run_mcp(root: Path) -> dict[str, float]:
    from mcp.client.client import Client
    from mcp.client.stdio import StdioServerParameters

    cmd = semgraph_cmd()
    params = StdioServerParameters(
        command=cmd[0], args=[*cmd[1:], "serve", "--root", str(root)], env={**os.environ}, cwd=str(root)
    )
    async with Client(params, read_timeout_seconds=300) as client:
        pid = _server_pid(root)
        cpu0 = _cpu_seconds(pid)
        t0 = time.perf_counter()
        res = await client.call_tool(
            "analyze_step_dag",
            {"template_path": "t.json", "states_path": "s.json", "now": NOW.isoformat(), "include_mermaid": True},
        )
        wall = time.perf_counter() - t0
        cpu = _cpu_seconds(pid) - cpu0
        assert not res.is_error, res.content
        hwm = _server_hwm_mb(root)
        summary = res.structured_content["summary"]
    return {"seconds": round(wall, 2), "cpu_seconds": round(cpu, 2), "server_peak_mb": hwm, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100_000)
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="semgraph-dag-scale-"))
    try:
        (root / "t.json").write_text(json.dumps(make_template(args.steps)))
        (root / "s.json").write_text(json.dumps(make_states(args.steps)))
        t0 = time.perf_counter()
        json.loads((root / "t.json").read_text())
        json.loads((root / "s.json").read_text())
        ref = time.perf_counter() - t0
        cli = run_cli(root)
        mcp = asyncio.run(run_mcp(root))
        print(
            json.dumps(
                {
                    "steps": args.steps,
                    "input_mb": round(((root / "t.json").stat().st_size + (root / "s.json").stat().st_size) / 1e6, 1),
                    "reference_json_load_s": round(ref, 2),
                    "cli": {**cli, "ratio_to_reference": round(cli["seconds"] / ref, 1)},
                    "mcp": {**mcp, "ratio_to_reference": round(mcp["seconds"] / ref, 1)},
                    "load": os.getloadavg(),
                },
                indent=1,
            )
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

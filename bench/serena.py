"""Benchmark: semgraph against Serena (pyright) answering the same questions on the same library, same run.

Both tools are driven the way an assistant drives them: each server is started over stdio and called with
the MCP SDK client (semgraph: ``semgraph serve``; Serena: ``serena start-mcp-server --agent-interface tools``,
whose Python backend is pyright). The library (default: networkx from this venv) is copied into a scratch
directory, so each tool starts cold: no index, no symbol cache.

Phases, each timed at the client (wall) and in CPU-seconds of the server's whole process tree (Serena's
includes the pyright node process, semgraph's its parser workers), sampled from /proc:

1. cold: start the server, then the first find-symbol question (semgraph indexes on start and answers once
   the index is complete; Serena builds its symbol cache from pyright's document symbols on that call);
2. lookup: N "find symbol by name" (``search_symbols`` / ``find_symbol``);
3. refs: N "who calls X" (``get_call_graph`` callers depth 1 / ``find_referencing_symbols``);
4. overview: N "symbol overview of a file" (``get_symbol`` on the module / ``get_symbols_overview``).

Then each server is started again on what the session left on disk (semgraph its index, Serena its symbol
cache) and asked the first lookup and one references question: "restart", not in the session totals.

The questions are drawn (seeded) from the library's own source with ``ast``, not from either tool's
index: top-level functions and methods of top-level classes outside test directories. A sample of answers
is printed side by side and their agreement is summed up (same definitions found; callers against
referencing functions; same top-level names), so the comparison is of tools doing the same job.

Serena and pyright are installed into their own venv under ~/.cache/semgraph-bench (never into this
project's); its configuration lives in a SERENA_HOME there (no dashboard, pyright launched with node).

    python bench/serena.py                      # networkx, 20 questions per kind
    python bench/serena.py --library django -n 10
    python bench/serena.py --toolsets graph     # semgraph serve with the graph toolset only
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CACHE = Path(os.environ.get("SEMGRAPH_BENCH_CACHE", Path.home() / ".cache" / "semgraph-bench"))
SERENA_VENV = CACHE / "serena-venv"
SERENA_HOME = CACHE / "serena-home"
SERENA_VERSION = "2.1.0"
PYRIGHT_VERSION = "1.1.403"  # the version serena-agent 2.1.0 pins for its Python language server
SITE = Path(sysconfig.get_paths()["purelib"])
PHASES = ("cold", "lookup", "refs", "overview")
RESTART = ("restart", "restart-refs")  # not in the session's totals
TIMEOUT = 900.0


# -- installing the peer ----------------------------------------------------------------------------------------


def ensure_serena(venv: Path = SERENA_VENV, home: Path = SERENA_HOME) -> tuple[Path, dict[str, str]]:
    """Install serena-agent and pyright into their own venv (once); write Serena's config. Returns (exe, env)."""
    exe = venv / "bin" / "serena"
    langserver = next(iter(venv.glob("lib/python*/site-packages/pyright/dist/langserver.index.js")), None)
    if not exe.exists() or langserver is None:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "-q",
                f"serena-agent=={SERENA_VERSION}",
                f"pyright=={PYRIGHT_VERSION}",
            ],
            check=True,
        )
        langserver = next(venv.glob("lib/python*/site-packages/pyright/dist/langserver.index.js"))
    node = shutil.which("node")
    if node is None:
        raise SystemExit("pyright needs node on PATH (apt-get install nodejs)")
    home.mkdir(parents=True, exist_ok=True)
    # Serena's own defaults, except: MCP tools rather than its REPL tool, no dashboard or GUI window, and
    # pyright started straight from the installed wheel (Serena would fetch it with uvx, which needs the net).
    config = {
        "language_backend": "LSP",
        "agent_interface": "tools",
        "gui_log_window": False,
        "web_dashboard": False,
        "web_dashboard_open_on_launch": False,
        "log_level": 30,
        "ls_specific_settings": {"python": {"ls_base_cmd": [node, str(langserver)]}},
        "projects": [],
    }
    (home / "serena_config.yml").write_text(json.dumps(config, indent=2) + "\n")  # JSON is YAML
    return exe, {**os.environ, "SERENA_HOME": str(home)}


def versions(exe: Path) -> str:
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return f"{out or 'serena ?'}, pyright {PYRIGHT_VERSION}"


# -- the questions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Def:
    path: str  # relative to the root, with '/'
    name_path: str  # Serena's name path: 'func' or 'Class/method'
    line: int  # 1-based line of the 'def'

    @property
    def name(self) -> str:
        return self.name_path.rsplit("/", 1)[-1]

    @property
    def qualified_name(self) -> str:
        return f"{module_of(self.path)}.{self.name_path.replace('/', '.')}"


@dataclass
class Questions:
    warmup: str
    lookup: list[str]
    refs: list[Def]
    overview: list[str]


def module_of(path: str) -> str:
    """Dotted module of a relative .py path (a package's ``__init__.py`` is the package)."""
    mod = path.removesuffix(".py").removesuffix("/__init__")
    return mod.replace("/", ".")


def is_test_path(rel: Path) -> bool:
    return any(p in ("tests", "test", "testing") or p.startswith("test_") for p in rel.parts)


def definitions(root: Path) -> dict[str, list[Def]]:
    """Top-level functions and methods of top-level classes, per non-test file (what the questions name)."""
    out: dict[str, list[Def]] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if is_test_path(rel):
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        defs: list[Def] = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                defs.append(Def(rel.as_posix(), node.name, node.lineno))
            elif isinstance(node, ast.ClassDef):
                for sub in node.body:
                    if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef) and not sub.name.startswith("__"):
                        defs.append(Def(rel.as_posix(), f"{node.name}/{sub.name}", sub.lineno))
        out[rel.as_posix()] = defs
    return out


def pick_questions(root: Path, n: int, seed: int) -> Questions:
    """N names to look up, N definitions whose callers to find, N files to outline (seeded, distinct)."""
    rng = random.Random(seed)
    per_file = definitions(root)
    defs = [d for ds in per_file.values() for d in ds]
    # one definition per name path in a file (a name defined twice, e.g. under `if`, is ambiguous to Serena)
    counts: dict[tuple[str, str], int] = {}
    for d in defs:
        counts[(d.path, d.name_path)] = counts.get((d.path, d.name_path), 0) + 1
    unique = [d for d in defs if counts[(d.path, d.name_path)] == 1]
    names = sorted({d.name for d in defs})
    picked = rng.sample(names, n + 1)
    files = sorted(p for p, ds in per_file.items() if ds)
    return Questions(picked[0], picked[1:], rng.sample(unique, n), rng.sample(files, n))


# -- answers, normalised for comparison -------------------------------------------------------------------------


def serena_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None  # an error or "answer too long" message


def name_path_of(qualified_name: str, path: str) -> str:
    """A semgraph qualified name as a name path inside its file: ``pkg.mod.Class.meth`` -> ``Class.meth``."""
    return qualified_name.removeprefix(module_of(path) + ".")


DEF_KINDS_SERENA = {"Function", "Method", "Class"}
DEF_KINDS_SEMGRAPH = {"function", "method", "class"}


def serena_lookup(text: str, name: str) -> set[tuple[str, str]]:
    """(path, dotted name path) of every function, method or class named ``name``.

    Not lines: Serena's start line is the decorator's (0-based), semgraph's the ``def``'s. Not variables:
    Serena also lists local variables of that name, semgraph indexes module- and class-level ones only."""
    got = serena_json(text) or []
    return {
        (s["relative_path"], s["name_path"].replace("/", "."))
        for s in got
        if s["name_path"].rsplit("/", 1)[-1] == name and s.get("kind") in DEF_KINDS_SERENA
    }


def semgraph_lookup(out: dict[str, Any], name: str) -> set[tuple[str, str]]:
    return {
        (h["path"], name_path_of(h["qualified_name"], h["path"]))
        for h in out["hits"]
        if h["name"] == name and h["kind"] in DEF_KINDS_SEMGRAPH
    }


CALLER_KINDS_SERENA = {"Function", "Method"}
CALLER_KINDS_SEMGRAPH = {"function", "method"}


def serena_refs(text: str) -> set[tuple[str, str]]:
    """(path, name path with dots) of the functions and methods that reference the symbol.

    Serena names the innermost symbol around a reference, often a local variable
    (``_one_level/weights2com = _neighbor_weights(...)``): such a nested variable stands for its parent."""
    got = serena_json(text)
    if not isinstance(got, dict):
        return set()
    out = set()
    for path, by_kind in got.items():
        for kind, syms in by_kind.items():
            for s in syms:
                name_path = s["name_path"]
                if kind not in CALLER_KINDS_SERENA:
                    if kind != "Variable" or "/" not in name_path:
                        continue
                    name_path = name_path.rsplit("/", 1)[0]
                out.add((path, name_path.replace("/", ".")))
    return out


def semgraph_refs(out: dict[str, Any]) -> set[tuple[str, str]]:
    """(path, name path) of the callers (depth 1) that are functions or methods."""
    root = out["root"]["id"]
    return {
        (n["path"], name_path_of(n["qualified_name"], n["path"]))
        for n in out["nodes"]
        if n["id"] != root and n["kind"] in CALLER_KINDS_SEMGRAPH
    }


def serena_overview(text: str) -> set[str]:
    got = serena_json(text)
    if not isinstance(got, dict):
        return set()
    return {s if isinstance(s, str) else next(iter(s)) for syms in got.values() for s in syms}


def semgraph_overview(out: dict[str, Any]) -> set[str]:
    return {c["name"] for c in out["children"]}


# -- measuring --------------------------------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class TreeSampler:
    """CPU-seconds and peak RSS of this process's descendants (the server and whatever it starts).

    A thread reads /proc every 0.2 s and keeps each process's last-seen user+system ticks, so a process that
    exits (parser workers, a language server) still counts; ``cpu()`` samples once more and sums.
    """

    def __init__(self) -> None:
        self._ticks: dict[int, int] = {}
        self._lock = threading.Lock()
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def sample(self) -> None:
        stats: dict[int, list[str]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        stats[int(entry)] = fh.read().rsplit(")", 1)[1].split()
                except OSError:
                    pass
        tree, grew = {os.getpid()}, True
        while grew:
            grew = False
            for pid, f in stats.items():
                if pid not in tree and int(f[1]) in tree:
                    tree.add(pid)
                    grew = True
        tree.discard(os.getpid())
        rss = sum(int(stats[p][21]) for p in tree) * PAGE
        with self._lock:
            for pid in tree:
                self._ticks[pid] = max(self._ticks.get(pid, 0), int(stats[pid][11]) + int(stats[pid][12]))
            self.peak_rss = max(self.peak_rss, rss)

    def cpu(self) -> float:
        self.sample()
        with self._lock:
            return sum(self._ticks.values()) / CLK_TCK


@dataclass
class Phase:
    wall: float = 0.0
    cpu: float = 0.0  # the server's process tree
    client_cpu: float = 0.0
    calls: list[float] = field(default_factory=list)
    answer_kb: float = 0.0


@dataclass
class Run:
    tool: str
    phases: dict[str, Phase] = field(default_factory=dict)
    answers: dict[str, list[Any]] = field(default_factory=dict)
    start: tuple[float, float] = (0.0, 0.0)  # spawn to MCP handshake done: wall, server CPU (inside "cold")
    peak_rss_mb: float = 0.0
    errors: list[str] = field(default_factory=list)


class Driver:
    """One tool's side: how to start it and how to ask each question."""

    name = ""

    def params(self, root: Path) -> Any:
        raise NotImplementedError

    async def lookup(self, client: Any, name: str) -> tuple[Any, str]:
        raise NotImplementedError

    async def refs(self, client: Any, d: Def) -> tuple[Any, str]:
        raise NotImplementedError

    async def overview(self, client: Any, path: str) -> tuple[Any, str]:
        raise NotImplementedError


def _text(res: Any) -> str:
    return "".join(getattr(c, "text", "") for c in res.content)


class Semgraph(Driver):
    name = "semgraph"

    def __init__(self, toolsets: str | None = None) -> None:
        self.toolsets = toolsets

    def params(self, root: Path) -> Any:
        from mcp.client.stdio import StdioServerParameters

        exe = shutil.which("semgraph", path=str(Path(sys.executable).parent))
        cmd = [exe] if exe else [sys.executable, "-m", "semgraph.server.cli"]
        args = [*cmd[1:], "serve", "--root", str(root), *(["--toolsets", self.toolsets] if self.toolsets else [])]
        return StdioServerParameters(command=cmd[0], args=args, cwd=str(root))

    async def _call(self, client: Any, tool: str, args: dict[str, Any]) -> tuple[Any, str]:
        res = await client.call_tool(tool, args)
        if res.is_error:
            return None, _text(res)
        return res.structured_content, json.dumps(res.structured_content)

    async def lookup(self, client: Any, name: str) -> tuple[Any, str]:
        got, raw = await self._call(client, "search_symbols", {"query": name, "limit": 50, "wait_seconds": 120})
        if got is not None and (got["freshness"]["partial"] or got["freshness"]["index_state"] != "ready"):
            raise RuntimeError(f"semgraph answered before its first index was complete: {got['freshness']}")
        return (semgraph_lookup(got, name) if got else None), raw

    async def refs(self, client: Any, d: Def) -> tuple[Any, str]:
        args = {"symbol": d.qualified_name, "direction": "callers", "depth": 1, "max_nodes": 300}
        got, raw = await self._call(client, "get_call_graph", args)
        return (semgraph_refs(got) if got else None), raw

    async def overview(self, client: Any, path: str) -> tuple[Any, str]:
        got, raw = await self._call(client, "get_symbol", {"symbol": module_of(path)})
        return (semgraph_overview(got) if got else None), raw


class Serena(Driver):
    name = "serena"

    def __init__(self, exe: Path, env: dict[str, str]) -> None:
        self.exe, self.env = exe, env

    def params(self, root: Path) -> Any:
        from mcp.client.stdio import StdioServerParameters

        args = ["start-mcp-server", "--project", str(root), "--context", "agent", "--agent-interface", "tools"]
        args += ["--enable-web-dashboard", "false", "--open-web-dashboard", "false", "--log-level", "WARNING"]
        return StdioServerParameters(command=str(self.exe), args=args, env=self.env, cwd=str(root))

    async def _call(self, client: Any, tool: str, args: dict[str, Any]) -> str:
        res = await client.call_tool(tool, args)
        return ("ERROR " if res.is_error else "") + _text(res)

    async def lookup(self, client: Any, name: str) -> tuple[Any, str]:
        raw = await self._call(client, "find_symbol", {"name_path_pattern": name})
        return (serena_lookup(raw, name) if serena_json(raw) is not None else None), raw

    async def refs(self, client: Any, d: Def) -> tuple[Any, str]:
        raw = await self._call(client, "find_referencing_symbols", {"name_path": d.name_path, "relative_path": d.path})
        return (serena_refs(raw) if serena_json(raw) is not None else None), raw  # None: an error or "too long"

    async def overview(self, client: Any, path: str) -> tuple[Any, str]:
        raw = await self._call(client, "get_symbols_overview", {"relative_path": path})
        return (serena_overview(raw) if serena_json(raw) is not None else None), raw


async def _drive(driver: Driver, root: Path, plan: list[tuple[str, list[Any], Any]], run: Run) -> None:
    """Start the server and ask the plan's questions; the first phase's time includes the start."""
    from mcp import Client

    with TreeSampler() as sampler:
        t_start, c_start = time.perf_counter(), time.process_time()
        async with Client(driver.params(root), mode="auto", read_timeout_seconds=TIMEOUT) as client:
            if not run.start[0]:
                run.start = (time.perf_counter() - t_start, sampler.cpu())
            cpu_mark = 0.0

            async def phase(label: str, items: list[Any], ask: Any, t0: float, c0: float) -> None:
                nonlocal cpu_mark
                ph, answers = Phase(), []
                sizes = []
                for item in items:
                    t1 = time.perf_counter()
                    got, raw = await ask(client, item)
                    ph.calls.append(time.perf_counter() - t1)
                    sizes.append(len(raw))
                    answers.append(got)
                    if got is None or raw.startswith("ERROR"):
                        run.errors.append(f"{label} {item}: {raw[:200]}")
                ph.wall = time.perf_counter() - t0
                ph.client_cpu = time.process_time() - c0
                cpu = sampler.cpu()
                ph.cpu, cpu_mark = cpu - cpu_mark, cpu
                ph.answer_kb = statistics.mean(sizes) / 1024 if sizes else 0.0
                run.phases[label], run.answers[label] = ph, answers

            for i, (label, items, ask) in enumerate(plan):  # the first phase counts from the spawn
                t0, c0 = (t_start, c_start) if i == 0 else (time.perf_counter(), time.process_time())
                await phase(label, items, ask, t0, c0)
        run.peak_rss_mb = max(run.peak_rss_mb, sampler.peak_rss / 2**20)


def drive(driver: Driver, root: Path, qs: Questions) -> Run:
    """A cold session (no index, no cache), then a restart of the server on what the session left on disk."""
    for cache in (".semgraph", ".serena"):
        shutil.rmtree(root / cache, ignore_errors=True)
    run = Run(driver.name)
    session = [
        ("cold", [qs.warmup], driver.lookup),  # spawn to the first answer: handshake and index are inside it
        ("lookup", qs.lookup, driver.lookup),
        ("refs", qs.refs, driver.refs),
        ("overview", qs.overview, driver.overview),
    ]
    asyncio.run(_drive(driver, root, session, run))
    # the next session on the same code: semgraph keeps its index, Serena its symbol cache (pyright starts anew)
    restart = [("restart", [qs.warmup], driver.lookup), ("restart-refs", qs.refs[:1], driver.refs)]
    asyncio.run(_drive(driver, root, restart, run))
    return run


# -- reporting --------------------------------------------------------------------------------------------------


def load() -> str:
    return "load " + " / ".join(f"{x:.2f}" for x in os.getloadavg())


def jaccard(a: set[Any] | None, b: set[Any] | None) -> float:
    if not a and not b:
        return 1.0
    return len((a or set()) & (b or set())) / len((a or set()) | (b or set()))


def agreement(sg: Run, se: Run, qs: Questions, show: int) -> dict[str, dict[str, float]]:
    """Per kind of question: mean Jaccard of the two answers, how many were identical; print a sample."""
    out: dict[str, dict[str, float]] = {}
    labels = {"lookup": qs.lookup, "refs": [d.qualified_name for d in qs.refs], "overview": qs.overview}
    for phase, items in labels.items():
        a, b = sg.answers[phase], se.answers[phase]
        scores = [jaccard(x, y) for x, y in zip(a, b, strict=True)]
        same = sum(1 for x, y in zip(a, b, strict=True) if (x or set()) == (y or set()))
        sg_only_items = [i for x, y in zip(a, b, strict=True) for i in (x or set()) - (y or set())]
        se_only_items = [i for x, y in zip(a, b, strict=True) for i in (y or set()) - (x or set())]
        sg_only, se_only = len(sg_only_items), len(se_only_items)
        in_tests = (
            sum(1 for i in sg_only_items if is_test_path(Path(i[0]))),
            sum(1 for i in se_only_items if is_test_path(Path(i[0]))),
        )
        both = sum(len((x or set()) & (y or set())) for x, y in zip(a, b, strict=True))
        out[phase] = {
            "mean_jaccard": round(statistics.mean(scores), 3), "identical": same, "questions": len(items),
            "in_both": both, "semgraph_only": sg_only, "serena_only": se_only,
            "semgraph_only_in_tests": in_tests[0], "serena_only_in_tests": in_tests[1],
        }  # fmt: skip
        print(
            f"\n{phase}: {same}/{len(items)} answers identical, mean Jaccard {statistics.mean(scores):.2f}; "
            f"{both} items in both, {sg_only} only semgraph ({in_tests[0]} in test files), {se_only} only Serena "
            f"({in_tests[1]} in test files)"
        )
        order = sorted(range(len(items)), key=lambda i: scores[i])
        for i in [*order[: show // 2], *order[-(show - show // 2) :]] if show else []:
            print(f"  Q {items[i]!r} (Jaccard {scores[i]:.2f})")
            print(f"    semgraph: {sorted(a[i] or set())[:12]}{' …' if len(a[i] or ()) > 12 else ''}")
            print(f"    serena:   {sorted(b[i] or set())[:12]}{' …' if len(b[i] or ()) > 12 else ''}")
    return out


def report(runs: dict[str, Run]) -> dict[str, Any]:
    sg, se = runs["semgraph"], runs["serena"]
    print(f"\n{'phase':<10} {'tool':<9} {'wall s':>8} {'server CPU-s':>13} {'client CPU-s':>13} {'p50 ms':>8} "
          f"{'max ms':>9} {'mean KB':>8}")  # fmt: skip
    table: dict[str, Any] = {}
    totals = {name: [0.0, 0.0] for name in runs}
    for label in PHASES + RESTART:
        for run in (sg, se):
            ph = run.phases[label]
            if label in PHASES:
                totals[run.tool][0] += ph.wall
                totals[run.tool][1] += ph.cpu
            print(
                f"{label:<10} {run.tool:<9} {ph.wall:>8.2f} {ph.cpu:>13.2f} {ph.client_cpu:>13.2f} "
                f"{statistics.median(ph.calls) * 1000:>8.1f} {max(ph.calls) * 1000:>9.1f} {ph.answer_kb:>8.1f}"
            )
        a, b = sg.phases[label], se.phases[label]
        ratio_wall, ratio_cpu = b.wall / a.wall, b.cpu / max(a.cpu, 0.01)
        print(f"{'':<10} {'ratio':<9} {ratio_wall:>7.1f}x {ratio_cpu:>12.1f}x   (Serena / semgraph)")
        table[label] = {
            "semgraph": {"wall_s": round(a.wall, 3), "cpu_s": round(a.cpu, 2), "p50_ms": round(statistics.median(a.calls) * 1000, 1)},
            "serena": {"wall_s": round(b.wall, 3), "cpu_s": round(b.cpu, 2), "p50_ms": round(statistics.median(b.calls) * 1000, 1)},
            "ratio_wall": round(ratio_wall, 2), "ratio_cpu": round(ratio_cpu, 2),
        }  # fmt: skip
    table["start"] = {run.tool: {"wall_s": round(run.start[0], 2), "cpu_s": round(run.start[1], 2)} for run in (sg, se)}
    (sw, sc), (ew, ec) = totals["semgraph"], totals["serena"]
    print(
        f"{'session':<10} semgraph {sw:>8.2f} {sc:>13.2f}\n{'':<10} serena   {ew:>8.2f} {ec:>13.2f}\n"
        f"{'':<10} {'ratio':<9} {ew / sw:>7.1f}x {ec / max(sc, 0.01):>12.1f}x   (Serena / semgraph, cold + lookup + refs + overview)"
    )
    for run in (sg, se):
        print(
            f"  {run.tool} start-up (spawn to MCP handshake, inside cold): {run.start[0]:.2f} s, {run.start[1]:.2f} CPU-s"
        )
    print(f"peak RSS of the server tree: semgraph {sg.peak_rss_mb:.0f} MB, Serena {se.peak_rss_mb:.0f} MB")
    table["session"] = {"semgraph": {"wall_s": round(sw, 2), "cpu_s": round(sc, 2)},
                        "serena": {"wall_s": round(ew, 2), "cpu_s": round(ec, 2)},
                        "ratio_wall": round(ew / sw, 2), "ratio_cpu": round(ec / max(sc, 0.01), 2)}  # fmt: skip
    return table


def copy_library(name: str, dest: Path) -> Path:
    src = SITE / name
    if not src.is_dir():
        raise SystemExit(f"{name} is not installed in this venv ({src})")
    root = dest / name
    shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", default="networkx", help="package from this venv's site-packages (default networkx)")
    ap.add_argument("--source", type=Path, help="a directory to use instead of --library (copied)")
    ap.add_argument("-n", "--questions", type=int, default=20, help="questions of each kind (default 20)")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--order", default="semgraph,serena", help="which tool runs first (default semgraph,serena)")
    ap.add_argument("--toolsets", help="semgraph serve --toolsets (default: all, as `semgraph serve` starts)")
    ap.add_argument("--show", type=int, default=4, help="answers printed side by side per kind (default 4)")
    args = ap.parse_args()
    exe, env = ensure_serena()
    work = Path(tempfile.mkdtemp(prefix="semgraph-serena-"))
    try:
        if args.source:
            root = work / args.source.name
            shutil.copytree(args.source, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".git"))
        else:
            root = copy_library(args.library, work)
        files = list(root.rglob("*.py"))
        loc = sum(p.read_bytes().count(b"\n") for p in files)
        qs = pick_questions(root, args.questions, args.seed)
        print(f"library {root.name}: {len(files)} .py files, {loc:,} lines; {versions(exe)}; {args.questions} "
              f"questions of each kind (seed {args.seed}); semgraph toolsets: {args.toolsets or 'all'}")  # fmt: skip
        drivers: dict[str, Driver] = {"semgraph": Semgraph(args.toolsets), "serena": Serena(exe, env)}
        runs: dict[str, Run] = {}
        for name in args.order.split(","):
            print(f"running {name} ({load()})", flush=True)
            runs[name] = drive(drivers[name], root, qs)
            for err in runs[name].errors[:5]:
                print(f"  {name} error: {err}")
            print(f"  done ({load()})", flush=True)
        table = report(runs)
        agree = agreement(runs["semgraph"], runs["serena"], qs, args.show)
        print(load())
        print("\nJSON " + json.dumps({"library": root.name, "files": len(files), "lines": loc, "phases": table,
                                      "agreement": agree, "load_after": os.getloadavg()[0]}))  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

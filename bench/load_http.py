"""Benchmark: bounded loopback HTTP load on ``semgraph serve --http`` (issue 18).

Serves a real repository's index (launchbadge/sqlx, pinned) on 127.0.0.1 only, then sends
``--requests`` tool calls at once (each its own connection), a mix of search_symbols, get_symbol,
get_call_graph and detect_architectural_patterns, with session churn (stateful mode: every
request opens a session, calls, and closes it with DELETE; stateless: initialize + call) and an
``index_repository`` re-index after half of the requests were sent. Prints the error rate,
p50/p99 latency, the peak RSS of the server's whole process tree and its CPU per call.

    python bench/load_http.py --workers 2 --stateless     # the issue's target: 1,000 at once
    python bench/load_http.py --requests 200               # one process, sessions
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.realworld import Pinned, checkout  # noqa: E402

PIN = Pinned("launchbadge/sqlx", "9d6bf6629f172d32fe1e6cafe8071439d213fc75")
TOKEN = "bench-token-" + "x" * 16
INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "load", "version": "1"}}}  # fmt: skip
CALLS: list[tuple[str, dict]] = []


def _pick_calls(db: Path) -> None:
    """The call mix, on the function with the most resolved calls (by id: names may be ambiguous)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        (sid,) = conn.execute(
            "SELECT s.id FROM symbols s JOIN edges e ON e.src_id = s.id AND e.kind = 'calls' AND e.dst_id IS NOT NULL "
            "WHERE s.kind IN ('function', 'method') GROUP BY s.id ORDER BY count(*) DESC, s.id LIMIT 1"
        ).fetchone()
    CALLS[:] = [
        ("search_symbols", {"query": "connection pool", "limit": 10}),
        ("search_symbols", {"query": "execute", "limit": 20}),
        ("get_symbol", {"symbol": str(sid)}),
        ("get_call_graph", {"symbol": str(sid), "depth": 2}),
        ("detect_architectural_patterns", {"limit": 10}),
    ]


def _tree(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _rss_cpu(pids: list[int]) -> tuple[float, float]:
    rss = cpu = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(f[11]) + int(f[12])) / tick
            rss += int(f[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, IndexError, ValueError):
            continue
    return rss, cpu


async def _http(port: int, method: str, body: dict | None, headers: dict[str, str]) -> tuple[int, dict, dict | None]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = json.dumps(body).encode() if body is not None else b""
    head = {"Host": f"127.0.0.1:{port}", "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream", "Content-Length": str(len(data)), "Connection": "close",
            **headers}  # fmt: skip
    writer.write(f"{method} /mcp HTTP/1.1\r\n".encode() + "".join(f"{k}: {v}\r\n" for k, v in head.items()).encode())
    writer.write(b"\r\n" + data)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    header_blob, _, payload = raw.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
    if not raw:
        return 0, {}, None  # the server closed the connection without an answer
    status = int(lines[0].split()[1])
    hdrs = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    if hdrs.get("transfer-encoding") == "chunked":
        out, rest = b"", payload
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line or b"0", 16)
            if size == 0:
                break
            out, rest = out + rest[:size], rest[size + 2 :]
        payload = out
    message = None
    text = payload.decode("utf-8", "replace")
    for line in text.splitlines():
        if line.startswith("data:") and line[5:].strip():
            message = json.loads(line[5:])
    if message is None and text.strip().startswith("{"):
        message = json.loads(text)
    return status, hdrs, message


async def one(port: int, i: int, stateless: bool) -> tuple[float, str | None]:
    name, args = CALLS[i % len(CALLS)]
    call = {"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {"name": name, "arguments": args}}
    t0 = time.perf_counter()
    try:
        status, hdrs, msg = await _http(port, "POST", INIT, {})
        if status != 200:
            return time.perf_counter() - t0, f"initialize HTTP {status}"
        extra = (
            {}
            if stateless
            else {"mcp-session-id": hdrs.get("mcp-session-id", ""), "mcp-protocol-version": "2025-06-18"}
        )
        if not stateless:
            await _http(port, "POST", {"jsonrpc": "2.0", "method": "notifications/initialized"}, extra)
        status, _, msg = await _http(port, "POST", call, extra)
        if not stateless:
            await _http(port, "DELETE", None, extra)
        if status != 200 or msg is None or "error" in msg or msg.get("result", {}).get("isError"):
            return time.perf_counter() - t0, f"{name}: HTTP {status} {str(msg)[:120]}"
        return time.perf_counter() - t0, None
    except Exception as exc:
        return time.perf_counter() - t0, f"{name}: {type(exc).__name__}: {exc}"


async def run(port: int, n: int, stateless: bool, server_pid: int, reindex_too: bool = True) -> None:
    peak = [0.0]
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_cpu(_tree(server_pid))[0])
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    _, cpu0 = _rss_cpu(_tree(server_pid))
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(one(port, i, stateless)) for i in range(n // 2)]
    reindex = {"jsonrpc": "2.0", "id": 10**6, "method": "tools/call", "params": {"name": "index_repository", "arguments": {"path": "."}}}  # fmt: skip
    extra: dict[str, str] = {}
    if not stateless:
        _, hdrs, _ = await _http(port, "POST", INIT, {})
        extra = {"mcp-session-id": hdrs.get("mcp-session-id", ""), "mcp-protocol-version": "2025-06-18"}
    reidx = asyncio.create_task(_http(port, "POST", reindex, extra) if reindex_too else asyncio.sleep(0, (0, {}, None)))
    tasks += [asyncio.create_task(one(port, i, stateless)) for i in range(n // 2, n)]
    results = await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    status, _, msg = await reidx
    stop.set()
    await sampler
    _, cpu1 = _rss_cpu(_tree(server_pid))
    lat = sorted(r[0] for r in results)
    errors = [r[1] for r in results if r[1]]
    print(f"requests {n} | errors {len(errors)} ({100 * len(errors) / n:.2f}%) | wall {wall:.1f} s | "
          f"p50 {lat[len(lat) // 2]:.2f} s | p99 {lat[int(len(lat) * 0.99) - 1]:.2f} s | max {lat[-1]:.2f} s | "
          f"peak RSS (server tree) {peak[0]:.0f} MB | CPU per call {1000 * (cpu1 - cpu0) / n:.1f} ms | "
          f"re-index: HTTP {status} {(msg or {}).get('result', {}).get('structuredContent', {}).get('status')!s} | "
          f"load {os.getloadavg()[0]:.2f}")  # fmt: skip
    for e in sorted(set(errors))[:5]:
        print("  error:", e)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--stateless", action="store_true")
    ap.add_argument("--no-reindex", action="store_true", help="leave out the re-index in the middle")
    args = ap.parse_args()
    root = checkout(PIN)
    db = root.parent / f"{PIN.slug}.i18-load.db"
    subprocess.run([sys.executable, "-m", "semgraph.server.cli", "index", str(root), "--root", str(root), "--db", str(db)],
                   check=True, capture_output=True)  # fmt: skip
    _pick_calls(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "semgraph.server.cli", "serve", "--root", str(root), "--db", str(db),
           "--http", f"127.0.0.1:{port}", "--auth-token", TOKEN, "--workers", str(args.workers),
           "--max-sessions-per-client", str(args.requests + 10)]  # fmt: skip
    if args.stateless:
        cmd.append("--stateless")
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(2 if args.workers > 1 else 0.5)
        print(
            f"{PIN.repo}@{PIN.commit} | workers {args.workers} | stateless {args.stateless} | load {os.getloadavg()[0]:.2f}"
        )
        random.seed(0)
        asyncio.run(run(port, args.requests, args.stateless, server.pid, not args.no_reindex))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        db.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

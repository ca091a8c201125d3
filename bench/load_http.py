"""Benchmark: bounded loopback HTTP load on ``semgraph serve --http`` (issue 18).

Serves a real repository's index (launchbadge/sqlx, pinned) on 127.0.0.1 only, then sends
``--requests`` tool calls at once (each its own connection), a mix of search_symbols, get_symbol,
get_call_graph and detect_architectural_patterns, with an ``index_repository`` re-index after half of
the requests were sent. Prints the error rate, answers that differ from the serial answer (freshness
aside), p50/p99 latency, the peak RSS of the server's whole process tree and its CPU per call.

The client is cheap on purpose (it shares the 2 cores with the server): raw HTTP over asyncio with every
request's bytes encoded before the clock starts. ``--protocol``:
  modern  one POST per call at protocol 2026-07-28 (the request carries its own envelope: no initialize)
  legacy  stateless 2025-06-18 as older clients do it: initialize, then the call (two POSTs)
  session stateful: initialize, initialized, call, DELETE (needs one process)

    python bench/load_http.py --workers 2 --stateless --json-response     # the issue's target: 1,000 at once
    python bench/load_http.py --workers 2 --stateless --protocol legacy   # the first figures' client
    python bench/load_http.py --requests 200 --protocol session            # one process, sessions
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


def _children(pid: int) -> list[int] | None:
    """Direct children from /proc/PID/task/*/children (None where the kernel does not offer it)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    out: list[int] = []
    for task in tasks:
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            if not (task / "stat").exists():
                continue  # the thread ended meanwhile
            return None
        except OSError:
            continue
    return out


def _tree(pid: int) -> list[int]:
    """The process and its descendants. Reads only the tree's own /proc entries (a scan of all of /proc every
    0.2 s was half of the load client's CPU, which shares the 2 cores with the server)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        kids = _children(p)
        if kids is None:
            return _tree_by_scan(pid)
        todo.extend(kids)
    return out


def _tree_by_scan(pid: int) -> list[int]:
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


MODERN = "2026-07-28"
LEGACY = "2025-06-18"
ENVELOPE = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "load", "version": "1"}}  # fmt: skip


def encode(port: int, method: str, body: dict | None, headers: dict[str, str]) -> bytes:
    """One whole HTTP/1.1 request (encoded before the clock starts: the client must stay cheap)."""
    data = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
    head = {"Host": f"127.0.0.1:{port}", "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream", "Content-Length": str(len(data)), "Connection": "close",
            **headers}  # fmt: skip
    lines = f"{method} /mcp HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n"
    return lines.encode() + data


def call_body(name: str, args: dict, rid: int, protocol: str) -> tuple[dict, dict[str, str]]:
    params: dict = {"name": name, "arguments": args}
    if protocol == "modern":
        params["_meta"] = ENVELOPE
        return {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}, {
            "MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/call", "Mcp-Name": name}  # fmt: skip
    return {"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": params}, {}


async def _send(port: int, raw: bytes) -> tuple[int, dict, dict | None]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    data = await reader.read()
    writer.close()
    if not data:
        return 0, {}, None  # the server closed the connection without an answer
    header_blob, _, payload = data.partition(b"\r\n\r\n")
    lines = header_blob.decode("latin-1").split("\r\n")
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
    if payload.lstrip().startswith(b"{"):
        message = json.loads(payload)
    else:  # an SSE stream: the last data line is the answer
        for line in payload.decode("utf-8", "replace").splitlines():
            if line.startswith("data:") and line[5:].strip():
                message = json.loads(line[5:])
    return status, hdrs, message


async def _http(port: int, method: str, body: dict | None, headers: dict[str, str]) -> tuple[int, dict, dict | None]:
    return await _send(port, encode(port, method, body, headers))


def answer_of(msg: dict | None) -> object:
    """What must equal the serial answer: the structured result without its freshness label."""
    result = (msg or {}).get("result") or {}
    structured = dict(result.get("structuredContent") or {})
    structured.pop("freshness", None)
    return structured


def prepared(port: int, protocol: str, n: int) -> list[list[bytes]]:
    """Per request, the raw HTTP requests it sends in order (session mode fills in the session id later)."""
    out = []
    for i in range(n):
        name, args = CALLS[i % len(CALLS)]
        body, hdrs = call_body(name, args, i + 1, protocol)
        out.append([encode(port, "POST", INIT, {}), encode(port, "POST", body, hdrs)] if protocol == "legacy"
                   else [encode(port, "POST", body, hdrs)])  # fmt: skip
    return out


async def one(port: int, i: int, protocol: str, raws: list[bytes], serial: list[object]) -> tuple[float, str | None]:
    name, args = CALLS[i % len(CALLS)]
    t0 = time.perf_counter()
    try:
        if protocol == "session":
            status, hdrs, msg = await _http(port, "POST", INIT, {})
            if status != 200:
                return time.perf_counter() - t0, f"initialize HTTP {status}"
            extra = {"mcp-session-id": hdrs.get("mcp-session-id", ""), "mcp-protocol-version": LEGACY}
            await _http(port, "POST", {"jsonrpc": "2.0", "method": "notifications/initialized"}, extra)
            status, _, msg = await _http(port, "POST", call_body(name, args, i + 1, protocol)[0], extra)
            await _http(port, "DELETE", None, extra)
        else:
            for raw in raws[:-1]:  # legacy: the initialize round trip
                status, _, msg = await _send(port, raw)
                if status != 200:
                    return time.perf_counter() - t0, f"initialize HTTP {status}"
            status, _, msg = await _send(port, raws[-1])
        if status != 200 or msg is None or "error" in msg or msg.get("result", {}).get("isError"):
            return time.perf_counter() - t0, f"{name}: HTTP {status} {str(msg)[:120]}"
        if answer_of(msg) != serial[i % len(CALLS)]:
            return time.perf_counter() - t0, f"{name}: answer differs from the serial one"
        return time.perf_counter() - t0, None
    except Exception as exc:
        return time.perf_counter() - t0, f"{name}: {type(exc).__name__}: {exc}"


async def run(port: int, n: int, protocol: str, server_pid: int, reindex_too: bool = True) -> None:
    serial = []
    for i in range(len(CALLS)):  # the reference answers, one call at a time (this also warms every cache once)
        name, args = CALLS[i]
        body, hdrs = call_body(name, args, i + 1, "legacy" if protocol == "session" else protocol)
        status, _, msg = await _http(port, "POST", body, hdrs if protocol != "session" else {})
        if status != 200 or msg is None or "result" not in msg:
            raise SystemExit(f"serial {name} failed: HTTP {status} {str(msg)[:300]}")
        serial.append(answer_of(msg))
    raws = prepared(port, protocol, n)
    peak = [0.0]
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_cpu(_tree(server_pid))[0])
            await asyncio.sleep(0.2)

    sampler = asyncio.create_task(sample())
    load0 = os.getloadavg()[0]
    _, cpu0 = _rss_cpu(_tree(server_pid))
    client0 = time.process_time()
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(one(port, i, protocol, raws[i], serial)) for i in range(n // 2)]
    rbody, rhdrs = call_body("index_repository", {"path": "."}, 10**6, protocol)
    extra: dict[str, str] = {}
    if protocol == "session":
        _, hdrs, _ = await _http(port, "POST", INIT, {})
        extra = {"mcp-session-id": hdrs.get("mcp-session-id", ""), "mcp-protocol-version": LEGACY}
    reidx = asyncio.create_task(
        _http(port, "POST", rbody, {**rhdrs, **extra}) if reindex_too else asyncio.sleep(0, (0, {}, None))
    )
    tasks += [asyncio.create_task(one(port, i, protocol, raws[i], serial)) for i in range(n // 2, n)]
    results = await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    client_cpu = time.process_time() - client0
    status, _, msg = await reidx
    stop.set()
    await sampler
    _, cpu1 = _rss_cpu(_tree(server_pid))
    lat = sorted(r[0] for r in results)
    errors = [r[1] for r in results if r[1]]
    differ = sum(1 for e in errors if "differs" in e)
    print(f"requests {n} | protocol {protocol} | errors {len(errors)} ({100 * len(errors) / n:.2f}%), of which "
          f"answers different from serial {differ} | wall {wall:.1f} s | "
          f"p50 {lat[len(lat) // 2]:.2f} s | p99 {lat[int(len(lat) * 0.99) - 1]:.2f} s | max {lat[-1]:.2f} s | "
          f"peak RSS (server tree) {peak[0]:.0f} MB | server CPU {cpu1 - cpu0:.1f} s = {1000 * (cpu1 - cpu0) / n:.1f} ms "
          f"per call | client CPU {client_cpu:.1f} s | re-index: HTTP {status} "
          f"{(msg or {}).get('result', {}).get('structuredContent', {}).get('status')!s} | "
          f"load {load0:.2f} -> {os.getloadavg()[0]:.2f}")  # fmt: skip
    for e in sorted(set(errors))[:5]:
        print("  error:", e)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--stateless", action="store_true")
    ap.add_argument("--json-response", action="store_true", help="serve with --json-response (no SSE streams)")
    ap.add_argument("--protocol", choices=("modern", "legacy", "session"), default=None,
                    help="client (default: modern when --stateless, else session)")  # fmt: skip
    ap.add_argument("--no-reindex", action="store_true", help="leave out the re-index in the middle")
    args = ap.parse_args()
    protocol = args.protocol or ("modern" if args.stateless else "session")
    if protocol != "session" and not args.stateless:
        ap.error("--protocol modern/legacy sends no session id: serve with --stateless")
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
    if args.json_response:
        cmd.append("--json-response")
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
        print(f"{PIN.repo}@{PIN.commit} | workers {args.workers} | stateless {args.stateless} | "
              f"json_response {args.json_response} | load {os.getloadavg()[0]:.2f}")  # fmt: skip
        random.seed(0)
        asyncio.run(run(port, args.requests, protocol, server.pid, not args.no_reindex))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        db.unlink(missing_ok=True)


if __name__ == "__main__":
    main()

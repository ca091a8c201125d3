"""Streamable HTTP that is safe by default: host/origin checks, a bearer token, per-client session caps.

Why: over HTTP anyone who can reach the port is a client. DNS-rebinding protection (Host and Origin
checked) is always on; a bind address that is not loopback needs a bearer token; one client cannot
hold more than ``max_sessions_per_client`` sessions (idle ones expire), so it cannot lock every other
client out. ``--stateless --workers N`` serves from N processes (each opens the index read-only).
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import json
import os
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from semgraph.config import Settings
from semgraph.errors import InvalidInputError

TOKEN_ENV = "SEMGRAPH_AUTH_TOKEN"
_WORKER_ENV = "SEMGRAPH_HTTP_WORKER"
LOOPBACK_HOSTS = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
LOOPBACK_ORIGINS = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]


@dataclass
class HttpOptions:
    host: str
    port: int
    auth_token: str | None = None
    allowed_hosts: list[str] = field(default_factory=list)
    allowed_origins: list[str] = field(default_factory=list)
    max_sessions_per_client: int = 32
    max_sessions: int = 10_000
    session_idle_timeout: float = 600.0
    stateless: bool = False
    workers: int = 1
    json_response: bool = False


def add_http_arguments(p: argparse.ArgumentParser) -> None:
    """The ``serve --http`` options (documented in docs/clients.md)."""
    g = p.add_argument_group("HTTP (with --http)")
    g.add_argument("--auth-token", metavar="TOKEN", help=f"require 'Authorization: Bearer TOKEN' (or set {TOKEN_ENV}); "
                   "required when HOST is not loopback")  # fmt: skip
    g.add_argument("--allowed-host", action="append", default=[], metavar="HOST[:PORT|:*]",
                   help="Host header to accept besides loopback and the bind address (repeatable)")  # fmt: skip
    g.add_argument("--allowed-origin", action="append", default=[], metavar="ORIGIN",
                   help="Origin header to accept besides loopback origins (repeatable)")  # fmt: skip
    g.add_argument("--max-sessions-per-client", type=int, default=32, metavar="N",
                   help="open sessions one client address may hold (default 32)")  # fmt: skip
    g.add_argument("--session-idle-timeout", type=float, default=600.0, metavar="SECONDS",
                   help="close a session idle this long (default 600)")  # fmt: skip
    g.add_argument("--stateless", action="store_true", help="no sessions: every request stands alone")
    g.add_argument("--workers", type=int, default=1, metavar="N", help="serve from N processes (needs --stateless)")
    g.add_argument("--json-response", action="store_true",
                   help="answer each POST with one JSON body instead of an SSE stream (no progress notifications)")  # fmt: skip


def options_from_args(args: argparse.Namespace) -> HttpOptions:
    host, _, port = str(args.http).rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit():
        raise InvalidInputError(f"--http expects HOST:PORT, got {args.http!r}")
    return HttpOptions(
        host=host,
        port=int(port),
        auth_token=args.auth_token or os.environ.get(TOKEN_ENV) or None,
        allowed_hosts=list(args.allowed_host),
        allowed_origins=list(args.allowed_origin),
        max_sessions_per_client=args.max_sessions_per_client,
        session_idle_timeout=args.session_idle_timeout,
        stateless=args.stateless,
        workers=args.workers,
        json_response=args.json_response,
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_options(opts: HttpOptions) -> None:
    """Refuse unsafe or impossible combinations before binding anything."""
    if not is_loopback(opts.host) and not opts.auth_token:
        raise InvalidInputError(
            f"refusing to serve HTTP on {opts.host} (not loopback) without a token",
            hint=f"pass --auth-token TOKEN or set {TOKEN_ENV}; clients then send 'Authorization: Bearer TOKEN'",
        )
    if opts.auth_token is not None and len(opts.auth_token) < 16:
        raise InvalidInputError("--auth-token must be at least 16 characters", hint="e.g. `openssl rand -hex 24`")
    if opts.workers < 1 or opts.workers > 64:
        raise InvalidInputError("--workers must be between 1 and 64")
    if opts.workers > 1 and not opts.stateless:
        raise InvalidInputError(
            "--workers > 1 needs --stateless", hint="sessions live in one process; stateless requests can go anywhere"
        )
    if opts.max_sessions_per_client < 1 or opts.session_idle_timeout <= 0:
        raise InvalidInputError("--max-sessions-per-client and --session-idle-timeout must be positive")


def security_settings(opts: HttpOptions) -> Any:
    from mcp.server.transport_security import TransportSecuritySettings

    hosts = [*LOOPBACK_HOSTS, *opts.allowed_hosts]
    origins = [*LOOPBACK_ORIGINS, *opts.allowed_origins]
    if not is_loopback(opts.host) and opts.host not in {"0.0.0.0", "::"}:
        bind = f"[{opts.host}]" if ":" in opts.host else opts.host
        hosts.append(f"{bind}:*")
        origins += [f"http://{bind}:*", f"https://{bind}:*"]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


async def _reply(send: Any, status: int, message: str, code: int, extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BearerAuth:
    """ASGI middleware: every HTTP request needs ``Authorization: Bearer <token>`` (constant-time compare)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                await _reply(send, 401, "unauthorized: send 'Authorization: Bearer <token>'", -32001,
                             ((b"www-authenticate", b'Bearer realm="semgraph"'),))  # fmt: skip
                return
        await self.app(scope, receive, send)


class SessionCap:
    """ASGI middleware: at most ``cap`` live sessions per client address; idle sessions expire."""

    def __init__(self, app: Any, cap: int, idle_timeout: float) -> None:
        self.app = app
        self.cap = cap
        self.idle = idle_timeout
        self.sessions: dict[str, dict[bytes, float]] = defaultdict(dict)
        self.refused = 0

    def _expire(self, now: float) -> None:
        for client in list(self.sessions):
            live = {sid: t for sid, t in self.sessions[client].items() if now - t < self.idle}
            if live:
                self.sessions[client] = live
            else:
                del self.sessions[client]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        sid = dict(scope.get("headers") or []).get(b"mcp-session-id")
        now = time.monotonic()
        self._expire(now)
        mine = self.sessions.get(client, {})
        if sid is not None:
            if sid in mine:
                mine[sid] = now
                if scope["method"] == "DELETE":
                    mine.pop(sid, None)
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST" and len(mine) >= self.cap:
            self.refused += 1
            await _reply(send, 429, f"too many open sessions from this client (limit {self.cap}); close one (DELETE) "
                         "or wait for idle ones to expire", -32000, ((b"retry-after", b"30"),))  # fmt: skip
            return

        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start" and message.get("status", 500) < 300:
                new = dict(message.get("headers") or []).get(b"mcp-session-id")
                if new:
                    self.sessions[client][new] = time.monotonic()
            await send(message)

        await self.app(scope, receive, watch)


def build_asgi(app: Any, opts: HttpOptions) -> Any:
    """The MCP app behind session caps and (with a token) bearer auth."""
    starlette = app.streamable_http_app(
        stateless_http=opts.stateless,
        json_response=opts.json_response,
        session_idle_timeout=None if opts.stateless else opts.session_idle_timeout,
        max_sessions=opts.max_sessions,
        transport_security=security_settings(opts),
        host=opts.host,
    )
    asgi: Any = starlette if opts.stateless else SessionCap(starlette, opts.max_sessions_per_client,
                                                            opts.session_idle_timeout)  # fmt: skip
    if opts.auth_token:
        asgi = BearerAuth(asgi, opts.auth_token)
    return asgi


def serve_http(app: Any, settings: Settings, opts: HttpOptions) -> None:
    """Run uvicorn: in this process, or (``workers > 1``) in N worker processes building the same app."""
    import uvicorn

    check_options(opts)
    common = {"host": opts.host, "port": opts.port, "log_level": "warning", "timeout_graceful_shutdown": 1}
    if opts.workers == 1:
        uvicorn.Server(uvicorn.Config(build_asgi(app, opts), **common)).run()
        return
    os.environ[_WORKER_ENV] = json.dumps(
        {
            "roots": [str(r) for r in settings.roots],
            "db_path": str(settings.db_path),
            "toolsets": list(settings.toolsets),
            "opts": asdict(opts),
        }
    )
    # a worker busy indexing (parsers hold the GIL) answers the supervisor's ping late: do not kill it for that
    uvicorn.run("semgraph.server.http:worker_app", factory=True, workers=opts.workers, timeout_worker_healthcheck=120,
                **common)  # fmt: skip


def worker_app() -> Any:
    """uvicorn factory of one ``--workers`` process: the same server, rebuilt from the parent's settings."""
    from semgraph.server.app import build_server

    spec = json.loads(os.environ[_WORKER_ENV])
    settings = Settings.build([Path(r) for r in spec["roots"]], spec["db_path"], spec["toolsets"])
    app, env = build_server(settings)
    follow_supervisor(env)
    return build_asgi(app, HttpOptions(**spec["opts"]))


def follow_supervisor(env: Any) -> None:
    """A worker's answers take their freshness from the supervisor's keeper (see ``graph.follower``)."""
    from semgraph.graph.follower import FollowerKeeper
    from semgraph.graph.jobs import IndexJobs
    from semgraph.tools._fresh import KEEPER, attach_publisher, keeper_root

    if "graph" not in env.settings.toolsets and "analysis" not in env.settings.toolsets:
        return
    jobs = env.service("graph.jobs", IndexJobs)
    keeper = FollowerKeeper(env.settings.db_path, keeper_root(env), env.guard, jobs)
    env.services[KEEPER] = keeper
    attach_publisher(env, keeper)

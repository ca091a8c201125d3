"""No orphans: worker processes die with the server, and signals stop the server at once.

Why: the indexer's parser pool runs in a forkserver's children. When the server was killed they lived
on (forkserver, workers, resource tracker), holding the client's stderr pipe open, so a client waiting
for EOF hung. Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG)``) ties each to its parent:
server -> forkserver -> workers. SIGTERM/SIGINT kill the pool's processes and exit within the moment
(the index is SQLite WAL: an interrupted run leaves the last committed state).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
from typing import Any

PR_SET_PDEATHSIG = 1


PARENT_ENV = "SEMGRAPH_POOL_PARENT"
"""Pid of the process that starts pool processes (inherited through the environment)."""


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux only; False elsewhere).

    If the parent named in ``SEMGRAPH_POOL_PARENT`` is already gone (it died before we got here), exit now.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) != 0:
            return False
    except OSError:
        return False
    expected = os.environ.get(PARENT_ENV, "")
    if expected.isdigit() and os.getppid() != int(expected):
        os._exit(1)  # our parent died between fork and prctl: nobody would ever signal us
    return True


def mark_pool_parent() -> None:
    """Called by a process before it starts pool processes: they check that we are still alive."""
    os.environ[PARENT_ENV] = str(os.getpid())


def pool_processes() -> list[int]:
    """Pids of this process's multiprocessing helpers: pool workers, the forkserver, the resource tracker."""
    pids = [p.pid for p in multiprocessing.active_children() if p.pid]
    with contextlib.suppress(Exception):
        from multiprocessing import forkserver

        pid = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
        if pid:
            pids.append(pid)
    with contextlib.suppress(Exception):
        from multiprocessing import resource_tracker

        pid = resource_tracker._resource_tracker._pid  # type: ignore[attr-defined]
        if pid:
            pids.append(pid)
    return pids


def kill_pool_processes() -> None:
    """SIGKILL every helper process and reap it (no zombies left behind)."""
    pids = pool_processes()
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.waitpid(pid, 0)


def exit_now(code: int) -> None:
    """Kill the helpers, flush stdio, and leave without waiting for worker threads (a running index)."""
    kill_pool_processes()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def install_signal_handlers() -> None:
    """SIGTERM and SIGINT (and SIGHUP) stop the server with its workers at once."""

    def handler(signum: int, _frame: Any) -> None:
        exit_now(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):  # not the main thread / not supported
            signal.signal(sig, handler)

"""Finding 3: no process outlives the server, whatever signal stops it mid-index."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.security.rawserver import RawServer, session_members


def _big_tree(root: Path, files: int = 400) -> None:
    body = "".join(f"def f{i}(x):\n    if x > {i}:\n        return f{i}(x - 1)\n    return x\n\n" for i in range(120))
    for i in range(files):
        pkg = root / f"pkg{i % 30}"
        pkg.mkdir(exist_ok=True)
        (pkg / f"mod{i}.py").write_text(body)


def _wait_for_workers(srv: RawServer, timeout: float = 60.0) -> int:
    """Wait until the parser pool is up (the session holds more than the server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        members = session_members(srv.proc.pid)
        if len(members) >= 3:
            return len(members)
        time.sleep(0.05)
    pytest.fail("the parser pool never started")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_no_orphans_after_a_signal_mid_index(tmp_path: Path, sig: signal.Signals) -> None:
    _big_tree(tmp_path)
    srv = RawServer(tmp_path)
    try:
        srv.initialize()
        srv.call("index_repository", {"path": "."})
        assert _wait_for_workers(srv) >= 3
        t0 = time.monotonic()
        srv.proc.send_signal(sig)
        srv.proc.wait(5)
        stopped = time.monotonic() - t0
        if sig != signal.SIGKILL:
            assert stopped < 2.0, f"server took {stopped:.2f} s to stop"
        deadline = time.monotonic() + 3.0
        while session_members(srv.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session_members(srv.proc.pid) == [], "orphaned processes"
    finally:
        srv.close()

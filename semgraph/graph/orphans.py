"""Parser processes never outlive the process that started them.

A server killed mid-index (SIGKILL, or SIGTERM while its pool is busy) would otherwise leave the pool's
workers waiting forever on a queue nobody writes to, and the forkserver waiting for them (it lives while any
worker holds its "alive" pipe). Each worker therefore watches the indexing process and exits when it is gone;
the forkserver then sees its pipe close and exits too.
"""

from __future__ import annotations

import gc
import os
import threading
import time

from semgraph.procguard import die_with_parent

CHECK_SECONDS = 1.0


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _watch(pid: int) -> None:
    while not _gone(pid):
        time.sleep(CHECK_SECONDS)
    os._exit(0)


def worker_init(owner_pid: int) -> None:
    """Initializer of a parser pool worker: collect cycles (the owner paused its collector), and exit when the
    owner (the indexing process, not the forkserver that forked this worker) exits."""
    die_with_parent()  # the kernel's parent-death signal: at once, when the forkserver (or a fork parent) dies
    gc.enable()
    threading.Thread(target=_watch, args=(owner_pid,), name="semgraph-owner-watch", daemon=True).start()

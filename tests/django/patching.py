"""Apply an optimizer diff the way a user would: ``patch -p1`` on a copy, then compile what it touched."""

from __future__ import annotations

import py_compile
import shutil
import subprocess
from pathlib import Path


def apply_diff(project: Path, diff: str) -> None:
    """Apply ``diff`` in ``project``; fail the test with patch's own output if a hunk does not apply."""
    done = subprocess.run(["patch", "-p1"], input=diff, text=True, cwd=project, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr


def patched_copy(source: Path, diff: str, dest: Path, changed: list[str] | tuple[str, ...] = ()) -> Path:
    """Copy ``source`` to ``dest``, apply ``diff`` there and byte-compile every file in ``changed``."""
    shutil.copytree(source, dest)
    apply_diff(dest, diff)
    for name in changed:
        py_compile.compile(str(dest / name), doraise=True)
    return dest

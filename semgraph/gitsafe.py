"""Run git on a repository without running anything the repository configures.

Why: ``.git/config`` belongs to whoever made the repository. Keys such as ``core.fsmonitor``,
``filter.<name>.clean``/``process``, ``diff.<name>.textconv``/``command``, ``core.pager`` and hooks name
programs that git would start while we only want a diff. We switch each of them off on the command line
(which wins over every config file), ignore the system config, stop repository discovery above the root,
and give git a minimal environment.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

SAFE_CONFIG: tuple[str, ...] = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.untrackedCache=false",
    "core.sshCommand=false",
    "core.gitProxy=",
    "diff.external=",
    "protocol.allow=never",
)
_PROGRAM_KEY = re.compile(r"^(filter|diff)\.(.+)\.(clean|smudge|process|textconv|command)$", re.IGNORECASE)


def git_env(root: Path) -> dict[str, str]:
    """A minimal environment: no system config, no pager, no prompts, no discovery above ``root``."""
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        GIT_CEILING_DIRECTORIES=str(Path(root).parent),
    )
    return env


def _program_overrides(root: Path, env: dict[str, str], timeout: float) -> list[str]:
    """``-c key=`` for every filter/diff driver program the repository's config names (reading runs nothing)."""
    proc = subprocess.run(
        ["git", "-C", str(root), *_flags(SAFE_CONFIG), "config", "--list", "--name-only"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )
    keys = {line.strip() for line in proc.stdout.splitlines() if _PROGRAM_KEY.match(line.strip())}
    return [f"{key}=" for key in sorted(keys)]


def _flags(settings: tuple[str, ...] | list[str]) -> list[str]:
    out: list[str] = []
    for item in settings:
        out += ["-c", item]
    return out


def run_git(root: Path, args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    """``git -C root <safe -c flags> args`` (text output); raises FileNotFoundError/TimeoutExpired like run."""
    env = git_env(root)
    overrides = _program_overrides(root, env, timeout)
    cmd = ["git", "-C", str(root), *_flags([*SAFE_CONFIG, *overrides]), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env)

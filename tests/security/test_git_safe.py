"""Finding 6: impact_analysis's git diff must not run programs named by the repository's own config."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from semgraph.gitsafe import run_git


def _hostile_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A git work tree whose .git/config points fsmonitor, a clean filter, textconv and a pager at a script."""
    root = tmp_path / "repo"
    root.mkdir()
    marker = tmp_path / "pwned"
    hook = tmp_path / "hook.sh"
    hook.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\ncat\n')
    hook.chmod(0o755)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)

    git("init", "-q")
    (root / "app.py").write_text("def handler():\n    return 1\n")
    (root / ".gitattributes").write_text("*.py filter=evil diff=evil\n")
    git("add", "-A")
    git("-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "init")
    for key, value in [
        ("core.fsmonitor", str(hook)),
        ("filter.evil.clean", str(hook)),
        ("filter.evil.process", str(hook)),
        ("diff.evil.textconv", str(hook)),
        ("diff.evil.command", str(hook)),
        ("core.pager", str(hook)),
    ]:
        git("config", key, value)
    (root / "app.py").write_text("def handler():\n    return 2\n")
    return root, marker


def test_plain_git_would_run_the_repository_program(tmp_path: Path) -> None:
    """The hostile repository is real: an unprotected ``git diff`` runs its program."""
    root, marker = _hostile_repo(tmp_path)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    subprocess.run(["git", "-C", str(root), "diff", "HEAD"], capture_output=True, env=env, check=False)
    assert marker.exists()


def test_safe_git_runs_nothing_from_the_repository(tmp_path: Path) -> None:
    root, marker = _hostile_repo(tmp_path)
    proc = run_git(
        root, ["diff", "--no-color", "--no-ext-diff", "--no-textconv", "--unified=0", "HEAD", "--"], timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    assert "+    return 2" in proc.stdout
    assert not marker.exists(), marker.read_text()


async def test_impact_analysis_on_fsmonitor_repo(tmp_path: Path) -> None:
    from tests.support import serve

    root, marker = _hostile_repo(tmp_path)
    async with serve(root) as client:
        done = await client.call_tool("index_repository", {"path": "."})
        assert done.structured_content["status"] == "completed"
        marker.unlink(missing_ok=True)  # indexing does not use git; only the diff below may
        result = await client.call_tool("impact_analysis", {"diff": "git: working-tree"})
        assert not result.is_error, result.content
        assert not marker.exists(), marker.read_text()
        names = [c["symbol"]["name"] for c in result.structured_content["changed_symbols"]]
        assert "app" in names or "handler" in names, names
        assert result.structured_content["unindexed_files"] == []


@pytest.mark.parametrize("key", ["GIT_CONFIG_NOSYSTEM", "GIT_PAGER"])
def test_environment_is_minimal(tmp_path: Path, key: str) -> None:
    from semgraph.gitsafe import git_env

    env = git_env(tmp_path)
    assert env[key] in {"1", "cat"}
    assert env["GIT_CEILING_DIRECTORIES"] == str(tmp_path.parent)

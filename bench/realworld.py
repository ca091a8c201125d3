"""Real open-source repositories for the real-world benches: a pinned checkout from a local mirror.

The benches never vendor other projects' sources. A repository is named ``owner/name`` at a pinned
commit (recorded next to its labels under ``bench/labels/``); its git directory must already be on
this machine under ``$SEMGRAPH_MIRRORS`` (default ``/work/.mirror``, laid out ``owner+name/repo``),
brought there by whatever fetches public repositories (a plain ``git clone --mirror`` works too).
``checkout`` extracts that commit once into a cache directory and returns the tree's path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

MIRRORS = Path(os.environ.get("SEMGRAPH_MIRRORS", "/work/.mirror"))
CACHE = Path(os.environ.get("SEMGRAPH_BENCH_CACHE", Path.home() / ".cache" / "semgraph-bench"))


@dataclass(frozen=True)
class Pinned:
    """One real repository at one commit."""

    repo: str  # owner/name
    commit: str  # full 40-hex commit

    @property
    def slug(self) -> str:
        return f"{self.repo.replace('/', '+')}@{self.commit[:12]}"


class MissingMirror(RuntimeError):
    """The repository's git directory is not on this machine."""


def git_dir(repo: str) -> Path:
    """The local git directory of ``owner/name`` (bare mirror or a clone's ``.git``)."""
    base = MIRRORS / repo.replace("/", "+")
    for candidate in (base / "repo", base, base / ".git"):
        if (candidate / "objects").is_dir():
            return candidate
    raise MissingMirror(f"no local mirror of {repo} under {MIRRORS}: fetch it first (git dir expected at {base}/repo)")


def checkout(pin: Pinned, cache: Path = CACHE) -> Path:
    """Extract ``pin`` once (``git archive``) and return the directory holding its tree."""
    dest = cache / pin.slug
    if (dest / ".semgraph-bench-complete").exists():
        return dest
    gd = git_dir(pin.repo)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=pin.slug + ".", dir=cache))
    try:
        absent = _absent_blobs(gd, pin.commit)
        excludes = [f":(exclude,literal){path}" for path in absent]
        archive = subprocess.run(
            ["git", "--git-dir", str(gd), "-c", "core.fsmonitor=false", "archive", "--format=tar", pin.commit]
            + (["--", ".", *excludes] if excludes else []),
            check=True,
            capture_output=True,
        ).stdout
        tar_path = tmp / ".archive.tar"
        tar_path.write_bytes(archive)
        with tarfile.open(tar_path) as tar:
            tar.extractall(tmp, filter="data")
        tar_path.unlink()
        if absent:  # the mirror lists them but holds no content (its largest files): said, not hidden
            (tmp / ".semgraph-bench-absent").write_text("".join(f"{path}\n" for path in absent))
        (tmp / ".semgraph-bench-complete").write_text(pin.commit + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _absent_blobs(gd: Path, commit: str) -> list[str]:
    """Paths of the commit whose blobs the mirror does not hold (a snapshot may list its largest files only)."""
    tree = subprocess.run(
        ["git", "--git-dir", str(gd), "ls-tree", "-r", "-z", commit], check=True, capture_output=True, text=True
    ).stdout
    entries = [line.split("\t", 1) for line in tree.split("\0") if line]
    blobs = {meta.split()[2]: path for meta, path in entries if meta.split()[1] == "blob"}
    check = subprocess.run(
        ["git", "--git-dir", str(gd), "cat-file", "--batch-check"],
        input="".join(f"{h}\n" for h in blobs),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(blobs[line.split()[0]] for line in check.splitlines() if line.endswith(" missing"))


def available(pin: Pinned) -> bool:
    """True when the mirror is present (benches skip a repository with a message otherwise)."""
    try:
        git_dir(pin.repo)
    except MissingMirror:
        return False
    return True

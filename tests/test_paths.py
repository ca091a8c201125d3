"""PathGuard: the one place that decides whether a path may be touched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from semgraph.errors import InvalidInputError, NotFoundError, PathAccessError
from semgraph.paths import PathGuard


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    (root / "src").mkdir(parents=True)
    outside.mkdir()
    (root / "src" / "a.py").write_text("x = 1\n")
    (outside / "secret.txt").write_text("s3cret\n")
    return root, outside


def test_relative_paths_are_taken_from_the_first_root(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    guard = PathGuard([root])
    assert guard.resolve("src/a.py", kind="file") == root / "src" / "a.py"
    assert guard.resolve(".", kind="dir") == root
    assert guard.relative(root / "src" / "a.py") == "src/a.py"


@pytest.mark.parametrize("path", ["../outside/secret.txt", "src/../../outside/secret.txt"])
def test_dotdot_escape_is_refused(tree: tuple[Path, Path], path: str) -> None:
    root, _ = tree
    with pytest.raises(PathAccessError, match="outside the allowed roots"):
        PathGuard([root]).resolve(path)


def test_absolute_path_outside_is_refused_and_inside_is_accepted(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    guard = PathGuard([root])
    with pytest.raises(PathAccessError):
        guard.resolve(str(outside / "secret.txt"))
    assert guard.resolve(str(root / "src" / "a.py")) == root / "src" / "a.py"


def test_symlink_pointing_out_is_refused(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    os.symlink(outside / "secret.txt", root / "link.txt")
    os.symlink(outside, root / "linkdir")
    guard = PathGuard([root])
    with pytest.raises(PathAccessError):
        guard.resolve("link.txt")
    with pytest.raises(PathAccessError):
        guard.resolve("linkdir/secret.txt")
    assert not guard.is_safe_member(root / "link.txt")
    assert guard.is_safe_member(root / "src" / "a.py")


def test_second_root_is_allowed(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    guard = PathGuard([root, outside])
    assert guard.resolve(str(outside / "secret.txt")) == outside / "secret.txt"


def test_missing_and_wrong_kind(tree: tuple[Path, Path]) -> None:
    root, _ = tree
    guard = PathGuard([root])
    with pytest.raises(NotFoundError, match="does not exist"):
        guard.resolve("nope.py")
    with pytest.raises(InvalidInputError, match="not a directory"):
        guard.resolve("src/a.py", kind="dir")
    with pytest.raises(InvalidInputError, match="not a file"):
        guard.resolve("src", kind="file")
    with pytest.raises(InvalidInputError):
        guard.resolve("bad\x00name")


def test_resolve_for_write(tree: tuple[Path, Path]) -> None:
    root, outside = tree
    guard = PathGuard([root])
    assert guard.resolve_for_write("gen/new/file.rs") == root / "gen" / "new" / "file.rs"
    with pytest.raises(PathAccessError):
        guard.resolve_for_write("../outside/file.rs")
    os.symlink(outside, root / "out")
    with pytest.raises(PathAccessError):
        guard.resolve_for_write("out/new.rs")

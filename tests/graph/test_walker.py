"""walker: which files get indexed and why the others are skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from semgraph.errors import InvalidInputError
from semgraph.graph.walker import walk
from semgraph.paths import PathGuard
from tests.graph.graphhelp import write_tree


def rels(result) -> list[str]:
    return [f.rel for f in result.files]


def test_gitignore_at_every_level_semgraphignore_and_vendored_dirs(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitignore": "*.gen.py\nsecret/\n",
            ".semgraphignore": "scripts/\n",
            "app/main.py": "x = 1\n",
            "app/models.gen.py": "x = 1\n",
            "app/.gitignore": "local.py\n!keep.gen.py\n",
            "app/local.py": "x = 1\n",
            "app/keep.gen.py": "x = 1\n",
            "secret/a.py": "x = 1\n",
            "scripts/run.py": "x = 1\n",
            "node_modules/lib/index.js": "x\n",
            "target/debug/build.rs": "fn main() {}\n",
            ".venv/lib/site.py": "x = 1\n",
            "src/lib.rs": "fn a() {}\n",
            "docs/readme.md": "# hi\n",
        },
    )
    result = walk(tmp_path, PathGuard([tmp_path]))
    assert rels(result) == ["app/keep.gen.py", "app/main.py", "src/lib.rs"]
    # ignored: models.gen.py, local.py, secret/, scripts/; unknown: the two .gitignore, .semgraphignore, readme.md
    assert dict(result.skipped) == {"ignored": 4, "vendored_or_build_dir": 3, "unknown_language": 4}
    assert ("secret/", "ignored") in result.examples
    assert ("node_modules/", "vendored_or_build_dir") in result.examples


def test_a_build_output_name_that_is_a_python_package_is_indexed(tmp_path: Path) -> None:
    # kensan914/otapick keeps its Django views in a package named dist/ (`import dist.views`)
    write_tree(
        tmp_path,
        {
            "dist/__init__.py": "",
            "dist/views.py": "def index(request):\n    return None\n",
            "build/lib/pkg/__init__.py": "x = 1\n",  # setuptools output: build/ itself is no package
            "frontend/dist/bundle.js": "var a = 1;\n",
        },
    )
    result = walk(tmp_path, PathGuard([tmp_path]))
    assert rels(result) == ["dist/__init__.py", "dist/views.py"]
    assert dict(result.skipped) == {"vendored_or_build_dir": 2}


def test_size_limit_languages_and_exclude(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "a.py": "x = 1\n",
            "big.py": "x = 1\n" * 400,
            "b.rs": "fn b() {}\n",
            "web/c.ts": "let c = 1;\n",
            "web/d.tsx": "let d = 1;\n",
            "tests/test_a.py": "x = 1\n",
        },
    )
    guard = PathGuard([tmp_path])
    result = walk(tmp_path, guard, max_file_bytes=1000)
    assert rels(result) == ["a.py", "b.rs", "tests/test_a.py", "web/c.ts", "web/d.tsx"]
    assert result.skipped["too_large"] == 1
    result = walk(tmp_path, guard, languages=["typescript"])
    assert rels(result) == ["web/c.ts", "web/d.tsx"]
    assert result.skipped["language_filtered"] == 4
    result = walk(tmp_path, guard, exclude=["tests/", "*.rs"])
    assert rels(result) == ["a.py", "big.py", "web/c.ts", "web/d.tsx"]
    assert result.skipped["excluded"] == 2
    with pytest.raises(InvalidInputError, match="unknown language"):
        walk(tmp_path, guard, languages=["cobol"])


def test_symlink_escaping_the_root_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    write_tree(root, {"a.py": "x = 1\n"})
    write_tree(outside, {"secret.py": "KEY = 1\n", "pkg/b.py": "y = 1\n"})
    os.symlink(outside / "secret.py", root / "leak.py")
    os.symlink(outside / "pkg", root / "pkgdir")
    os.symlink(root / "a.py", root / "alias.py")  # inside the root: fine
    result = walk(root, PathGuard([root]))
    assert rels(result) == ["a.py", "alias.py"]
    assert result.skipped["symlink_outside_root"] == 2


def test_file_names_that_are_not_utf8_are_skipped(tmp_path: Path) -> None:
    os.makedirs(os.path.join(os.fsencode(tmp_path), b"pkg"))
    with open(os.path.join(os.fsencode(tmp_path), b"pkg", b"caf\xe9.py"), "wb") as fh:
        fh.write(b"x = 1\n")
    write_tree(tmp_path, {"pkg/ok.py": "x = 1\n", "pkg/caf\u00e9s.py": "y = 2\n"})
    result = walk(tmp_path, PathGuard([tmp_path]))
    assert rels(result) == ["pkg/caf\u00e9s.py", "pkg/ok.py"]
    assert dict(result.skipped) == {"undecodable_name": 1}
    assert result.examples == [("pkg/caf?.py", "undecodable_name")]

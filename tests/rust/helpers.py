"""Shared helpers for the rust toolset tests: fixture paths, parsing, rustfmt in one batch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from semgraph.rust.generator import GeneratedFile
from semgraph.rust.project import SourceFile, parse_path, parse_sources
from semgraph.rust.rustfmt import check_files
from semgraph.rust.spec import DieselSpec, ParseResult
from tests.support import FIXTURES

DIESEL = FIXTURES / "diesel"
PATTERNS = DIESEL / "patterns"
MALFORMED = DIESEL / "malformed"
PATTERN_NAMES = sorted(p.stem for p in PATTERNS.glob("*.rs"))


def parse_fixture(path: Path) -> ParseResult:
    return parse_path(path, display=lambda p: p.relative_to(DIESEL).as_posix())


def dump(spec: DieselSpec) -> dict[str, Any]:
    return spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def parse_generated(files: list[GeneratedFile]) -> ParseResult:
    return parse_sources([SourceFile(f.path, f.content.encode()) for f in files])


def write_tree(files: list[GeneratedFile], root: Path) -> list[Path]:
    out = []
    for f in files:
        p = root / f.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f.content, encoding="utf-8")
        out.append(p)
    return out


def require_rustfmt() -> None:
    """Skip when rustfmt is absent, except in CI (SEMGRAPH_REQUIRE_SERVICES=1) where it must be there."""
    if shutil.which("rustfmt") is None:
        if os.environ.get("SEMGRAPH_REQUIRE_SERVICES") == "1":
            pytest.fail("rustfmt is required (SEMGRAPH_REQUIRE_SERVICES=1) but not installed")
        pytest.skip("rustfmt is not installed")


def assert_rustfmt_clean(paths: list[Path]) -> None:
    """One rustfmt --check call over every path; the diff is the failure message."""
    require_rustfmt()
    ok, output = check_files([str(p) for p in paths])
    assert ok, output[:5000]

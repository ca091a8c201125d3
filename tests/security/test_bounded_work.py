"""Finding 10: bounded work on hostile input (minified bundles, giant specs, huge exclude lists)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from semgraph.analysis.codebase import open_codebase
from semgraph.analysis.patterns import detect_architectural_patterns
from semgraph.errors import InvalidInputError
from semgraph.graph import minified
from semgraph.graph.indexer import index_repository
from semgraph.graph.walker import walk
from semgraph.paths import PathGuard
from semgraph.rust.spec import DieselSpec


def _bundle(root: Path, target_bytes: int = 300_000) -> None:
    parts, n = [], 0
    while sum(map(len, parts)) < target_bytes:
        parts.append(f"function f{n}(a,b){{var c=a+b;for(var i=0;i<b;i++){{c+=g{n}(i)}}return new Svc{n % 7}(c)}}"
                     f"function g{n}(x){{return x*2}}")  # fmt: skip
        n += 1
    (root / "app.min.js").write_text("".join(parts))
    (root / "ok.js").write_text("function ok(a) {\n  return a + 1;\n}\n")


def test_minified_bundle_is_skipped_with_a_reason(tmp_path: Path) -> None:
    root = tmp_path / "src"
    root.mkdir()
    _bundle(root)
    report = index_repository(root, tmp_path / "i.db", PathGuard([root]), workers=1)
    assert report.skipped == {"minified": 1}
    (path, reason), = report.skipped_examples  # fmt: skip
    assert path == "app.min.js" and "lines longer than 1,000 characters" in reason
    assert report.files_parsed == 1


def test_long_literal_in_normal_file_is_kept() -> None:
    normal = b"".join(b"def f%d():\n    return %d\n" % (i, i) for i in range(3000))
    assert minified.minified_reason(normal + b"KEY = '" + b"x" * 5000 + b"'\n") is None
    assert minified.minified_reason(b"x" * 30_000) is not None


def test_analyses_see_bounded_spans_even_when_detection_misses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With detection off, each symbol's text is its own columns, not the whole shared line."""
    monkeypatch.setattr(minified, "MIN_BYTES", 10**12)
    _bundle(tmp_path, 120_000)
    index_repository(tmp_path, tmp_path / "i.db", PathGuard([tmp_path]), workers=1)
    cb = open_codebase(tmp_path / "i.db")
    texts = [cb.text_of(s.id) for s in cb.symbols.values() if s.path == "app.min.js" and s.kind == "function"]
    assert len(texts) > 1000
    assert max(map(len, texts)) < 200
    assert texts[0].startswith("function f0(a,b)")
    detect_architectural_patterns(cb)  # finishes (quadratic before: 96 s on 900 KB)


def test_size_caps_on_specs_and_excludes(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at most 2000"):
        DieselSpec.model_validate({"entities": [{"name": f"E{i}", "table": f"t{i}"} for i in range(2001)]})
    with pytest.raises(InvalidInputError, match="at most 1000 globs"):
        walk(tmp_path, PathGuard([tmp_path]), exclude=[f"f{i}.py" for i in range(1001)])

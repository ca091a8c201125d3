"""Broken or vanished sources never break an analysis: the rest of the project is still analysed."""

from __future__ import annotations

from pathlib import Path

from semgraph.analysis.codebase import invalidate, open_codebase
from semgraph.analysis.crosslang import find_cross_language_links
from semgraph.analysis.patterns import detect_architectural_patterns
from semgraph.analysis.quality import assess_code_quality
from semgraph.analysis.workflows import detect_business_workflows
from tests.analysis.helpers import index_tree

FILES = {
    "app/routes.py": (
        "from flask import Blueprint\n"
        "from werkzeug.security import generate_password_hash\n\n"
        "bp = Blueprint('a', __name__)\n\n\n"
        "@bp.post('/register')\n"
        "def register():\n"
        "    db.session.add(dict(pw=generate_password_hash('x')))\n"
    ),
    "app/broken.py": "def half(:\n    return (\n\n@bp.get('/x')\ndef fine():\n    return 1\n",
    "app/binary_like.py": "x = '\\x00'\n",
}


def test_syntax_errors_and_missing_files(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    cb = index_tree(root, FILES)
    assert [(w.type, w.entry_points[0].path) for w in detect_business_workflows(cb)] == [
        ("user_registration", "/register")
    ]
    # the intact route after the syntax error in broken.py is still an entry point
    assert [e.path for wf in detect_business_workflows(cb, min_confidence=0.0) for e in wf.entry_points] == [
        "/register",
        "/x",
    ]
    assert assess_code_quality(cb).summary["files"] == 3
    assert detect_architectural_patterns(cb).patterns == []
    # the file vanishes after indexing: analyses read nothing from it and still answer
    (root / "app" / "routes.py").unlink()
    invalidate(root.parent / "proj.db")
    cb = open_codebase(root.parent / "proj.db")
    wfs = detect_business_workflows(cb, min_confidence=0.0)
    assert sorted((w.type, w.entry_points[0].path) for w in wfs) == [("custom", "/register"), ("custom", "/x")]
    assert find_cross_language_links(cb, None, store_edges=False) == ([], 0)
    after = assess_code_quality(cb)  # the index still lists the vanished file's symbols; none yields a finding
    assert (after.findings_total, after.summary["files"], after.summary["functions"]) == (0, 3, 3)

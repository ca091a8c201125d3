"""``bench/serena.py`` compares like with like: the questions come from the source, answers are normalised.

The bench itself needs Serena and pyright in their own venv and minutes of time; these checks cover the parts
that decide whether its agreement figures mean anything (no server is started here).
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.serena import (
    module_of,
    pick_questions,
    semgraph_lookup,
    semgraph_overview,
    semgraph_refs,
    serena_lookup,
    serena_overview,
    serena_refs,
)


def test_questions_come_from_library_code(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "tests").mkdir(parents=True)
    (pkg / "__init__.py").write_text("def top():\n    pass\n")
    (pkg / "mod.py").write_text(
        "class A:\n    def __init__(self):\n        pass\n\n    def m(self):\n        def inner():\n            pass\n"
        "\n\nif True:\n    def twice():\n        pass\nelse:\n    def twice():\n        pass\n\n\ndef f():\n    pass\n"
    )
    (pkg / "tests" / "test_x.py").write_text("def test_it():\n    pass\n")
    qs = pick_questions(tmp_path, 2, seed=1)
    names = {qs.warmup, *qs.lookup}
    assert names <= {"top", "m", "f"}  # no dunder, nested, test or conditionally defined function
    assert {(d.path, d.name_path) for d in qs.refs} <= {
        ("pkg/__init__.py", "top"),
        ("pkg/mod.py", "A/m"),
        ("pkg/mod.py", "f"),
    }
    assert all(not p.startswith("pkg/tests") for p in qs.overview)
    assert {d.qualified_name for d in qs.refs} <= {"pkg.top", "pkg.mod.A.m", "pkg.mod.f"}


def test_module_of() -> None:
    assert module_of("networkx/classes/graph.py") == "networkx.classes.graph"
    assert module_of("networkx/classes/__init__.py") == "networkx.classes"


def test_lookup_answers_normalised_alike() -> None:
    serena = json.dumps(
        [
            {"name_path": "Graph/add_node", "kind": "Method", "relative_path": "nx/graph.py", "body_location": {"start_line": 533}},
            {"name_path": "helper/add_node", "kind": "Variable", "relative_path": "nx/util.py", "body_location": {"start_line": 9}},
        ]
    )  # fmt: skip
    semgraph = {
        "hits": [
            {"name": "add_node", "kind": "method", "qualified_name": "nx.graph.Graph.add_node", "path": "nx/graph.py", "line": 535},
            {"name": "add_nodes_from", "kind": "method", "qualified_name": "nx.graph.Graph.add_nodes_from", "path": "nx/graph.py", "line": 600},
        ]
    }  # fmt: skip
    assert (
        serena_lookup(serena, "add_node")
        == semgraph_lookup(semgraph, "add_node")
        == {("nx/graph.py", "Graph.add_node")}
    )
    assert serena_lookup("Error: no such symbol", "add_node") == set()


def test_refs_and_overview_normalised_alike() -> None:
    serena = json.dumps(
        {
            "nx/algo.py": {
                "Function": [{"name_path": "walk"}],
                "Variable": [{"name_path": "ALIAS"}, {"name_path": "helper/result"}],
            },
            "nx/graph.py": {"Method": [{"name_path": "Graph/copy"}]},
        }
    )
    semgraph = {
        "root": {"id": 1},
        "nodes": [
            {"id": 1, "kind": "method", "path": "nx/graph.py", "qualified_name": "nx.graph.Graph.add_node"},
            {"id": 2, "kind": "function", "path": "nx/algo.py", "qualified_name": "nx.algo.walk"},
            {"id": 3, "kind": "method", "path": "nx/graph.py", "qualified_name": "nx.graph.Graph.copy"},
            {"id": 4, "kind": "function", "path": "nx/algo.py", "qualified_name": "nx.algo.helper"},
        ],
    }
    # a module-level variable is no caller; a local variable (helper/result = X()) stands for its function
    expected = {("nx/algo.py", "walk"), ("nx/algo.py", "helper"), ("nx/graph.py", "Graph.copy")}
    assert serena_refs(serena) == semgraph_refs(semgraph) == expected
    overview = json.dumps({"Variable": ["__all__"], "Class": ["Graph"], "Function": ["f"]})
    children = {"children": [{"name": "__all__"}, {"name": "Graph"}, {"name": "f"}]}
    assert serena_overview(overview) == semgraph_overview(children) == {"__all__", "Graph", "f"}

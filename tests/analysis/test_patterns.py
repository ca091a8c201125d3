"""Patterns on the labelled apps: exactly the labelled instances, no decoy, exact layering violations."""

from __future__ import annotations

import pytest
import yaml

from semgraph.analysis.codebase import Codebase, norm_qualified
from semgraph.analysis.patterns import detect_architectural_patterns
from semgraph.errors import InvalidInputError
from tests.support import FIXTURES

APPS = ("flask_shop", "django_billing", "actix_store", "express_api", "axum_accounts", "nest_shop", "py_ledger")


def _match(qualified: str, label: str) -> bool:
    q, lab = norm_qualified(qualified), norm_qualified(label)
    return q == lab or q.endswith("." + lab)


@pytest.mark.parametrize("app", APPS)
def test_instances_are_exactly_the_labels(apps: dict[str, Codebase], app: str) -> None:
    labels = yaml.safe_load((FIXTURES / "eval" / app / "patterns.yaml").read_text())
    report = detect_architectural_patterns(apps[app])
    found = [(p.kind, p.symbols[0]) for p in report.patterns if p.kind != "layering"]
    expected = [(p["kind"], p["symbol"]) for p in labels["patterns"]]
    assert len(found) == len(expected)
    for kind, symbol in expected:
        assert any(k == kind and _match(s, symbol) for k, s in found), (kind, symbol)
    for decoy in labels["decoys"]:
        assert not any(k == decoy["kind"] and _match(s, decoy["symbol"]) for k, s in found), decoy
    violations = [v.symbol for v in report.layering_violations]
    assert len(violations) == len(labels["layering_violations"])
    for v in labels["layering_violations"]:
        assert any(_match(s, v) for s in violations), v
    assert all(p.evidence and 0.5 <= p.confidence <= 1.0 for p in report.patterns)


def test_layering_summary_and_reason(apps: dict[str, Codebase]) -> None:
    report = detect_architectural_patterns(apps["flask_shop"], ["layering"])
    assert report.layers == {"controllers": 15, "services": 4, "repositories": 3}
    (layering,) = report.patterns
    assert layering.evidence == [
        "15 controllers (entry points), 4 services, 3 repositories",
        "2 controllers reach the database directly",
    ]
    device = next(v for v in report.layering_violations if v.symbol.endswith("register_device"))
    assert device.location == "shop/routes.py:97"
    assert device.reason == "controller accesses the database directly (persist: calls db.session.add)"


def test_builder_observer_strategy_evidence(apps: dict[str, Codebase]) -> None:
    report = detect_architectural_patterns(apps["express_api"], ["builder", "observer", "strategy"])
    by_kind = {p.kind: p for p in report.patterns}
    assert by_kind["builder"].evidence == [
        "3 methods return self for chaining (from, where, orderBy)",
        "build produces the result",
    ]
    assert by_kind["observer"].evidence == ["subscribe stores handlers", "publish calls every stored handler"]
    assert by_kind["strategy"].evidence[0] == "2 implementations: ExpressShipping, StandardShipping"


def test_unknown_kind_is_an_error(apps: dict[str, Codebase]) -> None:
    with pytest.raises(InvalidInputError, match="unknown pattern kind"):
        detect_architectural_patterns(apps["flask_shop"], ["mvc2"])


def test_repository_subclasses_and_services_with_rules(tmp_path) -> None:
    from tests.analysis.helpers import index_tree

    cb = index_tree(
        tmp_path / "shop",
        {
            "shop/repos.py": (
                "class BaseRepository:\n"
                "    def __init__(self, session):\n"
                "        self.session = session\n\n"
                "    def get(self, model, pk):\n"
                "        return self.session.get(model, pk)\n\n"
                "    def add(self, obj):\n"
                "        self.session.add(obj)\n\n\n"
                "class UserRepository(BaseRepository):\n"
                "    def by_email(self, email):\n"
                "        return self.session.query(User).filter_by(email=email).first()\n"
            ),
            "shop/db.py": (
                "from contextlib import contextmanager\n\n\n"
                "@contextmanager\n"
                "def session_scope(session):\n"
                "    yield session\n"
                "    session.commit()\n"
            ),
            "shop/services.py": (
                "from shop.repos import UserRepository\n\n\n"
                "class Accounts:\n"
                "    def __init__(self, session):\n"
                "        self.session = session\n\n"
                "    def rename(self, email, name):\n"
                "        if not name:\n"
                "            raise ValueError('name required')\n"
                "        user = self.session.query(User).filter_by(email=email).first()\n"
                "        user.name = name\n"
                "        self.session.add(user)\n\n"
                "    def close(self, email):\n"
                "        self.session.query(User).filter_by(email=email).delete()\n"
            ),
            "shop/routes.py": (
                "from flask import Blueprint\n\n"
                "from shop.db import session_scope\n"
                "from shop.services import Accounts\n\n"
                "bp = Blueprint('a', __name__)\n\n\n"
                "@bp.post('/rename')\n"
                "def rename():\n"
                "    with session_scope(SESSION) as s:\n"
                "        Accounts(s).rename('a@b.c', 'n')\n"
            ),
        },
    )
    report = detect_architectural_patterns(cb, ["repository", "service_layer"])
    assert sorted((p.kind, p.symbols[0], p.evidence[0]) for p in report.patterns) == [
        ("repository", "shop.repos.BaseRepository", "2 of 2 methods access the database (lookup, persist)"),
        ("repository", "shop.repos.UserRepository", "extends repository BaseRepository"),
        ("service_layer", "shop.services.Accounts", "called by controller rename"),
    ]

"""Workflows on the labelled apps: exact types, ordered steps, rules, errors, merge, ids."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from semgraph.analysis.codebase import Codebase, norm_qualified
from semgraph.analysis.facts import negate
from semgraph.analysis.workflows import all_workflows, detect_business_workflows
from semgraph.errors import InvalidInputError, NotFoundError
from tests.analysis.helpers import index_tree
from tests.support import FIXTURES

APPS = (
    "flask_shop",
    "django_billing",
    "actix_store",
    "express_api",
    "fastapi_store",
    "axum_accounts",
    "nest_shop",
    "py_ledger",
)


def _match(qualified: str, label: str) -> bool:
    q, lab = norm_qualified(qualified), norm_qualified(label)
    return q == lab or q.endswith("." + lab)


def _labels(app: str) -> dict:
    return yaml.safe_load((FIXTURES / "eval" / app / "workflows.yaml").read_text())


@pytest.mark.parametrize("app", APPS)
def test_types_are_exactly_the_labels(apps: dict[str, Codebase], app: str) -> None:
    labels = _labels(app)
    detected = {
        (e.handler, wf.type)
        for wf in detect_business_workflows(apps[app])
        for e in wf.entry_points
        if wf.type != "custom"
    }
    expected = {lab["entry"]: lab["type"] for lab in labels["workflows"] if lab["type"] != "custom"}
    got = {}
    for handler, wtype in detected:
        label = next((lab for lab in expected if _match(handler, lab)), None)
        assert label is not None, f"unlabelled workflow {handler} ({wtype})"
        got[label] = wtype
    assert got == expected
    for bad in labels["not_workflows"]:
        assert not any(_match(h, bad) for h, _ in detected), bad


@pytest.mark.parametrize("app", APPS)
def test_labelled_steps_appear_in_order(apps: dict[str, Codebase], app: str) -> None:
    wfs = detect_business_workflows(apps[app], min_confidence=0.0)
    for lab in _labels(app)["workflows"]:
        wf = next(w for w in wfs if any(_match(e.handler, lab["entry"]) for e in w.entry_points))
        symbols = [s.symbol for s in wf.steps]
        positions = [next(i for i, s in enumerate(symbols) if _match(s, step)) for step in lab["steps"]]
        assert positions == sorted(positions), (lab["entry"], symbols)


def test_registration_rules_errors_and_exit_in_rust(apps: dict[str, Codebase]) -> None:
    (wf,) = detect_business_workflows(apps["actix_store"], entry_points=["POST /register"])
    assert wf.type == "user_registration" and wf.confidence == 0.9
    assert [r.rule for r in wf.business_rules] == [
        "users.find_by_email(email)?.is_none()",
        "email.contains('@')",
        "password length ≥ 12",
    ]
    assert [(e.kind, e.error, e.message, e.location) for e in wf.error_scenarios] == [
        ("err", "ApiError::Conflict", "email taken", "src/services/accounts.rs:30"),
        ("err", "ApiError::Validation", "invalid email", "src/services/accounts.rs:17"),
        ("err", "ApiError::Validation", "password too short", "src/services/accounts.rs:20"),
    ]
    assert wf.exit_points == ["success Created at src/handlers/auth.rs:18"]
    roles = {s.symbol.split("::")[-1]: s.role for s in wf.steps}
    assert roles["find_by_email"] == "duplicate_check"
    assert roles["insert"] == "persist"


def test_http_errors_and_mermaid(apps: dict[str, Codebase]) -> None:
    (wf,) = detect_business_workflows(apps["flask_shop"], entry_points=["GET /reports/sales"])
    assert wf.mermaid == "\n".join(
        [
            "flowchart TD",
            '    S1["1. routes.sales<br/>entry"]',
            '    S2["2. reports.sales_report<br/>render_output"]',
            "    S1 --> S2",
            '    S3["3. OrderRepository.sales_by_day<br/>aggregate"]',
            "    S2 --> S3",
        ]
    )
    (get,) = detect_business_workflows(apps["flask_shop"], entry_points=["routes.get_product"])
    assert [(e.error, e.status, e.location) for e in get.error_scenarios] == [("HTTP 404", 404, "shop/routes.py:71")]
    (login,) = detect_business_workflows(apps["express_api"], entry_points=["POST /api/auth/login"])
    assert [(e.error, e.message) for e in login.error_scenarios] == [
        ("HTTP 401", "invalid credentials"),
        ("AuthError", "invalid credentials"),
    ]


def test_decoys_by_name_are_classified_by_behaviour(apps: dict[str, Codebase]) -> None:
    every = {e.handler.split(".")[-1]: wf for wf in all_workflows(apps["flask_shop"]) for e in wf.entry_points}
    assert every["register_device"].type == "crud"
    assert every["login_banner"].type == "custom" and every["login_banner"].confidence == 0.3
    assert "login_banner" not in {
        e.handler.split(".")[-1] for wf in detect_business_workflows(apps["flask_shop"]) for e in wf.entry_points
    }


def test_overlapping_workflows_are_merged(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "app",
        {
            "app/routes.py": (
                "from flask import Blueprint\n"
                "from werkzeug.security import generate_password_hash\n"
                "from app.db import db\n\n"
                "bp = Blueprint('a', __name__)\n\n\n"
                "def create_user(email, password):\n"
                "    db.session.add(dict(email=email, pw=generate_password_hash(password)))\n\n\n"
                "@bp.post('/signup')\n"
                "def signup():\n"
                "    return create_user('a', 'b')\n\n\n"
                "@bp.post('/register')\n"
                "def register():\n"
                "    return create_user('a', 'b')\n"
            ),
            "app/db.py": "db = None\n",
        },
    )
    wfs = detect_business_workflows(cb)
    assert [(w.type, [e.path for e in w.entry_points]) for w in wfs] == [
        ("user_registration", ["/signup", "/register"])
    ]


def test_background_task_is_a_step(apps: dict[str, Codebase]) -> None:
    (wf,) = detect_business_workflows(apps["fastapi_store"], entry_points=["POST /purchases"])
    assert [(s.symbol.split(".")[-1], s.role) for s in wf.steps] == [
        ("buy", "entry"),
        ("capture", "charge_payment"),
        ("send_receipt", "send_notification"),
        ("deliver", "send_notification"),
    ]


def test_enum_status_and_passlib(apps: dict[str, Codebase]) -> None:
    cb = apps["fastapi_store"]
    (ship,) = detect_business_workflows(cb, entry_points=["POST /purchases/{purchase_id}/ship"])
    assert (ship.type, ship.evidence[0]) == (
        "order_fulfilment",
        'update_status: ship sets status "SHIPPED" at line 56',
    )
    (login,) = detect_business_workflows(cb, entry_points=["store.routers.accounts.issue_token"])
    assert login.type == "authentication"
    assert login.evidence[0] == "verify_secret: check_secret calls pwd_context.verify"


def test_argon2_and_sql_strings_in_rust(apps: dict[str, Codebase]) -> None:
    every = {e.handler: wf for wf in detect_business_workflows(apps["axum_accounts"]) for e in wf.entry_points}
    signup = every["axum_accounts::auth::signup"]
    assert signup.evidence[:2] == [
        "hash_secret: signup calls Argon2::default().hash_password",
        "persist: signup SQL INSERT at line 39",
    ]
    assert [s.symbol for s in signup.steps] == [
        "axum_accounts::auth::signup",
        "axum_accounts::mail::send",
    ]  # tokio::spawn(send(...))
    assert [r.rule for r in signup.business_rules] == ["body.password length ≥ 12", "taken.is_none()"]
    assert (
        every["axum_accounts::auth::login"].evidence[0]
        == "verify_secret: login calls Argon2::default().verify_password"
    )
    assert every["axum_accounts::orders::ship"].evidence[0] == 'update_status: ship sets status "shipped" at line 28'


def test_filters_and_errors(apps: dict[str, Codebase]) -> None:
    cb = apps["express_api"]
    assert [w.type for w in detect_business_workflows(cb, types=["crud"])] == ["crud", "crud", "crud"]
    with pytest.raises(InvalidInputError, match="unknown workflow type"):
        detect_business_workflows(cb, types=["heist"])
    with pytest.raises(NotFoundError, match="no entry point matches"):
        detect_business_workflows(cb, entry_points=["DELETE /nowhere"])


@pytest.mark.parametrize(
    ("condition", "rule"),
    [
        ("len(password) < 8", "password length ≥ 8"),
        ("password.len() < 12", "password length ≥ 12"),
        ("password.length < 8", "password length ≥ 8"),
        ('"@" not in email', '"@" in email'),
        ("user is None or not verify(user, pw)", "user is not None and verify(user, pw)"),
        ("!email.includes('@')", "email.includes('@')"),
        ("amount <= 0", "amount > 0"),
        ("order.status != 'paid'", "order.status = 'paid'"),
        ("not items", "items is present"),
        ("existing", "existing is empty or absent"),
        ("User.objects.filter(email=email).exists()", "no User.objects.filter(email=email) exists"),
    ],
)
def test_guard_conditions_become_rules(condition: str, rule: str) -> None:
    assert negate(condition) == rule


def test_rules_declared_on_request_models(apps: dict[str, Codebase]) -> None:
    (wf,) = detect_business_workflows(apps["fastapi_store"], entry_points=["POST /accounts/signup"])
    assert [(r.rule, r.location, r.on_violation) for r in wf.business_rules] == [
        ("email is a valid e-mail address", "store/routers/accounts.py:15", "HTTP 422 (request validation)"),
        ("password length ≥ 10", "store/routers/accounts.py:16", "HTTP 422 (request validation)"),
        ("existing is None", "store/routers/accounts.py:22", "HTTPException 409: email already registered"),
    ]


def test_declared_field_types_steer_resolution(apps: dict[str, Codebase]) -> None:
    cb = apps["nest_shop"]
    find = next(s for s in cb.symbols.values() if s.qualified_name.endswith("ProductsService.find"))
    # this.products is a TypeORM Repository<Product>: findOne is data access, not ProductsController.findOne
    assert [(c.target, c.dst) for c in cb.calls[find.id]] == [("this.products.findOne", None)]
    assert cb.receiver_type(find.id, "this.products") == "Repository"
    every = {e.handler.rsplit(".", 1)[-1]: wf for wf in detect_business_workflows(cb) for e in wf.entry_points}
    assert every["remove"].evidence[0].startswith("delete: remove calls this.products.delete on a database handle")
    assert every["importCsv"].evidence[0] == "parse_input: importCsv calls parse from csv-parse/sync"


def test_multi_table_business_operation_is_not_crud(apps: dict[str, Codebase]) -> None:
    (transfer,) = detect_business_workflows(apps["py_ledger"], entry_points=["ledger.cli.cmd_transfer"])
    assert (transfer.type, transfer.confidence) == ("custom", 0.6)
    assert transfer.evidence == ["writes 2 tables (accounts, entries) under 2 business rules"]
    assert [r.rule for r in transfer.business_rules] == ["amount > 0", "src[2] ≥ amount + fee"]

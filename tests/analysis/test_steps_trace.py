"""analyze_workflow_step and trace_workflow on the labelled apps: exact data, risks and paths."""

from __future__ import annotations

import pytest

from semgraph.analysis.codebase import Codebase
from semgraph.analysis.steps import analyze_workflow_step
from semgraph.analysis.tracing import trace_workflow
from semgraph.analysis.workflows import detect_business_workflows
from semgraph.errors import InvalidInputError, NotFoundError


def _wf(cb: Codebase, entry: str):
    (wf,) = detect_business_workflows(cb, entry_points=[entry])
    return wf


def test_rust_fulfilment_steps_data_and_risks(apps: dict[str, Codebase]) -> None:
    cb = apps["actix_store"]
    wf = _wf(cb, "POST /orders/{id}/fulfil")
    rows = []
    for n in range(1, len(wf.steps) + 1):
        a = analyze_workflow_step(cb, wf.id, n)
        rows.append(
            (
                a.step.symbol,
                [(d.entity, d.access, d.line) for d in a.data],
                [(r.kind, r.location) for r in a.risks],
            )
        )
    assert rows == [
        (
            "actix_store::handlers::orders::fulfil_order",
            [],
            [("no_transaction_around_writes", "src/handlers/orders.rs:31")],
        ),
        ("actix_store::db::conn", [], [("unwrap_on_request_path", "src/db.rs:19")]),
        ("actix_store::db::pool", [], [("unwrap_on_request_path", "src/db.rs:14")]),
        ("actix_store::repo::OrderRepository::find", [("orders", "read", 40)], []),
        ("actix_store::repo::ItemRepository::take_stock", [("items", "write", 77), ("items", "read", 77)], []),
        ("actix_store::repo::OrderRepository::set_status", [("orders", "write", 44), ("orders", "read", 44)], []),
        (
            "actix_store::services::mailer::send_mail",
            [],
            [
                ("unwrap_on_request_path", "src/services/mailer.rs:4"),
                ("unwrap_on_request_path", "src/services/mailer.rs:5"),
                ("unwrap_on_request_path", "src/services/mailer.rs:6"),
            ],
        ),
    ]


def test_checkout_step_risks_and_callees(apps: dict[str, Codebase]) -> None:
    cb = apps["flask_shop"]
    wf = _wf(cb, "routes.checkout_cart")
    checkout = analyze_workflow_step(cb, wf.id, 2)
    assert [(r.kind, r.location) for r in checkout.risks] == [("query_in_loop", "shop/services/orders.py:17")]
    assert [r.rule for r in checkout.business_rules] == ["items is present", 'product.stock ≥ item["qty"]']
    assert [(c.target, c.library) for c in checkout.callees][:3] == [
        ("CheckoutError", False),
        ("ProductRepository", False),
        ("products.get", False),
    ]
    charge = analyze_workflow_step(cb, wf.id, 4)
    assert [(r.kind, r.location) for r in charge.risks] == [("unhandled_payment_failure", "shop/payments.py:10")]
    assert not charge.code_truncated and charge.code.splitlines()[0] == "    def charge(self, amount_cents, token):"
    with pytest.raises(InvalidInputError, match="out of range"):
        analyze_workflow_step(cb, wf.id, 7)
    with pytest.raises(NotFoundError, match="no workflow with id"):
        analyze_workflow_step(cb, "wf_nope", 1)


def test_trace_to_sinks_and_between_symbols(apps: dict[str, Codebase]) -> None:
    cb = apps["flask_shop"]
    writes = trace_workflow(cb, "routes.checkout_cart")
    assert writes.sink == "database_write"
    assert [[s.symbol.rsplit(".", 1)[-1] for s in p.steps] for p in writes.paths] == [
        ["checkout_cart", "checkout", "save"]
    ]
    assert writes.paths[0].sink_roles == ["persist"]
    mail = trace_workflow(cb, "routes.checkout_cart", sink="notification")
    assert mail.mermaid == "\n".join(
        [
            "flowchart LR",
            '    N1["routes.checkout_cart"]',
            '    N2["orders.checkout"]',
            "    N3[(mailer.send_email)]",
            "    N1 --> N2",
            "    N2 --> N3",
        ]
    )
    between = trace_workflow(cb, "routes.register", "mailer.send_email")
    assert [[s.symbol.rsplit(".", 1)[-1] for s in p.steps] for p in between.paths] == [
        ["register", "register_user", "send_welcome_email", "send_email"]
    ]
    assert between.paths[0].steps[0].call_line == 19
    none = trace_workflow(cb, "routes.login_banner", "mailer.send_email")
    assert none.paths == [] and none.paths_total == 0
    by_route = trace_workflow(cb, "POST /checkout", sink="payment")
    assert [s.symbol.rsplit(".", 1)[-1] for s in by_route.paths[0].steps] == ["checkout_cart", "checkout", "charge"]
    with pytest.raises(NotFoundError, match="no route"):
        trace_workflow(cb, "GET /nowhere")
    with pytest.raises(InvalidInputError, match="unknown sink"):
        trace_workflow(cb, "routes.register", sink="moon")
    with pytest.raises(NotFoundError, match="no symbol named"):
        trace_workflow(cb, "nothing_here")


def test_data_touched_through_handles_and_records(apps: dict[str, Codebase]) -> None:
    nest = apps["nest_shop"]
    wf = _wf(nest, "POST /auth/register")
    step = analyze_workflow_step(nest, wf.id, 2)
    assert step.step.symbol == "src/users/users.service.UsersService.register"
    assert [(d.entity, d.access, d.line) for d in step.data] == [("User", "read", 24), ("User", "write", 28)]
    django = apps["django_billing"]
    wf = _wf(django, "billing.views.pay")
    step = analyze_workflow_step(django, wf.id, 2)
    assert [(d.entity, d.access, d.line, d.evidence) for d in step.data] == [
        ("Invoice", "read", 14, "ORM Invoice.objects.get"),
        ("invoice", "write", 23, "invoice.save() on a loaded record"),
    ]

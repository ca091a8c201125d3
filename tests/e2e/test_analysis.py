"""The analysis toolset over stdio: index fixtures with index_repository, then every analysis tool."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support import FIXTURES, error_text, serve

EXPECTED_TYPES = {
    "flask_shop.shop.cli.send_digest": "notification_delivery",
    "flask_shop.shop.routes.register": "user_registration",
    "flask_shop.shop.routes.login": "authentication",
    "flask_shop.shop.routes.forgot_password": "password_reset",
    "flask_shop.shop.routes.confirm_password_reset": "password_reset",
    "flask_shop.shop.routes.checkout_cart": "payment_processing",
    "flask_shop.shop.routes.ship": "order_fulfilment",
    "flask_shop.shop.routes.sales": "report_generation",
    "flask_shop.shop.routes.import_catalog": "data_import",
    "flask_shop.shop.routes.get_product": "crud",
    "flask_shop.shop.routes.update_product": "crud",
    "flask_shop.shop.routes.delete_product": "crud",
    "flask_shop.shop.routes.register_device": "crud",
    "flask_shop.shop.tasks.send_order_confirmation": "notification_delivery",
}


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    shutil.copytree(FIXTURES / "eval" / "flask_shop", root / "flask_shop")
    shutil.copytree(FIXTURES / "crosslang" / "pyo3", root / "pyo3")
    return root


async def test_analysis_tools_end_to_end(tmp_path: Path, mode: str) -> None:
    root = _project(tmp_path)
    async with serve(root, mode=mode, extra_args=["--toolsets", "graph,analysis", "--no-auto-index"]) as client:
        # before any index: a clear error naming the fix
        text = error_text(await client.call_tool("detect_business_workflows", {}))
        assert "no index yet" in text and "index_repository" in text

        indexed = await client.call_tool("index_repository", {"path": "."})
        assert indexed.structured_content["status"] == "completed", indexed.content

        # workflows: exact type per entry point; custom (login_banner) is below the default confidence
        result = await client.call_tool("detect_business_workflows", {"limit": 100})
        assert not result.is_error, result.content
        out = result.structured_content
        got = {wf["entry_points"][0]["handler"]: wf["type"] for wf in out["workflows"]}
        assert got == EXPECTED_TYPES
        assert out["entry_points_found"] == 15
        assert (out["frameworks"], out["routes_not_traced"]) == (["flask"], 0)
        assert out["page"]["total"] == 14
        reg = next(wf for wf in out["workflows"] if wf["type"] == "user_registration")
        assert [(s["symbol"].split(".", 2)[2], s["role"]) for s in reg["steps"]] == [
            ("routes.register", "entry"),
            ("services.accounts.register_user", "validate_input"),
            ("services.accounts.validate_registration", "validate_input"),
            ("repositories.UserRepository.find_by_email", "duplicate_check"),
            ("security.hash_password", "hash_secret"),
            ("repositories.UserRepository.add", "persist"),
            ("mailer.send_welcome_email", "send_notification"),
            ("mailer.send_email", "send_notification"),
        ]
        assert [r["rule"] for r in reg["business_rules"]] == [
            "users.find_by_email(email) is None",
            '"@" in email',
            "password length ≥ 8",
        ]
        assert reg["mermaid"].startswith("flowchart TD")
        assert reg["entry_points"][0]["method"] == "POST" and reg["entry_points"][0]["path"] == "/register"

        # the same id in a later call, and filters
        again = await client.call_tool(
            "detect_business_workflows", {"entry_points": ["POST /register"], "types": ["user_registration"]}
        )
        assert [w["id"] for w in again.structured_content["workflows"]] == [reg["id"]]
        summary = await client.call_tool("detect_business_workflows", {"detail": "summary", "limit": 100})
        brief = summary.structured_content["workflows"]
        assert len(brief) == 14 and all(w["steps"] == [] and w["mermaid"] == "" for w in brief)
        assert {w["id"]: w["steps_total"] for w in brief}[reg["id"]] == 8
        paged = await client.call_tool("detect_business_workflows", {"limit": 5, "offset": 10})
        assert paged.structured_content["page"] == {
            "total": 14,
            "offset": 10,
            "limit": 5,
            "returned": 4,
            "next_offset": None,
        }

        # one step in depth
        step = await client.call_tool("analyze_workflow_step", {"workflow_id": reg["id"], "step_number": 6})
        st = step.structured_content
        assert st["step"]["symbol"] == "flask_shop.shop.repositories.UserRepository.add"
        assert [(c["target"], c["library"]) for c in st["callees"]] == [
            ("self.session.add", True),
            ("self.session.commit", True),
        ]
        assert [(d["access"], d["line"]) for d in st["data"]] == [("write", 18)]
        assert st["code"].startswith("    def add(self, user):")

        # trace to sinks and between two symbols
        tr = await client.call_tool("trace_workflow", {"from_symbol": "routes.checkout_cart", "sink": "payment"})
        paths = tr.structured_content["paths"]
        assert [
            [s["symbol"].rsplit(".", 2)[-2] + "." + s["symbol"].rsplit(".", 1)[-1] for s in p["steps"]] for p in paths
        ] == [["routes.checkout_cart", "orders.checkout", "StripeGateway.charge"]]
        tr2 = await client.call_tool(
            "trace_workflow", {"from_symbol": "routes.register", "to_symbol": "security.hash_password"}
        )
        assert tr2.structured_content["paths_total"] == 1

        # patterns
        pat = await client.call_tool("detect_architectural_patterns", {"kinds": ["repository", "adapter", "factory"]})
        found = sorted((p["kind"], p["symbols"][0]) for p in pat.structured_content["patterns"])
        assert found == [
            ("adapter", "flask_shop.shop.payments.StripeGateway"),
            ("factory", "flask_shop.shop.create_app"),
            ("repository", "flask_shop.shop.repositories.OrderRepository"),
            ("repository", "flask_shop.shop.repositories.ProductRepository"),
            ("repository", "flask_shop.shop.repositories.UserRepository"),
        ]
        layering = await client.call_tool("detect_architectural_patterns", {"kinds": ["layering"]})
        assert [v["symbol"] for v in layering.structured_content["layering_violations"]] == [
            "flask_shop.shop.cli.send_digest",
            "flask_shop.shop.routes.register_device",
        ]

        # quality, scoped to one directory
        q = await client.call_tool("assess_code_quality", {"path": "flask_shop", "categories": ["security"]})
        sec = [(f["kind"], f["location"]) for f in q.structured_content["findings"]]
        assert sec == [("hardcoded_secret", "flask_shop/shop/security.py:6")]

        # cross-language links, stored as edges: impact of the Rust function reaches the Python caller
        links = await client.call_tool("find_cross_language_links", {"kinds": ["pyo3"]})
        lk = links.structured_content
        assert lk["by_kind"] == {"pyo3": 7}
        assert lk["edges_stored"] == 8
        imp = await client.call_tool("impact_analysis", {"symbol": "crate::checksum"})
        reached = {s["qualified_name"] for f in imp.structured_content["files"] for s in f["symbols"]}
        assert "pyo3.textkit.pipeline.fingerprint" in reached
        assert "pyo3.textkit.report.summarize" in reached

        # bad input: clear errors, and the server keeps answering
        assert "no workflow with id" in error_text(
            await client.call_tool("analyze_workflow_step", {"workflow_id": "wf_000000000000", "step_number": 1})
        )
        assert "out of range" in error_text(
            await client.call_tool("analyze_workflow_step", {"workflow_id": reg["id"], "step_number": 99})
        )
        assert "types" in error_text(await client.call_tool("detect_business_workflows", {"types": ["heist"]}))
        assert "no entry point matches" in error_text(
            await client.call_tool("detect_business_workflows", {"entry_points": ["GET /nowhere"]})
        )
        assert "no symbol named" in error_text(await client.call_tool("trace_workflow", {"from_symbol": "nope_fn"}))
        assert "outside the allowed roots" in error_text(
            await client.call_tool("assess_code_quality", {"path": "../outside"})
        )
        assert "no indexed file under" in error_text(await client.call_tool("assess_code_quality", {"path": "nope"}))
        absolute = await client.call_tool(
            "assess_code_quality",
            {"path": str(root / "flask_shop" / "shop" / "security.py"), "categories": ["security"]},
        )
        assert [f["location"] for f in absolute.structured_content["findings"]] == ["flask_shop/shop/security.py:6"]
        assert "kinds" in error_text(await client.call_tool("detect_architectural_patterns", {"kinds": ["mvc2"]}))
        assert "limit" in error_text(await client.call_tool("find_cross_language_links", {"limit": 0}))
        ok = await client.call_tool("detect_business_workflows", {"types": ["crud"], "limit": 1})
        assert ok.structured_content["page"]["total"] == 4


async def test_list_routes_end_to_end(tmp_path: Path, mode: str) -> None:
    root = tmp_path / "work"
    shutil.copytree(FIXTURES / "routes" / "express_mounts", root)
    (root / "src" / "legacy.js").write_text("const app = require('./app');\napp.get('/old', pick('old'));\n")
    async with serve(root, mode=mode, extra_args=["--toolsets", "graph,analysis", "--no-auto-index"]) as client:
        assert "no index yet" in error_text(await client.call_tool("list_routes", {}))
        indexed = await client.call_tool("index_repository", {"path": "."})
        assert indexed.structured_content["status"] == "completed", indexed.content

        result = await client.call_tool("list_routes", {})
        assert not result.is_error, result.content
        out = result.structured_content
        assert [(r["method"], r["path"], r["handler"].split(".")[-1], r["file"], r["line"]) for r in out["routes"]] == [
            ("GET", "/status", "<inline>", "src/app.js", 8),
            ("POST", "/v1/loans/", "borrowBook", "src/controllers/loan.controller.js", 1),
            ("DELETE", "/v1/members/:memberId", "removeMember", "src/controllers/member.controller.js", 11),
            ("GET", "/v1/members/:memberId", "getMember", "src/controllers/member.controller.js", 7),
            ("POST", "/v1/members/signup", "signup", "src/controllers/member.controller.js", 3),
        ]
        assert out["frameworks"] == ["express"]
        assert [(u["file"], u["line"], u["code"]) for u in out["unmapped"]] == [("src/legacy.js", 2, "GET /old")]
        assert out["unmapped_total"] == 1 and "could not be mapped" in out["note"]

        page = (await client.call_tool("list_routes", {"limit": 2, "offset": 2})).structured_content
        assert [r["path"] for r in page["routes"]] == ["/v1/members/:memberId", "/v1/members/:memberId"]
        assert page["page"] == {"total": 5, "offset": 2, "limit": 2, "returned": 2, "next_offset": 4}

        posts = (
            await client.call_tool("list_routes", {"method": "POST", "path_prefix": "/v1/members"})
        ).structured_content
        assert [r["path"] for r in posts["routes"]] == ["/v1/members/signup"]
        assert "must start with '/'" in error_text(await client.call_tool("list_routes", {"path_prefix": "v1"}))
        assert not (await client.call_tool("list_routes", {"limit": 1})).is_error  # still serving

        # workflows say what they could not trace: the inline /status closure and the unreadable /old
        wf = (await client.call_tool("detect_business_workflows", {"detail": "summary"})).structured_content
        assert wf["frameworks"] == ["express"]
        assert wf["routes_not_traced"] == 2
        assert wf["not_traced_examples"] == [
            "src/app.js:8 GET /status (inline handler)",
            "src/legacy.js:2 GET /old (handler pick('old') not resolved)",
        ]
        assert "2 route declaration(s) could not be traced" in wf["note"]

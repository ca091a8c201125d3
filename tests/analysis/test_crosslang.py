"""Cross-language links: every expected link on both fixtures, stored edges, impact across the boundary."""

from __future__ import annotations

import shutil
from pathlib import Path

from semgraph.analysis.codebase import open_codebase
from semgraph.analysis.crosslang import ORIGIN, find_cross_language_links
from semgraph.graph.impact import impact
from semgraph.graph.store import GraphStore
from tests.analysis.helpers import index_tree
from tests.support import FIXTURES


def _links(tmp_path: Path, name: str):
    root = tmp_path / name
    shutil.copytree(FIXTURES / "crosslang" / name, root)
    cb = index_tree(root)
    db = tmp_path / f"{name}.db"
    links, stored = find_cross_language_links(cb, db)
    return db, links, stored


def test_pyo3_and_ctypes_links_and_impact(tmp_path: Path) -> None:
    db, links, stored = _links(tmp_path, "pyo3")
    assert [(x.kind, x.source, x.source_location, x.target) for x in links] == [
        ("ffi", "textkit.native.total_score", "textkit/native.py:9", "fastmath::ffi::add_scores"),
        ("pyo3", "textkit.pipeline.tokens", "textkit/pipeline.py:13", "fastmath::Tokenizer"),
        ("pyo3", "textkit.pipeline.tokens", "textkit/pipeline.py:14", "fastmath::Tokenizer::tokenize"),
        ("pyo3", "textkit.pipeline", "textkit/pipeline.py:3", "fastmath::fastmath"),
        ("pyo3", "textkit.pipeline", "textkit/pipeline.py:4", "fastmath::checksum"),
        ("pyo3", "textkit.pipeline", "textkit/pipeline.py:4", "fastmath::normalize_text"),
        ("pyo3", "textkit.pipeline.fingerprint", "textkit/pipeline.py:8", "fastmath::normalize_text"),
        ("pyo3", "textkit.pipeline.fingerprint", "textkit/pipeline.py:9", "fastmath::checksum"),
    ]
    assert stored == 8
    with GraphStore.open(db, readonly=True) as store:
        edges = [e for e in store.edges(kind="cross_language") if e.origin == ORIGIN]
        assert len(edges) == 8
        reached = impact(store, symbol="crate::checksum")
        names = {s.qualified_name: s.distance for f in reached.files for s in f.symbols}
        assert names["textkit.pipeline.fingerprint"] == 1
        assert names["textkit.pipeline.digest_all"] == 2
        assert names["textkit.report.summarize"] == 2
    # the index changed generation: a fresh view sees the cross-language calls
    cb = open_codebase(db)
    fp = next(s for s in cb.symbols.values() if s.qualified_name == "textkit.pipeline.fingerprint")
    assert {cb.symbols[c.dst].qualified_name for c in cb.calls[fp.id] if c.kind == "cross_language"} == {
        "fastmath::checksum",
        "fastmath::normalize_text",
    }


def test_http_wasm_napi_and_sql_links(tmp_path: Path) -> None:
    _, links, stored = _links(tmp_path, "web")
    assert [(x.kind, x.source.split(".")[-1], x.target, x.detail) for x in links] == [
        ("http", "placeOrder", "orders_api::create_order", "POST /api/orders → POST /api/orders"),
        ("http", "cancelOrder", "orders_api::cancel_order", "DELETE /api/orders/{} → DELETE /api/orders/{id}"),
        (
            "http",
            "searchProducts",
            "api_py.catalog.app.search_products",
            "GET /catalog/products?q={} → GET /catalog/products",
        ),
        (
            "http",
            "productDetail",
            "api_py.catalog.app.product_detail",
            "GET /catalog/products/{} → GET /catalog/products/{product_id}",
        ),
        ("http", "loadOrders", "orders_api::list_orders", "GET /api/orders → GET /api/orders"),
        ("napi", "node_worker/src/totals", "price_addon::sum_prices", "imports sumPrices from ../../napi_addon"),
        ("napi", "orderTotal", "price_addon::sum_prices", "calls sumPrices"),
        (
            "sql_table",
            "search_products",
            "api_py.catalog.models.Product",
            "raw SQL uses table catalog_product (Django model)",
        ),
        (
            "sql_table",
            "product_detail",
            "api_py.catalog.models.Product",
            "raw SQL uses table catalog_product (Django model)",
        ),
        (
            "sql_table",
            "product_detail",
            "api_py.catalog.models.StockLevel",
            "raw SQL uses table stock_levels (Django model)",
        ),
        ("sql_table", "order_count", "orders_api::schema::orders", "raw SQL uses table orders (diesel table!)"),
        (
            "wasm_bindgen",
            "frontend/src/api",
            "mdwasm::render_markdown",
            "imports render_markdown from ../../wasm/pkg/mdwasm",
        ),
        ("wasm_bindgen", "preview", "mdwasm::render_markdown", "calls render_markdown"),
    ]
    assert stored == 13


def test_without_storing(tmp_path: Path) -> None:
    root = tmp_path / "pyo3"
    shutil.copytree(FIXTURES / "crosslang" / "pyo3", root)
    cb = index_tree(root)
    links, stored = find_cross_language_links(cb, tmp_path / "pyo3.db", store_edges=False)
    assert (len(links), stored) == (8, 0)
    with GraphStore.open(tmp_path / "pyo3.db", readonly=True) as store:
        assert store.edges(kind="cross_language") == []


def test_python_client_with_base_url_constant(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "proj",
        {
            "api/Cargo.toml": '[package]\nname = "api"\n',
            "api/src/main.rs": '#[get("/v1/users/{id}")]\nasync fn get_user() -> String {\n    String::new()\n}\n',
            "client/users.py": (
                "import requests\n\nBASE = 'http://localhost:8080'\n\n\n"
                "def fetch_user(uid, settings):\n"
                "    requests.get(f'{BASE}/v1/users/{uid}', timeout=5)\n"
                "    return requests.get(f'{settings.api}/v1/users/{uid}', timeout=5)\n"
            ),
        },
    )
    links, _ = find_cross_language_links(cb, None, store_edges=False)
    assert [(x.kind, x.source_location, x.target, x.detail) for x in links] == [
        ("http", "client/users.py:7", "api::get_user", "GET http://localhost:8080/v1/users/{} → GET /v1/users/{id}"),
        ("http", "client/users.py:8", "api::get_user", "GET /v1/users/{} → GET /v1/users/{id}"),
    ]


def test_same_name_from_an_unrelated_package_is_no_link(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "proj",
        {
            "wasm/Cargo.toml": '[package]\nname = "md-wasm"\n',
            "wasm/src/lib.rs": "#[wasm_bindgen]\npub fn render_markdown(s: &str) -> String {\n    s.to_string()\n}\n",
            "web/a.js": 'import { render_markdown } from "markdown-kit";\nexport function a(s) {\n  return render_markdown(s);\n}\n',
            "web/b.js": 'import { render_markdown } from "md_wasm";\nexport function b(s) {\n  return render_markdown(s);\n}\n',
        },
    )
    links, _ = find_cross_language_links(cb, None, store_edges=False)
    assert [(x.kind, x.source, x.target) for x in links] == [
        ("wasm_bindgen", "web/b", "md_wasm::render_markdown"),
        ("wasm_bindgen", "web/b.b", "md_wasm::render_markdown"),
    ]

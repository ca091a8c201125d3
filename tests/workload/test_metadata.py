"""Metadata of the fixture shop read from each live database, asserted exactly."""

from __future__ import annotations

from semgraph.workload.metadata import Schema
from tests.workload.conftest import ShopDB
from tests.workload.helpers import schema_of

# (name, category, nullable, autoincrement) per table, in column order
COLUMNS = {
    "customers": [
        ("id", "integer", False, True),
        ("email", "text", False, False),
        ("name", "text", False, False),
        ("phone", "text", True, False),
        ("city", "text", True, False),
        ("created_at", "timestamp", False, False),
    ],
    "order_items": [
        ("id", "integer", False, True),
        ("order_id", "integer", False, False),
        ("product_id", "integer", False, False),
        ("quantity", "integer", False, False),
        ("unit_price", "decimal", False, False),
    ],
    "orders": [
        ("id", "integer", False, True),
        ("customer_id", "integer", False, False),
        ("status", "text", False, False),
        ("total", "decimal", False, False),
        ("created_at", "timestamp", False, False),
    ],
    "products": [
        ("id", "integer", False, True),
        ("sku", "text", False, False),
        ("name", "text", False, False),
        ("price", "decimal", False, False),
        ("stock", "integer", False, False),
        ("category", "text", True, False),
    ],
}
FKS = {
    "customers": [],
    "order_items": [(["order_id"], "orders", ["id"]), (["product_id"], "products", ["id"])],
    "orders": [(["customer_id"], "customers", ["id"])],
    "products": [],
}
UNIQUE = {"customers": [["email"]], "order_items": [], "orders": [], "products": [["sku"]]}
DATA_TYPES = {
    "sqlite": {
        ("customers", "email"): "TEXT",
        ("orders", "total"): "NUMERIC(12,2)",
        ("orders", "status"): "VARCHAR(16)",
    },
    "postgres": {
        ("customers", "email"): "character varying",
        ("orders", "total"): "numeric",
        ("customers", "created_at"): "timestamp without time zone",
    },
    "mysql": {
        ("customers", "email"): "varchar",
        ("orders", "total"): "decimal",
        ("customers", "created_at"): "datetime",
    },
}


def summary(schema: Schema) -> dict:
    return {
        t.name: {
            "columns": [(c.name, c.category, c.nullable, c.autoincrement) for c in t.columns],
            "pk": t.primary_key,
            "unique": [u.columns for u in t.unique],
            "fks": [(f.columns, f.ref_table, f.ref_columns) for f in t.foreign_keys],
        }
        for t in schema.tables
    }


async def test_fixture_schema_exactly(shop: ShopDB) -> None:
    schema = await schema_of(shop.dsn)
    assert schema.dialect == shop.dialect
    assert summary(schema) == {
        name: {"columns": COLUMNS[name], "pk": ["id"], "unique": UNIQUE[name], "fks": FKS[name]} for name in COLUMNS
    }
    for (table, column), data_type in DATA_TYPES[shop.dialect].items():
        assert schema.table(table).column(column).data_type == data_type
    total = schema.table("orders").column("total")
    assert (total.precision, total.scale) == (12, 2)
    assert schema.table("orders").column("status").max_length == 16
    assert schema.table("products").column("sku").max_length == 32
    assert schema.table("products").column("stock").default == "0"

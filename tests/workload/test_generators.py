"""Deterministic generators, inference from type and name, and config parsing errors."""

from __future__ import annotations

import collections

import pytest

from semgraph.errors import InvalidInputError, SourceParseError
from semgraph.workload import generators as gen
from semgraph.workload.metadata import Column, ForeignKey, Table
from semgraph.workload.seed_config import SeedConfig, parse_config_text

CUSTOMERS = Table(
    name="customers",
    columns=[
        Column(name="id", data_type="bigint", category="integer", nullable=False, autoincrement=True),
        Column(name="email", data_type="varchar", category="text", nullable=False, max_length=255),
        Column(name="name", data_type="varchar", category="text", nullable=False, max_length=100),
        Column(name="phone", data_type="varchar", category="text", nullable=True, max_length=32),
        Column(name="city", data_type="varchar", category="text", nullable=True),
        Column(name="created_at", data_type="timestamp", category="timestamp", nullable=False),
        Column(name="status", data_type="varchar", category="text", nullable=False, max_length=4),
        Column(name="price", data_type="numeric", category="decimal", nullable=False, precision=5, scale=2),
        Column(name="parent_id", data_type="bigint", category="integer", nullable=True),
    ],
    primary_key=["id"],
    unique=[],
    foreign_keys=[ForeignKey(name="fk", columns=["parent_id"], ref_table="customers", ref_columns=["id"])],
)


def test_stable_hash_is_process_independent() -> None:
    # a fixed value: Python's salted hash() would differ between processes
    assert gen.stable_hash("customers.email") == 0x295DDA5D7E5B0BC5
    assert gen.stable_hash("a.b") != gen.stable_hash("a.c")


def test_values_do_not_depend_on_batch_size() -> None:
    col = CUSTOMERS.column("email")
    spec = gen.GeneratorSpec(kind="email")
    whole = gen.build(spec, CUSTOMERS, col, gen.Context(7)).batch(0, 100)
    g = gen.build(spec, CUSTOMERS, col, gen.Context(7))
    pieces = g.batch(0, 30) + g.batch(30, 3) + g.batch(33, 67)
    assert whole == pieces
    assert whole != gen.build(spec, CUSTOMERS, col, gen.Context(8)).batch(0, 100)
    assert len(set(whole)) == 100


def test_inference_from_type_and_name() -> None:
    kinds = {c.name: gen.infer(CUSTOMERS, c).kind for c in CUSTOMERS.columns}
    assert kinds == {
        "id": "sequential", "email": "email", "name": "name", "phone": "phone", "city": "city",
        "created_at": "timestamp", "status": "enum", "price": "decimal", "parent_id": "fk",
    }  # fmt: skip
    price = gen.infer(CUSTOMERS, CUSTOMERS.column("price"))
    assert (price.min, price.max, price.scale) == (1.0, 999.0, 2)


def test_lengths_nulls_weights_and_zipf() -> None:
    status = gen.build(
        gen.GeneratorSpec(kind="text", min_length=10, max_length=20),
        CUSTOMERS,
        CUSTOMERS.column("status"),
        gen.Context(1),
    )
    assert all(len(v) <= 4 for v in status.batch(0, 200))
    phone = gen.build(
        gen.GeneratorSpec(kind="phone", null_ratio=0.5), CUSTOMERS, CUSTOMERS.column("phone"), gen.Context(1)
    )
    nulls = sum(v is None for v in phone.batch(0, 1000))
    assert 430 <= nulls <= 570
    weighted = gen.GeneratorSpec(kind="weighted", values=["a", "b"], weights=[9, 1])
    counts = collections.Counter(
        gen.build(weighted, CUSTOMERS, CUSTOMERS.column("city"), gen.Context(1)).batch(0, 2000)
    )
    assert 1700 <= counts["a"] <= 1900
    ctx = gen.Context(1, parent_keys={("customers", "id"): list(range(1, 101))})
    zipf = gen.build(
        gen.GeneratorSpec(kind="fk", distribution="zipf", skew=1.5), CUSTOMERS, CUSTOMERS.column("parent_id"), ctx
    )
    top = collections.Counter(zipf.batch(0, 3000)).most_common(2)
    assert [k for k, _ in top] == [1, 2]


def test_bad_specs() -> None:
    with pytest.raises(ValueError, match="needs 'values'"):
        gen.GeneratorSpec(kind="enum")
    with pytest.raises(ValueError, match="one per value"):
        gen.GeneratorSpec(kind="weighted", values=[1, 2], weights=[1])
    with pytest.raises(InvalidInputError, match=r"unknown template field\(s\) \['bogus'\]"):
        gen.build(
            gen.GeneratorSpec(kind="template", template="X-{bogus}"),
            CUSTOMERS,
            CUSTOMERS.column("city"),
            gen.Context(1),
        )
    with pytest.raises(InvalidInputError, match=r"references customers\.id, which has no rows"):
        nonnull = CUSTOMERS.model_copy(deep=True)
        nonnull.column("parent_id").nullable = False
        gen.build(gen.GeneratorSpec(kind="fk"), nonnull, nonnull.column("parent_id"), gen.Context(1))


def test_config_syntax_errors_have_line_and_column() -> None:
    with pytest.raises(SourceParseError) as toml_err:
        parse_config_text("seed = 1\n[tables.x\nrows = 2\n", name="seed.toml", model=SeedConfig)
    assert str(toml_err.value).startswith("seed.toml:2:")
    with pytest.raises(SourceParseError) as yaml_err:
        parse_config_text("tables:\n  x: {rows: 2\n", name="seed.yaml", model=SeedConfig)
    assert str(yaml_err.value).startswith("seed.yaml:3:")
    with pytest.raises(InvalidInputError, match=r"tables\.x\.columns\.a\.kind: Input should be"):
        parse_config_text("tables:\n  x:\n    columns:\n      a: {kind: nope}\n", name="s.yaml", model=SeedConfig)


def test_plain_values_equal_the_typed_path() -> None:
    """SQLite gets ISO text and floats directly; they are exactly the typed values, formatted."""
    ts = CUSTOMERS.column("created_at")
    for spec in (
        gen.GeneratorSpec(kind="timestamp"),
        gen.GeneratorSpec(
            kind="timestamp", mode="range", start_time="2024-02-28T23:59:58", end_time="2024-03-01T00:00:03"
        ),
    ):
        plain = gen.build(spec, CUSTOMERS, ts, gen.Context(3, plain=True)).batch(0, 5000)
        typed = gen.build(spec, CUSTOMERS, ts, gen.Context(3)).batch(0, 5000)
        assert plain == [v.isoformat(sep=" ") for v in typed]
    price = CUSTOMERS.column("price")
    spec = gen.infer(CUSTOMERS, price)
    plain = gen.build(spec, CUSTOMERS, price, gen.Context(3, plain=True)).batch(0, 1000)
    typed = gen.build(spec, CUSTOMERS, price, gen.Context(3)).batch(0, 1000)
    assert plain == [float(v) for v in typed]


def test_batch_forms_draw_the_same_values_as_one_at_a_time() -> None:
    """Keys, integers and filler text come a batch at a time; the values equal the one-value form's, in order."""
    table = Table(
        name="accounts",
        columns=[
            Column(name="aid", data_type="integer", category="integer", nullable=False),
            Column(name="abalance", data_type="integer", category="integer", nullable=False),
            Column(name="filler", data_type="character", category="text", nullable=False, max_length=84),
        ],
        primary_key=["aid"],
    )
    specs = {
        "aid": gen.GeneratorSpec(kind="sequential", start=1),
        "abalance": gen.GeneratorSpec(kind="int", min=-5, max=70_000),
        "filler": gen.GeneratorSpec(kind="text", min_length=8, max_length=40),
    }
    for name, spec in specs.items():
        col = table.column(name)
        batched = gen.build(spec, table, col, gen.Context(3))
        single = gen.build(spec, table, col, gen.Context(3))
        values = batched.batch(0, 500) + batched.batch(500, 3)
        assert batched._many is not None, name  # the batch form is the one under test
        assert values == [single._fn(i) for i in range(503)], name
    texts = gen.build(specs["filler"], table, table.column("filler"), gen.Context(3)).batch(0, 2_000)
    assert all(8 <= len(t) <= 40 and not t.endswith(" ") for t in texts) and len(set(texts)) > 1_900
    ints = gen.build(specs["abalance"], table, table.column("abalance"), gen.Context(3)).batch(0, 2_000)
    assert min(ints) >= -5 and max(ints) <= 70_000 and len(set(ints)) > 1_900


def test_bytea_keys_are_distinct_and_other_bytes_constant() -> None:
    """A constant for a bytea key capped Temporal's nexus_endpoints at one row."""
    table = Table(
        name="endpoints",
        columns=[
            Column(name="id", data_type="bytea", category="bytes", nullable=False),
            Column(name="data", data_type="bytea", category="bytes", nullable=False),
        ],
        primary_key=["id"],
    )
    key = gen.build(gen.infer(table, table.column("id")), table, table.column("id"), gen.Context(1)).batch(0, 1_000)
    assert len(set(key)) == 1_000 and all(isinstance(v, bytes) and len(v) == 16 for v in key)
    assert gen.infer(table, table.column("data")).kind == "constant"

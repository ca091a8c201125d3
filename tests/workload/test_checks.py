"""CHECK definitions as the catalogs print them, turned into generator facts."""

from __future__ import annotations

from semgraph.workload.checks import parse_checks

COLS = {"price", "status", "nick", "starts_on", "ends_on", "rating", "email", "left_at", "joined_at"}


def test_postgres_definitions() -> None:
    facts = parse_checks(
        [
            ("price_range", "CHECK (((price >= (0)::numeric) AND (price < (1000)::numeric)))"),
            (
                "status_in",
                "CHECK (((status)::text = ANY ((ARRAY['new'::character varying, 'done'::character varying])::text[])))",
            ),
            ("nick_len", "CHECK ((length((nick)::text) <= 20))"),
            ("dates", "CHECK ((starts_on <= ends_on))"),
            ("rating_between", "CHECK (rating BETWEEN 1 AND 5)"),
            ("left", "CHECK (((left_at IS NULL) OR (left_at > joined_at)))"),
            ("shape", "CHECK ((email ~ '@'::text))"),
        ],
        COLS,
    )
    price = facts.columns["price"]
    assert (price.min_value, price.min_inclusive, price.max_value, price.max_inclusive) == (0, True, 1000, False)
    assert facts.columns["status"].values == ["new", "done"]
    assert facts.columns["nick"].max_length == 20
    assert (facts.columns["rating"].min_value, facts.columns["rating"].max_value) == (1, 5)
    assert facts.comparisons == [("starts_on", "<=", "ends_on"), ("left_at", ">", "joined_at")]
    assert facts.skipped == ["shape: email ~ '@'"]


def test_mysql_and_sqlite_definitions() -> None:
    facts = parse_checks(
        [
            ("c1", "`status` in ('a','b')"),
            ("c2", "`price` between 0 and 50"),
            ("c3", "json_valid(`email`)"),
            ("c4", "(length(nick) >= 3)"),
            ("c5", "rating NOT IN (0, 13)"),
        ],
        COLS,
    )
    assert facts.columns["status"].values == ["a", "b"]
    assert (facts.columns["price"].min_value, facts.columns["price"].max_value) == (0, 50)
    assert facts.columns["nick"].min_length == 3
    assert facts.columns["rating"].excluded == ["0", "13"]
    assert facts.skipped == []

"""Two crates whose schema.rs files both declare `posts` (fixtures/diesel/twoschemas): the tables stay
apart (identity by the declaring module, SQL name kept), each struct reads its own crate's table, and
the round trip holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.rust.generator import GenerateOptions, generate
from semgraph.rust.project import parse_path
from semgraph.rust.regions import write_files
from semgraph.rust.schema_parser import parse_schema_source
from semgraph.rust.spec import ParseResult, dump_spec, load_spec
from tests.rust.helpers import DIESEL, parse_fixture

TWO = DIESEL / "twoschemas"


@pytest.fixture(scope="module")
def parsed() -> ParseResult:
    return parse_fixture(TWO)


def test_each_struct_reads_its_own_crates_table(parsed: ParseResult) -> None:
    got = {
        e.name: (e.table, [(f.name, f.sql_type) for f in e.fields], [c.name for c in e.extra_columns])
        for e in parsed.spec.entities
    }
    assert got == {
        "Author": ("authors", [("id", "Int4"), ("name", "Varchar")], []),
        "BlogPost": ("blog_schema_posts", [("id", "Int4"), ("title", "Varchar"), ("published", "Bool")], []),
        "ForumPost": ("forum_schema_posts", [("id", "Int8"), ("thread_id", "Int8"), ("body", "Text")], []),
        "Thread": ("threads", [("id", "Int8"), ("subject", "Text")], []),
    }
    assert parsed.diagnostics == []


def test_joinables_and_allow_lists_follow_their_own_file(parsed: ParseResult) -> None:
    spec = parsed.spec
    rel = {e.name: [(r.kind, r.table, r.entity) for r in e.relations] for e in spec.entities}
    assert rel["BlogPost"] == [("belongs_to", "authors", "Author")]
    assert rel["ForumPost"] == [("belongs_to", "threads", "Thread")]
    assert spec.allow_in_same_query == [["authors", "blog_schema_posts"], ["forum_schema_posts", "threads"]]


def test_generated_schema_holds_both_tables_under_their_sql_name(parsed: ParseResult) -> None:
    files = {f.path: f.content for f in generate(parsed.spec, GenerateOptions(rustfmt=False))}
    schema = parse_schema_source(files["src/schema.rs"])
    assert {n: (t.sql_name, [c.name for c in t.columns]) for n, t in schema.tables.items()} == {
        "authors": (None, ["id", "name"]),
        "blog_schema_posts": ("posts", ["id", "title", "published"]),
        "forum_schema_posts": ("posts", ["id", "thread_id", "body"]),
        "threads": (None, ["id", "subject"]),
    }


def test_round_trip_is_equal_and_byte_stable(parsed: ParseResult, tmp_path: Path) -> None:
    out = generate(load_spec(dump_spec(parsed.spec)), GenerateOptions(rustfmt=False))
    write_files(out, tmp_path)
    again = parse_path(tmp_path)
    assert again.diagnostics == []
    assert again.spec == parsed.spec
    assert [(f.path, f.content) for f in generate(again.spec, GenerateOptions(rustfmt=False))] == [
        (f.path, f.content) for f in out
    ]

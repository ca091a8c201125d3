"""Round trip for every fixture: parse → spec → YAML → spec → generate → parse gives an equal spec;
generate → parse → generate gives byte-identical files; every file is valid, rustfmt-formatted Rust."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.rust.generator import GenerateOptions, generate
from semgraph.rust.spec import dump_spec, load_spec
from semgraph.rust.syntax import error_nodes, parse
from tests.rust.helpers import (
    DIESEL,
    PATTERN_NAMES,
    PATTERNS,
    assert_rustfmt_clean,
    parse_fixture,
    parse_generated,
    write_tree,
)

NO_RUSTFMT = GenerateOptions(rustfmt=False)  # the templates alone must already give formatted code
RUSTFMT_PASS = {"cfg_attr_enum"}
SOURCES = [PATTERNS / f"{n}.rs" for n in PATTERN_NAMES] + [DIESEL / "workspace"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_round_trip_gives_an_equal_spec_and_identical_files(source: Path) -> None:
    original = parse_fixture(source)
    assert [d for d in original.diagnostics if d.severity == "error"] == []
    for fmt in ("yaml", "json"):
        assert load_spec(dump_spec(original.spec, fmt)) == original.spec
    spec = load_spec(dump_spec(original.spec, "yaml"))
    files = generate(spec, NO_RUSTFMT)
    again = parse_generated(files)
    assert [d for d in again.diagnostics if d.severity == "error"] == []
    assert again.spec == original.spec
    second = generate(again.spec, NO_RUSTFMT)
    assert [(f.path, f.content) for f in second] == [(f.path, f.content) for f in files]
    for f in files:
        assert error_nodes(parse(f.content.encode(), "rust").root_node) == [], f.path


def test_every_generated_fixture_file_passes_rustfmt_check(tmp_path: Path) -> None:
    paths: list[Path] = []
    for i, source in enumerate(SOURCES):
        spec = parse_fixture(source).spec
        # long derive lists and long cfg_attr arguments follow rustfmt heuristics the templates do not
        # reproduce: those fixtures go through the generator's rustfmt pass
        opts = GenerateOptions(rustfmt=True) if source.stem in RUSTFMT_PASS else NO_RUSTFMT
        paths += write_tree(generate(spec, opts), tmp_path / f"{i}-{source.stem}")
    shop = load_spec((DIESEL / "specs" / "shop.yaml").read_text())
    for pool in ("r2d2", "diesel-async"):
        paths += write_tree(generate(shop, GenerateOptions(rustfmt=False, pool=pool)), tmp_path / f"shop-{pool}")
    relations = parse_fixture(PATTERNS / "relations.rs").spec
    for backend in ("mysql", "sqlite"):
        paths += write_tree(generate(relations, GenerateOptions(rustfmt=False, backend=backend)), tmp_path / backend)
    assert len(paths) == 132
    assert_rustfmt_clean(paths)


def test_the_rustfmt_pass_changes_nothing_for_template_output() -> None:
    from tests.rust.helpers import require_rustfmt

    require_rustfmt()
    spec = load_spec((DIESEL / "specs" / "shop.yaml").read_text())
    plain = generate(spec, NO_RUSTFMT)
    formatted = generate(spec, GenerateOptions(rustfmt=True))
    assert [f.content for f in formatted] == [f.content for f in plain]


def test_validate_messages_of_any_length_are_laid_out_like_rustfmt(tmp_path: Path) -> None:
    paths: list[Path] = []
    for size in (10, 41, 47, 70, 120):
        spec = load_spec((DIESEL / "specs" / "shop.yaml").read_text())
        spec.entities[0].actions[0].steps[0].message = "m" * size
        files = [f for f in generate(spec, NO_RUSTFMT) if f.path == "src/handlers/account.rs"]
        paths += write_tree(files, tmp_path / str(size))
    assert_rustfmt_clean(paths)


def test_a_diesel_async_project_round_trips_to_async_handlers() -> None:
    shop = load_spec((DIESEL / "specs" / "shop.yaml").read_text())
    files = generate(shop, GenerateOptions(rustfmt=False, pool="diesel-async"))
    parsed = parse_generated(files).spec
    assert parsed.uses_diesel_async is True
    # the default pool follows the project (actions live only in the spec, so compare regenerations)
    again = generate(parsed, NO_RUSTFMT)
    explicit = generate(parsed, GenerateOptions(rustfmt=False, pool="diesel-async"))
    assert [(f.path, f.content) for f in again] == [(f.path, f.content) for f in explicit]
    pool_mod = next(f.content for f in again if f.path == "src/handlers/mod.rs")
    assert "pub type DbPool = Pool<diesel_async::AsyncPgConnection>;" in pool_mod
    assert parse_generated(generate(shop, NO_RUSTFMT)).spec.uses_diesel_async is False


def test_a_hand_written_spec_comes_back_complete_with_its_actions() -> None:
    from semgraph.rust.normalize import normalize

    shop = load_spec((DIESEL / "specs" / "shop.yaml").read_text())
    files = generate(shop, NO_RUSTFMT)
    parsed = parse_generated(files)
    assert parsed.diagnostics == []
    assert parsed.spec == normalize(shop)
    assert [a.name for e in parsed.spec.entities for a in e.actions] == ["withdraw", "close", "void"]
    assert [f.content for f in generate(parsed.spec, NO_RUSTFMT)] == [f.content for f in files]

"""Hand edits outside the generated regions survive regeneration; overwrites need consent."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.errors import AlreadyExistsError, SourceParseError
from semgraph.rust.generator import GenerateOptions, generate
from semgraph.rust.project import parse_path
from semgraph.rust.regions import merge_regions, split_regions, write_files
from semgraph.rust.spec import load_spec
from tests.rust.helpers import DIESEL

OPTS = GenerateOptions(rustfmt=False)


def _shop():
    return load_spec((DIESEL / "specs" / "shop.yaml").read_text())


def test_edits_outside_regions_survive_and_regions_follow_the_spec(tmp_path: Path) -> None:
    spec = _shop()
    first = write_files(generate(spec, OPTS), tmp_path)
    assert {c.status for c in first.changes} == {"created"}
    model = tmp_path / "src/models/account.rs"
    handlers = tmp_path / "src/handlers/account.rs"
    text = model.read_text()
    # an extra derive right above the struct's region, an impl block and a comment at the end
    text = text.replace("// semgraph:begin(Account)\n", "#[derive(Hash)]\n// semgraph:begin(Account)\n")
    text += "\n// Hand-written helpers.\nimpl Account {\n    pub fn is_open(&self) -> bool {\n        true\n    }\n}\n"
    model.write_text(text)
    handlers.write_text(handlers.read_text() + "\n/// Mine.\npub fn extra() {}\n")

    with pytest.raises(AlreadyExistsError) as err:
        write_files(generate(spec, OPTS), tmp_path)
    assert "2 file(s) already exist with other content: src/models/account.rs, src/handlers/account.rs" in str(
        err.value
    )

    # the spec gains a field: the regions change, the edits stay
    spec.entities[0].fields.insert(2, spec.entities[0].fields[1].model_copy(update={"name": "nickname", "doc": None}))
    report = write_files(generate(spec, OPTS), tmp_path, overwrite=True)
    status = {c.path: (c.status, c.merged) for c in report.changes}
    assert status["src/models/account.rs"] == ("updated", True)
    assert status["src/handlers/account.rs"] == ("unchanged", False)  # its regions did not change
    assert status["src/models/ledger.rs"] == ("unchanged", False)
    merged = model.read_text()
    assert "#[derive(Hash)]\n// semgraph:begin(Account)\n" in merged
    assert merged.endswith(
        "// Hand-written helpers.\nimpl Account {\n    pub fn is_open(&self) -> bool {\n        true\n    }\n}\n"
    )
    assert "    pub owner: String,\n    pub nickname: String,\n    pub balance: i64,\n" in merged
    assert handlers.read_text().endswith("\n/// Mine.\npub fn extra() {}\n")
    assert "+    pub nickname: String,\n" in report.diff
    assert "impl Account" not in report.diff  # untouched hand edits are not part of the diff
    # a parse of the edited crate sees the hand-added derive
    account = next(e for e in parse_path(tmp_path).spec.entities if e.name == "Account")
    assert account.derives == [
        "Hash",
        "Debug",
        "Clone",
        "PartialEq",
        "Queryable",
        "Selectable",
        "Identifiable",
        "Serialize",
        "Deserialize",
    ]
    # regenerating the same spec again changes nothing
    again = write_files(generate(spec, OPTS), tmp_path, overwrite=True)
    assert {c.status for c in again.changes} == {"unchanged"}
    assert again.diff == ""


def test_dry_run_reports_without_writing(tmp_path: Path) -> None:
    report = write_files(generate(_shop(), OPTS), tmp_path, dry_run=True)
    assert len(report.changes) == 9
    assert list(tmp_path.iterdir()) == []
    assert report.diff.startswith("--- /dev/null\n+++ b/src/models/account.rs\n")


def test_merge_places_new_regions_after_their_predecessor_and_drops_removed_ones() -> None:
    old = (
        "head\n// semgraph:begin(a)\nA1\n// semgraph:end(a)\nmine\n// semgraph:begin(c)\nC1\n// semgraph:end(c)\ntail\n"
    )
    new = "// semgraph:begin(a)\nA2\n// semgraph:end(a)\n// semgraph:begin(b)\nB2\n// semgraph:end(b)\n"
    assert merge_regions(old, new) == (
        "head\n// semgraph:begin(a)\nA2\n// semgraph:end(a)\n\n// semgraph:begin(b)\nB2\n// semgraph:end(b)\n"
        "mine\ntail\n"
    )


def test_unbalanced_markers_are_a_parse_error_with_the_line() -> None:
    with pytest.raises(SourceParseError) as err:
        split_regions("x\n// semgraph:begin(a)\ny\n// semgraph:end(b)\n", "src/x.rs")
    assert str(err.value).startswith("src/x.rs:4:1: end of region 'b' without its begin marker")
    with pytest.raises(SourceParseError) as err:
        split_regions("// semgraph:begin(a)\ny\n", "src/y.rs")
    assert str(err.value) == "src/y.rs:1:1: region 'a' is never closed (add // semgraph:end(a))"

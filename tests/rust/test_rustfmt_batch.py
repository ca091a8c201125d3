"""The one-process rustfmt pass formats every file once: children of a mod.rs are not passed twice."""

from __future__ import annotations

from semgraph.rust.rustfmt import check_files, format_many, reached_as_modules
from tests.rust.helpers import require_rustfmt


def test_children_of_dir_owners_are_reached() -> None:
    sources = {
        "src/lib.rs": "pub mod models;\nmod schema;\n",
        "src/models/mod.rs": 'pub mod a;\npub(crate) mod b;\n#[path = "elsewhere.rs"]\nmod c;\n',
        "src/models/a.rs": "",
        "src/models/b/mod.rs": "mod deep;\n",
        "src/models/b/deep.rs": "",
        "src/models/c.rs": "",  # declared under #[path]: stays on the command line
        "src/schema.rs": "",
        "src/models/d.rs": "",  # not declared anywhere
        "src/other.rs": "mod inner;\n",  # not a mod.rs / lib.rs / main.rs: its children stay
        "src/other/inner.rs": "",
    }
    assert reached_as_modules(sources) == {
        "src/models/mod.rs",
        "src/models/a.rs",
        "src/models/b/mod.rs",
        "src/models/b/deep.rs",
        "src/schema.rs",
    }


def test_indented_or_inline_modules_are_not_followed() -> None:
    sources = {"src/mod.rs": "mod outer {\n    mod x;\n}\nmod y {}\n", "src/x.rs": "", "src/y.rs": ""}
    assert reached_as_modules(sources) == set()


def test_format_many_still_formats_children_it_leaves_off_the_command_line() -> None:
    require_rustfmt()
    sources = {
        "src/models/mod.rs": "pub  mod a;\n",
        "src/models/a.rs": "fn  x( ) {  }\n",
        "src/other.rs": "fn  y( ) {}\n",
    }
    assert format_many(sources) == {
        "src/models/mod.rs": "pub mod a;\n",
        "src/models/a.rs": "fn x() {}\n",
        "src/other.rs": "fn y() {}\n",
    }


def test_check_files_still_checks_children_of_a_mod_rs(tmp_path) -> None:
    require_rustfmt()
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mod.rs").write_text("pub mod a;\n")
    child = tmp_path / "models" / "a.rs"
    child.write_text("fn x() {}\n")
    paths = [str(tmp_path / "models" / "mod.rs"), str(child)]
    assert check_files(paths) == (True, "")
    child.write_text("fn  x( ) {}\n")
    ok, output = check_files(paths)
    assert not ok
    assert "a.rs" in output

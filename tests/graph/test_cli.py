"""CLI: index, search, symbol, callers/callees, impact and demo print real results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from semgraph.server.cli import main
from tests.support import copy_fixture


@pytest.fixture(scope="module")
def rustshop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_fixture("rustshop", tmp_path_factory.mktemp("cli"))
    assert main(["index", str(root), "--root", str(root), "--json"]) == 0
    return root


PARENT = ("impl", "rustshop::services::users::<impl UserService>")


def run_json(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_index_search_symbol_on_rustshop(rustshop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = ["--root", str(rustshop)]
    again = run_json(capsys, ["index", str(rustshop), *root])
    assert (again["files_parsed"], again["files_unchanged"]) == (0, 11)
    assert again["languages"] == {"rust": {"files": 11, "symbols": 83, "loc": 302}}  # 2 are diesel table! modules
    hits = run_json(capsys, ["search", "user service", "--kind", "struct", *root])["hits"]
    assert [h["qualified_name"] for h in hits] == [
        "rustshop::services::users::UserService",
        "rustshop::services::users::MinLength",  # "services::users" in its qualified name matches too
    ]
    detail = run_json(capsys, ["symbol", "UserService::register", *root])
    assert detail["symbol"]["qualified_name"] == "rustshop::services::users::UserService::register"
    assert detail["symbol"]["doc"] == "Register a new account."
    assert (detail["parent"]["kind"], detail["parent"]["qualified_name"]) == PARENT


def test_rust_types_list_their_impls(rustshop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = ["--root", str(rustshop)]
    error = run_json(capsys, ["symbol", "crate::errors::ShopError", *root])
    assert [b["name"] for b in error["impl_blocks"]] == [
        "fmt::Display for ShopError",
        "ResponseError for ShopError",
        "From<diesel::result::Error> for ShopError",
    ]
    assert [m["name"] for m in error["impl_methods"]] == ["fmt", "error_response", "from"]
    policy = run_json(capsys, ["symbol", "rustshop::services::users::PasswordPolicy", *root])
    assert [b["name"] for b in policy["impl_blocks"]] == ["PasswordPolicy for MinLength"]
    assert main(["symbol", "crate::models::User", *root]) == 0
    assert "methods: find_by_email, find" in capsys.readouterr().out


def test_callers_callees_and_impact_text(rustshop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = ["--root", str(rustshop)]
    capsys.readouterr()
    assert main(["callers", "crate::models::User::find_by_email", "--depth", "2", *root]) == 0
    callers = (
        "rustshop::models::User::find_by_email  src/models.rs:47",
        "← rustshop::services::users::UserService::register  [import] src/services/users.rs:34",
        # `UserService::new(&mut conn).register(..)`: `new` is declared `-> Self`, so the chain is typed, surely
        "← rustshop::handlers::users::register  [typed] src/handlers/users.rs:17",
        "← rustshop::services::users::UserService::login  [import] src/services/users.rs:44",
        "← rustshop::handlers::users::login  [typed] src/handlers/users.rs:28",
    )  # no "left out" line: every edge here is certain
    assert " ".join(capsys.readouterr().out.split()) == " ".join(" ".join(callers).split())
    assert main(["callees", "crate::services::orders::OrderService::checkout", *root]) == 0
    callees = (
        "rustshop::services::orders::OrderService::checkout  src/services/orders.rs:19",
        "→ rustshop::models::User::find  [import] src/models.rs:55",
        "→ rustshop::services::orders::OrderService::create_order  [self] src/services/orders.rs:30",
        "→ rustshop::services::orders::OrderService::mark_paid  [self] src/services/orders.rs:35",
        'unresolved calls: Err, ShopError::Invalid, "empty cart".into, self.conn.transaction, users::table.find, '
        'users::table.find().select, User::as_select, users::table.find().select().first, "pending".into, Ok, '
        "diesel::insert_into, diesel::insert_into().values, diesel::insert_into().values().get_result, "
        "diesel::update, orders::table.find, diesel::update().set, orders::status.eq, "
        "diesel::update().set().get_result",
    )
    assert " ".join(capsys.readouterr().out.split()) == " ".join(" ".join(callees).split())
    res = run_json(capsys, ["impact", "--file", "src/db.rs", "--max-depth", "1", *root])
    assert [f["path"] for f in res["files"]] == ["src/main.rs", "src/handlers/orders.rs", "src/handlers/users.rs"]


def test_errors_are_one_line(rustshop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = ["--root", str(rustshop)]
    assert main(["symbol", "nothing_like_this", *root]) == 1
    assert "unknown symbol 'nothing_like_this'" in capsys.readouterr().err
    assert main(["search", "x", "--limit", "0", *root]) == 1
    assert main(["impact", *root]) == 1
    assert "give exactly one of NAME, --file, --diff or --git" in capsys.readouterr().err


def test_demo_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "   4  pyshop.config.load_config  pyshop/config.py:15" in lines  # the most-called function
    assert "pyshop.services.orders.OrderService.checkout  pyshop/services/orders.py:20" in lines  # call graph root
    assert "seeds: pyshop.config.load_config" in lines  # impact of the most-called function
    flows = sorted(line.split()[0] for line in lines if line.endswith(")") and " POST /" in line)
    assert flows == ["authentication", "payment_processing", "user_registration"]  # workflows from the routes
    assert "    rule: product.stock ≥ quantity" in lines
    assert "…" not in out  # nothing cut to fit the terminal


def test_index_outside_the_working_directory_makes_path_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    other = copy_fixture("pyshop", tmp_path / "code")
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    report = run_json(capsys, ["index", str(other)])
    assert (report["root"], report["files_parsed"]) == (str(other.resolve()), 22)
    assert (other / ".semgraph" / "index.db").is_file() and not (cwd / ".semgraph").exists()
    hits = run_json(capsys, ["search", "UserService", "--root", str(other)])["hits"]
    assert hits[0]["qualified_name"] == "pyshop.services.users.UserService"
    # with --root, PATH must stay inside it (as for the server)
    assert main(["index", str(other), "--root", str(cwd)]) == 1
    assert "outside" in capsys.readouterr().err
    assert main(["index", str(tmp_path / "missing")]) == 1
    missing = str(tmp_path / "missing")
    assert capsys.readouterr().err == f"error: root {missing!r} is not a directory (pass an existing directory)\n"


def test_possible_alternatives_are_left_out_and_marked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_fixture("cargo_ws", tmp_path)
    assert main(["index", str(root), "--root", str(root), "--json"]) == 0
    capsys.readouterr()
    # DbAudit::record is reached only through `dyn Audit` calls with two implementations: possible edges
    assert main(["callers", "core_ledger::notify::DbAudit::record", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    left_out = "2 possible edge(s) (name matches, dyn/cfg alternatives) left out: --include-possible shows them"
    assert " ".join(out.split("\n", 1)[1].split()) == left_out
    assert main(["callers", "core_ledger::notify::DbAudit::record", "--include-possible", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    expected = (
        "core_ledger::notify::DbAudit::record  crates/ledger-core/src/notify.rs:28",
        "← core_ledger::notify::alert  [alternative, possible] crates/ledger-core/src/notify.rs:33",
        "← core_ledger::notify::Dispatcher::send  [alternative, possible] crates/ledger-core/src/notify.rs:69",
        "← core_ledger::notify::broadcast  [typed] crates/ledger-core/src/notify.rs:78",
    )
    assert " ".join(out.split()) == " ".join(" ".join(expected).split())  # whitespace aside: the terminal may wrap

"""Call resolution idioms from real code, each reproduced by a fixture (fixtures/cargo_ws, fixtures/resolution_py).

Every edge is checked by the file and line it lands on, since two crates may hold the same qualified name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from semgraph.graph.store import GraphStore
from tests.graph.graphhelp import index

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def landed(db: Path) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(caller file, call text) → (resolution, 'path:line' of the target or None)."""
    with GraphStore.open(db, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT f.path, e.target, e.resolution, df.path || ':' || d.start_line FROM edges e "
            "JOIN files f ON f.id = e.file_id LEFT JOIN symbols d ON d.id = e.dst_id "
            "LEFT JOIN files df ON df.id = d.file_id WHERE e.kind = 'calls' AND e.resolution != 'alternative'"
        ).fetchall()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def alternatives(db: Path) -> dict[tuple[str, str], tuple[str, set[str]]]:
    """(caller file, call text) → (why, {'path:line' of each alternative target}) of the `possible` extra edges."""
    out: dict[tuple[str, str], tuple[str, set[str]]] = {}
    with GraphStore.open(db, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT f.path, e.target, json_extract(e.meta, '$.why'), df.path || ':' || d.start_line FROM edges e "
            "JOIN files f ON f.id = e.file_id JOIN symbols d ON d.id = e.dst_id JOIN files df ON df.id = d.file_id "
            "WHERE e.kind = 'calls' AND e.resolution = 'alternative'"
        ).fetchall()
    for path, target, why, where in rows:
        out.setdefault((path, target), (why, set()))[1].add(where)
    return out


@pytest.fixture(scope="module")
def cargo_ws(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("ws") / "cargo_ws"
    shutil.copytree(FIXTURES / "cargo_ws", root)
    index(root)
    db = root.parent / "cargo_ws-index.db"
    return {**landed(db), "alternatives": alternatives(db), "db": db}


@pytest.fixture(scope="module")
def py_idioms(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("py") / "resolution_py"
    shutil.copytree(FIXTURES / "resolution_py", root)
    index(root)
    return landed(root.parent / "resolution_py-index.db")


API = "crates/ledger-api/src/main.rs"
ACCOUNT = "crates/ledger-core/src/model/account.rs"


def test_workspace_crates_resolve_through_renamed_and_workspace_dependencies(cargo_ws: dict) -> None:
    # `core_ledger = { package = "ledger-core" }` whose [lib] name is core_ledger; `pub use model::account::Account`
    assert cargo_ws[(API, "Account::open")] == ("import", f"{ACCOUNT}:19")
    # `pub use errors::*` (a glob re-export at the crate root)
    assert cargo_ws[(API, "overdrawn")] == ("import", "crates/ledger-core/src/errors.rs:6")
    # `helpers = { package = "ledger-util" }`: the util crate's utils, not ledger-core's utils of the same path
    assert cargo_ws[(API, "check_admin")] == ("import", "crates/ledger-util/src/utils.rs:7")
    assert cargo_ws[(API, "core_ledger::utils::check_admin")] == ("qualified", "crates/ledger-core/src/utils.rs:2")
    assert cargo_ws[(ACCOUNT, "check_admin")] == ("import", "crates/ledger-core/src/utils.rs:2")  # crate::utils
    # `ledger-util = { workspace = true }` in ledger-core: `use ledger_util::utils::format_amount`
    assert cargo_ws[(ACCOUNT, "format_amount")] == ("import", "crates/ledger-util/src/utils.rs:2")


def test_macro_export_macros_resolve_across_crates(cargo_ws: dict) -> None:
    assert cargo_ws[(API, "ledger_log!")] == ("import", "crates/ledger-util/src/log.rs:3")


def test_rust_typed_receivers_and_std_calls(cargo_ws: dict) -> None:
    # `let mut account = Account::open(7)` and `open` is declared `-> Self`: the impl's method, surely
    assert cargo_ws[(API, "account.withdraw")] == ("typed", f"{ACCOUNT}:23")
    # `Account::default()` is the project's `impl Default for Account`
    assert cargo_ws[(API, "Account::default")] == ("import", f"{ACCOUNT}:13")
    # std / outside-crate calls are never linked to the project's `default` / `clone` by name
    for call in ("Default::default", "toml::from_str"):
        assert cargo_ws[(API, call)] == ("unresolved", None)
    assert cargo_ws[(ACCOUNT, "Default::default")] == ("unresolved", None)
    assert cargo_ws[(API, "account.clone")] == ("unresolved", None)
    assert cargo_ws[(API, "Some().map")] == ("unresolved", None)
    # Path / tempfile / Option methods of a value of unknown type: never the project's `Settings::path` by name
    for call in ("dir.path", "found.or"):
        assert cargo_ws[(API, call)] == ("unresolved", None)
    # a receiver of unknown type is at most a name match: possible, never certain
    assert cargo_ws[(API, "copy.close")] == ("name_match", f"{ACCOUNT}:31")


INV = "billing/invoices.py"


def test_python_cheap_types(py_idioms: dict) -> None:
    assert py_idioms[(INV, "store.save")] == ("typed", f"{INV}:17")  # store = AuditedStore(...)
    assert py_idioms[(INV, "super().save")] == ("self", f"{INV}:12")  # the base class's save
    assert py_idioms[(INV, "cls")] == ("self", f"{INV}:16")  # cls(...) in a classmethod is the class
    assert py_idioms[(INV, "total")] == ("same_module", f"{INV}:33")  # @overload stubs: the implementation
    assert py_idioms[(INV, "store.get")] == ("typed", f"{INV}:9")  # store = open_store() -> Store


def test_python_builtin_receivers_are_not_name_matched(py_idioms: dict) -> None:
    # `labels` is a dict literal: Store.get is a project method of the same name, not what is called
    assert py_idioms[(INV, "labels.get")] == ("unresolved", None)
    assert py_idioms[(INV, '",".join')] == ("unresolved", None)
    assert py_idioms[(INV, '"ok".upper')] == ("unresolved", None)


def test_type_method_suffix_needs_a_separator(py_idioms: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert py_idioms[("billing/cleanup.py", "Comment.delete")] == ("import", "billing/comments.py:2")
    assert py_idioms[("billing/cleanup.py", "comment.delete")] == ("typed", "billing/comments.py:2")
    # unimported `Comment.delete`: a name match among the methods of a type called exactly Comment (one), not
    # also ArchivedComment.delete, whose qualified name merely ends with "Comment.delete"
    db = next(tmp_path_factory.getbasetemp().glob("py*/resolution_py-index.db"))
    with GraphStore.open(db, readonly=True) as store:
        row = store.conn.execute(
            "SELECT e.resolution, e.candidates, d.qualified_name FROM edges e JOIN symbols d ON d.id = e.dst_id "
            "WHERE e.kind = 'calls' AND e.target = 'Comment.delete' AND e.line = 4"
        ).fetchone()
    assert row == ("name_match", 1, "billing.comments.Comment.delete")


def test_a_renamed_method_leaves_broken_call_sites_not_a_name_match(tmp_path: Path) -> None:
    from semgraph.graph.impact import BrokenCall, impact
    from tests.graph.graphhelp import db_for, write_tree

    root = write_tree(
        tmp_path / "shop",
        {
            "shop/orders.py": "class OrderRepo:\n    def archive(self, order_id):\n        return order_id\n",
            "shop/users.py": "class UserRepo:\n    def archive(self, user_id):\n        return user_id\n",
            "shop/jobs.py": (
                "from shop.orders import OrderRepo\n\n\n"
                "def nightly(ids):\n    repo = OrderRepo()\n    for i in ids:\n        repo.archive(i)\n"
            ),
        },
    )
    index(root)
    db = db_for(root)
    assert landed(db)[("shop/jobs.py", "repo.archive")] == ("typed", "shop/orders.py:2")
    (root / "shop/orders.py").write_text("class OrderRepo:\n    def retire(self, order_id):\n        return order_id\n")
    index(root)
    # not re-linked to UserRepo.archive by name: the call now calls nothing, and says what it called
    assert landed(db)[("shop/jobs.py", "repo.archive")] == ("unresolved", None)
    with GraphStore.open(db, readonly=True) as store:
        meta = store.conn.execute("SELECT meta FROM edges WHERE target = 'repo.archive'").fetchone()[0]
        assert meta == '{"type": "OrderRepo", "broken": "shop.orders.OrderRepo.archive (shop/orders.py:2)"}'
        diff = "--- a/shop/orders.py\n+++ b/shop/orders.py\n@@ -2 +2 @@\n-    def archive(self, order_id):\n+    def retire(self, order_id):\n"
        res = impact(store, diff=diff)
    assert res.broken_calls == [
        BrokenCall(
            "shop/jobs.py", 7, "shop.jobs.nightly", "repo.archive", "shop.orders.OrderRepo.archive (shop/orders.py:2)"
        )
    ]
    assert "1 call site(s) lost their definition: see broken_calls" in res.notes


def test_search_ranks_definitions_before_tests(py_idioms: dict, tmp_path_factory: pytest.TempPathFactory) -> None:
    from semgraph.graph.queries_api import search

    db = next(tmp_path_factory.getbasetemp().glob("py*/resolution_py-index.db"))
    with GraphStore.open(db, readonly=True) as store:
        names = [h.qualified_name for h in search(store, "store save").hits]
        # the defining methods first; the test that mentions both words last, though its name matches best
        assert names == [
            "billing.invoices.Store.save",
            "billing.invoices.AuditedStore.save",
            "tests.test_invoices.test_store_save_then_get",
        ]
        # a query that asks for tests gets them as any other match
        assert search(store, "test store save").hits[0].qualified_name == "tests.test_invoices.test_store_save_then_get"


def test_go_and_java_declared_types(tmp_path_factory: pytest.TempPathFactory) -> None:
    base = tmp_path_factory.mktemp("gj")
    for name in ("resolution_go", "resolution_java"):
        shutil.copytree(FIXTURES / name, base / name)
        index(base / name)
    go = landed(base / "resolution_go-index.db")
    # `a.core.Lend`: a is the receiver (*App), App.core a *core.Core: Core's method, not App.Lend by name
    assert go[("cmd/app.go", "a.core.Lend")] == ("typed", "internal/core/core.go:7")
    # `w http.ResponseWriter` is a type of an outside package: never App.Write by name
    assert go[("cmd/app.go", "w.Write")] == ("unresolved", None)
    # the same field from a file without the import: the one Go package `core` (web/src/core.ts is not one)
    assert go[("cmd/health.go", "a.core.Lend")] == ("typed", "internal/core/core.go:7")
    # `svc := core.NewService()` returns the Service interface; `store, _ := core.NewStore()` a *Store
    assert go[("cmd/report.go", "svc.Count")] == ("typed", "internal/core/service.go:5")
    assert go[("cmd/report.go", "store.Get")] == ("typed", "internal/core/service.go:23")
    # `rg *routing.RouteGroup` (import path ending /v2: the package is `routing`), a chain on `*http.Request`,
    # the embedded `*zap.SugaredLogger`: outside types, never Store.Get or logger.With by name
    assert go[("cmd/report.go", "rg.Get")] == ("unresolved", None)
    assert go[("cmd/report.go", "req.URL.Query().Get")] == ("unresolved", None)
    assert go[("cmd/report.go", "l.SugaredLogger.With")] == ("unresolved", None)
    java = landed(base / "resolution_java-index.db")
    with GraphStore.open(base / "resolution_java-index.db", readonly=True) as store:
        java_rows = store.conn.execute(
            "SELECT f.path, e.line, e.target, df.path || ':' || d.start_line FROM edges e "
            "JOIN files f ON f.id = e.file_id LEFT JOIN symbols d ON d.id = e.dst_id "
            "LEFT JOIN files df ON df.id = d.file_id WHERE e.kind = 'calls'"
        ).fetchall()
    svc = "src/main/java/com/lib/service/LoanService.java"
    assert java[(svc, "books.findByIsbn")] == ("typed", "src/main/java/com/lib/repo/BookRepository.java:6")
    assert java[(svc, "book.getId")] == ("typed", "src/main/java/com/lib/repo/Book.java:6")
    # overloads told apart by argument count: an instance method, a static one, and an implicit `this.send`
    notifier = "src/main/java/com/lib/service/Notifier.java"
    sends = {(r[1], r[3]) for r in java_rows if r[0] == svc and r[2] == "notifier.send"}
    assert sends == {(17, f"{notifier}:4"), (18, f"{notifier}:8")}
    formats = {(r[1], r[3]) for r in java_rows if r[0] == svc and r[2] == "Notifier.format"}
    assert formats == {(19, f"{notifier}:12"), (20, f"{notifier}:16")}
    assert {(r[2], r[3]) for r in java_rows if r[0] == notifier and r[1] == 5} == {("send", f"{notifier}:8")}
    # a getter chain: Book.getBorrower() is declared to return a Member, so Member.getId, not Book.getId
    assert java[(svc, "book.getBorrower().getId")] == ("typed", "src/main/java/com/lib/repo/Member.java:6")
    # findById is inherited from Spring's JpaRepository: not Member.findById of the project
    assert java[(svc, "books.findById")] == ("unresolved", None)


def test_python_callable_parameter_typed_by_its_call_annotation(
    py_idioms: dict, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # `store = factory(...)` with `factory: StoreFactory` whose __call__ is declared `-> Store`
    db = next(tmp_path_factory.getbasetemp().glob("py*/resolution_py-index.db"))
    with GraphStore.open(db, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT s.qualified_name, e.resolution, d.qualified_name FROM edges e JOIN symbols s ON s.id = e.src_id "
            "LEFT JOIN symbols d ON d.id = e.dst_id WHERE e.kind = 'calls' AND e.target = 'store.get' "
            "AND s.qualified_name LIKE 'billing.%' ORDER BY e.line"
        ).fetchall()
    assert rows == [
        ("billing.invoices.lookup", "typed", "billing.invoices.Store.get"),
        ("billing.invoices.lookup_with", "typed", "billing.invoices.Store.get"),
    ]


def test_get_symbol_of_an_overloaded_name_is_its_implementation(
    py_idioms: dict, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from semgraph.graph.queries_api import resolve_symbol

    db = next(tmp_path_factory.getbasetemp().glob("py*/resolution_py-index.db"))
    with GraphStore.open(db, readonly=True) as store:
        s = resolve_symbol(store, "billing.invoices.total")
    assert (s.path, s.start_line, s.signature) == ("billing/invoices.py", 33, "def total(amounts)")


CORE = "crates/ledger-core/src"


def test_stored_rust_names_carry_their_crate(cargo_ws: dict) -> None:
    # two crates' `crate::utils::check_admin` are two names, each with its crate (the [lib] name, else the package)
    with GraphStore.open(cargo_ws["db"], readonly=True) as store:
        rows = store.conn.execute(
            "SELECT s.qualified_name, f.module FROM symbols s JOIN files f ON f.id = s.file_id "
            "WHERE s.name = 'check_admin' ORDER BY f.path"
        ).fetchall()
        assert rows == [
            ("core_ledger::utils::check_admin", "core_ledger::utils"),
            ("ledger_util::utils::check_admin", "ledger_util::utils"),
        ]
        # a name written from inside a crate still finds the definitions (one per crate)
        found = store.find_symbols("crate::utils::check_admin")
        assert sorted(s.qualified_name for s in found) == [r[0] for r in rows]
        main = store.conn.execute("SELECT qualified_name FROM symbols WHERE name = 'main'").fetchone()
        assert main == ("ledger_api::main",)


def test_path_attribute_modules(cargo_ws: dict) -> None:
    # `#[path = "platform/unix_fs.rs"] pub mod fs;` in core_ledger's lib.rs: `core_ledger::fs::…` is that file
    assert cargo_ws[(API, "core_ledger::fs::sync_dir")] == ("qualified", f"{CORE}/platform/unix_fs.rs:2")


def test_cfg_twins_are_both_candidates(cargo_ws: dict) -> None:
    twins = {f"{CORE}/backend.rs:3", f"{CORE}/backend.rs:8"}
    for caller, call in ((API, "core_ledger::backend::name"), (f"{CORE}/backend.rs", "name")):
        how, first = cargo_ws[(caller, call)]
        assert how in ("qualified", "same_module") and first in twins
        assert cargo_ws["alternatives"][(caller, call)] == ("cfg", twins - {first})
    # one definition: no alternative
    assert (API, "core_ledger::backend::describe") not in cargo_ws["alternatives"]


def test_trait_object_calls_go_to_the_impls(cargo_ws: dict) -> None:
    notify = f"{CORE}/notify.rs"
    # `n: &dyn Notifier` and one type implements it: that impl's method, surely
    assert cargo_ws[(notify, "n.notify")] == ("typed", f"{notify}:9")
    # `audit: Box<dyn Audit>` with two implementations: the trait's method, each impl a possible alternative
    assert cargo_ws[(notify, "audit.record")] == ("typed", f"{notify}:15")
    assert cargo_ws["alternatives"][(notify, "audit.record")] == ("dyn", {f"{notify}:22", f"{notify}:28"})


def test_imports_of_an_inline_module(cargo_ws: dict) -> None:
    # `use super::helpers::email;` inside `mod tests`, with `mod helpers { .. }` in the same file
    assert cargo_ws[(f"{CORE}/notify.rs", "email")] == ("import", f"{CORE}/notify.rs:42")


def test_alternatives_are_made_again_when_their_target_file_changes(tmp_path: Path) -> None:
    from tests.graph.graphhelp import db_for

    root = tmp_path / "cargo_ws"
    shutil.copytree(FIXTURES / "cargo_ws", root)
    index(root)
    db = db_for(root)
    call = (API, "core_ledger::backend::name")
    before = (landed(db)[call], alternatives(db)[call])
    backend = root / "crates/ledger-core/src/backend.rs"
    backend.write_text("// edited\n" + backend.read_text())  # every definition moves one line down
    index(root)
    twins = {f"{CORE}/backend.rs:4", f"{CORE}/backend.rs:9"}
    how, first = landed(db)[call]
    assert (how, alternatives(db)[call]) == (before[0][0], ("cfg", twins - {first}))
    with GraphStore.open(db, readonly=True) as store:  # one main edge and one alternative, not duplicates
        n = store.conn.execute(
            "SELECT count(*) FROM edges WHERE kind = 'calls' AND target = 'core_ledger::backend::name'"
        ).fetchone()[0]
    assert n == 2 and first in twins


def test_rust_self_fields_and_chains(cargo_ws: dict) -> None:
    notify = f"{CORE}/notify.rs"
    # `self.notifier` is declared `notifier: Email`; `self.audit` is `Box<dyn Audit>` (two impls)
    assert cargo_ws[(notify, "self.notifier.notify")] == ("typed", f"{notify}:9")
    assert cargo_ws[(notify, "self.audit.record")] == ("typed", f"{notify}:15")
    assert cargo_ws["alternatives"][(notify, "self.audit.record")] == ("dyn", {f"{notify}:22", f"{notify}:28"})
    # `Dispatcher::new()` is declared `-> Self`: the chain's next method is Dispatcher's
    assert cargo_ws[(notify, "Dispatcher::new().send")] == ("typed", f"{notify}:69")
    # a derive-made `Job::builder()`: the chain's values are of a type we do not have, so no name match
    assert cargo_ws[(API, "Job::builder().name().build")] == ("unresolved", None)


def test_integration_test_crates_reach_their_helper_modules(cargo_ws: dict) -> None:
    # tests/amounts.rs is a crate root of its own: `mod common;` is tests/common/mod.rs, `crate::common` too
    tests, common = "crates/ledger-util/tests/amounts.rs", "crates/ledger-util/tests/common/mod.rs:2"
    assert cargo_ws[(tests, "amount_of")] == ("import", common)
    # and the helper reaches the library it tests through the package's own name
    helper = "crates/ledger-util/tests/common/mod.rs"
    assert cargo_ws[(helper, "ledger_util::utils::format_amount")] == ("qualified", "crates/ledger-util/src/utils.rs:2")


def test_extension_trait_on_an_outside_type(cargo_ws: dict) -> None:
    # `value: &toml::Value` and the project's one `impl ValueExt for toml::Value` defining `describe`
    assert cargo_ws[(API, "value.describe")] == ("typed", f"{API}:70")


@pytest.fixture(scope="module")
def ts_idioms(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("ts") / "resolution_ts"
    shutil.copytree(FIXTURES / "resolution_ts", root)
    index(root)
    return landed(root.parent / "resolution_ts-index.db")


AUTH = "src/auth/auth.service.ts"
USERS = "src/users/users.service.ts"


def test_typescript_constructor_injected_services_and_typed_fields(ts_idioms: dict) -> None:
    # NestJS: `constructor(private usersService: UsersService)` makes a field; the call is its class's method
    assert ts_idioms[(AUTH, "this.usersService.findById")] == ("typed", "src/users/users.service.ts:9")
    assert ts_idioms[(AUTH, "this.usersService.softDelete")] == ("typed", "src/users/users.service.ts:13")
    # `private readonly logger: AppLogger;` (a field with a stated type)
    assert ts_idioms[(AUTH, "this.logger.log")] == ("typed", "src/utils/logger.ts:2")
    # an abstract repository injected by its abstract class: its declaration, not one implementation by name
    assert ts_idioms[(USERS, "this.usersRepository.findById")] == (
        "typed",
        "src/users/persistence/user.repository.ts:4",
    )
    assert ts_idioms[(USERS, "this.usersRepository.remove")] == ("typed", "src/users/persistence/user.repository.ts:6")
    # a parameter with a stated type, and a local made by `new`
    assert ts_idioms[(USERS, "user.rename")] == ("typed", "src/users/user.ts:5")
    assert ts_idioms[(AUTH, "mailer.send")] == ("typed", "src/mail/mailer.ts:2")


def test_typescript_receivers_typed_by_a_package_are_never_name_matched(ts_idioms: dict) -> None:
    # `jwtService: JwtService` from @nestjs/jwt: not the project's TokenService.sign
    assert ts_idioms[(AUTH, "this.jwtService.sign")] == ("unresolved", None)
    # `rows: Repository<User>` (typeorm): not UsersService.findOne / softDelete of the project
    repo = "src/users/persistence/relational-user.repository.ts"
    assert ts_idioms[(repo, "this.rows.findOne")] == ("unresolved", None)
    assert ts_idioms[(repo, "this.rows.softDelete")] == ("unresolved", None)


def test_typescript_default_imports_reach_the_default_export(ts_idioms: dict) -> None:
    # `export default validateConfig;` after the function, `import validateConfig from '../utils/validate-config'`
    assert ts_idioms[("src/config/app.config.ts", "validateConfig")] == ("import", "src/utils/validate-config.ts:1")
    # `export default class Mailer`, then `new Mailer()`
    assert ts_idioms[(AUTH, "Mailer")] == ("import", "src/mail/mailer.ts:1")


def test_typescript_tsconfig_paths_and_type_aliases(ts_idioms: dict) -> None:
    wallet = "src/wallet/wallet.service.ts"
    # `import { Guard } from '@libs/guard'` with tsconfig `"paths": {"@libs/*": ["src/libs/*"]}` (JSONC)
    assert ts_idioms[(wallet, "Guard.isEmpty")] == ("import", "src/libs/guard.ts:2")
    # `type WalletRepositoryPort = RepositoryPort<Wallet>`: the aliased interface's method
    assert ts_idioms[(wallet, "this.walletRepo.insert")] == ("typed", "src/libs/ports/repository.port.ts:2")


def test_typescript_file_named_like_its_function_and_global_objects(ts_idioms: dict) -> None:
    wallet = "src/wallet/wallet.service.ts"
    # `getWallet.ts` defines `getWallet`: the function, not the file's module symbol of the same name
    assert ts_idioms[(wallet, "getWallet")] == ("import", "src/wallet/getWallet.ts:5")
    # a global object: never the project's AppLogger.log by name
    assert ts_idioms[(wallet, "console.log")] == ("unresolved", None)


def test_java_overloads_stay_apart_when_the_callee_file_is_reindexed(tmp_path: Path) -> None:
    root = tmp_path / "resolution_java"
    shutil.copytree(FIXTURES / "resolution_java", root)
    index(root)
    notifier = root / "src/main/java/com/lib/service/Notifier.java"
    notifier.write_text("// moved down one line\n" + notifier.read_text())
    index(root)  # LoanService's calls into Notifier are resolved again from their stored rows
    with GraphStore.open(root.parent / "resolution_java-index.db", readonly=True) as store:
        rows = store.conn.execute(
            "SELECT e.line, d.start_line, e.meta FROM edges e JOIN files f ON f.id = e.file_id "
            "JOIN symbols d ON d.id = e.dst_id WHERE e.target = 'notifier.send' AND f.path LIKE '%LoanService.java'"
        ).fetchall()
    assert sorted(rows) == [
        (17, 5, '{"type": "Notifier", "args": 1}'),
        (18, 9, '{"type": "Notifier", "args": 2}'),
    ]

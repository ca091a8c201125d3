"""resolver: exact call/import/base edges with how each was resolved."""

from __future__ import annotations

from pathlib import Path

from tests.graph.graphhelp import call_edges, db_for, index, write_tree

PY = {
    "shop/__init__.py": "",
    "shop/db.py": "def save(obj):\n    return obj\n\n\ndef connect():\n    return 1\n",
    "shop/models.py": (
        "class Base:\n"
        "    def validate(self):\n"
        "        return True\n\n\n"
        "class User(Base):\n"
        "    def save(self):\n"
        "        self.validate()\n"
        "        return self.check()\n\n"
        "    def check(self):\n"
        "        return True\n"
    ),
    "shop/services/__init__.py": "",
    "shop/services/users.py": (
        "from ..models import User\n"
        "from shop import db\n"
        "import shop.db\n\n\n"
        "def register(email):\n"
        "    user = User()\n"
        "    db.save(user)\n"
        "    shop.db.connect()\n"
        "    audit(email)\n"
        "    process(email)\n"
        "    return user.save()\n\n\n"
        "def audit(email):\n"
        "    def inner():\n"
        "        return email\n"
        "    return inner()\n"
    ),
    "shop/jobs/a.py": "def process(x):\n    return x\n",
    "shop/jobs/b.py": "def process(x):\n    return x\n",
    "shop/cli.py": "from shop.services.users import register as reg\n\n\ndef main():\n    reg('a@b.c')\n    missing()\n",
}


def test_python_resolution_kinds(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "py", PY)
    index(root)
    db = db_for(root)
    edges = call_edges(db)
    expected = {
        ("shop.models.User.save", "self.validate", "self", 1, "shop.models.Base.validate"),  # through the base
        ("shop.models.User.save", "self.check", "self", 1, "shop.models.User.check"),
        ("shop.services.users.register", "User", "import", 1, "shop.models.User"),  # relative import, constructor
        ("shop.services.users.register", "db.save", "import", 1, "shop.db.save"),  # from package import module
        ("shop.services.users.register", "shop.db.connect", "import", 1, "shop.db.connect"),  # import a.b
        ("shop.services.users.register", "audit", "same_module", 1, "shop.services.users.audit"),
        # the same name in two modules, neither imported: name match among 2 candidates
        ("shop.services.users.register", "process", "name_match", 2, "shop.jobs.a.process"),
        # a method call on a local variable: name-matched among methods only (shop.db.save is a function)
        ("shop.services.users.register", "user.save", "typed", 1, "shop.models.User.save"),
        ("shop.services.users.audit", "inner", "same_module", 1, "shop.services.users.audit.inner"),
        ("shop.cli.main", "reg", "import", 1, "shop.services.users.register"),  # aliased import
        ("shop.cli.main", "missing", "unresolved", 0, None),
    }
    assert edges == expected
    bases = call_edges(db, "inherits")
    assert bases == {("shop.models.User", "Base", "same_module", 1, "shop.models.Base")}
    imports = {(src, target, res, dst) for src, target, res, _c, dst in call_edges(db, "imports")}
    assert imports == {
        ("shop.services.users", "..models", "import", "shop.models.User"),
        ("shop.services.users", "shop", "import", "shop.db"),
        ("shop.services.users", "shop.db", "import", "shop.db"),
        ("shop.cli", "shop.services.users", "import", "shop.services.users.register"),
    }


RS = {
    "Cargo.toml": '[package]\nname = "rs"\nversion = "0.1.0"\n',
    "src/main.rs": (
        "mod db;\nmod models;\nmod services;\n\n"
        "use crate::services::users::register;\n\n"
        'fn main() {\n    register("a");\n    crate::db::connect();\n    println!("done");\n}\n'
    ),
    "src/db.rs": "pub fn connect() -> i32 {\n    1\n}\n\npub fn find_user(id: i32) -> i32 {\n    id\n}\n",
    "src/models.rs": (
        "use std::fmt;\n\n"
        "pub struct User {\n    pub id: i32,\n}\n\n"
        "impl User {\n"
        "    pub fn new(id: i32) -> Self {\n        Self::check(id);\n        User { id }\n    }\n\n"
        "    fn check(id: i32) -> bool {\n        id > 0\n    }\n\n"
        "    pub fn save(&self) -> i32 {\n        self.persist()\n    }\n\n"
        "    fn persist(&self) -> i32 {\n        super::db::connect()\n    }\n"
        "}\n\n"
        "pub trait Greeter {\n    fn greet(&self) -> i32;\n}\n\n"
        "impl Greeter for User {\n    fn greet(&self) -> i32 {\n        self.save()\n    }\n}\n\n"
        "impl fmt::Display for User {\n"
        '    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {\n        write!(f, "{}", self.id)\n    }\n'
        "}\n"
    ),
    "src/services/mod.rs": "pub mod users;\n",
    "src/services/users.rs": (
        "use crate::db;\nuse crate::models::User;\n\n"
        "pub fn register(email: &str) -> i32 {\n"
        "    let user = User::new(1);\n"
        "    db::find_user(user.id);\n"
        "    user.save();\n"
        "    helper(email)\n"
        "}\n\n"
        "fn helper(email: &str) -> i32 {\n    email.len() as i32\n}\n"
    ),
}


def test_rust_resolution_kinds(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "rs", RS)
    index(root)
    db = db_for(root)
    edges = resolved(db)
    assert edges == {
        ("rs::main", "register", "import", 1, "rs::services::users::register"),
        ("rs::main", "crate::db::connect", "qualified", 1, "rs::db::connect"),
        ("rs::models::User::new", "Self::check", "self", 1, "rs::models::User::check"),
        ("rs::models::User::save", "self.persist", "self", 1, "rs::models::User::persist"),
        ("rs::models::User::persist", "super::db::connect", "qualified", 1, "rs::db::connect"),
        # a trait impl's method reaches the inherent impl of the same type
        ("rs::models::User::greet", "self.save", "self", 1, "rs::models::User::save"),
        ("rs::services::users::register", "User::new", "import", 1, "rs::models::User::new"),
        ("rs::services::users::register", "db::find_user", "import", 1, "rs::db::find_user"),
        ("rs::services::users::register", "user.save", "typed", 1, "rs::models::User::save"),
        ("rs::services::users::register", "helper", "same_module", 1, "rs::services::users::helper"),
    }
    assert call_edges(db, "implements") == {
        ("rs::models::<impl fmt::Display for User>", "fmt::Display", "unresolved", 0, None),  # std: external
        ("rs::models::<impl Greeter for User>", "Greeter", "same_module", 1, "rs::models::Greeter"),
    }
    assert {e for e in call_edges(db) if e[4] is None} == {
        ("rs::services::users::helper", "email.len", "unresolved", 0, None)
    }


def resolved(db: Path) -> set:
    return {e for e in call_edges(db) if e[4] is not None}


MIXED = {
    "src/util/index.ts": "export function helper(x: number) { return x * 2; }\n",
    "src/models.ts": (
        "export class User {\n  constructor(public id: number) {}\n"
        "  save(): number { return this.check(); }\n  check(): number { return 1; }\n}\n"
    ),
    "src/service.ts": (
        "import { helper } from './util';\nimport { User as U } from './models';\nimport * as m from './models';\n\n"
        "export class Service {\n  run(): number {\n    const u = new U(1);\n    new m.User(2);\n"
        "    helper(1);\n    return u.save();\n  }\n}\n"
    ),
    "main.go": 'package main\n\nimport "example.com/app/db"\n\nfunc main() {\n\tdb.Connect()\n\trun()\n}\n\nfunc run() {}\n',
    "db/db.go": "package db\n\nfunc Connect() int { return helper() }\n\nfunc helper() int { return 1 }\n",
    "java/com/shop/Service.java": (
        "package com.shop;\n\nimport com.shop.repo.UserRepo;\n\npublic class Service {\n  public void run() {\n"
        "    UserRepo r = new UserRepo();\n    r.save();\n    this.check();\n  }\n  void check() {}\n}\n"
    ),
    "java/com/shop/repo/UserRepo.java": "package com.shop.repo;\n\npublic class UserRepo {\n  public void save() {}\n}\n",
}


def test_typescript_go_java_resolution(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "mixed", MIXED)
    index(root)
    assert call_edges(db_for(root)) == {
        # TS: index-file resolution, aliased and namespace imports, `new`, this.x()
        ("src/service.Service.run", "U", "import", 1, "src/models.User"),
        ("src/service.Service.run", "m.User", "import", 1, "src/models.User"),
        ("src/service.Service.run", "helper", "import", 1, "src/util/index.helper"),
        ("src/service.Service.run", "u.save", "typed", 1, "src/models.User.save"),  # `const u = new U(1)`
        ("src/models.User.save", "this.check", "self", 1, "src/models.User.check"),
        # Go: package import by path suffix, same package
        ("main.main", "db.Connect", "import", 1, "db.Connect"),
        ("main.main", "run", "same_module", 1, "main.run"),
        ("db.Connect", "helper", "same_module", 1, "db.helper"),
        # Java: class import, constructor, this.x()
        ("com.shop.Service.run", "UserRepo", "import", 1, "com.shop.repo.UserRepo"),
        ("com.shop.Service.run", "r.save", "typed", 1, "com.shop.repo.UserRepo.save"),  # UserRepo r = ...: typed
        ("com.shop.Service.run", "this.check", "self", 1, "com.shop.Service.check"),
    }


def test_production_code_is_not_name_matched_into_tests(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "t",
        {
            "app/repo.py": "def save(store, x):\n    store.put(x)\n    store.persist()\n",
            "app/store.py": "class Store:\n    def persist(self):\n        pass\n",
            "tests/test_repo.py": (
                "class FakeSession:\n    def put(self, x):\n        pass\n\n    def persist(self):\n        pass\n\n\n"
                "def test_save():\n    FakeSession().put(1)\n    FakeSession().persist()\n"
            ),
        },
    )
    index(root)
    assert call_edges(db_for(root)) == {
        ("app.repo.save", "store.put", "unresolved", 1, None),  # the only `put` is test code
        ("app.repo.save", "store.persist", "name_match", 1, "app.store.Store.persist"),  # the test one is dropped
        ("tests.test_repo.test_save", "FakeSession", "same_module", 1, "tests.test_repo.FakeSession"),
        ("tests.test_repo.test_save", "FakeSession().put", "same_module", 1, "tests.test_repo.FakeSession.put"),
        ("tests.test_repo.test_save", "FakeSession().persist", "same_module", 1, "tests.test_repo.FakeSession.persist"),
    }


def test_ambiguous_method_prefers_the_owner_named_like_the_receiver(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "amb",
        {
            "repos/orders.py": "class OrderRepository:\n    def create(self):\n        pass\n",
            "repos/users.py": "class UserRepository:\n    def create(self):\n        pass\n",
            "service.py": (
                "class Service:\n    def run(self):\n        self.users.create()\n        self.orders.create()\n"
                "        self.thing.create()\n"
            ),
        },
    )
    index(root)
    assert call_edges(db_for(root)) == {
        ("service.Service.run", "self.users.create", "name_match", 2, "repos.users.UserRepository.create"),
        ("service.Service.run", "self.orders.create", "name_match", 2, "repos.orders.OrderRepository.create"),
        # no word in common: the nearest by path, then the first by path
        ("service.Service.run", "self.thing.create", "name_match", 2, "repos.orders.OrderRepository.create"),
    }


TYPED = {
    "pkg/__init__.py": "",
    "pkg/base.py": "class Repository:\n    def get(self, key):\n        return key\n",
    "pkg/repos.py": (
        "from pkg.base import Repository\n\n\n"
        "class UserRepository(Repository):\n    def create(self, email):\n        return email\n\n"
        "    def add(self, user):\n        return user\n\n\n"
        "class OrderRepository:\n    def create(self, item):\n        return item\n"
    ),
    "pkg/app.py": "db = None\n",
    "pkg/services.py": (
        "from typing import Optional\n\n"
        "import requests\n\n"
        "from pkg.app import db\n"
        "from pkg.repos import OrderRepository, UserRepository\n\n\n"
        "class UserService:\n"
        "    def __init__(self, users: UserRepository, session):\n"
        "        self.users = users\n"
        "        self.orders = OrderRepository(session)\n"
        "        self.cache: Optional['UserRepository'] = None\n\n"
        "    def register(self, email, x):\n"
        "        self.users.create(email)\n"
        "        self.orders.create(email)\n"
        "        self.users.get(email)\n"
        "        self.cache.add(x)\n"
        "        db.session.add(x)\n"
        "        requests.post(email)\n\n\n"
        "def helper(repo: 'UserRepository', other: list[UserRepository], x):\n"
        "    repo.create(x)\n"
        "    other.create(x)\n"
    ),
}


def test_typed_receivers_and_library_receivers(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "typed", TYPED)
    index(root)
    edges = {e for e in call_edges(db_for(root)) if e[0].startswith("pkg.services.")}
    assert edges == {
        ("pkg.services.UserService.__init__", "OrderRepository", "import", 1, "pkg.repos.OrderRepository"),
        # `self.users = users` with `users: UserRepository`: the type's method, not a name match among 2
        ("pkg.services.UserService.register", "self.users.create", "typed", 1, "pkg.repos.UserRepository.create"),
        ("pkg.services.UserService.register", "self.orders.create", "typed", 1, "pkg.repos.OrderRepository.create"),
        ("pkg.services.UserService.register", "self.users.get", "typed", 1, "pkg.base.Repository.get"),  # a base's
        ("pkg.services.UserService.register", "self.cache.add", "typed", 1, "pkg.repos.UserRepository.add"),
        # a library object: no name match to UserRepository.add, even with one candidate
        ("pkg.services.UserService.register", "db.session.add", "unresolved", 0, None),
        ("pkg.services.UserService.register", "requests.post", "unresolved", 0, None),
        ("pkg.services.helper", "repo.create", "typed", 1, "pkg.repos.UserRepository.create"),
        # a generic annotation names no single class: the usual name match
        ("pkg.services.helper", "other.create", "name_match", 2, "pkg.repos.UserRepository.create"),
    }
    # an incremental re-resolution of the unchanged file keeps the stated types (stored in the edge's meta)
    repos = root / "pkg" / "repos.py"
    repos.unlink()
    index(root)
    assert ("pkg.services.helper", "repo.create", "unresolved", 0, None) in call_edges(db_for(root))
    repos.write_text(TYPED["pkg/repos.py"])
    index(root)
    assert {e for e in call_edges(db_for(root)) if e[0].startswith("pkg.services.")} == edges


def test_the_calling_function_stays_a_candidate_for_its_own_name(tmp_path: Path) -> None:
    """``def delete(self): self.store.delete()`` may recurse or reach the one other ``delete``: two candidates, a
    possible name match, never "1 candidate" (the caller is counted, the other definition is linked)."""
    root = write_tree(
        tmp_path / "own",
        {
            "app/__init__.py": "",
            "app/comments.py": "class Comment:\n    def delete(self):\n        self.store.delete()\n",
            "app/store.py": "class Store:\n    def delete(self):\n        return None\n",
        },
    )
    index(root)
    assert call_edges(db_for(root)) == {
        ("app.comments.Comment.delete", "self.store.delete", "name_match", 2, "app.store.Store.delete")
    }

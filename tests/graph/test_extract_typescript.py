"""TypeScript / TSX extractor: exact symbols, imports, calls, bases, metrics and errors."""

from __future__ import annotations

import textwrap

from semgraph.graph.extractors import extract
from semgraph.graph.model import EdgeKind, FileExtraction, SymbolKind

K = SymbolKind


def ts_(src: str, path: str = "src/users/service.ts") -> FileExtraction:
    return extract(textwrap.dedent(src).lstrip("\n").encode(), path)


def table(r: FileExtraction) -> list[tuple]:
    return [(s.kind, s.name, s.qualified_name, s.span.start_line, s.span.end_line, s.parent) for s in r.symbols]


SERVICE = """
import { Injectable } from '@angular/core';
import type { User as U } from "./models";
import * as db from '../db';

export interface Repo<T> extends Base<T> {
  find(id: number): Promise<T>;
  readonly name: string;
}

/** Business rules for users. */
@Injectable({ providedIn: 'root' })
export class UserService<T> extends BaseService<T> implements OnInit, Repo<T> {
  private readonly cache = new Map<number, U>();
  protected count = 0;

  constructor(private repo: Repo<U>) {
    super();
  }

  @Log('find')
  async find(this: UserService<T>, id: number, opts?: Options): Promise<U> {
    const hit = this.cache.get(id);
    return hit ?? (await this.repo.find(id));
  }
}

export type Id = number | string;
export enum Role { Admin, Member = 'member' }
const MAX = 10;
export const toId = <T,>(x: T): Id => String(x);
function overload(a: string): void;
function overload(a: any) {}
"""


def test_symbols_kinds_spans() -> None:
    r = ts_(SERVICE)
    m = "src/users/service"
    assert r.module == m
    assert table(r) == [
        (K.MODULE, "service", m, 1, 32, None),
        (K.INTERFACE, "Repo", f"{m}.Repo", 5, 8, 0),
        (K.METHOD, "find", f"{m}.Repo.find", 6, 6, 1),
        (K.FIELD, "name", f"{m}.Repo.name", 7, 7, 1),
        (K.CLASS, "UserService", f"{m}.UserService", 12, 25, 0),
        (K.FIELD, "cache", f"{m}.UserService.cache", 13, 13, 4),
        (K.FIELD, "count", f"{m}.UserService.count", 14, 14, 4),
        (K.METHOD, "constructor", f"{m}.UserService.constructor", 16, 18, 4),
        (K.METHOD, "find", f"{m}.UserService.find", 21, 24, 4),
        (K.TYPE_ALIAS, "Id", f"{m}.Id", 27, 27, 0),
        (K.ENUM, "Role", f"{m}.Role", 28, 28, 0),
        (K.FIELD, "Admin", f"{m}.Role.Admin", 28, 28, 10),
        (K.FIELD, "Member", f"{m}.Role.Member", 28, 28, 10),
        (K.CONSTANT, "MAX", f"{m}.MAX", 29, 29, 0),
        (K.FUNCTION, "toId", f"{m}.toId", 30, 30, 0),
        (K.FUNCTION, "overload", f"{m}.overload", 31, 31, 0),
        (K.FUNCTION, "overload", f"{m}.overload", 32, 32, 0),
    ]
    assert r.errors == []


def test_signature_doc_decorators_visibility() -> None:
    r = ts_(SERVICE)
    s = r.symbols
    cls = s[4]
    assert cls.signature == "class UserService<T> extends BaseService<T> implements OnInit, Repo<T>"
    assert cls.doc == "Business rules for users."
    assert cls.decorators == ["@Injectable({ providedIn: 'root' })"]
    assert cls.visibility == "public"
    find = s[8]
    assert find.signature == "async find(this: UserService<T>, id: number, opts?: Options): Promise<U>"
    assert find.decorators == ["@Log('find')"]
    assert (find.is_async, find.metrics["params"]) == (True, 2)
    assert [x.visibility for x in s[5:9]] == ["private", "protected", "public", "public"]
    assert (s[13].visibility, s[14].visibility) == ("private", "public")
    assert s[14].signature == "const toId = <T,>(x: T): Id =>"
    assert s[13].signature == "const MAX = 10"
    assert s[2].signature == "find(id: number): Promise<T>"


def test_bases_extends_implements() -> None:
    r = ts_(SERVICE)
    assert [(b.child, b.target, b.kind, b.line) for b in r.bases] == [
        (1, "Base", EdgeKind.INHERITS, 5),
        (4, "BaseService", EdgeKind.INHERITS, 12),
        (4, "OnInit", EdgeKind.IMPLEMENTS, 12),
        (4, "Repo", EdgeKind.IMPLEMENTS, 12),
    ]


def test_imports() -> None:
    r = ts_(SERVICE)
    assert [(i.module, i.name, i.alias, i.line, i.is_relative) for i in r.imports] == [
        ("@angular/core", "Injectable", "Injectable", 1, False),
        ("./models", "User", "U", 2, True),
        ("../db", "*", "db", 3, True),
    ]


def test_calls() -> None:
    r = ts_(SERVICE)
    assert [(c.caller, c.target, c.name, c.receiver, c.order) for c in r.calls] == [
        (0, "Injectable", "Injectable", "", 0),
        (4, "Map", "Map", "", 0),
        (7, "super", "super", "", 0),
        (4, "Log", "Log", "", 1),
        (8, "this.cache.get", "get", "this.cache", 0),
        (8, "this.repo.find", "find", "this.repo", 1),
        (14, "String", "String", "", 0),
    ]


def test_metrics_and_else_if_nesting() -> None:
    r = ts_(
        """
        export function route(req: Req, strict: boolean): number {
          if (strict && req.ok) {
            for (const x of req.items) {
              try {
                work(x);
              } catch (e) {
                return x ? 1 : 2;
              }
            }
          } else if (req.admin || req.root) {
            switch (req.kind) {
              case 'a':
              case 'b':
                break;
              default:
                return 3;
            }
          } else {
            while (req.next()) {}
          }
          return 0;
        }
        """
    )
    # 1 + if + && + for + catch + ternary + else-if + || + 2 extra arms + while = 11
    assert r.symbols[1].metrics == {"loc": 22, "complexity": 11, "max_nesting": 3, "params": 2}


def test_tsx_component() -> None:
    r = extract(
        b"import React from 'react';\n"
        b"export const App = ({ name }: Props) => {\n"
        b"  const [v, setV] = useState(0);\n"
        b"  return <Button onClick={() => setV(v + 1)}>{name}</Button>;\n"
        b"};\n",
        "web/src/App.tsx",
    )
    assert r.language == "tsx"
    assert table(r) == [(K.MODULE, "App", "web/src/App", 1, 5, None), (K.FUNCTION, "App", "web/src/App.App", 2, 5, 0)]
    assert [(c.caller, c.target, c.order) for c in r.calls] == [(1, "useState", 0), (1, "setV", 1)]
    assert [(i.module, i.name, i.alias) for i in r.imports] == [("react", "default", "React")]


def test_same_name_in_two_modules() -> None:
    a = ts_("export function save(x: number) {}\n", "src/a.ts")
    b = ts_("export function save(x: number) {}\n", "src/b.ts")
    assert (a.symbols[1].qualified_name, b.symbols[1].qualified_name) == ("src/a.save", "src/b.save")


def test_syntax_error_partial_results() -> None:
    r = ts_(
        """
        export function ok(): number { return helper(); }

        function broken(a: number {
          return a;
        }

        export class After {}
        """
    )
    assert [(e.line, e.col, e.message) for e in r.errors] == [(3, 26, 'missing ")"')]
    assert [(s.kind, s.name) for s in r.symbols[1:]] == [
        (K.FUNCTION, "ok"),
        (K.FUNCTION, "broken"),
        (K.CLASS, "After"),
    ]


def test_namespaces_are_nested_modules() -> None:
    r = ts_(
        'namespace A.B {\n  export function f() { g(); }\n  function p() {}\n}\ndeclare module "m" { function h(): void; }\n'
    )
    m = "src/users/service"
    assert [(s.kind, s.name, s.qualified_name, s.parent, s.visibility) for s in r.symbols[1:]] == [
        (K.MODULE, "A.B", f"{m}.A.B", 0, ""),
        (K.FUNCTION, "f", f"{m}.A.B.f", 1, "public"),
        (K.FUNCTION, "p", f"{m}.A.B.p", 1, "private"),
        (K.MODULE, "m", f"{m}.m", 0, ""),
        (K.FUNCTION, "h", f"{m}.m.h", 4, "private"),
    ]
    assert [(c.caller, c.target) for c in r.calls] == [(2, "g")]


def test_stated_receiver_types_of_fields_parameters_and_new_locals() -> None:
    src = textwrap.dedent(
        """\
        export class Svc {
          private readonly repo: Repository<User>;
          constructor(private readonly users: UsersService, plain: Mailer) {}
          run(u: User, v: User | null) {
            const s = new Store();
            const t: ns.Thing = make();
            this.repo.find(); this.users.get(); u.save(); v.save(); s.put(); t.go(); plain.send(); this.plain.send();
          }
        }
        function twice(x: A) { x.a(); }
        function again(x: B) { x.b(); }
        """
    )
    got = {c.target: c.receiver_type for c in extract(src.encode(), "src/svc.ts", "typescript").calls}
    assert got == {
        "Store": "",
        "make": "",
        "this.repo.find": "Repository",  # generic arguments dropped
        "this.users.get": "UsersService",  # a parameter property is a field of the class
        "u.save": "User",
        "v.save": "",  # a union: unknown
        "s.put": "Store",
        "t.go": "ns.Thing",
        "plain.send": "",  # a plain constructor parameter is the constructor's alone, not run's
        "this.plain.send": "",  # nor a field
        "x.a": "A",  # each function's own parameter
        "x.b": "B",
    }

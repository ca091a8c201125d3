"""JavaScript / JSX extractor: exact symbols, imports, calls, bases and metrics."""

from __future__ import annotations

import textwrap

from semgraph.graph.extractors import extract
from semgraph.graph.model import EdgeKind, FileExtraction, SymbolKind

K = SymbolKind


def js(src: str, path: str = "src/routes/users.js") -> FileExtraction:
    return extract(textwrap.dedent(src).lstrip("\n").encode(), path)


def table(r: FileExtraction) -> list[tuple]:
    return [(s.kind, s.name, s.qualified_name, s.span.start_line, s.span.end_line, s.parent) for s in r.symbols]


ROUTES = """
/** User routes. */

const express = require('express');
const { Router, json: parseJson } = require("express");
import api, { get as fetchOne } from './api';
export * from './types';
export { helper as h } from "./helpers";

const router = Router();
let count = 0;

/**
 * Load a user.
 * @param {number} id
 */
export async function loadUser(id, { cache } = {}, ...rest) {
  const normalize = (u) => u.name.trim();
  function inner() {
    return fetchOne(id).then(normalize);
  }
  const mod = await import('./lazy');
  return inner();
}

class Admin extends mixin(User) {
  #secret = 1;
  static create(name) {
    return new Admin(name);
  }
  *ids() {
    yield this.#secret;
  }
}

router.get('/users/:id', async (req, res) => res.json(await loadUser(req.params.id)));
module.exports = { router };
"""


def test_symbols() -> None:
    r = js(ROUTES)
    m = "src/routes/users"
    assert table(r) == [
        (K.MODULE, "users", m, 1, 36, None),
        (K.VARIABLE, "express", f"{m}.express", 3, 3, 0),
        (K.VARIABLE, "router", f"{m}.router", 9, 9, 0),
        (K.VARIABLE, "count", f"{m}.count", 10, 10, 0),
        (K.FUNCTION, "loadUser", f"{m}.loadUser", 16, 23, 0),
        (K.FUNCTION, "normalize", f"{m}.loadUser.normalize", 17, 17, 4),
        (K.FUNCTION, "inner", f"{m}.loadUser.inner", 18, 20, 4),
        (K.CLASS, "Admin", f"{m}.Admin", 25, 33, 0),
        (K.FIELD, "#secret", f"{m}.Admin.#secret", 26, 26, 7),
        (K.METHOD, "create", f"{m}.Admin.create", 27, 29, 7),
        (K.METHOD, "ids", f"{m}.Admin.ids", 30, 32, 7),
    ]
    s = r.symbols
    assert s[0].doc == "User routes."
    assert s[4].doc == "Load a user.\n@param {number} id"
    assert s[4].signature == "export async function loadUser(id, { cache } = {}, ...rest)".removeprefix("export ")
    assert (s[4].is_async, s[4].metrics["params"], s[4].visibility) == (True, 3, "public")
    assert (s[5].signature, s[5].visibility) == ("const normalize = (u) =>", "")
    assert [x.visibility for x in (s[1], s[7], s[8], s[9])] == ["private", "private", "private", "public"]


def test_imports_require_reexports_dynamic() -> None:
    r = js(ROUTES)
    assert [(i.module, i.name, i.alias, i.line, i.is_relative, i.scope) for i in r.imports] == [
        ("express", "", "express", 3, False, 0),
        ("express", "Router", "Router", 4, False, 0),
        ("express", "json", "parseJson", 4, False, 0),
        ("./api", "default", "api", 5, True, 0),
        ("./api", "get", "fetchOne", 5, True, 0),
        ("./types", "*", "", 6, True, 0),
        ("./helpers", "helper", "h", 7, True, 0),
        ("./lazy", "", "", 21, True, 4),
    ]


def test_calls_new_and_nested_callers() -> None:
    r = js(ROUTES)
    assert [(c.caller, c.target, c.name, c.receiver, c.order) for c in r.calls] == [
        (0, "require", "require", "", 0),
        (0, "require", "require", "", 1),
        (0, "Router", "Router", "", 2),
        (5, "u.name.trim", "trim", "u.name", 0),
        (6, "fetchOne", "fetchOne", "", 0),
        (6, "fetchOne().then", "then", "fetchOne()", 1),
        (4, "inner", "inner", "", 0),
        (7, "mixin", "mixin", "", 0),
        (9, "Admin", "Admin", "", 0),
        (0, "router.get", "get", "router", 3),
        (0, "res.json", "json", "res", 4),
        (0, "loadUser", "loadUser", "", 5),
    ]


def test_bases_from_expression() -> None:
    r = js(ROUTES)
    assert [(b.child, b.target, b.kind) for b in r.bases] == [(7, "mixin(User)", EdgeKind.INHERITS)]


def test_jsx_and_complexity() -> None:
    r = extract(
        b"export function List({ items, empty }) {\n"
        b"  if (!items.length && empty) return <Empty />;\n"
        b"  return <ul>{items.map((i) => i.ok ? <Item key={i.id} /> : null)}</ul>;\n"
        b"}\n",
        "src/List.jsx",
    )
    assert r.language == "javascript"
    fn = r.symbols[1]
    assert (fn.name, fn.metrics) == ("List", {"loc": 4, "complexity": 4, "max_nesting": 1, "params": 1})
    assert [(c.caller, c.target) for c in r.calls] == [(1, "items.map")]
    assert r.errors == []


def test_commonjs_exports_are_functions() -> None:
    r = extract(
        b"/** Adds. */\nexports.add = function (a, b) { return sum(a, b); };\n"
        b"module.exports.sub = async (a) => neg(a);\nobj.x = function () {};\n",
        "lib/math.js",
    )
    assert [(s.kind, s.qualified_name, s.span.start_line, s.visibility, s.is_async) for s in r.symbols[1:]] == [
        (K.FUNCTION, "lib/math.add", 2, "public", False),
        (K.FUNCTION, "lib/math.sub", 3, "public", True),
    ]
    assert (r.symbols[1].doc, r.symbols[1].signature) == ("Adds.", "exports.add = function (a, b)")
    assert [(c.caller, c.target) for c in r.calls] == [(1, "sum"), (2, "neg")]


def test_test_files_mark_their_symbols() -> None:
    src = b"import { add } from './math';\nfunction setup() { return 1; }\ndescribe('add', () => { it('adds', () => expect(add(1, 2)).toBe(3)); });\n"
    for path in ("src/math.test.js", "src/__tests__/math.js", "src/math.spec.ts"):
        r = extract(src, path)
        assert [(s.name, s.is_test) for s in r.symbols[1:]] == [("setup", True)], path
        assert r.symbols[0].is_test is True
    plain = extract(src, "src/math.js")
    assert [(s.name, s.is_test) for s in plain.symbols] == [("math", False), ("setup", False)]
    assert [(c.caller, c.target, c.order) for c in plain.calls] == [
        (0, "describe", 0),
        (0, "it", 1),
        (0, "expect", 2),
        (0, "add", 3),
        (0, "expect().toBe", 4),
    ]

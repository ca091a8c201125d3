"""JavaScript (and JSX): functions, generators, classes, methods, class fields,
functions bound to a name (``const f = () => …``, ``let g = function () {}``,
CommonJS ``exports.f = function …`` / ``module.exports.f = …``),
module-level variables, ES imports, re-exports, ``require()``, dynamic
``import()``, calls (``new Foo()`` is a call of ``Foo``) and class bases.

The TypeScript extractor (``typescript.py``) subclasses this one: only the
definitions query and a few node types differ.

Kinds: a module-level ``const``/``let``/``var`` is a CONSTANT when its name is
UPPER_CASE, else a VARIABLE (unless it is bound to a function: FUNCTION).
Visibility: top-level declarations are public when exported in place
(``export …``, ``export default …``), else private (module-local); class members
are private for ``#name`` or an ``private`` modifier, protected for
``protected``, else public; nested declarations have none.
Imports: ``import x`` binds member ``default``; ``import * as ns`` member ``*``;
a side-effect import has member and alias "". Tests: ``describe``/``it``
callbacks are anonymous, so test code is recognised by its file instead: every
symbol of a ``*.test.*`` / ``*.spec.*`` file or of a ``__tests__`` directory
(helpers included) has ``is_test``.
"""

from __future__ import annotations

from typing import ClassVar

import tree_sitter as ts

from semgraph.graph.extractors._engine import (
    Built,
    Extractor,
    Pending,
    clean_target,
    doc_from_comments,
    normalize,
)
from semgraph.graph.model import EdgeKind, FileExtraction, Import, SymbolKind

K = SymbolKind
_CLASS_KINDS = (K.CLASS, K.INTERFACE)
_FUNCTION_KINDS = (K.FUNCTION, K.METHOD)
_TYPE_NAMES = frozenset({"type_identifier", "nested_type_identifier", "identifier"})
# a constructor parameter with one of these is also a field of the class (a parameter property)
_PARAM_PROPERTY = frozenset({"accessibility_modifier", "readonly", "override_modifier"})
_PARAM_TYPES = frozenset(
    {
        "identifier",
        "assignment_pattern",
        "rest_pattern",
        "object_pattern",
        "array_pattern",
        "required_parameter",
        "optional_parameter",
    }
)
_CALLEE_TYPES = frozenset({"identifier", "member_expression", "super"})
_NEW_TYPES = frozenset({"identifier", "member_expression"})
_MODULE_BODIES = frozenset({"program", "statement_block"})  # a file, or a TS namespace body
_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "generator_function"})


def is_test_path(path: str) -> bool:
    """Jest/Mocha/Vitest conventions: ``*.test.*``, ``*.spec.*`` or a ``__tests__`` directory."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return "__tests__" in parts[:-1] or ".test." in name or ".spec." in name


def string_value(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] in "'\"`" else text


class JavaScriptExtractor(Extractor):
    language = "javascript"
    sep = "."
    call_separators = (".",)
    queries = (
        "ecmascript-tags",
        "javascript-tags",
        "ecmascript-calls",
        "ecmascript-control",
        "ecmascript-imports",
        "ecmascript-types",
    )
    if_types = frozenset({"if_statement"})
    arm_types = frozenset({"switch_case", "switch_default"})
    test_file = False  # set from the path when the module symbol is built
    kinds: ClassVar[dict[str, SymbolKind]] = {
        "function": K.FUNCTION,
        "class": K.CLASS,
        "field": K.FIELD,
        "closure": K.FUNCTION,
        "exported": K.FUNCTION,
        "variable": K.VARIABLE,
    }

    # ----- definitions ----------------------------------------------------------

    def definitions(self, caps: dict[str, list[ts.Node]]) -> list[Pending]:
        self._type_nodes = [(k[5:], n) for k in ("type.local", "type.param", "type.field") for n in caps.get(k, ())]
        out: list[Pending] = []
        seen: set[int] = set()
        for cap, kind in self.kinds.items():
            for node in caps.get("def." + cap, ()):
                if node.start_byte in seen:
                    continue
                seen.add(node.start_byte)
                if cap == "variant":
                    name_node = node if node.type == "property_identifier" else node.child_by_field_name("name")
                elif cap == "exported":
                    name_node = node.child_by_field_name("left").child_by_field_name("property")
                else:
                    name_node = (
                        node.child_by_field_name("name")
                        or node.child_by_field_name("property")
                        or node.child_by_field_name("key")  # a handler in a returned object literal
                    )
                name = self.text(name_node)
                if not name:
                    continue
                if cap == "variable" and name.isupper():
                    kind = K.CONSTANT
                elif cap == "variable":
                    kind = K.VARIABLE
                out.append(Pending(node, kind, name, cap))
        return out

    def declaration_of(self, node: ts.Node) -> ts.Node:
        """The statement that carries docs/export for ``node`` (a declarator's
        ``const`` statement, itself wrapped by ``export`` if exported)."""
        stmt = node
        if node.type == "variable_declarator":
            par = node.parent
            if par is not None and par.type in ("lexical_declaration", "variable_declaration"):
                stmt = par
        par = stmt.parent
        if par is not None and par.type == "export_statement":
            stmt = par
        return stmt

    def jsdoc(self, stmt: ts.Node) -> str:
        prev = stmt.prev_named_sibling
        while prev is not None and prev.type == "decorator":
            prev = prev.prev_named_sibling
        if prev is not None and prev.type == "comment":
            text = self.text(prev)
            if text.startswith("/**") and prev.end_point.row >= stmt.start_point.row - 1:
                return doc_from_comments([text])
        return ""

    def decorators(self, node: ts.Node, stmt: ts.Node) -> list[str]:
        found: list[str] = []
        if node.parent is not None and node.parent.type == "class_body":
            prev = node.prev_named_sibling
            while prev is not None and prev.type == "decorator":  # member decorators precede it
                found.append(normalize(self.text(prev)))
                prev = prev.prev_named_sibling
            found.reverse()
        holders = [stmt, node] if stmt is not node else [node]
        for holder in holders:
            found.extend(normalize(self.text(c)) for c in holder.children if c.type == "decorator")
        return found

    def head_after_decorators(self, node: ts.Node, body: ts.Node | None, strip: str = "") -> str:
        """The declaration up to its body, without the decorators tree-sitter nests inside it."""
        start = node.start_byte
        for child in node.children:
            if child.type != "decorator":
                break
            start = child.end_byte
        return self.head(node, body, strip, start)

    def member_visibility(self, node: ts.Node) -> str:
        for child in node.children:
            if child.type == "accessibility_modifier":
                return self.text(child)
            if child.type == "private_property_identifier":
                return "private"
        return "public"

    def build(self, p: Pending, kind: SymbolKind, parent: int) -> Built:
        node = p.node
        parent_sym = self.symbols[parent]
        if p.extra == "exported":  # exports.f = function …
            fn = node.child_by_field_name("right")
            if fn.type == "call_expression":  # exports.f = wrap(function* (req, res) { … })
                fn = fn.child_by_field_name("arguments").named_children[0]
            return Built(
                signature=self.head(node, fn.child_by_field_name("body")).rstrip("{").rstrip(),
                doc=self.jsdoc(node.parent),
                visibility="public",
                is_async=fn.child(0).type == "async",
                is_test=self.test_file,
                params=self.count_params(fn),
            )
        stmt = self.declaration_of(node)
        exported = stmt.type == "export_statement"
        if parent_sym.kind is K.MODULE and stmt.parent is not None and stmt.parent.type in _MODULE_BODIES:
            vis = "public" if exported else "private"
        elif parent_sym.kind in (K.CLASS, K.INTERFACE, K.ENUM):
            vis = self.member_visibility(node)
        else:
            vis = ""
        built = Built(
            visibility=vis, doc=self.jsdoc(stmt), decorators=self.decorators(node, stmt), is_test=self.test_file
        )
        if p.extra == "closure":
            fn = node.child_by_field_name("value")
            if fn.type == "call_expression":  # const h = catchAsync(async (req, res) => …): the wrapped function
                fn = fn.child_by_field_name("arguments").named_children[0]
            body = fn.child_by_field_name("body")
            decl = stmt if stmt.type != "export_statement" else stmt.child_by_field_name("declaration")
            keyword = self.text(decl.child_by_field_name("kind")) if decl is not None else ""
            head = self.head(node, body).rstrip("{").rstrip()
            built.signature = f"{keyword} {head}".strip() if keyword else head
            built.is_async = fn.child(0).type == "async"
            built.params = self.count_params(fn)
            built.kind = K.FUNCTION
            return built
        if kind in (K.FUNCTION, K.METHOD):
            body = node.child_by_field_name("body")
            built.signature = self.head_after_decorators(node, body, ";")
            built.is_async = any(c.type == "async" for c in node.children)
            built.params = self.count_params(node)
            return built
        if kind is K.MODULE:  # TS namespace / ambient module
            p.name = p.name.strip("'\"")
            built.signature = self.head(node, node.child_by_field_name("body"))
            return built
        if kind in (K.CLASS, K.INTERFACE, K.ENUM):
            body = node.child_by_field_name("body")
            built.signature = self.head_after_decorators(node, body)
            built.bases = self.heritage(node)
            return built
        sig = self.head_after_decorators(node, None, ";,")[:200]
        if p.extra == "variable":
            decl = node.parent
            keyword = self.text(decl.child_by_field_name("kind")) if decl is not None else ""
            sig = f"{keyword or 'var'} {sig}"
        built.signature = sig
        return built

    def count_params(self, fn: ts.Node) -> int:
        params = fn.child_by_field_name("parameters")
        if params is None:
            param = fn.child_by_field_name("parameter")  # x => …
            return 1 if param is not None else 0
        n = 0
        for c in params.named_children:
            if c.type not in _PARAM_TYPES:
                continue
            if c.type == "required_parameter":
                pattern = c.child_by_field_name("pattern")
                if pattern is not None and pattern.type == "this":
                    continue
            n += 1
        return n

    def heritage(self, node: ts.Node) -> list[tuple[str, str, int]]:
        bases: list[tuple[str, str, int]] = []
        for child in node.children:
            if child.type == "class_heritage":
                for part in child.named_children:
                    if part.type == "extends_clause":
                        for value in part.children_by_field_name("value"):
                            bases.append((self.base_text(value), EdgeKind.INHERITS, value.start_point.row + 1))
                    elif part.type == "implements_clause":
                        for typ in part.named_children:
                            bases.append((self.base_text(typ), EdgeKind.IMPLEMENTS, typ.start_point.row + 1))
                    elif "comment" not in part.type:  # JavaScript: the expression itself
                        bases.append((self.base_text(part), EdgeKind.INHERITS, part.start_point.row + 1))
            elif child.type == "extends_type_clause":
                for typ in child.named_children:
                    bases.append((self.base_text(typ), EdgeKind.INHERITS, typ.start_point.row + 1))
        return bases

    def base_text(self, node: ts.Node) -> str:
        text = normalize(self.text(node))
        pos = text.find("<")
        return text[:pos] if pos > 0 else text

    # ----- stated types ---------------------------------------------------------------

    def run(self) -> FileExtraction:
        result = super().run()
        if self._type_nodes:
            self.type_calls(result)
        return result

    def type_calls(self, result: FileExtraction) -> None:
        """Give ``x.m()`` the type the source states for the local or parameter ``x`` (innermost function, else
        the file), and ``this.x.m()`` the type of the field or parameter property ``x`` (innermost class);
        generic arguments are dropped (``Repository<User>`` → ``Repository``), unions and the like stay unknown,
        and one name stated with two types in one scope is unknown."""
        syms = result.symbols
        last = max((sym.span.end_line for sym in syms), default=0)
        tables: dict[tuple[SymbolKind, ...], list[int]] = {}
        stated: dict[tuple[int, str], str] = {}

        def innermost(line: int, kinds: tuple[SymbolKind, ...]) -> int:
            """The innermost symbol of ``kinds`` whose span holds ``line`` (0: none): a line → symbol table
            painted outer spans first, built once per kinds (a scan per node is quadratic on big files)."""
            table = tables.get(kinds)
            if table is None:
                table = tables[kinds] = [0] * (last + 2)
                order = sorted(
                    (sym.span.start_line, -sym.span.end_line, i)
                    for i, sym in enumerate(syms)
                    if i and sym.kind in kinds
                )
                for start, neg_end, i in order:
                    table[start : -neg_end + 1] = [i] * (-neg_end + 1 - start)
            return table[line] if 0 <= line < len(table) else 0

        def state(scope: int, name: str, typ: str) -> None:
            key = (scope, name)
            stated[key] = typ if stated.get(key, typ) == typ else ""

        for cap, node in self._type_nodes:
            name = node.child_by_field_name("pattern" if cap == "param" else "name")
            value = node.child_by_field_name("type") or node.child_by_field_name("value")
            typ = self.stated_type(value) if value is not None else ""
            if name is None or not typ:
                continue
            line = node.start_point.row + 1
            if cap == "field":
                state(innermost(line, _CLASS_KINDS), "this." + self.text(name), typ)
                continue
            state(innermost(line, _FUNCTION_KINDS), self.text(name), typ)
            if cap == "param" and any(c.type in _PARAM_PROPERTY for c in node.children):
                state(innermost(line, _CLASS_KINDS), "this." + self.text(name), typ)
        if not stated:
            return
        for c in result.calls:
            recv = c.receiver
            if not recv or "(" in recv or "." in recv.removeprefix("this."):
                continue
            cur: int | None = c.caller
            typ = ""
            while cur is not None and not typ:
                typ = stated.get((cur, recv), "")
                cur = syms[cur].parent if cur else None
            c.receiver_type = typ

    def stated_type(self, node: ts.Node) -> str:
        """``Foo`` / ``ns.Foo`` of a type annotation (generics dropped) or of ``new Foo(…)``, else ""."""
        if node.type == "type_annotation":
            node = node.named_children[-1] if node.named_children else node
        elif node.type == "new_expression":
            node = node.child_by_field_name("constructor") or node
        if node.type == "generic_type":
            node = node.child_by_field_name("name") or node
        if node.type in _TYPE_NAMES:
            return self.text(node)
        if node.type == "member_expression" and "(" not in self.text(node):
            return self.text(node)
        return ""

    # ----- calls ---------------------------------------------------------------------

    def call(self, node: ts.Node) -> tuple[str, ts.Node] | None:
        if node.type == "new_expression":
            fn = node.child_by_field_name("constructor")
            if fn is None or fn.type not in _NEW_TYPES:
                return None
        else:
            fn = node.child_by_field_name("function")
            if fn is None or fn.type not in _CALLEE_TYPES:
                return None
        at = fn.child_by_field_name("property") if fn.type == "member_expression" else fn
        return clean_target(self.text(fn)).replace("?.", "."), at or fn

    # ----- imports -------------------------------------------------------------------

    def module_symbol(self, root: ts.Node) -> Built:
        self.test_file = is_test_path(self.path)
        built = Built(is_test=self.test_file)
        first = root.named_child(0) if root.named_child_count else None
        if first is not None and first.type == "comment":
            nxt = first.next_named_sibling
            text = self.text(first)
            if text.startswith("/**") and (nxt is None or nxt.start_point.row > first.end_point.row + 1):
                built.doc = doc_from_comments([text])
        return built

    def import_items(self, caps: dict[str, list[ts.Node]]) -> list[tuple[int, Import]]:
        out: list[tuple[int, Import]] = []
        for node in caps.get("import.es", ()):
            src, line, rel = self.import_source(node, node.child_by_field_name("source"))
            clause = next((c for c in node.named_children if c.type == "import_clause"), None)
            if clause is None:
                out.append((node.start_byte, Import(src, "", "", line, rel)))
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    out.append((node.start_byte, Import(src, "default", self.text(part), line, rel)))
                elif part.type == "namespace_import":
                    alias = next((self.text(c) for c in part.named_children if c.type == "identifier"), "")
                    out.append((node.start_byte, Import(src, "*", alias, line, rel)))
                elif part.type == "named_imports":
                    for spec in part.named_children:
                        if spec.type == "import_specifier":
                            out.append((node.start_byte, self.specifier_import(spec, src, line, rel)))
        for node in caps.get("import.export", ()):
            src, line, rel = self.import_source(node, node.child_by_field_name("source"))
            clause = next((c for c in node.named_children if c.type == "export_clause"), None)
            if clause is None:
                out.append((node.start_byte, Import(src, "*", "", line, rel)))
                continue
            for spec in clause.named_children:
                if spec.type == "export_specifier":
                    out.append((node.start_byte, self.specifier_import(spec, src, line, rel)))
        for node in caps.get("import.default", ()):
            value = node.child_by_field_name("value") or node.child_by_field_name("declaration")
            name = value.child_by_field_name("name") if value is not None and value.type != "identifier" else value
            if name is not None:  # the module's own default export: `import x from './m'` binds this name
                own = "./" + self.module.rsplit("/", 1)[-1]
                out.append((node.start_byte, Import(own, self.text(name), "default", node.start_point.row + 1, True)))
        for node in caps.get("import.require", ()):
            out.extend((node.start_byte, imp) for imp in self.require_imports(node))
        for node in caps.get("import.dynamic", ()):
            src, line, rel = self.import_source(node, node.child_by_field_name("arguments").named_child(0))
            out.append((node.start_byte, Import(src, "", "", line, rel)))
        return out

    def import_source(self, node: ts.Node, source: ts.Node | None) -> tuple[str, int, bool]:
        """(module as written, line of ``node``, whether it is relative) of an import whose string is ``source``."""
        src = string_value(self.text(source))
        return src, node.start_point.row + 1, src.startswith(".")

    def specifier_import(self, spec: ts.Node, src: str, line: int, rel: bool) -> Import:
        """``{ name as alias }`` in an import or a re-export."""
        name = self.text(spec.child_by_field_name("name"))
        return Import(src, name, self.text(spec.child_by_field_name("alias")) or name, line, rel)

    def require_imports(self, node: ts.Node) -> list[Import]:
        src, line, rel = self.import_source(node, node.child_by_field_name("arguments").named_child(0))
        par = node.parent
        binding = par.child_by_field_name("name") if par is not None and par.type == "variable_declarator" else None
        if binding is None:
            return [Import(src, "", "", line, rel)]
        if binding.type == "identifier":
            return [Import(src, "", self.text(binding), line, rel)]
        out: list[Import] = []
        if binding.type == "object_pattern":
            for prop in binding.named_children:
                if prop.type == "shorthand_property_identifier_pattern":
                    out.append(Import(src, self.text(prop), self.text(prop), line, rel))
                elif prop.type == "pair_pattern":
                    key = self.text(prop.child_by_field_name("key"))
                    out.append(Import(src, key, self.text(prop.child_by_field_name("value")), line, rel))
        return out or [Import(src, "", "", line, rel)]

"""Java: classes, records, interfaces, annotation types, enums (+ constants),
methods and constructors, fields (``static final`` ones are CONSTANTs),
imports (static and wildcard), calls (``new Foo<>()`` is a call of ``Foo``;
``super(…)`` / ``this(…)`` are calls of ``super`` / ``this``), and
``extends`` / ``implements`` bases.

The module is the ``package`` declaration (``com.shop.users``), else the
directory under a ``java`` source root. Constructors are METHODs named like
their class. Visibility: the ``public`` / ``protected`` / ``private`` modifier,
else ``package`` (package-private), except interface members (public) and enum
constants (public). Docs: the comment block directly above (Javadoc or ``//``
lines). Tests: methods annotated ``@Test``, ``@ParameterizedTest``,
``@RepeatedTest``, ``@TestFactory`` or ``@TestTemplate``. Signatures leave the
annotations out (they are in ``decorators``).
"""

from __future__ import annotations

import re

import tree_sitter as ts

from semgraph.graph.extractors._engine import (
    Built,
    Extractor,
    Pending,
    clean_target,
    normalize,
)
from semgraph.graph.model import EdgeKind, FileExtraction, Import, SymbolKind

K = SymbolKind
_ORDER = (
    ("class", K.CLASS),
    ("interface", K.INTERFACE),
    ("enum", K.ENUM),
    ("function", K.FUNCTION),
    ("variant", K.FIELD),
    ("field", K.FIELD),
)
_TEST_ANNOTATIONS = frozenset({"Test", "ParameterizedTest", "RepeatedTest", "TestFactory", "TestTemplate"})
_ANNOTATION_TYPES = frozenset({"annotation", "marker_annotation"})
_COMMENT_TYPES = frozenset({"line_comment", "block_comment"})
_GETTER_CHAIN = re.compile(r"([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\(\)")


def _strip_generics(text: str) -> str:
    pos = text.find("<")
    return text[:pos] if pos > 0 else text


class JavaExtractor(Extractor):
    language = "java"
    sep = "."
    call_separators = (".",)
    queries = ("java-tags", "java-calls", "java-control", "java-imports", "java-types")
    if_types = frozenset({"if_statement"})
    arm_types = frozenset({"switch_block_statement_group", "switch_rule"})
    comment_types = _COMMENT_TYPES
    doc_on_same_line = True  # /** doc */ public void f()

    def module_symbol(self, root: ts.Node) -> Built:
        for child in root.named_children:
            if child.type == "package_declaration":
                pkg = next((c for c in child.named_children if c.type in ("scoped_identifier", "identifier")), None)
                built = Built(doc=self.comments_above(child), decorators=self.annotations(child))  # package annotations
                if pkg is not None:
                    built.qualified_name = self.text(pkg)
                return built
            if child.type not in _COMMENT_TYPES:
                break
        return Built()

    def run(self) -> FileExtraction:
        result = super().run()
        self.type_calls(result)
        return result

    def type_calls(self, result: FileExtraction) -> None:
        """Give ``x.m()`` / ``this.x.m()`` the declared type of the local, parameter (innermost method) or field
        (innermost class) ``x``; generic and primitive declarations stay unknown. Every call's argument count
        follows as ``@N`` (``"UserRepository@2"``, ``"@0"``): the resolver picks among overloads by it."""
        self._stated_types(result)
        for c in result.calls:
            n = self._arity.get((c.line, c.col))
            if n is not None:
                c.receiver_type = f"{c.receiver_type}@{n}"

    def _stated_types(self, result: FileExtraction) -> None:
        if not self._type_nodes:
            return
        syms = result.symbols
        spans = [(i, s.span.start_line, s.span.end_line, s.kind) for i, s in enumerate(syms) if i]
        stated: dict[tuple[int, str], str] = {}
        for cap, node in self._type_nodes:
            decl = node.child_by_field_name("declarator") if cap != "param" else node
            name = decl.child_by_field_name("name") if decl is not None else None
            typ = self._declared_type(node, decl)
            if name is None or not typ:
                continue
            line = node.start_point.row + 1
            want = (K.CLASS, K.INTERFACE, K.ENUM) if cap == "field" else (K.METHOD, K.FUNCTION)
            inner = [sp for sp in spans if sp[3] in want and sp[1] <= line <= sp[2]]
            if inner:
                key = (max(inner, key=lambda sp: sp[1])[0], self.text(name))
                stated[key] = typ if stated.get(key, typ) == typ else ""
        if not stated:
            return
        for c in result.calls:
            recv = c.receiver.removeprefix("this.")
            getter = ""
            m = _GETTER_CHAIN.fullmatch(recv)
            if m:  # `req.getPollLength().getDays()`: "PollRequest#getPollLength()", what that method returns
                recv, getter = m.group(1), m.group(2)
            if not recv or "." in recv or "(" in recv:
                continue
            cur: int | None = c.caller
            typ = ""
            while cur is not None and not typ:
                typ = stated.get((cur, recv), "")
                cur = syms[cur].parent
            c.receiver_type = f"{typ}#{getter}()" if typ and getter else typ

    def _declared_type(self, node: ts.Node, decl: ts.Node | None) -> str:
        typ = node.child_by_field_name("type")
        if typ is None:
            return ""
        if typ.type in ("type_identifier", "scoped_type_identifier") and self.text(typ) != "var":
            return self.text(typ)
        if typ.type == "generic_type":  # `Page<Poll> polls`: the methods called are Page's
            return _strip_generics(self.text(typ))
        value = decl.child_by_field_name("value") if decl is not None else None
        if value is not None and value.type == "object_creation_expression":  # `var x = new T(..)`
            return _strip_generics(self.text(value.child_by_field_name("type")))
        return ""

    def definitions(self, caps: dict[str, list[ts.Node]]) -> list[Pending]:
        self._type_nodes = [(k[5:], n) for k in ("type.local", "type.param", "type.field") for n in caps.get(k, ())]
        self._arity: dict[tuple[int, int], int] = {}
        out: list[Pending] = []
        for cap, kind in _ORDER:
            for node in caps.get("def." + cap, ()):
                if cap == "field":
                    names = [
                        d.child_by_field_name("name")
                        for d in node.children_by_field_name("declarator")
                        if d.child_by_field_name("name") is not None
                    ]
                    if len(names) == 1:
                        out.append(Pending(node, kind, self.text(names[0]), (cap, node)))
                    else:  # `int a, b;`: one symbol per declarator
                        out.extend(Pending(n.parent, kind, self.text(n), (cap, node)) for n in names)
                    continue
                name = self.text(node.child_by_field_name("name"))
                if name:
                    out.append(Pending(node, kind, name, (cap, node)))
        return out

    @staticmethod
    def modifiers(node: ts.Node) -> ts.Node | None:
        first = node.named_child(0) if node.named_child_count else None
        while first is not None and first.type in _COMMENT_TYPES:
            first = first.next_named_sibling
        return first if first is not None and first.type == "modifiers" else None

    def annotations(self, mods: ts.Node | None) -> list[str]:
        if mods is None:
            return []
        return [normalize(self.text(c)) for c in mods.named_children if c.type in _ANNOTATION_TYPES]

    def head_without_annotations(
        self, node: ts.Node, mods: ts.Node | None, body: ts.Node | None, strip: str = ""
    ) -> str:
        start = node.start_byte
        if mods is not None:
            for c in mods.children:
                if c.type in _ANNOTATION_TYPES:
                    start = c.end_byte
                elif "comment" not in c.type:
                    break
        return self.head(node, body, strip, start)

    def build(self, p: Pending, kind: SymbolKind, parent: int) -> Built:
        cap, decl = p.extra
        parent_sym = self.symbols[parent]
        mods = self.modifiers(decl)
        words = {c.type for c in mods.children} if mods is not None else set()
        vis = next((v for v in ("public", "protected", "private") if v in words), "")
        if not vis:
            vis = "public" if parent_sym.kind is K.INTERFACE or cap == "variant" else "package"
        built = Built(visibility=vis, doc=self.comments_above(decl), decorators=self.annotations(mods))
        if cap == "function":
            body = decl.child_by_field_name("body")
            built.signature = self.head_without_annotations(decl, mods, body, ";")
            params = decl.child_by_field_name("parameters")
            built.params = (
                sum(1 for c in params.named_children if c.type in ("formal_parameter", "spread_parameter"))
                if params is not None
                else 0
            )
            built.is_test = any(
                a.lstrip("@").split("(", 1)[0].rsplit(".", 1)[-1] in _TEST_ANNOTATIONS for a in built.decorators
            )
            return built
        if cap in ("class", "interface", "enum"):
            body = decl.child_by_field_name("body")
            built.signature = self.head_without_annotations(decl, mods, body)
            built.bases = self.heritage(decl)
            return built
        if cap == "field" and "static" in words and "final" in words:
            built.kind = K.CONSTANT
        if cap == "field" and decl.type == "constant_declaration":
            built.kind = K.CONSTANT
        built.signature = self.head_without_annotations(decl, mods, None, ";")[:200]
        return built

    def heritage(self, node: ts.Node) -> list[tuple[str, str, int]]:
        bases: list[tuple[str, str, int]] = []
        for child in node.named_children:
            if child.type == "superclass":
                for t in child.named_children:
                    bases.append((_strip_generics(self.text(t)), EdgeKind.INHERITS, t.start_point.row + 1))
            elif child.type in ("super_interfaces", "extends_interfaces"):
                edge = EdgeKind.IMPLEMENTS if child.type == "super_interfaces" else EdgeKind.INHERITS
                for lst in child.named_children:
                    if lst.type != "type_list":
                        continue
                    for t in lst.named_children:
                        bases.append((_strip_generics(normalize(self.text(t))), edge, t.start_point.row + 1))
        return bases

    def call(self, node: ts.Node) -> tuple[str, ts.Node] | None:
        t = node.type
        if t == "method_invocation":
            name = node.child_by_field_name("name")
            if name is None:
                return None
            self._count_args(node, name)
            return clean_target(self.between(node.start_byte, name.end_byte)), name
        if t == "object_creation_expression":
            typ = node.child_by_field_name("type")
            if typ is None:
                return None
            self._count_args(node, typ)
            return _strip_generics(normalize(self.text(typ))).replace(" ", ""), typ
        ctor = node.child_by_field_name("constructor")
        if ctor is None:
            return None
        return self.text(ctor), ctor

    def _count_args(self, node: ts.Node, at: ts.Node) -> None:
        """Remember the call's argument count by the position of its name (as its ``Call`` will have it)."""
        args = node.child_by_field_name("arguments")
        if args is not None:
            n = sum(1 for a in args.named_children if a.type not in _COMMENT_TYPES)
            self._arity[(at.start_point.row + 1, at.start_point.column + 1)] = n

    def import_items(self, caps: dict[str, list[ts.Node]]) -> list[tuple[int, Import]]:
        out: list[tuple[int, Import]] = []
        for node in caps.get("import", ()):
            path_node = next((c for c in node.named_children if c.type in ("scoped_identifier", "identifier")), None)
            if path_node is None:
                continue
            path = self.text(path_node)
            line = node.start_point.row + 1
            if any(c.type == "asterisk" for c in node.named_children):
                out.append((node.start_byte, Import(path, "*", "", line)))
            else:
                module, _, name = path.rpartition(".")
                out.append((node.start_byte, Import(module, name, name, line)))
        return out

"""Go: functions (generic too), methods, structs (+ fields), interfaces (+ method
elements), other named types and aliases (TYPE_ALIAS), package-level
constants and variables, function literals bound with ``:=``, imports, calls,
and embedding (an embedded struct field or interface is an INHERITS base).

The module is the package directory (``internal/db``); files at the root use
the package name. Methods are declared outside their type, so their parent is
the module symbol; they are qualified ``<module>.<Receiver>.<Method>``
(pointer and type parameters of the receiver dropped). Visibility: exported
(capitalised) names are public, others private. Docs: the ``//`` comment lines
directly above a declaration. Tests: ``TestXxx(t *testing.T)``,
``BenchmarkXxx(b *testing.B)`` and ``FuzzXxx(f *testing.F)``. Imports: alias is
the explicit name (``.`` and ``_`` included) or the last path segment.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from semgraph.graph.extractors._engine import (
    Built,
    Extractor,
    Pending,
    clean_target,
    innermost_table,
    normalize,
)
from semgraph.graph.model import EdgeKind, FileExtraction, Import, SymbolKind

K = SymbolKind
_ORDER = (
    ("function", K.FUNCTION),
    ("method", K.METHOD),
    ("struct", K.STRUCT),
    ("interface", K.INTERFACE),
    ("type", K.TYPE_ALIAS),
    ("field", K.FIELD),
    ("method_elem", K.FUNCTION),
    ("constant", K.CONSTANT),
    ("variable", K.VARIABLE),
    ("closure", K.FUNCTION),
)
_TEST_PREFIXES = (("Test", "*testing.T"), ("Benchmark", "*testing.B"), ("Fuzz", "*testing.F"))


def _visibility(name: str) -> str:
    return "public" if name[:1].isupper() else "private"


_GO_TYPE = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*")
_MAJOR = re.compile(r"v[0-9]+")
_DOT_MAJOR = re.compile(r"\.v[0-9]+$")
_GO_BUILTIN = frozenset({"string", "int", "int64", "int32", "uint", "byte", "rune", "bool", "float64", "error", "any"})


def go_type_name(text: str) -> str:
    """The named type of a Go type (``*core.Core`` → core.Core, ``App`` → App); "" for builtins, slices, maps,
    channels, funcs and interfaces written inline."""
    t = text.strip().lstrip("*").strip()
    return t if _GO_TYPE.fullmatch(t) and t not in _GO_BUILTIN else ""


def go_package_name(path: str) -> str:
    """The name an import path's package is used by when the import gives none, as Go modules name them:
    the last segment, past a major version (``ozzo-routing/v2`` → routing, ``gopkg.in/yaml.v3`` → yaml), without
    a ``go-`` / ``-go`` affix and up to the last dash (``ozzo-dbx`` → dbx, ``jwt-go`` → jwt)."""
    segs = path.split("/")
    last = segs[-1]
    if _MAJOR.fullmatch(last) and len(segs) > 1:
        last = segs[-2]
    last = _DOT_MAJOR.sub("", last)
    last = last.removeprefix("go-").removesuffix("-go")
    return last.rsplit("-", 1)[-1] or segs[-1]


class GoExtractor(Extractor):
    language = "go"
    sep = "."
    call_separators = (".",)
    queries = ("go-tags", "go-calls", "go-control", "go-imports", "go-types")
    if_types = frozenset({"if_statement"})
    arm_types = frozenset({"expression_case", "type_case", "default_case", "communication_case"})

    def module_symbol(self, root: ts.Node) -> Built:
        for child in root.named_children:
            if child.type == "package_clause":
                pkg = next((self.text(c) for c in child.named_children if c.type == "package_identifier"), "")
                built = Built(doc=self.comments_above(child))
                if self.module in ("", ".") and pkg:
                    built.qualified_name = pkg
                return built
        return Built()

    def run(self) -> FileExtraction:
        result = super().run()
        self.type_calls(result)
        return result

    def type_calls(self, result: FileExtraction) -> None:
        """Give ``x.m()`` the stated type of ``x`` in the calling function (receiver, parameter, ``x := &T{}``,
        ``x := F()`` as ``F()``, ``var x T``), ``a.f.m()`` the type ``T#f`` (field ``f`` of ``a``'s type T, looked
        up when resolving), and a longer chain on a typed ``x`` the type ``T#*``."""
        if not self._type_nodes:
            return
        syms = result.symbols
        funcs = [
            (i, s.span.start_line, s.span.end_line) for i, s in enumerate(syms) if s.kind in (K.FUNCTION, K.METHOD)
        ]
        table: list[int] | None = None
        stated: dict[tuple[int, str], str] = {}
        for cap, node in self._type_nodes:
            if cap == "local":
                name = node.child_by_field_name("left").named_child(0)  # type: ignore[union-attr]
                value = node.child_by_field_name("right").named_child(0)  # type: ignore[union-attr]
                if value is not None and value.type == "unary_expression":
                    value = value.child_by_field_name("operand")
                if value is not None and value.type == "call_expression":  # `s := NewService(..)`: what it returns
                    fn = self.text(value.child_by_field_name("function"))
                    typ = fn + "()" if _GO_TYPE.fullmatch(fn) else ""
                else:
                    typ = go_type_name(self.text(value.child_by_field_name("type"))) if value is not None else ""
            else:
                name = node.child_by_field_name("name")
                typ = go_type_name(self.text(node.child_by_field_name("type")))
            if name is None or name.type != "identifier" or not typ:
                continue
            line = node.start_point.row + 1
            if table is None:
                table = innermost_table(funcs, syms[0].span.end_line)
            fn = table[line] if line < len(table) else -1
            if fn >= 0:
                key = (fn, self.text(name))
                stated[key] = typ if stated.get(key, typ) == typ else ""
        if not stated:
            return
        for c in result.calls:
            segs = c.receiver.split(".") if c.receiver else []
            chain = len(segs) > 2 or "(" in c.receiver  # `req.URL.Query().Get()`: only its root's type is known
            if not segs or not segs[0].isidentifier():
                continue
            cur: int | None = c.caller
            typ = ""
            while cur is not None and syms[cur].kind in (K.FUNCTION, K.METHOD) and not typ:
                typ = stated.get((cur, segs[0]), "")
                cur = syms[cur].parent
            if typ.endswith("()") and (chain or len(segs) == 2):
                continue  # a field of a value a call returned: not followed
            if chain:  # "T#*": resolved by name as before, unless T is a type of an outside package
                c.receiver_type = f"{typ}#*" if typ else ""
                continue
            c.receiver_type = f"{typ}#{segs[1]}" if typ and len(segs) == 2 else typ

    def definitions(self, caps: dict[str, list[ts.Node]]) -> list[Pending]:
        self._type_nodes = [(k[5:], n) for k in ("type.param", "type.local", "type.var") for n in caps.get(k, ())]
        out: list[Pending] = []
        seen: set[int] = set()
        for cap, kind in _ORDER:
            for node in caps.get("def." + cap, ()):
                if node.start_byte in seen:
                    continue
                seen.add(node.start_byte)
                if cap == "closure":
                    left = node.child_by_field_name("left")
                    first = left.named_child(0) if left is not None and left.named_child_count else None
                    if first is not None and first.type == "identifier":
                        out.append(Pending(node, kind, self.text(first), (cap, node)))
                    continue
                names = [n for n in node.children_by_field_name("name") if n.is_named]
                if len(names) == 1:
                    out.append(Pending(node, kind, self.text(names[0]), (cap, node)))
                else:  # `a, b int`: one symbol per name, each spanning its name
                    # (an embedded field has no name: it is reported as a base of the struct)
                    out.extend(Pending(n, kind, self.text(n), (cap, node)) for n in names)
        return out

    def build(self, p: Pending, kind: SymbolKind, parent: int) -> Built:
        cap, node = p.extra
        name = p.name
        built = Built(visibility=_visibility(name))
        decl = node.parent if cap in ("struct", "interface", "type", "constant", "variable") else node
        if decl is not None and decl.type in ("type_declaration", "const_declaration", "var_declaration"):
            if decl.named_child_count == 1 or node.prev_named_sibling is None:
                built.doc = self.comments_above(decl) or self.comments_above(node)
            else:
                built.doc = self.comments_above(node)
        else:
            built.doc = self.comments_above(node)
        if cap in ("function", "method", "method_elem"):
            body = node.child_by_field_name("body")
            built.signature = self.head(node, body)
            built.params = self.count_params(node.child_by_field_name("parameters"))
            if cap == "method":
                recv = self.receiver_type(node)
                built.qualified_name = f"{self.module}.{recv}.{name}" if recv else None
                built.kind = K.METHOD
            elif cap == "function":
                params = node.child_by_field_name("parameters")
                first = params.named_child(0) if params is not None and params.named_child_count else None
                ptype = normalize(self.text(first.child_by_field_name("type"))) if first is not None else ""
                built.is_test = any(name.startswith(pre) and ptype == t for pre, t in _TEST_PREFIXES)
            return built
        if cap == "closure":
            fn = node.child_by_field_name("right").named_child(0)
            built.signature = self.head(node, fn.child_by_field_name("body"))
            built.params = self.count_params(fn.child_by_field_name("parameters"))
            built.visibility = ""
            return built
        if cap in ("struct", "interface"):
            built.signature = f"type {name} {cap}"
            built.bases = self.embedded(node.child_by_field_name("type"))
            return built
        if cap == "type":
            built.signature = "type " + normalize(self.text(node))[:200]
            return built
        text = normalize(self.text(node))[:200]
        built.signature = {"constant": "const ", "variable": "var "}.get(cap, "") + text
        return built

    def receiver_type(self, method: ts.Node) -> str:
        recv = method.child_by_field_name("receiver")
        if recv is None or not recv.named_child_count:
            return ""
        typ = recv.named_child(0).child_by_field_name("type")
        text = normalize(self.text(typ)).lstrip("*").strip()
        pos = text.find("[")
        return text[:pos] if pos > 0 else text

    @staticmethod
    def count_params(params: ts.Node | None) -> int:
        if params is None:
            return 0
        n = 0
        for c in params.named_children:
            if c.type == "parameter_declaration":
                n += max(1, len(c.children_by_field_name("name")))
            elif c.type == "variadic_parameter_declaration":
                n += 1
        return n

    def embedded(self, typ: ts.Node | None) -> list[tuple[str, str, int]]:
        bases: list[tuple[str, str, int]] = []
        if typ is None:
            return bases
        if typ.type == "struct_type":
            for lst in typ.named_children:
                if lst.type != "field_declaration_list":
                    continue
                for f in lst.named_children:
                    if f.type == "field_declaration" and not f.children_by_field_name("name"):
                        t = f.child_by_field_name("type")
                        target = normalize(self.text(t)).lstrip("*")
                        bases.append((target, EdgeKind.INHERITS, f.start_point.row + 1))
        elif typ.type == "interface_type":
            for el in typ.named_children:
                if el.type == "type_elem":
                    bases.append((normalize(self.text(el)), EdgeKind.INHERITS, el.start_point.row + 1))
        return bases

    def call(self, node: ts.Node) -> tuple[str, ts.Node] | None:
        fn = node.child_by_field_name("function")
        if fn is None:
            return None
        if fn.type == "selector_expression":
            at = fn.child_by_field_name("field") or fn
        elif fn.type == "identifier":
            at = fn
        else:
            return None
        return clean_target(self.text(fn)), at

    def import_items(self, caps: dict[str, list[ts.Node]]) -> list[tuple[int, Import]]:
        out: list[tuple[int, Import]] = []
        for node in caps.get("import", ()):
            raw = self.text(node.child_by_field_name("path"))
            path = raw[1:-1] if len(raw) >= 2 else raw
            name = node.child_by_field_name("name")
            alias = self.text(name) if name is not None else go_package_name(path)
            imp = Import(path, "", alias, node.start_point.row + 1, path.startswith("."))
            out.append((node.start_byte, imp))
        return out

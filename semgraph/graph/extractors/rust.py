"""Rust: functions, structs/unions, enums (+ variants), traits, impl blocks,
inline modules, constants/statics, type aliases, macro_rules, struct fields,
closures bound by ``let``, ``use`` / ``mod x;`` imports, calls and trait impls.

Impl blocks: ``impl Display for User`` is an IMPL symbol named
``Display for User`` (qualified ``<module>::<impl Display for User>``) with an
IMPLEMENTS base ``Display`` (generic arguments dropped); its methods, like those
of an inherent ``impl User``, are qualified ``<module>::User::method``.

Visibility: ``pub`` -> public; ``pub(crate)``, ``pub(super)``, ``pub(in …)`` ->
crate; no modifier -> private, except trait items, trait-impl methods and enum
variants, which are public.

Calls: every ``call_expression``; macro invocations count as calls only when
they are not std formatting/assertion macros (so ``sqlx::query!`` and
``diesel::table!`` are kept, ``println!``/``format!``/``vec!``/``assert!``… are
not); a macro call keeps its ``!`` in ``target`` and ``name`` (``sqlx::query!``,
``query!``) so it is never confused with a function. Calls written inside a
macro's arguments are not seen (tree-sitter keeps macro arguments as tokens).

``mod x;`` is an import of module ``<current module>::x`` (name "", alias x).
Tests: ``#[test]`` and ``#[<path>::test]`` functions, and everything inside a
``#[cfg(test)]`` module.
"""

from __future__ import annotations

import posixpath
import re

import tree_sitter as ts

from semgraph.graph.extractors._engine import (
    Built,
    Extractor,
    Pending,
    clean_target,
    doc_from_comments,
    innermost_table,
    normalize,
)
from semgraph.graph.extractors.modules import rust_module
from semgraph.graph.model import EdgeKind, FileExtraction, Import, SymbolKind

K = SymbolKind
_KINDS = {
    "function": K.FUNCTION,
    "struct": K.STRUCT,
    "enum": K.ENUM,
    "trait": K.TRAIT,
    "impl": K.IMPL,
    "module": K.MODULE,
    "constant": K.CONSTANT,
    "type_alias": K.TYPE_ALIAS,
    "macro": K.MACRO,
    "field": K.FIELD,
    "closure": K.FUNCTION,
    "table": K.MODULE,
}
_STD_MACROS = frozenset(
    [
        "println",
        "print",
        "eprintln",
        "eprint",
        "format",
        "format_args",
        "write",
        "writeln",
        "vec",
        "assert",
        "assert_eq",
        "assert_ne",
        "debug_assert",
        "debug_assert_eq",
        "debug_assert_ne",
        "panic",
        "unreachable",
        "todo",
        "unimplemented",
        "matches",
        "dbg",
        "concat",
        "stringify",
        "include",
        "include_str",
        "include_bytes",
        "env",
        "option_env",
        "cfg",
        "line",
        "column",
        "file",
        "module_path",
        "compile_error",
        "trace",
        "debug",
        "info",
        "warn",
        "error",
    ]
)
_CALLEE_TYPES = frozenset({"identifier", "scoped_identifier", "field_expression", "generic_function", "self"})


_PATH_ATTR = re.compile(r'#\[\s*path\s*=\s*"([^"]+\.rs)"\s*\]')
_WRAPPERS = ("Box<", "Arc<", "Rc<", "&", "mut ", "dyn ", "impl ")
_TYPE_PATH = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*::)*[A-Z][A-Za-z0-9_]*")


def rust_type_name(text: str) -> str:
    """The named type of a Rust type (``&mut Repo``, ``Arc<Repo>``, ``dyn Store``, ``db::Pool<'a>`` → Repo,
    Repo, Store, db::Pool); "" for primitives, tuples, slices and generic parameters we cannot name."""
    t = text.strip()
    changed = True
    while changed:
        changed = False
        t = re.sub(r"^&'\w+\s*", "&", t)
        for w in _WRAPPERS:
            if t.startswith(w):
                t = t[len(w) :].strip()
                if w.endswith("<") and t.endswith(">"):
                    t = t[:-1].strip()
                changed = True
    t = _strip_generics(t).strip()
    return t if _TYPE_PATH.fullmatch(t) and len(t.rsplit("::", 1)[-1]) > 1 else ""


def _strip_generics(text: str) -> str:
    """``User<T>`` -> ``User``; ``fmt::Display`` unchanged."""
    pos = text.find("<")
    return text[:pos] if pos >= 0 else text


class RustExtractor(Extractor):
    language = "rust"
    sep = "::"
    call_separators = ("::", ".")
    queries = ("rust-tags", "rust-calls", "rust-control", "rust-imports", "rust-types")
    if_types = frozenset({"if_expression"})
    arm_types = frozenset({"match_arm"})

    # ----- attributes, docs, visibility --------------------------------------------

    def preamble(self, node: ts.Node) -> tuple[list[str], str]:
        """Outer attributes (verbatim) and outer doc comments written before ``node``."""
        attrs: list[str] = []
        docs: list[str] = []
        prev = node.prev_sibling
        while prev is not None:
            t = prev.type
            if t == "attribute_item":
                attrs.append(normalize(self.text(prev)))
            elif t in ("line_comment", "block_comment"):
                if prev.child_by_field_name("outer") is not None:
                    docs.append(self.text(prev))
            else:
                break
            prev = prev.prev_sibling
        attrs.reverse()
        docs.reverse()
        return attrs, doc_from_comments(docs)

    @staticmethod
    def visibility_of(node: ts.Node, default: str = "private", children: list[ts.Node] | None = None) -> str:
        for child in node.children if children is None else children:
            if child.type == "visibility_modifier":
                return "public" if child.text == b"pub" else "crate"
        return default

    def module_symbol(self, root: ts.Node) -> Built:
        docs: list[str] = []
        attrs: list[str] = []
        for child in root.children:
            if child.type in ("line_comment", "block_comment"):
                if child.child_by_field_name("inner") is not None:
                    docs.append(self.text(child))
            elif child.type == "inner_attribute_item":
                attrs.append(normalize(self.text(child)))
            else:
                break
        return Built(doc=doc_from_comments(docs), decorators=attrs)

    # ----- definitions ----------------------------------------------------------

    def run(self) -> FileExtraction:
        result = super().run()
        self.type_calls(result)
        return result

    def type_calls(self, result: FileExtraction) -> None:
        """Give ``x.m()`` the type the source states for the local or parameter ``x`` of the calling function
        (``let x: T``, ``let x = T { .. }``, ``let x = T::make(..)`` as ``T::make()``, ``x: &T``); two
        different statements in one function make it unknown."""
        nodes = self._type_nodes
        if not nodes:
            return
        funcs = [
            (i, s.span.start_line, s.span.end_line)
            for i, s in enumerate(result.symbols)
            if s.kind in (K.FUNCTION, K.METHOD)
        ]
        table: list[int] | None = None
        stated: dict[tuple[int, str], str] = {}
        for node in nodes:
            name = node.child_by_field_name("pattern")
            if name is None or name.type != "identifier":
                continue
            typ = self._stated_type(node)
            if not typ:
                continue
            line = node.start_point.row + 1
            if table is None:
                table = innermost_table(funcs, result.symbols[0].span.end_line)
            fn = table[line] if line < len(table) else -1
            if fn < 0:
                continue
            key = (fn, self.text(name))
            stated[key] = typ if stated.get(key, typ) == typ else ""
        if not stated:
            return
        syms = result.symbols
        for c in result.calls:
            if not c.receiver or "." in c.receiver or "::" in c.receiver or c.receiver == "self":
                continue
            cur: int | None = c.caller
            typ = ""
            while cur is not None and syms[cur].kind in (K.FUNCTION, K.METHOD) and not typ:
                typ = stated.get((cur, c.receiver), "")
                cur = syms[cur].parent
            c.receiver_type = typ

    def _stated_type(self, node: ts.Node) -> str:
        typ = node.child_by_field_name("type")
        if typ is not None:
            return rust_type_name(self.text(typ))
        value = node.child_by_field_name("value")
        if value is None:
            return ""
        if value.type == "struct_expression":
            return rust_type_name(self.text(value.child_by_field_name("name")))
        fn = value.child_by_field_name("function")
        path = fn.child_by_field_name("path") if fn is not None else None
        head = rust_type_name(self.text(path)) if path is not None else ""
        name = self.text(fn.child_by_field_name("name")) if fn is not None else ""
        return f"{head}::{name}()" if head and name else ""

    def definitions(self, caps: dict[str, list[ts.Node]]) -> list[Pending]:
        self._type_nodes = [*caps.get("type.let", ()), *caps.get("type.param", ())]
        out: list[Pending] = []
        for cap, kind in _KINDS.items():
            for node in caps.get("def." + cap, ()):
                if cap == "impl":
                    name = self.impl_name(node)
                elif cap == "closure":
                    name = self.text(node.child_by_field_name("pattern"))
                elif cap == "table":
                    name = self.table_name(node)
                else:
                    name = self.text(node.child_by_field_name("name"))
                if name:
                    out.append(Pending(node, kind, name, cap))
        return out

    def impl_name(self, node: ts.Node) -> str:
        typ = _strip_generics(normalize(self.text(node.child_by_field_name("type"))))
        trait = node.child_by_field_name("trait")
        return f"{normalize(self.text(trait))} for {typ}" if trait is not None else typ

    def table_name(self, node: ts.Node) -> str:
        """The table a Diesel ``table!`` defines: the identifier before its ``(key)`` / ``{ columns }`` trees
        (``schema.accounts`` → accounts); "" when the macro body is not one table."""
        tree = next((c for c in node.named_children if c.type == "token_tree"), None)
        if tree is None:
            return ""
        last = ""
        for child in tree.named_children:
            if child.type == "identifier":
                last = self.text(child)
            elif child.type == "token_tree" and last:
                return last
        return ""

    def build(self, p: Pending, kind: SymbolKind, parent: int) -> Built:
        node = p.node
        if p.extra == "table":
            attrs, doc = self.preamble(node)
            return Built(
                doc=doc, decorators=attrs, signature=f"table! {p.name}", visibility="public",
                is_test=self.symbols[parent].is_test,
            )  # fmt: skip
        parent_sym = self.symbols[parent]
        in_test = parent != 0 and parent_sym.is_test  # inside #[cfg(test)] mod or a test
        if p.extra == "closure":
            closure = node.child_by_field_name("value")
            params = closure.child_by_field_name("parameters")
            n = sum(1 for c in params.named_children if c.type != "line_comment") if params else 0
            return Built(
                signature=self.flat(node.start_byte, node.end_byte, 200),
                visibility="private",
                is_test=in_test,
                params=n,
                is_async=False,
            )
        attrs, doc = self.preamble(node)
        body = node.child_by_field_name("body")
        trait_context = parent_sym.kind is K.TRAIT or (
            parent_sym.kind is K.IMPL and " for " in parent_sym.name and kind is not K.IMPL
        )
        default_vis = "public" if trait_context or (p.extra == "field" and node.type == "enum_variant") else "private"
        children = node.children
        built = Built(
            doc=doc,
            decorators=attrs,
            visibility=self.visibility_of(node, default_vis, children),
            is_test=in_test,
        )
        if kind in (K.FUNCTION, K.METHOD):
            built.signature = self.head(node, body, ";")
            built.is_async = any(c.type == "function_modifiers" and b"async" in c.text for c in children)
            params = node.child_by_field_name("parameters")
            if params is not None:
                types = [c.type for c in params.named_children]
                built.params = types.count("parameter") + types.count("variadic_parameter")
            else:
                built.params = 0
            built.is_test = in_test or any(self.is_test_attr(a) for a in attrs)
        elif kind is K.IMPL:
            built.signature = self.head(node, body)
            built.visibility = ""
            self_type = _strip_generics(normalize(self.text(node.child_by_field_name("type"))))
            prefix = self.prefixes[parent]
            built.qualified_name = f"{prefix}::<impl {p.name}>"
            built.child_prefix = f"{prefix}::{self_type}"
            trait = node.child_by_field_name("trait")
            if trait is not None:
                target = _strip_generics(normalize(self.text(trait)))
                built.bases.append((target, EdgeKind.IMPLEMENTS, trait.start_point.row + 1))
        elif kind is K.MODULE:
            built.signature = self.head(node, body)
            built.is_test = in_test or "#[cfg(test)]" in attrs
        elif kind in (K.STRUCT, K.ENUM, K.TRAIT):
            built.signature = self.head(node, body, ";")
            if kind is K.TRAIT:
                bounds = node.child_by_field_name("bounds")
                if bounds is not None:
                    for b in bounds.named_children:
                        if b.type in ("type_identifier", "scoped_type_identifier", "generic_type"):
                            target = _strip_generics(self.text(b))
                            built.bases.append((target, EdgeKind.INHERITS, b.start_point.row + 1))
        else:
            built.signature = self.flat(node.start_byte, node.end_byte, 200, ";,")
        return built

    @staticmethod
    def is_test_attr(attr: str) -> bool:
        inner = attr[2:-1].strip() if attr.startswith("#[") else ""
        path = inner.split("(", 1)[0].strip()
        return path == "test" or path.endswith("::test")

    # ----- calls ---------------------------------------------------------------------

    def call(self, node: ts.Node) -> tuple[str, ts.Node] | None:
        if node.type == "macro_invocation":
            mac = node.child_by_field_name("macro")
            if mac is None:
                return None
            at = mac.child_by_field_name("name") if mac.type == "scoped_identifier" else mac
            if at is None or at.text.decode("utf-8", "replace") in _STD_MACROS:
                return None
            return clean_target(self.text(mac)) + "!", at
        fn = node.child_by_field_name("function")
        if fn is None or fn.type not in _CALLEE_TYPES:
            return None
        at = fn
        while True:
            t = at.type
            if t == "generic_function":
                at = at.child_by_field_name("function")
            elif t == "field_expression":
                at = at.child_by_field_name("field")
            elif t == "scoped_identifier":
                at = at.child_by_field_name("name")
            else:
                break
            if at is None:
                return None
        return clean_target(self.text(fn)), at

    # ----- imports -------------------------------------------------------------------

    def import_items(self, caps: dict[str, list[ts.Node]]) -> list[tuple[int, Import]]:
        out: list[tuple[int, Import]] = []
        for node in caps.get("import.use", ()):
            arg = node.child_by_field_name("argument")
            if arg is None:
                continue
            line = node.start_point.row + 1
            for module, name, alias in self.use_tree(arg, ""):
                first = module.split("::", 1)[0] if module else name
                rel = first in ("self", "super")
                out.append((node.start_byte, Import(module, name, alias, line, rel)))
        for node in caps.get("import.mod", ()):
            name = self.text(node.child_by_field_name("name"))
            module = self.path_attr_module(node) or f"{self.module}::{name}"
            out.append((node.start_byte, Import(module, "", name, node.start_point.row + 1)))
        return out

    def path_attr_module(self, node: ts.Node) -> str:
        """``#[path = "platform/unix.rs"] mod fs;``: the module the named file has by its path (the resolver
        makes ``<here>::fs`` name that file too); "" without a ``path`` attribute. The path is relative to the
        declaring file's directory."""
        attrs, _doc = self.preamble(node)
        for attr in attrs:
            m = _PATH_ATTR.fullmatch(attr)
            if m:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), m.group(1)))
                return rust_module(target) if not target.startswith("..") else ""
        return ""

    def use_tree(self, node: ts.Node, prefix: str) -> list[tuple[str, str, str]]:
        """(module, name, alias) triples of a use tree below path ``prefix``."""
        t = node.type
        if t == "use_as_clause":
            full = prefix + normalize(self.text(node.child_by_field_name("path"))).replace(" ", "")
            module, _, name = full.rpartition("::")
            alias = self.text(node.child_by_field_name("alias"))
            return [(module, name, alias)] if module else [(name, "", alias)]
        if t == "scoped_use_list":
            path = node.child_by_field_name("path")
            sub = prefix + (self.text(path).replace(" ", "") + "::" if path is not None else "")
            lst = node.child_by_field_name("list")
            return self.use_tree(lst, sub) if lst is not None else []
        if t == "use_list":
            out: list[tuple[str, str, str]] = []
            for child in node.named_children:
                if "comment" not in child.type:
                    out.extend(self.use_tree(child, prefix))
            return out
        if t == "use_wildcard":
            full = prefix + normalize(self.text(node)).replace(" ", "")
            return [(full[:-3] if full.endswith("::*") else full, "*", "")]
        full = prefix + normalize(self.text(node)).replace(" ", "")
        module, _, name = full.rpartition("::")
        if name == "self":  # use a::b::{self} imports the module b
            module, _, name = module.rpartition("::")
            return [(f"{module}::{name}" if module else name, "", name)]
        return [(module, name, name)] if module else [(name, "", name)]

"""Python: modules, classes, functions/methods (nested too), class fields,
module variables/constants, lambdas bound to a name, type aliases, imports,
calls and class bases.

Kinds: a module-level assignment is a CONSTANT when its name is UPPER_CASE,
else a VARIABLE; an assignment directly in a class body is a FIELD; a name bound
to a ``lambda`` is a FUNCTION. Visibility: ``_name`` is private, everything else
(dunders included) public. Tests: pytest-style ``test*`` functions at module
level, and ``test*`` methods of a test class (named ``Test*`` or deriving from
a ``*TestCase``); such classes are tests themselves.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from semgraph.graph.extractors._engine import Built, Extractor, Pending, clean_target, normalize
from semgraph.graph.model import AttrType, EdgeKind, FileExtraction, Import, SymbolKind

K = SymbolKind
_PARAM_TYPES = frozenset(
    {
        "identifier",
        "typed_parameter",
        "default_parameter",
        "typed_default_parameter",
        "list_splat_pattern",
        "dictionary_splat_pattern",
        "tuple_pattern",
    }
)
_STRING_PREFIX = "rRbBuUfF"
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_OPTIONAL = re.compile(r"(?:typing\.)?Optional\[(.*)\]")


def visibility(name: str) -> str:
    if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
        return "private"
    return "public"


def type_name(text: str) -> str:
    """The class a type annotation names (``"Repo"``, ``Optional[Repo]``, ``Repo | None`` → Repo); "" for
    anything else (generics, unions of several types): only a plain class tells which method is called."""
    t = text.strip().strip("\"'").strip()
    m = _OPTIONAL.fullmatch(t)
    if m:
        t = m.group(1).strip().strip("\"'")
    if "|" in t:
        parts = [x.strip() for x in t.split("|") if x.strip() != "None"]
        t = parts[0] if len(parts) == 1 else ""
    return t if _DOTTED.fullmatch(t) else ""


def cleandoc(doc: str) -> str:
    """``inspect.cleandoc`` (the same result), with its per-line loops as comprehensions: one per docstring."""
    lines = doc.expandtabs().split("\n")
    rest = lines[1:]
    indents = [len(line) - len(line.lstrip()) for line in rest if line.strip()]
    lines[0] = lines[0].lstrip()
    if indents:
        margin = min(indents)
        lines[1:] = [line[margin:] for line in rest]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines)


def string_value(text: str) -> str:
    """The content of a Python string literal (prefixes and quotes removed)."""
    t = text.lstrip(_STRING_PREFIX)
    for q in ('"""', "'''", '"', "'"):
        if t.startswith(q) and t.endswith(q) and len(t) >= 2 * len(q):
            return t[len(q) : -len(q)]
    return t


class PythonExtractor(Extractor):
    language = "python"
    sep = "."
    call_separators = (".",)
    queries = ("python-tags", "python-calls", "python-control", "python-imports", "python-types")
    if_types = frozenset()  # elif is a clause of the same if_statement
    arm_types = frozenset({"case_clause"})

    def docstring(self, body: ts.Node | None) -> str:
        if body is None or body.named_child_count == 0:
            return ""
        first = body.named_child(0)
        while first is not None and first.type == "comment":
            first = first.next_named_sibling
        if first is None or first.type != "expression_statement":
            return ""
        s = first.named_child(0) if first.named_child_count else None
        if s is None or s.type != "string":
            return ""
        return cleandoc(string_value(self.text(s)))

    def module_symbol(self, root: ts.Node) -> Built:
        return Built(doc=self.docstring(root))

    def __init__(self, source: bytes, path: str, module: str) -> None:
        super().__init__(source, path, module)
        self._type_caps: dict[str, list[ts.Node]] = {}
        self._functions: dict[int, tuple[int, int | None]] = {}  # def start byte -> (symbol, its class or None)

    def run(self) -> FileExtraction:
        result = super().run()
        result.attribute_types = self.stated_types()
        self.type_calls(result)
        return result

    def stated_types(self) -> list[AttrType]:
        """Types the source states: ``self.x = Cls(...)`` / ``self.x: Cls`` / ``self.x = param`` with
        ``param: Cls`` (on the class), annotated parameters and locals (on the function)."""
        out: list[AttrType] = []
        params: dict[tuple[int, str], str] = {}
        for node in self._type_caps.get("type.param", ()):
            fn = self._function_of(node)
            if fn is None:
                continue
            name_node = node.child_by_field_name("name") or (node.named_child(0) if node.named_child_count else None)
            if name_node is None or name_node.type != "identifier" or name_node.text in (b"self", b"cls"):
                continue
            typ = type_name(self.text(node.child_by_field_name("type")))
            if typ:
                params[(fn[0], self.text(name_node))] = typ
                out.append(AttrType(fn[0], self.text(name_node), typ, node.start_point.row + 1))
        for node in self._type_caps.get("type.assign", ()):
            fn = self._function_of(node)
            if fn is None:
                continue
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            ann = node.child_by_field_name("type")
            line = node.start_point.row + 1
            if left is None:
                continue
            if left.type == "identifier":
                typ = type_name(self.text(ann)) if ann is not None else ""
                if not typ and right is not None and right.type == "call":  # `repo = UserRepository(s)`
                    callee = type_name(self.text(right.child_by_field_name("function")))
                    # a class by convention; else what the function is declared to return (`open_repo()`)
                    typ = callee if callee.rsplit(".", 1)[-1][:1].isupper() else (callee + "()" if callee else "")
                    if (fn[0], callee) in params:  # `client = factory(app)`, `factory: Factory`: its __call__
                        typ = f"{params[(fn[0], callee)]}.__call__()"
                if typ:
                    out.append(AttrType(fn[0], self.text(left), typ, line))
                continue
            obj = left.child_by_field_name("object")
            attr = left.child_by_field_name("attribute")
            if fn[1] is None or obj is None or attr is None or obj.type != "identifier" or obj.text != b"self":
                continue
            typ = ""
            if ann is not None:
                typ = type_name(self.text(ann))
            elif right is not None and right.type == "call":
                callee = type_name(self.text(right.child_by_field_name("function")))
                typ = callee if callee.rsplit(".", 1)[-1][:1].isupper() else ""  # a class, by convention
            elif right is not None and right.type == "identifier":
                typ = params.get((fn[0], self.text(right)), "")
            if typ:
                out.append(AttrType(fn[1], self.text(attr), typ, line, on_self=True))
        return out

    def _function_of(self, node: ts.Node) -> tuple[int, int | None] | None:
        cur = node.parent
        while cur is not None and cur.type not in ("function_definition", "class_definition", "lambda"):
            cur = cur.parent
        if cur is None or cur.type != "function_definition":
            return None
        return self._functions.get(cur.start_byte)

    def type_calls(self, result: FileExtraction) -> None:
        """Give ``self.x.m()`` / ``x.m()`` calls the receiver type stated for ``x`` (when it is one type)."""
        on_self: dict[tuple[int, str], str] = {}
        local: dict[tuple[int, str], str] = {}
        for t in result.attribute_types:
            table = on_self if t.on_self else local
            key = (t.scope, t.name)
            table[key] = t.type if table.get(key, t.type) == t.type else ""  # two stated types: unknown
        if not on_self and not local:
            return
        syms = result.symbols
        seen: dict[tuple[int, str], str] = {}  # (caller, receiver) -> type: a function names its receivers often
        for c in result.calls:
            recv = c.receiver
            if not recv:
                continue
            key = (c.caller, recv)
            typ = seen.get(key)
            if typ is None:
                typ = ""
                dot = recv.find(".")
                if dot < 0:  # `x.m()`: x stated in the calling function or an enclosing one
                    if local:
                        cur = c.caller
                        while cur is not None and syms[cur].kind in (K.FUNCTION, K.METHOD) and not typ:
                            typ = local.get((cur, recv), "")
                            cur = syms[cur].parent
                elif dot == 4 and on_self and recv.startswith("self") and recv.find(".", 5) < 0:  # `self.x.m()`
                    cur = c.caller
                    while cur is not None and syms[cur].kind is not K.CLASS:
                        cur = syms[cur].parent
                    if cur is not None:
                        typ = on_self.get((cur, recv[5:]), "")
                seen[key] = typ
            if typ:
                c.receiver_type = typ

    def definitions(self, caps: dict[str, list[ts.Node]]) -> list[Pending]:
        self._type_caps = {k: v for k, v in caps.items() if k.startswith("type.")}
        out: list[Pending] = []
        seen: set[int] = set()
        for cap in ("def.function", "def.class", "def.type_alias", "def.lambda", "def.field", "def.variable"):
            kind = cap[4:]
            for node in caps.get(cap, ()):
                if node.start_byte in seen:
                    continue
                seen.add(node.start_byte)
                if kind in ("function", "class"):
                    name = self.text(node.child_by_field_name("name"))
                    out.append(Pending(node, K.FUNCTION if kind == "function" else K.CLASS, name))
                elif kind == "type_alias":
                    left = node.child_by_field_name("left")
                    out.append(Pending(node, K.TYPE_ALIAS, self.text(left)))
                else:
                    assign = node
                    left = assign.child_by_field_name("left")
                    right = assign.child_by_field_name("right")
                    name = self.text(left)
                    if right is not None and right.type == "lambda":
                        out.append(Pending(assign, K.FUNCTION, name, right))
                    elif kind == "field":
                        out.append(Pending(assign, K.FIELD, name))
                    elif kind == "variable":
                        typ = assign.child_by_field_name("type")
                        if typ is not None and self.text(typ).endswith("TypeAlias"):
                            out.append(Pending(assign, K.TYPE_ALIAS, name))
                        else:
                            out.append(Pending(assign, K.CONSTANT if name.isupper() else K.VARIABLE, name))
        return out

    def build(self, p: Pending, kind: SymbolKind, parent: int) -> Built:
        node = p.node
        name = p.name
        parent_sym = self.symbols[parent]
        if node.type == "class_definition":
            body = node.child_by_field_name("body")
            built = Built(
                signature=self.head(node, body, ":"),
                doc=self.docstring(body),
                visibility=visibility(name),
                decorators=self.decorators(node),
            )
            sup = node.child_by_field_name("superclasses")
            if sup is not None:
                for arg in sup.named_children:
                    if arg.type in ("keyword_argument", "comment", "dictionary_splat", "list_splat"):
                        continue
                    built.bases.append((self.text(arg), EdgeKind.INHERITS, arg.start_point.row + 1))
            built.is_test = name.startswith("Test") or any(b[0].endswith("TestCase") for b in built.bases)
            return built
        if node.type == "function_definition":
            self._functions[node.start_byte] = (len(self.symbols), parent if parent_sym.kind is K.CLASS else None)
            body = node.child_by_field_name("body")
            params = self.count_params(node.child_by_field_name("parameters"), kind is K.METHOD)
            is_test = name.startswith("test") and (
                parent_sym.kind is K.MODULE or (parent_sym.kind is K.CLASS and parent_sym.is_test)
            )
            return Built(
                signature=self.head(node, body, ":"),
                doc=self.docstring(body),
                visibility=visibility(name),
                decorators=self.decorators(node),
                is_async=node.child(0).type == "async",
                is_test=is_test,
                params=params,
            )
        if p.extra is not None:  # name = lambda ...
            lam = p.extra
            return Built(
                signature=self.flat(node.start_byte, node.end_byte, 200),
                visibility=visibility(name),
                params=self.count_params(lam.child_by_field_name("parameters"), False),
                kind=K.FUNCTION,
            )
        # `__all__` whole: a star import of the module exports just those names (the resolver reads them)
        limit = node.end_byte - node.start_byte + 1 if name == "__all__" else 200
        return Built(signature=self.flat(node.start_byte, node.end_byte, limit), visibility=visibility(name))

    def decorators(self, node: ts.Node) -> list[str]:
        par = node.parent
        if par is None or par.type != "decorated_definition":
            return []
        return [normalize(self.text(d)) for d in par.named_children if d.type == "decorator"]

    @staticmethod
    def count_params(params: ts.Node | None, is_method: bool) -> int:
        if params is None:
            return 0
        n = 0
        first = True
        for child in params.named_children:
            if child.type not in _PARAM_TYPES:
                continue
            if first and is_method and child.type == "identifier" and child.text in (b"self", b"cls"):
                first = False
                continue
            first = False
            n += 1
        return n

    def call(self, node: ts.Node) -> tuple[str, ts.Node] | None:
        fn = node.child_by_field_name("function")
        if fn is None:
            return None
        at = fn.child_by_field_name("attribute") or fn if fn.type == "attribute" else fn
        return clean_target(self.source[fn.start_byte : fn.end_byte].decode("utf-8", "replace")), at

    def import_items(self, caps: dict[str, list[ts.Node]]) -> list[tuple[int, Import]]:
        out: list[tuple[int, Import]] = []
        for node in caps.get("import", ()):
            line = node.start_point.row + 1
            if node.type == "import_statement":
                for item in node.children_by_field_name("name"):
                    if item.type == "aliased_import":
                        mod = self.text(item.child_by_field_name("name"))
                        alias = self.text(item.child_by_field_name("alias"))
                    else:
                        mod = self.text(item)
                        alias = mod.split(".", 1)[0]  # `import a.b` binds `a`
                    out.append((node.start_byte, Import(module=mod, name="", alias=alias, line=line)))
                continue
            mod_node = node.child_by_field_name("module_name")
            mod = normalize(self.text(mod_node)).replace(" ", "")
            relative = mod.startswith(".")
            names = node.children_by_field_name("name")
            if not names:
                if any(c.type == "wildcard_import" for c in node.named_children):
                    out.append((node.start_byte, Import(mod, "*", "", line, relative)))
                continue
            for item in names:
                if item.type == "aliased_import":
                    name = self.text(item.child_by_field_name("name"))
                    alias = self.text(item.child_by_field_name("alias"))
                else:
                    name = alias = self.text(item)
                out.append((node.start_byte, Import(mod, name, alias, line, relative)))
        return out

"""Action steps and the validate-expression grammar, compiled to Rust.

An action is a named list of steps run inside one ``conn.transaction`` on the
row addressed by the request path. Steps:

- ``validate``: ``expression`` must hold, else HTTP 422 with ``message``;
- ``update``: ``fields`` maps columns of the entity to value expressions;
- ``insert``: ``entity`` plus ``fields`` (column → value expression) inserts a row;
- ``delete``: deletes the row (soft delete when the entity has ``deleted_at``);
- ``call``: ``function`` (a Rust path) called as ``function(conn, args…)?``.

Expression grammar (keywords are case-insensitive)::

    expr  := and ("OR" and)*
    and   := not ("AND" not)*
    not   := "NOT" not | cmp
    cmp   := sum [("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") sum | "IS" ["NOT"] "NULL"]
    sum   := prod (("+" | "-") prod)*
    prod  := unary (("*" | "/" | "%") unary)*
    unary := "-" unary | atom
    atom  := NUMBER | 'string' | TRUE | FALSE | NULL | name | "(" expr ")"

A ``name`` is a field of the entity (read from the locked row) or a parameter
of the action (read from the request body); anything else is an error that
lists the names allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from semgraph.errors import InvalidInputError
from semgraph.rust.naming import pascal, rust_ident
from semgraph.rust.spec import ActionSpec, DieselSpec, EntitySpec, EnumSpec, FieldSpec
from semgraph.rust.types import unwrap_option

STEP_TYPES = ("validate", "update", "insert", "delete", "call")
RESERVED_ACTIONS = {"list", "get", "create", "update", "delete", "configure"}
_NUMERIC = {"i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "f32", "f64", "isize", "usize"}
_COPY = _NUMERIC | {"bool", "char"}

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op><>|!=|<=|>=|==|[=<>+\-*/%()])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
)
_KEYWORDS = {"and", "or", "not", "is", "null", "true", "false"}


@dataclass
class Token:
    kind: str  # num, str, op, name, kw, end
    value: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens; an unknown character is an error with its position."""
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            bad = text[pos:].lstrip()[:1]
            col = len(text) - len(text[pos:].lstrip()) + 1
            raise InvalidInputError(
                f"unexpected character {bad!r} at column {col} in expression {text!r}",
                hint="use names, numbers, 'strings', = != < <= > >= + - * / %, AND, OR, NOT, IS [NOT] NULL",
            )
        kind = m.lastgroup or ""
        value = m.group(kind)
        start = m.start(kind)
        if kind == "name" and value.lower() in _KEYWORDS:
            out.append(Token("kw", value.lower(), start))
        elif kind == "str":
            out.append(Token("str", value[1:-1].replace("''", "'"), start))
        else:
            out.append(Token(kind, "=" if value == "==" else ("!=" if value == "<>" else value), start))
        pos = m.end()
    out.append(Token("end", "", len(text)))
    return out


@dataclass
class Node:
    kind: str  # or, and, not, cmp, isnull, arith, neg, num, str, bool, null, name
    value: str = ""
    args: list[Node] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        t = self.toks[self.i]
        self.i += 1
        return t

    def error(self, what: str) -> InvalidInputError:
        t = self.peek()
        found = "end of expression" if t.kind == "end" else repr(t.value)
        return InvalidInputError(
            f"expected {what} at column {t.pos + 1} in expression {self.text!r}, found {found}",
            hint="see the expression grammar in docs/rust.md",
        )

    def parse(self) -> Node:
        node = self.or_()
        if self.peek().kind != "end":
            raise self.error("AND, OR or the end")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.peek().kind == "kw" and self.peek().value == "or":
            self.take()
            node = Node("or", args=[node, self.and_()])
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.peek().kind == "kw" and self.peek().value == "and":
            self.take()
            node = Node("and", args=[node, self.not_()])
        return node

    def not_(self) -> Node:
        if self.peek().kind == "kw" and self.peek().value == "not":
            self.take()
            return Node("not", args=[self.not_()])
        return self.cmp()

    def cmp(self) -> Node:
        left = self.sum()
        t = self.peek()
        if t.kind == "op" and t.value in {"=", "!=", "<", "<=", ">", ">="}:
            self.take()
            return Node("cmp", t.value, [left, self.sum()])
        if t.kind == "kw" and t.value == "is":
            self.take()
            negate = self.peek().kind == "kw" and self.peek().value == "not"
            if negate:
                self.take()
            if not (self.peek().kind == "kw" and self.peek().value == "null"):
                raise self.error("NULL after IS")
            self.take()
            return Node("isnull", "not" if negate else "", [left])
        return left

    def sum(self) -> Node:
        node = self.prod()
        while self.peek().kind == "op" and self.peek().value in {"+", "-"}:
            op = self.take().value
            node = Node("arith", op, [node, self.prod()])
        return node

    def prod(self) -> Node:
        node = self.unary()
        while self.peek().kind == "op" and self.peek().value in {"*", "/", "%"}:
            op = self.take().value
            node = Node("arith", op, [node, self.unary()])
        return node

    def unary(self) -> Node:
        if self.peek().kind == "op" and self.peek().value == "-":
            self.take()
            return Node("neg", args=[self.unary()])
        return self.atom()

    def atom(self) -> Node:
        t = self.peek()
        if t.kind == "num":
            self.take()
            return Node("num", t.value)
        if t.kind == "str":
            self.take()
            return Node("str", t.value)
        if t.kind == "kw" and t.value in {"true", "false"}:
            self.take()
            return Node("bool", t.value)
        if t.kind == "kw" and t.value == "null":
            self.take()
            return Node("null")
        if t.kind == "name":
            self.take()
            return Node("name", t.value)
        if t.kind == "op" and t.value == "(":
            self.take()
            node = self.or_()
            if not (self.peek().kind == "op" and self.peek().value == ")"):
                raise self.error("')'")
            self.take()
            return node
        raise self.error("a value, a name or '('")


def parse_expression(text: str) -> Node:
    """Parse one expression of the grammar above into a tree."""
    if not text or not text.strip():
        raise InvalidInputError("empty expression", hint="e.g. total > 100 AND status = 'pending'")
    return _Parser(text).parse()


# --- compilation -------------------------------------------------------------------

_PREC = {"or": 1, "and": 2, "cmp": 3, "isnull": 3, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "not": 6, "neg": 6}


@dataclass
class Typed:
    code: str
    kind: str  # num, str, bool, enum:Name, null, other
    nullable: bool = False
    prec: int = 9


def _kind_of(rust_type: str | None, spec: DieselSpec) -> tuple[str, bool]:
    inner, nullable = unwrap_option(rust_type or "")
    last = inner.split("::")[-1]
    if last in _NUMERIC:
        return "num", nullable
    if last in {"String", "&str", "str"} or inner.endswith("str"):
        return "str", nullable
    if last == "bool":
        return "bool", nullable
    if spec.enum(last):
        return f"enum:{last}", nullable
    return "other", nullable


class Scope:
    """Names an expression may use: fields of the entity (``row.x``) and action parameters (``params.x``)."""

    def __init__(self, spec: DieselSpec, entity: EntitySpec, params: dict[str, str], context: str) -> None:
        self.spec = spec
        self.entity = entity
        self.params = params
        self.context = context
        self.enums_used: set[str] = set()

    def allowed(self) -> str:
        fields = ", ".join(f.name for f in self.entity.fields) or "none"
        params = ", ".join(self.params) or "none"
        return f"fields of {self.entity.name}: {fields}; action params: {params}"

    def name(self, name: str) -> Typed:
        fld = self.entity.field(name)
        if fld is not None:
            kind, nullable = _kind_of(fld.rust_type, self.spec)
            base = unwrap_option(fld.rust_type or "")[0]
            copy = base in _COPY or kind.startswith("enum:")
            code = f"row.{rust_ident(name)}" if copy and not nullable else f"row.{rust_ident(name)}.clone()"
            return Typed(code, kind, nullable)
        if name in self.params:
            kind, nullable = _kind_of(self.params[name], self.spec)
            base = unwrap_option(self.params[name])[0]
            code = (
                f"params.{rust_ident(name)}" if base in _COPY and not nullable else f"params.{rust_ident(name)}.clone()"
            )
            return Typed(code, kind, nullable)
        raise InvalidInputError(f"{self.context}: unknown name {name!r}", hint=f"use one of the {self.allowed()}")


def _enum_variant(enum: EnumSpec, value: str, context: str) -> str:
    for v in enum.variants:
        if value in {v.db_value, v.name} or value.lower() == (v.db_value or v.name).lower():
            return f"{enum.name}::{v.name}"
    raise InvalidInputError(
        f"{context}: {value!r} is not a value of enum {enum.name}",
        hint=f"allowed values: {', '.join(enum.values())}",
    )


def _wrap(t: Typed, prec: int) -> str:
    return f"({t.code})" if t.prec < prec else t.code


def _rust_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def compile_expr(node: Node, scope: Scope, expect: str | None = None) -> Typed:
    """Compile an expression tree to Rust; ``expect`` is the kind a literal should take (enum:X)."""
    match node.kind:
        case "num":
            return Typed(node.value, "num")
        case "str":
            if expect and expect.startswith("enum:"):
                enum = scope.spec.enum(expect[5:])
                assert enum is not None
                scope.enums_used.add(enum.name)
                return Typed(_enum_variant(enum, node.value, scope.context), expect)
            return Typed(_rust_str(node.value), "str")
        case "bool":
            return Typed(node.value, "bool")
        case "null":
            return Typed("None", "null")
        case "name":
            return scope.name(node.value)
        case "neg":
            inner = compile_expr(node.args[0], scope)
            return Typed(f"-{_wrap(inner, 6)}", inner.kind, prec=6)
        case "not":
            inner = compile_expr(node.args[0], scope)
            return Typed(f"!{_wrap(inner, 6)}", "bool", prec=6)
        case "and" | "or":
            left = compile_expr(node.args[0], scope)
            right = compile_expr(node.args[1], scope)
            op = "&&" if node.kind == "and" else "||"
            p = _PREC[node.kind]
            return Typed(f"{_wrap(left, p)} {op} {_wrap(right, p + 1)}", "bool", prec=p)
        case "arith":
            left = compile_expr(node.args[0], scope)
            right = compile_expr(node.args[1], scope)
            for side in (left, right):
                if side.nullable or side.kind not in {"num"}:
                    raise InvalidInputError(
                        f"{scope.context}: arithmetic needs non-null numbers, got {side.code.removesuffix('.clone()')}",
                        hint="compare nullable fields with IS NOT NULL first, or use a numeric field",
                    )
            p = _PREC[node.value]
            return Typed(f"{_wrap(left, p)} {node.value} {_wrap(right, p + 1)}", "num", prec=p)
        case "isnull":
            inner = compile_expr(node.args[0], scope)
            if not inner.nullable:
                raise InvalidInputError(
                    f"{scope.context}: {node.args[0].value or inner.code} is not nullable, IS NULL is always false",
                    hint="IS [NOT] NULL applies to Option fields",
                )
            code = inner.code.removesuffix(".clone()")
            return Typed(f"{code}.{'is_some' if node.value == 'not' else 'is_none'}()", "bool", prec=8)
        case "cmp":
            return _compile_cmp(node, scope)
    raise InvalidInputError(f"{scope.context}: unsupported expression")


def _compile_cmp(node: Node, scope: Scope) -> Typed:
    left = compile_expr(node.args[0], scope)
    right = compile_expr(node.args[1], scope, expect=left.kind)
    if left.kind == "str" and right.kind.startswith("enum:"):
        left = compile_expr(node.args[0], scope, expect=right.kind)
    if "null" in {left.kind, right.kind}:
        raise InvalidInputError(f"{scope.context}: compare with NULL using IS NULL / IS NOT NULL")
    op = "==" if node.value == "=" else node.value
    if left.kind != right.kind and "other" not in {left.kind, right.kind}:
        raise InvalidInputError(
            f"{scope.context}: cannot compare {left.kind} with {right.kind} "
            f"({left.code.removesuffix('.clone()')} {op} {right.code.removesuffix('.clone()')})",
            hint="compare a field with a value or parameter of the same type",
        )
    if left.nullable or right.nullable:
        if left.nullable and right.nullable:
            raise InvalidInputError(f"{scope.context}: both sides of {op} are nullable", hint="check one IS NOT NULL")
        opt, other = (left, right) if left.nullable else (right, left)
        flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op) if not left.nullable else op
        opt_code = opt.code.removesuffix(".clone()")
        return Typed(f"{opt_code}.as_ref().is_some_and(|v| *v {flipped} {other.code})", "bool", prec=8)
    lc = left.code.removesuffix(".clone()")
    rc = right.code.removesuffix(".clone()")
    return Typed(
        f"{_wrap(Typed(lc, left.kind, prec=left.prec), 4)} {op} {_wrap(Typed(rc, right.kind, prec=right.prec), 4)}",
        "bool",
        prec=3,
    )


# --- steps -------------------------------------------------------------------------


@dataclass
class CompiledStep:
    kind: str
    code: list[str]  # statement lines without indentation (rustfmt-ready, short)
    comment: str


@dataclass
class CompiledAction:
    name: str
    struct_name: str
    params: list[tuple[str, str]]
    steps: list[CompiledStep]
    doc: str | None
    enums_used: set[str]
    tables_used: set[str]
    reloads: bool


def _column_value(entity: EntitySpec, fld: FieldSpec, expr: str, scope: Scope) -> str:
    kind, nullable = _kind_of(fld.rust_type, scope.spec)
    value = compile_expr(parse_expression(expr), scope, expect=kind)
    if value.kind == "null":
        if not nullable:
            raise InvalidInputError(f"{scope.context}: {fld.name} is not nullable, cannot set it to NULL")
        return "None::<" + unwrap_option(fld.rust_type or "")[0] + ">"
    if kind != value.kind and "other" not in {kind, value.kind}:
        raise InvalidInputError(
            f"{scope.context}: {fld.name} holds {kind}, the value {expr!r} is {value.kind}",
            hint="give a value of the column's type",
        )
    return value.code


def compile_action(spec: DieselSpec, entity: EntitySpec, action: ActionSpec, table_path: str) -> CompiledAction:
    """Check an action against the spec and compile its steps to Rust statements."""
    ctx = f"action {action.name!r} of {entity.name}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", action.name) or action.name in RESERVED_ACTIONS:
        raise InvalidInputError(
            f"{ctx}: the name must be a snake_case identifier other than {', '.join(sorted(RESERVED_ACTIONS))}"
        )
    for pname, ptype in action.params.items():
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", pname) or not re.fullmatch(r"[A-Za-z0-9_:<>, &']+", ptype):
            raise InvalidInputError(f"{ctx}: parameter {pname}: {ptype} is not a snake_case name with a Rust type")
        if entity.field(pname):
            raise InvalidInputError(f"{ctx}: parameter {pname!r} shadows a field of {entity.name}", hint="rename it")
    if not action.steps:
        raise InvalidInputError(f"{ctx}: no steps", hint=f"add steps of type {', '.join(STEP_TYPES)}")
    steps: list[CompiledStep] = []
    enums: set[str] = set()
    tables: set[str] = set()
    deleted = False
    for i, step in enumerate(action.steps, 1):
        sctx = f"{ctx}, step {i} ({step.type})"
        scope = Scope(spec, entity, action.params, sctx)
        if step.type not in STEP_TYPES:
            raise InvalidInputError(
                f"{ctx}, step {i}: unknown step type {step.type!r}", hint=f"allowed step types: {', '.join(STEP_TYPES)}"
            )
        if deleted:
            raise InvalidInputError(f"{sctx}: comes after the row was deleted", hint="make delete the last step")
        if step.type == "validate":
            cond = compile_expr(parse_expression(step.expression or ""), scope)
            if cond.kind != "bool":
                raise InvalidInputError(f"{sctx}: {step.expression!r} is not a condition", hint="use a comparison")
            message = step.message or f"{step.expression} must hold"
            steps.append(
                CompiledStep(
                    "validate",
                    [
                        f"if !({cond.code}) {{",
                        _rust_str(message),
                        "}",
                    ],
                    f"validate: {step.expression}",
                )
            )
        elif step.type == "update":
            if step.entity not in {None, entity.name}:
                raise InvalidInputError(
                    f"{sctx}: update changes the action's own {entity.name} row",
                    hint="use insert or call for other entities",
                )
            if not step.fields:
                raise InvalidInputError(
                    f"{sctx}: no fields to update",
                    hint=f"fields of {entity.name}: {', '.join(f.name for f in entity.fields)}",
                )
            sets = []
            for fname, expr in step.fields.items():
                fld = entity.field(fname)
                if fld is None:
                    raise InvalidInputError(
                        f"{sctx}: {entity.name} has no field {fname!r}",
                        hint=f"fields of {entity.name}: {', '.join(f.name for f in entity.fields)}",
                    )
                sets.append(f"{table_path}::{rust_ident(fld.column)}.eq({_column_value(entity, fld, expr, scope)})")
            if entity.field("updated_at") and "updated_at" not in step.fields:
                sets.append(f"{table_path}::updated_at.eq(diesel::dsl::now)")
            steps.append(
                CompiledStep("update", _update_lines(table_path, entity, sets), f"update: {', '.join(step.fields)}")
            )
        elif step.type == "insert":
            target = spec.entity(step.entity or "")
            if target is None:
                raise InvalidInputError(
                    f"{sctx}: unknown entity {step.entity!r}",
                    hint=f"entities: {', '.join(e.name for e in spec.entities)}",
                )
            tpath = target.table
            tables.add(tpath)
            values = []
            for fname, expr in step.fields.items():
                fld = target.field(fname)
                if fld is None:
                    raise InvalidInputError(
                        f"{sctx}: {target.name} has no field {fname!r}",
                        hint=f"fields of {target.name}: {', '.join(f.name for f in target.fields)}",
                    )
                values.append(f"{tpath}::{rust_ident(fld.column)}.eq({_column_value(target, fld, expr, scope)})")
            if not values:
                raise InvalidInputError(
                    f"{sctx}: no fields to insert",
                    hint=f"fields of {target.name}: {', '.join(f.name for f in target.fields)}",
                )
            tup = values[0] if len(values) == 1 else "(" + ", ".join(values) + ")"
            steps.append(
                CompiledStep(
                    "insert",
                    [f"diesel::insert_into({tpath}::table)", f".values({tup})", ".execute(conn)?;"],
                    f"insert: {target.name}",
                )
            )
        elif step.type == "delete":
            if step.entity not in {None, entity.name}:
                raise InvalidInputError(f"{sctx}: delete removes the action's own {entity.name} row")
            deleted = True
            target = _find_call(table_path, entity)
            if entity.soft_delete:
                lines = [
                    f"diesel::update({target})",
                    f".set({table_path}::deleted_at.eq(diesel::dsl::now))",
                    ".execute(conn)?;",
                ]
            else:
                lines = [f"diesel::delete({target})", ".execute(conn)?;"]
            steps.append(CompiledStep("delete", lines, "delete"))
        elif step.type == "call":
            if not step.function or not re.fullmatch(
                r"[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*", step.function
            ):
                raise InvalidInputError(f"{sctx}: 'function' must be a Rust path like crate::services::notify")
            args = ["conn"] + [compile_expr(parse_expression(a), scope).code for a in step.args]
            steps.append(CompiledStep("call", [f"{step.function}({', '.join(args)})?;"], f"call: {step.function}"))
        enums |= scope.enums_used
    return CompiledAction(
        name=action.name,
        struct_name=pascal(action.name) + "Params",
        params=list(action.params.items()),
        steps=steps,
        doc=action.doc,
        enums_used=enums,
        tables_used=tables,
        reloads=not deleted,
    )


def _find_call(table_path: str, entity: EntitySpec) -> str:
    """``id`` is the path value: a scalar, or a tuple for a composite key (``find`` takes both)."""
    return f"{table_path}::table.find(id)"


def _update_lines(table_path: str, entity: EntitySpec, sets: list[str]) -> list[str]:
    tup = sets[0] if len(sets) == 1 else "(" + ", ".join(sets) + ")"
    return [f"diesel::update({_find_call(table_path, entity)})", f".set({tup})", ".execute(conn)?;"]

"""Read Diesel's ``schema.rs``: ``table!`` / ``diesel::table!``, ``joinable!``,
``allow_tables_to_appear_in_same_query!`` and custom SQL types.

Macro bodies are token trees; they are read token by token with a small
recursive-descent reader, so ``#[sql_name]``, ``#[max_length = N]``,
``schema.table``, composite keys and nested generic SQL types are handled
exactly, and a broken table is reported at its own line while the others parse.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import tree_sitter as ts

from semgraph.rust.spec import Diagnostic, SqlTypeSpec
from semgraph.rust.syntax import Group, Tok, attributes_before, error_nodes, item_query, parse, point, text, tokens

TABLE_MACROS = {"table", "diesel::table"}
JOINABLE_MACROS = {"joinable", "diesel::joinable"}
ALLOW_MACROS = {"allow_tables_to_appear_in_same_query", "diesel::allow_tables_to_appear_in_same_query"}


@dataclass
class Column:
    name: str
    sql_type: str
    nullable: bool
    max_length: int | None = None
    sql_name: str | None = None
    doc: str | None = None


@dataclass
class Table:
    name: str
    schema: str | None
    primary_key: list[str]
    columns: list[Column]
    sql_name: str | None = None
    doc: str | None = None
    custom_types: list[tuple[str, str]] = field(default_factory=list)  # (name, use path)
    file: str = ""
    line: int = 0

    def column(self, name: str) -> Column | None:
        index = self.__dict__.get("_index")
        if index is None or len(index) != len(self.columns):
            index = self.__dict__["_index"] = {c.name: c for c in self.columns}
        return index.get(name)


@dataclass
class Joinable:
    child: str
    parent: str
    foreign_key: str


@dataclass
class SchemaInfo:
    tables: dict[str, Table] = field(default_factory=dict)
    joinables: list[Joinable] = field(default_factory=list)
    allow_groups: list[list[str]] = field(default_factory=list)
    sql_types: list[SqlTypeSpec] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    found_allow: bool = False
    # a table name several schema files declare: {name: {declaring module: the table's name in the spec}}
    qualified: dict[str, dict[str, str]] = field(default_factory=dict)

    def merge(self, other: SchemaInfo) -> None:
        self.tables.update(other.tables)
        self.joinables += other.joinables
        self.allow_groups += other.allow_groups
        self.sql_types += [t for t in other.sql_types if t.name not in {s.name for s in self.sql_types}]
        self.diagnostics += other.diagnostics
        self.found_allow = self.found_allow or other.found_allow


def merge_modules(parts: list[tuple[str | None, SchemaInfo]]) -> SchemaInfo:
    """One SchemaInfo from each file's, keeping apart tables of one name declared in two modules.

    Such a table is renamed ``<module>_<name>`` (``blog::schema`` → ``blog_schema_posts``) with its
    SQL name kept (``#[sql_name = "posts"]``), in its own file's joinables and allow lists too, so
    the two never merge and generated code can hold both.
    """
    declared: dict[str, set[str]] = {}
    for module, part in parts:
        for name in part.tables:
            declared.setdefault(name, set()).add(module or "")
    shared = {name for name, modules in declared.items() if len(modules) > 1}
    out = SchemaInfo()
    for module, part in parts:
        renames = {n: f"{(module or 'root').replace('::', '_')}_{n}" for n in part.tables if n in shared}
        if renames:
            part = _renamed(part, renames)
            for old, new in renames.items():
                out.qualified.setdefault(old, {})[module or ""] = new
        out.merge(part)
    return out


def _renamed(part: SchemaInfo, renames: dict[str, str]) -> SchemaInfo:
    tables: dict[str, Table] = {}
    for name, t in part.tables.items():
        if name in renames:
            t = replace(t, name=renames[name], sql_name=t.sql_name or name)
        tables[t.name] = t
    return SchemaInfo(
        tables=tables,
        joinables=[
            Joinable(renames.get(j.child, j.child), renames.get(j.parent, j.parent), j.foreign_key)
            for j in part.joinables
        ],
        allow_groups=[[renames.get(n, n) for n in g] for g in part.allow_groups],
        sql_types=part.sql_types,
        diagnostics=part.diagnostics,
        found_allow=part.found_allow,
    )


class _Syntax(Exception):
    def __init__(self, message: str, node: ts.Node | None) -> None:
        super().__init__(message)
        self.node = node


class _Reader:
    """Cursor over the items of a Group."""

    def __init__(self, group: Group) -> None:
        self.items = group.items
        self.pos = 0
        self.whole = group

    def peek(self, ahead: int = 0) -> Tok | Group | None:
        i = self.pos + ahead
        return self.items[i] if i < len(self.items) else None

    def next(self) -> Tok | Group:
        item = self.peek()
        if item is None:
            raise _Syntax("unexpected end of macro body", self.whole.node)
        self.pos += 1
        return item

    def at(self, value: str) -> bool:
        item = self.peek()
        return isinstance(item, Tok) and item.value == value

    def expect(self, value: str, what: str) -> Tok:
        item = self.next()
        if not isinstance(item, Tok) or item.value != value:
            raise _Syntax(f"expected {what} ('{value}'), found {_show(item)}", _node(item))
        return item

    def ident(self, what: str) -> Tok:
        item = self.next()
        if not isinstance(item, Tok) or item.kind not in {"identifier", "self", "crate", "super"}:
            raise _Syntax(f"expected {what}, found {_show(item)}", _node(item))
        return item

    def group(self, delim: str, what: str) -> Group:
        item = self.next()
        if not isinstance(item, Group) or item.delim != delim:
            raise _Syntax(f"expected {what} in '{delim}…', found {_show(item)}", _node(item))
        return item

    def done(self) -> bool:
        return self.pos >= len(self.items)


def _node(item: Tok | Group | None) -> ts.Node | None:
    return None if item is None else item.node


def _show(item: Tok | Group | None) -> str:
    if item is None:
        return "end of input"
    if isinstance(item, Group):
        return f"'{item.delim}…'"
    return f"'{item.value}'"


def _attributes(r: _Reader) -> tuple[str | None, dict[str, str | int]]:
    """Doc lines and ``#[key = value]`` attributes in front of a table or column."""
    docs: list[str] = []
    attrs: dict[str, str | int] = {}
    while True:
        item = r.peek()
        if isinstance(item, Tok) and item.kind == "doc":
            docs.append(item.value)
            r.pos += 1
        elif isinstance(item, Tok) and item.value == "#":
            r.pos += 1
            body = r.group("[", "attribute")
            inner = _Reader(body)
            key = inner.ident("attribute name").value
            if inner.at("="):
                inner.next()
                val = inner.next()
                if isinstance(val, Tok) and val.kind == "integer_literal":
                    attrs[key] = int(val.value.replace("_", ""))
                elif isinstance(val, Tok):
                    attrs[key] = val.value
            else:
                attrs[key] = ""
        else:
            break
    return ("\n".join(docs) if docs else None), attrs


def _sql_type(r: _Reader) -> str:
    """Read a type up to the next top-level ``,`` (``Nullable<Array<Nullable<Text>>>``)."""
    parts: list[str] = []
    depth = 0
    opened: list[Tok] = []
    while not r.done():
        item = r.peek()
        if isinstance(item, Group):
            raise _Syntax(f"unexpected {_show(item)} in a column type", item.node)
        assert isinstance(item, Tok)
        if item.value == "," and depth == 0:
            break
        if depth == 0 and parts and parts[-1] not in {"::", "<", ","} and item.kind == "identifier":
            break  # a new column name: the ',' after the type is missing
        if item.value == "<":
            depth += 1
            opened.append(item)
        elif item.value == ">":
            depth -= 1
            if opened:
                opened.pop()
            if depth < 0:
                raise _Syntax("unbalanced '>' in a column type", item.node)
        if item.kind not in {"identifier", "<", ">", ",", "::", "crate", "super", "self"}:
            raise _Syntax(f"unexpected {_show(item)} in a column type", item.node)
        parts.append(item.value)
        r.pos += 1
    if not parts:
        raise _Syntax("missing column type after '->'", _node(r.peek()) or r.whole.node)
    if depth != 0:
        raise _Syntax("unclosed '<' in a column type", opened[-1].node if opened else r.whole.node)
    out = ""
    for p in parts:
        out += ", " if p == "," else p
    return out


@functools.lru_cache(maxsize=4096)
def _strip_path(sql: str) -> str:
    """``diesel::sql_types::Text`` → ``Text`` (paths inside generics too)."""
    from semgraph.rust.types import parse_sql_type

    return str(parse_sql_type(sql))


def _columns(body: Group) -> list[Column]:
    r = _Reader(body)
    cols: list[Column] = []
    while not r.done():
        doc, attrs = _attributes(r)
        if r.done():
            break
        name = r.ident("column name")
        r.expect("->", "'->' after the column name")
        sql = _strip_path(_sql_type(r))
        if not r.done():
            r.expect(",", "',' after the column type")
        nullable = False
        if sql.startswith("Nullable<"):
            sql, nullable = sql[len("Nullable<") : -1], True
        max_length = attrs.get("max_length")
        sql_name = attrs.get("sql_name")
        cols.append(
            Column(
                name=name.value.removeprefix("r#"),
                sql_type=sql,
                nullable=nullable,
                max_length=max_length if isinstance(max_length, int) else None,
                sql_name=sql_name if isinstance(sql_name, str) else None,
                doc=doc,
            )
        )
    return cols


def _use_names(r: _Reader) -> list[tuple[str, str]]:
    """Read ``use a::b::{C, D};``: the (name, full path) of each custom SQL type it brings in."""
    path: list[str] = []
    names: list[str] = []
    while not r.at(";"):
        item = r.next()
        if isinstance(item, Group):
            names += [t.value for t in item.items if isinstance(t, Tok) and t.kind == "identifier"]
        elif item.kind in {"identifier", "crate", "super", "self"}:
            path.append(item.value)
    r.next()
    if path[:2] == ["diesel", "sql_types"] or (path and path[0] == "diesel" and not names):
        return []
    if names:
        return [(n, "::".join([*path, n])) for n in names]
    return [(path[-1], "::".join(path))] if path else []


def _tables(body: Group, file: str) -> tuple[list[Table], list[Diagnostic]]:
    r = _Reader(body)
    custom: list[str] = []
    out: list[Table] = []
    diags: list[Diagnostic] = []
    while not r.done():
        start = r.pos
        try:
            if r.at("use"):
                r.next()
                custom += _use_names(r)
                continue
            first = r.peek()
            doc, attrs = _attributes(r)
            head = r.ident("table name")
            schema = None
            if r.at("."):
                r.next()
                schema, head = head.value, r.ident("table name after the schema")
            nxt = r.peek()
            pk_group = r.group("(", "primary key column list") if isinstance(nxt, Group) and nxt.delim == "(" else None
            # `name { … }` without a key list: Diesel's default primary key is `id`
            pk = [t.value for t in pk_group.items if isinstance(t, Tok) and t.kind == "identifier"] if pk_group else []
            cols_group = r.group("{", "column list")
            cols = _columns(cols_group)
            line, _ = point(_node(first) or head.node)
            sql_name = attrs.get("sql_name")
            missing = [k for k in pk if not any(c.name == k for c in cols)]
            if missing:
                where = pk_group.node if pk_group else head.node
                raise _Syntax(f"primary key column(s) {', '.join(missing)} not declared in the table", where)
            out.append(
                Table(
                    name=head.value,
                    schema=schema,
                    primary_key=pk or ["id"],
                    columns=cols,
                    sql_name=sql_name if isinstance(sql_name, str) else None,
                    doc=doc,
                    custom_types=list(custom),
                    file=file,
                    line=line,
                )
            )
        except _Syntax as exc:
            node = exc.node or body.node
            line, col = point(node) if node is not None else (0, 0)
            diags.append(Diagnostic(file=file, line=line, column=col, message=f"table!: {exc}"))
            # skip to the next table: the next '{…}' group that ends a table definition
            r.pos = max(r.pos, start + 1)
            while not r.done():
                item = r.next()
                if isinstance(item, Group) and item.delim == "{":
                    break
    return out, diags


def parse_schema_source(source: bytes | str, file: str = "schema.rs") -> SchemaInfo:
    """Parse the text of a ``schema.rs``."""
    data = source.encode() if isinstance(source, str) else source
    tree = parse(data, "rust")
    return parse_schema_tree(tree.root_node, file)


def macro_name(node: ts.Node) -> str:
    return text(node).replace(" ", "")


def parse_schema_tree(root: ts.Node, file: str, matches: list[tuple[int, dict]] | None = None) -> SchemaInfo:
    """Read every schema macro and ``sql_types`` struct under ``root``."""
    info = SchemaInfo()
    broken = error_nodes(root)
    if matches is None:
        matches = ts.QueryCursor(item_query()).matches(root)
    for _, match in matches:
        if "macro" in match:
            node = match["macro"][0]
            if any(_inside(e, node) for e in broken):
                continue
            name = macro_name(match["macro.name"][0])
            body = tokens(match["macro.body"][0])
            if name in TABLE_MACROS:
                tables, diags = _tables(body, file)
                info.diagnostics += diags
                for t in tables:
                    info.tables[t.name] = t
            elif name in JOINABLE_MACROS:
                j = _joinable(body, file, info)
                if j:
                    info.joinables.append(j)
            elif name in ALLOW_MACROS:
                info.found_allow = True
                names = [t.value for t in body.items if isinstance(t, Tok) and t.kind == "identifier"]
                info.allow_groups.append(names)
        elif "struct" in match:
            st = _sql_type_struct(match["struct"][0])
            if st:
                info.sql_types.append(st)
    return info


def _inside(inner: ts.Node, outer: ts.Node) -> bool:
    return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte


def _joinable(body: Group, file: str, info: SchemaInfo) -> Joinable | None:
    r = _Reader(body)
    try:
        child = _path_last(r, "child table")
        r.expect("->", "'->' between the child and the parent table")
        parent = _path_last(r, "parent table")
        fk = r.group("(", "foreign key column")
        fk_names = [t.value for t in fk.items if isinstance(t, Tok) and t.kind == "identifier"]
        if len(fk_names) != 1:
            raise _Syntax("joinable! takes exactly one foreign key column", fk.node)
        return Joinable(child, parent, fk_names[0])
    except _Syntax as exc:
        node = exc.node or body.node
        line, col = point(node) if node is not None else (0, 0)
        info.diagnostics.append(Diagnostic(file=file, line=line, column=col, message=f"joinable!: {exc}"))
        return None


def _path_last(r: _Reader, what: str) -> str:
    """``billing::invoices`` → ``invoices`` (joinable! accepts module paths)."""
    name = r.ident(what).value
    while r.at("::"):
        r.next()
        name = r.ident(what).value
    return name


def _sql_type_struct(node: ts.Node) -> SqlTypeSpec | None:
    """``#[derive(SqlType)] #[diesel(postgres_type(name = "mood"))] pub struct Mood;``"""
    prelude = attributes_before(node)
    is_sql_type = False
    db_name = schema = None
    for attr in prelude.attributes:
        body = text(attr)
        if "derive" in body and "SqlType" in body:
            is_sql_type = True
        if "postgres_type" in body or "mysql_type" in body or "sqlite_type" in body:
            for tok_tree in _all_token_trees(attr):
                g = tokens(tok_tree)
                items = g.items
                for i, it in enumerate(items):
                    if isinstance(it, Tok) and it.value in {"name", "schema"} and i + 2 < len(items):
                        val = items[i + 2]
                        if isinstance(val, Tok) and val.kind == "string":
                            if it.value == "name":
                                db_name = val.value
                            else:
                                schema = val.value
    if not is_sql_type:
        return None
    return SqlTypeSpec(name=text(node.child_by_field_name("name")), db_name=db_name, schema_name=schema)


def _all_token_trees(node: ts.Node) -> list[ts.Node]:
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "token_tree":
            out.append(n)
        stack.extend(n.children)
    return out

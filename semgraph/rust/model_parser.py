"""Read Diesel model structs and enums from Rust source with tree-sitter.

Produces raw ``ModelStruct`` / ``EnumSpec`` records for one file; grouping
twins, joining with ``schema.rs`` and inferring tables happens in
``semgraph.rust.project``. An item with a syntax error is reported with its
file, line and column and left out; every other item of the file is kept.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

import tree_sitter as ts

from semgraph.rust.naming import infer_table_name
from semgraph.rust.spec import Diagnostic, EnumSpec, Variant
from semgraph.rust.syntax import (
    Group,
    Tok,
    attributes_before,
    error_nodes,
    item_query,
    module_path,
    parse,
    point,
    text,
    tokens,
)

MODEL_DERIVES = {
    "Queryable",
    "Selectable",
    "Insertable",
    "AsChangeset",
    "Identifiable",
    "Associations",
    "QueryableByName",
    "HasQuery",
}
KNOWN_STRUCT_OPTIONS = {"table_name", "primary_key", "belongs_to", "check_for_backend", "treat_none_as_null"}
# Diesel 1.x wrote options as their own attributes (#[table_name = "posts"], #[belongs_to(User)],
# #[changeset_options(treat_none_as_null = "true")]); they are read as the #[diesel(...)] option of that name
LEGACY_OPTIONS = {"table_name", "primary_key", "belongs_to", "column_name", "sql_type"}
LEGACY_GROUPS = {"changeset_options"}  # options nested one level deeper


@dataclass
class RawField:
    name: str
    rust_type: str
    doc: str | None = None
    column_name: str | None = None
    attributes: list[str] = field(default_factory=list)
    embed: bool = False  # #[diesel(embed)]: the field is a composite of several columns, not one column


@dataclass
class BelongsTo:
    parent: str
    foreign_key: str | None


@dataclass
class ModelStruct:
    name: str
    fields: list[RawField]
    derives: list[str]
    attributes: list[str]
    doc: str | None
    module_path: list[str]
    table_name: str | None = None
    primary_key: list[str] | None = None
    belongs_to: list[BelongsTo] = field(default_factory=list)
    check_for_backend: list[str] = field(default_factory=list)
    treat_none_as_null: bool | None = None
    lifetimes: list[str] = field(default_factory=list)
    generics: list[str] = field(default_factory=list)
    where_clause: str | None = None
    file: str = ""
    line: int = 0
    problems: list[Diagnostic] = field(default_factory=list)
    cfg_attr: str | None = None
    cfg_derives: list[str] = field(default_factory=list)
    leading_attributes: list[str] = field(default_factory=list)
    module: str | None = None  # the file's module (crate_name::a::b), set by the project reader
    explicit_table: bool = False  # table_name written (not inferred)
    context: Any = None  # the file's module, `use` names and items (set by the project reader)

    def derives_any(self, *names: str) -> bool:
        return any(d.split("::")[-1] in names for d in self.derives)


@dataclass
class FileModels:
    structs: list[ModelStruct] = field(default_factory=list)
    enums: list[EnumSpec] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    uses_diesel_async: bool = False
    actions: list[tuple[str, dict]] = field(default_factory=list)  # (entity, action) from semgraph:action lines
    uses: dict[str, str] = field(default_factory=dict)  # name brought in by a `use` -> its path as written
    defined: list[str] = field(default_factory=list)  # struct / enum / type names defined in the file
    module: str | None = None  # from a `// semgraph:module` line (generated code says where it came from)
    contexts: list[Any] = field(default_factory=list)  # every file's module, `use` names and items (project reader)
    enum_contexts: dict[int, Any] = field(default_factory=dict)  # id(enum) -> its file's context (project reader)


@functools.lru_cache(maxsize=65536)
def normalize_tokens(src: str) -> str:
    """Whitespace of an attribute or type as rustfmt prints it (so round trips compare equal)."""
    out = " ".join(src.split())
    out = re.sub(r"\s*([(\[<])\s*", r"\1", out)
    out = re.sub(r"\s*([)\]>])", r"\1", out)
    out = re.sub(r"\s*,\s*", ", ", out)
    out = re.sub(r",\s*([)\]>])", r"\1", out)
    out = re.sub(r"\s*::\s*", "::", out)
    out = re.sub(r"\s*=\s*", " = ", out)
    out = out.replace("# [", "#[").replace("& '", "&'").replace("&' ", "&'")
    out = re.sub(r"(\w)\(", r"\1(", out)
    return out


@functools.lru_cache(maxsize=65536)
def normalize_type(src: str) -> str:
    if src.isidentifier():
        return src
    out = normalize_tokens(src)
    out = re.sub(r"\s*=\s*", " = ", out)
    out = out.replace(" = ", "=") if "<" in out and "=" in out and " = " not in src else out
    out = re.sub(r"(?<!:)(:|\+)(?!:)\s*", r"\1 ", out)
    out = re.sub(r"\s+\+", " +", out)
    out = re.sub(r"\s+:", ":", out)
    out = re.sub(r";\s*", "; ", out)
    out = re.sub(r"(&'\w+)([\[(])", r"\1 \2", out)  # &'a [u8], &'a (A, B)
    return out


def _split_options(group: Group) -> list[list[Tok | Group]]:
    """Top-level comma-separated options of ``#[diesel(…)]``."""
    parts: list[list[Tok | Group]] = [[]]
    for item in group.items:
        if isinstance(item, Tok) and item.value == ",":
            parts.append([])
        else:
            parts[-1].append(item)
    return [p for p in parts if p]


def _tok_text(items: list[Tok | Group]) -> str:
    out: list[str] = []
    for it in items:
        out.append(text(it.node) if isinstance(it, Group) else (text(it.node) if it.kind == "string" else it.value))
    return normalize_tokens(" ".join(out))


def _idents(group: Group) -> list[str]:
    """``(a, b::c, d)`` → ["a", "b::c", "d"]."""
    return [_tok_text(p) for p in _split_options(group)]


@dataclass
class _Attrs:
    doc: str | None
    derives: list[str]
    diesel: list[tuple[str, list[Tok | Group]]]
    other: list[str]
    cfg: str | None = None
    cfg_derives: list[str] = field(default_factory=list)
    leading: list[str] = field(default_factory=list)


def _read_attributes(node: ts.Node, unwrap_cfg: bool = True) -> _Attrs:
    prelude = attributes_before(node)
    derives: list[str] = []
    diesel: list[tuple[str, list[Tok | Group]]] = []
    other: list[str] = []
    cfg_state: dict = {}
    leading: list[str] = []  # attributes above the first derive (attribute macros such as #[skip_serializing_none])
    for attr_item in prelude.attributes:
        attr = next((c for c in attr_item.named_children if c.type == "attribute"), None)
        if attr is None:
            continue
        name = text(attr.children[0]) if attr.children else ""
        args = attr.child_by_field_name("arguments")
        if name == "derive" and args is not None:
            derives += _idents(tokens(args))
        elif name == "diesel" and args is not None:
            for opt in _split_options(tokens(args)):
                key = opt[0].value if isinstance(opt[0], Tok) else ""
                diesel.append((key, opt[1:]))
        elif (
            name == "cfg_attr"
            and unwrap_cfg
            and args is not None
            and _cfg_attr(tokens(args), cfg_state, derives, diesel)
        ):
            pass
        elif name in LEGACY_OPTIONS and (legacy := _legacy_option(attr, name, args)) is not None:
            diesel.append(legacy)
        elif name in LEGACY_GROUPS and args is not None:
            for opt in _split_options(tokens(args)):
                key = opt[0].value if isinstance(opt[0], Tok) else ""
                diesel.append((key, opt[1:]))
        else:
            (other if derives else leading).append(normalize_tokens(text(attr_item)))
    return _Attrs(prelude.doc, derives, diesel, other, cfg_state.get("pred"), cfg_state.get("derives", []), leading)


def _legacy_option(attr: ts.Node, name: str, args: ts.Node | None) -> tuple[str, list[Tok | Group]] | None:
    """``#[table_name = "posts"]`` / ``#[belongs_to(User)]`` → the (key, rest) of the diesel option."""
    if args is not None:
        return name, [tokens(args)]
    value = attr.child_by_field_name("value")
    if value is None:
        return None
    if value.type in {"string_literal", "raw_string_literal"}:
        content = next((c for c in value.children if c.type == "string_content"), None)
        return name, [Tok("string", text(content), value)]
    return name, [Tok(value.type, text(value), value)]


def _cfg_attr(args: Group, state: dict, derives: list[str], diesel: list[tuple[str, list[Tok | Group]]]) -> bool:
    """``#[cfg_attr(pred, derive(…), diesel(…))]``: read the derives and options as if written directly.

    Only cfg_attrs holding nothing but derive/diesel under one predicate are read;
    anything else stays a verbatim attribute.
    """
    parts = _split_options(args)
    if len(parts) < 2:
        return False
    pred = _tok_text(parts[0])
    if state.get("pred") not in {None, pred}:
        return False
    inner = parts[1:]
    for item in inner:
        if not (len(item) == 2 and isinstance(item[0], Tok) and item[0].value in {"derive", "diesel"}):
            return False
        if not isinstance(item[1], Group) or item[1].delim != "(":
            return False
    state["pred"] = pred
    for head, group in inner:
        assert isinstance(head, Tok) and isinstance(group, Group)
        if head.value == "derive":
            names = _idents(group)
            derives += names
            state.setdefault("derives", []).extend(names)
        else:
            for opt in _split_options(group):
                key = opt[0].value if isinstance(opt[0], Tok) else ""
                diesel.append((key, opt[1:]))
    return True


def _value(rest: list[Tok | Group]) -> str:
    """Value of ``key = value`` (string or path)."""
    if rest and isinstance(rest[0], Tok) and rest[0].value == "=":
        rest = rest[1:]
    if len(rest) == 1 and isinstance(rest[0], Tok) and rest[0].kind == "string":
        return rest[0].value
    return _tok_text(rest)


def _render_diesel(opts: list[tuple[str, list[Tok | Group]]]) -> str:
    return "#[diesel(" + ", ".join(_tok_text([_KeyTok(k), *rest]) for k, rest in opts) + ")]"


class _KeyTok(Tok):
    def __init__(self, key: str) -> None:
        super().__init__("identifier", key, None)  # type: ignore[arg-type]


def _struct(node: ts.Node, file: str, attrs: _Attrs) -> ModelStruct:
    name = text(node.child_by_field_name("name"))
    line, _ = point(node)
    model = ModelStruct(
        name=name,
        fields=[],
        derives=attrs.derives,
        attributes=list(attrs.other),
        doc=attrs.doc,
        module_path=module_path(node),
        file=file,
        line=line,
        cfg_attr=attrs.cfg,
        cfg_derives=list(attrs.cfg_derives),
        leading_attributes=list(attrs.leading),
    )
    unknown: list[tuple[str, list[Tok | Group]]] = []
    for key, rest in attrs.diesel:
        if key == "table_name":
            value = _value(rest)
            if not re.fullmatch(r"[A-Za-z_]\w*(::[A-Za-z_]\w*)*", value):
                where = rest[0].node if rest and rest[0].node is not None else node
                line, col = point(where)
                model.problems.append(
                    Diagnostic(
                        file=file,
                        line=line,
                        column=col,
                        message=f"struct {name}: #[diesel(table_name = …)] needs a table name; "
                        f"using the inferred {infer_table_name(name)}",
                    )
                )
                continue
            model.table_name = value.split("::")[-1]
            model.explicit_table = True
        elif key == "primary_key" and rest and isinstance(rest[0], Group):
            model.primary_key = _idents(rest[0])
        elif key == "belongs_to" and rest and isinstance(rest[0], Group):
            opts = _split_options(rest[0])
            parent = _tok_text(opts[0]).split("::")[-1]
            parent = re.sub(r"<.*>$", "", parent)
            fk = None
            for o in opts[1:]:
                if isinstance(o[0], Tok) and o[0].value == "foreign_key":
                    fk = _value(o[1:])
            model.belongs_to.append(BelongsTo(parent, fk))
        elif key == "check_for_backend" and rest and isinstance(rest[0], Group):
            model.check_for_backend += _idents(rest[0])
        elif key == "treat_none_as_null":
            model.treat_none_as_null = _value(rest) == "true"
        else:
            unknown.append((key, rest))
    if unknown:
        model.attributes.append(_render_diesel(unknown))
    params = node.child_by_field_name("type_parameters")
    if params is not None:
        for p in params.named_children:
            if p.type == "lifetime_parameter":
                model.lifetimes.append(normalize_type(text(p)))
            elif p.type not in {"line_comment", "block_comment", "attribute_item"}:
                model.generics.append(normalize_type(text(p)))
    where = next((c for c in node.children if c.type == "where_clause"), None)
    if where is not None:
        preds = [normalize_type(text(p)) for p in where.named_children if p.type == "where_predicate"]
        model.where_clause = ", ".join(preds) or None
    body = node.child_by_field_name("body")
    if body is not None and body.type == "field_declaration_list":
        for fd in body.named_children:
            if fd.type != "field_declaration":
                continue
            fattrs = _read_attributes(fd, unwrap_cfg=False)
            raw = RawField(
                name=text(fd.child_by_field_name("name")).removeprefix("r#"),
                rust_type=normalize_type(text(fd.child_by_field_name("type"))),
                doc=fattrs.doc,
                attributes=list([*fattrs.leading, *fattrs.other]),
            )
            rest_opts = []
            for key, rest in fattrs.diesel:
                if key == "column_name":
                    raw.column_name = _value(rest)
                else:
                    rest_opts.append((key, rest))
            if rest_opts:
                raw.attributes.append(_render_diesel(rest_opts))
            if fattrs.derives:
                raw.attributes.append(f"#[derive({', '.join(fattrs.derives)})]")
            raw.embed = bool(raw.attributes) and any(_EMBED.search(a) for a in raw.attributes)
            model.fields.append(raw)
    return model


_EMBED = re.compile(r"\bdiesel\((?:[^()]*,\s*)?embed\b")

_STYLES = {
    "snake_case": lambda s: re.sub(r"(?<!^)(?=[A-Z])", "_", s).lower(),
    "verbatim": lambda s: s,
    "PascalCase": lambda s: s,
    "camelCase": lambda s: s[:1].lower() + s[1:],
    "kebab-case": lambda s: re.sub(r"(?<!^)(?=[A-Z])", "-", s).lower(),
    "lowercase": lambda s: s.lower(),
    "UPPERCASE": lambda s: s.upper(),
    "SCREAMING_SNAKE_CASE": lambda s: re.sub(r"(?<!^)(?=[A-Z])", "_", s).upper(),
}


def _enum(node: ts.Node, attrs: _Attrs) -> EnumSpec | None:
    body = node.child_by_field_name("body")
    if body is None:
        return None
    is_db_enum = any(d.split("::")[-1] == "DbEnum" for d in attrs.derives)
    plain_derives = [d for d in attrs.derives if d not in attrs.cfg_derives]
    style = "snake_case" if is_db_enum else "verbatim"
    sql_type = None
    all_attrs = [*attrs.leading, *attrs.other]
    for a in all_attrs:
        m = re.search(r'(?:#\[|, )(DbValueStyle|ExistingTypePath)\s*=\s*"([^"]*)"\)?\]', a)
        if m and m.group(1) == "DbValueStyle":
            style = m.group(2)
        elif m:
            sql_type = m.group(2).split("::")[-1]
        m = re.match(r'#\[serde\(rename_all\s*=\s*"([^"]*)"\)\]', a)
        if m and not is_db_enum:
            style = m.group(1)
    diesel_rest = []
    for key, rest in attrs.diesel:
        if key == "sql_type":
            sql_type = _value(rest).split("::")[-1]
        diesel_rest.append((key, rest))
    if diesel_rest:
        rendered = _render_diesel(diesel_rest)
        all_attrs.append(f"#[cfg_attr({attrs.cfg}, {rendered[2:-1]})]" if attrs.cfg else rendered)
    variants: list[Variant] = []
    convert = _STYLES.get(style, _STYLES["verbatim"])
    for v in body.named_children:
        if v.type != "enum_variant":
            continue
        if v.child_by_field_name("body") is not None:
            return None  # a data-carrying enum is not a database enum
        vattrs = _read_attributes(v)
        vname = text(v.child_by_field_name("name"))
        db_value = convert(vname)
        kept = []
        for a in [*vattrs.leading, *vattrs.other]:
            m = re.match(r'#\[(?:db_rename|serde\(rename)\s*=\s*"([^"]*)"\)?\]', a)
            if m:
                db_value = m.group(1)
            kept.append(a)
        variants.append(Variant(name=vname, db_value=db_value, doc=vattrs.doc, attributes=kept))
    if not variants:
        return None
    return EnumSpec(
        name=text(node.child_by_field_name("name")),
        variants=variants,
        derives=plain_derives,
        cfg_attr=attrs.cfg,
        cfg_derives=list(attrs.cfg_derives),
        attributes=all_attrs,
        doc=attrs.doc,
        module_path=module_path(node),
        sql_type=sql_type,
    )


def _broken_item(err: ts.Node) -> ts.Node:
    """The item (struct, enum, fn, …) that holds a syntax error, or the error itself at top level."""
    n = err
    while n.parent is not None and n.parent.type not in {"source_file", "declaration_list"}:
        n = n.parent
    return n


def parse_models_source(source: bytes | str, file: str = "<source>") -> FileModels:
    """Parse one Rust file into model structs, database enums and diagnostics."""
    data = source.encode() if isinstance(source, str) else source
    tree = parse(data, "rust")
    return parse_models_tree(tree.root_node, file)


def parse_models_tree(root: ts.Node, file: str, matches: list[tuple[int, dict]] | None = None) -> FileModels:
    """Models and enums under ``root``; ``matches`` of the items query may be shared with the schema parser."""
    out = FileModels()
    broken: list[ts.Node] = []
    for err in error_nodes(root):
        item = _broken_item(err)
        line, col = point(err)
        what = _describe(item)
        detail = "missing " + err.type if err.is_missing else f"unexpected '{_snippet(err)}'"
        out.diagnostics.append(
            Diagnostic(file=file, line=line, column=col, message=f"syntax error in {what}: {detail}")
        )
        broken.append(item)
    if matches is None:
        matches = ts.QueryCursor(item_query()).matches(root)
    for _, match in matches:
        if "comment" in match:
            node = match["comment"][0]
            if text(node).startswith(MODULE_MARKER):
                out.module = text(node).removeprefix(MODULE_MARKER).strip() or None
            else:
                _action_comment(node, file, out)
            continue
        if "use.path" in match:
            use = match["use.path"][0]
            if text(use).split("::")[0].lstrip(":") == "diesel_async":
                out.uses_diesel_async = True
            _use_names(use, out.uses)
            continue
        if "type" in match:
            out.defined.append(text(match["type.name"][0]))
            continue
        if "struct" in match:
            node = match["struct"][0]
        elif "enum" in match:
            node = match["enum"][0]
        else:
            continue
        out.defined.append(text(node.child_by_field_name("name")))
        if any(b.start_byte <= node.start_byte and node.end_byte <= b.end_byte for b in broken) or node.has_error:
            continue
        attrs = _read_attributes(node)
        if node.type == "struct_item":
            if any(d.split("::")[-1] in MODEL_DERIVES for d in attrs.derives):
                model = _struct(node, file, attrs)
                out.structs.append(model)
                out.diagnostics += model.problems
        else:
            spec = _enum(node, attrs)
            if spec is not None:
                out.enums.append(spec)
    return out


MODULE_MARKER = "// semgraph:module "


def _use_names(node: ts.Node, out: dict[str, str]) -> None:
    """``use a::{b::C, D as E, self}`` → {"C": "a::b::C", "E": "a::D as E", "a": "a"} (globs bring no names)."""
    for name, path in _use_pairs(text(node)):
        out.setdefault(name, path)


@functools.lru_cache(maxsize=16384)
def _use_pairs(src: str) -> tuple[tuple[str, str], ...]:
    """The (name, path) pairs of one ``use`` tree's text; the same lines recur in most files, so cached."""
    names: dict[str, str] = {}
    _expand_use("".join(_SPACE.split(_AS.sub(" as ", src))), "", names)
    return tuple(names.items())


_AS = re.compile(r"\s+as\s+")
_SPACE = re.compile(r"(?<! as)\s+(?!as )")


def _expand_use(src: str, prefix: str, out: dict[str, str]) -> None:
    """The names one ``use`` tree brings in, read from its text (whitespace removed but `` as ``)."""
    brace = src.find("{")
    if brace >= 0 and src.endswith("}"):
        head = src[:brace].rstrip(":")
        inner = f"{prefix}::{head}" if prefix and head else (head or prefix)
        for part in _split_top_commas(src[brace + 1 : -1]):
            if part:
                _expand_use(part, inner, out)
        return
    if src.endswith("*"):
        return
    full = f"{prefix}::{src}" if prefix else src
    path, sep, alias = full.partition(" as ")
    if sep:
        out.setdefault(alias, f"{path} as {alias}")
        return
    leaf = full.rsplit("::", 1)[-1]
    if leaf == "self":
        full = full.rsplit("::", 1)[0]
        leaf = full.rsplit("::", 1)[-1]
    out.setdefault(leaf, full)


def _split_top_commas(src: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(src):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(src[start:i])
            start = i + 1
    parts.append(src[start:])
    return parts


def _describe(item: ts.Node) -> str:
    name = item.child_by_field_name("name")
    kind = {"struct_item": "struct", "enum_item": "enum", "function_item": "fn", "mod_item": "mod"}.get(item.type)
    if kind and name is not None:
        return f"{kind} {text(name)}"
    return "item"


def _snippet(node: ts.Node) -> str:
    snippet = " ".join(text(node).split())
    return snippet[:40] + ("…" if len(snippet) > 40 else "")


def _action_comment(node: ts.Node, file: str, out: FileModels) -> None:
    """``// semgraph:action {json}`` written above a generated action handler."""
    raw = text(node).removeprefix("// semgraph:action ").strip()
    try:
        data = json.loads(raw)
        entity = data.pop("entity")
        if not isinstance(entity, str) or not isinstance(data, dict):
            raise ValueError("entity must be a name")
    except (ValueError, KeyError, AttributeError) as exc:
        line, col = point(node)
        out.diagnostics.append(
            Diagnostic(
                file=file, line=line, column=col, severity="warning", message=f"unreadable semgraph:action: {exc}"
            )
        )
        return
    out.actions.append((entity, data))

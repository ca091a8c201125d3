"""Parse a Diesel project (files, a directory or a Cargo workspace) into a ``DieselSpec``.

Every ``.rs`` file is parsed once: ``table!``-style macros anywhere feed the
schema, model structs and enums feed the entities. ``New*`` / ``Update*``
structs are grouped with their entity; tables with no model struct become
entities with ``has_model: false`` so nothing in ``schema.rs`` is lost.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import tree_sitter as ts
from pydantic import ValidationError

from semgraph.errors import InvalidInputError, NotFoundError, SourceParseError, UnsupportedError
from semgraph.gcpause import without_gc
from semgraph.graph.cargo import with_crate
from semgraph.progress import ProgressFn, no_progress
from semgraph.rust.imports import IMPORTS, IN_SCOPE
from semgraph.rust.model_parser import FileModels, ModelStruct, parse_models_tree
from semgraph.rust.modules import CrateModules, absolute_path, defined_path
from semgraph.rust.naming import entity_for_table, infer_table_name, pascal, snake
from semgraph.rust.schema_parser import Column, SchemaInfo, Table, merge_modules, parse_schema_tree
from semgraph.rust.spec import (
    ActionSpec,
    Diagnostic,
    DieselSpec,
    EntitySpec,
    EnumSpec,
    FieldSpec,
    ParseResult,
    Reference,
    Relation,
    SqlTypeSpec,
    TwinSpec,
    primary_models,
)
from semgraph.rust.syntax import item_query, parse
from semgraph.rust.types import item_type, rust_for_sql, sql_for_rust, unwrap_option

SKIP_DIRS = {"target", ".git", "node_modules", ".semgraph", ".venv"}
MAX_FILES = 5000


@dataclass
class SourceFile:
    """A file to parse: its display name and bytes."""

    name: str
    data: bytes
    module: str | None = None  # the file's Rust module (crate_name::a::b), when it is in a crate


@dataclass
class _FileContext:
    """What a struct's file brings into scope: its module, its `use` names and its own items."""

    module: str | None
    uses: dict[str, str]
    defined: list[str]
    file: str = ""


@without_gc
def parse_sources(
    model_sources: Iterable[SourceFile],
    schema_sources: Iterable[SourceFile] = (),
    *,
    backend: str = "postgres",
    progress: ProgressFn | None = None,
) -> ParseResult:
    """Parse model files and schema files (any file may hold both) into one spec."""
    progress = progress or no_progress
    models = FileModels()
    schema_parts: list[tuple[str | None, SchemaInfo]] = []
    names: list[str] = []
    items = [(f, True) for f in model_sources] + [(f, False) for f in schema_sources]
    for i, (src, _is_model) in enumerate(items):
        names.append(src.name)
        root = parse(src.data, "rust").root_node
        matches = ts.QueryCursor(item_query()).matches(root)  # one query run feeds both parsers
        fm = parse_models_tree(root, src.name, matches)
        module = fm.module or src.module
        context = _FileContext(module, fm.uses, fm.defined, src.name)
        models.contexts.append(context)
        for st in fm.structs:
            st.module = module
            st.context = context
        for en in fm.enums:
            models.enum_contexts[id(en)] = context
        models.structs += fm.structs
        models.enums += fm.enums
        models.diagnostics += fm.diagnostics
        models.uses_diesel_async = models.uses_diesel_async or fm.uses_diesel_async
        models.actions += fm.actions
        schema_parts.append((module, parse_schema_tree(root, src.name, matches)))
        if (i + 1) % 50 == 0 or i + 1 == len(items):
            progress(i + 1, len(items), f"parsed {src.name}")
    schema = merge_modules(schema_parts)
    spec, diags = assemble(models, schema, backend=backend)
    all_diags = models.diagnostics + schema.diagnostics + diags
    all_diags.sort(key=lambda d: (d.severity != "error", d.file, d.line, d.column))  # errors first
    return ParseResult(spec=spec, diagnostics=_dedupe(all_diags), files=sorted(set(names)))


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple[str, int, int, str]] = set()
    out = []
    for d in diags:
        key = (d.file, d.line, d.column, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def find_rust_files(root: Path, is_safe: Callable[[Path], bool] = lambda p: True) -> list[Path]:
    """Every ``.rs`` file under ``root`` (a crate or a Cargo workspace), skipping ``target/``."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for fn in sorted(filenames):
            if fn.endswith(".rs"):
                p = Path(dirpath) / fn
                if is_safe(p):
                    found.append(p)
                if len(found) > MAX_FILES:
                    raise InvalidInputError(
                        f"more than {MAX_FILES} Rust files under {root}",
                        hint="point at the crate that holds the models",
                    )
    return found


def read_source(path: Path, display: str, max_bytes: int) -> SourceFile:
    """Read one file, refusing what cannot be Rust source (too big, binary, not UTF-8)."""
    if not path.is_file():
        raise NotFoundError(f"{display} is not a file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InvalidInputError(
            f"{display} is {size:,} bytes, over the {max_bytes:,}-byte limit for one source file",
            hint="pass the model files or the crate directory instead of a generated or bundled file",
        )
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise SourceParseError("binary file, not Rust source", file=display, line=1, column=1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceParseError("not UTF-8 text", file=display, line=line, column=col) from None
    return SourceFile(display, data)


@without_gc
def parse_path(
    path: Path,
    schema_path: Path | None = None,
    *,
    display: Callable[[Path], str] = lambda p: p.as_posix(),
    is_safe: Callable[[Path], bool] = lambda p: True,
    max_bytes: int = 2_000_000,
    backend: str = "postgres",
    progress: ProgressFn | None = None,
) -> ParseResult:
    """Parse a file or a directory (crate or workspace) plus an optional separate schema file."""
    if path.is_dir():
        files = find_rust_files(path, is_safe)
        if not files:
            raise NotFoundError(f"no .rs files under {display(path)}", hint="point at a crate or its src/ directory")
    else:
        if path.suffix != ".rs":
            raise InvalidInputError(
                f"{display(path)} is not a Rust source file (.rs)",
                hint="pass a .rs model file, schema.rs, or the crate directory",
            )
        files = [path]
    if schema_path is not None:
        files = [f for f in files if f.resolve() != schema_path.resolve()]
    crates = CrateModules(is_safe)
    sources = [read_source(f, display(f), max_bytes) for f in files]
    for f, src in zip(files, sources, strict=True):
        src.module = crates.module_of(f)
    schema_sources = [read_source(schema_path, display(schema_path), max_bytes)] if schema_path else []
    return parse_sources(sources, schema_sources, backend=backend, progress=progress)


# --- assembly ------------------------------------------------------------------------


def _key(s: ModelStruct) -> tuple[str, ...]:
    """A struct's identity: its file's module, its inline mods, its name."""
    return (s.module or "", *s.module_path, s.name)


def assemble(
    models: FileModels, schema: SchemaInfo, *, backend: str = "postgres"
) -> tuple[DieselSpec, list[Diagnostic]]:
    """Join structs, twins, enums and tables into entities (sorted, so the result is canonical)."""
    diags: list[Diagnostic] = []
    enums = _unique_enums(models.enums, models.enum_contexts)
    enum_by_name = {e.name: e for e in enums}
    enum_names = _EnumNames(enums, models.enum_contexts)
    structs: list[ModelStruct] = []
    by_key: dict[tuple[str, ...], ModelStruct] = {}
    for s in models.structs:
        if _key(s) in by_key:
            diags.append(
                Diagnostic(
                    file=s.file,
                    line=s.line,
                    column=1,
                    severity="warning",
                    message=f"struct {s.name} is defined twice in one module; the first definition is used",
                )
            )
            continue
        by_key[_key(s)] = s
        structs.append(s)
    twins: dict[tuple[str, ...], dict[str, ModelStruct]] = {}
    mains: list[ModelStruct] = []
    for s in structs:
        kind, base = _twin_kind(s, by_key, schema)
        if kind and base is not None:
            twins.setdefault(base, {})[kind] = s
        else:
            mains.append(s)
    entities: list[EntitySpec] = []
    for s in mains:
        entity = _entity(s, schema, enum_names.for_struct(s), backend, diags)
        pair = twins.get(_key(s), {})
        entity.insertable = _twin(pair.get("insertable"), entity, "insertable") if "insertable" in pair else None
        entity.changeset = _twin(pair.get("changeset"), entity, "changeset") if "changeset" in pair else None
        entities.append(entity)
    _unique_names(entities)
    by_entity = {e.name: e for e in entities}
    for name, data in models.actions:
        target = by_entity.get(name)
        if target is None:
            continue
        try:
            action = ActionSpec.model_validate(data)
        except ValidationError:
            continue
        if all(a.name != action.name for a in target.actions):
            target.actions.append(action)
    used_tables = {e.table for e in entities if not e.is_view}
    taken = {e.name for e in entities}
    for table in schema.tables.values():
        if table.name not in used_tables:
            only = _schema_only_entity(table, enum_by_name, backend)
            if only.name in taken:  # `bso` next to a `Bso` struct of another table: keep both apart
                only.name = f"{pascal(table.name)}Table"
            taken.add(only.name)
            entities.append(only)
    _relations(entities, schema)
    entities.sort(key=lambda e: (e.module_path, e.name))
    _share_tables(entities)
    known = _Known(models.contexts)
    _uses(entities, mains, twins, {e.rust_name for e in enums if e.module is None}, known)
    enum_uses = _enum_uses(enums, models.enum_contexts, {e.rust_name for e in entities}, known)
    enums.sort(key=lambda e: (e.module_path, e.name))
    allow = [list(g) for g in schema.allow_groups] if schema.found_allow else []
    local = {t.name for t in schema.sql_types}
    imported: dict[str, str] = {}
    for table in schema.tables.values():
        for name, path in table.custom_types:
            segments = path.split("::")
            if name not in local and "sql_types" not in segments[:-1] and segments[0] not in {"super", "self"}:
                imported.setdefault(name, path)
    used = {f.sql_type for e in entities for f in e.fields + e.extra_columns if f.sql_type}
    extra = [SqlTypeSpec(name=n, path=p) for n, p in imported.items() if any(n in _type_names(u) for u in used)]
    sql_types = sorted([*schema.sql_types, *extra], key=lambda t: t.name)
    for e in enums:
        if e.sql_type is None and any(t.name == e.name for t in sql_types):
            e.sql_type = e.name
    spec = DieselSpec(
        backend=backend,  # type: ignore[arg-type]
        entities=entities,
        enums=enums,
        sql_types=sql_types,
        allow_in_same_query=allow,
        uses_diesel_async=models.uses_diesel_async,
        enum_uses=enum_uses,
    )
    return spec, diags


def _unique_names(entities: list[EntitySpec]) -> None:
    """Structs sharing a name in different modules keep it qualified by their module (``a::b::Name``)."""
    counts: dict[str, int] = {}
    for e in entities:
        counts[e.name] = counts.get(e.name, 0) + 1
    for e in entities:
        if counts[e.name] > 1:
            prefix = [p for p in [e.module, *e.module_path] if p]
            if prefix:
                e.name = "::".join([*prefix, e.name])


_WORD = re.compile(r"(?<![\w:])[A-Za-z_]\w*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _words(texts: list[str]) -> set[str]:
    """Type-like names written without a path (``a::B`` needs no import; strings are not code)."""
    out: set[str] = set()
    for t in texts:
        out |= _text_words(t)
    return out


@functools.lru_cache(maxsize=65536)
def _text_words(text: str) -> frozenset[str]:
    if text.islower() or (text.isidentifier() and not text[:1].isupper()):
        return frozenset()  # i64, bool, &'a str: nothing to import
    if text.isidentifier():
        return frozenset((text,))
    text = _STRING.sub("", text)
    text = _PATH.sub("", text)
    return frozenset(w for w in _WORD.findall(text) if w[:1].isupper())


_PATH = re.compile(r"\b\w+(?:::\w+)+")


def _struct_texts(s: ModelStruct) -> list[str]:
    texts = [*s.attributes, *s.leading_attributes, *s.generics, s.where_clause or ""]
    texts += [d for d in s.derives]
    for f in s.fields:
        texts += [f.rust_type, *f.attributes]
    return texts


def _uses(
    entities: list[EntitySpec],
    mains: list[ModelStruct],
    twins: dict[tuple[str, ...], dict[str, ModelStruct]],
    enum_names: set[str],
    known: _Known,
) -> None:
    """Each entity's ``uses``: where the project and library types its code names are defined.

    Names generated code brings in by itself (std prelude, Diesel derives, spec enums and
    entities, the generator's own library imports) are left out.
    """
    own = enum_names | {e.rust_name for e in entities}  # once: a union per entity was quadratic
    by_key = {_key(s): s for s in mains}
    for e in entities:
        s = by_key.get((e.module or "", *e.module_path, e.rust_name))
        if s is None or s.context is None:
            continue
        group = [s, *twins.get(_key(s), {}).values()]
        texts = [t for st in group for t in _struct_texts(st)]
        # an enum whose name another enum shares is imported by the generator when the field holds it;
        # left unresolved (ambiguous), the struct's own `use` line is kept
        held = {f.enum.rsplit("::", 1)[-1] for f in e.fields for f in (f, *f.variants) if f.enum and "::" in f.enum}
        e.uses = _resolve(_words(texts), s.context, own | held if held else own, known)


class _Known:
    """Project-wide: the modules defining each name, and every path a `use` line gives it.

    Built from the files' contexts on first need: most names resolve inside their own file.
    """

    def __init__(self, contexts: list[_FileContext]) -> None:
        self._contexts = contexts
        self._definitions: dict[str, list[str]] | None = None
        self._imported: dict[str, set[str]] | None = None

    @property
    def definitions(self) -> dict[str, list[str]]:
        if self._definitions is None:
            self._definitions = {}
            for ctx in self._contexts:
                if ctx.module is not None:
                    for name in ctx.defined:
                        self._definitions.setdefault(name, []).append(ctx.module)
        return self._definitions

    @property
    def imported(self) -> dict[str, set[str]]:
        if self._imported is None:
            self._imported = {}
            for ctx in self._contexts:
                for name, path in ctx.uses.items():
                    self._imported.setdefault(name, set()).add(absolute_path(path, ctx.module))
        return self._imported


def _enum_uses(
    enums: list[EnumSpec], contexts: dict[int, _FileContext], struct_names: set[str], known: _Known
) -> list[str]:
    """Project types named in enum attributes (``#[two_way_from(ApActorType)]``) keep their import.

    One list for all enums: generated code holds them in one file, so only the union round-trips.
    """
    own = struct_names | {e.rust_name for e in enums}
    out: set[str] = set()
    for e in enums:
        ctx = contexts.get(id(e))
        if ctx is None:
            continue
        texts = [*e.attributes, *(a for v in e.variants for a in v.attributes), *(e.derives or []), *e.cfg_derives]
        out.update(_resolve(_words(texts), ctx, own, known))
    return sorted(out)


def _resolve(words: set[str], ctx: _FileContext, own: set[str], known: _Known) -> list[str]:
    """Use paths for ``words``: the file's own `use` lines, its items, else the one project item of that
    name, else the one path every other file imports it by."""
    paths: set[str] = set()
    for word in words:
        if word in IN_SCOPE or word in own:
            continue
        path = ctx.uses.get(word)
        if path is not None:
            path = absolute_path(path, ctx.module)
        elif word in ctx.defined and ctx.module:
            path = defined_path(word, ctx.module)
        elif ctx.module and len(set(known.definitions.get(word, []))) == 1:
            where = known.definitions[word][0]
            same_crate = where.split("::")[0] == ctx.module.split("::")[0]
            path = defined_path(word, where) if same_crate else f"{where}::{word}"
        elif len(known.imported.get(word, ())) == 1:
            path = next(iter(known.imported[word]))
        if path is None or IMPORTS.get(word) == path:
            continue
        paths.add(path)
    return sorted(paths)


def _cfg_wrap(pred: str | None, meta: str) -> str:
    return f"#[cfg_attr({pred}, {meta})]" if pred else f"#[{meta}]"


def _share_tables(entities: list[EntitySpec]) -> None:
    """Structs reading the same table: its primary model holds the columns none of them reads."""
    groups: dict[str, list[EntitySpec]] = {}
    for e in entities:
        if e.has_model and not e.is_view:
            groups.setdefault(e.table, []).append(e)
    primary = primary_models(entities)
    for table, group in groups.items():
        if len(group) < 2:
            continue
        holder = primary.get(table) or group[0]
        read = {f.column for e in group for f in e.fields if not f.no_column}
        holder.extra_columns = [c for c in holder.extra_columns if c.column not in read]
        for e in group:
            if e is not holder:
                e.extra_columns = []


def _type_names(sql: str) -> set[str]:
    return set(sql.replace("<", " ").replace(">", " ").replace(",", " ").split())


def _unique_enums(enums: list[EnumSpec], contexts: dict[int, _FileContext]) -> list[EnumSpec]:
    """One enum per module path (``crate::a::Status`` and ``crate::b::Status`` stay apart).

    Enums sharing a Rust name keep their module and a module-qualified spec name, as entities do.
    """
    out: dict[tuple[str, ...], EnumSpec] = {}
    for e in enums:
        ctx = contexts.get(id(e))
        out.setdefault((ctx.module or "" if ctx else "", *e.module_path, e.name), e)
    kept = list(out.values())
    counts: dict[str, int] = {}
    for e in kept:
        counts[e.name] = counts.get(e.name, 0) + 1
    for e in kept:
        ctx = contexts.get(id(e))
        if counts[e.name] > 1 and ctx is not None and ctx.module:
            e.module = ctx.module
            e.name = "::".join([ctx.module, *e.module_path, e.name])
    return kept


class _EnumNames:
    """Which enum a struct's field type names: the one enum of that name, else the one its file
    imports or defines (``use crate::a::Status`` picks ``crate_name::a::Status``)."""

    def __init__(self, enums: list[EnumSpec], contexts: dict[int, _FileContext]) -> None:
        self.plain: dict[str, EnumSpec] = {}
        self.shared: dict[str, list[tuple[EnumSpec, tuple[str, ...]]]] = {}
        for e in enums:
            if e.module is None:
                self.plain[e.rust_name] = e
            else:
                ctx = contexts.get(id(e))
                self.shared.setdefault(e.rust_name, []).append((e, _file_parts(ctx.file if ctx else "")))

    def for_struct(self, s: ModelStruct) -> dict[str, EnumSpec]:
        if not self.shared:
            return self.plain
        ctx = s.context
        out = dict(self.plain)
        for name, candidates in self.shared.items():
            found = self._pick(name, candidates, ctx)
            if found is not None:
                out[name] = found
        return out

    @staticmethod
    def _pick(
        name: str, candidates: list[tuple[EnumSpec, tuple[str, ...]]], ctx: _FileContext | None
    ) -> EnumSpec | None:
        """The candidate the file's `use` path (or its own definition) names: by module path, else by the
        file the path leads to (``use crate::models::enums_2::Status`` in generated code)."""
        if ctx is None or not ctx.module:
            return None
        crate = ctx.module.split("::")[0]
        path = ctx.uses.get(name)
        if path is not None:
            full = with_crate(absolute_path(path, ctx.module).split(" as ")[0], crate)
        elif name in ctx.defined:
            full = f"{ctx.module}::{name}"
        else:
            return None
        owner = full.rsplit("::", 1)[0]
        found = [c for c, _ in candidates if "::".join([c.module or "", *c.module_path]) == owner]
        if not found:  # re-exported by an enclosing module (`pub use self::visibility::Visibility` in types)
            found = [c for c, _ in candidates if (c.module or "").startswith(owner + "::")]
        if not found:  # generated code: the path names the file the enum was written to
            where = tuple(full.split("::")[1:-1])  # the path's modules under its crate
            found = [c for c, parts in candidates if where and parts[-len(where) :] == where]
        if not found:  # re-exported elsewhere in its crate: the crate's one enum of that name
            found = [c for c, _ in candidates if (c.module or "").split("::")[0] == owner.split("::")[0]]
        return found[0] if len(found) == 1 else None


def _file_parts(file: str) -> tuple[str, ...]:
    """``crates/x/src/models/enums_2.rs`` → (models, enums_2): the module path its file name gives."""
    parts = list(Path(file).with_suffix("").parts)
    if "src" in parts:
        parts = parts[len(parts) - parts[::-1].index("src") :]
    if parts and parts[-1] in {"mod", "lib", "main"}:
        parts = parts[:-1]
    return tuple(parts)


def _twin_kind(
    s: ModelStruct, by_key: dict[tuple[str, ...], ModelStruct], schema: SchemaInfo
) -> tuple[str | None, tuple[str, ...] | None]:
    """``NewX`` (Insertable) / ``UpdateX`` (AsChangeset) written in X's module for X's table: X's twin."""
    for prefix, kind, derive in (("New", "insertable", "Insertable"), ("Update", "changeset", "AsChangeset")):
        if not (s.name.startswith(prefix) and s.derives_any(derive)) or s.derives_any(*_READS):
            continue
        base_key = (*_key(s)[:-1], s.name[len(prefix) :])
        base = by_key.get(base_key)
        if base is None or base is s:
            continue
        if _table_of(s, schema) == _table_of(base, schema) or s.table_name is None:
            return kind, base_key
    return None, None


_READS = ("Queryable", "Selectable", "Identifiable", "QueryableByName", "HasQuery")


def _table_of(s: ModelStruct, schema: SchemaInfo) -> str | None:
    """The table a struct reads or writes: its table_name, else Diesel's inferred name when schema.rs has it.

    None means a view (a query/DTO struct): with a schema.rs in the project, an inferred name
    that is not one of its tables is not a table. Without any schema.rs the inferred name stands.
    """
    if s.table_name:
        return _declared_table(s, s.table_name, schema)
    inferred = infer_table_name(s.name)
    if inferred in schema.qualified:
        return _declared_table(s, inferred, schema)
    if schema.tables and inferred not in schema.tables:
        return None
    return inferred


def _declared_table(s: ModelStruct, name: str, schema: SchemaInfo) -> str:
    """``posts`` declared by two modules' schema files: the one the struct's file imports, else the one
    in the struct's own crate, else (ambiguous) the first module's."""
    where = schema.qualified.get(name)
    if not where:
        return name
    ctx = s.context
    module = s.module or ""
    crate = module.split("::")[0]
    path = ctx.uses.get(name) if ctx is not None else None
    if path is not None:
        full = with_crate(absolute_path(path, s.module).split(" as ")[0], crate)
        owner = full.rsplit("::", 1)[0]
        if owner in where:
            return where[owner]
    same_crate = [m for m in where if m.split("::")[0] == crate]
    if len(same_crate) == 1:
        return where[same_crate[0]]
    return where[sorted(where)[0]]


def _enum_sql_map(enums: dict[str, EnumSpec]) -> dict[str, str]:
    return {name: e.sql_type for name, e in enums.items() if e.sql_type}


def _field_from_struct(
    raw_name: str, rust_type: str, column: Column | None, enums: dict[str, EnumSpec], backend: str
) -> FieldSpec:
    inner, is_option = unwrap_option(rust_type)
    fld = FieldSpec(name=raw_name, rust_type=rust_type)
    if column is not None:
        fld.sql_type = column.sql_type
        fld.nullable = column.nullable
        fld.max_length = column.max_length
        fld.sql_name = column.sql_name
    else:
        fld.sql_type = sql_for_rust(inner, backend, _enum_sql_map(enums))
        fld.nullable = is_option
    base = inner
    for wrapper in ("Vec<", "Option<"):
        while base.startswith(wrapper) and base.endswith(">"):
            base = base[len(wrapper) : -1]
    base = base.split("::")[-1]
    if base in enums:
        fld.enum = enums[base].name
        fld.enum_values = enums[base].values()
    fld.item_type = item_type(fld.sql_type)
    return fld


def _entity(
    s: ModelStruct, schema: SchemaInfo, enums: dict[str, EnumSpec], backend: str, diags: list[Diagnostic]
) -> EntitySpec:
    table_name = _table_of(s, schema)
    table = schema.tables.get(table_name) if table_name else None
    if table_name and table is None and schema.tables:
        diags.append(
            Diagnostic(
                file=s.file,
                line=s.line,
                column=1,
                severity="warning",
                message=f"struct {s.name}: table {table_name} is not declared in schema.rs",
            )
        )
    entity = EntitySpec(
        name=s.name,
        table=table_name or "",
        kind="table" if table_name else "view",
        module=s.module,
        module_path=s.module_path,
        derives=[d for d in s.derives if d not in s.cfg_derives],
        cfg_attr=s.cfg_attr,
        cfg_derives=s.cfg_derives,
        attributes_before_derive=s.leading_attributes,
        attributes=s.attributes,
        check_for_backend=s.check_for_backend,
        treat_none_as_null=s.treat_none_as_null,
        lifetimes=s.lifetimes,
        generics=s.generics,
        where_clause=s.where_clause,
        doc=s.doc,
    )
    reads = s.derives_any(*_READS)
    used: set[str] = set()
    for raw in s.fields:
        column_name = raw.column_name or raw.name
        column = table.column(column_name) if table else None
        if table is not None and column is None and not raw.embed:
            diags.append(
                Diagnostic(
                    file=s.file,
                    line=s.line,
                    column=1,
                    severity="warning",
                    message=f"struct {s.name}: field {raw.name} has no column {column_name} in table {table.name}",
                )
            )
        if table_name is None or raw.embed or (table is None and schema.tables):
            fld = FieldSpec(name=raw.name, rust_type=raw.rust_type, nullable=unwrap_option(raw.rust_type)[1])
            fld.no_column = table_name is not None
            _mark_enum(fld, raw.rust_type, enums)
        elif table is not None and column is None:
            fld = FieldSpec(name=raw.name, rust_type=raw.rust_type, nullable=unwrap_option(raw.rust_type)[1])
            fld.no_column = True
            _mark_enum(fld, raw.rust_type, enums)
        else:
            fld = _field_from_struct(raw.name, raw.rust_type, column, enums, backend)
            fld.no_column = fld.sql_type is None  # no SQL type to give the column: schema.rs will not have it
        fld.column_name = raw.column_name
        fld.doc = raw.doc
        fld.attributes = raw.attributes
        if column is not None:
            used.add(column.name)
            _, is_option = unwrap_option(raw.rust_type)
            if reads and is_option != column.nullable:  # Insertable/AsChangeset: Option means "leave out"
                diags.append(
                    Diagnostic(
                        file=s.file,
                        line=s.line,
                        column=1,
                        severity="warning",
                        message=f"struct {s.name}: field {raw.name} is {'Option' if is_option else 'not Option'} but column {table.name}.{column.name} is {'Nullable' if column.nullable else 'NOT NULL'}",  # type: ignore[union-attr]
                    )
                )
        twin = next((f for f in entity.fields if f.name == fld.name), None)
        if twin is not None and _cfg_gated(twin) and _cfg_gated(fld):
            twin.variants.append(fld)  # cfg / cfg(not) versions of one field: one field, several variants
            continue
        entity.fields.append(fld)
    if table is not None:
        entity.schema_name = table.schema
        entity.sql_name = table.sql_name
        entity.primary_key = list(table.primary_key)
        entity.extra_columns = [_column_field(c, enums, backend) for c in table.columns if c.name not in used]
    elif s.primary_key:
        entity.primary_key = list(s.primary_key)
    # belongs_to from #[diesel(belongs_to(...))]; the parent's table is resolved in _relations
    for b in s.belongs_to:
        fk = b.foreign_key or f"{snake(b.parent)}_id"
        entity.relations.append(Relation(kind="belongs_to", entity=b.parent, table="", foreign_key=fk))
    return entity


def _cfg_gated(f: FieldSpec) -> bool:
    return any(a.startswith("#[cfg(") for a in f.attributes)


def _mark_enum(fld: FieldSpec, rust_type: str, enums: dict[str, EnumSpec]) -> None:
    base = unwrap_option(rust_type)[0]
    while base.startswith("Vec<") and base.endswith(">"):
        base = base[4:-1]
    base = base.split("::")[-1]
    if base in enums:
        fld.enum = enums[base].name
        fld.enum_values = enums[base].values()


def _column_field(c: Column, enums: dict[str, EnumSpec], backend: str) -> FieldSpec:
    by_sql = {e.sql_type: e for e in enums.values() if e.sql_type}
    enum_names = {t: e.name for t, e in by_sql.items()}
    try:
        rust = rust_for_sql(c.sql_type, backend, enum_names)
        rust = f"Option<{rust}>" if c.nullable else rust
    except UnsupportedError:
        rust = None
    fld = FieldSpec(
        name=c.name,
        rust_type=rust,
        sql_type=c.sql_type,
        nullable=c.nullable,
        max_length=c.max_length,
        sql_name=c.sql_name,
        doc=c.doc,
        item_type=item_type(c.sql_type),
    )
    base = c.sql_type
    if base in enum_names:
        fld.enum = enum_names[base]
        fld.enum_values = by_sql[base].values()
    return fld


def _schema_only_entity(table: Table, enums: dict[str, EnumSpec], backend: str) -> EntitySpec:
    return EntitySpec(
        name=entity_for_table(table.name),
        table=table.name,
        schema_name=table.schema,
        sql_name=table.sql_name,
        has_model=False,
        primary_key=list(table.primary_key),
        fields=[_column_field(c, enums, backend) for c in table.columns],
        doc=table.doc,
        derives=[],
        check_for_backend=[],
        insertable=None,
        changeset=None,
    )


def _twin(s: ModelStruct | None, entity: EntitySpec, kind: str) -> TwinSpec | None:
    if s is None:
        return None
    twin = TwinSpec(
        name=s.name,
        fields=[f.name for f in s.fields],
        derives=[d for d in s.derives if d not in s.cfg_derives],
        cfg_attr=s.cfg_attr,
        cfg_derives=s.cfg_derives,
        attributes_before_derive=s.leading_attributes,
        attributes=(
            [_cfg_wrap(s.cfg_attr, f"diesel(check_for_backend({', '.join(s.check_for_backend)}))")]
            if s.check_for_backend
            else []
        )
        + s.attributes,
        lifetimes=s.lifetimes,
        treat_none_as_null=s.treat_none_as_null,
        doc=s.doc,
    )
    for f in s.fields:
        base = entity.field(f.name)
        default = None
        if base is not None and base.rust_type:
            default = base.rust_type if kind == "insertable" else f"Option<{base.rust_type}>"
        if f.rust_type != default:
            twin.types[f.name] = f.rust_type
        if f.attributes:
            twin.field_attributes[f.name] = list(f.attributes)
    return twin


def _relations(entities: list[EntitySpec], schema: SchemaInfo) -> None:
    """Resolve belongs_to parents, merge ``joinable!``, set field references and has_many.

    Everything points at a table's primary model (``primary_models``): forms and views
    neither receive references nor own the table's ``joinable!`` relations.
    """
    by_rust: dict[str, list[EntitySpec]] = {}
    for e in entities:
        by_rust.setdefault(e.rust_name, []).append(e)
    primary = primary_models(entities)
    for e in entities:
        for r in e.relations:
            candidates = sorted(by_rust.get(r.entity or "", []), key=lambda x: x.primary_rank())
            parent = candidates[0] if candidates else None
            if parent is not None:
                r.entity = parent.name
            r.table = parent.table if parent and parent.table else infer_table_name(r.entity or "")
    for j in schema.joinables:
        child = primary.get(j.child)
        if child is None:
            continue
        if not any(r.table == j.parent and r.foreign_key == j.foreign_key for r in child.relations):
            parent = primary.get(j.parent)
            child.relations.append(
                Relation(
                    kind="belongs_to", table=j.parent, entity=parent.name if parent else None, foreign_key=j.foreign_key
                )
            )
    for e in entities:
        e.relations.sort(key=lambda r: (r.table, r.foreign_key))
        for r in e.relations:
            fld = next((f for f in e.fields + e.extra_columns if f.column == r.foreign_key and not f.no_column), None)
            parent = primary.get(r.table)
            if fld is not None:
                pk = parent.primary_key[0] if parent and len(parent.primary_key) == 1 else "id"
                fld.references = Reference(table=r.table, entity=parent.name if parent else None, column=pk)
    children: dict[str, list[Relation]] = {}
    for other in entities:
        for r in other.relations:
            if r.kind == "belongs_to":
                children.setdefault(r.table, []).append(
                    Relation(kind="has_many", table=other.table, entity=other.name, foreign_key=r.foreign_key)
                )
    for table, e in primary.items():
        e.relations += [r.model_copy() for r in children.get(table, [])]
    for e in entities:
        e.relations.sort(key=lambda r: (r.kind, r.table, r.foreign_key))
        if not e.is_view and e.table and not e.reads_table() and e.has_model:
            owner = primary.get(e.table)
            e.form_of = owner.name if owner is not None and owner is not e else None

"""Export a spec as JSON Schema (2020-12) and OpenAPI 3.1, straight from schema.rs / models.

No compile step: types come from the SQL types in the spec. Nullability
(``type: [.., "null"]``), ``maxLength``, enums (shared schemas) and foreign
keys (``x-references``) are kept; with paths, the CRUD routes the generated
Actix handlers serve are described too.
"""

from __future__ import annotations

from typing import Any

from semgraph.rust.generator import handler_ready
from semgraph.rust.normalize import normalize
from semgraph.rust.spec import DieselSpec, EntitySpec, FieldSpec
from semgraph.rust.types import SqlType, parse_sql_type

_SIMPLE: dict[str, dict[str, Any]] = {
    "SmallInt": {"type": "integer", "format": "int32", "minimum": -32768, "maximum": 32767},
    "Int2": {"type": "integer", "format": "int32", "minimum": -32768, "maximum": 32767},
    "Integer": {"type": "integer", "format": "int32"},
    "Int4": {"type": "integer", "format": "int32"},
    "BigInt": {"type": "integer", "format": "int64"},
    "Int8": {"type": "integer", "format": "int64"},
    "TinyInt": {"type": "integer", "minimum": -128, "maximum": 127},
    "Float": {"type": "number", "format": "float"},
    "Float4": {"type": "number", "format": "float"},
    "Double": {"type": "number", "format": "double"},
    "Float8": {"type": "number", "format": "double"},
    "Numeric": {"type": "string", "format": "decimal"},
    "Decimal": {"type": "string", "format": "decimal"},
    "Text": {"type": "string"},
    "Varchar": {"type": "string"},
    "VarChar": {"type": "string"},
    "Char": {"type": "string"},
    "Citext": {"type": "string"},
    "Bool": {"type": "boolean"},
    "Date": {"type": "string", "format": "date"},
    "Time": {"type": "string", "format": "time"},
    "Timestamp": {"type": "string", "format": "date-time"},
    "Timestamptz": {"type": "string", "format": "date-time"},
    "Datetime": {"type": "string", "format": "date-time"},
    "Interval": {"type": "string", "format": "duration"},
    "Uuid": {"type": "string", "format": "uuid"},
    "Json": {},
    "Jsonb": {},
    "Bytea": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 255}},
    "Binary": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 255}},
    "Blob": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 255}},
    "Inet": {"type": "string", "format": "ip-network"},
    "Cidr": {"type": "string", "format": "ip-network"},
    "MacAddr": {
        "type": "array",
        "items": {"type": "integer", "minimum": 0, "maximum": 255},
        "minItems": 6,
        "maxItems": 6,
    },
    "Money": {"type": "integer", "format": "int64", "description": "amount in cents"},
    "Oid": {"type": "integer", "format": "int64", "minimum": 0},
}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema or not schema.get("type"):
        return {"anyOf": [schema, {"type": "null"}]} if schema else {}
    out = dict(schema)
    t = out["type"]
    out["type"] = [*t, "null"] if isinstance(t, list) else [t, "null"]
    return out


def _sql_schema(node: SqlType, spec: DieselSpec, ref: str) -> dict[str, Any]:
    if node.name == "Nullable":
        return _nullable(_sql_schema(node.args[0], spec, ref))
    if node.name == "Array":
        return {"type": "array", "items": _sql_schema(node.args[0], spec, ref)}
    if node.name in {"Range", "Multirange"}:
        inner = _sql_schema(node.args[0], spec, ref)
        bound = {
            "description": "bound: {Included|Excluded: value} or Unbounded",
            "anyOf": [inner, {"type": "object"}, {"type": "string"}],
        }
        return {"type": "array", "prefixItems": [bound, bound], "minItems": 2, "maxItems": 2}
    if node.name == "Unsigned":
        return {**_sql_schema(node.args[0], spec, ref), "minimum": 0}
    if node.name in _SIMPLE:
        return dict(_SIMPLE[node.name])
    enum = next((e for e in spec.enums if e.sql_type == node.name or e.name == node.name), None)
    if enum is not None:
        return {"$ref": f"{ref}{schema_key(enum.name)}"}
    return {"description": f"custom SQL type {node.name}"}


def field_schema(f: FieldSpec, spec: DieselSpec, ref: str) -> dict[str, Any]:
    """JSON Schema of one field."""
    if (
        f.enum
        and spec.enum(f.enum)
        and (f.sql_type is None or f.sql_type in {"Text", "Varchar"} or spec.enum(f.enum).sql_type == f.sql_type)
    ):  # type: ignore[union-attr]
        schema: dict[str, Any] = {"$ref": f"{ref}{schema_key(f.enum)}"}
    elif f.sql_type:
        schema = _sql_schema(parse_sql_type(f.sql_type), spec, ref)
    else:
        schema = {"description": f"Rust type {f.rust_type} (no SQL mapping)"}
    if f.max_length is not None and schema.get("type") == "string":
        schema["maxLength"] = f.max_length
    if f.doc:
        schema = {**schema, "description": f.doc} if "$ref" not in schema else {"allOf": [schema], "description": f.doc}
    if f.default is not None:
        schema["default"] = f.default
    if f.references:
        schema["x-references"] = {
            "table": f.references.table,
            "column": f.references.column,
            **({"entity": f.references.entity} if f.references.entity else {}),
        }
    return _nullable(schema) if f.nullable else schema


def schema_key(name: str) -> str:
    """Component / $defs key of a spec name: OpenAPI keys allow no ``::`` (``a::B`` → ``a.B``)."""
    return name.replace("::", ".")


def entity_schema(e: EntitySpec, spec: DieselSpec, ref: str) -> dict[str, Any]:
    fields = e.fields + e.extra_columns if not e.has_model else e.fields
    out: dict[str, Any] = {"title": e.name, "type": "object"}
    if e.doc:
        out["description"] = e.doc
    out["properties"] = {f.name: field_schema(f, spec, ref) for f in fields}
    required = list(dict.fromkeys(f.name for f in fields if not f.nullable))  # cfg / cfg(not) twins: once
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    if e.is_view:
        out["x-view"] = True
        return out
    out["x-table"] = f"{e.schema_name}.{e.table}" if e.schema_name else e.table
    out["x-primary-key"] = list(e.primary_key)
    if e.form_of:
        out["x-form-of"] = schema_key(e.form_of)
    return out


def _twin_key(e: EntitySpec, twin_name: str) -> str:
    """A twin's key: qualified like its entity when the entity's name is (two modules' NewX stay apart)."""
    prefix = e.name[: -len(e.rust_name)] if e.name != e.rust_name else ""
    return schema_key(prefix + twin_name)


def _twin_schemas(e: EntitySpec, spec: DieselSpec, ref: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for twin, optional in ((e.insertable, False), (e.changeset, True)):
        if twin is None or not twin.name:
            continue
        props, required = {}, []
        for name in twin.fields or []:
            f = e.field(name)
            if f is None:
                props[name] = {"description": f"Rust type {twin.types.get(name)}"}
                continue
            props[name] = field_schema(f, spec, ref)
            if not optional and not f.nullable and name not in required:
                required.append(name)
        schema: dict[str, Any] = {
            "title": twin.name,
            "type": "object",
            "properties": props,
            "additionalProperties": False,
        }
        if required:
            schema["required"] = required
        out[_twin_key(e, twin.name)] = schema
    return out


def schemas(spec: DieselSpec, ref: str) -> dict[str, dict[str, Any]]:
    full = normalize(spec)
    out: dict[str, dict[str, Any]] = {}
    for en in full.enums:
        s: dict[str, Any] = {"title": en.name, "type": "string", "enum": en.values()}
        if en.doc:
            s["description"] = en.doc
        out[schema_key(en.name)] = s
    for e in full.entities:
        out[schema_key(e.name)] = entity_schema(e, full, ref)
        if e.has_model:
            out.update(_twin_schemas(e, full, ref))
    return out


def json_schema(spec: DieselSpec) -> dict[str, Any]:
    """One JSON Schema document with every entity and enum under ``$defs``."""
    defs = schemas(spec, "#/$defs/")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Diesel entities",
        "type": "object",
        "$defs": defs,
    }


def openapi(
    spec: DieselSpec, *, title: str = "Diesel API", version: str = "1.0.0", paths: bool = True
) -> dict[str, Any]:
    """An OpenAPI 3.1 document: component schemas, and the generated CRUD routes when ``paths``."""
    comps = schemas(spec, "#/components/schemas/")
    doc: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": title, "version": version}}
    doc["paths"] = _paths(normalize(spec)) if paths else {}
    comps["Error"] = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
    doc["components"] = {"schemas": comps}
    return doc


def _paths(spec: DieselSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    err = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    def body(name: str) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}

    def ok(desc: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": desc, "content": {"application/json": {"schema": schema}}}

    for e in spec.entities:
        if handler_ready(e) is not None or spec.entity_for_table(e.table) is not e:
            continue  # routes serve each table once, through its primary model
        route = "/" + (f"{e.schema_name}/" if e.schema_name else "") + e.table
        ref = {"$ref": f"#/components/schemas/{schema_key(e.name)}"}
        keys = e.primary_key if len(e.primary_key) > 1 else ["id"]
        item = route + "/" + "/".join("{" + k + "}" for k in keys)
        params = [
            {
                "name": k,
                "in": "path",
                "required": True,
                "schema": field_schema(e.field(e.primary_key[i]), spec, "#/components/schemas/"),
            }  # type: ignore[arg-type]
            for i, k in enumerate(keys)
        ]
        coll: dict[str, Any] = {
            "get": {
                "operationId": f"list_{e.table}",
                "parameters": [
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                ],
                "responses": {"200": ok(f"a page of {e.table}", {"type": "array", "items": ref}), "default": err},
            }
        }
        if e.insertable is not None and e.insertable.name and not e.insertable.lifetimes:
            coll["post"] = {
                "operationId": f"create_{e.table}",
                "requestBody": body(_twin_key(e, e.insertable.name)),
                "responses": {"201": ok("created", ref), "409": err, "422": err, "default": err},
            }
        out[route] = coll
        one: dict[str, Any] = {
            "parameters": params,
            "get": {"operationId": f"get_{e.table}", "responses": {"200": ok(e.name, ref), "404": err, "default": err}},
            "delete": {
                "operationId": f"delete_{e.table}",
                "responses": {"204": {"description": "deleted"}, "404": err, "default": err},
            },
        }
        if e.changeset is not None and e.changeset.name and not e.changeset.lifetimes:
            one["patch"] = {
                "operationId": f"update_{e.table}",
                "requestBody": body(_twin_key(e, e.changeset.name)),
                "responses": {"200": ok("updated", ref), "404": err, "409": err, "422": err, "default": err},
            }
        out[item] = one
        for a in e.actions:
            op: dict[str, Any] = {
                "operationId": f"{a.name}_{e.table}",
                "responses": {"200": ok("done", ref), "404": err, "422": err, "default": err},
            }
            if a.params:
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {k: {"description": v} for k, v in a.params.items()},
                                "required": list(a.params),
                            }
                        }
                    },
                }
            out[f"{item}/{a.name}"] = {"parameters": params, "post": op}
    return out

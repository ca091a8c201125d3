"""The Diesel toolset on real workspaces, checked against hand-written labels (``bench/labels/diesel``).

For each labelled repository (pinned commit, extracted by ``bench/realworld.py``) it parses the whole
checkout and reports:

- structs: Diesel-derived structs in the spec vs a tree-sitter count of ``struct`` items with a Diesel
  derive, and vs the labels (merged = label structs that collapsed into another one, missing = not found);
- tables / columns vs the labels' ``schema.rs`` (phantom tables and invented columns must be 0), in the
  spec and in the generated ``schema.rs``;
- primary models (the label's per table) and references to form structs (must be 0);
- round trip: spec → YAML → generate → parse equal; generate → parse → generate byte-identical;
- rustfmt-clean (the generated text equals rustfmt's), OpenAPI 3.1 valid (openapi-spec-validator),
  JSON Schema valid (Draft 2020-12 meta-schema);
- generated files that use a project type they neither import nor define (must be 0).

    python bench/diesel_realworld.py [--only owner/name] [--json]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.realworld import Pinned, available, checkout  # noqa: E402
from semgraph.rust.model_parser import MODEL_DERIVES  # noqa: E402

LABELS = REPO / "bench" / "labels" / "diesel"
# names a generated model file may use without importing them (prelude, primitives, Diesel prelude, serde derive)
KNOWN = {
    *[
        "bool",
        "char",
        "str",
        "u8",
        "u16",
        "u32",
        "u64",
        "u128",
        "usize",
        "i8",
        "i16",
        "i32",
        "i64",
        "i128",
        "isize",
        "f32",
        "f64",
        "Self",
    ],
    *[
        "String",
        "Vec",
        "Option",
        "Box",
        "Some",
        "None",
        "Ok",
        "Err",
        "Result",
        "Default",
        "Debug",
        "Clone",
        "Copy",
        "PartialEq",
        "Eq",
        "Hash",
    ],
    *["PartialOrd", "Ord", "Send", "Sync", "Sized", "ToString", "Into", "From", "AsRef"],
}


def tree_sitter_count(root: Path, files: list[str]) -> int:
    """Struct items carrying a Diesel derive (plain or under cfg_attr), counted with a tree-sitter query."""
    import tree_sitter as ts
    import tree_sitter_rust

    lang = ts.Language(tree_sitter_rust.language())
    parser = ts.Parser(lang)
    query = ts.Query(lang, "(struct_item) @s")
    count = 0
    for name in files:
        data = (root / name).read_bytes()
        tree = parser.parse(data)
        for _, match in ts.QueryCursor(query).matches(tree.root_node):
            node = match["s"][0]
            attrs = []
            prev = node.prev_named_sibling
            while prev is not None and prev.type in {"attribute_item", "line_comment", "block_comment"}:
                if prev.type == "attribute_item":
                    attrs.append(data[prev.start_byte : prev.end_byte].decode())
                prev = prev.prev_named_sibling
            words = set(re.findall(r"\w+", " ".join(a for a in attrs if "derive" in a)))
            if words & MODEL_DERIVES:
                count += 1
    return count


def _struct_ids(spec: Any) -> list[tuple[str, str]]:
    """(module-qualified id, role) of every struct the spec holds (entities and their twins)."""
    out = []
    for e in spec.entities:
        if not e.has_model:
            continue
        module = getattr(e, "module", None)
        rust = e.name.rsplit("::", 1)[-1]
        out.append((f"{module}::{rust}" if module else rust, "entity"))
        for twin in (e.insertable, e.changeset):
            if twin is not None and twin.name:
                tmod = getattr(twin, "module", None) or module
                out.append((f"{tmod}::{twin.name}" if tmod else twin.name, "twin"))
    return out


def _short(ident: str) -> str:
    return ident.rsplit("::", 1)[-1]


def measure(pin: Pinned, labels: dict[str, Any]) -> dict[str, Any]:
    from semgraph.rust import rustfmt
    from semgraph.rust.export import json_schema, openapi
    from semgraph.rust.generator import GenerateOptions, generate
    from semgraph.rust.project import parse_path
    from semgraph.rust.regions import write_files
    from semgraph.rust.schema_parser import parse_schema_source
    from semgraph.rust.spec import dump_spec, load_spec

    root = checkout(pin)
    row: dict[str, Any] = {"repo": pin.repo, "commit": pin.commit}
    t = time.perf_counter()
    parsed = parse_path(root)
    row["parse_s"] = round(time.perf_counter() - t, 2)
    spec = parsed.spec
    sev = collections.Counter(d.severity for d in parsed.diagnostics)
    row["errors"], row["warnings"] = sev["error"], sev["warning"]
    label_structs = labels["structs"]
    row["label_structs"] = len(label_structs)
    row["tree_sitter_structs"] = tree_sitter_count(root, parsed.files)
    ids = _struct_ids(spec)
    row["spec_structs"] = len(ids)
    qualified = any("::" in i for i, _ in ids)
    want = collections.Counter(s["id"] if qualified else _short(s["id"]) for s in label_structs)
    have = collections.Counter(i for i, _ in ids)
    row["missing_structs"] = sorted(k for k in want if have[k] == 0)
    row["merged_structs"] = sum(max(0, n - have[k]) for k, n in want.items() if have[k] > 0)
    # tables and columns
    tables = labels["tables"]
    is_view = {e.name: getattr(e, "kind", "table") == "view" for e in spec.entities}
    spec_tables = {e.table for e in spec.entities if not is_view[e.name] and e.table}
    row["label_tables"] = len(tables)
    row["spec_tables"] = len(spec_tables)
    row["phantom_tables"] = sorted(spec_tables - set(tables))
    row["missing_tables"] = sorted(set(tables) - spec_tables)
    invented: set[str] = set()
    for e in spec.entities:
        if is_view[e.name] or e.table not in tables:
            continue
        for f in e.fields + e.extra_columns:
            if getattr(f, "no_column", False) or f.sql_type is None:
                continue
            if f.column not in tables[e.table]["columns"]:
                invented.add(f"{e.table}.{f.column}")
    row["invented_columns"] = sorted(invented)
    row["label_columns"] = sum(len(t["columns"]) for t in tables.values())
    # primary models and references to forms
    role = {s["id"] if qualified else _short(s["id"]): s["role"] for s in label_structs}
    by_name = {e.name: e for e in spec.entities}

    def ident(entity_name: str | None) -> str | None:
        e = by_name.get(entity_name or "")
        if e is None:
            return None
        module = getattr(e, "module", None)
        return f"{module}::{_short(e.name)}" if module else e.name

    form_refs = []
    for e in spec.entities:
        refs = [f.references.entity for f in e.fields + e.extra_columns if f.references]
        refs += [r.entity for r in e.relations]
        for r in refs:
            if role.get(ident(r) or "") == "form":
                form_refs.append(f"{e.name} -> {r}")
    row["references_to_forms"] = len(form_refs)
    row["references_to_forms_sample"] = form_refs[:5]
    wrong_primary = []
    for table, primary in labels["primary_model"].items():
        readers = [e for e in spec.entities if e.table == table and e.has_model and not is_view[e.name]]
        first = spec.entity_for_table(table) if hasattr(spec, "entity_for_table") else (readers or [None])[0]
        target = ident(first.name) if first else None
        expect = primary if qualified else _short(primary)
        if target != expect:
            wrong_primary.append(f"{table}: {target} (label {expect})")
    row["wrong_primary"] = wrong_primary
    # generation, round trip, validators
    with tempfile.TemporaryDirectory() as tmp:
        try:
            text = dump_spec(spec, "yaml")
            files = generate(load_spec(text), GenerateOptions(rustfmt=False))
            row["generated_files"] = len(files)
            fmt = rustfmt.format_many({f.path: f.content for f in files}) if rustfmt.rustfmt_path() else None
            row["rustfmt_dirty"] = (
                sum(1 for f in files if fmt[f.path] != f.content) if fmt is not None else "no rustfmt"
            )
            schema_rs = next((f.content for f in files if f.path == "src/schema.rs"), "")
            gen_schema = parse_schema_source(schema_rs, "src/schema.rs")
            row["generated_phantom_tables"] = sorted(set(gen_schema.tables) - set(tables))
            row["generated_invented_columns"] = sorted(
                f"{t.name}.{c.name}"
                for t in gen_schema.tables.values()
                if t.name in tables
                for c in t.columns
                if c.name not in tables[t.name]["columns"]
            )
            row["files_missing_imports"], row["missing_import_sample"] = _missing_imports(files)
            out = Path(tmp) / "gen"
            write_files(files, out)
            again = parse_path(out)
            row["generated_parse_errors"] = sum(1 for d in again.diagnostics if d.severity == "error")
            row["round_trip_equal"] = again.spec == spec
            if not row["round_trip_equal"]:
                row["round_trip_diff"] = _first_diff(spec, again.spec)
            files2 = generate(again.spec, GenerateOptions(rustfmt=False))
            row["byte_stable"] = [(f.path, f.content) for f in files] == [(f.path, f.content) for f in files2]
        except Exception as exc:  # a crash is a figure too
            row["generate_error"] = f"{type(exc).__name__}: {exc}"[:300]
            traceback.print_exc(file=sys.stderr)
        try:
            from openapi_spec_validator import validate

            validate(openapi(spec, paths=True))
            row["openapi_valid"] = True
        except Exception as exc:
            row["openapi_valid"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        try:
            import jsonschema

            doc = json_schema(spec)
            jsonschema.Draft202012Validator.check_schema(doc)
            row["json_schema_valid"] = True
        except Exception as exc:
            row["json_schema_valid"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return row


def _missing_imports(files: list[Any]) -> tuple[int, list[str]]:
    """Generated model files using a capitalised type name they neither define nor import."""
    bad_files = 0
    sample: list[str] = []
    for f in files:
        if not f.path.startswith("src/models/") or f.path.endswith("mod.rs"):
            continue
        text = re.sub(r"//[^\n]*", "", f.content)
        text = re.sub(r'r#*"[^"]*"#*', '""', text)  # raw strings
        text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
        defined = set(re.findall(r"\b(?:struct|enum|type|trait)\s+(\w+)", text))
        defined |= set(re.findall(r"^\s+([A-Z]\w*),?$", text, re.M))  # enum variants
        for params in re.findall(r"\bstruct\s+\w+<([^>{]*)>", text):  # generic parameters
            defined |= set(re.findall(r"(?<![\w'])([A-Z]\w*)\s*(?:[:,]|$)", params))
        imported: set[str] = set()
        for use in re.findall(r"\buse\s+([^;]+);", text):
            if use.rstrip().endswith("*"):
                continue  # glob: diesel::prelude::* (derive macros) or a schema module
            for leaf in re.findall(r"(\w+)\s*(?:[,}]|$)", use):
                imported.add(leaf)
            for alias in re.findall(r"\bas\s+(\w+)", use):
                imported.add(alias)
        body = re.sub(r"\buse\s+[^;]+;", "", text)
        body = re.sub(r"#\[(?:derive|diesel|cfg_attr)\((?:[^()]|\([^()]*\))*\)\]", "", body)
        body = re.sub(r"\b\w+(?:::\w+)+", "", body)  # path-qualified names need no import
        body = re.sub(r"#\[\s*\w+", "#[", body)  # attribute names (derive helpers) are not types
        used = {w for w in re.findall(r"(?<![\w:'])([A-Z]\w*)", body)}
        missing = sorted(used - defined - imported - KNOWN)
        if missing:
            bad_files += 1
            if len(sample) < 5:
                sample.append(f"{f.path}: {', '.join(missing[:6])}")
    return bad_files, sample


def _first_diff(a: Any, b: Any) -> str:
    from semgraph.rust.spec import dump_spec

    la, lb = dump_spec(a, "yaml").splitlines(), dump_spec(b, "yaml").splitlines()
    for i, (x, y) in enumerate(zip(la, lb, strict=False)):
        if x != y:
            return f"line {i + 1}: {x.strip()!r} != {y.strip()!r}"
    return f"lengths {len(la)} != {len(lb)}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="owner/name")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    for path in sorted(LABELS.glob("*.json")):
        labels = json.loads(path.read_text())
        pin = Pinned(labels["repo"], labels["commit"])
        if args.only and args.only != pin.repo:
            continue
        if not available(pin):
            print(f"skip {pin.repo}: no local mirror", file=sys.stderr)
            continue
        rows.append(measure(pin, labels))
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        for r in rows:
            print(f"== {r['repo']}@{r['commit']}")
            for k, v in r.items():
                if k not in {"repo", "commit"}:
                    print(f"  {k}: {v}")
    print("load average (1/5/15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()

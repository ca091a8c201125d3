"""Validation the framework does before the handler's code runs (or a validation call it makes):
WTForms ``validate_on_submit``, Django ``is_valid``, Spring ``@Valid``, pydantic request models in a
FastAPI signature, serde types deriving ``validator::Validate``, class-validator DTOs. The knowledge is
data: ``tables/validation.toml``."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from semgraph.analysis.codebase import TYPE_KINDS, Codebase
from semgraph.analysis.facts import function_facts


@dataclass(frozen=True)
class _Table:
    calls: re.Pattern[str]
    signature: re.Pattern[str]
    type_bases: re.Pattern[str]
    type_text: re.Pattern[str]


@functools.cache
def _table() -> _Table:
    data = tomllib.loads(resources.files("semgraph.analysis.tables").joinpath("validation.toml").read_text())
    return _Table(
        calls=re.compile("|".join(f"(?:{c})" for c in data["calls"])),
        signature=re.compile("|".join(f"(?:{c})" for c in data["signature"])),
        type_bases=re.compile(data["type_bases"]),
        type_text=re.compile(data["type_text"]),
    )


def framework_validation(cb: Codebase, step_ids: list[int]) -> str | None:
    """How the input of a workflow is validated before ``step_ids[-1]`` runs (the entry handler first),
    as a short reason; None when nothing says so."""
    t = _table()
    if not step_ids:
        return None
    entry = cb.symbols[step_ids[0]]
    if t.signature.search(entry.signature) or any(t.signature.search(d) for d in entry.decorators):
        return f"{entry.name} declares validated input ({t.signature.search(entry.signature + ' '.join(entry.decorators)).group(0)})"
    for sid in step_ids:
        for call in function_facts(cb, sid).calls:
            if t.calls.search(" ".join(call.callee.split())):
                return f"{cb.symbols[sid].name} calls {call.callee.strip()[:60]}"
    for name in set(re.findall(r"\b([A-Z]\w+)\b", entry.signature)):
        for i in cb.by_name.get(name, []):
            typ = cb.symbols[i]
            if typ.kind not in TYPE_KINDS:
                continue
            if any(t.type_bases.match(b.split(".")[-1].split("[")[0]) for b in cb.bases.get(i, [])):
                return f"{entry.name} takes {name}, a validated model ({', '.join(cb.bases.get(i, []))})"
            text = cb.text_of(i)
            head = "\n".join(cb.lines_of(typ.path)[max(0, typ.start_line - 6) : typ.start_line])
            if t.type_text.search(text) or t.type_text.search(head):
                return f"{entry.name} takes {name}, whose declaration validates its fields"
    return None

"""Business rules declared on input models rather than in guards.

A FastAPI handler ``async def sign_up(body: SignUp)`` validates ``SignUp``
before its body runs: ``password: str = Field(min_length=10)`` is the rule
"password length ≥ 10" and ``email: EmailStr`` is "email is a valid e-mail
address". The fields come from the index (FIELD symbols with their
declarations), the link from the handler's parameter annotations.
"""

from __future__ import annotations

import re

from semgraph.analysis.codebase import Codebase
from semgraph.analysis.facts import Rule

_MODEL_BASES = frozenset({"BaseModel", "pydantic.BaseModel", "Schema", "ninja.Schema", "SQLModel"})
_CONSTRAINTS = (
    ("min_length", "{name} length ≥ {v}"),
    ("max_length", "{name} length ≤ {v}"),
    ("ge", "{name} ≥ {v}"),
    ("gt", "{name} > {v}"),
    ("le", "{name} ≤ {v}"),
    ("lt", "{name} < {v}"),
    ("pattern", "{name} matches {v}"),
    ("regex", "{name} matches {v}"),
)
_TYPES = {
    "EmailStr": "{name} is a valid e-mail address",
    "HttpUrl": "{name} is a valid URL",
    "AnyUrl": "{name} is a valid URL",
    "PositiveInt": "{name} > 0",
    "NonNegativeInt": "{name} ≥ 0",
    "UUID": "{name} is a UUID",
}


def model_rules(cb: Codebase, symbol_id: int) -> list[tuple[Rule, str]]:
    """Rules (with their file:line) of the pydantic-style models a Python function takes as parameters."""
    sym = cb.symbols[symbol_id]
    if sym.language != "python":
        return []
    params = sym.signature.split("(", 1)[-1]
    out: list[tuple[Rule, str]] = []
    for type_name in dict.fromkeys(re.findall(r":\s*([A-Z]\w*)", params)):
        for cid in cb.by_name.get(type_name, []):
            cls = cb.symbols[cid]
            if cls.kind != "class" or not (set(cb.bases.get(cid, [])) & _MODEL_BASES):
                continue
            for fid in cb.children.get(cid, []):
                f = cb.symbols[fid]
                if f.kind == "field":
                    location = f"{f.path}:{f.start_line}"
                    out.extend((r, location) for r in _field_rules(f.name, f.signature, f.start_line))
            break
    return out


def _field_rules(name: str, declaration: str, line: int) -> list[Rule]:
    rules = []
    annotation = declaration.split(":", 1)[-1].split("=", 1)[0]
    for t, text in _TYPES.items():
        if re.search(rf"\b{t}\b", annotation):
            rules.append(Rule(rule=text.format(name=name), line=line, on_violation="HTTP 422 (request validation)"))
    default = declaration.split("=", 1)[1] if "=" in declaration else ""
    for key, text in _CONSTRAINTS:
        m = re.search(rf"\b{key}\s*=\s*([^,)]+)", default)
        if m:
            rules.append(
                Rule(
                    rule=text.format(name=name, v=m.group(1).strip()),
                    line=line,
                    on_violation="HTTP 422 (request validation)",
                )
            )
    return rules

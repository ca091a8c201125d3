"""One workflow step in depth: its code, callees, data touched, error paths and risks."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from semgraph.analysis.codebase import Codebase
from semgraph.analysis.facts import ErrorScenario, Rule, function_facts
from semgraph.analysis.roles import DATA_HANDLE_TYPES, HANDLE_OPS, function_roles
from semgraph.analysis.validation import framework_validation
from semgraph.analysis.workflows import Step, Workflow, find_workflow
from semgraph.errors import InvalidInputError

MAX_CODE_LINES = 80
MAX_CODE_CHARS = 6000


class Callee(BaseModel):
    target: str
    line: int
    symbol: str | None = Field(None, description="qualified name when the callee is in the project")
    library: bool


class DataAccess(BaseModel):
    entity: str = Field(description="table, model or repository the step touches")
    access: str  # read | write | delete
    line: int
    evidence: str


class Risk(BaseModel):
    kind: str
    message: str
    location: str
    hint: str


class StepAnalysis(BaseModel):
    workflow_id: str
    workflow: str
    step: Step
    steps_total: int
    code: str
    code_truncated: bool
    callees: list[Callee]
    data: list[DataAccess]
    business_rules: list[Rule]
    error_paths: list[ErrorScenario]
    risks: list[Risk]


_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+[\"`]?(\w+)", re.I)
_MODEL_ARG = re.compile(r"\b([A-Z]\w+)\b")
_TX = re.compile(
    r"(transaction\.atomic|\.transaction\(|\bBEGIN\b|begin_nested|\.begin\(\)|with_transaction|build_transaction)", re.I
)
_TX_DECORATOR = re.compile(r"Transactional|transaction\.atomic|^@?atomic\b")
"""Spring / Jakarta ``@Transactional`` and Django ``@transaction.atomic`` on the method or its class."""
_LOG_CALL = re.compile(r"(^logger\.|^logging\.|^log\.|^console\.|^print$|println!|tracing::|^info!|^debug!)")
_SECRET_WORD = re.compile(r"\b(password|passwd|secret|token|api_key|card_token|cvv)\b", re.I)


def _data_access(cb: Codebase, sid: int) -> list[DataAccess]:
    facts = function_facts(cb, sid)
    model_names = cb.__dict__.get("_model_names")
    if model_names is None:
        model_names = {s.name for s in cb.symbols.values() if s.kind in {"class", "struct"}}
        cb.__dict__["_model_names"] = model_names
    out: list[DataAccess] = []
    for line, s in facts.strings:
        m = re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", s, re.I)
        if m:
            access = {"SELECT": "read", "WITH": "read", "DELETE": "delete"}.get(m.group(1).upper(), "write")
            for t in _TABLE.findall(s):
                out.append(DataAccess(entity=t, access=access, line=line, evidence=f"SQL {m.group(1).upper()}"))
    for call in facts.calls:
        callee = call.callee
        objects = re.match(r"([A-Z]\w*)\.objects\.(\w+)", callee)
        diesel = re.search(r"(\w+)::table", callee + call.args)
        if objects:
            op = objects.group(2)
            access = (
                "write" if op in {"create", "bulk_create", "update", "update_or_create", "get_or_create"} else "read"
            )
            access = "delete" if op == "delete" or callee.endswith(".delete") else access
            out.append(DataAccess(entity=objects.group(1), access=access, line=call.line, evidence=f"ORM {callee}"))
        elif diesel and re.search(r"(insert_into|update|delete|first|load|get_result|execute|filter|find)", callee):
            access = "write" if re.search(r"insert_into|update", callee) else "read"
            access = "delete" if "delete" in callee else access
            out.append(
                DataAccess(entity=diesel.group(1), access=access, line=call.line, evidence=f"Diesel {callee[:60]}")
            )
        elif (handle := re.match(r"^((?:self|this)\.(\w+))\.(\w+)$", callee)) and cb.receiver_type(
            sid, handle.group(1)
        ) in DATA_HANDLE_TYPES:
            op = handle.group(3)
            access = next(
                (
                    {"lookup": "read", "persist": "write", "delete": "delete"}[r]
                    for r, pat in HANDLE_OPS
                    if pat.match(op)
                ),
                None,
            )
            if access is not None:
                entity = _handle_entity(cb, sid, handle.group(2))
                out.append(
                    DataAccess(entity=entity, access=access, line=call.line, evidence=f"{callee} on a database handle")
                )
        elif re.fullmatch(r"[a-z_]\w*\.(save|delete)", callee) and not call.args.strip("() "):
            var, op = callee.split(".")
            out.append(
                DataAccess(
                    entity=var,
                    access="write" if op == "save" else "delete",
                    line=call.line,
                    evidence=f"{callee}() on a loaded record",
                )
            )
        elif re.search(r"session\.(query|get|add|delete|merge)", callee):
            access = {"add": "write", "merge": "write", "delete": "delete"}.get(
                re.search(r"session\.(\w+)", callee).group(1), "read"
            )
            models = [m for m in _MODEL_ARG.findall(call.args) if m in model_names]
            entity = models[0] if models else "(session object)"
            out.append(DataAccess(entity=entity, access=access, line=call.line, evidence=f"SQLAlchemy {callee[:60]}"))
    unique: dict[tuple[str, str], DataAccess] = {}
    for d in out:
        unique.setdefault((d.entity, d.access), d)
    return sorted(unique.values(), key=lambda d: d.line)


def _handle_entity(cb: Codebase, sid: int, field: str) -> str:
    """``users: Repository<User>`` → User; otherwise the field name."""
    owner = cb.owner_type(sid)
    ctor = cb.constructor_of(owner) if owner is not None else None
    text = cb.symbols[ctor].signature if ctor is not None else ""
    m = re.search(rf"\b{re.escape(field)}\s*:\s*\w+<\s*(\w+)\s*>", text)
    return m.group(1) if m else field


def _risks(cb: Codebase, wf: Workflow, step: Step) -> list[Risk]:
    sid = step.symbol_id
    facts = function_facts(cb, sid)
    roles = set(function_roles(cb, sid).roles)
    sym = cb.symbols[sid]
    out: list[Risk] = []
    earlier = wf.steps[: step.number - 1]
    validated = any(s.role in {"validate_input", "duplicate_check"} or "validate_input" in s.roles for s in earlier)
    validated = validated or framework_validation(cb, [s.symbol_id for s in wf.steps[: step.number]]) is not None
    if "persist" in roles and not validated and not any(g.fails for g in facts.guards):
        out.append(
            Risk(
                kind="no_validation_before_persist",
                message="the step writes to the database and no earlier step validates the input",
                location=step.location,
                hint="validate (types, ranges, uniqueness) before the write, ideally in one validation step",
            )
        )
    subtree = [step]
    for s in wf.steps[step.number :]:
        if s.depth <= step.depth:
            break
        subtree.append(s)
    writes = [s for s in subtree if {"persist", "delete"} & set(s.roles)]
    texts = [function_facts(cb, s.symbol_id).text for s in subtree] + [function_facts(cb, wf.steps[0].symbol_id).text]
    declared = [s.symbol_id for s in subtree] + [wf.steps[0].symbol_id]
    declared += [o for o in (cb.owner_type(i) for i in list(declared)) if o is not None]
    in_tx = any(_TX_DECORATOR.search(d) for i in declared for d in cb.symbols[i].decorators)
    if len(writes) >= 2 and not in_tx and not any(_TX.search(t) for t in texts):
        out.append(
            Risk(
                kind="no_transaction_around_writes",
                message=f"{len(writes)} writes ({', '.join(w.symbol.split('.')[-1].split('::')[-1] for w in writes[:4])}) "
                "run without a surrounding transaction",
                location=step.location,
                hint="wrap the writes in one transaction so a failure cannot leave half of them applied",
            )
        )
    for call in facts.calls:
        if _LOG_CALL.search(call.callee) and _SECRET_WORD.search(call.args):
            out.append(
                Risk(
                    kind="secret_logged",
                    message=f"{call.callee} logs a value named like a secret",
                    location=f"{sym.path}:{call.line}",
                    hint="never log secrets; log an id or a masked value",
                )
            )
        if re.match(r"(requests|httpx)\.(get|post|put|delete|patch)$", call.callee) and "timeout" not in call.args:
            out.append(
                Risk(
                    kind="external_call_without_timeout",
                    message=f"{call.callee} without a timeout can hang the request",
                    location=f"{sym.path}:{call.line}",
                    hint="pass timeout=… and handle the timeout error",
                )
            )
        if call.in_loop and re.search(r"(session|objects|query|execute|::table|\.save$|\.get$|\.find)", call.callee):
            out.append(
                Risk(
                    kind="query_in_loop",
                    message=f"{call.callee.split('(')[0]} runs once per loop iteration",
                    location=f"{sym.path}:{call.line}",
                    hint="batch the reads/writes (IN (...), bulk insert, select_related)",
                )
            )
        if sym.language == "rust" and re.search(r"\.(unwrap|expect)$", call.callee):
            out.append(
                Risk(
                    kind="unwrap_on_request_path",
                    message=f"{call.callee.split('.')[-1]}() panics on failure instead of returning an error",
                    location=f"{sym.path}:{call.line}",
                    hint="use ? and map the error to a response",
                )
            )
    handled = any(e.kind in {"exception", "err", "http"} for e in facts.errors) or re.search(
        r"(try|except|catch|map_err|\?)", facts.text
    )
    if "charge_payment" in roles and not handled:
        out.append(
            Risk(
                kind="unhandled_payment_failure",
                message="the payment call's failure is not handled here",
                location=step.location,
                hint="catch gateway errors and map them to a clear business error",
            )
        )
    unique: dict[tuple[str, str], Risk] = {}
    for r in out:
        unique.setdefault((r.kind, r.location), r)
    return list(unique.values())


def analyze_workflow_step(cb: Codebase, workflow_id: str, step_number: int) -> StepAnalysis:
    wf = find_workflow(cb, workflow_id)
    if step_number < 1 or step_number > len(wf.steps):
        raise InvalidInputError(
            f"step_number {step_number} is out of range: workflow {workflow_id} has {len(wf.steps)} steps",
            hint=f"pass 1..{len(wf.steps)}",
        )
    step = wf.steps[step_number - 1]
    sid = step.symbol_id
    text = cb.text_of(sid)
    lines = text.splitlines()
    truncated = len(lines) > MAX_CODE_LINES or len(text) > MAX_CODE_CHARS
    code = "\n".join(lines[:MAX_CODE_LINES])[:MAX_CODE_CHARS]
    callees = []
    for c in cb.calls.get(sid, [])[:60]:
        if c.kind != "calls":
            continue
        dst = cb.symbols.get(c.dst) if c.dst is not None else None
        callees.append(
            Callee(target=c.target, line=c.line, symbol=dst.qualified_name if dst else None, library=dst is None)
        )
    facts = function_facts(cb, sid)
    return StepAnalysis(
        workflow_id=wf.id,
        workflow=wf.name,
        step=step,
        steps_total=len(wf.steps),
        code=code,
        code_truncated=truncated,
        callees=callees,
        data=_data_access(cb, sid),
        business_rules=facts.rules,
        error_paths=facts.errors,
        risks=_risks(cb, wf, step),
    )

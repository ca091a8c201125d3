"""Business workflows: trace the call graph from each entry point and classify it.

A trace is a depth-first walk over resolved calls in source order (bounded
depth and step count). Each step gets a role from what it does
(``roles.function_roles``); the workflow type comes from the roles the whole
trace shows (behaviour gates: a registration must hash a secret and create a
record, an authentication must verify a secret, …); names only add weight.
Business rules come from failing guards, error scenarios from raises /
``Err`` / HTTP error responses.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from semgraph.analysis.codebase import CALLABLE_KINDS, Codebase, words_of
from semgraph.analysis.dispatch import dispatch_targets
from semgraph.analysis.entrypoints import _TEST_PATH, EntryPoint, entry_id, find_entry_points, resolve_handler
from semgraph.analysis.facts import ErrorScenario, Rule, function_facts
from semgraph.analysis.mounts import js_import_origin, split_args
from semgraph.analysis.roles import ROLES, function_roles
from semgraph.analysis.schemas import model_rules
from semgraph.cache import once
from semgraph.errors import InvalidInputError, NotFoundError

WORKFLOW_TYPES: dict[str, str] = {
    "user_registration": "User registration",
    "authentication": "Authentication",
    "password_reset": "Password reset",
    "payment_processing": "Payment / checkout",
    "order_fulfilment": "Order fulfilment",
    "data_import": "Data import / validation",
    "report_generation": "Report generation",
    "notification_delivery": "Notification delivery",
    "crud": "CRUD",
    "custom": "Custom",
}

PRIORITY = [
    "payment_processing",
    "authentication",
    "password_reset",
    "user_registration",
    "order_fulfilment",
    "data_import",
    "report_generation",
    "notification_delivery",
    "crud",
    "custom",
]
"""When several types' behaviour is present, the most specific wins (a checkout also sends mail)."""

MAX_DEPTH = 8
MAX_STEPS = 40
_CONSTRUCTORS = {"__init__", "constructor", "new", "__new__"}
_GENERIC_VIEWS = re.compile(
    r"\b(DetailView|ListView|CreateView|UpdateView|DeleteView|FormView|ModelViewSet|ReadOnlyModelViewSet|"
    r"GenericViewSet|GenericAPIView|ListAPIView|RetrieveAPIView|CreateAPIView|ListCreateAPIView|"
    r"RetrieveUpdateDestroyAPIView)\b"
)


class Step(BaseModel):
    number: int
    symbol_id: int
    symbol: str
    location: str
    role: str
    roles: list[str] = Field(default_factory=list, description="every role this step shows (behaviour evidence)")
    depth: int
    preconditions: list[str] = Field(default_factory=list)
    postconditions: list[str] = Field(default_factory=list)


class LocatedRule(Rule):
    symbol: str
    location: str


class LocatedError(ErrorScenario):
    symbol: str
    location: str


class Workflow(BaseModel):
    id: str
    name: str
    type: str
    confidence: float
    evidence: list[str]
    entry_points: list[EntryPoint]
    steps: list[Step]
    business_rules: list[LocatedRule]
    error_scenarios: list[LocatedError]
    exit_points: list[str]
    mermaid: str
    truncated: bool = Field(False, description="the trace hit the depth or step bound, or the step list was cut")
    steps_total: int = Field(0, description="steps in the full trace (the list may be cut or omitted)")


_POST = {
    "hash_secret": "secret is stored only as a hash",
    "verify_secret": "caller is authenticated",
    "issue_token": "session / access token issued",
    "generate_token": "one-time token generated",
    "persist": "record written",
    "delete": "record deleted",
    "charge_payment": "payment charged",
    "send_notification": "notification sent",
    "enqueue_job": "job / event published",
    "update_status": "status advanced",
    "record_payment": "payment recorded",
    "adjust_stock": "stock adjusted",
    "render_output": "document rendered",
    "aggregate": "totals computed",
    "parse_input": "input parsed",
    "lookup": "record loaded",
    "duplicate_check": "no existing record with the same key",
    "validate_input": "input is valid",
    "audit_log": "event recorded",
    "external_call": "external service called",
}


@dataclass
class _Trace:
    steps: list[tuple[int, int]]  # (symbol id, depth)
    truncated: bool


def trace_calls(
    cb: Codebase,
    start: int,
    *,
    max_depth: int = MAX_DEPTH,
    max_steps: int = MAX_STEPS,
    stop: frozenset[int] = frozenset(),
) -> _Trace:
    """Breadth-first, relevance-ordered walk over resolved calls, handler tables and deferred calls
    (each symbol once), shown in call order.

    The ``max_steps`` budget goes first to shallow calls and to calls that do business work (a write,
    a hash, a charge, a sent message) or lead to it, so a deep chain still reaches its database write
    where a depth-first walk spent the budget on the first helper's subtree. ``stop`` holds other entry
    points: a ``main`` that dispatches to CLI handlers does not swallow their workflows.
    """
    seen = {start} | set(stop)
    kids: dict[int, list[tuple[tuple[int, int, int], int]]] = {start: []}
    depth_of = {start: 0}
    heap: list[tuple[int, int, int, int, int, tuple[int, int, int]]] = []
    counter = 0
    truncated = False
    budget = [_SINK_NODES]

    def _tier(dst: int, depth: int) -> int:
        """0 for a callee that does business work or leads to it within the depth left, else 1."""
        return 0 if _sink_distance(cb, dst, max_depth - depth, budget) <= max_depth - depth else 1

    def push(parent: int, depth: int) -> None:
        nonlocal counter, truncated
        if depth >= max_depth:
            if any(t not in seen for _, _, t in _callees(cb, parent)):
                truncated = True
            return
        for line, col, dst in _callees(cb, parent):
            if dst in seen:
                continue
            counter += 1
            heapq.heappush(heap, (_tier(dst, depth + 1), depth + 1, counter, dst, parent, (line, col, counter)))

    push(start, 0)
    count = 1
    while heap:
        _, depth, _, dst, parent, pos = heapq.heappop(heap)
        if dst in seen:
            continue
        if count >= max_steps:
            truncated = True
            break
        seen.add(dst)
        sym = cb.symbols[dst]
        if sym.name in _CONSTRUCTORS and not function_roles(cb, dst).roles:
            push(dst, depth - 1)  # a plain constructor is transparent: what it calls hangs off its caller
            _reparent(heap, dst, parent)
            continue
        impls = [i for i in _implementing_methods(cb, dst) if i not in seen]
        if impls:  # a bodiless interface / trait method runs an implementation: the step is that
            for impl in impls:
                counter += 1
                heapq.heappush(heap, (_tier(impl, depth), depth, counter, impl, parent, (*pos[:2], counter)))
            continue
        kids.setdefault(parent, []).append((pos, dst))
        kids.setdefault(dst, [])
        depth_of[dst] = depth
        count += 1
        push(dst, depth)
    out: list[tuple[int, int]] = []
    stack = [start]
    while stack:  # call order: each function's callees by call position, depth-first over the chosen set
        sid = stack.pop()
        out.append((sid, depth_of[sid]))
        stack.extend(d for _, d in sorted(kids.get(sid, []), reverse=True))
    return _Trace(out, truncated)


def _reparent(heap: list, old: int, new: int) -> None:
    """Callees queued under a transparent constructor belong to its caller."""
    for i, item in enumerate(heap):
        if item[4] == old:
            heap[i] = (*item[:4], new, item[5])


def _callees(cb: Codebase, sid: int) -> list[tuple[int, int, int]]:
    """``(line, col, target)`` of what ``sid`` runs: resolved calls, functions handed to schedulers or
    passed as values, and handlers of a table it looks up; project callables only, tests left out."""
    cache = cb.__dict__.setdefault("_trace_callees", {})
    got = cache.get(sid)
    if got is not None:
        return got
    targets = [
        (c.line, c.col, c.dst if c.dst is not None else _imported_callee(cb, sid, c)) for c in cb.calls.get(sid, [])
    ]
    targets = [t for t in targets if t[2] is not None]
    targets += [t for t in deferred_calls(cb, sid) if t[2] is not None]
    targets += dispatch_targets(cb, sid)
    targets.sort(key=lambda t: (t[0], t[1]))
    out = []
    in_tests = bool(_TEST_PATH.search(cb.symbols[sid].path))
    for line, col, dst in targets:
        sym = cb.symbols.get(dst)
        if sym is None or sym.kind not in CALLABLE_KINDS or sym.is_test or dst == sid:
            continue
        if not in_tests and _TEST_PATH.search(sym.path):  # application code never calls into its test helpers
            continue
        out.append((line, col, dst))
    cache[sid] = out
    return out


def _imported_callee(cb: Codebase, sid: int, site) -> int | None:
    """``userService.createUser()`` left unresolved because several files define ``createUser``: the
    receiver is a module the file imports (through a barrel ``index.js``), so its function is meant."""
    sym = cb.symbols[sid]
    if sym.language not in {"javascript", "typescript", "tsx"} or not re.fullmatch(r"[\w$]+", site.receiver or ""):
        return None
    origin = js_import_origin(cb, sym.path, site.receiver)
    if origin is None:
        return None
    fid = cb.by_path.get(origin)
    hits = [
        i
        for i in cb.by_name.get(site.name, [])
        if cb.symbols[i].file_id == fid and cb.symbols[i].kind in CALLABLE_KINDS
    ]
    return hits[0] if len(hits) == 1 else None


_BUSINESS = frozenset(
    {
        "persist",
        "delete",
        "charge_payment",
        "hash_secret",
        "verify_secret",
        "send_notification",
        "issue_token",
        "record_payment",
        "update_status",
        "adjust_stock",
        "parse_input",
    }
)
_FAR = 99
_SINK_NODES = 4000
"""Functions a relevance look-ahead may visit per trace: beyond that a callee counts as a plain helper."""


def _sink_distance(cb: Codebase, sid: int, limit: int, budget: list[int]) -> int:
    """Calls from ``sid`` to the nearest function doing business work (0 = itself), up to ``limit``;
    ``_FAR`` when none is that close (or the look-ahead budget ran out). Memoised per index."""
    memo: dict[int, tuple[int, int]] = cb.__dict__.setdefault("_sink_distance", {})
    got = memo.get(sid)
    if got is not None and (got[0] <= limit or got[1] >= limit):
        return got[0] if got[0] <= limit else _FAR
    if set(function_roles(cb, sid).roles) & _BUSINESS:
        memo[sid] = (0, limit)
        return 0
    best = _FAR
    if limit > 0 and budget[0] > 0:
        memo[sid] = (_FAR, 1 << 30)  # in progress: a cycle back here leads nowhere new
        for _, _, dst in _callees(cb, sid):
            budget[0] -= 1
            if budget[0] <= 0:
                break
            d = _sink_distance(cb, dst, limit - 1, budget)
            best = min(best, d + 1)
            if best == 1:
                break
    memo[sid] = (best, limit if budget[0] > 0 else -1)
    return best


def _implementing_methods(cb: Codebase, sid: int) -> list[int]:
    """The same-named methods of the implementations, when ``sid`` is a bodiless interface / trait method."""
    owner = cb.owner_type(sid)
    if owner is None or cb.calls.get(sid):
        return []
    kind = cb.symbols[owner].kind
    abstract = kind == "class" and re.match(r"\s*(?:public\s+|protected\s+)?abstract\b", cb.symbols[sid].signature)
    if kind not in {"interface", "trait"} and not abstract:
        return []
    impls = cb.implementations(owner)
    if not impls or len(impls) > _MAX_DISPATCH:
        return []  # a trait every type implements (Display, Default) says nothing about this workflow
    name = cb.symbols[sid].name
    by_owner: dict[int, int] = {}
    for i in cb.by_name.get(name, []):
        if i != sid and cb.symbols[i].kind in CALLABLE_KINDS:
            o = cb.owner_type(i)
            if o is not None:
                by_owner.setdefault(o, i)
    return [by_owner[t] for t in impls if t in by_owner]


_MAX_DISPATCH = 4
"""Implementations followed through an interface call; more means a general-purpose trait."""


_DEFER = re.compile(
    r"^(add_task|submit|spawn|spawn_blocking|create_task|ensure_future|apply_async|run_in_executor|enqueue|"
    r"call_soon|call_later|start_soon|setTimeout|setImmediate|nextTick|Thread|Process)$"
)


def deferred_calls(cb: Codebase, sid: int) -> list[tuple[int, int, int | None]]:
    """Functions handed to a scheduler (``tasks.add_task(send_receipt, …)``, ``Thread(target=f)``,
    ``setTimeout(f)``): they run as part of the workflow although no call site names them."""
    out: list[tuple[int, int, int | None]] = []
    sym = cb.symbols[sid]
    for call in function_facts(cb, sid).calls:
        if not _DEFER.match(re.split(r"[.:]", call.callee)[-1]):
            out.extend(_function_arguments(cb, sym, call.line, call.col, call.args))
            continue
        args = call.args.strip()
        args = args[1:-1] if args.startswith("(") else args
        m = re.match(r"\s*(?:target\s*=\s*)?([A-Za-z_][\w.]*)\s*(?:,|$)", args) or re.search(
            r"\btarget\s*=\s*([A-Za-z_][\w.]*)", args
        )
        if not m:
            continue
        name = m.group(1).split(".")[-1]
        cands = [
            cb.symbols[i]
            for i in cb.by_name.get(name, [])
            if cb.symbols[i].kind in CALLABLE_KINDS and cb.symbols[i].language == sym.language
        ]
        same = [c for c in cands if c.file_id == sym.file_id]
        pick = same if same else cands
        if len(pick) == 1:
            out.append((call.line, call.col, pick[0].id))
    return out


_ARG_NAME = re.compile(r"^\s*&?\s*([A-Za-z_][\w]*(?:(?:\.|::)[A-Za-z_]\w*)*)\s*$")


def _function_arguments(cb: Codebase, sym, line: int, col: int, args: str) -> list[tuple[int, int, int | None]]:
    """A project function handed over as a value (``process_request(&state, input, register_user_service)``,
    ``handlers.run(on_paid)``): the callee runs it, so the workflow does. Only names the file imports or
    defines as functions count, never local variables."""
    inner = args.strip()
    inner = inner[1:-1] if inner.startswith("(") and inner.endswith(")") else inner
    if not inner or ("(" in inner and inner.count(",") == 0):
        return []
    imported = {alias or name for _, name, alias, _ in cb.import_rows.get(sym.file_id, [])}
    local_fns = {cb.symbols[i].name for i in cb.by_file.get(sym.file_id, []) if cb.symbols[i].kind == "function"}
    out: list[tuple[int, int, int | None]] = []
    for arg in split_args(inner, "([{<", ")]}>"):
        m = _ARG_NAME.match(arg)
        if not m:
            continue
        head = re.split(r"\.|::", m.group(1))[0]
        name = re.split(r"\.|::", m.group(1))[-1]
        if head not in imported and name not in local_fns:
            continue
        target = resolve_handler(cb, sym.path, m.group(1))
        if target is not None and target.kind in CALLABLE_KINDS and target.id != sym.id:
            out.append((line, col + 1, target.id))
    return out


# -------------------------------------------------------------- classification
_OAUTH = re.compile(
    r"verifyIdToken|verify_oauth2_token|verify_id_token|id_token|authorize_access_token|OAuth|getToken|"
    r"CodeExchange|\.Exchange\b|fetch_token|fetch_access_token|\boauth2?\.(?:Token|Client)\b"
)
"""An identity proof from an OAuth / SSO provider: sign-in, even when the flow also updates the user."""


_TOKEN_WORDS = frozenset({"token", "tokens", "session", "sessions", "refresh"})


def _classify(cb: Codebase, entry: EntryPoint, steps: list[tuple[int, int]]) -> tuple[str, float, list[str]]:
    roles: dict[str, list[str]] = {}
    for sid, _ in steps:
        ev = function_roles(cb, sid)
        for role, why in ev.roles.items():
            roles.setdefault(role, []).append(f"{cb.symbols[sid].name} {why}")
    names: set[str] = set(words_of(entry.path)) | set(words_of(cb.symbols[entry.handler_id].name))
    for sid, _ in steps[1:]:
        names |= set(words_of(cb.symbols[sid].name))
    for table in _sql_tables(cb, steps):  # `INSERT INTO password_reset_tokens`: the data names the flow
        names |= set(words_of(table))
    has = roles.__contains__

    def ev(*rs: str) -> list[str]:
        return [f"{r}: {roles[r][0]}" for r in rs if r in roles]

    def named(*words: str) -> bool:
        return bool(names & set(words))

    candidates: list[tuple[str, float, list[str]]] = []
    creates = has("persist")
    pay_words = named("checkout", "pay", "payment", "charge", "purchase", "invoice")
    if has("charge_payment"):
        score = 0.7 + 0.1 * creates + 0.1 * pay_words
        candidates.append(("payment_processing", score, ev("charge_payment", "record_payment", "persist")))
    elif has("record_payment") and pay_words:
        # no gateway call in the code, but the flow records the payment (status → paid)
        candidates.append(("payment_processing", 0.65, ev("record_payment", "persist", "validate_input")))
    change_words = named("change", "update", "edit", "profile", "patch")
    oauth = any(_OAUTH.search(why) for why in roles.get("verify_secret", []))
    changes_secret = has("verify_secret") and has("hash_secret") and creates and not oauth
    if changes_secret:
        # the current secret is checked and a new hash stored: a credential change, not a sign-in or sign-up
        candidates.append(("crud", 0.7, [*ev("verify_secret", "hash_secret", "persist"), "changes a stored password"]))
    elif has("verify_secret") and change_words and not has("issue_token") and not oauth:
        # the password confirms an account change (new e-mail address): no sign-in
        candidates.append(("crud", 0.6, [*ev("verify_secret", "persist", "lookup"), "confirms an account change"]))
    elif has("verify_secret"):
        score = (
            0.65
            + 0.15 * (has("issue_token"))
            + 0.1 * has("lookup")
            + 0.1 * named("login", "signin", "auth", "authenticate")
        )
        candidates.append(("authentication", score, ev("verify_secret", "issue_token", "lookup")))
    login_words = named("login", "signin", "auth", "authenticate", "token", "session")
    reset_words = named("reset", "forgot", "recover", "recovery")
    # storing the issued (refresh) token is part of signing in, not a record the flow creates
    creates_other = any(not (set(words_of(w.split(" ", 1)[0])) & _TOKEN_WORDS) for w in roles.get("persist", []))
    if (
        has("issue_token")
        and has("lookup")
        and login_words
        and not (has("verify_secret") or creates_other or has("delete") or reset_words or named("logout", "signout"))
    ):
        # credentials checked by the query itself (WHERE username = ? AND password = ?), then a token issued
        candidates.append(("authentication", 0.6, ev("issue_token", "lookup")))
    # a reset needs reset wording: a mailed confirmation token or a stored API token is no password reset
    if (
        reset_words
        and not has("verify_secret")
        and (
            has("generate_token")
            or has("issue_token")
            or has("hash_secret")
            or has("send_notification")
            or (creates and named("password"))
        )
    ):
        score = 0.6 + 0.15 * has("send_notification") + 0.1 * has("lookup") + 0.15 * reset_words
        candidates.append(("password_reset", score, ev("generate_token", "hash_secret", "send_notification", "lookup")))
    if has("hash_secret") and creates and not has("verify_secret") and not reset_words and not change_words:
        score = 0.6 + 0.1 * has("validate_input") + 0.1 * has("duplicate_check") + 0.1 * has("send_notification")
        score += 0.1 * named("register", "signup", "sign", "join", "account")
        candidates.append(
            (
                "user_registration",
                score,
                ev("hash_secret", "persist", "validate_input", "duplicate_check", "send_notification"),
            )
        )
    if has("update_status") or has("adjust_stock"):
        score = 0.6 + 0.1 * has("update_status") + 0.1 * has("adjust_stock") + 0.1 * has("send_notification")
        score += 0.1 * named("ship", "fulfil", "fulfill", "dispatch", "deliver")
        candidates.append(
            ("order_fulfilment", score, ev("update_status", "adjust_stock", "persist", "send_notification"))
        )
    if has("parse_input") and creates:
        score = 0.7 + 0.1 * has("validate_input") + 0.1 * named("import", "upload", "ingest", "load")
        candidates.append(("data_import", score, ev("parse_input", "validate_input", "persist")))
    if (has("aggregate") or has("render_output")) and not creates and not has("send_notification"):
        score = (
            0.6
            + 0.15 * has("aggregate")
            + 0.15 * has("render_output")
            + 0.1 * named("report", "export", "stats", "summary")
        )
        candidates.append(("report_generation", score, ev("aggregate", "render_output", "lookup")))
    if has("send_notification") and not has("hash_secret"):
        score = 0.6 + 0.2 * named(
            "notify", "notification", "remind", "reminder", "digest", "newsletter", "alert", "confirmation"
        )
        score += 0.1 * _notifies_in_loop(cb, steps)
        candidates.append(("notification_delivery", score, ev("send_notification", "lookup")))
    data_ops = [r for r in ("persist", "delete", "lookup") if has(r)]
    generic = any(_GENERIC_VIEWS.search(b) for b in cb.bases.get(entry.handler_id, []))
    written = _written_tables(cb, steps)
    rules = sum(1 for sid, _ in steps for g in function_facts(cb, sid).guards if g.fails)
    if not candidates and len(written) >= 2 and rules >= 2 and not generic:
        # several tables changed together under business rules: an operation of its own, not the CRUD of a resource
        return (
            "custom",
            0.6,
            [f"writes {len(written)} tables ({', '.join(sorted(written)[:4])}) under {rules} business rules"],
        )
    if data_ops or generic:
        score = 0.55 + 0.1 * len(data_ops) + (0.2 if generic else 0.0)
        extra = [f"class-based generic view ({', '.join(cb.bases.get(entry.handler_id, []))})"] if generic else []
        candidates.append(("crud", min(score, 0.85), ev(*data_ops) + extra))
    if not candidates:
        return "custom", 0.3, ["no business behaviour found (no secret, payment, notification or data access)"]
    priority = PRIORITY
    candidates.sort(key=lambda c: priority.index(c[0]))
    best = candidates[0]
    return best[0], round(min(best[1], 0.99), 2), best[2]


_WRITE_SQL = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"`]?(\w+)", re.I)


def _written_tables(cb: Codebase, steps: list[tuple[int, int]]) -> set[str]:
    """Tables the trace writes with SQL, and models it writes through ``Model.objects`` (a cheap lower bound)."""
    out: set[str] = set()
    for sid, _ in steps:
        facts = function_facts(cb, sid)
        for _, text in facts.strings:
            m = _WRITE_SQL.match(text)
            if m:
                out.add(m.group(1).lower())
        for call in facts.calls:
            m = re.match(r"([A-Z]\w*)\.objects\.(create|bulk_create|update|update_or_create|delete)", call.callee)
            if m:
                out.add(m.group(1).lower())
    return out


_SQL_TABLE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|FROM|JOIN)\s+[\"`]?(\w+)", re.I)
_SQL_START = re.compile(r"^\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.I)


def _sql_tables(cb: Codebase, steps: list[tuple[int, int]]) -> set[str]:
    """Tables named by the SQL the trace sends (reads and writes)."""
    out: set[str] = set()
    for sid, _ in steps:
        for _, text in function_facts(cb, sid).strings:
            if _SQL_START.match(text):
                out.update(t.lower() for t in _SQL_TABLE.findall(text))
    return out


def _notifies_in_loop(cb: Codebase, steps: list[tuple[int, int]]) -> bool:
    for sid, _ in steps:
        facts = function_facts(cb, sid)
        for call in facts.calls:
            if call.in_loop and re.search(r"mail|notify|send", call.callee, re.I):
                return True
    return False


# ---------------------------------------------------------------- workflow
def _duplicate_checks(cb: Codebase, steps: list[tuple[int, int]]) -> set[int]:
    """Lookup steps whose caller fails when the record exists (``if find(...) is not None: raise``)."""
    out: set[int] = set()
    for sid, _ in steps:
        facts = function_facts(cb, sid)
        positive = [
            g
            for g in facts.guards
            if g.fails
            and not re.match(r"^(not |!)", g.condition)
            and not re.search(r"is None|== None|is_none\(\)", g.condition)
        ]
        if not positive:
            continue
        for call in cb.calls.get(sid, []):
            if call.dst is None:
                continue
            if "lookup" not in function_roles(cb, call.dst).roles:
                continue
            for g in positive:
                if call.name in g.condition or (call.line < g.line and re.fullmatch(r"[\w.]+", g.condition)):
                    out.add(call.dst)
        if "lookup" in function_roles(cb, sid).roles and any(
            re.search(r"exists\(\)|is_some\(\)|is not None", g.condition) for g in positive
        ):
            out.add(sid)
    return out


def build_workflow(cb: Codebase, entry: EntryPoint, stop: frozenset[int] = frozenset()) -> Workflow:
    tr = trace_calls(cb, entry.handler_id, stop=stop - {entry.handler_id})
    wtype, confidence, evidence = _classify(cb, entry, tr.steps)
    dups = _duplicate_checks(cb, tr.steps)
    steps: list[Step] = []
    rules: list[LocatedRule] = []
    errors: list[LocatedError] = []
    for n, (sid, depth) in enumerate(tr.steps, start=1):
        sym = cb.symbols[sid]
        ev = function_roles(cb, sid)
        role = "duplicate_check" if sid in dups else ev.primary()
        if n == 1:
            role = "entry"
        facts = function_facts(cb, sid)
        declared = model_rules(cb, sid)
        step_rules = [r for r, _ in declared] + facts.rules
        loc = cb.location(sid)
        for r, where in declared:
            rules.append(LocatedRule(**r.model_dump(), symbol=sym.qualified_name, location=where))
        for r in facts.rules:
            rules.append(LocatedRule(**r.model_dump(), symbol=sym.qualified_name, location=f"{sym.path}:{r.line}"))
        for e in facts.errors:
            errors.append(LocatedError(**e.model_dump(), symbol=sym.qualified_name, location=f"{sym.path}:{e.line}"))
        post = [_POST[r] for r in ([role] if role in _POST else []) + ev.all() if r in _POST]
        steps.append(
            Step(
                number=n,
                symbol_id=sid,
                symbol=sym.qualified_name,
                location=loc,
                role=role,
                roles=ev.all(),
                depth=depth,
                preconditions=[r.rule for r in step_rules][:5],
                postconditions=list(dict.fromkeys(post))[:5],
            )
        )
    exits = _exit_points(cb, entry)
    name = f"{WORKFLOW_TYPES[wtype]}: {_entry_label(entry)}"
    wf = Workflow(
        id=entry_id(entry, wtype),
        name=name,
        type=wtype,
        confidence=confidence,
        evidence=evidence,
        entry_points=[entry],
        steps=steps,
        business_rules=rules[:30],
        error_scenarios=errors[:30],
        exit_points=exits,
        mermaid="",
        truncated=tr.truncated,
        steps_total=len(steps),
    )
    wf.mermaid = mermaid(wf)
    return wf


def _entry_label(entry: EntryPoint) -> str:
    short = entry.handler.replace("::", ".").split(".")[-1]
    if entry.kind == "http":
        return f"{entry.method} {entry.path} → {short}"
    if entry.kind == "cli":
        return f"command {entry.path} → {short}"
    if entry.kind == "message":
        return f"message {entry.path or short} → {short}".replace("message  ", "message ")
    return f"main → {short}"


_OK_STATUS = re.compile(
    r"(?:status\(\s*|status\s*=\s*|,\s*)(2\d\d)\b|HttpResponse::(Ok|Created|Accepted|NoContent)\(\)"
)


def _exit_points(cb: Codebase, entry: EntryPoint) -> list[str]:
    facts = function_facts(cb, entry.handler_id)
    sym = cb.symbols[entry.handler_id]
    out: list[str] = []
    for i, line in enumerate(facts.text.splitlines()):
        m = _OK_STATUS.search(line)
        if m:
            out.append(f"success {m.group(1) or m.group(2)} at {sym.path}:{sym.start_line + i}")
    for e in facts.errors:
        out.append(f"error {e.error} at {sym.path}:{e.line}")
    if not out:
        out.append(f"return of {sym.name} at {sym.path}:{sym.end_line}")
    return out[:10]


def _mid(text: str) -> str:
    return re.sub(r'["\[\]{}()<>|#;]', " ", text).strip()


def mermaid(wf: Workflow) -> str:
    """A flowchart of the steps (call nesting as edges) and the error exits."""
    lines = ["flowchart TD"]
    parents: dict[int, str] = {}
    for st in wf.steps[:25]:
        node = f"S{st.number}"
        short = ".".join(st.symbol.replace("::", ".").split(".")[-2:])
        lines.append(f'    {node}["{st.number}. {_mid(short)}<br/>{st.role}"]')
        if st.depth > 0:
            parent = parents.get(st.depth - 1, "S1")
            lines.append(f"    {parent} --> {node}")
        parents[st.depth] = node
    for i, e in enumerate(wf.error_scenarios[:8], start=1):
        lines.append(f'    E{i}(["{_mid(e.error)}"])')
        owner = next((s for s in wf.steps if s.symbol == e.symbol), None)
        if owner is not None and owner.number <= 25:
            lines.append(f"    S{owner.number} -.-> E{i}")
    return "\n".join(lines)


def _merge(workflows: list[Workflow]) -> list[Workflow]:
    """Workflows with the same type and the same steps after the entry are one workflow with several entries."""
    merged: dict[tuple, Workflow] = {}
    for wf in workflows:
        body = tuple(s.symbol_id for s in wf.steps[1:])
        key = (wf.type, wf.steps[0].symbol_id) if not body else (wf.type, body)
        if key in merged and body:
            target = merged[key]
            target.entry_points.extend(wf.entry_points)
        elif key in merged:
            merged[key].entry_points.extend(wf.entry_points)
        else:
            merged[key] = wf
    return list(merged.values())


def all_workflows(cb: Codebase) -> list[Workflow]:
    """Every workflow of the index (all entry points, every confidence), cached per generation (one build)."""

    def build() -> list[Workflow]:
        entries = find_entry_points(cb)
        handlers = frozenset(e.handler_id for e in entries)
        return _merge([build_workflow(cb, e, handlers) for e in entries])

    return once(cb, "_workflows", build)


def detect_business_workflows(
    cb: Codebase,
    *,
    entry_points: list[str] | None = None,
    types: list[str] | None = None,
    min_confidence: float = 0.5,
) -> list[Workflow]:
    """Workflows whose entry matches ``entry_points`` (handler names, paths or ``METHOD /path``) and type."""
    if types:
        unknown = sorted(set(types) - set(WORKFLOW_TYPES))
        if unknown:
            raise InvalidInputError(
                f"unknown workflow type(s): {', '.join(unknown)}", hint=f"choose from {', '.join(WORKFLOW_TYPES)}"
            )
    wfs = all_workflows(cb)
    out = []
    for wf in wfs:
        if types and wf.type not in types:
            continue
        if wf.confidence < min_confidence:
            continue
        if entry_points and not any(_entry_matches(e, sel) for e in wf.entry_points for sel in entry_points):
            continue
        out.append(wf)
    if (
        entry_points
        and not out
        and not any(_entry_matches(e, sel) for wf in wfs for e in wf.entry_points for sel in entry_points)
    ):
        raise NotFoundError(
            f"no entry point matches {', '.join(entry_points)}",
            hint="pass a handler name (e.g. routes.register), a path (/register) or 'POST /register'; "
            "call detect_business_workflows without entry_points to list them",
        )
    out.sort(key=lambda w: (-w.confidence, w.name))
    return out


def _entry_matches(e: EntryPoint, sel: str) -> bool:
    s = sel.strip()
    if not s:
        return False
    norm = e.handler.replace("::", ".")
    if s.replace("::", ".") == norm or norm.endswith("." + s.replace("::", ".")):
        return True
    return bool(s == e.path or s == f"{e.method} {e.path}")


def find_workflow(cb: Codebase, workflow_id: str) -> Workflow:
    for wf in all_workflows(cb):
        if wf.id == workflow_id:
            return wf
    raise NotFoundError(
        f"no workflow with id {workflow_id!r} in the current index",
        hint="ids come from detect_business_workflows; re-run it if the code was re-indexed since",
    )


def role_names() -> dict[str, str]:
    return dict(ROLES)

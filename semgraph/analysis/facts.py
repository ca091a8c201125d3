"""What a function body does, read from its syntax tree (``*-facts.scm``).

Guards (``if cond: raise``) become business rules (the negated condition),
raised errors / ``Err(...)`` / HTTP error responses become error scenarios,
loops and call sites inside them feed the N+1 smell, string literals feed
SQL and status evidence. Facts are computed once per symbol and cached on the
codebase.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from pydantic import BaseModel

from semgraph.analysis.codebase import CALLABLE_KINDS, Codebase
from semgraph.analysis.syntax import body_of, has_query, matches, text, unquote


class Rule(BaseModel):
    """A business rule read from a guard: the condition that must hold to go on."""

    rule: str
    line: int
    on_violation: str = ""


class ErrorScenario(BaseModel):
    """A way the function fails: a raised exception, an ``Err`` value or an HTTP error response."""

    kind: str  # exception | err | http
    error: str
    message: str = ""
    status: int | None = None
    line: int


@dataclass
class Guard:
    line: int
    condition: str
    fails: bool  # the guarded branch raises / returns an error
    error: str = ""


@dataclass
class CallFact:
    line: int
    col: int
    callee: str
    args: str
    in_loop: bool


@dataclass
class FunctionFacts:
    guards: list[Guard] = field(default_factory=list)
    errors: list[ErrorScenario] = field(default_factory=list)
    loops: list[tuple[int, int]] = field(default_factory=list)
    strings: list[tuple[int, str]] = field(default_factory=list)
    calls: list[CallFact] = field(default_factory=list)
    returns_self: int = 0
    returns: int = 0
    return_texts: list[str] = field(default_factory=list)
    unsafe_lines: list[int] = field(default_factory=list)
    text: str = ""

    @property
    def rules(self) -> list[Rule]:
        return [Rule(rule=negate(g.condition), line=g.line, on_violation=g.error) for g in self.guards if g.fails]


_HTTP_ERRORS = {
    "BadRequest": 400,
    "Unauthorized": 401,
    "PaymentRequired": 402,
    "Forbidden": 403,
    "NotFound": 404,
    "Conflict": 409,
    "Gone": 410,
    "UnprocessableEntity": 422,
    "TooManyRequests": 429,
    "InternalServerError": 500,
    "ServiceUnavailable": 503,
}
_STATUS_PATTERNS = (
    re.compile(r"\.status\(\s*(4\d\d|5\d\d)\s*\)"),
    re.compile(r"\bstatus(?:_code)?\s*=\s*(4\d\d|5\d\d)\b"),
    re.compile(r"\babort\(\s*(4\d\d|5\d\d)\b"),
    re.compile(r"HTTPException\(\s*(?:status_code\s*=\s*)?(4\d\d|5\d\d)\b"),
    re.compile(r"^\s*return\s+.*,\s*(4\d\d|5\d\d)\s*$"),
    re.compile(r"WriteHeader\(\s*(4\d\d|5\d\d)\s*\)"),
    re.compile(r"http\.Error\(.*,\s*(4\d\d|5\d\d)\s*\)"),
)
_STATUS_HINT = re.compile(r"\b[45]\d\d\b|HttpResponse|StatusCode|HttpStatus|status\.Status")
_NAMED_STATUS = re.compile(
    r"(?:HttpResponse(?:::)?|StatusCode::|HttpStatus\.|status\.Status|http\.Status)(BadRequest|Unauthorized|PaymentRequired|Forbidden|"
    r"NotFound|Conflict|Gone|UnprocessableEntity|TooManyRequests|InternalServerError|ServiceUnavailable|"
    r"BAD_REQUEST|UNAUTHORIZED|FORBIDDEN|NOT_FOUND|CONFLICT|INTERNAL_SERVER_ERROR)"
)
_ERR_TYPE = re.compile(r"^(?:raise\s+|throw\s+new\s+|throw\s+|return\s+)?(?:Err\()?\s*([\w.:]+)")
_MESSAGE = re.compile(r"[\"'`]((?:[^\"'`\\]|\\.)*)[\"'`]")
_FAIL_WORDS = re.compile(r"\b(raise|throw|Err\(|abort\(|bail!|panic!|HttpResponse\w*\(|http\.Error)")


def _status_of(line: str) -> int | None:
    for pat in _STATUS_PATTERNS:
        m = pat.search(line)
        if m:
            return int(m.group(1))
    m = _NAMED_STATUS.search(line)
    if m:
        name = m.group(1)
        camel = "".join(p.capitalize() for p in name.lower().split("_")) if "_" in name or name.isupper() else name
        return _HTTP_ERRORS.get(camel)
    return None


def function_facts(cb: Codebase, symbol_id: int) -> FunctionFacts:
    """Facts of one function or method (empty when its file cannot be parsed).

    The facts query runs once per file; each capture goes to the innermost
    function whose body contains it (nested functions keep their own facts).
    """
    cache: dict[int, FunctionFacts] = cb.__dict__.setdefault("_facts", {})
    facts = cache.get(symbol_id)
    if facts is None:
        sym = cb.symbols.get(symbol_id)
        done: set[int] = cb.__dict__.setdefault("_facts_files", set())
        if sym is not None and sym.file_id not in done:
            done.add(sym.file_id)
            _compute_file(cb, sym.file_id, cache)
        facts = cache.setdefault(symbol_id, FunctionFacts())
    return facts


@dataclass
class _Owner:
    start: int
    end: int
    body_start: int
    sid: int
    node: object
    loops: list[tuple[int, int]] = field(default_factory=list)


def _compute_file(cb: Codebase, file_id: int, cache: dict[int, FunctionFacts]) -> None:
    syms = [cb.symbols[i] for i in cb.by_file.get(file_id, []) if cb.symbols[i].kind in CALLABLE_KINDS]
    for s in syms:
        cache.setdefault(s.id, FunctionFacts())
    if not syms:
        return
    pf = cb.parsed(cb.files[file_id].path)
    if pf is None or not has_query(pf.language, "facts"):
        return
    lang = pf.language
    owners: list[_Owner] = []
    for s in syms:
        node = pf.node_at(s.start_line, s.end_line, max(0, s.start_col - 1))
        if node is None:
            continue
        body = body_of(node)
        cache[s.id].text = text(node)
        owners.append(_Owner(node.start_byte, node.end_byte, body.start_byte, s.id, node))
    owners.sort(key=lambda o: (o.start, -o.end))
    starts = [o.start for o in owners]

    def owner_of(n) -> _Owner | None:
        p = n.start_byte
        i = bisect.bisect_right(starts, p) - 1
        while i >= 0:
            o = owners[i]
            if o.start <= p and n.end_byte <= o.end:
                return o if o.body_start <= p else None
            i -= 1
        return None

    raw = matches(lang, "facts", pf.root)
    for m in raw:
        if "loop" in m:
            n = m["loop"][0]
            o = owner_of(n)
            if o is not None:
                # only the body repeats: the iterable of `for x in query():` runs once
                body = n.child_by_field_name("body") or n
                o.loops.append((body.start_byte, body.end_byte))
                cache[o.sid].loops.append((n.start_point.row + 1, n.end_point.row + 1))
    for m in raw:
        key = next(
            k for k in ("guard", "raise", "maybe_err", "macro", "return", "string", "unsafe", "call", "loop") if k in m
        )
        if key == "loop":
            continue
        main = m[key][0]
        o = owner_of(main)
        if o is None:
            continue
        facts = cache[o.sid]
        if key == "guard":
            cond = text(m["cond"][0]).strip()
            if cond.startswith("(") and cond.endswith(")") and lang != "python":
                cond = cond[1:-1].strip()
            first = text(m["body"][0]).strip().lstrip("{").strip()
            fails = bool(_FAIL_WORDS.search(first[:300])) or _status_of(first) is not None
            facts.guards.append(
                Guard(main.start_point.row + 1, " ".join(cond.split()), fails, _error_label(first, lang))
            )
        elif key == "raise":
            facts.errors.append(_exception(text(main), main.start_point.row + 1, lang))
        elif key == "maybe_err":
            if text(m["err_fn"][0]) != "Err":
                continue
            inner = text(m["err_args"][0]).strip("()")
            etype = _ERR_TYPE.match(inner)
            msg = _MESSAGE.search(inner)
            facts.errors.append(
                ErrorScenario(
                    kind="err",
                    error=etype.group(1) if etype else inner[:60],
                    message=msg.group(1) if msg else "",
                    line=main.start_point.row + 1,
                )
            )
        elif key == "macro":
            name = text(m["macro_name"][0])
            if name in {"bail", "panic", "unreachable", "todo"}:
                msg = _MESSAGE.search(text(main))
                facts.errors.append(
                    ErrorScenario(
                        kind="exception" if name != "bail" else "err",
                        error=f"{name}!",
                        message=msg.group(1) if msg else "",
                        line=main.start_point.row + 1,
                    )
                )
        elif key == "return":
            facts.returns += 1
            t = text(main)
            facts.return_texts.append(t[:200])
            if re.fullmatch(r"return\s+(self|this)\s*;?", t.strip()):
                facts.returns_self += 1
        elif key == "string":
            facts.strings.append((main.start_point.row + 1, unquote(text(main))))
        elif key == "unsafe":
            facts.unsafe_lines.append(main.start_point.row + 1)
        elif key == "call":
            in_loop = any(a <= main.start_byte < b for a, b in o.loops)
            callee = m["callee"][0]
            # Java names only the method; the receiver (`passwordEncoder.encode`) is what the rules read
            callee_text = (
                (main.text or b"")[: callee.end_byte - main.start_byte].decode("utf-8", "replace")
                if main.type == "method_invocation"
                else text(callee)
            )
            facts.calls.append(
                CallFact(
                    main.start_point.row + 1,
                    main.start_point.column + 1,
                    re.sub(r"\s+", "", callee_text),
                    text(m["call_args"][0]),
                    in_loop,
                )
            )
    for o in owners:
        _finish(cache[o.sid], o.node.start_point.row + 1, lang)


def _finish(facts: FunctionFacts, start: int, lang: str) -> None:
    # HTTP error responses anywhere in the body (return res.status(400)..., abort(404), HttpResponse::NotFound())
    seen = {(e.line, e.status) for e in facts.errors}
    lines = facts.text.splitlines() if _STATUS_HINT.search(facts.text) else []
    for i, line in enumerate(lines):
        status = _status_of(line)
        if status is not None and (start + i, status) not in seen:
            msg = _MESSAGE.search(line)
            facts.errors.append(
                ErrorScenario(
                    kind="http",
                    error=f"HTTP {status}",
                    message=msg.group(1) if msg else "",
                    status=status,
                    line=start + i,
                )
            )
    # a Rust method returning Self that ends with `self` (builder step)
    returns_self_type = re.search(r"->\s*(Self|&mut\s+Self)\b", facts.text.split("{", 1)[0])
    if lang == "rust" and returns_self_type and re.search(r"\bself\s*}?\s*$", facts.text.rstrip().rstrip("}").rstrip()):
        facts.returns_self += 1
    facts.errors.sort(key=lambda e: e.line)
    facts.guards.sort(key=lambda g: g.line)
    facts.calls.sort(key=lambda c: (c.line, c.col))


def _exception(stmt: str, line: int, lang: str) -> ErrorScenario:
    s = stmt.strip()
    m = _ERR_TYPE.match(s)
    err = m.group(1) if m else s[:60]
    if err in {"raise", "throw"} or (re.fullmatch(r"[a-z_]\w*", err) and not s.rstrip(";").endswith(")")):
        err = "re-raise"
    msg = _MESSAGE.search(s)
    return ErrorScenario(kind="exception", error=err, message=msg.group(1) if msg else "", line=line)


def _error_label(body: str, lang: str) -> str:
    first = body.strip().splitlines()[0] if body.strip() else ""
    status = _status_of(body[:300])
    m = re.search(r"(?:raise|throw new|throw)\s+([\w.]+)", first)
    if m:
        msg = _MESSAGE.search(first[m.end() :])
        label = m.group(1) + (f" {status}" if status is not None else "")
        return f"{label}: {msg.group(1)}" if msg else label
    m = re.search(r"Err\(\s*([\w:]+)(?:\(\s*\"([^\"]*)\")?", first)
    if m:
        return f"{m.group(1)}: {m.group(2) or ''}".rstrip(": ")
    if status is not None:
        msg = _MESSAGE.search(first)
        return f"HTTP {status}" + (f": {msg.group(1)}" if msg else "")
    return first[:80]


# ------------------------------------------------------------------ negation
_OPS = [("<=", ">"), (">=", "<"), ("!==", "="), ("===", "≠"), ("!=", "="), ("==", "≠"), ("<", "≥"), (">", "≤")]
_PRETTY = {">=": "≥", "<=": "≤", "!=": "≠", "!==": "≠", "==": "=", "===": "="}


def _split_top(cond: str, ops: tuple[str, ...]) -> list[str] | None:
    depth, i, parts, last = 0, 0, [], 0
    while i < len(cond):
        ch = cond[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0:
            for op in ops:
                if cond.startswith(op, i):
                    parts.append(cond[last:i])
                    i += len(op)
                    last = i
                    break
            else:
                i += 1
                continue
            continue
        i += 1
    if not parts:
        return None
    parts.append(cond[last:])
    return [p.strip() for p in parts]


def _pretty_operand(x: str) -> str:
    x = x.strip()
    m = re.fullmatch(r"len\((.+)\)", x) or re.fullmatch(r"(.+)\.len\(\)", x) or re.fullmatch(r"(.+)\.length", x)
    if m:
        return f"{m.group(1).strip()} length"
    return x


def negate(cond: str) -> str:
    """The condition under which execution continues past a failing guard, readable."""
    c = " ".join(cond.split())
    while c.startswith("(") and c.endswith(")") and _balanced(c[1:-1]):
        c = c[1:-1].strip()
    ors = _split_top(c, (" or ", "||"))
    if ors:
        return " and ".join(negate(p) for p in ors)
    ands = _split_top(c, (" and ", "&&"))
    if ands:
        return "not (" + " and ".join(_render(p) for p in ands) + ")"
    if c.startswith("not "):
        return _render(c[4:])
    if c.startswith("!") and not c.startswith("!="):
        return _render(c[1:])
    m = re.fullmatch(r"(.+?) is not None", c)
    if m:
        return f"{_pretty_operand(m.group(1))} is None"
    m = re.fullmatch(r"(.+?) is None", c)
    if m:
        return f"{_pretty_operand(m.group(1))} is not None"
    m = re.fullmatch(r"(.+?) not in (.+)", c)
    if m:
        return f"{m.group(1)} in {m.group(2)}"
    m = re.fullmatch(r"(.+?) in (.+)", c)
    if m and " for " not in c:
        return f"{m.group(1)} not in {m.group(2)}"
    for op, neg in _OPS:
        parts = _split_top(c, (op,))
        if parts and len(parts) == 2:
            return f"{_pretty_operand(parts[0])} {neg} {_pretty_operand(parts[1])}"
    if c.endswith(".is_some()"):
        return c[: -len(".is_some()")] + ".is_none()"
    if c.endswith(".is_none()"):
        return c[: -len(".is_none()")] + ".is_some()"
    if c.endswith(".exists()"):
        return f"no {c[: -len('.exists()')]} exists"
    if re.fullmatch(r"[\w.]+", c):
        return f"{c} is empty or absent"
    return f"not ({c})"


def _render(c: str) -> str:
    c = c.strip()
    if re.fullmatch(r"[\w.]+", c):
        return f"{c} is present"
    for op, pretty in _PRETTY.items():
        parts = _split_top(c, (op,))
        if parts and len(parts) == 2:
            return f"{_pretty_operand(parts[0])} {pretty} {_pretty_operand(parts[1])}"
    return _pretty_operand(c)


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0

"""Code quality: function metrics, import cycles, dead private code, security and
performance smells, Rust test layout — ranked, each with file:line and a fix hint.

Metrics (complexity, loc, nesting, params) come from the extractors (the rule
is documented in ``semgraph.graph.extractors``); fan-in/out from the call
graph. Smells are read from function bodies (``facts``): SQL built from
strings and passed to ``execute``, ``eval``/``exec``, ``shell=True``,
hard-coded secrets, Rust ``unsafe`` and ``unwrap()`` on request paths,
database calls inside loops.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import networkx as nx
from pydantic import BaseModel, Field

from semgraph.analysis.codebase import Codebase
from semgraph.analysis.entrypoints import find_entry_points
from semgraph.analysis.facts import function_facts
from semgraph.analysis.generated import SkippedFile, generated_files, skipped_list
from semgraph.analysis.roles import function_roles
from semgraph.analysis.workflows import trace_calls
from semgraph.cache import once
from semgraph.errors import InvalidInputError

SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2, "info": 3}
COMPLEXITY_LIMIT = 10
LENGTH_LIMIT = 60
NESTING_LIMIT = 4
FAN_OUT_LIMIT = 15
MAX_CYCLES = 50


class FunctionMetrics(BaseModel):
    symbol: str
    location: str
    complexity: int
    loc: int
    max_nesting: int
    params: int
    fan_in: int
    fan_out: int


class Finding(BaseModel):
    kind: str
    category: str  # complexity | design | security | performance | dead_code | tests
    severity: str  # high | medium | low | info
    location: str
    symbol: str = ""
    message: str
    hint: str


class QualityReport(BaseModel):
    scope: str
    summary: dict[str, float | int]
    findings: list[Finding]
    findings_total: int
    functions: list[FunctionMetrics] = Field(description="most complex functions first")
    functions_total: int
    import_cycles: list[list[str]]
    test_layout: dict[str, int | list[str]] = Field(default_factory=dict)
    skipped: list[SkippedFile] = Field(
        default_factory=list, description="generated files left out of the assessment, with the reason (first 50)"
    )
    skipped_total: int = 0


# ------------------------------------------------------------------ helpers
_EXEC_SQL = re.compile(
    r"(^|\.)(execute|executemany|executescript|raw|query|sql_query|query_raw|prepare|exec_driver_sql)$"
)
_SQL_WORD = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|WHERE|FROM)\b", re.I)
_BUILT_STRING = re.compile(
    r"""^\s*(f["']|f""|rf["']|fr["']|`[^`]*\$\{|format!\(|["'][^"']*["']\s*(%|\+|\.format\()|[\w.]+\s*\+\s*["'])"""
)
_SECRET_NAME = re.compile(
    r"""(?i)\b([\w]*(secret|password|passwd|api_?key|access_?key|auth_?token|private_?key|jwt_?key|signing_?key|encryption_?key)[\w]*)\b["']?\s*[:=]\s*[rbu]?["']([^"'\s]{6,})["']"""
)
_PLACEHOLDER = re.compile(r"^(\*+|x+|<.*>|\$\{.*\}|%\(.*\)s|changeme|your[-_].*|example.*|dummy|test|\{\})$", re.I)
_DB_CALL = re.compile(
    r"(\.(execute|query|filter|filter_by|get|first|all|find|findOne|findById|save|add|create|insert|update|delete|load|"
    r"fetch_one|fetch_all)$|objects\.|::table)"
)


def _in_scope(path: str, scope: str) -> bool:
    return not scope or path == scope or path.startswith(scope.rstrip("/") + "/")


def _loc(path: str, line: int) -> str:
    return f"{path}:{line}"


# One row per metric threshold: (metric, limit, kind, category, message, hint).
# The message template gets ``value`` and ``limit``; a value above twice the
# limit is "medium" only for complexity, every other metric stays "low".
_METRIC_RULES: tuple[tuple[str, int, str, str, str, str], ...] = (
    (
        "complexity",
        COMPLEXITY_LIMIT,
        "high_complexity",
        "complexity",
        "cyclomatic complexity {value} (limit {limit})",
        "extract the branches into well-named helpers or a lookup table",
    ),
    (
        "loc",
        LENGTH_LIMIT,
        "long_function",
        "complexity",
        "{value} lines (limit {limit})",
        "split it into steps with one job each",
    ),
    (
        "max_nesting",
        NESTING_LIMIT,
        "deep_nesting",
        "complexity",
        "nesting depth {value} (limit {limit})",
        "return early from guard clauses to flatten the body",
    ),
    (
        "fan_out",
        FAN_OUT_LIMIT,
        "high_fan_out",
        "design",
        "calls {value} different functions (limit {limit})",
        "group related calls behind a helper or service",
    ),
)


def _metric_findings(fm: FunctionMetrics) -> list[Finding]:
    """Findings for every metric of ``fm`` above its limit, in table order."""
    out: list[Finding] = []
    for metric, limit, kind, category, message, hint in _METRIC_RULES:
        value = getattr(fm, metric)
        if value <= limit:
            continue
        severity = "medium" if metric == "complexity" and value > 2 * limit else "low"
        out.append(
            Finding(
                kind=kind,
                category=category,
                severity=severity,
                location=fm.location,
                symbol=fm.symbol,
                message=message.format(value=value, limit=limit),
                hint=hint,
            )
        )
    return out


def _security(cb: Codebase, sid: int, handler_ids: set[int], request_path: set[int]) -> list[Finding]:
    s = cb.symbols[sid]
    facts = function_facts(cb, sid)
    out: list[Finding] = []
    built_vars = set()
    for m in re.finditer(r"(?m)^\s*(?:let\s+(?:mut\s+)?|const\s+|var\s+)?(\w+)\s*(?::[^=\n]+)?=\s*(.+)$", facts.text):
        if _BUILT_STRING.match(m.group(2)) and _SQL_WORD.search(m.group(2)):
            built_vars.add(m.group(1))
    for call in facts.calls:
        callee = call.callee
        args = call.args.strip()[1:].strip() if call.args.strip().startswith("(") else call.args.strip()
        first = _first_arg(args)
        if _EXEC_SQL.search(callee) and (
            (_BUILT_STRING.match(first) and _SQL_WORD.search(first)) or first.strip() in built_vars
        ):
            out.append(
                Finding(
                    kind="sql_injection",
                    category="security",
                    severity="high",
                    location=_loc(s.path, call.line),
                    symbol=s.qualified_name,
                    message=f"SQL built from string formatting is passed to {callee.split('(')[0]}",
                    hint="pass values as query parameters (placeholders), never format them into the SQL text",
                )
            )
        name = callee.split(".")[-1]
        if s.language in {"python", "javascript", "typescript", "tsx"} and callee in {"eval", "exec"}:
            out.append(
                Finding(
                    kind="eval_exec",
                    category="security",
                    severity="high",
                    location=_loc(s.path, call.line),
                    symbol=s.qualified_name,
                    message=f"{callee}() runs code built at run time",
                    hint="parse the data instead (json / ast.literal_eval) or dispatch through a table of functions",
                )
            )
        if re.search(r"\bshell\s*=\s*True\b", call.args) and (
            name in {"run", "call", "Popen", "check_output", "check_call"}
        ):
            out.append(
                Finding(
                    kind="shell_true",
                    category="security",
                    severity="high",
                    location=_loc(s.path, call.line),
                    symbol=s.qualified_name,
                    message=f"{callee.split('(')[0]} with shell=True",
                    hint="pass the command as a list without shell=True (shlex.split if you start from a string)",
                )
            )
        if (
            callee in {"os.system", "os.popen", "exec", "execSync", "child_process.exec", "child_process.execSync"}
            or (
                re.fullmatch(r"\w+\.(exec|execSync)", callee)
                and "child_process" in cb.source(s.path)[:4000].decode("utf-8", "replace")
            )
        ) and _BUILT_STRING.match(first):
            out.append(
                Finding(
                    kind="shell_injection",
                    category="security",
                    severity="high",
                    location=_loc(s.path, call.line),
                    symbol=s.qualified_name,
                    message=f"shell command built from a formatted string is run by {callee}",
                    hint="run the program with an argument list (subprocess.run([...]) / execFile) instead of a shell string",
                )
            )
        if s.language == "rust" and name in {"unwrap", "expect"} and sid in request_path:
            where = "request handler" if sid in handler_ids else "function on a request path"
            out.append(
                Finding(
                    kind="unwrap_in_handler",
                    category="security",
                    severity="medium",
                    location=_loc(s.path, call.line),
                    symbol=s.qualified_name,
                    message=f".{name}() in a {where}: a failure panics the worker instead of answering with an error",
                    hint="propagate with ? and map the error to an HTTP response",
                )
            )
    for line in facts.unsafe_lines:
        out.append(
            Finding(
                kind="unsafe_block",
                category="security",
                severity="medium",
                location=_loc(s.path, line),
                symbol=s.qualified_name,
                message="unsafe block",
                hint="document the invariant in a // SAFETY: comment or use a safe API",
            )
        )
    return out


def _first_arg(args: str) -> str:
    depth = 0
    for i, ch in enumerate(args):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth == 0:
                return args[:i]
            depth -= 1
        elif ch == "," and depth == 0:
            return args[:i]
    return args


def _secrets(cb: Codebase, path: str) -> list[Finding]:
    out = []
    text = cb.source(path).decode("utf-8", "replace")
    for i, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith(("#", "//", "*")):
            continue
        m = _SECRET_NAME.search(line)
        if m and not _PLACEHOLDER.match(m.group(3)) and not re.search(r"(environ|getenv|env::var|process\.env)", line):
            out.append(
                Finding(
                    kind="hardcoded_secret",
                    category="security",
                    severity="high",
                    location=_loc(path, i),
                    message=f"hard-coded secret in {m.group(1)}",
                    hint="read it from the environment or a secret store; rotate the leaked value",
                )
            )
    return out


def _n_plus_one(cb: Codebase, sid: int) -> list[Finding]:
    s = cb.symbols[sid]
    facts = function_facts(cb, sid)
    if not facts.loops:
        return []
    project = {(c.line, c.name): c.dst for c in cb.calls.get(sid, []) if c.dst is not None}
    out = []
    for call in facts.calls:
        if not call.in_loop:
            continue
        name = re.split(r"[.:]", call.callee)[-1]
        dst = project.get((call.line, name))
        db = False
        if dst is not None:
            db = bool(set(function_roles(cb, dst).roles) & {"lookup", "persist", "delete"})
        elif _DB_CALL.search(call.callee) and re.search(
            r"(session|objects|db|conn|cursor|pool|repo|query|table)", call.callee, re.I
        ):
            db = True
        if db:
            out.append(
                Finding(
                    kind="query_in_loop",
                    category="performance",
                    severity="medium",
                    location=_loc(s.path, call.line),
                    symbol=s.qualified_name,
                    message=f"database call {call.callee.split('(')[0]} inside a loop (one query per item)",
                    hint="load or write all items in one query (IN (...), join / select_related, bulk insert)",
                )
            )
    return out


def _import_cycles(cb: Codebase, scope: str) -> list[list[str]]:
    g = nx.DiGraph()
    for src, dst in cb.imports:
        if src != dst:
            g.add_edge(src, dst)
    cycles: list[list[str]] = []
    for comp in nx.strongly_connected_components(g):
        if len(comp) < 2:
            continue
        for cyc in nx.simple_cycles(g.subgraph(comp)):
            start = cyc.index(min(cyc))
            cyc = cyc[start:] + cyc[:start]
            names = [cb.files[f].module for f in cyc]
            if scope and not any(_in_scope(cb.files[f].path, scope) for f in cyc):
                continue
            cycles.append(names)
            if len(cycles) >= MAX_CYCLES:
                break
    return sorted(cycles, key=lambda c: (len(c), c))


def _test_layout(cb: Codebase, scope: str) -> tuple[dict[str, int | list[str]], list[Finding]]:
    inline: list[str] = []
    findings = []
    integration = 0
    for f in cb.files.values():
        if f.language != "rust" or not _in_scope(f.path, scope):
            continue
        parts = PurePosixPath(f.path).parts
        if "tests" in parts:
            integration += 1
            continue
        text = cb.source(f.path).decode("utf-8", "replace")
        for i, line in enumerate(text.splitlines(), start=1):
            if re.match(r"\s*#\[cfg\(test\)\]", line):
                inline.append(f"{f.path}:{i}")
                findings.append(
                    Finding(
                        kind="inline_test_module",
                        category="tests",
                        severity="info",
                        location=f"{f.path}:{i}",
                        message="inline #[cfg(test)] module in src/",
                        hint="keep unit tests of private items inline; move tests of the public API to tests/",
                    )
                )
                break
    if not inline and not integration:
        return {}, []
    return {"inline_test_modules": len(inline), "integration_test_files": integration, "inline": inline[:20]}, findings


def _unreferenced(cb: Codebase, sid: int, entry_ids: set[int], targets: set[str]) -> Finding | None:
    s = cb.symbols[sid]
    private = (s.language == "python" and s.name.startswith("_") and not s.name.startswith("__")) or (
        s.language != "python" and s.visibility in {"private"}
    )
    if not private or s.is_test or s.decorators or sid in entry_ids or cb.callers.get(sid):
        return None
    if s.name in targets:
        return None  # referenced by name somewhere (callbacks, getattr, re-exports)
    return Finding(
        kind="unreferenced_private",
        category="dead_code",
        severity="low",
        location=cb.location(sid),
        symbol=s.qualified_name,
        message=f"private {s.kind} {s.name} is never called or referenced",
        hint="delete it, or make it part of the API if something outside the index uses it",
    )


def assess_code_quality(cb: Codebase, path: str = "") -> QualityReport:
    """The full report for ``path`` (a file or directory relative to the indexed root; '' = everything).

    Raises InvalidInputError when no indexed file lies under ``path`` (a typo would otherwise look clean).
    """
    scope = path.strip().strip("/") if path not in {".", "./"} else ""
    if not scope:  # the whole index: one build per codebase, concurrent callers wait for it
        return once(cb, "_quality", lambda: _assess(cb, scope, path))
    return _assess(cb, scope, path)


def _assess(cb: Codebase, scope: str, path: str) -> QualityReport:
    in_scope = [f for f in cb.files.values() if _in_scope(f.path, scope)]
    if scope and not in_scope:
        raise InvalidInputError(
            f"no indexed file under {path!r}",
            hint="pass a file or directory relative to the indexed root, or '' for everything",
        )
    generated = generated_files(cb)  # protoc, sqlc, makemigrations output: not the project's to fix
    files = [f for f in in_scope if f.id not in generated]
    skipped, skipped_total = skipped_list(cb, {f.id for f in in_scope})
    file_ids = {f.id for f in files}
    entries = find_entry_points(cb)
    handler_ids = {e.handler_id for e in entries if e.kind in {"http", "message"}}
    request_path: set[int] = set()
    for h in handler_ids:
        request_path |= {sid for sid, _ in trace_calls(cb, h, max_depth=3).steps}
    targets = {c.name for calls in cb.calls.values() for c in calls}
    for s in cb.symbols.values():
        if s.file_id in file_ids:
            targets |= set(re.findall(r"\b\w+\b", " ".join(s.decorators)))
    for f in files:
        src = cb.source(f.path)
        if b"getattr" in src or b"__all__" in src:
            targets |= set(re.findall(r"[\"'](\w+)[\"']", src.decode("utf-8", "replace")))
    metrics: list[FunctionMetrics] = []
    findings: list[Finding] = []
    entry_ids = {e.handler_id for e in entries}
    for s in cb.callables():
        if s.file_id not in file_ids or s.is_test:
            continue
        m = s.metrics
        fan_in = len(set(cb.callers.get(s.id, [])))
        calls = cb.calls.get(s.id, [])
        fan_out = len({c.dst if c.dst is not None else c.name for c in calls if c.kind == "calls"})
        fm = FunctionMetrics(
            symbol=s.qualified_name,
            location=cb.location(s.id),
            complexity=int(m.get("complexity", 1)),
            loc=int(m.get("loc", s.end_line - s.start_line + 1)),
            max_nesting=int(m.get("max_nesting", 0)),
            params=int(m.get("params", 0)),
            fan_in=fan_in,
            fan_out=fan_out,
        )
        metrics.append(fm)
        findings.extend(_metric_findings(fm))
        findings.extend(_security(cb, s.id, handler_ids, request_path))
        findings.extend(_n_plus_one(cb, s.id))
        dead = _unreferenced(cb, s.id, entry_ids, targets)
        if dead is not None:
            findings.append(dead)
    for f in files:
        findings.extend(_secrets(cb, f.path))
    cycles = _import_cycles(cb, scope)
    for cyc in cycles:
        first = next((f for f in files if f.module == cyc[0]), None)
        findings.append(
            Finding(
                kind="import_cycle",
                category="design",
                severity="medium",
                location=_loc(first.path, 1) if first else cyc[0],
                message="import cycle: " + " → ".join([*cyc, cyc[0]]),
                hint="move the shared names into a module both can import, or import lazily inside a function",
            )
        )
    layout, layout_findings = _test_layout(cb, scope)
    findings.extend(layout_findings)
    unique: dict[tuple[str, str, str], Finding] = {}
    for x in findings:  # nested calls on one line (a(b(c()))) report once
        unique.setdefault((x.kind, x.location, x.symbol), x)
    findings = sorted(unique.values(), key=lambda x: (SEVERITY_RANK[x.severity], x.category, x.location, x.kind))
    metrics.sort(key=lambda x: (-x.complexity, -x.loc, x.symbol))
    n = len(metrics)
    summary: dict[str, float | int] = {
        "files": len(files),
        "functions": n,
        "mean_complexity": round(sum(x.complexity for x in metrics) / n, 2) if n else 0,
        "max_complexity": max((x.complexity for x in metrics), default=0),
        "findings_high": sum(1 for x in findings if x.severity == "high"),
        "findings_medium": sum(1 for x in findings if x.severity == "medium"),
        "findings_low": sum(1 for x in findings if x.severity in {"low", "info"}),
        "import_cycles": len(cycles),
    }
    return QualityReport(
        scope=scope or ".",
        summary=summary,
        findings=findings,
        findings_total=len(findings),
        functions=metrics,
        functions_total=n,
        import_cycles=cycles,
        test_layout=layout,
        skipped=skipped,
        skipped_total=skipped_total,
    )

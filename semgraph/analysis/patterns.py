"""Architecture and design patterns, recognised from what classes and functions do.

Names are never enough: a repository is a type whose methods access the
database, a builder returns ``self`` from several methods, an event bus keeps
callables and calls them in a loop, a strategy is an interface with several
implementations, an adapter wraps a third-party library behind project-facing
methods, dependency injection is a constructor parameter used as a
collaborator. Layering (controller → service → repository) is checked on the
call graph, with the controllers that reach the database directly reported as
violations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from pydantic import BaseModel, Field

from semgraph.analysis.codebase import CALLABLE_KINDS, TYPE_KINDS, Codebase
from semgraph.analysis.entrypoints import find_entry_points
from semgraph.analysis.facts import function_facts
from semgraph.analysis.generated import SkippedFile, generated_files, skipped_list
from semgraph.analysis.roles import DATA_HANDLE_TYPES, function_roles
from semgraph.cache import once
from semgraph.errors import InvalidInputError
from semgraph.graph.store import SymbolRow

PATTERN_KINDS: dict[str, str] = {
    "repository": "Repository: a type that owns data access for an entity",
    "layering": "Controller → service → repository layering",
    "service_layer": "Service layer: business operations between controllers and data access",
    "factory": "Factory: a function that builds and returns configured objects",
    "builder": "Builder: chained configuration methods returning self, then build()",
    "singleton": "Singleton: one lazily created shared instance",
    "observer": "Observer / event bus: subscribers called when an event is published",
    "strategy": "Strategy: interchangeable implementations of one interface",
    "adapter": "Adapter: a project-facing wrapper around a third-party API",
    "dependency_injection": "Dependency injection: collaborators passed in, not created",
}

DATA_ROLES = frozenset({"persist", "delete", "lookup", "aggregate"})
BUSINESS_ROLES = frozenset({"hash_secret", "verify_secret", "charge_payment", "send_notification", "issue_token"})

_RECOMMEND: dict[str, list[str]] = {
    "repository": ["keep business rules out of the repository; return entities, not raw rows"],
    "service_layer": ["keep controllers thin: parse input, call one service operation, shape the response"],
    "factory": ["keep construction free of side effects so it stays testable"],
    "builder": ["validate required parts in build() rather than in each setter"],
    "singleton": ["inject the shared instance where it is used so tests can replace it"],
    "observer": ["document the events and their payloads; make handler failures visible"],
    "strategy": ["choose the implementation in one place (a factory or configuration)"],
    "adapter": ["keep third-party types out of the adapter's public methods; wrap their errors"],
    "dependency_injection": ["depend on an interface/trait where several implementations are possible"],
    "layering": ["move the direct database access of the listed controllers into a repository or service"],
}


class PatternInstance(BaseModel):
    kind: str
    name: str
    symbols: list[str] = Field(description="qualified names; the first is the pattern's main symbol")
    location: str
    evidence: list[str]
    confidence: float
    recommendations: list[str] = Field(default_factory=list)


class LayeringViolation(BaseModel):
    symbol: str
    location: str
    reason: str


class PatternReport(BaseModel):
    patterns: list[PatternInstance]
    layering_violations: list[LayeringViolation]
    layers: dict[str, int] = Field(default_factory=dict, description="controllers, services and repositories found")
    skipped: list[SkippedFile] = Field(
        default_factory=list, description="generated files left out of the analysis, with the reason (first 50)"
    )
    skipped_total: int = 0


@dataclass
class _Unit:
    """A class-like unit: a class, or a Rust struct with its impl blocks' methods."""

    symbol: SymbolRow
    methods: list[SymbolRow] = field(default_factory=list)


def _units(cb: Codebase) -> list[_Unit]:
    units: dict[tuple[str, str], _Unit] = {}
    generated = generated_files(cb)
    for s in cb.symbols.values():
        if s.kind in {"class", "struct", "interface", "trait"} and s.file_id not in generated:
            units.setdefault((s.language, s.qualified_name), _Unit(s))
    by_name: dict[tuple[str, str], _Unit] = {}
    for u in units.values():
        by_name.setdefault((u.symbol.path, u.symbol.name), u)
        by_name.setdefault(("*", u.symbol.name), u)
    for s in cb.symbols.values():
        if s.kind not in CALLABLE_KINDS or s.parent_id is None:
            continue
        parent = cb.symbols.get(s.parent_id)
        if parent is None or parent.kind not in TYPE_KINDS:
            owner = cb.owner_type(s.id)  # Go: methods are declared beside their type
            if owner is not None and (unit := units.get((s.language, cb.symbols[owner].qualified_name))):
                unit.methods.append(s)
            continue
        if parent.kind == "impl":
            tname = cb.owner_name(s.id)
            if " for " in parent.name:
                continue  # trait impls (Display, From) are not the type's own API
            unit = by_name.get((parent.path, tname)) or by_name.get(("*", tname))
            if unit is None:
                unit = units.setdefault((s.language, parent.qualified_name), _Unit(parent))
            unit.methods.append(s)
        else:
            unit = units.get((parent.language, parent.qualified_name))
            if unit is not None:
                unit.methods.append(s)
    return list(units.values())


def _own_data_roles(cb: Codebase, sid: int) -> set[str]:
    return set(function_roles(cb, sid).roles) & DATA_ROLES


_CTOR = {"__init__", "constructor", "new"}
_DATA_HINT = re.compile(
    r"(session|objects|query|execute|insert|select|update|delete|diesel|::table|pool|cursor|collection|find|"
    r"INSERT|SELECT|UPDATE|DELETE|save|fetch)",
    re.I,
)
_RETURNS_NEW = re.compile(
    r"(return\s+(new\s+)?[A-Z]\w*(::new)?\s*[({]|return\s+\w+\s*;?\s*$|^\s*[A-Z]\w*(::new)?\s*[({])", re.M
)


def _repositories(cb: Codebase, units: list[_Unit]) -> dict[int, PatternInstance]:
    out = {}
    for u in units:
        methods = [m for m in u.methods if m.name not in _CTOR and not m.is_test]
        if u.symbol.kind == "interface" and (bases := cb.type_bases(u.symbol.name) & DATA_HANDLE_TYPES):
            out[u.symbol.id] = PatternInstance(  # Spring Data: the interface is the repository
                kind="repository",
                name=f"Repository {u.symbol.name}",
                symbols=[u.symbol.qualified_name] + [m.qualified_name for m in methods[:8]],
                location=cb.location(u.symbol.id),
                evidence=[f"extends {', '.join(sorted(bases))}"] + [f"{m.name}: derived query" for m in methods[:3]],
                confidence=0.85,
                recommendations=_RECOMMEND["repository"],
            )
            continue
        if len(methods) < 2 or u.symbol.kind in {"interface", "trait"}:
            continue
        if sum(1 for m in methods if _DATA_HINT.search(cb.text_of(m.id))) < 2:
            continue  # cheap text pre-filter before reading the bodies
        data = [m for m in methods if _own_data_roles(cb, m.id)]
        business = [
            m
            for m in methods
            if set(function_roles(cb, m.id).roles) & BUSINESS_ROLES
            or any(g.fails for g in function_facts(cb, m.id).guards)
        ]
        if len(data) < 2 or len(data) / len(methods) < 0.6 or business:
            continue  # business rules or secrets/payments/mail in it: a service that stores, not a repository
        if _uses_framework_repository(cb, data):
            continue  # the framework's Repository<T> is the repository; this class is a service over it
        ops = sorted({r for m in data for r in _own_data_roles(cb, m.id)})
        conf = min(0.95, 0.6 + 0.1 * len(ops) + (0.05 if len(data) == len(methods) else 0.0))
        out[u.symbol.id] = PatternInstance(
            kind="repository",
            name=f"Repository {u.symbol.name}",
            symbols=[u.symbol.qualified_name] + [m.qualified_name for m in data[:8]],
            location=cb.location(u.symbol.id),
            evidence=[f"{len(data)} of {len(methods)} methods access the database ({', '.join(ops)})"]
            + [f"{m.name}: {next(iter(function_roles(cb, m.id).roles.values()))}" for m in data[:3]],
            confidence=round(conf, 2),
            recommendations=_RECOMMEND["repository"],
        )
    # a subclass of a repository that adds no business logic is a repository of its own entity
    names = {cb.symbols[i].name: inst for i, inst in out.items()}
    for u in units:
        if u.symbol.id in out:
            continue
        parents = [b.split(".")[-1].split("<")[0] for b in cb.bases.get(u.symbol.id, [])]
        base = next((p for p in parents if p in names), None)
        if base is None:
            continue
        if any(set(function_roles(cb, m.id).roles) & BUSINESS_ROLES for m in u.methods):
            continue
        out[u.symbol.id] = PatternInstance(
            kind="repository",
            name=f"Repository {u.symbol.name}",
            symbols=[u.symbol.qualified_name, names[base].symbols[0]],
            location=cb.location(u.symbol.id),
            evidence=[
                f"extends repository {base}",
                *[f"{m.name} accesses the database" for m in u.methods if _own_data_roles(cb, m.id)][:3],
            ],
            confidence=round(max(0.6, names[base].confidence - 0.05), 2),
            recommendations=_RECOMMEND["repository"],
        )
    return out


_FRAMEWORK_REPOSITORIES = frozenset({"Repository", "EntityRepository", "MongoRepository", "TreeRepository", "Model"})


def _uses_framework_repository(cb: Codebase, methods: list[SymbolRow]) -> bool:
    """Most data access goes through an injected framework repository (``users: Repository<User>``)."""
    through = 0
    for m in methods:
        for call in function_facts(cb, m.id).calls:
            r = re.match(r"^((?:self|this)\.\w+)\.\w+$", call.callee)
            if r and cb.receiver_type(m.id, r.group(1)) in _FRAMEWORK_REPOSITORIES:
                through += 1
                break
    return through * 2 > len(methods)


def _unit_of_function(cb: Codebase, sid: int) -> SymbolRow | None:
    """The class (or Rust self type) of a method, or the module of a free function."""
    owner = cb.owner_type(sid)
    if owner is not None:
        osym = cb.symbols[owner]
        if osym.kind == "impl":
            name = cb.owner_name(sid)
            same = [
                cb.symbols[i] for i in cb.by_name.get(name, []) if cb.symbols[i].kind in {"struct", "enum", "class"}
            ]
            return same[0] if same else osym
        return osym
    return cb.module_symbol(cb.symbols[sid].file_id)


def _layering(
    cb: Codebase, repos: dict[int, PatternInstance], units: list[_Unit]
) -> tuple[list[PatternInstance], list[LayeringViolation], dict[str, int]]:
    entries = find_entry_points(cb)
    controllers = {e.handler_id for e in entries if e.kind != "main"}
    unit_methods = {u.symbol.id: u.methods for u in units}
    repo_units = set(repos)
    services: dict[int, list[str]] = {}
    for c in controllers:
        for call in cb.calls.get(c, []):
            if call.dst is None or call.dst in controllers or call.dst not in cb.symbols:
                continue
            if cb.symbols[call.dst].kind not in CALLABLE_KINDS:
                continue  # instantiating a class is no call into a layer
            unit = _unit_of_function(cb, call.dst)
            if unit is None or unit.id in repo_units:
                continue
            if unit.file_id == cb.symbols[c].file_id:
                continue
            # a service reaches data: through a repository or by itself
            reaches = []
            business = False
            members = [cb.symbols[i] for i in cb.by_file.get(unit.file_id, [])] if unit.kind == "module" else []
            if unit.kind != "module":  # a Rust struct's methods live in its impl blocks
                members = unit_methods.get(unit.id) or [cb.symbols[i] for i in cb.children.get(unit.id, [])]
            for m in members:
                if m.kind not in CALLABLE_KINDS or m.id in controllers:
                    continue
                if _own_data_roles(cb, m.id):
                    reaches.append(f"{m.name} accesses the database")
                roles = set(function_roles(cb, m.id).roles)
                if roles & BUSINESS_ROLES or any(g.fails for g in function_facts(cb, m.id).guards):
                    business = True
                for sub in cb.calls.get(m.id, []):
                    if sub.dst is not None and sub.dst in cb.symbols:
                        u2 = _unit_of_function(cb, sub.dst)
                        if u2 is not None and u2.id in repo_units:
                            reaches.append(f"{m.name} calls {cb.symbols[u2.id].name}")
                            business = True
            # data access alone (a session helper) is infrastructure; a service applies rules or uses repositories
            if reaches and business:
                services.setdefault(unit.id, [])
                services[unit.id].append(f"called by controller {cb.symbols[c].name}")
                services[unit.id].extend(reaches)
    patterns: list[PatternInstance] = []
    for uid, why in services.items():
        u = cb.symbols[uid]
        ev = list(dict.fromkeys(why))
        patterns.append(
            PatternInstance(
                kind="service_layer",
                name=f"Service {u.name}",
                symbols=[u.qualified_name],
                location=cb.location(uid),
                evidence=ev[:6],
                confidence=round(min(0.95, 0.6 + 0.05 * len(ev)), 2),
                recommendations=_RECOMMEND["service_layer"],
            )
        )
    violations: list[LayeringViolation] = []
    if services or repos:
        for c in sorted(controllers):
            roles = _own_data_roles(cb, c) - function_roles(cb, c).via_repository
            if roles:
                s = cb.symbols[c]
                why = function_roles(cb, c).roles
                detail = "; ".join(f"{r}: {why[r]}" for r in sorted(roles))
                violations.append(
                    LayeringViolation(
                        symbol=s.qualified_name,
                        location=cb.location(c),
                        reason=f"controller accesses the database directly ({detail})",
                    )
                )
    if controllers and (services or repos):
        patterns.append(
            PatternInstance(
                kind="layering",
                name="Controller → service → repository layering",
                symbols=[cb.symbols[i].qualified_name for i in (list(services) or list(repos))[:5]],
                location=cb.location(next(iter(services))) if services else cb.location(next(iter(repos))),
                evidence=[
                    f"{len(controllers)} controllers (entry points), {len(services)} services, {len(repos)} repositories",
                    f"{len(violations)} controllers reach the database directly",
                ],
                confidence=round(max(0.5, 0.9 - 0.05 * len(violations)), 2),
                recommendations=_RECOMMEND["layering"] if violations else [],
            )
        )
    layers = {"controllers": len(controllers), "services": len(services), "repositories": len(repos)}
    return patterns, violations, layers


_ASSIGN_CTOR = re.compile(r"(?:\b(?:const|let|var)\s+)?(\w+)\s*(?::[^=]+)?=\s*(?:new\s+)?([A-Z]\w*)(?:::new)?\s*[({]")


_NOT_PRODUCTS = frozenset(
    {
        "Ok",
        "Err",
        "Some",
        "None",
        "Box",
        "Rc",
        "Arc",
        "Vec",
        "String",
        "HashMap",
        "Map",
        "Set",
        "Promise",
        "Date",
        "Result",
    }
)


_RETURN_LINE = re.compile(r"^\s*return\s+(.+?);?\s*$", re.M)


def _built_objects(cb: Codebase, sid: int) -> list[str]:
    """Classes a function returns fresh instances of (``return Foo(...)``, ``x = Foo(); …; return x``)."""
    text = cb.text_of(sid)
    returns = _RETURN_LINE.findall(text)
    if cb.symbols[sid].language == "rust":
        tail = text.rstrip().rstrip("}").rstrip().splitlines()
        if tail:
            returns.append(tail[-1].strip())
    built = []
    assigned: dict[str, str] | None = None
    for r in returns:
        m = re.match(r"(?:new\s+)?([A-Z]\w*)(?:::new)?\s*\(", r)
        if m:
            built.append(m.group(1))
        elif re.fullmatch(r"\w+", r):
            if assigned is None:
                assigned = {m.group(1): m.group(2) for m in _ASSIGN_CTOR.finditer(text)}
            if r in assigned:
                built.append(assigned[r])
    return [b for b in built if b not in _NOT_PRODUCTS and not re.search(r"(Error|Exception|Response)$", b)]


def _factories(cb: Codebase, controllers: set[int], singletons: set[int]) -> list[PatternInstance]:
    out = []
    for s in cb.callables():
        if s.name in _CTOR or s.is_test or s.id in controllers or s.id in singletons:
            continue
        built = _built_objects(cb, s.id)
        if not built:
            continue
        roles = set(function_roles(cb, s.id).roles)
        for call in cb.calls.get(s.id, []):
            if call.dst is not None and call.dst in cb.symbols:
                roles |= set(function_roles(cb, call.dst).roles)
        if roles & (DATA_ROLES | BUSINESS_ROLES | {"enqueue_job", "external_call"}):
            continue
        owner = cb.owner_type(s.id)
        if owner is not None and cb.symbols[owner].name in built:
            continue  # a method returning a new instance of its own type is a copy/with-er, not a factory
        kinds = sorted(set(built))
        configured = s.end_line - s.start_line + 1 > 3
        conf = 0.6 + 0.15 * (len(kinds) > 1) + 0.15 * configured
        out.append(
            PatternInstance(
                kind="factory",
                name=f"Factory {s.name}",
                symbols=[s.qualified_name],
                location=cb.location(s.id),
                evidence=[f"returns a new {', '.join(kinds)}"]
                + (["configures the instance before returning it"] if configured else []),
                confidence=round(min(conf, 0.95), 2),
                recommendations=_RECOMMEND["factory"],
            )
        )
    return out


def _builders(cb: Codebase, units: list[_Unit]) -> list[PatternInstance]:
    out = []
    for u in units:
        if len(u.methods) < 3 or not re.search(
            r"return\s+(self|this)\b|->\s*(&mut\s+)?Self",
            cb.text_of(u.symbol.id) + "".join(cb.text_of(m.id) for m in u.methods),
        ):
            continue
        chain = [m for m in u.methods if function_facts(cb, m.id).returns_self]
        if len(chain) < 2:
            continue
        finishers = [
            m for m in u.methods if m not in chain and m.name not in _CTOR and function_facts(cb, m.id).returns
        ]
        if not finishers:
            continue
        out.append(
            PatternInstance(
                kind="builder",
                name=f"Builder {u.symbol.name}",
                symbols=[u.symbol.qualified_name] + [m.qualified_name for m in chain[:5]],
                location=cb.location(u.symbol.id),
                evidence=[
                    f"{len(chain)} methods return self for chaining ({', '.join(m.name for m in chain[:5])})",
                    f"{', '.join(m.name for m in finishers[:3])} produces the result",
                ],
                confidence=round(min(0.95, 0.6 + 0.1 * len(chain)), 2),
                recommendations=_RECOMMEND["builder"],
            )
        )
    return out


_STATIC_INSTANCE = re.compile(r"(static\s+(?:\w+\s+)*_?instance\b|^\s*_instance\s*(?::[^=]+)?=\s*None)", re.M | re.I)
_LAZY_GLOBAL = re.compile(
    r"if\s*\(?\s*(?:!\s*(\w+)|(?:not\s+)?(\w+)\s*(?:is|==|===)\s*(?:None|null|undefined|nil))\s*\)?\s*[:{]?\s*"
    r"(?:\1|\2)\s*=(?!=)"
)
_LAZY = re.compile(r"\.get_or_init\(|\.get_or_try_init\(|Lazy::force|\bonce\.call_once\(|sync\.Once")


def _singletons(cb: Codebase, units: list[_Unit]) -> list[PatternInstance]:
    out = []
    for u in units:
        text = cb.text_of(u.symbol.id)
        if "instance" not in text.lower() or not _STATIC_INSTANCE.search(text):
            continue
        creators = [
            m
            for m in u.methods
            if re.search(
                rf"(new\s+{re.escape(u.symbol.name)}\b|{re.escape(u.symbol.name)}\(|super\(\).__new__|cls\()",
                function_facts(cb, m.id).text,
            )
        ]
        if not creators:
            continue
        private_ctor = bool(re.search(r"private\s+constructor|def __new__", text))
        out.append(
            PatternInstance(
                kind="singleton",
                name=f"Singleton {u.symbol.name}",
                symbols=[u.symbol.qualified_name] + [m.qualified_name for m in creators],
                location=cb.location(u.symbol.id),
                evidence=["keeps its one instance in a class-level field"]
                + [f"{m.name} creates it on first use" for m in creators]
                + (["constructor is private / __new__ is overridden"] if private_ctor else []),
                confidence=0.9 if private_ctor else 0.8,
                recommendations=_RECOMMEND["singleton"],
            )
        )
    lazy_global_files = {
        f.id for f in cb.files.values() if _LAZY_GLOBAL.search(cb.source(f.path).decode("utf-8", "replace"))
    }
    for s in cb.callables():  # let instance; function get() { if (!instance) instance = create(); return instance }
        if s.file_id not in lazy_global_files or s.kind != "function":
            continue
        if s.parent_id is None or cb.symbols[s.parent_id].kind != "module":
            continue
        text = function_facts(cb, s.id).text
        m = _LAZY_GLOBAL.search(text)
        var = (m.group(1) or m.group(2)) if m else ""
        if not var or not re.search(rf"return\s+{var}\b", text):
            continue
        if not re.search(
            rf"^(?:let|var|static\s+\w+)\s+{var}\b|^{var}\s*(?::[^=]+)?=",
            cb.source(s.path).decode("utf-8", "replace"),
            re.M,
        ):
            continue  # the cached value must live at module level
        out.append(
            PatternInstance(
                kind="singleton",
                name=f"Singleton accessor {s.name}",
                symbols=[s.qualified_name],
                location=cb.location(s.id),
                evidence=[f"creates the module-level {var} on first call and returns the same one afterwards"],
                confidence=0.8,
                recommendations=_RECOMMEND["singleton"],
            )
        )
    lazy_files = {f.id for f in cb.files.values() if _LAZY.search(cb.source(f.path).decode("utf-8", "replace"))}
    for s in cb.callables():
        if s.file_id not in lazy_files:
            continue
        facts = function_facts(cb, s.id)
        if facts.text and _LAZY.search(facts.text):
            out.append(
                PatternInstance(
                    kind="singleton",
                    name=f"Singleton accessor {s.name}",
                    symbols=[s.qualified_name],
                    location=cb.location(s.id),
                    evidence=["initialises a process-wide value once (OnceLock/OnceCell/Lazy) and returns it"],
                    confidence=0.85,
                    recommendations=_RECOMMEND["singleton"],
                )
            )
    return out


_DISPATCH = re.compile(r"for\s*\(?\s*(?:const|let|var)?\s*(\w+)\s+(?:of|in)\s+[^\n]*\n?[^\n]*\b\1\s*\(", re.M)


def _observers(cb: Codebase, units: list[_Unit]) -> list[PatternInstance]:
    out = []
    for u in units:
        dispatchers = [m for m in u.methods if _DISPATCH.search(cb.text_of(m.id))]
        if not dispatchers:
            continue
        registrars = [
            m
            for m in u.methods
            if m not in dispatchers and re.search(r"\.(append|push|add|insert|set)\(", cb.text_of(m.id))
        ]
        if not registrars:
            continue
        out.append(
            PatternInstance(
                kind="observer",
                name=f"Event bus {u.symbol.name}",
                symbols=[u.symbol.qualified_name] + [m.qualified_name for m in registrars + dispatchers],
                location=cb.location(u.symbol.id),
                evidence=[
                    f"{', '.join(m.name for m in registrars)} stores handlers",
                    f"{', '.join(m.name for m in dispatchers)} calls every stored handler",
                ],
                confidence=0.9,
                recommendations=_RECOMMEND["observer"],
            )
        )
    for s in cb.callables():
        for d in s.decorators:
            if re.match(r"@?receiver\(", d.strip()) or re.match(r"@\w*(EventListener|Subscribe|OnEvent)\b", d.strip()):
                out.append(
                    PatternInstance(
                        kind="observer",
                        name=f"Event subscriber {s.name}",
                        symbols=[s.qualified_name],
                        location=cb.location(s.id),
                        evidence=[f"subscribed to an event by {d.strip()}"],
                        confidence=0.85,
                        recommendations=_RECOMMEND["observer"],
                    )
                )
                break
    return out


def _strategies(cb: Codebase, units: list[_Unit]) -> list[PatternInstance]:
    out = []
    implementers: dict[str, list[SymbolRow]] = {}
    for child, targets in cb.bases.items():
        for t in targets:
            implementers.setdefault(t.split("::")[-1].split(".")[-1].split("<")[0], []).append(cb.symbols[child])
    for u in units:
        s = u.symbol
        abstract = s.kind in {"interface", "trait"} or any(
            b in {"ABC", "Protocol", "abc.ABC", "typing.Protocol"} for b in cb.bases.get(s.id, [])
        )
        if not abstract:
            continue
        impls = [i for i in implementers.get(s.name, []) if i.id != s.id]
        impls += [cb.symbols[i] for i in cb.implementations(s.id) if cb.symbols[i] not in impls]
        names = {i.name.split(" for ")[-1] for i in impls}
        if len(names) < 2:
            continue
        ops = [m.name for m in u.methods] or ["(trait methods)"]
        out.append(
            PatternInstance(
                kind="strategy",
                name=f"Strategy {s.name}",
                symbols=[s.qualified_name] + [i.qualified_name for i in impls[:6]],
                location=cb.location(s.id),
                evidence=[
                    f"{len(names)} implementations: {', '.join(sorted(names)[:6])}",
                    f"operation: {', '.join(ops[:3])}",
                ],
                confidence=round(min(0.95, 0.7 + 0.05 * len(names)), 2),
                recommendations=_RECOMMEND["strategy"],
            )
        )
    return out


_NOT_ADAPTED = re.compile(
    r"^(sqlalchemy|flask_sqlalchemy|django|diesel|pg|mysql|sqlite3|psycopg\w*|logging|typing|os|sys|re|json|"
    r"collections|dataclasses|datetime|std|core|alloc|serde|crate|self|super|express|react|fs|path)\b"
)


def _third_party_roots(cb: Codebase, file_id: int) -> set[str]:
    """Names a file binds from third-party packages (imports that did not resolve into the project)."""
    cache: dict[int, set[str]] = cb.__dict__.setdefault("_roots", {})
    if file_id not in cache:
        cache[file_id] = _compute_roots(cb, file_id)
    return cache[file_id]


def _compute_roots(cb: Codebase, file_id: int) -> set[str]:
    roots = set()
    fr = cb.files[file_id]
    text = cb.source(fr.path)[:6000].decode("utf-8", "replace")
    if fr.language == "python":
        for m in re.finditer(r"^\s*import\s+([\w.]+)(?:\s+as\s+(\w+))?", text, re.M):
            roots.add((m.group(2) or m.group(1)).split(".")[0] + "|" + m.group(1))
        for m in re.finditer(r"^\s*from\s+([\w.]+)\s+import\s+([\w, ]+)", text, re.M):
            for n in m.group(2).split(","):
                roots.add(n.strip().split(" as ")[-1] + "|" + m.group(1))
    elif fr.language in {"typescript", "javascript", "tsx"}:
        for m in re.finditer(r"import\s+(?:\*\s+as\s+)?(\w+)[^;]*?from\s+[\"']([^\"'.][^\"']*)[\"']", text):
            roots.add(m.group(1) + "|" + m.group(2))
    elif fr.language == "rust":
        for m in re.finditer(r"(?<![:\w])([a-z_][a-z0-9_]*)::", text):
            roots.add(m.group(1) + "|" + m.group(1))
    elif fr.language == "go":
        return _go_roots(cb, text)
    elif fr.language == "java":
        return _java_roots(cb, text)
    project_modules = cb.__dict__.get("_project_modules")
    if project_modules is None:
        project_modules = {f.module.split(".")[0].split("::")[0] for f in cb.files.values()}
        cb.__dict__["_project_modules"] = project_modules
    out = set()
    for r in roots:
        alias, module = r.split("|", 1)
        top = module.split(".")[0].split("/")[0]
        if top in project_modules or module.startswith(".") or _NOT_ADAPTED.match(module) or module == "crate":
            continue
        out.add(alias)
    return out


_GO_IMPORT = re.compile(r'^\s*(?:import\s+)?(?:([\w.]+)\s+)?"([\w./-]+)"\s*$', re.M)
_GO_NOT_ADAPTED = re.compile(
    r"^(fmt|errors|strings|strconv|context|time|os|os/\w+|sync|sync/\w+|bytes|io|io/\w+|sort|log|log/\w+|math|"
    r"math/\w+|unicode|regexp|path|path/\w+|encoding/\w+|database/sql|reflect|syscall|testing)$"
)
_JAVA_IMPORT = re.compile(r"^\s*import\s+(?!static\b)([\w.]+)\.(\w+)\s*;", re.M)
_JAVA_NOT_ADAPTED = re.compile(
    r"^(java\.(lang|util|time|io|math|nio|text)|jakarta\.(persistence|validation|annotation|transaction)|"
    r"javax\.(persistence|validation|annotation)|org\.springframework\.(stereotype|beans|web|http|transaction|"
    r"context|data|jdbc|boot|scheduling)|lombok|org\.slf4j)\b"
)


def _modules_of(cb: Codebase, language: str) -> set[str]:
    cache: dict[str, set[str]] = cb.__dict__.setdefault("_modules_by_language", {})
    if language not in cache:
        cache[language] = {f.module for f in cb.files.values() if f.language == language and f.module}
    return cache[language]


def _go_roots(cb: Codebase, text: str) -> set[str]:
    """Package names a Go file imports from outside the project (standard plumbing excluded)."""
    project = _modules_of(cb, "go")
    out = set()
    for alias, path in _GO_IMPORT.findall(text.split(")", 1)[0] if "import (" in text else text):
        if alias in {"_", "."} or _GO_NOT_ADAPTED.match(path):
            continue
        if any(path == m or path.endswith("/" + m) for m in project):
            continue
        parts = path.split("/")
        name = parts[-2] if re.fullmatch(r"v\d+", parts[-1]) and len(parts) > 1 else parts[-1]
        out.add(alias or name.replace("-", "_").removeprefix("go_").removesuffix("_go"))
    return out


def _java_roots(cb: Codebase, text: str) -> set[str]:
    """Class names a Java file imports from libraries (the JDK, JPA and Spring plumbing excluded)."""
    project = _modules_of(cb, "java")
    return {
        name
        for package, name in _JAVA_IMPORT.findall(text)
        if not _JAVA_NOT_ADAPTED.match(package) and package not in project
    }


def _library_fields(cb: Codebase, u: _Unit, roots: set[str]) -> set[str]:
    """Fields declared with a library type (``client *http.Client``, ``private final JavaMailSender sender``)."""
    out = set()
    for c in cb.children.get(u.symbol.id, []):
        f = cb.symbols[c]
        if f.kind != "field":
            continue
        words = re.findall(r"[A-Za-z_]\w*", f.signature.split("=")[0])
        if any(w in roots for w in words if w != f.name):
            out.add(f.name)
    return out


def _adapters(cb: Codebase, units: list[_Unit], repos: dict[int, PatternInstance]) -> list[PatternInstance]:
    out = []
    # implementations of an interface the project calls are used by project code, through the interface
    used_through_interface = {
        impl
        for u in units
        if u.symbol.kind in {"interface", "trait"} and any(cb.callers.get(m.id) for m in u.methods)
        for impl in cb.implementations(u.symbol.id)
    }
    for u in units:
        if u.symbol.id in repos or u.symbol.kind in {"interface", "trait"}:
            continue
        methods = [m for m in u.methods if m.name not in _CTOR]
        if not methods:
            continue
        roots = _third_party_roots(cb, u.symbol.file_id)
        if not roots:
            continue
        alltext = cb.text_of(u.symbol.id) + "\n".join(cb.text_of(m.id) for m in u.methods)
        if not any(re.search(rf"\b{re.escape(r)}\b", alltext) for r in roots):
            continue
        fields = {
            m.group(1)
            for m in re.finditer(r"(?:self|this)\.(\w+)\s*=\s*(?:new\s+)?(\w+)", alltext)
            if m.group(2) in roots
        }
        fields |= {m.group(1) for m in re.finditer(r"(\w+)\s*=\s*new\s+(\w+)", alltext) if m.group(2) in roots}
        fields |= {m.group(1) for m in re.finditer(r"(\w+):\s*(\w+)::", alltext) if m.group(2) in roots}
        if u.symbol.language in {"go", "java"}:
            fields |= _library_fields(cb, u, roots)
        wrapped: list[str] = []
        for m in methods:
            go_self = re.match(r"func\s*\(\s*(\w+)\s", m.signature) if m.language == "go" else None
            for call in function_facts(cb, m.id).calls:
                callee = call.callee.strip()
                if go_self and callee.startswith(go_self.group(1) + "."):
                    callee = "self." + callee[len(go_self.group(1)) + 1 :]
                root = re.split(r"[.:(]", callee.removeprefix("self.").removeprefix("this."), maxsplit=1)[0]
                via_field = (
                    callee.startswith("self.") or callee.startswith("this.") or m.language == "java"
                ) and root in fields
                if root in roots or via_field:
                    wrapped.append(f"{m.name} calls {callee.split('(')[0][:60]}")
                    break
        if not wrapped:
            continue
        if any(_own_data_roles(cb, m.id) for m in methods):
            continue  # it reads/writes the database: a service or repository, not an adapter
        libs = {
            w.split(" calls ", 1)[1].removeprefix("self.").removeprefix("this.").split(".")[0].split("::")[0]
            for w in wrapped
        }
        if len(libs) > 1:
            continue  # an adapter wraps one library
        own = {m.id for m in u.methods}
        if any(
            c.dst is not None and c.dst not in own and cb.symbols[c.dst].kind in CALLABLE_KINDS
            for m in u.methods
            for c in cb.calls.get(m.id, [])
        ):
            continue  # it orchestrates project code too: a service using libraries, not an adapter
        used_from_outside = (
            any(cb.symbols[c].id not in {x.id for x in u.methods} for m in methods for c in cb.callers.get(m.id, []))
            or u.symbol.id in used_through_interface
        )
        if not used_from_outside:
            continue
        out.append(
            PatternInstance(
                kind="adapter",
                name=f"Adapter {u.symbol.name}",
                symbols=[u.symbol.qualified_name],
                location=cb.location(u.symbol.id),
                evidence=[*wrapped[:4], "its methods are called from project code"],
                confidence=round(min(0.9, 0.65 + 0.1 * len(wrapped)), 2),
                recommendations=_RECOMMEND["adapter"],
            )
        )
    return out


def _constructor(cb: Codebase, u: _Unit) -> SymbolRow | None:
    """``__init__`` / ``constructor`` / ``new``, a Java constructor (named as its class), or Go's ``NewT``
    function returning the type."""
    name = u.symbol.name
    ctors = [m for m in u.methods if m.name in _CTOR or (m.language == "java" and m.name == name)]
    if ctors:
        return ctors[0]
    if u.symbol.language == "go":
        for i in cb.by_name.get(f"New{name}", []):
            f = cb.symbols[i]
            in_package = f.kind == "function" and f.file_id in _package_files(cb, u.symbol.file_id)
            if in_package and re.search(rf"\)\s*\*?{re.escape(name)}\b", f.signature):
                return f
    return None


def _package_files(cb: Codebase, file_id: int) -> set[int]:
    folder = str(PurePosixPath(cb.files[file_id].path).parent)
    return {f.id for f in cb.files.values() if str(PurePosixPath(f.path).parent) == folder}


def _ctor_params(ctor: SymbolRow) -> list[str]:
    params = ctor.signature.split("(", 1)[-1].rsplit(")", 1)[0] if ctor.language == "go" else ctor.signature
    if ctor.language == "python":
        found = re.findall(r"[(,]\s*(\w+)", params)
    elif ctor.language == "java":  # (UserRepository users, @Value("${x}") String key)
        found = re.findall(r"(\w+)\s*(?=,|\)\s*(?:\{|throws|$))", params.split("(", 1)[-1])
    elif ctor.language == "go":  # (db *sql.DB, addr, from string)
        found = [p.split()[0] for p in params.split(",") if p.strip()]
    else:
        found = re.findall(r"(\w+)\s*:", params.split("(", 1)[-1])
    return [p for p in found if p not in {"self", "cls", "this"}]


def _injections(cb: Codebase, units: list[_Unit]) -> list[PatternInstance]:
    out = []
    for u in units:
        ctor = _constructor(cb, u)
        if ctor is None:
            continue
        params = _ctor_params(ctor)
        ctext = function_facts(cb, ctor.id).text
        stored = {
            p
            for p in params
            if p in ctext
            and re.search(
                rf"(self|this)\.{p}\s*=\s*{p}\b|\b{p}\b\s*[,}}]|(private|public|protected|readonly)\s+(readonly\s+)?{p}\b",
                ctext,
            )
        }
        fields = {p: p for p in stored}
        for p in stored:  # Go / Rust struct literals store a parameter under a field name: payments: gw
            if m := re.search(rf"(\w+)\s*:\s*{p}\s*[,}}]", ctext):
                fields[p] = m.group(1)
        if not stored:
            continue
        others = "\n".join(function_facts(cb, m.id).text for m in u.methods if m is not ctor)
        receiver = r"(?:(?<![\w.])|(?:self|this)\.)" if ctor.language == "java" else r"(?:self|this)\."
        if ctor.language == "go":
            receiver = r"\b\w+\."
        used = sorted(
            p
            for p in stored
            if fields[p] in others
            and re.search(
                rf"{receiver}{fields[p]}\s*(?:\.\s*\w+\s*)?(?:<[^<>()]*>)?\s*\(|\(\s*&?(mut\s+)?(self|this)\.{p}\s*\)",
                others,
            )
        )
        if not used:
            continue
        out.append(
            PatternInstance(
                kind="dependency_injection",
                name=f"Constructor injection into {u.symbol.name}",
                symbols=[u.symbol.qualified_name],
                location=cb.location(u.symbol.id),
                evidence=[f"constructor takes {', '.join(used)} and the methods use it as a collaborator"],
                confidence=0.8,
                recommendations=_RECOMMEND["dependency_injection"],
            )
        )
    for s in cb.callables():
        if s.name in _CTOR:
            continue  # constructor injection is reported on its class above
        if re.search(r"=\s*Depends\(|web::Data<|@Inject\b|@Autowired", s.signature + " ".join(s.decorators)):
            out.append(
                PatternInstance(
                    kind="dependency_injection",
                    name=f"Framework injection into {s.name}",
                    symbols=[s.qualified_name],
                    location=cb.location(s.id),
                    evidence=["the framework passes a dependency (Depends / web::Data / @Inject)"],
                    confidence=0.85,
                    recommendations=_RECOMMEND["dependency_injection"],
                )
            )
    return out


def detect_architectural_patterns(cb: Codebase, kinds: list[str] | None = None) -> PatternReport:
    """Every pattern instance of the kinds asked for (all by default), most confident first."""
    if kinds:
        unknown = sorted(set(kinds) - set(PATTERN_KINDS))
        if unknown:
            raise InvalidInputError(
                f"unknown pattern kind(s): {', '.join(unknown)}", hint=f"choose from {', '.join(PATTERN_KINDS)}"
            )

    def build() -> PatternReport:
        units = _units(cb)
        repos = _repositories(cb, units)
        layering, violations, layers = _layering(cb, repos, units)
        singles = _singletons(cb, units)
        by_qualified = {s.qualified_name: s.id for s in cb.symbols.values()}
        single_ids = {by_qualified[s.symbols[-1]] for s in singles if s.symbols[-1] in by_qualified}
        controllers = {e.handler_id for e in find_entry_points(cb)}
        found = (
            list(repos.values())
            + layering
            + _factories(cb, controllers, single_ids)
            + _builders(cb, units)
            + singles
            + _observers(cb, units)
            + _strategies(cb, units)
            + _adapters(cb, units, repos)
            + _injections(cb, units)
        )
        generated = {cb.files[i].path for i in generated_files(cb)}  # what is left of them (not a unit's members)
        found = [p for p in found if p.location.rsplit(":", 1)[0] not in generated]
        violations = [v for v in violations if v.location.rsplit(":", 1)[0] not in generated]
        found.sort(key=lambda p: (-p.confidence, p.kind, p.symbols[0]))
        skipped, skipped_total = skipped_list(cb)
        return PatternReport(patterns=found, layering_violations=violations, layers=layers, skipped=skipped,
                             skipped_total=skipped_total)  # fmt: skip

    cached = once(cb, "_patterns", build)  # one build per codebase; concurrent callers wait for it
    if not kinds:
        return cached
    return PatternReport(
        patterns=[p for p in cached.patterns if p.kind in kinds],
        layering_violations=cached.layering_violations if ("layering" in kinds or "service_layer" in kinds) else [],
        layers=cached.layers,
        skipped=cached.skipped,
        skipped_total=cached.skipped_total,
    )

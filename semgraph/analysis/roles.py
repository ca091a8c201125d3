"""The role vocabulary of workflow steps, and how a function earns a role.

A role comes first from what the function does: the library calls it makes
(``generate_password_hash`` → hash_secret, ``stripe.Charge.create`` →
charge_payment, ``session.add`` → persist), SQL it sends (``INSERT``/``GROUP BY``)
and literals it writes (``"shipped"``); its name only adds weaker evidence.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources

from semgraph.analysis.codebase import Codebase, last_segment, words_of
from semgraph.analysis.facts import function_facts

ROLES: dict[str, str] = {
    "validate_input": "validates its input and rejects bad values",
    "lookup": "reads a record",
    "duplicate_check": "looks a record up and fails if it already exists",
    "hash_secret": "hashes a password or secret",
    "verify_secret": "checks a password or secret against its hash",
    "issue_token": "issues a session / access token",
    "generate_token": "generates a random one-time token",
    "delete": "deletes from the database",
    "persist": "writes to the database",
    "charge_payment": "charges a payment / calls a payment gateway",
    "send_notification": "sends an e-mail / message / notification",
    "audit_log": "records an audit or log entry",
    "enqueue_job": "enqueues a job or publishes an event",
    "parse_input": "parses uploaded / file input (CSV, JSON)",
    "aggregate": "aggregates data (GROUP BY, SUM, COUNT)",
    "render_output": "renders a document / export (CSV, template)",
    "update_status": "moves a record to a fulfilment status (shipped, delivered)",
    "record_payment": "marks a record paid",
    "adjust_stock": "changes stock levels",
    "external_call": "calls an external HTTP service",
}

ROLE_ORDER = [
    "charge_payment",
    "hash_secret",
    "verify_secret",
    "issue_token",
    "generate_token",
    "send_notification",
    "update_status",
    "record_payment",
    "adjust_stock",
    "parse_input",
    "aggregate",
    "render_output",
    "delete",
    "persist",
    "enqueue_job",
    "external_call",
    "audit_log",
    "duplicate_check",
    "lookup",
    "validate_input",
]
"""Primary-role precedence: the most business-specific thing a step does names it."""

_ROLE_TABLES = "semgraph.analysis.tables.roles"
"""One TOML file per role: the library calls that give it (callee patterns, bare functions imported from a
library, calls whose arguments name a database connection). Knowledge about libraries is data."""


@dataclass(frozen=True)
class RoleRule:
    role: str
    callee: re.Pattern[str]
    imported: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = ()
    with_args: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = ()
    model_module: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = ()


def _load_rules() -> list[RoleRule]:
    folder = resources.files(_ROLE_TABLES)
    out = []
    for role in ROLE_ORDER:
        entry = folder.joinpath(f"{role}.toml")
        if not entry.is_file():
            continue
        data = tomllib.loads(entry.read_text())
        flags = re.I if data.get("ignore_case") else 0
        out.append(
            RoleRule(
                role=data["role"],
                callee=re.compile("|".join(f"(?:{c})" for c in data.get("callees", [])) or r"(?!)", flags),
                imported=tuple((re.compile(i["modules"]), re.compile(i["names"])) for i in data.get("imported", [])),
                with_args=tuple((re.compile(w["callee"]), re.compile(w["args"])) for w in data.get("with_args", [])),
                model_module=tuple(
                    (re.compile(m["defines"]), re.compile(m["methods"])) for m in data.get("model_module", [])
                ),
            )
        )
    return out


_RULES = _load_rules()
_DATA_ROLES = frozenset({"persist", "delete", "lookup"})
_BUILTIN_RECEIVER = re.compile(
    r"^(Object|Array|Map|Set|Math|JSON|Reflect|Promise|String|Number|dict|list|set|os\.environ)\."
)
_ITERATION = re.compile(r"\.(iter|into_iter|iter_mut|chars|lines|bytes|keys|values|entries|items|split\w*)\(")
_COLLECTION_TYPE = re.compile(
    r"^(?:&\s*)?(?:mut\s+)?(Vec|VecDeque|HashMap|BTreeMap|HashSet|BTreeSet|IndexMap|Option|list|dict|set|tuple|"
    r"List|Dict|Set|Map|WeakMap|Array|ArrayList|LinkedList|Deque|Iterable|Sequence|Mapping|\[\]|map\[)"
)


_DATA_CALLEE = re.compile(r"\.(first|find|filter|get|insert|remove|delete|update|save|push|add|values|exists|load)\b")

_TEARDOWN = re.compile(
    r"(?i)(?:^|[._])(?:get)?(db|pool|conn|connection|client|knex|sequelize|server|socket|stream|worker|queue)"
    r"(?:\(\))?\.(destroy|remove|close)$"
)
_ANY_RULE = re.compile("|".join(f"(?:{r.callee.pattern})" for r in _RULES), re.I)
"""One pass first: most callees (len, append, str) match no rule at all."""

_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP)\b", re.I)
_FULFIL = re.compile(r"^(shipped|fulfilled|delivered|dispatched|in_transit|out_for_delivery)$", re.I)
_PAID = re.compile(r"^(paid|captured|charged|settled)$", re.I)
_STATUS_SET = re.compile(
    r"""(status\w*\s*=\s*|status\w*\s*:\s*(?:\w+::)*(?:Set\(\s*)?|\.eq\(\s*|[sS]tatus\w*\(\s*[^,()]*,\s*|\bset_?[sS]tatus\(\s*)(?:["'](\w+)["']|(?:[a-z_]\w*::)*(?:[A-Z]\w*(?:\.|::))+(\w+)\b(?!\())"""
)
"""A status set to a literal ("shipped") or an enum member (OrderStatus.SHIPPED, Status::Shipped)."""
_STOCK = re.compile(r"\b(stock|inventory|quantity_on_hand)\s*(-=|-\s*\w|=\s*\w+\s*-)", re.I)

_NAME_ROLES: list[tuple[str, set[str]]] = [
    ("validate_input", {"validate", "validation", "check", "clean", "sanitize", "verify"}),
    ("hash_secret", {"hash"}),
    ("issue_token", {"token", "jwt", "session"}),
    ("charge_payment", {"charge", "payment", "pay", "capture"}),
    ("send_notification", {"mail", "notify", "notification", "sms", "welcome", "send"}),
    ("persist", {"save", "insert", "store", "persist", "add", "create"}),
    ("delete", {"delete", "remove", "destroy"}),
    ("lookup", {"find", "get", "fetch", "load", "lookup", "query", "list", "exists"}),
    ("audit_log", {"audit", "log", "record"}),
]


@dataclass
class RoleEvidence:
    """Roles of one function with the reason for each."""

    roles: dict[str, str] = field(default_factory=dict)  # role -> evidence
    name_roles: dict[str, str] = field(default_factory=dict)
    via_repository: set[str] = field(default_factory=set)  # data roles only reached through a project repository

    def primary(self) -> str:
        for r in ROLE_ORDER:
            if r in self.roles:
                return r
        for r in ROLE_ORDER:
            if r in self.name_roles:
                return r
        return "step"

    def all(self) -> list[str]:
        return [r for r in ROLE_ORDER if r in self.roles]


DATA_HANDLE_TYPES = frozenset(
    {
        "Repository",
        "EntityRepository",
        "MongoRepository",
        "TreeRepository",
        "EntityManager",
        "DataSource",
        "Model",
        "PrismaClient",
        "PrismaService",
        "Collection",
        "Knex",
        "Sequelize",
        "Pool",
        "PgPool",
        "MySqlPool",
        "SqlitePool",
        "PgConnection",
        "SqliteConnection",
        "MysqlConnection",
        "Session",
        "AsyncSession",
        "Connection",
        "Database",
        "DB",
        "Tx",
        "JpaRepository",
        "CrudRepository",
        "ListCrudRepository",
        "PagingAndSortingRepository",
        "ReactiveCrudRepository",
        "JdbcTemplate",
        "NamedParameterJdbcTemplate",
    }
)
MAIL_HANDLE_TYPES = frozenset({"JavaMailSender", "MailSender", "Transporter", "SmtpTransport", "AsyncSmtpTransport"})
"""Library types whose ``send*`` methods deliver mail (Spring, nodemailer, lettre)."""
DATA_HANDLE_TYPES_DOC = "database handle (Repository<T>, Session, Pool, …)"
HANDLE_OPS = (
    ("delete", re.compile(r"^(delete|remove|destroy|softDelete|softRemove|deleteMany|deleteOne|truncate)")),
    (
        "persist",
        re.compile(
            r"^(save|insert|update|upsert|create(?!QueryBuilder)|add|merge|increment|decrement|commit|bulkCreate|put)"
        ),
    ),
    (
        "lookup",
        re.compile(r"^(find|get|count|exist|query|select|load|fetch|aggregate|createQueryBuilder|scalar|execute)"),
    ),
)
_HANDLE_CALL = re.compile(r"^((?:\w+\.)?\w+)\.(\w+)$")
_JWT_CALLEES = frozenset({"encode", "sign", "jwt.encode", "jwt.sign"})
_JWT_IMPORT = re.compile(r"jsonwebtoken|\bjwt\b")
_PAY_ARGS = re.compile(r"charge|payment|pay\b|checkout", re.I)
_AUDIT_MODEL = re.compile(r"attempt|audit|log", re.I)
_PARSER_MODULES = re.compile(r"(csv|xlsx|excel|papaparse|yaml|xml2js|fast-xml|ndjson)", re.I)


def is_data_handle(cb: Codebase, type_name: str | None) -> bool:
    """A database handle type, or a project interface extending one (Spring Data ``extends JpaRepository``)."""
    if not type_name:
        return False
    return type_name in DATA_HANDLE_TYPES or bool(cb.type_bases(type_name) & DATA_HANDLE_TYPES)


def handle_op_role(method: str) -> str | None:
    for role, pat in HANDLE_OPS:
        if pat.match(method):
            return role
    return None


_QUERY_BUILDER = re.compile(r"^((?:\w+\.)?\w+)\(")
_CHAIN_METHOD = re.compile(r"\.(\w+)(?=\(|$)")


def _data_handle_role(
    cb: Codebase, symbol_id: int, callee: str, callees: list[str] | None = None
) -> tuple[str, str] | None:
    """``this.users.findOne(…)`` where ``users: Repository<User>`` (also Go ``h.db.ExecContext``, Java
    ``users.save`` on a field, knex ``this.db("users").where(…).del()``): the declared type of the receiver
    says it is data access or mail. Returns (role, how): how is ``mail``, ``handle`` or ``repository`` (a
    project interface over the framework's repository: data access, but not direct)."""
    m = _HANDLE_CALL.match(callee)
    if m:
        typed, op = cb.receiver_type(symbol_id, m.group(1)), m.group(2)
    elif q := _QUERY_BUILDER.match(callee):  # a callable handle: the table call starts a query chain
        if callees and any(o != callee and o.startswith(callee + "(") for o in callees):
            return None  # a prefix of a longer chain (`db("t").where` of `db("t").where(…).del()`)
        typed = cb.receiver_type(symbol_id, q.group(1))
        ops = _CHAIN_METHOD.findall(callee[q.end() :])
        op = next((o for o in ops if re.match(r"^(del|delete|insert|update|upsert)$", o)), "select")
        op = "delete" if op == "del" else op
    else:
        return None
    if typed in MAIL_HANDLE_TYPES and op.lower().startswith("send"):
        return "send_notification", "mail"
    if not is_data_handle(cb, typed):
        return None
    role = handle_op_role(op)
    if role is None:
        return None
    return role, ("handle" if typed in DATA_HANDLE_TYPES else "repository")


def _is_collection_call(cb: Codebase, symbol_id: int, callee: str) -> bool:
    """``.first()`` / ``.find()`` / ``.insert()`` / ``.get()`` on a list, vector or map: no data access."""
    if _ITERATION.search(callee) or _BUILTIN_RECEIVER.match(callee):
        return True
    receiver = re.sub(r"\(.*", "", callee).rsplit(".", 1)[0] if "." in callee else ""
    if not receiver or receiver == callee:
        return False
    typed = cb.receiver_type(symbol_id, receiver)
    if typed and _COLLECTION_TYPE.match(typed):
        return True
    if re.fullmatch(r"\w+", receiver):  # a local bound to a collection literal / constructor in this function
        init = re.search(
            rf"\b{re.escape(receiver)}\s*(?::\s*([^=]+?))?\s*:?=\s*(?:\[|\{{|vec!|new\s+(?:Map|Set|Array)\b|"
            rf"(?:dict|list|set|defaultdict|OrderedDict|Counter|deque)\(|(?:Vec|HashMap|BTreeMap|HashSet|BTreeSet|"
            rf"VecDeque|IndexMap)::|make\((?:\[\]|map\[)|\[\]\w+\{{|map\[)",
            function_facts(cb, symbol_id).text,
        )
        if init is not None and (init.group(1) is None or _COLLECTION_TYPE.match(init.group(1).strip())):
            return True
    return False


def _apply_rules(ev: RoleEvidence, callee: str, head: str, args: str = "", collection: bool = False) -> None:
    for rule in _RULES:
        role = rule.role
        if role in ev.roles:
            continue
        if collection and role in _DATA_ROLES:
            continue
        hit = rule.callee.search(callee)
        if not hit:
            for c_pat, a_pat in rule.with_args:
                if c_pat.search(callee) and a_pat.search(args):
                    hit = True
                    break
        if not hit:
            continue
        if role == "issue_token" and callee == "login" and "auth" not in head:
            continue
        if role == "delete" and _TEARDOWN.search(callee):
            continue  # closing a pool / server / stream deletes no record
        ev.roles[role] = f"calls {callee}"


_JS_FAMILY = frozenset({"javascript", "typescript", "tsx"})


def _model_module_roles(cb: Codebase, path: str, callee: str, ev: RoleEvidence) -> None:
    """``User.create(…)`` where ``User`` is imported from a module that defines an ORM model
    (``mongoose.model('User', schema)``, ``sequelize.define(…)``): a data call by the table's evidence."""
    from semgraph.analysis.mounts import js_import_origin  # mounts imports the codebase layer only

    recv, method = callee.split(".", 1)
    origin = js_import_origin(cb, path, recv)  # through a barrel: `const { User } = require('../models')`
    if origin is None:
        return
    src = cb.source(origin)[:200_000].decode("utf-8", "replace")
    writes = False
    for rule in _RULES:
        if rule.role in ev.roles:
            continue
        for defines, methods in rule.model_module:
            if methods.search(method) and defines.search(src):
                ev.roles[rule.role] = f"calls {callee} on a model ({origin})"
                writes = writes or rule.role == "persist"
                break
    if writes or method == "save":  # the model's save hooks run too (a password hashed in pre('save'))
        for body in _save_hooks(src):
            for m in re.finditer(r"([A-Za-z_$][\w$.]*)\s*\(", body):
                if _ANY_RULE.search(m.group(1)):
                    _apply_rules(ev, m.group(1), "")
                    for role, why in list(ev.roles.items()):
                        if why == f"calls {m.group(1)}":
                            ev.roles[role] = f"{why} in a save hook of {origin}"


_SAVE_HOOK = re.compile(r"\.pre\(\s*[\"'`](save|validate)[\"'`]\s*,\s*(?:async\s+)?function\b[^{]*\{")


def _save_hooks(src: str) -> list[str]:
    """Bodies of a Mongoose schema's ``pre('save')`` / ``pre('validate')`` hooks."""
    out = []
    for m in _SAVE_HOOK.finditer(src):
        depth, i = 1, m.end()
        while i < len(src) and depth:
            depth += {"{": 1, "}": -1}.get(src[i], 0)
            i += 1
        out.append(src[m.end() : i])
    return out


def function_roles(cb: Codebase, symbol_id: int) -> RoleEvidence:
    """What one function does, from its calls and literals; its name adds weak evidence."""
    cache: dict[int, RoleEvidence] = cb.__dict__.setdefault("_roles", {})
    if symbol_id in cache:
        return cache[symbol_id]
    ev = RoleEvidence()
    sym = cb.symbols[symbol_id]
    facts = function_facts(cb, symbol_id)
    head = cb.source(sym.path)[:3000].decode("utf-8", "replace")
    project_calls = {(c.line, c.name) for c in cb.calls.get(symbol_id, []) if c.dst is not None and c.kind == "calls"}
    parsers = {
        (alias or name): module
        for module, name, alias, _ in cb.import_rows.get(sym.file_id, [])
        if name and _PARSER_MODULES.search(module)
    }
    all_callees = [" ".join(c.callee.split()) for c in facts.calls]
    bare = {
        (alias or name): (module.replace("::", "."), name or alias)
        for module, name, alias, _ in cb.import_rows.get(sym.file_id, [])
        if name or alias
    }
    for call in facts.calls:
        callee = " ".join(call.callee.split())
        if (call.line, last_segment(re.sub(r"\(.*?\)", "", callee) or callee)) in project_calls:
            continue  # a call into the project is evidence for the callee's own step, not this one
        handle = _data_handle_role(cb, symbol_id, callee, all_callees)
        if handle is not None and handle[1] == "repository":
            if handle[0] not in ev.roles:
                ev.via_repository.add(handle[0])
                ev.roles[handle[0]] = f"calls {callee} on a repository"
            continue  # a repository interface's method: its name says it all, the generic rules would guess
        if _ANY_RULE.search(callee) or any(w[0].search(callee) for r in _RULES for w in r.with_args):
            collection = bool(_DATA_CALLEE.search(callee)) and _is_collection_call(cb, symbol_id, callee)
            _apply_rules(ev, callee, head, call.args, collection)
        if "." not in callee and ":" not in callee and callee in bare:
            module, name = bare[callee]
            for rule in _RULES:
                if rule.role not in ev.roles and any(m.search(module) and n.search(name) for m, n in rule.imported):
                    ev.roles[rule.role] = f"calls {callee} from {module}"
        if re.fullmatch(r"[A-Za-z_$][\w$]*\.\w+", callee) and sym.language in _JS_FAMILY:
            _model_module_roles(cb, sym.path, callee, ev)
        if handle is not None:
            how = "a mail sender" if handle[1] == "mail" else f"a {DATA_HANDLE_TYPES_DOC}"
            ev.roles.setdefault(handle[0], f"calls {callee} on {how}")
        if "." not in callee and ":" not in callee and callee in parsers:
            ev.roles.setdefault("parse_input", f"calls {callee} from {parsers[callee]}")
        if callee in _JWT_CALLEES and _JWT_IMPORT.search(head):
            ev.roles.setdefault("issue_token", f"calls {callee} (JWT)")
        if callee.endswith((".post", ".put")) and _PAY_ARGS.search(call.args):
            ev.roles.setdefault("charge_payment", f"posts to a payment endpoint ({callee})")
        if callee.endswith(".create") and _AUDIT_MODEL.search(callee.split(".")[0]):
            ev.roles.setdefault("audit_log", f"calls {callee}")
    for line, s in facts.strings:
        m = _SQL.match(s)
        if m:
            verb = m.group(1).upper()
            if re.search(r"\bGROUP BY\b|\bSUM\(|\bCOUNT\(|\bAVG\(", s, re.I):
                ev.roles.setdefault("aggregate", f"SQL with aggregation at line {line}")
            if verb in {"INSERT", "UPDATE"}:
                ev.roles.setdefault("persist", f"SQL {verb} at line {line}")
            elif verb == "DELETE":
                ev.roles.setdefault("delete", f"SQL DELETE at line {line}")
            elif verb in {"SELECT", "WITH"}:
                ev.roles.setdefault("lookup", f"SQL SELECT at line {line}")
        elif s.strip().lower() in {"text/csv", "application/pdf"}:
            ev.roles.setdefault("render_output", f"responds with {s.strip()}")
    for m in _STATUS_SET.finditer(facts.text):  # assignments only: a guard comparing the status is no change
        line_start = facts.text.rfind("\n", 0, m.start()) + 1
        if re.search(r"\bwhere\b", facts.text[line_start : m.start()], re.I):
            continue  # SQL `... WHERE status = 'paid'` is a condition, not an assignment
        value = m.group(2) or m.group(3)
        line = sym.start_line + facts.text.count("\n", 0, m.start())
        if _FULFIL.match(value):
            ev.roles.setdefault("update_status", f'sets status "{value}" at line {line}')
        elif _PAID.match(value):
            ev.roles.setdefault("record_payment", f'sets status "{value}" at line {line}')
    if _STOCK.search(facts.text):
        ev.roles.setdefault("adjust_stock", "decrements stock")
    if any(g.fails for g in facts.guards) and not ({"persist", "delete"} & set(ev.roles)):
        ev.roles.setdefault("validate_input", "rejects input in a guard")
    owner = cb.owner_type(symbol_id)
    if (
        not ev.roles
        and owner is not None
        and cb.symbols[owner].kind in {"interface", "trait"}
        and is_data_handle(cb, cb.symbols[owner].name)
    ):  # a derived query declared on a repository interface (findByEmail, existsByEmail)
        op = handle_op_role(sym.name)
        if op is not None:
            ev.roles[op] = f"declared on {cb.symbols[owner].name}, a {DATA_HANDLE_TYPES_DOC}"
    words = set(words_of(sym.name))
    for role, keys in _NAME_ROLES:
        if words & keys and role not in ev.roles:
            ev.name_roles[role] = f"named {sym.name}"
    cache[symbol_id] = ev
    return ev

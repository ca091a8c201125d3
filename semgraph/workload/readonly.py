"""Classify custom workload SQL with a real parser, and seal read-only connections.

Why a parser (sqlglot): a word list cannot tell ``SELECT 'delete'`` from ``DELETE``, misses writes hidden
in a CTE (``WITH d AS (DELETE …) SELECT …``), ``SELECT … INTO``, and session switches such as
``SET SESSION TRANSACTION READ WRITE`` that undo a read-only session. sqlglot parses the three
dialects we speak (sqlite, postgres, mysql) into one typed tree, is pure Python and well kept. The
rule is fail-closed: a statement the parser cannot place in a known class is refused.

Three verdicts per statement: ``read`` (runs under ``allow_writes=false``), ``write`` (needs
``allow_writes=true``) and refused (never runs: session changes, file access, other databases,
extension loading, several statements in one string).
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import tomllib
from dataclasses import dataclass
from importlib import resources

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from semgraph.errors import InvalidInputError

_DIALECTS = {"sqlite": "sqlite", "postgres": "postgres", "mysql": "mysql"}
_READ_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery, exp.Values)
_WRITE_ROOTS = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.TruncateTable)
_WRITE_NODES = (exp.Insert, exp.Update, exp.Delete, exp.Merge)
_REFUSED_NODES: dict[type[exp.Expression], str] = {
    exp.Set: "it changes session settings (SET)",
    exp.Command: "it is a command the parser cannot check (SET/RESET/DO/CALL/LOAD/VACUUM/EXPLAIN …)",
    exp.Pragma: "PRAGMA changes or reads connection settings",
    exp.Attach: "ATTACH opens another database file",
    exp.Detach: "DETACH changes the attached databases",
    exp.Copy: "COPY reads or writes server files",
    exp.Use: "USE switches the database",
    exp.Transaction: "transaction control belongs to the runner (use 'transaction:' in the config)",
    exp.Commit: "transaction control belongs to the runner (use 'transaction:' in the config)",
    exp.Rollback: "transaction control belongs to the runner (use 'transaction:' in the config)",
    exp.Lock: "row locks (FOR UPDATE/SHARE) are not reads",
}


@dataclass(frozen=True)
class Verdict:
    """How one statement may run: ``writes`` says whether it needs allow_writes; ``refused`` why never."""

    writes: bool
    refused: str | None = None


@functools.cache
def _policy() -> dict[str, dict[str, list[str]]]:
    text = resources.files("semgraph.workload").joinpath("data/sql_policy.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _denied_functions(dialect: str) -> frozenset[str]:
    funcs = _policy()["functions"]
    return frozenset(funcs.get("all", []) + funcs.get(dialect, []))


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return (node.sql_name() if isinstance(node, exp.Func) else "").lower()


def _foreign_table(table: exp.Table, dialect: str) -> str | None:
    """The other database a table reference names, or None when it stays in the DSN's database."""
    if table.args.get("catalog") is not None:
        return table.catalog
    db = table.db
    if not db:
        return None
    if dialect == "mysql":
        return db  # MySQL's qualifier is a database: the DSN already chose one
    if dialect == "sqlite" and db.lower() not in _policy()["schemas"]["sqlite"]:
        return db
    return None


@functools.lru_cache(maxsize=4096)
def classify(sql: str, dialect: str) -> Verdict:
    """Parse ``sql`` (one statement, ``:name`` parameters allowed) and decide what it may do."""
    read = _DIALECTS.get(dialect)
    if read is None:
        return Verdict(True, f"no SQL policy for dialect {dialect!r}")
    try:
        logging.getLogger("sqlglot").setLevel(logging.ERROR)  # "falling back to Command" is our refusal
        trees = [t for t in sqlglot.parse(sql, read=read) if t is not None]
    except SqlglotError as exc:
        first = str(exc).splitlines()[0][:160]
        return Verdict(True, f"the SQL parser cannot read it ({first}), so it cannot be checked")
    except RecursionError:
        return Verdict(True, "it is nested too deeply to be checked")
    if len(trees) != 1:
        return Verdict(True, "one statement per entry (use 'transaction:' for several)" if trees else "it is empty")
    root = trees[0]
    denied = _denied_functions(dialect)
    writes = isinstance(root, _WRITE_ROOTS)
    if not writes and not isinstance(root, _READ_ROOTS):
        reason = next((why for cls, why in _REFUSED_NODES.items() if isinstance(root, cls)), None)
        return Verdict(True, reason or f"{type(root).__name__.upper()} statements are not allowed in workloads")
    for node in root.walk():
        for cls, why in _REFUSED_NODES.items():
            if isinstance(node, cls):
                return Verdict(True, why)
        if isinstance(node, exp.Into):
            if dialect == "mysql":
                return Verdict(True, "SELECT … INTO writes files or session variables")
            writes = True  # PostgreSQL SELECT … INTO creates a table
        elif isinstance(node, _WRITE_NODES):
            writes = True
        elif isinstance(node, exp.PropertyEQ | exp.Parameter) and dialect == "mysql" and "@" in node.sql("mysql"):
            return Verdict(True, "session variables (@x) change session state")
        elif isinstance(node, exp.Func | exp.Anonymous) and _function_name(node) in denied:
            return Verdict(True, f"function {_function_name(node)}() reaches outside the workload's tables")
        elif isinstance(node, exp.Table) and (other := _foreign_table(node, dialect)):
            return Verdict(True, f"it names another database or schema ({other}); the DSN chooses the database")
    return Verdict(writes)


def check_statement(sql: str, dialect: str, *, operation: str) -> Verdict:
    """``classify`` that raises a clear error for a refused statement."""
    verdict = classify(sql, dialect)
    if verdict.refused:
        raise InvalidInputError(
            f"operation {operation!r}: statement refused: {verdict.refused}",
            hint="custom SQL may read (SELECT) or, with allow_writes=true, change rows of the DSN's database only",
        )
    return verdict


# --------------------------------------------------------------------------- SQLite authorizer

_PRAGMA_READS = frozenset(
    [
        "table_info",
        "table_xinfo",
        "index_list",
        "index_info",
        "index_xinfo",
        "foreign_key_list",
        "user_version",
        "schema_version",
        "page_count",
        "page_size",
        "freelist_count",
        "data_version",
        "database_list",
        "collation_list",
        "compile_options",
        "function_list",
        "module_list",
        "pragma_list",
        "table_list",
        "integrity_check",
        "quick_check",
    ]
)
_PRAGMA_SETUP = frozenset(["busy_timeout", "journal_mode", "synchronous", "foreign_keys", "query_only", "cache_size"])
_WRITE_ACTIONS = frozenset(
    getattr(sqlite3, name)
    for name in [
        "SQLITE_INSERT",
        "SQLITE_UPDATE",
        "SQLITE_DELETE",
        "SQLITE_ALTER_TABLE",
        "SQLITE_REINDEX",
        "SQLITE_ANALYZE",
        "SQLITE_CREATE_INDEX",
        "SQLITE_CREATE_TABLE",
        "SQLITE_CREATE_TEMP_INDEX",
        "SQLITE_CREATE_TEMP_TABLE",
        "SQLITE_CREATE_TEMP_TRIGGER",
        "SQLITE_CREATE_TEMP_VIEW",
        "SQLITE_CREATE_TRIGGER",
        "SQLITE_CREATE_VIEW",
        "SQLITE_CREATE_VTABLE",
        "SQLITE_DROP_INDEX",
        "SQLITE_DROP_TABLE",
        "SQLITE_DROP_TEMP_INDEX",
        "SQLITE_DROP_TEMP_TABLE",
        "SQLITE_DROP_TEMP_TRIGGER",
        "SQLITE_DROP_TEMP_VIEW",
        "SQLITE_DROP_TRIGGER",
        "SQLITE_DROP_VIEW",
        "SQLITE_DROP_VTABLE",
    ]
)


def sqlite_authorizer(*, read_only: bool):
    """An authorizer for a workload's SQLite connection (installed after the connection's own set-up).

    Always denied: ATTACH and DETACH (another file; ``VACUUM`` and ``VACUUM INTO`` attach their target, so
    they are denied too), setting a PRAGMA other than the few the dialect itself sets, and extension or
    file functions. Read-only also denies every write action, so neither ``PRAGMA query_only=OFF`` nor
    any other trick can write.
    """
    deny, ok = sqlite3.SQLITE_DENY, sqlite3.SQLITE_OK
    functions = _denied_functions("sqlite")

    def authorize(action: int, arg1: str | None, arg2: str | None, db: str | None, _src: str | None) -> int:
        if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
            return deny
        if action == sqlite3.SQLITE_PRAGMA:
            name = (arg1 or "").lower()
            if arg2 is None or name in _PRAGMA_READS - {"user_version", "schema_version"}:
                return ok  # reading a setting, or a read-only pragma with a table argument
            return ok if (not read_only and name in _PRAGMA_SETUP and name != "query_only") else deny
        if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in functions:
            return deny
        if read_only and action in _WRITE_ACTIONS:
            return deny
        return ok

    return authorize

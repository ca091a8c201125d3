"""Dialect registry: one module per database behind ``base.Dialect``."""

from __future__ import annotations

from semgraph.errors import UnsupportedError
from semgraph.workload.dialects.base import Connection, Dialect, ErrorClass

__all__ = ["Connection", "Dialect", "ErrorClass", "get_dialect"]


def get_dialect(name: str) -> Dialect:
    """The dialect for ``name`` (sqlite, postgres, mysql); imported lazily so drivers load on demand."""
    if name == "sqlite":
        from semgraph.workload.dialects.sqlite import SQLiteDialect

        return SQLiteDialect()
    if name == "postgres":
        from semgraph.workload.dialects.postgres import PostgresDialect

        return PostgresDialect()
    if name == "mysql":
        from semgraph.workload.dialects.mysql import MySQLDialect

        return MySQLDialect()
    raise UnsupportedError(f"no dialect {name!r}", hint="supported: sqlite, postgres, mysql/mariadb")

"""Parse database URLs and keep passwords out of everything we print or store.

Why one module: every place that shows a DSN (results, run records, errors,
logs) goes through ``DSN.redacted`` or ``redact`` so a password can never leak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from semgraph.errors import InvalidInputError
from semgraph.paths import PathGuard

SCHEMES: dict[str, str] = {
    "sqlite": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}
"""URL scheme -> dialect name."""

DEFAULT_PORTS = {"postgres": 5432, "mysql": 3306}

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)@", re.IGNORECASE)


@dataclass(frozen=True)
class DSN:
    """A parsed connection target. ``password`` is never part of ``redacted``."""

    dialect: str
    database: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    path: Path | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def redacted(self) -> str:
        """The URL with the password replaced by ``***`` (safe to show and store)."""
        if self.dialect == "sqlite":
            return f"sqlite:///{self.path}"
        auth = ""
        if self.user:
            auth = self.user + (":***" if self.password else "") + "@"
        return f"{self.dialect}://{auth}{self.host}:{self.port}/{self.database}"

    def scrub(self, text: str) -> str:
        """Remove this DSN's password (and any URL password) from an arbitrary message."""
        return redact(text, self.password)


def redact(text: str, password: str | None = None) -> str:
    """Replace ``user:password@`` in URLs and any occurrence of ``password`` with ``***``."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + "***@", text)
    if password:
        text = text.replace(password, "***")
    return text


def parse_dsn(text: str, guard: PathGuard, *, default_sqlite: Path | None = None) -> DSN:
    """Parse ``sqlite:///path``, ``postgresql://…`` or ``mysql://…``/``mariadb://…``.

    SQLite paths go through the path guard (relative paths from the first root),
    so a workload can only create or touch database files inside the roots.
    """
    raw = (text or "").strip()
    if not raw:
        if default_sqlite is None:
            raise InvalidInputError("no DSN given", hint="pass e.g. sqlite:///shop.db or postgresql://user@host/db")
        real = guard.resolve_for_write(default_sqlite)
        real.parent.mkdir(parents=True, exist_ok=True)
        return DSN(dialect="sqlite", database=real.name, path=real)
    scheme, sep, _rest = raw.partition("://")
    dialect = SCHEMES.get(scheme.lower().split("+", 1)[0]) if sep else None
    if dialect is None:
        raise InvalidInputError(
            f"unsupported DSN {redact(raw)!r}",
            hint="use sqlite:///path/to/file.db, postgresql://user:pass@host:5432/db or mysql://user:pass@host:3306/db",
        )
    if dialect == "sqlite":
        return _parse_sqlite(raw, guard)
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise InvalidInputError(f"malformed DSN {redact(raw)!r}: {redact(str(exc))}") from None
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise InvalidInputError(
            f"DSN {redact(raw)!r} names no database", hint=f"append the database name: {scheme}://host/dbname"
        )
    password = unquote(parts.password) if parts.password is not None else None
    return DSN(
        dialect=dialect,
        database=database,
        host=parts.hostname or "127.0.0.1",
        port=port or DEFAULT_PORTS[dialect],
        user=unquote(parts.username) if parts.username else None,
        password=password,
        options=dict(parse_qsl(parts.query)),
    )


def _parse_sqlite(raw: str, guard: PathGuard) -> DSN:
    path_text = raw.split("://", 1)[1]
    path_text = path_text.split("?", 1)[0]
    if path_text.startswith("/") and not path_text.startswith("//"):
        path_text = path_text[1:]  # sqlite:///rel.db -> rel.db ; sqlite:////abs.db -> /abs.db
    elif path_text.startswith("//"):
        path_text = path_text[1:]
    if not path_text or path_text == ":memory:":
        raise InvalidInputError(
            "SQLite DSN needs a file path",
            hint="use sqlite:///name.db (relative to the root) or sqlite:////abs/path.db",
        )
    real = guard.resolve_for_write(path_text)
    if real.is_dir():
        raise InvalidInputError(f"SQLite path {path_text!r} is a directory", hint="name a .db file")
    real.parent.mkdir(parents=True, exist_ok=True)
    return DSN(dialect="sqlite", database=real.name, path=real)

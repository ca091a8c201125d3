"""Parse database URLs and keep passwords out of everything we print or store.

Why one module: every place that shows a DSN (results, run records, errors,
logs) goes through ``DSN.redacted`` or ``redact`` so a password can never leak.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

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

_URL_HEAD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)", re.IGNORECASE)


def split_userinfo(raw: str) -> tuple[str, str | None, str | None, str]:
    """``scheme://user:password@rest`` -> (scheme, user, password, rest), taken apart before any URL parser.

    Why: an unencoded ``@``, ``/``, ``?``, ``#``, space or newline in a password breaks every URL parser
    (the password then shows up as host, path or an error message). The userinfo ends at the LAST ``@``
    of the URL, and the password starts at the first ``:`` in it; percent-escapes are decoded.
    """
    scheme, _, remainder = raw.partition("://")
    if "@" not in remainder:
        return scheme, None, None, remainder
    userinfo, _, rest = remainder.rpartition("@")
    user, colon, password = userinfo.partition(":")
    return scheme, _decode(user) or None, (_decode(password) if colon else None), rest


def _decode(part: str) -> str:
    """Percent-decode a URL part; a part with a bare ``%`` (not ``%XX``) or bytes that are not UTF-8 is literal."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", part):
        return part
    try:
        return unquote(part, errors="strict")
    except UnicodeDecodeError:
        return part


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


def secret_forms(password: str) -> set[str]:
    """The ways a password can appear in a message: as is, percent-encoded, escaped by repr or JSON."""
    forms = {password, quote(password, safe=""), quote_plus(password), repr(password)[1:-1]}
    forms.add(json.dumps(password)[1:-1])
    forms.update(line for line in password.splitlines() if len(line) >= 4)  # a message may cut at a newline
    return {f for f in forms if f}


def redact(text: str, password: str | None = None) -> str:
    """Replace ``user:password@`` of every URL in ``text`` and each form of ``password`` with ``***``.

    A URL's userinfo runs to the last ``@`` of the text's URL: a password holding ``@``, ``/`` or spaces
    is hidden whole (hiding too much is the safe side).
    """
    if password:
        for form in sorted(secret_forms(password), key=len, reverse=True):
            text = text.replace(form, "***")
    out, pos = [], 0
    for m in _URL_HEAD.finditer(text):
        if m.start() < pos:
            continue
        at = text.rfind("@", m.end())
        if at < 0:
            continue
        out.append(text[pos : m.end()] + "***")
        pos = at
    out.append(text[pos:])
    return "".join(out)


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
    # the secret is taken out first; only the host/path/query part goes through the URL parser
    _scheme, user, password, rest = split_userinfo(raw)
    shown = f"{scheme}://{(user or '') + (':***' if password is not None else '') + '@' if user or password else ''}"
    shown = redact(shown + rest, password)
    try:
        parts = urlsplit(f"{scheme}://{rest}")
        port = parts.port
    except ValueError as exc:
        raise InvalidInputError(f"malformed DSN {shown!r}: {redact(str(exc), password)}") from None
    database = unquote(parts.path.lstrip("/"))
    if not database or "/" in database:
        raise InvalidInputError(
            f"DSN {shown!r} names no database", hint=f"append the database name: {scheme}://host/dbname"
        )
    return DSN(
        dialect=dialect,
        database=database,
        host=parts.hostname or "127.0.0.1",
        port=port or DEFAULT_PORTS[dialect],
        user=user,
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


class RedactingFilter(logging.Filter):
    """A log filter that hides URL passwords in every record (``-v`` logs the SDK's request arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "://" in message:
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True

"""Finding 7: DSN passwords never appear in parse errors, connection errors or log lines."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from semgraph.errors import SemgraphError
from semgraph.paths import PathGuard
from semgraph.workload.connect import open_connection
from semgraph.workload.dsn import RedactingFilter, parse_dsn, redact

PASSWORDS = [
    "SE CRETSP",
    "pa@ss@word",
    "line1\nline2secret",
    "sl/ash/secret",
    "per%cent%zz",
    "pér-séçret-密码",
    "q?uery#frag:colon",
    "tab\tzq9xw",
]


def _leaks(text: str, password: str) -> bool:
    pieces = [password, *[p for p in password.replace("\n", " ").replace("\t", " ").split() if len(p) >= 4]]
    return any(p in text for p in pieces)


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize(
    "template",
    [
        "postgresql://u:{pw}@db.example:5432/shop",
        "postgresql://u:{pw}@db.example",  # no database: an error message
        "mysql://u:{pw}@host:notaport/db",  # bad port: an error message
        "mariadb://u:{pw}@h/",
        "oracle://u:{pw}@h/db",  # unsupported scheme
    ],
)
def test_parse_never_echoes_the_password(tmp_path: Path, template: str, password: str) -> None:
    raw = template.format(pw=password)
    try:
        dsn = parse_dsn(raw, PathGuard([tmp_path]))
    except SemgraphError as exc:
        text = f"{exc} {exc.hint or ''} {exc!r}"
        assert not _leaks(text, password), text
        return
    assert dsn.password == password  # parsed whole, not cut at '@', '/', '#' or a space
    assert dsn.host == "db.example" and dsn.database == "shop" and dsn.user == "u"
    assert not _leaks(dsn.redacted + repr(dsn), password)
    assert not _leaks(dsn.scrub(f"error for {raw!r}: password {password!r} rejected ({raw})"), password)


@pytest.mark.parametrize("password", PASSWORDS)
def test_log_lines_are_redacted(password: str, caplog: pytest.LogCaptureFixture) -> None:
    raw = f"postgresql://u:{password}@h:5432/db"
    logger = logging.getLogger("i18.test")
    handler = logging.Handler()
    seen: list[str] = []
    handler.emit = lambda record: seen.append(logging.Formatter().format(record))  # type: ignore[method-assign]
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("request arguments %s", {"dsn": raw})
        try:
            raise ValueError(f"bad {raw}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert len(seen) == 2
    for line in seen:
        assert not _leaks(line, password), line


async def test_connection_error_hides_password() -> None:
    guard = PathGuard([Path("/tmp")])
    password = "pa@ss word/é"
    dsn = parse_dsn(f"postgresql://nobody_i18:{password.replace('@', '%40')}@127.0.0.1:1/nodb", guard)
    with pytest.raises(SemgraphError) as info:
        await open_connection(dsn, statement_timeout_s=2)
    assert not _leaks(str(info.value), password)


def test_redact_keeps_the_rest_of_a_message() -> None:
    assert redact("to postgresql://bob:a@b@h/db failed", None) == "to postgresql://bob:***@h/db failed"

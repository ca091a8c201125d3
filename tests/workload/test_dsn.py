"""DSN parsing and password redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.errors import InvalidInputError, PathAccessError
from semgraph.paths import PathGuard
from semgraph.workload.dsn import parse_dsn, redact


def test_parses_each_scheme(tmp_path: Path) -> None:
    guard = PathGuard([tmp_path])
    pg = parse_dsn("postgresql://app:s3cr%40t@db.internal:6543/shop?search_path=bench", guard)
    assert (pg.dialect, pg.host, pg.port, pg.user, pg.password, pg.database) == (
        "postgres", "db.internal", 6543, "app", "s3cr@t", "shop",
    )  # fmt: skip
    assert pg.options == {"search_path": "bench"}
    assert pg.redacted == "postgres://app:***@db.internal:6543/shop"
    assert "s3cr" not in repr(pg)
    my = parse_dsn("mariadb://root@127.0.0.1/test", guard)
    assert (my.dialect, my.port, my.password, my.redacted) == ("mysql", 3306, None, "mysql://root@127.0.0.1:3306/test")
    lite = parse_dsn("sqlite:///data/shop.db", guard)
    assert lite.path == (tmp_path / "data" / "shop.db").resolve()
    assert lite.redacted == f"sqlite:///{tmp_path.resolve()}/data/shop.db"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("oracle://x/y", InvalidInputError, "unsupported DSN"),
        ("postgresql://u:pw@host", InvalidInputError, "names no database"),
        ("mysql://u:pw@host:notaport/db", InvalidInputError, "malformed DSN"),
        ("sqlite:///../outside.db", PathAccessError, "outside the allowed roots"),
        ("sqlite:////etc/passwd.db", PathAccessError, "outside the allowed roots"),
        ("sqlite://", InvalidInputError, "needs a file path"),
    ],
)
def test_bad_dsns(tmp_path: Path, text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message) as info:
        parse_dsn(text, PathGuard([tmp_path]))
    assert "pw@" not in str(info.value)


def test_redact_scrubs_urls_and_known_password() -> None:
    text = "could not connect to postgresql://bob:hunter2@h/db: password hunter2 rejected"
    assert redact(text, "hunter2") == "could not connect to postgresql://bob:***@h/db: password *** rejected"

"""minified_reason: which files count as packed, and the reason it gives."""

from __future__ import annotations

from semgraph.graph.minified import minified_reason


def test_packed_share_and_longest_line_are_reported() -> None:
    mixed = b"y" * 25_000 + b"\n" + b"z\n" * 3_000  # 25,000 of 31,001 bytes on one long line
    assert minified_reason(mixed) == (
        "minified or generated: 80% of its 31,001 bytes are on lines longer than 1,000 characters (longest 25,000)"
    )
    crlf = (b"q" * 1_001 + b"\r\n") * 30  # the \r counts: 1,002 bytes per line
    assert minified_reason(crlf) == (
        "minified or generated: 99% of its 30,090 bytes are on lines longer than 1,000 characters (longest 1,002)"
    )


def test_short_lines_small_files_and_a_minority_of_long_lines_are_kept() -> None:
    assert minified_reason((b"q" * 999 + b"\n") * 30) is None  # every line at the limit
    assert minified_reason(b"a" * 19_999) is None  # too small to judge
    assert minified_reason(b"x" * 5_000 + b"\n" + b"short line\n" * 3_000) is None  # 5,000 of 38,001 bytes

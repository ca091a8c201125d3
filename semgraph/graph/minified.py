"""Minified (or otherwise machine-packed) source: detected when a file is read, skipped with a reason.

Why: a 900 KB one-line bundle parses into thousands of symbols that all share one line, and every
analysis that looks at "the symbol's lines" then scans the whole megabyte per symbol (96 s for
detect_architectural_patterns). Such files are build output, not the project's code.
"""

from __future__ import annotations

LONG_LINE = 1_000
"""A line longer than this many bytes counts as packed."""
PACKED_SHARE = 0.5
"""Skip when more than this share of the file's bytes sits on packed lines ..."""
MIN_BYTES = 20_000
"""... and the file is at least this big (a short file with one long literal is kept)."""


def minified_reason(data: bytes) -> str | None:
    """Why ``data`` looks minified, or None. Cost: one split on the newlines and one ``max`` in C (a file with
    no long line, nearly every file, is decided there)."""
    if len(data) < MIN_BYTES:
        return None
    lengths = list(map(len, data.split(b"\n")))
    longest = max(lengths)
    if longest <= LONG_LINE:
        return None
    packed = sum(n for n in lengths if n > LONG_LINE)
    if packed > PACKED_SHARE * len(data):
        return (
            f"minified or generated: {packed * 100 // len(data)}% of its {len(data):,} bytes are on lines longer "
            f"than {LONG_LINE:,} characters (longest {longest:,})"
        )
    return None

"""Progress reporting that domain code can call without knowing about MCP.

Domain functions take an optional ``progress`` callable ``(done, total, message)``.
The MCP layer passes one that forwards to the client as progress notifications;
the CLI passes one that drives a rich progress bar; tests pass a list appender.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[float, float | None, str | None], None]


def no_progress(done: float, total: float | None = None, message: str | None = None) -> None:
    """The default: report nothing."""

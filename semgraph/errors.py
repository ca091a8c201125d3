"""One error hierarchy for every package.

Domain code raises these; the MCP layer turns them into `is_error` results and
the CLI into a one-line message. Each error says what was wrong and, where it
can, how to fix it (``hint``), so a model can correct its next call.
"""

from __future__ import annotations


class SemgraphError(Exception):
    """Base of every error semgraph raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InvalidInputError(SemgraphError, ValueError):
    """The caller's arguments are wrong (bad value, missing field, conflicting options)."""

    code = "invalid_input"


class NotFoundError(SemgraphError, LookupError):
    """A named thing (file, symbol, run, model, template) does not exist."""

    code = "not_found"


class PathAccessError(SemgraphError, PermissionError):
    """A path escapes the roots the server was given (``..``, absolute path, symlink)."""

    code = "path_outside_root"


class AlreadyExistsError(SemgraphError):
    """A write would overwrite something the caller did not allow to be overwritten."""

    code = "already_exists"


class SourceParseError(SemgraphError):
    """A source file (Rust, Python, template, YAML, …) could not be parsed.

    Carries the location so the message reads ``file:line:column: message``.
    Lines and columns are 1-based.
    """

    code = "parse_error"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        location = ":".join(str(p) for p in (file, line, column) if p is not None)
        super().__init__(f"{location}: {message}" if location else message, hint=hint)
        self.detail = message


class DatabaseError(SemgraphError):
    """A database the user pointed us at failed (connection, SQL, constraint)."""

    code = "database_error"


class UnsupportedError(SemgraphError):
    """A feature, language or backend that this build does not handle."""

    code = "unsupported"

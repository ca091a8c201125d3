"""Generated files (protoc, sqlc, makemigrations, bundlers): detected from data, skipped by analyses with a reason.

Why: a pattern or quality finding in generated code is about the generator and cannot be fixed by editing
the file; protobuf and gRPC output alone can outnumber a service's own functions. The markers are a table
(``tables/generated.toml``): file-name globs and regular expressions over the first ``HEAD_BYTES`` of the
file. Minified bundles are already left out of the index (``graph/minified.py``).
"""

from __future__ import annotations

import fnmatch
import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from pydantic import BaseModel

from semgraph.cache import once

if TYPE_CHECKING:
    from semgraph.analysis.codebase import Codebase

HEAD_BYTES = 2_048
"""How much of a file the header markers are looked for in (generators write them at the top)."""
MAX_LISTED = 50
"""Skipped files named in one answer (the total is always given)."""


class SkippedFile(BaseModel):
    """A file an analysis left out, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class Markers:
    names: tuple[tuple[str, str], ...]  # (glob, reason)
    headers: tuple[tuple[re.Pattern[bytes], str], ...]  # (regex, reason)


@functools.cache
def markers() -> Markers:
    data = tomllib.loads(resources.files("semgraph.analysis.tables").joinpath("generated.toml").read_text())
    return Markers(
        names=tuple((m["glob"], m["reason"]) for m in data.get("name", [])),
        headers=tuple((re.compile(m["regex"].encode(), re.M), m["reason"]) for m in data.get("header", [])),
    )


def generated_reason(path: str, head: bytes) -> str | None:
    """Why the file at ``path`` (relative) whose first bytes are ``head`` is generated, or None."""
    name = path.rsplit("/", 1)[-1]
    table = markers()
    for glob, reason in table.names:
        if fnmatch.fnmatchcase(name, glob):
            return f"generated: {reason} (file name {glob})"
    head = head[:HEAD_BYTES]
    for regex, reason in table.headers:
        if regex.search(head):
            return f"generated: {reason}"
    return None


def generated_files(cb: Codebase) -> dict[int, str]:
    """File id → reason for every generated file of ``cb`` (one pass per codebase: ~2 KB read per file)."""

    def build() -> dict[int, str]:
        out = {}
        for f in cb.files.values():
            reason = generated_reason(f.path, cb.head(f.path, HEAD_BYTES))
            if reason is not None:
                out[f.id] = reason
        return out

    return once(cb, "_generated", build)


def skipped_list(cb: Codebase, file_ids: set[int] | None = None) -> tuple[list[SkippedFile], int]:
    """The generated files (of ``file_ids`` when given) as shown in an answer: the first ``MAX_LISTED``, and
    how many there are."""
    gen = generated_files(cb)
    ids = sorted((i for i in gen if file_ids is None or i in file_ids), key=lambda i: cb.files[i].path)
    return [SkippedFile(path=cb.files[i].path, reason=gen[i]) for i in ids[:MAX_LISTED]], len(ids)

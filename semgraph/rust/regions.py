"""Marked generated regions: regeneration replaces what is between the markers
and keeps everything else (extra derives, impl blocks, comments) as the user left it.

A region is ``// semgraph:begin(NAME)`` … ``// semgraph:end(NAME)`` on lines of
their own. Writing goes through ``write_files``, which refuses to overwrite
unless asked, merges regions into existing files, and returns a unified diff.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from semgraph.errors import AlreadyExistsError, SourceParseError
from semgraph.gcpause import without_gc
from semgraph.rust.generator import GeneratedFile

BEGIN = re.compile(r"^[ \t]*// semgraph:begin\((?P<name>[^)\n]*)\)[ \t]*$")
END = re.compile(r"^[ \t]*// semgraph:end\((?P<name>[^)\n]*)\)[ \t]*$")


@dataclass
class Segment:
    """Plain text (``name`` None) or one region including its marker lines."""

    text: str
    name: str | None = None


def split_regions(text: str, file: str = "<file>") -> list[Segment]:
    """Cut a file into text and regions; unbalanced markers are a parse error with the line."""
    segments: list[Segment] = []
    buf: list[str] = []
    region: str | None = None
    start = 0
    for no, line in enumerate(text.splitlines(keepends=True), 1):
        stripped = line.rstrip("\r\n")
        b, e = BEGIN.match(stripped), END.match(stripped)
        if b:
            if region is not None:
                raise SourceParseError(
                    f"region {b['name']!r} starts inside region {region!r}", file=file, line=no, column=1
                )
            if buf:
                segments.append(Segment("".join(buf)))
            buf, region, start = [line], b["name"], no
        elif e:
            if region != e["name"]:
                raise SourceParseError(
                    f"end of region {e['name']!r} without its begin marker",
                    file=file,
                    line=no,
                    column=1,
                    hint="restore the matching // semgraph:begin(...) line or delete both markers",
                )
            buf.append(line)
            segments.append(Segment("".join(buf), region))
            buf, region = [], None
        else:
            buf.append(line)
    if region is not None:
        raise SourceParseError(
            f"region {region!r} is never closed", file=file, line=start, column=1, hint=f"add // semgraph:end({region})"
        )
    if buf:
        segments.append(Segment("".join(buf)))
    return segments


def has_regions(text: str) -> bool:
    return any(BEGIN.match(line) for line in text.splitlines())


def merge_regions(old: str, new: str, file: str = "<file>") -> str:
    """Put the regions of ``new`` into ``old``, keeping ``old``'s text outside regions."""
    old_segs = split_regions(old, file)
    new_segs = split_regions(new, file)
    fresh = {s.name: s.text for s in new_segs if s.name is not None}
    order = [s.name for s in new_segs if s.name is not None]
    present = {s.name for s in old_segs if s.name is not None}
    out: list[str] = []
    for seg in old_segs:
        if seg.name is None:
            out.append(seg.text)
            continue
        if seg.name in fresh:
            out.append(fresh[seg.name])
            # regions that are new and come right after this one in the new file
            i = order.index(seg.name) + 1
            while i < len(order) and order[i] not in present:
                out.append("\n" + fresh[order[i]])
                present.add(order[i])
                i += 1
    missing = [n for n in order if n not in present]
    for name in missing:
        out.append("\n" + fresh[name])
    text = "".join(out)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text if text.endswith("\n") else text + "\n"


@dataclass
class FileChange:
    path: str
    status: str  # created, updated, unchanged
    merged: bool = False


@dataclass
class WriteReport:
    changes: list[FileChange] = field(default_factory=list)
    diff: str = ""


def plan_writes(files: list[GeneratedFile], out_dir: Path, *, overwrite: bool) -> list[tuple[Path, str, str | None]]:
    """(target, new content, old content or None) for each file; refuses overwrites unless allowed."""
    plans: list[tuple[Path, str, str | None]] = []
    existing: list[str] = []
    for f in files:
        target = out_dir / f.path
        old = None
        if target.exists():
            old = target.read_text(encoding="utf-8", errors="replace")
            if old != f.content:
                existing.append(f.path)
        content = f.content
        if old is not None and has_regions(old):
            content = merge_regions(old, f.content, f.path)
        plans.append((target, content, old))
    if existing and not overwrite:
        shown = ", ".join(existing[:10]) + (f" and {len(existing) - 10} more" if len(existing) > 10 else "")
        raise AlreadyExistsError(
            f"{len(existing)} file(s) already exist with other content: {shown}",
            hint="pass overwrite=true (hand edits outside the semgraph:begin/end regions are kept) or another output_dir",
        )
    return plans


@without_gc
def write_files(
    files: list[GeneratedFile], out_dir: Path, *, overwrite: bool = False, dry_run: bool = False
) -> WriteReport:
    """Write generated files under ``out_dir`` (already checked by the caller's path guard)."""
    report = WriteReport()
    diffs: list[str] = []
    for target, content, old in plan_writes(files, out_dir, overwrite=overwrite):
        rel = target.relative_to(out_dir).as_posix()
        if old == content:
            report.changes.append(FileChange(rel, "unchanged"))
            continue
        status = "created" if old is None else "updated"
        report.changes.append(FileChange(rel, status, merged=old is not None and has_regions(old)))
        if old is None:  # a new file: the diff is every line added (difflib is slow on thousands of files)
            lines = content.splitlines(keepends=True)
            body = "".join("+" + (ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n") for ln in lines)
            diffs.append(f"--- /dev/null\n+++ b/{rel}\n@@ -0,0 +1,{len(lines)} @@\n{body}" if lines else "")
        else:
            diffs.append(
                "".join(
                    difflib.unified_diff(
                        (old or "").splitlines(keepends=True),
                        content.splitlines(keepends=True),
                        fromfile="/dev/null" if old is None else f"a/{rel}",
                        tofile=f"b/{rel}",
                    )
                )
            )
        if not dry_run:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".semgraph-tmp")
            tmp.write_text(content, encoding="utf-8")
            os.replace(tmp, target)
    report.diff = "".join(diffs)
    return report

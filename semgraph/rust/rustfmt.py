"""Layout helpers that print Rust the way ``rustfmt`` (edition 2021, defaults) does,
and an optional final ``rustfmt`` pass when the binary is on the machine."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

MAX_WIDTH = 100
CHAIN_WIDTH = 60
FN_CALL_WIDTH = 60


def chain(indent: int, prefix: str, head: str, calls: list[str], suffix: str = "") -> str:
    """A method chain laid out like rustfmt; the text that follows ``prefix`` on its line.

    rustfmt keeps a chain with one element on one line whenever it fits the
    width; longer chains stay on one line only within ``chain_width`` (60),
    else they get one element per line, indented one level.
    """
    return statement(indent, prefix, head, calls, suffix)[len(prefix) :]


def statement(indent: int, prefix: str, head: str, calls: list[str], suffix: str = ";") -> str:
    """``prefix`` + chain + ``suffix`` as rustfmt prints it (``indent`` = column of ``prefix``)."""
    split: list[str] = []
    for c in calls:  # `.await` is a chain element of its own
        parts = c.split(").await")
        split += [p + ")" for p in parts[:-1]] + [".await" + parts[-1]] if len(parts) > 1 else [c]
    calls = split
    one = head + "".join(calls)
    # a call chain ending in `?` keeps two columns spare (measured: rustfmt 1.9 breaks such a line at 99)
    spare = 2 if calls and calls[-1].endswith("?") else 0
    fits = indent + len(prefix) + len(one) + len(suffix) <= MAX_WIDTH - spare
    if len(calls) <= 1:
        if fits:
            return prefix + one + suffix
        if prefix.rstrip().endswith("=") and indent + 4 + len(one) + len(suffix) <= MAX_WIDTH - spare:
            return prefix.rstrip() + "\n" + " " * (indent + 4) + one + suffix
    elif len(one) + len(suffix) <= CHAIN_WIDTH and fits:
        return prefix + one + suffix
    pad = " " * (indent + 4)
    lines = [prefix + head]
    for i, c in enumerate(calls):
        tail = suffix if i == len(calls) - 1 else ""
        lines.append(pad + _wrap_tuple_call(c, indent + 4, tail))
    return "\n".join(lines) + suffix


def _wrap_tuple_call(call: str, indent: int, tail: str) -> str:
    """``.set((a, b))`` past the width becomes one tuple element per line, as rustfmt does."""
    name, sep, rest = call.partition("((")
    args_width = len(call) - len(name) - 2 - (len(call) - len(call.rstrip("?;")) if call.endswith(("?", ";")) else 0)
    if indent + len(call) + len(tail) <= MAX_WIDTH and (not sep or args_width <= FN_CALL_WIDTH):
        return call
    if not sep or "))" not in rest:
        return call
    inner, close = rest.rsplit("))", 1)
    items = _split_args(inner)
    pad = " " * (indent + 4)
    body = ""
    for it in items:
        head, dot, rest = it.partition(".eq(")
        if len(pad) + len(it) + 1 > MAX_WIDTH and dot:
            body += f"{pad}{head}\n{pad}    .eq({rest},\n"
        else:
            body += f"{pad}{it},\n"
    return f"{name}((\n{body}{' ' * indent})){close}"


def _split_args(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([<{":
            depth += 1
        elif ch in ")]>}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


DERIVE_SLACK = 4  # rustfmt keeps `#[derive(…)]` on one line only up to 96 columns (measured with rustfmt 1.9)


def attr_list(name: str, items: list[str], indent: int = 0) -> str:
    """``#[derive(A, B)]``; a derive list too long for one line moves to its own line (packed when
    it fits there, as rustfmt does), else one item per line."""
    args = ", ".join(items)
    one = f"#[{name}({args})]"
    if indent + len(one) <= MAX_WIDTH - (DERIVE_SLACK if name == "derive" else 0):
        return one
    pad = " " * (indent + 4)
    if name == "derive" and len(pad) + len(args) + 1 <= MAX_WIDTH:
        return f"#[{name}(\n{pad}{args},\n{' ' * indent})]"
    inner = "\n".join(f"{pad}{i}," for i in items)
    return f"#[{name}(\n{inner}\n{' ' * indent})]"


def fn_sig(indent: int, head: str, params: list[str], ret: str) -> str:
    """``pub async fn name(a: A, b: B) -> Ret {`` or the tall form rustfmt uses when too long."""
    one = f"{head}({', '.join(params)}){ret} {{"
    if indent + len(one) <= MAX_WIDTH:
        return " " * indent + one
    pad = " " * (indent + 4)
    body = "\n".join(f"{pad}{p}," for p in params)
    return f"{' ' * indent}{head}(\n{body}\n{' ' * indent}){ret} {{"


@functools.cache
def rustfmt_path() -> str | None:
    return shutil.which("rustfmt")


def format_source(source: str, edition: str = "2021", timeout: float = 30.0) -> str:
    """Run rustfmt on ``source``; return it unchanged when rustfmt is missing or rejects it."""
    exe = rustfmt_path()
    if not exe:
        return source
    try:
        proc = subprocess.run(
            [exe, "--edition", edition, "--emit", "stdout", "--quiet"],
            input=source.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return source
    if proc.returncode != 0:
        return source
    return proc.stdout.decode()


def check_files(paths: list[str], edition: str = "2021") -> tuple[bool, str]:
    """``rustfmt --check`` over many files in one call: (all formatted, diff output)."""
    exe = rustfmt_path()
    if not exe:
        raise FileNotFoundError("rustfmt is not installed")
    owners = {p: Path(p).read_text(encoding="utf-8", errors="replace") for p in paths if Path(p).name in _DIR_OWNERS}
    reached = reached_as_modules({**dict.fromkeys(paths, ""), **owners})  # rustfmt checks those through their mod.rs
    args = [p for p in paths if p not in reached]
    proc = subprocess.run([exe, "--check", "--edition", edition, *args], capture_output=True, timeout=120, check=False)
    return proc.returncode == 0, (proc.stdout + proc.stderr).decode()


def call_args(indent: int, head: str, args: list[str], tail: str) -> str:
    """``head(a, b)tail`` on one line, or one argument per line past fn_call_width / the width."""
    inner = ", ".join(args)
    if len(inner) <= FN_CALL_WIDTH and indent + len(head) + len(inner) + 2 + len(tail) <= MAX_WIDTH:
        return f"{head}({inner}){tail}"
    pad = " " * (indent + 4)
    return f"{head}(\n" + "".join(f"{pad}{a},\n" for a in args) + f"{' ' * indent}){tail}"


# an out-of-line module declaration at the top level of a file: `mod x;` / `pub mod x;` / `pub(crate) mod x;`
_MOD_DECL = re.compile(r"^(?:pub(?:\([^)\n]*\))? +)?mod +(?:r#)?(\w+) *;", re.M)
_DIR_OWNERS = {"mod.rs", "lib.rs", "main.rs"}


def reached_as_modules(sources: dict[str, str]) -> set[str]:
    """Files that rustfmt formats anyway as ``mod x;`` children of a ``mod.rs`` / ``lib.rs`` / ``main.rs`` given to it.

    rustfmt follows out-of-line modules of every file on its command line, so
    passing ``src/models/mod.rs`` *and* its 1,000 children formats each child
    twice. Only plain top-level declarations (no attribute such as
    ``#[path]`` or ``#[cfg]`` on the line before) count; anything unsure is
    left on the command line, where the worst case is formatting it twice.
    """
    reached: set[str] = set()
    for rel, text in sources.items():
        path = PurePosixPath(rel)
        if path.name not in _DIR_OWNERS or "mod " not in text:
            continue
        for m in _MOD_DECL.finditer(text):
            before = text[: m.start()].rstrip().rsplit("\n", 1)[-1].lstrip()
            if before.startswith("#"):
                continue
            for child in (path.parent / f"{m.group(1)}.rs", path.parent / m.group(1) / "mod.rs"):
                if child.as_posix() in sources and child.as_posix() != rel:
                    reached.add(child.as_posix())
    return reached


def format_many(sources: dict[str, str], edition: str = "2021", timeout: float = 120.0) -> dict[str, str]:
    """Format many files with one rustfmt process (paths are relative); unchanged if rustfmt is missing or fails."""
    exe = rustfmt_path()
    if not exe or not sources:
        return dict(sources)
    reached = reached_as_modules(sources)
    with tempfile.TemporaryDirectory(prefix="semgraph-rustfmt-") as tmp:
        root = Path(tmp)
        for rel, text in sources.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            proc = subprocess.run(
                [exe, "--edition", edition, "--quiet", *[str(root / rel) for rel in sources if rel not in reached]],
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return dict(sources)
        if proc.returncode != 0:
            return dict(sources)
        return {rel: (root / rel).read_text(encoding="utf-8") for rel in sources}


def use_item(path: str) -> str:
    """``use a::{B, C};``, wrapped the way rustfmt's mixed imports layout wraps a long list."""
    line = f"use {path};"
    if len(line) <= MAX_WIDTH or not path.endswith("}"):
        return line
    parent, _, inner = path.partition("::{")
    items = [i.strip() for i in inner[:-1].split(",")]
    rows: list[str] = []
    cur = ""
    for it in items:
        piece = f"{it},"
        if cur and 4 + len(cur) + 1 + len(piece) > MAX_WIDTH:
            rows.append(cur)
            cur = piece
        else:
            cur = f"{cur} {piece}" if cur else piece
    rows.append(cur)
    body = "".join(f"    {r}\n" for r in rows)
    return f"use {parent}::{{\n{body}}};"

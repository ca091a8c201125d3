"""A fast reader for the block YAML that ``dump_spec`` writes.

PyYAML's constructor dominates loading a 1,000-entity spec, so specs written
by semgraph are read by this small indentation parser instead. It accepts only
the exact subset the writer produces (plain scalars the writer would leave
plain, JSON-quoted strings, ``{}``/``[]``) and raises ``NotOurs`` on anything
else, in which case the caller falls back to PyYAML: hand-written YAML always
goes through the real YAML reader, so the result is the same either way.
"""

from __future__ import annotations

import json
import re
from typing import Any

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+][0-9]+)?")
_DECODER = json.JSONDecoder()


class NotOurs(ValueError):
    """The text uses YAML outside the writer's subset."""


def read(text: str, plain_ok: Any) -> Any:
    """Parse ``text``; ``plain_ok(s)`` says whether the writer would print string ``s`` unquoted."""
    lines: list[tuple[int, str]] = []  # (indent, content); "-" = a list-item marker
    for raw in text.split("\n"):
        if not raw:
            continue
        stripped = raw.lstrip(" ")
        indent = len(raw) - len(stripped)
        if stripped.startswith("#") or raw.endswith(" ") or "\t" in raw or "\r" in raw:
            raise NotOurs("comment, trailing space or tab")
        while stripped.startswith("- ") or stripped == "-":
            lines.append((indent, "-"))
            stripped = stripped[2:]
            indent += 2
        if stripped:
            lines.append((indent, stripped))
    pos = 0

    def scalar(token: str) -> Any:
        if token.startswith('"'):
            value, end = _DECODER.raw_decode(token)
            if end != len(token):
                raise NotOurs(token)
            return value
        if token == "null":
            return None
        if token in ("true", "false"):
            return token == "true"
        if token == "{}":
            return {}
        if token == "[]":
            return []
        if _INT.fullmatch(token):
            return int(token)
        if _FLOAT.fullmatch(token):
            return float(token)
        if plain_ok(token):
            return token
        raise NotOurs(token)

    def split_key(content: str) -> tuple[str, str] | None:
        if content.startswith('"'):
            try:
                key, end = _DECODER.raw_decode(content)
            except json.JSONDecodeError as exc:
                raise NotOurs(content) from exc
            rest = content[end:]
            if rest == ":":
                return key, ""
            if rest.startswith(": "):
                return key, rest[2:]
            return None
        if ": " in content:
            key, _, rest = content.partition(": ")
        elif content.endswith(":"):
            key, rest = content[:-1], ""
        else:
            return None
        if not plain_ok(key):
            raise NotOurs(key)
        return key, rest

    def node(indent: int) -> Any:
        nonlocal pos
        if pos >= len(lines) or lines[pos][0] != indent:
            raise NotOurs("bad indentation")
        if lines[pos][1] == "-":
            out: list[Any] = []
            while pos < len(lines) and lines[pos] == (indent, "-"):
                pos += 1
                out.append(node(indent + 2))
            return out
        if split_key(lines[pos][1]) is None:
            value = scalar(lines[pos][1])
            pos += 1
            return value
        mapping: dict[str, Any] = {}
        while pos < len(lines) and lines[pos][0] == indent and lines[pos][1] != "-":
            kv = split_key(lines[pos][1])
            if kv is None:
                raise NotOurs(lines[pos][1])
            key, rest = kv
            if key in mapping:
                raise NotOurs(f"duplicate key {key}")
            pos += 1
            if rest:
                mapping[key] = scalar(rest)
            elif pos < len(lines) and lines[pos] == (indent, "-"):
                mapping[key] = node(indent)
            elif pos < len(lines) and lines[pos][0] == indent + 2:
                mapping[key] = node(indent + 2)
            else:
                raise NotOurs(f"empty value for {key}")
        return mapping

    if not lines:
        raise NotOurs("empty")
    result = node(0)
    if pos != len(lines):
        raise NotOurs("trailing content")
    return result

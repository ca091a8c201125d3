"""``tsconfig.json`` / ``jsconfig.json`` module aliases of an indexed root: what a non-relative import means.

``import { Guard } from '@libs/guard'`` with ``"paths": {"@libs/*": ["src/libs/*"]}`` (and ``baseUrl``) names
``src/libs/guard``, a file of the project, not a package. The resolver asks this map for the project module
keys (paths without extension, relative to the root, as ``extractors.modules.js_module`` makes them) that a
specifier may name, in the compiler's order: each matching ``paths`` pattern (the longest prefix first), then
``baseUrl`` itself. The nearest config above a file applies; a relative ``extends`` chain is followed for
``baseUrl`` and ``paths`` (a package's shared config is not read). Only the configs of directories holding
indexed JS/TS files are read, once each.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_NAMES = ("tsconfig.json", "jsconfig.json")
_COMMENT_OR_STRING = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_EXTENSION = re.compile(r"\.(d\.)?(m|c)?[jt]sx?$")


@dataclass(slots=True)
class Aliases:
    """One config's module resolution settings, with directories relative to the indexed root."""

    base: str | None = None  # the baseUrl directory ("" = the root), None when unset
    paths: list[tuple[str, list[str]]] = field(default_factory=list)  # pattern → targets, longest prefix first
    paths_base: str = ""  # what `paths` targets are relative to: baseUrl, else the config's directory


def parse_jsonc(text: str) -> dict:
    """JSON with comments and trailing commas (what tsconfig files are); {} when it does not parse."""
    stripped = _COMMENT_OR_STRING.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    try:
        data = json.loads(_TRAILING_COMMA.sub(r"\1", stripped))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class TsConfigMap:
    """The module aliases that apply to each JS/TS file under ``root``."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._dir: dict[str, Aliases | None] = {}

    def modules(self, importer: str, spec: str) -> list[str]:
        """Project module keys the non-relative specifier ``spec`` may name from the file ``importer``."""
        aliases = self._for_dir(posixpath.dirname(importer))
        if aliases is None:
            return []
        out: list[str] = []
        for pattern, targets in aliases.paths:
            star = pattern.find("*")
            if star < 0:
                if spec != pattern:
                    continue
                rest = ""
            else:
                head, tail = pattern[:star], pattern[star + 1 :]
                if not (spec.startswith(head) and spec.endswith(tail) and len(spec) >= len(head) + len(tail)):
                    continue
                rest = spec[len(head) : len(spec) - len(tail)]
            out.extend(_key(aliases.paths_base, t.replace("*", rest, 1)) for t in targets)
        if aliases.base is not None:
            out.append(_key(aliases.base, spec))
        return [k for k in out if k and not k.startswith("..")]

    def _for_dir(self, d: str) -> Aliases | None:
        if d in self._dir:
            return self._dir[d]
        got: Aliases | None = None
        if self.root is not None:
            for name in CONFIG_NAMES:
                rel = posixpath.join(d, name) if d else name
                if (self.root / rel).is_file():
                    got = self._read(rel, depth=0)
                    break
            else:
                got = self._for_dir(posixpath.dirname(d)) if d else None
        self._dir[d] = got
        return got

    def _read(self, rel: str, depth: int) -> Aliases:
        """The settings of the config at ``rel`` (root-relative), its relative ``extends`` chain under them."""
        assert self.root is not None
        try:
            data = parse_jsonc((self.root / rel).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            data = {}
        here = posixpath.dirname(rel)
        inherited = Aliases()
        ext = data.get("extends")
        if isinstance(ext, str) and ext.startswith(".") and depth < 4:
            parent = posixpath.normpath(posixpath.join(here, ext))
            if not parent.endswith(".json"):
                parent += ".json"
            if not parent.startswith("..") and (self.root / parent).is_file():
                inherited = self._read(parent, depth + 1)
        opts = data.get("compilerOptions")
        opts = opts if isinstance(opts, dict) else {}
        out = Aliases(inherited.base, list(inherited.paths), inherited.paths_base)
        if isinstance(opts.get("baseUrl"), str):
            out.base = posixpath.normpath(posixpath.join(here, opts["baseUrl"])).removeprefix(".")
            out.paths_base = out.base
        paths = opts.get("paths")
        if isinstance(paths, dict):
            if out.base is None:
                out.paths_base = here
            entries = [(p, [t for t in ts if isinstance(t, str)]) for p, ts in paths.items() if isinstance(ts, list)]
            out.paths = sorted(entries, key=lambda e: -len(e[0].split("*", 1)[0]))
        return out


def _key(base: str, target: str) -> str:
    """The module key of ``target`` under ``base``: a root-relative posix path without extension."""
    joined = posixpath.normpath(posixpath.join(base, target)) if base else posixpath.normpath(target)
    return _EXTENSION.sub("", joined).removeprefix("./")

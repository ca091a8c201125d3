"""Cargo packages of an indexed root: which crate each Rust file belongs to, and what its ``use`` heads mean.

A file's module name is computed from its path alone (``crate::a::b``, see ``extractors.modules``), so every
crate of a workspace says ``crate``. The resolver keys Rust modules by crate instead
(``kitsune_db::model::user``) with this map: the nearest ``Cargo.toml`` with a ``[package]`` above a file
names its crate (``[lib] name``, else the package name with ``-`` → ``_``), and the package's dependency
tables say which local names (renamed or not) are sibling crates of the workspace and which are libraries
from outside. Only the ``Cargo.toml`` files of directories holding indexed Rust files are read.
"""

from __future__ import annotations

import posixpath
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_DEP_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")
_TARGET_DIRS = frozenset({"tests", "benches", "examples"})  # Cargo's auto-discovered targets beside src/


@dataclass(slots=True)
class Crate:
    """One Cargo package as code names it."""

    name: str  # `use <name>::…` from other crates: [lib] name, else the package name with - → _
    package: str
    dir: str  # posix, relative to the indexed root ("" = the root itself)
    src: str  # the directory of the library/binary root file (posix, relative to the root)
    dep_specs: dict[str, str] = field(default_factory=dict)  # local name → package name, every dependency
    deps: dict[str, str] = field(default_factory=dict)  # local name → crate name, workspace crates only
    external: set[str] = field(default_factory=set)  # local names of dependencies from outside the root


class CargoMap:
    """Crates of the Rust files under ``root``, found by walking up from each file's directory."""

    def __init__(self, root: Path | None, rust_paths: list[str]) -> None:
        self.root = root
        self._dir_crate: dict[str, Crate | None] = {}
        self._workspace_deps: dict[str, dict] = {}  # workspace root dir → [workspace.dependencies]
        self.crates: dict[str, Crate] = {}  # crate name → crate
        by_package: dict[str, Crate] = {}
        for path in rust_paths:
            self.crate_of(path)
        for crate in {id(c): c for c in self._dir_crate.values() if c is not None}.values():
            by_package[crate.package] = crate
            self.crates.setdefault(crate.name, crate)
        for crate in by_package.values():
            for local, package in crate.dep_specs.items():
                sibling = by_package.get(package)
                if sibling is not None:
                    crate.deps[local] = sibling.name
                else:
                    crate.external.add(local)

    def crate_of(self, path: str) -> Crate | None:
        """The package the file at ``path`` (posix, relative to the root) belongs to."""
        return self._crate_of_dir(posixpath.dirname(path))

    def _crate_of_dir(self, d: str) -> Crate | None:
        if d in self._dir_crate:
            return self._dir_crate[d]
        crate = self._read(d)
        if crate is None and d:
            crate = self._crate_of_dir(posixpath.dirname(d))
        self._dir_crate[d] = crate
        return crate

    def _read(self, d: str) -> Crate | None:
        if self.root is None:
            return None
        manifest = self.root / d / "Cargo.toml"
        try:
            data = tomllib.loads(manifest.read_text(encoding="utf-8", errors="replace"))
        except (OSError, tomllib.TOMLDecodeError):
            return None
        package = data.get("package")
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            return None  # a virtual workspace manifest: files below belong to no package of this dir
        lib = data.get("lib") if isinstance(data.get("lib"), dict) else {}
        name = str(lib.get("name") or package["name"]).replace("-", "_")
        lib_path = lib.get("path") if isinstance(lib.get("path"), str) else "src/lib.rs"
        src = posixpath.normpath(posixpath.join(d, posixpath.dirname(lib_path))) if d else posixpath.dirname(lib_path)
        crate = Crate(name, package["name"], d, "" if src == "." else src)
        for table in _dep_tables(data):
            for key, spec in table.items():
                package_name = key
                if isinstance(spec, dict):
                    if spec.get("workspace") is True:
                        spec = {**self._workspace_dep(d, key), **spec}
                    package_name = str(spec.get("package") or key)
                crate.dep_specs[key.replace("-", "_")] = package_name
        return crate

    def _workspace_dep(self, d: str, key: str) -> dict:
        """``key = { workspace = true }``: the entry of the nearest enclosing ``[workspace.dependencies]``."""
        cur = d
        while True:
            cur = posixpath.dirname(cur) if cur else None  # type: ignore[assignment]
            if cur is None:
                return {}
            table = self._workspace_deps.get(cur)
            if table is None:
                try:
                    data = tomllib.loads((self.root / cur / "Cargo.toml").read_text(encoding="utf-8"))  # type: ignore[operator]
                except (OSError, tomllib.TOMLDecodeError):
                    data = {}
                ws = data.get("workspace") if isinstance(data.get("workspace"), dict) else {}
                table = ws.get("dependencies") if isinstance(ws.get("dependencies"), dict) else {}
                self._workspace_deps[cur] = table
            if key in table:
                spec = table[key]
                return spec if isinstance(spec, dict) else {}
            if not cur:
                return {}

    def module_key(self, path: str, module: str) -> str:
        """The crate-qualified module of a Rust file (``crate::a`` in crate x → ``x::a``). Integration tests,
        benches and examples are crates of their own: ``x/tests/it.rs`` is the root ``x#tests`` and
        ``x/tests/common/mod.rs`` is ``x#tests::common`` (``#``: no Rust name can collide), so their
        ``crate::common`` / ``mod common;`` helpers resolve; other files keep their path-made name."""
        prefix = self.crate_prefix(path)
        if prefix:
            return with_crate(module, prefix)
        crate = self.crate_of(path)
        if crate is not None:
            rel = path[len(crate.dir) + 1 :] if crate.dir else path
            top, _, below = rel.partition("/")
            if top in _TARGET_DIRS and below:
                key = f"{crate.name}#{top}"
                if "/" not in below:
                    return key  # each file directly below is a crate root
                parts = below.removesuffix(".rs").split("/")
                return "::".join([key, *(parts[:-1] if parts[-1] == "mod" else parts)])
        return module

    def crate_prefix(self, path: str) -> str | None:
        """The crate name that replaces ``crate`` in the names of the file at ``path``: None for a file outside
        every package's source directory (``tests/``, ``benches/``, ``build.rs``)."""
        crate = self.crate_of(path)
        return crate.name if crate is not None and _under(path, crate.src) else None


def with_crate(name: str, prefix: str) -> str:
    """``crate::a::f`` → ``<prefix>::a::f`` (``crate`` alone → ``prefix``); other names as they are."""
    if name == "crate" or name.startswith("crate::"):
        return prefix + name[5:]
    return name


def is_path_made(module: str) -> bool:
    """A Rust module name still in its path-made form (``crate::…``), not keyed by a crate."""
    return module == "crate" or module.startswith("crate::")


def _under(path: str, d: str) -> bool:
    return not d or path.startswith(d + "/")


def _dep_tables(data: dict) -> list[dict]:
    tables = [data[t] for t in _DEP_TABLES if isinstance(data.get(t), dict)]
    target = data.get("target")
    if isinstance(target, dict):
        for spec in target.values():
            if isinstance(spec, dict):
                tables.extend(spec[t] for t in _DEP_TABLES if isinstance(spec.get(t), dict))
    return tables


def crate_names(root: Path) -> set[str]:
    """Names of the crates of every package under ``root`` (for benches and reports)."""
    paths = [p.relative_to(root).as_posix() for p in root.rglob("Cargo.toml") if "target" not in p.parts]
    cmap = CargoMap(root, [posixpath.join(posixpath.dirname(p), "src", "lib.rs") for p in paths])
    return set(cmap.crates)


class CrateNames:
    """Stored names of Rust files carry their crate: the extractor names a file's module from its path
    (``crate::utils``), which two crates of a workspace share; before storing, ``crate`` becomes the crate's
    name (``my_api_utils::utils::check_admin``), read from the nearest ``Cargo.toml``. Made once per run."""

    def __init__(self, root: Path | None) -> None:
        self.cargo = CargoMap(root, [])

    def qualify(
        self, path: str, module: str, symbols: list[tuple], fts: list[tuple], words: Callable[[str], str]
    ) -> tuple[str, list[tuple], list[tuple]]:
        """(module, symbol rows, FTS rows) with ``crate`` replaced in the module and each qualified name
        (row index 2; FTS index 1 holds the qualified name's search words)."""
        prefix = self.cargo.crate_prefix(path)
        if not prefix or not is_path_made(module):
            return module, symbols, fts
        rows, fts_rows = [], []
        for row, fts_row in zip(symbols, fts, strict=True):
            q = with_crate(row[2], prefix)
            rows.append((*row[:2], q, *row[3:]))
            fts_rows.append((fts_row[0], words(q), *fts_row[2:]))
        return with_crate(module, prefix), rows, fts_rows

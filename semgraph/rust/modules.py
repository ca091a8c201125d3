"""Rust module paths: which module a file is, and where a name a struct uses is defined.

A struct's identity is ``crate_name::a::b::Struct``: the crate comes from the nearest
``Cargo.toml`` with a ``[package]`` (``-`` read as ``_``), the rest from the file's path
under ``src/`` (``mod.rs`` / ``lib.rs`` / ``main.rs`` name their directory). Files that are
in no crate (loose files, a generated crate without ``Cargo.toml``) have no module.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT_FILES = {"mod", "lib", "main"}


class CrateModules:
    """Module of each file, reading every ``Cargo.toml`` once."""

    def __init__(self, is_safe: Callable[[Path], bool] = lambda p: True) -> None:
        self._is_safe = is_safe
        self._crate: dict[Path, tuple[Path, str] | None] = {}

    def _crate_of(self, directory: Path) -> tuple[Path, str] | None:
        if directory in self._crate:
            return self._crate[directory]
        found: tuple[Path, str] | None = None
        manifest = directory / "Cargo.toml"
        if self._is_safe(directory) and manifest.is_file() and self._is_safe(manifest):
            try:
                package = tomllib.loads(manifest.read_text(encoding="utf-8")).get("package", {})
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                package = {}
            name = package.get("name") if isinstance(package, dict) else None
            if isinstance(name, str) and name:
                found = (directory, name.replace("-", "_"))
        if found is None and directory.parent != directory and self._is_safe(directory.parent):
            found = self._crate_of(directory.parent)
        self._crate[directory] = found
        return found

    def module_of(self, file: Path) -> str | None:
        """``crates/kitsune-db/src/model/mod.rs`` → ``kitsune_db::model``; None outside a crate."""
        crate = self._crate_of(file.parent)  # paths come from the walk (absolute); no resolve() per file
        if crate is None:
            return None
        root, name = crate
        try:
            parts = list(file.relative_to(root).with_suffix("").parts)
        except ValueError:
            return None
        if parts and parts[0] == "src":
            parts = parts[1:]
        if parts and parts[-1] in ROOT_FILES:
            parts = parts[:-1]
        return "::".join([name, *parts])


def absolute_path(path: str, module: str | None) -> str:
    """A ``use`` path as the crate sees it: ``self::``/``super::`` resolved against ``module``."""
    path, alias = path.split(" as ", 1) if " as " in path else (path, None)
    segs = path.split("::")
    if module is None or segs[0] not in {"self", "super"}:
        return path if alias is None else f"{path} as {alias}"
    here = module.split("::")[1:]  # without the crate name: crate::<here>
    while segs and segs[0] in {"self", "super"}:
        if segs.pop(0) == "super" and here:
            here.pop()
    out = "::".join(["crate", *here, *segs])
    return out if alias is None else f"{out} as {alias}"


def defined_path(name: str, module: str) -> str:
    """Path of ``name`` defined in ``module``, from inside the same crate."""
    return "::".join(["crate", *module.split("::")[1:], name])

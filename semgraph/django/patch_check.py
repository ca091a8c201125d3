"""Make a patched view file valid code, and prove it before a diff is returned.

A model is written the way the module can already name it (``models.Banner`` after ``from . import models``,
an alias from ``from .models import Banner as B``), or an import is added in the module's own style
(relative when the module imports relatively, absolute otherwise). The patched file is then compiled and
checked with pyflakes for names it does not define (pyflakes: a small, well-kept checker that reads the
AST without importing or running the project, which is what we need here); a patch that adds an undefined
name or a syntax error is refused with the reason.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from pyflakes import messages as pyflakes_messages
from pyflakes.checker import Checker

from semgraph.django.model_graph import ModelInfo

MODEL_REF = re.compile(r"\x00model:([^\x00]+)\x00")


def model_ref(label: str) -> str:
    """A placeholder for ``label`` in an edit's text, replaced per file by how that file names the model."""
    return f"\x00model:{label}\x00"


def _package_dir(path: Path) -> Path:
    return path.parent


def _import_root(path: Path) -> Path:
    """The directory absolute imports start from: the first parent without ``__init__.py`` above ``path``."""
    current = path.parent
    while (current / "__init__.py").exists() and current.parent != current:
        current = current.parent
    return current


def _module_file(base: Path, dotted: str) -> Path | None:
    target = base.joinpath(*dotted.split(".")) if dotted else base
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@dataclass
class ModuleNames:
    """The names a module's top-level imports bind, resolved to files where the project holds them."""

    path: Path
    relative_style: bool = False
    names: dict[str, tuple[Path | None, str | None]] = field(default_factory=dict)  # local → (module file, attr)

    @classmethod
    def read(cls, path: Path, source: str) -> ModuleNames:
        out = cls(path)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return out
        root = _import_root(path)
        for node in tree.body:
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    out.relative_style = True
                    base = path.parent
                    for _ in range(node.level - 1):
                        base = base.parent
                else:
                    base = root
                module = node.module or ""
                for alias in node.names:
                    local = alias.asname or alias.name
                    as_module = _module_file(base, f"{module}.{alias.name}" if module else alias.name)
                    if as_module is not None:
                        out.names[local] = (as_module, None)  # from . import models
                    else:
                        out.names[local] = (_module_file(base, module), alias.name)  # from .models import X
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        out.names[alias.asname] = (_module_file(root, alias.name), None)
                    else:
                        out.names.setdefault(alias.name.split(".")[0], (None, None))
                        out.names[alias.name] = (_module_file(root, alias.name), None)
        return out

    def reference(self, model: ModelInfo, project: Path) -> tuple[str, str | None]:
        """How this module writes ``model``, and the import statement to add (None when none is needed)."""
        model_file = (project / model.file).resolve()
        package_init = model_file.parent / "__init__.py" if model_file.parent.name == "models" else None
        for local, (file, attr) in self.names.items():
            if attr == model.name and file is not None and file.resolve() in (model_file, package_init):
                return local, None
        for local, (file, attr) in self.names.items():
            if attr is None and file is not None and file.resolve() in (model_file, package_init):
                return f"{local}.{model.name}", None
        module_path = model_file.parent if package_init is not None else model_file.with_suffix("")
        if self.relative_style and module_path.parent == self.path.parent:
            return model.name, f"from .{module_path.name} import {model.name}"
        root = _import_root(model_file if package_init is None else model_file.parent)
        dotted = ".".join(module_path.relative_to(root).parts)
        return model.name, f"from {dotted} import {model.name}"


def undefined_names(source: str, filename: str) -> tuple[set[str], str | None]:
    """Names pyflakes reports undefined in ``source``, or the syntax error that stops compiling it."""
    try:
        compile(source, filename, "exec", dont_inherit=True)
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        return set(), f"{filename}:{exc.lineno}: syntax error: {exc.msg}"
    checker = Checker(tree, filename=filename)
    return {str(m.message_args[0]) for m in checker.messages if isinstance(m, pyflakes_messages.UndefinedName)}, None


def check_patch(original: str, patched: str, filename: str) -> str | None:
    """None when ``patched`` compiles and defines every name it adds; else the reason it is refused."""
    before, _ = undefined_names(original, filename)
    after, error = undefined_names(patched, filename)
    if error is not None:
        return error
    added = sorted(after - before)
    if added:
        return f"{filename}: the patched file would use undefined name(s) {', '.join(added)}"
    return None


def add_import(source: str, statement: str) -> str:
    """Insert ``statement`` after the module's last top-level import (or at the top)."""
    if any(line.strip() == statement for line in source.splitlines()):
        return source
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    last = 0
    for index, node in enumerate(tree.body):  # the leading import block: later code may use the name
        if isinstance(node, ast.Import | ast.ImportFrom):
            last = node.end_lineno or node.lineno
        elif index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            last = node.end_lineno or 0  # the module docstring
        else:
            break
    lines = source.splitlines(keepends=True)
    lines.insert(last, statement + "\n")
    return "".join(lines)

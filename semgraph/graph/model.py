"""What a language extractor returns for one file: the contract between the
extractors (one per language), the indexer/store and the analyses.

Everything is plain dataclasses so results cross process boundaries (the
parser pool) cheaply. Lines and columns are 1-based everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SymbolKind(StrEnum):
    MODULE = "module"  # one per file (Python module, Rust file/mod item, Go package file, JS/TS module)
    CLASS = "class"
    STRUCT = "struct"
    ENUM = "enum"
    TRAIT = "trait"
    INTERFACE = "interface"
    IMPL = "impl"  # Rust impl block; name is the self type, e.g. "User" or "Display for User"
    FUNCTION = "function"  # free function (incl. nested functions and named closures/arrow fns bound to a name)
    METHOD = "method"  # function defined in a class/impl/interface/trait
    CONSTANT = "constant"
    VARIABLE = "variable"  # module-level assignments worth a name (Python globals, JS exports)
    TYPE_ALIAS = "type_alias"
    FIELD = "field"  # struct/class fields and enum variants
    MACRO = "macro"


class EdgeKind(StrEnum):
    CALLS = "calls"
    IMPORTS = "imports"
    INHERITS = "inherits"
    IMPLEMENTS = "implements"
    CONTAINS = "contains"
    REFERENCES = "references"
    CROSS_LANGUAGE = "cross_language"


class Resolution(StrEnum):
    """How a call/import target was resolved, so an assistant can weigh an edge."""

    IMPORT = "import"  # through an import in the calling file
    SAME_MODULE = "same_module"  # a name defined in the same file/module
    SELF = "self"  # self.x() / this.x() / Self::x() in the enclosing class/impl
    QUALIFIED = "qualified"  # a fully qualified path (crate::a::b(), pkg.mod.f())
    TYPED = "typed"  # obj.m() / self.obj.m() where the source states obj's type (annotation or constructor)
    NAME_MATCH = "name_match"  # matched by name among N candidates (see candidates)
    # one more definition the same call may reach, beside its main edge: an impl of the `dyn Trait` method called,
    # the `#[cfg]` twin of the item linked (meta: alternative_of = the main target's qualified name, why)
    ALTERNATIVE = "alternative"
    UNRESOLVED = "unresolved"  # kept with its text only


CERTAIN_RESOLUTIONS = frozenset({"import", "same_module", "self", "qualified", "typed"})


def is_certain(resolution: str) -> bool:
    """An edge the source itself proves (an import, a scope, a stated type); a name match, however few its
    candidates, is only ``possible``."""
    return resolution in CERTAIN_RESOLUTIONS


def certainty(resolution: str) -> str:
    """``certain`` or ``possible``: the word the tools and the CLI show for an edge."""
    return "certain" if resolution in CERTAIN_RESOLUTIONS else "possible"


@dataclass(slots=True)
class Span:
    start_line: int
    start_col: int
    end_line: int
    end_col: int


@dataclass(slots=True)
class Symbol:
    """A named definition. ``parent`` is the index of the enclosing symbol in
    ``FileExtraction.symbols`` (the module symbol is index 0 and has parent None)."""

    kind: SymbolKind
    name: str
    qualified_name: str  # language-natural path: "pkg.mod.Class.method", "crate::models::User::new"
    span: Span
    parent: int | None = None
    signature: str = ""  # the declaration line(s) up to the body, whitespace-normalised
    doc: str = ""  # docstring / doc comments, cleaned
    visibility: str = ""  # "public", "private", "protected", "crate", "" when the language has none
    decorators: list[str] = field(default_factory=list)  # decorator/attribute/annotation texts, verbatim
    is_async: bool = False
    is_test: bool = False
    metrics: dict[str, int] = field(default_factory=dict)  # loc, complexity, max_nesting, params


@dataclass(slots=True)
class Import:
    """One imported name. ``module`` is the text path as written ("os.path",
    "./util", "crate::db", "github.com/x/y"), ``name`` the imported member or
    "" for a whole-module import, ``alias`` the local binding."""

    module: str
    name: str
    alias: str
    line: int
    is_relative: bool = False
    scope: int = 0  # index of the symbol the import appears in (0 = module level)


@dataclass(slots=True)
class Call:
    """A call site. ``target`` is the callee text as written with arguments
    removed ("self.save", "db.session.add", "Self::new", "User::find", "fetch");
    ``name`` is its last segment; ``receiver`` the part before it ("" if none)."""

    caller: int  # index of the enclosing symbol (0 = module level)
    target: str
    name: str
    receiver: str
    line: int
    col: int
    order: int = 0  # 0-based position among the caller's calls in source order
    receiver_type: str = ""  # the receiver's type as the source states it ("UserRepository"), "" if unknown


@dataclass(slots=True)
class AttrType:
    """A type the source states for a name: ``self.users = UserRepository(s)`` / ``self.users: T`` (``scope``
    is the class, ``on_self``), or an annotated parameter / local ``repo: T`` (``scope`` is the function)."""

    scope: int
    name: str
    type: str  # dotted type text as written, Optional/quotes removed
    line: int
    on_self: bool = False


@dataclass(slots=True)
class BaseRef:
    """A class's base / an implemented trait or interface, as written."""

    child: int  # index of the class/struct/impl symbol
    target: str  # "BaseModel", "Display", "fmt::Display", "Serializable"
    kind: EdgeKind  # INHERITS or IMPLEMENTS
    line: int


@dataclass(slots=True)
class SyntaxProblem:
    line: int
    col: int
    message: str  # e.g. "syntax error near 'fn broken('", "missing ')'"


@dataclass(slots=True)
class FileExtraction:
    """Everything extracted from one file. ``symbols[0]`` is the module symbol."""

    path: str  # posix path relative to the indexed root
    language: str
    module: str  # dotted / path module name of the file ("app.services.users", "crate::db::models")
    symbols: list[Symbol] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    bases: list[BaseRef] = field(default_factory=list)
    errors: list[SyntaxProblem] = field(default_factory=list)
    loc: int = 0
    attribute_types: list[AttrType] = field(default_factory=list)  # stated receiver types (Python)  # non-blank lines

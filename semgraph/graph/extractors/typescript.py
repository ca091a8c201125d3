"""TypeScript and TSX: everything the JavaScript extractor does, plus
interfaces (with their method and property signatures), abstract classes,
type aliases, enums (members are FIELDs), overload signatures, class
``implements`` (IMPLEMENTS bases), interface ``extends`` (INHERITS bases),
decorators and ``public``/``protected``/``private`` modifiers, and namespaces /
ambient modules (``namespace A.B {…}``, ``declare module "m" {…}``) as nested
MODULE symbols.
"""

from __future__ import annotations

from typing import ClassVar

from semgraph.graph.extractors.javascript import JavaScriptExtractor
from semgraph.graph.model import SymbolKind

K = SymbolKind


class TypeScriptExtractor(JavaScriptExtractor):
    language = "typescript"
    queries = (
        "ecmascript-tags",
        "typescript-tags",
        "ecmascript-calls",
        "ecmascript-control",
        "ecmascript-imports",
        "ecmascript-types",
        "typescript-types",
    )
    kinds: ClassVar[dict[str, SymbolKind]] = {
        "function": K.FUNCTION,
        "class": K.CLASS,
        "namespace": K.MODULE,
        "interface": K.INTERFACE,
        "type_alias": K.TYPE_ALIAS,
        "enum": K.ENUM,
        "variant": K.FIELD,
        "field": K.FIELD,
        "closure": K.FUNCTION,
        "exported": K.FUNCTION,
        "variable": K.VARIABLE,
    }


class TsxExtractor(TypeScriptExtractor):
    language = "tsx"

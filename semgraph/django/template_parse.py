"""Template source → a small node tree, with Django's own lexer.

Django's ``Parser`` needs every tag registered in a library before it can build
nodes, and building them needs configured settings. We only need structure
(which tag encloses which), so the tokens of ``django.template.base.DebugLexer``
are folded into a light tree here: block tags open a node, ``else``/``elif``/
``empty``/``plural`` start a new branch, ``end<name>`` closes. Errors carry the
line and column of the offending tag, worded as Django words them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.base import DebugLexer, TokenType

from semgraph.errors import SourceParseError

BLOCK_TAGS: dict[str, frozenset[str]] = {
    "for": frozenset({"empty"}),
    "if": frozenset({"elif", "else"}),
    "ifchanged": frozenset({"else"}),
    "with": frozenset(),
    "block": frozenset(),
    "autoescape": frozenset(),
    "filter": frozenset(),
    "spaceless": frozenset(),
    "blocktranslate": frozenset({"plural"}),
    "blocktrans": frozenset({"plural"}),
    "cache": frozenset(),
    "localize": frozenset(),
    "localtime": frozenset(),
    "timezone": frozenset(),
    "language": frozenset(),
}
"""Built-in tags with a body, and the tags that may split that body into branches."""

SKIPPED_BODY_TAGS = frozenset({"comment", "verbatim"})
"""Tags whose body Django never parses."""


@dataclass(slots=True)
class VarNode:
    """``{{ expression }}``."""

    expr: str
    line: int
    column: int


@dataclass(slots=True)
class Branch:
    """One section of a block tag: the opening tag or an ``else``/``elif``/``empty`` and its children."""

    name: str
    bits: list[str]
    line: int
    column: int
    children: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class TagNode:
    """``{% name bits… %}``; ``branches`` is empty for a tag without a body."""

    name: str
    bits: list[str]
    line: int
    column: int
    branches: list[Branch] = field(default_factory=list)


Node = VarNode | TagNode


def _column(source: str, position: tuple[int, int] | None) -> int:
    if position is None:
        return 1
    start = position[0]
    return start - (source.rfind("\n", 0, start) + 1) + 1


def parse_template(source: str, name: str = "<template>") -> list[Node]:
    """Parse ``source`` into nodes; raise SourceParseError at the first structural error."""
    tokens = DebugLexer(source).tokenize()
    tag_names = {t.contents.split(None, 1)[0] for t in tokens if t.token_type == TokenType.BLOCK and t.contents}
    root: list[Node] = []
    stack: list[tuple[TagNode, Branch]] = []
    children = root
    skip_until: str | None = None
    skip_tag: tuple[str, int, int] | None = None

    def fail(message: str, line: int, column: int) -> SourceParseError:
        return SourceParseError(message, file=name, line=line, column=column, hint="fix the template tag structure")

    for token in tokens:
        kind = token.token_type
        if skip_until is not None:
            if kind == TokenType.BLOCK and token.contents == skip_until:
                skip_until = None
            continue
        if kind in (TokenType.TEXT, TokenType.COMMENT):
            continue
        line, column = token.lineno, _column(source, token.position)
        if kind == TokenType.VAR:
            if not token.contents:
                raise fail(f"Empty variable tag on line {line}", line, column)
            children.append(VarNode(token.contents, line, column))
            continue
        if not token.contents:
            raise fail(f"Empty block tag on line {line}", line, column)
        bits = token.split_contents()
        tag = bits[0]
        if tag in SKIPPED_BODY_TAGS:
            skip_until = "end" + token.contents if tag == "verbatim" else "endcomment"
            skip_tag = (tag, line, column)
            continue
        if stack and tag in BLOCK_TAGS.get(stack[-1][0].name, frozenset()):
            node = stack[-1][0]
            branch = Branch(tag, bits, line, column)
            node.branches.append(branch)
            stack[-1] = (node, branch)
            children = branch.children
            continue
        if tag.startswith("end"):
            if not stack or stack[-1][0].name != tag[3:]:
                expected = f", expected 'end{stack[-1][0].name}'" if stack else ""
                raise fail(f"Invalid block tag on line {line}: '{tag}'{expected}", line, column)
            stack.pop()
            children = stack[-1][1].children if stack else root
            continue
        if tag in ("else", "elif", "empty", "plural"):
            raise fail(f"Invalid block tag on line {line}: '{tag}' outside of a matching block", line, column)
        node = TagNode(tag, bits, line, column)
        children.append(node)
        if tag in BLOCK_TAGS or ("end" + tag) in tag_names:
            branch = Branch(tag, bits, line, column)
            node.branches.append(branch)
            stack.append((node, branch))
            children = branch.children
    if skip_until is not None and skip_tag is not None:
        tag, line, column = skip_tag
        raise fail(f"Unclosed tag on line {line}: '{tag}'. Looking for one of: {skip_until}.", line, column)
    if stack:
        node = stack[-1][0]
        allowed = sorted(BLOCK_TAGS.get(node.name, frozenset()) | {"end" + node.name})
        raise fail(
            f"Unclosed tag on line {node.line}: '{node.name}'. Looking for one of: {', '.join(allowed)}.",
            node.line,
            node.column,
        )
    return root

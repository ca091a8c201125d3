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

from django.template.base import DebugLexer, Lexer, TokenType

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

SIMPLE_TAGS = frozenset(
    {"extends", "include", "url", "load", "csrf_token", "cycle", "firstof", "now", "regroup", "widthratio", "static",
     "trans", "translate", "templatetag", "lorem", "debug", "resetcycle", "querystring", "get_static_prefix",
     "get_media_prefix", "else", "elif", "empty", "plural"}
)  # fmt: skip
"""Built-in tags without a body: no need to look for a matching end tag."""

BLOCK, VAR = TokenType.BLOCK, TokenType.VAR


@dataclass(slots=True)
class VarNode:
    """``{{ expression }}``."""

    expr: str
    line: int
    index: int  # token index; column_of(source, index) gives the column


@dataclass(slots=True)
class Branch:
    """One section of a block tag: the opening tag or an ``else``/``elif``/``empty`` and its children."""

    name: str
    bits: list[str]
    line: int
    index: int  # token index; column_of(source, index) gives the column
    children: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class TagNode:
    """``{% name bits… %}``; ``branches`` is empty for a tag without a body."""

    name: str
    bits: list[str]
    line: int
    index: int  # token index; column_of(source, index) gives the column
    branches: list[Branch] = field(default_factory=list)


Node = VarNode | TagNode


class _TagLexer(Lexer):
    """Django's Lexer, minus Token objects for the text between tags (never needed; indices are kept)."""

    def create_token(self, token_string: str, position: tuple[int, int] | None, lineno: int, in_tag: bool):  # type: ignore[no-untyped-def]
        if not in_tag:
            return None
        return super().create_token(token_string, position, lineno, in_tag)


def column_of(source: str, index: int) -> int:
    """1-based column of the ``index``-th token, from Django's DebugLexer (only run when reporting an error)."""
    tokens = DebugLexer(source).tokenize()
    if index >= len(tokens) or tokens[index].position is None:
        return 1
    start = tokens[index].position[0]
    return start - (source.rfind("\n", 0, start) + 1) + 1


def parse_template(source: str, name: str = "<template>") -> list[Node]:
    """Parse ``source`` into nodes; raise SourceParseError at the first structural error."""
    tokens = _TagLexer(source).tokenize()  # the fast lexer; DebugLexer positions are computed on error only
    tag_names: set[str] | None = None  # every tag name in the template; computed only for an unknown tag
    root: list[Node] = []
    stack: list[tuple[TagNode, Branch]] = []
    children = root
    skip_until: str | None = None
    skip_tag: tuple[str, int, int] | None = None

    def fail(message: str, line: int, index: int) -> SourceParseError:
        return SourceParseError(
            message, file=name, line=line, column=column_of(source, index), hint="fix the template tag structure"
        )

    for index, token in enumerate(tokens):
        if token is None:
            continue
        kind = token.token_type
        if skip_until is not None:
            if kind is BLOCK and token.contents == skip_until:
                skip_until = None
            continue
        line, column = token.lineno, index  # the token index; turned into a column only for an error
        if kind is VAR:
            if not token.contents:
                raise fail(f"Empty variable tag on line {line}", line, column)
            children.append(VarNode(token.contents, line, column))
            continue
        if kind is not BLOCK:  # comments (text tokens were never created)
            continue
        if not token.contents:
            raise fail(f"Empty block tag on line {line}", line, column)
        contents = token.contents
        # without quotes Django's smart split is a plain whitespace split; skip its generator on the hot path
        bits = token.split_contents() if '"' in contents or "'" in contents else contents.split()
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
        if tag not in BLOCK_TAGS and tag not in SIMPLE_TAGS and tag_names is None:
            tag_names = {
                t.contents.split(None, 1)[0] for t in tokens if t is not None and t.token_type is BLOCK and t.contents
            }
        if tag in BLOCK_TAGS or (tag_names is not None and tag not in SIMPLE_TAGS and ("end" + tag) in tag_names):
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
            node.index,
        )
    return root

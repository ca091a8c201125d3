"""Every extractor survives damaged input and keeps its output consistent.

Valid sources are cut, spliced and sprinkled with invalid UTF-8 by Hypothesis;
whatever comes back must still be a well-formed ``FileExtraction``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semgraph.graph.extractors import extract
from semgraph.graph.model import FileExtraction, SymbolKind

SAMPLES: dict[str, tuple[str, bytes]] = {
    "python": (
        "app/m.py",
        b'"""Doc."""\nimport os\n@dec(1)\nasync def f(a, *b):\n    """D."""\n'
        b"    if a and b:\n        return [x for x in b if x]\n    g = lambda y: y\n"
        b"class C(B):\n    x: int = 1\n    def m(self):\n        self.f(os.path.join('a'))\n",
    ),
    "rust": (
        "src/a/b.rs",
        b"//! M.\nuse crate::x::{y, z as w};\nmod q;\n/// S.\n#[derive(Debug)]\npub struct S { pub a: i32 }\n"
        b"impl Display for S {\n    fn fmt(&self, f: &mut F) -> R { match 1 { 1 => g(), _ => h()? } }\n}\n"
        b"#[cfg(test)]\nmod tests { #[test] fn t() { let c = |x| x + 1; assert!(c(1) == 2 && true); } }\n",
    ),
    "javascript": (
        "src/a.js",
        b"import x, { y as z } from './m';\nconst r = require('r');\n/** D. */\nexport async function f(a, ...b) {\n"
        b"  const g = (q) => q ? h(q) : null;\n  for (const i of b) { if (i || a) { new K(i).run(); } }\n}\n"
        b"class C extends mix(B) { #p = 1; m() { return this.#p; } }\n",
    ),
    "typescript": (
        "src/a.ts",
        b"import { A } from './a';\n@Dec()\nexport class C<T> extends B<T> implements I {\n"
        b"  private x: number = 1;\n  async m(this: C<T>, a?: string): Promise<void> { switch (a) { case 'x': break; default: } }\n"
        b"}\nexport interface I extends J { n(a: number): void }\nexport enum E { A, B = 2 }\ntype T = A | B;\n",
    ),
    "tsx": (
        "src/a.tsx",
        b"export const App = ({ n }: P) => {\n  const [v, s] = useState(0);\n"
        b"  return <div onClick={() => s(v + 1)}>{n && <b>{v}</b>}</div>;\n};\n",
    ),
    "go": (
        "pkg/a/a.go",
        b'// Package a.\npackage a\n\nimport (\n\t"fmt"\n\tx "y/z"\n)\n\ntype S struct {\n\tB\n\tA, C int\n}\n\n'
        b'// M does.\nfunc (s *S) M(a int) error {\n\tif a > 0 && s != nil {\n\t\treturn fmt.Errorf("x")\n\t}\n'
        b"\tswitch a {\n\tcase 1:\n\tdefault:\n\t}\n\treturn x.F()\n}\n\nfunc TestM(t *testing.T) {}\n",
    ),
    "java": (
        "src/main/java/a/A.java",
        b"package a;\nimport java.util.*;\n/** A. */\n@Ann\npublic class A extends B implements C {\n"
        b"  private static final int X = 1;\n  public A(int x) { super(x); }\n"
        b"  @Test void t() { for (int i : xs) { if (i > 0 || x) { new D<>().run(); } } }\n}\n",
    ),
}


def check_consistent(r: FileExtraction, source: bytes) -> None:
    lines = source.count(b"\n") + 1
    assert r.symbols and r.symbols[0].kind is SymbolKind.MODULE and r.symbols[0].parent is None
    for i, s in enumerate(r.symbols[1:], start=1):
        assert s.parent is not None and 0 <= s.parent < i
        assert 1 <= s.span.start_line <= s.span.end_line <= lines
        assert s.name and s.qualified_name
        if s.kind in (SymbolKind.FUNCTION, SymbolKind.METHOD):
            assert s.metrics["complexity"] >= 1 and s.metrics["max_nesting"] >= 0
    orders: dict[int, int] = {}
    for c in r.calls:
        assert 0 <= c.caller < len(r.symbols)
        assert r.symbols[c.caller].kind not in (SymbolKind.FIELD, SymbolKind.VARIABLE, SymbolKind.CONSTANT)
        assert c.order == orders.get(c.caller, 0)
        orders[c.caller] = c.order + 1
        assert 1 <= c.line <= lines
    for imp in r.imports:
        assert 0 <= imp.scope < len(r.symbols)
    for b in r.bases:
        assert 0 <= b.child < len(r.symbols)
    for e in r.errors:
        assert 1 <= e.line <= lines and e.col >= 1 and e.message


def test_samples_are_valid() -> None:
    for language, (path, source) in SAMPLES.items():
        r = extract(source, path)
        assert (r.language, r.errors) == (language, [])
        assert len(r.symbols) >= 2
        check_consistent(r, source)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    language=st.sampled_from(sorted(SAMPLES)),
    cut=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    junk=st.binary(max_size=12),
    at=st.floats(0, 1),
)
def test_damaged_sources_never_crash(language: str, cut: tuple[float, float], junk: bytes, at: float) -> None:
    path, source = SAMPLES[language]
    a, b = sorted(int(x * len(source)) for x in cut)
    damaged = source[:a] + source[b:]
    pos = int(at * len(damaged))
    damaged = damaged[:pos] + junk + b"\xff\xfe" + damaged[pos:]
    r = extract(damaged, path)
    check_consistent(r, damaged)

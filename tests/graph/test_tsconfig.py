"""tsconfig.json module aliases (``paths``, ``baseUrl``, relative ``extends``) as the resolver reads them."""

from __future__ import annotations

from pathlib import Path

from semgraph.graph.tsconfig import TsConfigMap, parse_jsonc
from tests.graph.graphhelp import write_tree


def test_jsonc_with_comments_trailing_commas_and_slashes_in_strings() -> None:
    text = '{\n  // a comment\n  "a": "http://x/*y*/", /* block */\n  "b": [1, 2,],\n}\n'
    assert parse_jsonc(text) == {"a": "http://x/*y*/", "b": [1, 2]}
    assert parse_jsonc("not json") == {}


def test_paths_base_url_and_extends(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path / "repo",
        {
            "tsconfig.base.json": '{"compilerOptions": {"baseUrl": "./", "paths": {"@libs/*": ["libs/*"]}}}',
            "apps/api/tsconfig.json": (
                '{"extends": "../../tsconfig.base.json",\n'
                ' "compilerOptions": {"paths": {"@app/*": ["apps/api/src/*"], "@app/config": ["apps/api/cfg"],'
                ' "@libs/*": ["libs/*"]}}}'
            ),
            "web/tsconfig.json": '{"compilerOptions": {"baseUrl": "src"}}',
        },
    )
    ts = TsConfigMap(root)
    # the longest pattern prefix first; targets under the inherited baseUrl (the root)
    assert ts.modules("apps/api/src/main.ts", "@app/config") == ["apps/api/cfg", "apps/api/src/config", "@app/config"]
    assert ts.modules("apps/api/src/main.ts", "@libs/guard") == ["libs/guard", "@libs/guard"]
    # baseUrl alone: a bare specifier under it
    assert ts.modules("web/src/a/b.ts", "utils/format") == ["web/src/utils/format"]
    # no config above: nothing
    assert ts.modules("other/x.ts", "@libs/guard") == []

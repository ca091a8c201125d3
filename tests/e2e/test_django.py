"""The django toolset over stdio: each tool on the rentals fixture, with bad input, in both protocol modes."""

from __future__ import annotations

from pathlib import Path

from tests.support import copy_fixture, error_text, serve


async def test_django_tools_end_to_end(tmp_path: Path, mode: str) -> None:
    copy_fixture("rentals", tmp_path)
    async with serve(tmp_path, mode=mode, extra_args=["--toolsets", "django"]) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"extract_template_variables", "optimize_django_queries", "generate_serializer"}
        assert tools["extract_template_variables"].annotations.read_only_hint is True
        assert tools["optimize_django_queries"].annotations.read_only_hint is True
        assert tools["generate_serializer"].annotations.read_only_hint is False
        assert tools["generate_serializer"].annotations.destructive_hint is False

        result = await client.call_tool(
            "extract_template_variables", {"template_path": "rentals/rentals/templates/rentals/tenants.html"}
        )
        assert not result.is_error, result.content
        data = result.structured_content
        assert data["variables"] == {
            "count": [],
            "site_name": [],
            "tenants": [
                "leases.all",
                "leases.all.get_status_display",
                "leases.all.property.name",
                "phone",
                "requests.exists",
                "user.email",
                "user.get_full_name",
                "user.username",
            ],
        }
        assert data["templates"] == [
            "rentals/tenants.html",
            "rentals/base.html",
            "rentals/_nav.html",
        ]
        assert [(a["name"], a["source"]) for a in data["aliases"]] == [
            ("t", "tenants"),
            ("lease", "tenants.leases.all"),
        ]

        tagged = await client.call_tool(
            "extract_template_variables",
            {"template_source": "{% latest 3 as posts %}{% for p in posts %}{{ p.author.name }}{% endfor %}"},
        )
        assert tagged.structured_content["variables"] == {}
        assert tagged.structured_content["tag_results"] == {"latest": ["author.name"]}

        bad = await client.call_tool("extract_template_variables", {"template_source": "ok\n{% for x in y %}{{ x }}"})
        assert "<template_source>:2:1: Unclosed tag on line 2: 'for'" in error_text(bad)
        missing = await client.call_tool("extract_template_variables", {"template_path": "rentals/nope.html"})
        assert "path 'rentals/nope.html' does not exist" in error_text(missing)
        both = await client.call_tool("extract_template_variables", {"template_source": "x", "template_path": "y"})
        assert "give exactly one of template_source and template_path" in error_text(both)

        opt = await client.call_tool("optimize_django_queries", {"project_path": "rentals", "view": "PropertyListView"})
        assert not opt.is_error, opt.content
        (view,) = opt.structured_content["views"]
        (qs,) = view["querysets"]
        assert (qs["select_related"], qs["prefetch_related"]) == (["owner"], ["amenities", "leases"])
        assert (qs["queries_before"], qs["queries_after"]) == (151, 3)
        assert opt.structured_content["files_changed"] == ["rentals/views.py"]
        assert (
            '+    queryset = Property.listed.select_related("owner").prefetch_related("amenities", "leases").all()'
            in opt.structured_content["diff"]
        )
        outside = await client.call_tool("optimize_django_queries", {"project_path": "../"})
        assert "resolves outside the allowed roots" in error_text(outside)
        paged = await client.call_tool("optimize_django_queries", {"project_path": "rentals", "limit": 2, "offset": 6})
        assert [v["view"] for v in paged.structured_content["views"]] == ["MaintenanceListView"]
        assert paged.structured_content["page"] == {
            "total": 7,
            "offset": 6,
            "limit": 2,
            "returned": 1,
            "next_offset": None,
        }
        no_view = await client.call_tool("optimize_django_queries", {"project_path": "rentals", "view": "Nope"})
        assert "view 'Nope' not found" in error_text(no_view)

        args = {"model": "Lease", "paths": ["tenant.user.email", "property.name"], "project_path": "rentals"}
        first = await client.call_tool("generate_serializer", args)
        second = await client.call_tool("generate_serializer", args)
        assert (first.structured_content["cache"], second.structured_content["cache"]) == ("miss", "memory")
        source = first.structured_content["source"]
        compile(source, "serializer.py", "exec")
        assert "v3_user = None if v2_tenant is None else v2_tenant.user" in source
        assert (tmp_path / ".semgraph" / "serializers" / f"{first.structured_content['cache_key']}.py").is_file()
        unknown = await client.call_tool("generate_serializer", {**args, "model": "Invoice"})
        assert "model 'Invoice' not found" in error_text(unknown)
        bad_style = await client.call_tool("generate_serializer", {**args, "style": "yaml"})
        assert "invalid arguments: style: Input should be 'function' or 'dict'" in error_text(bad_style)

        limited = await client.call_tool(
            "extract_template_variables",
            {"template_source": "{{ b.x }}{% for i in a %}{{ i }}{% endfor %}", "limit": 1},
        )
        assert limited.structured_content["variables"] == {"a": []}
        assert (limited.structured_content["total_variables"], limited.structured_content["truncated"]) == (2, True)
        escape = await client.call_tool(
            "extract_template_variables", {"template_source": "{% include 'x.html' %}", "template_dirs": ["../"]}
        )
        assert "resolves outside the allowed roots" in error_text(escape)

        again = await client.call_tool("extract_template_variables", {"template_source": "{{ a.b }}"})
        assert again.structured_content["variables"] == {"a": ["b"]}

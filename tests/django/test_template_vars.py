"""extract_template_variables: exact path maps for every construct, on Django's own lexer."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.django.template_vars import DirLoader, extract_template_variables
from semgraph.errors import SourceParseError
from tests.support import FIXTURES

TEMPLATES = FIXTURES / "rentals" / "rentals" / "templates"


def paths(source: str, loader: DirLoader | None = None) -> dict[str, list[str]]:
    return extract_template_variables(source, name="t.html", loader=loader).variables


def test_seed_loop_alias_is_attributed_to_the_queryset() -> None:
    source = """
    {% for lease in expiring_soon %}
      <td>{{ lease.property.name }}</td><td>{{ lease.property.address }}</td>
      <td>{{ lease.tenant.user.get_full_name }}</td><td>{{ lease.tenant.user.email }}</td>
      <td>{{ lease.end_date|date:"M d, Y" }}</td>
    {% endfor %}"""
    result = extract_template_variables(source)
    assert result.variables == {
        "expiring_soon": [
            "end_date",
            "property.address",
            "property.name",
            "tenant.user.email",
            "tenant.user.get_full_name",
        ]
    }
    (alias,) = result.aliases
    assert (alias.name, alias.kind, alias.source, alias.line) == ("lease", "for", "expiring_soon", 2)
    assert alias.paths == result.variables["expiring_soon"]


def test_filters_and_filter_arguments() -> None:
    assert paths('{{ a.b|default:c.d|date:"Y" }} {{ x|add:y }} {{ "lit"|upper }} {{ 3 }}') == {
        "a": ["b"],
        "c": ["d"],
        "x": [],
        "y": [],
    }


def test_if_elif_expressions() -> None:
    source = (
        "{% if a.ok and not b.bad or c.n > 3 %}{% elif d.x in e.items %}{% elif f == None %}"
        "{% else %}{{ g.h }}{% endif %}"
    )
    assert paths(source) == {"a": ["ok"], "b": ["bad"], "c": ["n"], "d": ["x"], "e": ["items"], "f": [], "g": ["h"]}


def test_dict_items_loop_and_nested_loops_and_forloop_ignored() -> None:
    source = (
        "{% for k, v in prices.items %}{{ k }}={{ v.amount }}{% endfor %}"
        "{% for p in properties %}{% for l in p.leases.all %}{{ l.tenant.user.email }}{{ forloop.counter }}"
        "{{ forloop.parentloop.first }}{% endfor %}{% empty %}{{ none_msg }}{% endfor %}"
    )
    result = extract_template_variables(source)
    assert result.variables == {
        "none_msg": [],
        "prices": ["items", "items.0", "items.1.amount"],  # v is the second element of each item, not the item
        "properties": ["leases.all", "leases.all.tenant.user.email"],
    }
    assert [(a.name, a.source, a.paths) for a in result.aliases] == [
        ("k", "prices.items.0", []),
        ("v", "prices.items.1", ["amount"]),
        ("p", "properties", ["leases.all", "leases.all.tenant.user.email"]),
        ("l", "properties.leases.all", ["tenant.user.email"]),
    ]


def test_tuple_unpacking_attributes_each_element_and_rendered_paths() -> None:
    # the issue's case: both names' paths were merged onto the list; `{{ r }}` runs str() on each element
    source = (
        "{% for release, files in pairs %}{{ release }} {{ release.version }}{{ files.count }}"
        "{{ release.notes|markdownify }}{% endfor %}{% url 'docs' slug host 'docs' %}"
    )
    result = extract_template_variables(source)
    assert result.variables == {"pairs": ["0", "0.notes", "0.version", "1.count"], "slug": []}
    assert result.rendered == {"pairs": ["0", "0.notes", "0.version", "1.count"]}
    assert result.opaque == {"pairs": ["0.notes"]}  # a custom filter may read any attribute


def test_with_new_and_legacy_forms() -> None:
    source = (
        "{% for r in requests %}{% with prop=r.property owner=r.property.owner %}{{ prop.name }}{{ owner.email }}"
        "{% endwith %}{% endfor %}{% with b.c as a %}{{ a.d }}{% endwith %}{{ a.e }}"
    )
    result = extract_template_variables(source)
    assert result.variables == {
        "a": ["e"],
        "b": ["c", "c.d"],
        "requests": ["property", "property.name", "property.owner", "property.owner.email"],
    }
    assert [(a.name, a.kind, a.source) for a in result.aliases] == [
        ("r", "for", "requests"),
        ("prop", "with", "requests.property"),
        ("owner", "with", "requests.property.owner"),
        ("a", "with", "b.c"),
    ]


def test_url_tag_arguments_and_as() -> None:
    source = "{% url 'rentals:detail' obj.pk slug=obj.slug as link %}{{ link }}{% url 'x' other.id %}"
    assert paths(source) == {"obj": ["pk", "slug"], "other": ["id"]}


def test_include_with_bindings_inside_a_loop(tmp_path: Path) -> None:
    (tmp_path / "row.html").write_text("{{ req.title }} {{ req.owner.email }} {{ lease.end_date }} {{ site }}")
    (tmp_path / "only.html").write_text("{{ req.title }} {{ leaked }}")
    source = (
        '{% for lease in leases %}{% include "row.html" with req=lease.request %}{% endfor %}'
        '{% include "only.html" with req=main only %}{% include "missing.html" %}'
    )
    result = extract_template_variables(source, name="t.html", loader=DirLoader([tmp_path]))
    assert result.variables == {
        "leases": ["end_date", "request", "request.owner.email", "request.title"],
        "main": ["title"],
        "site": [],
    }
    assert result.templates == ["t.html", "row.html", "only.html"]
    assert result.warnings == [
        f"t.html:1: included template 'missing.html' not found (searched {tmp_path})",
    ]


def test_extends_blocks_and_block_super(tmp_path: Path) -> None:
    (tmp_path / "base.html").write_text(
        "{% block title %}{{ site.name }}{% endblock %}{% block body %}{{ base_only }}{% endblock %}{{ footer.text }}"
    )
    (tmp_path / "mid.html").write_text('{% extends "base.html" %}{% block body %}{{ mid.x }}{% endblock %}')
    (tmp_path / "child.html").write_text(
        '{% extends "mid.html" %}{% block title %}{{ block.super }} | {{ page.title }}{% endblock %}'
        "outside blocks is ignored: {{ ignored }}"
    )
    loader = DirLoader([tmp_path])
    result = extract_template_variables((tmp_path / "child.html").read_text(), name="child.html", loader=loader)
    assert result.variables == {"footer": ["text"], "mid": ["x"], "page": ["title"], "site": ["name"]}


def test_unknown_tag_arguments_scanned_with_warning() -> None:
    result = extract_template_variables("{% load humanize %}\n{% show_card user.profile size=opts.size as card %}")
    assert result.variables == {"opts": ["size"], "user": ["profile"]}
    assert result.warnings == ["<template>:2: unknown tag {% show_card %}: its arguments were scanned as expressions"]


def test_unknown_block_tag_body_is_walked() -> None:
    result = extract_template_variables("{% cache 500 sidebar user.pk %}{{ user.name }}{% endcache %}")
    # the fragment name of {% cache %} is a name, not a variable (semgraph/django/data/tag_keywords.yaml)
    assert result.variables == {"user": ["name", "pk"]}


def test_other_builtin_tags() -> None:
    source = (
        "{% blocktranslate with n=obj.name count c=items|length %}{{ n }} and {{ c }}{% plural %}{{ n }}"
        "{% endblocktranslate %}{% firstof a.x b.y 'none' %}{% cycle row.odd row.even as rowcls silent %}{{ rowcls }}"
        "{% regroup people by city.name as by_city %}{% for g in by_city %}{{ g.grouper }}{% endfor %}"
        "{% widthratio done.n total.n 100 %}{% now 'Y' as year %}{{ year }}"
    )
    result = extract_template_variables(source)
    assert result.variables == {
        "a": ["x"],
        "b": ["y"],
        "done": ["n"],
        "items": [],
        "obj": ["name"],
        "people": ["city.name"],
        "row": ["even", "odd"],
        "total": ["n"],
    }
    assert result.warnings == []


def test_comment_and_verbatim_bodies_are_skipped() -> None:
    source = (
        "{% comment %}{{ hidden.x }}{% if %}{% endcomment %}{% verbatim %}{{ raw.y }}{% endverbatim %}{# {{ c }} #}"
    )
    assert paths(source) == {}


@pytest.mark.parametrize(
    ("source", "line", "message"),
    [
        ("ok\n{% for x in items %}\n{{ x }}", 2, "Unclosed tag on line 2: 'for'. Looking for one of: empty, endfor."),
        ("{% if a %}\n\n{% endfor %}", 3, "Invalid block tag on line 3: 'endfor', expected 'endif'"),
        ("\n{{ }}", 2, "Empty variable tag on line 2"),
        ("{% for x of items %}{% endfor %}", 1, "'for' statements should use the format 'for x in y'"),
        ("\n\n{{ a.b|date:'Y' c }}", 3, "Could not parse the remainder"),
        ("{% if a and %}{% endif %}", 1, "Unexpected end of expression in if tag."),
        ("{% else %}", 1, "Invalid block tag on line 1: 'else' outside of a matching block"),
    ],
)
def test_syntax_errors_carry_line_numbers(source: str, line: int, message: str) -> None:
    with pytest.raises(SourceParseError) as info:
        extract_template_variables(source, name="bad.html")
    assert info.value.line == line
    assert info.value.file == "bad.html"
    assert message in str(info.value)
    assert str(info.value).startswith(f"bad.html:{line}:")


def test_syntax_error_column() -> None:
    with pytest.raises(SourceParseError) as info:
        extract_template_variables("ok\n  xx {{ a.b|date:'Y' c }}", name="bad.html")
    assert (info.value.line, info.value.column) == (2, 6)
    with pytest.raises(SourceParseError) as info:
        extract_template_variables("{% if a %}\n   {% endfor %}", name="bad.html")
    assert (info.value.line, info.value.column) == (2, 4)


def test_fixture_dashboard_with_extends_and_includes_in_loops() -> None:
    loader = DirLoader([TEMPLATES])
    source = (TEMPLATES / "rentals" / "dashboard.html").read_text()
    result = extract_template_variables(source, name="rentals/dashboard.html", loader=loader)
    assert result.variables == {
        "expiring_soon": [
            "end_date",
            "property.address",
            "property.name",
            "tenant.user.email",
            "tenant.user.get_full_name",
        ],
        "pending_maintenance": [
            "assigned_to",
            "assigned_to.get_full_name",
            "get_priority_display",
            "property.name",
            "title",
        ],
        "site_name": [],
        "title": [],
    }
    assert result.templates == [
        "rentals/dashboard.html",
        "rentals/base.html",
        "rentals/_nav.html",
        "rentals/_lease_row.html",
        "rentals/_request_row.html",
    ]
    assert result.warnings == []


@pytest.mark.parametrize("text", ["a", "a.b.c", "lease.tenant.user.email", "True", "x.nan", "inf", "Infinity"])
def test_plain_path_fast_path_equals_djangos_filter_expression(text: str) -> None:
    from semgraph.django.template_vars import _PARSER, _ReadOnlyFilterExpression, clear_caches, compile_expression

    clear_caches()
    fast, slow = compile_expression(text), _ReadOnlyFilterExpression(text, _PARSER)
    fields = ("var", "literal", "lookups", "translate", "message_context")
    assert (fast.token, fast.filters, fast.is_var) == (slow.token, slow.filters, slow.is_var)
    assert [getattr(fast.var, f) for f in fields] == [getattr(slow.var, f) for f in fields]

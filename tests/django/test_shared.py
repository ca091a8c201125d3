"""Querysets reaching templates without a view (issue 14, fixtures/django_shared): a project context processor
named in the settings and simple tags used as ``{% tag … as v %}``, planned with every template's reads."""

from __future__ import annotations

import py_compile
import shutil
import subprocess
from pathlib import Path

import pytest

from semgraph.django.optimizer import OptimizationReport, QuerysetPlan, optimize_project
from semgraph.django.shared_sources import processor_names
from semgraph.django.template_vars import extract_template_variables
from tests.support import FIXTURES

SHARED = FIXTURES / "django_shared"


@pytest.fixture(scope="module")
def report() -> OptimizationReport:
    return optimize_project(SHARED)


def _plan(report: OptimizationReport, view: str, variable: str) -> QuerysetPlan:
    (plan,) = [q for v in report.views if v.view == view for q in v.querysets if variable in q.context_variables]
    return plan


def test_a_tag_result_bound_with_as_keeps_its_reads_under_the_tag() -> None:
    tv = extract_template_variables(
        "{% latest_posts 3 user.pk as posts %}{% for p in posts %}{{ p.author.name }}{{ p }}{% endfor %}"
        "{% post_count as n %}{% url 'x' as u %}{{ u.y }}"
    )
    assert tv.variables == {"user": ["pk"]}  # the tag's value is not a context variable, nor is `url … as`
    assert tv.tag_results == {"latest_posts": ["author.name"], "post_count": []}  # called: listed, read or not
    assert tv.rendered == {"{% latest_posts %}": ["", "author.name"]}


def test_settings_name_the_project_context_processors() -> None:
    assert processor_names(SHARED) == [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "blog.context_processors.menu",
    ]


def test_a_simple_tag_queryset_is_planned_in_the_tag_with_the_template_reads(report: OptimizationReport) -> None:
    (view,) = [v for v in report.views if v.view == "latest_posts"]
    assert view.kind == "simple_tag" and view.used_in == ["blog/latest.html"]
    plan = _plan(report, "latest_posts", "{% latest_posts %}")
    assert plan.file == "blog/templatetags/blog_tags.py" and plan.line == 10
    assert plan.paths == ["author.name", "tags.all", "tags.all.name"]
    assert plan.added["select_related"] == ["author"] and plan.added["prefetch_related"] == ['"tags"']
    # registered under another name: {% popular as top %} reads what popular_posts returns
    popular = _plan(report, "popular_posts", "{% popular %}")
    assert popular.added["select_related"] == ["category"]  # {{ p.category }}: Category.__str__ reads name
    assert not [v for v in report.views if v.view == "post_count"]  # a count is not a queryset


def test_a_context_processor_queryset_is_planned_with_every_template_reading_it(report: OptimizationReport) -> None:
    (view,) = [v for v in report.views if v.view == "menu"]
    assert view.kind == "context_processor" and view.file == "blog/context_processors.py"
    assert view.used_in == ["blog/base.html", "blog/featured_count.html", "blog/home.html"]
    sections = _plan(report, "menu", "sections")
    assert sections.added["select_related"] == ["owner"] and sections.added["prefetch_related"] == ['"pages"']
    author = _plan(report, "menu", "site_author")
    assert author.single_object and author.added["select_related"] == ["team"]


def test_a_prefetch_is_written_only_when_every_template_using_the_value_reads_it(
    report: OptimizationReport,
) -> None:
    highlights = _plan(report, "menu", "highlights")
    # home.html reads post.tags, featured_count.html evaluates highlights (|length) without reading them
    assert highlights.paths == ["0.category.name", "category.name", "tags.all", "tags.all.name"]
    assert highlights.added["select_related"] == ["category"] and highlights.added["prefetch_related"] == []
    reasons = {n.path: n.reason for n in highlights.not_optimizable}
    assert reasons == {
        "tags": "not prefetched: blog/featured_count.html uses this value without reading tags; "
        "a prefetch would add a query there"
    }
    recent = _plan(report, "menu", "recent")  # list(…) in the processor: evaluated on every request
    assert recent.added["prefetch_related"] == []
    assert recent.not_optimizable[0].reason.startswith("not prefetched: a context processor runs on every request")


def test_the_diff_applies_and_compiles(report: OptimizationReport, tmp_path: Path) -> None:
    assert report.files_changed == ["blog/context_processors.py", "blog/templatetags/blog_tags.py"]
    project = tmp_path / "site"
    shutil.copytree(SHARED, project)
    done = subprocess.run(["patch", "-p1"], input=report.diff, text=True, cwd=project, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in report.files_changed:
        py_compile.compile(str(project / name), doraise=True)
    assert (
        '"sections": Section.objects.select_related("owner").prefetch_related("pages").filter(visible=True),'
        in (project / "blog" / "context_processors.py").read_text()
    )


RENDER = """
import json, sys
import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "blog"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["blog.context_processors.menu"]}}],
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
)
django.setup()
from django.core.management import call_command
from django.db import connection
from django.template.loader import get_template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from blog.models import Author, Category, Page, Post, Section, Tag, Team

call_command("migrate", run_syncdb=True, verbosity=0)
author = Author.objects.create(pk=1, name="ann", team=Team.objects.create(name="red"))
cats = [Category.objects.create(name=f"c{i}") for i in range(3)]
tags = [Tag.objects.create(name=f"t{i}") for i in range(3)]
for i in range(6):
    post = Post.objects.create(title=f"p{i}", featured=i % 2 == 0, author=author, category=cats[i % 3])
    post.tags.set(tags[: i % 3 + 1])
for i in range(3):
    section = Section.objects.create(title=f"s{i}", owner=author)
    for j in range(2):
        Page.objects.create(section=section, title=f"pg{i}{j}")
out = {}
for name in sys.argv[1:]:
    with CaptureQueriesContext(connection) as queries:
        html = get_template(name).render({}, RequestFactory().get("/"))
    out[name] = [len(queries), html]
print(json.dumps(out))
"""
PAGES = ["blog/base.html", "blog/home.html", "blog/featured_count.html", "blog/latest.html", "blog/popular.html"]


def _render(project: Path) -> dict[str, list]:
    import json
    import sys

    done = subprocess.run(
        [sys.executable, "-c", RENDER, *PAGES], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_rendered_with_django_the_diff_never_adds_a_query_and_keeps_the_html(
    report: OptimizationReport, tmp_path: Path
) -> None:
    base, patched = tmp_path / "base", tmp_path / "patched"
    shutil.copytree(SHARED, base)
    shutil.copytree(SHARED, patched)
    subprocess.run(["patch", "-p1"], input=report.diff, text=True, cwd=patched, check=True, capture_output=True)
    before, after = _render(base), _render(patched)
    assert {n: after[n][1] for n in PAGES} == {n: before[n][1] for n in PAGES}  # the same HTML
    counts = {n: (before[n][0], after[n][0]) for n in PAGES}
    # every page runs the processor's eager values (recent, site_author); featured_count.html evaluates
    # highlights without reading tags, so a tags prefetch there would have made it 3 -> 4; home.html still
    # reads tags per row (highlights, recent): the price of never adding a query elsewhere
    assert counts == {
        "blog/base.html": (10, 4),
        "blog/home.html": (22, 13),
        "blog/featured_count.html": (4, 3),
        "blog/latest.html": (10, 5),
        "blog/popular.html": (6, 3),
    }

"""Issue 14's failures on a real site, reproduced in fixtures/django_safety: every diff must be valid code."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from semgraph.django.optimizer import optimize_project
from semgraph.django.patch_check import check_patch
from tests.django.patching import apply_diff
from tests.support import FIXTURES

SAFETY = FIXTURES / "django_safety"
IMPORT_VIEWS = """
import django
from django.conf import settings
settings.configure(INSTALLED_APPS=["releases"], DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
    "NAME": ":memory:"}})
django.setup()
import releases.views
"""


def _imports(project: Path) -> None:
    """The patched views module imports under Django (a NameError in a class body would fail here)."""
    done = subprocess.run([sys.executable, "-c", IMPORT_VIEWS], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def _plans(report):  # type: ignore[no-untyped-def]
    return {v.view: v.querysets for v in report.views}


def test_model_is_named_as_the_module_can_and_the_patched_file_imports(tmp_path: Path) -> None:
    project = tmp_path / "site"
    shutil.copytree(SAFETY, project)
    report = optimize_project(project)
    # `from . import models` only: the model is written models.Banner, never a bare Banner
    assert '+    queryset = models.Banner.objects.select_related("updated_by")\n' in report.diff
    assert 'get_object_or_404(models.Author.objects.prefetch_related("releases"), pk=pk)' in report.diff
    assert 'Prefetch("downloads", queryset=models.Download.objects.select_related("checked_by"))' in report.diff
    assert report.warnings == []
    apply_diff(project, report.diff)
    _imports(project)


def test_missing_model_import_is_added_in_the_module_style(tmp_path: Path) -> None:
    project = tmp_path / "site"
    shutil.copytree(SAFETY, project)
    views = project / "releases" / "views.py"
    source = views.read_text().replace(
        "from . import models\n", "from .models import Author, Banner, Download, Release\n"
    )
    views.write_text(source.replace("models.", ""))
    # Download is imported: named bare
    assert 'queryset=Download.objects.select_related("checked_by")' in optimize_project(project, view="published").diff
    views.write_text(views.read_text().replace("Banner, Download, Release", "Banner, Release"))
    report = optimize_project(project)
    assert "+from .models import Download\n" in report.diff  # relative, as the module imports
    apply_diff(project, report.diff)
    _imports(project)


def test_undefined_names_are_refused_with_the_reason() -> None:
    original = "from . import models\n\nx = models.Banner.objects.all()\n"
    assert check_patch(original, original.replace("models.Banner", "Banner"), "views.py") == (
        "views.py: the patched file would use undefined name(s) Banner"
    )
    assert check_patch(original, original + "y = (\n", "views.py").startswith("views.py:4: syntax error")
    assert check_patch(original, original.replace("all()", "select_related('a')"), "views.py") is None


def test_custom_manager_methods_bound_the_chain() -> None:
    plans = _plans(optimize_project(SAFETY, include_only=True))
    (current,) = plans["current"]
    assert current.added["select_related"] == []
    assert current.not_optimizable[0].reason.startswith("no edit written: current() is a custom manager")
    (published,) = plans["published"]  # published() returns self.get_queryset().filter(...): chained after it
    assert published.added["select_related"] == ["author"]


def test_self_model_objects_and_str_through_a_loop_alias() -> None:
    report = optimize_project(SAFETY, view="ReleaseArchive", include_only=True)
    # {{ release }} runs Release.__str__ (self.version, self.author.name); get_absolute_url reads version
    assert '+        return self.model.objects.select_related("author").filter(is_published=True)\n' in report.diff
    (q,) = report.views[0].querysets
    # Author is edited through AuthorForm: only() on the rows could load its deferred fields one by one
    assert q.only is None
    assert q.only_refused == (
        "Author is edited by releases/forms.py:6 AuthorForm: a form/serializer reads other fields"
    )


def test_tuple_unpacking_and_hosts_keyword() -> None:
    report = optimize_project(SAFETY, view="downloads")
    (view,) = report.views
    assert view.unmapped_variables == ["pairs"]  # a list comprehension of tuples, not a queryset
    assert "host" not in view.unmapped_variables


def test_date_based_and_edit_generic_views() -> None:
    plans = _plans(optimize_project(SAFETY, include_only=True))
    # YearArchiveView / ArchiveIndexView (context name `latest`): default templates release_archive_*.html
    for view in ("ReleaseYear", "LatestReleases"):
        (q,) = plans[view]
        assert (q.select_related, q.added["select_related"]) == (["author"], ["author"]), view
    (update,) = plans["DownloadUpdate"]
    assert update.select_related == ["release"]
    assert update.only_refused == "the objects go to a form or are deleted by the view (Create/Update/DeleteView)"


def test_import_goes_into_the_leading_import_block() -> None:
    from semgraph.django.patch_check import add_import

    source = '"""Views."""\nfrom a import b\n\nX = b\n\nfrom c import d\n'
    assert (
        add_import(source, "from e import f")
        == '"""Views."""\nfrom a import b\nfrom e import f\n\nX = b\n\nfrom c import d\n'
    )


def test_calls_applied_through_a_reassignment_count_as_applied() -> None:
    # q = q.prefetch_related("releases") later in the view: nothing to add (healthchecks' my_checks idiom)
    (q,) = _plans(optimize_project(SAFETY, view="authors"))["authors"]
    assert q.already_applied["prefetch_related"] == ["releases"]
    assert q.added["prefetch_related"] == []


def test_a_count_is_not_a_queryset_of_objects(tmp_path: Path) -> None:
    # locallibrary's index: `{{ num_instances }}` renders an int from .count(), not BookInstance.__str__
    project = tmp_path / "site"
    shutil.copytree(SAFETY, project)
    views = project / "releases" / "views.py"
    views.write_text(
        views.read_text().replace('{"pairs": pairs,', '{"pairs": pairs, "n": models.Release.objects.count(),')
    )
    (project / "releases" / "templates" / "releases" / "pairs.html").write_text("{{ n }}")
    (view,) = optimize_project(project, view="downloads").views
    # the template reads nothing of the rows now; the comprehension itself still reads d.release per row
    (q,) = view.querysets
    assert q.context_variables == ["for d (line 34)"] and q.added["select_related"] == ["release"]
    assert "n" not in view.unmapped_variables


def test_objects_read_in_python_get_no_only(tmp_path: Path) -> None:
    project = tmp_path / "site"
    shutil.copytree(SAFETY, project)
    views = project / "releases" / "views.py"
    views.write_text(
        views.read_text().replace(
            '    return render(request, "releases/author.html", {"author": author})',
            '    if author.bio:\n        pass\n    return render(request, "releases/author.html", {"author": author})',
        )
    )
    (q,) = _plans(optimize_project(project, view="author_detail", include_only=True))["author_detail"]
    assert q.only_refused == (
        "the view reads the objects in Python too (author.bio (line 30)): only() could defer what it reads"
    )


def test_methods_of_the_queryset_a_manager_subclass_is_built_from(tmp_path: Path) -> None:
    # python.org's downloads: `class ReleaseManager(Manager.from_queryset(ReleaseQuerySet))` and
    # `Release.objects.downloads()`, a ReleaseQuerySet method returning a QuerySet chain on self
    app = tmp_path / "site" / "shop"
    (app / "templates" / "shop").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(
        "from django.db import models\n"
        "from django.db.models import Manager, QuerySet\n\n\n"
        "class Page(models.Model):\n    title = models.CharField(max_length=10)\n\n\n"
        "class ReleaseQuerySet(QuerySet):\n"
        "    def downloads(self):\n        return self.filter(shown=True).order_by('-id')\n\n"
        "    def latest(self):\n        return self.filter(shown=True)\n\n\n"
        "class ReleaseManager(Manager.from_queryset(ReleaseQuerySet)):\n"
        "    def newest(self):\n        return self.get_queryset().downloads().first()\n\n"
        "    def latest(self):\n        return self.get_queryset().latest().first()\n\n\n"
        "class Release(models.Model):\n"
        "    shown = models.BooleanField(default=True)\n"
        "    page = models.ForeignKey(Page, null=True, on_delete=models.CASCADE)\n"
        "    objects = ReleaseManager()\n"
    )
    (app / "views.py").write_text(
        "from django.shortcuts import render\n\nfrom .models import Release\n\n\n"
        "def home(request):\n"
        "    return render(request, 'shop/home.html', {'releases': Release.objects.downloads(),\n"
        "                                              'newest': Release.objects.newest(),\n"
        "                                              'one': Release.objects.latest()})\n"
    )
    (app / "templates" / "shop" / "home.html").write_text(
        "{% for r in releases %}{{ r.page.title }}{% endfor %}{{ newest.page.title }}{{ one.page.title }}"
    )
    report = optimize_project(tmp_path / "site", view="home")
    plans = {q.expression: q for q in report.views[0].querysets}
    assert plans["Release.objects.downloads()"].added["select_related"] == ["page"]
    # the manager's own latest() returns .first(); moved onto a QuerySet it would return ReleaseQuerySet.latest()'s
    # QuerySet (python.org: Release.objects.select_related(…).latest_python3(3) broke the release page)
    assert 'select_related("page").latest()' not in report.diff
    assert plans["Release.objects.latest()"].added["select_related"] == []


def _jobs_site(root: Path, template: str, views: str) -> Path:
    """A job board in the shape of python.org's jobs app: comments with a creator, job types (M2M)."""
    app = root / "site" / "jobs"
    (app / "templates" / "jobs").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(
        "from django.db import models\n\n\n"
        "class User(models.Model):\n    name = models.CharField(max_length=10)\n\n\n"
        "class JobType(models.Model):\n    name = models.CharField(max_length=10)\n\n\n"
        "class Job(models.Model):\n    title = models.CharField(max_length=10)\n"
        "    job_types = models.ManyToManyField(JobType, related_name='jobs')\n\n\n"
        "class Comment(models.Model):\n"
        "    job = models.ForeignKey(Job, related_name='review_comments', on_delete=models.CASCADE)\n"
        "    creator = models.ForeignKey(User, on_delete=models.CASCADE)\n"
    )
    (app / "views.py").write_text(
        "from django.views.generic import DetailView, ListView\n\nfrom .models import Job\n\n\n" + views
    )
    (app / "templates" / "jobs" / "page.html").write_text(template)
    return root / "site"


DETAIL_VIEW = "class JobDetail(DetailView):\n    model = Job\n    template_name = 'jobs/page.html'\n"
COMMENTS = "{% for c in object.review_comments.all %}{{ c.creator.name }}{% endfor %}"


def test_a_one_object_prefetch_read_only_under_a_condition_is_reported_not_written(tmp_path: Path) -> None:
    # python.org's JobDetail: review comments shown only `{% if jobs_board_admin or user_can_edit %}`; the
    # written Prefetch(…select_related("creator")) was one query more for every other viewer (7 pages)
    site = _jobs_site(tmp_path, "{{ object.title }}{% if user_can_edit %}" + COMMENTS + "{% endif %}", DETAIL_VIEW)
    report = optimize_project(site, view="JobDetail")
    (q,) = _plans(report)["JobDetail"]
    assert q.added["prefetch_related"] == [] and report.diff == ""
    reasons = {n.path: n.reason for n in q.not_optimizable}
    assert reasons["review_comments"].startswith(
        "not prefetched: one object whose template reads this relation only inside {% if %} branches"
    )


def test_a_one_object_prefetch_read_on_every_request_is_written(tmp_path: Path) -> None:
    site = _jobs_site(tmp_path, "{{ object.title }}" + COMMENTS, DETAIL_VIEW)
    (q,) = _plans(optimize_project(site, view="JobDetail"))["JobDetail"]
    assert q.added["prefetch_related"] == [
        'Prefetch("review_comments", queryset=Comment.objects.select_related("creator"))'
    ]


def test_no_prefetch_for_a_relation_read_through_an_index_of_the_queryset(tmp_path: Path) -> None:
    # python.org's job_location_list.html: `{% with object_list.0 as job %}` before the list is evaluated; each
    # index read is its own LIMIT 1 query and the loop's job_types prefetch ran with each one (+1 on the page)
    views = "class JobLocation(ListView):\n    model = Job\n    template_name = 'jobs/page.html'\n"
    page = (
        "{% with object_list.0 as job %}{{ job.title }}{% endwith %}"
        "{% for job in object_list %}{% for t in job.job_types.all %}{{ t.name }}{% endfor %}{% endfor %}"
    )
    (q,) = _plans(optimize_project(_jobs_site(tmp_path, page, views), view="JobLocation"))["JobLocation"]
    reasons = {n.path: n.reason for n in q.not_optimizable}
    assert q.added["prefetch_related"] == []
    assert reasons["job_types"].startswith("not prefetched: the template reads the queryset by index (.0)")
    # only iterated: the prefetch is written
    (q,) = _plans(optimize_project(_jobs_site(tmp_path / "b", page[page.index("{% endwith %}") + 13 :], views)))[
        "JobLocation"
    ]
    assert q.added["prefetch_related"] == ['"job_types"']


def test_a_model_method_the_detail_views_own_get_calls_is_followed(tmp_path: Path) -> None:
    # python.org's NomineeDetail.get(): `if not self.object.visible(user=request.user)`; visible() reads
    # self.election, so the object's query needs select_related("election") though the template never reads it
    app = tmp_path / "site" / "nominations"
    (app / "templates" / "nominations").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(
        "from django.db import models\n\n\n"
        "class Election(models.Model):\n    open = models.BooleanField(default=True)\n\n\n"
        "class Nominee(models.Model):\n    name = models.CharField(max_length=10)\n"
        "    election = models.ForeignKey(Election, on_delete=models.CASCADE)\n\n"
        "    def visible(self, user=None):\n        return self.election.open or user is not None\n"
    )
    (app / "views.py").write_text(
        "from django.http import Http404\nfrom django.views.generic import DetailView\n\n"
        "from .models import Nominee\n\n\n"
        "class NomineeDetail(DetailView):\n    model = Nominee\n\n"
        "    def get(self, request, *args, **kwargs):\n"
        "        self.object = self.get_object()\n"
        "        if not self.object.visible(user=request.user):\n            raise Http404\n"
        "        return self.render_to_response(self.get_context_data(object=self.object))\n"
    )
    (app / "templates" / "nominations" / "nominee_detail.html").write_text("{{ object.name }}")
    (q,) = _plans(optimize_project(tmp_path / "site", view="NomineeDetail"))["NomineeDetail"]
    assert q.added["select_related"] == ["election"]

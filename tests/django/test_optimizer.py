"""optimize_project on the rentals fixture: exact select_related / prefetch_related / only sets per view."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from semgraph.django.optimizer import OptimizationReport, QuerysetPlan, optimize_project, template_dirs
from semgraph.errors import InvalidInputError, NotFoundError
from tests.support import FIXTURES

RENTALS = FIXTURES / "rentals"


@pytest.fixture(scope="module")
def report() -> OptimizationReport:
    return optimize_project(RENTALS, rows=50)


def plans(report: OptimizationReport) -> dict[tuple[str, str, int], QuerysetPlan]:
    return {(v.view, "+".join(q.context_variables), q.line): q for v in report.views for q in v.querysets}


EXPECTED = {
    # (view, context variables, line): (select_related, prefetch_related, only)
    # only() keeps what __str__ / methods / properties read (followed through their bodies) and Meta.ordering
    ("dashboard", "expiring_soon", 14): (
        ["property", "tenant__user"],
        [],
        ["end_date", "id", "property", "property__address", "property__name", "tenant", "tenant__user",
         "tenant__user__email", "tenant__user__first_name", "tenant__user__last_name"],
    ),
    ("dashboard", "pending_maintenance", 15): (
        ["assigned_to", "property"],
        [],
        ["assigned_to", "assigned_to__first_name", "assigned_to__last_name", "id", "priority", "property",
         "property__name", "title"],
    ),
    ("tenant_directory", "tenants", 25): (
        ["user"],
        ["leases", "requests"],
        ["id", "phone", "user", "user__email", "user__first_name", "user__last_name", "user__username"],
    ),
    ("tenant_directory", "tenants", 26): (
        ["user"],
        ["leases", "requests"],
        ["id", "phone", "user", "user__email", "user__first_name", "user__last_name", "user__username"],
    ),
    ("lease_detail", "lease", 32): (
        ["property", "tenant__user"],
        [],
        ["end_date", "id", "property", "property__name", "start_date", "tenant", "tenant__user",
         "tenant__user__first_name", "tenant__user__last_name"],
    ),
    ("lease_detail", "notes", 33): ([], ["target"], None),
    # {{ lease.tenant }} renders Tenant.__str__, which reads self.user.username: tenant__user joins
    ("HomeView", "recent_leases", 42): (
        ["property", "tenant__user"],
        [],
        ["end_date", "id", "property", "property__name", "start_date", "tenant", "tenant__user",
         "tenant__user__username"],
    ),
    ("HomeView", "featured", 43): (["owner"], [], ["address", "name", "owner", "owner__username"]),
    ("PropertyListView", "properties", 50): (
        ["owner"],
        ["amenities", "leases"],
        ["name", "owner", "owner__first_name", "owner__last_name", "status"],
    ),
    ("PropertyDetailView", "property", 56): (
        ["owner"],
        ["leases", "maintenancerequest_set"],
        ["address", "name", "owner", "owner__email", "owner__first_name", "owner__last_name"],
    ),
    ("MaintenanceListView", "requests", 64): (
        ["assigned_to", "property__owner", "reported_by__user"],
        [],
        ["assigned_to", "assigned_to__username", "id", "property", "property__name", "property__owner",
         "property__owner__email", "reported_by", "reported_by__user", "reported_by__user__email", "title"],
    ),
    ("MaintenanceListView", "owners", 68): ([], ["owned_properties"], ["username"]),
}  # fmt: skip


def test_exact_sets_per_view(report: OptimizationReport) -> None:
    got = {k: (q.select_related, q.prefetch_related, q.only) for k, q in plans(report).items()}
    assert got == EXPECTED
    assert report.warnings == []
    # base.html reads {{ site_name }}, which no view sets (a context processor would)
    assert {v.view: v.unmapped_variables for v in report.views} == {
        v: ["site_name"]
        for v in (
            "dashboard",
            "tenant_directory",
            "lease_detail",
            "HomeView",
            "PropertyListView",
            "PropertyDetailView",
            "MaintenanceListView",
        )
    }


def test_existing_prefetch_gets_the_missing_join_inside_it(report: OptimizationReport) -> None:
    q = plans(report)[("PropertyDetailView", "property", 56)]
    assert q.already_applied == {"select_related": [], "prefetch_related": ["leases"], "other": []}
    assert [(p.lookup, p.select_related) for p in q.prefetch] == [
        ("leases", ["tenant__user"]),
        ("maintenancerequest_set", ["reported_by__user"]),
    ]
    assert q.added == {
        "select_related": ["owner"],
        "prefetch_related": [
            'Prefetch("maintenancerequest_set", queryset=MaintenanceRequest.objects.select_related("reported_by__user"))'
        ],
        "prefetch_joins": ["leases: tenant__user"],
        "only": [],
    }
    assert (q.queries_before, q.queries_after) == (7, 3)


def test_count_exists_and_length_in_loops_are_served_by_prefetch(report: OptimizationReport) -> None:
    p = plans(report)
    assert p[("PropertyListView", "properties", 50)].counted_relations == ["leases.count"]
    assert p[("tenant_directory", "tenants", 25)].counted_relations == ["requests.exists"]
    suggestion = p[("PropertyListView", "properties", 50)].suggestions[0]
    assert suggestion.startswith(
        "leases.count: served by prefetch_related('leases'); if the rows are not shown, annotate("
    )
    assert p[("PropertyListView", "properties", 50)].prefetch_related == ["amenities", "leases"]
    assert p[("MaintenanceListView", "owners", 68)].prefetch_related == ["owned_properties"]  # |length


def test_not_optimizable_paths_carry_reasons(report: OptimizationReport) -> None:
    p = plans(report)
    # Lease.duration_days reads end_date/start_date; Tenant.__str__ reads user.username: both followed
    assert p[("HomeView", "recent_leases", 42)].not_optimizable == []
    notes = {n.path: n.reason for n in p[("lease_detail", "notes", 33)].not_optimizable}
    assert notes == {
        "target": "GenericForeignKey: select_related cannot follow it; prefetch_related is used instead",
        "target.__str__": "the target model of a GenericForeignKey is not known statically",
    }
    assert p[("lease_detail", "notes", 33)].only_refused == (
        "a path is not a plain field (see the other entries): fields it reads are not known"
    )


def test_estimates(report: OptimizationReport) -> None:
    got = {k: (q.queries_before, q.queries_after) for k, q in plans(report).items()}
    assert got[("dashboard", "expiring_soon", 14)] == (151, 1)
    assert got[("tenant_directory", "tenants", 25)] == (201, 3)
    assert got[("lease_detail", "lease", 32)] == (4, 1)
    assert got[("MaintenanceListView", "requests", 64)] == (251, 1)


def test_diff_applies_cleanly_with_patch(report: OptimizationReport, tmp_path: Path) -> None:
    project = tmp_path / "rentals"
    shutil.copytree(RENTALS, project)
    run = subprocess.run(["patch", "-p1"], input=report.diff, text=True, cwd=project, capture_output=True)
    assert run.returncode == 0, run.stdout + run.stderr
    views = (project / "rentals" / "views.py").read_text()
    assert 'get_object_or_404(Lease.objects.select_related("property", "tenant__user"), pk=pk)' in views
    assert 'queryset = Property.listed.select_related("owner").prefetch_related("amenities", "leases").all()' in views
    assert views.count('Prefetch("leases", queryset=Lease.objects.select_related("property"))') == 2
    assert 'Lease.objects.select_related("tenant").select_related("tenant__user")' in views
    compile(views, "views.py", "exec")
    again = optimize_project(project)
    assert again.diff == ""
    assert all(q.queries_after == q.queries_before for v in again.views for q in v.querysets)


def test_model_attr_only_view_gets_a_queryset_line(tmp_path: Path) -> None:
    project = tmp_path / "rentals"
    shutil.copytree(RENTALS, project)
    views = project / "rentals" / "views.py"
    views.write_text(views.read_text().replace("    queryset = Property.objects.prefetch_related(", "    _unused = ("))
    result = optimize_project(project, view="PropertyDetailView")
    assert '+    queryset = Property.objects.select_related("owner").prefetch_related(' in result.diff
    assert result.files_changed == ["rentals/views.py"]


def test_include_only_puts_only_into_the_diff() -> None:
    result = optimize_project(RENTALS, view="MaintenanceListView", include_only=True)
    assert '.only("assigned_to", "assigned_to__username", "id", "property", "property__name"' in result.diff


def test_model_and_paths_mode_and_errors() -> None:
    result = optimize_project(RENTALS, model="Property", paths=["leases.all.tenant.user.email", "owner.email"])
    (q,) = result.views[0].querysets
    assert (q.select_related, q.prefetch_related) == (["owner"], ["leases"])
    assert q.prefetch[0].code == 'Prefetch("leases", queryset=Lease.objects.select_related("tenant__user"))'
    # prefetching leases needs only the pk, which only() always keeps; name is Property's Meta.ordering
    assert q.only == ["name", "owner", "owner__email"]
    with pytest.raises(NotFoundError, match="model 'Invoice' not found"):
        optimize_project(RENTALS, model="Invoice", paths=["x"])
    with pytest.raises(NotFoundError, match="view 'nope' not found"):
        optimize_project(RENTALS, view="nope")
    with pytest.raises(InvalidInputError, match="paths is empty"):
        optimize_project(RENTALS, model="Lease", paths=[])


def test_prefetch_import_is_added_when_missing(tmp_path: Path) -> None:
    project = tmp_path / "rentals"
    shutil.copytree(RENTALS, project)
    views = project / "rentals" / "views.py"
    views.write_text(
        views.read_text()
        .replace("from django.db.models import Prefetch\n", "")
        .replace(
            'Property.objects.prefetch_related(Prefetch("leases", queryset=Lease.objects.select_related("tenant")))',
            "Property.objects.all()",
        )
    )
    result = optimize_project(project, view="tenant_directory")
    assert "+from django.db.models import Prefetch\n" in result.diff
    run = subprocess.run(["patch", "-p1"], input=result.diff, text=True, cwd=project, capture_output=True)
    assert run.returncode == 0, run.stderr
    compile(views.read_text(), "views.py", "exec")


def test_queryset_methods_after_all() -> None:
    paths = ["leases.all.count", "leases.all.0.tenant.phone", "amenities.all.first", "amenities.all.exists"]
    (q,) = optimize_project(RENTALS, model="Property", paths=paths).views[0].querysets
    assert q.prefetch_related == ["amenities", "leases"]
    assert [(p.lookup, p.select_related) for p in q.prefetch] == [("amenities", []), ("leases", ["tenant"])]
    assert q.counted_relations == ["amenities.all.exists", "leases.all.count"]
    assert [(n.path, n.reason) for n in q.not_optimizable] == [
        ("amenities.all.first", "first() builds a new query per row, even after prefetch_related")
    ]
    assert q.suggestions[0].startswith("amenities.all.exists: served by prefetch_related('amenities')")
    assert q.suggestions[1].startswith("leases.all.count: served by prefetch_related('leases')")


def test_module_alias_and_bare_select_related(tmp_path: Path) -> None:
    project = tmp_path / "rentals"
    shutil.copytree(RENTALS, project)
    views = project / "rentals" / "views.py"
    views.write_text(
        views.read_text()
        .replace("from rentals.models import", "from rentals import models as m\nfrom rentals.models import")
        .replace(
            'MaintenanceRequest.objects.filter(status="open").order_by',
            'm.MaintenanceRequest.objects.select_related().filter(status="open").order_by',
        )
    )
    result = optimize_project(project, view="MaintenanceListView")
    q = next(q for q in result.views[0].querysets if q.context_variables == ["requests"])
    assert q.model == "rentals.MaintenanceRequest"
    assert q.already_applied["select_related"] == ["(all non-null FKs)"]
    # property__owner is non-null all the way and already joined; the nullable ones are not
    assert q.added["select_related"] == ["assigned_to", "reported_by__user"]


def test_broken_views_file_reports_location_and_keeps_the_rest(tmp_path: Path) -> None:
    project = tmp_path / "rentals"
    shutil.copytree(RENTALS, project)
    views = project / "rentals" / "views.py"
    views.write_text(views.read_text().replace("def lease_detail(request, pk):", "def lease_detail(request, pk:"))
    result = optimize_project(project)
    assert result.warnings == [
        "rentals/views.py:31:17: syntax error in Python source: '(' was never closed (fix the syntax error)",
        # a file that does not compile gets no edit: the patched file could not be proven valid
        "edits at line(s) 14, 15, 25, 26, 50, 56, 64, 68 not returned: the file does not compile before the edit "
        "(rentals/views.py:31: syntax error: '(' was never closed)",
    ]
    assert result.diff == ""
    names = [v.view for v in result.views]
    assert {"dashboard", "tenant_directory", "PropertyListView", "MaintenanceListView"} <= set(names)
    dash = next(v for v in result.views if v.view == "dashboard")
    assert dash.querysets[0].select_related == ["property", "tenant__user"]


def test_string_prefetch_through_a_relation_counts_as_applied(tmp_path: Path) -> None:
    project = tmp_path / "rentals"
    shutil.copytree(RENTALS, project)
    views = project / "rentals" / "views.py"
    views.write_text(
        views.read_text().replace(
            'Tenant.objects.exclude(lease__status="active")',
            'Tenant.objects.prefetch_related("leases__property").exclude(lease__status="active")',
        )
    )
    result = optimize_project(project, view="tenant_directory")
    former = next(q for q in result.views[0].querysets if q.line == 26)
    assert former.already_applied["prefetch_related"] == ["leases__property"]
    assert former.added == {
        "select_related": ["user"],
        "prefetch_related": ['"requests"'],
        "prefetch_joins": [],
        "only": [],
    }


def test_choose_views_by_template() -> None:
    result = optimize_project(RENTALS, template="rentals/property_detail.html")
    assert [v.view for v in result.views] == ["PropertyDetailView"]
    assert result.files_changed == ["rentals/views.py"]
    with pytest.raises(NotFoundError, match=r"no view renders template 'rentals/nope\.html'"):
        optimize_project(RENTALS, template="rentals/nope.html")


def test_values_querysets_are_left_alone(tmp_path: Path) -> None:
    project = tmp_path / "rentals"
    shutil.copytree(RENTALS, project)
    views = project / "rentals" / "views.py"
    views.write_text(
        views.read_text().replace(
            'pending = MaintenanceRequest.objects.filter(status="open")',
            'pending = MaintenanceRequest.objects.filter(status="open").values("title", "property__name")',
        )
    )
    result = optimize_project(project, view="dashboard")
    pending = next(q for q in result.views[0].querysets if q.context_variables == ["pending_maintenance"])
    assert pending.added == {"select_related": [], "prefetch_related": [], "prefetch_joins": [], "only": []}
    assert pending.not_optimizable[0].path == "(queryset)"
    assert "MaintenanceRequest.objects.select_related" not in result.diff
    assert 'Lease.objects.select_related("property", "tenant__user")' in result.diff


def test_template_dirs_skip_virtualenvs_and_files(tmp_path: Path) -> None:
    for rel in [
        "app/templates/x",
        "templates",
        ".venv/lib/templates",
        "node_modules/a/templates",
        "b/migrations/templates",
    ]:
        (tmp_path / rel).mkdir(parents=True)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "templates").write_text("a file, not a directory")
    assert [p.relative_to(tmp_path).as_posix() for p in template_dirs(tmp_path)] == ["app/templates", "templates"]

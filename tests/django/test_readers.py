"""Related objects read outside a view's template (issue 14, fixtures/django_readers): view code in Python,
DRF serializers, inclusion tags, a project base view deriving from FilterView, django-taggit."""

from __future__ import annotations

import py_compile
import shutil
import subprocess
from pathlib import Path

import pytest

from semgraph.django.optimizer import OptimizationReport, QuerysetPlan, optimize_project
from tests.support import FIXTURES

READERS = FIXTURES / "django_readers"


@pytest.fixture(scope="module")
def report() -> OptimizationReport:
    return optimize_project(READERS)


def _plan(report: OptimizationReport, view: str, model: str) -> QuerysetPlan:
    (plan,) = [q for v in report.views if v.view == view for q in v.querysets if q.model == model]
    return plan


def test_a_comprehension_over_a_queryset_in_a_json_view(report: OptimizationReport) -> None:
    plan = _plan(report, "order_export", "shop.Order")
    assert plan.context_variables == ["for o (line 13)"]
    assert plan.paths == ["customer.name"] and plan.added["select_related"] == ["customer"]


def test_a_single_object_read_in_python(report: OptimizationReport) -> None:
    plan = _plan(report, "order_limit", "shop.Order")
    assert plan.single_object and plan.paths == ["customer.profile.limit"]
    assert plan.added["select_related"] == ["customer__profile"]


def test_list_concatenation_and_a_typed_parameter_reach_the_related_manager(report: OptimizationReport) -> None:
    # note_set exists on Order and Customer: only the annotation `order: Order` says which
    plan = _plan(report, "timeline", "shop.Note")
    assert plan.line == 22 and plan.added["select_related"] == ["customer"]
    assert _plan(report, "timeline", "shop.Item").added["select_related"] == []


def test_a_project_filterview_base_in_another_app_and_taggit_tags(report: OptimizationReport) -> None:
    (view,) = [v for v in report.views if v.view == "OrderList"]
    assert view.kind == "FilterView" and view.template == "shop/order_filter.html"
    plan = _plan(report, "OrderList", "shop.Order")
    assert plan.added["select_related"] == ["customer"] and plan.added["prefetch_related"] == ['"tags"']


def test_drf_serializer_source_and_method_field(report: OptimizationReport) -> None:
    plan = _plan(report, "ItemList", "shop.Item")
    assert plan.paths == ["id", "order.customer.name", "order.placed.isoformat", "order_id", "sku"]
    assert plan.added["select_related"] == ["order__customer"]


def test_drf_viewset_prefetches_are_written_for_list_requests_only(report: OptimizationReport) -> None:
    plan = _plan(report, "OrderViewSet", "shop.Order")
    assert plan.select_related == ["customer"] and plan.prefetch_related == ["items", "tags"]
    assert {p.lookup: p.select_related for p in plan.prefetch} == {"items": ["order__customer"], "tags": []}
    # a ModelViewSet's queryset also serves update/destroy: joins go into it, prefetches into an override
    # applying them when self.action is "list" (a plain "tags" saves nothing on one object: not on retrieve)
    assert plan.added["select_related"] == ["customer"]
    assert plan.added["prefetch_related"] == [
        'Prefetch("items", queryset=Item.objects.select_related("order__customer"))',
        '"tags"',
    ]
    assert plan.added["prefetch_actions"] == ["list"]
    assert not [n for n in plan.not_optimizable if n.reason.startswith("not prefetched")]
    assert (
        "     serializer_class = OrderSerializer\n"
        "+\n"
        "+    def get_queryset(self):\n"
        "+        queryset = super().get_queryset()\n"
        '+        if self.action == "list":\n'
        '+            queryset = queryset.prefetch_related(Prefetch("items", '
        'queryset=Item.objects.select_related("order__customer")), "tags")\n'
        "+        return queryset\n"
        " \n \n class ItemList(generics.ListAPIView):"
    ) in report.diff


def test_a_viewset_get_queryset_override_gets_the_action_test_around_its_return(report: OptimizationReport) -> None:
    plan = _plan(report, "CustomerOrderViewSet", "shop.Order")
    assert plan.added["prefetch_actions"] == ["list"]
    assert (
        "     def get_queryset(self):\n"
        "-        return Order.objects.filter(customer__name=self.request.user.username)\n"
        '+        queryset = Order.objects.select_related("customer").filter(customer__name=self.request.user.username)\n'
        '+        if self.action == "list":\n'
        '+            queryset = queryset.prefetch_related(Prefetch("items", '
        'queryset=Item.objects.select_related("order__customer")), "tags")\n'
        "+        return queryset\n"
    ) in report.diff


def test_a_viewset_get_queryset_with_several_returns_gets_joins_and_the_reason(report: OptimizationReport) -> None:
    plans = [q for v in report.views if v.view == "TaggedOrderViewSet" for q in v.querysets]
    assert [q.line for q in plans] == [103, 104]
    for plan in plans:
        assert plan.added["select_related"] == ["customer"] and plan.added["prefetch_related"] == []
        assert {n.path: n.reason for n in plan.not_optimizable}["tags"].endswith(
            "; TaggedOrderViewSet.get_queryset has 2 return statements: no single place to apply a list-only prefetch"
        )


def test_an_apiview_plans_what_its_get_serializes_not_its_queryset_attribute(report: OptimizationReport) -> None:
    (view,) = [v for v in report.views if v.view == "OrderDetailAPI"]
    assert view.kind == "APIView"
    (plan,) = view.querysets  # the class attribute `queryset` (permissions only) is not planned
    assert plan.line == 67 and plan.single_object
    assert plan.context_variables == ["OrderSerializer in get (line 68)"]
    assert plan.added["select_related"] == ["customer"]
    # one object: the nested Prefetch saves a query per item, a plain "tags" prefetch would save none
    assert plan.added["prefetch_related"] == [
        'Prefetch("items", queryset=Item.objects.select_related("order__customer"))'
    ]
    assert "prefetch_actions" not in plan.added
    recent = _plan(report, "RecentOrdersAPI", "shop.Order")
    assert not recent.single_object and recent.added["select_related"] == ["customer"]
    assert recent.added["prefetch_related"][1:] == ['"tags"']


def test_an_object_the_view_does_not_query_is_named_not_planned(report: OptimizationReport) -> None:
    (view,) = [v for v in report.views if v.view == "MyProfileAPI"]
    assert view.querysets == []
    assert view.warnings == [
        "shop/views.py:95: CustomerSerializer serializes 'request.user.customer', which is not built from a "
        "queryset this view writes: nothing to plan"
    ]


def test_a_read_only_generic_apiview_through_get_queryset_filter_and_paginate(report: OptimizationReport) -> None:
    plan = _plan(report, "OrderPage", "shop.Order")
    # self.get_serializer(self.paginate_queryset(self.filter_queryset(self.get_queryset())), many=True)
    assert plan.context_variables == ["OrderSerializer (serializer_class)", "OrderSerializer in get (line 83)"]
    assert plan.line == 78 and plan.added["select_related"] == ["customer"]
    assert plan.added["prefetch_related"][1:] == ['"tags"']  # no put/patch/delete, no Update/Destroy mixin


def test_added_relations_name_every_prefix_a_lookup_loads(report: OptimizationReport) -> None:
    plan = _plan(report, "OrderDetailAPI", "shop.Order")
    assert plan.added_relations == ["customer", "items", "items__order", "items__order__customer"]
    assert _plan(report, "order_limit", "shop.Order").added_relations == ["customer", "customer__profile"]


def test_an_inclusion_tag_renders_its_template_with_the_returned_dict(report: OptimizationReport) -> None:
    (view,) = [v for v in report.views if v.view == "recent_orders"]
    assert view.kind == "inclusion_tag" and view.template == "shop/recent.html"
    plan = _plan(report, "recent_orders", "shop.Order")
    assert plan.added["select_related"] == ["customer"] and plan.added["prefetch_related"] == ['"items"']


def test_every_edit_applies_and_compiles(report: OptimizationReport, tmp_path: Path) -> None:
    assert not [w for w in report.warnings if "not returned" in w]
    assert report.files_changed == ["shop/templatetags/shop_tags.py", "shop/views.py"]
    project = tmp_path / "site"
    shutil.copytree(READERS, project)
    done = subprocess.run(["patch", "-p1"], input=report.diff, text=True, cwd=project, capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in report.files_changed:
        py_compile.compile(str(project / name), doraise=True)
    assert (
        'queryset = Order.objects.select_related("customer").prefetch_related("tags")'
        in (project / "shop" / "views.py").read_text()
    )


def test_a_property_handing_self_customer_to_a_manager_method_reads_what_that_method_reads(
    report: OptimizationReport,
) -> None:
    # healthchecks: check.visible_pings → self.project.owner_profile → Profile.objects.for_user(self.owner) →
    # user.profile; the helper returns get_object_or_404(q, …), one object; Manager["Profile"] is a manager base
    plan = _plan(report, "order_items", "shop.Order")
    assert plan.single_object and plan.paths == ["recent_items.order_by.first"]
    assert plan.added["select_related"] == ["customer__profile"]

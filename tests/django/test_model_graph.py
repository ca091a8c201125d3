"""Static model graph: relations, reverse accessors, inheritance, managers — without importing the project."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from semgraph.django.model_graph import build_model_graph, load_graph
from semgraph.errors import NotFoundError
from tests.support import FIXTURES

RENTALS = FIXTURES / "rentals"


def relations(graph, label: str) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return {n: (f.kind, f.target) for n, f in graph.models[label].fields.items() if f.kind != "field"}


def test_fixture_relations_and_reverse_accessors() -> None:
    graph = build_model_graph(RENTALS)
    assert graph.errors == []
    assert "rentals" not in sys.modules  # never imported
    assert relations(graph, "rentals.Property") == {
        "owner": ("fk", "rentals.User"),
        "amenities": ("m2m", "rentals.Amenity"),
        "managers": ("m2m", "rentals.User"),
        "propertyassignment_set": ("reverse_fk", "rentals.PropertyAssignment"),
        "leases": ("reverse_fk", "rentals.Lease"),
        "maintenancerequest_set": ("reverse_fk", "rentals.MaintenanceRequest"),
    }
    assert relations(graph, "rentals.User") == {
        "referred_by": ("fk", "rentals.User"),
        "referrals": ("reverse_fk", "rentals.User"),
        "owned_properties": ("reverse_fk", "rentals.Property"),
        "managed_properties": ("reverse_m2m", "rentals.Property"),
        "propertyassignment_set": ("reverse_fk", "rentals.PropertyAssignment"),
        "tenant_profile": ("reverse_o2o", "rentals.Tenant"),
        "assigned_requests": ("reverse_fk", "rentals.MaintenanceRequest"),
    }
    assert relations(graph, "rentals.Note") == {
        "content_type": ("fk", "contenttypes.ContentType"),
        "target": ("generic_fk", None),
    }
    prop = graph.models["rentals.Property"]
    assert prop.fields["managers"].through == "rentals.PropertyAssignment"
    assert graph.models["rentals.Tenant"].fields["leases"].related_query_name == "lease"
    assert prop.managers == {"objects": "Manager", "listed": "ListedPropertyManager"}
    assert prop.default_manager == "objects"
    assert prop.properties == {"display_name": 69}
    assert sorted(prop.methods) == ["__str__"]
    assert graph.models["rentals.TimeStampedModel"].abstract is True
    assert {"created_at", "updated_at"} <= set(graph.models["rentals.Lease"].fields)
    assert graph.models["rentals.User"].methods == {"__str__": 25, "get_full_name": 28}


def test_string_targets_inheritance_and_broken_file(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "models.py").write_text(
        "from django.db import models\n"
        "from django.contrib.auth.models import AbstractUser\n"
        "class Owned(models.Model):\n"
        "    owner = models.ForeignKey('shop.Customer', on_delete=models.CASCADE, related_name='%(class)s_items')\n"
        "    class Meta:\n"
        "        abstract = True\n"
        "class Customer(AbstractUser):\n"
        "    parent = models.ForeignKey('self', null=True, on_delete=models.SET_NULL)\n"
        "    friends = models.ManyToManyField('self')\n"
        "class Order(Owned):\n"
        "    items = models.ManyToManyField('catalog.Item', related_name='+')\n"
        "    note = models.OneToOneField(to='Note', on_delete=models.CASCADE)\n"
        "class Note(models.Model):\n"
        "    text = models.TextField()\n"
        "class SpecialOrder(Order):\n"
        "    code = models.CharField(max_length=5)\n"
    )
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    (catalog / "models.py").write_text("from django.db import models\nclass Item(models.Model:\n    name = 1\n")
    graph = build_model_graph(tmp_path)
    assert graph.errors == [
        "catalog/models.py:2:24: syntax error in Python source: invalid syntax (fix the syntax error)"
    ]
    assert relations(graph, "shop.Customer") == {
        "parent": ("fk", "shop.Customer"),
        "friends": ("m2m", "shop.Customer"),
        "customer_set": ("reverse_fk", "shop.Customer"),
        "groups": ("m2m", "auth.Group"),
        "order_items": ("reverse_fk", "shop.Order"),
    }
    assert "get_full_name" in graph.models["shop.Customer"].methods
    assert "email" in graph.models["shop.Customer"].fields
    assert relations(graph, "shop.Note") == {"order": ("reverse_o2o", "shop.Order")}
    assert relations(graph, "shop.Order")["items"] == ("m2m", "catalog.Item")
    assert relations(graph, "shop.Order")["specialorder"] == ("reverse_o2o", "shop.SpecialOrder")
    assert relations(graph, "shop.SpecialOrder")["order_ptr"] == ("o2o", "shop.Order")
    assert relations(graph, "shop.SpecialOrder")["note"] == ("o2o", "shop.Note")


def test_no_models_and_unknown_model(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="no Django models found"):
        load_graph(tmp_path)
    graph = load_graph(RENTALS)
    with pytest.raises(NotFoundError, match="model 'Invoice' not found") as info:
        graph.require("Invoice")
    assert "Lease" in (info.value.hint or "")
    assert graph.require("rentals.lease").name == "Lease"

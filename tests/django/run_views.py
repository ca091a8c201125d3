"""Run the rentals fixture's views with Django's test client; print query counts and HTML digests as JSON.

Usage: python run_views.py PROJECT_DIR ROWS. Run in a subprocess per variant:
Django's settings can be configured only once per process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from decimal import Decimal


def main(project: str, rows: int) -> dict[str, dict[str, object]]:
    sys.path.insert(0, project)
    os.environ["DJANGO_SETTINGS_MODULE"] = "rentals_site.settings"
    os.environ["RENTALS_DB"] = ":memory:"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    from rentals.models import Amenity, Lease, MaintenanceRequest, Note, Property, PropertyAssignment, Tenant, User

    owners = [
        User.objects.create(username=f"owner{i}", email=f"o{i}@x.test", first_name=f"O{i}", last_name="Owner")
        for i in range(rows)
    ]
    people = [
        User.objects.create(username=f"tenant{i}", email=f"t{i}@x.test", first_name="" if i % 5 == 0 else f"T{i}")
        for i in range(rows)
    ]
    amenities = [Amenity.objects.create(name=f"Amenity {i}") for i in range(rows)]
    props = []
    for i in range(rows):
        prop = Property.objects.create(
            name=f"Property {i:03d}",
            address=f"{i} Main St",
            monthly_rent=Decimal(1000 + i),
            status=["available", "rented", "maintenance"][i % 3],
            is_listed=i % 4 != 0,
            owner=owners[i % max(1, rows // 2)],
        )
        prop.amenities.set([amenities[i], amenities[(i + 1) % rows]])
        PropertyAssignment.objects.create(property=prop, user=owners[(i + 1) % rows], since=dt.date(2024, 1, 1))
        props.append(prop)
    tenants = [Tenant.objects.create(user=people[i], phone=f"555-{i:04d}") for i in range(rows)]
    leases = [
        Lease.objects.create(
            property=props[i % 3],
            tenant=tenants[i],
            start_date=dt.date(2024, 1, 1) + dt.timedelta(days=i),
            end_date=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            monthly_rent=Decimal(900 + i),
            status="active" if i % 2 == 0 else "ended",
        )
        for i in range(rows)
    ]
    for i in range(rows):
        MaintenanceRequest.objects.create(
            property=props[i % 3],
            reported_by=tenants[i] if i % 3 else None,
            assigned_to=owners[i] if i % 2 else None,
            title=f"Fix {i}",
            priority=["low", "medium", "high"][i % 3],
            status="open" if i % 4 != 3 else "closed",
        )
        Note.objects.create(target=leases[i % 2], text=f"note {i}")
    urls = {
        "dashboard": "/",
        "home": "/home/",
        "property_list": "/properties/",
        "property_detail": f"/properties/{props[0].pk}/",
        "tenants": "/tenants/",
        "maintenance": "/maintenance/",
        "lease_detail": f"/leases/{leases[0].pk}/",
    }
    client = Client()
    out: dict[str, dict[str, object]] = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        body = response.content
        out[name] = {
            "status": response.status_code,
            "queries": len(ctx.captured_queries),
            "html": hashlib.sha256(body).hexdigest(),
            "bytes": len(body),
        }
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))

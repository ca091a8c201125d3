"""Route discovery on fixtures that reproduce idioms of real apps (fixtures/routes/): full paths with
prefixes declared in other files, handlers resolved through the declaring file's imports, inline
closures kept as routes, and declarations the discovery could not map listed with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.analysis.routes import list_routes, route_inventory
from semgraph.errors import InvalidInputError
from tests.analysis.helpers import index_fixture, index_tree


def _routes(name: str, tmp_path: Path) -> set[tuple[str, str, str, str]]:
    inv = route_inventory(index_fixture(f"routes/{name}", tmp_path))
    assert inv.unmapped == []
    return {(r.method, r.path, r.handler, r.framework) for r in inv.routes}


def test_fastapi_include_router_prefixes_and_router_aliases(tmp_path: Path) -> None:
    assert _routes("fastapi_mounts", tmp_path) == {
        ("GET", "/health", "clinic.main.health", "fastapi"),
        ("POST", "/api/token", "clinic.routers.auth.issue_token", "fastapi"),  # auth_router = r = APIRouter()
        ("GET", "/api/test_connection", "clinic.routers.auth.test_connection", "fastapi"),  # test_* is a route
        ("GET", "/api/v1/appointments/", "clinic.routers.appointments.list_appointments", "fastapi"),
        (
            "DELETE",
            "/api/v1/appointments/{appointment_id}",
            "clinic.routers.appointments.cancel_appointment",
            "fastapi",
        ),
    }


def test_flask_register_blueprint_url_prefix_overrides_the_blueprints_own(tmp_path: Path) -> None:
    assert _routes("flask_blueprints", tmp_path) == {
        ("GET", "/", "journal.reader.front_page", "flask"),
        ("GET", "/entry/<int:entry_id>", "journal.reader.show_entry", "flask"),
        ("GET", "/editor/entry/new", "journal.editor.new_entry", "flask"),
        ("POST", "/editor/entry/new", "journal.editor.new_entry", "flask"),
        ("POST", "/editor/entry/<int:entry_id>/delete", "journal.editor.delete_entry", "flask"),
    }


def test_express_data_array_mounts_route_chains_wrapped_handlers_and_inline_closures(tmp_path: Path) -> None:
    ctl = "src/controllers/member.controller."
    assert _routes("express_mounts", tmp_path) == {
        ("GET", "/status", "<inline>", "express"),
        ("POST", "/v1/members/signup", ctl + "signup", "express"),  # const signup = catchAsync(async …)
        ("GET", "/v1/members/:memberId", ctl + "getMember", "express"),  # router.route(…).get(…).delete(…)
        ("DELETE", "/v1/members/:memberId", ctl + "removeMember", "express"),
        ("POST", "/v1/loans/", "src/controllers/loan.controller.borrowBook", "express"),
    }


def test_fastify_register_prefixes_and_handlers_of_a_controller_factory(tmp_path: Path) -> None:
    ctl = "src/controllers/sessionController.sessionController."
    assert _routes("fastify_plugins", tmp_path) == {
        ("POST", "/api/sessions/", ctl + "open", "fastify"),
        ("DELETE", "/api/sessions/:id", ctl + "close", "fastify"),
        ("GET", "/api/health/", "<inline>", "fastify"),  # { handler: async () => … }
    }


def test_gin_groups_compose_and_a_route_on_the_engine_keeps_no_prefix(tmp_path: Path) -> None:
    assert _routes("gin_groups", tmp_path) == {
        ("GET", "/api/v1/tags", "main.ListTags", "gin"),
        ("POST", "/api/v1/tags", "main.AddTag", "gin"),
        ("POST", "/tags/export", "main.ExportTags", "gin"),
        ("GET", "/api/v1/admin/me", "main.GetAdmin", "gin"),
    }


def test_axum_nest_and_the_handler_the_use_declaration_names(tmp_path: Path) -> None:
    assert _routes("axum_nest", tmp_path) == {
        ("GET", "/", "crate::routes::home", "axum"),
        ("GET", "/admin/dashboard", "crate::routes::admin::dashboard", "axum"),
        # two functions are called change_password; `use crate::routes::{change_password}` picks this one
        ("POST", "/admin/password", "crate::routes::admin::change_password", "axum"),
        ("GET", "/ping", "<inline>", "axum"),
    }


def test_actix_scopes_configure_and_unqualified_builders(tmp_path: Path) -> None:
    assert _routes("actix_scopes", tmp_path) == {
        ("GET", "/health", "crate::health", "actix-web"),
        ("GET", "/api/members", "crate::members::list_members", "actix-web"),
        ("POST", "/api/members/join", "crate::members::join", "actix-web"),
        ("POST", "/v2/archive/run", "crate::archive", "actix-web"),
    }


def test_nestjs_global_prefix_from_configuration_and_uri_versions(tmp_path: Path) -> None:
    ctl = "src/patients/patients.controller.PatientsController."
    assert _routes("nest_prefix", tmp_path) == {
        ("GET", "/", "src/home/home.controller.HomeController.appInfo", "nestjs"),  # excluded from the prefix
        ("POST", "/api/v1/patients", ctl + "admit", "nestjs"),
        ("GET", "/api/v1/patients/:id", ctl + "findOne", "nestjs"),
    }


def test_declarations_that_could_not_be_mapped_are_listed_with_their_line(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "odd",
        {
            "server.js": "const express = require('express');\n"
            "const app = express();\n"
            "app.get('/reports', makeHandler('reports'));\n"
            "app.post('/upload', upload.single('f'), handlers[kind]);\n",
            "views.py": "from flask import Flask\napp = Flask(__name__)\n\n\n@app.route('/')\ndef index():\n"
            "    return 'ok'\n",
        },
    )
    inv = route_inventory(cb)
    assert [(r.method, r.path, r.handler) for r in inv.routes] == [("GET", "/", "views.index")]
    assert [(u.file, u.line, u.code, u.reason) for u in inv.unmapped] == [
        ("server.js", 3, "GET /reports", "handler makeHandler('reports') not resolved"),
        ("server.js", 4, "POST /upload", "handler handlers[kind] not resolved"),
    ]
    assert inv.frameworks == ["express", "flask"]


def test_list_routes_filters_and_rejects_bad_input(tmp_path: Path) -> None:
    cb = index_fixture("routes/gin_groups", tmp_path)
    got = list_routes(cb, method="post", path_prefix="/api/v1")
    assert [(r.method, r.path) for r in got.routes] == [("POST", "/api/v1/tags")]
    assert [r.path for r in list_routes(cb, path_prefix="/api/v1/admin").routes] == ["/api/v1/admin/me"]
    assert list_routes(cb, framework="flask").routes == []
    with pytest.raises(InvalidInputError, match="must start with '/'"):
        list_routes(cb, path_prefix="api")
    with pytest.raises(InvalidInputError, match="bad HTTP method"):
        list_routes(cb, method="GET /x")


def test_blueprints_of_the_same_variable_name_keep_their_own_module_prefix(tmp_path: Path) -> None:
    # users.bp and orders.bp are both `bp`: each takes the url_prefix of the registration naming its module
    inv = route_inventory(index_fixture("pyshop", tmp_path))
    assert {(r.method, r.path, r.handler) for r in inv.routes} == {
        ("POST", "/users/register", "pyshop.routes.users.register"),
        ("POST", "/users/login", "pyshop.routes.users.login"),
        ("POST", "/orders/checkout", "pyshop.routes.orders.checkout"),
    }


def test_utoipa_axum_routes_macro_takes_method_and_path_from_the_handlers_attribute(tmp_path: Path) -> None:
    # alexng353/uplifting-api: OpenApiRouter .routes(routes!(file::handler)) under .nest() in other files
    assert _routes("utoipa_axum", tmp_path) == {
        ("GET", "/healthz", "notebook::healthz", "axum"),
        ("POST", "/api/v1/accounts/open", "notebook::api::accounts::create::create", "axum"),
        ("GET", "/api/v1/notes", "notebook::api::notes::list::list_notes", "axum"),
        ("POST", "/api/v1/notes", "notebook::api::notes::create::create", "axum"),
        ("GET", "/api/v1/notes/{note_id}/history", "notebook::api::notes::list::note_history", "axum"),
    }


def test_django_root_urlconf_package_hosts_module_includes_view_aliases_and_inherited_verbs(tmp_path: Path) -> None:
    # kensan914/otapick: ROOT_URLCONF is a package (config/urls/__init__.py), django-hosts host confs,
    # include() of an imported module and of a package, `x = Cls.as_view()` aliases, a get inherited
    # from a project base view, and views in a package named dist/ (a build-output name)
    assert _routes("django_hosts", tmp_path) == {
        ("GET", "/api/members/", "api.views.MemberList.get", "django"),
        ("POST", "/api/members/", "api.views.MemberList.post", "django"),
        ("GET", "/api/members/<int:pk>/", "api.views.MemberDetail.get", "django"),
        ("GET", "/old/<int:pk>/", "dist.views.OldLinkView.get", "django"),
        ("GET", "/.*/", "dist.views.PageView.get", "django"),
        ("ANY", "/dashboard/", "api.views.ops_dashboard", "django"),
        ("ANY", "/feed/", "api.views.partner_feed", "django"),
    }


def test_gin_chained_groups_relative_paths_match_factories_and_typed_handler_values(tmp_path: Path) -> None:
    # gotify/server: g.Group("/user").Use(mw).POST("", h), g.Match([...]), "version" without a slash,
    # oidc.LoginHandler() factories, and handler values whose type picks among same-named methods
    inv = route_inventory(index_fixture("routes/gin_chained", tmp_path))
    got = {(r.method, r.path, r.handler) for r in inv.routes}
    assert got == {
        ("GET", "/health", "api.HealthAPI.Health"),
        ("HEAD", "/health", "api.HealthAPI.Health"),
        ("GET", "/auth/login", "api.OIDCAPI.LoginHandler"),
        ("POST", "/user", "api.UserAPI.CreateUser"),
        ("GET", "/version", "<inline>"),
        ("POST", "/client", "api.ClientAPI.CreateClient"),
        ("GET", "/user", "api.UserAPI.GetUsers"),
    }


def test_a_routes_macro_handler_without_its_path_attribute_is_listed_as_unmapped(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "notes",
        {
            "Cargo.toml": '[package]\nname = "notes"\nversion = "0.1.0"\n\n[dependencies]\nutoipa-axum = "0.2"\n',
            "src/main.rs": (
                "use utoipa_axum::{router::OpenApiRouter, routes};\n\n"
                'async fn undocumented() -> &\'static str {\n    "?"\n}\n\n'
                "fn router() -> OpenApiRouter {\n    OpenApiRouter::new().routes(routes!(undocumented))\n}\n"
            ),
        },
    )
    inv = route_inventory(cb)
    assert inv.routes == []
    assert [(u.file, u.line, u.reason) for u in inv.unmapped] == [
        ("src/main.rs", 8, "undocumented has no #[utoipa::path(...)]")
    ]


def test_aliases_that_name_each_other_end_without_a_handler(tmp_path: Path) -> None:
    """``a = b`` / ``b = a`` in a views module: following module-level aliases stops (it recursed without end)."""
    from semgraph.analysis.entrypoints import resolve_handler

    cb = index_tree(
        tmp_path / "p",
        {
            "app/__init__.py": "",
            "app/views.py": "def real(request):\n    return 1\n\n\na = b\nb = a\nhome = a\nlogin = real\n",
        },
    )
    assert resolve_handler(cb, "app/views.py", "views.home") is None
    assert resolve_handler(cb, "app/views.py", "views.login").qualified_name == "app.views.real"

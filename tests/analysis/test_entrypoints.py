"""Entry points: every framework the detector reads, with exact method, path and handler."""

from __future__ import annotations

from pathlib import Path

from semgraph.analysis.codebase import Codebase
from semgraph.analysis.entrypoints import entry_id, find_entry_points
from tests.analysis.helpers import index_tree

MULTI = {
    "api/main.py": 'import argparse\n\nfrom fastapi import APIRouter, FastAPI\n\napp = FastAPI()\nrouter = APIRouter()\n\n\n@app.get("/health")\nasync def health():\n    return {"ok": True}\n\n\n@router.post("/items/{item_id}")\nasync def update_item(item_id: int):\n    return {"id": item_id}\n\n\ndef cmd_sync(args):\n    print("sync", args)\n\n\ndef main():\n    parser = argparse.ArgumentParser()\n    sub = parser.add_subparsers()\n    sync = sub.add_parser("sync")\n    sync.set_defaults(func=cmd_sync)\n    args = parser.parse_args()\n    args.func(args)\n\n\nif __name__ == "__main__":\n    main()\n',
    "axum_app/Cargo.toml": '[package]\nname = "axum_app"\nversion = "0.1.0"\nedition = "2021"\n',
    "axum_app/src/main.rs": 'use axum::{routing::{get, post}, Router};\n\nasync fn list_users() -> &\'static str {\n    "[]"\n}\n\nasync fn create_user() -> &\'static str {\n    "{}"\n}\n\nfn app() -> Router {\n    Router::new().route("/users", get(list_users).post(create_user))\n}\n\n#[tokio::main]\nasync fn main() {\n    let _ = app();\n}\n',
    "cli_js/index.js": 'const { program } = require("commander");\nconst queue = require("./queue");\n\nfunction deploy(env) {\n  console.log("deploy", env);\n}\n\nfunction handleEmailJob(job) {\n  return job.data;\n}\n\nprogram.command("deploy <env>").action(deploy);\nqueue.process("emails", handleEmailJob);\nprogram.parse();\n',
    "goapp/main.go": 'package main\n\nimport "net/http"\n\nfunc ordersHandler(w http.ResponseWriter, r *http.Request) {\n\tw.WriteHeader(200)\n}\n\nfunc main() {\n\thttp.HandleFunc("/orders", ordersHandler)\n\thttp.ListenAndServe(":8080", nil)\n}\n',
    "javaapp/src/UserController.java": 'package demo;\n\n@RestController\n@RequestMapping("/api")\npublic class UserController {\n    @GetMapping("/users/{id}")\n    public String getUser(String id) {\n        return id;\n    }\n\n    @PostMapping("/users")\n    public String createUser(String body) {\n        return body;\n    }\n\n    public static void main(String[] args) {\n    }\n}\n',
}


def entries(cb: Codebase) -> list[tuple[str, str, str, str, str]]:
    return [(e.kind, e.framework, e.method, e.path, e.handler) for e in find_entry_points(cb)]


def test_fastapi_argparse_axum_commander_queue_go_spring_main(tmp_path: Path) -> None:
    cb = index_tree(tmp_path / "multi", MULTI)
    assert entries(cb) == [
        ("http", "fastapi", "GET", "/health", "api.main.health"),
        ("http", "fastapi", "POST", "/items/{item_id}", "api.main.update_item"),
        ("cli", "argparse", "", "sync", "api.main.cmd_sync"),
        ("main", "python", "", "__main__", "api.main.main"),
        ("http", "axum", "GET", "/users", "axum_app::list_users"),
        ("http", "axum", "POST", "/users", "axum_app::create_user"),
        ("main", "rust", "", "", "axum_app::main"),
        ("cli", "commander", "", "deploy", "cli_js/index.deploy"),
        ("message", "queue", "", "emails", "cli_js/index.handleEmailJob"),
        ("http", "go-http", "ANY", "/orders", "goapp.ordersHandler"),
        ("main", "go", "", "", "goapp.main"),
        ("http", "spring", "GET", "/api/users/{id}", "demo.UserController.getUser"),
        ("http", "spring", "POST", "/api/users", "demo.UserController.createUser"),
        ("main", "java", "", "", "demo.UserController.main"),
    ]


def test_flask_click_celery(apps: dict[str, Codebase]) -> None:
    got = entries(apps["flask_shop"])
    assert got[0] == ("cli", "click", "", "send-digest", "shop.cli.send_digest")
    assert got[-1] == ("message", "task-queue", "", "", "shop.tasks.send_order_confirmation")
    assert [(m, p, h.split(".")[-1]) for _, _, m, p, h in got[1:-1]] == [
        ("POST", "/register", "register"),
        ("POST", "/login", "login"),
        ("POST", "/password/forgot", "forgot_password"),
        ("POST", "/password/reset", "confirm_password_reset"),
        ("POST", "/checkout", "checkout_cart"),
        ("POST", "/orders/<int:order_id>/ship", "ship"),
        ("GET", "/reports/sales", "sales"),
        ("POST", "/products/import", "import_catalog"),
        ("GET", "/products/<int:product_id>", "get_product"),
        ("PUT", "/products/<int:product_id>", "update_product"),
        ("DELETE", "/products/<int:product_id>", "delete_product"),
        ("POST", "/devices/register", "register_device"),
        ("GET", "/login/banner", "login_banner"),
    ]


def test_django_urls_include_views_commands_signals(apps: dict[str, Codebase]) -> None:
    assert entries(apps["django_billing"]) == [
        ("http", "django", "ANY", "/accounts/signup/", "accounts.views.signup"),
        ("http", "django", "POST", "/accounts/login/", "accounts.views.LoginView.post"),
        ("http", "django", "ANY", "/accounts/password-reset/", "accounts.views.password_reset_request"),
        (
            "cli",
            "django-command",
            "",
            "import_customers",
            "billing.management.commands.import_customers.Command.handle",
        ),
        ("cli", "django-command", "", "remind_overdue", "billing.management.commands.remind_overdue.Command.handle"),
        ("message", "django-signal", "", "post_save", "billing.signals.notify_invoice_created"),
        ("http", "django", "GET", "/billing/invoices/<int:pk>/", "billing.views.InvoiceDetailView"),
        ("http", "django", "POST", "/billing/invoices/<int:pk>/pay/", "billing.views.pay"),
        ("http", "django", "ANY", "/billing/invoices/export.csv", "billing.views.export_invoices_csv"),
        ("http", "django", "POST", "/billing/webhooks/register/", "billing.views.register_webhook"),
        ("main", "python", "", "__main__", "manage.main"),
    ]


def test_actix_macros_app_route_and_clap(apps: dict[str, Codebase]) -> None:
    assert entries(apps["actix_store"]) == [
        ("cli", "clap", "", "send-reminder", "actix_store::cli::send_reminder"),
        ("http", "actix-web", "POST", "/register", "actix_store::handlers::auth::register"),
        ("http", "actix-web", "POST", "/login", "actix_store::handlers::auth::login"),
        ("http", "actix-web", "POST", "/devices/register", "actix_store::handlers::auth::register_device"),
        ("http", "actix-web", "GET", "/items/{id}", "actix_store::handlers::items::get_item"),
        ("http", "actix-web", "DELETE", "/items/{id}", "actix_store::handlers::items::delete_item"),
        ("http", "actix-web", "POST", "/items/import", "actix_store::handlers::items::import_items"),
        ("http", "actix-web", "POST", "/orders/{id}/pay", "actix_store::handlers::orders::pay_order"),
        ("http", "actix-web", "POST", "/orders/{id}/fulfil", "actix_store::handlers::orders::fulfil_order"),
        ("http", "actix-web", "GET", "/reports/revenue", "actix_store::handlers::orders::revenue_report"),
        ("cli", "clap", "", "serve", "actix_store::serve"),
        ("main", "rust", "", "", "actix_store::main"),
    ]


def test_express_router_with_mount_prefix(apps: dict[str, Codebase]) -> None:
    got = entries(apps["express_api"])
    assert {k for k, *_ in got} == {"http"}
    assert [(m, p, h.rsplit(".", 1)[-1]) for _, _, m, p, h in got] == [
        ("POST", "/api/auth/register", "register"),
        ("POST", "/api/auth/login", "login"),
        ("POST", "/api/auth/forgot-password", "forgotPassword"),
        ("POST", "/api/checkout", "checkout"),
        ("POST", "/api/orders/:id/ship", "shipOrder"),
        ("GET", "/api/reports/daily", "dailyReport"),
        ("GET", "/api/products", "listProducts"),
        ("POST", "/api/products", "createProduct"),
        ("POST", "/api/newsletter", "sendNewsletter"),
        ("POST", "/api/webhooks/register", "registerWebhook"),
    ]


def test_fastapi_router_prefix(apps: dict[str, Codebase]) -> None:
    got = entries(apps["fastapi_store"])
    assert [(m, p) for _, _, m, p, _ in got][:4] == [
        ("POST", "/accounts/signup"),
        ("POST", "/accounts/token"),
        ("POST", "/accounts/forgot"),
        ("POST", "/accounts/webhooks/register"),
    ]
    assert len(got) == 11 and {f for _, f, *_ in got} == {"fastapi"}


def test_axum_router_with_method_chain(apps: dict[str, Codebase]) -> None:
    got = entries(apps["axum_accounts"])
    assert [(k, m, p, h) for k, _, m, p, h in got][-2:] == [
        ("http", "GET", "/users/:id", "axum_accounts::users::get_user"),
        ("http", "DELETE", "/users/:id", "axum_accounts::users::delete_user"),
    ]
    assert len(got) == 10


def test_workflow_ids_are_stable_and_distinct(apps: dict[str, Codebase]) -> None:
    eps = find_entry_points(apps["flask_shop"])
    ids = [entry_id(e, "crud") for e in eps]
    assert len(set(ids)) == len(ids)
    assert ids == [entry_id(e, "crud") for e in find_entry_points(apps["flask_shop"])]
    assert entry_id(eps[1], "crud") != entry_id(eps[1], "user_registration")


def test_nestjs_controllers_and_message_patterns(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "nest",
        {
            "src/users.controller.ts": (
                'import { Body, Controller, Get, Param, Post } from "@nestjs/common";\n'
                'import { EventPattern } from "@nestjs/microservices";\n\n'
                '@Controller("users")\n'
                "export class UsersController {\n"
                "  constructor(private readonly users: UsersService) {}\n\n"
                '  @Post("register")\n'
                "  async register(@Body() body: any) {\n"
                "    return this.users.register(body.email, body.password);\n"
                "  }\n\n"
                '  @Get(":id")\n'
                '  findOne(@Param("id") id: string) {\n'
                "    return this.users.find(id);\n"
                "  }\n\n"
                '  @EventPattern("user.deleted")\n'
                "  onDeleted(id: string) {\n"
                "    return id;\n"
                "  }\n"
                "}\n"
            )
        },
    )
    assert entries(cb) == [
        ("http", "nestjs", "POST", "/users/register", "src/users.controller.UsersController.register"),
        ("http", "nestjs", "GET", "/users/:id", "src/users.controller.UsersController.findOne"),
        ("message", "nestjs", "", "user.deleted", "src/users.controller.UsersController.onDeleted"),
    ]


def test_django_rest_framework_routers_actions_and_api_views(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "drf",
        {
            "api/views.py": (
                "from rest_framework import viewsets\n"
                "from rest_framework.decorators import action, api_view\n"
                "from rest_framework.response import Response\n\n"
                "from .models import Article\n\n\n"
                "class ArticleViewSet(viewsets.ModelViewSet):\n"
                "    queryset = Article.objects.all()\n\n"
                "    def create(self, request):\n"
                "        return Response(Article.objects.create(title=request.data['title']).pk, status=201)\n\n"
                "    @action(detail=True, methods=['post'], url_path='publish')\n"
                "    def publish(self, request, pk=None):\n"
                "        Article.objects.filter(pk=pk).update(published=True)\n"
                "        return Response(status=204)\n\n\n"
                "class TagViewSet(viewsets.ReadOnlyModelViewSet):\n"
                "    queryset = Article.objects.none()\n\n\n"
                "@api_view(['GET', 'POST'])\n"
                "def ping(request):\n"
                "    return Response('pong')\n"
            ),
            "api/urls.py": (
                "from django.urls import include, path\n"
                "from rest_framework.routers import DefaultRouter\n\n"
                "from . import views\n\n"
                "router = DefaultRouter()\n"
                "router.register(r'articles', views.ArticleViewSet)\n"
                "router.register(r'tags', views.TagViewSet, basename='tag')\n\n"
                "urlpatterns = [path('', include(router.urls)), path('ping/', views.ping)]\n"
            ),
        },
    )
    assert entries(cb) == [
        ("http", "django-rest-framework", "ANY", "/articles/", "api.views.ArticleViewSet"),
        ("http", "django-rest-framework", "POST", "/articles/", "api.views.ArticleViewSet.create"),
        ("http", "django-rest-framework", "POST", "/articles/{pk}/publish/", "api.views.ArticleViewSet.publish"),
        ("http", "django-rest-framework", "ANY", "/tags/", "api.views.TagViewSet"),
        ("http", "django", "GET,POST", "/ping/", "api.views.ping"),
    ]


def test_java_message_listeners(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "java",
        {
            "src/OrderEvents.java": (
                "package shop;\n\n"
                "public class OrderEvents {\n"
                '    @KafkaListener(topics = "orders.created")\n'
                "    public void onCreated(String payload) {\n"
                "        System.out.println(payload);\n"
                "    }\n\n"
                '    @RabbitListener(queues = "refunds")\n'
                "    public void onRefund(String payload) {\n"
                "    }\n"
                "}\n"
            )
        },
    )
    assert entries(cb) == [
        ("message", "KafkaListener", "", "orders.created", "shop.OrderEvents.onCreated"),
        ("message", "RabbitListener", "", "refunds", "shop.OrderEvents.onRefund"),
    ]

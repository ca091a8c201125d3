"""Rules added after the second hold-out round: Go net/http, Spring, Koa/knex/BullMQ idioms.

Each test indexes a small snippet and asserts the exact result, with a decoy
where a rule could over-fire.
"""

from __future__ import annotations

from pathlib import Path

from semgraph.analysis.entrypoints import find_entry_points
from semgraph.analysis.patterns import detect_architectural_patterns
from semgraph.analysis.roles import function_roles
from semgraph.analysis.workflows import detect_business_workflows
from tests.analysis.helpers import index_tree

GO_STORE = """package store

import "database/sql"

type UserStore struct {
	db *sql.DB
}

func NewUserStore(db *sql.DB) *UserStore {
	return &UserStore{db: db}
}

func (s *UserStore) Find(email string) (string, error) {
	var id string
	err := s.db.QueryRow("SELECT id FROM users WHERE email = $1", email).Scan(&id)
	return id, err
}

func (s *UserStore) Insert(email string) error {
	_, err := s.db.Exec("INSERT INTO users (email) VALUES ($1)", email)
	return err
}
"""

GO_NOTIFY = """package notify

import "net/smtp"

type Notifier interface {
	Send(to, body string) error
}

type EmailNotifier struct {
	addr string
}

func (n *EmailNotifier) Send(to, body string) error {
	return smtp.SendMail(n.addr, nil, "app@example.com", []string{to}, []byte(body))
}

type LogNotifier struct{}

func (n *LogNotifier) Send(to, body string) error {
	return nil
}
"""

GO_API = """package api

import (
	"net/http"

	"example.com/app/notify"
	"example.com/app/store"
)

type Handler struct {
	users    *store.UserStore
	notifier notify.Notifier
}

func NewHandler(users *store.UserStore, notifier notify.Notifier) *Handler {
	return &Handler{users: users, notifier: notifier}
}

func (h *Handler) Remind(w http.ResponseWriter, r *http.Request) {
	id, _ := h.users.Find(r.FormValue("email"))
	_ = h.notifier.Send(id, "reminder")
}

func (h *Handler) Health(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
}

func Routes(h *Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/{id}/remind", h.Remind)
	mux.HandleFunc("/healthz", h.Health)
	return mux
}
"""


def test_go_servemux_patterns_methods_interfaces_and_stores(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "goapp",
        {
            "go.mod": "module example.com/app\n",
            "store/users.go": GO_STORE,
            "notify/notify.go": GO_NOTIFY,
            "api/api.go": GO_API,
        },
    )
    entries = {(e.method, e.path, e.handler) for e in find_entry_points(cb) if e.kind == "http"}
    assert entries == {("POST", "/users/{id}/remind", "api.Handler.Remind"), ("ANY", "/healthz", "api.Handler.Health")}

    (wf,) = [w for w in detect_business_workflows(cb) if w.entry_points[0].handler == "api.Handler.Remind"]
    assert wf.type == "notification_delivery"
    # the call through the Notifier interface runs its implementations: they are the steps, not the
    # bodiless interface method
    assert [s.symbol for s in wf.steps] == [
        "api.Handler.Remind",
        "store.UserStore.Find",
        "notify.EmailNotifier.Send",
        "notify.LogNotifier.Send",
    ]

    report = detect_architectural_patterns(cb)
    found = {(p.kind, p.symbols[0]) for p in report.patterns if p.kind != "layering"}
    assert found == {
        ("repository", "store.UserStore"),
        ("dependency_injection", "store.UserStore"),
        ("dependency_injection", "api.Handler"),
        ("strategy", "notify.Notifier"),
        ("adapter", "notify.EmailNotifier"),
    }
    assert report.layering_violations == []


JAVA_REPO = """package com.acme.users;

import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

public interface UserRepository extends JpaRepository<User, Long> {
    Optional<User> findByEmail(String email);
}
"""

JAVA_SERVICE = """package com.acme.users;

import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;

@Service
public class UserService {
    private final UserRepository users;
    private final PasswordEncoder passwordEncoder;

    public UserService(UserRepository users, PasswordEncoder passwordEncoder) {
        this.users = users;
        this.passwordEncoder = passwordEncoder;
    }

    public Long register(String email, String password) {
        if (users.findByEmail(email).isPresent()) {
            throw new IllegalStateException("email taken");
        }
        return save(new User(email, passwordEncoder.encode(password)));
    }

    private Long save(User user) {
        return users.save(user).getId();
    }

    public void close(User user) {
        user.setStatus(User.Status.PAID);
    }
}
"""

JAVA_CONTROLLER = """package com.acme.users;

import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/users")
public class UserController {
    private final UserService service;
    private final UserRepository users;

    public UserController(UserService service, UserRepository users) {
        this.service = service;
        this.users = users;
    }

    @PostMapping
    public Long register(@RequestParam String email, @RequestParam String password) {
        return service.register(email, password);
    }

    @DeleteMapping("/{id}")
    public void delete(@PathVariable Long id) {
        users.deleteById(id);
    }
}
"""

JAVA_USER = """package com.acme.users;

public class User {
    public enum Status { OPEN, PAID }
    private Long id;
    private String email;
    private String passwordHash;
    private Status status;

    public User(String email, String passwordHash) {
        this.email = email;
        this.passwordHash = passwordHash;
    }

    public Long getId() { return id; }
    public void setStatus(Status status) { this.status = status; }
}
"""


def test_spring_receivers_repository_interfaces_and_implicit_this(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "spring",
        {
            "src/main/java/com/acme/users/UserRepository.java": JAVA_REPO,
            "src/main/java/com/acme/users/UserService.java": JAVA_SERVICE,
            "src/main/java/com/acme/users/UserController.java": JAVA_CONTROLLER,
            "src/main/java/com/acme/users/User.java": JAVA_USER,
        },
    )
    (service,) = cb.find("UserService.register")
    assert function_roles(cb, service.id).roles == {
        "hash_secret": "calls passwordEncoder.encode",
        "validate_input": "rejects input in a guard",
    }
    (closer,) = cb.find("UserService.close")
    assert function_roles(cb, closer.id).roles == {"record_payment": 'sets status "PAID" at line 28'}
    (finder,) = cb.find("UserRepository.findByEmail")
    assert set(function_roles(cb, finder.id).roles) == {"lookup"}
    (delete,) = cb.find("UserController.delete")
    roles = function_roles(cb, delete.id)
    assert roles.roles == {"delete": "calls users.deleteById on a repository"}
    assert roles.via_repository == {"delete"}

    (wf,) = [w for w in detect_business_workflows(cb) if w.entry_points[0].handler.endswith("UserController.register")]
    assert wf.type == "user_registration"
    # `save(...)` without a receiver is this.save(...)
    assert [s.symbol.split(".", 3)[-1] for s in wf.steps] == [
        "UserController.register",
        "UserService.register",
        "UserRepository.findByEmail",
        "UserService.save",
        "User.getId",
    ]

    report = detect_architectural_patterns(cb)
    found = {(p.kind, p.symbols[0].split(".")[-1]) for p in report.patterns if p.kind != "layering"}
    assert found == {
        ("repository", "UserRepository"),
        ("service_layer", "UserService"),
        ("dependency_injection", "UserService"),
        ("dependency_injection", "UserController"),
    }
    # deleting through the repository interface is not direct database access
    assert report.layering_violations == []


KOA = """import knex, { Knex } from "knex";
import { Job, Worker } from "bullmq";

let pool: Knex | undefined;

export function getPool(): Knex {
  if (!pool) {
    pool = knex({ client: "pg" });
  }
  return pool;
}

export function resetPool(): void {
  if (!pool) {
    pool = knex({ client: "pg" });
  }
}

export class SessionRepository {
  constructor(private readonly db: Knex) {}

  expire(id: number) {
    return this.db("sessions").where({ id }).del();
  }

  list(userId: number) {
    return this.db("sessions").where({ user_id: userId }).orderBy("created_at");
  }
}

export async function purge(job: Job<{ id: number }>): Promise<void> {
  await new SessionRepository(getPool()).expire(job.data.id);
}

export function start(): Worker {
  return new Worker<{ id: number }>("purge", purge, { connection: {} });
}
"""


def test_knex_chains_bullmq_workers_and_lazy_module_singletons(tmp_path: Path) -> None:
    cb = index_tree(tmp_path / "koa", {"src/sessions.ts": KOA})
    (expire,) = cb.find("SessionRepository.expire")
    assert set(function_roles(cb, expire.id).roles) == {"delete"}
    (lst,) = cb.find("SessionRepository.list")
    assert set(function_roles(cb, lst.id).roles) == {"lookup"}
    assert [(e.kind, e.framework, e.path, e.handler) for e in find_entry_points(cb)] == [
        ("message", "bullmq", "purge", "src/sessions.purge")
    ]
    found = {(p.kind, p.symbols[0]) for p in detect_architectural_patterns(cb).patterns if p.kind != "layering"}
    # resetPool creates the value but does not hand it out: no accessor
    assert found == {
        ("singleton", "src/sessions.getPool"),
        ("repository", "src/sessions.SessionRepository"),
        ("dependency_injection", "src/sessions.SessionRepository"),
    }


TX_SERVICE = """package com.acme.orders;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class OrderService {
    private final OrderRepository orders;
    private final AuditRepository audits;

    public OrderService(OrderRepository orders, AuditRepository audits) {
        this.orders = orders;
        this.audits = audits;
    }

    @Transactional
    public void archive(Long id) {
        remove(id);
        audit("archived " + id);
    }

    public void purge(Long id) {
        remove(id);
        audit("purged " + id);
    }

    private void remove(Long id) {
        orders.deleteById(id);
    }

    private void audit(String what) {
        audits.save(new Audit(what));
    }
}
"""

TX_CONTROLLER = """package com.acme.orders;

import org.springframework.web.bind.annotation.*;

@RestController
@RequestMapping("/orders")
public class OrderController {
    private final OrderService service;

    public OrderController(OrderService service) {
        this.service = service;
    }

    @PostMapping("/{id}/archive")
    public void archive(@PathVariable Long id) {
        service.archive(id);
    }

    @PostMapping("/{id}/purge")
    public void purge(@PathVariable Long id) {
        service.purge(id);
    }
}
"""


def test_spring_transactional_counts_as_a_transaction(tmp_path: Path) -> None:
    from semgraph.analysis.steps import analyze_workflow_step

    repos = "package com.acme.orders;\nimport org.springframework.data.jpa.repository.JpaRepository;\n"
    cb = index_tree(
        tmp_path / "tx",
        {
            "src/OrderService.java": TX_SERVICE,
            "src/OrderController.java": TX_CONTROLLER,
            "src/OrderRepository.java": repos
            + "public interface OrderRepository extends JpaRepository<Order, Long> {}\n",
            "src/AuditRepository.java": repos
            + "public interface AuditRepository extends JpaRepository<Audit, Long> {}\n",
        },
    )
    risks = {}
    for wf in detect_business_workflows(cb, min_confidence=0.0):
        handler = wf.entry_points[0].handler.split(".")[-1]
        risks[handler] = [r.kind for r in analyze_workflow_step(cb, wf.id, 2).risks if "transaction" in r.kind]
    assert risks == {"archive": [], "purge": ["no_transaction_around_writes"]}


def test_koa_router_prefixes_and_factory_mounts(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "koamount",
        {
            "src/routes/users.ts": """import Router from "@koa/router";

export function userRoutes(): Router {
  const router = new Router();
  async function show(ctx: any) {
    ctx.body = {};
  }
  router.get("/:id", show);
  return router;
}
""",
            "src/routes/health.ts": """import Router from "@koa/router";

const health = new Router({ prefix: "/health" });

async function ping(ctx: any) {
  ctx.body = "ok";
}

health.get("/ping", ping);
export default health;
""",
            "src/app.ts": """import Koa from "koa";
import Router from "@koa/router";
import { userRoutes } from "./routes/users";
import health from "./routes/health";

const api = new Router({ prefix: "/api/v1" });
const users = userRoutes();
api.use("/users", users.routes());
const app = new Koa();
app.use(api.routes());
app.use(health.routes());
""",
        },
    )
    assert sorted((e.method, e.path, e.handler) for e in find_entry_points(cb)) == [
        ("GET", "/api/v1/users/:id", "src/routes/users.userRoutes.show"),
        ("GET", "/health/ping", "src/routes/health.ping"),
    ]


def test_node_main_and_teardown_is_no_delete(tmp_path: Path) -> None:
    cb = index_tree(
        tmp_path / "nodemain",
        {
            "src/server.ts": """import knex from "knex";

const db = knex({ client: "pg" });

async function cleanup(id: number): Promise<void> {
  await db("sessions").where({ id }).del();
}

async function main(): Promise<void> {
  await cleanup(1);
  await db.destroy();
}

async function stop(user: { destroy(): Promise<void> }): Promise<void> {
  await user.destroy();
}

main();
""",
        },
    )
    assert [(e.kind, e.framework, e.handler) for e in find_entry_points(cb)] == [("main", "node", "src/server.main")]
    (main,) = cb.find("src/server.main")
    assert function_roles(cb, main.id).roles == {}
    (stop,) = cb.find("src/server.stop")
    assert function_roles(cb, stop.id).roles == {"delete": "calls user.destroy"}

"""Workflow types from evidence on fixtures that reproduce idioms of real apps (fixtures/workflows/):
service functions handed over as values, bcrypt functions imported bare, SeaORM writes given a
connection, a random id that is no reset token, a status set to Paid in a struct literal, abstract
repositories, OAuth sign-in, a password change, GORM, a digest that is no aggregation, collections that
are no database, a rendered template that is no report, and framework validation."""

from __future__ import annotations

import pytest

from semgraph.analysis.codebase import Codebase
from semgraph.analysis.steps import analyze_workflow_step
from semgraph.analysis.validation import framework_validation
from semgraph.analysis.workflows import Workflow, all_workflows
from tests.analysis.helpers import index_fixture


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Codebase]:
    base = tmp_path_factory.mktemp("idioms")
    return {
        n: index_fixture(f"workflows/{n}", base) for n in ("rust_hotel", "nest_accounts", "go_auth", "flask_journal")
    }


def _by_route(cb: Codebase) -> dict[str, Workflow]:
    return {f"{e.method} {e.path}": wf for wf in all_workflows(cb) for e in wf.entry_points if e.kind == "http"}


def _short(name: str) -> str:
    return name.replace("::", ".").split(".")[-1]


def test_rust_services_passed_as_values_bare_bcrypt_seaorm_and_a_paid_status(apps: dict[str, Codebase]) -> None:
    wfs = _by_route(apps["rust_hotel"])
    assert {k: (w.type, w.confidence) for k, w in wfs.items()} == {
        # hash(…) from `use bcrypt::{hash}` + account.insert(db); Uuid::new_v4() is an id, not a reset token
        "POST /auth/register": ("user_registration", 0.7),
        # status: Set(BookingStatus::Paid) + .update(db) under pay wording
        "PUT /booking/pay/{booking_id}": ("payment_processing", 0.65),
        # verify(…) of the old password and a new hash stored: neither sign-in nor sign-up
        "PUT /auth/change-password": ("crud", 0.7),
    }
    change = wfs["PUT /auth/change-password"]
    assert [(_short(s.symbol), s.role) for s in change.steps] == [
        ("change_password", "entry"),
        ("process_request", "step"),
        ("change_password_service", "persist"),  # reached although only passed as a value
        ("passwords_match", "verify_secret"),
        ("hash_password", "hash_secret"),
        ("remember", "step"),  # HashMap::insert is no database write
    ]


def test_nest_abstract_repository_oauth_and_password_change(apps: dict[str, Codebase]) -> None:
    wfs = _by_route(apps["nest_accounts"])
    assert {k: w.type for k, w in wfs.items()} == {
        "POST /auth/email/register": "user_registration",
        "POST /auth/google/login": "authentication",  # verifyIdToken, even though the user may be created
        "PATCH /auth/me": "crud",  # bcrypt.compare of the old password + bcrypt.hash of the new one
    }
    register = wfs["POST /auth/email/register"]
    # UserRepository.create is abstract: the step is UsersRelationalRepository.create (Repository.save)
    assert [s.symbol for s in register.steps[-2:]] == [
        "src/users/users.service.UsersService.create",
        "src/users/persistence/relational.repository.UsersRelationalRepository.create",
    ]
    assert "persist" in register.steps[-1].roles
    login = wfs["POST /auth/google/login"]
    assert [(_short(s.symbol), s.role) for s in login.steps[:4]] == [
        ("googleLogin", "entry"),
        ("getProfileByToken", "verify_secret"),
        ("socialLogin", "issue_token"),  # this.jwtService.sign
        ("findByEmail", "lookup"),  # named …Email, but it sends nothing
    ]


def test_go_gorm_query_checks_credentials_and_a_digest_is_no_aggregate(apps: dict[str, Codebase]) -> None:
    wfs = _by_route(apps["go_auth"])
    assert {k: w.type for k, w in wfs.items()} == {"POST /auth": "authentication", "POST /api/v1/tags": "crud"}
    assert [(_short(s.symbol), s.role) for s in wfs["POST /auth"].steps] == [
        ("GetAuth", "entry"),
        ("CheckAuth", "lookup"),  # db.Select(…).Where(…).First(&auth)
        ("GenerateToken", "issue_token"),
        ("EncodeMD5", "step"),  # m.Sum(nil) is a digest
    ]
    assert wfs["POST /api/v1/tags"].evidence == ["persist: AddTag calls db.Create"]


def test_flask_template_is_no_report_and_a_list_is_no_database(apps: dict[str, Codebase]) -> None:
    cb = apps["flask_journal"]
    wfs = _by_route(cb)
    assert {k: (w.type, w.confidence) for k, w in wfs.items()} == {
        "GET /": ("crud", 0.65),  # Entry.query….all() rendered into a template
        "POST /entry/new": ("crud", 0.65),
        "GET /recent": ("custom", 0.3),  # titles.insert(0, …) on a list
    }


def test_framework_validation_suppresses_the_missing_validation_risk(apps: dict[str, Codebase]) -> None:
    flask = apps["flask_journal"]
    new_entry = _by_route(flask)["POST /entry/new"]
    assert framework_validation(flask, [new_entry.steps[0].symbol_id]) == "new_entry calls form.validate_on_submit"
    assert analyze_workflow_step(flask, new_entry.id, 1).risks == []

    nest = apps["nest_accounts"]
    register = _by_route(nest)["POST /auth/email/register"]
    assert (
        framework_validation(nest, [register.steps[0].symbol_id])
        == "register takes RegisterDto, whose declaration validates its fields"
    )
    assert [r.kind for r in analyze_workflow_step(nest, register.id, len(register.steps)).risks] == []

    # no validation anywhere: the risk stands
    go = apps["go_auth"]
    add_tag = _by_route(go)["POST /api/v1/tags"]
    assert framework_validation(go, [add_tag.steps[0].symbol_id]) is None
    assert [r.kind for r in analyze_workflow_step(go, add_tag.id, 1).risks] == ["no_validation_before_persist"]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Codebase:
    return index_fixture("workflows/py_ledger", tmp_path_factory.mktemp("ledger"))


def test_deep_chain_reaches_its_write_past_a_wide_helper_tree(ledger: Codebase) -> None:
    # 45 helper calls come first in source order; the write is 7 calls deep: a depth-first walk with a
    # 40-step budget (and depth 5) never reached it, the relevance-ordered walk does
    wf = _by_route(ledger)["POST /ledger/close"]
    assert wf.type == "crud"
    chain = [(_short(s.symbol), s.depth) for s in wf.steps if not _short(s.symbol).startswith("check_")]
    assert chain == [
        ("close_ledger", 0),
        ("prepare", 1),
        ("process", 1),
        ("stage_one", 2),
        ("stage_two", 3),
        ("stage_three", 4),
        ("stage_four", 5),
        ("stage_five", 6),
        ("write_closing_entry", 7),
    ]
    assert wf.truncated and len(wf.steps) == 40  # the helpers fill the rest of the budget, and it says so
    assert [s.role for s in wf.steps if _short(s.symbol) == "write_closing_entry"] == ["persist"]


def test_handler_table_and_getattr_dispatch_are_followed(ledger: Codebase) -> None:
    wfs = _by_route(ledger)
    hook = wfs["POST /webhooks/billing"]
    assert [(_short(s.symbol), s.role) for s in hook.steps] == [
        ("billing_webhook", "entry"),
        ("handle_event", "step"),
        ("record_invoice_paid", "persist"),  # EVENT_HANDLERS = {"invoice.paid": record_invoice_paid, ...}
        ("void_invoice", "persist"),  # the commit after Query.delete()
    ]
    alert = wfs["POST /alerts"]
    assert alert.type == "notification_delivery"
    assert [_short(s.symbol) for s in alert.steps] == ["send_alert", "dispatch", "send_email", "send_pager"]


GO_OIDC = {
    "go.mod": "module example.com/sso\n\nrequire github.com/gin-gonic/gin v1.10.0\n",
    "api/oidc.go": """package api

import (
	"github.com/gin-gonic/gin"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"gorm.io/gorm"
)

type OIDCAPI struct {
	DB       *gorm.DB
	Provider rp.RelyingParty
}

type Client struct{ Token string }

func (a *OIDCAPI) CallbackHandler() gin.HandlerFunc {
	callback := func(w http.ResponseWriter, r *http.Request, tokens *oidc.Tokens[*oidc.IDTokenClaims], state string, p rp.RelyingParty) {
		a.createClient(state)
	}
	return gin.WrapF(rp.CodeExchangeHandler(callback, a.Provider))
}

func (a *OIDCAPI) createClient(name string) error {
	return a.DB.Create(&Client{Token: name}).Error
}
""",
    "router/router.go": """package router

import (
	"example.com/sso/api"
	"github.com/gin-gonic/gin"
)

func Create(oidc *api.OIDCAPI) *gin.Engine {
	g := gin.New()
	g.GET("/auth/oidc/callback", oidc.CallbackHandler())
	return g
}
""",
}

RUST_RESET = {
    "Cargo.toml": '[package]\nname = "gym"\nversion = "0.1.0"\n\n[dependencies]\naxum = "0.8"\nsqlx = "0.8"\n',
    "src/main.rs": """use axum::{routing::post, Router};

mod mail;

async fn request_password_change(State(state): State<AppState>, UserId(user_id): UserId) -> Result<&'static str, AppError> {
    let code = mail::generate_code();
    sqlx::query!("INSERT INTO password_reset_tokens (user_id, token) VALUES ($1, $2)", user_id, code)
        .execute(&*state.db)
        .await?;
    mail::send_email(&state.mailgun, &code).await?;
    Ok("sent")
}

fn main() {
    let _app: Router = Router::new().route("/auth/request-password-change", post(request_password_change));
}
""",
    "src/mail.rs": """pub fn generate_code() -> String {
    let mut rng = rand::thread_rng();
    (0..6).map(|_| rng.gen_range(0..10).to_string()).collect()
}

pub async fn send_email(config: &MailgunConfig, body: &str) -> anyhow::Result<()> {
    reqwest::Client::new().post(&config.base_url).form(&[("text", body)]).send().await?;
    Ok(())
}
""",
}

JS_BARREL = {
    "package.json": '{"name": "shop", "dependencies": {"express": "^4", "mongoose": "^8", "bcryptjs": "^2"}}',
    "src/app.js": """const express = require('express');
const { register } = require('./controllers/auth.controller');

const app = express();
app.post('/v1/auth/register', register);
module.exports = app;
""",
    "src/controllers/auth.controller.js": """const { userService } = require('../services');

const register = async (req, res) => {
  const user = await userService.createUser(req.body);
  res.status(201).send(user);
};

module.exports = { register };
""",
    "src/controllers/user.controller.js": """const { userService } = require('../services');

const createUser = async (req, res) => {
  res.send(await userService.createUser(req.body));
};

module.exports = { createUser };
""",
    "src/services/index.js": "module.exports.userService = require('./user.service');\n",
    "src/services/user.service.js": """const bcrypt = require('bcryptjs');
const User = require('../models/user.model');

const createUser = async (body) => {
  const password = await bcrypt.hash(body.password, 8);
  return User.create({ ...body, password });
};

module.exports = { createUser };
""",
    "src/models/user.model.js": """const mongoose = require('mongoose');

const User = mongoose.model('User', new mongoose.Schema({ email: String, password: String }));
module.exports = User;
""",
}


def test_oidc_code_exchange_sql_named_reset_and_a_barrel_reexport(tmp_path) -> None:
    from tests.analysis.helpers import index_tree

    # gotify/server: rp.CodeExchangeHandler is an identity proof, so the callback that stores a client is sign-in
    oidc = _by_route(index_tree(tmp_path / "sso", GO_OIDC))
    assert oidc["GET /auth/oidc/callback"].type == "authentication"
    # alexng353/uplifting-api: no reset wording in the route, but the token table it writes names it
    reset = _by_route(index_tree(tmp_path / "gym", RUST_RESET))
    assert reset["POST /auth/request-password-change"].type == "password_reset"
    # hagopj13/node-express-boilerplate: `userService` comes from services/index.js, which re-exports
    # ./user.service; two files define createUser, the barrel says which one runs
    shop = _by_route(index_tree(tmp_path / "shop", JS_BARREL))
    wf = shop["POST /v1/auth/register"]
    assert [_short(s.symbol) for s in wf.steps] == ["register", "createUser"]
    assert wf.steps[1].symbol == "src/services/user.service.createUser"
    assert wf.type == "user_registration"


JS_MONGOOSE = {
    "package.json": '{"name": "api", "dependencies": {"express": "^4", "mongoose": "^8", "bcryptjs": "^2"}}',
    "src/app.js": """const express = require('express');
const auth = require('./controllers/auth.controller');

const app = express();
app.post('/auth/register', auth.register);
app.post('/auth/login', auth.login);
module.exports = app;
""",
    "src/controllers/auth.controller.js": """const jwt = require('jsonwebtoken');
const { User, Token } = require('../models');

const register = async (req, res) => {
  res.status(201).send(await User.create(req.body));
};

const login = async (req, res) => {
  const user = await User.findOne({ email: req.body.email });
  const refresh = jwt.sign({ sub: user.id }, 'secret');
  await saveRefreshToken(refresh, user.id);
  res.send({ refresh });
};

const saveRefreshToken = async (token, userId) => Token.create({ token, user: userId });

module.exports = { register, login };
""",
    "src/models/index.js": "module.exports.User = require('./user.model');\nmodule.exports.Token = require('./token.model');\n",
    "src/models/user.model.js": """const mongoose = require('mongoose');
const bcrypt = require('bcryptjs');

const userSchema = mongoose.Schema({ email: String, password: String });

userSchema.pre('save', async function (next) {
  if (this.isModified('password')) {
    this.password = await bcrypt.hash(this.password, 8);
  }
  next();
});

module.exports = mongoose.model('User', userSchema);
""",
    "src/models/token.model.js": """const mongoose = require('mongoose');

module.exports = mongoose.model('Token', mongoose.Schema({ token: String, user: String }));
""",
}


def test_mongoose_models_through_a_barrel_their_save_hook_and_a_stored_refresh_token(tmp_path) -> None:
    from tests.analysis.helpers import index_tree

    # hagopj13/node-express-boilerplate: User.create on a mongoose model whose pre('save') hook hashes the
    # password is a registration; a login that stores its refresh token (Token.create) is still a login
    wfs = _by_route(index_tree(tmp_path / "api", JS_MONGOOSE))
    assert wfs["POST /auth/register"].type == "user_registration"
    assert wfs["POST /auth/login"].type == "authentication"


def test_trace_workflow_reaches_writes_through_a_handler_table(ledger: Codebase) -> None:
    from semgraph.analysis.tracing import trace_workflow

    res = trace_workflow(ledger, "billing_webhook", sink="database_write")
    assert sorted([_short(s.symbol) for s in p.steps] for p in res.paths) == [
        ["billing_webhook", "handle_event", "record_invoice_paid"],
        ["billing_webhook", "handle_event", "void_invoice"],
    ]

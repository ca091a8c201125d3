"""The validate-expression grammar and action steps compiled to Rust; errors name what is allowed."""

from __future__ import annotations

import pytest

from semgraph.errors import InvalidInputError
from semgraph.rust.actions import Scope, compile_action, compile_expr, parse_expression
from semgraph.rust.normalize import normalize
from semgraph.rust.spec import ActionSpec, DieselSpec, Step, load_spec
from tests.rust.helpers import DIESEL


@pytest.fixture(scope="module")
def shop() -> DieselSpec:
    return normalize(load_spec((DIESEL / "specs" / "shop.yaml").read_text()))


def _compile(shop: DieselSpec, text: str, params: dict[str, str] | None = None, entity: str = "Account") -> str:
    scope = Scope(shop, shop.entity(entity), params or {"amount": "i64"}, "test")  # type: ignore[arg-type]
    return compile_expr(parse_expression(text), scope).code


@pytest.mark.parametrize(
    ("expression", "rust"),
    [
        ("total_cents > 100", None),
        ("balance >= amount", "row.balance >= params.amount"),
        ("balance > 100 AND status = 'pending'", "row.balance > 100 && row.status == AccountStatus::Pending"),
        ("status = 'ACTIVE' or balance = 0", "row.status == AccountStatus::Active || row.balance == 0"),
        ("NOT (balance < 0 OR balance > 10)", "!(row.balance < 0 || row.balance > 10)"),
        ("(balance - amount) * 2 >= 10 % 3", "(row.balance - params.amount) * 2 >= 10 % 3"),
        ("owner = 'O''Brien'", 'row.owner == "O\'Brien"'),
        ("meta IS NULL", "row.meta.is_none()"),
        ("meta IS NOT NULL AND balance <> -1", "row.meta.is_some() && row.balance != -1"),
        ("balance = 1 OR balance = 2 AND balance = 3", "row.balance == 1 || row.balance == 2 && row.balance == 3"),
        ("(balance = 1 OR balance = 2) AND balance = 3", "(row.balance == 1 || row.balance == 2) && row.balance == 3"),
    ],
)
def test_expressions_compile_to_rust(shop: DieselSpec, expression: str, rust: str | None) -> None:
    if rust is None:
        with pytest.raises(InvalidInputError) as err:
            _compile(shop, expression)
        assert str(err.value) == (
            "test: unknown name 'total_cents' (use one of the fields of Account: id, owner, balance, status, tags, "
            "meta, created_at, updated_at, deleted_at; action params: amount)"
        )
    else:
        assert _compile(shop, expression) == rust


def test_nullable_comparison_uses_is_some_and(shop: DieselSpec) -> None:
    assert _compile(shop, "note = 'x'", entity="Ledger") == 'row.note.as_ref().is_some_and(|v| *v == "x")'
    assert _compile(shop, "5 < amount", params={"amount": "Option<i64>"}) == (
        "params.amount.as_ref().is_some_and(|v| *v > 5)"
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "balance >",
            "expected a value, a name or '(' at column 10 in expression 'balance >', found end of expression",
        ),
        ("balance > 1 1", "expected AND, OR or the end at column 13 in expression 'balance > 1 1', found '1'"),
        ("balance ; 1", "unexpected character ';' at column 9 in expression 'balance ; 1'"),
        ("(balance > 1", "expected ')' at column 13 in expression '(balance > 1', found end of expression"),
        ("balance IS 1", "expected NULL after IS at column 12 in expression 'balance IS 1', found '1'"),
        ("", "empty expression"),
    ],
)
def test_syntax_errors_say_where(shop: DieselSpec, expression: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        _compile(shop, expression)
    assert err.value.message == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "status = 'frozen'",
            "test: 'frozen' is not a value of enum AccountStatus (allowed values: pending, active, closed)",
        ),
        (
            "owner > 3",
            "test: cannot compare str with num (row.owner > 3) (compare a field with a value or parameter of the same type)",
        ),
        (
            "balance IS NULL",
            "test: balance is not nullable, IS NULL is always false (IS [NOT] NULL applies to Option fields)",
        ),
        ("meta = NULL", "test: compare with NULL using IS NULL / IS NOT NULL"),
        (
            "owner + 1 > 2",
            "test: arithmetic needs non-null numbers, got row.owner (compare nullable fields with IS NOT NULL first, or use a numeric field)",
        ),
    ],
)
def test_type_errors_are_explained(shop: DieselSpec, expression: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        _compile(shop, expression)
    assert str(err.value) == message


def test_steps_compile_in_order(shop: DieselSpec) -> None:
    account = shop.entity("Account")
    compiled = compile_action(shop, account, account.actions[0], "accounts")  # type: ignore[arg-type]
    assert (compiled.name, compiled.struct_name, compiled.params, compiled.reloads) == (
        "withdraw",
        "WithdrawParams",
        [("amount", "i64")],
        True,
    )
    assert [(s.kind, s.code) for s in compiled.steps] == [
        ("validate", ["if !(params.amount > 0) {", '"the amount must be positive"', "}"]),
        (
            "validate",
            [
                "if !(row.balance >= params.amount && row.status == AccountStatus::Active) {",
                '"insufficient funds"',
                "}",
            ],
        ),
        (
            "update",
            [
                "diesel::update(accounts::table.find(id))",
                ".set((accounts::balance.eq(row.balance - params.amount), accounts::updated_at.eq(diesel::dsl::now)))",
                ".execute(conn)?;",
            ],
        ),
        (
            "insert",
            [
                "diesel::insert_into(ledgers::table)",
                ".values((ledgers::account_id.eq(row.id), ledgers::amount.eq(-params.amount)))",
                ".execute(conn)?;",
            ],
        ),
    ]
    assert compiled.enums_used == {"AccountStatus"}
    assert compiled.tables_used == {"ledgers"}


def _action(shop: DieselSpec, *steps: dict, params: dict | None = None) -> str:
    account = shop.entity("Account")
    action = ActionSpec(name="act", params=params or {}, steps=[Step(**s) for s in steps])
    with pytest.raises(InvalidInputError) as err:
        compile_action(shop, account, action, "accounts")  # type: ignore[arg-type]
    return str(err.value)


def test_step_errors_name_what_is_allowed(shop: DieselSpec) -> None:
    assert _action(shop, {"type": "transfer"}) == (
        "action 'act' of Account, step 1: unknown step type 'transfer' "
        "(allowed step types: validate, update, insert, delete, call)"
    )
    assert _action(shop, {"type": "update", "fields": {"colour": "'red'"}}) == (
        "action 'act' of Account, step 1 (update): Account has no field 'colour' (fields of Account: id, owner, "
        "balance, status, tags, meta, created_at, updated_at, deleted_at)"
    )
    assert _action(shop, {"type": "insert", "entity": "Invoice", "fields": {"x": "1"}}) == (
        "action 'act' of Account, step 1 (insert): unknown entity 'Invoice' (entities: Account, Ledger)"
    )
    assert _action(shop, {"type": "insert", "entity": "Ledger", "fields": {"amount_cents": "1"}}) == (
        "action 'act' of Account, step 1 (insert): Ledger has no field 'amount_cents' "
        "(fields of Ledger: id, account_id, amount, note)"
    )
    assert _action(shop, {"type": "delete"}, {"type": "validate", "expression": "balance > 0"}) == (
        "action 'act' of Account, step 2 (validate): comes after the row was deleted (make delete the last step)"
    )
    assert _action(shop, {"type": "call", "function": "rm -rf"}) == (
        "action 'act' of Account, step 1 (call): 'function' must be a Rust path like crate::services::notify"
    )
    assert _action(shop, {"type": "validate", "expression": "balance"}) == (
        "action 'act' of Account, step 1 (validate): 'balance' is not a condition (use a comparison)"
    )
    assert _action(shop, {"type": "validate", "expression": "balance > 0"}, params={"balance": "i64"}) == (
        "action 'act' of Account: parameter 'balance' shadows a field of Account (rename it)"
    )
    assert (
        _action(shop) == "action 'act' of Account: no steps (add steps of type validate, update, insert, delete, call)"
    )

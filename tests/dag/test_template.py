"""Template and state parsing: YAML and JSON, older spellings, errors that name the place."""

from __future__ import annotations

from datetime import datetime

import pytest

from semgraph.dag.template import RetrySettings, StepState, parse_now, parse_states, parse_template
from semgraph.errors import InvalidInputError, SourceParseError


def test_yaml_with_older_spellings() -> None:
    tpl = parse_template(
        """
name: legacy
namespace: billing
version: 1.0
step_templates:
  - name: a
    handler_class: Billing::A
    default_retryable: false
  - name: b
    depends_on_step: a
    default_retry_limit: 5
    expected_duration: 12
  - name: c
    depends_on_steps: [a, b]
    dependencies: [a]
    retry: {limit: 7, backoff: fibonacci, backoff_base_ms: 250}
"""
    )
    assert (tpl.name, tpl.namespace_name, tpl.version) == ("legacy", "billing", "1.0")
    a, b, c = tpl.steps
    assert a.handler_name == "Billing::A"
    assert a.retry.retryable is False
    assert b.dependencies == ["a"]
    assert b.retry.retry_limit == 5 and b.retry.effective_max_attempts == 5
    assert b.expected_duration_seconds == 12
    assert c.dependencies == ["a", "b"]  # merged, repeats dropped, declared order kept
    assert (c.retry.max_attempts, c.retry.backoff, c.retry.backoff_base_ms) == (7, "fibonacci", 250)


def test_json_text_object_and_bare_list_are_equivalent() -> None:
    text = '{"name": "t", "steps": [{"name": "a"}, {"name": "b", "dependencies": ["a"]}]}'
    obj = {"name": "t", "steps": [{"name": "a"}, {"name": "b", "dependencies": ["a"]}]}
    assert parse_template(text) == parse_template(obj)
    assert parse_template([{"name": "a"}]).steps[0].name == "a"


def test_yaml_that_does_not_parse_gives_line_and_column() -> None:
    with pytest.raises(SourceParseError) as err:
        parse_template("name: x\nsteps:\n  - name: a\n    dependencies: [b\n  - name: c\n", source="t.yaml")
    assert (err.value.file, err.value.line, err.value.column) == ("t.yaml", 5, 9)
    assert str(err.value).startswith("t.yaml:5:9: while parsing a flow sequence")


def test_schema_errors_name_the_step_and_field() -> None:
    with pytest.raises(InvalidInputError) as err:
        parse_template(
            {
                "steps": [
                    {"name": "ok"},
                    {"name": "fetch", "retry": {"max_attempts": 0}},
                    {"name": "push", "retry": {"backoff": "sometimes"}},
                ]
            },
            source="tpl",
        )
    text = str(err.value)
    assert "fetch" not in text  # max_attempts 0 is accepted, as the orchestrator accepts it (a warning)
    assert "steps[2] 'push'.retry.backoff: Input should be 'none', 'linear', 'exponential' or 'fibonacci'" in text


@pytest.mark.parametrize("doc", ["just text", "[1, 2", "42"])
def test_not_a_template(doc: str) -> None:
    with pytest.raises((InvalidInputError, SourceParseError)):
        parse_template(doc)


def test_states_in_three_shapes() -> None:
    a = parse_states({"x": "complete", "y": {"state": "error", "attempts": 2}})
    b = parse_states([{"name": "x", "state": "complete"}, {"name": "y", "state": "error", "attempts": 2}])
    c = parse_states("x: complete\ny: {state: error, attempts: 2}\n")
    assert a == b == c
    assert a["y"].state is StepState.ERROR and a["y"].attempts == 2


def test_states_timestamps_are_naive_utc() -> None:
    s = parse_states({"x": {"state": "error", "last_failure_at": "2025-07-01T14:00:00+02:00"}})
    assert s["x"].last_failure_at == datetime(2025, 7, 1, 12, 0, 0)
    assert parse_now("2025-07-01T12:00:00Z") == datetime(2025, 7, 1, 12, 0, 0)


def test_bad_state_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError) as err:
        parse_states({"x": "finished"})
    assert "states for step 'x': state: Input should be 'pending'" in str(err.value)
    with pytest.raises(InvalidInputError, match="ISO-8601"):
        parse_now("yesterday")


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    lines.append("steps: [{name: s, handler: *i}]")
    with pytest.raises(InvalidInputError, match="YAML aliases expand to more than 2,000,000 values"):
        parse_template("\n".join(lines))
    # ordinary anchors still work
    tpl = parse_template("r: &r {retryable: false}\nsteps:\n  - {name: a, retry: *r}\n  - {name: b, retry: *r}\n")
    assert [s.retry.retryable for s in tpl.steps] == [False, False]


def test_deep_nesting_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="nested too deeply"):
        parse_template("[" * 100_000)


def test_retry_limit_is_the_older_spelling_of_max_attempts() -> None:
    assert RetrySettings.model_validate({"limit": 5}).max_attempts == 5
    with pytest.raises(ValueError, match="not both"):  # both spellings: the older one is not silently dropped
        RetrySettings.model_validate({"limit": 5, "max_attempts": 2})

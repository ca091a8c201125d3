"""Task template schema (YAML or JSON) and current step states.

Compatible with the orchestrator's task templates: ``name``, ``namespace_name``,
``version`` and ``steps`` (``name``, ``handler``, ``dependencies``, ``retry``,
``timeout_seconds``). Older spellings are accepted so that templates written
for earlier versions still load: ``step_templates`` for ``steps``,
``depends_on_step`` / ``depends_on_steps`` for ``dependencies``,
``handler_class`` for ``handler``, ``default_retryable`` /
``default_retry_limit`` / ``retry_limit`` for the retry block.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from semgraph.errors import InvalidInputError, SourceParseError
from semgraph.gcpause import gc_paused

BackoffKind = Literal["none", "linear", "exponential", "fibonacci"]
StepType = Literal["standard", "decision", "deferred_convergence", "batchable", "batch_worker"]


def take_older_spelling(data: dict[str, Any], name: str, *older: str) -> None:
    """Move the first of the ``older`` keys present in ``data`` to ``name``, unless ``name`` is already given.

    Templates, states and run logs written for older orchestrator versions
    spell some fields differently; every reader accepts them the same way.
    """
    if name not in data:
        for key in older:
            if key in data:
                data[name] = data.pop(key)
                return


class StepState(StrEnum):
    """The step machine's states (the orchestrator's ``workflow_step_transitions.to_state``)."""

    PENDING = "pending"
    ENQUEUED = "enqueued"
    IN_PROGRESS = "in_progress"
    ENQUEUED_FOR_ORCHESTRATION = "enqueued_for_orchestration"
    ENQUEUED_AS_ERROR_FOR_ORCHESTRATION = "enqueued_as_error_for_orchestration"
    WAITING_FOR_RETRY = "waiting_for_retry"
    COMPLETE = "complete"
    ERROR = "error"
    CANCELLED = "cancelled"
    RESOLVED_MANUALLY = "resolved_manually"


COMPLETED_STATES = frozenset({StepState.COMPLETE, StepState.RESOLVED_MANUALLY})
"""States that satisfy a dependency (the readiness SQL counts these as completed parents)."""


class RetrySettings(BaseModel):
    """A step's retry policy. ``max_attempts`` counts every execution, the first included."""

    # unknown keys are kept (the orchestrator's serde ignores them) and reported by validation
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    retryable: bool = True
    # the orchestrator's validator says 1..100 but is not run on load; its SQL runs attempt 1 even with 0
    max_attempts: Annotated[int, Field(ge=0, le=4_294_967_295)] = 3
    retry_limit: Annotated[int | None, Field(ge=0, le=100, description="older spelling; 0 means never retried")] = None
    backoff: BackoffKind | None = None
    backoff_base_ms: Annotated[int | None, Field(ge=0)] = None
    max_backoff_ms: Annotated[int | None, Field(ge=0)] = None

    @model_validator(mode="before")
    @classmethod
    def _older_spellings(cls, data: Any) -> Any:
        if isinstance(data, dict) and "limit" in data:
            if "max_attempts" in data:
                raise ValueError("give max_attempts or its older spelling limit, not both")
            data = dict(data)
            take_older_spelling(data, "max_attempts", "limit")
        return data

    @property
    def effective_max_attempts(self) -> int:
        """Attempts allowed in total: the older ``retry_limit`` wins when given (the readiness SQL
        compares ``attempts < retry_limit``)."""
        return self.retry_limit if self.retry_limit is not None else self.max_attempts


_LEGACY_STEP_KEYS = frozenset(
    {
        "depends_on",
        "step_type",
        "depends_on_step",
        "depends_on_steps",
        "handler_class",
        "expected_duration",
        "duration_seconds",
        "expected_duration_ms",
        "default_retryable",
        "retryable",
        "default_retry_limit",
        "retry_limit",
    }
)


class BatchConfig(BaseModel):
    """A batch worker template's ``batch_config`` (the orchestrator reads ``worker_template`` and sizes)."""

    model_config = ConfigDict(extra="allow")

    worker_template: str | None = None
    batch_size: int | None = None
    parallelism: int | None = None
    cursor_field: str | None = None
    failure_strategy: str = "continue_on_failure"


class StepTemplate(BaseModel):
    """One step of a task template."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    handler: str | dict[str, Any] | None = None
    description: str | None = None
    step_type: StepType = Field(default="standard", alias="type")
    dependencies: list[str] = Field(default_factory=list)
    batch_config: BatchConfig | None = None
    retry: RetrySettings = Field(default_factory=RetrySettings)
    timeout_seconds: Annotated[float | None, Field(gt=0)] = None
    expected_duration_seconds: Annotated[float | None, Field(ge=0)] = None

    @model_validator(mode="before")
    @classmethod
    def _older_spellings(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if _LEGACY_STEP_KEYS.isdisjoint(data):  # the common case, kept cheap for 50,000-step templates
            deps = data.get("dependencies")
            if not isinstance(deps, list) or len(deps) < 2 or len(set(map(str, deps))) == len(deps):
                return data
        data = dict(data)
        deps: list[Any] = list(data.pop("dependencies", None) or [])
        also = data.pop("depends_on", None)  # the orchestrator's serde alias
        deps.extend([also] if isinstance(also, str) else also or [])
        take_older_spelling(data, "type", "step_type")
        one = data.pop("depends_on_step", None)
        if one:
            deps.append(one)
        deps.extend(data.pop("depends_on_steps", None) or [])
        data["dependencies"] = list(dict.fromkeys(deps))  # keep order, drop repeats
        take_older_spelling(data, "handler", "handler_class")
        if "expected_duration_seconds" not in data:
            for key in ("expected_duration", "duration_seconds"):
                if key in data:
                    data["expected_duration_seconds"] = data.pop(key)
                    break
            else:
                if "expected_duration_ms" in data and isinstance(data["expected_duration_ms"], int | float):
                    data["expected_duration_seconds"] = data.pop("expected_duration_ms") / 1000
        retry = dict(data.get("retry") or {})
        if "default_retryable" in data:
            retry.setdefault("retryable", data.pop("default_retryable"))
        if "retryable" in data:
            retry.setdefault("retryable", data.pop("retryable"))
        for key in ("default_retry_limit", "retry_limit"):
            if key in data:
                retry.setdefault("retry_limit", data.pop(key))
        data["retry"] = retry
        return data

    @field_validator("dependencies", mode="before")
    @classmethod
    def _deps_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        return value

    @property
    def handler_name(self) -> str:
        if isinstance(self.handler, dict):
            return str(self.handler.get("callable") or self.handler.get("class") or "")
        return self.handler or ""


class TaskTemplate(BaseModel):
    """A task template: named, versioned, with its steps."""

    model_config = ConfigDict(extra="allow")

    name: str = ""
    namespace_name: str = ""
    version: str = ""
    description: str | None = None
    steps: list[StepTemplate]
    # (code, message, steps) where the document departs from what the orchestrator reads (schema_check)
    _schema_findings: list[tuple[str, str, list[str]]] = PrivateAttr(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _older_spellings(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            take_older_spelling(data, "steps", "step_templates")
            take_older_spelling(data, "namespace_name", "namespace")
            take_older_spelling(data, "name", "task_name")
            if "version" in data and data["version"] is not None:
                data["version"] = str(data["version"])
        return data


class StepStatus(BaseModel):
    """The current state of one step, as the orchestrator stores it."""

    model_config = ConfigDict(extra="forbid")

    state: StepState = StepState.PENDING
    # None is SQL NULL: eligible as a first attempt, but the SQL fallback backoff counts it as 1
    attempts: Annotated[int | None, Field(ge=0, le=1_000_000)] = 0
    last_attempted_at: datetime | None = None
    last_failure_at: datetime | None = None
    backoff_request_seconds: Annotated[int | None, Field(ge=0, le=31_536_000)] = None
    processed: bool = False
    in_process: bool = False
    max_attempts: Annotated[int | None, Field(ge=0, le=1000, description="per-step override of the template")] = None
    retryable: Annotated[bool | None, Field(description="per-step override of the template")] = None

    @model_validator(mode="before")
    @classmethod
    def _readiness_row_names(cls, data: Any) -> Any:
        """Rows exported from ``get_step_readiness_status`` say ``current_state`` and carry derived columns."""
        if isinstance(data, dict):
            data = dict(data)
            take_older_spelling(data, "state", "current_state")
            for derived in (
                "dependencies_satisfied",
                "retry_eligible",
                "ready_for_execution",
                "next_retry_at",
                "total_parents",
                "completed_parents",
                "workflow_step_uuid",
                "task_uuid",
                "named_step_uuid",
            ):
                data.pop(derived, None)
        return data

    @field_validator("last_attempted_at", "last_failure_at", mode="after")
    @classmethod
    def _naive_utc(cls, value: datetime | None) -> datetime | None:
        return naive_utc(value) if value is not None else None


def naive_utc(value: datetime) -> datetime:
    """Timestamps compare as naive UTC (the orchestrator stores ``timestamp without time zone``)."""
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def parse_now(value: str | datetime | None) -> datetime:
    """``now`` from an ISO-8601 string (or a datetime); the current UTC time when absent."""
    if value is None:
        return utc_now()
    if isinstance(value, datetime):
        return naive_utc(value)
    try:
        return naive_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        raise InvalidInputError(
            f"now {value!r} is not an ISO-8601 timestamp", hint="use e.g. 2025-07-01T12:00:00Z"
        ) from None


def load_document(text: str, *, source: str = "template") -> Any:
    """Parse YAML or JSON text (JSON is YAML, but the JSON parser is much faster)."""
    try:
        return _load_document(text, source)
    except RecursionError:
        raise InvalidInputError(
            f"{source}: the document is nested too deeply", hint="a template is a flat list of steps"
        ) from None


def _load_document(text: str, source: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if stripped.startswith("["):
                raise SourceParseError(exc.msg, file=source, line=exc.lineno, column=exc.colno) from None
            # flow-style YAML also starts with "{": fall through to the YAML parser
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        doc = yaml.load(text, Loader=loader)  # a safe loader (C or pure Python)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise SourceParseError(
            problem,
            file=source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            hint="the template must be YAML or JSON with a top-level 'steps' list",
        ) from None
    except yaml.YAMLError as exc:
        raise SourceParseError(str(exc), file=source) from None
    if "&" in text and "*" in text:
        _check_expanded_size(doc, source)
    return doc


MAX_EXPANDED_NODES = 2_000_000


def _check_expanded_size(doc: Any, source: str) -> None:
    """Refuse documents whose aliases expand to millions of nodes (a "billion laughs" template).

    PyYAML shares aliased objects, so loading is cheap, but validating walks
    every path; count them first, with a budget.
    """
    budget = MAX_EXPANDED_NODES
    stack = [doc]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise InvalidInputError(
                f"{source}: YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values",
                hint="write the template without recursive anchors/aliases",
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def parse_template(data: str | dict[str, Any] | list[Any], *, source: str = "template") -> TaskTemplate:
    """A TaskTemplate from YAML/JSON text or an already-decoded object.

    A bare list is taken as the step list. Schema problems become one
    InvalidInputError naming each bad field by step (``steps[3] 'fetch'.retry.max_attempts``).
    The cyclic collector is paused meanwhile: on 100,000 steps its passes over the new objects
    cost more than the parse itself.
    """
    with gc_paused():
        return _parse_template(data, source)


def _parse_template(data: str | dict[str, Any] | list[Any], source: str) -> TaskTemplate:
    doc = load_document(data, source=source) if isinstance(data, str) else data
    if isinstance(doc, list):
        doc = {"steps": doc}
    if not isinstance(doc, dict):
        raise InvalidInputError(
            f"{source}: expected a mapping with a 'steps' list, got {type(doc).__name__}",
            hint="write the template as YAML or JSON: {name: ..., steps: [{name: a, dependencies: []}, ...]}",
        )
    try:
        tpl = TaskTemplate.model_validate(doc)
    except ValidationError as exc:
        raise InvalidInputError(
            f"{source}: " + describe_validation(exc, doc), hint="fix the fields named above"
        ) from None
    from semgraph.dag.schema_check import schema_findings

    tpl._schema_findings = schema_findings(doc)
    return tpl


def describe_validation(exc: ValidationError, doc: dict[str, Any], max_errors: int = 10) -> str:
    """Validation errors as ``steps[3] 'name'.field: message`` (at most ``max_errors``)."""
    steps = doc.get("steps") or doc.get("step_templates") or []
    parts: list[str] = []
    errors = exc.errors()
    for err in errors[:max_errors]:
        loc = list(err["loc"])
        label = ""
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            idx = loc[1]
            name = steps[idx].get("name") if idx < len(steps) and isinstance(steps[idx], dict) else None
            label = f"steps[{idx}]" + (f" {name!r}" if name else "")
            loc = loc[2:]
        path = ".".join(str(p) for p in loc)
        where = ".".join(p for p in (label, path) if p) or "template"
        parts.append(f"{where}: {err['msg']}")
    if len(errors) > max_errors:
        parts.append(f"... and {len(errors) - max_errors} more errors")
    return "; ".join(parts)


def parse_states(data: str | dict[str, Any] | list[Any] | None, *, source: str = "states") -> dict[str, StepStatus]:
    """Step states keyed by step name.

    Accepts ``{name: {state: ..., attempts: ...}}``, ``{name: "complete"}`` or a
    list of ``{name: ..., state: ...}`` objects, as text (YAML/JSON) or objects.
    """
    with gc_paused():
        return _parse_states(data, source)


def _parse_states(data: str | dict[str, Any] | list[Any] | None, source: str) -> dict[str, StepStatus]:
    if data is None:
        return {}
    doc = load_document(data, source=source) if isinstance(data, str) else data
    if isinstance(doc, dict) and "states" in doc and isinstance(doc["states"], dict | list) and len(doc) <= 2:
        doc = doc["states"]
    items: list[tuple[str, Any]]
    if isinstance(doc, list):
        items = []
        for i, entry in enumerate(doc):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise InvalidInputError(f"{source}[{i}]: each entry needs a 'name' (the step it describes)")
            entry = dict(entry)
            items.append((entry.pop("name"), entry))
    elif isinstance(doc, dict):
        items = [(str(k), v) for k, v in doc.items()]
    else:
        raise InvalidInputError(
            f"{source}: expected a mapping of step name to state", hint='e.g. {"fetch": {"state": "complete"}}'
        )
    out: dict[str, StepStatus] = {}
    for name, value in items:
        if isinstance(value, str):
            value = {"state": value}
        try:
            out[name] = StepStatus.model_validate(value)
        except ValidationError as exc:
            details = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in exc.errors())
            raise InvalidInputError(
                f"{source} for step {name!r}: {details}",
                hint=f"state is one of {', '.join(s.value for s in StepState)}",
            ) from None
    return out

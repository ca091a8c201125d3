"""extract_state_machines on the Rust, Python, TypeScript and Ruby fixtures: exact states and transitions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from semgraph.dag.extract import Extraction, extract_state_machines
from semgraph.dag.state_machines import MACHINES
from semgraph.errors import PathAccessError, UnsupportedError
from semgraph.paths import PathGuard
from tests.support import FIXTURES

ROOT = FIXTURES / "state_machines"


@pytest.fixture(scope="module")
def found() -> Extraction:
    guard = PathGuard([ROOT])
    return extract_state_machines(guard.resolve("."), guard)


def _machine(found: Extraction, name: str):
    (m,) = [m for m in found.machines if m.name == name]
    return m


def _edges(m) -> list[tuple[str, str, str | None, list[str]]]:
    return [(t.source, t.target, t.event, t.locations) for t in m.transitions]


def test_rust_enum_machine(found: Extraction) -> None:
    m = _machine(found, "OrderState")
    f = "rust_orders/src/order.rs"
    assert (m.kind, m.location) == ("rust enum", f"{f}:5")
    assert m.states == ["Draft", "Submitted", "Paid", "Shipped", "Delivered", "Cancelled", "OnHold", "Refunded"]
    assert m.initial == ["Draft"]  # #[default]
    assert (m.terminal, m.terminal_basis) == (["Delivered", "Cancelled", "Refunded"], "declared")
    assert _edges(m) == [
        ("Draft", "Submitted", "Submit", [f"{f}:40"]),
        ("Draft", "Cancelled", None, [f"{f}:59"]),
        ("Submitted", "Paid", "Pay", [f"{f}:41"]),
        ("Submitted", "Cancelled", "Cancel", [f"{f}:42"]),
        ("Paid", "Shipped", "Ship", [f"{f}:43"]),
        ("Paid", "Cancelled", "Cancel", [f"{f}:42"]),
        ("Paid", "OnHold", "Hold", [f"{f}:44"]),
        ("Shipped", "Delivered", "Deliver", [f"{f}:45"]),
    ]
    assert m.unreachable == ["Refunded"]
    assert m.dead_ends == ["OnHold"]


def test_python_enum_machine(found: Extraction) -> None:
    m = _machine(found, "PaymentStatus")
    s, svc = "python_payments/payments/status.py", "python_payments/payments/service.py"
    assert (m.kind, m.location) == ("python enum", f"{s}:6")
    assert m.states == [
        "CREATED",
        "AUTHORIZED",
        "CAPTURED",
        "SETTLED",
        "FAILED",
        "VOIDED",
        "DISPUTED",
        "CHARGEBACK_REVERSED",
    ]
    assert m.initial == ["CREATED"]
    assert (m.terminal, m.terminal_basis) == (["SETTLED", "FAILED", "VOIDED"], "declared")
    assert _edges(m) == [
        ("CREATED", "AUTHORIZED", None, [f"{s}:20"]),
        ("CREATED", "FAILED", None, [f"{s}:20"]),
        ("AUTHORIZED", "CAPTURED", None, [f"{s}:21"]),
        ("AUTHORIZED", "VOIDED", None, [f"{s}:21"]),
        ("CAPTURED", "SETTLED", None, [f"{svc}:11"]),
        ("CAPTURED", "DISPUTED", None, [f"{svc}:17"]),
        ("CHARGEBACK_REVERSED", "SETTLED", None, [f"{s}:22"]),
    ]
    assert m.unreachable == ["CHARGEBACK_REVERSED"]
    assert m.dead_ends == ["DISPUTED"]


def test_typescript_union_machine(found: Extraction) -> None:
    m = _machine(found, "ShipmentStatus")
    f = "ts_shipments/src/shipment.ts"
    assert (m.kind, m.location) == ("typescript union", f"{f}:2")
    assert m.states == [
        "label_created",
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "returned",
        "lost",
        "customs_hold",
    ]
    assert m.initial == ["label_created"]
    assert (m.terminal, m.terminal_basis) == (["delivered", "returned"], "declared")
    assert _edges(m) == [
        ("label_created", "picked_up", None, [f"{f}:15"]),
        ("picked_up", "in_transit", None, [f"{f}:16"]),
        ("in_transit", "out_for_delivery", None, [f"{f}:36"]),
        ("in_transit", "customs_hold", None, [f"{f}:17"]),
        ("out_for_delivery", "delivered", None, [f"{f}:38"]),
        ("out_for_delivery", "returned", None, [f"{f}:38"]),
        ("lost", "returned", None, [f"{f}:21"]),
    ]
    assert m.unreachable == ["lost"]
    assert m.dead_ends == ["customs_hold"]


def test_typescript_enum_and_ruby_statesman(found: Extraction) -> None:
    phase = _machine(found, "TrackingPhase")
    assert phase.kind == "typescript enum"
    assert _edges(phase) == [
        ("Pending", "Active", None, ["ts_shipments/src/tracking.ts:11"]),
        ("Active", "Closed", None, ["ts_shipments/src/tracking.ts:17"]),
    ]
    assert (phase.terminal, phase.terminal_basis, phase.unreachable, phase.dead_ends) == (
        ["Closed"],
        "inferred",
        [],
        [],
    )
    rb = _machine(found, "StepStateMachine")
    f = "rails_steps/app/state_machines/step_state_machine.rb"
    assert rb.kind == "ruby statesman"
    assert rb.states == ["pending", "in_progress", "complete", "error", "cancelled", "resolved_manually"]
    assert rb.initial == ["pending"]
    assert [(t.source, t.target, t.locations) for t in rb.transitions] == [
        ("pending", "in_progress", [f"{f}:24"]),
        ("pending", "cancelled", [f"{f}:24"]),
        ("in_progress", "complete", [f"{f}:26"]),
        ("in_progress", "error", [f"{f}:26"]),
        ("in_progress", "cancelled", [f"{f}:26"]),
        ("error", "pending", [f"{f}:27"]),
        ("error", "resolved_manually", [f"{f}:27"]),
    ]
    assert rb.terminal == ["complete", "cancelled", "resolved_manually"]


def test_found_only_real_machines_and_reports_syntax_errors(found: Extraction) -> None:
    assert [m.name for m in found.machines] == [
        "RefundStatuses",
        "PaymentStatus",
        "StepStateMachine",
        "OrderState",
        "TaskState",
        "ReturnStatus",
        "ShipmentStatus",
        "TrackingPhase",
    ]  # not Colour, not OrderEvent, nothing from node_modules
    assert found.parse_errors == [
        "rust_orders/src/broken.rs:2:15: missing )",
        "rust_orders/src/broken.rs:3:11: syntax error near '='",
    ]
    assert found.files_scanned == 12
    assert found.enums_without_transitions == []
    assert found.truncated is False


def test_mermaid_state_diagram(found: Extraction) -> None:
    m = _machine(found, "OrderState")
    lines = m.mermaid.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert '    state "Draft" as st0' in lines
    assert "    [*] --> st0" in lines
    assert "    st0 --> st1 : Submit" in lines
    assert "    st4 --> [*]" in lines  # Delivered is terminal


def test_single_file_and_path_guard(tmp_path: Path) -> None:
    guard = PathGuard([ROOT])
    one = extract_state_machines(guard.resolve("ts_shipments/src/tracking.ts"), guard)
    assert [m.name for m in one.machines] == ["TrackingPhase"]
    with pytest.raises(PathAccessError):
        guard.resolve("../dag")
    with pytest.raises(
        UnsupportedError, match=r"rust_orders/Cargo\.toml is not a Python, Rust, TypeScript or Ruby file"
    ):
        extract_state_machines(guard.resolve("rust_orders/Cargo.toml"), guard)


def test_orchestrator_style_task_machine_matches_the_data_machine(found: Extraction) -> None:
    """Glob-imported variants and wildcard arms (``(state, Cancel) if !state.is_terminal()``,
    ``(_, ResolveManually)``): the machine read from code equals the task machine kept as data."""
    m = _machine(found, "TaskState")
    assert m.initial == ["Pending"] and m.terminal_basis == "declared"
    assert (m.unreachable, m.dead_ends) == ([], [])

    def snake(name: str) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

    from_code = {(snake(t.source), snake(t.target)) for t in m.transitions}
    as_data = {(t.source, t.target) for t in MACHINES["task"].transitions if t.source != t.target}
    # determine_target_state's arms out of terminal states, which can_transition rejects before they fire
    assert from_code - as_data == {
        ("error", "pending"),
        ("error", "resolved_manually"),
        ("complete", "resolved_manually"),
        ("cancelled", "resolved_manually"),
    }
    assert as_data - from_code == {("pending", "steps_in_process")}  # legacy: accepted by can_transition only
    f = "rust_tasker/src/machine.rs"
    cancel = [(t.source, t.locations) for t in m.transitions if t.target == "Cancelled"]
    assert cancel == [
        (s, [f"{f}:23"])
        for s in [
            "Pending",
            "Initializing",
            "EnqueuingSteps",
            "StepsInProcess",
            "EvaluatingResults",
            "WaitingForDependencies",
            "WaitingForRetry",
            "BlockedByFailures",
        ]
    ]


def test_constant_holders_and_guard_clauses(found: Extraction) -> None:
    """Python constants without Enum, a TypeScript ``as const`` object, string values resolved to members,
    and a guard clause (``if (status !== Received) throw …; status = Refunded``)."""
    refunds = _machine(found, "RefundStatuses")
    f = "python_payments/payments/refunds.py"
    assert (refunds.kind, refunds.states) == ("python constants", ["REQUESTED", "PROCESSING", "COMPLETED", "DECLINED"])
    assert _edges(refunds) == [
        ("REQUESTED", "PROCESSING", None, [f"{f}:16"]),
        ("REQUESTED", "DECLINED", None, [f"{f}:16"]),
        ("PROCESSING", "COMPLETED", None, [f"{f}:18"]),
    ]
    assert (refunds.terminal, refunds.unreachable, refunds.dead_ends) == (["COMPLETED", "DECLINED"], [], [])
    returns = _machine(found, "ReturnStatus")
    f = "ts_shipments/src/returns.ts"
    assert returns.kind == "typescript const object"
    assert _edges(returns) == [
        ("Requested", "Approved", None, [f"{f}:16"]),
        ("Requested", "Rejected", None, [f"{f}:16"]),
        ("Approved", "Received", None, [f"{f}:18"]),
        ("Received", "Refunded", None, [f"{f}:27"]),
    ]
    assert (returns.unreachable, returns.dead_ends) == ([], [])


def test_guards_that_rule_states_out(tmp_path: Path) -> None:
    """``if state is CLOSED: raise`` / ``if state is READY: return`` then ``state = READY``: from what is left."""
    (tmp_path / "runner.py").write_text(
        """import enum


class RunnerState(enum.Enum):
    CREATED = "created"
    READY = "ready"
    CLOSED = "closed"


class Runner:
    def __init__(self):
        self.state = RunnerState.CREATED

    def start(self):
        if self.state is RunnerState.CLOSED:
            raise RuntimeError("closed")
        if self.state is RunnerState.READY:
            return
        self.loop = object()
        self.state = RunnerState.READY

    def close(self):
        loop = self.loop
        if self.state is not RunnerState.READY or loop is None:
            return
        try:
            loop.close()
        finally:
            self.state = RunnerState.CLOSED
"""
    )
    guard = PathGuard([tmp_path])
    (m,) = extract_state_machines(guard.resolve("."), guard).machines
    assert _edges(m) == [
        ("CREATED", "READY", None, ["runner.py:20"]),
        ("READY", "CLOSED", None, ["runner.py:26"]),
    ]
    assert (m.initial, m.terminal, m.unreachable, m.dead_ends) == (["CREATED"], ["CLOSED"], [], [])


def test_same_name_in_two_modules_gives_two_machines(tmp_path: Path) -> None:
    for crate, (a, b) in {"net": ("Idle", "Busy"), "disk": ("Empty", "Full")}.items():
        (tmp_path / crate).mkdir()
        (tmp_path / crate / "lib.rs").write_text(
            f"pub enum State {{ {a}, {b} }}\n"
            f"pub fn step(s: State) -> State {{\n    match s {{\n        State::{a} => State::{b},\n        State::{b} => State::{a},\n    }}\n}}\n"
        )
    guard = PathGuard([tmp_path])
    found = extract_state_machines(guard.resolve("."), guard)
    assert [(m.name, m.location, m.states, [(t.source, t.target) for t in m.transitions]) for m in found.machines] == [
        ("State", "disk/lib.rs:1", ["Empty", "Full"], [("Empty", "Full"), ("Full", "Empty")]),
        ("State", "net/lib.rs:1", ["Idle", "Busy"], [("Idle", "Busy"), ("Busy", "Idle")]),
    ]


def test_catch_all_arms_cover_the_states_the_other_arms_do_not(tmp_path: Path) -> None:
    (tmp_path / "job.py").write_text(
        """from enum import Enum


class JobStatus(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def on_tick(job):
    match job.status:
        case JobStatus.QUEUED:
            job.status = JobStatus.RUNNING
        case JobStatus.DONE:
            pass
        case _:
            job.status = JobStatus.FAILED
"""
    )
    (tmp_path / "light.ts").write_text(
        """type LightState = 'red' | 'green' | 'amber' | 'off';
export function next(s: LightState): LightState {
  switch (s) {
    case 'red':
      return 'green';
    case 'green':
      return 'amber';
    default:
      return 'red';
  }
}
"""
    )
    guard = PathGuard([tmp_path])
    job, light = extract_state_machines(guard.resolve("."), guard).machines
    assert _edges(job) == [("QUEUED", "RUNNING", None, ["job.py:13"]), ("RUNNING", "FAILED", None, ["job.py:17"])]
    # DONE = "done" is a member, not a constant listing terminal states
    assert (job.terminal, job.terminal_basis, job.unreachable, job.dead_ends) == (
        ["DONE", "FAILED"],
        "inferred",
        ["DONE"],
        [],
    )
    assert _edges(light) == [
        ("red", "green", None, ["light.ts:4"]),
        ("green", "amber", None, ["light.ts:6"]),
        ("amber", "red", None, ["light.ts:8"]),
        ("off", "red", None, ["light.ts:8"]),
    ]
    assert light.unreachable == ["off"]


def test_gitignored_and_vendored_files_are_skipped(tmp_path: Path) -> None:
    source = "pub enum DoorState { Open, Shut }\npub fn f(s: DoorState) -> DoorState { match s { DoorState::Open => DoorState::Shut, DoorState::Shut => DoorState::Open } }\n"
    for d in ("src", "generated", "node_modules/x", "target/debug"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "door.rs").write_text(source)
    (tmp_path / ".gitignore").write_text("generated/\n")
    guard = PathGuard([tmp_path])
    found = extract_state_machines(guard.resolve("."), guard)
    assert [m.location for m in found.machines] == ["src/door.rs:1"]
    assert found.files_scanned == 1


def test_ruby_aasm_and_state_machines_declarations(tmp_path: Path) -> None:
    (tmp_path / "job.rb").write_text(RUBY_JOBS)
    guard = PathGuard([tmp_path])
    job, vehicle = extract_state_machines(guard.resolve("."), guard).machines
    assert (job.name, job.kind, job.states, job.initial) == (
        "Job",
        "ruby aasm",
        ["sleeping", "running", "cleaning", "failed"],
        ["sleeping"],
    )
    assert _edges(job) == [
        ("sleeping", "running", "run", ["job.rb:9"]),
        ("running", "sleeping", "sleep", ["job.rb:17"]),
        ("running", "cleaning", "clean", ["job.rb:13"]),
        ("running", "failed", "crash", ["job.rb:21"]),
        ("cleaning", "sleeping", "sleep", ["job.rb:17"]),
    ]
    assert (job.terminal, job.unreachable, job.dead_ends) == (["failed"], [], [])
    assert (vehicle.name, vehicle.kind, vehicle.location, vehicle.initial) == (
        "Vehicle",
        "ruby state_machines",
        "job.rb:26",
        ["parked"],
    )
    assert _edges(vehicle) == [
        ("parked", "idling", "ignite", ["job.rb:29"]),
        ("idling", "parked", "park", ["job.rb:32"]),
        ("idling", "first_gear", "shift_up", ["job.rb:34"]),
        ("first_gear", "parked", "park", ["job.rb:32"]),
    ]


RUBY_JOBS = """class Job < ApplicationRecord
  include AASM

  aasm do
    state :sleeping, initial: true
    state :running, :cleaning, :failed

    event :run do
      transitions from: :sleeping, to: :running
    end

    event :clean do
      transitions from: :running, to: :cleaning
    end

    event :sleep do
      transitions from: [:running, :cleaning], to: :sleeping
    end

    event :crash do
      transitions from: :running, to: :failed
    end
  end
end

class Vehicle
  state_machine :state, initial: :parked do
    event :ignite do
      transition :parked => :idling
    end
    event :park do
      transition [:idling, :first_gear] => :parked
    end
    transition :idling => :first_gear, on: :shift_up
  end
end
"""

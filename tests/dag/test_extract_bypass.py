"""Direct state writes outside the machine are bypasses, not transitions; guards before a match do not invent moves.

fixtures/dag/rust_finalizer is written the way tasker-core's task finaliser writes its transitions
(a helper building the transition record by hand, called from a match after guard clauses).
"""

from __future__ import annotations

from pathlib import Path

from semgraph.dag.extract import extract_state_machines
from semgraph.paths import PathGuard

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "dag"


def _run():
    guard = PathGuard([ROOT])
    return extract_state_machines(guard.resolve("rust_finalizer"), guard)


def test_the_machine_keeps_only_its_own_transitions() -> None:
    (m,) = _run().machines
    assert [(t.source, t.target) for t in m.transitions] == [
        ("Queued", "Running"),
        ("Queued", "Cancelled"),
        ("Running", "Reviewing"),
        ("Running", "Failed"),
        ("Running", "Cancelled"),
        ("Reviewing", "Done"),
        ("Reviewing", "Cancelled"),
    ]
    assert all(loc.startswith("rust_finalizer/src/machine/mod.rs:") for t in m.transitions for loc in t.locations)


def test_direct_writes_are_reported_as_bypasses_with_file_and_line() -> None:
    got = [(b.machine, b.source, b.target, b.location, b.function, b.via, b.in_test) for b in _run().bypasses]
    assert got == [
        (
            "JobState",
            "Reviewing",
            "Done",
            "rust_finalizer/src/finalizer.rs:17",
            "finish_job",
            "write_transition (NewJobTransition)",
            False,
        ),
        # ``_ =>`` after the guards: not Done or Cancelled (ruled out above), not Reviewing/Queued (other arms)
        (
            "JobState",
            "Running",
            "Failed",
            "rust_finalizer/src/finalizer.rs:21",
            "finish_job",
            "write_transition (NewJobTransition)",
            False,
        ),
        ("JobState", None, "Queued", "rust_finalizer/src/finalizer.rs:34", "builds_a_row", "NewJobTransition", True),
        ("JobState", None, None, "rust_finalizer/src/finalizer.rs:6", "write_transition", "NewJobTransition", False),
    ]


def test_the_machines_own_persistence_is_not_a_bypass() -> None:
    assert not [b for b in _run().bypasses if "persistence.rs" in b.location]


def test_three_part_arms_that_return_true_are_moves_on_an_event(tmp_path: Path) -> None:
    """``(Pending, StepsInProcess, Start) => true`` in a guard's match, as the orchestrator's can_transition writes it."""
    (tmp_path / "guard.rs").write_text(
        "pub enum RunState { Pending, Running, Done }\n"
        "pub enum RunEvent { Start, Finish }\n"
        "use RunEvent::*;\nuse RunState::*;\n"
        "pub fn can_transition(from: RunState, to: RunState, event: &RunEvent) -> bool {\n"
        "    match (from, to, event) {\n"
        "        (Pending, Running, Start) => true,\n"
        "        (Running, Done, Finish) => true,\n"
        "        _ => false,\n"
        "    }\n"
        "}\n"
    )
    guard = PathGuard([tmp_path])
    (m,) = extract_state_machines(guard.resolve("."), guard).machines
    assert [(t.source, t.target, t.event, t.locations) for t in m.transitions] == [
        ("Pending", "Running", "Start", ["guard.rs:7"]),
        ("Running", "Done", "Finish", ["guard.rs:8"]),
    ]

"""Mermaid diagrams: a step DAG coloured by state, and a state machine as a state diagram.

Node ids are generated (``s0``, ``s1`` …) and labels quoted, so any step name
is safe. Large graphs are cut at ``max_nodes`` with a note node saying so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

STATE_STYLES: dict[str, str] = {
    "pending": "fill:#eeeeee,stroke:#999999,color:#333333",
    "ready": "fill:#fff3b0,stroke:#c9a400,color:#333333",
    "enqueued": "fill:#d6e9ff,stroke:#3b82f6,color:#1e3a8a",
    "in_progress": "fill:#bfdbfe,stroke:#2563eb,color:#1e3a8a",
    "enqueued_for_orchestration": "fill:#c7d2fe,stroke:#4f46e5,color:#1e1b4b",
    "enqueued_as_error_for_orchestration": "fill:#fecaca,stroke:#dc2626,color:#450a0a",
    "waiting_for_retry": "fill:#fed7aa,stroke:#ea580c,color:#431407",
    "complete": "fill:#bbf7d0,stroke:#16a34a,color:#052e16",
    "resolved_manually": "fill:#d9f99d,stroke:#65a30d,color:#1a2e05",
    "error": "fill:#f87171,stroke:#b91c1c,color:#ffffff",
    "cancelled": "fill:#d4d4d4,stroke:#525252,color:#171717",
    "blocked": "fill:#fca5a5,stroke:#7f1d1d,color:#450a0a,stroke-dasharray:4 2",
}


def _label(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def dag_flowchart(
    names: Sequence[str],
    parents: Mapping[str, Sequence[str]],
    classes: Mapping[str, str],
    *,
    max_nodes: int = 200,
) -> tuple[str, bool]:
    """``flowchart TD`` of the steps (template order) with one class per state; returns (text, truncated)."""
    shown = list(names[:max_nodes])
    ids = {n: f"s{i}" for i, n in enumerate(shown)}
    lines = ["flowchart TD"]
    for n in shown:
        lines.append(f'    {ids[n]}["{_label(n)}"]')
    for n in shown:
        for p in parents.get(n, ()):
            if p in ids:
                lines.append(f"    {ids[p]} --> {ids[n]}")
    truncated = len(names) > max_nodes
    if truncated:
        lines.append(f'    more["… {len(names) - max_nodes} more steps not drawn"]')
    used = sorted({classes.get(n, "pending") for n in shown})
    for cls in used:
        lines.append(f"    classDef {cls} {STATE_STYLES.get(cls, STATE_STYLES['pending'])}")
    by_class: dict[str, list[str]] = {}
    for n in shown:
        by_class.setdefault(classes.get(n, "pending"), []).append(ids[n])
    for cls in used:
        lines.append(f"    class {','.join(by_class[cls])} {cls}")
    return "\n".join(lines), truncated


def state_diagram(
    states: Iterable[str],
    transitions: Iterable[tuple[str, str, str]],
    *,
    initial: Iterable[str] = (),
    terminal: Iterable[str] = (),
    max_edges: int = 300,
) -> str:
    """``stateDiagram-v2`` with ``[*]`` arrows for initial and terminal states; edges labelled by event."""
    ids: dict[str, str] = {}
    lines = ["stateDiagram-v2"]
    for i, s in enumerate(states):
        ids[s] = f"st{i}"
        lines.append(f'    state "{_label(s)}" as st{i}')
    for s in initial:
        if s in ids:
            lines.append(f"    [*] --> {ids[s]}")
    edges = list(transitions)
    for src, dst, event in edges[:max_edges]:
        if src in ids and dst in ids:
            label = f" : {_label(event)}" if event else ""
            lines.append(f"    {ids[src]} --> {ids[dst]}{label}")
    if len(edges) > max_edges:
        lines.append(f"    note right of {next(iter(ids.values()))} : {len(edges) - max_edges} more transitions")
    for s in terminal:
        if s in ids:
            lines.append(f"    {ids[s]} --> [*]")
    return "\n".join(lines)

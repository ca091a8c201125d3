"""Steps the orchestrator creates at run time: batch workers, decision branches, deferred convergence.

Read from the orchestrator's ``TaskTemplate::initial_step_set`` and its batch / decision services:

- a task starts with its *initial step set*: without decision steps, every step but ``batch_worker``
  templates and ``deferred_convergence`` steps; with decision steps, every step that is neither a
  ``batch_worker`` template nor below a decision step;
- a ``batch_worker`` step is a template: a batchable step's result makes the orchestrator create
  instances named ``{template}_{batch_id}`` (``_000`` is the placeholder of a batch with no work),
  each depending on the template's dependencies; the template itself never runs;
- a decision step's result names the branches to create, and the orchestrator creates them with every
  step they lead to up to the next decision step; the others never exist;
- a ``deferred_convergence`` step is created with the workers or branches when one of its declared
  dependencies is created; it then depends on the created ones (a batch template stands for all of
  its instances).

A state snapshot says what exists: the initial set always, a dynamic step once it is named there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from semgraph.dag.template import StepStatus
from semgraph.dag.validate import StepGraph


@dataclass
class Dynamic:
    initial: set[str]
    types: dict[str, str]
    instances: dict[str, list[str]] = field(default_factory=dict)  # batch template -> instance names
    instance_of: dict[str, str] = field(default_factory=dict)
    exists: set[str] = field(default_factory=set)
    not_created: dict[str, tuple[str, str]] = field(default_factory=dict)  # step -> (category, reason)
    parents: dict[str, list[str]] = field(default_factory=dict)  # where they differ from the template's

    @property
    def has_dynamic_steps(self) -> bool:
        return any(t != "standard" and t != "batchable" for t in self.types.values())


def _decision_ancestors(sg: StepGraph, decisions: set[str]) -> dict[str, list[str]]:
    """For each step below a decision step, the decision steps above it (template order)."""
    import networkx as nx

    acc: dict[str, set[str]] = {}
    for d in decisions:
        for n in nx.descendants(sg.graph, d):
            acc.setdefault(n, set()).add(d)
    return {n: [d for d in sg.names if d in ds] for n, ds in acc.items()}


def plan(sg: StepGraph, states: dict[str, StepStatus]) -> Dynamic:
    """What exists for this snapshot, what does not (and why), and the parents of what exists."""
    steps = {s.name: s for s in reversed(sg.template.steps)}
    types = {n: steps[n].step_type for n in sg.names}
    if all(t == "standard" or t == "batchable" for t in types.values()):
        # the common case, kept cheap for 100,000-step templates: everything exists from the start
        return Dynamic(initial=set(sg.names), types=types, exists=set(sg.names))
    decisions = {n for n, t in types.items() if t == "decision"}
    templates = [n for n, t in types.items() if t == "batch_worker"]
    below = _decision_ancestors(sg, decisions) if decisions else {}
    if decisions:
        initial = {n for n in sg.names if n not in below and types[n] != "batch_worker"}
    else:
        initial = {n for n in sg.names if types[n] not in ("batch_worker", "deferred_convergence")}
    dyn = Dynamic(initial=initial, types=types)
    if templates:
        patterns = {t: re.compile(re.escape(t) + r"_\w+$") for t in templates}
        for name in states:
            if name in sg.index:
                continue
            for t in sorted(templates, key=len, reverse=True):
                if patterns[t].match(name):
                    dyn.instances.setdefault(t, []).append(name)
                    dyn.instance_of[name] = t
                    break
    created = set(initial) | {n for n in states if n in sg.index and types[n] != "batch_worker"}
    # a decision creates the chosen steps and everything they lead to up to the next decision
    frontier = [n for n in created if n in below and types[n] != "decision"]
    while frontier:
        for child in sg.graph.successors(frontier.pop()):
            if child in below and child not in created and types[child] not in ("batch_worker", "deferred_convergence"):
                created.add(child)
                if types[child] != "decision":
                    frontier.append(child)
    created_or_batched = created | set(dyn.instances)
    for n in sg.names:
        if (
            types[n] == "deferred_convergence"
            and n not in created
            and any(d in created_or_batched and d not in initial for d in sg.parents[n])
        ):
            created.add(n)
    dyn.exists = created | set(dyn.instance_of)
    for n in sg.names:
        if n in created:
            continue
        t = types[n]
        if t == "batch_worker":
            count = len(dyn.instances.get(n, []))
            batchers = ", ".join(repr(p) for p in sg.parents[n]) or "a batchable step"
            dyn.not_created[n] = (
                "batch_template",
                f"a batch worker template: it never runs itself; {batchers} creates instances named {n}_<batch_id>"
                + (f" ({count} in the snapshot)" if count else " (none yet)"),
            )
        elif n in below:
            ds = below[n]
            chosen_elsewhere = [
                d for d in ds if _state(states, d) in ("complete", "resolved_manually") and _chose_any(d, below, states)
            ]
            if chosen_elsewhere:
                dyn.not_created[n] = (
                    "not_chosen",
                    f"decision {chosen_elsewhere[0]!r} completed without creating this branch: it will not run",
                )
            else:
                dyn.not_created[n] = (
                    "not_created",
                    f"created only if decision {ds[-1]!r} chooses it (the decision has not created it yet)",
                )
        else:
            deps = ", ".join(repr(d) for d in sg.parents[n])
            dyn.not_created[n] = (
                "not_created",
                f"deferred convergence: created when one of {deps} is created (batch workers or a decision's branch)",
            )
    for n in dyn.exists:  # parents differ from the template's only for instances and convergence steps
        if n in dyn.instance_of:
            dyn.parents[n] = list(sg.parents[dyn.instance_of[n]])
        elif types.get(n) == "deferred_convergence":
            ps: list[str] = []
            for d in sg.parents[n]:
                if types.get(d) == "batch_worker":
                    ps.extend(dyn.instances.get(d, []))
                elif d in created:
                    ps.append(d)
            dyn.parents[n] = ps
    return dyn


def _state(states: dict[str, StepStatus], name: str) -> str:
    s = states.get(name)
    return s.state.value if s is not None else "pending"


def _chose_any(decision: str, below: dict[str, list[str]], states: dict[str, StepStatus]) -> bool:
    """Whether the snapshot holds a step created by ``decision`` (so it has chosen, and chose others)."""
    return any(decision in ds and n in states for n, ds in below.items())

"""Ruby/Rails-style state machines: Statesman, AASM and state_machines declarations, and status constants.

No Ruby tree-sitter grammar ships with semgraph, so this reader works line by
line on the declarative forms these libraries use, which are regular enough:

- ``state :pending, initial: true`` / ``state :a, :b`` / ``state Statuses::PENDING``
- ``transition from: :pending, to: [:running, :cancelled]`` (Statesman),
  ``transitions from: [:a, :b], to: :c`` inside ``event :go do`` (AASM),
  ``transition :a => :b`` / ``transition [:a, :b] => :c, on: :go`` (state_machines)
- status constant modules: ``module StepStatuses; PENDING = 'pending'; …; end``
"""

from __future__ import annotations

import re

from semgraph.dag.extract import STATE_ENUM_RE, ExtractedMachine, StateTransition, assemble

_CLASS = re.compile(r"^\s*(class|module)\s+([A-Z][\w:]*)")
_CONST = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*=\s*['\"]([^'\"]+)['\"]\s*(?:\.freeze)?\s*$")
_STATE = re.compile(r"^\s*state\s+(.+)$")
_EVENT = re.compile(r"^\s*event\s+:(\w+)")
_FROM_TO = re.compile(r"^\s*transitions?\s*\(?\s*from:\s*(.+?),\s*to:\s*(.+?)\s*\)?\s*(?:#.*)?$")
_ARROW = re.compile(r"^\s*transition\s+(.+?)\s*=>\s*(.+?)(?:,\s*on:\s*:(\w+))?\s*(?:#.*)?$")
_ITEM = re.compile(r"%i\[([^\]]*)\]|:(\w+)|([A-Z][\w]*(?:::[A-Z][\w]*)*)|['\"](\w+)['\"]")


def _items(text: str, constants: dict[str, str]) -> list[str]:
    """State names from ``:a``, ``[:a, :b]``, ``%i[a b]``, ``Mod::CONST`` or ``'a'``."""
    out: list[str] = []
    for m in _ITEM.finditer(text.split(" if:")[0].split(" unless:")[0]):
        if m.group(1) is not None:
            out.extend(m.group(1).split())
        elif m.group(2):
            out.append(m.group(2))
        elif m.group(3):
            const = m.group(3).split("::")[-1]
            out.append(constants.get(const, const.lower()))
        elif m.group(4):
            out.append(m.group(4))
    return [s for s in out if s not in ("initial", "true", "false")]


def extract(text: str, rel: str) -> list[ExtractedMachine]:
    """Every state machine declared in one Ruby file (status constant modules are used to resolve names)."""
    lines = _joined(text.splitlines())
    constants: dict[str, str] = {}
    for _i, line in lines:
        if m := _CONST.match(line):
            constants[m.group(1)] = m.group(2)
    machines: list[ExtractedMachine] = []
    current: dict | None = None
    event: str | None = None

    def flush() -> None:
        if current and current["transitions"]:
            states = list(current["states"])
            for t in current["transitions"]:
                for s in (t.source, t.target):
                    if s not in states:
                        states.append(s)
            initial = current["initial"] or states[:1]
            machines.append(
                assemble(
                    current["name"], current["kind"], current["location"], states, current["transitions"], initial, None
                )
            )

    for i, line in lines:
        if m := _CLASS.match(line):
            name = m.group(2).split("::")[-1]
            # every class starts a new machine; a module only when nothing is open (``module Constants``
            # around status constants must not end the machine being read)
            if m.group(1) == "class" or current is None or STATE_ENUM_RE.search(name):
                flush()
                current = {
                    "name": name,
                    "kind": "ruby state machine",
                    "location": f"{rel}:{i}",
                    "states": [],
                    "initial": [],
                    "transitions": [],
                }
                event = None
            continue
        if current is None:
            continue
        stripped = line.strip()
        if "Statesman::Machine" in stripped:
            current["kind"] = "ruby statesman"
        elif stripped.startswith("include AASM") or stripped.startswith("aasm"):
            current["kind"] = "ruby aasm"
        elif stripped.startswith("state_machine"):
            current["kind"] = "ruby state_machines"
            if init := re.search(r"initial:\s*:(\w+)", stripped):
                current["initial"] = [init.group(1)]
                if init.group(1) not in current["states"]:
                    current["states"].append(init.group(1))
        if m := _STATE.match(line):
            names = _items(m.group(1), constants)
            for s in names:
                if s not in current["states"]:
                    current["states"].append(s)
            if re.search(r"initial:\s*true", m.group(1)) and names:
                current["initial"] = names[:1]
            continue
        if m := _EVENT.match(line):
            event = m.group(1)
            continue
        if m := _FROM_TO.match(line):
            sources, targets = _items(m.group(1), constants), _items(m.group(2), constants)
            _add(current["transitions"], sources, targets, event, f"{rel}:{i}")
            continue
        if m := _ARROW.match(line):
            sources, targets = _items(m.group(1), constants), _items(m.group(2), constants)
            _add(current["transitions"], sources, targets, m.group(3) or event, f"{rel}:{i}")
    flush()
    return machines


def _add(out: list[StateTransition], sources: list[str], targets: list[str], event: str | None, where: str) -> None:
    for s in sources:
        for t in targets:
            if s == t:
                continue
            for existing in out:
                if (existing.source, existing.target, existing.event) == (s, t, event):
                    existing.locations.append(where)
                    break
            else:
                out.append(StateTransition(source=s, target=t, event=event, locations=[where]))


def _joined(raw: list[str]) -> list[tuple[int, str]]:
    """Lines with continuations (a trailing comma or backslash) joined, each with its first line number."""
    out: list[tuple[int, str]] = []
    buf = ""
    start = 0
    for i, line in enumerate(raw, start=1):
        if not buf:
            start = i
        stripped = line.rstrip()
        if stripped.endswith((",", "\\")):
            buf += stripped.rstrip("\\") + " "
            continue
        out.append((start, buf + (line.strip() if buf else line)))
        buf = ""
    if buf:
        out.append((start, buf))
    return out

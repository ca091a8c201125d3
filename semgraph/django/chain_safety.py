"""Where in ``Model.manager.a(…).b(…)`` a ``.select_related(…)`` / ``.only(…)`` may be written.

A position is safe when the expression there is a QuerySet of the model (the manager itself, a standard
QuerySet method, or a custom method whose every ``return`` is a QuerySet chain) and every call after it
exists on a QuerySet (standard methods, or methods of the QuerySet class the manager was built from with
``as_manager()`` / ``from_queryset()``). ``Release.objects.only(…).current()`` fails at run time when
``current`` is a plain manager method; such a chain gets no edit, and the finding says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from semgraph.django.model_graph import ModelGraph, ModelInfo
from semgraph.django.support_classes import RETURNS_QUERYSET, RETURNS_ROWS, TERMINAL

SLICE = "[]"


@dataclass
class ManagerMethods:
    """Custom methods reachable from a model's manager: on the manager only, and on its QuerySets too."""

    on_manager: dict[str, bool]  # method → known to return a QuerySet
    on_queryset: dict[str, bool]
    # methods the manager class itself defines over its QuerySet's (ReleaseManager.latest_python3() → .first()):
    # moved onto a QuerySet (Release.objects.select_related(…).latest_python3()) they would run the QuerySet's
    overridden: frozenset[str] = frozenset()


def manager_methods(graph: ModelGraph, model: ModelInfo, manager: str) -> ManagerMethods:
    """The custom methods of ``model.<manager>`` read from the project's Manager / QuerySet classes."""
    written = model.managers.get(manager, "")
    on_manager: dict[str, bool] = {}
    on_queryset: dict[str, bool] = {}
    overridden: set[str] = set()
    if "from_queryset(" in written:
        head, _, rest = written.partition(".from_queryset(")
        manager_cls = graph.manager_classes.get(head.rsplit(".", 1)[-1])
        qs_cls = graph.manager_classes.get(rest.split(")", 1)[0].strip().rsplit(".", 1)[-1])
        if manager_cls is not None:
            on_manager.update(manager_cls.returns_queryset)
        if qs_cls is not None:
            on_queryset.update(qs_cls.returns_queryset)
        overridden = set(on_manager) & set(on_queryset)
    else:
        cls = graph.manager_classes.get(written.rsplit(".", 1)[-1]) if written else None
        if cls is not None and cls.is_queryset:  # QS.as_manager()
            on_queryset.update(cls.returns_queryset)
        elif cls is not None:
            # class M(Manager.from_queryset(QS)): QS's methods exist on M and on its QuerySets; M's own win on M
            qs_cls = graph.manager_classes.get(cls.queryset_class) if cls.queryset_class else None
            if qs_cls is not None:
                on_queryset.update(qs_cls.returns_queryset)
                on_manager.update(qs_cls.returns_queryset)
                overridden = set(cls.returns_queryset) & set(qs_cls.returns_queryset)
            on_manager.update(cls.returns_queryset)
    return ManagerMethods(on_manager, {**on_queryset}, frozenset(overridden))


def insertion_index(methods: list[str], known: ManagerMethods) -> tuple[int | None, str]:
    """Index of the call after which to write (-1: right after the manager), earliest safe one; or None + why.

    ``methods`` are the calls of the chain, innermost first (``SLICE`` for a ``[…]``).
    """

    def callable_on_queryset(m: str) -> bool:
        return m in RETURNS_QUERYSET or m in TERMINAL or m in RETURNS_ROWS or m in known.on_queryset or m == SLICE

    def yields_queryset(k: int) -> bool:
        if k < 0:
            return True
        m = methods[k]
        if m in RETURNS_QUERYSET:
            return True
        if k == 0 and m in known.overridden:  # called on the manager: the manager's own version runs
            return known.on_manager[m]
        if m in known.on_queryset:
            return known.on_queryset[m]
        if k == 0 and m in known.on_manager:
            return known.on_manager[m]
        return False

    for k in range(-1, len(methods)):
        if k >= 0 and (methods[k] in TERMINAL or methods[k] in RETURNS_ROWS or methods[k] == SLICE):
            break
        if k == -1 and methods and methods[0] in known.overridden:
            continue  # the manager's own version would give way to the QuerySet's
        if yields_queryset(k) and all(callable_on_queryset(m) for m in methods[k + 1 :]):
            return k, ""
    custom = next((m for m in methods if not callable_on_queryset(m)), None)
    if custom is not None:
        return None, (
            f"{custom}() is a custom manager/queryset method not known to return a QuerySet: nothing is written "
            "after it, and a QuerySet method before it would hide it"
        )
    return None, "no point of the chain is provably a QuerySet of the model"

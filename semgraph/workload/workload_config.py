"""User workload configs (TOML/YAML): an operation mix, custom SQL with typed parameters, transactions.

Example (YAML)::

    name: checkout
    mix: {point_select: 5, join: 2}
    operations:
      - name: place_order
        weight: 1
        transaction:
          - INSERT INTO orders (customer_id, status, total, created_at) VALUES (:cid, 'new', :total, :ts)
          - UPDATE products SET stock = stock - 1 WHERE id = :pid
        params:
          cid: {kind: fk, table: customers, column: id}
          pid: {kind: fk, table: products, column: id}
          total: {kind: decimal, min: 5, max: 500}
          ts: {kind: timestamp}

Parameters are always bound (never pasted into the SQL), so values cannot inject SQL. Whether a statement
reads, writes or is refused is decided by ``readonly.classify`` (a SQL parser) once the dialect is known.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from semgraph.workload.generators import GeneratorSpec
from semgraph.workload.patterns import OPERATION_KINDS

_STRINGS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|--[^\n]*|/\*.*?\*/", re.DOTALL)


def strip_literals(sql: str) -> str:
    """SQL without string literals, quoted identifiers and comments."""
    return _STRINGS.sub(" ", sql)


class CustomOperation(BaseModel):
    """One custom operation: a single statement (``sql``) or several in one transaction."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    weight: float = Field(1.0, gt=0)
    sql: str | None = None
    transaction: list[str] | None = None
    params: dict[str, GeneratorSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_form(self) -> CustomOperation:
        if (self.sql is None) == (self.transaction is None):
            raise ValueError(f"operation {self.name!r}: give exactly one of 'sql' or 'transaction'")
        for stmt in self.statements:
            body = strip_literals(stmt).strip().rstrip(";")
            if not body:
                raise ValueError(f"operation {self.name!r}: empty statement")
            if ";" in body:
                raise ValueError(
                    f"operation {self.name!r}: one statement per entry (found ';'); use 'transaction' for several"
                )
        return self

    @property
    def statements(self) -> list[str]:
        return [s.strip().rstrip(";").strip() for s in (self.transaction or [self.sql or ""])]


class WorkloadConfig(BaseModel):
    """A user workload: built-in kinds with weights and/or custom operations."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field("custom", min_length=1, max_length=64)
    mix: dict[Literal[OPERATION_KINDS], float] = Field(default_factory=dict)  # type: ignore[valid-type]
    tables: list[str] | None = Field(None, description="Restrict generated operations to these tables.")
    operations: list[CustomOperation] = Field(default_factory=list)
    connections: int | None = Field(None, ge=1, le=64)
    target_tps: float | None = Field(None, gt=0, le=100_000)
    duration_s: float | None = Field(None, gt=0, le=3600)
    arrival: Literal["constant", "poisson"] | None = None

    @model_validator(mode="after")
    def _something(self) -> WorkloadConfig:
        if not self.mix and not self.operations:
            raise ValueError("the config needs a 'mix' of operation kinds or custom 'operations'")
        if any(w < 0 for w in self.mix.values()):
            raise ValueError("mix weights must be >= 0")
        names = [op.name for op in self.operations]
        if len(set(names)) != len(names):
            raise ValueError("custom operation names must be unique")
        return self

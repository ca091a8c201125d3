"""Seed configuration (TOML or YAML): rows and a generator per table and column.

Example (TOML)::

    seed = 7
    [tables.customers]
    rows = 500
    [tables.customers.columns.email]
    kind = "email"
    unique = true
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from semgraph.errors import InvalidInputError, SourceParseError
from semgraph.workload.generators import DEFAULT_ANCHOR, GeneratorSpec

SIZES: dict[str, int] = {"small": 1_000, "medium": 10_000, "large": 100_000}
"""Rows per table for each ``size`` preset."""


class TableSeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: int | None = Field(None, ge=0, le=100_000_000)
    columns: dict[str, GeneratorSpec] = Field(default_factory=dict)


class SeedConfig(BaseModel):
    """What to seed and how; everything is optional (generators are inferred)."""

    model_config = ConfigDict(extra="forbid")

    seed: int | None = None
    size: Literal["small", "medium", "large"] | None = None
    rows: int | None = Field(None, ge=0, le=100_000_000)
    batch_size: int = Field(10_000, ge=1, le=200_000)
    anchor: dt.datetime = DEFAULT_ANCHOR
    order: list[str] = Field(
        default_factory=list, description="Tables to load first, in this order (foreign keys permitting)."
    )
    cycle_breaks: list[str] = Field(
        default_factory=list,
        description="'table.column' foreign keys loaded before their parent to break a cycle "
        "(nullable: NULL then filled; NOT NULL: the parent's future keys with FK checks off, then verified).",
    )
    tables: dict[str, TableSeed] = Field(default_factory=dict)


def parse_config_text(text: str, *, name: str, model: type[BaseModel]) -> Any:
    """Parse TOML or YAML text (by ``name``'s extension, else try TOML then YAML) into ``model``."""
    suffix = Path(name).suffix.lower()
    data: Any
    if suffix == ".toml" or (suffix not in {".yaml", ".yml"} and _looks_toml(text)):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
            raise SourceParseError(
                re.sub(r"\s*\(at line.*\)", "", str(exc)),
                file=name,
                line=int(m.group(1)) if m else None,
                column=int(m.group(2)) if m else None,
                hint="fix the TOML syntax",
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise SourceParseError(
                str(getattr(exc, "problem", None) or exc),
                file=name,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
                hint="fix the YAML syntax",
            ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInputError(f"{name}: the config must be a mapping at the top level")
    return validate_config(data, name=name, model=model)


def validate_config(data: dict[str, Any], *, name: str, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors()[:8]:
            loc = ".".join(str(p) for p in err["loc"]) or "(top)"
            parts.append(f"{loc}: {err['msg']}")
        raise InvalidInputError(f"{name}: invalid config: " + "; ".join(parts), hint="see docs/workload.md") from None


def _looks_toml(text: str) -> bool:
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        return s.startswith("[") or bool(re.match(r"^[\w\"'.-]+\s*=", s))
    return False


def load_seed_config(path: Path) -> SeedConfig:
    return parse_config_text(path.read_text(encoding="utf-8"), name=path.name, model=SeedConfig)

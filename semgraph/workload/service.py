"""What the MCP tools and the CLI share: resolve a DSN and configs, run, store.

Why a module: the default DSN (a SQLite file in the index directory with the
demo shop schema), config loading through the path guard and the
allow-writes rule must behave the same from both front ends.
"""

from __future__ import annotations

import asyncio
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

from semgraph.config import Settings
from semgraph.errors import InvalidInputError
from semgraph.paths import PathGuard
from semgraph.progress import ProgressFn
from semgraph.workload.dsn import DSN, parse_dsn
from semgraph.workload.runner import RunResult, RunSpec, run_workload
from semgraph.workload.runs import RunStore
from semgraph.workload.seed_config import SeedConfig, parse_config_text, validate_config
from semgraph.workload.seeder import SeedResult, seed_database
from semgraph.workload.workload_config import WorkloadConfig

DEFAULT_DB_NAME = "workload.db"


def shop_sqlite_schema() -> str:
    """The demo shop schema for SQLite, as shipped in the package (one copy for the default DSN, tests and bench)."""
    return resources.files("semgraph.workload").joinpath("data/shop.sqlite.sql").read_text()


def run_async(coro: Any) -> Any:
    """Run a coroutine on uvloop when it is installed (faster drivers: the CLI and benchmarks), else asyncio."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - optional speed-up
        return asyncio.run(coro)
    return uvloop.run(coro)


def default_dsn(settings: Settings) -> DSN:
    """The embedded default: ``<index dir>/workload.db``, created with the demo shop schema if empty."""
    path = settings.index_dir / DEFAULT_DB_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        has_tables = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if not has_tables:
            conn.executescript(shop_sqlite_schema())
    return DSN(dialect="sqlite", database=path.name, path=path)


def resolve_dsn(text: str | None, settings: Settings, guard: PathGuard) -> DSN:
    if not text:
        return default_dsn(settings)
    dsn = parse_dsn(text, guard)
    if dsn.path is not None and dsn.path.resolve() == settings.db_path.resolve():
        raise InvalidInputError(
            "that DSN is semgraph's own index database", hint="seed or load-test another file, e.g. sqlite:///shop.db"
        )
    return dsn


def load_config(path: str | None, data: dict[str, Any] | None, guard: PathGuard, model: type[Any]) -> Any:
    """A config from a TOML/YAML file under the roots, or inline data (not both)."""
    if path and data:
        raise InvalidInputError("give config (a file) or config_data (inline), not both")
    if path:
        real = guard.resolve(path, kind="file")
        return parse_config_text(real.read_text(encoding="utf-8"), name=guard.relative(real), model=model)
    if data is not None:
        return validate_config(data, name="config_data", model=model)
    return None


def require_writes(allow_writes: bool, dsn: DSN, what: str) -> None:
    if not allow_writes:
        raise InvalidInputError(
            f"{what} writes to {dsn.redacted} but allow_writes is false",
            hint="pass allow_writes=true to confirm this database may be written to",
        )


async def seed(
    settings: Settings,
    guard: PathGuard,
    *,
    dsn: str | None,
    config: str | None = None,
    config_data: dict[str, Any] | None = None,
    allow_writes: bool,
    progress: ProgressFn | None = None,
    **options: Any,
) -> SeedResult:
    target = resolve_dsn(dsn, settings, guard)
    require_writes(allow_writes, target, "seeding")
    cfg: SeedConfig | None = load_config(config, config_data, guard, SeedConfig)
    return await seed_database(target, cfg, progress=progress, **options)


def prepare_run(
    settings: Settings,
    guard: PathGuard,
    *,
    dsn: str | None,
    pattern: str | None,
    config: str | None,
    config_data: dict[str, Any] | None,
    seed_config: str | None = None,
    seed_config_data: dict[str, Any] | None = None,
    **options: Any,
) -> tuple[DSN, RunSpec]:
    target = resolve_dsn(dsn, settings, guard)
    cfg: WorkloadConfig | None = load_config(config, config_data, guard, WorkloadConfig)
    seeding: SeedConfig | None = load_config(seed_config, seed_config_data, guard, SeedConfig)
    if seeding is not None:
        options["seed_config"] = seeding
    if pattern is None and cfg is None:
        pattern = "balanced" if options.get("allow_writes") else "reporting"
    spec_data = {k: v for k, v in options.items() if v is not None}
    spec = RunSpec.model_validate({"pattern": pattern, "config": cfg, **spec_data})
    return target, spec


async def run_and_store(
    settings: Settings, dsn: DSN, spec: RunSpec, *, progress: ProgressFn | None, stop: asyncio.Event
) -> RunResult:
    """Run and store the result (also a partial one when stopped)."""
    result = await run_workload(dsn, spec, progress=progress, stop=stop)
    RunStore(run_store_path(settings)).save(result)
    return result


def run_store_path(settings: Settings) -> Path:
    return settings.db_path

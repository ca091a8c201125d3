from __future__ import annotations

from pathlib import Path

import pytest

from semgraph.analysis.codebase import Codebase
from tests.analysis.helpers import index_fixture


@pytest.fixture(scope="session")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Codebase]:
    """The labelled evaluation apps (four tuning apps and four hold-outs), indexed once per test session."""
    base: Path = tmp_path_factory.mktemp("eval")
    return {
        name: index_fixture(f"eval/{name}", base)
        for name in (
            "flask_shop",
            "django_billing",
            "actix_store",
            "express_api",
            "fastapi_store",
            "axum_accounts",
            "nest_shop",
            "py_ledger",
        )
    }

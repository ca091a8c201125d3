import pytest

from tests.support import MODES


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Run an end-to-end test in both protocol modes (legacy handshake and newest)."""
    return request.param

from typing import Any

import pytest

from tests.engagement.builders import Network, make_network


@pytest.fixture(autouse=True)
def _no_settle(settings: Any) -> None:
    # The projector reads statements stored at least this long ago; tests read at once.
    settings.KIPINA_PROGRESS_SETTLE_SECONDS = 0


@pytest.fixture
def net(db: None) -> Network:
    return make_network()

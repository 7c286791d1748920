"""Hypothesis profiles of the LRS fuzz tests, and the store they start from.

HYPOTHESIS_PROFILE picks the profile: `ci` (the default) keeps the fuzz tests to about 20
seconds of the suite; `long` is a deliberate hunt of a few minutes:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/learning_records/fuzz

The profiles apply to the fuzz tests only (the FUZZ decorator). They are not registered
with Hypothesis, whose own `ci` profile (loaded when CI is set) the rest of the suite uses.
A failure prints a @reproduce_failure blob, and the local example database replays it.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis
import pytest
from django.db import transaction
from hypothesis import HealthCheck

from tests.conftest import XapiClient
from tests.learning_records.fuzz import world

_COMMON: dict[str, Any] = {
    "deadline": None,
    "derandomize": False,
    "print_blob": True,
    # The fixtures (lrs, settings) are set up once per test and shared by its examples on
    # purpose: each example runs in a savepoint that is rolled back (`rolled_back`).
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}
PROFILES = {
    "ci": hypothesis.settings(max_examples=60, **_COMMON),
    "long": hypothesis.settings(max_examples=1000, **_COMMON),
}
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if _PROFILE not in PROFILES:
    raise pytest.UsageError(
        f"HYPOTHESIS_PROFILE={_PROFILE!r}: the fuzz tests know {', '.join(PROFILES)}"
    )
FUZZ = PROFILES[_PROFILE]
"""Decorate each fuzz test with this (or with `fewer(...)` when its examples are slow)."""


def fewer(share: float) -> hypothesis.settings:
    """The fuzz profile with `share` of its examples, for targets whose examples are slow."""
    return hypothesis.settings(FUZZ, max_examples=max(10, int(FUZZ.max_examples * share)))


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run one example in a savepoint and roll it back, so that its rows never reach the
    next example's "nothing changed" comparison."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(lrs: XapiClient, other_lrs: XapiClient, settings: Any) -> XapiClient:
    """`lrs` with statements, an attachment and documents of every resource already stored,
    and another tenant's too, so that writes meet conflicts, voids, merges and deletes."""
    settings.KIPINA_XAPI_MAX_BODY_BYTES = world.BODY_LIMIT
    world.seed(lrs)
    world.seed(other_lrs)
    return lrs

"""Fixtures of the rules API tests: the network room's `world` (learners, teachers,
employer contacts, administrators) with a second cohort, and /api/rules/ routed.

Test modules import the fixtures they use by name (this folder has no conftest of its own)."""

import json
from typing import Any

import pytest
from django.test import Client

from engagement.network.models import Cohort
from engagement.rules import services
from engagement.rules.models import Rule
from tests.engagement.network.conftest import World, world
from tests.factories import CohortFactory

__all__ = [
    "INACTIVE",
    "World",
    "patch",
    "post",
    "put",
    "rule",
    "rules_urls",
    "sedu_cohort",
    "world",
]

INACTIVE = {"kind": "inactive", "days": 7, "action": {"type": "nudge", "template": "come_back"}}


@pytest.fixture(autouse=True)
def rules_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.engagement.rules.urls"


@pytest.fixture
def rule(world: World) -> Rule:
    return services.rule_create(name="Come back", definition=INACTIVE)


@pytest.fixture
def sedu_cohort(world: World) -> Cohort:
    """Tom teaches this one (with the teacher role at Sedu): a teacher of another cohort."""
    return CohortFactory.create(
        provider=world.sedu, name="Sedu 2026", teachers=[world.other_teacher],
        enrolments=[world.mikko_enrolment],
    )  # fmt: skip


def post(client: Client, path: str, body: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json")


def patch(client: Client, path: str, body: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json")


def put(client: Client, path: str, body: Any) -> Any:
    return client.put(path, json.dumps(body), content_type="application/json")

"""backend/demo/membership.py: one pending application, however often the demo runs."""

import pytest

from backend.demo.membership import demo_membership_seed
from engagement.membership.models import MembershipApplication

pytestmark = pytest.mark.django_db


def test_it_adds_one_pending_application_once():
    first = demo_membership_seed()
    second = demo_membership_seed()

    application = MembershipApplication.objects.get()
    application.full_clean()  # the seed is a valid application
    assert application.status == "pending"
    assert first.endswith("added.")
    assert "already there" in second

"""The demo's fixed data: two organisations, an LRS client with a known secret, an admin.

Idempotent: a second `make demo` finds what the first made and only resets the client's
secret, so the printed credentials are always the working ones.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from engagement.network.models import Organisation
from engagement.network.services import organisation_get_or_create
from learning_records.models import LrsClient
from learning_records.services import lrs_client_create, lrs_client_set_secret

NETWORK_NAME = "Kipinä demo network"
PROVIDER_NAME = "Savonia University of Applied Sciences"
CLIENT_NAME = "Demo LMS (Moodle, Open edX, H5P, cmi5)"
CLIENT_KEY = "demo-lms"
# Printed on every run and in the README: a demo credential, never a production one.
CLIENT_SECRET = "demo-secret-change-me"  # noqa: S105
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 (printed: the embedded demo's admin only)
ADMIN_EMAIL = "admin@kipina.example"


@dataclass(frozen=True)
class DemoSeed:
    network: Organisation
    network_created: bool
    provider: Organisation
    provider_created: bool
    client: LrsClient
    client_created: bool
    admin_created: bool


def demo_client_seed(*, organisation: Organisation) -> tuple[LrsClient, bool]:
    """The demo client of `organisation`, made, or found and given the demo secret again."""
    existing = LrsClient.objects.filter(key=CLIENT_KEY).first()
    if existing is not None:
        lrs_client_set_secret(client=existing, secret=CLIENT_SECRET)
        return existing, False
    client, _ = lrs_client_create(
        organisation=organisation, name=CLIENT_NAME, key=CLIENT_KEY, secret=CLIENT_SECRET
    )
    return client, True


def demo_admin_seed() -> bool:
    """A superuser admin/admin unless a user of that name exists (its password is kept)."""
    users = get_user_model()
    if users.objects.filter(username=ADMIN_USERNAME).exists():
        return False
    users.objects.create_superuser(ADMIN_USERNAME, ADMIN_EMAIL, ADMIN_PASSWORD)
    return True


@transaction.atomic
def demo_seed() -> DemoSeed:
    network, network_created = organisation_get_or_create(
        name=NETWORK_NAME, kind=Organisation.Kind.NETWORK
    )
    provider, provider_created = organisation_get_or_create(
        name=PROVIDER_NAME, kind=Organisation.Kind.UNIVERSITY_OF_APPLIED_SCIENCES
    )
    client, client_created = demo_client_seed(organisation=provider)
    return DemoSeed(
        network=network,
        network_created=network_created,
        provider=provider,
        provider_created=provider_created,
        client=client,
        client_created=client_created,
        admin_created=demo_admin_seed(),
    )

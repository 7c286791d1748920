"""The demo's fixed data: the network directory, an LRS client with a known secret, and the
logins: the superuser, the network administrator, and a teacher, an employer contact and a
learner for the dashboards.

Idempotent: the directory goes in through the directory's own import, which matches rows by
natural key, so a second `make demo` finds everything and changes nothing; it only resets the
client's secret, so the printed credentials are always the working ones.
"""

import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from backend.demo.network import (
    EMPLOYER_CONTACTS,
    EMPLOYER_USERNAME,
    LEARNER_USERNAME,
    LEARNER_WITH_LOGIN,
    NETWORK_ADMIN,
    SAVONIA,
    TEACHER_USERNAME,
    TEACHERS,
    Document,
    directory_document,
    enrolment_document,
)
from engagement.network.interchange import ImportResult, network_import
from engagement.network.models import Organisation
from learning_records.models import LrsClient
from learning_records.services import lrs_client_create, lrs_client_set_secret

CLIENT_NAME = "Demo LMS (Moodle, Open edX, H5P, cmi5)"
CLIENT_KEY = "demo-lms"
# Printed on every run and in the README: demo credentials, never production ones.
CLIENT_SECRET = "demo-secret-change-me"  # noqa: S105
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin"  # noqa: S105 (printed: the embedded demo's admin only)
ADMIN_EMAIL = "admin@kipina.example"
NETWORK_ADMIN_USERNAME = NETWORK_ADMIN.username
NETWORK_ADMIN_PASSWORD = "network"  # noqa: S105 (printed: the embedded demo's only)
NETWORK_ADMIN_GROUP = "Network administrators"
# The network administrator's admin screens: the directory in full, progress to read.
NETWORK_ADMIN_PERMISSIONS = Q(content_type__app_label="network") | Q(
    content_type__app_label="progress", codename__startswith="view_"
)


@dataclass(frozen=True)
class DemoLogin:
    """A person of the demo network who signs in to their dashboard with a known password."""

    role: str
    username: str
    password: str
    name: str
    dashboard: str  # the page's path (engagement/dashboards' URLs)


# Printed on every run and in the README: demo passwords, never production ones.
DASHBOARD_LOGINS = (
    DemoLogin("teacher", TEACHER_USERNAME, "teacher", TEACHERS[0].name, "/teacher/"),
    DemoLogin("employer", EMPLOYER_USERNAME, "employer", EMPLOYER_CONTACTS[0].name, "/employer/"),
    DemoLogin("learner", LEARNER_USERNAME, "learner", LEARNER_WITH_LOGIN, "/me/"),
    DemoLogin(
        "network administrator",
        NETWORK_ADMIN_USERNAME,
        NETWORK_ADMIN_PASSWORD,
        NETWORK_ADMIN.name,
        "/network/",
    ),
)


@dataclass(frozen=True)
class DemoSeed:
    directory: ImportResult
    provider: Organisation
    client: LrsClient
    client_created: bool
    admin_created: bool
    network_admin_created: bool
    # The teacher's, employer's and learner's logins, each with whether it got its password.
    dashboard_logins: tuple[tuple[DemoLogin, bool], ...]


def _import(name: str, document: Document) -> ImportResult:
    # Indented, so that a refusal's line numbers point at something.
    content = json.dumps(document, ensure_ascii=False, indent=2).encode()
    return network_import(filename=name, content=content)


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


def demo_network_admin_seed() -> bool:
    """The network administrator's login (the import makes it without a password) gets the
    demo password, and staff status with the directory's permissions so that the admin
    site's login works for it; a login that has a password keeps it."""
    group, _ = Group.objects.get_or_create(name=NETWORK_ADMIN_GROUP)
    group.permissions.set(Permission.objects.filter(NETWORK_ADMIN_PERMISSIONS))
    user = get_user_model().objects.get(username=NETWORK_ADMIN_USERNAME)
    user.groups.add(group)
    if user.has_usable_password():
        return False
    user.set_password(NETWORK_ADMIN_PASSWORD)
    user.is_staff = True
    user.save(update_fields=["password", "is_staff"])
    return True


def login_email(login: DemoLogin) -> str:
    """The e-mail address of the person behind a demo login (the directory's natural key)."""
    return get_user_model().objects.get(username=login.username).person.email


def demo_login_seed(*, login: DemoLogin) -> bool:
    """The login (the import makes it without a password) gets its demo password; one that
    has a password keeps it, as the network administrator's does."""
    user = get_user_model().objects.get(username=login.username)
    if user.has_usable_password():
        return False
    user.set_password(login.password)
    user.save(update_fields=["password"])
    return True


@transaction.atomic
def demo_seed() -> DemoSeed:
    directory = _import("demo-directory.json", directory_document())
    provider = Organisation.objects.get(slug=SAVONIA)
    client, client_created = demo_client_seed(organisation=provider)
    return DemoSeed(
        directory=directory,
        provider=provider,
        client=client,
        client_created=client_created,
        admin_created=demo_admin_seed(),
        network_admin_created=demo_network_admin_seed(),
        dashboard_logins=tuple(
            (login, demo_login_seed(login=login))
            for login in DASHBOARD_LOGINS
            if login.username != NETWORK_ADMIN_USERNAME  # its own seed, with staff rights
        ),
    )


def demo_enrolments_seed(*, day: dt.date) -> ImportResult:
    """Enrolments, cohorts and consents of the replay anchored to `day`."""
    return _import("demo-enrolments.json", enrolment_document(day))

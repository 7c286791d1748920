"""Who may open which page: anonymous users log in first, other roles get 403."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from engagement.network.models import Role
from tests.engagement.dashboards.conftest import login_as, person_with_role

PAGES = ["teacher", "employer", "learner", "network"]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_log_in(db: None, page: str) -> None:
    url = reverse(f"dashboards:{page}")
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("page", PAGES)
def test_each_role_opens_its_own_page(role_clients: dict[str, Client], page: str) -> None:
    assert role_clients[page].get(reverse(f"dashboards:{page}")).status_code == 200


@pytest.mark.parametrize(
    ("role", "page"),
    [
        (role, page)
        for role in ("teacher", "employer", "network")
        for page in PAGES
        if page not in (role, "learner")
    ],
)
def test_other_roles_are_refused(role_clients: dict[str, Client], role: str, page: str) -> None:
    response = role_clients[role].get(reverse(f"dashboards:{page}"))
    assert response.status_code == 403


@pytest.mark.parametrize("page", ["teacher", "employer", "network"])
def test_a_learner_is_refused_the_other_pages(role_clients: dict[str, Client], page: str) -> None:
    assert role_clients["learner"].get(reverse(f"dashboards:{page}")).status_code == 403


def test_a_login_without_a_person_is_refused_my_learning(db: None) -> None:
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory.create())
    assert client.get(reverse("dashboards:learner")).status_code == 403


def test_an_admin_role_outside_the_network_organisation_is_not_an_administrator(
    provider: Any,
) -> None:
    client = login_as(person_with_role(Role.Kind.NETWORK_ADMIN, provider))
    assert client.get(reverse("dashboards:network")).status_code == 403


def test_a_superuser_is_a_network_administrator(db: None) -> None:
    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory.create(is_superuser=True, is_staff=True))
    assert client.get(reverse("dashboards:network")).status_code == 200


def test_the_login_page_renders(db: None) -> None:
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


@pytest.mark.parametrize("role", PAGES)
def test_the_menu_offers_only_the_pages_the_role_may_open(
    role_clients: dict[str, Client], role: str
) -> None:
    """A link that answers 403 is a dead end: each role's menu has My learning and its own."""
    html = role_clients[role].get(reverse("dashboards:learner")).content.decode()
    menu = html.split('<nav aria-label="Dashboards">', 1)[1].split("</nav>", 1)[0]
    offered = {page for page in PAGES if f'href="{reverse(f"dashboards:{page}")}"' in menu}
    assert offered == {"learner", role}

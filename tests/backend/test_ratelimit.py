"""The client address failed authentication is counted against (backend.ratelimit)."""

import pytest
from django.test import RequestFactory

from backend.ratelimit import client_address


def request(remote: str, forwarded: str | None = None):
    made = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        made.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return made


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.3", "198.51.100.1"),
        (2, "10.0.0.2", "198.51.100.1", "10.0.0.2"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "not-an-address", "not-an-address"),
        (1, "10.0.0.2", "198.51.100.1:51234", "198.51.100.1"),
        (1, "10.0.0.2", "[2001:db8:1:2::9]:51234", "2001:db8:1:2::/64"),
        (0, "2001:db8:1:2:3:4:5:6", None, "2001:db8:1:2::/64"),
        (0, "::ffff:203.0.113.9", None, "203.0.113.9"),
        (0, "", None, "unknown"),
    ],
)
def test_it_counts_the_address_the_outermost_trusted_proxy_saw(
    settings, proxies, remote, forwarded, expected
):
    """Entries left of the trusted proxies' own come from the client and may be forged."""
    settings.KIPINA_TRUSTED_PROXY_COUNT = proxies

    assert client_address(request(remote, forwarded)) == expected

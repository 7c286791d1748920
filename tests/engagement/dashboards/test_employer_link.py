from django.urls import reverse

from notifications.digests.employer import dashboard_url


def test_the_summary_e_mail_links_to_the_employer_page(settings: object) -> None:
    assert dashboard_url().endswith(reverse("dashboards:employer"))
    assert reverse("dashboards:employer") == "/employer/"

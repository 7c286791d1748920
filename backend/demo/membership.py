"""A pending membership application, so the demo's administrator has one to approve or
decline (admin: Membership applications; or POST /api/membership/applications/<id>/approve).

Invented organisation and person; the business id has a valid check digit. Running the demo
again finds the same application and changes nothing.
"""

from engagement.membership.models import MembershipApplication

BUSINESS_ID = "3141590-3"


def demo_membership_seed() -> str:
    """The line the demo prints about the pending application."""
    application, created = MembershipApplication.objects.get_or_create(
        business_id=BUSINESS_ID,
        defaults={
            "name_en": "Ostrobothnia Battery Vocational College",
            "name_fi": "Pohjanmaan akkualan ammattiopisto",
            "name_sv": "Österbottens yrkesinstitut för batterier",
            "kind": "vocational",
            "website": "https://akkuopisto.example.fi",
            "contact_given_name": "Liisa",
            "contact_family_name": "Mäkelä",
            "contact_email": "liisa.makela@akkuopisto.example.fi",
            "language": "fi",
            "offer": "Battery cell assembly and recycling courses (EQF 4); we want to connect "
            "our Moodle to the network's pathways.",
        },
    )
    state = "added" if created else f"already there ({application.get_status_display()})"
    return f"Membership application {application.pk} of {application.name_en}: {state}."

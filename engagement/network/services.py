from django.db import transaction
from django.utils.text import slugify

from engagement.network.models import Organisation


@transaction.atomic
def organisation_get_or_create(
    *, name: str, kind: str = Organisation.Kind.VOCATIONAL
) -> tuple[Organisation, bool]:
    """The organisation called `name` (matched by its slug), created if it is new."""
    slug = slugify(name)[:64]
    if not slug:
        raise ValueError(f"organisation name {name!r} has no letters or digits to make a slug of")
    return Organisation.objects.get_or_create(slug=slug, defaults={"name_en": name, "kind": kind})

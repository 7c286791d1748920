"""Writes of training needs and employer links. Callers have checked who may write; these
check what is written."""

import datetime as dt
import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from engagement.needs.models import EmployerLink, TrainingNeed
from engagement.network.models import EscoSkill, Organisation, Person

# ESCO's skill concept URIs end in a UUID; a new skill is taken only in that form, so a typo
# or another classification's URI is refused rather than stored as a skill.
ESCO_SKILL_URI = re.compile(
    r"^http://data\.europa\.eu/esco/skill/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
MAX_SKILLS = 20


def skills_resolve(*, uris: Sequence[str]) -> list[EscoSkill]:
    """The skills of `uris`: existing rows, or new ones for well-formed ESCO skill URIs
    (labelled with the URI until an administrator names them)."""
    wanted = list(dict.fromkeys(uri.strip() for uri in uris if uri.strip()))
    if not wanted:
        raise ValidationError({"skills": _("Name at least one ESCO skill.")})
    if len(wanted) > MAX_SKILLS:
        raise ValidationError(
            {"skills": _("At most %(count)d skills in one need.") % {"count": MAX_SKILLS}}
        )
    found = {skill.uri: skill for skill in EscoSkill.objects.filter(uri__in=wanted)}
    unknown = [uri for uri in wanted if uri not in found and not ESCO_SKILL_URI.match(uri)]
    if unknown:
        raise ValidationError(
            {
                "skills": _(
                    "Not an ESCO skill URI: %(uris)s. One looks like "
                    "http://data.europa.eu/esco/skill/<uuid>."
                )
                % {"uris": ", ".join(unknown)}
            }
        )
    for uri in wanted:
        if uri not in found:
            found[uri], _created = EscoSkill.objects.get_or_create(
                uri=uri, defaults={"label_en": uri}
            )
    return [found[uri] for uri in wanted]


def _check_date(needed_by: dt.date, today: dt.date) -> None:
    if needed_by < today:
        raise ValidationError({"needed_by": _("The date is in the past.")})


@transaction.atomic
def training_need_create(
    *,
    company: Organisation,
    recorded_by: Person | None,
    skill_uris: Sequence[str],
    people: int,
    needed_by: dt.date,
    eqf_level: int,
    today: dt.date,
    description_en: str = "",
    description_fi: str = "",
    description_sv: str = "",
) -> TrainingNeed:
    if company.kind != Organisation.Kind.COMPANY:
        raise ValidationError({"company": _("Training needs are recorded for companies.")})
    _check_date(needed_by, today)
    need = TrainingNeed(
        company=company,
        recorded_by=recorded_by,
        people=people,
        needed_by=needed_by,
        eqf_level=eqf_level,
        description_en=description_en,
        description_fi=description_fi,
        description_sv=description_sv,
    )
    need.full_clean()
    skills = skills_resolve(uris=skill_uris)
    need.save()
    need.skills.set(skills)
    return need


UPDATABLE = frozenset(
    {"people", "needed_by", "eqf_level", "description_en", "description_fi", "description_sv"}
)


@transaction.atomic
def training_need_update(
    *,
    need: TrainingNeed,
    today: dt.date,
    skill_uris: Sequence[str] | None = None,
    status: str | None = None,
    **changes: object,
) -> TrainingNeed:
    """Changes the given fields; a date is checked against `today` only when it changes."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    if "needed_by" in changes and changes["needed_by"] != need.needed_by:
        _check_date(changes["needed_by"], today)  # type: ignore[arg-type]
    for field, value in changes.items():
        setattr(need, field, value)
    if status is not None:
        need.status = status
    need.full_clean(exclude=["skills"])
    fields = [*changes, "updated_at"] + (["status"] if status is not None else [])
    need.save(update_fields=fields)
    if skill_uris is not None:
        need.skills.set(skills_resolve(uris=skill_uris))
    return need


def training_need_withdraw(*, need: TrainingNeed) -> TrainingNeed:
    """Withdrawn, not deleted: the row stays as the company's history."""
    need.status = TrainingNeed.Status.WITHDRAWN
    need.save(update_fields=["status", "updated_at"])
    return need


def employer_link_create(
    *, person: Person, company: Organisation, now: dt.datetime
) -> EmployerLink:
    """Links the person to `company`, or returns the link already in force."""
    if company.kind != Organisation.Kind.COMPANY:
        raise ValidationError({"company": _("Only a company can be linked as an employer.")})
    active = EmployerLink.objects.filter(person=person, company=company, revoked_at=None)
    existing = active.first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return EmployerLink.objects.create(person=person, company=company, created_at=now)
    except IntegrityError:
        # A second click raced this one past the check: the one active link is made.
        return active.get()


def employer_link_revoke(*, link: EmployerLink, now: dt.datetime) -> EmployerLink:
    if link.revoked_at is None:
        link.revoked_at = now
        link.save(update_fields=["revoked_at"])
    return link

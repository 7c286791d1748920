"""Writes of the network directory.

Every function checks the directory's rules and raises DirectoryError, with a message that
says which rule, before it writes; field formats (business id check digit, ESCO URIs) are
checked by the models' validators through `full_clean`.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from backend.celery import kick
from engagement.network.models import (
    Cohort,
    Consent,
    Enrolment,
    EscoSkill,
    Milestone,
    MilestoneActivity,
    Organisation,
    Pathway,
    Person,
    Role,
    XapiIdentity,
)
from learning_records.models import lookup_hash
from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.index import agent_key
from learning_records.xapi.validate import parse_agent

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class DirectoryError(ValueError):
    """A directory change that would break a rule; the message says which."""


def _assign(instance: models.Model, data: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    """Set the allowed fields whose value differs; the names of those that changed."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise DirectoryError(
            _("cannot change %(fields)s here") % {"fields": ", ".join(sorted(unknown))}
        )
    changed = [name for name, value in data.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, data[name])
    return changed


def _update(instance: models.Model, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Set the allowed fields that changed, validate, and save only those."""
    changed = _assign(instance, data, allowed)
    if changed:
        instance.full_clean()
        instance.save(update_fields=changed)


def _delete(instance: models.Model, *, refusal: str) -> None:
    try:
        instance.delete()
    except ProtectedError:
        raise DirectoryError(refusal) from None


# --- Organisations ----------------------------------------------------------------------------

ORGANISATION_FIELDS = (
    "name_en", "name_fi", "name_sv", "kind", "business_id", "website", "email", "phone",
)  # fmt: skip


@transaction.atomic
def organisation_get_or_create(
    *, name: str, kind: str = Organisation.Kind.VOCATIONAL
) -> tuple[Organisation, bool]:
    """The organisation called `name` (matched by its slug), created if it is new."""
    slug = slugify(name)[:64]
    if not slug:
        raise ValueError(f"organisation name {name!r} has no letters or digits to make a slug of")
    return Organisation.objects.get_or_create(slug=slug, defaults={"name_en": name, "kind": kind})


@transaction.atomic
def organisation_create(*, slug: str, name_en: str, kind: str, **data: Any) -> Organisation:
    if Organisation.objects.filter(slug=slug).exists():
        raise DirectoryError(
            _("an organisation with the slug %(slug)r already exists") % {"slug": slug}
        )
    organisation = Organisation(slug=slug, name_en=name_en, kind=kind)
    _assign(organisation, data, ORGANISATION_FIELDS)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, data: Mapping[str, Any]) -> Organisation:
    kind = data.get("kind", organisation.kind)
    if kind != organisation.kind:
        for role_kind in organisation.roles.values_list("kind", flat=True).distinct():
            if (reason := role_misfit(role_kind=role_kind, organisation_kind=kind)) is not None:
                raise DirectoryError(
                    _("%(organisation)s has %(role)s roles and %(reason)s")
                    % {"organisation": organisation, "role": role_kind, "reason": reason}
                )
    _update(organisation, data, ORGANISATION_FIELDS)
    return organisation


@transaction.atomic
def organisation_delete(*, organisation: Organisation) -> None:
    refusal = _("%(organisation)s still provides milestones; move them first")
    _delete(organisation, refusal=refusal % {"organisation": organisation})


# --- People, roles and identities ----------------------------------------------------------

PERSON_FIELDS = ("given_name", "family_name", "email", "language", "time_zone", "user")


@transaction.atomic
def person_create(
    *,
    given_name: str,
    family_name: str,
    email: str = "",
    language: str = Person.Language.FINNISH,
    time_zone: str = "Europe/Helsinki",
    user: "User | None" = None,
) -> Person:
    email = email.strip().lower()
    if email and Person.objects.filter(email=email).exists():
        raise DirectoryError(
            _("a person with the e-mail %(email)s already exists") % {"email": email}
        )
    _check_login_free(user, person=None)
    person = Person(
        given_name=given_name,
        family_name=family_name,
        email=email,
        language=language,
        time_zone=time_zone,
        user=user,
    )
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, data: Mapping[str, Any]) -> Person:
    data = dict(data)
    if "email" in data:
        data["email"] = data["email"].strip().lower()
        clash = Person.objects.filter(email=data["email"]).exclude(pk=person.pk)
        if data["email"] and clash.exists():
            raise DirectoryError(
                _("a person with the e-mail %(email)s already exists") % {"email": data["email"]}
            )
    if "user" in data:
        _check_login_free(data["user"], person=person)
    _update(person, data, PERSON_FIELDS)
    return person


def _check_login_free(user: "User | None", *, person: Person | None) -> None:
    if user is None:
        return
    others = Person.objects.filter(user=user)
    if person is not None:
        others = others.exclude(pk=person.pk)
    owner = others.first()
    if owner is not None:
        raise DirectoryError(
            _("the login %(login)s already belongs to %(person)s")
            % {"login": user, "person": owner}
        )


@transaction.atomic
def person_delete(*, person: Person) -> None:
    person.delete()


def role_misfit(*, role_kind: str, organisation_kind: str) -> str | None:
    """Why a role of this kind cannot be held in an organisation of that kind, or None."""
    if role_kind == Role.Kind.TEACHER and organisation_kind not in Organisation.PROVIDER_KINDS:
        return _("it is not an education provider: it has no teachers")
    if role_kind == Role.Kind.EMPLOYER_CONTACT and organisation_kind != Organisation.Kind.COMPANY:
        return _("it is not a company: it has no employer contacts")
    if role_kind == Role.Kind.NETWORK_ADMIN and organisation_kind != Organisation.Kind.NETWORK:
        return _("it is not the network: network administrators belong to the network")
    return None


@transaction.atomic
def role_grant(*, person: Person, organisation: Organisation, kind: str) -> Role:
    if (reason := role_misfit(role_kind=kind, organisation_kind=organisation.kind)) is not None:
        raise DirectoryError(f"{organisation}: {reason}")
    role, _ = Role.objects.get_or_create(person=person, organisation=organisation, kind=kind)
    return role


@transaction.atomic
def role_revoke(*, role: Role) -> None:
    """A teacher whose role goes loses their cohorts' enrolments at once: the visibility
    selectors require the role, not only the cohort membership."""
    role.delete()


def identity_agent(kind: str, value: str, home_page: str = "") -> dict[str, Any]:
    """The xAPI Agent an identity stands for, validated as the LRS validates statements."""
    ifi: Any = {"homePage": home_page, "name": value} if kind == "account" else value
    try:
        return parse_agent({"objectType": "Agent", kind: ifi}, param="identity")
    except XapiValidationError as exc:
        raise DirectoryError("; ".join(exc.errors)) from None


def identity_key(kind: str, value: str, home_page: str = "") -> str:
    """The LRS's index key of the identity's agent (what statements are matched by)."""
    key = agent_key(identity_agent(kind, value, home_page))
    if key is None:  # cannot happen: a valid Agent has an IFI, and so a key
        raise DirectoryError(_("the identity %(value)r names no agent") % {"value": value})
    return key


@transaction.atomic
def identity_link(*, person: Person, kind: str, value: str, home_page: str = "") -> XapiIdentity:
    """Link an xAPI identity to a person. Statements already stored under it are projected
    to the person's progress without any replay (the projector picks the link up)."""
    key = identity_key(kind, value, home_page)
    owner = XapiIdentity.objects.filter(agent_key=key).select_related("person").first()
    if owner is not None:
        if owner.person_id == person.id:
            return owner
        raise DirectoryError(
            _("the identity %(identity)s already belongs to another person") % {"identity": key}
        )
    identity = XapiIdentity.objects.create(
        person=person, kind=kind, value=value, home_page=home_page, agent_key=key
    )
    transaction.on_commit(kick_projection)
    return identity


@transaction.atomic
def identity_unlink(*, identity: XapiIdentity) -> None:
    identity.delete()


def kick_projection() -> None:
    # The projector finds new links and enrolments on its periodic run; this only makes it
    # sooner. By task name: progress reads the directory, the directory does not import it.
    kick("progress.project")


# --- Skills, pathways, milestones -------------------------------------------------------------

SKILL_FIELDS = ("uri", "label_en", "label_fi", "label_sv")
PATHWAY_FIELDS = (
    "title_en", "title_fi", "title_sv", "description_en", "description_fi", "description_sv",
    "target_audience_en", "target_audience_fi", "target_audience_sv", "eqf_level",
    "effort_hours", "languages", "is_published",
)  # fmt: skip
MILESTONE_FIELDS = (
    "position", "title_en", "title_fi", "title_sv", "provider", "required_count",
    "due_offset_days",
)  # fmt: skip


@transaction.atomic
def skill_create(*, uri: str, label_en: str, label_fi: str = "", label_sv: str = "") -> EscoSkill:
    if EscoSkill.objects.filter(uri=uri).exists():
        raise DirectoryError(_("the skill %(uri)s is already in the directory") % {"uri": uri})
    skill = EscoSkill(uri=uri, label_en=label_en, label_fi=label_fi, label_sv=label_sv)
    skill.full_clean()
    skill.save()
    return skill


@transaction.atomic
def skill_update(*, skill: EscoSkill, data: Mapping[str, Any]) -> EscoSkill:
    _update(skill, data, SKILL_FIELDS)
    return skill


@transaction.atomic
def skill_delete(*, skill: EscoSkill) -> None:
    skill.delete()


def _check_providers(providers: Iterable[Organisation]) -> None:
    for provider in providers:
        if not provider.is_provider:
            raise DirectoryError(
                _("%(organisation)s is not an education provider") % {"organisation": provider}
            )


@transaction.atomic
def pathway_create(
    *,
    slug: str,
    title_en: str,
    eqf_level: int,
    effort_hours: int,
    skills: Iterable[EscoSkill] = (),
    providers: Iterable[Organisation] = (),
    **data: Any,
) -> Pathway:
    if Pathway.objects.filter(slug=slug).exists():
        raise DirectoryError(_("a pathway with the slug %(slug)r already exists") % {"slug": slug})
    providers = list(providers)
    _check_providers(providers)
    pathway = Pathway(slug=slug, title_en=title_en, eqf_level=eqf_level, effort_hours=effort_hours)
    _assign(pathway, data, PATHWAY_FIELDS)
    pathway.full_clean()
    pathway.save()
    pathway.skills.set(skills)
    pathway.providers.set(providers)
    return pathway


@transaction.atomic
def pathway_update(*, pathway: Pathway, data: Mapping[str, Any]) -> Pathway:
    data = dict(data)
    skills, providers = data.pop("skills", None), data.pop("providers", None)
    _update(pathway, data, PATHWAY_FIELDS)
    if skills is not None:
        pathway.skills.set(skills)
    if providers is not None:
        _check_providers(providers)
        pathway.providers.set(providers)
    return pathway


@transaction.atomic
def pathway_delete(*, pathway: Pathway) -> None:
    refusal = _("%(pathway)s has enrolments; unpublish it instead")
    _delete(pathway, refusal=refusal % {"pathway": pathway})


@transaction.atomic
def milestone_create(
    *,
    pathway: Pathway,
    position: int,
    title_en: str,
    skills: Iterable[EscoSkill] = (),
    **data: Any,
) -> Milestone:
    if pathway.milestones.filter(position=position).exists():
        raise DirectoryError(
            _("%(pathway)s already has a milestone at position %(position)d")
            % {"pathway": pathway, "position": position}
        )
    if (provider := data.get("provider")) is not None:
        _check_providers([provider])
    milestone = Milestone(pathway=pathway, position=position, title_en=title_en)
    _assign(milestone, data, MILESTONE_FIELDS)
    milestone.full_clean()
    milestone.save()
    milestone.skills.set(skills)
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, data: Mapping[str, Any]) -> Milestone:
    data = dict(data)
    skills = data.pop("skills", None)
    position = data.get("position", milestone.position)
    if position != milestone.position and (
        Milestone.objects.filter(pathway_id=milestone.pathway_id, position=position).exists()
    ):
        raise DirectoryError(
            _("%(pathway)s already has a milestone at position %(position)d")
            % {"pathway": milestone.pathway, "position": position}
        )
    if data.get("provider") is not None:
        _check_providers([data["provider"]])
    _update(milestone, data, MILESTONE_FIELDS)
    if skills is not None:
        milestone.skills.set(skills)
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone) -> None:
    milestone.delete()


@transaction.atomic
def milestone_activity_add(
    *, milestone: Milestone, activity_iri: str, verbs: list[str], min_scaled: float | None = None
) -> MilestoneActivity:
    """A new completion criterion. The projector counts statements stored from now on;
    earlier ones count after a progress rebuild."""
    if not verbs:
        raise DirectoryError(_("name at least one verb that counts"))
    activity_hash = lookup_hash(activity_iri)
    if milestone.activities.filter(activity_hash=activity_hash, activity_iri=activity_iri).exists():
        raise DirectoryError(
            _("%(iri)s is already a criterion of this milestone") % {"iri": activity_iri}
        )
    activity = MilestoneActivity(
        milestone=milestone,
        activity_iri=activity_iri,
        activity_hash=activity_hash,
        verbs=list(verbs),
        min_scaled=min_scaled,
    )
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def milestone_activity_update(
    *, activity: MilestoneActivity, data: Mapping[str, Any]
) -> MilestoneActivity:
    if "verbs" in data and not data["verbs"]:
        raise DirectoryError(_("name at least one verb that counts"))
    _update(activity, data, ("verbs", "min_scaled"))
    return activity


@transaction.atomic
def milestone_activity_remove(*, activity: MilestoneActivity) -> None:
    activity.delete()


# --- Enrolments, cohorts, consent -------------------------------------------------------------


def _check_enrolment(
    started_on: dt.date, target_on: dt.date | None, sponsor: Organisation | None
) -> None:
    if target_on is not None and target_on < started_on:
        raise DirectoryError(_("the planned target date is before the start"))
    if sponsor is not None and not sponsor.is_company:
        raise DirectoryError(
            _("%(organisation)s is not a company and cannot sponsor an enrolment")
            % {"organisation": sponsor}
        )


@transaction.atomic
def enrolment_create(
    *,
    learner: Person,
    pathway: Pathway,
    started_on: dt.date,
    target_on: dt.date | None = None,
    sponsor: Organisation | None = None,
    status: str = Enrolment.Status.ACTIVE,
) -> Enrolment:
    _check_enrolment(started_on, target_on, sponsor)
    if Enrolment.objects.filter(learner=learner, pathway=pathway).exists():
        raise DirectoryError(
            _("%(learner)s is already enrolled on %(pathway)s")
            % {"learner": learner, "pathway": pathway}
        )
    enrolment = Enrolment.objects.create(
        learner=learner,
        pathway=pathway,
        started_on=started_on,
        target_on=target_on,
        sponsor=sponsor,
        status=status,
    )
    transaction.on_commit(kick_projection)
    return enrolment


@transaction.atomic
def enrolment_update(*, enrolment: Enrolment, data: Mapping[str, Any]) -> Enrolment:
    _check_enrolment(
        data.get("started_on", enrolment.started_on),
        data.get("target_on", enrolment.target_on),
        data.get("sponsor", enrolment.sponsor),
    )
    _update(enrolment, data, ("started_on", "target_on", "sponsor", "status"))
    return enrolment


@transaction.atomic
def enrolment_delete(*, enrolment: Enrolment) -> None:
    enrolment.delete()


def _check_teachers(provider: Organisation, teachers: Iterable[Person]) -> None:
    teaching = set(
        Role.objects.filter(organisation=provider, kind=Role.Kind.TEACHER).values_list(
            "person_id", flat=True
        )
    )
    for teacher in teachers:
        if teacher.pk not in teaching:
            raise DirectoryError(
                _("%(person)s is not a teacher at %(organisation)s")
                % {"person": teacher, "organisation": provider}
            )


@transaction.atomic
def cohort_create(
    *,
    provider: Organisation,
    name: str,
    teachers: Iterable[Person] = (),
    enrolments: Iterable[Enrolment] = (),
) -> Cohort:
    _check_providers([provider])
    if Cohort.objects.filter(provider=provider, name=name).exists():
        raise DirectoryError(
            _("%(organisation)s already has a cohort called %(name)r")
            % {"organisation": provider, "name": name}
        )
    teachers = list(teachers)
    _check_teachers(provider, teachers)
    cohort = Cohort.objects.create(provider=provider, name=name)
    cohort.teachers.set(teachers)
    cohort.enrolments.set(enrolments)
    return cohort


@transaction.atomic
def cohort_update(*, cohort: Cohort, data: Mapping[str, Any]) -> Cohort:
    data = dict(data)
    teachers, enrolments = data.pop("teachers", None), data.pop("enrolments", None)
    name = data.get("name", cohort.name)
    if (
        name != cohort.name
        and Cohort.objects.filter(provider=cohort.provider_id, name=name).exists()
    ):
        raise DirectoryError(
            _("%(organisation)s already has a cohort called %(name)r")
            % {"organisation": cohort.provider, "name": name}
        )
    _update(cohort, data, ("name",))
    if teachers is not None:
        _check_teachers(cohort.provider, teachers)
        cohort.teachers.set(teachers)
    if enrolments is not None:
        cohort.enrolments.set(enrolments)
    return cohort


@transaction.atomic
def cohort_delete(*, cohort: Cohort) -> None:
    cohort.delete()


@transaction.atomic
def consent_give(*, enrolment: Enrolment, employer: Organisation) -> Consent:
    """The learner shares this enrolment's progress with `employer` (idempotent)."""
    if not employer.is_company:
        raise DirectoryError(_("%(organisation)s is not an employer") % {"organisation": employer})
    active = Consent.objects.filter(enrolment=enrolment, employer=employer, revoked_at=None)
    return active.first() or Consent.objects.create(
        enrolment=enrolment, employer=employer, given_at=timezone.now()
    )


@transaction.atomic
def consent_revoke(*, consent: Consent) -> Consent:
    """Revoking hides the enrolment from the employer at once: every employer read checks
    for an active consent at read time, nothing is cached."""
    if consent.revoked_at is None:
        consent.revoked_at = timezone.now()
        consent.save(update_fields=["revoked_at"])
    return consent

"""network_export: the directory in the import format, so export -> import round-trips.

People are keyed by e-mail address; people without one (learners first seen in an LMS, not
yet named) cannot be referred to in a file and are left out with what hangs on them; the
export says how many.
"""

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engagement.network.interchange.format import FORMAT, KIND_BY_NAME, KINDS, NESTINGS, TOP_LEVEL
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

LAYOUTS = ("json", "csv")


@dataclass
class Export:
    content: bytes
    filename: str
    content_type: str
    warnings: list[str] = field(default_factory=list)


def network_export(*, layout: str = "json") -> Export:
    """The whole directory as one JSON document, or (layout "csv") a zip of one CSV file
    per kind. Rows are ordered by natural key, so two exports of the same data are equal."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    rows = {kind.name: list(ROWS[kind.name]()) for kind in KINDS}
    warnings = []
    nameless = Person.objects.filter(email="").count()
    if nameless:
        warnings.append(
            f"{nameless} people without an e-mail address were left out, with their "
            "identities, roles, enrolments and consents: files refer to people by e-mail"
        )
    if layout == "csv":
        return Export(_zip(rows), "network.zip", "application/zip", warnings)
    document = json.dumps(_document(rows), ensure_ascii=False, indent=2) + "\n"
    return Export(document.encode(), "network.json", "application/json", warnings)


def _document(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Nest child rows into their parents (people's identities, pathways' milestones, ...)
    and drop empty values: absent and empty mean the same to the importer."""
    compact = {kind: [_compact(row) for row in kind_rows] for kind, kind_rows in rows.items()}
    for nesting in reversed(NESTINGS):  # activities into milestones before those into pathways
        parents = {
            tuple(parent.get(column) for column in nesting.inherited.values()): parent
            for parent in compact[nesting.parent]
        }
        for child in compact[nesting.child]:
            parent = parents[tuple(child[column] for column in nesting.inherited)]
            nested = {k: v for k, v in child.items() if k not in nesting.inherited}
            parent.setdefault(nesting.key, []).append(nested)
    return {"format": FORMAT, **{kind: compact[kind] for kind in TOP_LEVEL}}


def _compact(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in row.items() if value not in ("", None, [])}


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):  # dates and datetimes
        return value.isoformat()
    return value


def _zip(rows: dict[str, list[dict[str, Any]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind in KINDS:
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(kind.columns)
            for row in rows[kind.name]:
                writer.writerow([_csv_value(row.get(column)) for column in kind.columns])
            archive.writestr(f"{kind.name}.csv", text.getvalue())
    return buffer.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- Rows per kind, in the importer's columns ---------------------------------------------


def _organisations() -> Iterator[dict[str, Any]]:
    columns = KIND_BY_NAME["organisations"].columns
    for organisation in Organisation.objects.order_by("slug"):
        yield {column: getattr(organisation, column) for column in columns}


def _skills() -> Iterator[dict[str, Any]]:
    for skill in EscoSkill.objects.order_by("uri"):
        yield {column: getattr(skill, column) for column in KIND_BY_NAME["skills"].columns}


def _people() -> Iterator[dict[str, Any]]:
    for person in Person.objects.exclude(email="").select_related("user").order_by("email"):
        yield {
            "email": person.email,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "language": person.language,
            "time_zone": person.time_zone,
            "username": person.user.get_username() if person.user else "",
        }


def _identities() -> Iterator[dict[str, Any]]:
    identities = XapiIdentity.objects.exclude(person__email="").select_related("person")
    for identity in identities.order_by("person__email", "agent_key"):
        yield {
            "person": identity.person.email,
            "kind": identity.kind,
            "value": identity.value,
            "home_page": identity.home_page,
        }


def _roles() -> Iterator[dict[str, Any]]:
    roles = Role.objects.exclude(person__email="").select_related("person", "organisation")
    for role in roles.order_by("person__email", "organisation__slug", "kind"):
        yield {
            "person": role.person.email,
            "organisation": role.organisation.slug,
            "kind": role.kind,
        }


def _pathways() -> Iterator[dict[str, Any]]:
    pathways = Pathway.objects.prefetch_related("skills", "providers").order_by("slug")
    scalar = [c for c in KIND_BY_NAME["pathways"].columns if c not in ("skills", "providers")]
    for pathway in pathways:
        row = {column: getattr(pathway, column) for column in scalar}
        row["skills"] = sorted(skill.uri for skill in pathway.skills.all())
        row["providers"] = sorted(provider.slug for provider in pathway.providers.all())
        yield row


def _milestones() -> Iterator[dict[str, Any]]:
    milestones = Milestone.objects.select_related("pathway", "provider").prefetch_related("skills")
    for milestone in milestones.order_by("pathway__slug", "position"):
        yield {
            "pathway": milestone.pathway.slug,
            "position": milestone.position,
            "title_en": milestone.title_en,
            "title_fi": milestone.title_fi,
            "title_sv": milestone.title_sv,
            "provider": milestone.provider.slug if milestone.provider else "",
            "required_count": milestone.required_count,
            "due_offset_days": milestone.due_offset_days,
            "skills": sorted(skill.uri for skill in milestone.skills.all()),
        }


def _activities() -> Iterator[dict[str, Any]]:
    activities = MilestoneActivity.objects.select_related("milestone__pathway")
    order = ("milestone__pathway__slug", "milestone__position", "activity_iri")
    for activity in activities.order_by(*order):
        yield {
            "pathway": activity.milestone.pathway.slug,
            "milestone": activity.milestone.position,
            "activity_iri": activity.activity_iri,
            "verbs": list(activity.verbs),
            "min_scaled": activity.min_scaled,
        }


def _enrolments() -> Iterator[dict[str, Any]]:
    enrolments = Enrolment.objects.exclude(learner__email="").select_related(
        "learner", "pathway", "sponsor"
    )
    for enrolment in enrolments.order_by("learner__email", "pathway__slug"):
        yield {
            "learner": enrolment.learner.email,
            "pathway": enrolment.pathway.slug,
            "started_on": enrolment.started_on,
            "target_on": enrolment.target_on,
            "sponsor": enrolment.sponsor.slug if enrolment.sponsor else "",
            "status": enrolment.status,
        }


def _cohorts() -> Iterator[dict[str, Any]]:
    cohorts = Cohort.objects.select_related("provider").prefetch_related("teachers")
    for cohort in cohorts.order_by("provider__slug", "name"):
        yield {
            "provider": cohort.provider.slug,
            "name": cohort.name,
            "teachers": sorted(t.email for t in cohort.teachers.all() if t.email),
        }


def _cohort_enrolments() -> Iterator[dict[str, Any]]:
    links = (
        Cohort.enrolments.through.objects.exclude(enrolment__learner__email="")
        .select_related("cohort__provider", "enrolment__learner", "enrolment__pathway")
        .order_by(
            "cohort__provider__slug",
            "cohort__name",
            "enrolment__learner__email",
            "enrolment__pathway__slug",
        )
    )
    for link in links:
        yield {
            "provider": link.cohort.provider.slug,
            "cohort": link.cohort.name,
            "learner": link.enrolment.learner.email,
            "pathway": link.enrolment.pathway.slug,
        }


def _consents() -> Iterator[dict[str, Any]]:
    consents = Consent.objects.exclude(enrolment__learner__email="").select_related(
        "enrolment__learner", "enrolment__pathway", "employer"
    )
    order = ("enrolment__learner__email", "enrolment__pathway__slug", "employer__slug", "given_at")
    for consent in consents.order_by(*order):
        yield {
            "learner": consent.enrolment.learner.email,
            "pathway": consent.enrolment.pathway.slug,
            "employer": consent.employer.slug,
            "given_at": consent.given_at,
            "revoked_at": consent.revoked_at,
        }


ROWS = {
    "organisations": _organisations,
    "skills": _skills,
    "people": _people,
    "identities": _identities,
    "roles": _roles,
    "pathways": _pathways,
    "milestones": _milestones,
    "activities": _activities,
    "enrolments": _enrolments,
    "cohorts": _cohorts,
    "cohort_enrolments": _cohort_enrolments,
    "consents": _consents,
}

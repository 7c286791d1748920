"""network_import: a checked file written in one transaction, or nothing at all.

Rows are matched to stored data by natural key and written as upserts, so importing the
same file twice changes nothing the second time. A row sets every field of what it names
(an absent optional field becomes empty) except a person's login, which an empty username
leaves as it is. Lists that are fields of a row (a pathway's skills and providers, a
milestone's skills, a cohort's teachers) replace the stored ones; rows of their own
(identities, roles, activities, cohort members, consents) are added or updated, never
deleted: an import does not remove anything.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import DatabaseError, models, transaction

from engagement.network.interchange.checks import CHUNK, Item, Plan, Progress, check_rows
from engagement.network.interchange.format import KINDS, ImportRefused, Problem
from engagement.network.interchange.readers import read_rows
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
from engagement.network.services import kick_projection
from learning_records.models import lookup_hash

M = TypeVar("M", bound=models.Model)


@dataclass
class ImportResult:
    """What an import did, per kind: rows created, updated, and found unchanged."""

    rows: int = 0
    dry_run: bool = False
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def count(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "dry_run": self.dry_run,
            "counts": {
                kind.name: {
                    outcome: self.counts.get(kind.name, Counter())[outcome]
                    for outcome in ("created", "updated", "unchanged")
                }
                for kind in KINDS
            },
        }


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def network_import(
    *, filename: str, content: bytes, dry_run: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Import a network file (JSON, zip of CSVs, or <kind>.csv). ImportRefused lists every
    problem with file, line and field when anything is wrong; then nothing is written."""
    rows, problems = read_rows(filename, content)
    plan, row_problems = check_rows(rows, progress)
    problems += row_problems
    if problems:
        raise ImportRefused(problems)
    result = ImportResult(rows=len(rows), dry_run=dry_run)
    try:
        with transaction.atomic():
            _Writer(plan, result, progress).write()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    if not dry_run and (result.counts.get("identities") or result.counts.get("enrolments")):
        transaction.on_commit(kick_projection)
    return result


def _by(model: type[M], field_name: str, values: Iterable[Any], **related: Any) -> dict[Any, M]:
    found: dict[Any, M] = {}
    values = sorted(set(values), key=str)
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        for instance in model._default_manager.filter(**{f"{field_name}__in": chunk}, **related):
            found[getattr(instance, field_name)] = instance
    return found


class _Writer:
    """Writes the plan kind by kind. Everything the plan refers to is loaded up front, a
    few queries per kind, so each row costs only its own write."""

    def __init__(self, plan: Plan, result: ImportResult, progress: Progress | None) -> None:
        self.plan, self.result, self.progress = plan, result, progress
        self.total = sum(len(items) for items in plan.items.values())
        self.done = 0
        data = {kind.name: [item.data for item in plan.of(kind.name)] for kind in KINDS}
        slugs = {d["slug"] for d in data["organisations"]}
        slugs |= {d["organisation"] for d in data["roles"]}
        slugs |= {p for d in data["pathways"] for p in d["providers"]}
        slugs |= {d["provider"] for d in data["milestones"] + data["cohorts"]}
        slugs |= {d["provider"] for d in data["cohort_enrolments"]}
        slugs |= {d["sponsor"] for d in data["enrolments"]} | {
            d["employer"] for d in data["consents"]
        }
        self.organisations = _by(Organisation, "slug", slugs - {""})
        emails = {d["email"] for d in data["people"]}
        emails |= {d["person"] for d in data["identities"] + data["roles"]}
        emails |= {
            d["learner"] for k in ("enrolments", "cohort_enrolments", "consents") for d in data[k]
        }
        emails |= {e for d in data["cohorts"] for e in d["teachers"]}
        self.people = _by(Person, "email", emails)
        uris = {d["uri"] for d in data["skills"]}
        uris |= {u for d in data["pathways"] + data["milestones"] for u in d["skills"]}
        self.skills = _by(EscoSkill, "uri", uris)
        pathway_slugs = {d["slug"] for d in data["pathways"]}
        pathway_slugs |= {d["pathway"] for k in ("milestones", "activities") for d in data[k]}
        pathway_slugs |= {
            d["pathway"] for k in ("enrolments", "cohort_enrolments", "consents") for d in data[k]
        }
        self.pathways = _by(Pathway, "slug", pathway_slugs)
        for pathway in Pathway.objects.filter(
            pk__in=[p.pk for p in self.pathways.values()]
        ).prefetch_related("skills", "providers"):
            self.pathways[pathway.slug] = pathway
        self.milestones: dict[tuple[str, int], Milestone] = {
            (m.pathway.slug, m.position): m
            for m in Milestone.objects.filter(pathway__in=list(self.pathways.values()))
            .select_related("pathway")
            .prefetch_related("skills")
        }
        self.activities: dict[tuple[int, str], MilestoneActivity] = {
            (a.milestone_id, a.activity_iri): a
            for a in MilestoneActivity.objects.filter(milestone__in=list(self.milestones.values()))
        }
        people = list(self.people.values())
        self.enrolments: dict[tuple[str, str], Enrolment] = {
            (e.learner.email, e.pathway.slug): e
            for e in Enrolment.objects.filter(learner__in=people).select_related(
                "learner", "pathway"
            )
        }
        self.identities = _by(
            XapiIdentity, "agent_key", [d["agent_key"] for d in data["identities"]]
        )
        self.roles = set(
            Role.objects.filter(person__in=people).values_list(
                "person_id", "organisation_id", "kind"
            )
        )
        providers = [o for o in self.organisations.values() if o.is_provider]
        self.cohorts: dict[tuple[str, str], Cohort] = {
            (c.provider.slug, c.name): c
            for c in Cohort.objects.filter(provider__in=providers)
            .select_related("provider")
            .prefetch_related("teachers")
        }
        self.cohort_links = set(
            Cohort.enrolments.through.objects.filter(
                cohort__in=list(self.cohorts.values())
            ).values_list("cohort_id", "enrolment_id")
        )
        self.consents: dict[tuple[int, int, Any], Consent] = {
            (c.enrolment_id, c.employer_id, c.given_at): c
            for c in Consent.objects.filter(enrolment__in=list(self.enrolments.values()))
        }

    def write(self) -> None:
        for kind in KINDS:
            items = self.plan.of(kind.name)
            if kind.name == "consents":
                # Revocations first: a file may revoke a consent and give a new one to the
                # same employer, and only one may be active at a time.
                items = sorted(items, key=lambda item: item.data["revoked_at"] is None)
            for item in items:
                try:
                    getattr(self, f"_{kind.name}")(item)
                except DatabaseError as error:
                    # Checks should have caught it (or a concurrent change raced us): the
                    # transaction is rolled back and the row named.
                    problem = item.row.problem("", f"could not be stored: {error}")
                    raise ImportRefused([problem]) from error
                self.done += 1
                if self.progress is not None:
                    self.progress("writing", self.done, self.total)

    # --- upserts ------------------------------------------------------------------------

    def _upsert(
        self, kind: str, instance: M | None, create: Callable[[], M], fields: dict[str, Any]
    ) -> M:
        if instance is None:
            instance = create()
            for name, value in fields.items():
                setattr(instance, name, value)
            instance.save()
            self.result.count(kind, "created")
            return instance
        changed = [name for name, value in fields.items() if getattr(instance, name) != value]
        for name in changed:
            setattr(instance, name, fields[name])
        if changed:
            instance.save(update_fields=changed)
        self.result.count(kind, "updated" if changed else "unchanged")
        return instance

    def _set(self, kind: str, manager: Any, wanted: Iterable[models.Model]) -> None:
        """Replace a many-to-many set; an unchanged set is not written, a changed one turns
        an "unchanged" count of the row into "updated"."""
        wanted = list(wanted)
        if {obj.pk for obj in manager.all()} == {obj.pk for obj in wanted}:
            return
        manager.set(wanted)
        counts = self.result.counts[kind]
        if counts["unchanged"]:
            counts["unchanged"] -= 1
            counts["updated"] += 1

    def _organisations(self, item: Item) -> None:
        d = item.data
        fields = {key: value for key, value in d.items() if key != "slug"}
        self.organisations[d["slug"]] = self._upsert(
            "organisations",
            self.organisations.get(d["slug"]),
            lambda: Organisation(slug=d["slug"]),
            fields,
        )

    def _skills(self, item: Item) -> None:
        d = item.data
        fields = {key: value for key, value in d.items() if key != "uri"}
        self.skills[d["uri"]] = self._upsert(
            "skills", self.skills.get(d["uri"]), lambda: EscoSkill(uri=d["uri"]), fields
        )

    def _people(self, item: Item) -> None:
        d = dict(item.data)
        username = d.pop("username")
        if username:
            users = get_user_model().objects
            user = users.filter(username=username).first()
            if user is None:
                # No password in a file: the person sets one through a reset link.
                user = users.create_user(username=username, email=d["email"], password=None)
            d["user"] = user
        fields = {key: value for key, value in d.items() if key != "email"}
        self.people[d["email"]] = self._upsert(
            "people", self.people.get(d["email"]), lambda: Person(email=d["email"]), fields
        )

    def _identities(self, item: Item) -> None:
        d = item.data
        fields = {
            "person": self.people[d["person"]],
            "kind": d["kind"],
            "value": d["value"],
            "home_page": d["home_page"],
        }
        self._upsert(
            "identities",
            self.identities.get(d["agent_key"]),
            lambda: XapiIdentity(agent_key=d["agent_key"]),
            fields,
        )

    def _roles(self, item: Item) -> None:
        d = item.data
        person, organisation = self.people[d["person"]], self.organisations[d["organisation"]]
        key = (person.pk, organisation.pk, d["kind"])
        if key in self.roles:
            self.result.count("roles", "unchanged")
            return
        Role.objects.create(person=person, organisation=organisation, kind=d["kind"])
        self.roles.add(key)
        self.result.count("roles", "created")

    def _pathways(self, item: Item) -> None:
        d = dict(item.data)
        skills, providers, slug = d.pop("skills"), d.pop("providers"), d.pop("slug")
        pathway = self._upsert("pathways", self.pathways.get(slug), lambda: Pathway(slug=slug), d)
        self.pathways[slug] = pathway
        self._set("pathways", pathway.skills, [self.skills[uri] for uri in skills])
        self._set("pathways", pathway.providers, [self.organisations[p] for p in providers])

    def _milestones(self, item: Item) -> None:
        d = dict(item.data)
        slug, skills = d.pop("pathway"), d.pop("skills")
        pathway = self.pathways[slug]
        d["provider"] = self.organisations[d["provider"]] if d["provider"] else None
        milestone = self._upsert(
            "milestones",
            self.milestones.get((slug, d["position"])),
            lambda: Milestone(pathway=pathway),
            d,
        )
        self.milestones[(slug, milestone.position)] = milestone
        self._set("milestones", milestone.skills, [self.skills[uri] for uri in skills])

    def _activities(self, item: Item) -> None:
        d = item.data
        milestone = self.milestones[(d["pathway"], d["milestone"])]
        iri = d["activity_iri"]
        self.activities[(milestone.pk, iri)] = self._upsert(
            "activities",
            self.activities.get((milestone.pk, iri)),
            lambda: MilestoneActivity(
                milestone=milestone, activity_iri=iri, activity_hash=lookup_hash(iri)
            ),
            {"verbs": d["verbs"], "min_scaled": d["min_scaled"]},
        )

    def _enrolments(self, item: Item) -> None:
        d = item.data
        learner, pathway = self.people[d["learner"]], self.pathways[d["pathway"]]
        fields = {
            "started_on": d["started_on"],
            "target_on": d["target_on"],
            "sponsor": self.organisations[d["sponsor"]] if d["sponsor"] else None,
            "status": d["status"],
        }
        key = (d["learner"], d["pathway"])
        self.enrolments[key] = self._upsert(
            "enrolments",
            self.enrolments.get(key),
            lambda: Enrolment(learner=learner, pathway=pathway),
            fields,
        )

    def _cohorts(self, item: Item) -> None:
        d = item.data
        provider, key = self.organisations[d["provider"]], (d["provider"], d["name"])
        cohort = self._upsert(
            "cohorts", self.cohorts.get(key), lambda: Cohort(provider=provider, name=d["name"]), {}
        )
        self.cohorts[key] = cohort
        self._set("cohorts", cohort.teachers, [self.people[email] for email in d["teachers"]])

    def _cohort_enrolments(self, item: Item) -> None:
        d = item.data
        cohort = self.cohorts[(d["provider"], d["cohort"])]
        enrolment = self.enrolments[(d["learner"], d["pathway"])]
        if (cohort.pk, enrolment.pk) in self.cohort_links:
            self.result.count("cohort_enrolments", "unchanged")
            return
        cohort.enrolments.add(enrolment)
        self.cohort_links.add((cohort.pk, enrolment.pk))
        self.result.count("cohort_enrolments", "created")

    def _consents(self, item: Item) -> None:
        d = item.data
        enrolment = self.enrolments[(d["learner"], d["pathway"])]
        employer = self.organisations[d["employer"]]
        key = (enrolment.pk, employer.pk, d["given_at"])
        self.consents[key] = self._upsert(
            "consents",
            self.consents.get(key),
            lambda: Consent(enrolment=enrolment, employer=employer, given_at=d["given_at"]),
            {"revoked_at": d["revoked_at"]},
        )


__all__ = ["ImportRefused", "ImportResult", "Problem", "network_import"]

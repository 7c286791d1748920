"""Checking an import before anything is written: every row's fields, duplicates within
the file, references by natural key (to rows of the file or to stored data), and the
directory's rules (role fits the organisation, sponsors are companies, one active consent
per employer, ...). Every problem is collected; the import writes only when there is none.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from engagement.network.interchange.fields import ROW_SERIALIZERS, error_messages
from engagement.network.interchange.format import KINDS, Problem, Row
from engagement.network.models import (
    Cohort,
    Consent,
    Enrolment,
    EscoSkill,
    Milestone,
    Organisation,
    Pathway,
    Person,
    Role,
    XapiIdentity,
)
from engagement.network.services import DirectoryError, identity_key, role_misfit

Progress = Callable[[str, int, int], None]
T = TypeVar("T")
# IN lists are sent in chunks of this many values: far below SQLite's variable limit.
CHUNK = 2000


@dataclass
class Item:
    """A row whose fields are valid: its typed values in `data`."""

    row: Row
    data: dict[str, Any]


@dataclass
class Plan:
    """The valid rows of a file by kind, in file order, ready to be written."""

    items: dict[str, list[Item]] = field(default_factory=lambda: defaultdict(list))
    # Natural keys of rows that failed their own checks: references to them are not
    # reported again (the row's own problem says what is wrong).
    rejected: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))

    def of(self, kind: str) -> list[Item]:
        return self.items.get(kind, [])


NATURAL_KEYS: dict[str, Callable[[dict[str, Any]], Hashable]] = {
    "organisations": lambda d: d["slug"],
    "skills": lambda d: d["uri"],
    "people": lambda d: d["email"],
    "identities": lambda d: d["agent_key"],
    "roles": lambda d: (d["person"], d["organisation"], d["kind"]),
    "pathways": lambda d: d["slug"],
    "milestones": lambda d: (d["pathway"], d["position"]),
    "activities": lambda d: (d["pathway"], d["milestone"], d["activity_iri"]),
    "enrolments": lambda d: (d["learner"], d["pathway"]),
    "cohorts": lambda d: (d["provider"], d["name"]),
    "cohort_enrolments": lambda d: (d["provider"], d["cohort"], d["learner"], d["pathway"]),
    "consents": lambda d: (d["learner"], d["pathway"], d["employer"], d["given_at"]),
}


def _text(value: Any) -> str:
    return str(value).strip().lower() if value is not None else ""


def _number(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


RAW_KEYS: dict[str, Callable[[dict[str, Any]], Hashable]] = {
    "organisations": lambda v: str(v.get("slug")),
    "skills": lambda v: str(v.get("uri")),
    "people": lambda v: _text(v.get("email")),
    "pathways": lambda v: str(v.get("slug")),
    "milestones": lambda v: (str(v.get("pathway")), _number(v.get("position"))),
    "enrolments": lambda v: (_text(v.get("learner")), str(v.get("pathway"))),
    "cohorts": lambda v: (str(v.get("provider")), str(v.get("name"))),
}


def check_rows(rows: list[Row], progress: Progress | None = None) -> tuple[Plan, list[Problem]]:
    plan, problems = Plan(), []
    for done, row in enumerate(rows, start=1):
        serializer = ROW_SERIALIZERS[row.kind](data=row.values)
        if serializer.is_valid():
            data = dict(serializer.validated_data)
            if row.kind == "identities":
                try:
                    data["agent_key"] = identity_key(data["kind"], data["value"], data["home_page"])
                except DirectoryError as error:
                    problems.append(row.problem("value", str(error)))
                    continue
            plan.items[row.kind].append(Item(row, data))
        else:
            problems += [
                row.problem(name, message) for name, message in error_messages(serializer.errors)
            ]
            if row.kind in RAW_KEYS:
                plan.rejected[row.kind].add(RAW_KEYS[row.kind](row.values))
        if progress is not None:
            progress("checking", done, len(rows))
    problems += _duplicates(plan)
    problems += _References(plan).problems()
    return plan, problems


def _duplicates(plan: Plan) -> list[Problem]:
    problems = []
    for kind in KINDS:
        seen: dict[Hashable, Row] = {}
        unique = []
        for item in plan.of(kind.name):
            key = NATURAL_KEYS[kind.name](item.data)
            first = seen.setdefault(key, item.row)
            if first is item.row:
                unique.append(item)
            else:
                message = f"the same {_singular(kind.name)} as {first.source} line {first.line}"
                problems.append(item.row.problem("", message))
        plan.items[kind.name] = unique
    return problems


def _singular(kind: str) -> str:
    return {"people": "person", "activities": "activity", "identities": "identity"}.get(
        kind, kind.removesuffix("s").replace("_", " ")
    )


def _chunks(values: Iterable[T]) -> Iterator[list[T]]:
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _stored(lookup: Callable[[list[Any]], QuerySet[Any]], values: Iterable[Any]) -> list[Any]:
    return [row for chunk in _chunks(set(values)) for row in lookup(chunk)]


class _References:
    """What the file refers to, found in the file or in the database, and the checks."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        data = {kind.name: [item.data for item in plan.of(kind.name)] for kind in KINDS}
        self.data = data
        org_refs = (
            [d["organisation"] for d in data["roles"]]
            + [slug for d in data["pathways"] for slug in d["providers"]]
            + [d["provider"] for d in data["milestones"] if d["provider"]]
            + [d["sponsor"] for d in data["enrolments"] if d["sponsor"]]
            + [d["provider"] for d in data["cohorts"] + data["cohort_enrolments"]]
            + [d["employer"] for d in data["consents"]]
        )
        self.org_kinds = dict(
            _stored(
                lambda c: Organisation.objects.filter(slug__in=c).values_list("slug", "kind"),
                org_refs,
            )
        )
        self.org_kinds.update({d["slug"]: d["kind"] for d in data["organisations"]})
        # A rejected organisation's kind is unknown (""): nothing is checked against it.
        for slug in plan.rejected["organisations"]:
            self.org_kinds.setdefault(slug, "")
        learners = [d["learner"] for d in data["enrolments"] + data["cohort_enrolments"]]
        learners += [d["learner"] for d in data["consents"]]
        person_refs = [d["person"] for d in data["identities"] + data["roles"]] + learners
        person_refs += [email for d in data["cohorts"] for email in d["teachers"]]
        self.people = (
            set(
                _stored(
                    lambda c: Person.objects.filter(email__in=c).values_list("email", flat=True),
                    person_refs,
                )
            )
            | {d["email"] for d in data["people"]}
            | plan.rejected["people"]
        )
        skill_refs = [uri for d in data["pathways"] + data["milestones"] for uri in d["skills"]]
        self.skills = (
            set(
                _stored(
                    lambda c: EscoSkill.objects.filter(uri__in=c).values_list("uri", flat=True),
                    skill_refs,
                )
            )
            | {d["uri"] for d in data["skills"]}
            | plan.rejected["skills"]
        )
        pathway_refs = [d["pathway"] for kind in ("milestones", "activities") for d in data[kind]]
        pathway_refs += [d["pathway"] for d in data["enrolments"] + data["cohort_enrolments"]]
        pathway_refs += [d["pathway"] for d in data["consents"]]
        self.pathways = (
            set(
                _stored(
                    lambda c: Pathway.objects.filter(slug__in=c).values_list("slug", flat=True),
                    pathway_refs,
                )
            )
            | {d["slug"] for d in data["pathways"]}
            | plan.rejected["pathways"]
        )
        self.milestones = (
            set(
                _stored(
                    lambda c: Milestone.objects.filter(pathway__slug__in=c).values_list(
                        "pathway__slug", "position"
                    ),
                    [d["pathway"] for d in data["activities"]],
                )
            )
            | {(d["pathway"], d["position"]) for d in data["milestones"]}
            | plan.rejected["milestones"]
        )
        self.enrolments = (
            set(
                _stored(
                    lambda c: Enrolment.objects.filter(learner__email__in=c).values_list(
                        "learner__email", "pathway__slug"
                    ),
                    [d["learner"] for d in data["cohort_enrolments"] + data["consents"]],
                )
            )
            | {(d["learner"], d["pathway"]) for d in data["enrolments"]}
            | plan.rejected["enrolments"]
        )
        self.cohorts = (
            set(
                _stored(
                    lambda c: Cohort.objects.filter(provider__slug__in=c).values_list(
                        "provider__slug", "name"
                    ),
                    [d["provider"] for d in data["cohort_enrolments"]],
                )
            )
            | {(d["provider"], d["name"]) for d in data["cohorts"]}
            | plan.rejected["cohorts"]
        )
        self.teachers = set(
            _stored(
                lambda c: Role.objects.filter(
                    kind=Role.Kind.TEACHER, person__email__in=c
                ).values_list("person__email", "organisation__slug"),
                [email for d in data["cohorts"] for email in d["teachers"]],
            )
        ) | {(d["person"], d["organisation"]) for d in data["roles"] if d["kind"] == "teacher"}

    def problems(self) -> list[Problem]:
        return [
            *self._organisations(),
            *self._people(),
            *self._identities(),
            *(problem for item in self.plan.of("roles") for problem in self._role(item)),
            *self._pathways(),
            *self._milestones(),
            *self._activities(),
            *self._enrolments(),
            *self._cohorts(),
            *self._consents(),
        ]

    def _org(self, item: Item, column: str, slug: str, need: str = "") -> Problem | None:
        kind = self.org_kinds.get(slug)
        if kind is None:
            return item.row.problem(column, f"no organisation with the slug {slug!r}")
        if not kind:
            return None  # its own row is rejected
        if need == "provider" and kind not in Organisation.PROVIDER_KINDS:
            return item.row.problem(column, f"{slug} is not an education provider")
        if need == "company" and kind != Organisation.Kind.COMPANY:
            return item.row.problem(column, f"{slug} is not a company")
        return None

    def _person(self, item: Item, column: str, email: str) -> Problem | None:
        if email not in self.people:
            return item.row.problem(column, f"no person with the e-mail {email}")
        return None

    def _organisations(self) -> Iterator[Problem]:
        items = [item for item in self.plan.of("organisations") if item.data["business_id"]]
        owners = dict(
            _stored(
                lambda c: Organisation.objects.filter(business_id__in=c).values_list(
                    "business_id", "slug"
                ),
                [item.data["business_id"] for item in items],
            )
        )
        claimed: dict[str, str] = {}
        for item in items:
            business_id, slug = item.data["business_id"], item.data["slug"]
            owner = claimed.setdefault(business_id, owners.get(business_id, slug))
            if owner != slug:
                yield item.row.problem(
                    "business_id", f"{business_id} is the business id of {owner}"
                )

    def _people(self) -> Iterator[Problem]:
        items = [item for item in self.plan.of("people") if item.data["username"]]
        owners = dict(
            _stored(
                lambda c: (
                    get_user_model()
                    .objects.filter(username__in=c)
                    .values_list("username", "person__email")
                ),
                [item.data["username"] for item in items],
            )
        )
        claimed: dict[str, str] = {}
        for item in items:
            username, email = item.data["username"], item.data["email"]
            if username not in claimed:
                # A login linked to a person without an e-mail belongs to someone else too.
                linked = owners.get(username)
                claimed[username] = email if linked is None else linked
            if claimed[username] != email:
                owner = claimed[username] or "another person"
                yield item.row.problem("username", f"the login {username} belongs to {owner}")

    def _identities(self) -> Iterator[Problem]:
        items = self.plan.of("identities")
        owners = dict(
            _stored(
                lambda c: XapiIdentity.objects.filter(agent_key__in=c).values_list(
                    "agent_key", "person__email"
                ),
                [item.data["agent_key"] for item in items],
            )
        )
        for item in items:
            if (problem := self._person(item, "person", item.data["person"])) is not None:
                yield problem
            owner = owners.get(item.data["agent_key"], item.data["person"])
            if owner != item.data["person"]:
                key, owner = item.data["agent_key"], owner or "another person"
                message = f"the identity {key} belongs to {owner}"
                yield item.row.problem("value", message)

    def _role(self, item: Item) -> Iterator[Problem]:
        d = item.data
        yield from _present(
            self._person(item, "person", d["person"]),
            self._org(item, "organisation", d["organisation"]),
        )
        kind = self.org_kinds.get(d["organisation"])
        if kind and (reason := role_misfit(role_kind=d["kind"], organisation_kind=kind)):
            yield item.row.problem("kind", f"{d['organisation']}: {reason}")

    def _skills(self, item: Item) -> Iterator[Problem]:
        for index, uri in enumerate(item.data["skills"]):
            if uri not in self.skills:
                yield item.row.problem(
                    f"skills[{index}]", f"no ESCO skill {uri} in the file or directory"
                )

    def _pathway(self, item: Item, slug: str) -> Problem | None:
        if slug not in self.pathways:
            return item.row.problem("pathway", f"no pathway with the slug {slug!r}")
        return None

    def _pathways(self) -> Iterator[Problem]:
        for item in self.plan.of("pathways"):
            yield from self._skills(item)
            for index, slug in enumerate(item.data["providers"]):
                yield from _present(self._org(item, f"providers[{index}]", slug, "provider"))

    def _milestones(self) -> Iterator[Problem]:
        for item in self.plan.of("milestones"):
            yield from self._skills(item)
            yield from _present(self._pathway(item, item.data["pathway"]))
            if item.data["provider"]:
                yield from _present(self._org(item, "provider", item.data["provider"], "provider"))

    def _activities(self) -> Iterator[Problem]:
        for item in self.plan.of("activities"):
            key = (item.data["pathway"], item.data["milestone"])
            if key not in self.milestones:
                message = f"no milestone {key[1]} on the pathway {key[0]!r}"
                yield item.row.problem("milestone", message)

    def _enrolments(self) -> Iterator[Problem]:
        for item in self.plan.of("enrolments"):
            d = item.data
            yield from _present(
                self._person(item, "learner", d["learner"]), self._pathway(item, d["pathway"])
            )
            if d["sponsor"]:
                yield from _present(self._org(item, "sponsor", d["sponsor"], "company"))

    def _enrolment(self, item: Item) -> Problem | None:
        key = (item.data["learner"], item.data["pathway"])
        if key not in self.enrolments:
            return item.row.problem("pathway", f"{key[0]} is not enrolled on {key[1]!r}")
        return None

    def _cohorts(self) -> Iterator[Problem]:
        for item in self.plan.of("cohorts"):
            provider = item.data["provider"]
            yield from _present(self._org(item, "provider", provider, "provider"))
            for index, email in enumerate(item.data["teachers"]):
                column = f"teachers[{index}]"
                if (problem := self._person(item, column, email)) is not None:
                    yield problem
                elif (email, provider) not in self.teachers:
                    yield item.row.problem(column, f"{email} is not a teacher at {provider}")
        for item in self.plan.of("cohort_enrolments"):
            if (item.data["provider"], item.data["cohort"]) not in self.cohorts:
                message = f"{item.data['provider']} has no cohort {item.data['cohort']!r}"
                yield item.row.problem("cohort", message)
            yield from _present(self._enrolment(item))

    def _consents(self) -> Iterator[Problem]:
        items = self.plan.of("consents")
        stored: dict[tuple[str, str, str], dict[Any, Any]] = defaultdict(dict)
        for learner, pathway, employer, given_at, revoked_at in _stored(
            lambda c: Consent.objects.filter(enrolment__learner__email__in=c).values_list(
                "enrolment__learner__email",
                "enrolment__pathway__slug",
                "employer__slug",
                "given_at",
                "revoked_at",
            ),
            [item.data["learner"] for item in items],
        ):
            stored[(learner, pathway, employer)][given_at] = revoked_at
        for item in items:
            d = item.data
            yield from _present(
                self._enrolment(item), self._org(item, "employer", d["employer"], "company")
            )
            history = stored[(d["learner"], d["pathway"], d["employer"])]
            revoked = history.get(d["given_at"])
            if revoked is not None and revoked != d["revoked_at"]:
                message = (
                    f"this consent was revoked at {revoked.isoformat()}; a revoked consent "
                    "stays revoked (a new consent has its own given_at)"
                )
                yield item.row.problem("revoked_at", message)
            else:
                history[d["given_at"]] = d["revoked_at"]
        for item in items:
            d = item.data
            history = stored[(d["learner"], d["pathway"], d["employer"])]
            active = sorted(given for given, revoked in history.items() if revoked is None)
            if d["revoked_at"] is None and len(active) > 1:
                others = ", ".join(given.isoformat() for given in active if given != d["given_at"])
                message = (
                    f"another consent to {d['employer']} is active (given at {others}); "
                    "only one can be: revoke it in the same file or first"
                )
                yield item.row.problem("given_at", message)


def _present(*problems: Problem | None) -> Iterator[Problem]:
    return (problem for problem in problems if problem is not None)

"""factory_boy factories of the network directory (and the Django user), shared by every
room's tests. Each factory makes a valid row; a test overrides what it is about.

Call `XFactory.create(...)`: factory_boy types `create` as returning the model, while a
bare `XFactory(...)` reads to mypy as an instance of the factory."""

import datetime as dt
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.text import slugify

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
from learning_records.xapi.index import agent_key

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.fi")
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name_en = factory.Sequence(lambda n: f"Provider {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name_en))
    kind = Organisation.Kind.UNIVERSITY_OF_APPLIED_SCIENCES


class CompanyFactory(OrganisationFactory):
    name_en = factory.Sequence(lambda n: f"Company {n}")
    kind = Organisation.Kind.COMPANY


class NetworkFactory(OrganisationFactory):
    name_en = factory.Sequence(lambda n: f"Battery network {n}")
    kind = Organisation.Kind.NETWORK


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    given_name = factory.Sequence(lambda n: f"Aino{n}")
    family_name = "Virtanen"
    email = factory.LazyAttribute(
        lambda p: f"{p.given_name.lower()}.{p.family_name.lower()}@example.fi"
    )
    language = Person.Language.FINNISH


class RoleFactory(factory.django.DjangoModelFactory[Role]):
    class Meta:
        model = Role

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    kind = Role.Kind.LEARNER


class IdentityFactory(factory.django.DjangoModelFactory[XapiIdentity]):
    class Meta:
        model = XapiIdentity

    person = factory.SubFactory(PersonFactory)
    kind = XapiIdentity.Kind.MBOX
    value = factory.LazyAttribute(lambda i: f"mailto:{i.person.email}")
    home_page = ""
    agent_key = factory.LazyAttribute(
        lambda i: agent_key(
            {"account": {"homePage": i.home_page, "name": i.value}}
            if i.kind == "account"
            else {i.kind: i.value}
        )
    )


class SkillFactory(factory.django.DjangoModelFactory[EscoSkill]):
    class Meta:
        model = EscoSkill
        django_get_or_create = ("uri",)

    uri = factory.Sequence(lambda n: f"http://data.europa.eu/esco/skill/test-{n}")
    label_en = factory.Sequence(lambda n: f"skill {n}")


class PathwayFactory(factory.django.DjangoModelFactory[Pathway]):
    class Meta:
        model = Pathway
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"pathway-{n}")
    title_en = factory.Sequence(lambda n: f"Pathway {n}")
    eqf_level = 5
    effort_hours = 120
    languages = factory.LazyFunction(lambda: ["fi", "en"])
    is_published = True

    @factory.post_generation
    def skills(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.skills.set(extracted)

    @factory.post_generation
    def providers(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.providers.set(extracted)


class MilestoneFactory(factory.django.DjangoModelFactory[Milestone]):
    class Meta:
        model = Milestone

    pathway = factory.SubFactory(PathwayFactory)
    position = factory.Sequence(lambda n: n + 1)
    title_en = factory.Sequence(lambda n: f"Milestone {n}")


class ActivityFactory(factory.django.DjangoModelFactory[MilestoneActivity]):
    class Meta:
        model = MilestoneActivity

    milestone = factory.SubFactory(MilestoneFactory)
    activity_iri = factory.Sequence(lambda n: f"https://moodle.example.fi/mod/quiz/{n}")
    activity_hash = factory.LazyAttribute(lambda a: lookup_hash(a.activity_iri))
    verbs = factory.LazyFunction(lambda: [COMPLETED, PASSED])


class EnrolmentFactory(factory.django.DjangoModelFactory[Enrolment]):
    class Meta:
        model = Enrolment

    learner = factory.SubFactory(PersonFactory)
    pathway = factory.SubFactory(PathwayFactory)
    started_on = dt.date(2026, 1, 12)
    status = Enrolment.Status.ACTIVE


class CohortFactory(factory.django.DjangoModelFactory[Cohort]):
    class Meta:
        model = Cohort
        skip_postgeneration_save = True

    provider = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")

    @factory.post_generation
    def teachers(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.teachers.set(extracted)

    @factory.post_generation
    def enrolments(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.enrolments.set(extracted)


class ConsentFactory(factory.django.DjangoModelFactory[Consent]):
    class Meta:
        model = Consent

    enrolment = factory.SubFactory(EnrolmentFactory)
    employer = factory.SubFactory(CompanyFactory)
    given_at = factory.LazyFunction(timezone.now)

"""network_export writes the import format: export -> import round-trips, in both layouts."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model

from engagement.network.interchange import network_export, network_import
from engagement.network.interchange.format import KINDS
from engagement.network.models import (
    Cohort,
    Consent,
    Enrolment,
    EscoSkill,
    Milestone,
    Organisation,
    Pathway,
    Person,
)
from tests.engagement.network.interchange import dump, network_document
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def wipe_directory() -> None:
    for model in (Consent, Cohort, Enrolment, Milestone, Pathway, Person, EscoSkill, Organisation):
        model.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.mark.parametrize("layout", ["json", "csv"])
def test_it_round_trips_export_import_export(layout):
    network_import(filename="network.json", content=dump(network_document()))
    first = network_export(layout=layout)
    wipe_directory()

    network_import(filename=first.filename, content=first.content)
    second = network_export(layout=layout)

    assert Person.objects.get(email="aino@example.fi").user is not None
    if layout == "json":
        assert json.loads(second.content) == json.loads(first.content)
    else:
        assert _members(second.content) == _members(first.content)


@pytest.mark.parametrize("layout", ["json", "csv"])
def test_it_changes_nothing_when_its_own_export_is_imported_back(layout):
    network_import(filename="network.json", content=dump(network_document()))
    export = network_export(layout=layout)

    result = network_import(filename=export.filename, content=export.content)

    counts = result.as_dict()["counts"]
    assert all(n["created"] == 0 and n["updated"] == 0 for n in counts.values()), counts
    assert sum(n["unchanged"] for n in counts.values()) == 26


def test_it_writes_the_document_it_was_given_in_substance():
    document = network_document()
    network_import(filename="network.json", content=dump(document))

    exported = json.loads(network_export().content)

    assert exported["format"] == "kipina-network/1"
    assert [o["slug"] for o in exported["organisations"]] == [
        "network",
        "savonia",
        "sedu",
        "valmet",
    ]
    aino = next(p for p in exported["people"] if p["email"] == "aino@example.fi")
    assert aino["username"] == "aino"
    assert {i["kind"] for i in aino["identities"]} == {"mbox", "account"}
    milestone = exported["pathways"][0]["milestones"][0]
    assert "pathway" not in milestone  # nested rows leave out their parent's key
    assert milestone["activities"][0]["min_scaled"] == 0.6  # ordered by IRI: quiz before video
    assert exported["cohorts"][0]["enrolments"] == [
        {"learner": "aino@example.fi", "pathway": "cells"}
    ]
    assert len(exported["consents"]) == 2


def test_it_writes_one_csv_per_kind_with_the_documented_columns():
    network_import(filename="network.json", content=dump(network_document()))

    members = _members(network_export(layout="csv").content)

    assert sorted(members) == sorted(f"{kind.name}.csv" for kind in KINDS)
    for kind in KINDS:
        assert members[f"{kind.name}.csv"].splitlines()[0] == ",".join(kind.columns)
    assert "cells,1,Safety,,,sedu,,30," in members["milestones.csv"]


def test_it_leaves_out_people_without_an_e_mail_address_and_says_so():
    PersonFactory.create(email="")

    export = network_export()

    assert json.loads(export.content)["people"] == []
    assert export.warnings == [
        "1 people without an e-mail address were left out, with their identities, roles, "
        "enrolments and consents: files refer to people by e-mail"
    ]


def _members(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}

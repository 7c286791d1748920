"""network_import: what it stores, idempotence, all-or-nothing, and a report naming every bad
row by file, line and field."""

import pytest

from engagement.network.interchange import ImportRefused, network_import
from engagement.network.interchange.format import KINDS
from engagement.network.models import (
    Cohort,
    Consent,
    Enrolment,
    EscoSkill,
    MilestoneActivity,
    Organisation,
    Pathway,
    Person,
    Role,
    XapiIdentity,
)
from learning_records.models import lookup_hash
from tests.engagement.network.interchange import (
    CHEMISTRY,
    LMS,
    csv_text,
    dump,
    line_of,
    network_document,
    zip_of,
)
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused(filename: str, content: bytes) -> list[str]:
    with pytest.raises(ImportRefused) as error:
        network_import(filename=filename, content=content)
    return [str(problem) for problem in error.value.problems]


def test_it_imports_every_kind_of_row_from_one_json_document():
    result = network_import(filename="network.json", content=dump(network_document()))

    counts = result.as_dict()["counts"]
    assert {kind: n["created"] for kind, n in counts.items()} == {
        "organisations": 4, "skills": 2, "people": 3, "identities": 2, "roles": 3,
        "pathways": 1, "milestones": 2, "activities": 4, "enrolments": 1, "cohorts": 1,
        "cohort_enrolments": 1, "consents": 2,
    }  # fmt: skip
    pathway = Pathway.objects.get(slug="cells")
    assert [p.slug for p in pathway.providers.order_by("slug")] == ["savonia", "sedu"]
    assert pathway.milestones.get(position=2).required_count == 1
    quiz = MilestoneActivity.objects.get(activity_iri=f"{LMS}/mod/quiz/1")
    assert quiz.activity_hash == lookup_hash(quiz.activity_iri)
    assert quiz.min_scaled == 0.6
    aino = Person.objects.get(email="aino@example.fi")
    assert aino.user is not None
    assert not aino.user.has_usable_password()
    assert XapiIdentity.objects.filter(person=aino, agent_key=f"Agent|account|{LMS}|2041").exists()
    enrolment = Enrolment.objects.get()
    assert enrolment.sponsor == Organisation.objects.get(slug="valmet")
    assert list(Cohort.objects.get().enrolments.all()) == [enrolment]
    assert Consent.objects.filter(revoked_at=None).count() == 1


def test_it_changes_nothing_when_the_same_file_comes_twice():
    content = dump(network_document())
    network_import(filename="network.json", content=content)
    before = [
        model.objects.count() for model in (Organisation, Person, XapiIdentity, Role, Consent)
    ]

    again = network_import(filename="network.json", content=content)

    counts = again.as_dict()["counts"]
    assert all(n["created"] == 0 and n["updated"] == 0 for n in counts.values()), counts
    after = [model.objects.count() for model in (Organisation, Person, XapiIdentity, Role, Consent)]
    assert after == before


def test_it_updates_what_a_later_file_changes():
    document = network_document()
    network_import(filename="network.json", content=dump(document))
    document["organisations"][3]["phone"] = "+358 40 123 4567"
    document["pathways"][0]["skills"] = [CHEMISTRY]

    result = network_import(filename="network.json", content=dump(document))

    counts = result.as_dict()["counts"]
    assert counts["organisations"] == {"created": 0, "updated": 1, "unchanged": 3}
    assert counts["pathways"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert Organisation.objects.get(slug="valmet").phone == "+358 40 123 4567"
    assert [s.uri for s in Pathway.objects.get().skills.all()] == [CHEMISTRY]


def test_it_revokes_a_consent_a_later_file_revokes_but_never_restores_one():
    document = network_document()
    network_import(filename="network.json", content=dump(document))
    document["consents"][1]["revoked_at"] = "2026-02-01T12:00:00+02:00"
    network_import(filename="network.json", content=dump(document))
    del document["consents"][1]["revoked_at"]

    problems = refused("network.json", dump(document))

    assert not Consent.objects.filter(revoked_at=None).exists()
    assert len(problems) == 1
    assert "consents[1].revoked_at: this consent was revoked" in problems[0]


def test_it_stores_nothing_when_one_row_is_bad():
    document = network_document()
    document["consents"][1]["employer"] = "savonia"

    problems = refused("network.json", dump(document))

    assert len(problems) == 1
    assert not any(
        model.objects.exists()
        for model in (Organisation, EscoSkill, Person, Pathway, Enrolment, Consent)
    )


def test_it_reports_every_bad_row_not_only_the_first():
    document = network_document()
    document["organisations"][1]["business_id"] = "2472908-3"
    document["people"][2]["email"] = "emma at valmet"
    document["enrolments"][0]["target_on"] = "2025-12-31"

    problems = refused("network.json", dump(document))

    assert len(problems) >= 3
    assert any("organisations[1].business_id" in p for p in problems)
    assert any("people[2].email" in p for p in problems)
    assert any("enrolments[0].target_on" in p for p in problems)


def _set(document, path, value):
    *parents, last = path
    target = document
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "needle", "field", "message"),
    [
        (
            ("organisations", 1, "business_id"),
            "2472908-3",
            "2472908-3",
            "organisations[1].business_id",
            "check digit",
        ),
        (
            ("organisations", 3, "kind"),
            "club",
            '"club"',
            "organisations[3].kind",
            "not a valid choice",
        ),
        (
            ("organisations", 2, "slug"),
            "Sedu Oy",
            "Sedu Oy",
            "organisations[2].slug",
            "letters, numbers",
        ),
        (("people", 0, "email"), "not-an-email", "not-an-email", "people[0].email", "valid email"),
        (
            ("people", 1, "time_zone"),
            "Mars/Base",
            "Mars/Base",
            "people[1].time_zone",
            "Unknown time zone",
        ),
        (
            ("people", 0, "identities", 0, "value"),
            "aino@example.fi",
            '"value": "aino@example.fi"',
            "people[0].identities[0].value",
            "mailto",
        ),
        (
            ("people", 1, "roles", 0, "organisation"),
            "valmet",
            '"kind": "teacher"',
            "people[1].roles[0].kind",
            "not an education provider",
        ),
        (
            ("people", 0, "nickname"),
            "Ainoliini",
            "Ainoliini",
            "people[0].nickname",
            "unknown field",
        ),
        (
            ("people", 0, "roles"),
            {"organisation": "savonia"},
            '"roles": {',
            "people[0].roles",
            "must be a list",
        ),
        (
            ("pathways", 0, "eqf_level"),
            9,
            '"eqf_level": 9',
            "pathways[0].eqf_level",
            "less than or equal to 8",
        ),
        (
            ("pathways", 0, "effort_hours"),
            "lots",
            '"lots"',
            "pathways[0].effort_hours",
            "valid integer",
        ),
        (
            ("pathways", 0, "languages"),
            "fi",
            '"languages": "fi"',
            "pathways[0].languages",
            "Expected a list",
        ),
        (
            ("pathways", 0, "skills", 1),
            f"{CHEMISTRY}-x",
            f"{CHEMISTRY}-x",
            "pathways[0].skills[1]",
            "no ESCO skill",
        ),
        (
            ("pathways", 0, "providers", 0),
            "valmet",
            ('"valmet"', '"providers"'),
            "pathways[0].providers[0]",
            "not an education provider",
        ),
        (
            ("pathways", 0, "milestones", 1, "provider"),
            "nowhere",
            '"nowhere"',
            "pathways[0].milestones[1].provider",
            "no organisation",
        ),
        (
            ("pathways", 0, "milestones", 0, "activities", 1, "min_scaled"),
            1.5,
            "1.5",
            "pathways[0].milestones[0].activities[1].min_scaled",
            "less than or equal to 1",
        ),
        (
            ("pathways", 0, "milestones", 0, "activities", 0, "verbs"),
            [],
            '"verbs": []',
            "pathways[0].milestones[0].activities[0].verbs",
            "at least 1",
        ),
        (
            ("pathways", 0, "milestones", 0, "activities", 0, "activity_iri"),
            "video 1",
            '"video 1"',
            "pathways[0].milestones[0].activities[0].activity_iri",
            "IRI",
        ),
        (
            ("enrolments", 0, "learner"),
            "nobody@example.fi",
            "nobody@example.fi",
            "enrolments[0].learner",
            "no person with the e-mail",
        ),
        (
            ("enrolments", 0, "started_on"),
            "12.1.2026",
            "12.1.2026",
            "enrolments[0].started_on",
            "wrong format",
        ),
        (
            ("enrolments", 0, "target_on"),
            "2025-12-31",
            "2025-12-31",
            "enrolments[0].target_on",
            "before started_on",
        ),
        (
            ("enrolments", 0, "sponsor"),
            "sedu",
            '"sponsor": "sedu"',
            "enrolments[0].sponsor",
            "not a company",
        ),
        (
            ("cohorts", 0, "teachers", 0),
            "emma@valmet.fi",
            ('"emma@valmet.fi"', '"teachers"'),
            "cohorts[0].teachers[0]",
            "not a teacher at savonia",
        ),
        (
            ("cohorts", 0, "enrolments", 0, "pathway"),
            "modules",
            '"modules"',
            "cohorts[0].enrolments[0].pathway",
            "not enrolled on 'modules'",
        ),
        (
            ("consents", 1, "employer"),
            "savonia",
            '"employer": "savonia"',
            "consents[1].employer",
            "not a company",
        ),
        (
            ("consents", 1, "revoked_at"),
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
            "consents[1].revoked_at",
            "before given_at",
        ),
        (
            ("consents", 0, "revoked_at"),
            DELETE,
            '"given_at": "2026-01-15',
            "consents[1].given_at",
            "another consent to valmet is active",
        ),
        (("courses",), [], '"courses"', "courses", "unknown list"),
        (
            ("format",),
            "kipina-network/2",
            "kipina-network/2",
            "format",
            'must be "kipina-network/1"',
        ),
    ],
)
def test_it_names_the_line_field_and_reason_of_a_bad_json_value(
    path, value, needle, field, message
):
    document = network_document()
    _set(document, path, value)
    content = dump(document)

    problems = refused("network.json", content)

    needle, after = needle if isinstance(needle, tuple) else (needle, "")
    expected = f"network.json, line {line_of(content, needle, after=after)}: {field}: "
    assert any(p.startswith(expected) and message in p for p in problems), problems


def test_it_names_the_record_line_of_a_missing_field():
    document = network_document()
    del document["pathways"][0]["title_en"]
    content = dump(document)

    problems = refused("network.json", content)

    line = line_of(content, '"slug": "cells"') - 1  # the object's opening brace
    assert problems == [f"network.json, line {line}: pathways[0].title_en: This field is required."]


def test_it_names_both_lines_of_a_row_that_appears_twice():
    document = network_document()
    document["people"].append(dict(document["people"][2], roles=[]))
    content = dump(document)

    problems = refused("network.json", content)

    first, second = (
        line_of(content, '"email": "emma@valmet.fi"', 1),
        line_of(content, '"email": "emma@valmet.fi"', 2),
    )
    assert problems == [
        f"network.json, line {second - 1}: people[3]: "
        f"the same person as network.json line {first - 1}"
    ]


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (
            b'{\n  "organisations": [\n    {"slug": "a",}\n  ]\n}',
            3,
            "not valid JSON: Expecting property name",
        ),
        (b'{\n  "skills": []\n}\n{}', 4, "not valid JSON: Extra data"),
        (b'{"skills": [NaN]}', 1, "NaN is not valid JSON"),
        (b'{"skills": [],\n "skills": []}', 2, "appears twice"),
        (b'["organisations"]', 1, "must be a JSON object"),
        (b'{"people": [\n"aino@example.fi"]}', 2, "people[0]: must be an object"),
        (b'{"people": []}\xff', 1, "not UTF-8"),
    ],
)
def test_it_refuses_a_malformed_json_document_with_its_line(content, line, message):
    problems = refused("network.json", content)

    assert len(problems) == 1
    assert problems[0].startswith(f"network.json, line {line}: ")
    assert message in problems[0]


def test_it_refuses_a_login_that_belongs_to_another_person():
    PersonFactory.create(email="someone@example.fi", user=UserFactory.create(username="aino"))
    content = dump(network_document())

    problems = refused("network.json", content)

    line = line_of(content, '"username": "aino"')
    assert problems == [
        f"network.json, line {line}: people[0].username: "
        "the login aino belongs to someone@example.fi"
    ]


def test_it_refuses_an_identity_that_belongs_to_another_person():
    other = PersonFactory.create(email="other@example.fi")
    key = "Agent|mbox|mailto:aino@example.fi"
    XapiIdentity.objects.create(
        person=other, kind="mbox", value="mailto:aino@example.fi", agent_key=key
    )
    content = dump(network_document())

    problems = refused("network.json", content)

    line = line_of(content, '"value": "mailto:aino@example.fi"')
    assert problems == [
        f"network.json, line {line}: people[0].identities[0].value: "
        f"the identity {key} belongs to other@example.fi"
    ]


def test_it_refers_to_rows_stored_earlier_by_natural_key():
    network_import(filename="network.json", content=dump(network_document()))
    enrolments = csv_text(
        [
            ["learner", "pathway", "started_on", "status"],
            ["tea@savonia.fi", "cells", "2026-02-01", "paused"],
        ]
    )

    result = network_import(filename="enrolments.csv", content=enrolments)

    assert result.as_dict()["counts"]["enrolments"]["created"] == 1
    assert Enrolment.objects.get(learner__email="tea@savonia.fi").status == "paused"


def test_it_checks_and_counts_without_storing_in_a_dry_run():
    result = network_import(filename="network.json", content=dump(network_document()), dry_run=True)

    assert result.dry_run is True
    assert result.as_dict()["counts"]["people"]["created"] == 3
    assert not Person.objects.exists()


# --- CSV --------------------------------------------------------------------------------------


PEOPLE = [
    ["email", "given_name", "family_name", "language"],
    ["aino@example.fi", "Aino", "Virtanen", "fi"],
    ["mikko@example.fi", "Mikko", "Korhonen", "sv"],
]


def test_it_imports_one_csv_file_named_after_its_kind():
    result = network_import(filename="people.csv", content=csv_text(PEOPLE))

    assert result.as_dict()["counts"]["people"]["created"] == 2
    assert Person.objects.get(email="mikko@example.fi").language == "sv"


def test_it_reads_semicolon_csv_with_a_byte_order_mark_as_spreadsheets_save_it():
    content = "\ufeff".encode() + csv_text(PEOPLE, delimiter=";")

    network_import(filename="people.csv", content=content)

    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [*PEOPLE, ["bad-email", "B", "C", "fi"]],
            "people.csv, line 4: email: Enter a valid email address.",
        ),
        (
            [*PEOPLE, ["x@example.fi", "", "C", "fi"]],
            "people.csv, line 4: given_name: This field is required.",
        ),
        (
            [*PEOPLE, ["x@example.fi", "B", "C", "de"]],
            'people.csv, line 4: language: "de" is not a valid choice.',
        ),
        ([*PEOPLE, ["x@example.fi", "B"]], "people.csv, line 4: has 2 fields; the header names 4"),
        (
            [*PEOPLE, ["aino@example.fi", "A", "V", "fi"]],
            "people.csv, line 4: the same person as people.csv line 2",
        ),
        (
            [["email", "given_name", "family_name", "nick"], ["a@example.fi", "A", "B", "x"]],
            "people.csv, line 1: nick: unknown column; expected some of",
        ),
        ([], "people.csv, line 1: empty file: the first line names the columns"),
    ],
)
def test_it_names_the_line_and_column_of_a_bad_csv_row(rows, expected):
    problems = refused("people.csv", csv_text(rows))

    assert any(p.startswith(expected) for p in problems), problems


def test_it_counts_lines_of_quoted_values_that_span_lines():
    content = (
        b"slug,title_en,description_en,eqf_level,effort_hours\n"
        b'cells,Cells,"two\nlines",5,10\n'
        b"bad,Bad,,11,10\n"
    )
    SKILLS = b"uri,label_en\n"

    problems = refused("pathways.csv", content)
    assert refused("skills.csv", SKILLS + b"ftp://x,y\n") == [
        "skills.csv, line 2: uri: An ESCO URI looks like http://data.europa.eu/esco/skill/<id>."
    ]

    assert problems == [
        "pathways.csv, line 4: eqf_level: Ensure this value is less than or equal to 8."
    ]


def test_it_imports_a_zip_of_csv_files_in_dependency_order():
    files = {
        # In a zip the order of members does not matter: kinds are read in dependency order.
        "export/enrolments.csv": csv_text(
            [["learner", "pathway", "started_on"], ["aino@example.fi", "cells", "2026-01-12"]]
        ),
        "export/people.csv": csv_text(PEOPLE),
        "export/pathways.csv": csv_text(
            [
                ["slug", "title_en", "eqf_level", "effort_hours", "languages", "is_published"],
                ["cells", "Cells", "5", "10", "fi en", "false"],
            ]
        ),
        "__MACOSX/._people.csv": b"junk",
    }

    result = network_import(filename="network.zip", content=zip_of(files))

    assert result.as_dict()["counts"]["enrolments"]["created"] == 1
    pathway = Pathway.objects.get()
    assert pathway.languages == ["fi", "en"]
    assert pathway.is_published is False


def test_it_names_the_member_of_a_zip_with_a_bad_row():
    files = {
        "people.csv": csv_text(PEOPLE),
        "roles.csv": csv_text(
            [["person", "organisation", "kind"], ["aino@example.fi", "nowhere", "learner"]]
        ),
        "notes.txt": b"hello",
    }

    problems = refused("network.zip", zip_of(files))

    assert problems == [
        "network.zip, line 1: notes.txt: unknown file; expected "
        + ", ".join(f"{kind.name}.csv" for kind in KINDS),
        "roles.csv, line 2: organisation: no organisation with the slug 'nowhere'",
    ]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("network.zip", b"PK\x03\x04 truncated", "not a valid zip file"),
        ("courses.csv", b"a,b\n", "unknown file; a CSV file is one of"),
        ("network.xml", b"<network/>", "unknown kind of file"),
    ],
)
def test_it_refuses_a_file_it_cannot_read(filename, content, message):
    problems = refused(filename, content)

    assert len(problems) == 1
    assert message in problems[0]

"""The import and export interfaces: manage.py import_network / export_network, and the
administrators' endpoints /api/network/import/ and /api/network/export/."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from engagement.network.models import EscoSkill, Person
from tests.engagement.network.interchange import csv_text, dump, network_document, zip_of
from tests.factories import NetworkFactory, PersonFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- manage.py ---------------------------------------------------------------------------------


def test_it_imports_a_file_and_says_what_it_did(tmp_path):
    path = tmp_path / "network.json"
    path.write_bytes(dump(network_document()))

    out, _err = run("import_network", str(path))

    assert "people: 3 created" in out
    assert f"Imported: 26 rows from {path}." in out
    assert Person.objects.count() == 3


def test_it_lists_every_problem_and_exits_with_an_error(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(
        csv_text(
            [["email", "given_name", "family_name"], ["x", "A", "B"], ["y@example.fi", "", "C"]]
        )
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_network", str(path), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        "people.csv, line 2: email: Enter a valid email address.",
        "people.csv, line 3: given_name: This field is required.",
    ]
    assert not Person.objects.exists()


def test_it_checks_without_storing_in_a_dry_run(tmp_path):
    path = tmp_path / "network.json"
    path.write_bytes(dump(network_document()))

    out, _err = run("import_network", str(path), "--dry-run")

    assert "Checked (dry run, nothing stored): 26 rows" in out
    assert not Person.objects.exists()


def test_it_says_when_the_file_cannot_be_read(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("import_network", str(tmp_path / "missing.json"))


def test_it_shows_progress_on_large_files(tmp_path):
    rows = [["uri", "label_en"]] + [
        [f"http://data.europa.eu/esco/skill/s{n}", f"skill {n}"] for n in range(1500)
    ]
    path = tmp_path / "skills.csv"
    path.write_bytes(csv_text(rows))

    _out, err = run("import_network", str(path))

    lines = err.splitlines()
    assert "checking [#####-----]  50%  750/1500 rows" in lines
    assert "writing  [##########] 100%  1500/1500 rows" in lines
    assert EscoSkill.objects.count() == 1500


def test_it_exports_json_to_stdout_and_a_zip_to_a_file(tmp_path):
    path = tmp_path / "network.json"
    path.write_bytes(dump(network_document()))
    run("import_network", str(path))

    out, _err = run("export_network")
    _out, err = run("export_network", "--layout", "csv", "--output", str(tmp_path / "network.zip"))

    assert json.loads(out)["people"][0]["email"] == "aino@example.fi"
    assert "Wrote" in err
    assert (tmp_path / "network.zip").read_bytes().startswith(b"PK")


def test_it_refuses_to_write_a_zip_to_the_terminal():
    with pytest.raises(CommandError, match="--output"):
        run("export_network", "--layout", "csv")


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture
def clients(db):
    """Signed-in clients of an administrator and of a learner, in an otherwise empty network."""
    admin, learner = UserFactory.create(username="ada"), UserFactory.create(username="lea")
    person = PersonFactory.create(email="ada@network.fi", user=admin)
    RoleFactory.create(person=person, organisation=NetworkFactory.create(), kind="network_admin")
    PersonFactory.create(email="lea@example.fi", user=learner)
    signed_in = {}
    for name, user in (("admin", admin), ("learner", learner)):
        signed_in[name] = Client()
        signed_in[name].force_login(user)
    return signed_in


def test_it_imports_a_json_body_for_an_administrator(clients):
    response = clients["admin"].post(
        "/api/network/import/", dump(network_document()), content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["counts"]["pathways"] == {"created": 1, "updated": 0, "unchanged": 0}


def test_it_answers_400_with_every_problem_and_stores_nothing(clients):
    document = network_document()
    document["people"][0]["email"] = "aino"
    document["pathways"][0]["eqf_level"] = 0

    response = clients["admin"].post(
        "/api/network/import/", dump(document), content_type="application/json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["detail"].endswith("nothing was imported")
    fields = [problem["field"] for problem in body["problems"]]
    assert "people[0].email" in fields
    assert "pathways[0].eqf_level" in fields
    assert all(isinstance(problem["line"], int) for problem in body["problems"])
    assert not Person.objects.filter(email="tea@savonia.fi").exists()


def test_it_imports_an_uploaded_zip_and_a_csv_body(clients):
    people = csv_text([["email", "given_name", "family_name"], ["new@example.fi", "New", "Person"]])
    upload = io.BytesIO(zip_of({"people.csv": people}))
    upload.name = "network.zip"

    uploaded = clients["admin"].post("/api/network/import/", {"file": upload})
    again = clients["admin"].post(
        "/api/network/import/?kind=people", people, content_type="text/csv"
    )

    assert uploaded.status_code == 200, uploaded.content
    assert uploaded.json()["counts"]["people"]["created"] == 1
    assert again.json()["counts"]["people"] == {"created": 0, "updated": 0, "unchanged": 1}


def test_it_checks_only_in_a_dry_run(clients):
    response = clients["admin"].post(
        "/api/network/import/?dry_run=true",
        dump(network_document()),
        content_type="application/json",
    )

    assert response.json()["dry_run"] is True
    assert not Person.objects.filter(email="tea@savonia.fi").exists()


@pytest.mark.parametrize(
    ("path", "content_type", "body", "field"),
    [
        ("/api/network/import/", "application/json", b"", "detail"),
        ("/api/network/import/", "text/csv", b"email\n", "kind"),
        ("/api/network/import/", "multipart/form-data; boundary=x", b"--x--\r\n", "file"),
    ],
)
def test_it_says_what_is_missing_from_an_import_request(clients, path, content_type, body, field):
    response = clients["admin"].post(path, body, content_type=content_type)

    assert response.status_code == 400
    assert field in response.json()


def test_it_refuses_an_import_larger_than_the_upload_limit(clients, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = clients["admin"].post(
        "/api/network/import/", dump(network_document()), content_type="application/json"
    )

    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["detail"]


def test_it_refuses_import_and_export_to_anyone_but_an_administrator(clients):
    client = clients["learner"]

    imported = client.post(
        "/api/network/import/", dump(network_document()), content_type="application/json"
    )
    exported = client.get("/api/network/export/")

    assert imported.status_code == 403
    assert exported.status_code == 403
    assert not Person.objects.filter(email="tea@savonia.fi").exists()


def test_it_exports_a_file_that_imports_back_unchanged(clients):
    client = clients["admin"]

    exported = client.get("/api/network/export/?layout=csv", HTTP_ACCEPT="application/zip")
    imported = client.post("/api/network/import/", exported.content, content_type="application/zip")

    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="network.zip"'
    counts = imported.json()["counts"]
    assert all(n["created"] == 0 and n["updated"] == 0 for n in counts.values()), counts


def test_it_refuses_an_unknown_export_layout(clients):
    response = clients["admin"].get("/api/network/export/?layout=xml")

    assert response.status_code == 400
    assert "layout" in response.json()

"""A valid network document for import tests, and helpers to break it one field at a time."""

import copy
import csv
import io
import json
import zipfile
from typing import Any

from engagement.network.interchange import FORMAT

ESCO = "http://data.europa.eu/esco/skill"
SAFETY, CHEMISTRY = f"{ESCO}/battery-safety", f"{ESCO}/cell-chemistry"
LMS = "https://moodle.savonia.example"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"


def network_document() -> dict[str, Any]:
    """Every kind of row, all valid."""
    return copy.deepcopy(_DOCUMENT)


_DOCUMENT: dict[str, Any] = {
    "format": FORMAT,
    "organisations": [
        {"slug": "network", "kind": "network", "name_en": "Battery network"},
        {
            "slug": "savonia",
            "kind": "uas",
            "name_en": "Savonia UAS",
            "name_fi": "Savonia-ammattikorkeakoulu",
            "business_id": "2472908-2",
        },
        {"slug": "sedu", "kind": "vocational", "name_en": "Sedu", "name_sv": "Sedu"},
        {
            "slug": "valmet",
            "kind": "company",
            "name_en": "Valmet Automotive",
            "business_id": "0112038-9",
            "website": "https://valmet.example",
            "email": "hr@valmet.example",
            "phone": "+358 20 484 111",
        },
    ],
    "skills": [
        {"uri": SAFETY, "label_en": "battery safety", "label_fi": "akkuturvallisuus"},
        {"uri": CHEMISTRY, "label_en": "cell chemistry", "label_sv": "cellkemi"},
    ],
    "people": [
        {
            "email": "aino@example.fi",
            "given_name": "Aino",
            "family_name": "Virtanen",
            "language": "fi",
            "username": "aino",
            "identities": [
                {"kind": "mbox", "value": "mailto:aino@example.fi"},
                {"kind": "account", "value": "2041", "home_page": LMS},
            ],
            "roles": [{"organisation": "savonia", "kind": "learner"}],
        },
        {
            "email": "tea@savonia.fi",
            "given_name": "Tea",
            "family_name": "Opettaja",
            "roles": [{"organisation": "savonia", "kind": "teacher"}],
        },
        {
            "email": "emma@valmet.fi",
            "given_name": "Emma",
            "family_name": "Esimies",
            "language": "sv",
            "time_zone": "Europe/Stockholm",
            "roles": [{"organisation": "valmet", "kind": "employer_contact"}],
        },
    ],
    "pathways": [
        {
            "slug": "cells",
            "title_en": "Battery cells",
            "title_fi": "Akkukennot",
            "description_en": "From chemistry to the cell plant.",
            "target_audience_en": "process operators",
            "eqf_level": 5,
            "effort_hours": 120,
            "languages": ["fi", "en"],
            "skills": [SAFETY, CHEMISTRY],
            "providers": ["savonia", "sedu"],
            "milestones": [
                {
                    "position": 1,
                    "title_en": "Safety",
                    "provider": "sedu",
                    "due_offset_days": 30,
                    "skills": [SAFETY],
                    "activities": [
                        {"activity_iri": f"{LMS}/mod/video/1", "verbs": [COMPLETED]},
                        {"activity_iri": f"{LMS}/mod/quiz/1", "verbs": [PASSED], "min_scaled": 0.6},
                    ],
                },
                {
                    "position": 2,
                    "title_en": "Chemistry",
                    "provider": "savonia",
                    "required_count": 1,
                    "activities": [
                        {"activity_iri": f"{LMS}/mod/quiz/11", "verbs": [PASSED]},
                        {"activity_iri": f"{LMS}/mod/quiz/12", "verbs": [PASSED, COMPLETED]},
                    ],
                },
            ],
        }
    ],
    "enrolments": [
        {
            "learner": "aino@example.fi",
            "pathway": "cells",
            "started_on": "2026-01-12",
            "target_on": "2026-06-30",
            "sponsor": "valmet",
        }
    ],
    "cohorts": [
        {
            "provider": "savonia",
            "name": "Cells spring 2026",
            "teachers": ["tea@savonia.fi"],
            "enrolments": [{"learner": "aino@example.fi", "pathway": "cells"}],
        }
    ],
    "consents": [
        {
            "learner": "aino@example.fi",
            "pathway": "cells",
            "employer": "valmet",
            "given_at": "2026-01-10T09:00:00+02:00",
            "revoked_at": "2026-01-11T10:00:00+02:00",
        },
        {
            "learner": "aino@example.fi",
            "pathway": "cells",
            "employer": "valmet",
            "given_at": "2026-01-15T09:00:00+02:00",
        },
    ],
}


def dump(document: Any) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def line_of(text: bytes, needle: str, occurrence: int = 1, after: str = "") -> int:
    """The line (from 1) of the `occurrence`th line containing `needle` (below the first line
    containing `after`, when given)."""
    lines = text.decode().splitlines()
    start = next(n for n, line in enumerate(lines, start=1) if after in line) if after else 0
    found = [n for n, line in enumerate(lines, start=1) if n > start and needle in line]
    return found[occurrence - 1]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()

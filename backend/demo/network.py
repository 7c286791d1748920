"""The demo network's directory, as kipina-network/1 documents (pure: data in, dicts out).

Two documents, both written by the directory's own import (engagement.network.interchange),
which matches rows by natural key, so importing them again changes nothing:

- `directory_document()`: organisations, ESCO skills, people with their xAPI identities and
  roles, and pathways whose milestone criteria are the activities and verbs the replay
  sends (senders.py), so that the replay makes visible progress;
- `enrolment_document(day)`: enrolments, cohorts and consents, dated from the day the replay
  is anchored to (traffic.py), so that a rerun on a later day changes nothing either.

Savonia is the real university of applied sciences whose Moodle the traffic names; it gets
no business id, as its own is not ours to restate. Everything else is invented: the other
organisations and their business ids (with valid check digits), the people, and the ids in
the ESCO skill URIs (ESCO's form, invented uuids).
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from backend.demo import senders
from backend.demo.catalogue import (
    CHEMISTRY_CHAPTERS,
    CMI5_PUBLISHER,
    EDX_SITE,
    H5P_ITEMS,
    LEARNERS,
    MOODLE_SITE,
    RECYCLING_PROBLEMS,
    RECYCLING_VIDEOS,
    SAFETY_UNITS,
    TEACHER_MOODLE_USER_ID,
    Learner,
)
from backend.demo.traffic import HELSINKI, WINDOW_DAYS

Document = dict[str, Any]

NETWORK = "akkupolku"
SAVONIA = "savonia"  # the LMS client's organisation: its Moodle sends the traffic
KVARKEN = "kvarken"
POHJANLAHTI = "pohjanlahti"
KENNOTEHDAS = "kennotehdas"
KIERTOAKKU = "kiertoakku"
KATODIKEMIA = "katodikemia"
SAHKOVAUNU = "sahkovaunu"

ORGANISATIONS: tuple[dict[str, str], ...] = (
    {
        "slug": NETWORK,
        "kind": "network",
        "name_en": "Akkupolku battery skills network",
        "name_fi": "Akkupolku – akkualan osaamisverkosto",
        "name_sv": "Akkupolku – nätverket för batterikompetens",
        "business_id": "2358253-3",
        "website": "https://akkupolku.example",
        "email": "verkosto@akkupolku.example",
    },
    {
        "slug": KVARKEN,
        "kind": "university",
        "name_en": "University of Kvarken",
        "name_fi": "Merenkurkun yliopisto",
        "name_sv": "Kvarkens universitet",
        "business_id": "1632707-5",
        "website": "https://www.kvarken.example",
    },
    {
        "slug": SAVONIA,
        "kind": "uas",
        "name_en": "Savonia University of Applied Sciences",
        "name_fi": "Savonia-ammattikorkeakoulu",
        "website": "https://www.savonia.example",
    },
    {
        "slug": POHJANLAHTI,
        "kind": "vocational",
        "name_en": "Bothnian Vocational College",
        "name_fi": "Pohjanlahden ammattiopisto",
        "name_sv": "Yrkesinstitutet vid Bottniska viken",
        "business_id": "1202527-2",
        "website": "https://www.pohjanlahti.example",
    },
    {
        "slug": KENNOTEHDAS,
        "kind": "company",
        "name_en": "Nordic Cell Works",
        "name_fi": "Pohjolan Kennotehdas Oy",
        "business_id": "1303819-8",
        "website": "https://kennotehdas.example",
        "email": "koulutus@kennotehdas.example",
    },
    {
        "slug": KIERTOAKKU,
        "kind": "company",
        "name_en": "Kiertoakku Battery Recycling",
        "name_fi": "Kiertoakku Oy",
        "business_id": "3247652-1",
        "website": "https://kiertoakku.example",
    },
    {
        "slug": KATODIKEMIA,
        "kind": "company",
        "name_en": "Katodikemia Cathode Materials",
        "name_fi": "Katodikemia Oy",
        "name_sv": "Katodkemi Ab",
        "business_id": "1394810-8",
        "website": "https://katodikemia.example",
    },
    {
        "slug": SAHKOVAUNU,
        "kind": "company",
        "name_en": "Sähkövaunu Automotive",
        "name_fi": "Sähkövaunu Oy",
        "business_id": "2533810-4",
        "website": "https://sahkovaunu.example",
    },
)

# --- Skills ---------------------------------------------------------------------------------

ESCO = "http://data.europa.eu/esco/skill/"
BATTERY_CHEMISTRY = f"{ESCO}73b4d067-98a6-479b-83e4-fcb726580a4c"
BATTERY_COMPONENTS = f"{ESCO}bcdd6461-1939-4dd2-9fb5-a468e361d237"
HANDLE_CHEMICALS = f"{ESCO}190056db-c69a-4f5a-a436-3dd4bc737e77"
SAFETY_STANDARDS = f"{ESCO}2445a3a3-2181-4223-b381-cd9c84b5075c"
HAZARDOUS_WASTE = f"{ESCO}90a20778-65a1-4b76-b8a7-340eeefdc9ba"
RECYCLING = f"{ESCO}f3bfa79b-6751-40ef-b9ad-ccdaad40d738"

SKILLS: tuple[dict[str, str], ...] = (
    {
        "uri": BATTERY_CHEMISTRY,
        "label_en": "battery chemistry",
        "label_fi": "akkukemia",
        "label_sv": "batterikemi",
    },
    {
        "uri": BATTERY_COMPONENTS,
        "label_en": "battery components",
        "label_fi": "akun komponentit",
        "label_sv": "batterikomponenter",
    },
    {
        "uri": HANDLE_CHEMICALS,
        "label_en": "handle chemicals",
        "label_fi": "käsitellä kemikaaleja",
        "label_sv": "hantera kemikalier",
    },
    {
        "uri": SAFETY_STANDARDS,
        "label_en": "apply health and safety standards",
        "label_fi": "soveltaa työterveys- ja työturvallisuusstandardeja",
        "label_sv": "tillämpa hälso- och säkerhetsstandarder",
    },
    {
        "uri": HAZARDOUS_WASTE,
        "label_en": "dispose of hazardous waste",
        "label_fi": "hävittää vaarallista jätettä",
        "label_sv": "bortskaffa farligt avfall",
    },
    {
        "uri": RECYCLING,
        "label_en": "recycling processes",
        "label_fi": "kierrätysprosessit",
        "label_sv": "återvinningsprocesser",
    },
)

# --- Pathways -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """An activity that counts: a statement about `iri` with one of `verbs` (and a scaled
    score of at least `min_scaled`, when set)."""

    iri: str
    verbs: tuple[str, ...]
    min_scaled: float | None = None


@dataclass(frozen=True)
class MilestonePlan:
    title: tuple[str, str, str]  # en, fi, sv
    provider: str
    criteria: tuple[Criterion, ...]
    skills: tuple[str, ...]
    due_offset_days: int
    required_count: int | None = None  # None: all of the criteria


@dataclass(frozen=True)
class PathwayPlan:
    slug: str
    title: tuple[str, str, str]  # en, fi, sv
    description: tuple[str, str, str]
    target_audience: tuple[str, str, str]
    eqf_level: int
    effort_hours: int
    weeks: int  # planned length: an enrolment's target date
    languages: tuple[str, ...]
    milestones: tuple[MilestonePlan, ...]

    @property
    def providers(self) -> list[str]:
        return sorted({milestone.provider for milestone in self.milestones})

    @property
    def skills(self) -> list[str]:
        return sorted({skill for milestone in self.milestones for skill in milestone.skills})


CHAPTERS = tuple(Criterion(senders.chapter_iri(c), (senders.VIEWED,)) for c in CHEMISTRY_CHAPTERS)
# H5P scores a check 1 when answered right, 0 when wrong: only right answers count.
CHECKS = tuple(Criterion(senders.h5p_iri(i), (senders.ANSWERED,), 1.0) for i in H5P_ITEMS)
UNITS = tuple(
    Criterion(senders.au_iri(unit), (senders.PASSED,), unit.mastery_score) for unit in SAFETY_UNITS
)
SATISFIED = Criterion(CMI5_PUBLISHER, (senders.SATISFIED,))
VIDEOS = tuple(
    Criterion(senders.edx_block_iri("video", v.block), (senders.COMPLETED,))
    for v in RECYCLING_VIDEOS
)
PROBLEMS = tuple(
    Criterion(senders.edx_block_iri("problem", p.block), (senders.EVALUATED,), 1.0)
    for p in RECYCLING_PROBLEMS
)

CELL_CHEMISTRY = MilestonePlan(
    ("Cell chemistry", "Kennon kemia", "Cellens kemi"),
    SAVONIA,
    CHAPTERS,
    (BATTERY_CHEMISTRY, BATTERY_COMPONENTS),
    due_offset_days=28,
)
DRY_ROOM = MilestonePlan(
    (
        "Dry room and electrolyte handling",
        "Kuivahuone ja elektrolyytin käsittely",
        "Torrum och hantering av elektrolyt",
    ),
    POHJANLAHTI,
    UNITS[:2],
    (SAFETY_STANDARDS, HANDLE_CHEMICALS),
    due_offset_days=21,
)
THERMAL_RUNAWAY = MilestonePlan(
    ("Thermal runaway", "Terminen karkaaminen", "Termisk rusning"),
    POHJANLAHTI,
    (UNITS[2], SATISFIED),
    (SAFETY_STANDARDS,),
    due_offset_days=42,
)

CELL_MANUFACTURING = PathwayPlan(
    slug="battery-cell-manufacturing",
    title=("Battery cell manufacturing", "Akkukennojen valmistus", "Tillverkning av battericeller"),
    description=(
        "Cell chemistry and the safe work of a cell plant: dry rooms, electrolytes and "
        "thermal runaway.",
        "Kennon kemia ja turvallinen työ kennotehtaassa: kuivahuoneet, elektrolyytit ja "
        "terminen karkaaminen.",
        "Cellens kemi och säkert arbete i en cellfabrik: torrum, elektrolyter och termisk rusning.",
    ),
    target_audience=(
        "Operators and supervisors in cell manufacturing",
        "Kennovalmistuksen prosessinhoitajat ja työnjohtajat",
        "Operatörer och arbetsledare inom celltillverkning",
    ),
    eqf_level=5,
    effort_hours=150,
    weeks=16,
    languages=("fi", "en"),
    milestones=(
        CELL_CHEMISTRY,
        MilestonePlan(
            ("Chemistry checks", "Kemian tarkistustehtävät", "Kemikontroller"),
            SAVONIA,
            CHECKS,
            (BATTERY_CHEMISTRY,),
            due_offset_days=70,
        ),
        replace(DRY_ROOM, due_offset_days=84),
        replace(THERMAL_RUNAWAY, due_offset_days=105),
    ),
)
BATTERY_RECYCLING = PathwayPlan(
    slug="battery-recycling",
    title=("Battery recycling", "Akkujen kierrätys", "Återvinning av batterier"),
    description=(
        "From spent cells to black mass and recovered metals, with the chemistry and the "
        "hazards on the way.",
        "Käytetyistä kennoista mustaksi massaksi ja talteen otetuiksi metalleiksi, kemia ja "
        "vaarat matkan varrella.",
        "Från förbrukade celler till svart massa och återvunna metaller, med kemin och "
        "riskerna längs vägen.",
    ),
    target_audience=(
        "Recycling plant staff and process chemists",
        "Kierrätyslaitosten henkilöstö ja prosessikemistit",
        "Personal vid återvinningsanläggningar och processkemister",
    ),
    eqf_level=6,
    effort_hours=120,
    weeks=20,
    languages=("fi", "sv", "en"),
    milestones=(
        MilestonePlan(
            ("Recycling processes", "Kierrätysprosessit", "Återvinningsprocesser"),
            KVARKEN,
            VIDEOS,
            (RECYCLING,),
            due_offset_days=28,
        ),
        MilestonePlan(
            ("Recovery exercises", "Talteenoton harjoitukset", "Övningar i återvinning"),
            KVARKEN,
            PROBLEMS,
            (RECYCLING, HAZARDOUS_WASTE),
            due_offset_days=42,
        ),
        replace(CELL_CHEMISTRY, due_offset_days=84),
        MilestonePlan(
            (
                "Electrolyte and thermal hazards",
                "Elektrolyytti- ja lämpövaarat",
                "Elektrolyt- och värmerisker",
            ),
            POHJANLAHTI,
            UNITS[1:],
            (HANDLE_CHEMICALS, SAFETY_STANDARDS),
            due_offset_days=126,
        ),
    ),
)
SYSTEM_SAFETY = PathwayPlan(
    slug="battery-system-safety",
    title=("Battery system safety", "Akkujärjestelmien turvallisuus", "Batterisystemens säkerhet"),
    description=(
        "Working safely with cells and battery systems, from the dry room to storing spent cells.",
        "Turvallinen työ kennojen ja akkujärjestelmien parissa kuivahuoneesta käytettyjen "
        "kennojen varastointiin.",
        "Säkert arbete med celler och batterisystem, från torrummet till lagring av "
        "förbrukade celler.",
    ),
    target_audience=(
        "Safety, maintenance and logistics staff",
        "Turvallisuus-, kunnossapito- ja logistiikkahenkilöstö",
        "Personal inom säkerhet, underhåll och logistik",
    ),
    eqf_level=4,
    effort_hours=60,
    weeks=10,
    languages=("fi", "sv"),
    milestones=(
        DRY_ROOM,
        THERMAL_RUNAWAY,
        MilestonePlan(
            ("Inside the cell", "Kennon rakenne", "Cellens uppbyggnad"),
            SAVONIA,
            CHECKS[2:],
            (BATTERY_COMPONENTS,),
            due_offset_days=56,
            required_count=2,
        ),
        MilestonePlan(
            (
                "Storing spent cells",
                "Käytettyjen kennojen varastointi",
                "Lagring av förbrukade celler",
            ),
            KVARKEN,
            (VIDEOS[2], PROBLEMS[2]),
            (HAZARDOUS_WASTE,),
            due_offset_days=70,
        ),
    ),
)
PATHWAYS = (CELL_MANUFACTURING, BATTERY_RECYCLING, SYSTEM_SAFETY)

# --- People ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Staff:
    name: str
    email: str
    organisation: str
    role: str
    language: str = "fi"
    username: str = ""


# One login per role for the dashboards (seed.py gives each its demo password): the teacher
# of the cohort that holds every learner, the employer contact with a consenting, a
# non-consenting and a revoked employee, and that consenting employee.
TEACHER_USERNAME = "teacher"
EMPLOYER_USERNAME = "employer"
LEARNER_USERNAME = "learner"
LEARNER_WITH_LOGIN = "Aino Virtanen"

TEACHERS = (
    Staff(
        "Riikka Salonen",
        "riikka.salonen@savonia.example",
        SAVONIA,
        "teacher",
        username=TEACHER_USERNAME,
    ),
    Staff("Timo Rantanen", "timo.rantanen@pohjanlahti.example", POHJANLAHTI, "teacher"),
    Staff("Elina Lindqvist", "elina.lindqvist@kvarken.example", KVARKEN, "teacher", "sv"),
)
EMPLOYER_CONTACTS = (
    Staff(
        "Jari Lehtinen",
        "jari.lehtinen@kennotehdas.example",
        KENNOTEHDAS,
        "employer_contact",
        username=EMPLOYER_USERNAME,
    ),
    Staff("Minna Järvinen", "minna.jarvinen@kiertoakku.example", KIERTOAKKU, "employer_contact"),
    Staff(
        "Anders Sjöberg",
        "anders.sjoberg@katodikemia.example",
        KATODIKEMIA,
        "employer_contact",
        "sv",
    ),
    Staff("Tiina Hakala", "tiina.hakala@sahkovaunu.example", SAHKOVAUNU, "employer_contact"),
)
NETWORK_ADMIN = Staff(
    "Hanna Mattila", "hanna.mattila@akkupolku.example", NETWORK, "network_admin", "fi", "network"
)
STAFF = (*TEACHERS, *EMPLOYER_CONTACTS, NETWORK_ADMIN)


@dataclass(frozen=True)
class Study:
    """What a learner of the catalogue studies, for whom, and what they share."""

    employer: str
    pathway: PathwayPlan
    sponsored: bool
    # Consent to the employer: None, or the days after the start it was given and, when
    # revoked, the days before the replay's day it was revoked.
    consent: tuple[int, int | None] | None = None


STUDIES: dict[str, Study] = {
    "Aino Virtanen": Study(KENNOTEHDAS, CELL_MANUFACTURING, True, (3, None)),
    "Mikko Korhonen": Study(KATODIKEMIA, SYSTEM_SAFETY, False),
    "Laura Mäkinen": Study(KIERTOAKKU, BATTERY_RECYCLING, True, (1, None)),
    "Juha Nieminen": Study(KENNOTEHDAS, CELL_MANUFACTURING, True),
    "Sanna Hämäläinen": Study(SAHKOVAUNU, SYSTEM_SAFETY, True),
    "Ville Laine": Study(KIERTOAKKU, BATTERY_RECYCLING, False),
    "Katja Heikkinen": Study(KATODIKEMIA, CELL_MANUFACTURING, True),
    "Petri Koskinen": Study(KENNOTEHDAS, SYSTEM_SAFETY, True, (2, 18)),
}
# The one replayed identity left for an administrator to link: Open edX sends an anonymous
# id, so nobody can know whose it is without asking (it shows under unmatched agents).
UNLINKED_LEARNER = "Ville Laine"
# The enrolments start a few days before the replay's first study day.
START_DAYS_BEFORE = WINDOW_DAYS + 3


def _names(name: str) -> dict[str, str]:
    given, family = name.rsplit(" ", 1)
    return {"given_name": given, "family_name": family}


def learner_identities(learner: Learner) -> list[dict[str, str]]:
    """The identities each sender knows the learner by (traffic.learner_agents)."""
    identities = [
        {"kind": "account", "value": str(learner.moodle_user_id), "home_page": MOODLE_SITE},
        {"kind": "account", "value": learner.edx_user_id, "home_page": EDX_SITE},
        {"kind": "mbox", "value": f"mailto:{learner.email}"},
    ]
    if learner.name == UNLINKED_LEARNER:
        return [identity for identity in identities if identity.get("home_page") != EDX_SITE]
    return identities


def unlinked_agent() -> dict[str, Any]:
    """The xAPI agent of the identity the demo leaves unlinked."""
    learner = next(learner for learner in LEARNERS if learner.name == UNLINKED_LEARNER)
    return senders.edx_actor(learner)


def _learner_row(learner: Learner) -> dict[str, Any]:
    providers = STUDIES[learner.name].pathway.providers
    row: dict[str, Any] = {
        "email": learner.email,
        **_names(learner.name),
        "identities": learner_identities(learner),
        "roles": [{"organisation": slug, "kind": "learner"} for slug in providers],
    }
    if learner.name == LEARNER_WITH_LOGIN:
        row["username"] = LEARNER_USERNAME
    return row


def _staff_row(staff: Staff) -> dict[str, Any]:
    row: dict[str, Any] = {
        "email": staff.email,
        **_names(staff.name),
        "language": staff.language,
        "roles": [{"organisation": staff.organisation, "kind": staff.role}],
    }
    if staff.username:
        row["username"] = staff.username
    if staff.name == TEACHERS[0].name:
        # The teacher who voids the accidental attempt, as Moodle names her.
        row["identities"] = [
            {"kind": "account", "value": str(TEACHER_MOODLE_USER_ID), "home_page": MOODLE_SITE}
        ]
    return row


def _translated(field: str, values: tuple[str, str, str]) -> dict[str, str]:
    return dict(zip((f"{field}_en", f"{field}_fi", f"{field}_sv"), values, strict=True))


def _milestone_row(position: int, milestone: MilestonePlan) -> dict[str, Any]:
    row: dict[str, Any] = {
        "position": position,
        **_translated("title", milestone.title),
        "provider": milestone.provider,
        "due_offset_days": milestone.due_offset_days,
        "skills": list(milestone.skills),
        "activities": [
            {"activity_iri": c.iri, "verbs": list(c.verbs), "min_scaled": c.min_scaled}
            for c in milestone.criteria
        ],
    }
    if milestone.required_count is not None:
        row["required_count"] = milestone.required_count
    return row


def _pathway_row(pathway: PathwayPlan) -> dict[str, Any]:
    return {
        "slug": pathway.slug,
        **_translated("title", pathway.title),
        **_translated("description", pathway.description),
        **_translated("target_audience", pathway.target_audience),
        "eqf_level": pathway.eqf_level,
        "effort_hours": pathway.effort_hours,
        "languages": list(pathway.languages),
        "skills": pathway.skills,
        "providers": pathway.providers,
        "is_published": True,
        "milestones": [
            _milestone_row(position, milestone)
            for position, milestone in enumerate(pathway.milestones, start=1)
        ],
    }


def directory_document() -> Document:
    return {
        "format": "kipina-network/1",
        "organisations": [dict(row) for row in ORGANISATIONS],
        "skills": [dict(row) for row in SKILLS],
        "people": [_learner_row(learner) for learner in LEARNERS]
        + [_staff_row(staff) for staff in STAFF],
        "pathways": [_pathway_row(pathway) for pathway in PATHWAYS],
    }


# --- Enrolments, cohorts, consents ----------------------------------------------------------


def started_on(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=START_DAYS_BEFORE)


def _term(start: dt.date) -> str:
    return f"{'kevät' if start.month <= 6 else 'syksy'} {start.year}"


def _at(day: dt.date, hour: int, minute: int) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=HELSINKI).isoformat()


def _enrolled(pathways: tuple[PathwayPlan, ...]) -> list[dict[str, str]]:
    return [
        {"learner": learner.email, "pathway": STUDIES[learner.name].pathway.slug}
        for learner in LEARNERS
        if STUDIES[learner.name].pathway in pathways
    ]


def _cohorts(start: dt.date) -> Iterator[dict[str, Any]]:
    term = _term(start)
    yield {
        "provider": SAVONIA,
        "name": f"Akkukemia {term}",
        "teachers": [TEACHERS[0].email],
        "enrolments": _enrolled(PATHWAYS),
    }
    yield {
        "provider": POHJANLAHTI,
        "name": f"Kennotuotannon turvallisuus {term}",
        "teachers": [TEACHERS[1].email],
        "enrolments": _enrolled(PATHWAYS),
    }
    yield {
        "provider": KVARKEN,
        "name": f"Akkujen kierrätys {term}",
        "teachers": [TEACHERS[2].email],
        "enrolments": _enrolled((BATTERY_RECYCLING, SYSTEM_SAFETY)),
    }


def _consents(day: dt.date) -> Iterator[dict[str, Any]]:
    start = started_on(day)
    for learner in LEARNERS:
        study = STUDIES[learner.name]
        if study.consent is None:
            continue
        given_after, revoked_before = study.consent
        yield {
            "learner": learner.email,
            "pathway": study.pathway.slug,
            "employer": study.employer,
            "given_at": _at(start + dt.timedelta(days=given_after), 9, 15),
            "revoked_at": None
            if revoked_before is None
            else _at(day - dt.timedelta(days=revoked_before), 16, 5),
        }


def enrolment_document(day: dt.date) -> Document:
    """Enrolments of the replay anchored to `day`: all started a few days before its first
    study day, in cohorts named after that term."""
    start = started_on(day)
    enrolments = []
    for learner in LEARNERS:
        study = STUDIES[learner.name]
        enrolment = {
            "learner": learner.email,
            "pathway": study.pathway.slug,
            "started_on": start.isoformat(),
            "target_on": (start + dt.timedelta(weeks=study.pathway.weeks)).isoformat(),
            "status": "active",
        }
        if study.sponsored:
            enrolment["sponsor"] = study.employer
        enrolments.append(enrolment)
    return {
        "format": "kipina-network/1",
        "enrolments": enrolments,
        "cohorts": list(_cohorts(start)),
        "consents": list(_consents(day)),
    }

"""Who and what the demo is about: working adults on battery value chain pathways.

The network's three courses run on three kinds of system, as they do in the network: a
Moodle course with a book and H5P checks (Savonia's), a cmi5 course launched from Moodle
(the vocational college's content on the network's server), and an Open edX course of
videos and problems (the university's, on the network's Open edX). network.py says who
the people and organisations are. Hosts use the reserved .example TLD (RFC 2606); the
companies in the e-mail addresses are invented.
"""

from dataclasses import dataclass
from enum import StrEnum

MOODLE_SITE = "https://moodle.savonia.example"
MOODLE_SITE_NAME = "Savonia Moodle"
EDX_SITE = "https://learn.akkupolku.example"
H5P_SITE = "https://h5p.akkupolku.example"
CMI5_PUBLISHER = "https://content.akkupolku.example/cell-safety"


class Rhythm(StrEnum):
    """When a learner studies; working adults fit study around their jobs."""

    EVENINGS = "evenings"  # weekday evenings after work, the odd weekend morning
    WEEKENDS = "weekends"  # Saturday and Sunday, rarely a weekday
    LUNCH = "lunch"  # weekday lunch breaks, Sunday evenings
    SHIFTS = "shifts"  # shift work: mornings after a night shift or early afternoons


class Course(StrEnum):
    CHEMISTRY = "chemistry"  # Moodle (+ H5P)
    SAFETY = "safety"  # cmi5, launched from Moodle
    RECYCLING = "recycling"  # Open edX


@dataclass(frozen=True)
class Learner:
    name: str
    email: str
    moodle_user_id: int
    # Open edX sends an anonymous external id, never the learner's name (event-routing-backends).
    edx_user_id: str
    job: str
    rhythm: Rhythm
    engagement: float  # relative number of study sessions
    skill: float  # mean scaled score in quizzes and tests
    course_order: tuple[Course, ...]
    # Days-ago ranges (inclusive) without study: a holiday, a busy season, dropping out.
    pauses: tuple[tuple[int, int], ...] = ()
    # Submits the first quiz attempt by accident: the demo voids that attempt.
    submits_by_accident: bool = False


_C, _S, _R = Course.CHEMISTRY, Course.SAFETY, Course.RECYCLING

LEARNERS: tuple[Learner, ...] = (
    Learner(
        name="Aino Virtanen",
        email="aino.virtanen@kennotehdas.example",
        moodle_user_id=2041,
        edx_user_id="5d0f3c1e-8a4b-4e59-9a57-2f1d6c0b7e11",
        job="process operator, cell plant",
        rhythm=Rhythm.EVENINGS,
        engagement=1.4,
        skill=0.82,
        course_order=(_C, _S, _R),
    ),
    Learner(
        name="Mikko Korhonen",
        email="mikko.korhonen@katodikemia.example",
        moodle_user_id=2042,
        edx_user_id="a3e7b9d2-1c64-4f08-b5e3-6d9a0f4c2b28",
        job="maintenance technician",
        rhythm=Rhythm.WEEKENDS,
        engagement=1.0,
        skill=0.7,
        course_order=(_S, _C, _R),
        pauses=((22, 30),),
    ),
    Learner(
        name="Laura Mäkinen",
        email="laura.makinen@kiertoakku.example",
        moodle_user_id=2043,
        edx_user_id="7b21e4c9-5f3a-4d17-8e6b-0c9d2a1f5e34",
        job="quality engineer",
        rhythm=Rhythm.LUNCH,
        engagement=1.2,
        skill=0.9,
        course_order=(_R, _C, _S),
    ),
    Learner(
        name="Juha Nieminen",
        email="juha.nieminen@kennotehdas.example",
        moodle_user_id=2044,
        edx_user_id="c9f05a2b-3d81-4e6c-a7b4-1e2f8d5c9a47",
        job="shift supervisor",
        rhythm=Rhythm.SHIFTS,
        engagement=1.0,
        skill=0.74,
        course_order=(_C, _R, _S),
        submits_by_accident=True,
    ),
    Learner(
        name="Sanna Hämäläinen",
        email="sanna.hamalainen@sahkovaunu.example",
        moodle_user_id=2045,
        edx_user_id="1f8d6b3e-9a2c-4b75-8d01-5c7e3a9f2b56",
        job="logistics coordinator",
        rhythm=Rhythm.EVENINGS,
        engagement=1.1,
        skill=0.78,
        course_order=(_S, _R, _C),
    ),
    Learner(
        name="Ville Laine",
        email="ville.laine@kiertoakku.example",
        moodle_user_id=2046,
        edx_user_id="e4a2c7f1-6b9d-4305-9c8e-3a1b5d7f0c63",
        job="recycling plant operator",
        rhythm=Rhythm.WEEKENDS,
        engagement=0.9,
        skill=0.66,
        course_order=(_R, _S, _C),
        pauses=((8, 21),),
    ),
    Learner(
        name="Katja Heikkinen",
        email="katja.heikkinen@katodikemia.example",
        moodle_user_id=2047,
        edx_user_id="2b6e9d4a-7c15-4f83-a0d2-8e4c1b6f3a79",
        job="laboratory chemist",
        rhythm=Rhythm.EVENINGS,
        engagement=1.3,
        skill=0.93,
        course_order=(_C, _R, _S),
    ),
    # Active for the first weeks, then silent: the learner an inactivity nudge is for.
    Learner(
        name="Petri Koskinen",
        email="petri.koskinen@kennotehdas.example",
        moodle_user_id=2048,
        edx_user_id="8c3f1a6d-2e97-4b48-b6c5-9d0e2f4a7b85",
        job="safety officer",
        rhythm=Rhythm.LUNCH,
        engagement=0.7,
        skill=0.71,
        course_order=(_S, _C, _R),
        pauses=((1, 20),),
    ),
)

# The teacher who voids the accidental quiz attempt.
TEACHER_NAME = "Riikka Salonen"
TEACHER_MOODLE_USER_ID = 1017


@dataclass(frozen=True)
class Chapter:
    chapter_id: int
    title: str


@dataclass(frozen=True)
class H5pItem:
    content_id: int
    library: str
    interaction: str  # xAPI interactionType
    question: str
    correct: str  # the correct response pattern
    wrong: str  # a typical wrong response
    choices: tuple[str, ...] = ()  # for "choice": ids are the positions


@dataclass(frozen=True)
class MoodleCourse:
    course_id: int
    name: str
    section_id: int
    section_name: str


@dataclass(frozen=True)
class Video:
    block: str
    title: str
    seconds: float


@dataclass(frozen=True)
class Problem:
    block: str
    question: str
    correct: str
    wrong: str


@dataclass(frozen=True)
class AssignableUnit:
    slug: str
    title: str
    mastery_score: float


CHEMISTRY = MoodleCourse(214, "Battery chemistry basics", 881, "Electrochemistry of the cell")
CHEMISTRY_BOOK_CMID = 3102
CHEMISTRY_BOOK_NAME = "Cells, electrodes and electrolytes"
CHEMISTRY_CHAPTERS = (
    Chapter(51, "How a lithium-ion cell works"),
    Chapter(52, "Cathode chemistries: NMC, LFP and LMO"),
    Chapter(53, "Anodes and the SEI layer"),
    Chapter(54, "Electrolytes and separators"),
)
CHEMISTRY_QUIZ_CMID = 3107
CHEMISTRY_QUIZ_NAME = "Electrochemistry quiz"
CHEMISTRY_QUIZ_MAX = 10.0
CHEMISTRY_QUIZ_PASS = 6.0

# The H5P checks embedded in the book: the first two after chapter 2, the rest after chapter 4.
H5P_ITEMS = (
    H5pItem(12, "H5P.TrueFalse-1.8", "true-false", "LFP cathodes contain cobalt.", "false", "true"),
    H5pItem(
        13,
        "H5P.MultiChoice-1.16",
        "choice",
        "Which cathode chemistry has the highest energy density?",
        "1",
        "0",
        ("LFP", "NMC 811", "LMO"),
    ),
    H5pItem(
        14,
        "H5P.MultiChoice-1.16",
        "choice",
        "Which anode material do most lithium-ion cells use?",
        "2",
        "1",
        ("Lithium titanate", "Silicon", "Graphite"),
    ),
    H5pItem(
        15, "H5P.TrueFalse-1.8", "true-false", "The separator conducts electrons.", "false", "true"
    ),
    H5pItem(
        16,
        "H5P.DragText-1.10",
        "fill-in",
        "During discharge, lithium ions move from the *anode* to the *cathode*.",
        "anode[,]cathode",
        "cathode[,]anode",
    ),
)
H5P_SPLIT = 2

SAFETY = MoodleCourse(219, "Cell manufacturing safety", 902, "cmi5 modules")
SAFETY_UNITS = (
    AssignableUnit("dry-room", "Dry room and cleanroom conduct", 0.8),
    AssignableUnit("electrolyte", "Electrolyte and solvent handling", 0.8),
    AssignableUnit("thermal-runaway", "Thermal runaway: detection and response", 0.8),
)

RECYCLING_COURSE_KEY = "course-v1:Kvarken+BATREC+2025"
RECYCLING_NAME = "Battery recycling"
RECYCLING_VIDEOS = (
    Video("9f2c41d07a3e4b6c8d15e0a7b3c92f64", "Why recycle batteries?", 312.0),
    Video("4b7e0a9c2d184f3e9a6b5c1d8e2f7a03", "Black mass and hydrometallurgy", 488.0),
    Video("c1d8e3f54a6b4c7d9e0f1a2b3c4d5e6f", "Collection and safe storage of spent cells", 395.0),
)
RECYCLING_PROBLEMS = (
    Problem(
        "e7a1b2c3d4e54f6a8b9c0d1e2f3a4b5c",
        "Which recovery rate does the EU Battery Regulation set for lithium by 2031?",
        "80 %",
        "50 %",
    ),
    Problem(
        "0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5",
        "Which process recovers lithium from black mass more completely?",
        "hydrometallurgy",
        "pyrometallurgy",
    ),
    Problem(
        "5f4e3d2c1b0a49f8e7d6c5b4a3928170",
        "What is done to a spent cell before it is dismantled?",
        "discharge it",
        "freeze it",
    ),
)

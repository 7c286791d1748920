"""Pure: what one statement means for its actor's enrolments (engagement/progress/facts.py)."""

import pytest

from engagement.progress.facts import Criterion, EnrolledIn, statement_facts
from tests.xapi_samples import make_statement

PASSED = "http://adlnet.gov/expapi/verbs/passed"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
QUIZ = "https://moodle.example.fi/mod/quiz/view.php?id=7"
COURSE = "https://moodle.example.fi/course/view.php?id=2"
QUIZ_PASSED = Criterion(1, 10, QUIZ, frozenset({PASSED}), 0.6)
CRITERIA = {100: {QUIZ: [QUIZ_PASSED], COURSE: []}}
ENROLLED = [EnrolledIn(5, 100), EnrolledIn(6, 200)]


def quiz(verb=PASSED, scaled=0.8, **extra):
    statement = make_statement(verb={"id": verb}, object={"id": QUIZ}, **extra)
    if scaled is not None:
        statement["result"] = {"score": {"scaled": scaled}, "duration": "PT15M"}
    return statement


@pytest.mark.parametrize(
    ("statement", "qualifies"),
    [
        (quiz(), True),
        (quiz(scaled=0.6), True),
        (quiz(scaled=0.59), False),
        (quiz(scaled=None), False),
        (quiz(verb=COMPLETED), False),
    ],
    ids=["passed-0.8", "passed-at-threshold", "passed-below", "no-score", "other-verb"],
)
def test_it_qualifies_by_verb_and_minimum_score(statement, qualifies):
    evidence, qualifications = statement_facts(statement, ENROLLED, CRITERIA)

    assert [e.enrolment_id for e in evidence] == [5]
    assert bool(qualifications) == qualifies


def test_it_counts_a_statement_about_a_child_of_a_pathway_activity_as_evidence_only():
    statement = make_statement(
        object={"id": "https://moodle.example.fi/mod/page/view.php?id=9"},
        context={"contextActivities": {"parent": [{"id": COURSE}]}},
    )

    evidence, qualifications = statement_facts(statement, ENROLLED, CRITERIA)

    assert [e.enrolment_id for e in evidence] == [5]
    assert qualifications == []


def test_it_reads_the_time_spent_from_the_result_duration():
    evidence, _ = statement_facts(quiz(), ENROLLED, CRITERIA)

    assert evidence[0].duration_seconds == 900.0


def test_it_ignores_statements_outside_the_pathways():
    statement = make_statement(object={"id": "https://elsewhere.example/x"})

    assert statement_facts(statement, ENROLLED, CRITERIA) == ([], [])


def test_it_gives_voiding_statements_no_facts():
    statement = make_statement(
        verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
        object={"objectType": "StatementRef", "id": "6f1d2c6e-1b8a-4c47-9f4e-3a0c1f2b9d11"},
    )

    assert statement_facts(statement, ENROLLED, CRITERIA) == ([], [])

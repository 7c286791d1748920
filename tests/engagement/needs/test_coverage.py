"""The needs-vs-offer computation on a small fixture table, without the database: no
django_db mark, so a stray query fails the test."""

from engagement.needs.coverage import (
    NeedRow,
    OfferRow,
    SkillCoverage,
    matching_pathways,
    needs_vs_offer,
)

CHEM = "http://data.europa.eu/esco/skill/chem"
SAFETY = "http://data.europa.eu/esco/skill/safety"
RECYCLING = "http://data.europa.eu/esco/skill/recycling"

OFFERS = (
    OfferRow(1, "Cell chemistry", 5, CHEM),
    OfferRow(1, "Cell chemistry", 5, CHEM, "Electrolytes"),
    OfferRow(2, "Dry room", 4, CHEM, "Handling"),
    OfferRow(2, "Dry room", 4, SAFETY),
    OfferRow(3, "Plant safety", 6, SAFETY, "Risk assessment"),
)


def _row(rows: list[SkillCoverage], skill: str, level: int) -> SkillCoverage:
    return next(row for row in rows if row.skill_uri == skill and row.eqf_level == level)


def test_a_skill_taught_at_a_lower_eqf_than_needed_is_a_gap() -> None:
    rows = needs_vs_offer([NeedRow(1, CHEM, "chemistry", 6, 3)], OFFERS)

    (row,) = rows
    assert row.is_gap
    assert [t.pathway_title for t in row.below_level] == ["Cell chemistry", "Dry room"]


def test_a_skill_taught_by_two_pathways_lists_both_with_their_milestones() -> None:
    rows = needs_vs_offer([NeedRow(1, CHEM, "chemistry", 4, 3)], OFFERS)

    (row,) = rows
    assert not row.is_gap
    assert [(t.pathway_title, t.milestones) for t in row.pathways] == [
        ("Cell chemistry", ("Electrolytes",)),
        ("Dry room", ("Handling",)),
    ]


def test_a_pathway_at_the_needed_level_covers_and_a_lower_one_is_below() -> None:
    row = _row(needs_vs_offer([NeedRow(1, SAFETY, "safety", 5, 2)], OFFERS), SAFETY, 5)

    assert [t.pathway_title for t in row.pathways] == ["Plant safety"]
    assert [t.pathway_title for t in row.below_level] == ["Dry room"]


def test_a_skill_no_pathway_teaches_is_a_gap() -> None:
    (row,) = needs_vs_offer([NeedRow(1, RECYCLING, "recycling", 3, 4)], OFFERS)

    assert row.is_gap
    assert (row.pathways, row.below_level) == ((), ())


def test_people_waiting_sum_the_needs_of_one_skill_and_level() -> None:
    needs = [
        NeedRow(1, CHEM, "chemistry", 4, 3),
        NeedRow(2, CHEM, "chemistry", 4, 5),
        NeedRow(3, CHEM, "chemistry", 6, 2),
    ]
    rows = needs_vs_offer(needs, OFFERS)

    assert (_row(rows, CHEM, 4).people_waiting, _row(rows, CHEM, 4).needs) == (8, 2)
    assert (_row(rows, CHEM, 6).people_waiting, _row(rows, CHEM, 6).needs) == (2, 1)


def test_a_need_of_two_skills_counts_its_people_under_each() -> None:
    needs = [NeedRow(1, CHEM, "chemistry", 4, 3), NeedRow(1, RECYCLING, "recycling", 4, 3)]

    assert [row.people_waiting for row in needs_vs_offer(needs, OFFERS)] == [3, 3]


def test_no_needs_no_rows() -> None:
    assert needs_vs_offer([], OFFERS) == []


def test_matching_pathways_put_the_most_matched_first() -> None:
    needs = [NeedRow(1, CHEM, "chemistry", 4, 3), NeedRow(1, SAFETY, "safety", 4, 3)]

    matches = matching_pathways(needs, OFFERS)

    assert [(m.pathway_title, m.skills) for m in matches] == [
        ("Dry room", ("chemistry", "safety")),
        ("Cell chemistry", ("chemistry",)),
        ("Plant safety", ("safety",)),
    ]

"""Needs against offer, as pure functions: rows in, rows out; no ORM, no clock.

A needed skill at EQF level n is covered by a pathway that teaches the skill (on the pathway
itself or on one of its milestones) at level n or above: a pathway's milestones share its
level. Needs are grouped by (skill, level), so a skill needed at two levels is two rows, and
a pathway at a lower level is listed as "below the level", never as cover.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class NeedRow:
    """One skill of one open need."""

    need_id: int
    skill_uri: str
    skill_label: str
    eqf_level: int
    people: int


@dataclass(frozen=True)
class OfferRow:
    """One skill a published pathway teaches; `milestone_title` is empty when the skill is
    the pathway's own rather than one milestone's."""

    pathway_id: int
    pathway_title: str
    eqf_level: int
    skill_uri: str
    milestone_title: str = ""


@dataclass(frozen=True)
class Teaching:
    pathway_id: int
    pathway_title: str
    eqf_level: int
    milestones: tuple[str, ...]


@dataclass(frozen=True)
class SkillCoverage:
    skill_uri: str
    skill_label: str
    eqf_level: int
    people_waiting: int
    needs: int
    pathways: tuple[Teaching, ...]
    below_level: tuple[Teaching, ...]

    @property
    def is_gap(self) -> bool:
        return not self.pathways


def _teachings(offers: Iterable[OfferRow]) -> dict[str, list[Teaching]]:
    """Each skill's pathways, one Teaching per pathway with the milestones that teach it."""
    by_skill: dict[str, dict[int, tuple[OfferRow, set[str]]]] = defaultdict(dict)
    for offer in offers:
        _row, milestones = by_skill[offer.skill_uri].setdefault(offer.pathway_id, (offer, set()))
        if offer.milestone_title:
            milestones.add(offer.milestone_title)
    return {
        skill: sorted(
            (
                Teaching(row.pathway_id, row.pathway_title, row.eqf_level, tuple(sorted(titles)))
                for row, titles in pathways.values()
            ),
            key=lambda teaching: (teaching.pathway_title, teaching.pathway_id),
        )
        for skill, pathways in by_skill.items()
    }


def needs_vs_offer(needs: Sequence[NeedRow], offers: Iterable[OfferRow]) -> list[SkillCoverage]:
    """One row per needed (skill, EQF level), by skill label then level. A need asking for
    two skills counts its people under each of them."""
    teachings = _teachings(offers)
    grouped: dict[tuple[str, int], list[NeedRow]] = defaultdict(list)
    for need in needs:
        grouped[(need.skill_uri, need.eqf_level)].append(need)
    rows = []
    for (skill_uri, level), rows_of_skill in grouped.items():
        taught = teachings.get(skill_uri, [])
        rows.append(
            SkillCoverage(
                skill_uri=skill_uri,
                skill_label=rows_of_skill[0].skill_label,
                eqf_level=level,
                people_waiting=sum(need.people for need in rows_of_skill),
                needs=len({need.need_id for need in rows_of_skill}),
                pathways=tuple(t for t in taught if t.eqf_level >= level),
                below_level=tuple(t for t in taught if t.eqf_level < level),
            )
        )
    return sorted(rows, key=lambda row: (row.skill_label, row.skill_uri, row.eqf_level))


@dataclass(frozen=True)
class PathwayMatch:
    pathway_id: int
    pathway_title: str
    eqf_level: int
    skills: tuple[str, ...]  # labels of the needed skills it teaches


def matching_pathways(needs: Sequence[NeedRow], offers: Iterable[OfferRow]) -> list[PathwayMatch]:
    """Pathways teaching any needed skill, the most matched skills first."""
    labels = {need.skill_uri: need.skill_label for need in needs}
    found: dict[int, tuple[OfferRow, set[str]]] = {}
    for offer in offers:
        if offer.skill_uri in labels:
            found.setdefault(offer.pathway_id, (offer, set()))[1].add(labels[offer.skill_uri])
    matches = [
        PathwayMatch(row.pathway_id, row.pathway_title, row.eqf_level, tuple(sorted(skills)))
        for row, skills in found.values()
    ]
    return sorted(matches, key=lambda m: (-len(m.skills), m.pathway_title, m.pathway_id))

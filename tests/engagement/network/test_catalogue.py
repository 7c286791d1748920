"""The public catalogue: search by skill, provider, EQF level, language and effort, and the
overlap detector, in the API and on the server-rendered page."""

from dataclasses import dataclass

import pytest
from django.test import Client

from engagement.network.models import Pathway
from engagement.network.selectors import pathway_overlaps
from tests.factories import (
    ActivityFactory,
    MilestoneFactory,
    OrganisationFactory,
    PathwayFactory,
    SkillFactory,
)

ESCO = "http://data.europa.eu/esco/skill"
SHARED_QUIZ = "https://moodle.savonia.example/mod/quiz/1"


@dataclass
class Catalogue:
    cells: Pathway
    recycling: Pathway
    modules: Pathway
    draft: Pathway


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    savonia = OrganisationFactory.create(
        slug="savonia", name_en="Savonia UAS", name_fi="Savonia-ammattikorkeakoulu"
    )
    sedu = OrganisationFactory.create(slug="sedu", name_en="Sedu", kind="vocational")
    safety = SkillFactory.create(
        uri=f"{ESCO}/safety", label_en="battery safety", label_fi="akkuturvallisuus"
    )
    chemistry = SkillFactory.create(
        uri=f"{ESCO}/chemistry", label_en="cell chemistry", label_sv="cellkemi"
    )
    recycling_skill = SkillFactory.create(
        uri=f"{ESCO}/recycling", label_en="recycling of batteries"
    )
    cells = PathwayFactory.create(
        slug="cells", title_en="Battery cells", title_fi="Akkukennot", eqf_level=5,
        effort_hours=120, languages=["fi", "en"], skills=[safety, chemistry], providers=[savonia],
    )  # fmt: skip
    recycling = PathwayFactory.create(
        slug="recycling", title_en="Recycling", eqf_level=6, effort_hours=40, languages=["sv"],
        skills=[chemistry, recycling_skill], providers=[sedu],
    )  # fmt: skip
    modules = PathwayFactory.create(
        slug="modules", title_en="Battery modules", description_en="Packs and modules.",
        eqf_level=4, effort_hours=300, languages=["en"], skills=[safety, chemistry],
    )  # fmt: skip
    draft = PathwayFactory.create(
        slug="draft", title_en="Draft", is_published=False, skills=[safety, chemistry]
    )
    # Sedu delivers a milestone of the cells pathway without being listed as its provider.
    for pathway, provider in ((cells, sedu), (recycling, sedu), (draft, None)):
        milestone = MilestoneFactory.create(pathway=pathway, position=1, provider=provider)
        ActivityFactory.create(milestone=milestone, activity_iri=SHARED_QUIZ)
    return Catalogue(cells, recycling, modules, draft)


def slugs(query: str = "") -> list[str]:
    response = Client().get(f"/api/network/catalogue/{query}")
    assert response.status_code == 200, response.content
    return sorted(row["slug"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["cells", "modules", "recycling"]),
        (f"?skill={ESCO}/recycling", ["recycling"]),
        ("?skill=akkuturv", ["cells", "modules"]),
        ("?skill=CHEMISTRY", ["cells", "modules", "recycling"]),
        ("?skill=cellkemi", ["cells", "modules", "recycling"]),
        ("?provider=sedu", ["cells", "recycling"]),
        ("?provider=savonia", ["cells"]),
        ("?eqf_level=5", ["cells"]),
        ("?eqf_min=5", ["cells", "recycling"]),
        ("?eqf_max=5", ["cells", "modules"]),
        ("?language=sv", ["recycling"]),
        ("?language=en", ["cells", "modules"]),
        ("?language=e", []),
        ("?effort_min=100&effort_max=200", ["cells"]),
        ("?effort_max=100", ["recycling"]),
        ("?q=modules", ["modules"]),
        ("?q=akkuk", ["cells"]),
        ("?skill=safety&language=en&eqf_max=4", ["modules"]),
    ],
)
def test_it_searches_published_pathways(catalogue, query, expected):
    assert slugs(query) == expected


def test_it_refuses_a_search_value_of_the_wrong_type(catalogue):
    response = Client().get("/api/network/catalogue/?effort_min=lots")

    assert response.status_code == 400
    assert "effort_min" in response.json()


def test_it_shows_a_published_pathway_in_the_requested_language(catalogue):
    response = Client().get("/api/network/catalogue/cells/", HTTP_ACCEPT_LANGUAGE="fi")

    body = response.json()
    assert body["title"] == "Akkukennot"
    assert body["title_en"] == "Battery cells"
    assert [p["name"] for p in body["providers"]] == ["Savonia-ammattikorkeakoulu"]
    assert body["milestones"][0]["provider"]["slug"] == "sedu"
    assert "activities" not in body["milestones"][0]


def test_it_hides_unpublished_pathways_from_the_public(catalogue):
    assert Client().get("/api/network/catalogue/draft/").status_code == 404


def test_it_finds_pathways_that_count_the_same_activity_or_mostly_share_skills(catalogue):
    overlaps = {(o.first.slug, o.second.slug): o for o in pathway_overlaps()}

    assert list(overlaps) == [("cells", "modules"), ("cells", "recycling")]
    by_activity = overlaps[("cells", "recycling")]
    assert by_activity.shared_activity_iris == (SHARED_QUIZ,)
    assert by_activity.skills_overlap is False  # 1 shared of 3 distinct skills: 0.33
    by_skills = overlaps[("cells", "modules")]
    assert by_skills.shared_activity_iris == ()
    assert by_skills.skill_jaccard == 1.0


@pytest.mark.django_db
def test_it_counts_two_of_four_distinct_skills_as_an_overlap_and_one_of_four_not():
    one, two, three, four = (SkillFactory.create() for _ in range(4))
    PathwayFactory.create(slug="a", skills=[one, two, three])
    PathwayFactory.create(slug="b", skills=[one, two, four])  # 2 / 4 = 0.5
    PathwayFactory.create(slug="c", skills=[three, four])  # with a: 1 / 4; with b: 1 / 4

    pairs = [(o.first.slug, o.second.slug, o.skill_jaccard) for o in pathway_overlaps()]

    assert pairs == [("a", "b", 0.5)]


def test_it_lists_overlaps_with_their_reasons_in_the_api(catalogue):
    response = Client().get("/api/network/catalogue/overlaps/")

    rows = response.json()["results"]
    reasons = {(row["first"]["slug"], row["second"]["slug"]): row["reasons"] for row in rows}
    # Each pair is named once, the pathway whose English title sorts first first.
    assert reasons == {
        ("cells", "modules"): ["skills"],
        ("cells", "recycling"): ["shared_activities"],
    }
    by_skills = next(row for row in rows if row["reasons"] == ["skills"])
    assert by_skills["skill_jaccard"] == 1.0
    assert sorted(s["uri"] for s in by_skills["shared_skills"]) == [
        f"{ESCO}/chemistry",
        f"{ESCO}/safety",
    ]


# --- The page --------------------------------------------------------------------------------


@pytest.mark.urls("tests.engagement.network.catalogue_urls")
def test_it_renders_the_catalogue_page_for_anyone(catalogue):
    response = Client().get("/catalogue/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Battery cells" in html
    assert "Recycling" in html
    assert "Draft" not in html
    assert "1 shared activity" in html
    assert "ESCO skills overlap (1.00)" in html
    assert "<script" not in html
    assert 'href="http' not in html.replace(f'href="{ESCO}', "")  # no CDN: only ESCO skill links


@pytest.mark.urls("tests.engagement.network.catalogue_urls")
def test_it_filters_the_page_as_the_api_does(catalogue):
    html = Client().get("/catalogue/?provider=savonia&effort_min=100").content.decode()
    results = html.split('id="results"')[1].split('id="overlaps-heading"')[0]

    assert "1 pathway" in results
    assert "Battery cells" in results
    assert "Battery modules" not in results


@pytest.mark.urls("tests.engagement.network.catalogue_urls")
def test_it_explains_a_search_value_it_cannot_use(catalogue):
    html = Client().get("/catalogue/?effort_min=lots").content.decode()

    assert 'role="alert"' in html
    assert "Effort at least (hours)" in html


@pytest.mark.urls("tests.engagement.network.catalogue_urls")
@pytest.mark.parametrize(
    ("language", "heading", "title", "hours"),
    [
        ("fi", "Opintopolkujen luettelo", "Akkukennot", "120 tuntia"),
        ("sv", "Katalog över studievägar", "Battery cells", "120 timmar"),
        ("en", "Pathway catalogue", "Battery cells", "120 hours"),
    ],
)
def test_it_shows_the_page_in_the_chosen_language(catalogue, language, heading, title, hours):
    response = Client().get(f"/catalogue/?lang={language}")

    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert title in html
    assert hours in html
    assert response["Content-Language"] == language


@pytest.mark.urls("tests.engagement.network.catalogue_urls")
def test_it_follows_the_browsers_language_without_a_choice(catalogue):
    html = Client().get("/catalogue/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()

    assert "<h1>Katalog över studievägar</h1>" in html


@pytest.mark.urls("tests.engagement.network.catalogue_urls")
def test_it_links_the_page_in_the_other_languages_keeping_the_search(catalogue):
    html = Client().get("/catalogue/?lang=en&provider=sedu").content.decode()

    assert (
        'href="?lang=fi&amp;provider=sedu"' in html or 'href="?provider=sedu&amp;lang=fi"' in html
    )
    assert 'hreflang="sv"' in html

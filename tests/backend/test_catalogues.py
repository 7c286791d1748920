"""Django merges every app's catalogue into one: when two apps translate the same English text
differently, the app listed first in INSTALLED_APPS wins everywhere, so an e-mail or page of
the other app shows a translation its authors never chose. Each text has one translation per
language across the project."""

import gettext
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["fi", "sv"]


def _catalogues(language: str) -> list[Path]:
    return sorted(
        path
        for path in ROOT.glob(f"**/locale/{language}/LC_MESSAGES/django.mo")
        if ".venv" not in path.parts and "site-packages" not in path.parts
    )


def _messages(mo: Path) -> dict[object, str]:
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    # The header entry ("" -> metadata) differs per file by design.
    return {k: v for k, v in catalogue._catalog.items() if k != ""}  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_project_has_catalogues_to_compare(language: str) -> None:
    assert len(_catalogues(language)) >= 4


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_text_has_one_translation_across_the_apps(language: str) -> None:
    seen: dict[object, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for mo in _catalogues(language):
        app = str(mo.relative_to(ROOT).parent.parent.parent.parent)
        for msgid, msgstr in _messages(mo).items():
            if msgstr:
                seen[msgid][msgstr].append(app)
    conflicts = {
        str(msgid): dict(translations)
        for msgid, translations in seen.items()
        if len(translations) > 1
    }
    assert conflicts == {}

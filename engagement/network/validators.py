"""Validators of Finnish and European identifiers used in the directory."""

import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from learning_records.xapi.fields import IRI_PATTERN

_BUSINESS_ID = re.compile(r"^(\d{7})-(\d)$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def business_id_check_digit(digits: str) -> int | None:
    """The Y-tunnus check digit of seven digits (PRH's modulus 11 rule); None when no
    valid check digit exists for them (remainder 1)."""
    remainder = sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def validate_business_id(value: str) -> None:
    match = _BUSINESS_ID.match(value)
    if match is None:
        raise ValidationError(_("A business id (Y-tunnus) looks like 1234567-8."), code="format")
    if business_id_check_digit(match[1]) != int(match[2]):
        raise ValidationError(_("The check digit of this business id is wrong."), code="checksum")


ESCO_SKILL = re.compile(r"^http://data\.europa\.eu/esco/(skill|isco|occupation)/[0-9A-Za-z.\-]+$")


def validate_esco_uri(value: str) -> None:
    if not ESCO_SKILL.match(value):
        raise ValidationError(
            _("An ESCO URI looks like http://data.europa.eu/esco/skill/<id>."), code="esco"
        )


def validate_iri(value: str) -> None:
    # The LRS's own rule (xAPI 1.0.3 Data §4.3), so a criterion can only name an activity or
    # verb that a valid statement could carry.
    if not re.match(IRI_PATTERN, value):
        raise ValidationError(_("An IRI has a scheme, e.g. https://…, and no spaces."), code="iri")


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def validate_language_code(value: str) -> None:
    if not _LANGUAGE_CODE.match(value):
        raise ValidationError(
            _("A teaching language is an ISO 639 code in lower case, e.g. fi."), code="language"
        )


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("Unknown time zone; use an IANA name such as Europe/Helsinki."), code="time_zone"
        ) from None


def validate_language_codes(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give the teaching languages as a list of codes."), code="list")
    for code in value:
        validate_language_code(code)


def validate_iris(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(iri, str) for iri in value):
        raise ValidationError(_("Give a list of IRIs."), code="list")
    for iri in value:
        validate_iri(iri)

"""xAPI Timestamps (xAPI 1.0.3 Data §4.5) and Durations (§4.6)."""

import re
from datetime import UTC, datetime, timedelta

# ISO 8601 combined date and time, extended or basic format (the ADL suite, XAPI-00123, accepts
# both). Seconds and the zone may be left out: §4.5.s1.b4 only says a zone SHOULD* be included.
_EXTENDED = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})T"
    r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?"
    r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?"
)
_BASIC = re.compile(
    r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})T"
    r"(?P<hour>\d{2})(?P<minute>\d{2})(?:(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?"
    r"(?P<zone>Z|[+-]\d{2}(?:\d{2})?)?"
)
# ISO 8601:2004 §4.4.3.2 durations: PnW alone, or PnYnMnDTnHnMnS with any part left out.
_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = re.compile(
    rf"P(?:{_NUMBER}W|(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}D)?"
    rf"(?:T(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?)"
)


def parse_timestamp(value: str) -> datetime:
    """The instant `value` names, aware and in UTC; ValueError says what is wrong.

    A timestamp without a zone is read as UTC: the spec only recommends a zone (§4.5.s1.b4)
    and UTC is what the LRS stores and returns (§4.5.s1.b6).
    """
    match = _EXTENDED.fullmatch(value) or _BASIC.fullmatch(value)
    if match is None:
        raise ValueError("must be an ISO 8601 date and time, e.g. 2024-05-04T12:00:00.000Z")
    zone = match["zone"]
    # RFC 3339 §4.3 gives -00:00 the meaning "offset unknown"; ISO 8601 forbids a negative
    # zero offset, and the ADL suite (XAPI-00123) expects -00, -0000 and -00:00 refused.
    if zone is not None and zone.startswith("-") and zone[1:].replace(":", "") in ("00", "0000"):
        raise ValueError("must not use a negative zero UTC offset (-00:00); use Z or +00:00")
    try:
        moment = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            # §4.5.s1.b7: a timestamp MAY be truncated to a precision of at least milliseconds.
            int((match["fraction"] or "0")[:6].ljust(6, "0")),
            tzinfo=UTC,
        )
        return moment - _offset(zone)
    except (ValueError, OverflowError) as error:
        raise ValueError(f"is not a valid date and time ({error})") from None


def format_timestamp(moment: datetime) -> str:
    """`moment` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (§4.5.s1.b6: return UTC)."""
    if moment.tzinfo is None:
        raise ValueError("format_timestamp needs an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_duration(value: str) -> bool:
    """True if `value` is an ISO 8601:2004 §4.4.3.2 duration with at least one part."""
    return _DURATION.fullmatch(value) is not None and value != "P" and not value.endswith("T")


def _offset(zone: str | None) -> timedelta:
    if zone is None or zone == "Z":
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"UTC offset {zone} is out of range")
    sign = -1 if zone.startswith("-") else 1
    return sign * timedelta(hours=hours, minutes=minutes)


_DURATION_PARTS = re.compile(
    rf"P(?:(?P<W>{_NUMBER})W)?(?:(?P<Y>{_NUMBER})Y)?(?:(?P<Mo>{_NUMBER})M)?(?:(?P<D>{_NUMBER})D)?"
    rf"(?:T(?:(?P<H>{_NUMBER})H)?(?:(?P<Mi>{_NUMBER})M)?(?:(?P<S>{_NUMBER})S)?)?"
)
# Years and months have no fixed length; for time spent on a course, 365 and 30 days will do.
_SECONDS_PER = {
    "W": 604_800,
    "Y": 31_536_000,
    "Mo": 2_592_000,
    "D": 86_400,
    "H": 3600,
    "Mi": 60,
    "S": 1,
}


def duration_seconds(value: str) -> float:
    """The length of an ISO 8601 duration in seconds (0 for one that is not valid)."""
    match = _DURATION_PARTS.fullmatch(value) if is_duration(value) else None
    if match is None:
        return 0.0
    return sum(
        float(number.replace(",", ".")) * _SECONDS_PER[part]
        for part, number in match.groupdict().items()
        if number is not None
    )

"""Timestamps (xAPI 1.0.3 Data §4.5): read as UTC instants, written as UTC."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from learning_records.xapi.timestamps import format_timestamp, parse_timestamp


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        ("2024-05-04T12:00:00.000Z", datetime(2024, 5, 4, 12, tzinfo=UTC)),
        ("2023-05-04T12:00:00-05:00", datetime(2023, 5, 4, 17, tzinfo=UTC)),
        ("2015-06-10T22:31:41+08:00", datetime(2015, 6, 10, 14, 31, 41, tzinfo=UTC)),
        ("2008-09-15T15:53:00.601+00:00", datetime(2008, 9, 15, 15, 53, 0, 601000, tzinfo=UTC)),
        ("20240504T120000,5+0130", datetime(2024, 5, 4, 10, 30, 0, 500000, tzinfo=UTC)),
        ("2024-05-04T12:00+03", datetime(2024, 5, 4, 9, tzinfo=UTC)),
        ("2024-05-04T12:00:00", datetime(2024, 5, 4, 12, tzinfo=UTC)),
        ("2024-05-04T12:00:00.123456789Z", datetime(2024, 5, 4, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2024-01-01T00:30:00+01:00", datetime(2023, 12, 31, 23, 30, tzinfo=UTC)),
    ],
)
def test_it_reads_a_timestamp_as_a_utc_instant(value: str, instant: datetime) -> None:
    """ADL v2_0 4.2.7 "checks if the LRS converts timestamps to UTC"; a missing zone is UTC;
    digits beyond microseconds are truncated (Data §4.5.s1.b7)."""
    parsed = parse_timestamp(value)
    assert parsed == instant
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        "",
        "now",
        "2024-05-04",
        "2024-05-04T12",
        "2024-05-04T12:00:00-00:00",
        "0001-01-01T00:00:00+01:00",
        "2024-13-01T00:00:00Z",
        "2024-05-04T12:00:60Z",
    ],
)
def test_it_raises_value_error_for_a_malformed_timestamp(value: str) -> None:
    with pytest.raises(ValueError, match=r"must|is not a valid"):
        parse_timestamp(value)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 5, 4, 12, tzinfo=UTC), "2024-05-04T12:00:00.000000Z"),
        (
            datetime(2024, 5, 4, 15, 0, 0, 5, tzinfo=timezone(timedelta(hours=3))),
            "2024-05-04T12:00:00.000005Z",
        ),
    ],
)
def test_it_writes_a_timestamp_in_utc_with_microseconds(moment: datetime, text: str) -> None:
    """Data §4.5.s1.b6: the LRS SHOULD* return timestamps in UTC."""
    assert format_timestamp(moment) == text
    assert parse_timestamp(format_timestamp(moment)) == moment


def test_it_refuses_to_write_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_timestamp(datetime(2024, 5, 4, 12))  # noqa: DTZ001 - the naive input is the point

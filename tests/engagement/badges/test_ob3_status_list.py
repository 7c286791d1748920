"""The Bitstring Status List (engagement/badges/status_list.py), decoded by hand here:
multibase 'u' prefix, base64url without padding, GZIP, index 0 = most significant bit of the
first byte (W3C Bitstring Status List v1.0 §4.1, §6.1)."""

import base64
import gzip
from datetime import UTC, datetime

import pytest

from engagement.badges.status_list import (
    MIN_ENTRIES,
    encoded_list,
    list_length,
    status_entry,
    status_list_credential,
)

LIST_URL = "https://kipina.example/badges/v3/status/5f0c"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def decode(encoded: str) -> bytes:
    assert encoded.startswith("u")
    body = encoded[1:]
    assert "=" not in body
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bitstring: bytes, index: int) -> int:
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


def test_an_empty_list_is_sixteen_kilobytes_of_zeros():
    assert decode(encoded_list([], length=list_length(0))) == bytes(16 * 1024)


@pytest.mark.parametrize("index", [0, 7, 8, 94_567, MIN_ENTRIES - 1])
def test_a_revoked_index_is_its_own_bit_and_no_other(index):
    bitstring = decode(encoded_list([index], length=MIN_ENTRIES))
    assert bit(bitstring, index) == 1
    assert sum(bin(byte).count("1") for byte in bitstring) == 1


def test_index_zero_is_the_most_significant_bit_of_the_first_byte():
    assert decode(encoded_list([0], length=MIN_ENTRIES))[0] == 0x80


def test_the_list_grows_in_sixteen_kilobyte_steps_past_the_minimum():
    assert list_length(MIN_ENTRIES - 1) == MIN_ENTRIES
    assert list_length(MIN_ENTRIES) == 2 * MIN_ENTRIES
    credential = status_list_credential(
        list_url=LIST_URL,
        issuer="https://kipina.example/i",
        revoked_indexes=[MIN_ENTRIES + 3],
        valid_from=NOW,
    )
    bitstring = decode(credential["credentialSubject"]["encodedList"])
    assert len(bitstring) == 2 * 16 * 1024
    assert bit(bitstring, MIN_ENTRIES + 3) == 1


def test_an_index_outside_the_list_is_refused():
    with pytest.raises(ValueError, match="outside"):
        encoded_list([-1], length=MIN_ENTRIES)


def test_the_same_revocations_give_the_same_bytes():
    assert encoded_list([3, 9], length=MIN_ENTRIES) == encoded_list([9, 3], length=MIN_ENTRIES)


def test_the_credential_names_the_list_and_its_purpose():
    credential = status_list_credential(
        list_url=LIST_URL,
        issuer="https://kipina.example/i",
        revoked_indexes=[],
        valid_from=NOW,
    )
    assert credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert credential["id"] == LIST_URL
    assert credential["validFrom"] == "2026-11-28T12:00:00Z"
    assert credential["credentialSubject"]["type"] == "BitstringStatusList"
    assert credential["credentialSubject"]["statusPurpose"] == "revocation"


def test_an_entry_points_at_the_list_with_its_index_as_a_string():
    assert status_entry(list_url=LIST_URL, index=42) == {
        "id": f"{LIST_URL}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": LIST_URL,
    }

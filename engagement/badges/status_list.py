"""W3C Bitstring Status List v1.0 for revoking Open Badges 3.0 credentials.

The list is built from the revoked assertions' `status_list_index` values on each request,
so there is no second record of revocation that could drift from the assertions. Pure: no
ORM, no clock; the caller passes the indexes and the time.
"""

import base64
import gzip
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from engagement.badges.credentials import VC_V2_CONTEXT, vc_datetime

STATUS_PURPOSE = "revocation"
# Bitstring Status List v1.0 §6.1: at least 16 KB (131,072 entries), so that one credential's
# bit hides among many: a verifier fetching the list learns nothing about which one it checks.
MIN_ENTRIES = 16 * 1024 * 8


def list_length(highest_index: int) -> int:
    """Entries in a list that holds `highest_index`: the minimum, grown in 16 KB steps."""
    needed = highest_index + 1
    blocks = -(-needed // MIN_ENTRIES)
    return max(1, blocks) * MIN_ENTRIES


def encoded_list(set_indexes: Iterable[int], *, length: int) -> str:
    """The multibase (base64url, 'u') of the GZIP-compressed bitstring with these bits set.

    §4.1: index 0 is the left-most bit, that is the most significant bit of the first byte.
    """
    bits = bytearray(length // 8)
    for index in set_indexes:
        if not 0 <= index < length:
            raise ValueError(f"status list index {index} is outside 0..{length - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same revocations give the same bytes, so caches and ETags work.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def status_entry(*, list_url: str, index: int) -> dict[str, Any]:
    """The `credentialStatus` of a credential whose revocation bit is `index` in the list."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": STATUS_PURPOSE,
        # §2.1: statusListIndex is a string holding a base-10 integer.
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *, list_url: str, issuer: str, revoked_indexes: Iterable[int], valid_from: datetime
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential with a bit set for each revoked index."""
    revoked = sorted(set(revoked_indexes))
    length = list_length(revoked[-1] if revoked else 0)
    return {
        "@context": [VC_V2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": vc_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encoded_list(revoked, length=length),
        },
    }

"""Which xAPI version a request speaks (the X-Experience-API-Version header)."""

import re
from enum import StrEnum


class XapiVersion(StrEnum):
    V1_0_3 = "1.0.3"
    V2_0_0 = "2.0.0"


SUPPORTED_VERSIONS = (XapiVersion.V1_0_3, XapiVersion.V2_0_0)

# xAPI 1.0.3 Communication §3.3: an LRS accepts any 1.0.x header and answers with the latest
# patch it implements; 2.0.x likewise for 2.0.
_HEADER = re.compile(r"^(?P<major>[12])\.0(?:\.(?P<patch>0|[1-9][0-9]*))?$")


class UnsupportedVersion(ValueError):
    pass


def negotiate_version(header: str | None) -> XapiVersion:
    """The version to answer in, or UnsupportedVersion with the reason."""
    if header is None or header.strip() == "":
        raise UnsupportedVersion("the X-Experience-API-Version header is required")
    match = _HEADER.match(header.strip())
    if match is None:
        raise UnsupportedVersion(
            f"X-Experience-API-Version {header!r} is not supported; "
            f"use one of {', '.join(SUPPORTED_VERSIONS)}"
        )
    return XapiVersion.V1_0_3 if match["major"] == "1" else XapiVersion.V2_0_0

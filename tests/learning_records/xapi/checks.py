"""Shortcuts for the xAPI tests: what parse_statements says about one document."""

from typing import Any

from learning_records.xapi.errors import XapiValidationError
from learning_records.xapi.validate import parse_statements
from learning_records.xapi.versions import XapiVersion


def refusals(document: Any, version: XapiVersion = XapiVersion.V1_0_3) -> list[str]:
    """The error messages for `document`; [] when it is accepted."""
    try:
        parse_statements(document, version=version)
    except XapiValidationError as error:
        return error.errors
    return []


def accepted(document: Any, version: XapiVersion = XapiVersion.V1_0_3) -> dict[str, Any]:
    """The one statement parse_statements returns for a single-object `document`."""
    (statement,) = parse_statements(document, version=version)
    return statement

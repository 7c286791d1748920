"""The one strict configuration every xAPI model shares."""

from pydantic import BaseModel, ConfigDict


class XapiModel(BaseModel):
    """Closed, strictly typed JSON objects.

    xAPI 1.0.3 Data §2.2.s4.b1: the LRS MUST reject wrong data types ("1" for 1, "true" for
    true) and keys the spec does not allow (key case included), and SHOULD* reject additional
    properties (§2.2.s4.b8). NaN and infinities are not JSON numbers.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)

"""Badge images: the bundled default, and baked copies (the PNG with the assertion inside).

Baking is openbadges-bakery's: it writes the OB 2.0 `openbadges` iTXt chunk right after
IHDR (Open Badges Baking Specification) and drops any earlier one.
"""

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import openbadges_bakery  # type: ignore[import-untyped]
import png  # type: ignore[import-untyped]

from engagement.badges.models import BadgeClass

DEFAULT_IMAGE = Path(__file__).resolve().parent / "images" / "default-badge.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Backpacks and the OB 2.0 validator show badges small; a larger upload is a mistake.
MAX_IMAGE_BYTES = 512 * 1024


@cache
def default_image() -> bytes:
    return DEFAULT_IMAGE.read_bytes()


def badge_image(badge_class: BadgeClass) -> bytes:
    return bytes(badge_class.image) or default_image()


def image_check(data: bytes) -> None:
    """ValueError unless `data` is a PNG that decodes, within the size limit."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"the image is larger than {MAX_IMAGE_BYTES // 1024} KB")
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("the image is not a PNG")
    try:
        width, height, rows, _info = png.Reader(bytes=data).read()
        for _row in rows:  # decoding every row finds a truncated or corrupt file
            pass
    except png.Error as exc:
        raise ValueError(f"the PNG does not decode: {exc}") from None
    if width < 1 or height < 1:
        raise ValueError("the image is empty")


def baked(image: bytes, assertion: dict[str, Any]) -> bytes:
    """The image with the assertion document embedded (compact JSON, UTF-8)."""
    document = json.dumps(assertion, ensure_ascii=False, separators=(",", ":"))
    out = openbadges_bakery.bake(io.BytesIO(image), document, io.BytesIO())
    return out.getvalue()


def unbaked(image: bytes) -> dict[str, Any] | None:
    """The assertion inside a baked image, or None."""
    found = openbadges_bakery.unbake(io.BytesIO(image))
    return None if found is None else json.loads(found)

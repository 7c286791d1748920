"""RFC 5646 language tags, the keys of xAPI Language Maps (xAPI 1.0.3 Data §4.2)."""

import re
from functools import lru_cache

# RFC 5646 §2.1 ABNF. xAPI 1.0.3 Data §2.2.s4.b2: the LRS MUST at least validate the sequence
# of subtag lengths; the ADL suite (formatting.js) also refuses a repeated extension singleton.
_LANGTAG = re.compile(
    r"""
    (?P<language>[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})
    (?:-[a-z]{4})?                                   # script
    (?:-(?:[a-z]{2}|[0-9]{3}))?                      # region
    (?P<variants>(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*)
    (?P<extensions>(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*)
    (?:-x(?:-[a-z0-9]{1,8})+)?                       # private use
    """,
    re.VERBOSE | re.ASCII,
)
_PRIVATE_USE = re.compile(r"x(?:-[a-z0-9]{1,8})+", re.ASCII)
_SINGLETON = re.compile(r"-([0-9a-wyz])(?=-)", re.ASCII)
# RFC 5646 §2.2.8: grandfathered tags that do not fit the langtag production.
_IRREGULAR = frozenset(
    [
        "en-gb-oed",
        "i-ami",
        "i-bnn",
        "i-default",
        "i-enochian",
        "i-hak",
        "i-klingon",
        "i-lux",
        "i-mingo",
        "i-navajo",
        "i-pwn",
        "i-tao",
        "i-tay",
        "i-tsu",
        "sgn-be-fr",
        "sgn-be-nl",
        "sgn-ch-de",
    ]
)


@lru_cache(maxsize=4096)
def is_language_tag(tag: str) -> bool:
    """True if `tag` is a well-formed RFC 5646 language tag (case-insensitive)."""
    lowered = tag.lower()
    if lowered in _IRREGULAR or _PRIVATE_USE.fullmatch(lowered):
        return True
    match = _LANGTAG.fullmatch(lowered)
    if match is None:
        return False
    # RFC 5646 §2.2.5 and §2.2.6: a variant or an extension singleton appears at most once.
    variants = match["variants"].split("-")[1:]
    singletons = _SINGLETON.findall(match["extensions"])
    return len(set(variants)) == len(variants) and len(set(singletons)) == len(singletons)

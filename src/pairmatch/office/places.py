"""Place names as offices write them: 湖北 and 湖北省, 秭归 and 秭归县 are one place.

Registers kept by different hands write the same county with or without its suffix, and a
province or city short or long. :func:`place_key` is the one rule that decides whether two
names are the same place; pairmatch compares jurisdictions by it and shows names as the
register wrote them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

__all__ = ["SUFFIXES", "place_key"]

#: The suffixes a name may be written with or without, by jurisdiction level (longest
#: first). An autonomous county, city or prefecture may also leave out its peoples
#: (长阳土家族自治县, 长阳县 and 长阳 are one county).
SUFFIXES: Final[dict[str, tuple[str, ...]]] = {
    "province": ("特别行政区", "自治区", "省", "市"),
    "city": ("自治州", "地区", "市", "州", "盟"),
    "county": ("自治县", "自治旗", "林区", "特区", "县", "区", "市", "旗"),
}
_PEOPLES = re.compile(r"^(..+?)(?:[^族]{1,4}族)+(自治(?:县|旗|州|区))$")
_ETHNIC_REGION = re.compile(r"^(..+?)(?:壮族|回族|维吾尔)$")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def place_key(name: str, level: str = "county") -> str:
    """The key two names of one place share: NFKC-normalised, spaces removed, and for a
    province, city or county the suffix of :data:`SUFFIXES` left out (never the whole
    name). Townships and villages are compared as written, up to spaces and width.

    >>> place_key("秭归县"), place_key(" 秭归 "), place_key("长阳土家族自治县")
    ('秭归', '秭归', '长阳')
    >>> place_key("湖北省", "province"), place_key("湖北", "province")
    ('湖北', '湖北')
    >>> place_key("广西壮族自治区", "province"), place_key("和县")
    ('广西', '和')
    >>> place_key("城关镇", "township")
    '城关镇'
    """
    text = _SPACE.sub("", unicodedata.normalize("NFKC", name))
    if level not in SUFFIXES:
        return text
    peoples = _PEOPLES.match(text)
    if peoples:
        text = peoples[1] + peoples[2]
    for suffix in SUFFIXES[level]:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    region = _ETHNIC_REGION.match(text) if level == "province" else None
    return region[1] if region else text

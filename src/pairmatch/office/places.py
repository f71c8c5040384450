"""Place names as offices write them: 湖北 and 湖北省, 秭归 and 秭归县 are one place.

Registers kept by different hands write the same county with or without its suffix, and a
province or city short or long. :func:`place_key` is the one rule that decides whether two
names are the same place; pairmatch compares jurisdictions by it (the registry, the
verifier and the partition into counties all do) and shows names as the register wrote
them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Final

import numpy as np

__all__ = ["CHINA", "PEOPLES", "SUFFIXES", "in_china", "place_key"]

#: Where China is, roughly: (lat from, lat to), (lon from, lon to). Coordinates outside it
#: whose swap is inside it have 经度 and 纬度 the wrong way round; a geocoder's answer
#: outside it is refused as a wrong guess.
CHINA: Final[tuple[tuple[float, float], tuple[float, float]]] = ((18.0, 54.0), (73.0, 135.0))

#: The suffixes a name may be written with or without, by jurisdiction level (longest
#: first). A suffix is left out only when at least two characters remain: 和县 stays 和县,
#: 杭州 stays 杭州 (杭州市 → 杭州), 沙市 stays 沙市 (沙市区 → 沙市).
SUFFIXES: Final[dict[str, tuple[str, ...]]] = {
    "province": ("特别行政区", "自治区", "省", "市"),
    "city": ("自治州", "地区", "市", "州", "盟"),
    "county": ("自治县", "自治旗", "林区", "特区", "县", "区", "市", "旗"),
}

#: China's 55 minority peoples, as an autonomous place names them (长阳土家族自治县 is
#: 长阳, 黔东南苗族侗族自治州 is 黔东南); without 族 too (巴音郭楞蒙古自治州, 新疆维吾尔
#: 自治区).
PEOPLES: Final[tuple[str, ...]] = (
    "壮", "回", "满", "维吾尔", "苗", "彝", "土家", "藏", "蒙古", "侗", "布依", "瑶", "白",
    "朝鲜", "哈尼", "黎", "哈萨克", "傣", "畲", "傈僳", "东乡", "仡佬", "拉祜", "佤", "水",
    "纳西", "羌", "土", "仫佬", "锡伯", "柯尔克孜", "景颇", "达斡尔", "撒拉", "布朗", "毛南",
    "塔吉克", "普米", "阿昌", "怒", "鄂温克", "京", "基诺", "德昂", "保安", "俄罗斯", "裕固",
    "乌孜别克", "门巴", "鄂伦春", "独龙", "赫哲", "高山", "珞巴", "塔塔尔", "各",
)  # fmt: skip
_PEOPLE = "|".join(sorted((re.escape(p) for p in PEOPLES), key=len, reverse=True))
#: A name ending in its peoples before 自治县/旗/州/区 (族 may be left out).
_AUTONOMOUS = re.compile(rf"^(.*?)((?:(?:{_PEOPLE})族?)+)(自治(?:县|旗|州|区))$")
_SPACE = re.compile(r"\s+")


def in_china(lat: Any, lon: Any) -> Any:
    """Whether each point (numbers or arrays of WGS84 degrees) is inside :data:`CHINA`;
    NaN is not."""
    (lat0, lat1), (lon0, lon1) = CHINA
    with np.errstate(invalid="ignore"):
        return (lat >= lat0) & (lat <= lat1) & (lon >= lon0) & (lon <= lon1)


@lru_cache(maxsize=65536)
def place_key(name: str, level: str = "county") -> str:
    """The key two names of one place share: NFKC-normalised, spaces removed, and for a
    province, city or county its peoples (before 自治…) and its suffix of
    :data:`SUFFIXES` left out, never leaving fewer than two characters. Townships and
    villages are compared as written, up to spaces and width.

    >>> place_key("秭归县"), place_key(" 秭归 "), place_key("长阳土家族自治县")
    ('秭归', '秭归', '长阳')
    >>> place_key("湖北省", "province"), place_key("湖北", "province")
    ('湖北', '湖北')
    >>> place_key("广西壮族自治区", "province"), place_key("内蒙古自治区", "province")
    ('广西', '内蒙古')
    >>> place_key("杭州市", "city"), place_key("杭州", "city")
    ('杭州', '杭州')
    >>> place_key("黔东南苗族侗族自治州", "city"), place_key("鄂温克族自治旗")
    ('黔东南', '鄂温克')
    >>> place_key("和县"), place_key("城关镇", "township")
    ('和县', '城关镇')
    """
    text = _SPACE.sub("", unicodedata.normalize("NFKC", name))
    if level not in SUFFIXES:
        return text
    autonomous = _AUTONOMOUS.match(text)
    if autonomous and len(autonomous[1]) >= 2:
        text = autonomous[1] + autonomous[3]
    elif autonomous:  # 鄂温克族自治旗: the people is the name
        text = autonomous[1] + autonomous[2].removesuffix("族") + autonomous[3]
    for suffix in SUFFIXES[level]:
        if text.endswith(suffix) and len(text) - len(suffix) >= 2:
            return text[: -len(suffix)]
    return text

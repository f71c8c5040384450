"""Figures of a :class:`~pairmatch.MatchResult`, reached as ``result.plot``.

Where the children, the volunteers and the pairs are (an interactive folium map, or the same
picture in matplotlib for reports), how far volunteers travel, which needs the pairing
covers and how loaded the volunteers are:

    result = pm.match(children, volunteers, policy)
    result.plot.map()                   # folium.Map: shows itself in a notebook
    result.plot.map_static()            # matplotlib Figure, for reports
    result.plot.distances()
    result.plot.coverage(by="township")
    result.plot.load()
    result.plot.load().savefig("load.png")

Figures need the ``plot`` extra (``pip install 'pairmatch-care[plot]'``): matplotlib, and
folium for the interactive map, and the Noto Sans SC font (package ``pylopdf-fonts-zh-cn``)
for Chinese place names. They are imported when a figure is drawn, never by
``import pairmatch``. Figures are built with matplotlib's object API
(:class:`matplotlib.figure.Figure`), so none is left open in pyplot's global state; every
matplotlib method also draws into an axes of your own with ``ax=``.

Nothing personal is drawn: tooltips, labels and titles hold only ids, need and child
categories, reason codes, distances, loads, capacities and jurisdiction names. The
children's and volunteers' names, id numbers and addresses are never read.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from pairmatch import arguments
from pairmatch.errors import ArgumentError, ArgumentTypeError, MissingDependencyError
from pairmatch.model.records import JURISDICTION_LEVELS
from pairmatch.model.vocab import LEVEL_MAX, NEEDS
from pairmatch.views import Solved

if TYPE_CHECKING:
    import folium
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


__all__ = ["CJK_FONTS", "GROUP_COLUMNS", "INSTALL_HINT", "NEED_COLORS", "Plotter"]

INSTALL_HINT: Final[str] = "pip install 'pairmatch-care[plot]'"

#: Font families with Chinese glyphs that a figure looks for among the system's fonts, in
#: this order, before the Noto Sans SC that the ``plot`` extra ships (package
#: ``pylopdf-fonts-zh-cn``); failing both, any other system font with the glyphs.
CJK_FONTS: Final[tuple[str, ...]] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "Noto Sans CJK JP",  # Debian's fonts-noto-cjk: the first face of its collection
    "Source Han Sans",
    "Droid Sans Fallback",
)
#: Characters of Chinese place names a font must have to be taken.
_GLYPH_SAMPLE: Final[str] = "省市县区镇乡村街道社城关石门王家坝"
#: A character that needs a CJK font: CJK punctuation, kana, ideographs, full-width forms.
_CJK_TEXT: Final[re.Pattern[str]] = re.compile(
    "[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]"
)
_FONT_HINT: Final[str] = (
    f"{INSTALL_HINT} (it brings the Noto Sans SC font), or install a CJK font on the system "
    "(such as Noto Sans CJK SC: Debian's fonts-noto-cjk)"
)

#: Colour of each need category (a child is drawn in the colour of their main need).
NEED_COLORS: Final[dict[str, str]] = {
    "study": "#1f77b4",
    "life": "#2ca02c",
    "psychological": "#9467bd",
    "safety": "#ff7f0e",
}
_NO_NEED = "#9e9e9e"
_UNMATCHED = "#d62728"
_VOLUNTEER = "#303030"
_PAIR = "#606060"
#: (main need code, colour, words) of each group of children the maps draw.
_CHILD_GROUPS: Final[tuple[tuple[int, str, str], ...]] = (
    *((k, NEED_COLORS[need], f"main need {need}") for k, need in enumerate(NEEDS)),
    (-1, _NO_NEED, "no need"),
)

#: Children's columns ``coverage`` may group by (never a personal one).
GROUP_COLUMNS: Final[tuple[str, ...]] = (*JURISDICTION_LEVELS, "category")


def _need_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise MissingDependencyError(
            f"pairmatch's figures need matplotlib: {INSTALL_HINT}"
        ) from err


def _has_glyphs(path: str) -> bool:
    """Whether the font file at ``path`` has every character of ``_GLYPH_SAMPLE``."""
    from matplotlib import font_manager

    try:
        font = font_manager.get_font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(c)) for c in _GLYPH_SAMPLE)


def _system_fonts() -> dict[str, list[str]]:
    """The files of each font family matplotlib's font manager knows, by family name
    (matplotlib's Last Resort font, whose every glyph is a box, left out)."""
    from matplotlib import font_manager

    fonts: dict[str, list[str]] = {}
    for entry in font_manager.fontManager.ttflist:
        if not entry.name.startswith("Last Resort"):
            fonts.setdefault(entry.name, []).append(str(entry.fname))
    return fonts


def _shipped_font() -> str | None:
    """Path of the Noto Sans SC that the ``plot`` extra installs, None without it."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = pylopdf_fonts_zh_cn.sans_path()
    return str(path) if path.is_file() else None


@functools.cache
def _cjk_family() -> str | None:
    """Name of a font family with Chinese glyphs that matplotlib's font manager finds, or
    None when there is none: one of ``CJK_FONTS`` on the system, else the shipped Noto Sans
    SC (registered with the font manager here, once), else any system font with the
    glyphs. Looked for on the first figure with Chinese text, not on ``import pairmatch``."""
    system = _system_fonts()
    for name in CJK_FONTS:
        if any(_has_glyphs(path) for path in system.get(name, ())):
            return name
    shipped = _shipped_font()
    if shipped is not None and _has_glyphs(shipped):
        from matplotlib import font_manager

        font_manager.fontManager.addfont(shipped)
        return str(font_manager.FontProperties(fname=shipped).get_name())
    for name, paths in system.items():
        if any(_has_glyphs(path) for path in paths):
            return name
    return None


_warned_no_cjk_font = False


def _show_chinese(ax: Axes) -> None:
    """Let the text in ``ax`` (titles, labels, tick labels, the legend) show Chinese.

    When any of it has Chinese characters, a CJK font family is added at the end of every
    text's families: matplotlib takes from it the glyphs that the text's own font lacks,
    so Latin text keeps the user's font and Chinese is drawn instead of empty boxes. Only
    these texts change, not the user's rcParams (tick labels that matplotlib adds later
    copy the first one's font). Without any CJK font, the figure is drawn all the same and
    a warning (once) says what to install.
    """
    global _warned_no_cjk_font
    from matplotlib.text import Text

    texts = ax.findobj(Text)  # the axes' ticks are made here, if they were not yet
    if not any(isinstance(t, Text) and _CJK_TEXT.search(t.get_text()) for t in texts):
        return
    family = _cjk_family()
    if family is None:
        if not _warned_no_cjk_font:
            _warned_no_cjk_font = True
            warnings.warn(
                "pairmatch found no font with Chinese characters, so the figure draws them "
                f"as empty boxes: {_FONT_HINT}",
                UserWarning,
                stacklevel=3,
            )
        return
    for text in texts:
        if isinstance(text, Text):
            families = list(text.get_fontfamily())
            if family not in families:
                text.set_fontfamily([*families, family])


def _folium() -> Any:
    try:
        import folium
    except ImportError as err:
        raise MissingDependencyError(f"the interactive map needs folium: {INSTALL_HINT}") from err
    return folium


def _show_in_notebooks() -> None:
    """In IPython, make our figures display themselves as PNG, as pyplot's would: unless
    the user already chose a format for figures (``%matplotlib inline``, retina, svg),
    register IPython's own figure printer for them."""
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    formatters = shell.display_formatter.formatters
    for kind in ("image/png", "image/svg+xml", "image/jpeg", "application/pdf"):
        try:
            formatters[kind].lookup_by_type(Figure)
            return  # a format is chosen already
        except KeyError:
            pass
    from IPython.core.pylabtools import select_figure_formats

    select_figure_formats(shell, {"png"})


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """``ax`` and the figure it is on, or a new figure with one axes."""
    figsize = _figsize(figsize)
    if ax is not None:
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):
            raise ArgumentTypeError("ax must be a matplotlib Axes, or None")
        root: Any = ax.figure
        return root.figure, ax  # a figure's .figure is itself, a subfigure's its root
    _need_matplotlib()
    from matplotlib.figure import Figure

    _show_in_notebooks()
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _figsize(value: object) -> tuple[float, float]:
    """``figsize`` checked: (width, height) in inches, each above 0 and at most 200."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ArgumentTypeError("figsize must be a (width, height) pair of inches")
    w, h = (arguments.number("figsize", x, low=0, low_open=True, high=200) for x in value)
    return w, h


@dataclass(frozen=True, eq=False)
class _Picture:
    """What the maps draw, as arrays: children and volunteers in register order, pairs in
    the order of ``result.pairs``."""

    child_id: np.ndarray
    child_lon: np.ndarray
    child_lat: np.ndarray
    category: np.ndarray
    main_need: np.ndarray  # index into NEEDS; -1 when the child has no need at all
    reason: np.ndarray  # the unmatched child's reason code; "" when paired
    volunteer_id: np.ndarray
    volunteer_lon: np.ndarray
    volunteer_lat: np.ndarray
    pair_child: np.ndarray  # child position of each pair
    pair_volunteer: np.ndarray  # volunteer position of each pair
    lead: np.ndarray  # bool: the pair's volunteer leads the child's team
    distance_km: np.ndarray

    @property
    def unmatched(self) -> np.ndarray:
        return self.reason != ""

    @property
    def segments(self) -> np.ndarray:
        """(pairs × 2 × 2) lon/lat of each pair's child and volunteer."""
        child = np.column_stack((self.child_lon, self.child_lat))[self.pair_child]
        volunteer = np.column_stack((self.volunteer_lon, self.volunteer_lat))
        return np.stack((child, volunteer[self.pair_volunteer]), axis=1)


def _main_need(need: np.ndarray) -> np.ndarray:
    """Index of each row's highest need level (the first of NEEDS on a tie), -1 when all
    are 0."""
    if need.shape[0] == 0:
        return np.empty(0, np.int64)
    return np.where(need.max(axis=1) > 0, need.argmax(axis=1), -1)


def _labels(values: pd.Series) -> np.ndarray:
    """Group labels as text, a blank cell as ``(blank)``."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    return text.where(text != "", "(blank)").to_numpy(object)


def _collection(geometry: list[dict[str, Any]], properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one feature per geometry, with these columns (and only
    these) as its properties."""
    keys = list(properties)
    # folium's tooltips insert property values as HTML: text is escaped here, so an id
    # such as "<img onerror=...>" shows as text instead of running in a saved map
    columns = [
        [escape(x) if isinstance(x, str) else x for x in np.asarray(v).tolist()]
        for v in properties.values()
    ]
    rows = zip(*columns, strict=True)
    features = [
        {
            "type": "Feature",
            "id": str(i),
            "geometry": g,
            "properties": dict(zip(keys, r, strict=True)),
        }
        for i, (g, r) in enumerate(zip(geometry, rows, strict=True))
    ]
    return {"type": "FeatureCollection", "features": features}


def _points(lon: np.ndarray, lat: np.ndarray, decimals: int) -> list[dict[str, Any]]:
    return [
        {"type": "Point", "coordinates": [x, y]}
        for x, y in zip(
            np.round(lon, decimals).tolist(), np.round(lat, decimals).tolist(), strict=True
        )
    ]


def _legend_html(dashed: bool) -> str:
    """The interactive map's key (fixed text: no data of any child)."""

    def row(symbol: str, text: str) -> str:
        return f'<div style="display:flex;align-items:center;gap:6px">{symbol}{text}</div>'

    def dot(color: str) -> str:
        return (
            f'<span style="width:10px;height:10px;border-radius:50%;background:{color};'
            'display:inline-block"></span>'
        )

    def line(style: str) -> str:
        return (
            f'<span style="width:18px;border-top:2px {style} {_PAIR};display:inline-block"></span>'
        )

    rows = [row(dot(NEED_COLORS[k]), f"child, main need {k}") for k in NEEDS]
    rows += [
        row(dot(_NO_NEED), "child, no need recorded"),
        row(
            f'<span style="width:10px;height:10px;border-radius:50%;border:2px solid {_UNMATCHED};'
            'display:inline-block;box-sizing:border-box"></span>',
            "unmatched child (reason in tooltip)",
        ),
        row(
            f'<span style="width:8px;height:8px;background:{_VOLUNTEER};display:inline-block">'
            "</span>",
            "volunteer",
        ),
        row(line("solid"), "lead pair"),
    ]
    if dashed:
        rows.append(row(line("dashed"), "support pair"))
    return (
        '<div style="position:fixed;bottom:24px;left:12px;z-index:9999;background:white;'
        "padding:6px 8px;border:1px solid #999;border-radius:4px;font:12px sans-serif;"
        'line-height:18px">' + "".join(rows) + "</div>"
    )


class Plotter:
    """Figures of one :class:`~pairmatch.MatchResult`; reached as ``result.plot``.

    Every method returns its figure, so a notebook shows it; the matplotlib ones draw into
    ``ax`` when given (and return the figure ``ax`` is on), else into a new
    :class:`~matplotlib.figure.Figure`.
    """

    def __init__(self, result: Solved) -> None:
        self._result = result

    def __repr__(self) -> str:
        return f"Plotter({self._result!r})"

    # ---------------------------------------------------------------- data
    @cached_property
    def _picture(self) -> _Picture:
        result = self._result
        reg = result.registry
        pairs, unmatched = result.pairs, result.unmatched
        children, volunteers = reg.children, reg.volunteers
        reason = np.full(len(children), "", dtype=object)
        rows = reg.child_index.get_indexer(pd.Index(unmatched["child_id"], dtype=object))
        reason[rows] = unmatched["reason"].astype(str).to_numpy(object)
        return _Picture(
            child_id=reg.child_ids,
            child_lon=children["lon"].to_numpy(float),
            child_lat=children["lat"].to_numpy(float),
            category=children["category"].astype(str).to_numpy(object),
            main_need=_main_need(reg.need),
            reason=reason,
            volunteer_id=reg.volunteer_ids,
            volunteer_lon=volunteers["lon"].to_numpy(float),
            volunteer_lat=volunteers["lat"].to_numpy(float),
            pair_child=reg.child_index.get_indexer(pd.Index(pairs["child_id"], dtype=object)),
            pair_volunteer=reg.volunteer_index.get_indexer(
                pd.Index(pairs["volunteer_id"], dtype=object)
            ),
            lead=(pairs["role"] == "lead").to_numpy(bool),
            distance_km=pairs["distance_km"].to_numpy(float),
        )

    def _coverage_counts(
        self, by: str, need_from: int | None, skill_from: int | None
    ) -> tuple[pd.DataFrame, pd.DataFrame, int, int]:
        """(children needing, children covered) per group × need category, and the two
        thresholds used; see :meth:`coverage`."""
        if not isinstance(by, str) or by not in GROUP_COLUMNS:
            raise ArgumentError(f"by must be one of {', '.join(GROUP_COLUMNS)}")
        need_from = arguments.whole("need_from", need_from, low=1, high=LEVEL_MAX, optional=True)
        skill_from = arguments.whole("skill_from", skill_from, low=1, high=LEVEL_MAX,
                                     optional=True)  # fmt: skip
        reg, policy = self._result.registry, self._result.policy
        if need_from is None:
            need_from = policy.cover_need_from if policy.cover_need_from is not None else 1
        if skill_from is None:
            skill_from = policy.cover_skill_from
        for name, value in (("need_from", need_from), ("skill_from", skill_from)):
            if not 1 <= value <= LEVEL_MAX:
                raise ArgumentError(f"{name} must be a level from 1 to {LEVEL_MAX}")
        g = self._picture
        needing = reg.need >= need_from
        has_skill = np.zeros_like(needing)
        np.logical_or.at(has_skill, g.pair_child, reg.skill[g.pair_volunteer] >= skill_from)
        labels = _labels(reg.children[by])

        def per_group(flags: np.ndarray) -> pd.DataFrame:
            table = pd.DataFrame(flags.astype(np.int64), columns=list(NEEDS))
            return table.groupby(labels, sort=True).sum().rename_axis(by)

        return per_group(needing), per_group(needing & has_skill), need_from, skill_from

    def _volunteer_units(self) -> tuple[np.ndarray, np.ndarray, int]:
        """(capacity used, capacity) of every volunteer in integer units, and the units of
        one slot: a lead uses a whole slot, a supporter ``policy.support_load`` of one."""
        reg, g = self._result.registry, self._picture
        share = self._result.policy.support_fraction
        m = len(reg.volunteers)
        leads = np.bincount(g.pair_volunteer[g.lead], minlength=m)
        supports = np.bincount(g.pair_volunteer[~g.lead], minlength=m)
        used = leads * share.denominator + supports * share.numerator
        return used, reg.capacity * share.denominator, share.denominator

    # ---------------------------------------------------------------- maps
    def map(
        self,
        *,
        tiles: str | None = "OpenStreetMap",
        radius: float = 4.0,
        decimals: int = 4,
        **map_options: Any,
    ) -> folium.Map:
        """An interactive map of the pairing (needs folium).

        Children are circles in the colour of their main need (the need category with the
        highest level, the first in ``study, life, psychological, safety`` order on a tie;
        grey with no need); volunteers are dark squares; each pair is a line from child to
        volunteer, solid for the team's lead and dashed for a supporting member. Unmatched
        children get a red ring whose tooltip gives their reason code. Tooltips show only
        ids, categories, reason codes and distances. Each kind of mark is a layer that the
        layer control switches on and off; a key sits bottom left.

        Parameters
        ----------
        tiles : str or None, default "OpenStreetMap"
            Base map tiles, as :class:`folium.Map` takes them (None: no base map).
        radius : float, default 4.0
            Radius of a child's circle, in pixels.
        decimals : int, default 4
            Coordinates are rounded to this many decimal places of a degree in the page
            (4: about 10 m), so that a saved map does not carry homes' exact positions.
        **map_options
            Passed on to :class:`folium.Map` (``width``, ``height``, ``attr``, ...).

        Returns
        -------
        folium.Map
            Zoomed to the children and volunteers; save it with ``.save("map.html")``.

        Raises
        ------
        ImportError
            When folium is not installed (``pip install 'pairmatch-care[plot]'``).
        """
        radius = arguments.number("radius", radius, low=0, low_open=True, high=1000)
        decimals = arguments.whole("decimals", decimals, low=0, high=15)
        if tiles is not None and isinstance(tiles, bytes | int | float):
            raise ArgumentTypeError("tiles must be a name or URL of tiles, a tile layer, or None")
        fl = _folium()
        g = self._picture
        try:
            fmap = fl.Map(tiles=tiles, control_scale=True, **map_options)
        except (TypeError, ValueError, KeyError, AttributeError):
            raise ArgumentError("folium.Map does not take the tiles or map options given") from None

        def layer(
            data: dict[str, Any], name: str, fields: list[str], aliases: list[str], **kw: Any
        ) -> None:
            if data["features"]:  # an empty layer would only clutter the layer control
                tip = fl.GeoJsonTooltip(fields=fields, aliases=aliases)
                fl.GeoJson(data, name=name, tooltip=tip, **kw).add_to(fmap)

        seg = np.round(g.segments, decimals)
        pair_fields = ["child_id", "volunteer_id", "role", "distance_km"]
        pair_aliases = ["child", "volunteer", "role", "distance (km)"]
        for is_lead, name, dash in ((True, "lead pairs", None), (False, "support pairs", "6 4")):
            sel = g.lead == is_lead
            style = {"color": _PAIR, "weight": 1.5, "opacity": 0.7, "dashArray": dash}
            layer(
                _collection(
                    [{"type": "LineString", "coordinates": s} for s in seg[sel].tolist()],
                    {
                        "child_id": g.child_id[g.pair_child[sel]],
                        "volunteer_id": g.volunteer_id[g.pair_volunteer[sel]],
                        "role": np.full(int(sel.sum()), "lead" if is_lead else "support"),
                        "distance_km": np.round(g.distance_km[sel], 2),
                    },
                ),
                name,
                pair_fields,
                pair_aliases,
                style_function=lambda _feature, style=style: dict(style),
            )
        used, capacity, unit = self._volunteer_units()
        square = (
            f'<div style="width:8px;height:8px;background:{_VOLUNTEER};'
            'border:1px solid white"></div>'
        )
        layer(
            _collection(
                _points(g.volunteer_lon, g.volunteer_lat, decimals),
                {
                    "volunteer_id": g.volunteer_id,
                    "load": used // unit if unit == 1 else np.round(used / unit, 3),
                    "capacity": capacity // unit,
                },
            ),
            "volunteers",
            ["volunteer_id", "load", "capacity"],
            ["volunteer", "load", "capacity"],
            marker=fl.Marker(icon=fl.DivIcon(html=square, icon_size=(10, 10), icon_anchor=(5, 5))),
        )
        need_name = np.array([*NEEDS, "none"], dtype=object)[g.main_need]
        status = np.where(g.unmatched, "unmatched", "paired")
        for code, color, what in _CHILD_GROUPS:
            sel = g.main_need == code
            layer(
                _collection(
                    _points(g.child_lon[sel], g.child_lat[sel], decimals),
                    {
                        "child_id": g.child_id[sel],
                        "main_need": need_name[sel],
                        "category": g.category[sel],
                        "status": status[sel],
                    },
                ),
                f"children, {what}",
                ["child_id", "main_need", "category", "status"],
                ["child", "main need", "category", "status"],
                marker=fl.CircleMarker(
                    radius=radius,
                    color=color,
                    weight=1,
                    fill=True,
                    fill_color=color,
                    fill_opacity=0.85,
                ),
            )
        sel = g.unmatched
        layer(
            _collection(
                _points(g.child_lon[sel], g.child_lat[sel], decimals),
                {"child_id": g.child_id[sel], "reason": g.reason[sel]},
            ),
            "unmatched children",
            ["child_id", "reason"],
            ["unmatched child", "reason"],
            marker=fl.CircleMarker(radius=radius + 3, color=_UNMATCHED, weight=2, fill=False),
        )
        lat = np.concatenate((g.child_lat, g.volunteer_lat))
        lon = np.concatenate((g.child_lon, g.volunteer_lon))
        if lat.size:  # rounded as the points are: the edges are somebody's home too
            south, west = round(float(lat.min()), decimals), round(float(lon.min()), decimals)
            north, east = round(float(lat.max()), decimals), round(float(lon.max()), decimals)
            fmap.fit_bounds([[south, west], [north, east]])
        fl.LayerControl(collapsed=True).add_to(fmap)
        fmap.get_root().html.add_child(fl.Element(_legend_html(dashed=bool((~g.lead).any()))))
        return fmap

    def map_static(
        self,
        ax: Axes | None = None,
        *,
        figsize: tuple[float, float] = (9.0, 7.0),
        marker_size: float | None = None,
        legend: bool = True,
    ) -> Figure:
        """The map's picture in matplotlib (longitude and latitude), for reports.

        Children are dots in the colour of their main need (as in :meth:`map`), volunteers
        hollow squares, unmatched children red crosses; pairs are grey lines, solid for the
        lead and dashed for a supporting member (one
        :class:`~matplotlib.collections.LineCollection` each, fast for tens of thousands of
        pairs). The axes keep distances
        true to scale around the children's mean latitude.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw here instead of in a new figure.
        figsize : (float, float), default (9, 7)
            Size of a new figure, in inches.
        marker_size : float, optional
            Area of a child's dot, in points² (volunteers and crosses are scaled from it);
            by default from 10 for a few hundred children down to 1 for tens of thousands.
        legend : bool, default True
            Whether to draw the key (outside the axes, to the right).

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn on.
        """
        marker_size = arguments.number("marker_size", marker_size, low=0, low_open=True,
                                       high=1000, optional=True)  # fmt: skip
        legend = arguments.flag("legend", legend)
        fig, ax = _axes(ax, figsize)
        from matplotlib.collections import LineCollection

        g = self._picture
        seg = g.segments
        if marker_size is None:
            marker_size = float(np.clip(3000 / max(g.child_id.size, 1), 1.0, 10.0))
        width = 0.6 if g.lead.size < 2000 else 0.3
        for is_lead, style, name in ((True, "solid", "lead"), (False, "dashed", "support")):
            sel = g.lead == is_lead
            n = int(sel.sum())
            lines = LineCollection(
                list(seg[sel]),
                colors=_PAIR,
                linewidths=width,
                linestyles=style,
                alpha=0.6,
                zorder=1,
                label=f"{name} pairs ({n:,})" if n or is_lead else "_support pairs",
            )
            lines.set_gid(f"{name} pairs")
            ax.add_collection(lines)
        ax.scatter(
            g.volunteer_lon,
            g.volunteer_lat,
            s=marker_size * 1.2,
            marker="s",
            facecolors="none",
            edgecolors=_VOLUNTEER,
            linewidths=0.7,
            zorder=2,
            label=f"volunteers ({g.volunteer_id.size:,})",
        )
        for code, color, what in _CHILD_GROUPS:
            sel = g.main_need == code
            if sel.any():
                ax.scatter(
                    g.child_lon[sel],
                    g.child_lat[sel],
                    s=marker_size,
                    color=color,
                    linewidths=0,
                    zorder=3,
                    label=f"child, {what} ({sel.sum():,})",
                )
        sel = g.unmatched
        ax.scatter(
            g.child_lon[sel],
            g.child_lat[sel],
            s=marker_size * 2.5,
            marker="x",
            color=_UNMATCHED,
            linewidths=1.0,
            zorder=4,
            label=f"unmatched ({sel.sum():,})",
        )
        ax.autoscale_view()
        lat = np.concatenate((g.child_lat, g.volunteer_lat))
        if lat.size:
            ax.set_aspect(1 / max(np.cos(np.radians(lat.mean())), 0.01), adjustable="datalim")
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.set_title(f"{self._result.n_paired:,} of {g.child_id.size:,} children paired")
        if legend:
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
        _show_chinese(ax)
        return fig

    # ---------------------------------------------------------------- charts
    def distances(
        self,
        ax: Axes | None = None,
        *,
        bins: int = 20,
        support: bool = True,
        figsize: tuple[float, float] = (7.0, 4.0),
    ) -> Figure:
        """Histogram of the distance from each child to their lead volunteer.

        The lead pairs' mean and 90th percentile are dashed and dotted lines; the policy's
        ``max_distance_km`` is a red line. Supporting members' distances, when there are
        any, are a step outline over the same bins.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw here instead of in a new figure.
        bins : int, default 20
            Number of equal bins from 0 to ``max_distance_km`` (or to the longest pair).
        support : bool, default True
            Whether to draw the supporting members' distances too.
        figsize : (float, float), default (7, 4)
            Size of a new figure, in inches.

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn on.
        """
        bins = arguments.whole("bins", bins, low=1, high=10_000)
        support = arguments.flag("support", support)
        fig, ax = _axes(ax, figsize)
        g, limit = self._picture, self._result.policy.max_distance_km
        lead, other = g.distance_km[g.lead], g.distance_km[~g.lead]
        top = max(limit, float(g.distance_km.max(initial=0.0)))
        edges = np.linspace(0.0, top, bins + 1)
        counts, _ = np.histogram(lead, bins=edges)
        ax.bar(
            edges[:-1],
            counts,
            np.diff(edges),
            align="edge",
            color="#4c72b0",
            alpha=0.85,
            label=f"lead pairs ({lead.size:,})",
        )
        if support and other.size:
            counts, _ = np.histogram(other, bins=edges)
            ax.stairs(
                counts,
                edges,
                color="#dd8452",
                linewidth=1.5,
                label=f"support pairs ({other.size:,})",
            )
        if lead.size:
            mean, p90 = float(lead.mean()), float(np.percentile(lead, 90))
            ax.axvline(mean, color="black", linestyle="--", label=f"mean {mean:.2f} km")
            ax.axvline(p90, color="black", linestyle=":", label=f"90th percentile {p90:.2f} km")
        else:
            ax.text(0.5, 0.5, "no pairs", transform=ax.transAxes, ha="center", va="center")
            ax.set_ylim(0.0, 1.0)
        ax.axvline(limit, color=_UNMATCHED, label=f"max_distance_km {limit:g}")
        ax.set_xlim(0.0, top * 1.02)
        ax.set_xlabel("distance from child to volunteer, km")
        ax.set_ylabel("pairs")
        ax.set_title("Distance to the volunteer")
        ax.legend(fontsize="small")
        _show_chinese(ax)
        return fig

    def coverage(
        self,
        by: str = "township",
        ax: Axes | None = None,
        *,
        need_from: int | None = None,
        skill_from: int | None = None,
        figsize: tuple[float, float] | None = None,
    ) -> Figure:
        """For each place and need category, the children who need it, split into those
        whose pairing covers the need and those it does not.

        A child *needs* a category when their level in it is at least ``need_from``; the
        need is *covered* when a member of the child's pairing (the lead or any supporting
        member) has a skill of at least ``skill_from`` in it. These are the library's
        coverage rule (:func:`pairmatch.team_rules.coverage`, the policy's ``cover_need_from``
        and ``cover_skill_from``), so under a policy with that rule every paired child's
        needs are covered and the uncovered ones are the unmatched children's. Without the
        rule, ``need_from`` defaults to 1: any need at all. Unmatched children's needs
        always count as not covered.

        Each group on the x axis has one bar per need category (its colour): solid for the
        covered children, hatched above it for the rest.

        Parameters
        ----------
        by : str, default "township"
            The children's column to group by: province, city, county, township, village or
            category (a blank cell is "(blank)").
        ax : matplotlib.axes.Axes, optional
            Draw here instead of in a new figure.
        need_from : int, optional
            Need level from which a child needs a category (default: the policy's
            ``cover_need_from``, else 1).
        skill_from : int, optional
            Skill level that covers a need (default: the policy's ``cover_skill_from``).
        figsize : (float, float), optional
            Size of a new figure, in inches (default: wider with more groups).

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn on.

        Raises
        ------
        ValueError
            When ``by`` is not one of those columns (a personal column never is), or a level
            is not from 1 to 3.
        """
        needing, covered, need_from, skill_from = self._coverage_counts(by, need_from, skill_from)
        groups = needing.index.astype(str)
        size = figsize if figsize is not None else (max(6.0, 2.0 + 1.1 * len(groups)), 4.5)
        fig, ax = _axes(ax, size)
        from matplotlib.colors import to_rgba
        from matplotlib.patches import Patch

        x = np.arange(len(groups), dtype=float)
        width = 0.8 / len(NEEDS)
        for j, need in enumerate(NEEDS):
            at = x + (j - (len(NEEDS) - 1) / 2) * width
            cov = covered[need].to_numpy()
            color = NEED_COLORS[need]
            ax.bar(at, cov, width, color=color, label=f"{need}: covered")
            ax.bar(
                at,
                needing[need].to_numpy() - cov,
                width,
                bottom=cov,
                color=to_rgba(color, 0.25),
                edgecolor=color,
                linewidth=0.6,
                hatch="///",
                label=f"{need}: not covered",
            )
        ax.set_xticks(
            x,
            list(groups),
            rotation=45 if len(groups) > 8 else 0,
            ha="right" if len(groups) > 8 else "center",
        )
        ax.set_xlabel(by)
        ax.set_ylabel("children needing it")
        ax.set_title(
            f"Needs covered by the pairing, by {by}\n"
            f"(need ≥ {need_from}; covered: a member with skill ≥ {skill_from})",
            fontsize="medium",
        )
        handles = [Patch(color=NEED_COLORS[k], label=k) for k in NEEDS] + [
            Patch(facecolor="#808080", label="covered"),
            Patch(
                facecolor="white",
                edgecolor="#808080",
                hatch="///",
                label="not covered\n(or unmatched)",
            ),
        ]
        ax.legend(handles=handles, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
        _show_chinese(ax)
        return fig

    def load(self, ax: Axes | None = None, *, figsize: tuple[float, float] = (7.0, 4.0)) -> Figure:
        """How many volunteers carry each load, from none up, and whether they have room.

        A volunteer's load is the capacity she uses: one slot per child she leads and the
        policy's ``support_load`` per child she supports (without teams: the number of her
        children). Each bar counts the volunteers with that load, stacked as "spare
        capacity" (load below her capacity), "full" (load at capacity) and "not available"
        (inactive, not eligible, or capacity 0). Every volunteer in the register is counted,
        those with no child in the bar at 0. With a fairness penalty and a fixed
        ``fair_load``, that load is a dashed line.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Draw here instead of in a new figure.
        figsize : (float, float), default (7, 4)
            Size of a new figure, in inches.

        Returns
        -------
        matplotlib.figure.Figure
            The figure drawn on.
        """
        fig, ax = _axes(ax, figsize)
        reg, policy = self._result.registry, self._result.policy
        used, capacity, unit = self._volunteer_units()
        levels = np.union1d([0], used)
        at = np.searchsorted(levels, used)
        available = reg.available & (capacity > 0)
        full = available & (used >= capacity)
        x = levels / unit
        width = 0.8 * min(1.0, float(np.diff(x).min(initial=1.0)))
        bottom = np.zeros(levels.size)
        for name, mask, color in (
            ("spare capacity", available & ~full, "#4c72b0"),
            ("full", full, "#dd8452"),
            ("not available", ~available, "#bbbbbb"),
        ):
            counts = np.bincount(at[mask], minlength=levels.size)
            ax.bar(
                x, counts, width, bottom=bottom, color=color, label=f"{name} ({int(mask.sum()):,})"
            )
            bottom += counts
        if policy.fairness_penalty > 0 and policy.fair_load is not None:
            ax.axvline(
                policy.fair_load,
                color="black",
                linestyle="--",
                label=f"fair_load {policy.fair_load}",
            )
        if levels.size <= 25:
            ax.set_xticks(x, [f"{v:g}" for v in x])
        share = policy.support_fraction
        ax.set_xlabel(
            "children per volunteer"
            if share == 1 or not (~self._picture.lead).any()
            else f"capacity used (a lead 1, a supporter {float(share):g})"
        )
        ax.set_ylabel("volunteers")
        busy = int((used > 0).sum())
        ax.set_title(f"Volunteer load: {busy:,} of {used.size:,} volunteers have a child")
        ax.legend(fontsize="small")
        _show_chinese(ax)
        return fig

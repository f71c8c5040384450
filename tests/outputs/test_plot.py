"""Figures of a result (``result.plot``): every figure renders to a PNG with something on it,
its artists agree with the result's tables (computed here independently), an empty pairing
still draws, and nothing personal is ever drawn."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import warnings

import matplotlib
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import pairmatch as pm
from pairmatch.model.vocab import NEEDS
from pairmatch.outputs import plot as plot_module
from pairmatch.outputs.plot import Plotter

matplotlib.use("Agg")

TEAMS = pm.Policy(max_distance_km=4, severe_team_size=(1, 3), cover_need_from=3, support_load=0.5)
SECRETS = ("秘密名字Plot", "990101PLOTSECRET01", "秘密路9号Plot", "VolunteerSecretName")
CHARTS = ("map_static", "distances", "coverage", "load")
KINDS = ("single", "teams", "empty")


@pytest.fixture(scope="module")
def county() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pm.synth.county(300, seed=1)


@pytest.fixture(scope="module")
def results(county) -> dict[str, pm.MatchResult]:
    """One volunteer per child; teams with a coverage rule; and no pair at all."""
    out = {
        "single": pm.match(*county, pm.Policy(max_distance_km=5)),
        "teams": pm.match(*pm.synth.county(100, seed=5), TEAMS),
        "empty": pm.match(*county, pm.Policy(max_distance_km=0.001)),
    }
    assert len(out["single"].pairs) and len(out["single"].unmatched)
    assert (out["teams"].pairs["role"] == "support").any()
    assert len(out["empty"].pairs) == 0
    return out


def _png(fig: Figure, dpi: int = 40) -> np.ndarray:
    """The figure as a PNG that decodes, has the figure's size and is not one colour."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    assert buf.tell() > 0
    buf.seek(0)
    image = mpimg.imread(buf, format="png")
    width, height = fig.get_size_inches() * dpi
    assert image.shape[:2] == (round(height), round(width))
    assert image[..., :3].std() > 0.02
    rgba = np.ascontiguousarray((image * 255).astype(np.uint8)).view(np.uint32)
    assert np.unique(rgba).size > 10  # distinct colours
    return image


def _bars(ax, prefix: str) -> np.ndarray:
    """Heights of the bars of the one container whose label starts with ``prefix``."""
    (found,) = [c for c in ax.containers if c.get_label().startswith(prefix)]
    return np.array([bar.get_height() for bar in found])


# ---------------------------------------------------------------- every figure draws
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_renders_to_a_png_with_content(results, kind, chart) -> None:
    fig = getattr(results[kind].plot, chart)()
    assert type(fig) is Figure
    _png(fig)


def test_plot_is_reached_from_the_result_and_kept(results) -> None:
    result = results["single"]
    assert isinstance(result.plot, Plotter) and result.plot is result.plot


def test_charts_draw_into_given_axes_and_return_their_figure(results) -> None:
    result = results["teams"]
    fig = Figure(figsize=(12, 8), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, chart in zip(axes, CHARTS, strict=True):
        assert getattr(result.plot, chart)(ax=ax) is fig
        assert ax.has_data()
    _png(fig)
    sub = Figure().subfigures(1, 2)[1]
    ax = sub.add_subplot()
    assert result.plot.load(ax=ax) is sub.figure  # a subfigure's root figure


def test_importing_pairmatch_imports_no_plotting_library() -> None:
    code = (
        "import sys, pairmatch, pairmatch.outputs.plot; "
        "print(sorted({'matplotlib', 'folium', 'branca'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- artists agree with tables
def _main_need(children: pd.DataFrame) -> pd.Series:
    levels = children[[f"need_{k}" for k in NEEDS]].set_axis(list(NEEDS), axis=1)
    return levels.idxmax(axis=1).where(levels.max(axis=1) > 0, "none")  # first on a tie


@pytest.mark.parametrize("kind", KINDS)
def test_static_map_has_a_segment_per_pair_and_a_mark_per_record(results, kind) -> None:
    result = results[kind]
    ax = result.plot.map_static().axes[0]
    pairs = result.pairs
    lines = {c.get_gid(): c for c in ax.collections if c.get_gid()}
    for role in ("lead", "support"):
        own = pairs[pairs["role"] == role]
        segments = np.asarray(lines[f"{role} pairs"].get_segments()).reshape(-1, 2, 2)
        assert len(segments) == len(own)
        if len(own):  # each line runs from the child to the volunteer
            child = result.children.set_index("id").loc[own["child_id"], ["lon", "lat"]]
            vol = result.volunteers.set_index("id").loc[own["volunteer_id"], ["lon", "lat"]]
            np.testing.assert_allclose(segments[:, 0], child.to_numpy(float))
            np.testing.assert_allclose(segments[:, 1], vol.to_numpy(float))
    points = {c.get_label().split(" (")[0]: len(c.get_offsets()) for c in ax.collections}
    assert points["volunteers"] == len(result.volunteers)
    assert points["unmatched"] == len(result.unmatched)
    expected = _main_need(result.children).value_counts()
    for need, count in expected.items():
        label = "child, no need" if need == "none" else f"child, main need {need}"
        assert points[label] == count
    assert sum(v for k, v in points.items() if k.startswith("child")) == len(result.children)


@pytest.mark.parametrize("kind", KINDS)
def test_distance_histogram_counts_the_pairs(results, kind) -> None:
    result = results[kind]
    ax = result.plot.distances(bins=15).axes[0]
    pairs = result.pairs
    lead = pairs.loc[pairs["role"] == "lead", "distance_km"]
    heights = _bars(ax, "lead pairs")
    assert len(heights) == 15 and heights.sum() == len(lead)
    vertical = {line.get_label().split(" ")[0]: line.get_xdata()[0] for line in ax.get_lines()}
    assert vertical["max_distance_km"] == result.policy.max_distance_km
    if len(lead):
        assert vertical["mean"] == pytest.approx(lead.mean())
        assert vertical["90th"] == pytest.approx(lead.quantile(0.9))
    else:
        assert "no pairs" in [t.get_text() for t in ax.texts]
    support = pairs.loc[pairs["role"] == "support", "distance_km"]
    steps = [p for p in ax.patches if p.get_label().startswith("support pairs")]
    assert len(steps) == (1 if len(support) else 0)
    if steps:
        assert steps[0].get_data().values.sum() == len(support)


def _expected_coverage(result: pm.MatchResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(children needing, children covered) per township × need, from the tables: under a
    coverage rule from the pairs' ``covers`` column, else from the volunteers' skills."""
    policy, children = result.policy, result.children
    need_from = policy.cover_need_from or 1
    members = result.pairs.merge(
        result.volunteers.rename(columns={"id": "volunteer_id"}), on="volunteer_id"
    )
    needing, covered = {}, {}
    for need in NEEDS:
        if policy.cover_need_from is not None:
            has = members["covers"].str.split(";").map(lambda c, need=need: need in c)
        else:
            has = members[f"skill_{need}"] >= policy.cover_skill_from
        needs = children[f"need_{need}"] >= need_from
        needing[need] = needs.groupby(children["township"]).sum()
        cover = needs & children["id"].isin(members.loc[has, "child_id"])
        covered[need] = cover.groupby(children["township"]).sum()
    return pd.DataFrame(needing), pd.DataFrame(covered)


@pytest.mark.parametrize("kind", KINDS)
def test_coverage_bars_are_the_tables_counts(results, kind) -> None:
    result = results[kind]
    ax = result.plot.coverage().axes[0]
    needing, covered = _expected_coverage(result)
    towns = [t.get_text() for t in ax.get_xticklabels()]
    assert towns == sorted(needing.index)
    for need in NEEDS:
        got_covered = _bars(ax, f"{need}: covered")
        got_missing = _bars(ax, f"{need}: not covered")
        np.testing.assert_array_equal(got_covered, covered.loc[towns, need])
        np.testing.assert_array_equal(got_missing, (needing - covered).loc[towns, need])
    if kind == "empty":
        assert covered.to_numpy().sum() == 0
    if kind == "teams":  # the rule is hard: what is not covered is the unmatched children's
        required = result.children[[f"need_{k}" for k in NEEDS]] >= TEAMS.cover_need_from
        unmatched = result.children["id"].isin(result.unmatched["child_id"])
        assert (needing - covered).to_numpy().sum() == required[unmatched].to_numpy().sum()
        assert covered.to_numpy().sum() > 0


def test_coverage_groups_by_other_places_and_checks_its_arguments(results) -> None:
    plot = results["single"].plot
    ax = plot.coverage(by="category", need_from=2, skill_from=3).axes[0]
    assert {t.get_text() for t in ax.get_xticklabels()} <= {
        "left_behind", "scattered_orphan", "no_guardian_care", "other_difficulty"
    }  # fmt: skip
    assert "need ≥ 2" in ax.get_title() and "skill ≥ 3" in ax.get_title()
    for by in ("name", "id_number", "address", "nowhere"):
        with pytest.raises(ValueError, match="by must be one of"):
            plot.coverage(by=by)
    with pytest.raises(ValueError, match="need_from"):
        plot.coverage(need_from=0)


@pytest.mark.parametrize("kind", KINDS)
def test_load_bars_count_every_volunteer_by_load(results, kind) -> None:
    result = results[kind]
    ax = result.plot.load().axes[0]
    vols, pairs = result.volunteers, result.pairs
    weight = np.where(pairs["role"] == "lead", 1.0, result.policy.support_load)
    load = pd.Series(weight).groupby(pairs["volunteer_id"].to_numpy()).sum()
    load = load.reindex(vols["id"], fill_value=0.0).to_numpy()
    capacity = vols["capacity"].to_numpy()
    available = vols["eligible"].to_numpy(bool) & vols["active"].to_numpy(bool) & (capacity > 0)
    full = available & (load >= capacity - 1e-9)
    spare, full_, absent = (_bars(ax, p) for p in ("spare capacity", "full", "not available"))
    total = spare + full_ + absent
    assert total.sum() == len(vols)
    assert full_.sum() == full.sum() and absent.sum() == (~available).sum()
    x = np.array([bar.get_x() + bar.get_width() / 2 for bar in ax.containers[0]])
    assert x[0] == 0 and total[0] == (load == 0).sum()  # the idle volunteers, always shown
    for at, count in zip(x, total, strict=True):
        assert count == np.isclose(load, at).sum()


# ---------------------------------------------------------------- the interactive map
@pytest.mark.parametrize("kind", KINDS)
def test_map_has_a_line_per_pair_and_a_ring_per_unmatched_child(results, kind) -> None:
    folium = pytest.importorskip("folium")
    result = results[kind]
    fmap = result.plot.map()
    assert isinstance(fmap, folium.Map)
    html = fmap.get_root().render()
    pairs = result.pairs
    assert html.count('"type": "LineString"') == len(pairs)
    assert html.count('"role": "lead"') == (pairs["role"] == "lead").sum()
    assert html.count('"role": "support"') == (pairs["role"] == "support").sum()
    assert html.count('"reason": ') == len(result.unmatched)
    for cid, reason in result.unmatched[["child_id", "reason"]].head(50).itertuples(index=False):
        assert f'"child_id": "{cid}", "reason": "{reason}"' in html
    assert html.count('"main_need": ') == len(result.children)
    assert html.count('"capacity": ') == len(result.volunteers)
    assert "child, main need psychological" in html  # the key
    assert ("support pair" in html) == (pairs["role"] == "support").any()


def test_map_coordinates_are_rounded(results) -> None:
    pytest.importorskip("folium")
    result = results["single"]
    lon = float(result.children["lon"].iat[0])
    page = result.plot.map(decimals=3).get_root().render()
    assert f"{round(lon, 3)}, " in page
    # no coordinate of anybody at full precision: not a point, not the map's bounds
    for table in (result.children, result.volunteers):
        for col in ("lat", "lon"):
            exact = [repr(float(x)) for x in table[col]]
            assert not [x for x in exact if x in page], col


def test_map_tooltips_show_ids_as_text(county) -> None:
    pytest.importorskip("folium")
    children, volunteers = (t.copy() for t in county)
    children.loc[0, "id"] = "<img src=x onerror=alert(1)>"
    result = pm.match(children, volunteers, pm.Policy(max_distance_km=5))
    page = result.plot.map().get_root().render()
    # the tooltips' values, as the browser reads them from the page's JSON
    ids = {json.loads(f'"{x}"') for x in re.findall(r'"child_id": "((?:[^"\\]|\\.)*)"', page)}
    assert "&lt;img src=x onerror=alert(1)&gt;" in ids
    assert not [x for x in ids if "<" in x]


def test_missing_libraries_say_how_to_install_them(results, monkeypatch) -> None:
    plot = Plotter(results["single"])
    monkeypatch.setitem(sys.modules, "folium", None)
    with pytest.raises(ImportError, match=r"pip install 'pairmatch-care\[plot\]'"):
        plot.map()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    for chart in CHARTS:
        with pytest.raises(ImportError, match=r"pip install 'pairmatch-care\[plot\]'"):
            getattr(plot, chart)()


# ---------------------------------------------------------------- privacy
@pytest.fixture(scope="module")
def marked(county) -> pm.MatchResult:
    children, volunteers = (t.copy() for t in county)
    children["name"], children["id_number"], children["address"] = SECRETS[:3]
    volunteers["name"], volunteers["id_number"] = SECRETS[3], SECRETS[1]
    result = pm.match(children, volunteers, pm.Policy(max_distance_km=5))
    assert (result.children["name"] == SECRETS[0]).all()  # the register does carry them
    return result


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_nothing_personal_reaches_the_map(marked) -> None:
    pytest.importorskip("folium")
    _clean(marked.plot.map().get_root().render())


def test_nothing_personal_reaches_a_chart(marked) -> None:
    figures = [getattr(marked.plot, chart)() for chart in CHARTS]
    figures.append(marked.plot.coverage(by="village"))
    for fig in figures:
        _clean("\n".join(t.get_text() for t in fig.findobj(Text)))
        svg = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text in the SVG
            fig.savefig(svg, format="svg")
        _clean(svg.getvalue())
    with pytest.raises(ValueError) as err:
        marked.plot.coverage(by="name")
    _clean(str(err.value))


# ---------------------------------------------------------------- Chinese place names
TOWNSHIPS = {"T01": "城关镇", "T02": "石门乡", "T03": "王家坝村"}


@pytest.fixture(scope="module")
def chinese() -> pm.MatchResult:
    """A synthetic county whose townships have Chinese names."""
    children, volunteers = pm.synth.county(120, seed=3)
    assert set(children["township"]) == set(TOWNSHIPS)
    children["township"] = children["township"].map(TOWNSHIPS)
    return pm.match(children, volunteers, pm.Policy(max_distance_km=5))


def _draw(fig: Figure) -> list[str]:
    """Draw ``fig`` on an Agg canvas; the warnings matplotlib gave about glyphs that no
    font of a text had (it draws those as empty boxes)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # a bare Figure's own canvas draws nothing
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


def test_chinese_township_names_are_drawn_with_a_cjk_font(chinese) -> None:
    families = list(matplotlib.rcParams["font.family"])
    fig = chinese.plot.coverage(by="township")
    names = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert sorted(names) == sorted(TOWNSHIPS.values())
    assert _draw(fig) == []
    _png(fig)
    assert matplotlib.rcParams["font.family"] == families  # the user's settings are left
    # into the user's own axes as well, whose tick labels existed before
    own = Figure(figsize=(6, 3))
    ax = own.add_subplot()
    ax.get_xticklabels()
    chinese.plot.coverage(by="township", ax=ax)
    assert _draw(own) == []


def test_latin_text_keeps_its_font_and_a_latin_figure_is_left_alone(chinese) -> None:
    fig = chinese.plot.coverage(by="township")
    ax = fig.axes[0]
    families = ax.xaxis.label.get_fontfamily()  # "township": the user's family comes first
    assert families[:-1] == list(matplotlib.rcParams["font.family"])
    assert families[-1] != families[0]
    latin = chinese.plot.coverage(by="category")
    assert latin.axes[0].xaxis.label.get_fontfamily() == list(matplotlib.rcParams["font.family"])


def test_every_chart_gives_its_own_text_the_cjk_font(chinese, monkeypatch) -> None:
    """Titles, axis labels and legends get the font too, for when they are in Chinese."""
    monkeypatch.setattr(plot_module, "_CJK_TEXT", re.compile("."))  # as if all were Chinese
    family = plot_module._cjk_family()
    assert family is not None
    for chart in CHARTS:
        fig = getattr(chinese.plot, chart)()
        texts = [t for t in fig.findobj(Text) if t.get_text()]
        assert texts, chart
        assert all(t.get_fontfamily()[-1] == family for t in texts), chart


def test_the_shipped_font_is_found_when_the_system_has_none(monkeypatch) -> None:
    pytest.importorskip("pylopdf_fonts_zh_cn")
    plot_module._cjk_family.cache_clear()
    monkeypatch.setattr(plot_module, "_system_fonts", dict)
    try:
        assert plot_module._cjk_family() == "Noto Sans SC"
    finally:
        plot_module._cjk_family.cache_clear()


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_without_any_cjk_font_figures_still_draw_and_say_so_once(chinese, monkeypatch) -> None:
    plot_module._cjk_family.cache_clear()
    monkeypatch.setattr(plot_module, "_system_fonts", dict)
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)
    monkeypatch.setattr(plot_module, "_warned_no_cjk_font", False)
    try:
        with pytest.warns(UserWarning, match=r"pairmatch found no font with Chinese") as caught:
            fig = chinese.plot.coverage(by="township")
        (warning,) = [w for w in caught if "pairmatch" in str(w.message)]
        assert "pip install 'pairmatch-care[plot]'" in str(warning.message)
        assert warning.filename == __file__  # points at the caller's line
        assert _draw(fig)  # boxes, as matplotlib says itself
        _png(fig)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the second figure says nothing more
            chinese.plot.load()
            chinese.plot.coverage(by="township")
    finally:
        plot_module._cjk_family.cache_clear()

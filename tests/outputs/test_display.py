"""The notebook views (``_repr_html_``): figures that agree with the tables, well-formed and
escaped HTML, and no personal data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import pairmatch as pm
from pairmatch.labels import VALUES

SECRETS = ("秘密名字", "990101SECRET0001", "秘密路1号")


@pytest.fixture(scope="module")
def marked() -> tuple:
    children, volunteers = pm.synth.county(300, seed=4)
    children = children.assign(name=SECRETS[0], id_number=SECRETS[1], address=SECRETS[2])
    volunteers = volunteers.assign(name=SECRETS[0], id_number=SECRETS[1], address=SECRETS[2])
    return children, volunteers


def _parse(html: str) -> ET.Element:
    """The view as XML: it must be well formed (every tag closed, every & escaped)."""
    return ET.fromstring(f"<root>{html}</root>")


def _cells(root: ET.Element) -> list[list[str]]:
    return [["".join(td.itertext()) for td in tr] for tr in root.iter("tr")]


def test_result_view_agrees_with_the_tables(marked) -> None:
    policy = pm.Policy(max_distance_km=4)
    result = pm.match(*marked, policy)
    html = result._repr_html_()
    for secret in SECRETS:
        assert secret not in html
    root = _parse(html)
    title = "".join(root.find(".//h4").itertext())
    assert f"{result.n_paired:,} of {len(result.children):,} children paired" in title
    rows = {r[0]: r[1:] for r in _cells(root)}
    # paired by category, highest priority first
    paired_ids = set(result.pairs["child_id"])
    for category, group in result.children.groupby("category"):
        label = f"{category} ({VALUES['category'][str(category)]})"
        weight, n, k, _ = rows[label]
        assert int(weight) == policy.category_priority[category]
        assert int(n.replace(",", "")) == len(group)
        assert int(k.replace(",", "")) == int(group["id"].isin(paired_ids).sum())
    order = [r[0] for r in _cells(root) if "(" in r[0]]
    weights = [int(rows[c][0]) for c in order]
    assert weights == sorted(weights, reverse=True)
    # unmatched by reason
    for reason, count in result.unmatched["reason"].value_counts().items():
        assert rows[reason] == [f"{count:,}"]
    assert result.status.value in html and "gap" in html
    lead = result.pairs["distance_km"]
    assert f"mean {lead.mean():.2f} km" in html
    assert f"90th percentile {lead.quantile(0.9):.2f} km" in html


def test_ids_are_escaped(marked) -> None:
    children, volunteers = marked
    policy = pm.Policy(max_distance_km=10)
    first = pm.match(children, volunteers, policy).pairs["child_id"].iat[0]
    children = children.replace({"id": {first: "<C&0>"}})  # sorts first: its pair leads
    result = pm.match(children, volunteers, policy)
    assert result.pairs["child_id"].iat[0] == "<C&0>"
    html = result._repr_html_()
    assert "&lt;C&amp;0&gt;" in html
    assert ["<C&0>" in cell for row in _cells(_parse(html)) for cell in row].count(True) == 1


def test_matcher_policy_and_partitioned_views(marked) -> None:
    children, volunteers = marked
    policy = pm.Policy(max_distance_km=4, tag_bonus=3)
    m = pm.Matcher(children, volunteers, policy)
    before = m._repr_html_()
    assert "not solved yet" in before
    m.solve()
    rows = {r[0]: r[1:] for r in _cells(_parse(m._repr_html_()))}
    assert rows["children"] == [f"{len(children):,}"]
    assert rows["pairs proposed"] == [f"{len(m.active):,}"]
    view = policy._repr_html_()
    cells = {r[0]: r[1:] for r in _cells(_parse(view))}
    assert set(cells) >= set(pm.Policy.model_fields)
    assert cells["tag_bonus"][0] == "3.00" and "<b>tag_bonus</b>" in view  # changed: bold
    assert "<b>gender_bonus</b>" not in view  # a default: plain
    assert rows["child_id"][0] == "volunteer_id"  # the first current pairs follow
    parts = pm.match_partitioned(children, volunteers, policy, max_workers=1)
    html = parts._repr_html_()
    cells = _cells(_parse(html))
    head = next(r for r in cells if r[0] == "part")
    assert head == ["part", "children", "volunteers", "status", "gap", "seconds"]
    named = {r[0] for r in cells}
    assert set(parts.parts["part"]) <= named  # which part, by its name
    ledger = parts.ledger()
    for category, group in ledger.groupby("category"):
        label = f"{category} ({VALUES['category'][str(category)]})"
        row = next(r for r in cells if r[0] == label)
        assert row[2:4] == [f"{len(group):,}", f"{int((group['status'] == 'paired').sum()):,}"]
    assert parts.pairs["child_id"].iat[0] in named  # the first pairs
    for text in (before, m._repr_html_(), view, html):
        for secret in SECRETS:
            assert secret not in text


def test_policy_repr_is_short_and_says_what_changed() -> None:
    assert repr(pm.Policy()) == "Policy()"
    policy = pm.Policy(max_distance_km=5, severe_team_size=(1, 3))
    assert repr(policy) == "Policy(max_distance_km=5.0, severe_team_size=(1, 3))"
    assert eval(repr(policy), {"Policy": pm.Policy}) == policy

"""How pairmatch's objects look in Jupyter: ``_repr_html_`` for results, matchers and
policies.

Headline figures first (children paired by category, unmatched by reason, distances,
optimality, time), then the first rows of the pairs. Only ids, codes and figures are
shown: names, id numbers and addresses never are, and every text is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from pairmatch.labels import VALUES, Lang, header, phrase, status_name, value
from pairmatch.model.policy import Policy
from pairmatch.outputs import html
from pairmatch.outputs.ledger import by_category, lead_distances
from pairmatch.views import MatcherView, Partitioned, Solved

__all__ = ["matcher_html", "partitioned_html", "result_html"]

#: Pair rows shown under the headline figures.
HEAD_ROWS = 5

#: The views' sentences, by language; each is filled with :meth:`str.format`.
SAY: dict[str, dict[str, str]] = {
    "en": {
        "result": "MatchResult: {paired:,} of {n:,} children paired ({share:.1%}), "
        "{m:,} volunteers",
        "run": "<p>{k:,} candidate pairs · solved in {seconds:.2f} s</p>",
        "all paired": "<p>Every child is paired.</p>",
        "distances": "<p>distance to the lead volunteer: mean {mean:.2f} km, 90th percentile "
        "{p90:.2f} km, max {max:.2f} km</p>",
        "more pairs": "<p>… {k:,} more pairs in <code>.pairs</code></p>",
        "parts": "PartitionedResult: {paired:,} of {n:,} children paired in {k:,} parts",
        "work": "<p>solved in {seconds:.2f} s of work (all parts)</p>",
        "worst": "<p>parts with the largest gap:</p>",
        "matcher": "Matcher",
        "stability": "<p>stability {stability}</p>",
        "not solved": "<p>not solved yet: call <code>.solve()</code></p>",
        "more active": "<p>… {k:,} more in <code>.active</code></p>",
        "pairs in status": "pairs {status}",
    },
    "zh": {
        "result": "结对结果：{n:,}名儿童中{paired:,}名已结对（{share:.1%}），爱心妈妈{m:,}名",
        "run": "<p>候选结对{k:,}对 · 求解用时{seconds:.2f}秒</p>",
        "all paired": "<p>全部儿童均已结对。</p>",
        "distances": "<p>至主结对人的距离：平均{mean:.2f}公里，90%分位{p90:.2f}公里，"
        "最大{max:.2f}公里</p>",
        "more pairs": "<p>…… 另有{k:,}个结对未显示（见结对明细）</p>",
        "parts": "分片结对结果：{n:,}名儿童中{paired:,}名已结对，共{k:,}片",
        "work": "<p>各片求解共用时{seconds:.2f}秒</p>",
        "worst": "<p>最优性差距最大的分片：</p>",
        "matcher": "结对跟踪",
        "stability": "<p>稳定性规则：{stability}</p>",
        "not solved": "<p>尚未求解</p>",
        "more active": "<p>…… 另有{k:,}个当前结对未显示</p>",
        "pairs in status": "{status}的结对",
    },
}


def _cells(table: pd.DataFrame, lang: Lang) -> list[list[Any]]:
    """A table's rows with its codes in words of ``lang`` (role, status, needs covered)."""
    if lang == "en":
        return [list(row) for row in table.itertuples(index=False)]
    out = table.copy()
    for col in out.columns:
        if col in VALUES:
            out[col] = out[col].map(lambda x, k=col: value(k, x, lang) if isinstance(x, str) else x)
        elif col == "covers":
            out[col] = out[col].map(
                lambda t: "、".join(value("need", k, lang) for k in t.split(";") if k)
            )
    return [list(row) for row in out.itertuples(index=False)]


def _by_category(category: pd.Series, paired: np.ndarray, policy: Policy, lang: Lang) -> str:
    """Children and paired by category, the categories ranked first (highest priority) on
    top."""
    table = by_category(category, paired, policy)
    rows = [
        (f"{c} ({VALUES['category'].get(c, c)})" if lang == "en" else value("category", c, lang),
         w, n, k, f"{share:.1%}")
        for c, w, n, k, share in table.itertuples(index=False)
    ]  # fmt: skip
    words = ["category", "priority points", "children", "paired", "share"]
    return html.table([phrase(w, lang) for w in words], rows, lang)


def _unmatched(reasons: pd.Series, lang: Lang) -> str:
    counts = reasons.value_counts()
    if not len(counts):
        return SAY[lang]["all paired"]
    rows = [(value("reason", str(code), lang), k) for code, k in counts.items()]
    return html.table([phrase("unmatched, by reason", lang), phrase("children", lang)], rows, lang)


def _distances(pairs: pd.DataFrame, lang: Lang) -> str:
    lead = lead_distances(pairs)
    if not len(lead):
        return ""
    return SAY[lang]["distances"].format(mean=lead.mean(), p90=lead.quantile(0.9), max=lead.max())


def _head(pairs: pd.DataFrame, total: int, lang: Lang) -> str:
    columns = [c for c in ("child_id", "volunteer_id", "role", "distance_km", "fit", "covers")
               if c in pairs.columns]  # fmt: skip
    rows = _cells(pairs[columns].head(HEAD_ROWS), lang)
    more = ""
    if total > HEAD_ROWS:
        more = SAY[lang]["more pairs"].format(k=total - HEAD_ROWS)
    return html.table([header(c, lang) for c in columns], rows, lang) + more


def result_html(result: Solved, lang: Lang = "en") -> str:
    """The notebook view of a :class:`~pairmatch.MatchResult`, in ``lang``."""
    n = len(result.children)
    paired = np.zeros(n, bool)
    ids = pd.Index(result.children["id"])
    paired[ids.get_indexer(result.pairs["child_id"].unique())] = True
    seconds = sum(result.timings.values())
    say = SAY[lang]
    return html.box(
        say["result"].format(
            paired=result.n_paired, n=n, share=result.n_paired / max(n, 1), m=len(result.volunteers)
        ),
        html.status_line(
            result.status.value,
            result.gap,
            result.bound,
            result.objective,
            result.solution.solver,
            lang,
        ),
        say["run"].format(k=len(result.candidates), seconds=seconds),
        _by_category(result.children["category"], paired, result.policy, lang),
        _unmatched(result.unmatched["reason"], lang),
        _distances(result.pairs, lang),
        _head(result.pairs, len(result.pairs), lang),
    )


def partitioned_html(result: Partitioned, lang: Lang = "en") -> str:
    """The notebook view of a :class:`~pairmatch.PartitionedResult`, in ``lang``."""
    parts = result.parts
    ledger = result.ledger()
    n = len(ledger)
    worst = parts.sort_values(["gap", "part"], ascending=[False, True]).head(HEAD_ROWS)
    columns = ["part", "children", "volunteers", "status", "gap", "seconds"]
    say = SAY[lang]
    shown = worst[columns].assign(status=worst["status"].map(lambda s: status_name(s, lang)))
    return html.box(
        say["parts"].format(paired=result.n_paired, n=n, k=len(parts)),
        html.status_line(
            result.status.value, result.gap, result.bound, result.objective, "by parts", lang
        ),
        say["work"].format(seconds=parts["seconds"].sum()),
        _by_category(
            ledger["category"], (ledger["status"] == "paired").to_numpy(), result.policy, lang
        ),
        _unmatched(result.unmatched["reason"], lang),
        _distances(result.pairs, lang),
        say["worst"],
        html.table([phrase(c, lang) for c in columns], shown.itertuples(index=False), lang),
        _head(result.pairs, len(result.pairs), lang),
    )


def matcher_html(matcher: MatcherView, lang: Lang = "en") -> str:
    """The notebook view of a :class:`~pairmatch.Matcher`: registers, pairs by status, and
    the last result, in ``lang``."""
    active = matcher.active
    by_status = active["status"].value_counts() if len(active) else pd.Series(dtype=int)
    ended = int(matcher.history["end"].notna().sum())
    say = SAY[lang]
    counts = [
        ("children", len(matcher.children)),
        ("volunteers", len(matcher.volunteers)),
        *((say["pairs in status"].format(status=value("status", str(s), lang)), int(k))
          for s, k in by_status.items()),
        ("pairs ended (history)", ended),
        ("pairs forbidden", len(matcher.forbidden)),
    ]  # fmt: skip
    parts = [
        html.table(["", phrase("count", lang)], [(phrase(w, lang), k) for w, k in counts], lang),
        say["stability"].format(stability=escape(value("stability", matcher.stability, lang))),
    ]
    if matcher.result is not None:
        r = matcher.result
        parts.append(
            html.status_line(r.status.value, r.gap, r.bound, r.objective, r.solution.solver, lang)
        )
    else:
        parts.append(say["not solved"])
    if len(active):
        columns = ["child_id", "volunteer_id", "role", "status", "start"]
        rows = _cells(active[columns].head(HEAD_ROWS), lang)
        parts.append(html.table([header(c, lang) for c in columns], rows, lang))
        if len(active) > HEAD_ROWS:
            parts.append(say["more active"].format(k=len(active) - HEAD_ROWS))
    return html.box(say["matcher"], *parts)

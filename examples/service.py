"""Pairing as a service call: what another system's code (a web service, a nightly job)
does with pairmatch. JSON records with the office's own Chinese headers in, JSON out:
the figures, the pairs and the unmatched children with reasons, or every bad record
and field; the ledger goes to a file, in Chinese, pseudonymised.

    .venv/bin/python examples/service.py < request.json > answer.json
    .venv/bin/python examples/service.py --demo > answer.json   # a synthetic request

The request: ``{"children": [...], "volunteers": [...], "policy": {...}}``, records with
the headers of :data:`CHILD_HEADERS` / :data:`VOLUNTEER_HEADERS`. The answer never holds
a name, an id number or an address: ids only, and with ``--pseudonymise`` not even those
(the key comes from ``PAIRMATCH_PSEUDONYM_KEY``).

Exit codes: 0 paired (some children may be unmatched, each with a reason), 2 bad records
(the answer lists them), 3 no pairing obeys the rules.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

import pairmatch as pm
from pairmatch.ledger import pseudonyms

#: The office's headers → pairmatch's columns (read_children's ``columns=``).
CHILD_HEADERS = {
    "儿童编号": "id", "纬度": "lat", "经度": "lon", "省": "province", "市": "city",
    "县": "county", "乡镇": "township", "村": "village", "儿童类别": "category",
    "学业需求": "need_study", "生活需求": "need_life", "心理需求": "need_psychological",
    "安全需求": "need_safety", "兴趣爱好": "interests", "监护人同意": "guardian_consent",
    "性别": "gender", "姓名": "name", "身份证号": "id_number", "住址": "address",
}  # fmt: skip
VOLUNTEER_HEADERS = {
    "爱心妈妈编号": "id", "纬度": "lat", "经度": "lon", "省": "province", "市": "city",
    "县": "county", "乡镇": "township", "村": "village", "学业辅导": "skill_study",
    "生活照料": "skill_life", "心理疏导": "skill_psychological", "安全教育": "skill_safety",
    "特长": "specialities", "可结对人数": "capacity", "服务半径(公里)": "max_distance_km",
    "符合条件": "eligible", "在岗": "active", "性别": "gender", "姓名": "name",
    "身份证号": "id_number", "住址": "address",
}  # fmt: skip


def pair_county(
    request: dict[str, Any], ledger: Path | None = None, *, pseudonymise: bool = False
) -> tuple[int, dict[str, Any]]:
    """Answer one request: (exit code, JSON-able answer)."""
    try:
        children = pm.read_children(pd.DataFrame(request["children"]), columns=CHILD_HEADERS)
        volunteers = pm.read_volunteers(
            pd.DataFrame(request["volunteers"]), columns=VOLUNTEER_HEADERS
        )
        policy = pm.Policy.model_validate(request.get("policy", {}))
    except pm.ValidationError as err:
        # every bad record and field at once, with row numbers and ids, never the values
        return 2, {"ok": False, "errors": err.to_frame().to_dict("records")}
    result = pm.match(children, volunteers, policy, time_limit=request.get("time_limit"))
    pm.verify(result).raise_if_failed()  # an independent check of every hard rule
    if ledger is not None:
        result.to_ledger(ledger, lang="zh", pseudonymise=pseudonymise)
    pairs = result.pairs[["child_id", "volunteer_id", "role", "distance_km", "fit"]].copy()
    unmatched = result.unmatched[["child_id", "reason", "detail"]].copy()
    if pseudonymise:
        pairs["child_id"] = pseudonyms(pairs["child_id"], "child")
        pairs["volunteer_id"] = pseudonyms(pairs["volunteer_id"], "volunteer")
        unmatched["child_id"] = pseudonyms(unmatched["child_id"], "child")
    answer = {
        "ok": result.solution.has_solution,
        "status": result.status.value,
        "gap": result.gap,
        "children": len(result.children),
        "paired": result.n_paired,
        "unmatched_by_reason": result.unmatched["reason"].value_counts().to_dict(),
        "pairs": pairs.round(3).to_dict("records"),
        "unmatched": unmatched.to_dict("records"),
        "notes": list(result.reasons),
    }
    return (0 if answer["ok"] else 3), answer


def demo_request(n: int = 300) -> dict[str, Any]:
    """A synthetic county as the office's system would send it (Chinese headers)."""
    children, volunteers = pm.synth.county(n, seed=11)
    to_office = {v: k for k, v in CHILD_HEADERS.items()}
    vol_to_office = {v: k for k, v in VOLUNTEER_HEADERS.items()}
    return {
        "children": children.rename(columns=to_office).to_dict("records"),
        "volunteers": volunteers.rename(columns=vol_to_office).to_dict("records"),
        "policy": {"max_distance_km": 6},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="answer a synthetic request")
    parser.add_argument("--ledger", type=Path, help="also write the ledger (.xlsx/.csv)")
    parser.add_argument("--pseudonymise", action="store_true", help="ids as keyed pseudonyms")
    args = parser.parse_args()
    request = demo_request() if args.demo else json.load(sys.stdin)
    code, answer = pair_county(request, args.ledger, pseudonymise=args.pseudonymise)
    json.dump(answer, sys.stdout, ensure_ascii=False, indent=1, default=str)
    print()
    return code


if __name__ == "__main__":
    sys.exit(main())

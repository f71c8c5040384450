"""Teams for the children in greatest need, and what the office can do about the rest.

    .venv/bin/python examples/teams_and_recruitment.py [--children 200]

A synthetic county is paired with teams (多对一) for children in severe need: up to three
volunteers, every need of severity 3 covered by a member with skill >= 2, supporters
using half a slot. Then, for the county office: why one child got the team it got, the
short list of alternatives for a family that asks, why children are unmatched, and how
many volunteers with which skills next month's recruitment should look for.
"""

from __future__ import annotations

import argparse

import pairmatch as pm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()

    children, volunteers = pm.synth.county(args.children, seed=7)
    policy = pm.Policy(
        max_distance_km=4,
        severe_team_size=(1, 3),
        cover_need_from=3,
        support_load=0.5,
        fairness_penalty=0.5,
    )
    result = pm.match(children, volunteers, policy, time_limit=args.time_limit)
    pm.verify(result).raise_if_failed()
    print(result.report())

    ledger = result.ledger(personal=False)
    teams = ledger[ledger["team_size"] > 1]
    if len(teams):
        child = teams.sort_values("priority", ascending=False)["child_id"].iat[0]
        print("\n" + str(result.explain(child)))
        print("\nalternatives for the lead of", child)
        print(result.alternatives(child, k=3, time_limit=30).to_string(index=False))

    print("\nunmatched, by reason:")
    print(result.unmatched["reason"].value_counts().to_string())

    plan = result.shortfall(by="township")
    print("\nrecruitment needed (solver-planned):")
    print(plan.to_string(index=False))


if __name__ == "__main__":
    main()

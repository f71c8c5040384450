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

Exit codes: 0 paired (some children may be unmatched, each with a reason), 2 a bad request
(the answer lists every problem), 3 no pairing obeys the rules, 1 anything unexpected.

A bad request, whatever it holds (not JSON, not an object, records that are not objects,
a bad policy or time limit, a missing pseudonymisation key), is answered with
``{"ok": false, "errors": [{"table", "row", "record_id", "field", "message"}, ...]}``:
every problem, each named by where it is, never by the value given (a value may be a
child's name typed into the wrong field). With ``--pseudonymise`` the errors name rows,
not record ids.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

import pairmatch as pm
from pairmatch.model.policy import read_policy
from pairmatch.outputs.ledger import pseudonyms, secret_key

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


#: The keys of a request; children and volunteers are required.
REQUEST_KEYS = ("children", "volunteers", "policy", "time_limit")
#: Ledger formats (the file's suffix).
LEDGER_SUFFIXES = (".xlsx", ".csv", ".parquet")


def _problem(
    table: str, message: str, *, row: int | None = None, field: str | None = None
) -> dict[str, Any]:
    return {"table": table, "row": row, "record_id": None, "field": field, "message": message}


def _json_kind(value: object) -> str:
    kinds = {list: "a list", dict: "an object", str: "a string", bool: "true or false",
             int: "a number", float: "a number", type(None): "null"}  # fmt: skip
    return kinds.get(type(value), f"a {type(value).__name__}")


def _records(
    request: dict[str, Any], table: str, headers: dict[str, str]
) -> tuple[pd.DataFrame | None, list[dict[str, Any]]]:
    """A register of the request as a table of the office's records, or its problems."""
    if table not in request:
        return None, [_problem("request", "is missing; send a list of records", field=table)]
    records = request[table]
    if not isinstance(records, list):
        text = f"must be a list of records (JSON objects), not {_json_kind(records)}"
        return None, [_problem("request", text, field=table)]
    problems = []
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            text = f"must be a JSON object of the office's fields, not {_json_kind(record)}"
            problems.append(_problem(table, text, row=i))
            continue
        for key, value in record.items():
            if isinstance(value, dict | list):
                # a field is named when it is one of the office's headers or near one
                field = headers.get(key) if isinstance(key, str) else None
                field = field or _near(key, list(headers))
                text = f"must be a text, a number, true/false or null, not {_json_kind(value)}"
                problems.append(_problem(table, text, row=i, field=field))
    if problems:
        return None, problems
    # no records: an empty register with the office's headers (a county with nobody yet)
    return pd.DataFrame(records) if records else pd.DataFrame(columns=list(headers)), []


def _near(key: object, known: list[str]) -> str | None:
    """``key`` when it is close to one of ``known`` (a misspelt key), else None: any other
    key may be anything and is not repeated."""
    if not isinstance(key, str):
        return None
    ascii_word = key.isascii() and key.replace("_", "").isalpha() and 3 <= len(key) <= 40
    return key if ascii_word and difflib.get_close_matches(key, known, n=1, cutoff=0.75) else None


def key_problems() -> list[dict[str, Any]]:
    """The pseudonymisation key's problem (missing, too short), if any."""
    try:
        secret_key(None)
    except (ValueError, TypeError) as err:
        return [_problem("request", str(err), field="PAIRMATCH_PSEUDONYM_KEY")]
    return []


def check_request(
    request: object, *, pseudonymise: bool = False
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Everything a request needs before any work: (the registers, policy and time limit
    read, or None) and every problem found, as the answer lists them."""
    # the key first: no work is done for a request that cannot be answered
    problems = key_problems() if pseudonymise else []
    if not isinstance(request, dict):
        text = (f"must be a JSON object with {', '.join(REQUEST_KEYS)}, not "
                f"{_json_kind(request)}")  # fmt: skip
        return None, [*problems, _problem("request", text)]
    for key in request:
        if key not in REQUEST_KEYS:
            text = f"is not a key of a request; use {', '.join(REQUEST_KEYS)}"
            problems.append(_problem("request", text, field=_near(key, list(REQUEST_KEYS))))
    children, found = _records(request, "children", CHILD_HEADERS)
    problems += found
    volunteers, found = _records(request, "volunteers", VOLUNTEER_HEADERS)
    problems += found
    read: dict[str, Any] = {}
    for name, reader, table, headers in (
        ("children", pm.read_children, children, CHILD_HEADERS),
        ("volunteers", pm.read_volunteers, volunteers, VOLUNTEER_HEADERS),
    ):
        if table is None:
            continue
        try:
            read[name] = reader(table, columns=headers)
        except pm.ValidationError as err:
            problems += [_issue(p, pseudonymise) for p in err.problems]
    settings = request.get("policy")
    if settings is not None and not isinstance(settings, dict):
        text = f"must be a JSON object of settings, not {_json_kind(settings)}"
        problems.append(_problem("policy", text))
    else:
        try:
            read["policy"] = read_policy(settings)
        except pm.ValidationError as err:
            problems += [_issue(p, pseudonymise) for p in err.problems]
    limit = request.get("time_limit")
    number = isinstance(limit, int | float) and not isinstance(limit, bool)
    finite = number and (isinstance(limit, int) or math.isfinite(limit))  # 10**400 is an int
    if limit is not None and not (finite and 0 < limit <= 1e6):
        text = "must be a number of seconds greater than 0 and at most 1000000, or null"
        problems.append(_problem("request", text, field="time_limit"))
    read["time_limit"] = limit
    return (None if problems else read), problems


def _issue(issue: pm.InputIssue, pseudonymise: bool) -> dict[str, Any]:
    """One problem as the answer lists it; pseudonymised answers name rows, not ids."""
    return {
        "table": issue.table,
        "row": issue.row,
        "record_id": None if pseudonymise else issue.record_id,
        "field": issue.field,
        "message": issue.message,
    }


def pair_county(
    request: Any, ledger: Path | None = None, *, pseudonymise: bool = False
) -> tuple[int, dict[str, Any]]:
    """Answer one request: (exit code, JSON-able answer)."""
    read, problems = check_request(request, pseudonymise=pseudonymise)
    if ledger is not None and Path(ledger).suffix.lower() not in LEDGER_SUFFIXES:
        problems.append(_problem("request", "must end in .xlsx, .csv or .parquet",
                                 field="--ledger"))  # fmt: skip
    if ledger is not None and Path(ledger).is_dir():
        problems.append(_problem("request", "is a folder; give a file name", field="--ledger"))
    elif ledger is not None and not Path(ledger).parent.is_dir():
        problems.append(_problem("request", "is in a folder that does not exist",
                                 field="--ledger"))  # fmt: skip
    if read is None or problems:
        # every problem at once, with rows and fields, never the values
        return 2, {"ok": False, "errors": problems}
    result = pm.match(
        read["children"], read["volunteers"], read["policy"], time_limit=read["time_limit"]
    )
    pm.verify(result).raise_if_failed()  # an independent check of every hard rule
    if ledger is not None:
        try:
            result.to_ledger(ledger, lang="zh", pseudonymise=pseudonymise)
        except OSError as err:
            text = f"the ledger could not be written ({err.strerror or type(err).__name__})"
            return 1, {"ok": False, "errors": [_problem("service", text, field="--ledger")]}
    pairs = result.pairs[["child_id", "volunteer_id", "role", "distance_km", "fit"]].copy()
    unmatched = result.unmatched[["child_id", "reason", "detail"]].copy()
    notes = list(result.reasons)
    if pseudonymise:
        pairs["child_id"] = pseudonyms(pairs["child_id"], "child")
        pairs["volunteer_id"] = pseudonyms(pairs["volunteer_id"], "volunteer")
        unmatched["child_id"] = pseudonyms(unmatched["child_id"], "child")
        notes = [f"{len(notes)} notes withheld (they name records)"] if notes else []
    answer = {
        "ok": result.solution.has_solution,
        "status": result.status.value,
        "gap": result.gap if math.isfinite(result.gap) else None,
        "children": len(result.children),
        "paired": result.n_paired,
        "unmatched_by_reason": result.unmatched["reason"].value_counts().to_dict(),
        "pairs": pairs.round(3).to_dict("records"),
        "unmatched": unmatched.to_dict("records"),
        "notes": notes,
    }
    return (0 if answer["ok"] else 3), answer


def demo_request(n: int = 300) -> dict[str, Any]:
    """A synthetic county as the office's system would send it (Chinese headers)."""
    children, volunteers = pm.synth.county(n, seed=11)
    to_office = {v: k for k, v in CHILD_HEADERS.items()}
    vol_to_office = {v: k for k, v in VOLUNTEER_HEADERS.items()}

    def records(table: pd.DataFrame) -> list[dict[str, Any]]:  # a blank is null, as in JSON
        return table.astype(object).where(table.notna(), None).to_dict("records")

    return {
        "children": records(children.rename(columns=to_office)),
        "volunteers": records(volunteers.rename(columns=vol_to_office)),
        "policy": {"max_distance_km": 6},
    }


def read_request(data: bytes) -> tuple[Any, list[dict[str, Any]]]:
    """The request parsed from standard input's bytes, or the problem with them."""

    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        return json.loads(data.decode("utf-8-sig"), parse_constant=no_constant), []
    except UnicodeDecodeError:
        return None, [_problem("request", "is not UTF-8 text; send the request as UTF-8 JSON")]
    except json.JSONDecodeError as err:
        text = f"is not JSON ({err.msg} at line {err.lineno}, column {err.colno})"
        return None, [_problem("request", text)]
    except (ValueError, RecursionError):  # NaN or Infinity, or nested too deep
        return None, [_problem("request", "is not JSON (NaN, Infinity or nested too deep)")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="answer a synthetic request")
    parser.add_argument("--ledger", type=Path, help="also write the ledger (.xlsx/.csv)")
    parser.add_argument("--pseudonymise", action="store_true", help="ids as keyed pseudonyms")
    args = parser.parse_args(argv)
    try:
        if args.demo:
            request, problems = demo_request(), []
        else:
            request, problems = read_request(sys.stdin.buffer.read())
        if problems:
            problems = (key_problems() if args.pseudonymise else []) + problems
            code, answer = 2, {"ok": False, "errors": problems}
        else:
            code, answer = pair_county(request, args.ledger, pseudonymise=args.pseudonymise)
        text = json.dumps(answer, ensure_ascii=False, indent=1, default=str, allow_nan=False)
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # its text may quote anything: only its kind is told
        what = f"unexpected {type(err).__name__}; this is a bug: report it"
        code, text = 1, json.dumps({"ok": False, "errors": [_problem("service", what)]})
    print(text)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""examples/service.py under hostile requests: every bad request is answered with its JSON
error (every problem with table, row, field and message, never a value) and exit code 2;
never a traceback, never a value it was given."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "service.py"
sys.path.insert(0, str(ROOT / "examples"))
try:
    import service
finally:
    sys.path.pop(0)

SENTINELS = ("王小明", "110101200001011234", "13800138000", "幸福路12号", "Wang Xiaoming")
KEY = "PAIRMATCH_PSEUDONYM_KEY"
FIELDS = {"table", "row", "record_id", "field", "message"}


@pytest.fixture(scope="module")
def request_() -> dict[str, Any]:
    """A small good request (the office's Chinese headers)."""
    return service.demo_request(30)


def _answer(capsys, monkeypatch, data: bytes, *argv: str) -> tuple[int, dict[str, Any], str]:
    """Run the script's main in this process with ``data`` on standard input."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code = service.main(list(argv))
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


def _errors(answer: dict[str, Any]) -> list[dict[str, Any]]:
    assert answer["ok"] is False
    assert answer["errors"] and all(set(e) == FIELDS for e in answer["errors"])
    return answer["errors"]


# ---------------------------------------------------------------- standard input
@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "not JSON (Expecting value at line 1, column 1)"),
        (b"   \n", "not JSON"),
        ("王小明".encode(), "not JSON"),
        (b'{"children": [', "not JSON"),
        ("王小明".encode("gbk"), "not UTF-8"),
        (b'{"children": [], "volunteers": [], "time_limit": NaN}', "NaN"),
        (b'{"children": [], "volunteers": [], "time_limit": Infinity}', "NaN"),
        (b"[" * 100_000, "nested too deep"),
        (b"[1, 2]", "not a list"),
        (b"5", "not a number"),
        ('"王小明"'.encode(), "not a string"),
        (b"null", "not null"),
        (b"true", "not true or false"),
    ],
)
def test_garbage_on_standard_input(capsys, monkeypatch, data, words) -> None:
    code, answer, err = _answer(capsys, monkeypatch, data)
    assert code == 2 and err == ""
    (error,) = _errors(answer)
    assert error["table"] == "request" and words in error["message"]
    assert "王小明" not in json.dumps(answer, ensure_ascii=False)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"children": None}, [("request", None, "children", "is missing")]),
        ({"children": "王小明"}, [("request", None, "children", "not a string")]),
        ({"volunteers": {"王小明": 1}}, [("request", None, "volunteers", "not an object")]),
        ({"children": [{"王小明": {"a": 1}}]},
         [("children", 0, None, "must be a text, a number")]),
        ({"children": [{"学业需求": [1]}]}, [("children", 0, "need_study", "not a list")]),
        ({"children": ["王小明", 5, None]},
         [("children", i, None, "must be a JSON object") for i in range(3)]),
        ({"polciy": {}}, [("request", None, "polciy", "not a key of a request")]),
        ({"王小明": 1}, [("request", None, None, "not a key of a request")]),
        ({"policy": "王小明"}, [("policy", None, None, "not a string")]),
        ({"policy": [1]}, [("policy", None, None, "not a list")]),
        ({"policy": {"王小明": 1}}, [("policy", None, None, "not a setting")]),
        ({"policy": {"max_distance_km": "王小明"}},
         [("policy", None, "max_distance_km", "valid number")]),
        ({"policy": {"max_distance_km": -1}}, [("policy", None, "max_distance_km", "greater")]),
        ({"policy": {"need_weights": {"王小明": 1}}},
         [("policy", None, "need_weights", "unknown need category")]),
        ({"policy": {"team_size": [3, 1]}}, [("policy", None, "team_size", "larger")]),
        *[({"time_limit": bad}, [("request", None, "time_limit", "number of seconds")])
          for bad in (-1, 0, "王小明", "5", True, False, [5], {"s": 5}, 10**400, 1e7)],
    ],
)  # fmt: skip
def test_bad_requests_list_every_problem(request_, change, expected) -> None:
    request = {k: v for k, v in request_.items() if k not in change} | change
    request = {k: v for k, v in request.items() if v is not None or k != "children"}
    code, answer = service.pair_county(request)
    assert code == 2
    got = [(e["table"], e["row"], e["field"], e["message"]) for e in _errors(answer)]
    assert len(got) == len(expected)
    for (table, row, field, words), found in zip(expected, got, strict=True):
        assert found[:3] == (table, row, field) and words in found[3], found
    assert "王小明" not in json.dumps(answer, ensure_ascii=False)


def test_missing_registers_and_every_problem_at_once(request_) -> None:
    request = copy.deepcopy(request_)
    del request["volunteers"]
    request["children"][3]["学业需求"] = 9
    request["children"][5]["纬度"] = "王小明"
    request["children"][6]["姓名"] = {"given": "王小明"}
    request["policy"] = {"tag_bonuss": 1}
    request["time_limit"] = "soon"
    code, answer = service.pair_county(request)
    assert code == 2
    where = {(e["table"], e["row"], e["field"]) for e in _errors(answer)}
    assert where == {
        ("request", None, "volunteers"),
        ("children", 6, "name"),  # a nested value: the records are not read further
        ("policy", None, "tag_bonuss"),
        ("request", None, "time_limit"),
    }
    del request["children"][6]["姓名"]
    code, answer = service.pair_county(request)
    where = {(e["table"], e["row"], e["field"]) for e in _errors(answer)}
    assert {("children", 3, "need_study"), ("children", 5, "lat")} <= where
    assert "王小明" not in json.dumps(answer, ensure_ascii=False)


def test_empty_registers_are_a_county_with_nobody(request_) -> None:
    code, answer = service.pair_county({"children": [], "volunteers": []})
    assert code == 0 and answer["ok"] and answer["children"] == 0 and answer["pairs"] == []
    code, answer = service.pair_county({**request_, "volunteers": []})
    assert code == 0 and answer["paired"] == 0 and len(answer["unmatched"]) == 30


def test_a_good_time_limit_is_taken(request_) -> None:
    for limit in (5, 2.5, None):
        code, answer = service.pair_county({**request_, "time_limit": limit})
        assert code == 0 and answer["ok"]


# ---------------------------------------------------------------- the pseudonymisation key
@pytest.mark.parametrize("key", [None, "", "short key"])
def test_the_key_is_checked_before_any_work(request_, monkeypatch, key) -> None:
    if key is None:
        monkeypatch.delenv(KEY, raising=False)
    else:
        monkeypatch.setenv(KEY, key)

    def no_work(*args, **kwargs):
        raise AssertionError("the work started")

    monkeypatch.setattr(service.pm, "match", no_work)
    code, answer = service.pair_county(request_, pseudonymise=True)
    assert code == 2
    (error,) = _errors(answer)
    assert error["field"] == KEY and ("needs a secret key" in error["message"] or
                                       "use at least 16" in error["message"])  # fmt: skip


def test_the_key_is_named_even_when_the_request_is_garbage(capsys, monkeypatch) -> None:
    monkeypatch.delenv(KEY, raising=False)
    code, answer, _ = _answer(capsys, monkeypatch, b"garbage", "--pseudonymise")
    assert code == 2
    assert [e["field"] for e in _errors(answer)] == [KEY, None]


def test_pseudonymised_answers_name_rows_not_ids(request_, monkeypatch) -> None:
    monkeypatch.setenv(KEY, "the county office's own secret")
    request = copy.deepcopy(request_)
    request["children"][2]["学业需求"] = 9
    code, answer = service.pair_county(request, pseudonymise=True)
    assert code == 2
    (error,) = _errors(answer)
    assert (error["row"], error["record_id"], error["field"]) == (2, None, "need_study")
    code, answer = service.pair_county(request)  # without: the id helps the office
    assert _errors(answer)[0]["record_id"] == request["children"][2]["儿童编号"]


def test_pseudonymised_answers_withhold_notes_that_name_records(request_, monkeypatch) -> None:
    """Notes of an infeasible pairing name records (a locked pair's ids): withheld."""
    monkeypatch.setenv(KEY, "the county office's own secret")
    real = service.pm.match
    child = request_["children"][0]["儿童编号"]
    vols = [v["爱心妈妈编号"] for v in request_["volunteers"][:2]]

    def locked(*args, **kwargs):  # two locked pairs for one child: infeasible, with notes
        return real(*args, locked=[(child, v) for v in vols], **kwargs)

    monkeypatch.setattr(service.pm, "match", locked)
    code, answer = service.pair_county(request_)
    assert code == 3 and any(child in note for note in answer["notes"])
    code, answer = service.pair_county(request_, pseudonymise=True)
    assert code == 3 and answer["notes"] == ["2 notes withheld (they name records)"]
    assert child not in json.dumps(answer, ensure_ascii=False)


# ---------------------------------------------------------------- the ledger and the unexpected
@pytest.mark.parametrize("name", ["ledger.txt", "ledger", "folder.xlsx"])
def test_a_bad_ledger_path_is_refused_before_the_work(request_, tmp_path, name) -> None:
    (tmp_path / "folder.xlsx").mkdir()
    code, answer = service.pair_county(request_, tmp_path / name)
    assert code == 2 and _errors(answer)[0]["field"] == "--ledger"


def test_a_ledger_that_cannot_be_written(request_, tmp_path) -> None:
    code, answer = service.pair_county(request_, tmp_path / "missing" / "ledger.csv")
    assert code == 2 and "does not exist" in _errors(answer)[0]["message"]
    code, answer = service.pair_county(request_, Path("/proc/ledger.csv"))
    assert code == 1
    (error,) = _errors(answer)
    assert error["field"] == "--ledger" and "could not be written" in error["message"]


def test_anything_unexpected_is_a_json_error(capsys, monkeypatch, request_) -> None:
    def crash(*args, **kwargs):
        raise RuntimeError("王小明 in a library's message")

    monkeypatch.setattr(service.pm, "match", crash)
    data = json.dumps(request_, ensure_ascii=False).encode()
    code, answer, err = _answer(capsys, monkeypatch, data)
    assert code == 1 and err == ""
    (error,) = _errors(answer)
    assert (
        error["message"].startswith("unexpected RuntimeError") and "王小明" not in error["message"]
    )


def test_the_answer_is_strict_json(capsys, monkeypatch, request_) -> None:
    """No NaN or Infinity in an answer (JSON has none): an unbounded gap is null."""
    monkeypatch.setattr(service.pm.MatchResult, "gap", property(lambda self: float("inf")))
    code, answer, _ = _answer(capsys, monkeypatch, json.dumps(request_).encode())
    assert code == 0 and answer["gap"] is None
    # any other NaN is a bug: told as one, in strict JSON
    monkeypatch.setattr(service.pm.MatchResult, "n_paired", property(lambda self: float("nan")))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(request_).encode())))
    assert service.main([]) == 1
    strict = json.loads(capsys.readouterr().out, parse_constant=lambda name: 1 / 0)
    assert strict["errors"][0]["message"].startswith("unexpected ValueError")


def test_an_interruption_is_quiet(capsys, monkeypatch, request_) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(service.pm, "match", interrupted)
    data = json.dumps(request_, ensure_ascii=False).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    assert service.main([]) == 130
    assert capsys.readouterr().out == ""


# ---------------------------------------------------------------- hypothesis: anything, anywhere
_PLACES = ("top key", "register", "record", "record key", "cell", "nested cell", "policy",
           "policy key", "policy value", "time_limit")  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    place=st.sampled_from(_PLACES),
    secret=st.sampled_from(SENTINELS),
    table=st.sampled_from(["children", "volunteers"]),
    data=st.data(),
)
def test_a_personal_value_anywhere_in_a_request_is_never_echoed(
    request_, place, secret, table, data
) -> None:
    request = copy.deepcopy(request_)
    headers = service.CHILD_HEADERS if table == "children" else service.VOLUNTEER_HEADERS
    header = data.draw(st.sampled_from(list(headers)), label="header")
    row = data.draw(st.integers(0, len(request[table]) - 1), label="row")
    value: Any = data.draw(st.sampled_from([secret, int(secret) if secret.isdigit() else secret]))
    if place == "top key":
        request[secret] = 1
    elif place == "register":
        request[table] = value
    elif place == "record":
        request[table][row] = value
    elif place == "record key":
        request[table][row][secret] = 1  # an extra field: passes through
    elif place == "cell":
        request[table][row][header] = value
    elif place == "nested cell":
        request[table][row][header] = {"given": value}
    elif place == "policy":
        request["policy"] = value
    elif place == "policy key":
        request["policy"] = {secret: 1}
    elif place == "policy value":
        request["policy"] = {data.draw(st.sampled_from(sorted(service.pm.Policy.model_fields))):
                             value}  # fmt: skip
    else:
        request["time_limit"] = value
    code, answer = service.pair_county(request)
    text = json.dumps(answer, ensure_ascii=False)
    assert code in (0, 2)
    if code == 2:
        assert secret not in text and str(value) not in text
        _errors(answer)
        event("error")
    else:  # a cell the office may fill with text (a name, an address) or an id
        assert place in ("record key", "cell")
        event("answered")


def test_the_script_itself_never_shows_a_traceback(tmp_path, request_) -> None:
    """As another system runs it: a few bad requests through a real process."""
    env = {k: v for k, v in os.environ.items() if k != KEY}
    bad = {**request_, "policy": {"max_distance_km": "王小明"}, "time_limit": -1}
    for data, code in ((b"", 2), (b"[1]", 2), (json.dumps(bad).encode(), 2)):
        done = subprocess.run(
            [sys.executable, str(SCRIPT)], input=data, capture_output=True, cwd=tmp_path,
            timeout=300, env=env,
        )  # fmt: skip
        assert done.returncode == code and done.stderr == b""
        answer = json.loads(done.stdout)
        assert answer["ok"] is False and "王小明" not in done.stdout.decode()
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--pseudonymise"], input=b"{}", capture_output=True,
        cwd=tmp_path, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr == b""
    assert json.loads(done.stdout)["errors"][0]["field"] == KEY

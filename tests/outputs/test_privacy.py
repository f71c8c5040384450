"""Children's names, national id numbers and addresses never reach logs, reprs or errors."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

import pairmatch as pm
from pairmatch.cli import main

SECRETS = ("秘密名字", "990101SECRET0001", "秘密路1号")


@pytest.fixture()
def marked(county) -> tuple[pd.DataFrame, pd.DataFrame]:
    children, volunteers = county
    children = children.copy()
    children["name"] = SECRETS[0]
    children["id_number"] = SECRETS[1]
    children["address"] = SECRETS[2]
    return children, volunteers


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_result_reprs_reports_and_explanations(marked, caplog) -> None:
    children, volunteers = marked
    with caplog.at_level(logging.DEBUG, logger="pairmatch"):
        result = pm.match(children, volunteers)
    _clean(caplog.text)
    _clean(repr(result) + result.report() + repr(result.solution) + repr(pm.verify(result)))
    _clean(result.pairs.to_string() + result.unmatched.to_string() + result.summary().to_string())
    for cid in list(result.pairs["child_id"][:5]) + list(result.unmatched["child_id"][:5]):
        explanation = result.explain(cid)
        _clean(str(explanation) + repr(explanation.as_dict()))


def test_records_never_show_personal_fields(marked) -> None:
    row = marked[0].iloc[0].to_dict()
    child = pm.Child.model_validate(row)
    _clean(repr(child) + str(child))
    assert child.name == SECRETS[0]  # kept, just not shown


def test_validation_errors_never_echo_personal_fields(marked) -> None:
    children = marked[0].astype(object)
    children.loc[0, "need_study"] = 9
    children.loc[1, "lat"] = "nowhere"
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(children)
    _clean(str(err.value) + err.value.to_frame().to_string())
    row = children.iloc[0].to_dict()
    row["name"] = 12345  # a wrong type in a sensitive field
    row["id_number"] = SECRETS[1]
    with pytest.raises(Exception) as err2:
        pm.Child.model_validate(row)
    _clean(str(err2.value))
    assert "12345" not in str(err2.value)


def test_command_line_output(tmp_path, marked, capsys) -> None:
    children, volunteers = marked
    children.to_csv(tmp_path / "c.csv", index=False)
    volunteers.to_csv(tmp_path / "v.csv", index=False)
    code = main(
        [
            "-v",
            "match",
            str(tmp_path / "c.csv"),
            str(tmp_path / "v.csv"),
            "-o",
            str(tmp_path / "ledger.csv"),
        ]
    )
    assert code == 0
    out = capsys.readouterr()
    _clean(out.out + out.err)
    # the ledger file is the office's own record and keeps names; --no-personal drops them
    assert SECRETS[0] in (tmp_path / "ledger.csv").read_text(encoding="utf-8-sig")
    main(
        [
            "match",
            str(tmp_path / "c.csv"),
            str(tmp_path / "v.csv"),
            "--no-personal",
            "-o",
            str(tmp_path / "lean.csv"),
        ]
    )
    _clean((tmp_path / "lean.csv").read_text(encoding="utf-8-sig"))


def test_a_personal_value_in_the_wrong_column_is_not_echoed(marked) -> None:
    children = marked[0].astype(object)
    children.loc[0, "lat"] = SECRETS[0]  # a name typed into a number column
    children.loc[1, "guardian_consent"] = SECRETS[1]  # an id number in a flag column
    children.loc[2, "guardian_consent"] = "ture"  # a near-miss of the vocabulary: shown
    children.loc[3, "need_study"] = "maybe"  # a word, but no near-miss: it could be a name
    children.loc[4, "category"] = "Wang Wei"  # a name in pinyin
    with pytest.raises(pm.ValidationError) as err:
        pm.read_children(children)
    text = str(err.value)
    _clean(text)
    assert "'ture'" in text and "the text given" in text
    assert "maybe" not in text and "Wang" not in text

"""Regressions from a bad-day session: nothing the user wrote is overwritten, nothing crashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli, write


def test_generated_quiz_and_keys_never_replace_an_existing_file(tmp_path):
    mine = write(tmp_path / "week3.yaml", "title: written by hand at midnight\n")
    err = run_cli(["quiz", "--generate", "5", "--seed", "3", "--out", str(mine)], exit_code=2).stderr
    assert "already exists" in err and "--force" in err
    assert mine.read_text() == "title: written by hand at midnight\n"
    err = run_cli(["quiz", "introductory", "--seed", "1", "--key", "--format", "md", "--out", str(mine)], exit_code=2).stderr
    assert "already exists" in err
    run_cli(["quiz", "--generate", "5", "--seed", "3", "--out", str(mine), "--force"])
    assert "questions:" in mine.read_text()


def test_class_report_csv_never_replaces_a_results_file(tmp_path):
    answers = write(tmp_path / "a.yaml", "answers: {}\n")
    results = tmp_path / "ada.json"
    run_cli(["quiz", "introductory", "--seed", "1", "--answers", str(answers), "--student", "Ada", "--results", str(results)])
    before = results.read_text()
    err = run_cli(["class", "report", str(results), "--csv", str(results)], exit_code=2).stderr
    assert "results files being reported" in err and results.read_text() == before


@pytest.mark.parametrize("args, message", [
    (["criteria", "electrician-finger-drop", "--stage", "exam"], "Did you mean 'examination'?"),
    (["criteria", "electrician-finger-drop", "--stage", "9"], "has no stage 9"),
    (["criteria", str(ROOT / "cases")], "shows one case"),
    (["assess", "-f", "babinski=true", "--stage", "2"], "--stage needs a case"),
    (["assess", "-f", "umn_regions=cervical", "-f", "umn_regions=bulbar"], "given twice"),
    (["walk", "electrician-finger-drop", "--seed", "3"], "do not apply to a named case"),
])
def test_misuse_is_explained_not_crashed(args, message):
    result = run_cli(args, exit_code=2)
    assert message in " ".join(result.stderr.split())


@pytest.mark.parametrize("body, message", [
    ("history: {call: mmn, investigate: conduction_blok}\n", "Did you mean 'conduction_block'?"),
    ("examination: {call: mmn, investigate: age_at_onset}\n", "already known by then"),
    ("history: '?'\n", "works only at the live prompt"),
    ("history: {call: mmn, confidence: 1000}\n", "not a percentage from 0 to 100"),
    ("history: {confidence: 50}\n", "no call"),
    ("1: mmn\nhistory: als\n", "answered twice"),
])
def test_a_walk_answers_file_is_checked_before_the_walk_starts(tmp_path, body, message):
    answers = write(tmp_path / "calls.yaml", body)
    result = run_cli(["walk", "electrician-finger-drop", "--answers", str(answers), "--json"], exit_code=2)
    assert message in " ".join(result.stderr.split())
    assert "calls.yaml, line" in result.stderr
    assert result.stdout == ""  # nothing half-played


def test_a_random_walk_keeps_its_case_secret_when_interrupted():
    result = run_cli(["walk", "--seed", "7", "--difficulty", "2"], input="m\n", exit_code=130)
    assert "mmn-ddx walk --seed 7 --difficulty 2" in result.stderr
    from bundled import library

    assert not any(case_id in result.stderr for case_id in library())


def test_a_folded_rule_is_not_shown_as_counted_in_the_walk():
    out = run_cli(["walk", "electrician-finger-drop", "--no-input"]).stdout
    assert "folded into" in out


def test_near_certain_probabilities_are_not_shown_as_certainty():
    out = run_cli(["assess", "carpenter-cannot-pinch"]).stdout
    assert "P(MMN) < 0.01" in out and "P(ALS) > 0.99" in out


def test_a_closed_pipe_is_not_a_fault():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(f"{sys.executable} -m mmn_ddx assess {ROOT / 'cases'} | head -1",
                          shell=True, capture_output=True, text=True, env=env, timeout=120,
                          executable="/bin/bash")
    assert "failed unexpectedly" not in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run(f"set -o pipefail; {sys.executable} -m mmn_ddx walk electrician-finger-drop --json | head -1",
                          shell=True, capture_output=True, text=True, env=env, timeout=120, executable="/bin/bash")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["event"] == "stage"


def test_yes_and_no_stay_words_in_a_quiz(tmp_path):
    quiz = write(tmp_path / "yn.yaml", """version: 1
title: Yes or no
cases: [electrician-finger-drop]
questions:
  - id: yn
    kind: choice
    prompt: Does a definite conduction block point to MMN?
    options: [yes, no, only at the elbow]
    answer: yes
    explanation: A definite block outside entrapment sites is the hallmark of MMN.
""")
    out = run_cli(["quiz", str(quiz)], input="yes\n").stdout
    assert ") yes" in out and ") no" in out and "True" not in out
    assert "Right" in out


def test_a_quiz_with_a_missing_case_says_so_once(tmp_path):
    quiz = write(tmp_path / "q.yaml", """version: 1
title: Missing
cases: [mmn-does-not-exist]
questions:
  - {id: q1, kind: leaning, case: mmn-does-not-exist}
""")
    err = run_cli(["validate", str(quiz)], exit_code=2).stderr
    assert "mmn-does-not-exist" in err and "not listed under 'cases'" not in err


def test_interrupted_quiz_counts_skips_apart(tmp_path):
    result = run_cli(["quiz", "introductory"], input="skip\na\n", exit_code=130)
    assert "1 skipped" in result.stderr
